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

/*
 * The allocators, by the function or tracepoint that hands the memory out
 * (X(ID, name): name is the key of the report's "allocators"). User mode:
 * libc's functions; kernel mode: the kmem and percpu tracepoints.
 */
#define PW_MEMLEAK_KINDS(X)				\
	X(MALLOC, "malloc")				\
	X(CALLOC, "calloc")				\
	X(REALLOC, "realloc")				\
	X(POSIX_MEMALIGN, "posix_memalign")		\
	X(ALIGNED_ALLOC, "aligned_alloc")		\
	X(MEMALIGN, "memalign")				\
	X(VALLOC, "valloc")				\
	X(PVALLOC, "pvalloc")				\
	X(KMALLOC, "kmalloc")				\
	X(KMEM_CACHE, "kmem_cache")			\
	X(PAGE, "page")					\
	X(PERCPU, "percpu")

enum pw_memleak_kind {
#define PW_ML_KIND_ENUM(id, name) PW_MLK_##id,
	PW_MEMLEAK_KINDS(PW_ML_KIND_ENUM)
#undef PW_ML_KIND_ENUM
	PW_MLK_COUNT,
};

/*
 * Address spaces of the allocs key: a page is known by its frame number,
 * a per-CPU area by its __percpu pointer, the rest by its address; the
 * three may hold the same number, so the key says which it is.
 */
enum pw_memleak_space {
	PW_MLS_ADDR,		/* user heap, kmalloc, kmem_cache */
	PW_MLS_PFN,		/* the page allocator */
	PW_MLS_PERCPU,		/* per-CPU allocations */
};

struct pw_memleak_key {
	__u64 addr;
	__u32 space;		/* enum pw_memleak_space */
	__u32 pad;
};

/* allocs value, keyed by struct pw_memleak_key */
struct pw_memleak_alloc {
	__u64 size;		/* bytes; per-CPU allocations: bytes per CPU */
	__u64 ts_ns;
	__s64 stack_id;		/* < 0: the stack could not be taken */
	__u32 kind;		/* enum pw_memleak_kind */
	__u32 pad;
};

/* sizes value: a user call parked from entry to return */
struct pw_memleak_call {
	__u64 size;
	__u32 kind;
	__u32 pad;
};

/* combined value, keyed by stack id (s64): what is outstanding per stack;
 * also the kinds array's value, indexed by enum pw_memleak_kind */
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
