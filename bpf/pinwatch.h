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
					\
	/* block: 70-79 */		\
					\
	/* capability: 80-89 */		\
					\
	/* audit: 90-99 */		\
					\
	/* uprobe, profile: 100-109 */	\
					\
	/* tracepoint workbench: 110-119 */ \
	X(TRACEPOINT, tracepoint, 110)	\
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
	/* file */
	/* net */
	/* block */
	/* capability */
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
	/* file */			\
	/* net */			\
	/* block */			\
	/* capability */		\
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

/* ---- file events ---- */

/* ---- net events ---- */

/* ---- signal events ---- */

/* ---- mount events ---- */

/* ---- oom events ---- */

/* ---- block events ---- */

/* ---- capability events ---- */

/* ---- audit events ---- */

/* ---- uprobe and profile events ---- */

/* ---- tracepoint workbench events ---- */

/* `pinwatch tp watch` (bpf/tpwatch.bpf.c): any tracepoint as an event. It
 * is not a module (absent from PW_MODULES, never loaded by `up`): this id
 * is only its key in maps/stats and the module of its event headers. */
#define PW_MOD_TPWATCH	15
#define PW_TP_DATA_MAX	4096	/* raw record bytes carried per event */
#define PW_TP_LOC_MAX	8	/* __data_loc/__rel_loc fields that size a record */
#define PW_TP_COND_MAX	4	/* in-BPF filter: conditions joined by && */
#define PW_TP_STR_MAX	64	/* in-BPF filter: string constant, NUL included */

/* One in-BPF filter condition: FIELD OP VALUE on the copied record. */
enum pw_tp_op {
	PW_TP_OP_EQ = 1, PW_TP_OP_NE, PW_TP_OP_LT, PW_TP_OP_LE, PW_TP_OP_GT,
	PW_TP_OP_GE,
	PW_TP_OP_BAND,		/* (field & value) != 0 */
	PW_TP_OP_STR_EQ,	/* string equal; with prefix: starts with */
	PW_TP_OP_STR_NE,
};

enum pw_tp_str_kind {
	PW_TP_STR_ARRAY = 0,	/* char name[len] at off */
	PW_TP_STR_DATA_LOC,	/* u32 at off: string at (loc & 0xffff) */
	PW_TP_STR_REL_LOC,	/* u32 at off: string at off + 4 + (loc & 0xffff) */
};

struct pw_tp_cond {
	__u16 off;		/* field offset in the record */
	__u8 size;		/* numeric: 1, 2, 4 or 8 */
	__u8 op;		/* enum pw_tp_op */
	__u8 is_signed;
	__u8 str_kind;		/* enum pw_tp_str_kind */
	__u8 prefix;		/* string ops: str is a prefix ("abc*") */
	__u8 pad;
	__u32 len;		/* PW_TP_STR_ARRAY: the array's size */
	__u32 pad2;
	__u64 value;
	char str[PW_TP_STR_MAX];
};

/* Read-only configuration of bpf/tpwatch.bpf.c, set before load. */
struct pw_tp_config {
	__u32 self_tgid;	/* the watching consumer: its own activity is filtered */
	__u32 tp_id;
	__u32 fixed_size;	/* end of the last fixed field */
	__u32 n_loc;
	__u16 loc_off[PW_TP_LOC_MAX];
	__u8 loc_rel[PW_TP_LOC_MAX];
	__u32 n_cond;
	__u32 pad;
	struct pw_tp_cond cond[PW_TP_COND_MAX];
};

struct pw_tracepoint {
	struct pw_hdr h;
	__u32 tp_id;		/* the tracepoint's id (ID: of its format file) */
	__u32 data_len;		/* bytes of data[] sent */
	__u32 truncated;	/* the record was longer than PW_TP_DATA_MAX */
	__u32 pad;
	__u8 data[PW_TP_DATA_MAX]; /* the raw record; its first 8 bytes zeroed */
};

#endif /* PINWATCH_H */
