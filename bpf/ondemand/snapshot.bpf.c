/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * snapshot: the processes already running when the process module loads,
 * into maps/proc_cache and maps/proc_lineage. Not a resident module: the
 * loader (loader/snapshot.c) loads this object once, right after the
 * process module's exec, fork and exit hooks are attached, runs the task
 * iterator to its end, and closes it; it pins nothing.
 *
 * One entry per thread-group leader that is neither a kernel thread nor
 * exiting. An entry is added only where none exists (BPF_NOEXIST): what
 * the process module recorded since its hooks were attached is newer.
 *
 * exec_id of a snapshot entry: the process's start time (task->start_time,
 * CLOCK_MONOTONIC ns at its fork), not the time of its exec, which the
 * kernel does not keep. It cannot clash with the ids of later execs, which
 * are times after the load, and two processes share it only if forked in
 * the same nanosecond. parent_exec_id: the parent's proc_cache entry when it
 * has one, else the parent's start time, the id its own snapshot entry gets.
 *
 * Two programs, one body: snapshot_args (sleepable: reads the argv of the
 * process with bpf_copy_from_user_task, 5.18) and snapshot (argv left
 * empty), the loader's fallback where the first does not load.
 */
#include "common.bpf.h"
#include "path_walk.bpf.h"

#define PF_EXITING	0x00000004	/* include/linux/sched.h */
#define PF_KTHREAD	0x00200000

struct snap_scratch {
	struct pw_proc proc;
	struct pw_lineage lin;
	struct pw_walk_space walk;
};

PW_SCRATCH(snap_scratch, struct snap_scratch)

/* The exec_id a process found by the snapshot gets (see above). */
static __always_inline __u64 start_id(struct task_struct *leader)
{
	__u64 t = BPF_CORE_READ(leader, start_time);

	return t ? t : 1;	/* 0 means "no exec_id" */
}

static __always_inline int snapshot_task(struct seq_file *seq, struct task_struct *task,
					 bool with_args)
{
	struct task_struct *parent, *pleader;
	struct snap_scratch *s;
	struct pw_proc *pp;
	struct file *exe;
	struct mm_struct *mm;
	unsigned long start, end;
	__u32 tgid, ptgid;
	__u64 id, len;

	if (!task)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	if (BPF_CORE_READ(task, pid) != tgid ||
	    (BPF_CORE_READ(task, flags) & (PF_KTHREAD | PF_EXITING)))
		return 0;
	mm = BPF_CORE_READ(task, mm);
	exe = BPF_CORE_READ(mm, exe_file);
	s = snap_scratch_get();
	if (!mm || !exe || !s)
		return 0;
	/* a live entry (an exec or fork seen since the hooks were attached) wins */
	if (bpf_map_lookup_elem(&proc_cache, &tgid))
		return 0;

	parent = BPF_CORE_READ(task, real_parent);
	pleader = BPF_CORE_READ(parent, group_leader);
	ptgid = BPF_CORE_READ(parent, tgid);
	s->proc.exec_id = start_id(task);
	s->proc.parent_exec_id = 0;
	if (ptgid && !(BPF_CORE_READ(pleader, flags) & PF_KTHREAD)) {
		pp = bpf_map_lookup_elem(&proc_cache, &ptgid);
		s->proc.parent_exec_id = pp ? pp->exec_id : start_id(pleader);
	}
	s->proc.exec_ns = BPF_CORE_READ(task, start_time);
	s->proc.ppid = ptgid;
	s->proc.uid = BPF_CORE_READ(task, cred, uid.val);
	pw_walk_path(&s->walk, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt),
		     s->proc.binary, sizeof(s->proc.binary));

	s->lin.parent_exec_id = s->proc.parent_exec_id;
	s->lin.exec_ns = s->proc.exec_ns;
	s->lin.cgroup_id = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
	s->lin.pid = tgid;
	s->lin.ppid = ptgid;
	s->lin.uid = s->proc.uid;
	s->lin.flags = PW_LINEAGE_SNAPSHOT;
	s->lin.pad = 0;
	s->lin.args_len = 0;
	__builtin_memcpy(s->lin.binary, s->proc.binary, sizeof(s->lin.binary));
	if (with_args) {
		start = BPF_CORE_READ(mm, arg_start);
		end = BPF_CORE_READ(mm, arg_end);
		len = end > start ? end - start : 0;
		if (len > PW_LINEAGE_ARGS_MAX) {
			s->lin.flags |= PW_LINEAGE_ARGS_TRUNCATED;
			len = PW_LINEAGE_ARGS_MAX;
		}
		if (len && bpf_copy_from_user_task(s->lin.args, len, (void *)start, task, 0))
			len = 0;
		s->lin.args_len = len;
	}

	if (bpf_map_update_elem(&proc_cache, &tgid, &s->proc, BPF_NOEXIST))
		return 0;	/* recorded by an exec or fork meanwhile */
	id = s->proc.exec_id;
	bpf_map_update_elem(&proc_lineage, &id, &s->lin, BPF_NOEXIST);
	/* one 4-byte record per process recorded: the loader counts them */
	bpf_seq_write(seq, &tgid, sizeof(tgid));
	return 0;
}

SEC("iter.s/task")
int snapshot_args(struct bpf_iter__task *ctx)
{
	return snapshot_task(ctx->meta->seq, ctx->task, true);
}

SEC("iter/task")
int snapshot(struct bpf_iter__task *ctx)
{
	return snapshot_task(ctx->meta->seq, ctx->task, false);
}
