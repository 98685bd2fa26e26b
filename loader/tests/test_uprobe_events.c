// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the uprobe emitters of loader/pwevent.c (uprobe,
 * uprobe_connect, uprobe_readline, uprobe_getaddrinfo), text and JSON.
 * Kept apart from test_pwevent.c so modules do not edit one file. Last
 * line: "N passed, N failed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pwevent.h"

/* The end of the JSON line of an event whose parent is unknown (no
 * lineage source, or parent_exec_id not found). */
#define NO_LINEAGE ",\"parent\":null,\"ancestors\":[]"

#include "check.h"

#define TS_NS (1795342272ULL * 1000000000ULL + 123456789ULL)
static const struct pw_clock clk0 = { .mono_to_real_ns = 0 };
static struct pw_buf out;

/* Formats a copy of exactly len bytes (ASan sees any overread). */
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
	h->module = PW_MOD_UPROBE;
	h->size = (__u32)size;
	h->ts_ns = TS_NS;
	h->pid = 100;
	h->tid = 101;
	h->ppid = 1;
	strcpy(h->comm, "prog");
}

#define HDR_JSON(type) "{\"type\":\"" type "\",\"time\":\"2026-11-22T10:11:12.123456789Z\"," \
	"\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":0,\"gid\":0,\"comm\":\"prog\"," \
	"\"cgroup_id\":0,\"exec_id\":0,\"parent_exec_id\":0,\"module\":\"uprobe\",\"cpu\":0," \
	"\"cgroup\":null,\"container_id\":null,\"container_runtime\":null," \
	"\"ns\":{\"mnt\":0,\"pid\":0,\"net\":0,\"user\":0,\"uts\":0,\"ipc\":0,\"cgroup\":0,\"time\":0}"
#define HDR_TEXT(type) "10:11:12 " type "     100       1      0 prog             "

static void test_generic(void)
{
	struct pw_uprobe r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_UPROBE, sizeof(r));
	strcpy(r.probe, "work");
	for (int i = 0; i < PW_UPROBE_NARGS; i++)
		r.args[i] = (__u64)i + 1;
	r.args[5] = 0x7ffd12345678ULL;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("uprobe") ",\"probe\":\"work\",\"args\":[1,2,3,4,5,140724908873336],"
		  "\"ret\":null,\"latency_ns\":null" NO_LINEAGE "}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, HDR_TEXT("uprobe") "probe=work args=1,2,3,4,5,0x7ffd12345678\n");

	r.flags = PW_UPROBE_F_RET;
	r.ret = -1;
	r.latency_ns = 2500000;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("uprobe") ",\"probe\":\"work\",\"args\":[1,2,3,4,5,140724908873336],"
		  "\"ret\":-1,\"latency_ns\":2500000" NO_LINEAGE "}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, HDR_TEXT("uprobe") "probe=work args=1,2,3,4,5,0x7ffd12345678 ret=-1 lat=2.500ms\n");

	/* a short record is malformed */
	r.h.size = sizeof(r) - 8;
	CHECK(fmt(&r, sizeof(r) - 8, PW_FMT_JSON) < 0);
}

static void test_connect(void)
{
	struct pw_uprobe_connect r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.call.h, PW_EV_UPROBE_CONNECT, sizeof(r));
	strcpy(r.probe, "conn");
	r.latency_ns = 150000;
	r.call.fd = 3;
	r.call.ret = -1;
	r.call.t.family = PW_AF_INET;
	r.call.t.flags = PW_NET_HAS_DADDR;
	r.call.t.daddr[10] = r.call.t.daddr[11] = 0xff;
	r.call.t.daddr[12] = 127;
	r.call.t.daddr[15] = 1;
	r.call.t.dport = 80;
	r.call.sock_type = 1;
	r.call.protocol = 6;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("uprobe_connect") ",\"probe\":\"conn\",\"family\":\"AF_INET\","
		  "\"saddr\":null,\"sport\":0,\"daddr\":\"127.0.0.1\",\"dport\":80,\"protocol\":\"TCP\","
		  "\"sock_type\":\"SOCK_STREAM\",\"path\":null,\"fd\":3,\"bound_if\":0,\"opts\":[],"
		  "\"ret\":-1,\"latency_ns\":150000" NO_LINEAGE "}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, HDR_TEXT("uprobe_connect") "probe=conn AF_INET TCP - > 127.0.0.1:80 fd=3 ret=-1 "
		  "lat=0.150ms\n");
}

static void test_readline(void)
{
	struct pw_uprobe_readline r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_UPROBE_READLINE, sizeof(r));
	strcpy(r.probe, "rl");
	strcpy(r.line, "rm -rf \"/tmp/x\"\t# tab");
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("uprobe_readline")
		  ",\"probe\":\"rl\",\"line\":\"rm -rf \\\"/tmp/x\\\"\\u0009# tab\"" NO_LINEAGE "}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, HDR_TEXT("uprobe_readline") "probe=rl rm -rf \"/tmp/x\"\\x09# tab\n");
	/* a line filling the whole array, no NUL: cut at the array */
	memset(r.line, 'a', sizeof(r.line));
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"line\":\"aaaa") != NULL);
}

static void test_getaddrinfo(void)
{
	struct pw_uprobe_getaddrinfo r;

	memset(&r, 0, sizeof(r));
	fill_hdr(&r.h, PW_EV_UPROBE_GETADDRINFO, sizeof(r));
	strcpy(r.probe, "dns");
	strcpy(r.host, "example.invalid");
	r.ret = -2;
	r.latency_ns = 1234567;
	CHECK(fmt(&r, sizeof(r), PW_FMT_JSON) == 0);
	CHECK_STR(out.data, HDR_JSON("uprobe_getaddrinfo") ",\"probe\":\"dns\",\"host\":\"example.invalid\","
		  "\"service\":\"\",\"ret\":-2,\"latency_ns\":1234567" NO_LINEAGE "}\n");
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, HDR_TEXT("uprobe_getaddrinfo") "probe=dns example.invalid ret=-2(EAI_NONAME) "
		  "lat=1.234ms\n");
	strcpy(r.service, "https");
	r.ret = 0;
	CHECK(fmt(&r, sizeof(r), PW_FMT_TEXT) == 0);
	CHECK_STR(out.data, HDR_TEXT("uprobe_getaddrinfo") "probe=dns example.invalid service=https ret=0 "
		  "lat=1.234ms\n");
}

int main(void)
{
	setenv("TZ", "UTC0", 1);
	test_generic();
	test_connect();
	test_readline();
	test_getaddrinfo();
	pw_buf_free(&out);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
