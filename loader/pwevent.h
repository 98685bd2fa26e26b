/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pwevent.h: decoding and formatting of pinwatch ring buffer records: the
 * event table and one emitter per event type, written with writer.h.
 *
 * No libbpf dependency: used by the consumer (pinwatch-read), the unit tests
 * and the fuzz target. The decoder is safe for arbitrary bytes: a record is
 * accepted only when it has a known type, hdr.size == len and len covers the
 * fixed part of its type; strings are bounded by their array size and never
 * trusted to be NUL-terminated; variable parts are clamped to the bytes
 * actually present.
 *
 * Adding an event type: add it to PW_EVENT_TYPES in bpf/pinwatch.h, then in
 * pwevent.c write one emit_<type>() function and add one row to
 * pw_event_descs[].
 */
#ifndef PWEVENT_H
#define PWEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinwatch.h"
#include "writer.h"

enum pw_output_fmt {
	PW_FMT_TEXT = 0,	/* execsnoop-like columns, local time */
	PW_FMT_JSON = 1,	/* JSON Lines, RFC 3339 UTC time */
};

/* Name lookups generated from the X-macros of pinwatch.h. The *_name
 * functions return NULL for an unknown id; the *_from_name ones -1. */
const char *pw_event_type_name(unsigned int type);
int pw_event_type_from_name(const char *name);
/* A name of set ("syscall", "cap", "bpf_cmd", "ptrace", "ns": the
 * formatter's own tables; case-insensitive, prefix sys_, CAP_, BPF_,
 * PTRACE_, CLONE_NEW optional) to its number: 0, or -1 if unknown. */
int pw_name_value(const char *set, const char *name, unsigned long long *v);
const char *pw_module_name(unsigned int module);
int pw_module_from_name(const char *name);

/* Size of the fixed part of a record of this type (the shortest valid
 * record), or 0 when the decoder does not know the type. */
size_t pw_event_min_size(unsigned int type);

/* fn(id): the name of id in an X-macro list X(UP, low, id) ("low"), or
 * "unknown" for an id the list does not have. */
#define PW_X_NAME_CASE(up, low, id) case id: return #low;
#define PW_DEFINE_NAME_FN(fn, LIST)			\
	static const char *fn(unsigned int id)		\
	{						\
		switch (id) {				\
		LIST(PW_X_NAME_CASE)			\
		}					\
		return "unknown";			\
	}

/* Validates a record: returns its type id (> 0), or -EINVAL when it is too
 * short, hdr.size != len, or its type is unknown. */
int pw_event_check(const void *rec, size_t len);

/* What the consumer adds to a record from outside it; NULL members are
 * not emitted. */
struct pw_lineage_src;
struct pw_event_extra {
	const char *sha256;	/* exec: SHA-256 of the executed file, 64 hex digits */
	const char *hash_error;	/* exec: why there is no sha256 (loader/hash.h) */
	/* every event: where its parent and ancestors are named from (see
	 * pw_event_format_lineage()); NULL: unknown */
	const struct pw_lineage_src *lineage;
};

/* What the consumer knows of a cgroup v2 id (loader/container.c): path,
 * the cgroup's path under the cgroup2 mount ("/" for the root); container_id
 * and runtime (a PW_CONTAINER_RUNTIMES name), NULL on the host. path NULL:
 * not known (the cgroup is gone, or no lookup). The strings must stay valid
 * until the next lookup. */
struct pw_cgroup_info {
	const char *path;
	const char *container_id;
	const char *runtime;
};

/* Returns false when nothing is known of cgroup_id (all NULL). */
typedef bool (*pw_cgroup_lookup_fn)(uint64_t cgroup_id, struct pw_cgroup_info *out);

/* Makes pw_event_format() name each event's cgroup and container through
 * fn (JSON "cgroup", "container_id", "container_runtime"; text
 * container=ID, its first 12 bytes). Without one (NULL, the default) they
 * are null. For the thread that formats. */
void pw_event_set_cgroup_lookup(pw_cgroup_lookup_fn fn);

/* Appends one line, '\n'-terminated, describing the record to out.
 * Returns 0; -EINVAL for a malformed record (see pw_event_check); -ENOMEM.
 * On error, out is left as it was. The event's parent and ancestors are
 * unknown: JSON "parent":null,"ancestors":[]. */
int pw_event_format(const void *rec, size_t len, enum pw_output_fmt fmt,
		    const struct pw_clock *clk, struct pw_buf *out);
/* The same, with the consumer's additions x (NULL: none). */
int pw_event_format_extra(const void *rec, size_t len, enum pw_output_fmt fmt,
			  const struct pw_clock *clk,
			  const struct pw_event_extra *x, struct pw_buf *out);

/* An alert's rule, for its hdr.rule (the rule's slot + 1): what the
 * formatter prints. The strings must live until the next lookup. */
struct pw_rule_info {
	const char *name;
	const char *severity;
	const char *tags;	/* comma-separated, "" for none */
};
typedef bool (*pw_rule_lookup_fn)(unsigned int rule, struct pw_rule_info *out);

/* Sets the lookup pw_event_format() uses for alerts (the consumer reads
 * maps/rules); without one an alert's rule prints as "#SLOT". */
void pw_event_set_rule_lookup(pw_rule_lookup_fn fn);

/*
 * Where the parent and ancestors of an event are named from: lookup fills
 * *out with the image an exec_id names (struct pw_lineage, as the pinned
 * map proc_lineage holds it) and returns true, or returns false (unknown).
 * ancestors: how many binaries above the parent to name (at most
 * PW_ANCESTORS_MAX).
 */
struct pw_lineage_src {
	bool (*lookup)(void *ctx, uint64_t exec_id, struct pw_lineage *out);
	void *ctx;
	unsigned int ancestors;
};

/* pw_event_format_extra() with only x.lineage = src (NULL: none).
 * JSON ends with "parent" ({pid, exec_id, filename, args} of the image
 * parent_exec_id names, null when unknown) and "ancestors" (the binaries
 * above it, nearest first, up to src->ancestors; it stops at the first
 * unknown one). Text ends with parent=BINARY when the parent is known. */
int pw_event_format_lineage(const void *rec, size_t len, enum pw_output_fmt fmt,
			    const struct pw_clock *clk, const struct pw_lineage_src *src,
			    struct pw_buf *out);

#endif /* PWEVENT_H */
