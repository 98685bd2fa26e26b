// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What an intruder does to another process, for tests/ptrace.bats. Each
 * mode prints what it did as NAME=VALUE words (numbers in decimal) on one
 * line, and exits 0 once the acts are done, whatever their results.
 *   poke          fork a child named pwtarget, PTRACE_ATTACH it, PEEKDATA and
 *                 POKEDATA a word of its memory, DETACH
 *   attach PID    PTRACE_ATTACH PID (and DETACH when it worked)
 *   traceme       fork a child named pwtraceme that calls PTRACE_TRACEME
 *   vm            fork a child named pwtarget; process_vm_writev 8 bytes into
 *                 its memory, process_vm_readv them back
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long word = 0x1111;
static char buf[64] = "pinwatch-before";

/* A child named name that waits to be killed; returns once it is named. */
static pid_t child(const char *name)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p))
		exit(2);
	pid = fork();
	if (pid < 0)
		exit(2);
	if (!pid) {
		prctl(PR_SET_NAME, name);
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	if (read(p[0], &c, 1) != 1)
		exit(2);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int poke(void)
{
	pid_t pid = child("pwtarget");
	long ret, peek;

	ret = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	waitpid(pid, NULL, 0);
	errno = 0;
	peek = ptrace(PTRACE_PEEKDATA, pid, &word, NULL);
	ptrace(PTRACE_POKEDATA, pid, &word, (void *)0x5057L);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	printf("child=%d attach=%ld peek=%ld addr=%lu data=%lu\n", pid, ret, peek,
	       (unsigned long)&word, 0x5057UL);
	reap(pid);
	return 0;
}

static int attach(pid_t pid)
{
	long ret = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
	int err = ret ? errno : 0;

	if (!ret) {
		waitpid(pid, NULL, 0);
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	}
	printf("ret=%ld errno=%d\n", ret, err);
	return 0;
}

static int traceme(void)
{
	pid_t pid = fork();

	if (pid < 0)
		return 2;
	if (!pid) {
		prctl(PR_SET_NAME, "pwtraceme");
		_exit(ptrace(PTRACE_TRACEME, 0, NULL, NULL) ? 1 : 0);
	}
	waitpid(pid, NULL, 0);
	printf("child=%d parent=%d\n", pid, getpid());
	return 0;
}

static int vm(void)
{
	char out[8] = "PWWRITE", in[8] = "";
	struct iovec local = { out, sizeof(out) }, remote = { buf, sizeof(out) };
	struct iovec back = { in, sizeof(in) };
	pid_t pid = child("pwtarget");
	ssize_t w, r;

	w = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	r = process_vm_readv(pid, &back, 1, &remote, 1, 0);
	printf("child=%d addr=%lu written=%zd readback=%zd same=%d\n", pid, (unsigned long)buf, w, r,
	       !memcmp(in, out, sizeof(in)));
	reap(pid);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "poke"))
		return poke();
	if (argc == 3 && !strcmp(argv[1], "attach"))
		return attach(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "traceme"))
		return traceme();
	if (argc == 2 && !strcmp(argv[1], "vm"))
		return vm();
	fprintf(stderr, "usage: %s poke | attach PID | traceme | vm\n", argv[0]);
	return 2;
}
