/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pinwatch.h: the one definition of everything that crosses the kernel/user
 * boundary: module and event ids, the event records written to the ring
 * buffer, and the values of the shared pinned maps. Included by every
 * bpf/<module>.bpf.c and by the loader, the consumer and their tests.
 *
 * Layout rules: every struct is naturally aligned with explicit padding, so
 * BPF (clang -target bpf) and x86-64 user space agree byte for byte; strings
 * are fixed arrays that the kernel side NUL-terminates but the decoder never
 * trusts to be terminated.
 */
#ifndef PINWATCH_H
#define PINWATCH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PW_PIN_ROOT	"/sys/fs/bpf/pinwatch"
#define PW_MAPS_DIR	PW_PIN_ROOT "/maps"

#define PW_COMM_LEN	16
#define PW_PATH_MAX	256
#define PW_ARGS_MAX	1024
#define PW_MOD_MAX	16
#define PW_DEFAULT_RINGBUF_BYTES (8u << 20)
/* The BPF side forces a consumer wakeup only once this much is queued;
 * below it the consumer finds events on its short poll timeout. */
#define PW_DEFAULT_WAKEUP_BYTES	(256u << 10)

/* X-macros keep the numeric ids and their names in one place. Ids are part
 * of the pinned ABI (stats keys, config bits): append only. */
#define PW_MODULES(X)			\
	X(PROCESS, process, 0)		\
	X(SYSCALL, syscall, 1)		\
	X(FILE, file, 2)		\
	X(NET, net, 3)			\
	X(SIGNAL, signal, 4)		\
	X(MOUNT, mount, 5)		\
	X(OOM, oom, 6)			\
	X(BLOCK, block, 7)		\
	X(CAPABILITY, capability, 8)	\
	X(AUDIT, audit, 9)		\
	X(UPROBE, uprobe, 10)

enum pw_module {
#define PW_X(up, low, id) PW_MOD_##up = id,
	PW_MODULES(PW_X)
#undef PW_X
};

/* Id ranges by module (append inside your range, keep the slot comments:
 * they keep parallel work from touching the same lines). */
#define PW_EVENT_TYPES(X)		\
	/* process: 1-9 */		\
	X(EXEC, exec, 1)		\
	X(EXIT, exit, 2)		\
	X(FORK, fork, 3)		\
	/* syscall: 10-19 */		\
	X(SYSCALL, syscall, 10)		\
					\
	/* file: 20-29 */		\
					\
	/* net: 30-39 */		\
					\
	/* signal: 40-49 */		\
					\
	/* mount: 50-59 */		\
					\
	/* oom: 60-69 */		\
	X(OOM, oom, 60)			\
					\
	/* block: 70-79 */		\
	X(BLOCK_SLOW, block_slow, 70)	\
					\
	/* capability: 80-89 */		\
	X(CAPABLE, capable, 80)		\
					\
	/* audit: 90-99 */		\
					\
	/* uprobe, profile: 100-109 */	\
					\
	/* tracepoint workbench: 110-119 */ \
					\
	/* end */

enum pw_event_type {
#define PW_X(up, low, id) PW_EV_##up = id,
	PW_EVENT_TYPES(PW_X)
#undef PW_X
};

/* Filter kinds: bit positions in pw_config.filter_kinds / only_kinds. */
#define PW_FILTER_KINDS(X)	\
	X(PID, pid, 0)		\
	X(UID, uid, 1)		\
	X(COMM, comm, 2)	\
	X(CGROUP, cgroup, 3)	\
	/* file: path prefix, 4 */ \
				\
	/* net: cidr, 5 */	\
				\
	/* end */

enum pw_filter_kind {
#define PW_X(up, low, id) PW_FILTER_##up = id,
	PW_FILTER_KINDS(PW_X)
#undef PW_X
};

/* Value of every filter map entry. */
enum pw_filter_action {
	PW_FILTER_ACTION_DROP = 1,	/* drop events that match */
	PW_FILTER_ACTION_ONLY = 2,	/* report only events that match one of these */
};

/* maps/config, key 0. Written by the loader (defaults, at first load), the
 * consumer (consumer_tgid) and the control plane (everything else). */
struct pw_config {
	__u32 enabled;		/* 0: every module counts its events as filtered */
	__u32 consumer_tgid;	/* events caused by this process are filtered */
	__u32 modules_disabled;	/* bit (1 << module id) set: that module is off */
	__u32 filter_kinds;	/* bit (1 << kind) set: that filter map has entries */
	__u32 only_kinds;	/* bit (1 << kind) set: that kind has --only entries */
	__u32 wakeup_bytes;	/* force a consumer wakeup above this many queued bytes */
	/* module switches: add fields in your module's slot, and to
	 * PW_CONFIG_FIELDS below; keep the struct naturally aligned. */
	/* syscall */
	__u32 syscall_latency;	/* 1: time syscalls (attaches the sys_exit hook) */
	/* file */
	/* net */
	/* block */
	__u32 block_slow_ns;	/* block_slow event for requests taking >= this (0: all) */
	/* capability */
	__u32 capable_denials_only; /* 1: report only capability checks that failed */
	/* end */
};

/* Every field the control plane may name, with whether it may set it.
 * X(name, settable) */
#define PW_CONFIG_FIELDS(X)		\
	X(enabled, 1)			\
	X(consumer_tgid, 1)		\
	X(modules_disabled, 1)		\
	X(filter_kinds, 0)		\
	X(only_kinds, 0)		\
	X(wakeup_bytes, 1)		\
	/* syscall */			\
	X(syscall_latency, 1)		\
	/* file */			\
	/* net */			\
	/* block */			\
	X(block_slow_ns, 1)		\
	/* capability */		\
	X(capable_denials_only, 1)	\
	/* end */

/* maps/stats: per-CPU array keyed by module id. For every module,
 * seen == filtered + emitted + dropped once its programs are idle. */
struct pw_stats {
	__u64 seen;
	__u64 filtered;
	__u64 emitted;
	__u64 dropped;	/* ring buffer full, or an internal failure */
};

/* log2 histograms (biolatency-style): slot i counts values v with
 * 2^(i-1) <= v < 2^i (slot 0: v == 0). Histogram maps are pinned in their
 * module's directory as hist_<name>, key __u32, value struct pw_hist
 * (plain or per-CPU); `pinwatch hist MODULE` prints every one of them. */
#define PW_HIST_SLOTS 64
struct pw_hist {
	__u64 slots[PW_HIST_SLOTS];
};

/* maps/proc_cache value, keyed by tgid: the image the process runs now. */
struct pw_proc {
	__u64 exec_id;
	__u64 parent_exec_id;
	__u64 exec_ns;		/* CLOCK_MONOTONIC time of the exec */
	__u32 ppid;
	__u32 pad;
	char binary[PW_PATH_MAX];
};

/* Common header of every ring buffer record. */
struct pw_hdr {
	__u16 type;		/* enum pw_event_type */
	__u16 module;		/* enum pw_module */
	__u32 size;		/* bytes in this record, header included */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 cpu;
	__u64 cgroup_id;	/* cgroup v2 id */
	__u64 exec_id;		/* 0 when the process exec'd before pinwatch loaded */
	__u64 parent_exec_id;
	char comm[PW_COMM_LEN];
};

struct pw_exec {
	struct pw_hdr h;
	__u32 args_len;		/* bytes used in args: NUL-separated argv */
	__u32 args_truncated;	/* argv was longer than PW_ARGS_MAX */
	char filename[PW_PATH_MAX];
	char args[PW_ARGS_MAX];	/* only args_len bytes are sent */
};

struct pw_exit {
	struct pw_hdr h;
	__s32 exit_code;	/* as exit(2) got it; 0 when killed by a signal */
	__u32 signal;		/* terminating signal, 0 if none */
	__u64 duration_ns;	/* process lifetime, fork to exit */
};

struct pw_fork {
	struct pw_hdr h;
	__u32 child_pid;
	__u32 pad;
};

/* ---- syscall events ---- */

/* Syscall numbers 0 .. PW_SYSCALL_MAX - 1 are counted (the native ones of
 * x86-64 and arm64); the names come from build/syscalls.txt. */
#define PW_SYSCALL_MAX 512

/* syscall/counts value, per CPU, key __u32 syscall number. */
struct pw_syscall_count {
	__u64 count;		/* syscalls entered */
	__u64 lat_count;	/* syscalls timed (syscall_latency on) */
	__u64 lat_total_ns;	/* their summed latency */
};

/* A syscall selected in syscall/selected, at its exit. */
struct pw_syscall {
	struct pw_hdr h;
	__u32 nr;
	__u32 pad;
	__u64 args[6];		/* raw argument registers, as seen at exit */
	__s64 ret;		/* raw return value (negative errno on failure) */
	__u64 latency_ns;	/* enter to exit; 0 unless syscall_latency is on */
};

/* ---- file events ---- */

/* ---- net events ---- */

/* ---- signal events ---- */

/* ---- mount events ---- */

/* ---- oom events ---- */

/* The OOM killer chose a victim (oom/mark_victim). The header is the task
 * that was running when it did: the one whose allocation triggered it. */
#define PW_OOM_UID_UNKNOWN 0xffffffffu
struct pw_oom {
	struct pw_hdr h;
	__u32 victim_pid;
	__u32 victim_uid;	/* PW_OOM_UID_UNKNOWN when the kernel does not say */
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
	__s16 oom_score_adj;
	__u16 pad;
	__u32 known;		/* PW_OOM_KNOWN_* bits: which figures the kernel gave */
	char victim_comm[PW_COMM_LEN];
};
#define PW_OOM_KNOWN_MEM	1u	/* total_vm, anon/file/shmem rss */
#define PW_OOM_KNOWN_PGTABLES	2u
#define PW_OOM_KNOWN_SCORE_ADJ	4u
#define PW_OOM_KNOWN_COMM	8u

/* ---- block events ---- */

/* config.block_slow_ns set when the config is created: 10 ms */
#define PW_DEFAULT_BLOCK_SLOW_NS 10000000u

/* block/pattern value, key __u32 device (kernel dev_t: major << 20 | minor). */
struct pw_block_pattern {
	__u64 sequential;	/* requests starting where the previous one ended */
	__u64 random;		/* the others */
	__u64 bytes;
	__u64 next_sector;	/* end of the previous request (internal) */
};

/* pw_block_slow.op: REQ_OP_* values differ between kernels (the zone ops
 * moved in 6.x), so the BPF side maps them to these. */
enum pw_block_op {
	PW_BLOCK_OP_READ = 0,
	PW_BLOCK_OP_WRITE = 1,
	PW_BLOCK_OP_FLUSH = 2,
	PW_BLOCK_OP_DISCARD = 3,
	PW_BLOCK_OP_SECURE_ERASE = 4,
	PW_BLOCK_OP_WRITE_ZEROES = 5,
	PW_BLOCK_OP_ZONE_APPEND = 6,
	PW_BLOCK_OP_ZONE_OPEN = 7,
	PW_BLOCK_OP_ZONE_CLOSE = 8,
	PW_BLOCK_OP_ZONE_FINISH = 9,
	PW_BLOCK_OP_ZONE_RESET = 10,
	PW_BLOCK_OP_ZONE_RESET_ALL = 11,
	PW_BLOCK_OP_DRV_IN = 12,
	PW_BLOCK_OP_DRV_OUT = 13,
	PW_BLOCK_OP_OTHER = 255,
};

/* A request that took at least config.block_slow_ns, issue to completion.
 * The header is the task that issued it (or queued it, when queued). */
struct pw_block_slow {
	struct pw_hdr h;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 op;		/* enum pw_block_op */
	__u64 sector;
	__u64 latency_ns;	/* issue to completion */
	__u64 queue_ns;		/* insert to issue; 0 when issued directly */
	__u32 bytes;
	__s32 error;		/* blk_status_t of the completion, 0 = ok */
	char disk[32];
};

/* ---- capability events ---- */

/* A capability check (cap_capable). opts is known only to the kprobe
 * variant (the tracepoint does not carry it). */
struct pw_capable {
	struct pw_hdr h;
	__s32 cap;
	__s32 ret;		/* 0 granted, -EPERM denied */
	__u32 opts;		/* CAP_OPT_* (bit 1 NOAUDIT, bit 2 INSETID) */
	__u32 opts_known;	/* 0: the hook cannot see opts (tracepoint) */
	__u32 target_userns;	/* inode number of the user namespace checked against */
	__u32 pad;
};

/* ---- audit events ---- */

/* ---- uprobe and profile events ---- */

/* ---- tracepoint workbench events ---- */

#endif /* PINWATCH_H */
