/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The unit tests' checks, one definition for every loader/tests/test_*.c:
 * each CHECK counts a pass or a failure, a failure is printed with its file
 * and line (CHECK_STR with what it got and wanted), and a test binary ends
 * with the line "N passed, N failed" (tests/run reads it).
 */
#ifndef PW_TESTS_CHECK_H
#define PW_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

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

#endif /* PW_TESTS_CHECK_H */
