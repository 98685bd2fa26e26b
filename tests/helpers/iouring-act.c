// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * iouring-act: what an intruder hiding file work in io_uring does, with the
 * raw syscalls (no liburing): make a ring, register a file with it, then
 * open OPEN_PATH and unlink UNLINK_PATH through the ring (IORING_OP_OPENAT,
 * IORING_OP_UNLINKAT), never calling openat(2) or unlinkat(2).
 *
 *   iouring-act [--sqpoll] OPEN_PATH UNLINK_PATH
 *
 * --sqpoll: the ring's kernel thread (IORING_SETUP_SQPOLL) takes the
 * requests from the queue; the program never calls io_uring_enter to
 * submit. Prints "pid=N ring_fd=N open=RES unlink=RES"; exits 0 when both
 * requests succeeded, 1 otherwise, 2 when io_uring_setup is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int setup(unsigned int entries, struct io_uring_params *p)
{
	return (int)syscall(__NR_io_uring_setup, entries, p);
}

static int enter(int fd, unsigned int submit, unsigned int complete, unsigned int flags)
{
	return (int)syscall(__NR_io_uring_enter, fd, submit, complete, flags, NULL, 0);
}

static int reg(int fd, unsigned int opcode, void *arg, unsigned int n)
{
	return (int)syscall(__NR_io_uring_register, fd, opcode, arg, n);
}

int main(int argc, char **argv)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
	unsigned int *sq_tail, *sq_array, *sq_mask, *sq_flags, *cq_head, *cq_tail, *cq_mask;
	unsigned int tail, head, seen = 0;
	int res[2] = { -ENODATA, -ENODATA };
	bool sqpoll = false;
	int fd, files[1];
	void *sq, *cq;

	if (argc > 1 && !strcmp(argv[1], "--sqpoll")) {
		sqpoll = true;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: iouring-act [--sqpoll] OPEN_PATH UNLINK_PATH\n");
		return 1;
	}
	memset(&p, 0, sizeof(p));
	if (sqpoll) {
		p.flags = IORING_SETUP_SQPOLL;
		p.sq_thread_idle = 2000;
	}
	fd = setup(8, &p);
	if (fd < 0) {
		fprintf(stderr, "iouring-act: io_uring_setup: %s\n", strerror(errno));
		return 2;
	}
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		fprintf(stderr, "iouring-act: mmap: %s\n", strerror(errno));
		return 1;
	}
	sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	sq_mask = (unsigned int *)((char *)sq + p.sq_off.ring_mask);
	sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	sq_flags = (unsigned int *)((char *)sq + p.sq_off.flags);
	cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);
	cq_mask = (unsigned int *)((char *)cq + p.cq_off.ring_mask);
	cqes = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes);

	/* a fixed file: what a server registers to skip fd lookups */
	files[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (files[0] < 0 || reg(fd, IORING_REGISTER_FILES, files, 1) < 0) {
		fprintf(stderr, "iouring-act: IORING_REGISTER_FILES: %s\n", strerror(errno));
		return 1;
	}

	tail = *sq_tail;
	memset(&sqes[0], 0, 2 * sizeof(struct io_uring_sqe));
	sqes[0].opcode = IORING_OP_OPENAT;
	sqes[0].fd = AT_FDCWD;
	sqes[0].addr = (unsigned long)argv[1];
	sqes[0].open_flags = O_RDONLY | O_CLOEXEC;
	sqes[0].user_data = 0;
	sqes[1].opcode = IORING_OP_UNLINKAT;
	sqes[1].fd = AT_FDCWD;
	sqes[1].addr = (unsigned long)argv[2];
	sqes[1].user_data = 1;
	sq_array[tail & *sq_mask] = 0;
	sq_array[(tail + 1) & *sq_mask] = 1;
	__atomic_store_n(sq_tail, tail + 2, __ATOMIC_RELEASE);

	if (!sqpoll) {
		if (enter(fd, 2, 2, IORING_ENTER_GETEVENTS) < 0) {
			fprintf(stderr, "iouring-act: io_uring_enter: %s\n", strerror(errno));
			return 1;
		}
	} else if (__atomic_load_n(sq_flags, __ATOMIC_ACQUIRE) & IORING_SQ_NEED_WAKEUP) {
		/* the thread went idle: wake it; it still does the submitting */
		enter(fd, 0, 0, IORING_ENTER_SQ_WAKEUP);
	}
	while (seen < 2) {
		head = *cq_head;
		while (head != __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
			struct io_uring_cqe *c = &cqes[head & *cq_mask];

			if (c->user_data < 2)
				res[c->user_data] = c->res;
			head++;
			seen++;
		}
		__atomic_store_n(cq_head, head, __ATOMIC_RELEASE);
		if (seen < 2 && enter(fd, 0, 1, IORING_ENTER_GETEVENTS) < 0 && errno != EINTR) {
			fprintf(stderr, "iouring-act: io_uring_enter (wait): %s\n", strerror(errno));
			return 1;
		}
	}
	printf("pid=%d ring_fd=%d open=%d unlink=%d\n", getpid(), fd, res[0], res[1]);
	return res[0] >= 0 && res[1] == 0 ? 0 : 1;
}
