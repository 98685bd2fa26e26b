/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One-line usage errors for the argp programs. argp's own errors add a
 * "Try --help" line and exit 64; pinwatch promises one line and exit 2.
 */
#ifndef PINWATCH_CLI_H
#define PINWATCH_CLI_H

/* The control plane's lock: pinwatch-load, the scripts (PINWATCH_LOCK
 * overrides it) and the consumer's config update serialise on it. */
#define PW_LOCK_PATH "/run/pinwatch.lock"

#include <argp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void pw_usage_error(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
static inline void pw_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Call from the parser for ARGP_KEY_ERROR: an unknown option or an option
 * missing its value, which argp does not name under ARGP_NO_ERRS. */
static inline void pw_argp_key_error(const struct argp_state *state, const char *prog)
	__attribute__((noreturn));
static inline void pw_argp_key_error(const struct argp_state *state, const char *prog)
{
	const char *arg = state->next > 0 && state->next <= state->argc ?
				  state->argv[state->next - 1] : "?";

	pw_usage_error(prog, "unknown option or missing value: '%s' (see --help)", arg);
}

/* A pin root (--pin-root or $PINWATCH_PIN_ROOT, named by `from`) must be an
 * absolute path other than "/" without a trailing '/': the loader takes its
 * parent directory as the part before the last '/'. Exits 2 with one line
 * otherwise. */
static inline void pw_check_pin_root(const char *prog, const char *from, const char *v)
{
	size_t n = strlen(v);

	if (v[0] != '/' || n < 2 || v[n - 1] == '/')
		pw_usage_error(prog, "%s must be an absolute path without a trailing '/', not '%s'",
			       from, v);
}

/* argp_parse, quiet about errors (the parser reports them in one line);
 * --help, --usage and --version keep argp's own handling. */
static inline error_t pw_argp_parse(const struct argp *argp, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage") || !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "-V"))
			return argp_parse(argp, argc, argv, 0, NULL, NULL);
	return argp_parse(argp, argc, argv, ARGP_NO_ERRS, NULL, NULL);
}

#endif
