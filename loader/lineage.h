/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lineage.h: the consumer's cache of images by exec_id (struct
 * pw_lineage), what an event's parent and ancestors are named from. Filled
 * from the exec events the consumer reads and, on a miss, from a fetch
 * function (pinwatch-read: maps/proc_lineage); a miss of both is cached
 * too. Direct-mapped and bounded: a newer image takes an older one's slot.
 * One thread. No libbpf dependency.
 */
#ifndef PINWATCH_LINEAGE_H
#define PINWATCH_LINEAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinwatch.h"

/* fills *out and returns true, or returns false: exec_id unknown */
typedef bool (*pw_lineage_fetch_fn)(void *ctx, uint64_t exec_id, struct pw_lineage *out);

struct pw_lineage_cache;

/* slots: a power of two. fetch may be NULL (the cache alone). NULL: no memory. */
struct pw_lineage_cache *pw_lineage_cache_new(size_t slots, pw_lineage_fetch_fn fetch, void *ctx);
void pw_lineage_cache_free(struct pw_lineage_cache *c);

/* Records the image exec_id (an exec event read). */
void pw_lineage_cache_put(struct pw_lineage_cache *c, uint64_t exec_id, const struct pw_lineage *l);

/* The image exec_id: from the cache, else fetched (and cached). A
 * pw_lineage_fetch_fn over the cache (ctx: the cache). */
bool pw_lineage_cache_get(void *cache, uint64_t exec_id, struct pw_lineage *out);

/* The image an exec record describes (what proc_lineage holds for it):
 * false when rec is no valid exec record. */
bool pw_lineage_from_exec(const void *rec, size_t len, struct pw_lineage *out);

#endif
