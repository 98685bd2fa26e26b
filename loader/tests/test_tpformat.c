// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of tpformat.c (format files, record decoding, the in-BPF
 * filter parser) and of the tracepoint event formatter in pwevent.c, on
 * format texts copied from a 6.x kernel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pwevent.h"
#include "tpformat.h"
#include "tp_formats.h"

/* The end of the JSON line of an event whose parent is unknown (no
 * lineage source, or parent_exec_id not found). */
#define NO_LINEAGE ",\"parent\":null,\"ancestors\":[]"

#include "check.h"


static const char openat_fmt[] =
	"name: sys_enter_openat\n"
	"ID: 782\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n";

static const char sock_fmt[] =
	"name: inet_sock_set_state\n"
	"ID: 2287\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:int oldstate;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\tfield:int newstate;\toffset:20;\tsize:4;\tsigned:1;\n"
	"\tfield:__u16 sport;\toffset:24;\tsize:2;\tsigned:0;\n"
	"\tfield:__u16 dport;\toffset:26;\tsize:2;\tsigned:0;\n"
	"\tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;\n"
	"\tfield:char comm[16];\toffset:36;\tsize:16;\tsigned:0;\n"
	"\tfield:__rel_loc char[] name;\toffset:52;\tsize:4;\tsigned:0;\n";

static struct pw_tp_format f_exec, f_openat, f_sock;

static void test_parse(void)
{
	char err[256];
	const struct pw_tp_field *fl;

	CHECK(pw_tp_parse_format(pw_test_exec_format, &f_exec, err, sizeof(err)) == 0);
	CHECK(f_exec.id == 365);
	CHECK(!strcmp(f_exec.name, "sched_process_exec"));
	CHECK(f_exec.n_fields == 7);
	CHECK(f_exec.common_size == 8);
	CHECK(f_exec.fixed_size == 20);
	fl = pw_tp_field(&f_exec, "filename");
	CHECK(fl && fl->kind == PW_TPF_DATA_LOC && fl->is_char && fl->offset == 8);
	fl = pw_tp_field(&f_exec, "common_pid");
	CHECK(fl && fl->common && fl->is_signed);
	fl = pw_tp_field(&f_exec, "pid");
	CHECK(fl && fl->kind == PW_TPF_SCALAR && fl->is_signed && fl->size == 4);

	CHECK(pw_tp_parse_format(openat_fmt, &f_openat, err, sizeof(err)) == 0);
	fl = pw_tp_field(&f_openat, "filename");
	CHECK(fl && fl->is_pointer && !strcmp(fl->type, "const char *") && fl->size == 8);
	fl = pw_tp_field(&f_openat, "dfd");
	CHECK(fl && fl->kind == PW_TPF_SCALAR && fl->size == 8);

	CHECK(pw_tp_parse_format(sock_fmt, &f_sock, err, sizeof(err)) == 0);
	fl = pw_tp_field(&f_sock, "saddr");
	CHECK(fl && fl->kind == PW_TPF_ARRAY && fl->count == 4 && fl->elem_size == 1 && !fl->is_char);
	fl = pw_tp_field(&f_sock, "comm");
	CHECK(fl && fl->kind == PW_TPF_ARRAY && fl->is_char && fl->count == 16);
	fl = pw_tp_field(&f_sock, "name");
	CHECK(fl && fl->kind == PW_TPF_REL_LOC && fl->is_char);
	fl = pw_tp_field(&f_sock, "skaddr");
	CHECK(fl && fl->is_pointer && !fl->is_user);

	CHECK(pw_tp_parse_format("hello\n", &f_sock, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_format("", &f_sock, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_format("ID: 3\n\tfield:int;\toffset:0;\tsize:4;\n", &f_sock, err, sizeof(err)) == -1);
	/* offset + size must not wrap past the record size check (found by
	 * fuzz_tpformat: size 2^32 - 1 at offset 1 made a 0-byte record) */
	CHECK(pw_tp_parse_format("ID: 3\n\tfield:int x;\toffset:1;\tsize:4294967295;\n", &f_sock, err,
				 sizeof(err)) == -1);
	CHECK(pw_tp_parse_format("ID: 3\n\tfield:int x;\toffset:-1;\tsize:2;\n", &f_sock, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_format("ID: 3\n\tfield:int x;\toffset:314753994347956290762;\tsize:4;\n", &f_sock,
				 err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_format("ID: 3\n\tfield:char x[8];\toffset:4090;\tsize:8;\n", &f_sock, err,
				 sizeof(err)) == -1 && strstr(err, "larger than") != NULL);
	CHECK(pw_tp_parse_format("ID: 3\n\tfield:char x[8];\toffset:4088;\tsize:8;\n", &f_sock, err,
				 sizeof(err)) == 0 && f_sock.fixed_size == 4096);
	CHECK(pw_tp_parse_format(sock_fmt, &f_sock, err, sizeof(err)) == 0);
}

static void test_filter(void)
{
	struct pw_tp_cond c[PW_TP_COND_MAX];
	unsigned int n;
	char err[512];

	snprintf(f_exec.system, sizeof(f_exec.system), "sched");
	CHECK(pw_tp_parse_filter(&f_exec, "pid > 100", c, &n, err, sizeof(err)) == 0);
	CHECK(n == 1 && c[0].op == PW_TP_OP_GT && c[0].off == 12 && c[0].size == 4 && c[0].is_signed &&
	      c[0].value == 100);
	CHECK(pw_tp_parse_filter(&f_exec, "filename == \"/bin/true\" && pid != -1", c, &n, err,
				 sizeof(err)) == 0);
	CHECK(n == 2 && c[0].op == PW_TP_OP_STR_EQ && c[0].str_kind == PW_TP_STR_DATA_LOC &&
	      !strcmp(c[0].str, "/bin/true") && !c[0].prefix);
	CHECK(c[1].op == PW_TP_OP_NE && c[1].value == (__u64)-1);
	CHECK(pw_tp_parse_filter(&f_exec, "filename ~ \"/usr/*\"", c, &n, err, sizeof(err)) == 0);
	CHECK(n == 1 && c[0].prefix && !strcmp(c[0].str, "/usr/"));
	CHECK(pw_tp_parse_filter(&f_exec, "pid & 0x10", c, &n, err, sizeof(err)) == 0);
	CHECK(c[0].op == PW_TP_OP_BAND && c[0].value == 16);
	CHECK(pw_tp_parse_filter(&f_sock, "comm == bash", c, &n, err, sizeof(err)) == 0);
	CHECK(c[0].str_kind == PW_TP_STR_ARRAY && c[0].len == 16 && !strcmp(c[0].str, "bash"));

	/* refused, each with a reason */
	CHECK(pw_tp_parse_filter(&f_exec, "nosuch == 1", c, &n, err, sizeof(err)) == -1);
	CHECK(strstr(err, "no field 'nosuch'") != NULL);
	CHECK(pw_tp_parse_filter(&f_exec, "common_pid == 1", c, &n, err, sizeof(err)) == -1);
	CHECK(strstr(err, "common field") != NULL);
	CHECK(pw_tp_parse_filter(&f_exec, "pid == 1 || pid == 2", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "(pid == 1)", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "pid == abc", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "pid <", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "filename > \"a\"", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "filename == \"*a\"", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "", c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "pid == 1 && pid == 2 && pid == 3 && pid == 4 && pid == 5",
				 c, &n, err, sizeof(err)) == -1);
	CHECK(pw_tp_parse_filter(&f_exec, "filename == \"0123456789012345678901234567890123456789012345678901234567890123\"",
				 c, &n, err, sizeof(err)) == -1);
}

static struct pw_buf out;

static int fmt(const void *rec, size_t len, enum pw_output_fmt f)
{
	struct pw_clock clk = { 0 };

	out.len = 0;
	if (pw_event_format(rec, len, f, &clk, &out))
		return -1;
	if (pw_buf_reserve(&out, 1))
		return -1;
	out.data[out.len] = '\0';
	return 0;
}

/* A tracepoint event as tpwatch.bpf.c sends it: header + raw record. */
static size_t make_exec_event(struct pw_tracepoint *ev, const char *filename)
{
	size_t flen = strlen(filename) + 1, len = 20 + flen;
	__u32 loc = (__u32)(20 | flen << 16);
	__s32 pid = 4242;

	memset(ev, 0, sizeof(*ev));
	ev->h.type = PW_EV_TRACEPOINT;
	ev->h.module = PW_MOD_TPWATCH;
	ev->h.pid = 4242;
	memcpy(ev->h.comm, "true", 5);
	ev->tp_id = 365;
	ev->data_len = (__u32)len;
	memcpy(ev->data + 8, &loc, 4);
	memcpy(ev->data + 12, &pid, 4);
	memcpy(ev->data + 16, &pid, 4);
	memcpy(ev->data + 20, filename, flen);
	ev->h.size = (__u32)(offsetof(struct pw_tracepoint, data) + len);
	return ev->h.size;
}

static void test_format_event(void)
{
	static struct pw_tracepoint ev;
	size_t len;

	snprintf(f_exec.system, sizeof(f_exec.system), "sched");
	pw_tp_register(&f_exec);
	CHECK(pw_tp_lookup(365) == &f_exec);
	CHECK(pw_tp_lookup(1) == NULL);
	len = make_exec_event(&ev, "/bin/true");
	CHECK(fmt(&ev, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"type\":\"tracepoint\"") != NULL);
	CHECK(strstr(out.data, "\"module\":\"tpwatch\"") != NULL);
	CHECK(strstr(out.data, ",\"tracepoint\":\"sched:sched_process_exec\",\"fields\":"
		      "{\"filename\":\"/bin/true\",\"pid\":4242,\"old_pid\":4242},\"truncated\":false" NO_LINEAGE "}\n") != NULL);
	CHECK(fmt(&ev, len, PW_FMT_TEXT) == 0);
	CHECK(strstr(out.data, "sched:sched_process_exec filename=/bin/true pid=4242 old_pid=4242\n") != NULL);

	/* a __data_loc pointing past the record gives null, not a crash */
	ev.data[10] = 0xff;
	ev.data[11] = 0x7f;
	CHECK(fmt(&ev, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"filename\":\"/bin/true\"") != NULL);
	((__u32 *)(void *)ev.data)[2] = 0x00100ff0;
	CHECK(fmt(&ev, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"filename\":null") != NULL);

	/* an unregistered id still formats, without fields */
	len = make_exec_event(&ev, "/x");
	ev.tp_id = 99999;
	CHECK(fmt(&ev, len, PW_FMT_JSON) == 0);
	CHECK(strstr(out.data, "\"tracepoint\":\"id:99999\",\"fields\":{}") != NULL);

	/* too short for the fixed part: malformed */
	CHECK(fmt(&ev, offsetof(struct pw_tracepoint, data) - 1, PW_FMT_JSON) == -1);
}

static void test_random(void)
{
	static unsigned char rec[sizeof(struct pw_tracepoint)];
	unsigned int seed = 777;
	int i, ok = 1;

	pw_tp_register(&f_sock);
	for (i = 0; i < 20000; i++) {
		struct pw_tracepoint *ev = (struct pw_tracepoint *)rec;
		size_t len = offsetof(struct pw_tracepoint, data) + (size_t)rand_r(&seed) % 200, j;

		for (j = 0; j < len; j++)
			rec[j] = (unsigned char)rand_r(&seed);
		ev->h.type = PW_EV_TRACEPOINT;
		ev->h.size = (__u32)len;
		ev->tp_id = (i & 1) ? 2287 : 365;
		if (i & 2)
			ev->data_len = (__u32)(len - offsetof(struct pw_tracepoint, data));
		if (fmt(rec, len, (enum pw_output_fmt)(i & 4 ? 1 : 0)) == 0) {
			if (out.len == 0 || strchr(out.data, '\n') != out.data + out.len - 1)
				ok = 0;
		}
	}
	CHECK(ok);
}

int main(void)
{
	test_parse();
	test_filter();
	test_format_event();
	test_random();
	pw_buf_free(&out);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
