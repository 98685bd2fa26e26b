// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * audit-act: what an intruder hiding from the audit trail's syscall
 * tracepoints does.
 *
 *   audit-act update PIN KEYHEX VALUEHEX   BPF_MAP_UPDATE_ELEM on the pinned map
 *   audit-act unlink PATH                  unlink(PATH)
 *   audit-act compat-unlink PATH           unlink through int $0x80 (i386 nr 10)
 *
 * update and unlink put their arguments (the bpf_attr with the key and the
 * value it points to; the path) in a file mapped MAP_SHARED and written
 * with pwrite(2), never touched through the mapping: the pages are in the
 * page cache but not in this process's page tables, so a non-faulting
 * read at syscall entry fails and the kernel's own copy faults them in.
 * compat-unlink makes a real 32-bit compat syscall from this 64-bit
 * binary (its path mapped below 4 GiB, MAP_32BIT). Prints the result;
 * exits 0 when the call succeeded, 1 when it failed, 2 on a setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096

static int hex(const char *s, unsigned char *out, size_t max)
{
	size_t n = strlen(s) / 2;

	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return -1;
	return (int)n;
}

/* A page of a fresh file with data at its start, mapped without a touch. */
static void *untouched(void *at, const void *data, size_t len, int extra_flags)
{
	char tmpl[] = "/tmp/audit-act.XXXXXX";
	int fd = mkstemp(tmpl);
	void *p;

	if (fd < 0 || ftruncate(fd, PAGE) || pwrite(fd, data, len, 0) != (ssize_t)len) {
		perror("audit-act: tmp file");
		exit(2);
	}
	unlink(tmpl);
	p = mmap(at, PAGE, PROT_READ, MAP_SHARED | extra_flags, fd, 0);
	if (p == MAP_FAILED) {
		perror("audit-act: mmap");
		exit(2);
	}
	return p;
}

static long sys_bpf(int cmd, void *attr, unsigned int size)
{
	return syscall(__NR_bpf, cmd, attr, size);
}

static int update(const char *pin, const char *khex, const char *vhex)
{
	unsigned char buf[PAGE] = {}, key[256], value[1024];
	union bpf_attr get = {}, *a = (union bpf_attr *)buf;
	int nk = hex(khex, key, sizeof(key)), nv = hex(vhex, value, sizeof(value));
	char *page;
	long fd, ret;

	get.pathname = (uintptr_t)pin;
	fd = sys_bpf(BPF_OBJ_GET, &get, sizeof(get));
	if (fd < 0 || nk < 0 || nv < 0 || 512 + nv > PAGE) {
		fprintf(stderr, "audit-act: %s: %s\n", pin, fd < 0 ? strerror(errno) : "bad hex");
		return 2;
	}
	/* where the page will be mapped is known once it is: map a first
	 * time to learn an address, and map the real one there */
	page = untouched(NULL, buf, 1, 0);
	munmap(page, PAGE);
	a->map_fd = (__u32)fd;
	a->key = (uintptr_t)(page + 256);
	a->value = (uintptr_t)(page + 512);
	a->flags = BPF_ANY;
	memcpy(buf + 256, key, nk);
	memcpy(buf + 512, value, nv);
	if (untouched(page, buf, PAGE, MAP_FIXED_NOREPLACE) != page) {
		fprintf(stderr, "audit-act: the page moved\n");
		return 2;
	}
	ret = sys_bpf(BPF_MAP_UPDATE_ELEM, page, sizeof(*a));
	printf("update=%ld\n", ret < 0 ? -errno : ret);
	return ret < 0;
}

static int unlink_untouched(const char *path)
{
	const char *p = untouched(NULL, path, strlen(path) + 1, 0);
	long ret = syscall(__NR_unlink, p);

	printf("unlink=%ld\n", ret < 0 ? -errno : ret);
	return ret < 0;
}

static int compat_unlink(const char *path)
{
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long ret = 10; /* __NR_unlink of i386 */

	if (p == MAP_FAILED || strlen(path) >= PAGE) {
		perror("audit-act: mmap below 4 GiB");
		return 2;
	}
	strcpy(p, path);
	__asm__ volatile("int $0x80" : "+a"(ret) : "b"((uint32_t)(uintptr_t)p) : "memory");
	printf("compat_unlink=%ld\n", ret);
	return ret < 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "update"))
		return update(argv[2], argv[3], argv[4]);
	if (argc == 3 && !strcmp(argv[1], "unlink"))
		return unlink_untouched(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "compat-unlink"))
		return compat_unlink(argv[2]);
	fprintf(stderr, "usage: audit-act update PIN KEYHEX VALUEHEX | unlink PATH | compat-unlink PATH\n");
	return 2;
}
