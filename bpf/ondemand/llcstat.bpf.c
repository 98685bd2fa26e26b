/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * llcstat: last-level cache references and misses per process and CPU
 * (libbpf-tools llcstat), from two hardware events sampled every
 * sample_period occurrences. pinwatch-llcstat attaches them; a CPU whose
 * PMU has no such events (most VMs) gets no program at all.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "llcstat.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct pw_llc_key);
	__type(value, struct pw_llc_value);
} stats SEC(".maps");

static __always_inline int count(struct bpf_perf_event_data *ctx, bool miss)
{
	struct pw_llc_key key = { .cpu = bpf_get_smp_processor_id(),
				  .pid = bpf_get_current_pid_tgid() >> 32 };
	struct pw_llc_value *v, zero = {};

	bpf_get_current_comm(key.comm, sizeof(key.comm));
	v = bpf_map_lookup_elem(&stats, &key);
	if (!v) {
		bpf_map_update_elem(&stats, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&stats, &key);
		if (!v)
			return 0;
	}
	if (miss)
		__sync_fetch_and_add(&v->misses, ctx->sample_period);
	else
		__sync_fetch_and_add(&v->references, ctx->sample_period);
	return 0;
}

SEC("perf_event")
int on_miss(struct bpf_perf_event_data *ctx)
{
	return count(ctx, true);
}

SEC("perf_event")
int on_reference(struct bpf_perf_event_data *ctx)
{
	return count(ctx, false);
}
