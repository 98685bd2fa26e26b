// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * flood SECONDS: an intruder's flood, as fast as it goes from two threads:
 * one opens and closes /dev/null (file module: open events), the other
 * calls getppid (syscall module, with `config set syscalls getppid`: one
 * syscall event per call). Prints "opens N getppid N" at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;

static void *opens(void *arg)
{
	unsigned long n = 0;

	while (!stop) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			close(fd);
		n++;
	}
	*(unsigned long *)arg = n;
	return NULL;
}

static void *getppids(void *arg)
{
	unsigned long n = 0;

	while (!stop) {
		syscall(SYS_getppid);
		n++;
	}
	*(unsigned long *)arg = n;
	return NULL;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };
	unsigned long no = 0, ng = 0;
	pthread_t a, b;

	if (pthread_create(&a, NULL, opens, &no) || pthread_create(&b, NULL, getppids, &ng))
		return 1;
	nanosleep(&ts, NULL);
	stop = 1;
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	printf("opens %lu getppid %lu\n", no, ng);
	return 0;
}
