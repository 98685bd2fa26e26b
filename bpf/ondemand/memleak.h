/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * memleak.h: what bpf/ondemand/memleak.bpf.c and loader/memleak.c share
 * (outstanding allocations; nothing of it is pinned).
 */
#ifndef PINWATCH_MEMLEAK_H
#define PINWATCH_MEMLEAK_H

#define PW_MEMLEAK_ALLOCS	262144	/* outstanding allocations tracked */
#define PW_MEMLEAK_STACKS	16384
#define PW_MEMLEAK_DEPTH	127

/* allocs value, keyed by address */
struct pw_memleak_alloc {
	__u64 size;
	__u64 ts_ns;
	__s64 stack_id;		/* < 0: the stack could not be taken */
};

/* combined value, keyed by stack id (s64): what is outstanding per stack */
struct pw_memleak_stack {
	__s64 bytes;
	__s64 count;
};

/* totals indexes (per-CPU u64) */
enum pw_memleak_total {
	PW_ML_ALLOCS,		/* allocations seen */
	PW_ML_FREES,		/* frees of a tracked allocation */
	PW_ML_LOST,		/* allocations not tracked: allocs full */
	PW_ML_TOTALS,
};

#endif
