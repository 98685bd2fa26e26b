/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * llcstat: last-level cache references and misses per process and CPU
 * (libbpf-tools llcstat), from two hardware events sampled every
 * sample_period occurrences. pinwatch-llcstat attaches them; a CPU whose
 * PMU has no such events (most VMs) gets no program at all.
 *
 * Shared maps: the loader reuses the sensor's config, stats and filter maps
 * when they are pinned (private copies otherwise). Every sample is counted
 * in maps/stats under PW_MOD_LLCSTAT: filtered (the sensor is off, the
 * sensor's consumer, the pid/uid/comm/cgroup filters), emitted (added to
 * llc) or dropped (llc full).
 */
#include "common.bpf.h"
#include "llcstat.h"

#define MOD PW_MOD_LLCSTAT

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct pw_llc_key);
	__type(value, struct pw_llc_value);
} llc SEC(".maps");

static __always_inline int count(struct bpf_perf_event_data *ctx, bool miss)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pw_llc_key key = { .cpu = bpf_get_smp_processor_id(), .pid = tgid };
	struct pw_llc_value *v, zero = {};
	struct pw_config *cfg;

	cfg = pw_begin(MOD, tgid);
	if (!cfg)
		return 0;
	if (pw_current_filtered(cfg, tgid)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	v = bpf_map_lookup_elem(&llc, &key);
	if (!v) {
		bpf_map_update_elem(&llc, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&llc, &key);
		if (!v) {
			pw_count(MOD, PW_DROPPED);
			return 0;
		}
	}
	if (miss)
		__sync_fetch_and_add(&v->misses, ctx->sample_period);
	else
		__sync_fetch_and_add(&v->references, ctx->sample_period);
	pw_count(MOD, PW_EMITTED);
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
