/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The common path of every module: is the module on, fill the event header,
 * apply the filters, count the outcome, submit to the ring buffer. Modules
 * stay short because all of this lives here.
 *
 * Counting contract: a handler calls pw_begin() (pw_begin_owner() in
 * softirq context) once per kernel event (that counts "seen") and then ends
 * in exactly one of pw_count(FILTERED), pw_submit() (emitted, shed or
 * dropped) or pw_count(DROPPED); pw_count_event() counts an event that ends where it is
 * seen. Work that only feeds a module's aggregations (counts, histograms:
 * no event) asks pw_aggregating() or pw_module_on() and is not counted.
 */
#ifndef PINWATCH_COMMON_BPF_H
#define PINWATCH_COMMON_BPF_H

/* vmlinux.h has a typedef named "config", the name of our shared map
 * (fixed by the pinned layout): rename the typedef while it is read. */
#define config pw_vmlinux_config
#include "vmlinux.h"
#undef config
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Put before SEC(): the loader attaches this program at load only when the
 * named maps/config field is non-zero; `pinwatch-load attach|detach OBJECT
 * HOOK` switch it later. For hooks whose mere attachment costs too much to
 * keep when unused (every attached program adds its dispatch cost). */
#define PW_ATTACH_IF(field) __attribute__((btf_decl_tag("pinwatch:attach_if=" #field)))

/*
 * A hook on a kernel tracepoint in its two variants, with one body:
 * hook__tp_btf (BTF-typed arguments) and hook__raw_tp (where tp_btf is
 * missing: the same arguments as raw u64s). The loader attaches the first
 * the kernel supports. call is the body's return expression over the
 * arguments declared in args:
 *	PW_TP_VARIANTS(exit, sched_process_exit, handle_exit(task),
 *		       struct task_struct *task)
 */
#define PW_TP_VARIANTS(hook, tp, call, args...)				\
	SEC("tp_btf/" #tp)						\
	int BPF_PROG(hook##__tp_btf, ##args)				\
	{								\
		return call;						\
	}								\
	SEC("raw_tp/" #tp)						\
	int BPF_PROG(hook##__raw_tp, ##args)				\
	{								\
		return call;						\
	}

/* A per-CPU record too large for the BPF stack (512 bytes): a one-entry
 * per-CPU array named name, and name##_get() that returns its entry. */
#define PW_SCRATCH(name, value_type)					\
	struct {							\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);		\
		__uint(max_entries, 1);					\
		__type(key, __u32);					\
		__type(value, value_type);				\
	} name SEC(".maps");						\
	static __always_inline value_type *name##_get(void)		\
	{								\
		__u32 zero = 0;						\
									\
		return bpf_map_lookup_elem(&name, &zero);		\
	}

enum pw_outcome { PW_SEEN, PW_FILTERED, PW_EMITTED, PW_DROPPED, PW_SHED };

static __always_inline void pw_count(__u32 module, enum pw_outcome outcome)
{
	struct pw_stats *s = bpf_map_lookup_elem(&stats, &module);

	if (!s)
		return;
	/* per-CPU value: no other writer can race us on this CPU */
	switch (outcome) {
	case PW_SEEN: s->seen++; break;
	case PW_FILTERED: s->filtered++; break;
	case PW_EMITTED: s->emitted++; break;
	case PW_DROPPED: s->dropped++; break;
	case PW_SHED: s->shed++; break;
	}
}

/* The sensor's one config entry (maps/config). */
static __always_inline struct pw_config *pw_config_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&config, &zero);
}

/* True when the sensor and this module are switched on. */
static __always_inline bool pw_module_on(const struct pw_config *cfg, __u32 module)
{
	return cfg && cfg->enabled && !(cfg->modules_disabled & PW_MODULE_BIT(module));
}

/*
 * True when tgid is the consumer's: config.consumer_tgid, and, when the
 * current task is of that process, its start time config.consumer_start
 * (clock ticks since boot, as /proc/PID/stat prints the group leader's
 * start_boottime): a process that got the pid of a consumer killed with
 * SIGKILL (which cannot clear the field) starts later and is not excluded.
 * Work owned by another task (softirq hooks' owner_tgid) and a
 * consumer_start of 0 (set by hand) compare the tgid alone.
 */
static __always_inline bool pw_is_consumer(const struct pw_config *cfg, __u32 tgid)
{
	struct task_struct *task;

	if (!cfg->consumer_tgid || cfg->consumer_tgid != tgid)
		return false;
	if (!cfg->consumer_start || bpf_get_current_pid_tgid() >> 32 != tgid)
		return true;
	task = (struct task_struct *)bpf_get_current_task();
	return BPF_CORE_READ(task, group_leader, start_boottime) / PW_NS_PER_CLOCK_TICK ==
	       cfg->consumer_start;
}

/*
 * True when the current task is config.loader_tgid's (a pinwatch-load while
 * it loads) or a child it forked (its parallel loads), that process started
 * at config.loader_start (0: the tgid alone), as for the consumer: a pid
 * reused after a SIGKILL is reported. Only the current task's own work.
 * A call of its own (run only while a load holds loader_tgid): inlined, its
 * reads' stack took cred's commit__kprobe past 6.1's 512 bytes (544).
 */
static __noinline bool pw_is_loader(const struct pw_config *cfg, __u32 tgid)
{
	struct task_struct *task, *leader;

	if (bpf_get_current_pid_tgid() >> 32 != tgid)
		return false;
	task = (struct task_struct *)bpf_get_current_task();
	leader = BPF_CORE_READ(task, group_leader);
	if (tgid != cfg->loader_tgid) {
		leader = BPF_CORE_READ(leader, real_parent, group_leader);
		if (BPF_CORE_READ(leader, tgid) != cfg->loader_tgid)
			return false;
	}
	return !cfg->loader_start ||
	       BPF_CORE_READ(leader, start_boottime) / PW_NS_PER_CLOCK_TICK == cfg->loader_start;
}

/* True when tgid's work is the sensor's own: the consumer's, or a loader's
 * while it loads (one compare each when neither is set). */
static __always_inline bool pw_is_own(const struct pw_config *cfg, __u32 tgid)
{
	return pw_is_consumer(cfg, tgid) || (cfg->loader_tgid && pw_is_loader(cfg, tgid));
}

/* True when the sensor and this module are switched on and the work is not
 * the consumer's own (tgid: the task the work belongs to). */
static __always_inline bool pw_module_on_for(const struct pw_config *cfg, __u32 module,
					     __u32 tgid)
{
	return pw_module_on(cfg, module) && !pw_is_own(cfg, tgid);
}

/* Counts a whole kernel event at once: seen, then its outcome. For an event
 * that ends where it starts, like a call excluded (PW_FILTERED) or not
 * tracked for want of room (PW_DROPPED) at its entry. */
static __always_inline void pw_count_event(__u32 module, enum pw_outcome outcome)
{
	pw_count(module, PW_SEEN);
	pw_count(module, outcome);
}

/* After the "seen" count: cfg when the module is on for tgid; NULL, the
 * event counted filtered, otherwise. */
static __always_inline struct pw_config *pw_admit(struct pw_config *cfg, __u32 module,
						  __u32 tgid)
{
	if (!pw_module_on_for(cfg, module, tgid)) {
		pw_count(module, PW_FILTERED);
		return NULL;
	}
	return cfg;
}

/*
 * Counts the event of task tgid (the current one) as seen. Returns the
 * config when the module should go on with it; NULL (event already counted
 * as filtered) when the sensor or this module is switched off, or the event
 * comes from the consumer itself.
 */
static __always_inline struct pw_config *pw_begin(__u32 module, __u32 tgid)
{
	pw_count(module, PW_SEEN);
	return pw_admit(pw_config_get(), module, tgid);
}

/*
 * pw_begin() for hooks that run in softirq or interrupt context (TCP state
 * changes and retransmissions, block completions), where the current task
 * is whichever one was interrupted. The work belongs to the task recorded
 * as its owner in process context (the socket's owner, the task that queued
 * the request): the consumer exclusion looks at owner_tgid, and the caller
 * applies the filters to a header that carries the owner's identity.
 * event: the work is an event, counted as pw_begin() counts it; false: it
 * only feeds aggregations, switched like an event but not counted.
 */
static __always_inline struct pw_config *pw_begin_owner(struct pw_config *cfg, __u32 module,
							__u32 owner_tgid, bool event)
{
	if (!event)
		return pw_module_on_for(cfg, module, owner_tgid) ? cfg : NULL;
	pw_count(module, PW_SEEN);
	return pw_admit(cfg, module, owner_tgid);
}

static __always_inline __u64 pw_make_exec_id(void)
{
	/* Unique per exec on this boot without shared state: no two execs on
	 * one CPU fall in the same 256 ns, and the low byte is the CPU. */
	return (bpf_ktime_get_ns() & ~0xffULL) | (bpf_get_smp_processor_id() & 0xff);
}

/*
 * The current task's namespace inodes, as /proc/self/ns/NAME shows them.
 * The nsproxy and cred pointers are walked with direct (BTF) loads, no
 * helper call each; a NULL nsproxy (a task past exit_task_namespaces(), in
 * its last events) reads as 0s. The pid namespace is the task's own, the
 * one at its pid's level: numbers[0] in the initial pid namespace, a direct
 * load; at a deeper level (a container's) three probe reads, struct pid's
 * numbers[] being numbers[1] on 6.1 and a flexible array on 6.18.
 */
static __always_inline void pw_current_ns(struct pw_ns_inodes *o)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct nsproxy *nsp = t->nsproxy;
	struct pid_namespace *pidns = NULL;
	unsigned int level = t->thread_pid->level;
	struct pid *pid;

	o->mnt = nsp->mnt_ns->ns.inum;
	o->net = nsp->net_ns->ns.inum;
	o->uts = nsp->uts_ns->ns.inum;
	o->ipc = nsp->ipc_ns->ns.inum;
	o->cgroup = nsp->cgroup_ns->ns.inum;
	o->user = t->cred->user_ns->ns.inum;
	o->time = 0;
	if (bpf_core_field_exists(nsp->time_ns))	/* 5.6+ */
		o->time = nsp->time_ns->ns.inum;
	if (!level) {	/* the initial pid namespace: a direct load */
		o->pid = t->thread_pid->numbers[0].ns->ns.inum;
		return;
	}
	pid = BPF_CORE_READ(t, thread_pid);
	bpf_core_read(&pidns, sizeof(pidns), &pid->numbers[level & 31].ns);
	o->pid = BPF_CORE_READ(pidns, ns.inum);
}

/* Fills the header from the current task and its proc_cache entry. */
static __always_inline void pw_fill_hdr(struct pw_hdr *h, __u16 type, __u16 module,
					__u32 size)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();
	struct pw_proc *proc;
	__u32 tgid;

	h->type = type;
	h->module = module;
	h->size = size;
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)uid_gid;
	h->gid = uid_gid >> 32;
	h->cpu = bpf_get_smp_processor_id();
	pw_hdr_set_rule(h, 0);
	h->cgroup_id = bpf_get_current_cgroup_id();
	/* 6.1's bpf_get_current_comm() does not zero the bytes after the
	 * NUL, and the comm filter's key is all 16 bytes. */
	__builtin_memset(h->comm, 0, sizeof(h->comm));
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	pw_current_ns(&h->ns);
	/* the key from the stack: h may be ring buffer memory, which 6.1
	 * does not take as a map key */
	tgid = pid_tgid >> 32;
	proc = bpf_map_lookup_elem(&proc_cache, &tgid);
	if (proc) {
		h->exec_id = proc->exec_id;
		h->parent_exec_id = proc->parent_exec_id;
	} else {
		h->exec_id = 0;
		h->parent_exec_id = 0;
	}
}

/* The action (PW_FILTER_ACTION_*, 0: no entry) of the filter_container
 * entry that matches the container of cgroup cgid, as maps/cgroup_container
 * has it; 0 for a cgroup it does not have yet (bpf/container.bpf.h: the
 * process module fills it at exec and fork). */
static __always_inline __u8 pw_container_action(__u64 cgid)
{
	struct pw_container *ctr = bpf_map_lookup_elem(&cgroup_container, &cgid);
	__u8 *action;

	if (!ctr)
		return 0;
	action = bpf_map_lookup_elem(&filter_container, &ctr->key);
	return action ? *action : 0;
}

/* True when a kind's entry action (0: no entry matched) excludes the event:
 * a drop entry matched, or the kind has only entries and none matched. */
static __always_inline bool pw_filter_action(struct pw_config *cfg, __u32 kind, __u8 action)
{
	if (action == PW_FILTER_ACTION_DROP)
		return true;
	return (cfg->only_kinds & (1u << kind)) && action != PW_FILTER_ACTION_ONLY;
}

/* Looks up one filter map; ORs in what the entry says. */
static __always_inline bool pw_filter_kind(struct pw_config *cfg, __u32 kind, void *map,
					   const void *key)
{
	__u8 *action;

	if (!(cfg->filter_kinds & (1u << kind)))
		return false;
	action = bpf_map_lookup_elem(map, key);
	return pw_filter_action(cfg, kind, action ? *action : 0);
}

/* True when the pid/uid/comm/cgroup/container filters exclude this event.
 * Costs one branch when no filter is set (filter_kinds == 0). */
static __always_inline bool pw_filtered(struct pw_config *cfg, const struct pw_hdr *h)
{
	struct pw_comm_key comm;

	if (!cfg->filter_kinds)
		return false;
	if (pw_filter_kind(cfg, PW_FILTER_PID, &filter_pid, &h->pid))
		return true;
	if (pw_filter_kind(cfg, PW_FILTER_UID, &filter_uid, &h->uid))
		return true;
	if (cfg->filter_kinds & (1u << PW_FILTER_COMM)) {
		__builtin_memcpy(comm.comm, h->comm, sizeof(comm.comm));
		if (pw_filter_kind(cfg, PW_FILTER_COMM, &filter_comm, &comm))
			return true;
	}
	if (pw_filter_kind(cfg, PW_FILTER_CGROUP, &filter_cgroup, &h->cgroup_id))
		return true;
	return (cfg->filter_kinds & (1u << PW_FILTER_CONTAINER)) &&
	       pw_filter_action(cfg, PW_FILTER_CONTAINER, pw_container_action(h->cgroup_id));
}

/*
 * For aggregations (counts and sizes kept in a module's own maps, no event):
 * the config when the current task's work is to be counted, NULL when the
 * sensor or the module is off, the task is the consumer, or the pid/uid/
 * comm/cgroup/container filters exclude it. Not counted in maps/stats, which counts
 * events: an aggregation is its own record (and a stats update would cost
 * one more map update on hot hooks). Only the filter keys in use are read.
 */
static __always_inline bool pw_current_filtered(struct pw_config *cfg, __u32 tgid)
{
	struct pw_hdr h = {};

	h.pid = tgid;
	h.uid = (__u32)bpf_get_current_uid_gid();
	if (cfg->filter_kinds & (1u << PW_FILTER_COMM))
		bpf_get_current_comm(h.comm, sizeof(h.comm));
	if (cfg->filter_kinds & (1u << PW_FILTER_CGROUP | 1u << PW_FILTER_CONTAINER))
		h.cgroup_id = bpf_get_current_cgroup_id();
	return pw_filtered(cfg, &h);
}

static __always_inline struct pw_config *pw_aggregating(__u32 module)
{
	struct pw_config *cfg = pw_config_get();

	if (!pw_module_on(cfg, module))
		return NULL;
	if (cfg->consumer_tgid | cfg->loader_tgid | cfg->filter_kinds) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		if (pw_is_own(cfg, tgid) ||
		    (cfg->filter_kinds && pw_current_filtered(cfg, tgid)))
			return NULL;
	}
	return cfg;
}

/*
 * Batch wakeups: the consumer polls on a short timeout, so a wakeup per
 * event would only cost the producer. Only the record whose size carries
 * the queued data across config.wakeup_bytes forces one: forcing it for
 * every record above the threshold (a consumer that lags keeps the ring
 * above it) made each of them pay a wakeup, and the producer (the traced
 * workload) ran 5x slower than without the ring (tests/bench, benchmark 3).
 * A crossing missed in a race between CPUs costs at most one poll timeout.
 */
static __always_inline __u64 pw_wakeup_flag_at(struct pw_config *cfg, __u64 queued, __u64 size)
{
	/* + 8: the ring's record header */
	if (queued < cfg->wakeup_bytes && queued + size + 8 >= cfg->wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline __u64 pw_wakeup_flag(struct pw_config *cfg, __u64 size)
{
	return pw_wakeup_flag_at(cfg, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA), size);
}

/*
 * Classes under load (pinned-layout.md, "Under load"). The ring is one;
 * room is kept in it for the upper classes: a normal event is not sent
 * once the ring would hold more than (100 - class_reserve)% of its size,
 * a high one past (100 - class_reserve / 4)%, a critical one (a rule hit,
 * enforce, audit) while it fits at all. The check reads the queued bytes
 * before the write, so CPUs racing past a mark overshoot it by at most a
 * record each; the reserve is meant to be far larger.
 */
static __always_inline __u64 pw_class_room(const struct pw_config *cfg, __u32 cls, __u64 ring)
{
	__u64 reserve = cfg->class_reserve < PW_CLASS_RESERVE_MAX ? cfg->class_reserve :
								    PW_CLASS_RESERVE_MAX;

	if (cls >= PW_CLASS_CRITICAL)
		return ring;
	if (cls == PW_CLASS_HIGH)
		return ring - ring * reserve / 400;
	return ring - ring * reserve / 100;
}

/*
 * Shedding, for a normal event that would take the ring past
 * shed_high_water (need: the queued bytes with it; hw and room: the mark
 * and the normal class's room, hw < room). A type is busy on this CPU once
 * more than PW_SHED_BUSY of its events come past the mark in one
 * PW_SHED_WINDOW_NS; a busy type's events are sent 1 in N, N = 2^log2
 * with log2 from 1 at the mark up to PW_SHED_STEPS at the room's edge.
 * Returns log2 for an event sent as a sample, 0 for one sent whole (a
 * type not busy), -1 for one shed (counted in maps/shed by type).
 */
static __always_inline int pw_shed_pick(__u32 type, __u64 need, __u64 hw, __u64 room)
{
	struct pw_shed *s = bpf_map_lookup_elem(&shed, &type);
	__u64 now = bpf_ktime_get_ns();
	__u32 log2;

	if (!s)
		return 0;
	if (now - s->win_start_ns > PW_SHED_WINDOW_NS) {
		s->win_start_ns = now;
		s->win_count = 0;
	}
	if (++s->win_count <= PW_SHED_BUSY)
		return 0;
	log2 = 1 + (__u32)((need - hw) * (PW_SHED_STEPS - 1) / (room - hw));
	if (log2 > PW_SHED_STEPS)
		log2 = PW_SHED_STEPS;
	if (s->seq++ & ((1ULL << log2) - 1)) {
		s->shed++;
		return -1;
	}
	s->sampled++;
	s->last_log2 = log2;
	return log2;
}

/*
 * Copies a finished event into the ring buffer and counts the outcome:
 * emitted, dropped (the ring, or its room for the event's class, full) or
 * shed. Below the lowest mark (the normal room, or shed_high_water with
 * shedding on) it costs two ring queries and a compare; the class is
 * looked up (one array lookup) only past it.
 */
static __always_inline void pw_submit(struct pw_config *cfg, void *event, __u64 size,
				      __u32 module)
{
	struct pw_hdr *h = event;
	__u64 queued = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	__u64 ring = bpf_ringbuf_query(&events, BPF_RB_RING_SIZE);
	__u64 need = queued + size + 8;	/* + the record header */
	__u64 room = pw_class_room(cfg, PW_CLASS_NORMAL, ring);
	__u64 hw = ring;
	__u32 type = h->type, *cls;
	int log2 = 0;

	if (cfg->shed && cfg->shed_high_water < 100)
		hw = ring * cfg->shed_high_water / 100;
	if (hw > room)
		hw = room;
	if (need > hw && !pw_hdr_rule(h)) {
		cls = bpf_map_lookup_elem(&event_class, &type);
		if (!cls || *cls == PW_CLASS_NORMAL) {
			if (need > room) {
				pw_count(module, PW_DROPPED);
				return;
			}
			log2 = pw_shed_pick(type, need, hw, room);
			if (log2 < 0) {
				pw_count(module, PW_SHED);
				return;
			}
		} else if (need > pw_class_room(cfg, *cls, ring)) {
			pw_count(module, PW_DROPPED);
			return;
		}
	}
	h->sample_log2 = log2;
	if (bpf_ringbuf_output(&events, event, size, pw_wakeup_flag_at(cfg, queued, size)))
		pw_count(module, PW_DROPPED);
	else
		pw_count(module, PW_EMITTED);
}

/* The end of most handlers: filtered by the pid/uid/comm/cgroup filters,
 * or submitted (emitted or dropped). */
static __always_inline void pw_filter_submit(struct pw_config *cfg, void *event, __u64 size,
					     __u32 module)
{
	if (pw_filtered(cfg, (const struct pw_hdr *)event))
		pw_count(module, PW_FILTERED);
	else
		pw_submit(cfg, event, size, module);
}

/* Slot of v in a struct pw_hist: the number of significant bits. */
static __always_inline __u32 pw_hist_slot(__u64 v)
{
	__u32 n = 0;

	if (v >> 32) { v >>= 32; n += 32; }
	if (v >> 16) { v >>= 16; n += 16; }
	if (v >> 8) { v >>= 8; n += 8; }
	if (v >> 4) { v >>= 4; n += 4; }
	if (v >> 2) { v >>= 2; n += 2; }
	if (v >> 1) { v >>= 1; n += 1; }
	return n + (__u32)v; /* 0 -> 0, 1 -> 1, 2..3 -> 2, ... */
}

/* The file a task's fd table holds at fd, or NULL (no such fd, or out of
 * the table). */
static __always_inline struct file *pw_fdt_file(struct fdtable *fdt, __s64 fd)
{
	struct file **fds, *f = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* The file the current task has open as fd, or NULL. */
static __always_inline struct file *pw_fd_file(__s64 fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return pw_fdt_file(BPF_CORE_READ(task, files, fdt), fd);
}

#endif /* PINWATCH_COMMON_BPF_H */
