/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile: CPU sampling (libbpf-tools profile). One perf_event program,
 * attached by pinwatch-profile to a sampling event on every CPU (cycles,
 * or the software cpu-clock where the PMU has none), counts samples per
 * (process, user stack, kernel stack). Not pinned: it lives as long as
 * pinwatch-profile runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "profile.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

/* [0] samples taken, [1] samples lost (counts full) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

static __always_inline void total(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&totals, &i);

	if (v)
		(*v)++;
}

SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32, tid = (__u32)id;
	struct pw_profile_key key = {};
	__u64 one = 1, *n;

	if (!tid && !include_idle)
		return 0;
	if (targ_tgid && tgid != targ_tgid)
		return 0;
	total(0);
	key.pid = tgid;
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	key.user_stack_id = kernel_only ? -1 : bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	key.kern_stack_id = user_only ? -1 : bpf_get_stackid(ctx, &stacks, 0);
	n = bpf_map_lookup_elem(&counts, &key);
	if (n) {
		__sync_fetch_and_add(n, 1);
	} else if (bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST)) {
		n = bpf_map_lookup_elem(&counts, &key); /* another CPU was first */
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			total(1);
	}
	return 0;
}
