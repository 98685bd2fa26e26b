/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * container.h: the cgroup v2 path of a cgroup id and the container it names
 * (docker, containerd/CRI, cri-o, podman, systemd-nspawn), for the consumer
 * and `pinwatch ps`. The layouts are PW_CONTAINER_LAYOUTS (bpf/pinwatch.h),
 * the rows the kernel side matches too (bpf/container.bpf.h).
 *
 * Not thread-safe: one thread looks up (the consumer's worker).
 */
#ifndef PW_CONTAINER_H
#define PW_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinwatch.h"
#include "pwevent.h"

/* A container id as the consumer reports it: 64 hex digits, or an
 * unescaped machine name (systemd-nspawn) of up to 64 bytes. */
#define PW_CONTAINER_ID_TEXT	(PW_CONTAINER_ID_LEN + 1)

struct pw_container_info {
	const char *path;	/* under the cgroup2 mount, "/" for the root */
	const char *id;		/* NULL on the host */
	const char *runtime;	/* PW_CONTAINER_RUNTIMES name; NULL on the host */
};

/* The runtime's name ("docker", ...), NULL for PW_RUNTIME_NONE or unknown. */
const char *pw_container_runtime_name(unsigned int runtime);

/* The container a cgroup v2 path names: the runtime (PW_RUNTIME_*), its id
 * in id (NUL-terminated); PW_RUNTIME_NONE ("" in id) on the host. The
 * cgroup and up to PW_CONTAINER_DEPTH - 1 of its ancestors are matched
 * against the layouts, the nearest first. Pure: no I/O. */
unsigned int pw_container_of_path(const char *path, char id[PW_CONTAINER_ID_TEXT]);

/* The path and container of cgroup v2 id cgroup_id, or NULL when unknown
 * (the cgroup is gone and the kernel's cache has no container for it, or
 * no cgroup2 mount); path NULL when only the kernel's cache knows it. Found through
 * open_by_handle_at(2) on the cgroup2 mount (from /proc/self/mountinfo),
 * or where that is refused a walk of the cgroup2 tree that caches every
 * cgroup it passes (at most one a second); cached (PW_CGROUP_CACHE entries, a cgroup id is never reused
 * within a boot). The result stays valid until the next call. */
const struct pw_container_info *pw_container_of_cgroup(uint64_t cgroup_id);

/* Opens the kernel's cgroup -> container cache (PIN_ROOT/maps/
 * cgroup_container, read-only): then a cgroup that is gone, whose path can
 * no longer be found, still names its container (path NULL) when the
 * kernel saw one of its tasks fork or exec. 0, or -errno. */
int pw_container_use_kernel_cache(const char *pin_root);

/* pw_container_of_cgroup() for pw_event_set_cgroup_lookup(). */
bool pw_container_cgroup_lookup(uint64_t cgroup_id, struct pw_cgroup_info *out);

/* Drops the cache and the cgroup2 mount found (tests; a remount). */
void pw_container_reset(void);

#endif /* PW_CONTAINER_H */
