// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for loader/pwevent.c. Plain C, no framework. Records are
 * heap-allocated to their exact length so that AddressSanitizer catches
 * any read past the end. Last line: "N passed, N failed".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <linux/bpf.h>

#include "lineage.h"
#include "pwevent.h"
#include "container.h"
#include "tpformat.h"
#include "tp_formats.h"

/* The end of the JSON line of an event whose parent is unknown (no
 * lineage source, or parent_exec_id not found). */
#define NO_LINEAGE ",\"parent\":null,\"ancestors\":[]"

#include "check.h"

/* 2026-11-22T10:11:12.123456789Z with a zero clock offset */
#define TS_NS (1795342272ULL * 1000000000ULL + 123456789ULL)

static const struct pw_clock clk0 = { .mono_to_real_ns = 0 };

static struct pw_buf out;

/* Formats rec[0..len) into a fresh buffer; returns the result code. The
 * record is copied to an exact-size heap block first. */
static int fmt(const void *rec, size_t len, enum pw_output_fmt f)
{
	void *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, rec, len);
	out.len = 0;
	err = pw_event_format(copy, len, f, &clk0, &out);
	free(copy);
	if (pw_buf_reserve(&out, 1) == 0)
		out.data[out.len] = '\0';
	return err;
}

static void fill_hdr(struct pw_hdr *h, unsigned int type, size_t size)
{
	memset(h, 0, sizeof(*h));
	h->type = (__u16)type;
	h->module = PW_MOD_PROCESS;
	h->size = (__u32)size;
	h->ts_ns = TS_NS;
	h->pid = 100;
	h->tid = 101;
	h->ppid = 1;
	h->uid = 1000;
	h->gid = 1001;
	h->cpu = 3;
	h->cgroup_id = 4242;
	h->exec_id = 77;
	h->parent_exec_id = 66;
	strcpy(h->comm, "bash");
	h->ns = (struct pw_ns_inodes){ .mnt = 4026531841, .pid = 4026531836, .net = 4026531840,
				       .user = 4026531837, .uts = 4026531838, .ipc = 4026531839,
				       .cgroup = 4026531835, .time = 4026531834 };
}

/* The header's namespaces (fill_hdr), as JSON. */
#define NS_JSON "\"ns\":{\"mnt\":4026531841,\"pid\":4026531836,\"net\":4026531840," \
	"\"user\":4026531837,\"uts\":4026531838,\"ipc\":4026531839,\"cgroup\":4026531835," \
	"\"time\":4026531834}"

/* The common fields of fill_hdr()'s header, without a cgroup lookup. */
#define HDR_JSON_NS(type, mod, ns) "{\"type\":\"" type "\",\"time\":\"2026-11-22T10:11:12.123456789Z\"," \
	"\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,\"gid\":1001,\"comm\":\"bash\"," \
	"\"cgroup_id\":4242,\"exec_id\":77,\"parent_exec_id\":66,\"module\":\"" mod "\",\"cpu\":3," \
	"\"cgroup\":null,\"container_id\":null,\"container_runtime\":null" ns
#define HDR_JSON_M(type, mod) HDR_JSON_NS(type, mod, "," NS_JSON)
#define HDR_JSON(type) HDR_JSON_M(type, "process")

/* The text columns of fill_hdr()'s header after the type column (pid,
 * ppid, uid, comm). A test writes the type column itself, padded as the
 * line has it ("open  ", "connect "), so a change of the layout fails. */
#define COLS "    100       1   1000 bash             "

/* Type ids whose text line some test compared exactly (test_text_coverage). */
static unsigned char text_tested[65536];

static void mark_text_tested(const void *rec)
{
	struct pw_hdr h;

	memcpy(&h, rec, sizeof(h));
	text_tested[h.type] = 1;
}

/* The text line in out from its type column on. The time column is the
 * local time ("HH:MM:SS "): only its shape is checked. NULL if malformed. */
static const char *text_from_type(void)
{
	const char *s = out.data;

	if (!s || out.len < 9 || s[2] != ':' || s[5] != ':' || s[8] != ' ')
		return NULL;
	return s + 9;
}

/* Formats rec as text and compares the line from the type column on. */
#define CHECK_TEXT(rec, len, want) do {					\
	CHECK(fmt((rec), (len), PW_FMT_TEXT) == 0);			\
	CHECK_STR(text_from_type(), (want));				\
	mark_text_tested(rec);						\
} while (0)

#define CHECK_JSON(rec, len, want) do {					\
	CHECK(fmt((rec), (len), PW_FMT_JSON) == 0);			\
	CHECK_STR(out.data, (want));					\
} while (0)

static void fill_hdr_m(struct pw_hdr *h, unsigned int type, unsigned int module,
		       size_t size)
{
	fill_hdr(h, type, size);
	h->module = (__u16)module;
}

/* A 16-byte record address from text: IPv6 as it is, IPv4 v4-mapped. */
static void set_addr(__u8 a[16], const char *s)
{
	memset(a, 0, 16);
	if (strchr(s, ':')) {
		CHECK(inet_pton(AF_INET6, s, a) == 1);
	} else {
		a[10] = a[11] = 0xff;
		CHECK(inet_pton(AF_INET, s, a + 12) == 1);
	}
}

static size_t make_exec(struct pw_exec *r, const char *args, size_t args_len,
			size_t present)
{
	size_t len = offsetof(struct pw_exec, args) + present;

	memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, PW_EV_EXEC, len);
	strcpy(r->filename, "/usr/bin/ls");
	strcpy(r->exe_path, "/usr/bin/ls");
	r->args_len = (__u32)args_len;
	memcpy(r->args, args, present < args_len ? present : args_len);
	return len;
}

/* The exec context of a record with none filled in. */
#define STDIO_NONE(fd) "{\"fd\":" #fd ",\"kind\":\"none\",\"family\":null,\"daddr\":null,\"dport\":null}"
#define EXEC_CTX_NONE							\
	",\"exe_flags\":[],\"stdio\":[" STDIO_NONE(0) "," STDIO_NONE(1) "," STDIO_NONE(2) "]," \
	"\"cwd\":\"\",\"env\":{},\"env_truncated\":false"

static void test_exec(void)
{
	struct pw_exec r;
	size_t len;

	/* final piece without NUL is still an arg; empty args kept */
	len = make_exec(&r, "ls\0-l\0\0/tmp", 11, 11);
	CHECK(len < sizeof(r));
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"exe_path\":\"/usr/bin/ls\",\"args\":[\"ls\",\"-l\",\"\",\"/tmp\"],"
		  "\"args_truncated\":false" EXEC_CTX_NONE "" NO_LINEAGE "}\n");

	/* trailing NUL: no extra empty arg; truncated flag */
	len = make_exec(&r, "ls\0-l\0", 6, 6);
	r.args_truncated = 1;
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"exe_path\":\"/usr/bin/ls\",\"args\":[\"ls\",\"-l\"],"
		  "\"args_truncated\":true" EXEC_CTX_NONE "" NO_LINEAGE "}\n");

	setenv("TZ", "UTC0", 1);
	tzset();
	CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "/usr/bin/ls ls -l ... stdio=none,none,none\n");
	mark_text_tested(&r);

	/* the file that ran is not the filename as given (a relative path, a
	 * symlink): text shows exe_path too; '?': not a path from the root */
	len = make_exec(&r, "x", 1, 1);
	strcpy(r.filename, "./x");
	strcpy(r.exe_path, "/tmp/x");
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, ",\"filename\":\"./x\",\"exe_path\":\"/tmp/x\",\"args\":[\"x\"],") != NULL);
	CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "./x exe_path=/tmp/x x stdio=none,none,none\n");
	strcpy(r.exe_path, "?memfd:x");
	CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "./x exe_path=?memfd:x x stdio=none,none,none\n");

	/* the exec context, every field: a reverse shell from a memfd */
	len = make_exec(&r, "sh", 2, 2);
	r.exe_flags = PW_EXE_MEMFD | PW_EXE_SECUREEXEC | 1u << 9;
	r.stdio[0].kind = PW_STDIO_SOCKET;
	r.stdio[0].family = PW_AF_INET;
	r.stdio[0].port = 4444;
	memcpy(r.stdio[0].addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\x01", 16);
	r.stdio[1].kind = PW_STDIO_SOCKET;
	r.stdio[1].family = PW_AF_UNIX;
	r.stdio[2].kind = PW_STDIO_DEVNULL;
	strcpy(r.cwd, "/tmp/x y");
	memcpy(r.env, "LD_PRELOAD=/tmp/x.so\0LD_AUDIT=\0", 32);
	r.env_len = 32;
	r.env_truncated = 1;
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"exe_path\":\"/usr/bin/ls\",\"args\":[\"sh\"],\"args_truncated\":false,"
		  "\"exe_flags\":[\"memfd\",\"secureexec\",\"bit9\"],\"stdio\":["
		  "{\"fd\":0,\"kind\":\"socket\",\"family\":\"AF_INET\",\"daddr\":\"127.0.0.1\",\"dport\":4444},"
		  "{\"fd\":1,\"kind\":\"socket\",\"family\":\"AF_UNIX\",\"daddr\":null,\"dport\":null},"
		  "{\"fd\":2,\"kind\":\"null\",\"family\":null,\"daddr\":null,\"dport\":null}],"
		  "\"cwd\":\"/tmp/x y\",\"env\":{\"LD_PRELOAD\":\"/tmp/x.so\",\"LD_AUDIT\":\"\"},"
		  "\"env_truncated\":true" NO_LINEAGE "}\n");
	CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "/usr/bin/ls sh exe=memfd,secureexec,bit9 "
		  "stdio=socket(127.0.0.1:4444),socket(AF_UNIX),null cwd=/tmp/x y "
		  "LD_PRELOAD=/tmp/x.so LD_AUDIT= env...\n");

	/* no args at all */
	len = make_exec(&r, "", 0, 0);
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"args\":[],\"args_truncated\":false" EXEC_CTX_NONE "" NO_LINEAGE "}\n") != NULL);

	/* exactly the fixed part, args_len claims more: clamped to 0 bytes */
	len = make_exec(&r, "xyz", 1000, 0);
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"args\":[]") != NULL);

	/* args_len larger than what the record holds: clamped to present */
	len = make_exec(&r, "ab\0cd\0ef", 1000, 5);
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"args\":[\"ab\",\"cd\"]") != NULL);

	/* args_len larger than PW_ARGS_MAX, full-size record */
	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_EXEC, sizeof(r));
	memset(r.args, 'a', sizeof(r.args));
	r.args_len = 0xffffffffu;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"args\":[\"") != NULL);
	CHECK(strlen(strstr(out.data, "\"args\":[\"")) ==
	      strlen("\"args\":[\"") + PW_ARGS_MAX +
	      strlen("\"],\"args_truncated\":false" EXEC_CTX_NONE "" NO_LINEAGE "}\n"));
}

/* The consumer's additions to an exec: sha256, else hash_error; neither
 * without them. The file identity (pw_exec.exe) is not printed. */
static void test_exec_hash(void)
{
	static const char h[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	struct pw_event_extra x = { .sha256 = h };
	struct pw_exec r;
	size_t len;

	len = make_exec(&r, "ls", 2, 2);
	r.exe.dev = 8u << 20 | 1;
	r.exe.ino = 1234;
	r.exe.size = 4;
	r.exe.ctime_sec = 1700000000;
	r.exe.ctime_nsec = 5;
	r.exe.mtime_sec = 1600000000;
	out.len = 0;
	CHECK(pw_event_format_extra(&r, len, PW_FMT_JSON, &clk0, &x, &out) == 0);
	CHECK(pw_buf_reserve(&out, 1) == 0);
	out.data[out.len] = '\0';
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"exe_path\":\"/usr/bin/ls\",\"args\":[\"ls\"],\"args_truncated\":false,"
		  "\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\""
		  EXEC_CTX_NONE NO_LINEAGE "}\n");
	out.len = 0;
	CHECK(pw_event_format_extra(&r, len, PW_FMT_TEXT, &clk0, &x, &out) == 0);
	CHECK(pw_buf_reserve(&out, 1) == 0);
	out.data[out.len] = '\0';
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "/usr/bin/ls ls sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 "
		  "stdio=none,none,none\n");

	x.sha256 = NULL;
	x.hash_error = "too_large";
	out.len = 0;
	CHECK(pw_event_format_extra(&r, len, PW_FMT_JSON, &clk0, &x, &out) == 0);
	CHECK(pw_buf_reserve(&out, 1) == 0);
	out.data[out.len] = '\0';
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"exe_path\":\"/usr/bin/ls\",\"args\":[\"ls\"],\"args_truncated\":false,"
		  "\"hash_error\":\"too_large\"" EXEC_CTX_NONE NO_LINEAGE "}\n");
	out.len = 0;
	CHECK(pw_event_format_extra(&r, len, PW_FMT_TEXT, &clk0, &x, &out) == 0);
	CHECK(pw_buf_reserve(&out, 1) == 0);
	out.data[out.len] = '\0';
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "/usr/bin/ls ls hash_error=too_large stdio=none,none,none\n");

	/* no additions (the decoder alone): neither field */
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(!strstr(out.data, "sha256") && !strstr(out.data, "hash_error"));
}

static void test_unterminated(void)
{
	struct pw_exec r;
	size_t len;
	char want[PW_PATH_MAX + 3];
	const char *p;

	len = make_exec(&r, "ls", 2, 2);
	memset(r.h.comm, 'C', sizeof(r.h.comm));
	memset(r.filename, 'F', sizeof(r.filename));
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"comm\":\"CCCCCCCCCCCCCCCC\",") != NULL);
	memset(want, 'F', PW_PATH_MAX);
	want[PW_PATH_MAX] = '"';
	want[PW_PATH_MAX + 1] = ',';
	want[PW_PATH_MAX + 2] = '\0';
	p = strstr(out.data, "\"filename\":\"");
	CHECK(p && !strncmp(p + 12, want, PW_PATH_MAX + 2));
	CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
	CHECK(strstr(out.data, " CCCCCCCCCCCCCCCC FFFF") != NULL);
}

static void test_json_escape(void)
{
	static const struct {
		const char *in;
		size_t n;
		const char *want;
	} cases[] = {
		{ "plain", 5, "\"plain\"" },
		{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
		{ "\n\t\x01\x1f\x7f", 5, "\"\\u000a\\u0009\\u0001\\u001f\x7f\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		{ "\xff\xfe", 2, "\"\\\\xff\\\\xfe\"" },
		{ "\xc0\x80", 2, "\"\\\\xc0\\\\x80\"" },		/* overlong */
		{ "\xed\xa0\x80", 3, "\"\\\\xed\\\\xa0\\\\x80\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"" },
		{ "x\xe2\x82", 3, "\"x\\\\xe2\\\\x82\"" },	/* cut sequence */
		/* a raw 0xe9 and the character U+00E9 differ */
		{ "X\xe9vil", 5, "\"X\\\\xe9vil\"" },
		{ "X\xc3\xa9vil", 6, "\"X\xc3\xa9vil\"" },
		{ "ab\0cd", 5, "\"ab\"" },			/* stops at NUL */
		{ "abcdef", 3, "\"abc\"" },			/* bounded */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out.len = 0;
		CHECK(pw_json_str(&out, cases[i].in, cases[i].n) == 0);
		pw_buf_append(&out, "", 1);
		CHECK_STR(out.data, cases[i].want);
	}

	/* escaping inside a record field */
	{
		struct pw_fork r;

		fill_hdr(&r.h, PW_EV_FORK, sizeof(r));
		r.child_pid = 5;
		r.pad = 0;
		memcpy(r.h.comm, "a\"\n\xff", 5);
		CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
		CHECK(strstr(out.data, "\"comm\":\"a\\\"\\u000a\\\\xff\",\"comm_hex\":\"61220aff\",") != NULL);
		CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
		CHECK(strstr(out.data, " a\"\\x0a\\xff ") != NULL);
		CHECK(strchr(out.data, '\n') == out.data + out.len - 1);
		/* valid UTF-8: no _hex */
		memcpy(r.h.comm, "caf\xc3\xa9", 6);
		CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
		CHECK(strstr(out.data, "\"comm\":\"caf\xc3\xa9\",\"cgroup_id\"") != NULL);
		CHECK(strstr(out.data, "_hex") == NULL);
	}

	/* pw_json_kv: _hex only beside a string that is not valid UTF-8 */
	out.len = 0;
	CHECK(pw_json_kv(&out, "path", "/tmp/X\xe9vil", 64) == 0);
	pw_buf_append(&out, "", 1);
	CHECK_STR(out.data, "\"path\":\"/tmp/X\\\\xe9vil\",\"path_hex\":\"2f746d702f58e976696c\"");
	/* a record's string field (emit_str): _hex beside an invalid one
	 * only, in JSON only */
	{
		struct pw_exec r;
		size_t len = make_exec(&r, "x", 1, 1);

		strcpy(r.filename, "/tmp/X\xe9vil");
		CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
		CHECK(strstr(out.data, ",\"filename\":\"/tmp/X\\\\xe9vil\",\"filename_hex\":\"2f746d702f58e976696c\",") != NULL);
		CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
		CHECK(strstr(out.data, "_hex") == NULL);
		strcpy(r.filename, "/tmp/caf\xc3\xa9\x01\"");
		CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
		CHECK(strstr(out.data, ",\"filename\":\"/tmp/caf\xc3\xa9\\u0001\\\"\",") != NULL);
		CHECK(strstr(out.data, "_hex") == NULL);
	}
	out.len = 0;
	CHECK(pw_json_kv(&out, "path", "/tmp/X\\xe9vil", 64) == 0);
	pw_buf_append(&out, "", 1);
	CHECK_STR(out.data, "\"path\":\"/tmp/X\\\\xe9vil\"");
	CHECK(pw_utf8_valid("caf\xc3\xa9", 8) && !pw_utf8_valid("caf\xe9", 8) && pw_utf8_valid("", 1));
	CHECK(!pw_utf8_valid("abcdefgh\xff", 16) && pw_utf8_valid("abc\xf0\x9f\x98\x80" "d", 16));

	/* numbers: pw_put_u64 and pw_put_s64 against printf, at each
	 * power of ten and its neighbours (two digits a step) */
	{
		static const unsigned long long vs[] = { 0, 1, 9, 10, 11, 99, 100, 101, 999, 1000,
			4026531836ULL, 18446744073709551615ULL, 9999999999999999999ULL,
			10000000000000000000ULL };
		char got[32], want[32];
		unsigned long long p = 1;
		size_t n;

		for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
			n = pw_put_u64(got, vs[i]);
			got[n] = '\0';
			snprintf(want, sizeof(want), "%llu", vs[i]);
			CHECK_STR(got, want);
		}
		for (i = 0; i < 20; i++, p *= 10) {
			for (unsigned long long v = p - 1; v <= p + 1; v++) {
				n = pw_put_u64(got, v);
				got[n] = '\0';
				snprintf(want, sizeof(want), "%llu", v);
				CHECK_STR(got, want);
				if (v > 9223372036854775807ULL)
					continue;
				n = pw_put_s64(got, -(long long)v);
				got[n] = '\0';
				snprintf(want, sizeof(want), "%lld", -(long long)v);
				CHECK_STR(got, want);
			}
		}
		n = pw_put_s64(got, (-9223372036854775807LL - 1));
		got[n] = '\0';
		CHECK_STR(got, "-9223372036854775808");
	}

	/* text: control bytes, bad UTF-8, the backslash and `also` as \xNN */
	out.len = 0;
	CHECK(pw_text_str_also(&out, "a;b\\c\x1b[2J\xe9\n\xc3\xa9", 64, ";") == 0);
	pw_buf_append(&out, "", 1);
	CHECK_STR(out.data, "a\\x3bb\\x5cc\\x1b[2J\\xe9\\x0a\xc3\xa9");
}

static void test_exit_fork(void)
{
	struct pw_exit x;
	struct pw_fork f;

	fill_hdr(&x.h, PW_EV_EXIT, sizeof(x));
	x.exit_code = -1;
	x.signal = 9;
	x.duration_ns = 1234567890ULL;
	CHECK(fmt(&x, sizeof(x), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("exit")
		  ",\"exit_code\":-1,\"signal\":9,\"duration_ns\":1234567890" NO_LINEAGE "}\n");
	CHECK(fmt(&x, sizeof(x), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exit      100       1   1000 bash             "
		  "code=-1 sig=9 dur=1.234s\n");
	mark_text_tested(&x);

	fill_hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.child_pid = 4321;
	f.pad = 0;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("fork") ",\"child_pid\":4321" NO_LINEAGE "}\n");
	CHECK(fmt(&f, sizeof(f), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 fork      100       1   1000 bash             "
		  "child=4321\n");
	mark_text_tested(&f);

	/* unknown module id: still decoded */
	f.h.module = 999;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"module\":\"unknown\"") != NULL);
}

static void test_enforce(void)
{
	struct pw_enforce r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_ENFORCE, sizeof(r));
	r.dev = (254u << 20) | 3;
	r.ino = 248139;
	r.action = PW_ENFORCE_KILLED;
	r.mode = PW_BLOCK_KILL;
	strcpy(r.path, "/usr/bin/evil");
	strcpy(r.filename, "/tmp/link");
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("enforce")
		  ",\"action\":\"killed\",\"filename\":\"/tmp/link\",\"path\":\"/usr/bin/evil\","
		  "\"mode\":\"kill\",\"dev\":\"254:3\",\"ino\":248139,\"error\":0,\"via\":\"exec\"" NO_LINEAGE "}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 enforce     100       1   1000 bash             "
		  "killed /tmp/link blocked=/usr/bin/evil dev=254:3 ino=248139\n");
	mark_text_tested(&r);
	r.action = PW_ENFORCE_AUDIT;
	r.mode = PW_BLOCK_AUDIT;
	r.error = -3;
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK(strstr(out.data, " audit /tmp/link ") != NULL);
	CHECK(strstr(out.data, " error=-3\n") != NULL);
	/* caught as a mapping: the loader that mapped it, and how */
	r.action = PW_ENFORCE_KILLED;
	r.mode = PW_BLOCK_KILL;
	r.error = 0;
	r.via = PW_ENFORCE_VIA_MMAP;
	strcpy(r.filename, "/usr/lib64/ld-linux-x86-64.so.2");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 enforce     100       1   1000 bash             "
		  "killed /usr/lib64/ld-linux-x86-64.so.2 blocked=/usr/bin/evil dev=254:3 ino=248139 via=mmap\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, ",\"error\":0,\"via\":\"mmap\"") != NULL);
	r.via = 9;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"via\":\"unknown\"") != NULL);
	r.action = 77;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"action\":\"unknown\",") != NULL);
	/* a record cut short is malformed */
	r.h.size = sizeof(r) - 1;
	CHECK(fmt(&r, sizeof(r) - 1, PW_FMT_JSON) == -EINVAL);
}

static void test_oom_kill(void)
{
	struct pw_oom_kill r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_OOM_KILL, sizeof(r));
	r.h.module = PW_MOD_OOM;
	r.victim_pid = 4321;
	strcpy(r.victim_comm, "hog");
	r.constraint = 3;
	r.total_pages = 5120;
	r.points = 4600;
	r.order = 0;
	strcpy(r.message, "Memory cgroup out of memory");
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, "{\"type\":\"oom_kill\",\"time\":\"2026-11-22T10:11:12.123456789Z\","
		  "\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,\"gid\":1001,\"comm\":\"bash\","
		  "\"cgroup_id\":4242,\"exec_id\":77,\"parent_exec_id\":66,\"module\":\"oom\",\"cpu\":3"
		  ",\"cgroup\":null,\"container_id\":null,\"container_runtime\":null," NS_JSON
		  ",\"victim_pid\":4321,\"victim_comm\":\"hog\",\"constraint\":\"memcg\","
		  "\"total_pages\":5120,\"points\":4600,\"order\":0,"
		  "\"message\":\"Memory cgroup out of memory\"" NO_LINEAGE "}\n");
	CHECK_TEXT(&r, sizeof(r), "oom_kill " COLS "victim=4321 hog memcg total_pages=5120 "
		   "points=4600 order=0 message=Memory cgroup out of memory\n");
	/* a constraint this build does not know is no crash */
	r.constraint = 9;
	r.order = -1;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"constraint\":\"?\",") != NULL);
	CHECK(strstr(out.data, "\"order\":-1,") != NULL);
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK(strstr(out.data, "oom_kill") != NULL);
	r.h.size = sizeof(r) - 1;
	CHECK(fmt(&r, sizeof(r) - 1, PW_FMT_JSON) == -EINVAL);
}

/* ---- text and JSON of every other event type ---- */

static void test_syscall(void)
{
	struct pw_syscall r;
	char want[1024];

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_SYSCALL, PW_MOD_SYSCALL, sizeof(r));
	r.nr = SYS_openat;		/* 257 on x86-64, 56 on arm64 */
	r.args[0] = (__u64)-100LL;	/* AT_FDCWD */
	r.args[1] = 0x7ffd5e3c1a20ULL;
	r.args[2] = 0x80241;		/* O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC */
	r.args[3] = 0644;
	r.ret = -13;
	r.latency_ns = 1500;
	CHECK_TEXT(&r, sizeof(r), "syscall " COLS "openat(0xffffffffffffff9c, 0x7ffd5e3c1a20, "
		   "0x80241, 0x1a4, 0, 0) = -13 lat_ns=1500\n");
	snprintf(want, sizeof(want), HDR_JSON_M("syscall", "syscall")
		 ",\"nr\":%d,\"name\":\"openat\",\"args\":[18446744073709551516,"
		 "140726184450592,524865,420,0,0],\"ret\":-13,\"latency_ns\":1500" NO_LINEAGE "}\n",
		 (int)SYS_openat);
	CHECK_JSON(&r, sizeof(r), want);

	/* a number past the table: syscall_N, JSON name null; no latency */
	r.nr = 600;
	memset(r.args, 0, sizeof(r.args));
	r.args[0] = 1;
	r.ret = 0;
	r.latency_ns = 0;
	CHECK_TEXT(&r, sizeof(r), "syscall " COLS "syscall_600(0x1, 0, 0, 0, 0, 0) = 0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("syscall", "syscall")
		   ",\"nr\":600,\"name\":null,\"args\":[1,0,0,0,0,0],\"ret\":0,\"latency_ns\":0" NO_LINEAGE "}\n");
}

/* open and unlink records end after the NUL of path; rename ones are whole */
static size_t make_file(struct pw_file *r, unsigned int type, unsigned int sys,
			const char *path, const char *new_path)
{
	size_t len;

	memset(r, 0, sizeof(*r));
	r->syscall = (__u16)sys;
	r->dfd = r->new_dfd = AT_FDCWD;
	strcpy(r->path, path);
	if (new_path)
		strcpy(r->new_path, new_path);
	len = new_path ? sizeof(*r) : offsetof(struct pw_file, path) + strlen(path) + 1;
	fill_hdr_m(&r->h, type, PW_MOD_FILE, len);
	return len;
}

static void test_file(void)
{
	struct pw_file r;
	size_t len;

	/* relative path: dfd shown; O_CREAT: mode shown */
	len = make_file(&r, PW_EV_OPEN, PW_FILE_SYS_OPENAT, "log.txt", NULL);
	r.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
	r.mode = 0644;
	r.ret = 3;
	r.dfd = 5;
	CHECK_TEXT(&r, len, "open  " COLS "openat log.txt "
		   "flags=O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC mode=0644 ret=3 dfd=5\n");
	CHECK_JSON(&r, len, HDR_JSON_M("open", "file")
		   ",\"syscall\":\"openat\",\"path\":\"log.txt\",\"flags\":524865,"
		   "\"mode\":420,\"ret\":3,\"dfd\":5" NO_LINEAGE "}\n");

	/* failure: errno by name; absolute path: no dfd */
	len = make_file(&r, PW_EV_OPEN, PW_FILE_SYS_OPEN, "/etc/shadow", NULL);
	r.flags = O_RDONLY | O_CLOEXEC;
	r.ret = -EACCES;
	CHECK_TEXT(&r, len, "open  " COLS "open /etc/shadow flags=O_RDONLY|O_CLOEXEC "
		   "ret=-13(EACCES)\n");
	CHECK_JSON(&r, len, HDR_JSON_M("open", "file")
		   ",\"syscall\":\"open\",\"path\":\"/etc/shadow\",\"flags\":524288,"
		   "\"mode\":0,\"ret\":-13,\"dfd\":-100" NO_LINEAGE "}\n");

	/* O_TMPFILE (it includes O_DIRECTORY) gets a mode too */
	len = make_file(&r, PW_EV_OPEN, PW_FILE_SYS_OPENAT2, "/tmp", NULL);
	r.flags = O_RDWR | __O_TMPFILE;	/* O_TMPFILE */
	r.mode = 0600;
	r.ret = 4;
	CHECK_TEXT(&r, len, "open  " COLS "openat2 /tmp flags=O_RDWR|O_TMPFILE mode=0600 ret=4\n");

	len = make_file(&r, PW_EV_UNLINK, PW_FILE_SYS_UNLINKAT, "/tmp/d", NULL);
	r.flags = AT_REMOVEDIR;
	r.ret = -ENOTEMPTY;
	CHECK_TEXT(&r, len, "unlink " COLS "unlinkat /tmp/d flags=AT_REMOVEDIR "
		   "ret=-39(ENOTEMPTY)\n");
	CHECK_JSON(&r, len, HDR_JSON_M("unlink", "file")
		   ",\"syscall\":\"unlinkat\",\"path\":\"/tmp/d\",\"flags\":512,"
		   "\"ret\":-39,\"dfd\":-100" NO_LINEAGE "}\n");
	len = make_file(&r, PW_EV_UNLINK, PW_FILE_SYS_UNLINKAT, "rc", NULL);
	r.dfd = 4;
	CHECK_TEXT(&r, len, "unlink " COLS "unlinkat rc ret=0 dfd=4\n");

	len = make_file(&r, PW_EV_RENAME, PW_FILE_SYS_RENAMEAT2, "a.tmp", "/srv/a");
	r.flags = 1;	/* RENAME_NOREPLACE */
	r.ret = -EEXIST;
	r.dfd = 7;
	CHECK_TEXT(&r, len, "rename " COLS "renameat2 a.tmp -> /srv/a flags=RENAME_NOREPLACE "
		   "ret=-17(EEXIST) dfd=7\n");
	CHECK_JSON(&r, len, HDR_JSON_M("rename", "file")
		   ",\"syscall\":\"renameat2\",\"path\":\"a.tmp\",\"new_path\":\"/srv/a\","
		   "\"flags\":1,\"ret\":-17,\"dfd\":7,\"new_dfd\":-100" NO_LINEAGE "}\n");
	len = make_file(&r, PW_EV_RENAME, PW_FILE_SYS_RENAMEAT, "x", "y");
	r.flags = 0;
	r.dfd = 3;
	r.new_dfd = 9;
	CHECK_TEXT(&r, len, "rename " COLS "renameat x -> y ret=0 dfd=3 new_dfd=9\n");
}

/* A connect/accept/bind/listen record, cut after path_len bytes of path. */
static size_t make_sock(struct pw_sock_call *r, unsigned int type, unsigned int family,
			const char *saddr, unsigned int sport, const char *daddr,
			unsigned int dport)
{
	size_t len = offsetof(struct pw_sock_call, path) + r->path_len;

	r->t.family = (__u16)family;
	if (saddr) {
		set_addr(r->t.saddr, saddr);
		r->t.sport = (__u16)sport;
		r->t.flags |= PW_NET_HAS_SADDR;
	}
	if (daddr) {
		set_addr(r->t.daddr, daddr);
		r->t.dport = (__u16)dport;
		r->t.flags |= PW_NET_HAS_DADDR;
	}
	fill_hdr_m(&r->h, type, PW_MOD_NET, len);
	return len;
}

static void test_sock_calls(void)
{
	struct pw_sock_call r;
	size_t len;

	/* connect: IPv4 TCP, non-blocking (-EINPROGRESS) */
	memset(&r, 0, sizeof(r));
	r.sock_type = 1;	/* SOCK_STREAM */
	r.protocol = 6;		/* TCP */
	r.fd = 3;
	r.ret = -115;
	len = make_sock(&r, PW_EV_CONNECT, PW_AF_INET, "10.0.0.5", 43210, "93.184.216.34", 443);
	CHECK_TEXT(&r, len, "connect " COLS "AF_INET TCP 10.0.0.5:43210 > 93.184.216.34:443 "
		   "fd=3 ret=-115\n");
	CHECK_JSON(&r, len, HDR_JSON_M("connect", "net")
		   ",\"family\":\"AF_INET\",\"saddr\":\"10.0.0.5\",\"sport\":43210,"
		   "\"daddr\":\"93.184.216.34\",\"dport\":443,\"protocol\":\"TCP\","
		   "\"sock_type\":\"SOCK_STREAM\",\"path\":null,\"fd\":3,\"bound_if\":0,"
		   "\"opts\":[],\"ret\":-115" NO_LINEAGE "}\n");

	/* connect: AF_UNIX abstract name */
	memset(&r, 0, sizeof(r));
	r.sock_type = 1;
	r.fd = 5;
	memcpy(r.path, "\0dbus-abc", 9);
	r.path_len = 9;
	len = make_sock(&r, PW_EV_CONNECT, PW_AF_UNIX, NULL, 0, NULL, 0);
	CHECK_TEXT(&r, len, "connect " COLS "AF_UNIX SOCK_STREAM path=@dbus-abc fd=5 ret=0\n");
	CHECK_JSON(&r, len, HDR_JSON_M("connect", "net")
		   ",\"family\":\"AF_UNIX\",\"saddr\":null,\"sport\":0,\"daddr\":null,"
		   "\"dport\":0,\"protocol\":null,\"sock_type\":\"SOCK_STREAM\","
		   "\"path\":\"@dbus-abc\",\"fd\":5,\"bound_if\":0,\"opts\":[],\"ret\":0" NO_LINEAGE "}\n");

	/* accept: IPv6, ret the new fd, fd the listener */
	memset(&r, 0, sizeof(r));
	r.sock_type = 1;
	r.protocol = 6;
	r.fd = 4;
	r.ret = 7;
	len = make_sock(&r, PW_EV_ACCEPT, PW_AF_INET6, "2001:db8::10", 443,
			"2001:db8:0:1::20", 51514);
	CHECK_TEXT(&r, len, "accept " COLS "AF_INET6 TCP [2001:db8::10]:443 > "
		   "[2001:db8:0:1::20]:51514 fd=4 ret=7\n");
	CHECK_JSON(&r, len, HDR_JSON_M("accept", "net")
		   ",\"family\":\"AF_INET6\",\"saddr\":\"2001:db8::10\",\"sport\":443,"
		   "\"daddr\":\"2001:db8:0:1::20\",\"dport\":51514,\"protocol\":\"TCP\","
		   "\"sock_type\":\"SOCK_STREAM\",\"path\":null,\"fd\":4,\"bound_if\":0,"
		   "\"opts\":[],\"ret\":7" NO_LINEAGE "}\n");

	/* bind: UDP on every address, bound to a device, options by name */
	memset(&r, 0, sizeof(r));
	r.sock_type = 2;	/* SOCK_DGRAM */
	r.protocol = 17;	/* UDP */
	r.fd = 6;
	r.bound_if = 2;
	r.opts = PW_SOCK_OPT_REUSEADDR | PW_SOCK_OPT_REUSEPORT;
	len = make_sock(&r, PW_EV_BIND, PW_AF_INET, "0.0.0.0", 53, NULL, 0);
	CHECK_TEXT(&r, len, "bind  " COLS "AF_INET UDP 0.0.0.0:53 fd=6 if=2 "
		   "opts=SO_REUSEADDR,SO_REUSEPORT ret=0\n");
	CHECK_JSON(&r, len, HDR_JSON_M("bind", "net")
		   ",\"family\":\"AF_INET\",\"saddr\":\"0.0.0.0\",\"sport\":53,\"daddr\":null,"
		   "\"dport\":0,\"protocol\":\"UDP\",\"sock_type\":\"SOCK_DGRAM\",\"path\":null,"
		   "\"fd\":6,\"bound_if\":2,\"opts\":[\"SO_REUSEADDR\",\"SO_REUSEPORT\"],"
		   "\"ret\":0" NO_LINEAGE "}\n");

	/* bind: AF_UNIX pathname (path_len counts the NUL), -EADDRINUSE */
	memset(&r, 0, sizeof(r));
	r.sock_type = 1;
	r.fd = 3;
	r.ret = -98;
	strcpy(r.path, "/run/app.sock");
	r.path_len = 14;
	len = make_sock(&r, PW_EV_BIND, PW_AF_UNIX, NULL, 0, NULL, 0);
	CHECK_TEXT(&r, len, "bind  " COLS "AF_UNIX SOCK_STREAM path=/run/app.sock fd=3 ret=-98\n");

	/* listen: IPv6 any address, backlog */
	memset(&r, 0, sizeof(r));
	r.sock_type = 1;
	r.protocol = 6;
	r.fd = 3;
	r.backlog = 4096;
	r.opts = PW_SOCK_OPT_REUSEADDR;
	len = make_sock(&r, PW_EV_LISTEN, PW_AF_INET6, "::", 8080, NULL, 0);
	CHECK_TEXT(&r, len, "listen " COLS "AF_INET6 TCP [::]:8080 fd=3 backlog=4096 "
		   "opts=SO_REUSEADDR ret=0\n");
	CHECK_JSON(&r, len, HDR_JSON_M("listen", "net")
		   ",\"family\":\"AF_INET6\",\"saddr\":\"::\",\"sport\":8080,\"daddr\":null,"
		   "\"dport\":0,\"protocol\":\"TCP\",\"sock_type\":\"SOCK_STREAM\",\"path\":null,"
		   "\"fd\":3,\"backlog\":4096,\"bound_if\":0,\"opts\":[\"SO_REUSEADDR\"],"
		   "\"ret\":0" NO_LINEAGE "}\n");
}

static void set_tuple(struct pw_net_tuple *t, unsigned int family, const char *saddr,
		      unsigned int sport, const char *daddr, unsigned int dport)
{
	memset(t, 0, sizeof(*t));
	t->family = (__u16)family;
	set_addr(t->saddr, saddr);
	set_addr(t->daddr, daddr);
	t->sport = (__u16)sport;
	t->dport = (__u16)dport;
	t->flags = PW_NET_HAS_SADDR | PW_NET_HAS_DADDR;
}

static void test_tcp(void)
{
	struct pw_tcp_state s;
	struct pw_tcp_retransmit r;

	/* connect latency */
	memset(&s, 0, sizeof(s));
	fill_hdr_m(&s.h, PW_EV_TCP_STATE, PW_MOD_NET, sizeof(s));
	set_tuple(&s.t, PW_AF_INET, "10.0.0.5", 43210, "93.184.216.34", 443);
	s.old_state = PW_TCP_SYN_SENT;
	s.new_state = PW_TCP_ESTABLISHED;
	s.pid_source = PW_NET_PID_SOCKET;
	s.latency_ns = 1234567;
	s.old_state_ns = 1234567;
	CHECK_TEXT(&s, sizeof(s), "tcp_state " COLS "AF_INET 10.0.0.5:43210 > 93.184.216.34:443 "
		   "SYN_SENT->ESTABLISHED lat=1.234ms in_old=1.234ms\n");
	CHECK_JSON(&s, sizeof(s), HDR_JSON_M("tcp_state", "net")
		   ",\"family\":\"AF_INET\",\"saddr\":\"10.0.0.5\",\"sport\":43210,"
		   "\"daddr\":\"93.184.216.34\",\"dport\":443,\"old_state\":\"SYN_SENT\","
		   "\"new_state\":\"ESTABLISHED\",\"latency_ns\":1234567,\"duration_ns\":0,"
		   "\"old_state_ns\":1234567,\"bytes_sent\":0,\"bytes_received\":0,"
		   "\"pid_source\":\"socket\"" NO_LINEAGE "}\n");

	/* close: lifetime and bytes; a v4-mapped peer of an IPv6 socket */
	memset(&s, 0, sizeof(s));
	fill_hdr_m(&s.h, PW_EV_TCP_STATE, PW_MOD_NET, sizeof(s));
	set_tuple(&s.t, PW_AF_INET6, "2001:db8::10", 443, "::ffff:192.0.2.7", 50000);
	s.old_state = 9;	/* LAST_ACK */
	s.new_state = PW_TCP_CLOSE;
	s.pid_source = PW_NET_PID_CURRENT;
	s.duration_ns = 5500000000ULL;
	s.old_state_ns = 200000;
	s.bytes_sent = 1024;
	s.bytes_received = 65536;
	CHECK_TEXT(&s, sizeof(s), "tcp_state " COLS "AF_INET6 [2001:db8::10]:443 > "
		   "[::ffff:192.0.2.7]:50000 LAST_ACK->CLOSE dur=5500.000ms in_old=0.200ms "
		   "tx=1024 rx=65536\n");
	CHECK_JSON(&s, sizeof(s), HDR_JSON_M("tcp_state", "net")
		   ",\"family\":\"AF_INET6\",\"saddr\":\"2001:db8::10\",\"sport\":443,"
		   "\"daddr\":\"::ffff:192.0.2.7\",\"dport\":50000,\"old_state\":\"LAST_ACK\","
		   "\"new_state\":\"CLOSE\",\"latency_ns\":0,\"duration_ns\":5500000000,"
		   "\"old_state_ns\":200000,\"bytes_sent\":1024,\"bytes_received\":65536,"
		   "\"pid_source\":\"current\"" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_RETRANSMIT, PW_MOD_NET, sizeof(r));
	set_tuple(&r.t, PW_AF_INET, "10.0.0.5", 43210, "93.184.216.34", 443);
	r.state = PW_TCP_ESTABLISHED;
	r.pid_source = PW_NET_PID_CURRENT;
	CHECK_TEXT(&r, sizeof(r), "retransmit " COLS "AF_INET 10.0.0.5:43210 > "
		   "93.184.216.34:443 state=ESTABLISHED\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("retransmit", "net")
		   ",\"family\":\"AF_INET\",\"saddr\":\"10.0.0.5\",\"sport\":43210,"
		   "\"daddr\":\"93.184.216.34\",\"dport\":443,\"state\":\"ESTABLISHED\","
		   "\"pid_source\":\"current\"" NO_LINEAGE "}\n");
	r.state = 99;
	set_tuple(&r.t, PW_AF_INET6, "fe80::1", 22, "fe80::2:0:0:3", 60000);
	CHECK_TEXT(&r, sizeof(r), "retransmit " COLS "AF_INET6 [fe80::1]:22 > "
		   "[fe80::2:0:0:3]:60000 state=STATE_99\n");
}

static void test_signal(void)
{
	struct pw_signal r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_SIGNAL, PW_MOD_SIGNAL, sizeof(r));
	r.source = PW_SIG_SRC_KILL;
	r.sig = 15;
	r.target_pid = 4321;
	r.sender_pid = 100;
	CHECK_TEXT(&r, sizeof(r), "signal " COLS "kill sig=SIGTERM target=4321 ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("signal", "signal")
		   ",\"source\":\"kill\",\"sig\":15,\"target_pid\":4321,\"target_tid\":0,"
		   "\"target_comm\":\"\",\"sender_pid\":100,\"ret\":0,\"result\":0,\"code\":0,"
		   "\"group\":false" NO_LINEAGE "}\n");

	/* to a process group that is gone */
	r.sig = 9;
	r.target_pid = -4321;
	r.ret = -ESRCH;
	CHECK_TEXT(&r, sizeof(r), "signal " COLS "kill sig=SIGKILL target=-4321 ret=-3(ESRCH)\n");

	/* a real-time signal has no name */
	r.source = PW_SIG_SRC_TGKILL;
	r.sig = 34;
	r.target_pid = 4321;
	r.target_tid = 4325;
	r.ret = 0;
	CHECK_TEXT(&r, sizeof(r), "signal " COLS "tgkill sig=34 target=4321 tid=4325 ret=0\n");

	/* generate: the kernel's SIGCHLD to a process (tid == pid: not shown) */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_SIGNAL, PW_MOD_SIGNAL, sizeof(r));
	r.source = PW_SIG_SRC_GENERATE;
	r.sig = 17;
	r.target_pid = 8916;
	r.target_tid = 8916;
	strcpy(r.target_comm, "make");
	r.code = 1;		/* CLD_EXITED */
	r.sender_pid = 100;
	r.group = 1;
	CHECK_TEXT(&r, sizeof(r), "signal " COLS "generate sig=SIGCHLD target=8916 "
		   "target_comm=make result=delivered code=1\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("signal", "signal")
		   ",\"source\":\"generate\",\"sig\":17,\"target_pid\":8916,\"target_tid\":8916,"
		   "\"target_comm\":\"make\",\"sender_pid\":100,\"ret\":0,\"result\":0,\"code\":1,"
		   "\"group\":true" NO_LINEAGE "}\n");
	/* to one thread, already pending */
	r.sig = 11;
	r.target_tid = 8920;
	strcpy(r.target_comm, "worker");
	r.result = 2;
	r.code = 0x80;		/* SI_KERNEL */
	r.group = 0;
	CHECK_TEXT(&r, sizeof(r), "signal " COLS "generate sig=SIGSEGV target=8916 tid=8920 "
		   "target_comm=worker result=already_pending code=128\n");
}

static void test_ptrace(void)
{
	struct pw_ptrace r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_PTRACE, PW_MOD_PTRACE, sizeof(r));
	r.syscall = PW_PTRACE_SYS_PTRACE;
	r.request = 16;		/* PTRACE_ATTACH */
	r.target_pid = 4321;
	r.target_source = PW_PTRACE_TARGET_TASK;
	strcpy(r.target_comm, "sshd");
	CHECK_TEXT(&r, sizeof(r), "ptrace " COLS "ATTACH target=4321 target_comm=sshd ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("ptrace", "ptrace")
		   ",\"request\":\"ATTACH\",\"syscall\":\"ptrace\",\"request_nr\":16,"
		   "\"target_pid\":4321,\"target_comm\":\"sshd\",\"addr\":0,\"data\":0,"
		   "\"ret\":0" NO_LINEAGE "}\n");

	/* a word written into the tracee, refused */
	r.request = 5;		/* PTRACE_POKEDATA */
	r.addr = 0x7f0012345678;
	r.data = 0xcc;
	r.ret = -EPERM;
	r.target_comm[0] = '\0';
	CHECK_TEXT(&r, sizeof(r), "ptrace " COLS "POKEDATA target=4321 addr=0x7f0012345678 "
		   "data=0xcc ret=-1(EPERM)\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("ptrace", "ptrace")
		   ",\"request\":\"POKEDATA\",\"syscall\":\"ptrace\",\"request_nr\":5,"
		   "\"target_pid\":4321,\"target_comm\":\"\",\"addr\":139638282147448,"
		   "\"data\":204,\"ret\":-1" NO_LINEAGE "}\n");

	/* glibc's spelling, and a request this build does not know */
	r.request = 6;
	r.ret = 0;
	CHECK_TEXT(&r, sizeof(r), "ptrace " COLS "POKEUSER target=4321 addr=0x7f0012345678 "
		   "data=0xcc ret=0\n");
	r.request = 0x4299;
	r.addr = 0;
	r.data = 0;
	CHECK_TEXT(&r, sizeof(r), "ptrace " COLS "0x4299 target=4321 ret=0\n");

	/* process_vm_writev: the bytes copied */
	r.syscall = PW_PTRACE_SYS_VM_WRITEV;
	r.request = 0;
	r.addr = 0x55aa00001000;
	r.data = 2;
	r.ret = 4096;
	strcpy(r.target_comm, "nginx");
	CHECK_TEXT(&r, sizeof(r), "ptrace " COLS "vm_writev target=4321 target_comm=nginx "
		   "addr=0x55aa00001000 bytes=4096 ret=4096\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("ptrace", "ptrace")
		   ",\"request\":\"vm_writev\",\"syscall\":\"process_vm_writev\","
		   "\"target_pid\":4321,\"target_comm\":\"nginx\",\"addr\":94188632805376,"
		   "\"iovcnt\":2,\"bytes\":4096,\"ret\":4096" NO_LINEAGE "}\n");
	r.syscall = PW_PTRACE_SYS_VM_READV;
	r.ret = -ESRCH;
	CHECK_TEXT(&r, sizeof(r), "ptrace " COLS "vm_readv target=4321 target_comm=nginx "
		   "addr=0x55aa00001000 bytes=0 ret=-3(ESRCH)\n");
}

static void test_namespace(void)
{
	struct pw_namespace r;
	const char *inodes = ",\"ns\":{\"mnt\":4026531832,\"pid\":4026531836,"
		"\"net\":4026532176,\"user\":4026531837,\"uts\":4026531838,"
		"\"ipc\":4026531839,\"cgroup\":4026531835,\"time\":4026531834}";
	char want[1024];

	/* unshare -n -m: the new namespaces' inodes in text, all in JSON */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_NAMESPACE, PW_MOD_NS, sizeof(r));
	r.syscall = PW_NS_SYS_UNSHARE;
	r.flags = 0x40000000 | 0x00020000;	/* CLONE_NEWNET|CLONE_NEWNS */
	r.ns = (struct pw_ns_inodes){ 4026531832, 4026531836, 4026532176, 4026531837,
				      4026531838, 4026531839, 4026531835, 4026531834 };
	CHECK_TEXT(&r, sizeof(r), "namespace " COLS "unshare flags=CLONE_NEWNS|CLONE_NEWNET "
		   "mnt=4026531832 net=4026532176 ret=0\n");
	snprintf(want, sizeof(want), "%s%s%s", HDR_JSON_NS("namespace", "ns", "")
		 ",\"syscall\":\"unshare\",\"flags\":[\"CLONE_NEWNS\",\"CLONE_NEWNET\"],"
		 "\"ns_type\":null,\"ns_inode\":null,\"ns_of\":\"caller\"", inodes,
		 ",\"ret\":0" NO_LINEAGE "}\n");
	CHECK_JSON(&r, sizeof(r), want);

	/* setns with nstype 0: the type and inode come from the fd */
	r.syscall = PW_NS_SYS_SETNS;
	r.flags = 0;
	r.ns_type = 0x40000000;
	r.ns_inode = 4026532176;
	CHECK_TEXT(&r, sizeof(r), "namespace " COLS "setns type=net inode=4026532176 "
		   "net=4026532176 ret=0\n");
	snprintf(want, sizeof(want), "%s%s%s", HDR_JSON_NS("namespace", "ns", "")
		 ",\"syscall\":\"setns\",\"flags\":[],\"ns_type\":\"net\","
		 "\"ns_inode\":4026532176,\"ns_of\":\"caller\"", inodes, ",\"ret\":0" NO_LINEAGE "}\n");
	CHECK_JSON(&r, sizeof(r), want);

	/* setns refused; a bit without a name */
	r.flags = 0x10000000 | 0x1;
	r.ns_type = 0x10000000;
	r.ns_inode = 0;
	r.ret = -EPERM;
	CHECK_TEXT(&r, sizeof(r), "namespace " COLS "setns flags=CLONE_NEWUSER|0x1 type=user "
		   "user=4026531837 ret=-1(EPERM)\n");

	/* clone3 in the parent: the child's inodes, its pid in ret */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_NAMESPACE, PW_MOD_NS, sizeof(r));
	r.syscall = PW_NS_SYS_CLONE3;
	r.flags = 0x20000000 | 0x80;	/* CLONE_NEWPID|CLONE_NEWTIME */
	r.ns_of = PW_NS_OF_CHILD;
	r.ns.pid = 4026532180;
	r.ns.time = 4026532181;
	r.ret = 4321;
	CHECK_TEXT(&r, sizeof(r), "namespace " COLS "clone3 flags=CLONE_NEWPID|CLONE_NEWTIME "
		   "child pid=4026532180 time=4026532181 ret=4321\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_NS("namespace", "ns", "")
		   ",\"syscall\":\"clone3\",\"flags\":[\"CLONE_NEWPID\",\"CLONE_NEWTIME\"],"
		   "\"ns_type\":null,\"ns_inode\":null,\"ns_of\":\"child\",\"ns\":{\"mnt\":0,"
		   "\"pid\":4026532180,\"net\":0,\"user\":0,\"uts\":0,\"ipc\":0,\"cgroup\":0,"
		   "\"time\":4026532181},\"ret\":4321" NO_LINEAGE "}\n");
}

static void test_mount(void)
{
	struct pw_mount r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_MOUNT, PW_MOD_MOUNT, sizeof(r));
	r.syscall = PW_MOUNT_SYS_MOUNT;
	strcpy(r.source, "/dev/sdb1");
	strcpy(r.target, "/mnt/data");
	strcpy(r.fstype, "ext4");
	strcpy(r.data, "errors=remount-ro");
	r.flags = 2 | 4 | 8;	/* MS_NOSUID|MS_NODEV|MS_NOEXEC */
	CHECK_TEXT(&r, sizeof(r), "mount " COLS "mount source=/dev/sdb1 target=/mnt/data "
		   "fstype=ext4 flags=MS_NOSUID|MS_NODEV|MS_NOEXEC data=errors=remount-ro ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("mount", "mount")
		   ",\"syscall\":\"mount\",\"source\":\"/dev/sdb1\",\"target\":\"/mnt/data\","
		   "\"fstype\":\"ext4\",\"flags\":14,\"data\":\"errors=remount-ro\","
		   "\"attr_flags\":0,\"from_fd\":0,\"to_fd\":0,\"ret\":0" NO_LINEAGE "}\n");

	/* the old magic in the high bits (its bits overlap MS_POSIXACL, ...) */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_MOUNT, PW_MOD_MOUNT, sizeof(r));
	r.syscall = PW_MOUNT_SYS_MOUNT;
	strcpy(r.source, "/srv");
	strcpy(r.target, "/mnt/srv");
	r.flags = 0xC0ED0000ULL | 4096 | 16384;	/* MS_MGC_VAL|MS_BIND|MS_REC */
	r.ret = -EPERM;
	CHECK_TEXT(&r, sizeof(r), "mount " COLS "mount source=/srv target=/mnt/srv "
		   "flags=MS_MGC_VAL|MS_BIND|MS_REC ret=-1(EPERM)\n");

	/* fsmount: attributes and the fs fd; ret is the mount fd */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_MOUNT, PW_MOD_MOUNT, sizeof(r));
	r.syscall = PW_MOUNT_SYS_FSMOUNT;
	r.flags = 1;		/* FSMOUNT_CLOEXEC */
	r.attr_flags = 0x1 | 0x2;
	r.from_fd = 3;
	r.ret = 4;
	CHECK_TEXT(&r, sizeof(r), "mount " COLS "fsmount flags=FSMOUNT_CLOEXEC "
		   "attr=MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID from_fd=3 ret=4\n");

	/* move_mount: both fds */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_MOUNT, PW_MOD_MOUNT, sizeof(r));
	r.syscall = PW_MOUNT_SYS_MOVE_MOUNT;
	strcpy(r.target, "/mnt/x");
	r.flags = 0x4;		/* MOVE_MOUNT_F_EMPTY_PATH */
	r.from_fd = 4;
	r.to_fd = AT_FDCWD;
	CHECK_TEXT(&r, sizeof(r), "mount " COLS "move_mount target=/mnt/x "
		   "flags=MOVE_MOUNT_F_EMPTY_PATH from_fd=4 to_fd=-100 ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("mount", "mount")
		   ",\"syscall\":\"move_mount\",\"source\":\"\",\"target\":\"/mnt/x\","
		   "\"fstype\":\"\",\"flags\":4,\"data\":\"\",\"attr_flags\":0,\"from_fd\":4,"
		   "\"to_fd\":-100,\"ret\":0" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_UMOUNT, PW_MOD_MOUNT, sizeof(r));
	r.syscall = PW_MOUNT_SYS_UMOUNT2;
	strcpy(r.target, "/mnt/data");
	r.flags = 2;		/* MNT_DETACH */
	r.ret = -EBUSY;
	CHECK_TEXT(&r, sizeof(r), "umount " COLS "umount2 target=/mnt/data flags=MNT_DETACH "
		   "ret=-16(EBUSY)\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("umount", "mount")
		   ",\"syscall\":\"umount2\",\"source\":\"\",\"target\":\"/mnt/data\","
		   "\"fstype\":\"\",\"flags\":2,\"data\":\"\",\"attr_flags\":0,\"from_fd\":0,"
		   "\"to_fd\":0,\"ret\":-16" NO_LINEAGE "}\n");
}

static void test_oom(void)
{
	struct pw_oom r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_OOM, PW_MOD_OOM, sizeof(r));
	r.victim_pid = 4321;
	r.victim_uid = 1000;
	strcpy(r.victim_comm, "hog");
	r.total_vm_kb = 2097152;
	r.anon_rss_kb = 1048576;
	r.file_rss_kb = 2048;
	r.shmem_rss_kb = 0;
	r.pgtables_kb = 4096;
	r.oom_score_adj = 200;
	r.known = PW_OOM_KNOWN_MEM | PW_OOM_KNOWN_PGTABLES | PW_OOM_KNOWN_SCORE_ADJ |
		  PW_OOM_KNOWN_COMM;
	CHECK_TEXT(&r, sizeof(r), "oom   " COLS "victim=4321 hog victim_uid=1000 "
		   "total_vm_kb=2097152 anon_rss_kb=1048576 file_rss_kb=2048 shmem_rss_kb=0 "
		   "pgtables_kb=4096 oom_score_adj=200\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("oom", "oom")
		   ",\"victim_pid\":4321,\"victim_comm\":\"hog\",\"victim_uid\":1000,"
		   "\"total_vm_kb\":2097152,\"anon_rss_kb\":1048576,\"file_rss_kb\":2048,"
		   "\"shmem_rss_kb\":0,\"pgtables_kb\":4096,\"oom_score_adj\":200" NO_LINEAGE "}\n");

	/* a kernel that gives none of the figures: null in JSON, absent in text */
	r.known = PW_OOM_KNOWN_COMM;
	r.victim_uid = PW_OOM_UID_UNKNOWN;
	r.oom_score_adj = -1000;
	CHECK_TEXT(&r, sizeof(r), "oom   " COLS "victim=4321 hog\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("oom", "oom")
		   ",\"victim_pid\":4321,\"victim_comm\":\"hog\",\"victim_uid\":null,"
		   "\"total_vm_kb\":null,\"anon_rss_kb\":null,\"file_rss_kb\":null,"
		   "\"shmem_rss_kb\":null,\"pgtables_kb\":null,\"oom_score_adj\":null" NO_LINEAGE "}\n");
	r.known |= PW_OOM_KNOWN_SCORE_ADJ;
	CHECK_TEXT(&r, sizeof(r), "oom   " COLS "victim=4321 hog oom_score_adj=-1000\n");
}

static void test_block_slow(void)
{
	struct pw_block_slow r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_BLOCK_SLOW, PW_MOD_BLOCK, sizeof(r));
	r.dev = (8u << 20) | 16;
	strcpy(r.disk, "sdb");
	r.op = PW_BLOCK_OP_WRITE;
	r.sector = 123456;
	r.bytes = 4096;
	r.latency_ns = 25500000;
	r.queue_ns = 100000;
	CHECK_TEXT(&r, sizeof(r), "block_slow " COLS "8:16 sdb write sector=123456 bytes=4096 "
		   "lat=25.500ms\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("block_slow", "block")
		   ",\"dev\":\"8:16\",\"disk\":\"sdb\",\"op\":\"write\",\"sector\":123456,"
		   "\"bytes\":4096,\"latency_ns\":25500000,\"queue_ns\":100000,\"error\":0" NO_LINEAGE "}\n");

	/* a failed flush on NVMe (BLK_STS_IOERR), an op this build does not know */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_BLOCK_SLOW, PW_MOD_BLOCK, sizeof(r));
	r.dev = 259u << 20;
	strcpy(r.disk, "nvme0n1");
	r.op = PW_BLOCK_OP_FLUSH;
	r.latency_ns = 1200000000ULL;
	r.error = 10;
	CHECK_TEXT(&r, sizeof(r), "block_slow " COLS "259:0 nvme0n1 flush sector=0 bytes=0 "
		   "lat=1200.000ms error=10\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("block_slow", "block")
		   ",\"dev\":\"259:0\",\"disk\":\"nvme0n1\",\"op\":\"flush\",\"sector\":0,"
		   "\"bytes\":0,\"latency_ns\":1200000000,\"queue_ns\":0,\"error\":10" NO_LINEAGE "}\n");
	r.op = PW_BLOCK_OP_OTHER;
	r.error = 0;
	CHECK_TEXT(&r, sizeof(r), "block_slow " COLS "259:0 nvme0n1 other sector=0 bytes=0 "
		   "lat=1200.000ms\n");
}

static void set_ids(struct pw_cred_ids *ids, __u32 u, __u32 g)
{
	ids->uid = ids->euid = ids->suid = ids->fsuid = u;
	ids->gid = ids->egid = ids->sgid = ids->fsgid = g;
}

static void test_cred(void)
{
	struct pw_cred r;

	/* root drops to nobody: every uid changes, the capabilities go */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CRED, PW_MOD_CRED, sizeof(r));
	r.syscall = PW_CRED_SYS_SETRESUID;
	set_ids(&r.old_ids, 0, 0);
	set_ids(&r.new_ids, 65534, 0);
	r.old_cap_effective = r.old_cap_permitted = 1u << 12 | 1u << 21;	/* NET_ADMIN, SYS_ADMIN */
	r.old_ngroups = 1;
	r.new_ngroups = 1;
	r.groups[0] = 0;
	CHECK_TEXT(&r, sizeof(r), "cred  " COLS "setresuid uid=0->65534 euid=0->65534 "
		   "suid=0->65534 fsuid=0->65534 gid=0 egid=0 sgid=0 fsgid=0 ret=0 "
		   "cap_effective=none cap_permitted=none\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("cred", "cred")
		   ",\"syscall\":\"setresuid\",\"old_uid\":0,\"new_uid\":65534,"
		   "\"old_euid\":0,\"new_euid\":65534,\"old_suid\":0,\"new_suid\":65534,"
		   "\"old_fsuid\":0,\"new_fsuid\":65534,\"old_gid\":0,\"new_gid\":0,"
		   "\"old_egid\":0,\"new_egid\":0,\"old_sgid\":0,\"new_sgid\":0,"
		   "\"old_fsgid\":0,\"new_fsgid\":0,\"ret\":0,"
		   "\"old_cap_effective\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"],"
		   "\"new_cap_effective\":[],"
		   "\"old_cap_permitted\":[\"CAP_NET_ADMIN\",\"CAP_SYS_ADMIN\"],"
		   "\"new_cap_permitted\":[],\"old_ngroups\":1,\"new_ngroups\":1,"
		   "\"groups\":[0]" NO_LINEAGE "}\n");

	/* a failed setuid(0) of nobody: nothing changes */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CRED, PW_MOD_CRED, sizeof(r));
	r.syscall = PW_CRED_SYS_SETUID;
	set_ids(&r.old_ids, 65534, 65534);
	set_ids(&r.new_ids, 65534, 65534);
	r.ret = -EPERM;
	CHECK_TEXT(&r, sizeof(r), "cred  " COLS "setuid uid=65534 euid=65534 suid=65534 "
		   "fsuid=65534 gid=65534 egid=65534 sgid=65534 fsgid=65534 ret=-1(EPERM)\n");

	/* capset: one capability dropped, one unknown to the build added */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CRED, PW_MOD_CRED, sizeof(r));
	r.syscall = PW_CRED_SYS_CAPSET;
	r.old_cap_effective = 1u << 13 | 1u << 0;	/* NET_RAW, CHOWN */
	r.new_cap_effective = 1ULL << 63 | 1u << 0;
	r.old_cap_permitted = r.new_cap_permitted = 1u << 13 | 1u << 0;
	CHECK_TEXT(&r, sizeof(r), "cred  " COLS "capset uid=0 euid=0 suid=0 fsuid=0 gid=0 "
		   "egid=0 sgid=0 fsgid=0 ret=0 cap_effective=-CAP_NET_RAW,+CAP_63\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("cred", "cred")
		   ",\"syscall\":\"capset\",\"old_uid\":0,\"new_uid\":0,"
		   "\"old_euid\":0,\"new_euid\":0,\"old_suid\":0,\"new_suid\":0,"
		   "\"old_fsuid\":0,\"new_fsuid\":0,\"old_gid\":0,\"new_gid\":0,"
		   "\"old_egid\":0,\"new_egid\":0,\"old_sgid\":0,\"new_sgid\":0,"
		   "\"old_fsgid\":0,\"new_fsgid\":0,\"ret\":0,"
		   "\"old_cap_effective\":[\"CAP_CHOWN\",\"CAP_NET_RAW\"],"
		   "\"new_cap_effective\":[\"CAP_CHOWN\",\"CAP_63\"],"
		   "\"old_cap_permitted\":[\"CAP_CHOWN\",\"CAP_NET_RAW\"],"
		   "\"new_cap_permitted\":[\"CAP_CHOWN\",\"CAP_NET_RAW\"],"
		   "\"old_ngroups\":0,\"new_ngroups\":0,\"groups\":[]" NO_LINEAGE "}\n");

	/* setgroups: the first PW_CRED_GROUPS_MAX groups, "..." for more */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CRED, PW_MOD_CRED, sizeof(r));
	r.syscall = PW_CRED_SYS_SETGROUPS;
	set_ids(&r.old_ids, 0, 0);
	set_ids(&r.new_ids, 0, 0);
	r.new_ngroups = 9;
	for (unsigned int i = 0; i < PW_CRED_GROUPS_MAX; i++)
		r.groups[i] = i + 1;
	CHECK_TEXT(&r, sizeof(r), "cred  " COLS "setgroups uid=0 euid=0 suid=0 fsuid=0 gid=0 "
		   "egid=0 sgid=0 fsgid=0 ret=0 groups=1,2,3,4,5,6,7,8,...\n");
	r.new_ngroups = 0;
	CHECK_TEXT(&r, sizeof(r), "cred  " COLS "setgroups uid=0 euid=0 suid=0 fsuid=0 gid=0 "
		   "egid=0 sgid=0 fsgid=0 ret=0 groups=none\n");

	/* an exec of a setuid-root binary (hook commit) */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CRED, PW_MOD_CRED, sizeof(r));
	r.syscall = PW_CRED_SYS_EXECVE;
	set_ids(&r.old_ids, 1000, 1000);
	set_ids(&r.new_ids, 1000, 1000);
	r.new_ids.euid = r.new_ids.suid = r.new_ids.fsuid = 0;
	CHECK_TEXT(&r, sizeof(r), "cred  " COLS "execve uid=1000 euid=1000->0 suid=1000->0 "
		   "fsuid=1000->0 gid=1000 egid=1000 sgid=1000 fsgid=1000 ret=0\n");
}

static void test_capable(void)
{
	struct pw_capable r;

	/* kprobe: opts known, an audited denial */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CAPABLE, PW_MOD_CAPABILITY, sizeof(r));
	r.cap = 21;
	r.ret = -1;
	r.opts_known = 1;
	r.target_userns = 4026531837u;
	CHECK_TEXT(&r, sizeof(r), "capable " COLS "CAP_SYS_ADMIN ret=-1 denied\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("capable", "capability")
		   ",\"cap\":21,\"cap_name\":\"CAP_SYS_ADMIN\",\"ret\":-1,\"audit\":true,"
		   "\"opts\":0,\"userns\":4026531837" NO_LINEAGE "}\n");

	/* CAP_OPT_NOAUDIT: the text says noaudit */
	r.cap = 12;
	r.ret = 0;
	r.opts = 2;
	CHECK_TEXT(&r, sizeof(r), "capable " COLS "CAP_NET_ADMIN ret=0 granted noaudit\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("capable", "capability")
		   ",\"cap\":12,\"cap_name\":\"CAP_NET_ADMIN\",\"ret\":0,\"audit\":false,"
		   "\"opts\":2,\"userns\":4026531837" NO_LINEAGE "}\n");

	/* tracepoint: opts unknown */
	r.cap = 7;
	r.opts = 0;
	r.opts_known = 0;
	CHECK_TEXT(&r, sizeof(r), "capable " COLS "CAP_SETUID ret=0 granted\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("capable", "capability")
		   ",\"cap\":7,\"cap_name\":\"CAP_SETUID\",\"ret\":0,\"audit\":null,"
		   "\"opts\":null,\"userns\":4026531837" NO_LINEAGE "}\n");
	r.cap = 63;
	CHECK_TEXT(&r, sizeof(r), "capable " COLS "CAP_63 ret=0 granted\n");
}

static void test_audit(void)
{
	struct pw_audit r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_AUDIT, PW_MOD_AUDIT, sizeof(r));
	r.action = PW_AUDIT_MAP_UPDATE;
	r.bpf_cmd = 2;		/* BPF_MAP_UPDATE_ELEM */
	r.object_id = 17;
	strcpy(r.object_name, "config");
	r.key_len = 4;
	r.value_len = 8;
	r.value[0] = 1;
	r.value[7] = 0xab;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "map_update cmd=2 config id=17\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"map_update\",\"bpf_cmd\":2,\"object_name\":\"config\","
		   "\"object_id\":17,\"key\":\"00000000\",\"value\":\"01000000000000ab\","
		   "\"path\":\"\",\"new_path\":\"\",\"via\":\"entry\"" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_AUDIT, PW_MOD_AUDIT, sizeof(r));
	r.action = PW_AUDIT_OBJ_GET;
	r.bpf_cmd = 7;		/* BPF_OBJ_GET */
	strcpy(r.path, "/sys/fs/bpf/pinwatch/maps/config");
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "obj_get cmd=7 /sys/fs/bpf/pinwatch/maps/config\n");

	/* rename under the pin root: both paths, like a file rename */
	r.action = PW_AUDIT_RENAME;
	r.bpf_cmd = 0;
	strcpy(r.new_path, "/tmp/stolen");
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "rename /sys/fs/bpf/pinwatch/maps/config -> "
		   "/tmp/stolen\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"rename\",\"bpf_cmd\":0,\"object_name\":\"\",\"object_id\":0,"
		   "\"key\":\"\",\"value\":\"\",\"path\":\"/sys/fs/bpf/pinwatch/maps/config\","
		   "\"new_path\":\"/tmp/stolen\",\"via\":\"entry\"" NO_LINEAGE "}\n");

	/* the commands added for the whole map: names are the public API */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_AUDIT, PW_MOD_AUDIT, sizeof(r));
	r.action = PW_AUDIT_MAP_FREEZE;
	r.bpf_cmd = 22;		/* BPF_MAP_FREEZE */
	r.object_id = 17;
	strcpy(r.object_name, "config");
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "map_freeze cmd=22 config id=17\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"map_freeze\",\"bpf_cmd\":22,\"object_name\":\"config\","
		   "\"object_id\":17,\"key\":\"\",\"value\":\"\",\"path\":\"\",\"new_path\":\"\",\"via\":\"entry\"" NO_LINEAGE "}\n");

	/* a batch shows its first entry */
	r.action = PW_AUDIT_MAP_UPDATE_BATCH;
	r.bpf_cmd = 26;		/* BPF_MAP_UPDATE_BATCH */
	strcpy(r.object_name, "filter_pid");
	r.key_len = 4;
	r.key[0] = 0x92;
	r.key[1] = 0x10;
	r.value_len = 1;
	r.value[0] = 1;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "map_update_batch cmd=26 filter_pid id=17\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"map_update_batch\",\"bpf_cmd\":26,\"object_name\":\"filter_pid\","
		   "\"object_id\":17,\"key\":\"92100000\",\"value\":\"01\",\"path\":\"\","
		   "\"new_path\":\"\",\"via\":\"entry\"" NO_LINEAGE "}\n");
	r.value_len = 0;
	r.action = PW_AUDIT_MAP_DELETE_BATCH;
	r.bpf_cmd = 27;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "map_delete_batch cmd=27 filter_pid id=17\n");
	r.action = PW_AUDIT_MAP_LOOKUP_AND_DELETE;
	r.bpf_cmd = 21;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "map_lookup_and_delete cmd=21 filter_pid id=17\n");
	r.action = PW_AUDIT_MAP_LOOKUP_AND_DELETE_BATCH;
	r.bpf_cmd = 25;
	r.key_len = 0;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "map_lookup_and_delete_batch cmd=25 filter_pid id=17\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"map_lookup_and_delete_batch\",\"bpf_cmd\":25,"
		   "\"object_name\":\"filter_pid\",\"object_id\":17,\"key\":\"\",\"value\":\"\","
		   "\"path\":\"\",\"new_path\":\"\",\"via\":\"entry\"" NO_LINEAGE "}\n");

	/* get_fd_by_id: the id asked for, the shared map's name */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_AUDIT, PW_MOD_AUDIT, sizeof(r));
	r.action = PW_AUDIT_GET_FD_BY_ID;
	r.bpf_cmd = 14;		/* BPF_MAP_GET_FD_BY_ID */
	r.object_id = 42;
	strcpy(r.object_name, "stats");
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "get_fd_by_id cmd=14 stats id=42\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"get_fd_by_id\",\"bpf_cmd\":14,\"object_name\":\"stats\","
		   "\"object_id\":42,\"key\":\"\",\"value\":\"\",\"path\":\"\",\"new_path\":\"\",\"via\":\"entry\"" NO_LINEAGE "}\n");

	/* where it was taken: text names it when not at entry */
	r.via = PW_AUDIT_VIA_EXIT;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "get_fd_by_id cmd=14 stats id=42 via=exit\n");
	r.action = PW_AUDIT_UNLINK;
	r.bpf_cmd = 0;
	r.object_id = 0;
	r.object_name[0] = '\0';
	strcpy(r.path, "/sys/fs/bpf/pinwatch/process/link_exit");
	r.via = PW_AUDIT_VIA_LSM;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "unlink /sys/fs/bpf/pinwatch/process/link_exit via=lsm\n");
	r.via = PW_AUDIT_VIA_IO_URING;
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("audit", "audit")
		   ",\"action\":\"unlink\",\"bpf_cmd\":0,\"object_name\":\"\","
		   "\"object_id\":0,\"key\":\"\",\"value\":\"\","
		   "\"path\":\"/sys/fs/bpf/pinwatch/process/link_exit\",\"new_path\":\"\","
		   "\"via\":\"io_uring\"" NO_LINEAGE "}\n");
	r.via = PW_AUDIT_VIA_COMPAT;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "unlink /sys/fs/bpf/pinwatch/process/link_exit via=compat\n");
	r.action = PW_AUDIT_UMOUNT;
	r.via = PW_AUDIT_VIA_ENTRY;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "umount /sys/fs/bpf/pinwatch/process/link_exit\n");
	r.action = PW_AUDIT_GET_FD_BY_ID;
	r.bpf_cmd = 14;
	r.object_id = 42;
	strcpy(r.object_name, "stats");
	r.path[0] = '\0';

	/* an action beyond the table */
	r.action = 99;
	CHECK_TEXT(&r, sizeof(r), "audit " COLS "unknown cmd=14 stats id=42\n");
}

static void test_kmod(void)
{
	struct pw_kmod_load l;
	struct pw_kmod_unload u;

	memset(&l, 0, sizeof(l));
	fill_hdr_m(&l.h, PW_EV_KMOD_LOAD, PW_MOD_KMOD, sizeof(l));
	l.syscall = PW_KMOD_SYS_FINIT_MODULE;
	strcpy(l.name, "loop");
	l.taints = 1u << 12 | 1u << 13;	/* O (out of tree), E (unsigned) */
	l.fd = 3;
	strcpy(l.path, "/lib/modules/6.1.0-57-amd64/kernel/drivers/block/loop.ko");
	CHECK_TEXT(&l, sizeof(l), "kmod_load " COLS "finit_module name=loop taints=O|E fd=3 "
		   "flags=0 path=/lib/modules/6.1.0-57-amd64/kernel/drivers/block/loop.ko ret=0\n");
	CHECK_JSON(&l, sizeof(l), HDR_JSON_M("kmod_load", "kmod")
		   ",\"syscall\":\"finit_module\",\"name\":\"loop\",\"taints\":12288,\"fd\":3,"
		   "\"flags\":0,\"path\":\"/lib/modules/6.1.0-57-amd64/kernel/drivers/block/loop.ko\","
		   "\"ret\":0" NO_LINEAGE "}\n");
	/* init_module: no fd, flags nor path in text; a failed load has no name */
	memset(&l, 0, sizeof(l));
	fill_hdr_m(&l.h, PW_EV_KMOD_LOAD, PW_MOD_KMOD, sizeof(l));
	l.syscall = PW_KMOD_SYS_INIT_MODULE;
	l.fd = -1;
	l.ret = -1;
	CHECK_TEXT(&l, sizeof(l), "kmod_load " COLS "init_module name= ret=-1(EPERM)\n");
	CHECK_JSON(&l, sizeof(l), HDR_JSON_M("kmod_load", "kmod")
		   ",\"syscall\":\"init_module\",\"name\":\"\",\"taints\":0,\"fd\":-1,"
		   "\"flags\":0,\"path\":\"\",\"ret\":-1" NO_LINEAGE "}\n");

	memset(&u, 0, sizeof(u));
	fill_hdr_m(&u.h, PW_EV_KMOD_UNLOAD, PW_MOD_KMOD, sizeof(u));
	strcpy(u.name, "loop");
	u.flags = 04000;	/* O_NONBLOCK */
	CHECK_TEXT(&u, sizeof(u), "kmod_unload " COLS "name=loop flags=0x800\n");
	CHECK_JSON(&u, sizeof(u), HDR_JSON_M("kmod_unload", "kmod")
		   ",\"name\":\"loop\",\"flags\":2048" NO_LINEAGE "}\n");
}

static void test_bpf(void)
{
	struct pw_bpf r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_BPF, PW_MOD_BPF, sizeof(r));
	r.cmd = BPF_PROG_LOAD;
	r.prog_type = BPF_PROG_TYPE_TRACEPOINT;
	r.insn_cnt = 2;
	strcpy(r.name, "pw_test_hello");
	r.ret = 4;
	CHECK_TEXT(&r, sizeof(r), "bpf   " COLS "PROG_LOAD prog_type=TRACEPOINT "
		   "prog_name=pw_test_hello insn_cnt=2 ret=4\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("bpf", "bpf")
		   ",\"cmd\":\"PROG_LOAD\",\"prog_type\":\"TRACEPOINT\","
		   "\"prog_name\":\"pw_test_hello\",\"insn_cnt\":2,\"ret\":4" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_BPF, PW_MOD_BPF, sizeof(r));
	r.cmd = BPF_MAP_CREATE;
	r.map_type = BPF_MAP_TYPE_HASH;
	strcpy(r.name, "stash");
	r.ret = 3;
	CHECK_TEXT(&r, sizeof(r), "bpf   " COLS "MAP_CREATE map_type=HASH map_name=stash ret=3\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("bpf", "bpf")
		   ",\"cmd\":\"MAP_CREATE\",\"map_type\":\"HASH\",\"map_name\":\"stash\",\"ret\":3" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_BPF, PW_MOD_BPF, sizeof(r));
	r.cmd = BPF_LINK_CREATE;
	r.attach_type = BPF_TRACE_FENTRY;
	r.ret = -22;
	CHECK_TEXT(&r, sizeof(r), "bpf   " COLS "LINK_CREATE attach_type=TRACE_FENTRY ret=-22(EINVAL)\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("bpf", "bpf")
		   ",\"cmd\":\"LINK_CREATE\",\"attach_type\":\"TRACE_FENTRY\",\"ret\":-22" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_BPF, PW_MOD_BPF, sizeof(r));
	r.cmd = BPF_OBJ_PIN;
	strcpy(r.path, "/sys/fs/bpf/x/hello");
	CHECK_TEXT(&r, sizeof(r), "bpf   " COLS "OBJ_PIN path=/sys/fs/bpf/x/hello ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("bpf", "bpf")
		   ",\"cmd\":\"OBJ_PIN\",\"path\":\"/sys/fs/bpf/x/hello\",\"ret\":0" NO_LINEAGE "}\n");

	/* BTF_LOAD: the command alone; types newer than the build's headers
	 * show as numbers */
	r.cmd = BPF_BTF_LOAD;
	r.ret = 5;
	CHECK_TEXT(&r, sizeof(r), "bpf   " COLS "BTF_LOAD ret=5\n");
	r.cmd = BPF_PROG_LOAD;
	r.prog_type = 999;
	r.name[0] = '\0';
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("bpf", "bpf")
		   ",\"cmd\":\"PROG_LOAD\",\"prog_type\":\"999\",\"prog_name\":\"\",\"insn_cnt\":0,"
		   "\"ret\":5" NO_LINEAGE "}\n");
	r.cmd = 999;
	CHECK_TEXT(&r, sizeof(r), "bpf   " COLS "999 ret=5\n");
}

static void test_uprobes(void)
{
	struct pw_uprobe u;
	struct pw_uprobe_connect c;
	struct pw_uprobe_readline l;
	struct pw_uprobe_getaddrinfo g;

	/* --ret: a pointer return value stays decimal, latency in ms */
	memset(&u, 0, sizeof(u));
	fill_hdr_m(&u.h, PW_EV_UPROBE, PW_MOD_UPROBE, sizeof(u));
	strcpy(u.probe, "malloc");
	u.args[0] = 1024;
	u.flags = PW_UPROBE_F_RET;
	u.ret = 0x55d0c1e2f2a0LL;
	u.latency_ns = 15000;
	CHECK_TEXT(&u, sizeof(u), "uprobe " COLS "probe=malloc args=1024,0,0,0,0,0 "
		   "ret=94355094434464 lat=0.015ms\n");
	CHECK_JSON(&u, sizeof(u), HDR_JSON_M("uprobe", "uprobe")
		   ",\"probe\":\"malloc\",\"args\":[1024,0,0,0,0,0],\"ret\":94355094434464,"
		   "\"latency_ns\":15000" NO_LINEAGE "}\n");
	/* entry only: pointers in hex, ret and latency null */
	u.flags = 0;
	u.args[0] = 0x7ffd5e3c1a20ULL;
	u.args[1] = 65535;
	u.args[2] = 65536;
	CHECK_TEXT(&u, sizeof(u), "uprobe " COLS "probe=malloc args=0x7ffd5e3c1a20,65535,"
		   "0x10000,0,0,0\n");
	CHECK_JSON(&u, sizeof(u), HDR_JSON_M("uprobe", "uprobe")
		   ",\"probe\":\"malloc\",\"args\":[140726184450592,65535,65536,0,0,0],"
		   "\"ret\":null,\"latency_ns\":null" NO_LINEAGE "}\n");

	/* libc connect() to an IPv6 peer, failed */
	memset(&c, 0, sizeof(c));
	c.call.sock_type = 1;
	c.call.protocol = 6;
	c.call.fd = 7;
	c.call.ret = -1;
	c.call.t.family = PW_AF_INET6;
	set_addr(c.call.t.daddr, "2606:4700:4700::1111");
	c.call.t.dport = 443;
	c.call.t.flags = PW_NET_HAS_DADDR;
	strcpy(c.probe, "conn");
	c.latency_ns = 12345678;
	fill_hdr_m(&c.call.h, PW_EV_UPROBE_CONNECT, PW_MOD_UPROBE, sizeof(c));
	CHECK_TEXT(&c, sizeof(c), "uprobe_connect " COLS "probe=conn AF_INET6 TCP - > "
		   "[2606:4700:4700::1111]:443 fd=7 ret=-1 lat=12.345ms\n");
	CHECK_JSON(&c, sizeof(c), HDR_JSON_M("uprobe_connect", "uprobe")
		   ",\"probe\":\"conn\",\"family\":\"AF_INET6\",\"saddr\":null,\"sport\":0,"
		   "\"daddr\":\"2606:4700:4700::1111\",\"dport\":443,\"protocol\":\"TCP\","
		   "\"sock_type\":\"SOCK_STREAM\",\"path\":null,\"fd\":7,\"bound_if\":0,"
		   "\"opts\":[],\"ret\":-1,\"latency_ns\":12345678" NO_LINEAGE "}\n");

	memset(&l, 0, sizeof(l));
	fill_hdr_m(&l.h, PW_EV_UPROBE_READLINE, PW_MOD_UPROBE, sizeof(l));
	strcpy(l.probe, "bashrl");
	strcpy(l.line, "sudo systemctl restart nginx");
	CHECK_TEXT(&l, sizeof(l), "uprobe_readline " COLS "probe=bashrl sudo systemctl "
		   "restart nginx\n");
	CHECK_JSON(&l, sizeof(l), HDR_JSON_M("uprobe_readline", "uprobe")
		   ",\"probe\":\"bashrl\",\"line\":\"sudo systemctl restart nginx\"" NO_LINEAGE "}\n");

	memset(&g, 0, sizeof(g));
	fill_hdr_m(&g.h, PW_EV_UPROBE_GETADDRINFO, PW_MOD_UPROBE, sizeof(g));
	strcpy(g.probe, "gai");
	strcpy(g.host, "example.com");
	strcpy(g.service, "443");
	g.latency_ns = 23456789;
	CHECK_TEXT(&g, sizeof(g), "uprobe_getaddrinfo " COLS "probe=gai example.com "
		   "service=443 ret=0 lat=23.456ms\n");
	CHECK_JSON(&g, sizeof(g), HDR_JSON_M("uprobe_getaddrinfo", "uprobe")
		   ",\"probe\":\"gai\",\"host\":\"example.com\",\"service\":\"443\",\"ret\":0,"
		   "\"latency_ns\":23456789" NO_LINEAGE "}\n");
	/* a resolver timeout: EAI_AGAIN by name, no service */
	strcpy(g.host, "db.internal");
	memset(g.service, 0, sizeof(g.service));
	g.ret = -3;
	g.latency_ns = 5000000000ULL;
	CHECK_TEXT(&g, sizeof(g), "uprobe_getaddrinfo " COLS "probe=gai db.internal "
		   "ret=-3(EAI_AGAIN) lat=5000.000ms\n");
	CHECK_JSON(&g, sizeof(g), HDR_JSON_M("uprobe_getaddrinfo", "uprobe")
		   ",\"probe\":\"gai\",\"host\":\"db.internal\",\"service\":\"\",\"ret\":-3,"
		   "\"latency_ns\":5000000000" NO_LINEAGE "}\n");
}

/* sched/sched_process_fork as a 6.x kernel describes it */
static const char fork_fmt[] =
	"name: sched_process_fork\n"
	"ID: 312\n"
	"format:\n"
	PW_TEST_TP_COMMON_FIELDS
	"\n"
	"\tfield:char parent_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t parent_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:char child_comm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t child_pid;\toffset:44;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"comm=%s pid=%d child_comm=%s child_pid=%d\", REC->parent_comm, "
	"REC->parent_pid, REC->child_comm, REC->child_pid\n";

static void test_tracepoint(void)
{
	static struct pw_tp_format f;
	static struct pw_tracepoint r;
	__s32 ppid = 100, cpid = 4321;
	size_t len = offsetof(struct pw_tracepoint, data) + 48;
	char err[256];

	CHECK(pw_tp_parse_format(fork_fmt, &f, err, sizeof(err)) == 0);
	snprintf(f.system, sizeof(f.system), "sched");
	pw_tp_register(&f);

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_TRACEPOINT, PW_MOD_TPWATCH, len);
	r.tp_id = 312;
	r.data_len = 48;
	memcpy(r.data + 8, "bash", 5);
	memcpy(r.data + 24, &ppid, 4);
	memcpy(r.data + 28, "bash", 5);
	memcpy(r.data + 44, &cpid, 4);
	CHECK_TEXT(&r, len, "tracepoint " COLS "sched:sched_process_fork parent_comm=bash "
		   "parent_pid=100 child_comm=bash child_pid=4321\n");
	CHECK_JSON(&r, len, HDR_JSON_M("tracepoint", "tpwatch")
		   ",\"tracepoint\":\"sched:sched_process_fork\",\"fields\":{\"parent_comm\":"
		   "\"bash\",\"parent_pid\":100,\"child_comm\":\"bash\",\"child_pid\":4321},"
		   "\"truncated\":false" NO_LINEAGE "}\n");
	r.truncated = 1;
	CHECK_TEXT(&r, len, "tracepoint " COLS "sched:sched_process_fork parent_comm=bash "
		   "parent_pid=100 child_comm=bash child_pid=4321 (truncated)\n");
}

static void test_bench(void)
{
	struct pw_bench r;

	fill_hdr_m(&r.h, PW_EV_BENCH, PW_MOD_BENCH, sizeof(r));
	r.seq = 41;
	CHECK_TEXT(&r, sizeof(r), "bench " COLS "seq=41\n");
	/* the bench program's stats key is no module name */
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("bench", "unknown") ",\"seq\":41" NO_LINEAGE "}\n");
}

/* The rule lookup the consumer gives the formatter: slot 2 is a rule,
 * every other slot unknown (deleted). */
static bool test_rule_lookup(unsigned int rule, struct pw_rule_info *ri)
{
	if (rule == PW_RULES_MAX) {	/* the last slot: rule 0, rule_hi 4 */
		ri->name = "last-slot";
		ri->severity = "low";
		ri->tags = "";
		return true;
	}
	if (rule != 3)
		return false;
	ri->name = "shadow-read";
	ri->severity = "high";
	ri->tags = "T1003.008,cred";
	return true;
}

/* An alert: any event whose hdr.rule is set ends with the rule's name,
 * severity and tags; the suppressed event of a throttled rule. */
static void test_rules(void)
{
	struct pw_suppressed r;
	struct pw_fork f;

	pw_event_set_rule_lookup(test_rule_lookup);
	fill_hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.child_pid = 4321;
	f.pad = 0;
	f.h.rule = 3;
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321 ! rule=shadow-read severity=high "
		   "tags=T1003.008,cred\n");
	CHECK_JSON(&f, sizeof(f), HDR_JSON("fork") ",\"child_pid\":4321" NO_LINEAGE ",\"rule\":\"shadow-read\","
		   "\"severity\":\"high\",\"tags\":[\"T1003.008\",\"cred\"]}\n");
	/* the header as an old producer wrote it (type a u16 whose high byte
	 * is 0, rule a u8): the same bytes read the same */
	{
		unsigned char raw[sizeof(f)];
		__u16 t16 = PW_EV_FORK;

		memcpy(raw, &f, sizeof(f));
		memcpy(raw + offsetof(struct pw_hdr, type), &t16, sizeof(t16));
		CHECK_TEXT(raw, sizeof(raw), "fork  " COLS "child=4321 ! rule=shadow-read severity=high "
			   "tags=T1003.008,cred\n");
	}
	/* slot + 1 past 255: rule holds bits 0-7, rule_hi the rest; the
	 * last slot (slot + 1 = PW_RULES_MAX) has rule 0 and is an alert */
	pw_hdr_set_rule(&f.h, PW_RULES_MAX);
	CHECK(f.h.rule == 0 && f.h.rule_hi == PW_RULES_MAX >> 8 && pw_hdr_rule(&f.h) == PW_RULES_MAX);
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321 ! rule=last-slot severity=low\n");
	CHECK_JSON(&f, sizeof(f), HDR_JSON("fork") ",\"child_pid\":4321" NO_LINEAGE ",\"rule\":\"last-slot\","
		   "\"severity\":\"low\",\"tags\":[]}\n");
	/* what a consumer that reads type as a u16 sees of it: a type past
	 * every event type (pw_event_check() refuses it: counted malformed),
	 * never an alert of another rule */
	{
		__u16 t16;

		memcpy(&t16, (const char *)&f + offsetof(struct pw_hdr, type), sizeof(t16));
		CHECK(t16 >= PW_EVENT_CLASS_TYPES);
	}
	pw_hdr_set_rule(&f.h, 300);	/* deleted since: its slot */
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321 ! rule=#299 severity=unknown\n");
	pw_hdr_set_rule(&f.h, 0);
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321\n");
	/* a rule deleted since: its slot, severity unknown */
	f.h.rule = 6;
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321 ! rule=#5 severity=unknown\n");
	CHECK_JSON(&f, sizeof(f), HDR_JSON("fork") ",\"child_pid\":4321" NO_LINEAGE ",\"rule\":\"#5\","
		   "\"severity\":\"unknown\",\"tags\":[]}\n");

	fill_hdr(&r.h, PW_EV_SUPPRESSED, sizeof(r));
	r.h.rule = 3;
	r.count = 41;
	r.pad = 0;
	r.period_ns = 10000000000ULL;
	CHECK_TEXT(&r, sizeof(r), "suppressed " COLS "count=41 period=10.000s ! rule=shadow-read "
		   "severity=high tags=T1003.008,cred\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON("suppressed") ",\"count\":41,\"period_ns\":10000000000"
		   NO_LINEAGE ",\"rule\":\"shadow-read\",\"severity\":\"high\",\"tags\":[\"T1003.008\",\"cred\"]}\n");
	/* short: no suppressed record without its count */
	r.h.size = offsetof(struct pw_suppressed, count);
	CHECK(fmt(&r, r.h.size, PW_FMT_JSON) == -EINVAL);
	pw_event_set_rule_lookup(NULL);
}

/* A refusal by a deny rule: the act, what was refused, errno, the rule's
 * name as the kernel recorded it, then the alert's rule from the header. */
static void test_deny(void)
{
	struct pw_deny r;

	memset(&r, 0, sizeof(r));
	pw_event_set_rule_lookup(test_rule_lookup);
	fill_hdr_m(&r.h, PW_EV_DENY, PW_MOD_DENY, sizeof(r));
	r.h.rule = 3;
	r.act = PW_EV_OPEN;
	r.error = 1;
	snprintf(r.rule, sizeof(r.rule), "shadow-read");
	snprintf(r.path, sizeof(r.path), "/etc/shadow");
	r.open_flags = 0101;	/* O_WRONLY|O_CREAT */
	CHECK_TEXT(&r, sizeof(r), "deny  " COLS "open /etc/shadow flags=O_WRONLY|O_CREAT errno=1(EPERM) "
		   "denied_by=shadow-read ! rule=shadow-read severity=high tags=T1003.008,cred\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("deny", "deny") ",\"act\":\"open\",\"path\":\"/etc/shadow\",\"flags\":65,"
		   "\"errno\":1,\"denied_by\":\"shadow-read\"" NO_LINEAGE ",\"rule\":\"shadow-read\","
		   "\"severity\":\"high\",\"tags\":[\"T1003.008\",\"cred\"]}\n");
	/* connect: the remote end, no path */
	r.act = PW_EV_CONNECT;
	r.t.family = 2;
	r.t.flags = PW_NET_HAS_DADDR;
	r.t.dport = 4444;
	memcpy(r.t.daddr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\1", 16);
	CHECK_TEXT(&r, sizeof(r), "deny  " COLS "connect AF_INET - > 127.0.0.1:4444 errno=1(EPERM) denied_by=shadow-read "
		   "! rule=shadow-read severity=high tags=T1003.008,cred\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("deny", "deny") ",\"act\":\"connect\",\"family\":\"AF_INET\",\"saddr\":null,"
		   "\"sport\":0,\"daddr\":\"127.0.0.1\",\"dport\":4444,\"errno\":1,\"denied_by\":\"shadow-read\""
		   NO_LINEAGE ",\"rule\":\"shadow-read\",\"severity\":\"high\",\"tags\":[\"T1003.008\",\"cred\"]}\n");
	/* short: no deny record without its path */
	r.h.size = offsetof(struct pw_deny, path);
	CHECK(fmt(&r, r.h.size, PW_FMT_JSON) == -EINVAL);
	pw_event_set_rule_lookup(NULL);
}

/* Shedding: an event sent as a sample carries sample_rate (2^sample_log2);
 * the consumer's pressure events, start and end. */
static void test_shedding(void)
{
	struct pw_pressure p;
	struct pw_fork f;

	fill_hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.child_pid = 4321;
	f.pad = 0;
	f.h.sample_log2 = 3;
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321 sample_rate=8\n");
	CHECK_JSON(&f, sizeof(f), HDR_JSON("fork") ",\"child_pid\":4321" NO_LINEAGE
		   ",\"sample_rate\":8}\n");
	f.h.sample_log2 = 0;
	CHECK_JSON(&f, sizeof(f), HDR_JSON("fork") ",\"child_pid\":4321" NO_LINEAGE "}\n");

	memset(&p, 0, sizeof(p));
	fill_hdr(&p.h, PW_EV_PRESSURE, sizeof(p));
	p.state = 1;
	p.max_rate = 16;
	p.shed = 1500;
	p.sampled = 100;
	p.dropped = 7;
	p.types[0] = PW_EV_OPEN;
	p.types[1] = PW_EV_SYSCALL;
	CHECK_TEXT(&p, sizeof(p), "pressure " COLS "state=start max_rate=16 shed=1500 sampled=100 "
		   "dropped=7 types=open,syscall\n");
	CHECK_JSON(&p, sizeof(p), HDR_JSON_M("pressure", "consumer") ",\"state\":\"start\","
		   "\"max_sample_rate\":16,\"shed\":1500,\"sampled\":100,\"dropped\":7,"
		   "\"types\":[\"open\",\"syscall\"]" NO_LINEAGE "}\n");
	p.state = 0;
	p.max_rate = 0;
	p.duration_ns = 2500000000ULL;
	p.types[0] = p.types[1] = 0;
	CHECK_TEXT(&p, sizeof(p), "pressure " COLS "state=end shed=1500 sampled=100 dropped=7 "
		   "dur=2.500s\n");
	CHECK_JSON(&p, sizeof(p), HDR_JSON_M("pressure", "consumer") ",\"state\":\"end\","
		   "\"shed\":1500,\"sampled\":100,\"dropped\":7,\"duration_ns\":2500000000,"
		   "\"types\":[]" NO_LINEAGE "}\n");
}

/* The consumer's self-check: what changed at which pin, the manifest's id
 * and the one found there (0: none). */
static void test_tamper(void)
{
	struct pw_tamper r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_TAMPER, PW_MOD_AUDIT, sizeof(r));
	r.what = PW_TAMPER_DETACHED;
	r.kind = PW_PIN_LINK;
	r.expected_id = 12;
	snprintf(r.pin, sizeof(r.pin), "process/link_exec");
	CHECK_TEXT(&r, sizeof(r), "tamper " COLS "detached process/link_exec link id=12 found=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("tamper", "audit")
		   ",\"what\":\"detached\",\"pin\":\"process/link_exec\",\"kind\":\"link\","
		   "\"expected_id\":12,\"found_id\":0" NO_LINEAGE "}\n");
	r.what = PW_TAMPER_REPLACED;
	r.kind = PW_PIN_PROG;
	r.found_id = 99;
	snprintf(r.pin, sizeof(r.pin), "file/prog_open__tp");
	CHECK_TEXT(&r, sizeof(r), "tamper " COLS "replaced file/prog_open__tp prog id=12 found=99\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("tamper", "audit")
		   ",\"what\":\"replaced\",\"pin\":\"file/prog_open__tp\",\"kind\":\"prog\","
		   "\"expected_id\":12,\"found_id\":99" NO_LINEAGE "}\n");
	r.what = PW_TAMPER_REMOVED;
	r.found_id = 0;
	CHECK_TEXT(&r, sizeof(r), "tamper " COLS "removed file/prog_open__tp prog id=12 found=0\n");
	/* short: no tamper record without its pin */
	r.h.size = offsetof(struct pw_tamper, pin);
	CHECK(fmt(&r, r.h.size, PW_FMT_JSON) == -EINVAL);
}

/* Every type the decoder knows has a text line compared exactly above: a
 * new event type fails here until its test is written. Runs last. */
static void test_text_coverage(void)
{
	unsigned int id, known = 0, listed = 0;

	for (id = 0; id < 65536; id++) {
		if (!pw_event_min_size(id))
			continue;
		known++;
		if (text_tested[id]) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "%s:%d: FAIL: event type %u (%s) has no text test\n",
				__FILE__, __LINE__, id, pw_event_type_name(id) ?
				pw_event_type_name(id) : "?");
		}
	}
#define PW_X(up, low, id) listed++; CHECK(text_tested[id]);
	PW_EVENT_TYPES(PW_X)
#undef PW_X
	CHECK(known == listed);
}

static void test_malformed(void)
{
	struct pw_exit x;
	struct pw_fork f;
	struct pw_exec e;
	size_t len;

	/* buffer holds a previous line: errors must leave it untouched */
	fill_hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.child_pid = 1;
	f.pad = 0;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	len = out.len;

	CHECK(pw_event_format(&f, 0, PW_FMT_JSON, &clk0, &out) == -EINVAL);
	CHECK(pw_event_format(NULL, 0, PW_FMT_JSON, &clk0, &out) == -EINVAL);
	/* shorter than the header */
	CHECK(fmt(&f, sizeof(struct pw_hdr) - 1, PW_FMT_JSON) == -EINVAL);
	/* truncated: header ok, size consistent, fixed part missing */
	fill_hdr(&x.h, PW_EV_EXIT, sizeof(x) - 8);
	CHECK(fmt(&x, sizeof(x) - 8, PW_FMT_JSON) == -EINVAL);
	fill_hdr(&e.h, PW_EV_EXEC, offsetof(struct pw_exec, args) - 1);
	CHECK(fmt(&e, offsetof(struct pw_exec, args) - 1, PW_FMT_TEXT) == -EINVAL);
	/* hdr.size disagrees with the length */
	fill_hdr(&x.h, PW_EV_EXIT, sizeof(x) + 8);
	CHECK(fmt(&x, sizeof(x), PW_FMT_JSON) == -EINVAL);
	fill_hdr(&x.h, PW_EV_EXIT, sizeof(x) - 8);
	CHECK(fmt(&x, sizeof(x), PW_FMT_JSON) == -EINVAL);
	/* unknown type */
	fill_hdr(&x.h, 0, sizeof(x));
	CHECK(fmt(&x, sizeof(x), PW_FMT_JSON) == -EINVAL);
	fill_hdr(&x.h, 0xffff, sizeof(x));
	CHECK(fmt(&x, sizeof(x), PW_FMT_JSON) == -EINVAL);
	CHECK(pw_event_check(&x, sizeof(x)) == -EINVAL);
	/* direct call on the buffer holding the old line */
	out.len = len;
	CHECK(pw_event_format(&x, sizeof(x), PW_FMT_JSON, &clk0, &out) == -EINVAL);
	CHECK(out.len == len);

	/* oversized but consistent: accepted, extra bytes ignored */
	{
		unsigned char big[sizeof(struct pw_fork) + 64];

		memset(big, 0xee, sizeof(big));
		fill_hdr(&f.h, PW_EV_FORK, sizeof(big));
		memcpy(big, &f, sizeof(f));
		CHECK(fmt(big, sizeof(big), PW_FMT_JSON) == 0);
		CHECK(pw_event_check(big, sizeof(big)) == PW_EV_FORK);
	}
}

static void test_rfc3339(void)
{
	char ts[PW_RFC3339_LEN];
	struct pw_clock c;

	pw_format_rfc3339(0, ts);
	CHECK_STR(ts, "1970-01-01T00:00:00.000000000Z");
	pw_format_rfc3339(TS_NS, ts);
	CHECK_STR(ts, "2026-11-22T10:11:12.123456789Z");
	pw_format_rfc3339(1709251199ULL * 1000000000ULL + 999999999ULL, ts);
	CHECK_STR(ts, "2024-02-29T23:59:59.999999999Z");
	pw_format_rfc3339(951868800ULL * 1000000000ULL + 5, ts);
	CHECK_STR(ts, "2000-03-01T00:00:00.000000005Z");
	pw_format_rfc3339(UINT64_MAX, ts);
	CHECK_STR(ts, "2554-07-21T23:34:33.709551615Z");
	CHECK(strlen(ts) == PW_RFC3339_LEN - 1);

	/* clock offset applied */
	c.mono_to_real_ns = 1000000000LL;
	CHECK(pw_clock_realtime_ns(&c, 5) == 1000000005ULL);

	/* real clock: converting "now" lands within a second of realtime */
	{
		struct timespec m, r;
		uint64_t conv, real;

		CHECK(pw_clock_init(&c) == 0);
		clock_gettime(CLOCK_MONOTONIC, &m);
		clock_gettime(CLOCK_REALTIME, &r);
		conv = pw_clock_realtime_ns(&c, (uint64_t)m.tv_sec * 1000000000ULL +
					    (uint64_t)m.tv_nsec);
		real = (uint64_t)r.tv_sec * 1000000000ULL + (uint64_t)r.tv_nsec;
		CHECK(conv <= real + 1000000000ULL && real <= conv + 1000000000ULL);
	}
}

static void test_names(void)
{
	CHECK_STR(pw_event_type_name(PW_EV_EXEC), "exec");
	CHECK_STR(pw_event_type_name(PW_EV_EXIT), "exit");
	CHECK_STR(pw_event_type_name(PW_EV_FORK), "fork");
	CHECK(pw_event_type_name(0) == NULL);
	CHECK(pw_event_type_name(9999) == NULL);
	CHECK(pw_event_type_from_name("exec") == PW_EV_EXEC);
	CHECK(pw_event_type_from_name("fork") == PW_EV_FORK);
	CHECK(pw_event_type_from_name("Exec") == -1);
	CHECK(pw_event_type_from_name("") == -1);
	CHECK(pw_event_type_from_name(NULL) == -1);
	CHECK_STR(pw_module_name(PW_MOD_PROCESS), "process");
	CHECK_STR(pw_module_name(PW_MOD_UPROBE), "uprobe");
	CHECK(pw_module_name(PW_MOD_MAX) == NULL);
	/* stats keys that are no modules: named, below PW_MOD_MAX, and taken
	 * by no module nor by the bench */
	CHECK_STR(pw_module_name(PW_MOD_TPWATCH), "tpwatch");
	CHECK_STR(pw_module_name(PW_MOD_PROFILE), "profile");
	CHECK_STR(pw_module_name(PW_MOD_MEMLEAK), "memleak");
	CHECK_STR(pw_module_name(PW_MOD_LLCSTAT), "llcstat");
	{
		static const unsigned int tool_keys[] = { PW_MOD_TPWATCH, PW_MOD_PROFILE,
							  PW_MOD_MEMLEAK, PW_MOD_LLCSTAT };
		for (size_t i = 0; i < sizeof(tool_keys) / sizeof(tool_keys[0]); i++) {
			CHECK(tool_keys[i] < PW_MOD_MAX);
			CHECK(tool_keys[i] != PW_MOD_BENCH);
#define PW_X(up, low, id) CHECK(tool_keys[i] != (id));
			PW_MODULES(PW_X)
#undef PW_X
			for (size_t j = 0; j < i; j++)
				CHECK(tool_keys[i] != tool_keys[j]);
		}
	}
	CHECK(pw_module_from_name("net") == PW_MOD_NET);
	CHECK(pw_module_from_name("nope") == -1);

	/* every event type of pinwatch.h has a decoder, and round-trips */
#define PW_X(up, low, id)						\
	CHECK(pw_event_min_size(id) >= sizeof(struct pw_hdr));		\
	CHECK(pw_event_type_from_name(#low) == (id));			\
	CHECK_STR(pw_event_type_name(id), #low);
	PW_EVENT_TYPES(PW_X)
#undef PW_X
}

/* Cheap fuzz: random bytes with a plausible header must never crash (run
 * under ASan/UBSan) and accepted lines must be single lines. */
static void test_random(void)
{
	unsigned int seed = 12345;
	int i, ok = 1;

	for (i = 0; i < 20000; i++) {
		unsigned char rec[2048];
		struct pw_hdr h;
		size_t len, j;

		len = (size_t)rand_r(&seed) % sizeof(rec);
		for (j = 0; j < len; j++)
			rec[j] = (unsigned char)rand_r(&seed);
		if (len >= sizeof(h) && (rand_r(&seed) & 3)) {
			memcpy(&h, rec, sizeof(h));
			h.type = (__u16)(1 + rand_r(&seed) % 4);
			h.size = (__u32)len;
			memcpy(rec, &h, sizeof(h));
		}
		if (fmt(rec, len, (enum pw_output_fmt)(i & 1)) == 0) {
			if (out.len == 0 || strchr(out.data, '\n') !=
			    out.data + out.len - 1)
				ok = 0;
		}
	}
	CHECK(ok);
}

static void test_io_uring(void)
{
	struct pw_io_uring r;

	/* create: an SQPOLL ring */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_IO_URING, PW_MOD_IOURING, sizeof(r));
	r.op = PW_IOURING_CREATE;
	r.ring = 2749485178112ull;
	r.fd = 3;
	r.flags = 2 | 8;	/* SQPOLL | CQSIZE */
	r.sq_entries = 8;
	r.cq_entries = 32;
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "create ring=2749485178112 fd=3 "
		   "flags=CQSIZE|SQPOLL sq_entries=8 cq_entries=32\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("io_uring", "iouring")
		   ",\"op\":\"create\",\"opcode\":null,\"opcode_nr\":0,\"ring\":2749485178112,"
		   "\"fd\":3,\"flags\":10,\"flag_names\":[\"CQSIZE\",\"SQPOLL\"],\"sq_entries\":8,"
		   "\"cq_entries\":32,\"nr_files\":0,\"nr_bufs\":0,\"ret\":0,\"sq_thread\":false" NO_LINEAGE "}\n");
	/* a flag newer than the build's header stays a number */
	r.flags = 1u << 30;
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "create ring=2749485178112 fd=3 "
		   "flags=0x40000000 sq_entries=8 cq_entries=32\n");

	/* submit by the SQPOLL thread */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_IO_URING, PW_MOD_IOURING, sizeof(r));
	r.op = PW_IOURING_SUBMIT;
	r.ring = 7;
	r.opcode = 18;		/* IORING_OP_OPENAT */
	r.sq_thread = 1;
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "submit opcode=OPENAT ring=7 sq_thread\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("io_uring", "iouring")
		   ",\"op\":\"submit\",\"opcode\":\"OPENAT\",\"opcode_nr\":18,\"ring\":7,"
		   "\"fd\":0,\"flags\":0,\"flag_names\":[],\"sq_entries\":0,\"cq_entries\":0,"
		   "\"nr_files\":0,\"nr_bufs\":0,\"ret\":0,\"sq_thread\":true" NO_LINEAGE "}\n");
	r.opcode = 36;		/* IORING_OP_UNLINKAT */
	r.sq_thread = 0;
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "submit opcode=UNLINKAT ring=7\n");
	r.opcode = 200;		/* beyond the build's header */
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "submit opcode=OP_200 ring=7\n");

	/* register */
	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_IO_URING, PW_MOD_IOURING, sizeof(r));
	r.op = PW_IOURING_REGISTER;
	r.ring = 7;
	r.opcode = 2;		/* IORING_REGISTER_FILES */
	r.nr_files = 1;
	r.ret = 0;
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "register opcode=REGISTER_FILES ring=7 "
		   "nr_files=1 nr_bufs=0 ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("io_uring", "iouring")
		   ",\"op\":\"register\",\"opcode\":\"REGISTER_FILES\",\"opcode_nr\":2,\"ring\":7,"
		   "\"fd\":0,\"flags\":0,\"flag_names\":[],\"sq_entries\":0,\"cq_entries\":0,"
		   "\"nr_files\":1,\"nr_bufs\":0,\"ret\":0,\"sq_thread\":false" NO_LINEAGE "}\n");
	r.opcode = 3;		/* IORING_UNREGISTER_FILES */
	r.nr_files = 0;
	r.ret = -6;
	CHECK_TEXT(&r, sizeof(r), "io_uring " COLS "register opcode=UNREGISTER_FILES ring=7 "
		   "nr_files=0 nr_bufs=0 ret=-6(ENXIO)\n");
}

static void test_attr(void)
{
	/* vfs_cap_data v2: effective, permitted CAP_NET_RAW (13) and
	 * CAP_SYS_ADMIN (21), inheritable CAP_SYS_PTRACE (19) */
	static const __u8 cap[20] = { 0x01, 0, 0, 0x02, 0x00, 0x20, 0x20, 0,
				      0, 0, 0x08, 0 };
	struct pw_attr r;

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CHMOD, PW_MOD_ATTR, sizeof(r));
	r.syscall = PW_ATTR_SYS_FCHMODAT;
	r.fd = -100;
	r.mode = 04755;
	strcpy(r.path, "/tmp/x");
	CHECK_TEXT(&r, sizeof(r), "chmod " COLS "fchmodat /tmp/x mode=4755 setuid ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("chmod", "attr")
		   ",\"syscall\":\"fchmodat\",\"path\":\"/tmp/x\",\"fd\":null,\"dfd\":-100,"
		   "\"mode\":\"4755\",\"setuid\":true,\"setgid\":false,\"sticky\":false,"
		   "\"flags\":0,\"ret\":0" NO_LINEAGE "}\n");
	/* by fd: setgid and sticky, a failure */
	r.syscall = PW_ATTR_SYS_FCHMOD;
	r.target = PW_ATTR_BY_FD;
	r.fd = 3;
	r.mode = 03775;
	r.ret = -1;
	r.path[0] = '\0';
	CHECK_TEXT(&r, sizeof(r), "chmod " COLS "fchmod fd=3 mode=3775 setgid sticky ret=-1(EPERM)\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("chmod", "attr")
		   ",\"syscall\":\"fchmod\",\"path\":null,\"fd\":3,\"dfd\":null,"
		   "\"mode\":\"3775\",\"setuid\":false,\"setgid\":true,\"sticky\":true,"
		   "\"flags\":0,\"ret\":-1" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_CHOWN, PW_MOD_ATTR, sizeof(r));
	r.syscall = PW_ATTR_SYS_FCHOWNAT;
	r.fd = 5;
	r.uid = 65534;
	r.gid = (__u32)-1;
	r.flags = 0x100;
	strcpy(r.path, "rel/x");
	CHECK_TEXT(&r, sizeof(r), "chown " COLS "fchownat rel/x dfd=5 uid=65534 gid=-1 "
		   "flags=AT_SYMLINK_NOFOLLOW ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("chown", "attr")
		   ",\"syscall\":\"fchownat\",\"path\":\"rel/x\",\"fd\":null,\"dfd\":5,"
		   "\"uid\":65534,\"gid\":-1,\"flags\":256,\"ret\":0" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_XATTR, PW_MOD_ATTR, sizeof(r));
	r.syscall = PW_ATTR_SYS_SETXATTR;
	r.fd = -100;
	r.op = PW_XATTR_SET;
	r.value_len = 20;
	r.value_read = 20;
	memcpy(r.value, cap, sizeof(cap));
	strcpy(r.name, "security.capability");
	strcpy(r.path, "/usr/bin/x");
	CHECK_TEXT(&r, sizeof(r), "xattr " COLS "setxattr /usr/bin/x set name=security.capability "
		   "size=20 cap_permitted=CAP_NET_RAW,CAP_SYS_ADMIN "
		   "cap_inheritable=CAP_SYS_PTRACE cap_effective ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("xattr", "attr")
		   ",\"syscall\":\"setxattr\",\"path\":\"/usr/bin/x\",\"fd\":null,\"dfd\":-100,"
		   "\"op\":\"set\",\"name\":\"security.capability\",\"size\":20,"
		   "\"cap_version\":2,\"cap_permitted\":[\"CAP_NET_RAW\",\"CAP_SYS_ADMIN\"],"
		   "\"cap_inheritable\":[\"CAP_SYS_PTRACE\"],\"cap_effective\":true,"
		   "\"cap_rootid\":null,\"flags\":0,\"ret\":0" NO_LINEAGE "}\n");
	/* a value too short to decode */
	r.value_read = 8;
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("xattr", "attr")
		   ",\"syscall\":\"setxattr\",\"path\":\"/usr/bin/x\",\"fd\":null,\"dfd\":-100,"
		   "\"op\":\"set\",\"name\":\"security.capability\",\"size\":20,"
		   "\"cap_version\":null,\"cap_permitted\":null,\"cap_inheritable\":null,"
		   "\"cap_effective\":null,\"cap_rootid\":null,\"flags\":0,\"ret\":0" NO_LINEAGE "}\n");
	/* remove by fd */
	r.syscall = PW_ATTR_SYS_FREMOVEXATTR;
	r.target = PW_ATTR_BY_FD;
	r.fd = 4;
	r.op = PW_XATTR_REMOVE;
	r.value_len = 0;
	r.value_read = 0;
	r.path[0] = '\0';
	strcpy(r.name, "user.x");
	CHECK_TEXT(&r, sizeof(r), "xattr " COLS "fremovexattr fd=4 remove name=user.x ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("xattr", "attr")
		   ",\"syscall\":\"fremovexattr\",\"path\":null,\"fd\":4,\"dfd\":null,"
		   "\"op\":\"remove\",\"name\":\"user.x\",\"size\":null,"
		   "\"cap_version\":null,\"cap_permitted\":null,\"cap_inheritable\":null,"
		   "\"cap_effective\":null,\"cap_rootid\":null,\"flags\":0,\"ret\":0" NO_LINEAGE "}\n");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_UTIMES, PW_MOD_ATTR, sizeof(r));
	r.syscall = PW_ATTR_SYS_UTIMENSAT;
	r.fd = -100;
	r.atime_nsec = PW_UTIME_OMIT;
	r.mtime_sec = 978307200;
	r.mtime_nsec = 500000000;
	strcpy(r.path, "/etc/passwd");
	CHECK_TEXT(&r, sizeof(r), "utimes " COLS "utimensat /etc/passwd atime=omit "
		   "mtime=2001-01-01T00:00:00.500000000Z ret=0\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("utimes", "attr")
		   ",\"syscall\":\"utimensat\",\"path\":\"/etc/passwd\",\"fd\":null,\"dfd\":-100,"
		   "\"atime\":\"omit\",\"mtime\":\"2001-01-01T00:00:00.500000000Z\","
		   "\"flags\":0,\"ret\":0" NO_LINEAGE "}\n");
	r.atime_nsec = PW_UTIME_NOW;
	r.mtime_nsec = PW_UTIME_NOW;
	r.mtime_sec = 0;
	CHECK_TEXT(&r, sizeof(r), "utimes " COLS "utimensat /etc/passwd atime=now mtime=now ret=0\n");
	/* times that could not be read */
	r.unread = PW_ATTR_UNREAD_TIMES;
	r.ret = -14;
	CHECK_TEXT(&r, sizeof(r), "utimes " COLS "utimensat /etc/passwd ret=-14(EFAULT)\n");
	CHECK_JSON(&r, sizeof(r), HDR_JSON_M("utimes", "attr")
		   ",\"syscall\":\"utimensat\",\"path\":\"/etc/passwd\",\"fd\":null,\"dfd\":-100,"
		   "\"atime\":null,\"mtime\":null,\"flags\":0,\"ret\":-14" NO_LINEAGE "}\n");
}

static void test_memfd(void)
{
	struct pw_memfd r;
	size_t n = offsetof(struct pw_memfd, name) + sizeof("payload");

	memset(&r, 0, sizeof(r));
	fill_hdr_m(&r.h, PW_EV_MEMFD, PW_MOD_FILE, n);
	r.ret = 3;
	r.flags = 0x1 | 0x2 | 0x10;
	strcpy(r.name, "payload");
	CHECK_TEXT(&r, n, "memfd " COLS "name=payload flags=MFD_CLOEXEC|MFD_ALLOW_SEALING|MFD_EXEC "
		   "ret=3\n");
	CHECK_JSON(&r, n, HDR_JSON_M("memfd", "file")
		   ",\"name\":\"payload\",\"flags\":19,\"fd\":3,\"ret\":3" NO_LINEAGE "}\n");
}

/* ---- lineage: parent and ancestors ---- */

/* A made-up proc_lineage: 66 bash (its parent 55), 55 sshd (44), 44 init
 * (0); 33 loops back to itself through 22. */
static bool fake_lookup(void *ctx, uint64_t id, struct pw_lineage *l)
{
	int *calls = ctx;

	(*calls)++;
	memset(l, 0, sizeof(*l));
	switch (id) {
	case 66: l->pid = 50; l->parent_exec_id = 55; strcpy(l->binary, "/usr/bin/bash");
		memcpy(l->args, "bash\0-c\0x", 9); l->args_len = 9; return true;
	case 55: l->pid = 40; l->parent_exec_id = 44; strcpy(l->binary, "/usr/sbin/sshd"); return true;
	case 44: l->pid = 1; strcpy(l->binary, "/sbin/init"); return true;
	case 33: l->pid = 30; l->parent_exec_id = 22; strcpy(l->binary, "/bin/a"); return true;
	case 22: l->pid = 20; l->parent_exec_id = 33; strcpy(l->binary, "/bin/b"); return true;
	}
	return false;
}

static int fmt_lineage(const void *rec, size_t len, enum pw_output_fmt f, const struct pw_lineage_src *src)
{
	out.len = 0;
	int err = pw_event_format_lineage(rec, len, f, &clk0, src, &out);

	if (pw_buf_reserve(&out, 1) == 0)
		out.data[out.len] = '\0';
	return err;
}

static void test_lineage(void)
{
	int calls = 0;
	struct pw_lineage_src src = { .lookup = fake_lookup, .ctx = &calls, .ancestors = 8 };
	struct pw_fork r;
	const char *json_head = HDR_JSON("fork") ",\"child_pid\":4321";

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_FORK, sizeof(r));
	r.child_pid = 4321;
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_JSON, &src) == 0);
	CHECK(!strncmp(out.data, json_head, strlen(json_head)));
	CHECK_STR(out.data + strlen(json_head), ",\"parent\":{\"pid\":50,\"exec_id\":66,\"filename\":\"/usr/bin/bash\","
		  "\"args\":[\"bash\",\"-c\",\"x\"]},\"ancestors\":[\"/usr/sbin/sshd\",\"/sbin/init\"]}\n");
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_TEXT, &src) == 0);
	CHECK_STR(text_from_type(), "fork  " COLS "child=4321 parent=/usr/bin/bash\n");

	/* the configured depth */
	src.ancestors = 1;
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_JSON, &src) == 0);
	CHECK(strstr(out.data, "\"ancestors\":[\"/usr/sbin/sshd\"]}\n") != NULL);
	src.ancestors = 0;
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_JSON, &src) == 0);
	CHECK(strstr(out.data, "\"x\"]},\"ancestors\":[]}\n") != NULL);
	/* beyond PW_ANCESTORS_MAX: as deep as that, no more */
	src.ancestors = 1000;
	r.h.parent_exec_id = 33;
	calls = 0;
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_JSON, &src) == 0);
	/* a loop is named once and ends there */
	CHECK(strstr(out.data, ",\"parent\":{\"pid\":30,\"exec_id\":33,\"filename\":\"/bin/a\",\"args\":[]},"
		      "\"ancestors\":[\"/bin/b\"]}\n") != NULL);
	CHECK(calls == 2);

	/* an unknown parent: null, and nothing in text */
	r.h.parent_exec_id = 99;
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_JSON, &src) == 0);
	CHECK(strstr(out.data, "\"child_pid\":4321" NO_LINEAGE "}\n") != NULL);
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_TEXT, &src) == 0);
	CHECK_STR(text_from_type(), "fork  " COLS "child=4321\n");
	/* exec_id 0 is never looked up */
	r.h.parent_exec_id = 0;
	calls = 0;
	CHECK(fmt_lineage(&r, sizeof(r), PW_FMT_JSON, &src) == 0);
	CHECK(calls == 0 && strstr(out.data, NO_LINEAGE "}\n") != NULL);
}

/* The consumer's cache: an exec record's image, a fetch on a miss, and
 * a miss of both remembered. */
static int fetches;
static bool fake_fetch(void *ctx, uint64_t id, struct pw_lineage *l)
{
	(void)ctx;
	fetches++;
	memset(l, 0, sizeof(*l));
	if (id != 55)
		return false;
	strcpy(l->binary, "/usr/sbin/sshd");
	return true;
}

static void test_lineage_cache(void)
{
	struct pw_lineage_cache *c = pw_lineage_cache_new(64, fake_fetch, NULL);
	struct pw_lineage l;
	struct pw_exec r;
	size_t len;
	char args[200];

	CHECK(c != NULL);
	CHECK(pw_lineage_cache_new(63, NULL, NULL) == NULL);	/* not a power of two */
	/* an exec record: its image, argv cut to PW_LINEAGE_ARGS_MAX */
	memset(args, 'a', sizeof(args));
	len = make_exec(&r, args, sizeof(args), sizeof(args));
	CHECK(pw_lineage_from_exec(&r, len, &l));
	CHECK(l.pid == 100 && l.ppid == 1 && l.uid == 1000 && l.parent_exec_id == 66 && l.cgroup_id == 4242);
	CHECK(!strcmp(l.binary, "/usr/bin/ls") && l.args_len == PW_LINEAGE_ARGS_MAX &&
	      (l.flags & PW_LINEAGE_ARGS_TRUNCATED));
	CHECK(!pw_lineage_from_exec(&r, len - 1, &l));	/* size != hdr.size */
	pw_lineage_cache_put(c, 77, &l);
	memset(&l, 0, sizeof(l));
	CHECK(pw_lineage_cache_get(c, 77, &l) && !strcmp(l.binary, "/usr/bin/ls") && fetches == 0);
	/* a miss: fetched once, then from the cache; an unknown one too */
	CHECK(pw_lineage_cache_get(c, 55, &l) && !strcmp(l.binary, "/usr/sbin/sshd") && fetches == 1);
	CHECK(pw_lineage_cache_get(c, 55, &l) && fetches == 1);
	CHECK(!pw_lineage_cache_get(c, 56, &l) && fetches == 2);
	CHECK(!pw_lineage_cache_get(c, 56, &l) && fetches == 2);
	CHECK(!pw_lineage_cache_get(c, 0, &l) && fetches == 2);
	pw_lineage_cache_free(c);
}

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Every layout of PW_CONTAINER_LAYOUTS, a sub-cgroup of each, and paths
 * that only look like one. */
static void test_container_paths(void)
{
	static const struct {
		const char *path;
		const char *runtime;	/* NULL: the host */
		const char *id;
	} t[] = {
		{ "/system.slice/docker-" ID64 ".scope", "docker", ID64 },
		{ "/docker/" ID64, "docker", ID64 },
		{ "/docker/" ID64 "/init.scope", "docker", ID64 },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice/"
		  "cri-containerd-" ID64 ".scope", "containerd", ID64 },
		{ "/kubepods/burstable/pod1234-5678/" ID64, "containerd", ID64 },
		{ "/kubepods/pod1234-5678/" ID64, "containerd", ID64 },
		{ "/kubepods.slice/kubepods-pod12.slice/crio-" ID64 ".scope", "crio", ID64 },
		{ "/kubepods/besteffort/pod12/crio-" ID64, "crio", ID64 },
		{ "/machine.slice/libpod-" ID64 ".scope", "podman", ID64 },
		{ "/machine.slice/libpod-" ID64 ".scope/container", "podman", ID64 },
		{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID64 ".scope",
		  "podman", ID64 },
		{ "/libpod_parent/libpod-" ID64, "podman", ID64 },
		{ "/machine.slice/machine-web\\x2d1.scope", "systemd-nspawn", "web-1" },
		{ "/machine.slice/machine-web.scope/payload/system.slice/sshd.service",
		  "systemd-nspawn", "web" },
		/* the host, and look-alikes */
		{ "/", NULL, "" },
		{ "", NULL, "" },
		{ "/user.slice/user-0.slice/session-1.scope", NULL, "" },
		{ "/system.slice/docker.service", NULL, "" },
		{ "/machine.slice/libpod-conmon-" ID64 ".scope", NULL, "" },
		{ "/kubepods.slice/kubepods-pod12.slice/crio-conmon-" ID64 ".scope", NULL, "" },
		{ "/libpod_parent/conmon", NULL, "" },
		{ "/system.slice/docker-" ID64 ".scope.bak", NULL, "" },
		{ "/system.slice/docker-0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef.scope",
		  NULL, "" },
		{ "/system.slice/docker-" ID64 "0.scope", NULL, "" },
		{ "/notdocker/" ID64, NULL, "" },
		{ "/elsewhere/libpod-" ID64, NULL, "" },
		{ "/system.slice/machine-web.scope", NULL, "" },
		/* deeper than PW_CONTAINER_DEPTH below the container */
		{ "/docker/" ID64 "/a/b/c/d", NULL, "" },
	};
	char id[PW_CONTAINER_ID_TEXT];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned int rt = pw_container_of_path(t[i].path, id);
		const char *name = pw_container_runtime_name(rt);

		if (t[i].runtime)
			CHECK_STR(name, t[i].runtime);
		else
			CHECK(name == NULL);
		CHECK_STR(id, t[i].id);
	}
	CHECK(pw_container_runtime_name(0) == NULL);
	CHECK(pw_container_runtime_name(1000) == NULL);
}

static bool fake_cgroup_lookup(uint64_t cgroup_id, struct pw_cgroup_info *c)
{
	if (cgroup_id == 4242) {
		c->path = "/libpod_parent/libpod-" ID64;
		c->container_id = ID64;
		c->runtime = "podman";
		return true;
	}
	if (cgroup_id == 1) {
		c->path = "/";
		return true;
	}
	return false;
}

/* The consumer's cgroup lookup: JSON cgroup, container_id,
 * container_runtime; text container=ID (12 bytes). */
static void test_cgroup_lookup(void)
{
	struct pw_fork f;

	pw_event_set_cgroup_lookup(fake_cgroup_lookup);
	fill_hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.child_pid = 4321;
	f.pad = 0;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, ",\"cpu\":3,\"cgroup\":\"/libpod_parent/libpod-" ID64 "\","
			       "\"container_id\":\"" ID64 "\",\"container_runtime\":\"podman\","
			       NS_JSON ",\"child_pid\":4321" NO_LINEAGE "}\n") != NULL);
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321 container=0123456789ab\n");
	/* the host: a path, no container */
	f.h.cgroup_id = 1;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, ",\"cpu\":3,\"cgroup\":\"/\",\"container_id\":null,"
			       "\"container_runtime\":null,") != NULL);
	CHECK_TEXT(&f, sizeof(f), "fork  " COLS "child=4321\n");
	/* unknown (gone) */
	f.h.cgroup_id = 7;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, ",\"cpu\":3,\"cgroup\":null,\"container_id\":null,"
			       "\"container_runtime\":null,") != NULL);
	pw_event_set_cgroup_lookup(NULL);
}

int main(void)
{
	test_container_paths();
	test_cgroup_lookup();
	test_exec();
	test_exec_hash();
	test_unterminated();
	test_json_escape();
	test_exit_fork();
	test_enforce();
	test_oom_kill();
	test_malformed();
	test_rfc3339();
	test_names();
	test_random();
	test_syscall();
	test_file();
	test_sock_calls();
	test_tcp();
	test_signal();
	test_ptrace();
	test_mount();
	test_namespace();
	test_oom();
	test_block_slow();
	test_capable();
	test_cred();
	test_audit();
	test_kmod();
	test_bpf();
	test_attr();
	test_memfd();
	test_uprobes();
	test_tracepoint();
	test_bench();
	test_io_uring();
	test_rules();
	test_deny();
	test_shedding();
	test_tamper();
	test_lineage();
	test_lineage_cache();
	test_text_coverage();
	pw_buf_free(&out);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
