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
