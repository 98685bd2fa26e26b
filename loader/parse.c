#define _GNU_SOURCE /* program_invocation_short_name */
// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include "parse.h"

static int parse_digits(const char **p, uint64_t max, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return 0;
}

int pw_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;

	if (!s || parse_digits(&s, max, &v) || *s)
		return -EINVAL;
	*out = v;
	return 0;
}

int pw_parse_size(const char *s, uint64_t *out)
{
	uint64_t v, mult = 1;

	if (!s || parse_digits(&s, UINT64_MAX, &v))
		return -EINVAL;
	switch (*s) {
	case '\0': break;
	case 'k': case 'K': mult = 1ULL << 10; s++; break;
	case 'm': case 'M': mult = 1ULL << 20; s++; break;
	case 'g': case 'G': mult = 1ULL << 30; s++; break;
	default: return -EINVAL;
	}
	if (*s == 'i' || *s == 'B') /* accept "8MiB" and "8MB" */
		s += (*s == 'i' && s[1] == 'B') ? 2 : 1;
	if (*s || v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

/* ---- filter keys --------------------------------------------------------- */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "load.h"
#include "pinwatch.h"

static int fail(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int put_le(unsigned char *key, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		key[i] = (unsigned char)(v >> (8 * i));
	return n;
}

static int path_key(const char *v, unsigned char *key, char *err, size_t errsz)
{
	struct pw_path_key k = { 0 };
	size_t n = strlen(v);

	if (v[0] != '/')
		return fail(err, errsz, "invalid path '%.64s' (an absolute path, at most 254 bytes)", v);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return fail(err, errsz, "invalid path (control characters are not allowed)");
	for (const char *p = v; *p; p++) {
		const char *end = strchr(p + 1, '/');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);

		if (*p != '/')
			continue;
		if ((end && len == 0) || (len == 1 && p[1] == '.') ||
		    (len == 2 && p[1] == '.' && p[2] == '.'))
			return fail(err, errsz,
				    "invalid path '%.64s' (a normalised path: no //, . or .. components)", v);
	}
	if (n > 1 && v[n - 1] == '/')
		n--;
	if (n > 254)
		return fail(err, errsz, "invalid path '%.40s...' (an absolute path, at most 254 bytes)", v);
	memcpy(k.path, v, n);
	if (n != 1) /* "/" stays "/"; "/proc" is stored "/proc/" */
		k.path[n++] = '/';
	k.prefixlen = (uint32_t)n * 8;
	memcpy(key, &k, sizeof(k));
	return sizeof(k);
}

static int cidr_key(const char *v, unsigned char *key, char *err, size_t errsz)
{
	static const char hint[] = "an IPv4 or IPv6 prefix such as 10.0.0.0/8 or fd00::/8";
	struct pw_cidr_key k = { 0 };
	char addr[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : strlen(v);
	unsigned max, len, bits, off = 0;
	uint64_t plen;

	if (alen == 0 || alen >= sizeof(addr))
		return fail(err, errsz, "invalid cidr '%.64s' (%s)", v, hint);
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	if (strchr(addr, ':')) {
		if (inet_pton(AF_INET6, addr, k.addr) != 1)
			return fail(err, errsz, "invalid cidr '%.64s' (%s)", v, hint);
		max = 128;
	} else {
		if (inet_pton(AF_INET, addr, k.addr + 12) != 1)
			return fail(err, errsz, "invalid cidr '%.64s' (%s)", v, hint);
		k.addr[10] = k.addr[11] = 0xff;
		max = 32;
		off = 96;
	}
	if (slash) {
		/* digits only, no leading zero, no sign */
		if ((slash[1] == '0' && slash[2]) || pw_parse_uint(slash + 1, max, &plen) ||
		    strlen(slash + 1) > 3)
			return fail(err, errsz, "invalid cidr '%.64s' (prefix length 0 to %u)", v, max);
		len = (unsigned)plen;
	} else {
		len = max;
	}
	bits = len + off;
	for (unsigned i = bits; i < 128; i++) {
		if (k.addr[i / 8] & (0x80 >> (i % 8))) {
			for (unsigned j = bits; j < 128; j++)
				k.addr[j / 8] &= (unsigned char)~(0x80 >> (j % 8));
			if (off)
				inet_ntop(AF_INET, k.addr + 12, canon, sizeof(canon));
			else
				inet_ntop(AF_INET6, k.addr, canon, sizeof(canon));
			return fail(err, errsz, "invalid cidr '%.64s' (host bits set; the prefix is %s/%u)",
				    v, canon, len);
		}
	}
	k.prefixlen = bits;
	memcpy(key, &k, sizeof(k));
	return sizeof(k);
}

/* "host", or a container id prefix: 1 to PW_CONTAINER_ID_LEN hex digits
 * (uppercase taken as lowercase, the runtimes' form). struct
 * pw_container_key: prefixlen counts the host byte and the id's bytes. */
static int container_key(const char *value, unsigned char *key, char *err, size_t errsz)
{
	struct pw_container_key k = { 0 };
	size_t n = strlen(value), i;

	if (!strcmp(value, "host")) {
		k.prefixlen = 8;
		k.host = 1;
	} else {
		if (n < 1 || n > PW_CONTAINER_ID_LEN)
			goto bad;
		for (i = 0; i < n; i++) {
			char c = value[i];

			if (c >= 'A' && c <= 'F')
				c = (char)(c - 'A' + 'a');
			if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
				goto bad;
			k.id[i] = c;
		}
		k.prefixlen = (__u32)(8 + 8 * n);
	}
	memcpy(key, &k, sizeof(k));
	return sizeof(k);
bad:
	return fail(err, errsz, "invalid container '%.80s' (a hex id prefix of 1 to %d digits, or host)",
		    value, PW_CONTAINER_ID_LEN);
}

int pw_filter_key(const char *kind, const char *value, unsigned char key[PW_FILTER_KEY_MAX],
		  char *err, size_t errsz)
{
	uint64_t v;

	if (!kind || !value)
		return fail(err, errsz, "missing filter kind or value");
	if (!strcmp(kind, "pid")) {
		if (pw_parse_uint(value, 4194304, &v) || v < 1)
			return fail(err, errsz, "invalid pid '%.64s' (a number from 1 to 4194304)", value);
		return put_le(key, v, 4);
	}
	if (!strcmp(kind, "uid")) {
		if (pw_parse_uint(value, 4294967294u, &v))
			return fail(err, errsz, "invalid uid '%.64s' (a number from 0 to 4294967294)", value);
		return put_le(key, v, 4);
	}
	if (!strcmp(kind, "cgroup")) {
		if (pw_parse_uint(value, INT64_MAX, &v) || v < 1)
			return fail(err, errsz, "invalid cgroup '%.64s' (a cgroup v2 directory or a cgroup id)",
				    value);
		return put_le(key, v, 8);
	}
	if (!strcmp(kind, "comm")) {
		struct pw_comm_key k = { 0 };
		size_t n = strlen(value);

		if (n < 1 || n > PW_COMM_LEN - 1)
			return fail(err, errsz, "invalid comm '%.64s' (1 to 15 bytes)", value);
		memcpy(k.comm, value, n);
		memcpy(key, &k, sizeof(k));
		return sizeof(k);
	}
	if (!strcmp(kind, "container"))
		return container_key(value, key, err, errsz);
	if (!strcmp(kind, "path"))
		return path_key(value, key, err, errsz);
	if (!strcmp(kind, "cidr"))
		return cidr_key(value, key, err, errsz);
	return fail(err, errsz, "unknown filter kind '%.32s'", kind);
}

/* The notice and the existence test every binary shares (declared in load.h;
 * probe.c calls them from pinwatch-load, pinwatch-rule and the on-demand
 * tools alike): one line on stderr, after the program's name. */
void die_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}
