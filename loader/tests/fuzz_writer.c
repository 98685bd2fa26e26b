// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: arbitrary bytes through the string escapes of the one
 * writer every binary uses (writer.h), checking what they promise:
 *  - pw_json_str: valid UTF-8 JSON with no raw control byte, that decodes
 *    to the bytes themselves when they are valid UTF-8, and otherwise to
 *    them with each byte outside a valid sequence as the text \xNN;
 *  - pw_json_kv: "_hex" beside exactly when the bytes are not valid UTF-8,
 *    and it decodes to the bytes;
 *  - pw_text_str_also: no control byte, no byte of `also`, valid UTF-8,
 *    and \xNN decodes back to the bytes (the escape is one-to-one).
 * Any mismatch aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "writer.h"

static void check(int ok)
{
	if (!ok)
		abort();
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The decoded JSON string at s[0..n) (which starts with '"'), into out;
 * returns its length. Only the escapes pw_json_str writes are accepted. */
static size_t json_decode(const char *s, size_t n, char *out)
{
	size_t i = 1, o = 0;

	check(n >= 2 && s[0] == '"' && s[n - 1] == '"');
	while (i < n - 1) {
		if (s[i] != '\\') {
			check(s[i] != '"' && (unsigned char)s[i] >= 0x20);
			out[o++] = s[i++];
			continue;
		}
		check(i + 1 < n - 1);
		if (s[i + 1] == '"' || s[i + 1] == '\\') {
			out[o++] = s[i + 1];
			i += 2;
			continue;
		}
		check(s[i + 1] == 'u' && i + 5 < n && s[i + 2] == '0' && s[i + 3] == '0');
		check(hexval(s[i + 4]) >= 0 && hexval(s[i + 5]) >= 0);
		out[o] = (char)(hexval(s[i + 4]) << 4 | hexval(s[i + 5]));
		check((unsigned char)out[o] < 0x20);
		o++;
		i += 6;
	}
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	size_t n = strnlen(s, size), i, o, k;
	struct pw_buf b = { 0 };
	char *want = malloc(4 * n + 1), *got = malloc(6 * n + 3);
	bool valid = pw_utf8_valid(s, size);

	check(want && got);
	/* the reference: valid sequences kept, every other byte as \xNN */
	for (i = 0, o = 0; i < n;) {
		size_t sl = pw_utf8_seq_len(data + i, n - i);

		if (sl) {
			memcpy(want + o, s + i, sl);
			o += sl;
			i += sl;
		} else {
			static const char hx[] = "0123456789abcdef";

			want[o++] = '\\';
			want[o++] = 'x';
			want[o++] = hx[data[i] >> 4];
			want[o++] = hx[data[i] & 15];
			i++;
		}
	}
	check(valid == (o == n && !memcmp(want, s, n)));

	check(pw_json_str(&b, s, size) == 0);
	check(pw_utf8_valid(b.data, b.len) && !memchr(b.data, '\0', b.len));
	k = json_decode(b.data, b.len, got);
	check(k == o && !memcmp(got, want, o));

	b.len = 0;
	check(pw_json_kv(&b, "k", s, size) == 0);
	pw_buf_append(&b, "", 1);
	{
		char *hex = strstr(b.data, "\",\"k_hex\":\"");

		check(valid == !hex);
		if (hex) {
			hex += 11;
			for (i = 0; i < n; i++)
				check(hexval(hex[2 * i]) << 4 == (data[i] & 0xf0) &&
				      hexval(hex[2 * i + 1]) == (data[i] & 15));
			check(!strcmp(hex + 2 * n, "\""));
		}
	}

	b.len = 0;
	check(pw_text_str_also(&b, s, size, ";") == 0);
	check(pw_utf8_valid(b.data, b.len));
	for (i = 0, o = 0; i < b.len; o++) {
		unsigned char c = (unsigned char)b.data[i];

		check(c >= 0x20 && c != 0x7f && c != ';');
		if (c == '\\') {
			check(i + 3 < b.len && b.data[i + 1] == 'x');
			check(hexval(b.data[i + 2]) >= 0 && hexval(b.data[i + 3]) >= 0);
			got[o] = (char)(hexval(b.data[i + 2]) << 4 | hexval(b.data[i + 3]));
			i += 4;
		} else {
			got[o] = (char)c;
			i++;
		}
	}
	check(o == n && !memcmp(got, s, n));

	pw_buf_free(&b);
	free(want);
	free(got);
	return 0;
}
