// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for loader/parse.c: sizes, numbers, filter keys. */
#include <stdio.h>
#include <string.h>
#include "parse.h"
#include "pinwatch.h"

#include "check.h"

static int key(const char *kind, const char *value, unsigned char *out, char *err)
{
	return pw_filter_key(kind, value, out, err, 256);
}

int main(void)
{
	unsigned char k[PW_FILTER_KEY_MAX];
	char err[256];
	uint64_t v;
	struct pw_cidr_key c;
	struct pw_path_key p;
	struct pw_container_key ck;

	CHECK(pw_parse_size("8M", &v) == 0 && v == 8u << 20);
	CHECK(pw_parse_size("4k", &v) == 0 && v == 4096);
	CHECK(pw_parse_size("8MiB", &v) == 0 && v == 8u << 20);
	CHECK(pw_parse_size("", &v) != 0);
	CHECK(pw_parse_size("-1", &v) != 0);
	CHECK(pw_parse_size("8Mx", &v) != 0);
	CHECK(pw_parse_size("99999999999999999999", &v) != 0);
	CHECK(pw_parse_size("17179869184G", &v) != 0); /* overflows when multiplied */
	CHECK(pw_parse_uint("4294967295", UINT32_MAX, &v) == 0 && v == UINT32_MAX);
	CHECK(pw_parse_uint("4294967296", UINT32_MAX, &v) != 0);
	CHECK(pw_parse_uint("+1", UINT32_MAX, &v) != 0);
	CHECK(pw_parse_uint(" 1", UINT32_MAX, &v) != 0);

	CHECK(key("pid", "4242", k, err) == 4 && k[0] == 0x92 && k[1] == 0x10 && !k[2] && !k[3]);
	CHECK(key("pid", "0", k, err) < 0 && strstr(err, "invalid pid"));
	CHECK(key("pid", "4194305", k, err) < 0);
	CHECK(key("uid", "0", k, err) == 4);
	CHECK(key("uid", "4294967295", k, err) < 0);
	CHECK(key("cgroup", "1", k, err) == 8);
	CHECK(key("cgroup", "9223372036854775808", k, err) < 0);
	CHECK(key("comm", "0123456789abcde", k, err) == 16 && k[15] == 0);
	CHECK(key("comm", "0123456789abcdef", k, err) < 0 && strstr(err, "1 to 15 bytes"));
	CHECK(key("comm", "", k, err) < 0);

	CHECK(key("path", "/proc", k, err) == sizeof(p));
	memcpy(&p, k, sizeof(p));
	CHECK(p.prefixlen == 48 && !strcmp(p.path, "/proc/"));
	CHECK(key("path", "/proc/", k, err) == sizeof(p));
	memcpy(&p, k, sizeof(p));
	CHECK(p.prefixlen == 48 && !strcmp(p.path, "/proc/"));
	CHECK(key("path", "/", k, err) == sizeof(p));
	memcpy(&p, k, sizeof(p));
	CHECK(p.prefixlen == 8 && !strcmp(p.path, "/"));
	CHECK(key("path", "proc", k, err) < 0 && strstr(err, "invalid path"));
	CHECK(key("path", "/a//b", k, err) < 0);
	CHECK(key("path", "/a/../b", k, err) < 0);
	CHECK(key("path", "/a/.", k, err) < 0);
	CHECK(key("path", "/a/..b", k, err) == sizeof(p)); /* a name, not a component */
	CHECK(key("path", "/a\tb", k, err) < 0 && strstr(err, "control"));

	CHECK(key("cidr", "10.0.0.0/8", k, err) == sizeof(c));
	memcpy(&c, k, sizeof(c));
	CHECK(c.prefixlen == 104 && c.addr[10] == 0xff && c.addr[11] == 0xff && c.addr[12] == 10);
	CHECK(key("cidr", "127.0.0.1", k, err) == sizeof(c));
	memcpy(&c, k, sizeof(c));
	CHECK(c.prefixlen == 128);
	CHECK(key("cidr", "fd00::/8", k, err) == sizeof(c));
	memcpy(&c, k, sizeof(c));
	CHECK(c.prefixlen == 8 && c.addr[0] == 0xfd);
	CHECK(key("cidr", "10.0.0.1/8", k, err) < 0 && strstr(err, "the prefix is 10.0.0.0/8"));
	CHECK(key("cidr", "fd00::1/8", k, err) < 0 && strstr(err, "the prefix is fd00::/8"));
	CHECK(key("cidr", "10.0.0.0/33", k, err) < 0 && strstr(err, "0 to 32"));
	CHECK(key("cidr", "10.0.0.0/08", k, err) < 0);
	CHECK(key("cidr", "10.0.0.0/", k, err) < 0);
	CHECK(key("cidr", "010.0.0.0/8", k, err) < 0);
	CHECK(key("cidr", "1.2.3/24", k, err) < 0);
	CHECK(key("cidr", "::/0", k, err) == sizeof(c));
	CHECK(key("cidr", "fe80::1%eth0", k, err) < 0);
	/* container: a hex id prefix (lowercased) or host */
	CHECK(key("container", "host", k, err) == sizeof(ck));
	memcpy(&ck, k, sizeof(ck));
	CHECK(ck.prefixlen == 8 && ck.host == 1 && !ck.id[0]);
	CHECK(key("container", "AB12", k, err) == sizeof(ck));
	memcpy(&ck, k, sizeof(ck));
	CHECK(ck.prefixlen == 8 + 32 && ck.host == 0 && !strcmp(ck.id, "ab12"));
	CHECK(key("container", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  k, err) == sizeof(ck));
	memcpy(&ck, k, sizeof(ck));
	CHECK(ck.prefixlen == 8 + 512 && ck.id[64] == 0);
	CHECK(key("container", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0",
		  k, err) < 0 && strstr(err, "invalid container"));
	CHECK(key("container", "", k, err) < 0 && strstr(err, "1 to 64 digits, or host"));
	CHECK(key("container", "web-1", k, err) < 0 && strstr(err, "invalid container 'web-1'"));
	CHECK(key("container", "Host", k, err) < 0);
	CHECK(key("container", "0x12", k, err) < 0);
	CHECK(key("color", "red", k, err) < 0 && strstr(err, "unknown filter kind"));

	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
