// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `pinwatch-load ps [--tree] [--json]`: the processes maps/proc_cache
 * holds (every process running, once the process module is loaded: the
 * snapshot at load and the exec and fork hooks since), each with what
 * maps/proc_lineage holds of its image (uid, argv, cgroup). Read-only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "pinwatch.h"
#include "container.h"
#include "load.h"
#include "ps.h"
#include "writer.h"

struct ps_ent {
	__u32 pid;
	bool has_lin;		/* lin is this image's proc_lineage entry */
	bool done;		/* --tree: printed */
	struct pw_proc proc;
	struct pw_lineage lin;
};

/*
 * The container a process runs in, by the cgroup of its exec: NULL on the
 * host or where unknown (printed as null, "-" in text): loader/container.c,
 * the consumer's lookup (the cgroup's path, else the kernel's cache of
 * maps/cgroup_container).
 */
static const char *ps_container(__u64 cgroup_id)
{
	const struct pw_container_info *ci = cgroup_id ? pw_container_of_cgroup(cgroup_id) : NULL;

	return ci ? ci->id : NULL;
}

static int by_pid(const void *a, const void *b)
{
	const struct ps_ent *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void put_args(struct pw_buf *b, const struct pw_lineage *l, bool json)
{
	size_t n = l->args_len < sizeof(l->args) ? l->args_len : sizeof(l->args);
	size_t i = 0, k = 0;

	if (json)
		pw_buf_append(b, "[", 1);
	while (i < n) {
		const char *nul = memchr(l->args + i, '\0', n - i);
		size_t plen = nul ? (size_t)(nul - (l->args + i)) : n - i;

		if (k++)
			pw_buf_append(b, json ? "," : " ", 1);
		if (json)
			pw_json_str(b, l->args + i, plen);
		else
			pw_text_str(b, l->args + i, plen);
		i += plen + 1;
	}
	if (json)
		pw_buf_append(b, "]", 1);
	else if (l->flags & PW_LINEAGE_ARGS_TRUNCATED)
		pw_buf_append(b, " ...", 4);
}

static void put_ent(struct pw_buf *b, const struct ps_ent *e, const struct pw_clock *clk, bool json,
		    int depth)
{
	const char *container = e->has_lin ? ps_container(e->lin.cgroup_id) : NULL;
	char start[PW_RFC3339_LEN];

	pw_format_rfc3339(pw_clock_realtime_ns(clk, e->proc.exec_ns), start);
	if (json) {
		pw_buf_printf(b, "{\"pid\":%u,\"ppid\":%u,\"exec_id\":%llu,\"parent_exec_id\":%llu,\"uid\":%u,"
			      "\"binary\":", e->pid, e->proc.ppid, (unsigned long long)e->proc.exec_id,
			      (unsigned long long)e->proc.parent_exec_id, e->proc.uid);
		pw_json_str(b, e->proc.binary, sizeof(e->proc.binary));
		pw_buf_printf(b, ",\"args\":");
		if (e->has_lin)
			put_args(b, &e->lin, true);
		else
			pw_buf_printf(b, "[]");
		pw_buf_printf(b, ",\"args_truncated\":%s,\"container\":",
			      e->has_lin && (e->lin.flags & PW_LINEAGE_ARGS_TRUNCATED) ? "true" : "false");
		if (container)
			pw_json_str(b, container, strlen(container));
		else
			pw_buf_printf(b, "null");
		pw_buf_printf(b, ",\"start_time\":\"%s\",\"snapshot\":%s", start,
			      e->has_lin && (e->lin.flags & PW_LINEAGE_SNAPSHOT) ? "true" : "false");
		if (depth >= 0)
			pw_buf_printf(b, ",\"depth\":%d", depth);
		pw_buf_printf(b, "}\n");
		return;
	}
	start[19] = 'Z';	/* whole seconds in text */
	start[20] = '\0';
	pw_buf_printf(b, "%7u %7u %20llu %20llu %6u ", e->pid, e->proc.ppid,
		      (unsigned long long)e->proc.exec_id, (unsigned long long)e->proc.parent_exec_id,
		      e->proc.uid);
	pw_buf_printf(b, "%s %-12s %*s", start, container ? container : "-", depth > 0 ? 2 * depth : 0, "");
	pw_text_str(b, e->proc.binary, sizeof(e->proc.binary));
	if (e->has_lin && e->lin.args_len) {
		pw_buf_append(b, " ", 1);
		put_args(b, &e->lin, false);
	}
	pw_buf_append(b, "\n", 1);
}

static struct ps_ent *find(struct ps_ent *ents, size_t n, __u32 pid)
{
	struct ps_ent key = { .pid = pid };

	return bsearch(&key, ents, n, sizeof(*ents), by_pid);
}

/* --tree: ents by (ppid, pid), so that a process's children are one run. */
static struct ps_ent **by_parent;

static int by_ppid(const void *a, const void *b)
{
	const struct ps_ent *x = *(struct ps_ent *const *)a, *y = *(struct ps_ent *const *)b;

	if (x->proc.ppid != y->proc.ppid)
		return x->proc.ppid < y->proc.ppid ? -1 : 1;
	return by_pid(x, y);
}

/* e and its children (by ppid), depth first, each once. */
static void put_tree(struct pw_buf *b, size_t n, struct ps_ent *e, const struct pw_clock *clk, bool json,
		     int depth)
{
	size_t lo = 0, hi = n;

	e->done = true;
	put_ent(b, e, clk, json, depth);
	while (lo < hi) {	/* the first child */
		size_t mid = lo + (hi - lo) / 2;

		if (by_parent[mid]->proc.ppid < e->pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && by_parent[lo]->proc.ppid == e->pid; lo++)
		if (!by_parent[lo]->done)
			put_tree(b, n, by_parent[lo], clk, json, depth + 1);
}

int cmd_ps(bool tree, bool json)
{
	char *maps = path_join(env.pin_root, "maps"), *cache = path_join(maps, "proc_cache");
	char *lineage = path_join(maps, "proc_lineage"), *process = path_join(env.pin_root, "process");
	struct ps_ent *ents = NULL, *grown;
	struct pw_buf b = { 0 };
	struct pw_clock clk;
	size_t n = 0, cap = 0;
	int cache_fd = -1, lineage_fd = -1, err = 1;
	__u32 key, next, *prev = NULL;

	if (!path_exists(cache) || !path_exists(process)) {
		die_msg("ps: %s", path_exists(maps) ? "the process module is not loaded (run: pinwatch up process)"
						    : "sensor not loaded (run: pinwatch up)");
		goto out;
	}
	cache_fd = bpf_obj_get(cache);
	lineage_fd = bpf_obj_get(lineage);
	if (cache_fd < 0 || lineage_fd < 0) {
		die_msg("ps: %s: %s", cache_fd < 0 ? cache : lineage, strerror(errno));
		goto out;
	}
	/* optional: a cgroup gone since still names its container */
	(void)pw_container_use_kernel_cache(env.pin_root);
	if (pw_clock_init(&clk)) {
		die_msg("ps: cannot read the clocks: %s", strerror(errno));
		goto out;
	}
	while (!bpf_map_get_next_key(cache_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (n == cap) {
			cap = cap ? cap * 2 : 512;
			grown = realloc(ents, cap * sizeof(*ents));
			if (!grown) {
				die_msg("ps: out of memory");
				goto out;
			}
			ents = grown;
		}
		memset(&ents[n], 0, sizeof(ents[n]));
		ents[n].pid = key;
		if (bpf_map_lookup_elem(cache_fd, &key, &ents[n].proc))
			continue;	/* exited meanwhile */
		ents[n].has_lin = ents[n].proc.exec_id &&
				  !bpf_map_lookup_elem(lineage_fd, &ents[n].proc.exec_id, &ents[n].lin);
		n++;
	}
	if (n)
		qsort(ents, n, sizeof(*ents), by_pid);
	if (tree && n) {
		by_parent = calloc(n, sizeof(*by_parent));
		if (!by_parent) {
			die_msg("ps: out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			by_parent[i] = &ents[i];
		qsort(by_parent, n, sizeof(*by_parent), by_ppid);
	}
	if (!json)
		pw_buf_printf(&b, "%7s %7s %20s %20s %6s %-20s %-12s %s\n", "PID", "PPID", "EXEC_ID",
			      "PARENT_EXEC_ID", "UID", "START", "CONTAINER", "BINARY ARGS");
	for (size_t i = 0; i < n; i++) {
		if (!tree) {
			put_ent(&b, &ents[i], &clk, json, -1);
			continue;
		}
		/* roots: a parent the cache does not hold */
		if (!ents[i].done && (ents[i].proc.ppid == ents[i].pid || !find(ents, n, ents[i].proc.ppid)))
			put_tree(&b, n, &ents[i], &clk, json, 0);
	}
	/* --tree: what a parent cycle kept from the roots */
	for (size_t i = 0; tree && i < n; i++)
		if (!ents[i].done)
			put_tree(&b, n, &ents[i], &clk, json, 0);
	err = pw_buf_write(&b, stdout) || fflush(stdout) ? 1 : 0;
	if (err && errno == EPIPE)
		err = 0;	/* the reader has what it wanted (| head) */
	else if (err)
		die_msg("ps: write: %s", strerror(errno));
out:
	pw_buf_free(&b);
	if (cache_fd >= 0)
		close(cache_fd);
	if (lineage_fd >= 0)
		close(lineage_fd);
	free(by_parent);
	free(ents);
	free(maps);
	free(cache);
	free(lineage);
	free(process);
	return err;
}
