/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map sizes set at load time (pinwatch-load --map-size NAME=ENTRIES,
 * pinwatch up --map-size): the hash-like maps (hash, LRU hash, LPM trie)
 * a busy site may need larger than the defaults, which are sized for what
 * they hold (pinned-layout.md, "Map sizes"). NAME is a map's name (every
 * module's map of that name), MODULE/MAP (one module's) or maps/MAP (a
 * shared map). A shared map already pinned keeps its size: the pin decides.
 */
#ifndef PINWATCH_MAPSIZE_H
#define PINWATCH_MAPSIZE_H

#include <stdbool.h>
#include <bpf/libbpf.h>

/* Records one --map-size argument; exits 2 with one line when it is not
 * NAME=ENTRIES with ENTRIES from 1 to PW_MAP_SIZE_MAX. */
#define PW_MAP_SIZE_MAX (1u << 28)
void pw_map_size_arg(const char *arg);

/* Before bpf_object__load of the module's object: the requested sizes, the
 * pinned shared maps' own sizes, and the preallocation fallback on kernels
 * where a tracing program may not use a run-time allocated hash map.
 * Returns 0, or -1 after one line (a size too large for the machine). */
int pw_map_sizes_apply(struct bpf_object *obj, const char *module, const char *maps_dir);

/* The map-sizes command: lists the resizable maps of the objects with
 * their size and an estimate of what they lock; with --map-size, checks
 * that every NAME names one of them and that the sizes fit the machine
 * (what `pinwatch up` runs before loading anything). Returns the exit code. */
int cmd_map_sizes(char **objects, int n);

#endif
