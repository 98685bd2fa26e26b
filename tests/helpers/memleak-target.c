// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A leaker for tests/memleak.bats, compiled by the test with frame
 * pointers. It stops itself (SIGSTOP) so the test can attach, then, once
 * continued, leaks known sizes from known functions, frees everything
 * else, prints "done" and waits to be killed:
 *   pw_leak_big       5 x malloc(40000)               200000 bytes
 *   pw_leak_realloc   1 x malloc(1000), realloc to 30000  30000 bytes
 *   pw_leak_valloc    3 x valloc(5000)                 15000 bytes
 *   pw_leak_aligned   2 x posix_memalign(64, 4096)      8192 bytes
 *   pw_leak_pvalloc   1 x pvalloc(5000)         one page up: 8192 bytes
 *   pw_leak_calloc    3 x calloc(10, 100)               3000 bytes
 *   pw_leak_memalign  2 x memalign(256, 1500)           3000 bytes
 *   pw_leak_aligned2  1 x aligned_alloc(64, 2048)       2048 bytes
 *   pw_no_leak        malloc, realloc(NULL), realloc, free: nothing left
 * With the argument "kernel" it makes the kernel allocate for it instead:
 *   pw_leak_pages     touches 256 pages of a private anonymous mapping it
 *                     keeps (1 MiB from the page allocator, page tables
 *                     aside)
 *   pw_no_leak_pages  the same in a mapping it unmaps: nothing left
 *   pw_leak_percpu    a BPF per-CPU array of 5 values of 40 bytes it
 *                     keeps: 5 per-CPU allocations of 40 bytes
 *   pw_no_leak_percpu one of 3 values of 24 bytes it closes (freed by a
 *                     kernel worker; "done" comes 300 ms later)
 */
#define _GNU_SOURCE
#include <linux/bpf.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *keep[32];
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

__attribute__((noinline)) void pw_leak_realloc(void)
{
	void *p = malloc(1000), *q = realloc(p, 30000);

	keep[nkeep++] = q ? q : p;
}

__attribute__((noinline)) void pw_leak_memalign(void)
{
	keep[nkeep++] = memalign(256, 1500);
}

__attribute__((noinline)) void pw_leak_valloc(void)
{
	keep[nkeep++] = valloc(5000);
}

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
__attribute__((noinline)) void pw_leak_pvalloc(void)
{
	keep[nkeep++] = pvalloc(5000);
}

#define PAGES 256

static void *touch_pages(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, PAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	for (int i = 0; i < PAGES; i++)
		p[i * psz] = 1;
	return p;
}

__attribute__((noinline)) void pw_leak_pages(void)
{
	keep[nkeep++] = touch_pages();
}

__attribute__((noinline)) void pw_no_leak_pages(void)
{
	void *p = touch_pages();

	if (p)
		munmap(p, PAGES * sysconf(_SC_PAGESIZE));
}

static int percpu_array(unsigned int values, unsigned int size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERCPU_ARRAY;
	a.key_size = 4;
	a.value_size = size;
	a.max_entries = values;
	return (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

__attribute__((noinline)) void pw_leak_percpu(void)
{
	if (percpu_array(5, 40) < 0)
		perror("bpf(BPF_MAP_CREATE)");
}

__attribute__((noinline)) void pw_no_leak_percpu(void)
{
	int fd = percpu_array(3, 24);

	if (fd < 0)
		perror("bpf(BPF_MAP_CREATE)");
	else
		close(fd);
	usleep(300000);
}

__attribute__((noinline)) void pw_no_leak(void)
{
	void *p = malloc(5000), *q;

	free(p);
	q = realloc(NULL, 100);
	q = realloc(q, 70000);
	free(q);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	raise(SIGSTOP);
	if (argc > 1 && !strcmp(argv[1], "kernel")) {
		pw_leak_pages();
		pw_no_leak_pages();
		pw_leak_percpu();
		pw_no_leak_percpu();
		printf("done\n");
		for (;;)
			pause();
	}
	for (int i = 0; i < 5; i++)
		pw_leak_big();
	pw_leak_realloc();
	for (int i = 0; i < 3; i++)
		pw_leak_valloc();
	pw_leak_pvalloc();
	for (int i = 0; i < 2; i++)
		pw_leak_memalign();
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
