// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A target for tests/uprobe.bats, compiled by the test: calls
 * pw_work(1, 2, 3, 4, 5, 6 + i) N times; each call sleeps 2 ms and returns
 * the sum of its arguments plus 1000.
 *
 *   uprobe-target N [stop]
 * With "stop" it stops itself (SIGSTOP) first, so that a test can attach
 * to its pid and then continue it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) long pw_work(long a, long b, long c, long d, long e, long f)
{
	usleep(2000);
	return a + b + c + d + e + f + 1000;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	long sum = 0;

	if (argc > 2 && !strcmp(argv[2], "stop"))
		raise(SIGSTOP);
	for (int i = 0; i < n; i++)
		sum += pw_work(1, 2, 3, 4, 5, 6 + i);
	printf("%ld\n", sum);
	return 0;
}
