/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * syscall: per-syscall counts (syscount) and log2 latency histograms,
 * aggregated in the kernel, plus an optional event per syscall for the
 * syscall numbers selected in the "selected" map.
 *
 * This is the hot path of the whole sensor: "enter" runs on every syscall
 * of the machine. What it costs, measured (getppid loop, this design):
 *   - every attached program pays the tracepoint dispatch (~20 ns here for
 *     an empty raw_tp or tp_btf program), so plain counting attaches ONE
 *     program, on sys_enter, that does one config lookup and one per-CPU
 *     array increment, both inlined by the verifier (no hash, no helper
 *     call unless a filter or a consumer is set);
 *   - the sys_exit hook ("exit") is needed only to time syscalls
 *     (config.syscall_latency) and for the selected-syscall events. It is
 *     tagged PW_ATTACH_IF(syscall_latency): the loader attaches it at load
 *     only when syscall_latency is on, and `pinwatch config set
 *     syscall_latency|syscalls` attaches or detaches it as needed.
 *
 * Stats (maps/stats key PW_MOD_SYSCALL) count the event stream only: every
 * exit of a selected syscall is "seen", then filtered, emitted or dropped.
 * Aggregation is not counted there (it would cost a third map update per
 * syscall); syscall/counts is its own record.
 *
 * Counts and latencies honour the switches and the pid/uid/comm/cgroup
 * filters, and leave out the consumer (config.consumer_tgid), like events.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_SYSCALL

/* Per-CPU counts by syscall number: enter increments count, exit adds the
 * latency when timing. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, struct pw_syscall_count);
} counts SEC(".maps");

/* log2 latency in ns by syscall number. Updated only when timing (opt-in),
 * so one shared copy with atomic adds rather than 32 KiB per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, struct pw_hist);
} hist_latency_ns SEC(".maps");

/* 1 at a syscall number: report each of its exits as a syscall event. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u8);
} selected SEC(".maps");

/* Enter timestamp of the syscall a thread is in (0: none), in task local
 * storage: no per-thread hash to fill up with the entries of threads that
 * never return (exit, exit_group), and freed with the task. Every timed
 * enter overwrites it and every timed exit clears it; the one sample that
 * can be wrong is that of a thread already inside a syscall when timing is
 * switched back on, if its previous timestamp was never cleared. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} start SEC(".maps");

static __always_inline int on_enter(long id)
{
	struct pw_syscall_count *c;
	struct pw_config *cfg;
	__u32 nr = id;
	__u64 *ts;

	cfg = pw_aggregating(MOD);
	if (!cfg)
		return 0;
	c = bpf_map_lookup_elem(&counts, &nr);
	if (!c)
		return 0; /* not a native syscall number (x32, -1) */
	c->count++;
	if (cfg->syscall_latency) {
		ts = bpf_task_storage_get(&start, bpf_get_current_task_btf(), 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts)
			*ts = bpf_ktime_get_ns();
	}
	return 0;
}

PW_TP_VARIANTS(enter, sys_enter, on_enter(id), struct pt_regs *regs, long id)

/* Syscall number and arguments from the saved user registers. */
#if defined(__TARGET_ARCH_x86)
#define SC_NR(r) ((r)->orig_ax)
#define SC_ARGS(r, a) do { a[0] = (r)->di; a[1] = (r)->si; a[2] = (r)->dx; \
	a[3] = (r)->r10; a[4] = (r)->r8; a[5] = (r)->r9; } while (0)
#define SC_NR_CORE(r) BPF_CORE_READ(r, orig_ax)
#define SC_ARGS_CORE(r, a) do { a[0] = BPF_CORE_READ(r, di); a[1] = BPF_CORE_READ(r, si); \
	a[2] = BPF_CORE_READ(r, dx); a[3] = BPF_CORE_READ(r, r10); \
	a[4] = BPF_CORE_READ(r, r8); a[5] = BPF_CORE_READ(r, r9); } while (0)
#elif defined(__TARGET_ARCH_arm64)
/* x0 holds the return value by now; the first argument is in orig_x0 */
#define SC_NR(r) ((r)->syscallno)
#define SC_ARGS(r, a) do { a[0] = (r)->orig_x0; a[1] = (r)->regs[1]; a[2] = (r)->regs[2]; \
	a[3] = (r)->regs[3]; a[4] = (r)->regs[4]; a[5] = (r)->regs[5]; } while (0)
#define SC_NR_CORE(r) BPF_CORE_READ(r, syscallno)
#define SC_ARGS_CORE(r, a) do { a[0] = BPF_CORE_READ(r, orig_x0); a[1] = BPF_CORE_READ(r, regs[1]); \
	a[2] = BPF_CORE_READ(r, regs[2]); a[3] = BPF_CORE_READ(r, regs[3]); \
	a[4] = BPF_CORE_READ(r, regs[4]); a[5] = BPF_CORE_READ(r, regs[5]); } while (0)
#else
#error "syscall module: unsupported architecture"
#endif

/* btf: regs is a BTF pointer (tp_btf) that can be read directly. */
static __always_inline int on_exit(struct pt_regs *regs, long ret, bool btf)
{
	struct pw_syscall_count *c;
	struct pw_syscall ev;
	struct pw_rule_in *in;
	struct pw_config *cfg;
	struct pw_hist *hist;
	bool rules_only;
	__u64 lat = 0, *ts;
	__u8 *sel;
	__u32 nr;

	cfg = pw_config_get();
	/* off: the selected calls still reach a rule that names syscall */
	if (!pw_module_on(cfg, MOD) &&
	    !pw_rule_module_wanted(cfg, MOD, bpf_get_current_pid_tgid() >> 32))
		return 0;
	nr = btf ? SC_NR(regs) : SC_NR_CORE(regs);
	if (nr >= PW_SYSCALL_MAX)
		return 0;
	if (cfg->syscall_latency) {
		/* enter stored a timestamp only if it counted this syscall */
		ts = bpf_task_storage_get(&start, bpf_get_current_task_btf(), 0, 0);
		if (ts && *ts) {
			lat = bpf_ktime_get_ns() - *ts;
			*ts = 0;
			c = bpf_map_lookup_elem(&counts, &nr);
			if (c) {
				c->lat_count++;
				c->lat_total_ns += lat;
			}
			hist = bpf_map_lookup_elem(&hist_latency_ns, &nr);
			if (hist) {
				__u32 slot = pw_hist_slot(lat);

				if (slot < PW_HIST_SLOTS)
					__sync_fetch_and_add(&hist->slots[slot], 1);
			}
		}
	}
	sel = bpf_map_lookup_elem(&selected, &nr);
	if (!sel || !*sel)
		return 0;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	pw_fill_hdr(&ev.h, PW_EV_SYSCALL, MOD, sizeof(ev));
	ev.nr = nr;
	ev.pad = 0;
	if (btf)
		SC_ARGS(regs, ev.args);
	else
		SC_ARGS_CORE(regs, ev.args);
	ev.ret = ret;
	ev.latency_ns = lat;
	in = pw_rule_in_for(PW_EV_SYSCALL);
	if (in)
		in->PW_RIN_VAL(SYSCALL) = nr;
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, in, rules_only);
	return 0;
}

PW_ATTACH_IF(syscall_latency)
SEC("tp_btf/sys_exit")
int BPF_PROG(exit__tp_btf, struct pt_regs *regs, long ret)
{
	return on_exit(regs, ret, true);
}

PW_ATTACH_IF(syscall_latency)
SEC("raw_tp/sys_exit")
int BPF_PROG(exit__raw_tp, struct pt_regs *regs, long ret)
{
	return on_exit(regs, ret, false);
}
