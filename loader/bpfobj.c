// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* bpfobj.c: see bpfobj.h. */
#define _GNU_SOURCE
#include <errno.h>
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

/* ---- libbpf's messages ---------------------------------------------------- */

static bool log_verbose;
static char *log_text;	/* the messages kept, whole */
static size_t log_len;

static int capture(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL, *grown;
	int n;

	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	/* whole messages: the verifier log arrives as one, its cause at its end */
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (log_verbose)
		fputs(msg, stderr);
	if (level != LIBBPF_DEBUG && (grown = realloc(log_text, log_len + (size_t)n + 1))) {
		log_text = grown;
		memcpy(log_text + log_len, msg, (size_t)n + 1);
		log_len += (size_t)n;
	}
	free(msg);
	return 0;
}

void pw_libbpf_capture(bool verbose)
{
	log_verbose = verbose;
	libbpf_set_print(capture);
}

const char *pw_libbpf_log(void)
{
	return log_text ? log_text : "";
}

void pw_libbpf_reset(void)
{
	free(log_text);
	log_text = NULL;
	log_len = 0;
}

void pw_libbpf_cause_of(const char *text, char *out, size_t outsz)
{
	char *log = text ? strdup(text) : NULL;
	char *line, *save = NULL, *prev = NULL, *first_err = NULL, *verifier = NULL;
	char *failed_prog = NULL;

	snprintf(out, outsz, "unknown error");
	if (!log)
		return;
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "processed ", 10) && prev && !verifier)
			verifier = prev;
		if (!failed_prog && strstr(line, "BPF program load failed"))
			failed_prog = line;
		if (!first_err && !strncmp(line, "libbpf: ", 8) && !strstr(line, "BEGIN PROG LOAD LOG"))
			first_err = line;
		if (*line && strncmp(line, "-- ", 3))
			prev = line;
	}
	if (failed_prog && verifier) {
		char *q = strstr(failed_prog, "prog '");
		char name[128] = "?";

		if (q)
			sscanf(q, "prog '%127[^']'", name);
		snprintf(out, outsz, "verifier rejected program %s: %s", name, verifier);
	} else if (first_err) {
		snprintf(out, outsz, "%s", first_err + 8);
	}
	free(log);
}

const char *pw_libbpf_cause(void)
{
	static char cause[1024];

	pw_libbpf_cause_of(log_text, cause, sizeof(cause));
	return cause;
}

/* ---- the sensor's shared maps ---------------------------------------------- */

bool pw_run_time_alloc_ok(const struct btf *vmlinux)
{
	static int ok = -1;

	if (ok < 0) {
		struct btf *own = vmlinux ? NULL : btf__load_vmlinux_btf();

		if (!vmlinux && !libbpf_get_error(own))
			vmlinux = own;
		ok = vmlinux && btf__find_by_name_kind(vmlinux, "bpf_mem_alloc", BTF_KIND_STRUCT) > 0;
		if (own && !libbpf_get_error(own))
			btf__free(own);
	}
	return ok;
}

void pw_maps_prealloc_fallback(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		enum bpf_map_type t = bpf_map__type(m);

		if ((t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH) &&
		    (bpf_map__map_flags(m) & BPF_F_NO_PREALLOC) && !pw_run_time_alloc_ok(NULL))
			bpf_map__set_map_flags(m, bpf_map__map_flags(m) & ~BPF_F_NO_PREALLOC);
	}
}

static bool is_listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

/* Reuses the map pinned at path when it is there (ENOENT: left private).
 * Returns 1 reused, 0 not pinned, -1 after one line on stderr. */
static int reuse_pinned(struct bpf_map *m, const char *path, const char *prog)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	/* a hash-like map's size is the pin's (pinwatch up --map-size) */
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == (__u32)bpf_map__type(m) &&
	    (info.type == BPF_MAP_TYPE_HASH || info.type == BPF_MAP_TYPE_LRU_HASH ||
	     info.type == BPF_MAP_TYPE_LPM_TRIE))
		bpf_map__set_max_entries(m, info.max_entries);
	/* and preallocated or not as the loader decided for this kernel
	 * (pw_run_time_alloc_ok) */
	if (info.type == BPF_MAP_TYPE_HASH && info.type == (__u32)bpf_map__type(m) &&
	    (info.map_flags ^ bpf_map__map_flags(m)) == BPF_F_NO_PREALLOC)
		bpf_map__set_map_flags(m, info.map_flags);
	if (info.type != (__u32)bpf_map__type(m) || info.key_size != bpf_map__key_size(m) ||
	    info.value_size != bpf_map__value_size(m) ||
	    info.max_entries != bpf_map__max_entries(m) || info.map_flags != bpf_map__map_flags(m)) {
		fprintf(stderr, "%s: %s is not laid out as this build expects "
			"(pinwatch down, then up, to upgrade the sensor)\n", prog, path);
		close(fd);
		return -1;
	}
	err = bpf_map__reuse_fd(m, fd);
	close(fd); /* reuse_fd keeps a duplicate */
	if (err) {
		fprintf(stderr, "%s: cannot reuse %s: %s\n", prog, path, strerror(-err));
		return -1;
	}
	return 1;
}

int pw_shared_maps_prepare(struct bpf_object *obj, struct pw_shared_maps *sm)
{
	const char *root = sm->pin_root;
	struct bpf_map *m;

	if (!root || !*root)
		root = getenv("PINWATCH_PIN_ROOT");
	if (!root || !*root)
		root = PW_PIN_ROOT;
	snprintf(sm->maps_dir, sizeof(sm->maps_dir), "%s/maps", root);
	sm->shared_config = sm->shared_stats = false;
	/* the maps created privately: preallocated where the kernel needs it */
	pw_maps_prealloc_fallback(obj);
	bpf_object__for_each_map(m, obj) {
		/* the object's name of the map, which is its pin's name: the
		 * kernel keeps 15 bytes of it ("filter_container" is 16) */
		char name[128], path[PATH_MAX + 128];
		int rc;

		if (!bpf_map__pin_path(m))
			continue; /* the program's own map */
		bpf_map__set_pin_path(m, NULL);
		/* (reuse_fd replaces the map's name: keep a copy) */
		snprintf(name, sizeof(name), "%s", bpf_map__name(m));
		if (sm->only && !is_listed(sm->only, name)) {
			bpf_map__set_autocreate(m, false);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", sm->maps_dir, name);
		rc = reuse_pinned(m, path, sm->prog);
		if (rc < 0)
			return -1;
		if (rc && !strcmp(name, "config"))
			sm->shared_config = true;
		else if (rc && !strcmp(name, "stats"))
			sm->shared_stats = true;
	}
	return 0;
}

int pw_shared_maps_loaded(struct bpf_object *obj, const struct pw_shared_maps *sm)
{
	struct pw_config c = { .enabled = 1, .wakeup_bytes = PW_DEFAULT_WAKEUP_BYTES };
	struct bpf_map *config = bpf_object__find_map_by_name(obj, "config");
	__u32 zero = 0;

	if (!config) {
		fprintf(stderr, "%s: the BPF object has no config map\n", sm->prog);
		return -1;
	}
	if (!sm->shared_config && bpf_map_update_elem(bpf_map__fd(config), &zero, &c, BPF_ANY)) {
		fprintf(stderr, "%s: cannot initialise the config map: %s\n", sm->prog,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the sensor's own work ------------------------------------------------- */

/* This process's start time in clock ticks since boot (/proc/self/stat
 * field 22), as the kernel side compares config.consumer_start and
 * loader_start; 0 when unreadable (the tgid alone then decides). */
unsigned long long pw_self_start_ticks(void)
{
	char buf[1024], *p;
	unsigned long long start = 0;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* the comm may hold spaces and ')' */
	/* after ") ": state, then fields 4..21, then starttime (22) */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

static __u32 own_tgid;
static __u64 own_start;
static char own_config_path[PATH_MAX];

static void own_config(bool claim)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), zero = 0;
	struct pw_config c;
	int fd = bpf_obj_get(own_config_path);

	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.value_size == sizeof(c) &&
	    !bpf_map_lookup_elem(fd, &zero, &c) && (claim || c.loader_tgid == own_tgid)) {
		c.loader_tgid = claim ? own_tgid : 0;
		c.loader_start = claim ? own_start : 0;
		bpf_map_update_elem(fd, &zero, &c, BPF_ANY);
	}
	close(fd);
}

static void own_release(void)
{
	if (own_tgid && (__u32)getpid() == own_tgid)
		own_config(false);
}

void pw_own_claim(const char *pin_root)
{
	if (own_tgid || snprintf(own_config_path, sizeof(own_config_path), "%s/maps/config",
				 pin_root) >= (int)sizeof(own_config_path))
		return;
	own_tgid = (__u32)getpid();
	own_start = pw_self_start_ticks();
	own_config(true);
	atexit(own_release);
}

void pw_own_fill(struct pw_config *cfg)
{
	cfg->loader_tgid = own_tgid;
	cfg->loader_start = own_start;
}
