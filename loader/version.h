/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * --version for the argp programs: three lines, the first in GNU form so
 * that help2man reads it ("PROG (pinwatch) VERSION"), then the git revision
 * of the build and libbpf's version, the one compiled against
 * (libbpf_version.h) and the one running (libbpf_major/minor_version()).
 * PW_VERSION and PW_GIT_REV come from $(BUILD)/gen/version.h, written by
 * the Makefile from debian/changelog and git.
 */
#ifndef PINWATCH_VERSION_H
#define PINWATCH_VERSION_H

#include <argp.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "pw_version.h"

static inline void pw_print_version(FILE *f, const char *prog)
{
	fprintf(f, "%s (pinwatch) %s\n", prog, PW_VERSION);
	fprintf(f, "git revision: %s\n", PW_GIT_REV);
	fprintf(f, "libbpf: built against %d.%d, running %u.%u\n", LIBBPF_MAJOR_VERSION,
		LIBBPF_MINOR_VERSION, libbpf_major_version(), libbpf_minor_version());
}

/* Defines argp's version hook for program PROG. */
#define PW_ARGP_VERSION(prog)                                                     \
	static void pw_argp_version(FILE *f, struct argp_state *state)            \
	{                                                                          \
		(void)state;                                                       \
		pw_print_version(f, prog);                                         \
	}                                                                          \
	void (*argp_program_version_hook)(FILE *, struct argp_state *) = pw_argp_version

#endif
