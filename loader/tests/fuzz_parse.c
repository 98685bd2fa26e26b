// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target for the parsers of user input in loader/parse.c: the
 * input is split at its first NUL into a selector byte and a string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	uint64_t v;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0'; /* the parsers take C strings, as argv gives them */
	switch (data[0] % 3) {
	case 0: pw_parse_size(s, &v); break;
	case 1: pw_parse_uint(s, UINT32_MAX, &v); break;
	case 2: pw_parse_uint(s, UINT64_MAX, &v); break;
	}
	free(s);
	return 0;
}
