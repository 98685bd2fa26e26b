// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for loader/syms.c: symbol -> file offset (what uprobes attach
 * to) and address -> function (what profile and memleak print), checked
 * against this very process, libc and /proc/kallsyms. Last line:
 * "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "syms.h"

#include "check.h"

__attribute__((noinline, used)) int pw_test_target_fn(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static void test_own_symbols(void)
{
	struct pw_usyms *u = pw_usyms_new(getpid());
	uint64_t addr = (uint64_t)(uintptr_t)&pw_test_target_fn, off = 0, off2 = 0, delta = 9;
	const char *path = NULL;
	char err[128], name[256];
	struct pw_elf *elf;

	CHECK(u != NULL);
	if (!u)
		return;
	/* the running address maps to a file offset in our own executable */
	CHECK(pw_usyms_file_offset(u, addr, &path, &off));
	elf = pw_elf_open("/proc/self/exe", err, sizeof(err));
	CHECK(elf != NULL);
	if (elf) {
		CHECK(pw_elf_nsyms(elf) > 0);
		/* symbol -> offset agrees with where the kernel mapped it */
		CHECK(pw_elf_func_offset(elf, "pw_test_target_fn", &off2) == 0);
		CHECK(off2 == off);
		CHECK_STR(pw_elf_func_at(elf, off2 + 2, &delta), "pw_test_target_fn");
		CHECK(delta == 2);
		CHECK(pw_elf_func_offset(elf, "pw_no_such_function", &off2) == -ENOENT);
		pw_elf_close(elf);
	}
	CHECK(pw_usyms_name(u, addr, name, sizeof(name), false));
	CHECK_STR(name, "pw_test_target_fn");
	CHECK(pw_usyms_name(u, addr + 1, name, sizeof(name), true));
	CHECK_STR(name, "pw_test_target_fn+0x1");
	/* libc's connect, found by address through the mapping of libc */
	CHECK(pw_usyms_name(u, (uint64_t)(uintptr_t)&connect, name, sizeof(name), false));
	CHECK_STR(name, "connect");
	CHECK(!pw_usyms_name(u, 16, name, sizeof(name), false));
	CHECK_STR(name, "[unknown]");
	/* a refresh keeps it working */
	CHECK(pw_usyms_refresh(u) == 0);
	CHECK(pw_usyms_name(u, addr, name, sizeof(name), false));
	pw_usyms_free(u);
}

static void test_libc_offsets(void)
{
	char err[128];
	uint64_t a = 0, b = 0;
	struct pw_elf *libc = pw_elf_open("/lib/x86_64-linux-gnu/libc.so.6", err, sizeof(err));

	if (!libc) {
		printf("skip: no /lib/x86_64-linux-gnu/libc.so.6\n");
		return;
	}
	CHECK(pw_elf_func_offset(libc, "connect", &a) == 0);
	/* a version suffix is accepted and ignored */
	CHECK(pw_elf_func_offset(libc, "connect@GLIBC_2.2.5", &b) == 0);
	CHECK(a == b && a != 0);
	CHECK(pw_elf_func_offset(libc, "malloc", &a) == 0);
	CHECK(pw_elf_func_offset(libc, "getaddrinfo", &a) == 0);
	pw_elf_close(libc);
}

static void test_not_elf(void)
{
	char err[128] = "";

	CHECK(pw_elf_open("/etc/passwd", err, sizeof(err)) == NULL);
	CHECK_STR(err, "not an ELF file");
	CHECK(pw_elf_open("/nonexistent", err, sizeof(err)) == NULL);
	CHECK_STR(err, strerror(ENOENT));
	CHECK(pw_elf_open("/etc", err, sizeof(err)) == NULL);
}

static void test_kallsyms(void)
{
	struct pw_ksyms *k = pw_ksyms_load();
	uint64_t addr, delta = 1;

	if (!k) {
		printf("skip: /proc/kallsyms has no addresses (not root, or kptr_restrict)\n");
		return;
	}
	addr = pw_ksyms_addr(k, "schedule");
	CHECK(addr != 0);
	CHECK_STR(pw_ksyms_find(k, addr, &delta), "schedule");
	CHECK(delta == 0);
	CHECK_STR(pw_ksyms_find(k, addr + 4, &delta), "schedule");
	CHECK(delta == 4);
	CHECK(pw_ksyms_find(k, 1, &delta) == NULL);
	pw_ksyms_free(k);
}

int main(void)
{
	test_own_symbols();
	test_libc_offsets();
	test_not_elf();
	test_kallsyms();
	pw_syms_cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
