// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* fold.c: see fold.h (taken out of pinwatch-profile, which folded first). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "fold.h"
#include "syms.h"
#include "writer.h"

int pw_fold_begin(const struct pw_fold *f, struct pw_fold_out *o, const char *comm_in, long pid)
{
	char comm[17];

	*o = (struct pw_fold_out){ .as_json = f->json, .first = true };
	memcpy(comm, comm_in, 16);
	comm[16] = '\0';
	o->line = open_memstream(&o->line_buf, &o->line_len);
	if (!o->line)
		return -1;
	if (o->as_json) {
		if (pid >= 0)
			fprintf(o->line, "%ld ", pid);
		pw_buf_printf(&o->json, "{");
		pw_json_kv(&o->json, "comm", comm, sizeof(comm));
		if (pid >= 0)
			pw_buf_printf(&o->json, ",\"pid\":%ld", pid);
		pw_buf_printf(&o->json, ",\"stack\":[");
	}
	/* the comm is the process's to choose (prctl PR_SET_NAME): ';' and
	 * ' ' become '_', control bytes and invalid UTF-8 \xNN */
	for (char *c = comm; *c; c++)
		if (*c == ';' || *c == ' ')
			*c = '_';
	{
		struct pw_buf t = {};

		if (comm[0] && !pw_text_str(&t, comm, sizeof(comm)) && !pw_buf_append(&t, "", 1))
			fputs(t.data, o->line);
		else
			fputs("[unknown]", o->line);
		pw_buf_free(&t);
	}
	return 0;
}

/* Symbol names come from files a user may have written: in the folded
 * line a frame's control bytes, invalid UTF-8, '\\' and ';' are \xNN
 * (writer.h), so that a name cannot end its frame or its line, or carry a
 * terminal escape; in JSON a frame that is not valid UTF-8 shows as \xNN
 * and the row gets stack_hex, every frame's exact bytes. */
void pw_fold_frame(struct pw_fold_out *o, const char *name, bool kernel)
{
	struct pw_buf t = {};

	if (!pw_text_str_also(&t, name, strlen(name), ";") && !pw_buf_append(&t, "", 1))
		fprintf(o->line, ";%s%s", t.data, kernel ? "_[k]" : "");
	pw_buf_free(&t);
	if (o->as_json) {
		char frame[600];

		snprintf(frame, sizeof(frame), "%s%s", name, kernel ? "_[k]" : "");
		if (!o->first) {
			pw_buf_printf(&o->json, ",");
			pw_buf_printf(&o->hex, ",");
		}
		pw_json_str(&o->json, frame, sizeof(frame));
		pw_json_hex(&o->hex, frame, sizeof(frame));
		o->bad |= !pw_utf8_valid(frame, sizeof(frame));
		o->first = false;
	}
}

void pw_fold_stack(struct pw_fold_out *o, int stacks_fd, int id, int depth, bool kernel,
		   const struct pw_ksyms *ksyms, struct pw_usyms *u)
{
	__u64 *ips;
	char name[512];
	int n;

	if (id < 0) {
		if (id != -EFAULT) /* EFAULT: no such stack (user mode, kernel thread) */
			pw_fold_frame(o, kernel ? "[missed kernel stack]" : "[missed user stack]", false);
		return;
	}
	ips = calloc((size_t)depth, sizeof(*ips));
	if (!ips || bpf_map_lookup_elem(stacks_fd, &id, ips)) {
		free(ips);
		pw_fold_frame(o, kernel ? "[missed kernel stack]" : "[missed user stack]", false);
		return;
	}
	for (n = 0; n < depth && ips[n]; n++)
		;
	while (n-- > 0) {
		/* frames past the first hold return addresses: look up the
		 * call instruction (a call to a noreturn function may be the
		 * last instruction of its function) */
		uint64_t delta, ip = n ? ips[n] - 1 : ips[n];

		if (kernel) {
			const char *s = ksyms ? pw_ksyms_find(ksyms, ip, &delta) : NULL;

			pw_fold_frame(o, s ? s : "[unknown]", true);
		} else {
			if (u)
				pw_usyms_name(u, ip, name, sizeof(name), false);
			else
				snprintf(name, sizeof(name), "[unknown]");
			pw_fold_frame(o, name, false);
		}
	}
	free(ips);
}

static int fold_grow(struct pw_fold *f)
{
	size_t cap = f->cap ? f->cap * 2 : 64;
	struct pw_fold_row *p;

	if (f->n < f->cap)
		return 0;
	p = realloc(f->rows, cap * sizeof(*p));
	if (!p)
		return -1;
	f->rows = p;
	f->cap = cap;
	return 0;
}

int pw_fold_end(struct pw_fold *f, struct pw_fold_out *o, uint64_t count)
{
	struct pw_fold_row row = { .count = count };
	int err = 0;

	fclose(o->line);
	row.line = o->line_buf;
	if (o->as_json) {
		pw_buf_printf(&o->json, "]");
		if (o->bad) {
			pw_buf_printf(&o->json, ",\"stack_hex\":[");
			if (o->hex.len)
				pw_buf_append(&o->json, o->hex.data, o->hex.len);
			pw_buf_printf(&o->json, "]");
		}
		pw_buf_free(&o->hex);
		if (!pw_buf_append(&o->json, "", 1))
			row.json = o->json.data;
		else
			pw_buf_free(&o->json);
		if (!row.json)
			err = -1;
	}
	if (!err && fold_grow(f))
		err = -1;
	if (err || !row.line) {
		free(row.line);
		free(row.json);
		return -1;
	}
	f->rows[f->n++] = row;
	return 0;
}

static int by_line(const void *a, const void *b)
{
	return strcmp(((const struct pw_fold_row *)a)->line, ((const struct pw_fold_row *)b)->line);
}

static int by_count(const void *a, const void *b)
{
	const struct pw_fold_row *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->line, y->line);
}

size_t pw_fold_print(struct pw_fold *f, FILE *out)
{
	struct pw_fold_row *rows = f->rows;
	size_t n = f->n, m, i;

	/* stacks that differ only inside a function fold into one line */
	if (n)
		qsort(rows, n, sizeof(*rows), by_line);
	for (i = 0, m = 0; i < n; i++) {
		if (m && !strcmp(rows[m - 1].line, rows[i].line)) {
			rows[m - 1].count += rows[i].count;
			free(rows[i].line);
			free(rows[i].json);
			continue;
		}
		rows[m++] = rows[i];
	}
	if (m)
		qsort(rows, m, sizeof(*rows), by_count);
	for (i = 0; i < m; i++) {
		if (f->json)
			fprintf(out, "%s,\"count\":%llu}\n", rows[i].json, (unsigned long long)rows[i].count);
		else
			fprintf(out, "%s %llu\n", rows[i].line, (unsigned long long)rows[i].count);
		free(rows[i].line);
		free(rows[i].json);
	}
	free(rows);
	*f = (struct pw_fold){ .json = f->json };
	return m;
}
