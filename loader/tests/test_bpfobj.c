// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for loader/bpfobj.c: libbpf's log boiled down to one line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "bpfobj.h"

#include "check.h"

/* A load that the verifier refused, as libbpf 1.x logs it. */
static const char rejected[] =
	"libbpf: prog 'exec__tp': BPF program load failed: Permission denied\n"
	"libbpf: prog 'exec__tp': -- BEGIN PROG LOAD LOG --\n"
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"; int exec__tp(void *ctx)\n"
	"0: (b7) r0 = 0\n"
	"R0 !read_ok\n"
	"processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
	"-- END PROG LOAD LOG --\n"
	"libbpf: prog 'exec__tp': failed to load: -13\n"
	"libbpf: failed to load object 'process.bpf.o'\n";

static bool cause_is(const char *log, const char *want)
{
	char out[256];

	pw_libbpf_cause_of(log, out, sizeof(out));
	if (strcmp(out, want))
		fprintf(stderr, "got '%s', want '%s'\n", out, want);
	return !strcmp(out, want);
}

int main(void)
{
	char small[16];
	const char *cause;

	CHECK(cause_is(rejected, "verifier rejected program exec__tp: R0 !read_ok"));
	/* no verifier log: libbpf's first error, not its last */
	CHECK(cause_is("libbpf: map 'stats': couldn't reuse pinned map at '/x': parameter mismatch\n"
		       "libbpf: failed to load object 'x'\n",
		       "map 'stats': couldn't reuse pinned map at '/x': parameter mismatch"));
	CHECK(cause_is("", "unknown error"));
	CHECK(cause_is(NULL, "unknown error"));
	CHECK(cause_is("no libbpf prefix here\n", "unknown error"));
	pw_libbpf_cause_of(rejected, small, sizeof(small));
	CHECK(strlen(small) == sizeof(small) - 1);

	/* libbpf's own messages reach the capture; reset forgets them */
	pw_libbpf_capture(false);
	CHECK(!strcmp(pw_libbpf_cause(), "unknown error"));
	CHECK(bpf_object__open_file("/nonexistent/pw-test.bpf.o", NULL) == NULL);
	cause = pw_libbpf_cause();
	CHECK(strstr(cause, "/nonexistent/pw-test.bpf.o") != NULL);
	pw_libbpf_reset();
	CHECK(!strcmp(pw_libbpf_cause(), "unknown error"));

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
