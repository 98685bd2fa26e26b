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


#include <stddef.h>

/* The largest filter key (struct pw_path_key). */
#define PW_FILTER_KEY_MAX 260

/*
 * Encodes VALUE as the key of the filter map of KIND (pid, uid, comm,
 * cgroup as a number, path, cidr, container): writes the key bytes to key and returns
 * their count, or -EINVAL with a one-line reason in err. Paths must be
 * absolute and normalised; CIDRs must have no host bits set.
 */
int pw_filter_key(const char *kind, const char *value, unsigned char key[PW_FILTER_KEY_MAX],
		  char *err, size_t errsz);

#endif
