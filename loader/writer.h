/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * writer.h: the output writer every pinwatch program shares: a growable
 * buffer, RFC 3339 time from the monotonic clock, strings escaped for
 * JSON or for a terminal (UTF-8 checked), decimal and hex numbers. Used by
 * the event formatter (pwevent.c), the consumer, the on-demand tools and
 * the tracepoint workbench. No libbpf dependency.
 */
#ifndef PINWATCH_WRITER_H
#define PINWATCH_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
/* Writes b's contents to f, then frees them. Returns 0, or -1 when the
 * write fell short. */
int pw_buf_write(struct pw_buf *b, FILE *f);

/* CLOCK_MONOTONIC -> CLOCK_REALTIME conversion, computed once at start. */
struct pw_clock {
	int64_t mono_to_real_ns;	/* realtime - monotonic */
};

int pw_clock_init(struct pw_clock *clk);	/* 0 or -errno */
uint64_t pw_clock_realtime_ns(const struct pw_clock *clk, uint64_t mono_ns);

/* "2026-11-22T10:11:12.123456789Z" (30 chars) + NUL */
#define PW_RFC3339_LEN 31
void pw_format_rfc3339(uint64_t unix_ns, char out[PW_RFC3339_LEN]);

/* JSON (RFC 8259): appends s[0..n) (stopping at the first NUL) as a quoted
 * string: '"' and '\\' escaped, control characters as \u00XX, valid UTF-8
 * copied, and every byte that is not part of a valid UTF-8 sequence as the
 * four characters \xNN (JSON "\\xNN", NN its value in lowercase hex), so
 * the output is always valid JSON and valid UTF-8, and a raw byte 0xe9 never
 * decodes as the character U+00E9. The \xNN form alone cannot be told from
 * the same four characters in a valid name: pw_json_kv adds the exact bytes
 * beside it. Returns 0 or -ENOMEM. */
int pw_json_str(struct pw_buf *b, const char *s, size_t n);
/* pw_json_str, and *valid (if not NULL): s[0..n) up to its NUL is valid
 * UTF-8 (pw_utf8_valid's answer, without a second pass). */
int pw_json_str_valid(struct pw_buf *b, const char *s, size_t n, bool *valid);

/* True when s[0..n) (up to the first NUL) is valid UTF-8. */
bool pw_utf8_valid(const char *s, size_t n);

/* Appends s[0..n) (up to the first NUL) as a JSON string of lowercase hex
 * digits, two per byte. Returns 0 or -ENOMEM. */
int pw_json_hex(struct pw_buf *b, const char *s, size_t n);

/* One JSON member for a string that may hold any bytes: "key":"<string>",
 * and, only when the string is not valid UTF-8, ,"key_hex":"<its bytes in
 * hex>". A member without its _hex beside holds exactly the bytes; with it,
 * the _hex is the exact value and the string a readable form. Returns 0 or
 * -ENOMEM. */
int pw_json_kv(struct pw_buf *b, const char *key, const char *s, size_t n);

/* Text: appends s[0..n) (stopping at the first NUL) unquoted, control
 * characters (C0, DEL, C1), invalid UTF-8 and the backslash as \xNN, so
 * that it stays on one terminal line, carries no terminal escape, and reads
 * back unambiguously (\x5c is a backslash). Returns 0 or -ENOMEM. */
int pw_text_str(struct pw_buf *b, const char *s, size_t n);
/* The same, and every byte in `also` as \xNN too (folded stacks: ";"). */
int pw_text_str_also(struct pw_buf *b, const char *s, size_t n, const char *also);

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), 0 if invalid
 * (overlong forms, surrogates and code points above U+10FFFF are invalid). */
size_t pw_utf8_seq_len(const unsigned char *s, size_t n);

/* Decimal digits of v into out (at least 20 bytes, 21 signed), without a
 * NUL; return how many. */
size_t pw_put_u64(char *out, unsigned long long v);
size_t pw_put_s64(char *out, long long v);
/* n bytes of p as 2n lowercase hex digits into out, without a NUL; returns 2n. */
size_t pw_put_hex(char *out, const void *p, size_t n);

#endif /* PINWATCH_WRITER_H */
