/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The container of a cgroup, for the `container` filter kind: the kernfs
 * names of the task's cgroup v2 and of its ancestors (task->cgroups->
 * dfl_cgrp->kn) matched against PW_CONTAINER_LAYOUTS (bpf/pinwatch.h),
 * once per cgroup id, cached in maps/cgroup_container, where every module's
 * filter (pw_container_action() in common.bpf.h) looks it up. The consumer
 * does the same matching on the cgroup's path (loader/container.c).
 *
 * Only the process module resolves, at every exec and fork (the current
 * task's cgroup, when not cached yet): the resolution's stack (two frames,
 * ~150 bytes) does not fit beside the frames of some modules' handlers
 * (net's state hook uses 440 of the 512 bytes), and the verifier would
 * walk it in every program. A task is in a container's cgroup from the
 * exec of the container's first process, so every container process is
 * known from there on; a cgroup none of whose tasks forked or exec'd since
 * the process module loaded is unknown (pw_container_action() says 0).
 */
#ifndef PINWATCH_CONTAINER_BPF_H
#define PINWATCH_CONTAINER_BPF_H

#include "common.bpf.h"

/* 6.1: kernfs_node.parent (6.15 renamed it __parent, an RCU pointer) */
struct kernfs_node___old {
	struct kernfs_node *parent;
} __attribute__((preserve_access_index));

/* The names of the task's cgroup (names[0]) and of its ancestors, "" above
 * the root, and the container found. */
struct pw_container_scratch {
	char names[PW_CONTAINER_DEPTH + 1][PW_CGROUP_NAME_MAX];
	int n[PW_CONTAINER_DEPTH + 1];	/* their lengths; -1: none */
	struct pw_container ctr;
};

PW_SCRATCH(container_scratch, struct pw_container_scratch);

static __always_inline struct kernfs_node *pw_kn_parent(struct kernfs_node *kn)
{
	if (bpf_core_field_exists(kn->__parent))
		return BPF_CORE_READ(kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/*
 * The matching is branch-free arithmetic: a row's checks OR their mismatch
 * bits into one word and only that word is tested, once per row. The
 * verifier walks every branch of every program that calls
 * pw_container_resolve_task(): with a branch per byte compared, loading all
 * modules took 9 s instead of 2 s; the hex digits are checked 8 at a time
 * (SWAR), since clang turns a per-byte range test into a branch.
 */

#define PW_B(x) (0x0101010101010101ULL * (x))

/* Non-zero unless every byte of w is a lowercase hex digit. A byte b below
 * 0x80 is >= k exactly when bit 7 of b + 0x80 - k is set; no byte carries
 * into the next one. */
static __always_inline __u64 pw_ctr_nonhex8(__u64 w)
{
	__u64 h = PW_B(0x80);
	__u64 digit = ((w & ~h) + PW_B(0x80 - '0')) & ~((w & ~h) + PW_B(0x80 - '9' - 1)) & h;
	__u64 af = ((w & ~h) + PW_B(0x80 - 'a')) & ~((w & ~h) + PW_B(0x80 - 'f' - 1)) & h;

	return (w & h) | ((digit | af) ^ h);
}

/* Mismatch bits of name (n bytes) against a PW_CTR_HEX row: prefix +
 * PW_CONTAINER_ID_LEN hex digits + suffix, exactly. plen and slen are the
 * row's literals' lengths (constants). */
static __always_inline __u64 pw_ctr_hex(const char *name, int n, const char *prefix, int plen,
					const char *suffix, int slen)
{
	__u64 bad = n ^ (plen + PW_CONTAINER_ID_LEN + slen), w;
	int i;

	for (i = 0; i < plen; i++)
		bad |= name[i] ^ prefix[i];
	for (i = 0; i < slen; i++)
		bad |= name[plen + PW_CONTAINER_ID_LEN + i] ^ suffix[i];
	for (i = 0; i < PW_CONTAINER_ID_LEN; i += 8) {
		const __u8 *b = (const __u8 *)name + plen + i;

		w = (__u64)b[0] | (__u64)b[1] << 8 | (__u64)b[2] << 16 | (__u64)b[3] << 24 |
		    (__u64)b[4] << 32 | (__u64)b[5] << 40 | (__u64)b[6] << 48 | (__u64)b[7] << 56;
		bad |= pw_ctr_nonhex8(w);
	}
	return bad;
}

/* Mismatch bits against the PW_CTR_NAME row: prefix + NAME + suffix, NAME
 * at least one byte. */
static __always_inline __u64 pw_ctr_name(const char *name, int n, const char *prefix, int plen,
					 const char *suffix, int slen)
{
	__u64 bad = 0;
	int i;

	if (n < plen + slen + 1 || n >= PW_CGROUP_NAME_MAX)
		return 1;
	for (i = 0; i < plen; i++)
		bad |= name[i] ^ prefix[i];
	for (i = 0; i < slen; i++)
		bad |= name[(n - slen + i) & (PW_CGROUP_NAME_MAX - 1)] ^ suffix[i];
	return bad;
}

/* Mismatch bits of parent against a row's parent rule. */
static __always_inline __u64 pw_ctr_parent(const char *parent, const char *want, int wlen, int rule)
{
	__u64 bad = 0;
	int i;

	if (rule == PW_CTR_PARENT_ANY)
		return 0;
	for (i = 0; i < wlen; i++)
		bad |= parent[i] ^ want[i];
	if (rule == PW_CTR_PARENT_IS)
		bad |= parent[wlen];
	return bad;
}

/* The id of a matched row into ctr (zeroed): the bytes after the prefix, up
 * to the suffix, at most PW_CONTAINER_ID_LEN; a NAME stays as the kernel
 * has it (systemd-escaped, "\x2d" for '-': a hex prefix matches it exactly
 * when it matches the unescaped name, escapes starting with '\'). */
_Static_assert(!(PW_CONTAINER_ID_LEN & (PW_CONTAINER_ID_LEN - 1)), "pw_ctr_id masks with it");

static __always_inline void pw_ctr_id(const char *name, int n, int plen, int slen,
				      struct pw_container *ctr)
{
	__u32 len = n > plen + slen ? n - plen - slen : 0;

	if (len > PW_CONTAINER_ID_LEN)
		len = PW_CONTAINER_ID_LEN;
	/* one copy: a loop of PW_CONTAINER_ID_LEN bytes, inlined in each
	 * row, was most of what the verifier walked in each program that
	 * resolves containers (fork, exec: 61 k instructions each). The size
	 * is len, in 1..PW_CONTAINER_ID_LEN (a power of 2) as the verifier
	 * sees it. */
	if (len)
		bpf_probe_read_kernel(ctr->key.id, ((len - 1) & (PW_CONTAINER_ID_LEN - 1)) + 1,
				      name + plen);
	ctr->id_len = len;
}

#define PW_LIT_LEN(s) ((int)sizeof(s) - 1)

/* Matches one cgroup (name, n bytes) with its parent's name against every
 * layout row; the runtime (0: none), with the id in ctr. */
static __noinline __u32 pw_ctr_match(const char *name, int n, const char *parent,
			    struct pw_container *ctr)
{
#define PW_X(rt, prefix, suffix, par, rule, kind)					\
	if (!(pw_ctr_parent(parent, par, PW_LIT_LEN(par), rule) |			\
	      (kind == PW_CTR_HEX ?							\
		pw_ctr_hex(name, n, prefix, PW_LIT_LEN(prefix), suffix, PW_LIT_LEN(suffix)) : \
		pw_ctr_name(name, n, prefix, PW_LIT_LEN(prefix), suffix, PW_LIT_LEN(suffix))))) { \
		pw_ctr_id(name, n, PW_LIT_LEN(prefix), PW_LIT_LEN(suffix), ctr);	\
		return PW_RUNTIME_##rt;							\
	}										\
	/* no byte kept across rows (stack spills) */					\
	asm volatile("" ::: "memory");
	PW_CONTAINER_LAYOUTS(PW_X)
#undef PW_X
	return PW_RUNTIME_NONE;
}

/*
 * Finds the container of the cgroup v2 of task (a struct task_struct
 * address: the current task, or one a task iterator gives) and caches it
 * in maps/cgroup_container under the cgroup's id. A global function:
 * verified once per program that calls it, not at each call; its argument
 * a scalar, read with probe reads, so that any program can pass any task.
 */
__noinline int pw_container_resolve_task(__u64 task)
{
	struct task_struct *t = (struct task_struct *)task;
	struct pw_container_scratch *s = container_scratch_get();
	struct kernfs_node *kn;
	__u64 cgid;
	int level;

	if (!s || !t)
		return -1;
	kn = BPF_CORE_READ(t, cgroups, dfl_cgrp, kn);
	cgid = BPF_CORE_READ(kn, id);	/* bpf_get_current_cgroup_id()'s */
	if (!kn)
		return -1;
	for (level = 0; level <= PW_CONTAINER_DEPTH; level++) {
		s->n[level] = -1;
		s->names[level][0] = 0;
		if (!kn)
			continue;
		s->n[level] = bpf_probe_read_kernel_str(s->names[level], PW_CGROUP_NAME_MAX,
						     BPF_CORE_READ(kn, name)) - 1;
		kn = pw_kn_parent(kn);
	}
	__builtin_memset(&s->ctr, 0, sizeof(s->ctr));
	/* one copy of the rows' code, not PW_CONTAINER_DEPTH */
#pragma clang loop unroll(disable)
	for (level = 0; level < PW_CONTAINER_DEPTH; level++) {
		s->ctr.runtime = pw_ctr_match(s->names[level], s->n[level], s->names[level + 1], &s->ctr);
		if (s->ctr.runtime)
			break;
	}
	/* the filter's lookup key (struct pw_container_key) */
	s->ctr.key.host = !s->ctr.runtime;
	s->ctr.key.prefixlen = 8 + (s->ctr.runtime ? (s->ctr.id_len & 127) * 8 : 0);
	bpf_map_update_elem(&cgroup_container, &cgid, &s->ctr, BPF_ANY);
	return 0;
}

/* Caches the container of the current task's cgroup, once per cgroup. */
static __always_inline void pw_container_note(void)
{
	__u64 cgid = bpf_get_current_cgroup_id();

	if (!bpf_map_lookup_elem(&cgroup_container, &cgid))
		pw_container_resolve_task(bpf_get_current_task());
}

#endif /* PINWATCH_CONTAINER_BPF_H */
