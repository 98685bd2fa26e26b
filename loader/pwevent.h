/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pwevent.h: decoding and formatting of pinwatch ring buffer records.
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

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinwatch.h"

enum pw_output_fmt {
	PW_FMT_TEXT = 0,	/* execsnoop-like columns, local time */
	PW_FMT_JSON = 1,	/* JSON Lines, RFC 3339 UTC time */
};

/* Growable output buffer. Zero-initialise ({0}) before first use. */
struct pw_buf {
	char *data;
	size_t len;
	size_t cap;
};

int pw_buf_reserve(struct pw_buf *b, size_t extra);	/* 0 or -ENOMEM */
int pw_buf_append(struct pw_buf *b, const void *p, size_t n);
int pw_buf_printf(struct pw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pw_buf_free(struct pw_buf *b);

/* CLOCK_MONOTONIC -> CLOCK_REALTIME conversion, computed once at start. */
struct pw_clock {
	int64_t mono_to_real_ns;	/* realtime - monotonic */
};

int pw_clock_init(struct pw_clock *clk);	/* 0 or -errno */
uint64_t pw_clock_realtime_ns(const struct pw_clock *clk, uint64_t mono_ns);

/* "2026-11-22T10:11:12.123456789Z" (30 chars) + NUL */
#define PW_RFC3339_LEN 31
void pw_format_rfc3339(uint64_t unix_ns, char out[PW_RFC3339_LEN]);

/* Name lookups generated from the X-macros of pinwatch.h. The *_name
 * functions return NULL for an unknown id; the *_from_name ones -1. */
const char *pw_event_type_name(unsigned int type);
int pw_event_type_from_name(const char *name);
const char *pw_module_name(unsigned int module);
int pw_module_from_name(const char *name);

/* Size of the fixed part of a record of this type (the shortest valid
 * record), or 0 when the decoder does not know the type. */
size_t pw_event_min_size(unsigned int type);

/* Validates a record: returns its type id (> 0), or -EINVAL when it is too
 * short, hdr.size != len, or its type is unknown. */
int pw_event_check(const void *rec, size_t len);

/* Appends one line, '\n'-terminated, describing the record to out.
 * Returns 0; -EINVAL for a malformed record (see pw_event_check); -ENOMEM.
 * On error, out is left as it was. */
int pw_event_format(const void *rec, size_t len, enum pw_output_fmt fmt,
		    const struct pw_clock *clk, struct pw_buf *out);

/* JSON helpers (RFC 8259). pw_json_str appends s[0..n) (stopping at the
 * first NUL) as a quoted string: '"' and '\\' escaped, control characters
 * as \u00XX, valid UTF-8 copied, every byte that is not part of a valid
 * UTF-8 sequence as \u00XX of its value, so the output is always valid JSON
 * and valid UTF-8. */
int pw_json_str(struct pw_buf *b, const char *s, size_t n);

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
size_t pw_utf8_seq_len(const unsigned char *s, size_t n);

#endif /* PWEVENT_H */
