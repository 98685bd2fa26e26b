/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * memleak: outstanding allocations by stack (libbpf-tools memleak).
 * User mode: uprobes on libc's malloc, calloc, realloc, posix_memalign,
 * aligned_alloc, memalign, valloc, pvalloc and free of one process,
 * attached by pinwatch-memleak.
 * Kernel mode: the kmem tracepoints (kmalloc, kmem_cache_alloc, kfree,
 * kmem_cache_free), the page allocator's (mm_page_alloc, mm_page_free) and
 * the per-CPU allocator's (percpu_alloc_percpu, percpu_free_percpu), the
 * last four where the kernel has them (the loader leaves out the others).
 * An allocation is recorded at its return with the stack that made it and
 * its kind (memleak.h), and forgotten when it is freed; what is left at
 * the end is reported, per stack and per kind. Not pinned: it lives as
 * long as pinwatch-memleak.
 *
 * Shared maps: the loader reuses the sensor's config, stats and filter maps
 * when they are pinned (private copies otherwise). An allocation is one
 * event in maps/stats under PW_MOD_MEMLEAK: filtered (the sensor is off,
 * the caller is the sensor's consumer, the pid/uid/comm/cgroup filters
 * exclude it, or it failed: nothing to record), emitted (recorded in
 * allocs) or dropped (allocs, combined or, in user mode, sizes full).
 * User mode: a call filtered at entry is counted there, seen and filtered
 * at once; the others at return. Frees are not events: they take back what
 * was recorded, from every process.
 */
#include "common.bpf.h"
#include "memleak.h"

#define MOD PW_MOD_MEMLEAK

const volatile __u32 targ_tgid = 0;	/* kernel mode: 0 is every process */
const volatile bool kernel_mode = false;
const volatile __u64 page_size = 4096;	/* set by the loader (sysconf) */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct pw_memleak_call);	/* entry to return */
} sizes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);	/* pid_tgid */
	__type(value, __u64);	/* posix_memalign's void **memptr */
} memptrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_MEMLEAK_ALLOCS);
	__type(key, struct pw_memleak_key);
	__type(value, struct pw_memleak_alloc);
} allocs SEC(".maps");

/* what is outstanding per kind (enum pw_memleak_kind) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_MLK_COUNT);
	__type(key, __u32);
	__type(value, struct pw_memleak_stack);
} kinds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_MEMLEAK_STACKS);
	__type(key, __s64);	/* stack id */
	__type(value, struct pw_memleak_stack);
} combined SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PW_MEMLEAK_STACKS);
	__type(key, __u32);
	__uint(value_size, PW_MEMLEAK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_ML_TOTALS);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

static __always_inline void total(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&totals, &i);

	if (v)
		(*v)++;
}

static __always_inline bool ours(__u32 tgid)
{
	return !targ_tgid || tgid == targ_tgid;
}

/* The config when the current task's allocations are to be recorded; NULL
 * after counting the event seen and filtered. */
static __always_inline struct pw_config *begin(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pw_config *cfg;

	/* Another process than --pid's is outside the run, as in user mode
	 * (where the uprobes fire only in the target): not an event, and
	 * kmalloc on every CPU should not pay for counting it. */
	if (!ours(tgid))
		return NULL;
	cfg = pw_begin(MOD, tgid);
	if (cfg && pw_current_filtered(cfg, tgid)) {
		pw_count(MOD, PW_FILTERED);
		return NULL;
	}
	return cfg;
}

static __always_inline bool stack_add(__s64 id, __s64 bytes, __s64 count)
{
	struct pw_memleak_stack *s = bpf_map_lookup_elem(&combined, &id), init = {};

	if (!s) {
		bpf_map_update_elem(&combined, &id, &init, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&combined, &id);
		if (!s)
			return false;
	}
	__sync_fetch_and_add(&s->bytes, bytes);
	__sync_fetch_and_add(&s->count, count);
	return true;
}

static __always_inline void kind_add(__u32 kind, __s64 bytes, __s64 count)
{
	struct pw_memleak_stack *k = bpf_map_lookup_elem(&kinds, &kind);

	if (k) {
		__sync_fetch_and_add(&k->bytes, bytes);
		__sync_fetch_and_add(&k->count, count);
	}
}

/* An allocation of size bytes at addr (in space), made by the current
 * stack, already counted seen and not filtered: counts its outcome. */
static __always_inline void record(void *ctx, __u32 space, __u64 addr, __u64 size, __u32 kind)
{
	struct pw_memleak_alloc a = { .size = size, .ts_ns = bpf_ktime_get_ns(), .kind = kind }, *old;
	struct pw_memleak_key key = { .addr = addr, .space = space };

	if (!addr && space != PW_MLS_PFN) {
		pw_count(MOD, PW_FILTERED); /* a failed allocation: nothing to record */
		return;
	}
	total(PW_ML_ALLOCS);
	a.stack_id = bpf_get_stackid(ctx, &stacks, kernel_mode ? 0 : BPF_F_USER_STACK);
	/* an address handed out again without a free we saw */
	old = bpf_map_lookup_elem(&allocs, &key);
	if (old) {
		stack_add(old->stack_id, -(__s64)old->size, -1);
		kind_add(old->kind, -(__s64)old->size, -1);
	}
	if (bpf_map_update_elem(&allocs, &key, &a, BPF_ANY)) {
		total(PW_ML_LOST);
		pw_count(MOD, PW_DROPPED);
		return;
	}
	if (!stack_add(a.stack_id, (__s64)size, 1)) {
		/* combined full: keep no allocation that no stack accounts for */
		bpf_map_delete_elem(&allocs, &key);
		total(PW_ML_LOST);
		pw_count(MOD, PW_DROPPED);
		return;
	}
	kind_add(kind, (__s64)size, 1);
	pw_count(MOD, PW_EMITTED);
}

static __always_inline void forget(__u32 space, __u64 addr)
{
	struct pw_memleak_key key = { .addr = addr, .space = space };
	struct pw_memleak_alloc *a = bpf_map_lookup_elem(&allocs, &key);

	if (!a)
		return;
	total(PW_ML_FREES);
	stack_add(a->stack_id, -(__s64)a->size, -1);
	kind_add(a->kind, -(__s64)a->size, -1);
	bpf_map_delete_elem(&allocs, &key);
}

/* ---- user mode: libc --------------------------------------------------- */

/* User mode: a call is counted at its return (record()), unless it is
 * filtered or cannot be parked at entry: then it is counted here, at once,
 * and not tracked. Nested calls of one thread: the innermost wins, the
 * outer one is not counted. */
static __always_inline int alloc_enter(__u64 size, __u32 kind)
{
	struct pw_memleak_call call = { .size = size, .kind = kind };
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct pw_config *cfg = pw_config_get();

	if (!pw_module_on_for(cfg, MOD, tgid) || !ours(tgid) || pw_current_filtered(cfg, tgid)) {
		pw_count_event(MOD, PW_FILTERED);
		return 0;
	}
	if (bpf_map_update_elem(&sizes, &id, &call, BPF_ANY))
		pw_count_event(MOD, PW_DROPPED);
	return 0;
}

static __always_inline int alloc_exit(void *ctx, __u64 addr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_memleak_call *c = bpf_map_lookup_elem(&sizes, &id), call;

	if (!c)
		return 0; /* entered before we attached, or nested call already took it */
	call = *c;
	bpf_map_delete_elem(&sizes, &id);
	pw_count(MOD, PW_SEEN);
	record(ctx, PW_MLS_ADDR, addr, call.size, call.kind);
	return 0;
}

static __always_inline int free_enter(__u64 addr)
{
	if (ours(bpf_get_current_pid_tgid() >> 32))
		forget(PW_MLS_ADDR, addr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(malloc_enter, size_t size)
{
	return alloc_enter(size, PW_MLK_MALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(malloc_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

SEC("uprobe")
int BPF_KPROBE(calloc_enter, size_t nmemb, size_t size)
{
	return alloc_enter((__u64)nmemb * size, PW_MLK_CALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(calloc_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

SEC("uprobe")
int BPF_KPROBE(realloc_enter, void *ptr, size_t size)
{
	/* the old block is gone whatever happens next (a failed realloc
	 * keeps it: rare enough to ignore, as libbpf-tools does) */
	free_enter((__u64)ptr);
	return alloc_enter(size, PW_MLK_REALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(realloc_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

SEC("uprobe")
int BPF_KPROBE(posix_memalign_enter, void **memptr, size_t alignment, size_t size)
{
	__u64 id = bpf_get_current_pid_tgid(), p = (__u64)memptr;

	if (ours(id >> 32))
		bpf_map_update_elem(&memptrs, &id, &p, BPF_ANY);
	return alloc_enter(size, PW_MLK_POSIX_MEMALIGN);
}

SEC("uretprobe")
int BPF_KRETPROBE(posix_memalign_exit, int ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *memptr = bpf_map_lookup_elem(&memptrs, &id), addr = 0;

	if (!memptr)
		return 0;
	if (ret == 0)
		bpf_probe_read_user(&addr, sizeof(addr), (void *)*memptr);
	bpf_map_delete_elem(&memptrs, &id);
	return alloc_exit(ctx, addr);
}

SEC("uprobe")
int BPF_KPROBE(aligned_alloc_enter, size_t alignment, size_t size)
{
	return alloc_enter(size, PW_MLK_ALIGNED_ALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(aligned_alloc_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

/* glibc's memalign may be aligned_alloc's code (one address, two names):
 * the loader then attaches only the first, and such calls count as
 * aligned_alloc */
SEC("uprobe")
int BPF_KPROBE(memalign_enter, size_t alignment, size_t size)
{
	return alloc_enter(size, PW_MLK_MEMALIGN);
}

SEC("uretprobe")
int BPF_KRETPROBE(memalign_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

SEC("uprobe")
int BPF_KPROBE(valloc_enter, size_t size)
{
	return alloc_enter(size, PW_MLK_VALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(valloc_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

/* pvalloc rounds the size up to whole pages: that is what it hands out */
SEC("uprobe")
int BPF_KPROBE(pvalloc_enter, size_t size)
{
	return alloc_enter(size ? (size + page_size - 1) / page_size * page_size : page_size,
			   PW_MLK_PVALLOC);
}

SEC("uretprobe")
int BPF_KRETPROBE(pvalloc_exit, void *ret)
{
	return alloc_exit(ctx, (__u64)ret);
}

SEC("uprobe")
int BPF_KPROBE(free_enter_prog, void *ptr)
{
	return free_enter((__u64)ptr);
}

/* ---- kernel mode: kmem tracepoints --------------------------------------- */

SEC("tp/kmem/kmalloc")
int kmalloc_tp(struct trace_event_raw_kmalloc *ctx)
{
	if (begin())
		record(ctx, PW_MLS_ADDR, (__u64)ctx->ptr, ctx->bytes_alloc, PW_MLK_KMALLOC);
	return 0;
}

SEC("tp/kmem/kmem_cache_alloc")
int cache_alloc_tp(struct trace_event_raw_kmem_cache_alloc *ctx)
{
	if (begin())
		record(ctx, PW_MLS_ADDR, (__u64)ctx->ptr, ctx->bytes_alloc, PW_MLK_KMEM_CACHE);
	return 0;
}

/* frees are taken from every process: kernel objects are often freed
 * elsewhere (RCU, workers) than where they were allocated */
SEC("tp/kmem/kfree")
int kfree_tp(struct trace_event_raw_kfree *ctx)
{
	forget(PW_MLS_ADDR, (__u64)ctx->ptr);
	return 0;
}

SEC("tp/kmem/kmem_cache_free")
int cache_free_tp(struct trace_event_raw_kmem_cache_free *ctx)
{
	forget(PW_MLS_ADDR, (__u64)ctx->ptr);
	return 0;
}

/* The page allocator: 2^order pages from frame pfn. A failed allocation
 * has no tracepoint of its own here: pfn is -1 (the page was NULL). */
SEC("tp/kmem/mm_page_alloc")
int page_alloc_tp(struct trace_event_raw_mm_page_alloc *ctx)
{
	__u64 pfn = BPF_CORE_READ(ctx, pfn);

	if (begin()) {
		if (pfn == (__u64)-1)
			pw_count(MOD, PW_FILTERED); /* failed: nothing to record */
		else
			record(ctx, PW_MLS_PFN, pfn, page_size << BPF_CORE_READ(ctx, order), PW_MLK_PAGE);
	}
	return 0;
}

SEC("tp/kmem/mm_page_free")
int page_free_tp(struct trace_event_raw_mm_page_free *ctx)
{
	forget(PW_MLS_PFN, BPF_CORE_READ(ctx, pfn));
	return 0;
}

/* Per-CPU areas: size is what each CPU gets (the kernel spends it once
 * per possible CPU) */
SEC("tp/percpu/percpu_alloc_percpu")
int percpu_alloc_tp(struct trace_event_raw_percpu_alloc_percpu *ctx)
{
	if (begin())
		record(ctx, PW_MLS_PERCPU, (__u64)BPF_CORE_READ(ctx, ptr), BPF_CORE_READ(ctx, size),
		       PW_MLK_PERCPU);
	return 0;
}

SEC("tp/percpu/percpu_free_percpu")
int percpu_free_tp(struct trace_event_raw_percpu_free_percpu *ctx)
{
	forget(PW_MLS_PERCPU, (__u64)BPF_CORE_READ(ctx, ptr));
	return 0;
}
