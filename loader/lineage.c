// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* lineage.c: see lineage.h. */
#include <stdlib.h>
#include <string.h>

#include "lineage.h"
#include "pwevent.h"

enum { SLOT_EMPTY, SLOT_KNOWN, SLOT_MISSING };

struct slot {
	uint64_t exec_id;
	int state;
	struct pw_lineage l;
};

struct pw_lineage_cache {
	size_t mask;
	pw_lineage_fetch_fn fetch;
	void *ctx;
	struct slot slots[];
};

struct pw_lineage_cache *pw_lineage_cache_new(size_t slots, pw_lineage_fetch_fn fetch, void *ctx)
{
	struct pw_lineage_cache *c;

	if (!slots || (slots & (slots - 1)))
		return NULL;
	c = calloc(1, sizeof(*c) + slots * sizeof(c->slots[0]));
	if (!c)
		return NULL;
	c->mask = slots - 1;
	c->fetch = fetch;
	c->ctx = ctx;
	return c;
}

void pw_lineage_cache_free(struct pw_lineage_cache *c)
{
	free(c);
}

static struct slot *slot_of(struct pw_lineage_cache *c, uint64_t exec_id)
{
	/* Fibonacci hashing: exec ids are times, their low bits a CPU */
	return &c->slots[(exec_id * 0x9e3779b97f4a7c15ULL >> 32) & c->mask];
}

void pw_lineage_cache_put(struct pw_lineage_cache *c, uint64_t exec_id, const struct pw_lineage *l)
{
	struct slot *s;

	if (!c || !exec_id)
		return;
	s = slot_of(c, exec_id);
	s->exec_id = exec_id;
	s->state = SLOT_KNOWN;
	s->l = *l;
}

bool pw_lineage_cache_get(void *cache, uint64_t exec_id, struct pw_lineage *out)
{
	struct pw_lineage_cache *c = cache;
	struct slot *s;

	if (!c || !exec_id)
		return false;
	s = slot_of(c, exec_id);
	if (s->state == SLOT_EMPTY || s->exec_id != exec_id) {
		s->exec_id = exec_id;
		s->state = c->fetch && c->fetch(c->ctx, exec_id, &s->l) ? SLOT_KNOWN : SLOT_MISSING;
	}
	if (s->state != SLOT_KNOWN)
		return false;
	*out = s->l;
	return true;
}

bool pw_lineage_from_exec(const void *rec, size_t len, struct pw_lineage *out)
{
	struct pw_exec r;
	size_t n;

	if (pw_event_check(rec, len) != PW_EV_EXEC)
		return false;
	memset(&r, 0, sizeof(r));
	memcpy(&r, rec, len < sizeof(r) ? len : sizeof(r));
	memset(out, 0, sizeof(*out));
	out->parent_exec_id = r.h.parent_exec_id;
	out->exec_ns = r.h.ts_ns;
	out->cgroup_id = r.h.cgroup_id;
	out->pid = r.h.pid;
	out->ppid = r.h.ppid;
	out->uid = r.h.uid;
	/* the resolved path, as the kernel's proc_lineage has it */
	memcpy(out->binary, r.exe_path[0] ? r.exe_path : r.filename, sizeof(out->binary));
	out->binary[sizeof(out->binary) - 1] = '\0';
	n = r.args_len;
	if (n > len - offsetof(struct pw_exec, args))
		n = len - offsetof(struct pw_exec, args);
	if (n > sizeof(out->args)) {
		n = sizeof(out->args);
		out->flags |= PW_LINEAGE_ARGS_TRUNCATED;
	}
	if (r.args_truncated)
		out->flags |= PW_LINEAGE_ARGS_TRUNCATED;
	memcpy(out->args, r.args, n);
	out->args_len = (uint32_t)n;
	return true;
}
