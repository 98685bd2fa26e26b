/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parsers for values users type. Each returns 0 or -EINVAL and never
 * reads past the string's NUL. Shared by the loader, the consumer and the
 * fuzz targets. */
#ifndef PINWATCH_PARSE_H
#define PINWATCH_PARSE_H

#include <stdint.h>

/* "8M", "65536", "1G", "4k": bytes. Rejects empty, signs, overflow,
 * trailing junk and unknown suffixes. */
int pw_parse_size(const char *s, uint64_t *out);

/* Decimal unsigned integer that fits in max; no sign, no junk. */
int pw_parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
