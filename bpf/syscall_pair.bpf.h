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
 * is full, it is counted (seen, dropped) at enter. Strings are read at exit:
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
 * and openat_x). A syscall whose tracepoints the kernel lacks is skipped by
 * the loader (tracefs probe).
 */
#ifndef PINWATCH_SYSCALL_PAIR_BPF_H
#define PINWATCH_SYSCALL_PAIR_BPF_H

#ifndef PW_PAIR_MODULE
#error "define PW_PAIR_MODULE before including syscall_pair.bpf.h"
#endif

#define PW_INFLIGHT_ENTRIES 10240

struct pw_pair {
	__u64 args[6];		/* the syscall's arguments, raw */
	__u32 op;		/* which syscall (the module's own numbering) */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_INFLIGHT_ENTRIES);
	__type(key, __u64);
	__type(value, struct pw_pair);
} inflight SEC(".maps");

static __always_inline int pw_pair_enter(struct trace_event_raw_sys_enter *ctx, __u32 op,
					 const int nargs)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 zero = 0, tgid = id >> 32;
	struct pw_config *cfg = bpf_map_lookup_elem(&config, &zero);
	struct pw_pair p = { .op = op };

	if (!cfg || !cfg->enabled || (cfg->modules_disabled & (1u << PW_PAIR_MODULE)) ||
	    (cfg->consumer_tgid && cfg->consumer_tgid == tgid)) {
		if (pw_begin(PW_PAIR_MODULE, tgid)) /* switched on meanwhile */
			pw_count(PW_PAIR_MODULE, PW_FILTERED);
		return 0;
	}
	/* Only the arguments the tracepoint has: reading past its record
	 * makes the attach fail (EACCES). nargs is a constant: no branches. */
	if (nargs > 0)
		p.args[0] = ctx->args[0];
	if (nargs > 1)
		p.args[1] = ctx->args[1];
	if (nargs > 2)
		p.args[2] = ctx->args[2];
	if (nargs > 3)
		p.args[3] = ctx->args[3];
	if (nargs > 4)
		p.args[4] = ctx->args[4];
	if (nargs > 5)
		p.args[5] = ctx->args[5];
	if (bpf_map_update_elem(&inflight, &id, &p, BPF_ANY)) {
		pw_count(PW_PAIR_MODULE, PW_SEEN);
		pw_count(PW_PAIR_MODULE, PW_DROPPED);
	}
	return 0;
}

/* Takes back what enter saved for this thread; false when enter did not
 * track this syscall (already counted, or it began before the load). */
static __always_inline bool pw_pair_take(struct pw_pair *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_pair *saved = bpf_map_lookup_elem(&inflight, &id);

	if (!saved)
		return false;
	*p = *saved;
	bpf_map_delete_elem(&inflight, &id);
	return true;
}

/* Kernel program names are cut at 15 bytes: "<prog>_e__tp" must fit. */
#define PW_SYSCALL_PAIR(prog, syscall, nargs, op, exit_fn)				\
	SEC("tp/syscalls/sys_enter_" #syscall)					\
	int prog##_e__tp(struct trace_event_raw_sys_enter *ctx)		\
	{									\
		return pw_pair_enter(ctx, op, nargs);					\
	}									\
	SEC("tp/syscalls/sys_exit_" #syscall)					\
	int prog##_x__tp(struct trace_event_raw_sys_exit *ctx)			\
	{									\
		struct pw_pair p;						\
										\
		if (!pw_pair_take(&p))						\
			return 0;						\
		return exit_fn(ctx, &p);					\
	}

#endif /* PINWATCH_SYSCALL_PAIR_BPF_H */
