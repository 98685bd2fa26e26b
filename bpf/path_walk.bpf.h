/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * path_walk.bpf.h: the path of a (dentry, vfsmount) from the current task's
 * root, as d_path() and getcwd() give it: the walk goes up dentry by dentry,
 * across mounts to their mountpoints, and stops at the task's root (a
 * chroot) or the root of the mount tree. Two bpf_loop() callbacks, so the
 * verifier checks one step of each once (an unrolled walk with its mount
 * crossings was too large for it). Used by process (the exec's cwd and the
 * executed file, proc_cache's binary), kmod (the file finit_module loads)
 * and deny.
 *
 * A path deeper than PW_WALK_DEPTH components keeps its top (the first
 * PW_WALK_DEPTH components from the root: what a prefix such as /tmp is
 * judged on), and so does one longer than PW_PATH_MAX bytes. A walk that
 * does not end at the task's root (more than PW_WALK_STEPS dentries and
 * mounts, a file outside the task's root, a pseudo file such as a memfd
 * whose dentry is its own parent) is not a path from the root: the caller
 * learns it from pw_walk_path's result.
 */
#ifndef PW_PATH_WALK_BPF_H
#define PW_PATH_WALK_BPF_H

#include "common.bpf.h"

#define PW_WALK_DEPTH	32	/* components kept (a power of 2): deeper paths lose their bottom */
#define PW_WALK_STEPS	64	/* dentries and mount crossings walked */

/* Work space, in the caller's per-CPU scratch record. The walk's counters
 * are here, not in struct pw_walk on the stack: read from a map value they
 * are numbers the verifier does not track, so it checks each callback once
 * or twice, where a counter on the stack was a new state at each value
 * (6.18 verifies a callback until its states repeat: exec_context, 371 k
 * instructions verified, BENCHMARKS.md "Less verification"). */
struct pw_walk_space {
	__u32 n;		/* components walked; dirs keeps the last PW_WALK_DEPTH (the top) */
	__u32 off;		/* bytes of buf used */
	__u32 end;		/* 1: the walk reached the task's root */
	__u32 pad;
	const unsigned char *dirs[PW_WALK_DEPTH];	/* components' names, a ring: n - 1 is the top */
	char buf[PW_PATH_MAX * 2];	/* room for bounded variable-offset copies */
};

struct pw_walk {
	struct pw_walk_space *ws;
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *mnt;
	struct dentry *mnt_root;	/* vm's root dentry */
	struct dentry *root_d;	/* the task's root: where the walk ends */
	struct vfsmount *root_vm;
};

/* d's parent and name pointer: one read where d_parent and d_name.name
 * lie within 32 bytes of each other (as in every kernel so far; the
 * offsets are CO-RE constants), two reads otherwise. */
static __always_inline struct dentry *pw_walk_parent(struct dentry *d, const unsigned char **name)
{
	__u32 op = bpf_core_field_offset(struct dentry, d_parent);
	__u32 on = bpf_core_field_offset(struct dentry, d_name.name);
	__u64 span[4] = {};

	if (on > op && on - op + sizeof(void *) <= sizeof(span) && !((on - op) & 7)) {
		bpf_probe_read_kernel(span, sizeof(span), (void *)d + op);
		*name = (const unsigned char *)span[((on - op) / 8) & 3];
		return (struct dentry *)span[0];
	}
	*name = BPF_CORE_READ(d, d_name.name);
	return BPF_CORE_READ(d, d_parent);
}

/* One step up: the parent dentry, or across a mount to its mountpoint. */
static long pw_walk_up(__u32 i, void *ctx)
{
	struct pw_walk *w = ctx;
	/* locals: BPF_CORE_READ relocates every access in its argument */
	struct dentry *d = w->d, *parent;
	struct vfsmount *vm = w->vm;
	struct mount *mnt = w->mnt;
	const unsigned char *name;
	__u32 n = w->ws->n;

	if (!d)
		return 1;
	if (d == w->root_d && vm == w->root_vm) {
		w->ws->end = 1;
		return 1;
	}
	parent = pw_walk_parent(d, &name);
	if (d == parent && d != w->mnt_root) {
		/* a dentry of no directory (a memfd, a pipe): its name, and
		 * no path from the root */
		w->ws->dirs[n & (PW_WALK_DEPTH - 1)] = name;
		w->ws->n = n + 1;
		return 1;
	}
	if (d == w->mnt_root) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (!up || up == mnt)
			return 1;	/* the root of the mount tree */
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vm = (void *)up + bpf_core_field_offset(struct mount, mnt);
		w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
		return 0;
	}
	w->ws->dirs[n & (PW_WALK_DEPTH - 1)] = name;
	w->ws->n = n + 1;
	w->d = parent;
	return 0;
}

/* Appends "/" and the i-th component from the top. */
static long pw_walk_append(__u32 i, void *ctx)
{
	struct pw_walk *w = ctx;
	__u32 at = w->ws->off, nd = w->ws->n;
	long n;

	if (i >= nd || at >= PW_PATH_MAX - 2)
		return 1;
	barrier_var(at); /* keep the mask: clang proves it redundant, the verifier cannot */
	at &= PW_PATH_MAX - 1;
	w->ws->buf[at] = '/';
	w->ws->buf[at + 1] = '\0';
	at++;
	barrier_var(at);
	at &= PW_PATH_MAX - 1;
	n = bpf_probe_read_kernel_str(w->ws->buf + at, PW_PATH_MAX,
				      w->ws->dirs[(nd - 1 - i) & (PW_WALK_DEPTH - 1)]);
	w->ws->off = n > 0 ? at + n - 1 : at;
	return 0;
}

/* The path of (d, vm) from the current task's root into out ("/" for the
 * root itself). Returns 1 when the walk reached the task's root, 0 when
 * out is not a path from it (see the top of this file). */
static __always_inline __u32 pw_walk_path(struct pw_walk_space *ws, struct dentry *d,
					 struct vfsmount *vm, char *out, __u32 outsz)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct path root = {};
	struct pw_walk w = {
		.ws = ws,
		.d = d,
		.vm = vm,
		.mnt = (void *)vm - bpf_core_field_offset(struct mount, mnt),
		.mnt_root = BPF_CORE_READ(vm, mnt_root),
	};

	BPF_CORE_READ_INTO(&root, fs, root);	/* dentry and mnt, one read */
	w.root_d = root.dentry;
	w.root_vm = root.mnt;

	ws->buf[0] = '/';
	ws->buf[1] = '\0';
	ws->n = 0;
	ws->off = 0;
	ws->end = 0;
	bpf_loop(PW_WALK_STEPS, pw_walk_up, &w, 0);
	bpf_loop(PW_WALK_DEPTH, pw_walk_append, &w, 0);
	bpf_probe_read_kernel_str(out, outsz, ws->buf);
	return ws->end;
}

#endif
