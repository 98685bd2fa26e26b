/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ptrace: ptrace(2) requests and process_vm_readv/writev(2), with their
 * target and result, from the syscall enter/exit tracepoints: one "ptrace"
 * event type, the request by name ("vm_readv"/"vm_writev" for the
 * process_vm_* calls).
 *
 * By default a ptrace request is reported only when it attaches, detaches
 * or writes to the tracee (ATTACH, SEIZE, TRACEME, DETACH, POKE*, SET*:
 * the "reported" column of build/gen/ptrace_requests.h); a debugger's
 * reads and controls (PEEK*, GET*, CONT, SYSCALL, SINGLESTEP, INTERRUPT,
 * ...) come by the thousand and end at enter, counted seen and filtered,
 * unless config ptrace_all_requests is on. process_vm_* calls are always
 * reported.
 *
 * target_comm: each exit hook has two variants. The preferred one (tpk)
 * asks the kernel for the task by pid (kfunc bpf_task_from_pid, which
 * tracepoint programs may call since 6.12; the pid is looked up in the
 * initial pid namespace, so only for callers in it); where the kernel
 * refuses that kfunc here (6.1) the loader's task_from_pid probe says so
 * and the loader takes the other (tp) without trying tpk (where tpk is
 * tried and fails all the same, it falls back with a notice). tp finds
 * the target among the caller's tracees (after ATTACH or SEIZE, and for
 * requests on a tracee; not after DETACH, nor for a refused attach or
 * process_vm_*: "").
 * TRACEME's target is the caller's parent, read from the caller by both.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_PTRACE
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"

#define PW_PTRACE_TRACEME 0	/* PTRACE_TRACEME, linux/ptrace.h */

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

/* True when request is reported without config ptrace_all_requests;
 * requests this build does not know are reported. */
static __always_inline bool ptrace_reported(__u64 request)
{
	switch (request) {
#define PW_PTRACE_REQ(name, nr, reported) case nr: return reported;
#include "gen/ptrace_requests.h"
#undef PW_PTRACE_REQ
	}
	return true;
}

SEC("tp/syscalls/sys_enter_ptrace")
int ptrace_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_config *cfg = pw_config_get();
	struct pw_pair p;

	if (cfg && !cfg->ptrace_all_requests && !ptrace_reported(ctx->args[0])) {
		pw_count_event(MOD, PW_FILTERED);
		return 0;
	}
	if (pw_pair_begin(ctx, id, &p, PW_PTRACE_SYS_PTRACE, 4))
		pw_pair_park(id, &p);
	return 0;
}

/*
 * The exits, verified once: each exit program (either variant) takes its
 * call back from inflight into the per-CPU slot ptrace_pass and tail-calls
 * ptrace_exit_stage (chain slot 0), which builds, filters and submits the
 * event (the rule matcher was verified in each of the three tpk exits:
 * 61.5 k instructions each, BENCHMARKS.md "Less verification"). The tpk
 * exits ask the kernel for the target's comm before the tail call, so
 * that the stage calls no kfunc and loads where tpk cannot (6.1). The
 * slot is written and read within one run of an exit program on one CPU.
 */
struct ptrace_pass {
	struct pw_pair p;
	__u32 by_pid;				/* a tpk exit: target_* below, not the tracees */
	__u32 target_source;			/* PW_PTRACE_TARGET_TASK: target_comm found */
	char target_comm[PW_COMM_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ptrace_pass);
} ptrace_pass SEC(".maps");

/* The comm of the task whose pid is target_pid, into q, when the caller's pid
 * namespace is the initial one (the kfunc looks the pid up there). */
static __always_inline void target_by_pid(struct ptrace_pass *q, __s32 target_pid)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct task_struct *t;

	if (target_pid <= 0 || BPF_CORE_READ(cur, thread_pid, level) != 0)
		return;
	t = bpf_task_from_pid(target_pid);
	if (!t)
		return;
	if (bpf_probe_read_kernel_str(q->target_comm, sizeof(q->target_comm), t->comm) > 0)
		q->target_source = PW_PTRACE_TARGET_TASK;
	bpf_task_release(t);
}

/* Tracees looked at: a tracer with more than this many has its newest
 * ones found (ATTACH and SEIZE put the new tracee first). */
#define PW_PTRACED_SCAN 8

/* The comm of the caller's tracee whose pid is ev->target_pid, from the
 * calling thread's list of tracees (task->ptraced, linked by the tracees'
 * ptrace_entry), when the caller's pid namespace is the initial one (the
 * tracees' pids are compared as the kernel numbers them there). */
static __always_inline void target_by_tracees(struct pw_ptrace *ev)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct list_head *head = &cur->ptraced;
	struct list_head *pos;

	if (ev->target_pid <= 0 || BPF_CORE_READ(cur, thread_pid, level) != 0)
		return;
	pos = BPF_CORE_READ(cur, ptraced.next);
#pragma unroll
	for (int i = 0; i < PW_PTRACED_SCAN; i++) {
		struct task_struct *t;

		if (!pos || pos == head)
			return;
		t = (struct task_struct *)((void *)pos -
					   bpf_core_field_offset(struct task_struct, ptrace_entry));
		if (BPF_CORE_READ(t, pid) == ev->target_pid) {
			BPF_CORE_READ_STR_INTO(&ev->target_comm, t, comm);
			ev->target_source = PW_PTRACE_TARGET_TASK;
			return;
		}
		pos = BPF_CORE_READ(pos, next);
	}
}

static __always_inline int ptrace_exit(struct trace_event_raw_sys_exit *ctx,
				       const struct ptrace_pass *q)
{
	const struct pw_pair *p = &q->p;
	struct pw_rule_in *in;
	struct pw_config *cfg;
	struct pw_ptrace ev;
	bool rules_only;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	ev.ret = ctx->ret;
	ev.syscall = p->op;
	if (p->op == PW_PTRACE_SYS_PTRACE) {	/* (request, pid, addr, data) */
		ev.request = p->args[0];
		ev.target_pid = p->args[1];
		ev.addr = p->args[2];
		ev.data = p->args[3];
		if (ev.request == PW_PTRACE_TRACEME) {
			struct task_struct *task = (struct task_struct *)bpf_get_current_task();
			struct task_struct *parent = BPF_CORE_READ(task, real_parent);

			ev.target_pid = BPF_CORE_READ(parent, tgid);
			BPF_CORE_READ_STR_INTO(&ev.target_comm, parent, comm);
			ev.target_source = PW_PTRACE_TARGET_PARENT;
		}
	} else {		/* (pid, lvec, liovcnt, rvec, riovcnt, flags) */
		struct iovec *rvec = (struct iovec *)p->args[3];

		ev.target_pid = p->args[0];
		ev.data = p->args[4];
		if (rvec && ev.data && bpf_probe_read_user(&ev.addr, sizeof(ev.addr), &rvec->iov_base))
			ev.addr = 0;
	}
	if (ev.target_source == PW_PTRACE_TARGET_NONE) {
		if (q->by_pid) {
			if (q->target_source == PW_PTRACE_TARGET_TASK) {
				__builtin_memcpy(ev.target_comm, q->target_comm,
						 sizeof(ev.target_comm));
				ev.target_source = PW_PTRACE_TARGET_TASK;
			}
		} else if (p->op == PW_PTRACE_SYS_PTRACE)
			target_by_tracees(&ev);
	}
	pw_fill_hdr(&ev.h, PW_EV_PTRACE, MOD, sizeof(ev));
	/* --ptrace-req: process_vm_readv/writev as requests of their own */
	in = pw_rule_in_for(PW_EV_PTRACE);
	if (in)
		in->PW_RIN_VAL(PTRACE_REQ) =
			p->op == PW_PTRACE_SYS_VM_READV	 ? PW_RULE_PTRACE_VM_READV :
			p->op == PW_PTRACE_SYS_VM_WRITEV ? PW_RULE_PTRACE_VM_WRITEV :
							   ev.request;
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, in, rules_only);
	return 0;
}

SEC("tp/raw_syscalls/sys_exit")	/* never attached: a chain stage */
int ptrace_exit_stage(struct trace_event_raw_sys_exit *ctx)
{
	__u32 zero = 0;
	struct ptrace_pass *q = bpf_map_lookup_elem(&ptrace_pass, &zero);

	if (!q)
		return 0;
	return ptrace_exit(ctx, q);
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, int (void *));
} chain SEC(".maps") = {
	.values = { [0] = (void *)&ptrace_exit_stage },
};

/* An exit of either variant: the call into the slot, on to the stage. A
 * tail call that fails (never, the chain frozen full) counts the call
 * seen and dropped. */
static __always_inline int ptrace_exit_pass(struct trace_event_raw_sys_exit *ctx, const bool by_pid)
{
	__u32 zero = 0;
	struct ptrace_pass *q = bpf_map_lookup_elem(&ptrace_pass, &zero);
	__u64 target;

	if (!q || !pw_pair_take(&q->p))
		return 0;
	q->by_pid = by_pid;
	q->target_source = PW_PTRACE_TARGET_NONE;
	/* TRACEME's target is the parent, read by the stage */
	if (by_pid && !(q->p.op == PW_PTRACE_SYS_PTRACE && q->p.args[0] == PW_PTRACE_TRACEME)) {
		target = q->p.op == PW_PTRACE_SYS_PTRACE ? q->p.args[1] : q->p.args[0];
		target_by_pid(q, (__s32)target);
	}
	bpf_tail_call(ctx, &chain, 0);
	pw_count_event(MOD, PW_DROPPED);
	return 0;
}

/* The exit hook's fallback variant: no kfunc, the tracees only. */
#define PTRACE_EXIT_PLAIN(prog, syscall)					\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int prog##_x__tp(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		return ptrace_exit_pass(ctx, false);				\
	}

/* The preferred variant: the target's comm by its pid. */
#define PTRACE_EXIT_BY_PID(prog, syscall)					\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int prog##_x__tpk(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		return ptrace_exit_pass(ctx, true);				\
	}

/* ptrace's enter is above; its exit, preferred variant first. */
PTRACE_EXIT_BY_PID(ptrace, ptrace)
PTRACE_EXIT_PLAIN(ptrace, ptrace)

PW_PAIR_ENTER(vmread_e__tp, process_vm_readv, 5, PW_PTRACE_SYS_VM_READV, pw_pair_no_enter)
PTRACE_EXIT_BY_PID(vmread, process_vm_readv)
PTRACE_EXIT_PLAIN(vmread, process_vm_readv)
PW_PAIR_ENTER(vmwrite_e__tp, process_vm_writev, 5, PW_PTRACE_SYS_VM_WRITEV, pw_pair_no_enter)
PTRACE_EXIT_BY_PID(vmwrite, process_vm_writev)
PTRACE_EXIT_PLAIN(vmwrite, process_vm_writev)
