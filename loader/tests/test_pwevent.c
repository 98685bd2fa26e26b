// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for loader/pwevent.c. Plain C, no framework. Records are
 * heap-allocated to their exact length so that AddressSanitizer catches
 * any read past the end. Last line: "N passed, N failed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pwevent.h"

static int passed, failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: FAIL: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ && !strcmp(g_, w_)) {					\
		passed++;						\
	} else {							\
		failed++;						\
		fprintf(stderr, "%s:%d: FAIL\n  got:  %s\n  want: %s\n", \
			__FILE__, __LINE__, g_ ? g_ : "(null)", w_);	\
	}								\
} while (0)

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
}

#define HDR_JSON(type) "{\"type\":\"" type "\",\"time\":\"2026-11-22T10:11:12.123456789Z\"," \
	"\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,\"gid\":1001,\"comm\":\"bash\"," \
	"\"cgroup_id\":4242,\"exec_id\":77,\"parent_exec_id\":66,\"module\":\"process\",\"cpu\":3"

static size_t make_exec(struct pw_exec *r, const char *args, size_t args_len,
			size_t present)
{
	size_t len = offsetof(struct pw_exec, args) + present;

	memset(r, 0, sizeof(*r));
	fill_hdr(&r->h, PW_EV_EXEC, len);
	strcpy(r->filename, "/usr/bin/ls");
	r->args_len = (__u32)args_len;
	memcpy(r->args, args, present < args_len ? present : args_len);
	return len;
}

static void test_exec(void)
{
	struct pw_exec r;
	size_t len;

	/* final piece without NUL is still an arg; empty args kept */
	len = make_exec(&r, "ls\0-l\0\0/tmp", 11, 11);
	CHECK(len < sizeof(r));
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"args\":[\"ls\",\"-l\",\"\",\"/tmp\"],"
		  "\"args_truncated\":false}\n");

	/* trailing NUL: no extra empty arg; truncated flag */
	len = make_exec(&r, "ls\0-l\0", 6, 6);
	r.args_truncated = 1;
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("exec")
		  ",\"filename\":\"/usr/bin/ls\",\"args\":[\"ls\",\"-l\"],"
		  "\"args_truncated\":true}\n");

	setenv("TZ", "UTC0", 1);
	tzset();
	CHECK(fmt(&r, len, PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exec      100       1   1000 bash             "
		  "/usr/bin/ls ls -l ...\n");

	/* no args at all */
	len = make_exec(&r, "", 0, 0);
	CHECK(fmt(&r, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"args\":[],\"args_truncated\":false}\n") != NULL);

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
	      strlen("\"],\"args_truncated\":false}\n"));
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
		{ "\xff\xfe", 2, "\"\\u00ff\\u00fe\"" },
		{ "\xc0\x80", 2, "\"\\u00c0\\u0080\"" },		/* overlong */
		{ "\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"" },	/* surrogate */
		{ "\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\"" },
		{ "x\xe2\x82", 3, "\"x\\u00e2\\u0082\"" },	/* cut sequence */
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
		CHECK(strstr(out.data, "\"comm\":\"a\\\"\\u000a\\u00ff\",") != NULL);
		CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
		CHECK(strstr(out.data, " a\"\\x0a\\xff ") != NULL);
		CHECK(strchr(out.data, '\n') == out.data + out.len - 1);
	}
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
		  ",\"exit_code\":-1,\"signal\":9,\"duration_ns\":1234567890}\n");
	CHECK(fmt(&x, sizeof(x), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 exit      100       1   1000 bash             "
		  "code=-1 sig=9 dur=1.234s\n");

	fill_hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.child_pid = 4321;
	f.pad = 0;
	CHECK(fmt(&f, sizeof(f), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("fork") ",\"child_pid\":4321}\n");
	CHECK(fmt(&f, sizeof(f), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 fork      100       1   1000 bash             "
		  "child=4321\n");

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
		  "\"mode\":\"kill\",\"dev\":\"254:3\",\"ino\":248139,\"error\":0}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, "10:11:12 enforce     100       1   1000 bash             "
		  "killed /tmp/link blocked=/usr/bin/evil dev=254:3 ino=248139\n");
	r.action = PW_ENFORCE_AUDIT;
	r.mode = PW_BLOCK_AUDIT;
	r.error = -3;
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK(strstr(out.data, " audit /tmp/link ") != NULL);
	CHECK(strstr(out.data, " error=-3\n") != NULL);
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
		  ",\"victim_pid\":4321,\"victim_comm\":\"hog\",\"constraint\":\"memcg\","
		  "\"total_pages\":5120,\"points\":4600,\"order\":0,"
		  "\"message\":\"Memory cgroup out of memory\"}\n");
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
	 * by no module nor by the bench (14) */
	CHECK_STR(pw_module_name(PW_MOD_TPWATCH), "tpwatch");
	CHECK_STR(pw_module_name(PW_MOD_PROFILE), "profile");
	CHECK_STR(pw_module_name(PW_MOD_MEMLEAK), "memleak");
	CHECK_STR(pw_module_name(PW_MOD_LLCSTAT), "llcstat");
	{
		static const unsigned int tool_keys[] = { PW_MOD_TPWATCH, PW_MOD_PROFILE,
							  PW_MOD_MEMLEAK, PW_MOD_LLCSTAT };
		for (size_t i = 0; i < sizeof(tool_keys) / sizeof(tool_keys[0]); i++) {
			CHECK(tool_keys[i] < PW_MOD_MAX);
			CHECK(tool_keys[i] != PW_BENCH_MODULE);
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

int main(void)
{
	test_exec();
	test_unterminated();
	test_json_escape();
	test_exit_fork();
	test_enforce();
	test_oom_kill();
	test_malformed();
	test_rfc3339();
	test_names();
	test_random();
	pw_buf_free(&out);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
