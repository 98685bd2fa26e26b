/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The snapshot at load: the processes already running when the process
 * module loads get an exec_id, their lineage and their executable's path
 * in maps/proc_cache and maps/proc_lineage (bpf/ondemand/snapshot.bpf.c,
 * pinned-layout.md).
 */
#ifndef PINWATCH_SNAPSHOT_H
#define PINWATCH_SNAPSHOT_H

#include <stdbool.h>

/* True when the kernel has the BPF task iterator; otherwise the snapshot
 * reads /proc, which must write the maps before they are frozen. */
bool snapshot_iter_supported(void);

/*
 * Records the running processes, after the process module's hooks are
 * attached: with the task iterator (the object ondemand/snapshot.bpf.o next
 * to module_object), or, with use_iter false, from /proc. Prints one line
 * on stdout (how many, and how). Returns 0, or -1 after one line on stderr
 * (the load goes on: those processes keep exec_id 0).
 */
int snapshot_run(const char *module_object, const char *maps_dir, bool use_iter);

#endif
