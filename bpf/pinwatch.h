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
#define PW_DEFAULT_RINGBUF_BYTES (8u << 20)
/* The BPF side forces a consumer wakeup only once this much is queued;
 * below it the consumer finds events on its short poll timeout. */
#define PW_DEFAULT_WAKEUP_BYTES	(256u << 10)

/* X-macros keep the numeric ids and their names in one place. Ids are part
 * of the pinned ABI (stats keys, config bits): append only. X(UP, name, id) */

/* Keys of maps/stats, a per-CPU array of PW_MOD_MAX entries, by range:
 *   0-31   modules, loaded by `pinwatch up` (PW_MODULES); a module's id is
 *          also its bit in pw_config.modules_disabled (a __u32)
 *   32-47  reserved for modules (modules_disabled must widen first)
 *   48-59  on-demand tools and `pinwatch tp watch`, which count in
 *          maps/stats but load no module (PW_TOOL_KEYS), counted down from 59
 *   60-62  reserved
 *   63     the benchmark's program (PW_BENCH_KEYS, tests/bench)
 * `pinwatch-load abi` prints every key with its name and kind. */
#define PW_MOD_MAX		64
#define PW_MOD_MODULE_END	32	/* modules: 0 .. PW_MOD_MODULE_END - 1 */
#define PW_MOD_TOOL_FIRST	48
#define PW_MOD_TOOL_LAST	59

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
	X(UPROBE, uprobe, 10)		\
	X(CRED, cred, 11)		\
	X(PTRACE, ptrace, 12)		\
	X(KMOD, kmod, 13)		\
	X(NS, ns, 14)			\
	X(ATTR, attr, 15)		\
	X(IOURING, iouring, 16)		\
	X(BPF, bpf, 17)			\
	X(DENY, deny, 18)

/* Not modules (absent from PW_MODULES, never loaded by `up`): tpwatch
 * counts the events of `pinwatch tp watch` (bpf/tpwatch.bpf.c, the module of
 * their headers too); profile, memleak, llcstat and funclatency count each
 * sample, allocation or call their BPF side sees as filtered, emitted
 * (recorded in the tool's own map) or dropped (that map full). */
#define PW_TOOL_KEYS(X)			\
	X(TPWATCH, tpwatch, 59)		\
	X(PROFILE, profile, 58)		\
	X(MEMLEAK, memleak, 57)		\
	X(LLCSTAT, llcstat, 56)		\
	X(FUNCLATENCY, funclatency, 55)

/* The benchmark's own program (tests/bench/bpf/bench_rb.bpf.c). */
#define PW_BENCH_KEYS(X)		\
	X(BENCH, bench, 63)

/* Every key of maps/stats. */
#define PW_STATS_KEYS(X) PW_MODULES(X) PW_TOOL_KEYS(X) PW_BENCH_KEYS(X)

/* PW_MOD_<UP>: the stats key (for a module, its id) */
enum pw_module {
#define PW_X(up, low, id) PW_MOD_##up = id,
	PW_STATS_KEYS(PW_X)
#undef PW_X
};

#define PW_X(up, low, id)						\
	_Static_assert((id) < PW_MOD_MODULE_END, "module id " #low " beyond the module range");
PW_MODULES(PW_X)
#undef PW_X
#define PW_X(up, low, id)						\
	_Static_assert((id) >= PW_MOD_TOOL_FIRST && (id) <= PW_MOD_TOOL_LAST, \
		       "stats key " #low " outside the tool range");
PW_TOOL_KEYS(PW_X)
#undef PW_X
#define PW_X(up, low, id)						\
	_Static_assert((id) > PW_MOD_TOOL_LAST && (id) < PW_MOD_MAX,	\
		       "stats key " #low " outside the stats map");
PW_BENCH_KEYS(PW_X)
#undef PW_X

/* No two keys share an id: as many bits in the mask of keys as keys. */
#define PW_X(up, low, id) | (1ull << (id))
#define PW_N(up, low, id) + 1
_Static_assert(__builtin_popcountll(0 PW_STATS_KEYS(PW_X)) == 0 PW_STATS_KEYS(PW_N),
	       "two stats keys share an id");
#undef PW_N
#undef PW_X

/* Event types, by the module or tool that writes them: process 1-9,
 * syscall 10-19, file 20-29, net 30-39, signal 40-49, mount 50-59,
 * oom 60-69, block 70-79, capability 80-89, audit 90-99, uprobe 100-109,
 * tracepoint workbench 110-119, bench 120-129, cred 130-139, ptrace 140-149,
 * kmod 150-159, ns 160-169, attr 170-179, iouring 180-189, bpf 190-199,
 * rules 200-209, audit (tamper) 210-219, consumer (pressure) 220-229, deny 230-239.
 * X(UP, name, id) */
#define PW_EVENT_TYPES(X)		\
	X(EXEC, exec, 1)		\
	X(EXIT, exit, 2)		\
	X(FORK, fork, 3)		\
	X(ENFORCE, enforce, 4)		\
	X(SYSCALL, syscall, 10)		\
	X(OPEN, open, 20)		\
	X(UNLINK, unlink, 21)		\
	X(RENAME, rename, 22)		\
	X(MEMFD, memfd, 23)		\
	X(CONNECT, connect, 30)		\
	X(ACCEPT, accept, 31)		\
	X(BIND, bind, 32)		\
	X(LISTEN, listen, 33)		\
	X(TCP_STATE, tcp_state, 34)	\
	X(RETRANSMIT, retransmit, 35)	\
	X(SIGNAL, signal, 40)		\
	X(MOUNT, mount, 50)		\
	X(UMOUNT, umount, 51)		\
	X(OOM, oom, 60)			\
	X(OOM_KILL, oom_kill, 61)	\
	X(BLOCK_SLOW, block_slow, 70)	\
	X(CAPABLE, capable, 80)		\
	X(AUDIT, audit, 90)		\
	X(UPROBE, uprobe, 100)		\
	X(UPROBE_CONNECT, uprobe_connect, 101) \
	X(UPROBE_READLINE, uprobe_readline, 102) \
	X(UPROBE_GETADDRINFO, uprobe_getaddrinfo, 103) \
	X(TRACEPOINT, tracepoint, 110)	\
	X(BENCH, bench, 120)		\
	X(CRED, cred, 130)		\
	X(PTRACE, ptrace, 140)		\
	X(KMOD_LOAD, kmod_load, 150)	\
	X(KMOD_UNLOAD, kmod_unload, 151) \
	X(NAMESPACE, namespace, 160)	\
	X(CHMOD, chmod, 170)		\
	X(CHOWN, chown, 171)		\
	X(XATTR, xattr, 172)		\
	X(UTIMES, utimes, 173)		\
	X(IO_URING, io_uring, 180)	\
	X(BPF, bpf, 190)		\
	X(SUPPRESSED, suppressed, 200)	\
	X(TAMPER, tamper, 210)	\
	X(PRESSURE, pressure, 220)	\
	X(DENY, deny, 230)

enum pw_event_type {
#define PW_X(up, low, id) PW_EV_##up = id,
	PW_EVENT_TYPES(PW_X)
#undef PW_X
};

/* ---- event classes (maps/event_class; pinned-layout.md, "Classes") ----
 *
 * Every event type belongs to a class; under load the ring keeps room for
 * the upper classes that normal events may not use (pw_config.class_reserve)
 * and only normal events are shed (sampled) or dropped first. A rule hit
 * (hdr.rule set: action alert or kill) is critical whatever its type's
 * class. X(UP, name, id) */
#define PW_EVENT_CLASSES(X)		\
	X(NORMAL, normal, 0)		\
	X(HIGH, high, 1)		\
	X(CRITICAL, critical, 2)

enum pw_event_class {
#define PW_X(up, low, id) PW_CLASS_##up = id,
	PW_EVENT_CLASSES(PW_X)
#undef PW_X
};

/* The class of each event type when the sensor loads (the loader fills
 * maps/event_class from it; `pinwatch config set class.TYPE CLASS` moves a
 * type later); every type not listed is normal. Keyed by the type's
 * PW_EV_ name (a name not in PW_EVENT_TYPES does not compile). X(type, class) */
#define PW_EVENT_CLASS_DEFAULTS(X)	\
	X(ENFORCE, CRITICAL)		\
	X(AUDIT, CRITICAL)		\
	X(EXEC, HIGH)			\
	X(EXIT, HIGH)			\
	X(FORK, HIGH)			\
	X(CRED, HIGH)			\
	X(PTRACE, HIGH)			\
	X(KMOD_LOAD, HIGH)		\
	X(KMOD_UNLOAD, HIGH)		\
	X(NAMESPACE, HIGH)		\
	X(BPF, HIGH)			\
	X(SUPPRESSED, HIGH)		\
	X(PRESSURE, CRITICAL)		\
	X(DENY, CRITICAL)		\
	X(TAMPER, CRITICAL)

/* maps/event_class: one __u32 class per event type id (0 .. PW_EVENT_CLASS_TYPES - 1). */
#define PW_EVENT_CLASS_TYPES	256
#define PW_X(up, low, id) _Static_assert((id) < PW_EVENT_CLASS_TYPES, "event type " #low " beyond maps/event_class");
PW_EVENT_TYPES(PW_X)
#undef PW_X

/* Filter kinds: bit positions in pw_config.filter_kinds / only_kinds;
 * each kind's entries are in maps/filter_<name>. path serves file and attr events,
 * cidr net events; container every event. X(UP, name, bit) */
#define PW_FILTER_KINDS(X)	\
	X(PID, pid, 0)		\
	X(UID, uid, 1)		\
	X(COMM, comm, 2)	\
	X(CGROUP, cgroup, 3)	\
	X(PATH, path, 4)	\
	X(CIDR, cidr, 5)	\
	X(CONTAINER, container, 6)

enum pw_filter_kind {
#define PW_X(up, low, id) PW_FILTER_##up = id,
	PW_FILTER_KINDS(PW_X)
#undef PW_X
};

/* Keys of the filter maps whose key is not a plain integer (pid, uid:
 * __u32; cgroup: __u64). loader/parse.c encodes them from user input. */
struct pw_comm_key {
	char comm[PW_COMM_LEN];		/* NUL-padded */
};

/* LPM trie key: the path with a '/' appended, prefixlen = its length in
 * bits, so "/proc" matches "/proc/self/maps" but not "/processes". */
struct pw_path_key {
	__u32 prefixlen;
	char path[PW_PATH_MAX];
};

/* LPM trie key: IPv4 is stored v4-mapped (::ffff:a.b.c.d, prefixlen + 96)
 * so one trie serves both families. */
struct pw_cidr_key {
	__u32 prefixlen;	/* bits of addr that count, 0..128 */
	__u8 addr[16];		/* network order */
};

/* ---- containers ---- */

/* The longest container id the kernel keeps: a 64-digit hex id (docker,
 * containerd, cri-o, podman); a longer systemd-nspawn machine name is cut. */
#define PW_CONTAINER_ID_LEN	64

/* Container runtimes, by the cgroup v2 layout that names them (see
 * bpf/container.bpf.h and loader/container.c). X(UP, "name", id); 0: none. */
#define PW_CONTAINER_RUNTIMES(X)			\
	X(DOCKER, "docker", 1)				\
	X(CONTAINERD, "containerd", 2)			\
	X(CRIO, "crio", 3)				\
	X(PODMAN, "podman", 4)				\
	X(NSPAWN, "systemd-nspawn", 5)

/* The cgroup v2 layouts that name a container, one per row: a cgroup whose
 * directory name is prefix + ID + suffix (ID: 64 hex digits, or for NAME
 * rows a systemd-escaped machine name), and whose parent's name is parent
 * (PW_CTR_PARENT_IS), starts with it (PW_CTR_PARENT_PREFIX) or does not
 * matter (PW_CTR_PARENT_ANY). The kernel side (bpf/container.bpf.h) and the
 * consumer (loader/container.c) both match these rows against a task's
 * cgroup and its ancestors (the nearest match wins), so a process in a
 * container's sub-cgroup (systemd inside the container) is found too.
 * X(RUNTIME, prefix, suffix, parent, parent_rule, id_kind) */
#define PW_CONTAINER_LAYOUTS(X)							\
	/* docker, systemd driver: system.slice/docker-ID.scope */		\
	X(DOCKER, "docker-", ".scope", "", PW_CTR_PARENT_ANY, PW_CTR_HEX)	\
	/* docker, cgroupfs driver: /docker/ID */				\
	X(DOCKER, "", "", "docker", PW_CTR_PARENT_IS, PW_CTR_HEX)		\
	/* containerd (CRI), systemd driver: kubepods...slice/cri-containerd-ID.scope */ \
	X(CONTAINERD, "cri-containerd-", ".scope", "", PW_CTR_PARENT_ANY, PW_CTR_HEX) \
	/* CRI, cgroupfs driver: /kubepods[/burstable|/besteffort]/podUID/ID */ \
	X(CONTAINERD, "", "", "pod", PW_CTR_PARENT_PREFIX, PW_CTR_HEX)	\
	/* cri-o, systemd driver: kubepods...slice/crio-ID.scope */		\
	X(CRIO, "crio-", ".scope", "", PW_CTR_PARENT_ANY, PW_CTR_HEX)		\
	/* cri-o, cgroupfs driver: /kubepods/.../podUID/crio-ID */		\
	X(CRIO, "crio-", "", "pod", PW_CTR_PARENT_PREFIX, PW_CTR_HEX)		\
	/* podman, systemd driver: machine.slice/libpod-ID.scope (and user.slice) */ \
	X(PODMAN, "libpod-", ".scope", "", PW_CTR_PARENT_ANY, PW_CTR_HEX)	\
	/* podman, cgroupfs driver: /libpod_parent/libpod-ID */			\
	X(PODMAN, "libpod-", "", "libpod_parent", PW_CTR_PARENT_IS, PW_CTR_HEX) \
	/* systemd-nspawn (and any systemd-machined machine): machine.slice/machine-NAME.scope */ \
	X(NSPAWN, "machine-", ".scope", "machine.slice", PW_CTR_PARENT_IS, PW_CTR_NAME)

#define PW_CTR_PARENT_ANY	0
#define PW_CTR_PARENT_IS	1
#define PW_CTR_PARENT_PREFIX	2
#define PW_CTR_HEX		0	/* ID: exactly PW_CONTAINER_ID_LEN hex digits */
#define PW_CTR_NAME		1	/* ID: a machine name, 1 or more bytes */
/* Cgroups matched: the task's own and PW_CONTAINER_DEPTH - 1 ancestors (the
 * last one's parent is read for its name). */
#define PW_CONTAINER_DEPTH	4
/* The longest cgroup directory name the kernel side reads. */
#define PW_CGROUP_NAME_MAX	128

enum pw_container_runtime {
	PW_RUNTIME_NONE = 0,
#define PW_X(up, name, id) PW_RUNTIME_##up = id,
	PW_CONTAINER_RUNTIMES(PW_X)
#undef PW_X
};

/* maps/filter_container key (LPM trie). prefixlen counts bits from host
 * on: the entry "host" is { 8, host 1 }; the id prefix "ab12" is
 * { 8 + 4 * 8, host 0, "ab12" }. A task in container X is looked up as
 * { 8 + 8 * len(X), 0, X }, one on the host as { 8, 1 }: the longest
 * matching entry decides. id is NUL-padded; its 3 bytes past the longest id
 * keep it terminated (bpftool shows it as a string). */
struct pw_container_key {
	__u32 prefixlen;
	__u8 host;
	char id[PW_CONTAINER_ID_LEN + 3];
};

/* maps/cgroup_container value, keyed by cgroup v2 id (__u64): the container
 * the cgroup belongs to, as the kernel side found it in the names of the
 * cgroup and its ancestors; runtime 0 (and id_len 0): the host. key is the
 * cgroup's lookup key in maps/filter_container, ready to use: the filters
 * look the trie up with a pointer into this value (no copy, no stack). */
struct pw_container {
	struct pw_container_key key;	/* key.id: the id, id_len bytes */
	__u32 runtime;		/* enum pw_container_runtime */
	__u32 id_len;
};

/* Value of every filter map entry (a __u8): drop events that match, or
 * (only) report only events that match one of the kind's only entries.
 * X(UP, name, value) */
#define PW_FILTER_ACTIONS(X)	\
	X(DROP, drop, 1)	\
	X(ONLY, only, 2)

enum pw_filter_action {
#define PW_X(up, low, id) PW_FILTER_ACTION_##up = id,
	PW_FILTER_ACTIONS(PW_X)
#undef PW_X
};

/* maps/config, key 0. Written by the loader (defaults, at first load), the
 * consumer (consumer_tgid) and the control plane (everything else). */
struct pw_config {
	__u32 enabled;		/* 0: every module counts its events as filtered */
	__u32 consumer_tgid;	/* events caused by this process are filtered */
	__u32 modules_disabled;	/* bit (1 << module id) set: that module is off */
	__u32 filter_kinds;	/* bit (1 << kind) set: that filter map has entries */
	__u32 only_kinds;	/* bit (1 << kind) set: that kind has --only entries */
	__u32 wakeup_bytes;	/* force a consumer wakeup when the queued bytes cross this */
	__u32 syscall_latency;	/* 1: time syscalls (attaches the sys_exit hook) */
	__u32 block_slow_ns;	/* block_slow event for requests taking >= this (0: all) */
	__u32 capable_denials_only; /* 1: report only capability checks that failed */
	__u32 ptrace_all_requests; /* 1: report every ptrace request, reads and
				    * controls (PEEK*, GET*, CONT, ...) too */
	__u64 consumer_start;	/* consumer_tgid's start time, in clock ticks
				 * since boot (/proc/PID/stat field 22): a
				 * process that reuses the pid has another, and
				 * is not excluded; 0: the tgid alone decides */
	__u32 hash_max_mb;	/* the consumer hashes executed files up to this
				 * many MiB (exec's sha256); 0: no hashing */
	__u32 ancestors;	/* the consumer names this many binaries above an
				 * event's parent (0 .. PW_ANCESTORS_MAX) */
	__u32 blocklist_entries; /* maps/blocklist's entries, kept by `pinwatch
				  * block` under the lock: 0 lets the process
				  * module's mmap hook return at once */
	__u32 audit_compat;	/* 1: the audit module's raw sys_enter hook
				 * watches 32-bit compat syscalls (attached
				 * only then: it runs on every syscall) */
	__u32 tcp_connlat_min_us; /* a tcp_state event of a connect (SYN_SENT to
				   * ESTABLISHED) faster than this counts as
				   * filtered (tcpconnlat -m); 0: every one */
	__u32 shed;		/* 1: past shed_high_water, the busiest normal types
				 * are sampled 1 in N (counted shed); 0: plain
				 * dropping when their room is full */
	__u32 shed_high_water;	/* percent of the ring queued where shedding starts */
	__u32 class_reserve;	/* percent of the ring normal events may not use
				 * (high may not use its last quarter): room
				 * kept for the high and critical classes */
	__u32 signal_chld;	/* 1: the signal module reports the SIGCHLD the
				 * kernel sends a parent (child exited, stopped,
				 * continued); 0: counted filtered, as the exit
				 * event already says it */
	__u32 quiet_reads;	/* 1: the file module counts as filtered the
				 * read-only opens of PW_QUIET_READS */
	__u32 loader_tgid;	/* a pinwatch-load loading or unloading, or a
				 * pinwatch-rule changing rules: the events it
				 * and the children it forks cause are filtered,
				 * as the consumer's, and its opens, pins and
				 * program loads on the audit trail; 0: none */
	__u64 loader_start;	/* loader_tgid's start time, as consumer_start */
};

/* config.shed, shed_high_water and class_reserve as the loader writes them */
#define PW_DEFAULT_SHED			1
#define PW_DEFAULT_SHED_HIGH_WATER	50
#define PW_DEFAULT_CLASS_RESERVE	25
#define PW_SHED_HIGH_WATER_MAX		100
#define PW_CLASS_RESERVE_MAX		90
/* Shedding: a type is busy on a CPU when more than PW_SHED_BUSY of its
 * events reach the ring in one PW_SHED_WINDOW_NS there; N is 2 at the
 * high-water mark and doubles with each 1/PW_SHED_STEPS of the room left
 * above it, up to 1 << PW_SHED_MAX_LOG2. */
#define PW_SHED_WINDOW_NS	10000000ULL
#define PW_SHED_BUSY		32
#define PW_SHED_STEPS		6
#define PW_SHED_MAX_LOG2	10

/* /proc/PID/stat's clock ticks: USER_HZ, 100 on every Linux ABI. */
#define PW_NS_PER_CLOCK_TICK 10000000ULL

/* config.capable_denials_only set when the config is created: granted
 * checks (root's, by the dozen a syscall) are the bulk of an idle server's
 * events; the rules still see them */
#define PW_DEFAULT_CAPABLE_DENIALS_ONLY 1

/*
 * Read-only opens (no write access, no O_CREAT, no O_TRUNC) that the file
 * module counts as filtered while config.quiet_reads is 1 (its default): what
 * the dynamic loader and the C library's locale and time code open for every
 * program that starts, a dozen to forty opens an exec (measured: ls, id,
 * date, python3, ps, apt-cache: 1,700 of 2,000 opens). Only a plain absolute
 * path counts (no "/../", "//", "/./", no magic link; not an openat2 under
 * RESOLVE_IN_ROOT), so "/usr/lib/../../etc/shadow" is reported; the rules see
 * these opens first. X(path, exact): exact 1, the whole path; 0, a prefix
 * (ends in '/').
 */
#define PW_QUIET_READS(X)			\
	X("/etc/ld.so.cache", 1)		\
	X("/etc/localtime", 1)			\
	X("/lib/", 0)				\
	X("/lib32/", 0)				\
	X("/lib64/", 0)				\
	X("/libx32/", 0)			\
	X("/usr/lib/", 0)			\
	X("/usr/lib32/", 0)			\
	X("/usr/lib64/", 0)			\
	X("/usr/libx32/", 0)			\
	X("/usr/share/locale/", 0)		\
	X("/usr/share/zoneinfo/", 0)
#define PW_DEFAULT_QUIET_READS 1

/* config.hash_max_mb set when the config is created: 64 MiB */
#define PW_DEFAULT_HASH_MAX_MB 64u

/* config.ancestors: the default the loader writes, and the deepest chain
 * the consumer resolves (`config set ancestors` refuses more: a config
 * field NAME is bounded by the constant PW_<NAME>_MAX when the ABI has one). */
#define PW_DEFAULT_ANCESTORS	8
#define PW_ANCESTORS_MAX	32

/* A stats key's bit in pw_config.modules_disabled: only modules have a
 * switch; every other key (a tool's, the bench's) gives 0, never on. */
#define PW_MODULE_BIT(key) ((key) < PW_MOD_MODULE_END ? 1u << ((key) & 31) : 0u)

/* Every field of struct pw_config, with its type and whether the control
 * plane may set it (`pinwatch config set`); a new field goes in both, and
 * keeps the struct naturally aligned. Types, as `pinwatch config` parses
 * them: bool (0, 1, on, off), u32 (a number), ns (nanoseconds), bytes,
 * bitmask (of module ids or filter kinds). X(name, type, settable) */
#define PW_CONFIG_FIELDS(X)			\
	X(enabled, bool, 1)			\
	X(consumer_tgid, u32, 1)		\
	X(modules_disabled, bitmask, 1)		\
	X(filter_kinds, bitmask, 0)		\
	X(only_kinds, bitmask, 0)		\
	X(wakeup_bytes, bytes, 1)		\
	X(syscall_latency, bool, 1)		\
	X(block_slow_ns, ns, 1)			\
	X(capable_denials_only, bool, 1)	\
	X(ptrace_all_requests, bool, 1)		\
	X(consumer_start, u64, 1)	\
	X(hash_max_mb, u32, 1)		\
	X(ancestors, u32, 1)			\
	X(blocklist_entries, u32, 0)		\
	X(audit_compat, bool, 1)		\
	X(tcp_connlat_min_us, u32, 1)	\
	X(shed, bool, 1)			\
	X(shed_high_water, u32, 1)		\
	X(class_reserve, u32, 1)		\
	X(signal_chld, bool, 1)			\
	X(quiet_reads, bool, 1)			\
	X(loader_tgid, u32, 1)			\
	X(loader_start, u64, 1)

/* maps/stats: per-CPU array keyed by module id. For every module,
 * seen == filtered + emitted + dropped + shed once its programs are idle. */
struct pw_stats {
	__u64 seen;
	__u64 filtered;
	__u64 emitted;
	__u64 dropped;	/* ring buffer (or its room for the event's class) full,
			 * or an internal failure */
	__u64 shed;	/* not sent: sampled out under pressure (maps/shed by type) */
};

/* maps/shed: per-CPU array keyed by event type (PW_EVENT_CLASS_TYPES). */
struct pw_shed {
	__u64 shed;		/* events of the type sampled out */
	__u64 sampled;		/* events of the type sent with a sample_rate */
	__u64 seq;		/* the type's events past the mark: picks 1 in N */
	__u64 win_start_ns;	/* the busy window (PW_SHED_WINDOW_NS) */
	__u32 win_count;	/* events of the type in the window */
	__u32 last_log2;	/* the last sample's log2 (its sample_rate's) */
};

/* Why the consumer (pinwatch-read) did not deliver a record it took off the
 * ring: index into pw_consumer.dropped. X(UP, name, id)
 *   output_stalled  released unread while a write(2) to the output blocked
 *                   with the ring 5/8 full (read.c's guard thread)
 *   malformed       a record pw_event_check() refused */
#define PW_CONSUMER_DROPS(X)			\
	X(OUTPUT_STALLED, output_stalled, 0)	\
	X(MALFORMED, malformed, 1)

enum pw_consumer_drop {
#define PW_X(up, low, id) PW_CONSUMER_DROP_##up = id,
	PW_CONSUMER_DROPS(PW_X)
#undef PW_X
};

#define PW_CONSUMER_DROP_MAX 8	/* room for new causes without a new layout */
#define PW_X(up, low, id) _Static_assert((id) < PW_CONSUMER_DROP_MAX, "consumer drop " #low " beyond pw_consumer.dropped");
PW_CONSUMER_DROPS(PW_X)
#undef PW_X

/* maps/consumer, key 0: the consumer's own record, written by pinwatch-read
 * through an mmap of the map (no syscall per write) and read by the control
 * plane without it (`pinwatch stats --prom`, bpftool). Every field is a
 * counter or a high-water mark since the sensor loaded: it survives consumer
 * restarts, and `pinwatch down` resets it with the other shared maps. */
struct pw_consumer {
	__u64 written_pos;	/* ring position up to which every record's line is written */
	__u64 written_events;	/* lines (events) written to the output */
	__u64 last_write_ns;	/* CLOCK_REALTIME of the last successful write(2); 0: none */
	__u64 dropped[PW_CONSUMER_DROP_MAX];	/* by enum pw_consumer_drop */
	/* pressure events: the kernel's totals (maps/shed's shed and sampled,
	 * maps/stats' dropped) at the last end event, so that a consumer
	 * started after a flood it did not see still reports it */
	__u64 pressure_shed;
	__u64 pressure_sampled;
	__u64 pressure_dropped;
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
	__u32 uid;		/* real uid at the exec (snapshot: at load) */
	char binary[PW_PATH_MAX];	/* the executed file's resolved path (pw_exec.exe_path) */
};

/* Namespace inode numbers (as in readlink /proc/PID/ns/NAME); 0 unknown.
 * In pw_hdr.ns the task's own (/proc/PID/ns/pid and time); in
 * pw_namespace.ns, pid and time are pid_for_children and time_for_children.
 * The fields are in the order of PW_NS_TYPES. */
struct pw_ns_inodes {
	__u32 mnt;
	__u32 pid;
	__u32 net;
	__u32 user;		/* of the task's credentials */
	__u32 uts;
	__u32 ipc;
	__u32 cgroup;
	__u32 time;		/* 0 before 5.6 */
};

/* maps/proc_lineage value, keyed by exec_id (__u64): one image a process
 * ran, kept after the process exits (only the LRU evicts it), so that the
 * consumer can name an event's parent and ancestors after they are gone.
 * Written by the process module at every exec (filtered or not) and by the
 * snapshot at load (PW_LINEAGE_SNAPSHOT: a process already running then,
 * exec_id derived from its start time, see pinned-layout.md). */
#define PW_LINEAGE_ARGS_MAX	128

#define PW_LINEAGE_SNAPSHOT		1u	/* from the snapshot at load */
#define PW_LINEAGE_ARGS_TRUNCATED	2u	/* argv was longer than args */

struct pw_lineage {
	__u64 parent_exec_id;	/* 0: unknown */
	__u64 exec_ns;		/* CLOCK_MONOTONIC time of the exec; snapshot: of the fork */
	__u64 cgroup_id;	/* cgroup v2 id at the exec */
	__u32 pid;		/* tgid */
	__u32 ppid;
	__u32 uid;
	__u32 args_len;		/* bytes used in args: NUL-separated argv */
	__u32 flags;		/* PW_LINEAGE_* */
	__u32 pad;
	char binary[PW_PATH_MAX];	/* the executed file's resolved path (pw_exec.exe_path);
					 * snapshot: the executable's path */
	char args[PW_LINEAGE_ARGS_MAX];
};

/* Common header of every ring buffer record. */
struct pw_hdr {
	__u8 type;		/* enum pw_event_type (every id is below 256) */
	__u8 rule_hi;		/* alerts: bits 8.. of rule's slot + 1 (pw_hdr_rule());
				 * this byte was type's high byte, always 0 (see rule) */
	__u16 module;		/* enum pw_module */
	__u32 size;		/* bytes in this record, header included */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u16 cpu;
	__u8 rule;		/* bits 0-7 of the slot + 1 of the rule this event is an
				 * alert of (maps/rules; see struct pw_rule): slot + 1 is
				 * rule | rule_hi << 8 (pw_hdr_rule()), 0 when not an alert.
				 * A consumer that reads type as a u16 sees an alert of
				 * slot 255 or above as type >= 256 (malformed, counted),
				 * never under another rule's name */
	__u8 sample_log2;	/* 0, or n: sent as 1 of 2^n events of its type
				 * (shedding): JSON/text sample_rate */
	__u64 cgroup_id;	/* cgroup v2 id */
	__u64 exec_id;		/* 0 when the process exec'd before pinwatch loaded */
	__u64 parent_exec_id;
	char comm[PW_COMM_LEN];
	struct pw_ns_inodes ns;	/* the task's namespaces; 0: unknown (an exiting task's) */
};

/* exec context: pw_exec.exe_flags, bits of the new image's file.
 * X(UP, name, bit) */
#define PW_EXE_FLAGS(X)			\
	X(MEMFD, memfd, 0)		\
	X(DELETED, deleted, 1)		\
	X(UPPER, upper, 2)		\
	X(SECUREEXEC, secureexec, 3)	\
	X(DROPPED, dropped, 4)

#define PW_X(up, low, bit) PW_EXE_##up = 1u << (bit),
enum pw_exe_flag { PW_EXE_FLAGS(PW_X) };
#undef PW_X

/* exe_flags "dropped": the image was opened to be created or truncated
 * for writing, with no x bit (it was made executable since), less than
 * PW_DROP_WINDOW_NS before the exec, and its mtime
 * was not set back since (bpf/drop.bpf.h). maps/drop_files, keyed by
 * struct pw_block_key (the file's dev and ino), holds the last such open
 * of up to PW_DROP_ENTRIES files (LRU). */
#define PW_DROP_WINDOW_NS	60000000000ull	/* 60 s */
#define PW_DROP_ENTRIES		2048

struct pw_drop {
	__u64 open_ns;		/* CLOCK_MONOTONIC time of the open */
	__s64 mtime_sec;	/* the inode's mtime (seconds) at the open's exit */
	__u32 gen;		/* the inode's i_generation: an inode number freed
				 * and given to a new file (within the window, as
				 * ext4 does) is another file */
	__u32 pad;
};

/* exec context: pw_stdio.kind, what fd 0, 1 or 2 is at exec. X(UP, name, id)
 * INET is for the rules alone (--stdio inet: a socket of AF_INET or
 * AF_INET6, a network peer, not the AF_UNIX socket journald gives a
 * service's stdout); an event reports such an fd as socket, with family. */
#define PW_STDIO_KINDS(X)		\
	X(NONE, none, 0)		\
	X(TTY, tty, 1)			\
	X(PIPE, pipe, 2)		\
	X(SOCKET, socket, 3)		\
	X(FILE, file, 4)		\
	X(DEVNULL, null, 5)		\
	X(INET, inet, 6)

#define PW_X(up, low, id) PW_STDIO_##up = id,
enum pw_stdio_kind { PW_STDIO_KINDS(PW_X) };
#undef PW_X

#define PW_STDIO_FDS		3	/* fds 0, 1, 2 */
/* The environment variables reported at exec: process/exec_env holds up to
 * PW_EXEC_ENV_NAMES names of at most PW_EXEC_ENV_NAME_MAX - 1 bytes; their
 * NAME=value strings go to pw_exec.env, PW_EXEC_ENV_MAX bytes in all. */
#define PW_EXEC_ENV_NAMES	8
#define PW_EXEC_ENV_NAME_MAX	32
#define PW_EXEC_ENV_MAX		512
/* The defaults the loader writes into process/exec_env. */
#define PW_EXEC_ENV_DEFAULT	{ "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT" }

/* process/exec_env value (key __u32 0): the names, "" for an unused slot. */
struct pw_exec_env {
	char names[PW_EXEC_ENV_NAMES][PW_EXEC_ENV_NAME_MAX];
};

/* One of fds 0-2 at exec. family, port and addr for a socket only: addr
 * (16 bytes, IPv4 v4-mapped) and port are the peer's, for AF_INET and
 * AF_INET6 sockets that have one (port != 0). */
struct pw_stdio {
	__u8 kind;		/* enum pw_stdio_kind */
	__u8 pad;
	__u16 family;		/* AF_* of a socket, else 0 */
	__u16 port;		/* peer port, host order; 0: no peer */
	__u16 pad2;
	__u8 addr[16];		/* peer address */
};

/* The identity of one version of a file: which inode (dev, ino) and its
 * size, change and modification times when it was read, from the inode
 * itself. dev is the superblock's s_dev (major << PW_DEV_MINOR_BITS |
 * minor), as in pw_block_key. ino 0: not known. The consumer keys its hash
 * cache by all of it and hashes a file only when fstat(2) agrees
 * (pinned-layout.md, "exec: sha256"). */
struct pw_file_id {
	__u64 dev;
	__u64 ino;
	__u64 size;
	__s64 ctime_sec;
	__s64 mtime_sec;
	__u32 ctime_nsec;
	__u32 mtime_nsec;
};

struct pw_exec {
	struct pw_hdr h;
	__u32 args_len;		/* bytes used in args: NUL-separated argv */
	__u32 args_truncated;	/* argv was longer than PW_ARGS_MAX */
	char filename[PW_PATH_MAX];
	/* exec context */
	__u32 exe_flags;	/* PW_EXE_* bits */
	__u32 env_len;		/* bytes used in env: NUL-separated NAME=value */
	__u32 env_truncated;	/* a value was cut or the scan stopped early */
	__u32 pad;
	struct pw_file_id exe;	/* the new image's file (mm->exe_file) at exec */
	struct pw_stdio stdio[PW_STDIO_FDS];
	char cwd[PW_PATH_MAX];	/* the working directory at exec */
	char env[PW_EXEC_ENV_MAX];
	char exe_path[PW_PATH_MAX];	/* the executed file's path from the task's root,
					 * as the kernel resolved it (proc_cache's binary);
					 * '?' first: not a path from the root */
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

/* ---- process: enforcement (blocklist, enforce events) ---- */

/* maps/blocklist key: a binary by the identity of its file, so that a
 * symlink, a hard link or a rename cannot dodge a block. dev is the
 * kernel's encoding of the file system's device, the superblock's s_dev
 * (major << 20 | minor, as /proc/self/mountinfo shows it), not stat(2)'s
 * st_dev: the two differ in encoding, and on btrfs subvolumes in value. */
struct pw_block_key {
	__u64 dev;
	__u64 ino;
};

/* The kernel's dev_t: major << PW_DEV_MINOR_BITS | minor (MINORBITS). */
#define PW_DEV_MINOR_BITS	20
#define PW_DEV_MAJOR(dev)	((__u32)((dev) >> PW_DEV_MINOR_BITS))
#define PW_DEV_MINOR(dev)	((__u32)((dev) & ((1u << PW_DEV_MINOR_BITS) - 1)))

/* What a blocklist entry does (field "mode"); X(up, low, id). */
#define PW_BLOCK_MODES(X)		\
	X(KILL, kill, 1)		\
	X(AUDIT, audit, 2)

enum pw_block_mode {
#define PW_X(up, low, id) PW_BLOCK_##up = id,
	PW_BLOCK_MODES(PW_X)
#undef PW_X
};

/* maps/blocklist value. Written by `pinwatch block` only. */
struct pw_block {
	__u32 mode;		/* enum pw_block_mode */
	__u32 pad;
	char path[PW_PATH_MAX];	/* the path given to `block add`, resolved: for reports */
};

/* What was done to a blocked exec (field "action"); X(up, low, id). */
#define PW_ENFORCE_ACTIONS(X)		\
	X(KILLED, killed, 1)		\
	X(DENIED, denied, 2)		\
	X(AUDIT, audit, 3)

enum pw_enforce_action {
#define PW_X(up, low, id) PW_ENFORCE_##up = id,
	PW_ENFORCE_ACTIONS(PW_X)
#undef PW_X
};

/* How the blocked file was caught (field "via"); X(up, low, id). exec: it
 * was the exec'd image; mmap: a process mapped it executable
 * (mmap(PROT_EXEC) of its fd, as the dynamic loader does for
 * `ld.so BLOCKED`). 0 is exec: the field was padding before. */
#define PW_ENFORCE_VIAS(X)		\
	X(EXEC, exec, 0)		\
	X(MMAP, mmap, 1)

enum pw_enforce_via {
#define PW_X(up, low, id) PW_ENFORCE_VIA_##up = id,
	PW_ENFORCE_VIAS(PW_X)
#undef PW_X
};

/* An exec of a blocked binary: killed with SIGKILL at sched_process_exec
 * (tp variant), refused with EPERM at bprm_check_security (lsm variant;
 * the header is then the caller's, whose image stays), or only reported
 * (audit mode). via mmap: the process mapped the blocked file executable
 * (killed at sys_enter_mmap, or reported); filename is then the image the
 * process runs (the dynamic loader, for `ld.so BLOCKED`). */
struct pw_enforce {
	struct pw_hdr h;
	__u64 dev;		/* kernel encoding, see struct pw_block_key */
	__u64 ino;
	__u32 action;		/* enum pw_enforce_action */
	__u32 mode;		/* enum pw_block_mode of the entry */
	__s32 error;		/* 0, or -errno when the kill could not be sent */
	__u32 via;		/* enum pw_enforce_via */
	char path[PW_PATH_MAX];		/* as blocked: the blocklist entry's path */
	char filename[PW_PATH_MAX];	/* as exec'd (via mmap: the running image) */
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

/* Which syscall a file event came from (field "syscall"); X(UP, name, id). */
#define PW_FILE_SYSCALLS(X)		\
	X(OPEN, open, 1)		\
	X(OPENAT, openat, 2)		\
	X(OPENAT2, openat2, 3)		\
	X(UNLINK, unlink, 4)		\
	X(UNLINKAT, unlinkat, 5)	\
	X(RENAME, rename, 6)		\
	X(RENAMEAT, renameat, 7)	\
	X(RENAMEAT2, renameat2, 8)

enum pw_file_syscall {
#define PW_X(up, low, id) PW_FILE_SYS_##up = id,
	PW_FILE_SYSCALLS(PW_X)
#undef PW_X
};

/* open, unlink and rename events. Paths are as the process passed them
 * (a relative path is relative to dfd, or to the working directory when
 * dfd is AT_FDCWD = -100), read at syscall exit, cut to PW_PATH_MAX - 1
 * bytes. open and unlink records end right after the NUL of path (at most
 * offsetof(new_path)); rename records are sent whole. */
struct pw_file {
	struct pw_hdr h;
	__s64 ret;		/* raw return value: fd or 0, or -errno */
	__u64 flags;		/* open: O_* (openat2: how.flags); unlinkat: AT_REMOVEDIR;
				 * renameat2: RENAME_*; 0 where the syscall has none */
	__u32 mode;		/* open: creation mode as passed (openat2: how.mode) */
	__u16 syscall;		/* enum pw_file_syscall */
	__u16 pad;
	__s32 dfd;		/* *at: directory fd of path; AT_FDCWD otherwise */
	__s32 new_dfd;		/* renameat*: directory fd of new_path; AT_FDCWD otherwise */
	char path[PW_PATH_MAX];
	char new_path[PW_PATH_MAX];	/* rename only */
};

/* memfd_create (event "memfd"): an anonymous memory file, the usual first
 * step of running a program that never touches a file system. name is as
 * the process passed it (the kernel caps it at 249 bytes), read at syscall
 * exit. */
#define PW_MEMFD_NAME_MAX	256
struct pw_memfd {
	struct pw_hdr h;
	__s64 ret;		/* the new fd, or -errno */
	__u32 flags;		/* MFD_* as passed */
	__u32 pad;
	char name[PW_MEMFD_NAME_MAX];
};

/*
 * File I/O accounting (filetop, vfsstat): every vfs_read()/vfs_write()
 * counted per process and file, where the kernel lets a program attach to
 * those functions (hooks vfs_rd and vfs_wr: fexit, else kprobe). No events:
 * two maps of the file module, read by `pinwatch filetop` and `vfsstat`.
 * With fexit, bytes are those transferred (the return value); with the
 * kprobe fallback, those asked for (the count argument), as libbpf-tools'
 * filetop counts them.
 */
#define PW_FILE_IO_MAX		2048	/* file/io_files entries (LRU) */
#define PW_FILE_IO_NAME_LEN	64

enum pw_io_dir { PW_IO_READ = 0, PW_IO_WRITE = 1, PW_IO_DIRS };

/* file/io_files key: a process and a file (superblock device as the
 * kernel encodes it, major << 20 | minor, and inode number). */
struct pw_file_io_key {
	__u32 tgid;
	__u32 dev;
	__u64 ino;
};

struct pw_file_io {
	__u64 reads;
	__u64 writes;
	__u64 read_bytes;
	__u64 write_bytes;
	__u32 mode;		/* the inode's i_mode: its S_IFMT bits give the type */
	__u32 pad;
	char comm[PW_COMM_LEN];	/* of the process when it first did I/O on the file */
	char name[PW_FILE_IO_NAME_LEN];	/* the dentry's name: the last path component */
};

/* file/io_totals value, per CPU, key enum pw_io_dir. */
struct pw_io_total {
	__u64 calls;
	__u64 bytes;
};

/* ---- net events ---- */

#define PW_UNIX_PATH_MAX	108	/* sizeof(((struct sockaddr_un *)0)->sun_path) */

/* The few UAPI values both sides need (vmlinux.h has no macros). */
#define PW_AF_UNSPEC		0
#define PW_AF_UNIX		1
#define PW_AF_INET		2
#define PW_AF_INET6		10
#define PW_TCP_ESTABLISHED	1	/* include/net/tcp_states.h */
#define PW_TCP_SYN_SENT		2
#define PW_TCP_SYN_RECV		3
#define PW_TCP_CLOSE		7
#define PW_TCP_LISTEN		10

/* pw_net_tuple.flags */
#define PW_NET_HAS_SADDR	1	/* saddr/sport are known */
#define PW_NET_HAS_DADDR	2	/* daddr/dport are known (there is a peer) */

/* Local (s) and remote (d) endpoint. Addresses are 16 bytes in network
 * order whatever the family: IPv6 as it is, IPv4 as the v4-mapped IPv6
 * address ::ffff:a.b.c.d, so one format (and one CIDR trie) serves both.
 * Ports are in host order. */
struct pw_net_tuple {
	__u16 family;		/* AF_* of the socket or sockaddr */
	__u16 sport;
	__u16 dport;
	__u16 flags;		/* PW_NET_HAS_* */
	__u8 saddr[16];
	__u8 daddr[16];
};

/* pw_sock_call.opts: socket options in force at bind/listen (bindsnoop) */
#define PW_SOCK_OPT_REUSEADDR		1
#define PW_SOCK_OPT_REUSEPORT		2
#define PW_SOCK_OPT_FREEBIND		4
#define PW_SOCK_OPT_TRANSPARENT		8
#define PW_SOCK_OPT_BIND_ADDR_NO_PORT	16

/* connect, accept (and accept4), bind, listen: one syscall each. Records
 * are sent cut to offsetof(path) + path_len bytes. */
struct pw_sock_call {
	struct pw_hdr h;
	__s64 ret;		/* raw return value: 0 / new fd, or -errno */
	struct pw_net_tuple t;
	__s32 fd;		/* the socket the call was made on (accept: the listener) */
	__s32 backlog;		/* listen: the backlog argument */
	__u16 sock_type;	/* SOCK_STREAM, SOCK_DGRAM, ...; 0 when unknown */
	__u16 protocol;		/* IPPROTO_* of the socket; 0 when unknown */
	__u32 bound_if;		/* ifindex the socket is bound to (SO_BINDTODEVICE), 0 none */
	__u32 opts;		/* PW_SOCK_OPT_* (bind and listen) */
	__u32 path_len;		/* AF_UNIX: bytes used in path; path[0] == 0: abstract name */
	char path[PW_UNIX_PATH_MAX];	/* AF_UNIX sun_path: only path_len bytes are sent */
};

/* pw_tcp_state.pid_source / pw_tcp_retransmit.pid_source: whose identity
 * the header carries */
#define PW_NET_PID_CURRENT	0	/* the task on the CPU (may be unrelated in softirq) */
#define PW_NET_PID_SOCKET	1	/* the process that owned the socket (connect, listen, accept) */

/* TCP state change (sock/inet_sock_set_state, TCP only). */
struct pw_tcp_state {
	struct pw_hdr h;
	struct pw_net_tuple t;
	__u8 old_state;		/* TCP_ESTABLISHED (1) .. TCP_NEW_SYN_RECV (12), ... */
	__u8 new_state;
	__u8 pid_source;	/* PW_NET_PID_* */
	__u8 pad[5];
	__u64 latency_ns;	/* SYN_SENT -> ESTABLISHED: the connect latency; else 0 */
	__u64 duration_ns;	/* -> CLOSE: socket lifetime (first state change seen); else 0 */
	__u64 old_state_ns;	/* time spent in old_state; 0 when unknown */
	__u64 bytes_sent;	/* -> CLOSE: tcp_sock.bytes_acked; else 0 */
	__u64 bytes_received;	/* -> CLOSE: tcp_sock.bytes_received; else 0 */
};

/* TCP retransmission (tcp/tcp_retransmit_skb). */
struct pw_tcp_retransmit {
	struct pw_hdr h;
	struct pw_net_tuple t;
	__u8 state;		/* TCP state of the socket */
	__u8 pid_source;	/* PW_NET_PID_* */
	__u8 pad[6];
};

/* ---- signal events ---- */

/* Where a signal event comes from (field "source"); X(UP, name, id). */
#define PW_SIGNAL_SOURCES(X)		\
	X(KILL, kill, 1)		\
	X(TKILL, tkill, 2)		\
	X(TGKILL, tgkill, 3)		\
	X(GENERATE, generate, 4)

enum pw_signal_source {
#define PW_X(up, low, id) PW_SIG_SRC_##up = id,
	PW_SIGNAL_SOURCES(PW_X)
#undef PW_X
};

/* A kill/tkill/tgkill syscall (killsnoop), or the kernel generating a
 * signal for a task (signal/signal_generate: every signal, the ones the
 * kernel sends itself, e.g. SIGCHLD, SIGSEGV, included). The header
 * describes the sender: the task that made the call or caused the signal. */
struct pw_signal {
	struct pw_hdr h;
	__s64 ret;		/* syscalls: raw return value; generate: 0 */
	__s32 sig;
	__s32 target_pid;	/* kill: the pid argument as given (0, -1 and -pgid
				 * too); tkill: the tid; tgkill: the tgid;
				 * generate: the target's tgid */
	__s32 target_tid;	/* tkill, tgkill: the tid; generate: the target
				 * thread; kill: 0 */
	__u32 source;		/* enum pw_signal_source */
	__s32 result;		/* generate: TRACE_SIGNAL_* (0 delivered, 1 ignored,
				 * 2 already pending, 3 overflow fail, 4 lose info) */
	__s32 code;		/* generate: si_code (0 SI_USER, 0x80 SI_KERNEL, ...) */
	__u32 sender_pid;	/* tgid of the sender (= h.pid) */
	__u32 group;		/* generate: 1 when sent to the whole thread group */
	char target_comm[PW_COMM_LEN];	/* generate: the target thread's comm */
};

/* ---- mount events ---- */

/* Which syscall a mount event came from (field "syscall"); X(UP, name, id). */
#define PW_MOUNT_SYSCALLS(X)		\
	X(MOUNT, mount, 1)		\
	X(UMOUNT2, umount2, 2)		\
	X(FSMOUNT, fsmount, 3)		\
	X(MOVE_MOUNT, move_mount, 4)

enum pw_mount_syscall {
#define PW_X(up, low, id) PW_MOUNT_SYS_##up = id,
	PW_MOUNT_SYSCALLS(PW_X)
#undef PW_X
};

#define PW_FSTYPE_LEN	32

/* mount (event "mount": mount, fsmount, move_mount) and umount2 (event
 * "umount"). Strings are as the process passed them, read at syscall exit;
 * what a syscall does not carry is "" or 0. */
struct pw_mount {
	struct pw_hdr h;
	__s64 ret;		/* raw return value (fsmount: the mount fd), or -errno */
	__u64 flags;		/* mount: MS_*; umount2: MNT_*, UMOUNT_NOFOLLOW;
				 * fsmount: FSMOUNT_*; move_mount: MOVE_MOUNT_* */
	__u32 syscall;		/* enum pw_mount_syscall */
	__u32 attr_flags;	/* fsmount: MOUNT_ATTR_* */
	__s32 from_fd;		/* fsmount: fs_fd; move_mount: from_dfd */
	__s32 to_fd;		/* move_mount: to_dfd */
	char fstype[PW_FSTYPE_LEN];	/* mount */
	char source[PW_PATH_MAX];	/* mount: dev_name; move_mount: from_pathname */
	char target[PW_PATH_MAX];	/* mount: dir_name; umount2: name;
					 * move_mount: to_pathname */
	char data[PW_PATH_MAX];		/* mount: the options string, as passed */
};

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

/* oom_kill_process() was called (hook kill: fentry, else kprobe, where the
 * kernel has them): the OOM killer's decision, before the victim is
 * marked. The header is the task that ran the OOM killer. */
#define PW_OOM_MESSAGE_LEN 48
struct pw_oom_kill {
	struct pw_hdr h;
	__u32 victim_pid;	/* oc->chosen's tgid */
	__u32 constraint;	/* enum oom_constraint: 0 none, 1 cpuset,
				 * 2 memory_policy, 3 memcg */
	__u64 total_pages;	/* oc->totalpages: the memory the victim was
				 * chosen in (the memcg limit for a memcg OOM) */
	__s64 points;		/* oc->chosen_points: the victim's badness */
	__s32 order;		/* oc->order of the failed allocation; -1: sysrq */
	__u32 pad;
	char victim_comm[PW_COMM_LEN];
	char message[PW_OOM_MESSAGE_LEN];	/* "Out of memory", "Memory cgroup out of memory", ... */
};

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

/* pw_block_slow.op and pw_block_lat_key.op: REQ_OP_* values differ between
 * kernels (the zone ops moved in 6.x), so the BPF side maps them to these.
 * Their names are what events and `pinwatch hist block -F` print
 * (`pinwatch-load abi`: block_ops). X(UP, name, id) */
#define PW_BLOCK_OPS(X)					\
	X(READ, read, 0)				\
	X(WRITE, write, 1)				\
	X(FLUSH, flush, 2)				\
	X(DISCARD, discard, 3)				\
	X(SECURE_ERASE, secure_erase, 4)		\
	X(WRITE_ZEROES, write_zeroes, 5)		\
	X(ZONE_APPEND, zone_append, 6)			\
	X(ZONE_OPEN, zone_open, 7)			\
	X(ZONE_CLOSE, zone_close, 8)			\
	X(ZONE_FINISH, zone_finish, 9)			\
	X(ZONE_RESET, zone_reset, 10)			\
	X(ZONE_RESET_ALL, zone_reset_all, 11)		\
	X(DRV_IN, drv_in, 12)				\
	X(DRV_OUT, drv_out, 13)				\
	X(OTHER, other, 255)

enum pw_block_op {
#define PW_X(up, low, id) PW_BLOCK_OP_##up = id,
	PW_BLOCK_OPS(PW_X)
#undef PW_X
};

/* block/lat_op_ns key (value struct pw_hist: log2 of completion latency in
 * ns): one histogram per disk, operation and starting point. queued 0:
 * from issue to the driver (as hist_latency_ns); 1: from the insert into
 * the I/O scheduler's queue, the queue time included (biolatency -Q; a
 * request issued without queueing counts from its issue). */
struct pw_block_lat_key {
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 op;		/* enum pw_block_op */
	__u32 queued;		/* 0 or 1 */
	__u32 pad;
};

/* block/stacks: a stack-trace map of kernel stacks, PW_BLOCK_STACK_DEPTH
 * frames each; block/slow_stacks: key struct pw_block_stack_key, value __u64
 * the slow requests (config.block_slow_ns) queued from that stack by a task
 * of that name (biostacks; `pinwatch hist block --stacks`). */
#define PW_BLOCK_STACKS		1024	/* distinct stacks kept */
/* frames per stack, innermost first: a direct write from user space to the
 * driver is about 40 deep on 6.1 and 6.18; a deeper one keeps its inner 64
 * (at 127, PERF_MAX_STACK_DEPTH, the map alone locked 4 MiB) */
#define PW_BLOCK_STACK_DEPTH	64
struct pw_block_stack_key {
	char comm[PW_COMM_LEN];	/* the task that queued (or issued) the request */
	__s32 stack_id;		/* in block/stacks; < 0: none taken (-EFAULT, -ENOMEM, ...) */
	__u32 pad;
};

/* block/size_comm_bytes key (value struct pw_hist: log2 of request bytes):
 * the name of the process that queued (or issued) the request, bitesize. */
struct pw_block_comm_key {
	char comm[PW_COMM_LEN];
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

/* ---- cred events ---- */

/* Which syscall a cred event came from (field "syscall"); X(UP, name, id). */
#define PW_CRED_SYSCALLS(X)		\
	X(SETUID, setuid, 1)		\
	X(SETGID, setgid, 2)		\
	X(SETREUID, setreuid, 3)	\
	X(SETREGID, setregid, 4)	\
	X(SETRESUID, setresuid, 5)	\
	X(SETRESGID, setresgid, 6)	\
	X(SETFSUID, setfsuid, 7)	\
	X(SETFSGID, setfsgid, 8)	\
	X(SETGROUPS, setgroups, 9)	\
	X(CAPSET, capset, 10)		\
	X(EXECVE, execve, 11)

enum pw_cred_syscall {
#define PW_X(up, low, id) PW_CRED_SYS_##up = id,
	PW_CRED_SYSCALLS(PW_X)
#undef PW_X
};

/* The ids of one credential (struct cred), as the kernel keeps them: in
 * the initial user namespace, like the header's uid and gid. */
struct pw_cred_ids {
	__u32 uid;
	__u32 euid;
	__u32 suid;
	__u32 fsuid;
	__u32 gid;
	__u32 egid;
	__u32 sgid;
	__u32 fsgid;
};

#define PW_CRED_GROUPS_MAX 8

/* A credential syscall (every call, failed ones included), with the
 * task's credentials (current->cred) read at its entry (old) and at its
 * exit (new). The header is read at exit: its uid and gid are the new
 * ones. syscall execve (hook commit, where the kernel lets a program attach
 * to commit_creds()): an exec that changed the credentials (a setuid or
 * setgid binary, file capabilities), seen as it installs them: the header
 * is still the caller's (old ids, old comm) and ret is 0. */
struct pw_cred {
	struct pw_hdr h;
	__s64 ret;		/* raw return value: 0 (setfsuid, setfsgid: the
				 * previous fsuid/fsgid), or -errno */
	__u32 syscall;		/* enum pw_cred_syscall */
	__u32 old_ngroups;	/* supplementary groups before */
	struct pw_cred_ids old_ids;
	struct pw_cred_ids new_ids;
	__u64 old_cap_effective;	/* bit n: capability n (CAP_CHOWN = 0, ...) */
	__u64 new_cap_effective;
	__u64 old_cap_permitted;
	__u64 new_cap_permitted;
	__u32 new_ngroups;	/* supplementary groups after */
	__u32 pad;
	__u32 groups[PW_CRED_GROUPS_MAX];	/* the first new_ngroups of them, after */
};

/* ---- ptrace events ---- */

/* Which syscall a ptrace event came from (field "syscall"); X(UP, name, id). */
#define PW_PTRACE_SYSCALLS(X)			\
	X(PTRACE, ptrace, 1)			\
	X(VM_READV, process_vm_readv, 2)	\
	X(VM_WRITEV, process_vm_writev, 3)

enum pw_ptrace_syscall {
#define PW_X(up, low, id) PW_PTRACE_SYS_##up = id,
	PW_PTRACE_SYSCALLS(PW_X)
#undef PW_X
};

/* pw_ptrace.target_source: where target_comm comes from */
#define PW_PTRACE_TARGET_NONE	0	/* not known: target_comm is "" */
#define PW_PTRACE_TARGET_TASK	1	/* the task with pid target_pid, at the syscall's exit */
#define PW_PTRACE_TARGET_PARENT	2	/* TRACEME: the caller's parent, its tracer */

/* ptrace(2) (request: the PTRACE_* number) and process_vm_readv/writev(2)
 * (request: 0, addr: the first remote iovec's base, bytes: the return
 * value), read at the syscall's exit. The header is the caller. */
struct pw_ptrace {
	struct pw_hdr h;
	__s64 ret;		/* raw return value, or -errno; process_vm_*: bytes copied */
	__u64 request;		/* ptrace: PTRACE_* as passed */
	__u64 addr;		/* ptrace: addr as passed; process_vm_*: rvec[0].iov_base */
	__u64 data;		/* ptrace: data as passed (POKE*: the word written);
				 * process_vm_*: riovcnt */
	__s32 target_pid;	/* ptrace: pid as passed (TRACEME: the parent's tgid);
				 * process_vm_*: pid as passed */
	__u32 syscall;		/* enum pw_ptrace_syscall */
	__u32 target_source;	/* PW_PTRACE_TARGET_* */
	__u32 pad;
	char target_comm[PW_COMM_LEN];
};

/* ---- attr events ---- */

/* Which syscall an attr event came from (field "syscall"); X(UP, name, id). */
#define PW_ATTR_SYSCALLS(X)			\
	X(CHMOD, chmod, 1)			\
	X(FCHMOD, fchmod, 2)			\
	X(FCHMODAT, fchmodat, 3)		\
	X(FCHMODAT2, fchmodat2, 4)		\
	X(CHOWN, chown, 5)			\
	X(FCHOWN, fchown, 6)			\
	X(LCHOWN, lchown, 7)			\
	X(FCHOWNAT, fchownat, 8)		\
	X(SETXATTR, setxattr, 9)		\
	X(LSETXATTR, lsetxattr, 10)		\
	X(FSETXATTR, fsetxattr, 11)		\
	X(REMOVEXATTR, removexattr, 12)		\
	X(LREMOVEXATTR, lremovexattr, 13)	\
	X(FREMOVEXATTR, fremovexattr, 14)	\
	X(SETXATTRAT, setxattrat, 15)		\
	X(REMOVEXATTRAT, removexattrat, 16)	\
	X(UTIME, utime, 17)			\
	X(UTIMES, utimes, 18)			\
	X(FUTIMESAT, futimesat, 19)		\
	X(UTIMENSAT, utimensat, 20)

enum pw_attr_syscall {
#define PW_X(up, low, id) PW_ATTR_SYS_##up = id,
	PW_ATTR_SYSCALLS(PW_X)
#undef PW_X
};

/* pw_attr.target: how the call names its file. */
#define PW_ATTR_BY_PATH		0	/* path, relative to fd when fd != AT_FDCWD */
#define PW_ATTR_BY_FD		1	/* the open file fd (f* calls, utimensat with a
					 * NULL path, *at calls with AT_EMPTY_PATH and "") */

/* pw_attr.op of xattr events (field "op"): set or remove. */
#define PW_XATTR_SET		1
#define PW_XATTR_REMOVE		2

/* pw_attr *_nsec for the special times of utimensat (UTIME_NOW and
 * UTIME_OMIT of linux/stat.h); utime/utimes/utimensat with no times at all
 * set both to "now". */
#define PW_UTIME_NOW		((1l << 30) - 1l)
#define PW_UTIME_OMIT		((1l << 30) - 2l)

/* pw_attr.unread: user memory that could not be read, at entry nor at exit
 * (a bad pointer: the call fails with EFAULT); the field is then "" or null. */
#define PW_ATTR_UNREAD_PATH	1u
#define PW_ATTR_UNREAD_NAME	2u
#define PW_ATTR_UNREAD_VALUE	4u
#define PW_ATTR_UNREAD_TIMES	8u

#define PW_XATTR_NAME_MAX	256	/* XATTR_NAME_MAX 255 and the NUL */
#define PW_XATTR_VALUE_MAX	24	/* sizeof(struct vfs_ns_cap_data) */

/* chmod, chown, xattr and utimes events. Strings and the times are read at
 * syscall entry (what the kernel acts on), and again at exit when the entry
 * read failed (a page not faulted in yet). Records are sent whole. */
struct pw_attr {
	struct pw_hdr h;
	__s64 ret;		/* raw return value: 0, or -errno */
	__u32 syscall;		/* enum pw_attr_syscall */
	__u32 target;		/* PW_ATTR_BY_PATH or PW_ATTR_BY_FD */
	__s32 fd;		/* by fd: the file; by path: the directory fd of a
				 * *at call, AT_FDCWD (-100) otherwise */
	__u32 flags;		/* AT_* of *at calls (fchmodat2, fchownat,
				 * utimensat, *xattrat); XATTR_CREATE/REPLACE of
				 * a set; 0 where the call has none */
	__u32 mode;		/* chmod: the mode passed (permission bits, setuid,
				 * setgid, sticky) */
	__u32 uid;		/* chown: the owner; (__u32)-1 leaves it unchanged */
	__u32 gid;		/* chown: the group; (__u32)-1 leaves it unchanged */
	__u32 op;		/* xattr: PW_XATTR_SET or PW_XATTR_REMOVE */
	__u32 value_len;	/* xattr set: the value's size as passed */
	__u32 value_read;	/* bytes of value[] read (security.capability only) */
	__u8 value[PW_XATTR_VALUE_MAX];	/* start of the value: vfs_cap_data */
	__s64 atime_sec;	/* utimes: the access time set */
	__s64 atime_nsec;	/* or PW_UTIME_NOW, PW_UTIME_OMIT */
	__s64 mtime_sec;	/* utimes: the modification time set */
	__s64 mtime_nsec;	/* or PW_UTIME_NOW, PW_UTIME_OMIT */
	__u32 unread;		/* PW_ATTR_UNREAD_*: what neither read could get */
	__u32 pad;
	char name[PW_XATTR_NAME_MAX];	/* xattr: the attribute's name */
	char path[PW_PATH_MAX];		/* by path: as passed, cut to PW_PATH_MAX - 1 */
};

/* ---- audit events ---- */

/* What an audit event records. X(up, low, id) */
#define PW_AUDIT_ACTIONS(X)			\
	X(OBJ_GET, obj_get, 1)			\
	X(OBJ_PIN, obj_pin, 2)			\
	X(MAP_UPDATE, map_update, 3)		\
	X(MAP_DELETE, map_delete, 4)		\
	X(LINK_DETACH, link_detach, 5)		\
	X(PROG_LOAD, prog_load, 6)		\
	X(UNLINK, unlink, 7)			\
	X(RENAME, rename, 8)			\
	X(MAP_UPDATE_BATCH, map_update_batch, 9)	\
	X(MAP_DELETE_BATCH, map_delete_batch, 10)	\
	X(MAP_LOOKUP_AND_DELETE, map_lookup_and_delete, 11)	\
	X(MAP_LOOKUP_AND_DELETE_BATCH, map_lookup_and_delete_batch, 12)	\
	X(MAP_FREEZE, map_freeze, 13)		\
	X(GET_FD_BY_ID, get_fd_by_id, 14)	\
	X(UMOUNT, umount, 15)

enum pw_audit_action {
#define PW_X(up, low, id) PW_AUDIT_##up = id,
	PW_AUDIT_ACTIONS(PW_X)
#undef PW_X
};

/* Where an audit event was taken (field "via"); X(up, low, id). entry: at
 * syscall entry, before the kernel acts; exit: at the syscall's exit, as
 * a read at entry failed (a page not yet faulted in) or the outcome is
 * needed (get_fd_by_id of a program or link); lsm: a BPF LSM hook, on the
 * kernel's own copy of the arguments; compat: a 32-bit compat syscall, at
 * the raw sys_enter tracepoint (config.audit_compat), read at entry only
 * (no syscall tracepoint fires at its exit); io_uring: a request submitted
 * through a ring (the io_uring_submit_req tracepoint, its kernel copy of
 * the path). */
#define PW_AUDIT_VIAS(X)	\
	X(ENTRY, entry, 0)	\
	X(EXIT, exit, 1)	\
	X(LSM, lsm, 2)		\
	X(COMPAT, compat, 3)	\
	X(IO_URING, io_uring, 4)

enum pw_audit_via {
#define PW_X(up, low, id) PW_AUDIT_VIA_##up = id,
	PW_AUDIT_VIAS(PW_X)
#undef PW_X
};

#define PW_AUDIT_BYTES 32

/* Written at syscall entry, before the kernel acts on the command, so a
 * command that detaches pinwatch still leaves its trace. */
struct pw_audit {
	struct pw_hdr h;
	__u32 action;		/* enum pw_audit_action */
	__u32 bpf_cmd;		/* bpf() command, for bpf() actions */
	__u32 object_id;	/* map, link or BTF id, when known */
	__u32 key_len;		/* bytes of key shown (map_update, map_delete,
				 * map_lookup_and_delete; the first key of a batch) */
	__u32 value_len;	/* bytes of value shown (map_update; the first value
				 * of map_update_batch) */
	__u32 via;		/* enum pw_audit_via */
	char object_name[16];	/* map or program name */
	__u8 key[PW_AUDIT_BYTES];
	__u8 value[PW_AUDIT_BYTES];
	char path[PW_PATH_MAX];
	char new_path[PW_PATH_MAX];	/* rename target */
};

/* ---- kmod events ---- */

/* Which syscall loaded a kernel module (field "syscall"); X(UP, name, id). */
#define PW_KMOD_SYSCALLS(X)		\
	X(INIT_MODULE, init_module, 1)	\
	X(FINIT_MODULE, finit_module, 2)

enum pw_kmod_syscall {
#define PW_X(up, low, id) PW_KMOD_SYS_##up = id,
	PW_KMOD_SYSCALLS(PW_X)
#undef PW_X
};

#define PW_KMOD_NAME_LEN	56	/* MODULE_NAME_LEN: 64 - sizeof(unsigned long) */

/* A kernel module loaded: init_module or finit_module, at its exit, with
 * the name and taints module:module_load gave during the call (empty name,
 * taints 0 when the load failed before it). */
struct pw_kmod_load {
	struct pw_hdr h;
	__s64 ret;		/* 0, or -errno */
	__u32 syscall;		/* enum pw_kmod_syscall */
	__u32 taints;		/* module:module_load taints (TAINT_* bits of the module) */
	__s32 fd;		/* finit_module: the file descriptor; -1 for init_module */
	__u32 flags;		/* finit_module: MODULE_INIT_* flags */
	char name[PW_KMOD_NAME_LEN];
	char path[PW_PATH_MAX];	/* finit_module: the file behind fd, from its dentries */
};

/* A kernel module freed (module:module_free), after delete_module or a
 * failed load. flags are delete_module's (O_NONBLOCK, O_TRUNC) when a
 * delete_module call of this thread is in flight, else 0. */
struct pw_kmod_unload {
	struct pw_hdr h;
	__u32 flags;
	__u32 pad;
	char name[PW_KMOD_NAME_LEN];
};

/* ---- bpf events ---- */

/* pinwatch's own executables (the build directory's pinwatch-* files),
 * by the identity of their file: a module's `pw_self_exe` load-time
 * constant, set by the loader; unused slots are { 0, 0 }. dev is the
 * superblock's s_dev (see struct pw_block_key). */
#define PW_SELF_EXE_MAX	12
struct pw_exe_id {
	__u64 dev;
	__u64 ino;
};

#define PW_BPF_NAME_LEN	16	/* BPF_OBJ_NAME_LEN */

/* A bpf() command of another process than pinwatch: MAP_CREATE,
 * PROG_LOAD, OBJ_PIN, OBJ_GET, BTF_LOAD or LINK_CREATE, at its exit; the
 * attributes as read at its entry. What a command does not carry is 0/"". */
struct pw_bpf {
	struct pw_hdr h;
	__s64 ret;		/* the new fd (0 for OBJ_PIN), or -errno */
	__u32 cmd;		/* enum bpf_cmd (linux/bpf.h) */
	__u32 prog_type;	/* PROG_LOAD: enum bpf_prog_type */
	__u32 insn_cnt;		/* PROG_LOAD */
	__u32 map_type;		/* MAP_CREATE: enum bpf_map_type */
	__u32 attach_type;	/* LINK_CREATE: enum bpf_attach_type */
	__u32 pad;
	char name[PW_BPF_NAME_LEN];	/* PROG_LOAD: prog_name; MAP_CREATE: map_name */
	char path[PW_PATH_MAX];	/* OBJ_PIN, OBJ_GET: the pathname as passed */
};

/* ---- uprobe and profile events ---- */

/* A probe's name: [a-z0-9_-], 1 to 31 bytes (`pinwatch uprobe add NAME`). */
#define PW_UPROBE_NAME_LEN	32
#define PW_UPROBE_NARGS		6
#define PW_UPROBE_SYMBOL_LEN	128
#define PW_UPROBE_LINE_MAX	256	/* readline: the line, cut */
#define PW_UPROBE_HOST_MAX	256	/* getaddrinfo: node, cut */
#define PW_UPROBE_SERVICE_MAX	32	/* getaddrinfo: service, cut */

/* What a probe's programs decode (`uprobe add --preset`); X(UP, name, id). */
#define PW_UPROBE_PRESETS(X)		\
	X(GENERIC, generic, 0)		\
	X(CONNECT, connect, 1)		\
	X(READLINE, readline, 2)	\
	X(GETADDRINFO, getaddrinfo, 3)

enum pw_uprobe_preset {
#define PW_X(up, low, id) PW_UPROBE_PRESET_##up = id,
	PW_UPROBE_PRESETS(PW_X)
#undef PW_X
};

/* pw_uprobe.flags, pw_uprobe_info.flags */
#define PW_UPROBE_F_RET		1	/* a uretprobe too: ret and latency_ns are set */

/* A generic probe hit: at the function's entry, or with --ret at its
 * return (the arguments are still those seen at entry). */
struct pw_uprobe {
	struct pw_hdr h;
	char probe[PW_UPROBE_NAME_LEN];
	__u64 args[PW_UPROBE_NARGS];	/* the first six integer/pointer arguments, raw
					 * (x86-64: rdi, rsi, rdx, rcx, r8, r9) */
	__s64 ret;		/* --ret: the return value (rax), raw */
	__u64 latency_ns;	/* --ret: entry to return */
	__u32 flags;		/* PW_UPROBE_F_* */
	__u32 pad;
};

/* libc connect(): the call as the net module reports the syscall
 * (call.h.type is PW_EV_UPROBE_CONNECT; call.ret is what connect()
 * returned: 0 or -1, errno is not read), sent whole. */
struct pw_uprobe_connect {
	struct pw_sock_call call;
	char probe[PW_UPROBE_NAME_LEN];
	__u64 latency_ns;
};

/* bash readline(): the line it returned (bashreadline). */
struct pw_uprobe_readline {
	struct pw_hdr h;
	char probe[PW_UPROBE_NAME_LEN];
	char line[PW_UPROBE_LINE_MAX];
};

/* libc getaddrinfo() (gethostlatency). */
struct pw_uprobe_getaddrinfo {
	struct pw_hdr h;
	char probe[PW_UPROBE_NAME_LEN];
	__s64 ret;		/* 0, or an EAI_* code (negative) */
	__u64 latency_ns;
	char host[PW_UPROBE_HOST_MAX];		/* node; "" when NULL */
	char service[PW_UPROBE_SERVICE_MAX];	/* "" when NULL */
};

/* uprobe/NAME/info, key 0: what the probe is. Written by the loader once,
 * then frozen. */
struct pw_uprobe_info {
	char name[PW_UPROBE_NAME_LEN];
	char binary[PW_PATH_MAX];	/* absolute path of the probed file */
	char symbol[PW_UPROBE_SYMBOL_LEN];
	__u64 offset;		/* file offset of the probed instruction */
	__u32 pid;		/* 0: every process */
	__u32 preset;		/* enum pw_uprobe_preset */
	__u32 flags;		/* PW_UPROBE_F_* */
	__u32 pad;
};

/* ---- tracepoint workbench events ---- */

/* `pinwatch tp watch` (bpf/tpwatch.bpf.c): any tracepoint as an event. It
 * is not a module: PW_MOD_TPWATCH (PW_TOOL_KEYS) is only its key in
 * maps/stats and the module of its event headers. */
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

/* ---- namespace events ---- */

/* Which syscall a namespace event came from (field "syscall"); X(UP, name, id). */
#define PW_NS_SYSCALLS(X)		\
	X(UNSHARE, unshare, 1)		\
	X(SETNS, setns, 2)		\
	X(CLONE, clone, 3)		\
	X(CLONE3, clone3, 4)

enum pw_ns_syscall {
#define PW_X(up, low, id) PW_NS_SYS_##up = id,
	PW_NS_SYSCALLS(PW_X)
#undef PW_X
};

/* The namespace types by their CLONE_NEW* bit (include/uapi/linux/sched.h;
 * the flag's name is "CLONE_NEW" #UP): the name is the type's name in
 * ns_type and its inode's field in struct pw_ns_inodes (in this order).
 * X(UP, name, bit) */
#define PW_NS_TYPES(X)			\
	X(NS, mnt, 0x00020000)		\
	X(PID, pid, 0x20000000)		\
	X(NET, net, 0x40000000)		\
	X(USER, user, 0x10000000)	\
	X(UTS, uts, 0x04000000)		\
	X(IPC, ipc, 0x08000000)		\
	X(CGROUP, cgroup, 0x02000000)	\
	X(TIME, time, 0x00000080)

enum pw_ns_type {
#define PW_X(up, low, bit) PW_CLONE_NEW##up = bit,
	PW_NS_TYPES(PW_X)
#undef PW_X
};

/* Every CLONE_NEW* bit. clone(2) keeps the exit signal in its low byte
 * (CSIGNAL), where CLONE_NEWTIME is for unshare, setns and clone3 only. */
#define PW_NS_OR(up, low, bit) | (bit)
#define PW_NS_ALL_FLAGS (0 PW_NS_TYPES(PW_NS_OR))
#define PW_NS_CLONE_FLAGS (PW_NS_ALL_FLAGS & ~0xffu)

/* pw_namespace.ns_of: whose namespaces the inodes are */
#define PW_NS_OF_CALLER	0	/* the calling task's, after the call */
#define PW_NS_OF_CHILD	1	/* clone, clone3: the new child's */

/* unshare, setns, and clone/clone3 with a CLONE_NEW* flag: a namespace
 * created or joined. Calls without a namespace flag (every plain fork,
 * unshare(CLONE_FILES)) are not namespace events; every setns is. */
struct pw_namespace {
	struct pw_hdr h;
	__s64 ret;		/* raw return value (clone: the child's pid), or -errno */
	__u32 syscall;		/* enum pw_ns_syscall */
	__u32 flags;		/* the call's CLONE_NEW* bits (setns: of nstype) */
	__u32 ns_type;		/* setns: the CLONE_NEW* bit of the namespace joined; 0 unknown */
	__u32 ns_inode;		/* setns: the inode of the namespace joined; 0 unknown */
	__u32 ns_of;		/* PW_NS_OF_*: whose namespaces ns holds */
	__u32 pad;
	struct pw_ns_inodes ns;	/* after the call */
};

/* ---- bench events ---- */

/* Written only by the benchmark's own program (tests/bench/bpf/bench_rb.bpf.c,
 * never loaded by pinwatch up, stats key PW_MOD_BENCH): one per getppid of
 * the bench process. */
struct pw_bench {
	struct pw_hdr h;
	__u64 seq;		/* 0, 1, 2, ... in the order of the calls */
};

/* ---- iouring events ---- */

/* What an io_uring event records (field "op"); X(UP, name, id). */
#define PW_IOURING_OPS(X)		\
	X(CREATE, create, 1)		\
	X(SUBMIT, submit, 2)		\
	X(REGISTER, register, 3)

enum pw_iouring_op {
#define PW_X(up, low, id) PW_IOURING_##up = id,
	PW_IOURING_OPS(PW_X)
#undef PW_X
};

/* io_uring_setup(2) made a ring (create), a request was taken from a
 * ring's submission queue (submit), or io_uring_register(2) was called
 * (register). The header is the ring's owner: the submitting thread, or
 * for a submit by the ring's SQPOLL kernel thread (a thread of the
 * owner since 5.12), the owner's pid with its main thread's comm; tid
 * stays the submitting thread. Fields that do not apply to op are 0. */
struct pw_io_uring {
	struct pw_hdr h;
	__u64 ring;		/* the ring's id: unique per boot, never a kernel address */
	__u32 op;		/* enum pw_iouring_op */
	__u32 opcode;		/* submit: IORING_OP_*; register: IORING_REGISTER_* */
	__u32 flags;		/* create: IORING_SETUP_* */
	__u32 sq_entries;	/* create */
	__u32 cq_entries;	/* create */
	__s32 fd;		/* create: the ring's fd */
	__s64 ret;		/* register: the return value */
	__u32 nr_files;		/* register: files registered with the ring after the call */
	__u32 nr_bufs;		/* register: buffers registered with the ring after the call */
	__u32 sq_thread;	/* submit: 1 when the ring's SQPOLL thread submitted */
	__u32 pad;
};

/* ---- rules (maps/rules and maps/rule_*; pinned-layout.md, "Rules") ---- */

#define PW_RULES_MAX		1024	/* slots of maps/rules */
#define PW_RULE_WORDS		16	/* u64 words of a rule mask: PW_RULES_MAX bits */
#define PW_RULE_INDEX_ENTRIES	4096	/* keys of rule_paths (every path-like kind) */
#define PW_RULE_KEYED_ENTRIES	2048	/* keys of rule_comms, rule_files, rule_cidrs: two per
					 * rule at PW_RULES_MAX (a 6.1 kernel locks their full
					 * size with 128-byte masks: tests/memory.bats) */
#define PW_RULE_VALUE_ENTRIES	2048	/* keys of rule_values (exact values of the ranges
					 * kinds; past it a rule's values stay unindexed) */
#define PW_RULE_THROTTLE_ENTRIES 1024	/* (rule, executable, cgroup) throttled at once (LRU,
					 * preallocated: 112 bytes each; evicted, a key
					 * starts a new window) */
#define PW_RULE_NAME_MAX	32	/* with the NUL */
#define PW_RULE_TAGS_MAX	64	/* comma-separated, with the NUL */
#define PW_RULE_SPEC_MAX	1024	/* the rule's `rule add` arguments, NUL-separated */
#define PW_RULE_RANGES		8	/* values or ranges of one ranges selector (uid, port, ...) */
#define PW_RULE_TYPES		256	/* event type ids a rule can name (rule_types keys) */
_Static_assert(PW_RULES_MAX < 65536, "pw_hdr.rule | rule_hi << 8 holds slot + 1");
_Static_assert(PW_RULE_WORDS * 64 == PW_RULES_MAX, "a mask has a bit per slot");

/* An event's rule: its slot + 1, 0 when it is not an alert (pw_hdr.rule and
 * .rule_hi); pw_hdr_set_rule() writes both. */
static inline __u32 pw_hdr_rule(const struct pw_hdr *h)
{
	return h->rule | (__u32)h->rule_hi << 8;
}

static inline void pw_hdr_set_rule(struct pw_hdr *h, __u32 slot1)
{
	h->rule = slot1 & 0xff;
	h->rule_hi = slot1 >> 8;
}

/* A set of rules: bit (slot % 64) of word (slot / 64). */
struct pw_rule_mask {
	__u64 w[PW_RULE_WORDS];
};

/* Selector kinds: bits of pw_rule.sels and .neg. X(UP, name, bit)
 * Three families, by where a rule keeps its values (loader/rule.c's
 * selector table says which option sets which kind, for which types):
 * - indexed (0 .. PW_RSEL_INDEXED - 1): in an index map (rule_comms,
 *   rule_files, rule_paths, rule_cidrs), one lookup per kind per event,
 *   the slots of pw_rule_index.dflt and .users;
 * - ranges (PW_RSEL_RANGE0 ..): pw_rule.ranges[kind - PW_RSEL_RANGE0],
 *   any of up to PW_RULE_RANGES inclusive ranges holds the event's value;
 * - bits (PW_RSEL_BITS0 ..): pw_rule.bits[kind - PW_RSEL_BITS0], the
 *   event's value shares a bit with it. */
#define PW_RULE_SELECTORS(X)		\
	X(COMM, comm, 0)		\
	X(BINARY, binary, 1)		\
	X(BINARY_PREFIX, binary_prefix, 2) \
	X(PATH, path, 3)		\
	X(CIDR, cidr, 4)		\
	X(PARENT, parent, 5)		\
	X(ANCESTOR, ancestor, 6)	\
	X(CONTAINER, container, 7)	\
	X(XATTR_NAME, xattr_name, 8)	\
	X(UID, uid, 9)			\
	X(EUID, euid, 10)		\
	X(PORT, port, 11)		\
	X(PTRACE_REQ, ptrace_req, 12)	\
	X(TO_UID, to_uid, 13)		\
	X(SYSCALL, syscall, 14)		\
	X(CGROUP, cgroup, 15)		\
	X(OPEN_FLAGS, open_flags, 16)	\
	X(STDIO, stdio, 17)		\
	X(EXE_FLAGS, exe_flags, 18)	\
	X(ENV, env, 19)			\
	X(CAP, cap, 20)			\
	X(NS_FLAGS, ns_flags, 21)	\
	X(BPF_CMD, bpf_cmd, 22)		\
	X(MODE, mode, 23)		\
	X(UTIME, utime, 24)

enum pw_rule_sel {
#define PW_X(up, low, bit) PW_RSEL_##up = bit,
	PW_RULE_SELECTORS(PW_X)
#undef PW_X
};
#define PW_RSEL_INDEXED	9	/* kinds 0 .. 8 have an index map */
#define PW_RSEL_RANGE0	9	/* kinds 9 .. 15: ranges */
#define PW_RSEL_NRANGES	7
#define PW_RSEL_BITS0	16	/* kinds 16 .. 24: bits */
#define PW_RSEL_NBITS	9
#define PW_RULE_HEAD_LOG2	11
#define PW_RULE_HEAD_BITS	(1 << PW_RULE_HEAD_LOG2)	/* pw_rule_index.path_heads */
#define PW_RSEL_NSCALAR	(PW_RSEL_NRANGES + PW_RSEL_NBITS)	/* ranges and bits kinds */
#define PW_RULE_BIT_KEYS	(PW_RSEL_NBITS * 64)	/* rule_bits: a mask per bit of each bits kind */
#define PW_RULE_ANCESTORS	8	/* --ancestor: the parent and its ancestors looked at */

/* --ptrace-req: process_vm_readv/writev as requests of their own (the
 * ptrace event's request is 0 for them) */
#define PW_RULE_PTRACE_VM_READV		0x10002
#define PW_RULE_PTRACE_VM_WRITEV	0x10003
/* --container: the first byte of a container key in rule_paths ("h" the
 * host, "c" + the id a container) */
#define PW_RULE_CTR_HOST	'h'
#define PW_RULE_CTR_ID		'c'

/* maps/rule_index, key 0: for each indexed kind, the rules that hold when
 * the event's value has no key in that kind's map (rules that do not use
 * the kind, and negated ones). */
struct pw_rule_index {
	struct pw_rule_mask dflt[PW_RSEL_INDEXED];
	struct pw_rule_mask users[PW_RSEL_INDEXED];	/* the rules that use the kind */
	__u32 modules;		/* bit (1 << module id): a rule names an event type of that
				 * module, whose events then reach the rules while it is off */
	__u32 words;		/* the mask words that hold rules: highest slot in use / 64
				 * + 1, 0 with no rule (was pad, 0); the matcher walks no
				 * word past it, so its cost follows the rules loaded, not
				 * PW_RULES_MAX */
	struct pw_rule_mask path_names;	/* the rules with a --path-name (a basename,
					 * PW_RULE_PATH_KIND_NAME keys of the PATH kind) */
	/* The scalar kinds' index (ranges and bits kinds, [kind - PW_RSEL_RANGE0]):
	 * a ranges kind's exact values are keys of maps/rule_values, a bits
	 * kind's bits keys of maps/rule_bits; scalar_dflt[k] holds the rules
	 * that do not use kind k, and those whose values of it are not all
	 * indexed (a range, a negation, more values than rule_values holds):
	 * what an event's value without a key lets through. */
	__u32 scalar_kinds;	/* bit (1 << PW_RSEL_*): some rule uses that ranges or bits kind */
	__u32 pad2;
	struct pw_rule_mask scalar_dflt[PW_RSEL_NSCALAR];
	struct pw_rule_mask scalar_users[PW_RSEL_NSCALAR];	/* the rules that use the kind */
	/* The path kind's keys by their first 4 bytes (pw_rule_head()): a
	 * path or a --path-name whose head has no bit here has no key in
	 * rule_paths, so the matcher skips its LPM lookup (the kind's default
	 * is what the lookup would give). head_short: bit 0 a path key, bit 1
	 * a name key, of fewer than 4 bytes (then every one is looked up). */
	__u32 head_short;
	__u32 pad3;
	__u64 path_heads[PW_RULE_HEAD_BITS / 64];
	__u64 name_heads[PW_RULE_HEAD_BITS / 64];
	/* The --path-name keys by their last 4 bytes before the NUL
	 * (pw_rule_head() too): a path whose last 4 bytes have no bit here
	 * ends in no --path-name, so the pre-check (pw_rule_in_for_paths())
	 * leaves out the rules whose path selector only a name could hold.
	 * head_short bit 2: a name of fewer than 4 bytes (every path's end
	 * may then be one). */
	__u64 name_tails[PW_RULE_HEAD_BITS / 64];
	/* The pre-check's finer heads of the path keys (--path,
	 * --path-prefix): pw_rule_head8() of the first 8 bytes of a key of
	 * 8 bytes or more (path_heads8), pw_rule_head() of the first 4 of a
	 * shorter one (path_heads47; under 4: head_short bit 0). path_heads
	 * alone lets "/dev/null" through for a "/dev/shm/" key. */
	__u64 path_heads8[PW_RULE_HEAD_BITS / 64];
	__u64 path_heads47[PW_RULE_HEAD_BITS / 64];
};

/* The bit of pw_rule_index.path_heads/name_heads of a key or a string
 * whose first 4 bytes are b (little-endian; a shorter string's bytes past
 * its NUL are whatever the buffer held: a key that short sets head_short). */
static inline __u32 pw_rule_head(__u32 b)
{
	return (b * 2654435761u) >> (32 - PW_RULE_HEAD_LOG2);
}

/* pw_rule_head() of the first 4 bytes at p: the matcher's string and the
 * control plane's key alike. */
static inline __u32 pw_rule_head_of(const char *p)
{
	return pw_rule_head((__u32)(__u8)p[0] | (__u32)(__u8)p[1] << 8 | (__u32)(__u8)p[2] << 16 |
			    (__u32)(__u8)p[3] << 24);
}

/* pw_rule_head() of the first 8 bytes at p (pw_rule_index.path_heads8). */
static inline __u32 pw_rule_head8_of(const char *p)
{
	__u32 lo = (__u32)(__u8)p[0] | (__u32)(__u8)p[1] << 8 | (__u32)(__u8)p[2] << 16 |
		   (__u32)(__u8)p[3] << 24;
	__u32 hi = (__u32)(__u8)p[4] | (__u32)(__u8)p[5] << 8 | (__u32)(__u8)p[6] << 16 |
		   (__u32)(__u8)p[7] << 24;

	return pw_rule_head(lo * 0x9e3779b1u + hi);
}

/* maps/rule_values key: a ranges kind (PW_RSEL_*) and one exact value a
 * rule names; its mask holds the rules that hold for that value (those
 * not using the kind, those naming the value or a range holding it, the
 * negated ones not naming it). */
struct pw_rule_value_key {
	__u32 kind;
	__u32 pad;
	__u64 value;
};

/* What a rule does (field "action"); X(UP, name, id) */
#define PW_RULE_ACTIONS(X)		\
	X(ALERT, alert, 1)		\
	X(DROP, drop, 2)		\
	X(KILL, kill, 3)		\
	X(DENY, deny, 4)

enum pw_rule_action {
#define PW_X(up, low, id) PW_RULE_##up = id,
	PW_RULE_ACTIONS(PW_X)
#undef PW_X
};

/* X(UP, name, id) */
#define PW_RULE_SEVERITIES(X)		\
	X(LOW, low, 1)			\
	X(MEDIUM, medium, 2)		\
	X(HIGH, high, 3)		\
	X(CRITICAL, critical, 4)

enum pw_rule_severity {
#define PW_X(up, low, id) PW_SEV_##up = id,
	PW_RULE_SEVERITIES(PW_X)
#undef PW_X
};

/* Open flags a rule can ask for (--open-flags), any of them. */
#define PW_RULE_OPEN_WRITE	1	/* O_WRONLY or O_RDWR */
#define PW_RULE_OPEN_CREATE	2	/* O_CREAT */
#define PW_RULE_OPEN_TRUNC	4	/* O_TRUNC */

/* --utime: how a utimes call sets the times (either of atime, mtime). */
#define PW_RULE_UTIME_EXPLICIT	1	/* to a given value (touch -d, -r, -t; cp -p) */
#define PW_RULE_UTIME_NOW	2	/* to the current time (touch; times NULL or UTIME_NOW) */

/* An inclusive range of a ranges selector. */
struct pw_rule_range {
	__u64 lo;
	__u64 hi;
};

/* maps/rules value, keyed by slot. Written by `pinwatch rule` only; the
 * indexed selectors' values live in the index maps, spec keeps them all. */
struct pw_rule {
	char name[PW_RULE_NAME_MAX];
	char tags[PW_RULE_TAGS_MAX];
	__u32 used;		/* 1: the slot holds a rule */
	__u32 sels;		/* bit (1 << PW_RSEL_*): the rule uses that selector */
	__u32 neg;		/* bit (1 << PW_RSEL_*): that selector is negated (!) */
	__u32 throttle_n;	/* 0: no throttle; else hits emitted per period */
	__u8 action;		/* enum pw_rule_action */
	__u8 severity;		/* enum pw_rule_severity */
	__u8 n_ranges[PW_RSEL_NRANGES];	/* ranges used in ranges[k] */
	__u8 pad[7];
	__u64 throttle_ns;	/* the period */
	__u64 bits[PW_RSEL_NBITS];	/* bits kinds: the bits asked for, any of them */
	struct pw_rule_range ranges[PW_RSEL_NRANGES][PW_RULE_RANGES];
	__u32 spec_len;		/* bytes used in spec */
	__u32 freed;		/* a free slot: when it was freed (a sequence number,
				 * 0 never used); the oldest free slot is used first, so an
				 * alert still in the ring is not read as a new rule's */
	char spec[PW_RULE_SPEC_MAX];
};

/* maps/rule_paths key: prefixlen in bits counts kind and the path bytes.
 * A prefix DIR is stored as "DIR/", an exact path as "PATH\0"; BPF looks a
 * path up as "PATH\0", so one lookup finds either. */
#define PW_RULE_PATH_KIND_PATH		1	/* --path, --path-prefix */
#define PW_RULE_PATH_KIND_BINARY	2	/* --binary-prefix */
#define PW_RULE_PATH_KIND_PARENT	3	/* --parent, --parent-prefix */
#define PW_RULE_PATH_KIND_ANCESTOR	4	/* --ancestor, --ancestor-prefix */
#define PW_RULE_PATH_KIND_CONTAINER	5	/* --container: "h", or "c" + id */
#define PW_RULE_PATH_KIND_XATTR		6	/* --xattr-name */
#define PW_RULE_PATH_KIND_NAME		7	/* --path-name: the path's last component */
#define PW_RULE_PATH_NAME_MAX		64	/* --path-name: a basename's bytes, with the NUL */
struct pw_rule_path_key {
	__u32 prefixlen;
	__u8 kind;
	char path[PW_PATH_MAX - 1];	/* an LPM key has at most 256 bytes of data */
};

/* maps/rule_stats value, per CPU, keyed by slot. Reset by `rule add`. */
struct pw_rule_stats {
	__u64 hits;		/* events the rule matched (suppressed ones too) */
	__u64 suppressed;	/* hits not emitted by --throttle */
};

/* maps/rule_throttle: one window per rule, executable and cgroup. */
struct pw_throttle_key {
	__u32 slot;
	__u32 pad;
	__u64 dev;		/* the executable's file (kernel dev encoding) */
	__u64 ino;
	__u64 cgroup_id;
};

struct pw_throttle {
	__u64 start_ns;		/* the window's start */
	__u32 hits;		/* hits in the window */
	__u32 pad;
};

/* Emitted at the first hit after a throttled window with held-back hits;
 * h.rule names the rule, the rest of the header is that hit's. */
struct pw_suppressed {
	struct pw_hdr h;
	__u32 count;		/* hits the window held back */
	__u32 pad;
	__u64 period_ns;	/* the rule's throttle period */
};

/* ---- deny (bpf/deny.bpf.c; pinned-layout.md, "deny/") ---- */

/* An operation a rule of action deny refused, where the kernel lets BPF
 * refuse it (BPF LSM hooks, or fmod_ret on the security_* functions): the
 * operation failed with -error. h.type is PW_EV_DENY, h.rule the rule's
 * slot + 1 (an alert); what was refused is act (the event type the rule
 * names: exec, open, unlink, connect) with the fields of that act; the
 * others are 0/"". The deny module's programs read the rule masks of
 * maps/rule_deny, never maps/rule_types, so no tracing module acts on a
 * deny rule. */
struct pw_deny {
	struct pw_hdr h;
	__u32 act;		/* enum pw_event_type: exec, open, unlink or connect */
	__s32 error;		/* the errno the operation failed with (EPERM) */
	char rule[PW_RULE_NAME_MAX];	/* the rule's name, as it was at the refusal */
	__u64 open_flags;	/* open: the file's O_* flags */
	struct pw_net_tuple t;	/* connect: family, daddr, dport */
	char path[PW_PATH_MAX];	/* exec: the filename as passed; open, unlink: the path
				 * from the task's root */
};

/* ---- consumer events ---- */

/* Written by the consumer (pinwatch-read), never by the kernel: shedding
 * started (state 1) or ended (state 0), from maps/shed and maps/stats as
 * read every PW_PRESSURE_POLL_MS. The header is the consumer's. */
#define PW_PRESSURE_POLL_MS	100
#define PW_PRESSURE_END_MS	1000	/* no shed event that long: ended */
#define PW_PRESSURE_TYPES	4	/* the busiest types named */
struct pw_pressure {
	struct pw_hdr h;
	__u32 state;		/* 1 start, 0 end */
	__u32 max_rate;		/* the largest sample_rate in use (start) */
	__u64 shed;		/* events shed since the start (end; start: so far) */
	__u64 sampled;		/* events sent with a sample_rate since the start */
	__u64 dropped;		/* kernel drops since the start, every module */
	__u64 duration_ns;	/* end: from the start event to this one (the last
				 * PW_PRESSURE_END_MS of it without shedding) */
	__u32 types[PW_PRESSURE_TYPES];	/* the types shed most, 0: none */
};

/* ---- the manifest (maps/manifest) and tamper events ---- */

/* What a manifest entry pins. X(UP, name, id) */
#define PW_PIN_KINDS(X)		\
	X(PROG, prog, 1)	\
	X(LINK, link, 2)

enum pw_pin_kind {
#define PW_X(up, low, id) PW_PIN_##up = id,
	PW_PIN_KINDS(PW_X)
#undef PW_X
};

#define PW_MANIFEST_ENTRIES	1024	/* pins of what is loaded: 297 with every module */
#define PW_MANIFEST_PATH_MAX	128

/* maps/manifest key: the pin's path relative to the pin root
 * ("process/prog_exec_filter"), zero-padded. */
struct pw_manifest_key {
	char path[PW_MANIFEST_PATH_MAX];
};

/* maps/manifest value: what `pinwatch up` pinned there. */
struct pw_manifest_entry {
	__u64 ino;		/* inode of the pin in the bpf filesystem */
	__u32 id;		/* program or link id */
	__u32 kind;		/* enum pw_pin_kind */
	__u32 prog_id;		/* a link's program id; 0 for a program */
	__u32 pad;
};

/* What the consumer's self-check found (field "what"). removed: the pin
 * is gone (the object it held may live on); replaced: another object (or
 * another pin: a new inode) is at the path, or a link runs another
 * program; detached: a link pin is gone and the link with it (its id no
 * longer exists: the hook runs no more). X(UP, name, id) */
#define PW_TAMPER_WHATS(X)		\
	X(REMOVED, removed, 1)		\
	X(REPLACED, replaced, 2)	\
	X(DETACHED, detached, 3)

enum pw_tamper_what {
#define PW_X(up, low, id) PW_TAMPER_##up = id,
	PW_TAMPER_WHATS(PW_X)
#undef PW_X
};

/* Written by pinwatch-read (not by BPF) when a manifest entry no longer
 * matches its pin; the header is the consumer's own (pid, comm, ...). */
struct pw_tamper {
	struct pw_hdr h;
	__u32 what;		/* enum pw_tamper_what */
	__u32 kind;		/* enum pw_pin_kind */
	__u32 expected_id;	/* the manifest's id */
	__u32 found_id;		/* the id at the pin now; 0: none */
	char pin[PW_MANIFEST_PATH_MAX];	/* relative to the pin root */
};

#endif /* PINWATCH_H */
