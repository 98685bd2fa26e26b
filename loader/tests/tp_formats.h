/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Tracepoint format files as a 6.x kernel writes them, shared by the unit
 * tests and the tpformat fuzzer (its fallback when the input's own format
 * does not parse).
 */
#ifndef PW_TESTS_TP_FORMATS_H
#define PW_TESTS_TP_FORMATS_H

/* The common header every tracepoint record starts with. */
#define PW_TEST_TP_COMMON_FIELDS \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"

/* sched/sched_process_exec: a __data_loc string and two ints. */
static const char pw_test_exec_format[] =
	"name: sched_process_exec\n"
	"ID: 365\n"
	"format:\n"
	PW_TEST_TP_COMMON_FIELDS
	"\n"
	"\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	"\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	"\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n"
	"\n"
	"print fmt: \"filename=%s pid=%d old_pid=%d\", __get_str(filename), REC->pid, REC->old_pid\n";

#endif
