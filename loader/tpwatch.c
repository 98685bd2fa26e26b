// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tpwatch.c: pinwatch-read --tracepoint. See tpwatch.h.
 *
 * The object carries the shared maps of every module (maps.bpf.h). Those
 * the sensor has pinned (config, stats, filters, proc_cache) are reused, so
 * the watch honours `pinwatch config` and `pinwatch filter`, counts in
 * `pinwatch stats` (as tpwatch) and fills exec_id; the others are created
 * privately (bpfobj.h). The ring buffer is always private: another reader of the
 * sensor's ring would take events from its consumer.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfobj.h"
#include "pinwatch.h"
#include "tpformat.h"
#include "tpwatch.h"

#define PROG "pinwatch-read"

static struct bpf_object *obj;
static struct bpf_link *tp_link;
static struct pw_tp_format fmt;
static int fail(const char *fmt_, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt_, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt_);
	vfprintf(stderr, fmt_, ap);
	va_end(ap);
	fputc('\n', stderr);
	tpw_stop();
	return -1;
}

static const char *default_object(char *buf, size_t sz)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return "tpwatch.bpf.o";
	exe[n] = '\0';
	snprintf(buf, sz, "%s/tpwatch.bpf.o", dirname(exe));
	return buf;
}

/* Writes cfg into the object's .rodata at tpw_cfg's offset. */
static int set_config(const struct pw_tp_config *cfg)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, ".rodata");
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	const void *init;
	size_t sz;
	char *data;
	int id, rc;

	if (!m || !btf || !(init = bpf_map__initial_value(m, &sz)))
		return -1;
	id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (id <= 0)
		return -1;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (unsigned short i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type *var = btf__type_by_id(btf, vs->type);

		if (strcmp(btf__name_by_offset(btf, var->name_off), "tpw_cfg"))
			continue;
		if (vs->size != sizeof(*cfg) || vs->offset + sizeof(*cfg) > sz || !(data = malloc(sz)))
			return -1;
		memcpy(data, init, sz);
		memcpy(data + vs->offset, cfg, sizeof(*cfg));
		rc = bpf_map__set_initial_value(m, data, sz);
		free(data);
		return rc;
	}
	return -1;
}

int tpw_start(const struct tpw_opts *o, int *ring_fd, int *stats_fd)
{
	struct pw_tp_config cfg = { .self_tgid = (__u32)getpid() };
	char err[512], objbuf[PATH_MAX];
	const char *object = o->object ? o->object : default_object(objbuf, sizeof(objbuf));
	struct pw_shared_maps sm = { .prog = PROG, .pin_root = o->pin_root };
	struct bpf_program *prog;
	struct bpf_map *m;

	if (pw_tp_load(o->tracepoint, &fmt, err, sizeof(err)))
		return fail("%s", err);
	pw_tp_register(&fmt);
	cfg.tp_id = fmt.id;
	cfg.fixed_size = fmt.fixed_size;
	for (unsigned int i = 0; i < fmt.n_fields && cfg.n_loc < PW_TP_LOC_MAX; i++) {
		const struct pw_tp_field *fl = &fmt.fields[i];

		if (fl->kind != PW_TPF_DATA_LOC && fl->kind != PW_TPF_REL_LOC)
			continue;
		cfg.loc_off[cfg.n_loc] = (__u16)fl->offset;
		cfg.loc_rel[cfg.n_loc] = fl->kind == PW_TPF_REL_LOC;
		cfg.n_loc++;
	}
	if (o->filter && pw_tp_parse_filter(&fmt, o->filter, cfg.cond, &cfg.n_cond, err, sizeof(err)))
		return fail("%s", err);
	if (access(object, R_OK))
		return fail("%s: %s (run make)", object, strerror(errno));

	pw_libbpf_capture(getenv("PINWATCH_DEBUG") != NULL);
	obj = bpf_object__open_file(object, NULL);
	if (!obj) {
		obj = NULL;
		return fail("cannot open %s: %s", object, pw_libbpf_cause());
	}
	/* the ring buffer is this watch's own */
	m = bpf_object__find_map_by_name(obj, "events");
	if (m) {
		bpf_map__set_pin_path(m, NULL);
		bpf_map__set_max_entries(m, o->ringbuf_bytes);
	}
	if (pw_shared_maps_prepare(obj, &sm)) {
		tpw_stop();
		return -1;
	}
	if (set_config(&cfg))
		return fail("%s: no tpw_cfg in .rodata (not a tpwatch object?)", object);
	if (bpf_object__load(obj))
		return fail("cannot load %s: %s", object, pw_libbpf_cause());
	if (pw_shared_maps_loaded(obj, &sm)) {
		tpw_stop();
		return -1;
	}
	prog = bpf_object__find_program_by_name(obj, "tpwatch");
	if (!prog)
		return fail("%s: no program tpwatch", object);
	tp_link = bpf_program__attach_tracepoint(prog, fmt.system, fmt.name);
	if (!tp_link) {
		int e = errno;

		tp_link = NULL;
		return fail("cannot attach to tracepoint %s:%s: %s%s", fmt.system, fmt.name,
			    strerror(e), e == EINVAL ?
			    " (a kprobe/uprobe event? those take kprobe programs, not tracepoint"
			    " ones: use pinwatch tp ftrace)" : "");
	}
	*ring_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "events"));
	*stats_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "stats"));
	return 0;
}

void tpw_stop(void)
{
	bpf_link__destroy(tp_link);
	tp_link = NULL;
	bpf_object__close(obj);
	obj = NULL;
}
