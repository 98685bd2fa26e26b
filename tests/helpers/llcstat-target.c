// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A known workload for tests/llcstat.bats and the test stand-in of
 * pinwatch-llcstat (PW_LLCSTAT_TEST_EVENTS=sw: minor page faults counted as
 * references, context switches as misses). It stops itself (SIGSTOP) so
 * the test can start counting, then, once continued:
 *   touches PAGES pages of a fresh private anonymous mapping (no huge
 *   pages): PAGES minor page faults;
 *   sleeps SLEEPS times 2 ms: SLEEPS voluntary context switches;
 * prints "done" and waits to be killed. PAGES and SLEEPS are its two
 * arguments (default 2000 and 100).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long pages = argc > 1 ? atol(argv[1]) : 2000, sleeps = argc > 2 ? atol(argv[2]) : 100;
	long psz = sysconf(_SC_PAGESIZE);
	struct timespec ts = { 0, 2000000 };
	char *p;

	setvbuf(stdout, NULL, _IONBF, 0);
	p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	madvise(p, pages * psz, MADV_NOHUGEPAGE);
	raise(SIGSTOP);
	for (long i = 0; i < pages; i++)
		p[i * psz] = 1;
	for (long i = 0; i < sleeps; i++)
		nanosleep(&ts, NULL);
	printf("done\n");
	for (;;)
		pause();
}
