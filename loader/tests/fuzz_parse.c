// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target for every parser of user input in loader/parse.c: sizes,
 * numbers and filter values (pid, uid, comm, cgroup, path, cidr). The first
 * byte selects the parser; the rest is the string, as argv would give it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "pid", "uid", "comm", "cgroup", "path", "cidr" };
	unsigned char key[PW_FILTER_KEY_MAX];
	char err[256];
	char *s;
	uint64_t v;
	unsigned sel;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	sel = data[0] % 9;
	switch (sel) {
	case 0: pw_parse_size(s, &v); break;
	case 1: pw_parse_uint(s, UINT32_MAX, &v); break;
	case 2: pw_parse_uint(s, UINT64_MAX, &v); break;
	default: {
		int n = pw_filter_key(kinds[sel - 3], s, key, err, sizeof(err));

		if (n > PW_FILTER_KEY_MAX || (n < 0 && !memchr(err, '\0', sizeof(err))))
			abort();
	}
	}
	free(s);
	return 0;
}
