/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * funclatency: the latency of one kernel function as a log2 histogram in
 * nanoseconds (libbpf-tools funclatency). Two variants of the pair of hooks,
 * <hook>__<variant>: entry__fentry/exit__fexit (BPF trampolines) and
 * entry__kprobe/exit__kretprobe where the kernel has no trampoline for it.
 * pinwatch-funclatency probes both on the function at run time, keeps the
 * first that works, sets its attach target (the sections name none) and
 * attaches it; nothing is pinned.
 *
 * Shared maps: the loader reuses the sensor's config, stats and filter maps
 * when they are pinned (private copies otherwise). Every call is counted in
 * maps/stats under PW_MOD_FUNCLATENCY once it is decided: at its entry as
 * filtered (the sensor is off, the sensor's consumer, another process than
 * --pid, the pid/uid/comm/cgroup filters) or dropped (`starts` full), at
 * its return as emitted (added to `hist`). A call still running when the
 * tool stops, or that began before it attached, is not counted.
 */
#include "common.bpf.h"
#include "funclatency.h"

#define MOD PW_MOD_FUNCLATENCY

const volatile __u32 targ_tgid = 0;	/* 0: every process */

/* entry time of the call in progress, by thread id */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_FUNCLAT_THREADS);
	__type(key, __u32);
	__type(value, __u64);
} starts SEC(".maps");

/* key 0: log2 of entry-to-return ns */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_hist);
} hist SEC(".maps");

static __always_inline int on_entry(void)
{
	__u64 id = bpf_get_current_pid_tgid(), now;
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct pw_config *cfg = pw_config_get();

	if ((targ_tgid && tgid != targ_tgid) || !pw_module_on_for(cfg, MOD, tgid) ||
	    pw_current_filtered(cfg, tgid)) {
		pw_count_event(MOD, PW_FILTERED);
		return 0;
	}
	now = bpf_ktime_get_ns();
	if (bpf_map_update_elem(&starts, &tid, &now, BPF_ANY))
		pw_count_event(MOD, PW_DROPPED);
	return 0;
}

static __always_inline int on_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), zero = 0, slot;
	__u64 *start = bpf_map_lookup_elem(&starts, &tid), lat;
	struct pw_hist *h;

	if (!start)
		return 0; /* called before we attached, or decided at its entry */
	lat = bpf_ktime_get_ns() - *start;
	bpf_map_delete_elem(&starts, &tid);
	pw_count(MOD, PW_SEEN);
	h = bpf_map_lookup_elem(&hist, &zero);
	slot = pw_hist_slot(lat);
	if (!h || slot >= PW_HIST_SLOTS) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	__sync_fetch_and_add(&h->slots[slot], 1);
	pw_count(MOD, PW_EMITTED);
	return 0;
}

SEC("fentry")
int BPF_PROG(entry__fentry)
{
	return on_entry();
}

SEC("fexit")
int BPF_PROG(exit__fexit)
{
	return on_exit();
}

SEC("kprobe")
int BPF_KPROBE(entry__kprobe)
{
	return on_entry();
}

SEC("kretprobe")
int BPF_KRETPROBE(exit__kretprobe)
{
	return on_exit();
}
