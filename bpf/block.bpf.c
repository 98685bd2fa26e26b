/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * block: per-disk I/O latency (biolatency) and request size (bitesize)
 * histograms, the sequential/random pattern per disk (biopattern), and a
 * block_slow event for each request slower than config.block_slow_ns
 * (biosnoop with a threshold).
 *
 * A request is followed through block_rq_insert (when it is queued to an
 * I/O scheduler), block_rq_issue (sent to the driver) and block_rq_complete,
 * keyed by its struct request pointer. tp_btf hands over the request itself
 * (the classic tracepoints only have dev and sector, and their fields differ
 * between 6.1 and 6.18); raw_tp is the fallback. The task that queued the
 * request, or issued it when it was not queued, is recorded then: the
 * completion runs in interrupt context, on behalf of nobody in particular.
 * That task is the event header and what the filters see; its kernel stack
 * then goes to `stacks`, and a slow request's to slow_stacks (biostacks).
 *
 * Stats (maps/stats key PW_MOD_BLOCK) count the event stream only: each
 * completion at or above block_slow_ns is seen, then filtered, emitted or
 * dropped. Histograms and the pattern hold every completed request that
 * passes the switches and filters; they are aggregation, not events.
 */
#include "common.bpf.h"

#define MOD PW_MOD_BLOCK
#define MAX_REQS 2048	/* requests in flight (LRU); --map-size block/reqs=N */
#define MAX_DISKS 256
#define MAX_COMMS 256
#define REQ_OP_MASK_ ((1u << 8) - 1)	/* REQ_OP_BITS is 8 on 6.1 and 6.18 */

/* A request in flight: when it was queued and issued, what it is, and who
 * asked for it. LRU: a request merged into another after being queued is
 * freed without completing, so its entry is never deleted. */
struct req_start {
	__u64 insert_ns;	/* 0: not queued to a scheduler */
	__u64 issue_ns;		/* 0: not issued yet */
	__u64 sector;
	__u64 cgroup_id;
	__u32 bytes;
	__u32 cmd_flags;
	__u32 tgid;
	__u32 tid;
	__u32 uid;
	__u32 gid;
	__u32 ppid;
	__s32 stack_id;		/* kernel stack of the queuing (or issuing) task */
	char comm[PW_COMM_LEN];
	struct pw_ns_inodes ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_REQS);
	__type(key, __u64);
	__type(value, struct req_start);
} reqs SEC(".maps");

/* log2 of issue-to-completion ns, by disk (kernel dev_t of the disk) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DISKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* one entry per disk seen */
	__type(key, __u32);
	__type(value, struct pw_hist);
} hist_latency_ns SEC(".maps");

/* log2 of request bytes, by disk */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DISKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* one entry per disk seen */
	__type(key, __u32);
	__type(value, struct pw_hist);
} hist_size_bytes SEC(".maps");

/* log2 of completion ns by disk, operation, and from issue or from the
 * insert into the scheduler's queue (struct pw_block_lat_key; biolatency
 * -F and -Q) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DISKS * 8);
	__type(key, struct pw_block_lat_key);
	__type(value, struct pw_hist);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* disks x ops seen */
} lat_op_ns SEC(".maps");

/* log2 of request bytes by the name of the process that queued or issued
 * it (bitesize; LRU: the names not seen for longest go first) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, MAX_COMMS);
	__type(key, struct pw_block_comm_key);
	__type(value, struct pw_hist);
} size_comm_bytes SEC(".maps");

/* kernel stacks of the tasks that queue requests, and how many slow ones
 * each stack queued, by task name (biostacks) */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, PW_BLOCK_STACKS);
	__type(key, __u32);
	__uint(value_size, PW_BLOCK_STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_BLOCK_STACKS);
	__type(key, struct pw_block_stack_key);
	__type(value, __u64);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* (name, stack) pairs seen */
} slow_stacks SEC(".maps");

/* sequential/random counts by disk */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_DISKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* one entry per disk seen */
	__type(key, __u32);
	__type(value, struct pw_block_pattern);
} pattern SEC(".maps");

/* Zeroed values to create map entries from. */
static const struct pw_hist empty_hist;
static const struct pw_block_pattern empty_pattern;

static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

static __always_inline void hist_add_key(void *map, const void *key, __u64 v)
{
	struct pw_hist *h = lookup_or_init(map, key, &empty_hist);
	__u32 slot = pw_hist_slot(v);

	if (h && slot < PW_HIST_SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
}

static __always_inline void hist_add(void *map, __u32 dev, __u64 v)
{
	hist_add_key(map, &dev, v);
}

static __always_inline void whoami(void *ctx, struct req_start *s)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	s->tgid = pid_tgid >> 32;
	s->tid = (__u32)pid_tgid;
	s->uid = (__u32)uid_gid;
	s->gid = uid_gid >> 32;
	s->ppid = BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), real_parent, tgid);
	s->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	pw_current_ns(&s->ns);
	s->stack_id = bpf_get_stackid(ctx, &stacks, 0);
}

/* An entry left by an earlier request at the same address (merged away
 * after being queued) is older than this request: its allocation time says
 * so, where the kernel keeps one. */
static __always_inline bool stale(struct request *rq, struct req_start *s)
{
	__u64 born = 0;

	if (bpf_core_field_exists(rq->start_time_ns))
		born = BPF_CORE_READ(rq, start_time_ns);
	return born && s->insert_ns && s->insert_ns < born;
}

static __always_inline int on_insert(void *ctx, struct request *rq)
{
	struct req_start s = {};
	__u64 key = (__u64)rq;

	s.insert_ns = bpf_ktime_get_ns();
	whoami(ctx, &s);
	bpf_map_update_elem(&reqs, &key, &s, BPF_ANY);
	return 0;
}

static __always_inline int on_issue(void *ctx, struct request *rq)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns();
	struct req_start *s, fresh = {};

	s = bpf_map_lookup_elem(&reqs, &key);
	if (s && stale(rq, s)) {
		bpf_map_delete_elem(&reqs, &key);
		s = NULL;
	}
	if (!s) {
		whoami(ctx, &fresh);
		s = &fresh;
	}
	s->issue_ns = now; /* a requeued request is timed from its last issue */
	s->sector = BPF_CORE_READ(rq, __sector);
	s->bytes = BPF_CORE_READ(rq, __data_len);
	s->cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	if (s == &fresh)
		bpf_map_update_elem(&reqs, &key, &fresh, BPF_ANY);
	return 0;
}

/* REQ_OP_* of this kernel -> enum pw_block_op (the zone ops moved). */
#define OP_IS(op, name) (bpf_core_enum_value_exists(enum req_op, name) && \
			 (op) == bpf_core_enum_value(enum req_op, name))
static __always_inline __u32 pw_op(__u32 cmd_flags)
{
	__u32 op = cmd_flags & REQ_OP_MASK_;

	if (OP_IS(op, REQ_OP_READ)) return PW_BLOCK_OP_READ;
	if (OP_IS(op, REQ_OP_WRITE)) return PW_BLOCK_OP_WRITE;
	if (OP_IS(op, REQ_OP_FLUSH)) return PW_BLOCK_OP_FLUSH;
	if (OP_IS(op, REQ_OP_DISCARD)) return PW_BLOCK_OP_DISCARD;
	if (OP_IS(op, REQ_OP_SECURE_ERASE)) return PW_BLOCK_OP_SECURE_ERASE;
	if (OP_IS(op, REQ_OP_WRITE_ZEROES)) return PW_BLOCK_OP_WRITE_ZEROES;
	if (OP_IS(op, REQ_OP_ZONE_APPEND)) return PW_BLOCK_OP_ZONE_APPEND;
	if (OP_IS(op, REQ_OP_ZONE_OPEN)) return PW_BLOCK_OP_ZONE_OPEN;
	if (OP_IS(op, REQ_OP_ZONE_CLOSE)) return PW_BLOCK_OP_ZONE_CLOSE;
	if (OP_IS(op, REQ_OP_ZONE_FINISH)) return PW_BLOCK_OP_ZONE_FINISH;
	if (OP_IS(op, REQ_OP_ZONE_RESET)) return PW_BLOCK_OP_ZONE_RESET;
	if (OP_IS(op, REQ_OP_ZONE_RESET_ALL)) return PW_BLOCK_OP_ZONE_RESET_ALL;
	if (OP_IS(op, REQ_OP_DRV_IN)) return PW_BLOCK_OP_DRV_IN;
	if (OP_IS(op, REQ_OP_DRV_OUT)) return PW_BLOCK_OP_DRV_OUT;
	return PW_BLOCK_OP_OTHER;
}

static __always_inline int on_complete(struct request *rq, int error)
{
	struct pw_block_pattern *p;
	struct req_start *sp, s;
	struct pw_block_slow ev;
	struct gendisk *disk;
	struct pw_config *cfg;
	__u64 key = (__u64)rq, lat, queue_ns;
	__u32 dev, op;
	bool slow;

	sp = bpf_map_lookup_elem(&reqs, &key);
	if (!sp)
		return 0; /* issued before we loaded */
	s = *sp;
	bpf_map_delete_elem(&reqs, &key);
	if (!s.issue_ns)
		return 0;
	lat = bpf_ktime_get_ns() - s.issue_ns;
	queue_ns = s.insert_ns && s.insert_ns <= s.issue_ns ? s.issue_ns - s.insert_ns : 0;

	cfg = pw_config_get();
	if (!cfg)
		return 0;
	/* a slow completion is an event; every one feeds the aggregations */
	slow = lat >= cfg->block_slow_ns;
	cfg = pw_begin_owner(cfg, MOD, s.tgid, slow);
	if (!cfg)
		return 0;

	ev.h.type = PW_EV_BLOCK_SLOW;
	ev.h.module = MOD;
	ev.h.size = sizeof(ev);
	ev.h.ts_ns = bpf_ktime_get_ns();
	ev.h.pid = s.tgid;
	ev.h.tid = s.tid;
	ev.h.uid = s.uid;
	ev.h.gid = s.gid;
	ev.h.cpu = bpf_get_smp_processor_id();
	pw_hdr_set_rule(&ev.h, 0);
	ev.h.cgroup_id = s.cgroup_id;
	__builtin_memcpy(ev.h.comm, s.comm, sizeof(ev.h.comm));
	ev.h.ns = s.ns;
	if (pw_filtered(cfg, &ev.h)) {
		if (slow)
			pw_count(MOD, PW_FILTERED);
		return 0;
	}

	disk = BPF_CORE_READ(rq, q, disk);
	dev = ((__u32)BPF_CORE_READ(disk, major) << 20) | (__u32)BPF_CORE_READ(disk, first_minor);
	op = pw_op(s.cmd_flags);
	hist_add(&hist_latency_ns, dev, lat);
	{
		struct pw_block_lat_key lk = { .dev = dev, .op = op };

		hist_add_key(&lat_op_ns, &lk, lat);
		lk.queued = 1;
		hist_add_key(&lat_op_ns, &lk, lat + queue_ns);
	}
	if (s.bytes) {
		struct pw_block_comm_key ck;

		__builtin_memcpy(ck.comm, s.comm, sizeof(ck.comm));
		hist_add(&hist_size_bytes, dev, s.bytes);
		hist_add_key(&size_comm_bytes, &ck, s.bytes);
	}
	p = lookup_or_init(&pattern, &dev, &empty_pattern);
	if (p && s.bytes) {
		if (p->next_sector == s.sector)
			__sync_fetch_and_add(&p->sequential, 1);
		else
			__sync_fetch_and_add(&p->random, 1);
		__sync_fetch_and_add(&p->bytes, s.bytes);
		p->next_sector = s.sector + (s.bytes >> 9);
	}
	if (!slow)
		return 0;

	{
		struct pw_proc *proc = bpf_map_lookup_elem(&proc_cache, &s.tgid);

		ev.h.ppid = s.ppid;
		ev.h.exec_id = proc ? proc->exec_id : 0;
		ev.h.parent_exec_id = proc ? proc->parent_exec_id : 0;
	}
	{
		struct pw_block_stack_key sk = { .stack_id = s.stack_id };
		__u64 one = 1, *n;

		__builtin_memcpy(sk.comm, s.comm, sizeof(sk.comm));
		n = bpf_map_lookup_elem(&slow_stacks, &sk);
		if (!n && bpf_map_update_elem(&slow_stacks, &sk, &one, BPF_NOEXIST))
			n = bpf_map_lookup_elem(&slow_stacks, &sk); /* another CPU was first */
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	ev.dev = dev;
	ev.op = op;
	ev.sector = s.sector;
	ev.latency_ns = lat;
	ev.queue_ns = queue_ns;
	ev.bytes = s.bytes;
	ev.error = error;
	bpf_probe_read_kernel_str(ev.disk, sizeof(ev.disk), disk->disk_name);
	pw_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

/* ctx: BPF_PROG's, for the stack of the queuing task */
PW_TP_VARIANTS(insert, block_rq_insert, on_insert(ctx, rq), struct request *rq)

PW_TP_VARIANTS(issue, block_rq_issue, on_issue(ctx, rq), struct request *rq)

PW_TP_VARIANTS(done, block_rq_complete, on_complete(rq, error),
	       struct request *rq, blk_status_t error, unsigned int nr_bytes)
