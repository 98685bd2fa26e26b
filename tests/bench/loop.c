// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pw-bench-loop: the workloads of the benchmarks.
 *
 *   pw-bench-loop OP N REPS   OP is getppid, open (openat+close of /dev/null)
 *                             or exec (fork + execve /bin/true + wait): runs
 *                             N operations REPS times and prints, for the
 *                             cheapest repetition, "CPU_NS WALL_NS" per
 *                             operation. CPU time is that of this process
 *                             plus its waited-for children (kernel time
 *                             included, so every BPF program run on their
 *                             behalf): unlike wall time, it does not count
 *                             the time spent waiting for a CPU that other
 *                             work on the machine holds.
 *   pw-bench-loop storm N W [PATH]
 *                             N fork+execve(PATH, default /bin/true)+wait
 *                             spread over W worker processes; prints
 *                             "WALL_NS CPU_NS" of the whole storm.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *true_argv[] = { "/bin/true", NULL };
static char *const empty_envp[] = { NULL };

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of this process and of its waited-for children. */
static long long cpu_ns(void)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	getrusage(RUSAGE_CHILDREN, &ru);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec +
	       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

static void die(const char *what)
{
	fprintf(stderr, "pw-bench-loop: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void run_true(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		execve(true_argv[0], true_argv, empty_envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("/bin/true");
}

static void op_getppid(long n)
{
	for (long i = 0; i < n; i++)
		getppid();
}

static void op_open(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			die("/dev/null");
		close(fd);
	}
}

static void op_exec(long n)
{
	for (long i = 0; i < n; i++)
		run_true();
}

static long parse_count(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1) {
		fprintf(stderr, "pw-bench-loop: invalid %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

static int storm(long n, long workers)
{
	long long t0 = now_ns(), c0 = cpu_ns();

	for (long w = 0; w < workers; w++) {
		long share = n / workers + (w < n % workers);
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (pid == 0) {
			op_exec(share);
			_exit(0);
		}
	}
	for (long w = 0; w < workers; w++) {
		int status;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("storm worker");
	}
	printf("%lld %lld\n", now_ns() - t0, cpu_ns() - c0);
	return 0;
}

int main(int argc, char **argv)
{
	void (*op)(long) = NULL;
	long n, reps;
	double best_cpu = 0, best_wall = 0;

	if (argc != 4 && !(argc == 5 && !strcmp(argv[1], "storm"))) {
		fprintf(stderr, "usage: pw-bench-loop getppid|open|exec N REPS | storm N WORKERS [PATH]\n");
		return 2;
	}
	n = parse_count(argv[2], "N");
	reps = parse_count(argv[3], argv[1][0] == 's' ? "WORKERS" : "REPS");
	if (!strcmp(argv[1], "storm")) {
		if (argc == 5)
			true_argv[0] = argv[4];
		return storm(n, reps);
	}
	if (!strcmp(argv[1], "getppid"))
		op = op_getppid;
	else if (!strcmp(argv[1], "open"))
		op = op_open;
	else if (!strcmp(argv[1], "exec"))
		op = op_exec;
	else {
		fprintf(stderr, "pw-bench-loop: unknown operation '%s'\n", argv[1]);
		return 2;
	}
	op(n / 10 + 1);		/* warm up: page cache, branch predictors */
	for (long r = 0; r < reps; r++) {
		long long t0 = now_ns(), c0 = cpu_ns();
		double cpu, wall;

		op(n);
		cpu = (double)(cpu_ns() - c0) / (double)n;
		wall = (double)(now_ns() - t0) / (double)n;
		if (!r || cpu < best_cpu) {
			best_cpu = cpu;
			best_wall = wall;
		}
	}
	printf("%.1f %.1f\n", best_cpu, best_wall);
	return 0;
}
