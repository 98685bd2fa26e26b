// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target for the tracepoint workbench's parsers (loader/tpformat.c):
 * the format-file parser pw_tp_parse_format and the --filter parser
 * pw_tp_parse_filter, then the decoding of a raw record with the parsed
 * format (pwevent.c, both output formats).
 *
 * Input: FORMAT-TEXT '\0' FILTER ['\0' RECORD-BYTES]. Each part is copied
 * into a buffer of its own size, so ASan catches a read past its end. When
 * the format text does not parse, the filter and the record are run against
 * a fixed, valid format (sched_process_exec, plus a char array), so that mutations of the first
 * part do not keep the other parsers from being exercised. Beyond memory
 * errors, it aborts when a parser breaks its contract: a format accepted
 * with a field outside PW_TP_DATA_MAX, a filter accepted with no or too many
 * conditions, a condition that does not match its field, an error message
 * without a terminator. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pwevent.h"
#include "tpformat.h"
#include "tp_formats.h"


/* The next part of the input: up to the next NUL (or the end), copied into
 * a malloc'd string of exactly that size. */
static char *next_part(const uint8_t **p, size_t *left, size_t *n)
{
	const uint8_t *nul = memchr(*p, '\0', *left);
	size_t len = nul ? (size_t)(nul - *p) : *left;
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*n = len;
	*p += len + (nul != NULL);
	*left -= len + (nul != NULL);
	return s;
}

static void check_err(const char *err, size_t size)
{
	if (!memchr(err, '\0', size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pw_clock clk = { .mono_to_real_ns = 1700000000000000000LL };
	static struct pw_tp_format fmt, fallback;	/* fmt: the one registered */
	static struct pw_tracepoint ev;	/* 4 KiB: not on the stack */
	static int fallback_ok = -1;
	struct pw_tp_cond conds[PW_TP_COND_MAX];
	const struct pw_tp_format *f = &fmt;	/* what the filter and the record use */
	struct pw_buf out = { 0 };
	const uint8_t *p = data;
	size_t left = size, ftext_len, expr_len, rec_len;
	char err[256], *ftext, *expr, *rec;
	unsigned int n = 0, i;

	if (fallback_ok < 0) {
		fallback_ok = pw_tp_parse_format(pw_test_exec_format, &fallback, err, sizeof(err)) == 0;
		if (!fallback_ok)
			abort();
		memcpy(fallback.system, "sched", 6);
	}
	ftext = next_part(&p, &left, &ftext_len);
	expr = next_part(&p, &left, &expr_len);
	/* the rest is the record: raw bytes, NULs included */
	rec_len = left;
	rec = malloc(rec_len ? rec_len : 1);
	if (!rec)
		abort();
	memcpy(rec, p, rec_len);

	memset(err, 0xff, sizeof(err));
	if (pw_tp_parse_format(ftext, &fmt, err, sizeof(err)) == 0) {
		if (!fmt.n_fields || fmt.n_fields > PW_TP_FIELDS_MAX || fmt.fixed_size > PW_TP_DATA_MAX)
			abort();
		for (i = 0; i < fmt.n_fields; i++) {
			const struct pw_tp_field *fl = &fmt.fields[i];

			if ((uint64_t)fl->offset + fl->size > PW_TP_DATA_MAX ||
			    !memchr(fl->name, '\0', sizeof(fl->name)) ||
			    !memchr(fl->type, '\0', sizeof(fl->type)) ||
			    !memchr(fl->base, '\0', sizeof(fl->base)))
				abort();
		}
		memcpy(fmt.system, "fuzz", 5);
	} else {
		check_err(err, sizeof(err));
		fmt = fallback;	/* the same struct stays registered: reproducible */
	}

	memset(err, 0xff, sizeof(err));
	if (pw_tp_parse_filter(f, expr, conds, &n, err, sizeof(err)) == 0) {
		if (n < 1 || n > PW_TP_COND_MAX)
			abort();
		for (i = 0; i < n; i++) {
			const struct pw_tp_cond *c = &conds[i];

			if (!c->op || c->off >= PW_TP_DATA_MAX)
				abort();
			if (c->op >= PW_TP_OP_STR_EQ) {
				if (!memchr(c->str, '\0', sizeof(c->str)))
					abort();
			} else if (c->size != 1 && c->size != 2 && c->size != 4 && c->size != 8) {
				abort();
			}
		}
	} else {
		if (n > PW_TP_COND_MAX)
			abort();
		check_err(err, sizeof(err));
	}

	/* a record of this tracepoint, decoded with the format */
	pw_tp_register(f);
	memset(&ev, 0, sizeof(ev));
	if (rec_len > PW_TP_DATA_MAX)
		rec_len = PW_TP_DATA_MAX;
	ev.h.type = PW_EV_TRACEPOINT;
	ev.h.size = (uint32_t)(offsetof(struct pw_tracepoint, data) + rec_len);
	ev.tp_id = f->id;
	ev.data_len = (uint32_t)rec_len;
	memcpy(ev.data, rec, rec_len);
	if (pw_event_check(&ev, ev.h.size) != PW_EV_TRACEPOINT)
		abort();
	pw_event_format(&ev, ev.h.size, PW_FMT_JSON, &clk, &out);
	out.len = 0;
	pw_event_format(&ev, ev.h.size, PW_FMT_TEXT, &clk, &out);
	pw_buf_free(&out);
	free(ftext);
	free(expr);
	free(rec);
	return 0;
}
