// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * writer.c: the output writer every pinwatch program shares. See writer.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writer.h"

/* ------------------------------------------------------------------ */
/* Growable buffer                                                     */

int pw_buf_reserve(struct pw_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int pw_buf_append(struct pw_buf *b, const void *p, size_t n)
{
	if (!n)
		return 0;
	if (pw_buf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int pw_buf_printf(struct pw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (pw_buf_reserve(b, (size_t)n + 1))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void pw_buf_free(struct pw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int pw_buf_write(struct pw_buf *b, FILE *f)
{
	size_t n = b->len ? fwrite(b->data, 1, b->len, f) : 0;
	int rc = n == b->len ? 0 : -1;

	pw_buf_free(b);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Clock                                                               */

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int pw_clock_init(struct pw_clock *clk)
{
	int64_t best_win = INT64_MAX;
	int i;

	/* Bracket the realtime read between two monotonic reads and keep the
	 * tightest of a few tries: the offset is then exact to ~100 ns. */
	for (i = 0; i < 5; i++) {
		struct timespec m1, r, m2;
		int64_t win;

		if (clock_gettime(CLOCK_MONOTONIC, &m1) ||
		    clock_gettime(CLOCK_REALTIME, &r) ||
		    clock_gettime(CLOCK_MONOTONIC, &m2))
			return -errno;
		win = ts_ns(&m2) - ts_ns(&m1);
		if (win < best_win) {
			best_win = win;
			clk->mono_to_real_ns = ts_ns(&r) -
				(ts_ns(&m1) + win / 2);
		}
	}
	return 0;
}

uint64_t pw_clock_realtime_ns(const struct pw_clock *clk, uint64_t mono_ns)
{
	/* Unsigned wrap-around: garbage in gives a date, never UB. */
	return mono_ns + (uint64_t)clk->mono_to_real_ns;
}

static char *put_digits(char *p, unsigned long long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void pw_format_rfc3339(uint64_t unix_ns, char out[PW_RFC3339_LEN])
{
	uint64_t secs = unix_ns / 1000000000ULL;
	unsigned int nsec = (unsigned int)(unix_ns % 1000000000ULL);
	uint64_t days = secs / 86400, rem = secs % 86400;
	/* civil_from_days (H. Hinnant), days >= 0 so all unsigned. u64 ns
	 * ends in year 2554: four digits always suffice. */
	uint64_t z = days + 719468;
	uint64_t era = z / 146097;
	uint64_t doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t y = yoe + era * 400;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1;
	uint64_t m = mp < 10 ? mp + 3 : mp - 9;
	char *p = out;

	y += (m <= 2);
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, rem / 3600, 2);
	*p++ = ':';
	p = put_digits(p, rem / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, rem % 60, 2);
	*p++ = '.';
	p = put_digits(p, nsec, 9);
	*p++ = 'Z';
	*p = '\0';
}

/* ------------------------------------------------------------------ */
/* String escaping                                                     */

size_t pw_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* > U+10FFFF */
	} else
		return 0;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static const char hexdig[] = "0123456789abcdef";

bool pw_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, sl;

	n = strnlen(s, n);
	while (i < n) {
		/* ASCII, nearly every byte of an event's strings: no call */
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		sl = pw_utf8_seq_len(u + i, n - i);
		if (!sl)
			return false;
		i += sl;
	}
	return true;
}

int pw_json_str(struct pw_buf *b, const char *s, size_t n)
{
	return pw_json_str_valid(b, s, n, NULL);
}

int pw_json_str_valid(struct pw_buf *b, const char *s, size_t n, bool *valid)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	if (valid)
		*valid = true;

	n = strnlen(s, n);
	/* Worst case 6 output bytes per input byte, plus the quotes. */
	if (n > (SIZE_MAX - 2) / 6 || pw_buf_reserve(b, n * 6 + 2))
		return -ENOMEM;
	b->data[b->len++] = '"';
	while (i < n) {
		unsigned char c = u[i];
		size_t sl;

		/* printable ASCII, nearly every byte of an event's strings:
		 * no call (the consumer's hottest loop, tests/bench 6.1) */
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\' &&
		    (sl = pw_utf8_seq_len(u + i, n - i)) > 0) {
			i += sl;
			run += sl;
			continue;
		}
		memcpy(b->data + b->len, u + i - run, run);
		b->len += run;
		run = 0;
		if (c == '"' || c == '\\') {
			b->data[b->len++] = '\\';
			b->data[b->len++] = (char)c;
		} else if (c < 0x20) {
			/* a control character: a character, as JSON spells it */
			memcpy(b->data + b->len, "\\u00", 4);
			b->len += 4;
			b->len += pw_put_hex(b->data + b->len, &c, 1);
		} else {
			/* a byte that does not start a valid UTF-8 sequence:
			 * the text \xNN (JSON "\\xNN"), never a character, so
			 * that it cannot read as the character U+00NN */
			if (valid)
				*valid = false;
			memcpy(b->data + b->len, "\\\\x", 3);
			b->len += 3;
			b->len += pw_put_hex(b->data + b->len, &c, 1);
		}
		i++;
	}
	memcpy(b->data + b->len, u + i - run, run);
	b->len += run;
	b->data[b->len++] = '"';
	return 0;
}

int pw_json_hex(struct pw_buf *b, const char *s, size_t n)
{
	n = strnlen(s, n);
	if (n > (SIZE_MAX - 2) / 2 || pw_buf_reserve(b, n * 2 + 2))
		return -ENOMEM;
	b->data[b->len++] = '"';
	b->len += pw_put_hex(b->data + b->len, s, n);
	b->data[b->len++] = '"';
	return 0;
}

int pw_json_kv(struct pw_buf *b, const char *key, const char *s, size_t n)
{
	bool valid = true;
	int err = pw_buf_printf(b, "\"%s\":", key) ?: pw_json_str_valid(b, s, n, &valid);

	if (err || valid)
		return err;
	return pw_buf_printf(b, ",\"%s_hex\":", key) ?: pw_json_hex(b, s, n);
}

/* Text mode: one event per line must stay one line on a terminal, so
 * control characters (C0, DEL, C1), invalid UTF-8, the backslash and the
 * bytes in `also` become \xNN. */
int pw_text_str_also(struct pw_buf *b, const char *s, size_t n, const char *also)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	n = strnlen(s, n);
	if (n > SIZE_MAX / 8 || pw_buf_reserve(b, n * 8))
		return -ENOMEM;
	while (i < n) {
		unsigned char c = u[i];
		size_t sl = pw_utf8_seq_len(u + i, n - i);
		size_t k;

		if (sl == 1 && c >= 0x20 && c != 0x7f && c != '\\' && !strchr(also, c)) {
			b->data[b->len++] = (char)c;
			i++;
			continue;
		}
		if (sl > 1 && !(c == 0xC2 && u[i + 1] < 0xA0)) {
			memcpy(b->data + b->len, u + i, sl);
			b->len += sl;
			i += sl;
			continue;
		}
		if (sl == 0)
			sl = 1;
		for (k = 0; k < sl; k++) {
			c = u[i + k];
			b->data[b->len++] = '\\';
			b->data[b->len++] = 'x';
			b->len += pw_put_hex(b->data + b->len, &c, 1);
		}
		i += sl;
	}
	return 0;
}

int pw_text_str(struct pw_buf *b, const char *s, size_t n)
{
	return pw_text_str_also(b, s, n, "");
}

/* ------------------------------------------------------------------ */
/* Numbers                                                             */

/* Decimal digits of v into out (at least 20 bytes); returns their number.
 * The consumer prints a dozen numbers per event: snprintf was a third of
 * its time (tests/bench, benchmark 3). */
/* "00" .. "99": pw_put_u64 writes two digits a division (an event's
 * JSON has a dozen 10- and 19-digit numbers: namespaces, ids, times) */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

size_t pw_put_u64(char *out, unsigned long long v)
{
	char tmp[20];
	size_t n = sizeof(tmp);

	while (v >= 100) {
		unsigned int d = (unsigned int)(v % 100) * 2;

		v /= 100;
		tmp[--n] = digit_pairs[d + 1];
		tmp[--n] = digit_pairs[d];
	}
	if (v >= 10) {
		tmp[--n] = digit_pairs[v * 2 + 1];
		tmp[--n] = digit_pairs[v * 2];
	} else {
		tmp[--n] = (char)('0' + v);
	}
	memcpy(out, tmp + n, sizeof(tmp) - n);
	return sizeof(tmp) - n;
}

size_t pw_put_s64(char *out, long long v)
{
	if (v >= 0)
		return pw_put_u64(out, (unsigned long long)v);
	out[0] = '-';
	return 1 + pw_put_u64(out + 1, -(unsigned long long)v);
}

size_t pw_put_hex(char *out, const void *p, size_t n)
{
	const unsigned char *u = p;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexdig[u[i] >> 4];
		out[2 * i + 1] = hexdig[u[i] & 15];
	}
	return 2 * n;
}
