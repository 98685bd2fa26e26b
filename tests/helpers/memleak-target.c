// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A leaker for tests/memleak.bats, compiled by the test with frame
 * pointers. It stops itself (SIGSTOP) so the test can attach, then, once
 * continued, leaks known sizes from known functions, frees everything
 * else, prints "done" and waits to be killed:
 *   pw_leak_big       5 x malloc(40000)               200000 bytes
 *   pw_leak_calloc    3 x calloc(10, 100)               3000 bytes
 *   pw_leak_aligned   2 x posix_memalign(64, 4096)      8192 bytes
 *   pw_leak_aligned2  1 x aligned_alloc(64, 2048)       2048 bytes
 *   pw_no_leak        malloc, realloc(NULL), realloc, free: nothing left
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *keep[16];
static int nkeep;

__attribute__((noinline)) void pw_leak_big(void)
{
	keep[nkeep++] = malloc(40000);
}

__attribute__((noinline)) void pw_leak_calloc(void)
{
	keep[nkeep++] = calloc(10, 100);
}

__attribute__((noinline)) void pw_leak_aligned(void)
{
	void *p = NULL;

	if (posix_memalign(&p, 64, 4096) == 0)
		keep[nkeep++] = p;
}

__attribute__((noinline)) void pw_leak_aligned2(void)
{
	keep[nkeep++] = aligned_alloc(64, 2048);
}

__attribute__((noinline)) void pw_no_leak(void)
{
	void *p = malloc(5000), *q;

	free(p);
	q = realloc(NULL, 100);
	q = realloc(q, 70000);
	free(q);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	raise(SIGSTOP);
	for (int i = 0; i < 5; i++)
		pw_leak_big();
	for (int i = 0; i < 3; i++)
		pw_leak_calloc();
	for (int i = 0; i < 2; i++)
		pw_leak_aligned();
	pw_leak_aligned2();
	for (int i = 0; i < 4; i++)
		pw_no_leak();
	printf("done\n");
	for (;;)
		pause();
}
