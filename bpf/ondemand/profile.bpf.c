/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile: CPU sampling (libbpf-tools profile). One perf_event program,
 * attached by pinwatch-profile to a sampling event on every CPU (cycles,
 * or the software cpu-clock where the PMU has none), counts samples per
 * (process, user stack, kernel stack). Not pinned: it lives as long as
 * pinwatch-profile runs.
 *
 * Shared maps: the loader reuses the sensor's config, stats and filter maps
 * when they are pinned (private copies otherwise), so the sensor's on/off
 * switch, its consumer and the pid/uid/comm/cgroup filters apply to the
 * samples, and every sample is counted in maps/stats under PW_MOD_PROFILE:
 * filtered (also: the idle task without --idle, another process than
 * --pid), emitted (counted in `counts`) or dropped (`counts` full).
 */
#include "common.bpf.h"
#include "profile.h"

#define MOD PW_MOD_PROFILE

const volatile __u32 targ_tgid = 0;	/* 0: every process */
const volatile bool user_only = false;
const volatile bool kernel_only = false;
const volatile bool include_idle = false;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PW_PROFILE_STACKS);
	__type(key, __u32);
	__uint(value_size, PW_PROFILE_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_PROFILE_STACKS);
	__type(key, struct pw_profile_key);
	__type(value, __u64);
} counts SEC(".maps");

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct pw_profile_key key = {};
	struct pw_config *cfg;
	__u64 one = 1, *n;

	cfg = pw_begin(MOD, tgid);
	if (!cfg)
		return 0;
	if ((!tid && !include_idle) || (targ_tgid && tgid != targ_tgid) ||
	    pw_current_filtered(cfg, tgid)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	key.pid = tgid;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.user_stack_id = kernel_only ? -1 : bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	key.kern_stack_id = user_only ? -1 : bpf_get_stackid(ctx, &stacks, 0);
	n = bpf_map_lookup_elem(&counts, &key);
	if (!n && bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0) {
		pw_count(MOD, PW_EMITTED);
		return 0;
	}
	if (!n)
		n = bpf_map_lookup_elem(&counts, &key); /* another CPU was first */
	if (!n) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	__sync_fetch_and_add(n, 1);
	pw_count(MOD, PW_EMITTED);
	return 0;
}
