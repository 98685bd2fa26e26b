/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Enter/exit pairing for modules built on the classic syscall tracepoints
 * (libbpf-tools style). The enter program saves the raw syscall arguments
 * in the module's private hash "inflight", keyed by pid_tgid; the exit
 * program takes them back with the return value and builds the event.
 *
 * Counting: a syscall is one kernel event, counted "seen" at its exit, so a
 * syscall in flight (a blocking open) never unbalances the stats. When the
 * sensor or the module is off at enter, or the caller is the consumer, the
 * event is counted (seen, filtered) at once and not tracked; when the hash
 * is full (or, allocated at run time, out of memory), it is counted (seen,
 * dropped) at enter. Strings are read at exit:
 * by then the kernel has faulted the caller's pages in, so the non-faulting
 * reads of BPF succeed.
 *
 * Use (after common.bpf.h):
 *	#define PW_PAIR_MODULE PW_MOD_xxx
 *	#include "syscall_pair.bpf.h"
 *	static __always_inline int my_exit(struct trace_event_raw_sys_exit *ctx,
 *					   const struct pw_pair *p);
 *	PW_SYSCALL_PAIR(openat, openat, 4, MY_OP_OPENAT, my_exit)
 * (program prefix, syscall, number of arguments, op, exit handler), which
 * defines the programs openat_e__tp and openat_x__tp (hooks openat_e
 * and openat_x). PW_SYSCALL_PAIR_PROGS names the two programs itself and
 * takes an enter handler too, which may keep one more word of what the
 * caller passed in pw_pair.aux (net: the size of accept's address buffer).
 * PW_PAIR_MAP renames the in-flight map (default "inflight"). A syscall
 * whose tracepoints the kernel lacks is skipped by the loader (tracefs
 * probe).
 */
#ifndef PINWATCH_SYSCALL_PAIR_BPF_H
#define PINWATCH_SYSCALL_PAIR_BPF_H

#ifndef PW_PAIR_MODULE
#error "define PW_PAIR_MODULE before including syscall_pair.bpf.h"
#endif

#ifndef PW_PAIR_MAP
#define PW_PAIR_MAP inflight
#endif

/* Threads inside the module's syscalls at once. The table is allocated as
 * calls park (BPF_F_NO_PREALLOC; preallocated before 6.1: loader/bpfobj.c,
 * pw_run_time_alloc_ok): an idle sensor locks its buckets only, 16 bytes a
 * slot. 1024 for calls that return at once (kill, ptrace, setuid, bpf,
 * mount); the modules whose calls block (an open, accept, a chmod or
 * setxattr on FUSE or NFS: file, net, attr) define 4096. Full, the call
 * is counted dropped at enter.
 * pinwatch up --map-size MODULE/inflight=N for more. */
#ifndef PW_INFLIGHT_ENTRIES
#define PW_INFLIGHT_ENTRIES 1024
#endif

struct pw_pair {
	__u64 args[6];		/* the syscall's arguments, raw */
	__u32 op;		/* which syscall (the module's own numbering) */
	__u32 aux;		/* the enter handler's own word; 0 without one */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_INFLIGHT_ENTRIES);
	__type(key, __u64);
	__type(value, struct pw_pair);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} PW_PAIR_MAP SEC(".maps");

/* Whether a call is tracked: while the module is on for the caller, and,
 * in a module whose rules see its events (rules.bpf.h included before this
 * header), while it is off but a rule names one of its types; a module may
 * define its own before including this header. */
#ifndef PW_PAIR_WANTED
#ifdef PINWATCH_RULES_BPF_H
#define PW_PAIR_WANTED(cfg, tgid) \
	(pw_module_on_for(cfg, PW_PAIR_MODULE, tgid) || pw_rule_module_wanted(cfg, PW_PAIR_MODULE, tgid))
#else
#define PW_PAIR_WANTED(cfg, tgid) pw_module_on_for(cfg, PW_PAIR_MODULE, tgid)
#endif
#endif

/* The raw arguments of a syscall at its enter, into p; false (the call
 * counted seen and filtered, not to be tracked) when the sensor or the
 * module is off or the caller is the consumer. */
static __always_inline bool pw_pair_begin(struct trace_event_raw_sys_enter *ctx, __u64 id,
					  struct pw_pair *p, __u32 op, const int nargs)
{
	if (!PW_PAIR_WANTED(pw_config_get(), id >> 32)) {
		pw_count_event(PW_PAIR_MODULE, PW_FILTERED);
		return false;
	}
	__builtin_memset(p, 0, sizeof(*p));
	p->op = op;
	/* Only the arguments the tracepoint has: reading past its record
	 * makes the attach fail (EACCES). nargs is a constant: no branches,
	 * and each read at a constant offset of ctx, as the verifier needs. */
	if (nargs > 0)
		p->args[0] = ctx->args[0];
	if (nargs > 1)
		p->args[1] = ctx->args[1];
	if (nargs > 2)
		p->args[2] = ctx->args[2];
	if (nargs > 3)
		p->args[3] = ctx->args[3];
	if (nargs > 4)
		p->args[4] = ctx->args[4];
	if (nargs > 5)
		p->args[5] = ctx->args[5];
	return true;
}

/* Keeps p until thread id's exit; a full table loses the call: counted. */
static __always_inline void pw_pair_park(__u64 id, const struct pw_pair *p)
{
	if (bpf_map_update_elem(&PW_PAIR_MAP, &id, p, BPF_ANY))
		pw_count_event(PW_PAIR_MODULE, PW_DROPPED);
}

/* The enter handler of a pair that keeps the arguments only. */
static __always_inline void pw_pair_no_enter(struct trace_event_raw_sys_enter *ctx,
					     struct pw_pair *p)
{
}

/* Takes back what enter saved for this thread; false when enter did not
 * track this syscall (already counted, or it began before the load). */
static __always_inline bool pw_pair_take(struct pw_pair *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_pair *saved = bpf_map_lookup_elem(&PW_PAIR_MAP, &id);

	if (!saved)
		return false;
	*p = *saved;
	bpf_map_delete_elem(&PW_PAIR_MAP, &id);
	return true;
}

/* A pair's enter program: the call parked with what enter_fn adds. */
#define PW_PAIR_ENTER(enter_prog, syscall, nargs, op, enter_fn)		\
	SEC("tp/syscalls/sys_enter_" #syscall)					\
	int enter_prog(struct trace_event_raw_sys_enter *ctx)			\
	{									\
		__u64 id = bpf_get_current_pid_tgid();				\
		struct pw_pair p;						\
										\
		if (pw_pair_begin(ctx, id, &p, op, nargs)) {			\
			enter_fn(ctx, &p);					\
			pw_pair_park(id, &p);					\
		}								\
		return 0;							\
	}

#define PW_SYSCALL_PAIR_PROGS(enter_prog, exit_prog, syscall, nargs, op, enter_fn, exit_fn) \
	PW_PAIR_ENTER(enter_prog, syscall, nargs, op, enter_fn)			\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int exit_prog(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		struct pw_pair p;						\
										\
		if (!pw_pair_take(&p))						\
			return 0;						\
		return exit_fn(ctx, &p);					\
	}

/*
 * One exit handler for every pair of a module, verified once: the exit
 * handlers of a module's pairs are the same program (the syscall is
 * p->op, saved at enter), and the verifier checked each copy again (attr:
 * twenty of 52 k instructions, BENCHMARKS.md "Less verification").
 * PW_PAIR_EXIT_STAGE(stage, exit_fn) defines the program stage (the
 * handler: takes the pair back, runs exit_fn) and the module's prog array
 * "chain" holding it at slot 0 (the loader loads a chain's programs
 * always, attaches them never, and freezes the chain: loader/load.c);
 * PW_SYSCALL_PAIR_SHARED(enter_prog, exit_prog, syscall, nargs, op,
 * enter_fn) then defines each syscall's enter program as
 * PW_SYSCALL_PAIR_PROGS does and an exit program of its own (its own
 * link and run statistics) that only tail-calls the stage
 * (PW_PAIR_EXIT_SHARED(exit_prog, syscall): the exit program alone, for
 * a module whose enter programs are its own). Every
 * syscalls/sys_exit_* record has ret at the same offset, the stage reads
 * nothing else of it. A tail call that fails (never, the chain being
 * frozen full) loses the call: counted seen and dropped, and
 * PW_PAIR_LOST(p) (a module's own, defined before this header) undoes
 * what its enter did besides the pairing.
 */
#ifndef PW_PAIR_LOST
#define PW_PAIR_LOST(p) ((void)(p))
#endif
/* The module's one-slot prog array "chain", holding its exit stage. */
#define PW_PAIR_STAGE_CHAIN(stage)						\
	struct {								\
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY);				\
		__uint(max_entries, 1);						\
		__type(key, __u32);						\
		__array(values, int (void *));					\
	} chain SEC(".maps") = {						\
		.values = { [0] = (void *)&stage },				\
	}

#define PW_PAIR_EXIT_STAGE(stage, exit_fn)					\
	SEC("tp/raw_syscalls/sys_exit")	/* never attached: a chain stage */	\
	int stage(struct trace_event_raw_sys_exit *ctx)				\
	{									\
		struct pw_pair p;						\
										\
		if (!pw_pair_take(&p))						\
			return 0;						\
		return exit_fn(ctx, &p);					\
	}									\
	PW_PAIR_STAGE_CHAIN(stage);

/* The exit program alone (a module whose enter programs are its own). */
#define PW_PAIR_EXIT_SHARED(exit_prog, syscall)					\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int exit_prog(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		struct pw_pair p;						\
										\
		bpf_tail_call(ctx, &chain, 0);					\
		if (pw_pair_take(&p)) {						\
			PW_PAIR_LOST(&p);					\
			pw_count_event(PW_PAIR_MODULE, PW_DROPPED);		\
		}								\
		return 0;							\
	}

#define PW_SYSCALL_PAIR_SHARED(enter_prog, exit_prog, syscall, nargs, op, enter_fn) \
	PW_PAIR_ENTER(enter_prog, syscall, nargs, op, enter_fn)			\
	PW_PAIR_EXIT_SHARED(exit_prog, syscall)

/* The same, its programs named "<prog>_e__tp" and "<prog>_x__tp". */
#define PW_SYSCALL_PAIR_SHARED_TP(prog, syscall, nargs, op, enter_fn)		\
	PW_SYSCALL_PAIR_SHARED(prog##_e__tp, prog##_x__tp, syscall, nargs, op, enter_fn)

/* Kernel program names are cut at 15 bytes: "<prog>_e__tp" must fit. */
#define PW_SYSCALL_PAIR(prog, syscall, nargs, op, exit_fn)			\
	PW_SYSCALL_PAIR_PROGS(prog##_e__tp, prog##_x__tp, syscall, nargs, op,	\
			      pw_pair_no_enter, exit_fn)

/*
 * No pairing where the kernel lets a tracepoint program read the task's
 * saved user registers (bpf_task_pt_regs, 5.15): the exit reads the
 * arguments there (a syscall's implementation does not change them; the
 * return value has its own register) and the enter hook is not attached.
 * Measured on an openat+close loop (BENCHMARKS.md, "openat"): the enter
 * program (a classic tracepoint dispatch, the config lookup and a hash
 * insert allocated at run time) and the exit's lookup and delete were
 * about a third of the file module's cost per open. Counting is the
 * pairing's: the exit handler's begin counts the call seen at its exit,
 * and filtered when the module is off or the caller is the consumer.
 *
 * PW_SYSCALL_PAIR_REGS(openat, openat, 4, op, exit_fn) defines, for the
 * hooks openat_e and openat_x: openat_x__tpr (exit, from the registers;
 * variant "tpr", loaded only where the probe finds the helper) and, where
 * it does not (or `tpr` is denied: PINWATCH_DENY_VARIANTS=tpr), the pair
 * openat_e__tpp and openat_x__tpp (variant "tpp"). Each side's variants
 * are left out quietly where the other's are chosen (loader/probe.c).
 * The exit handler must begin with its own pw_rule_begin()/pw_begin():
 * the registers variant calls it for every call.
 */
#if defined(__TARGET_ARCH_x86)
#define PW_PAIR_REG_ARG(r, i) ((i) == 0 ? (r)->di : (i) == 1 ? (r)->si : (i) == 2 ? (r)->dx : \
			       (i) == 3 ? (r)->r10 : (i) == 4 ? (r)->r8 : (r)->r9)
#elif defined(__TARGET_ARCH_arm64)
/* x0 holds the return value by now; the first argument is in orig_x0 */
#define PW_PAIR_REG_ARG(r, i) ((i) == 0 ? (r)->orig_x0 : (r)->regs[i])
#else
#error "syscall_pair.bpf.h: unsupported architecture"
#endif

static __always_inline void pw_pair_from_regs(struct pw_pair *p, __u32 op, const int nargs)
{
	struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	__builtin_memset(p, 0, sizeof(*p));
	p->op = op;
	/* nargs is a constant: as many loads as the syscall has arguments */
	if (nargs > 0)
		p->args[0] = PW_PAIR_REG_ARG(r, 0);
	if (nargs > 1)
		p->args[1] = PW_PAIR_REG_ARG(r, 1);
	if (nargs > 2)
		p->args[2] = PW_PAIR_REG_ARG(r, 2);
	if (nargs > 3)
		p->args[3] = PW_PAIR_REG_ARG(r, 3);
	if (nargs > 4)
		p->args[4] = PW_PAIR_REG_ARG(r, 4);
	if (nargs > 5)
		p->args[5] = PW_PAIR_REG_ARG(r, 5);
}

#define PW_SYSCALL_PAIR_REGS(prog, syscall, nargs, op, exit_fn)			\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int prog##_x__tpr(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		struct pw_pair p;						\
										\
		pw_pair_from_regs(&p, op, nargs);				\
		return exit_fn(ctx, &p);					\
	}									\
	PW_SYSCALL_PAIR_PROGS(prog##_e__tpp, prog##_x__tpp, syscall, nargs, op,	\
			      pw_pair_no_enter, exit_fn)

/*
 * The registers variant behind one exit stage (file: nine exits of 62 k
 * instructions verified each, the rule matcher in every one, where attr's
 * twenty share one; BENCHMARKS.md "Less verification"). A stage has only
 * the context of a tail call, so each exit program leaves its pair in the
 * module's per-CPU slot "pair_pass" and tail-calls the stage, which runs
 * exit_fn on it. The slot is written and read within one run of a syscall
 * exit program on one CPU (BPF runs them with preemption off, as the
 * modules' per-CPU scratch already relies on; they do not nest).
 *
 * PW_PAIR_PASS_STAGE(stage, exit_fn) defines pair_pass, the program stage
 * and the prog array "chain" holding it (as PW_PAIR_EXIT_STAGE does);
 * PW_SYSCALL_PAIR_REGS_SHARED(prog, syscall, nargs, op) then defines the
 * programs of PW_SYSCALL_PAIR_REGS (prog_x__tpr from the registers, and
 * the tpp pair prog_e__tpp/prog_x__tpp, which takes its pair from
 * inflight) whose exits fill the slot and tail-call the stage. A tail call
 * that fails (never, the chain frozen full) counts the call seen and
 * dropped.
 */
#define PW_PAIR_PASS_STAGE(stage, exit_fn)					\
	struct {								\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);			\
		__uint(max_entries, 1);						\
		__type(key, __u32);						\
		__type(value, struct pw_pair);					\
	} pair_pass SEC(".maps");						\
	static __always_inline struct pw_pair *pw_pair_slot(void)		\
	{									\
		__u32 zero = 0;							\
										\
		return bpf_map_lookup_elem(&pair_pass, &zero);			\
	}									\
	SEC("tp/raw_syscalls/sys_exit")	/* never attached: a chain stage */	\
	int stage(struct trace_event_raw_sys_exit *ctx)				\
	{									\
		struct pw_pair *q = pw_pair_slot();				\
										\
		if (!q)								\
			return 0;						\
		return exit_fn(ctx, q);						\
	}									\
	PW_PAIR_STAGE_CHAIN(stage);					\
	/* q filled: on to the stage */					\
	static __always_inline int pw_pair_pass(struct trace_event_raw_sys_exit *ctx, \
						struct pw_pair *q)		\
	{									\
		bpf_tail_call(ctx, &chain, 0);					\
		PW_PAIR_LOST(q);						\
		pw_count_event(PW_PAIR_MODULE, PW_DROPPED);			\
		return 0;							\
	}

#define PW_SYSCALL_PAIR_REGS_SHARED(prog, syscall, nargs, op)			\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int prog##_x__tpr(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		struct pw_pair *q = pw_pair_slot();				\
										\
		if (!q)								\
			return 0;						\
		pw_pair_from_regs(q, op, nargs);				\
		return pw_pair_pass(ctx, q);					\
	}									\
	PW_PAIR_ENTER(prog##_e__tpp, syscall, nargs, op, pw_pair_no_enter)	\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int prog##_x__tpp(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		struct pw_pair *q = pw_pair_slot();				\
										\
		if (!q || !pw_pair_take(q))					\
			return 0;						\
		return pw_pair_pass(ctx, q);					\
	}

#endif /* PINWATCH_SYSCALL_PAIR_BPF_H */
