/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * iouring: io_uring rings created, requests submitted and register calls,
 * from the io_uring tracepoints: one "io_uring" event type, told apart by
 * "op". A request submitted through a ring is not a syscall of its own, so
 * the syscalls tracepoints (and the file and net modules) never see the
 * OPENAT, UNLINKAT or CONNECT it performs: this module is where they show.
 *
 * Hooks (tp_btf, else raw_tp):
 *   create    io_uring_create (fd, ctx, sq_entries, cq_entries, flags)
 *   register  io_uring_register (ctx, opcode, nr_files, nr_bufs, ret)
 *   submit    io_uring_submit_req (struct io_kiocb *req) on 6.18; named
 *             io_uring_submit_sqe (req, force_nonblock) on 6.0 to 6.2 at
 *             least, 6.1 included (the request as first argument since 6.0,
 *             "io_uring: clean up tracing events"; the rename came between
 *             6.2 and 6.5): the loader keeps the variant whose tracepoint
 *             exists.
 *
 * Ring ids: the tracepoints name a ring by its io_ring_ctx address, which
 * user space must not learn. The module gives each ring an id instead, when
 * io_uring_create fires (or when a ring made before the module loaded is
 * first seen): the CLOCK_MONOTONIC time, low byte replaced by the CPU, as
 * exec ids are made. Unique per boot, across module reloads too.
 *
 * Owner: requests are submitted by the task that calls io_uring_enter(2),
 * or with IORING_SETUP_SQPOLL by the ring's kernel thread "iou-sqp-PID",
 * a thread (PF_IO_WORKER) of the process that made the ring since 5.12.
 * Its tgid, uid (it runs with the ring creator's credentials) and cgroup
 * are the owner's; its comm is not, so the header takes the comm of the
 * thread group leader, and the pid/uid/comm/cgroup filters apply to the
 * owner.
 *
 * Cost: every submitted request is an event (a busy server submits
 * millions of READ/WRITE a second): switch the module off (module.iouring
 * off) or filter its processes where that is too many.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_IOURING
#define RINGS_MAX 1024
#define PF_IO_WORKER_ 0x00000010	/* include/linux/sched.h, 5.12+ */

/* Ring id by io_ring_ctx address. A freed ring's entry stays until the LRU
 * evicts it or a new ring at the same address replaces it at create. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RINGS_MAX);
	__type(key, __u64);	/* struct io_ring_ctx * */
	__type(value, __u64);	/* ring id */
} rings SEC(".maps");

/* A new id for the ring at ctx (create: a new ring, even at an old address). */
static __always_inline __u64 ring_new(__u64 ctx)
{
	__u64 id = pw_make_exec_id();

	bpf_map_update_elem(&rings, &ctx, &id, BPF_ANY);
	return id;
}

/* The id of the ring at ctx; one given now when the ring is unknown (made
 * before the module loaded, or evicted). NOEXIST then lookup: two CPUs
 * meeting a new ring at once agree on one id. */
static __always_inline __u64 ring_id(__u64 ctx)
{
	__u64 *v = bpf_map_lookup_elem(&rings, &ctx);
	__u64 id;

	if (v)
		return *v;
	id = pw_make_exec_id();
	bpf_map_update_elem(&rings, &ctx, &id, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&rings, &ctx);
	return v ? *v : id;
}

/* The header of the current task, with the owner's comm when it is an
 * io_uring kernel thread (SQPOLL or io-wq worker). Returns true for those. */
static __always_inline bool iou_fill_hdr(struct pw_io_uring *ev)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	bool worker = BPF_CORE_READ(task, flags) & PF_IO_WORKER_;

	pw_fill_hdr(&ev->h, PW_EV_IO_URING, MOD, sizeof(*ev));
	if (worker) {
		__builtin_memset(ev->h.comm, 0, sizeof(ev->h.comm));
		BPF_CORE_READ_STR_INTO(&ev->h.comm, task, group_leader, comm);
	}
	return worker;
}

/* A zeroed event of op, header filled; the config, or NULL (counted). */
static __always_inline struct pw_config *iou_begin(struct pw_io_uring *ev, __u32 op,
						    bool *rules_only)
{
	struct pw_config *cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, rules_only);

	if (!cfg)
		return NULL;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->sq_thread = iou_fill_hdr(ev);
	ev->op = op;
	return cfg;
}

static __always_inline int on_create(int fd, void *ctx, __u32 sq_entries, __u32 cq_entries,
				     __u32 flags)
{
	__u64 id = ring_new((__u64)ctx);	/* even when off: ids stay right */
	struct pw_io_uring ev;
	struct pw_config *cfg;
	bool rules_only;

	cfg = iou_begin(&ev, PW_IOURING_CREATE, &rules_only);
	if (!cfg)
		return 0;
	ev.sq_thread = 0;
	ev.ring = id;
	ev.fd = fd;
	ev.sq_entries = sq_entries;
	ev.cq_entries = cq_entries;
	ev.flags = flags;
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, pw_rule_in_for(PW_EV_IO_URING), rules_only);
	return 0;
}

PW_TP_VARIANTS(create, io_uring_create, on_create(fd, ring_ctx, sq_entries, cq_entries, flags),
	       int fd, void *ring_ctx, u32 sq_entries, u32 cq_entries, u32 flags)

static __always_inline int on_register(void *ctx, unsigned int opcode, unsigned int nr_files,
				       unsigned int nr_bufs, long ret)
{
	struct pw_io_uring ev;
	struct pw_config *cfg;
	bool rules_only;

	cfg = iou_begin(&ev, PW_IOURING_REGISTER, &rules_only);
	if (!cfg)
		return 0;
	ev.sq_thread = 0;
	ev.ring = ring_id((__u64)ctx);
	ev.opcode = opcode;
	ev.nr_files = nr_files;
	ev.nr_bufs = nr_bufs;
	ev.ret = ret;
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, pw_rule_in_for(PW_EV_IO_URING), rules_only);
	return 0;
}

PW_TP_VARIANTS(register, io_uring_register, on_register(ring_ctx, opcode, nr_files, nr_bufs, ret),
	       void *ring_ctx, unsigned int opcode, unsigned int nr_files, unsigned int nr_bufs,
	       long ret)

/* The hot one: every request of every ring. */
static __always_inline int on_submit(struct io_kiocb *req)
{
	struct pw_io_uring ev;
	struct pw_config *cfg;
	bool rules_only;

	cfg = iou_begin(&ev, PW_IOURING_SUBMIT, &rules_only);
	if (!cfg)
		return 0;
	ev.opcode = BPF_CORE_READ(req, opcode);
	ev.ring = ring_id((__u64)BPF_CORE_READ(req, ctx));
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, pw_rule_in_for(PW_EV_IO_URING), rules_only);
	return 0;
}

/* after the rename (6.18) */
PW_TP_VARIANTS(submit, io_uring_submit_req, on_submit(req), struct io_kiocb *req)

/* before the rename (6.1): the same request, under the old name (hook submit too) */
SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(submit__sqe_tp_btf, struct io_kiocb *req)
{
	return on_submit(req);
}

SEC("raw_tp/io_uring_submit_sqe")
int BPF_PROG(submit__sqe_raw_tp, struct io_kiocb *req)
{
	return on_submit(req);
}
