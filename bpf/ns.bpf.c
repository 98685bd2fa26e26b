/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ns: namespaces created or joined: unshare, setns, and clone/clone3 with
 * a CLONE_NEW* flag, from the syscall enter/exit tracepoints, with the
 * task's namespace inodes after the call (CO-RE reads of task->nsproxy and
 * task->cred->user_ns). For clone and clone3 the event is the parent's, at
 * its exit (ret: the child's pid), and the inodes are the child's: the
 * sched_process_fork hook ("child") copies them while the parent is in the
 * call.
 *
 * Counting: a call without a CLONE_NEW* flag (every plain fork, vfork,
 * pthread_create, unshare(CLONE_FILES)) is not a namespace event: it is
 * not seen, so the process module's forks cost this module no count. Every
 * setns is an event.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_NS
#define PW_PAIR_MODULE MOD
#define PW_INFLIGHT_ENTRIES 1024
#define PW_PAIR_LOST(p) ns_lost(p)
#include "syscall_pair.bpf.h"

#define NSFS_MAGIC 0x6e736673	/* include/uapi/linux/magic.h */

/* clone and clone3 calls parked in inflight: while there is none, the
 * fork hook returns at once. A count left high by a call whose exit was
 * missed only costs the hook a lookup. */
__u64 clones_inflight = 0;

/* The child's namespace inodes, by the parent thread's pid_tgid, from the
 * fork hook to the parent's syscall exit. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct pw_ns_inodes);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} children SEC(".maps");

/* 6.1: the namespace type is in its operations (6.18: in ns_common) */
struct proc_ns_operations___old {
	int type;
} __attribute__((preserve_access_index));

struct ns_common___old {
	const struct proc_ns_operations___old *ops;
} __attribute__((preserve_access_index));

static __always_inline void read_inodes(struct task_struct *t, struct pw_ns_inodes *o)
{
	struct nsproxy *nsp = BPF_CORE_READ(t, nsproxy);

	o->mnt = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	o->pid = BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
	o->net = BPF_CORE_READ(nsp, net_ns, ns.inum);
	o->user = BPF_CORE_READ(t, cred, user_ns, ns.inum);
	o->uts = BPF_CORE_READ(nsp, uts_ns, ns.inum);
	o->ipc = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	o->cgroup = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	o->time = 0;
	if (bpf_core_field_exists(nsp->time_ns_for_children))	/* 5.6+ */
		o->time = BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
}

/* setns: the namespace that fd refers to, when it is an nsfs file (not a
 * pidfd): its type's CLONE_NEW* bit and inode into ev. */
static __always_inline void read_setns_fd(struct task_struct *t, int fd, struct pw_namespace *ev)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct ns_common *nsc;
	struct inode *inode;
	struct file *f = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return;
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]) || !f)
		return;
	inode = BPF_CORE_READ(f, f_inode);
	if (BPF_CORE_READ(inode, i_sb, s_magic) != NSFS_MAGIC)
		return;
	ev->ns_inode = BPF_CORE_READ(inode, i_ino);
	nsc = BPF_CORE_READ(inode, i_private);
	if (bpf_core_field_exists(nsc->ns_type))
		ev->ns_type = BPF_CORE_READ(nsc, ns_type);
	else
		ev->ns_type = BPF_CORE_READ((struct ns_common___old *)nsc, ops, type);
}

static __always_inline int ns_exit(struct trace_event_raw_sys_exit *ctx, const struct pw_pair *p)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_ns_inodes *child = NULL;
	struct pw_namespace ev = {};
	struct pw_rule_in *in;
	struct pw_config *cfg;
	bool rules_only;

	if (p->op == PW_NS_SYS_CLONE || p->op == PW_NS_SYS_CLONE3) {
		__sync_fetch_and_add(&clones_inflight, -1);
		child = bpf_map_lookup_elem(&children, &id);
	}
	cfg = pw_rule_begin(MOD, id >> 32, &rules_only);
	if (!cfg)
		goto out;
	ev.ret = ctx->ret;
	ev.syscall = p->op;
	ev.flags = p->aux;
	if (child) {
		ev.ns = *child;
		ev.ns_of = PW_NS_OF_CHILD;
	} else {
		read_inodes(task, &ev.ns);
	}
	if (p->op == PW_NS_SYS_SETNS) {
		/* one type in nstype names it; 0 (any) or a pidfd's set: the fd says */
		if (p->aux && !(p->aux & (p->aux - 1)))
			ev.ns_type = p->aux;
		read_setns_fd(task, (int)p->args[0], &ev);
	}
	pw_fill_hdr(&ev.h, PW_EV_NAMESPACE, MOD, sizeof(ev));
	in = pw_rule_in_for(PW_EV_NAMESPACE);
	if (in)
		in->PW_RIN_BITS(NS_FLAGS) = ev.flags;
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, in, rules_only);
out:
	if (child)
		bpf_map_delete_elem(&children, &id);
	return 0;
}

/* The exit handler, verified once: each syscall's exit program tail-calls
 * it (syscall_pair.bpf.h, PW_PAIR_EXIT_STAGE; pins ns/chain and
 * ns/prog_ns_exit_stage). */
PW_PAIR_EXIT_STAGE(ns_exit_stage, ns_exit)

/* A call whose exit handler could not run (PW_PAIR_LOST): what its enter
 * and the fork hook left for it. */
static __always_inline void ns_lost(const struct pw_pair *p)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (p->op == PW_NS_SYS_CLONE || p->op == PW_NS_SYS_CLONE3) {
		__sync_fetch_and_add(&clones_inflight, -1);
		bpf_map_delete_elem(&children, &id);
	}
}

/* Parks a call that carries namespace flags; one without is not seen. */
static __always_inline void ns_enter(struct trace_event_raw_sys_enter *ctx, __u32 op,
				     __u32 flags, const int nargs)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_pair p;

	if (!flags && op != PW_NS_SYS_SETNS)
		return;
	if (!pw_pair_begin(ctx, id, &p, op, nargs))
		return;
	p.aux = flags;
	if (bpf_map_update_elem(&inflight, &id, &p, BPF_ANY)) {
		pw_count_event(MOD, PW_DROPPED);
		return;
	}
	if (op == PW_NS_SYS_CLONE || op == PW_NS_SYS_CLONE3)
		__sync_fetch_and_add(&clones_inflight, 1);
}

#define NS_EXIT_PROG(prog, syscall) PW_PAIR_EXIT_SHARED(prog, syscall)

SEC("tp/syscalls/sys_enter_unshare")
int unshare_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	ns_enter(ctx, PW_NS_SYS_UNSHARE, ctx->args[0] & PW_NS_ALL_FLAGS, 1);
	return 0;
}
NS_EXIT_PROG(unshare_x__tp, unshare)

/* setns(fd, nstype) */
SEC("tp/syscalls/sys_enter_setns")
int setns_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	ns_enter(ctx, PW_NS_SYS_SETNS, ctx->args[1] & PW_NS_ALL_FLAGS, 2);
	return 0;
}
NS_EXIT_PROG(setns_x__tp, setns)

/* clone(flags, ...): the low byte of flags is the exit signal */
SEC("tp/syscalls/sys_enter_clone")
int clone_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	ns_enter(ctx, PW_NS_SYS_CLONE, ctx->args[0] & PW_NS_CLONE_FLAGS, 1);
	return 0;
}
NS_EXIT_PROG(clone_x__tp, clone)

/* clone3(uargs, size): flags is the first member of struct clone_args */
SEC("tp/syscalls/sys_enter_clone3")
int clone3_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u64 flags = 0;

	if (bpf_probe_read_user(&flags, sizeof(flags), (const void *)ctx->args[0]))
		flags = 0;
	ns_enter(ctx, PW_NS_SYS_CLONE3, flags & PW_NS_ALL_FLAGS, 2);
	return 0;
}
NS_EXIT_PROG(clone3_x__tp, clone3)

/* In the parent, while it is in clone/clone3: the child's namespaces, for
 * the parent's exit. Every fork passes here; only one with a namespace
 * clone in flight goes past the first test. */
static __always_inline int on_child(struct task_struct *parent, struct task_struct *child)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_ns_inodes in;
	struct pw_pair *p;

	if (!clones_inflight)
		return 0;
	p = bpf_map_lookup_elem(&inflight, &id);
	if (!p || (p->op != PW_NS_SYS_CLONE && p->op != PW_NS_SYS_CLONE3))
		return 0;
	read_inodes(child, &in);
	bpf_map_update_elem(&children, &id, &in, BPF_ANY);
	return 0;
}

PW_TP_VARIANTS(child, sched_process_fork, on_child(parent, child),
	       struct task_struct *parent, struct task_struct *child)
