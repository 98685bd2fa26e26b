/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The maps every module shares. Each object carries the same definitions
 * with LIBBPF_PIN_BY_NAME; the loader sets the pin root to
 * /sys/fs/bpf/pinwatch/maps, so the first module to load creates them and
 * every later one reuses them by name. pinned-layout.md documents each.
 */
#ifndef PINWATCH_MAPS_BPF_H
#define PINWATCH_MAPS_BPF_H

#include "pinwatch.h"

#define PW_FILTER_ENTRIES	1024	/* each filter map; allocated as entries are added */
/* Defaults sized for what the maps hold (pinwatch up --map-size for more):
 * proc_cache one entry per running process (4096 processes; ps -e | wc -l
 * on a desktop or a node of 100 pods is well below), proc_lineage the
 * images they ran and their recent ancestors. */
#define PW_PROC_CACHE_ENTRIES	4096
#define PW_PROC_LINEAGE_ENTRIES	4096

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

/* Frozen by the loader when it creates it: only programs write the
 * counters, so nobody can rewrite the evidence of drops from user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_MOD_MAX);
	__type(key, __u32);
	__type(value, struct pw_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

/* The consumer's record (struct pw_consumer): no program touches it;
 * pinwatch-read mmaps it (BPF_F_MMAPABLE) and updates it as it writes, the
 * control plane reads it (pinwatch stats --prom). Shared like the others so
 * that it exists, zeroed, from the first load on. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_consumer);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} consumer SEC(".maps");

/* What `pinwatch up` pinned (struct pw_manifest_key -> pw_manifest_entry):
 * written by pinwatch-load after a module's pins are in place, entries
 * removed by down; no program touches it. pinwatch-read compares the pins
 * with it every --tamper-interval and reports a tamper event on a
 * difference. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_MANIFEST_ENTRIES);
	__type(key, struct pw_manifest_key);
	__type(value, struct pw_manifest_entry);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* the pins of what is loaded */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} manifest SEC(".maps");

/* Size set by the loader before the first load (--ringbuf-size). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, PW_DEFAULT_RINGBUF_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

/* maps/event_class: the class (enum pw_event_class) of each event type,
 * filled by the loader from PW_EVENT_CLASS_DEFAULTS when it creates it;
 * `pinwatch config set class.TYPE CLASS` changes an entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_EVENT_CLASS_TYPES);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} event_class SEC(".maps");

/* maps/shed: shedding's per-type state and counts (struct pw_shed), per
 * CPU, by event type. Frozen by the loader like stats: only programs
 * write the counts. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_EVENT_CLASS_TYPES);
	__type(key, __u32);
	__type(value, struct pw_shed);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shed SEC(".maps");

#define PW_FILTER_MAP(name, keytype)				\
	struct {						\
		__uint(type, BPF_MAP_TYPE_HASH);		\
		__uint(max_entries, PW_FILTER_ENTRIES);		\
		__type(key, keytype);				\
		__type(value, __u8);				\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__uint(pinning, LIBBPF_PIN_BY_NAME);		\
	} name SEC(".maps")

PW_FILTER_MAP(filter_pid, __u32);
PW_FILTER_MAP(filter_uid, __u32);
PW_FILTER_MAP(filter_comm, struct pw_comm_key);
PW_FILTER_MAP(filter_cgroup, __u64);

/* Frozen by the loader when it creates it (after the snapshot from /proc,
 * where the kernel has no task iterator): written by the process module
 * only (and the snapshot at its load), so lineage (exec_id,
 * parent_exec_id) cannot be forged from user space. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_PROC_CACHE_ENTRIES);
	__type(key, __u32);
	__type(value, struct pw_proc);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} proc_cache SEC(".maps");

/* The images processes ran, by exec_id, kept after they exit (LRU): what
 * the consumer names an event's parent and ancestors by. Written by
 * programs only (the process module, the snapshot at load), frozen like
 * proc_cache. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_PROC_LINEAGE_ENTRIES);
	__type(key, __u64);
	__type(value, struct pw_lineage);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} proc_lineage SEC(".maps");

/* ---- file: path filter ---- */

/* maps/filter_path key: prefixlen in bits, then the path bytes. An entry
 * for the directory /proc is stored as "/proc/" (prefixlen 48) and BPF
 * looks a path up with a '/' appended, so an entry matches whole path
 * components: the path itself and everything below it ("/proc",
 * "/proc/self/maps"), never "/processes". The longest matching entry
 * decides (drop or only). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PW_FILTER_ENTRIES);
	__type(key, struct pw_path_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_path SEC(".maps");

/* ---- net: cidr filter ---- */

/* Key of filter_cidr: an IPv6 prefix; IPv4 prefixes are stored v4-mapped
 * (a.b.c.d/n as ::ffff:a.b.c.d/96+n), the form every net event carries. */
/* Longest prefix wins: the value of the most specific matching entry
 * decides (1 drop, 2 only). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PW_FILTER_ENTRIES);
	__type(key, struct pw_cidr_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_cidr SEC(".maps");

/* ---- container filter ---- */

#define PW_CGROUP_CONTAINER_ENTRIES	1024	/* cgroups seen while a container filter is set */

/* maps/cgroup_container: the container of a cgroup v2 id, as
 * bpf/container.bpf.h found it in the kernfs names of the cgroup and its
 * ancestors (runtime 0: the host). Filled on a cgroup's first event while a
 * container filter is set; cgroup ids are not reused within a boot, so an
 * entry never goes stale (LRU only bounds it). Frozen by the loader: only
 * programs write it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_CGROUP_CONTAINER_ENTRIES);
	__type(key, __u64);
	__type(value, struct pw_container);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} cgroup_container SEC(".maps");

/* maps/filter_container: container id prefixes and "host" (struct
 * pw_container_key); the longest matching entry decides (drop or only). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PW_FILTER_ENTRIES);
	__type(key, struct pw_container_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} filter_container SEC(".maps");

/* ---- process: blocklist ---- */

#define PW_BLOCKLIST_ENTRIES	1024

/* maps/blocklist: binaries that may not run, by (dev, ino) of their file.
 * Read by the process module at every exec; written by `pinwatch block`. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_BLOCKLIST_ENTRIES);
	__type(key, struct pw_block_key);
	__type(value, struct pw_block);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* sparse: what `pinwatch block` added */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} blocklist SEC(".maps");

#endif /* PINWATCH_MAPS_BPF_H */
