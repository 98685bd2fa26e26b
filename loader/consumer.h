/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * consumer.h: what pinwatch-read publishes about itself (maps/consumer,
 * struct pw_consumer) and what anyone can see of the ring's backlog, for
 * the control plane's metrics (pinwatch stats --prom via --ring-usage).
 */
#ifndef PINWATCH_CONSUMER_H
#define PINWATCH_CONSUMER_H

#include <stdbool.h>
#include <linux/types.h>
#include "pinwatch.h"

/* Maps pin_root/maps/consumer for the updates below. -1 when it cannot (a
 * sensor pinned by a build without the map): said once on stderr, and the
 * updates do nothing. The mapping lasts until the process exits. */
int pw_cstate_open(const char *pin_root);

/* The records up to ring position pos are out (or skipped), lines of them
 * written; a write that wrote lines stamps last_write_ns. */
void pw_cstate_written(__u64 pos, unsigned long long lines);
void pw_cstate_dropped(enum pw_consumer_drop cause, unsigned long long n);

/* Records between the ring's consumer and producer positions, not counting
 * discarded ones, and the timestamp (pw_hdr.ts_ns, CLOCK_MONOTONIC) of the
 * oldest committed one, 0 when there is none. A consumer moving on during
 * the walk restarts it at its new position. */
struct pw_backlog {
	__u64 records;
	__u64 oldest_ts_ns;
};
void pw_ring_backlog(const __u64 *consumer_pos, const __u64 *producer_pos,
		     const unsigned char *data, __u64 size, struct pw_backlog *b);

/* Prints pin_root/maps/consumer's record as a JSON object (drop causes by
 * name), or null when the map is missing or unreadable. */
void pw_cstate_print_json(const char *pin_root);

/* ---- pressure events (the consumer's, type pressure) ---- */

/* The kernel's shedding totals, as read from maps/shed and maps/stats. */
struct pw_pressure_totals {
	__u64 shed;			/* every type, every CPU */
	__u64 sampled;
	__u64 dropped;			/* maps/stats, every module */
	__u32 max_log2;			/* the largest last_log2 of a type */
	__u64 type_shed[PW_EVENT_CLASS_TYPES];
};

/* The state between two polls. base: the totals at the last end event
 * (or the persisted ones, pw_cstate_pressure_base()). */
struct pw_pressure_state {
	bool active;
	bool based;			/* base set */
	struct pw_pressure_totals base;
	__u64 last_shed;
	__u64 start_ns, last_change_ns;
};

/* One poll at now_ns (CLOCK_MONOTONIC) with totals t: 1 and rec filled
 * (its header's type, size and time; the caller fills the rest of the
 * header) when a pressure event is due: start, the first poll that finds
 * more shed than base; end, the first poll PW_PRESSURE_END_MS after the
 * last change of the shed total. 0 otherwise. An end event moves base to
 * t (and persists it in maps/consumer). */
int pw_pressure_step(struct pw_pressure_state *st, const struct pw_pressure_totals *t,
		     __u64 now_ns, struct pw_pressure *rec);

/* The persisted base (maps/consumer), false when the map is not mapped. */
bool pw_cstate_pressure_base(struct pw_pressure_totals *base);

#endif /* PINWATCH_CONSUMER_H */
