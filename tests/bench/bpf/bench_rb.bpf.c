/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The producer of the throughput benchmark: every getppid() of one process
 * (the bench harness) becomes one pinwatch event, built and submitted
 * exactly like a module does it (pw_begin, pw_fill_hdr, pw_submit), into the
 * shared pinned ring buffer that pinwatch-read reads. Bench only: built by
 * `make bench`, loaded by tests/bench/harness.c, never by `pinwatch up`.
 */
#include "common.bpf.h"

/* How the record goes to the ring (set by the harness before load). */
#define BENCH_PINWATCH	0	/* pw_submit(): pinwatch's batched wakeups */
#define BENCH_EVERY	1	/* flags 0: the kernel wakes the consumer per record */
#define BENCH_NONE	2	/* BPF_RB_NO_WAKEUP: the consumer only polls */
#define BENCH_NO_RING	3	/* everything but the ring: the producer's ceiling */

const volatile __u32 target_tgid;
const volatile __u32 mode;

/* Calls of the target so far: its single thread makes them in order. */
__u64 seq;

SEC("tp/syscalls/sys_enter_getppid")
int bench_getppid(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pw_config *cfg;
	struct pw_bench e;

	if (tgid != target_tgid)
		return 0;
	cfg = pw_begin(PW_MOD_BENCH, tgid);
	if (!cfg)
		return 0;
	pw_fill_hdr(&e.h, PW_EV_BENCH, PW_MOD_BENCH, sizeof(e));
	e.seq = seq++;
	switch (mode) {
	case BENCH_EVERY:
		if (bpf_ringbuf_output(&events, &e, sizeof(e), 0))
			pw_count(PW_MOD_BENCH, PW_DROPPED);
		else
			pw_count(PW_MOD_BENCH, PW_EMITTED);
		break;
	case BENCH_NONE:
		if (bpf_ringbuf_output(&events, &e, sizeof(e), BPF_RB_NO_WAKEUP))
			pw_count(PW_MOD_BENCH, PW_DROPPED);
		else
			pw_count(PW_MOD_BENCH, PW_EMITTED);
		break;
	case BENCH_NO_RING:
		/* the record is built all the same, only not sent */
		asm volatile("" : : "r"(&e) : "memory");
		pw_count(PW_MOD_BENCH, PW_EMITTED);
		break;
	default:
		pw_submit(cfg, &e, sizeof(e), PW_MOD_BENCH);
	}
	return 0;
}
