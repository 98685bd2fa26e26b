// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tool.c: see tool.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "tool.h"

volatile sig_atomic_t pw_tool_exiting;

static void on_signal(int sig)
{
	(void)sig;
	pw_tool_exiting = 1;
}

void pw_tool_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void pw_tool_wait(unsigned int seconds, bool (*tick)(void *), void *arg)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!pw_tool_exiting) {
		struct timespec step = { 1, 0 };
		double elapsed;

		if (seconds) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			elapsed = (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
			if (elapsed >= seconds)
				return;
			if (seconds - elapsed < 1) {
				double left = seconds - elapsed;

				step.tv_sec = 0;
				step.tv_nsec = (long)(left * 1e9);
			}
		}
		nanosleep(&step, NULL); /* a signal cuts it short */
		if (tick && !pw_tool_exiting && !tick(arg))
			return;
	}
}

static bool log_verbose;
static char last_error[512];

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list copy;

	if (level == LIBBPF_DEBUG && !log_verbose)
		return 0;
	va_copy(copy, ap);
	if (level != LIBBPF_DEBUG) {
		vsnprintf(last_error, sizeof(last_error), fmt, copy);
		last_error[strcspn(last_error, "\n")] = '\0';
	}
	va_end(copy);
	if (log_verbose)
		vfprintf(stderr, fmt, ap);
	return 0;
}

void pw_tool_libbpf_log(bool verbose)
{
	log_verbose = verbose;
	libbpf_set_print(print_libbpf);
}

const char *pw_tool_libbpf_error(void)
{
	const char *p = last_error;

	if (!strncmp(p, "libbpf: ", 8))
		p += 8;
	return *p ? p : "unknown error";
}

int pw_online_cpus(int **cpus)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int n = 0, cap = 0, a, b;
	char sep;

	*cpus = NULL;
	if (!f)
		return -errno;
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		sep = (char)fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			sep = (char)fgetc(f);
		}
		for (int c = a; c <= b; c++) {
			if (n == cap) {
				int *p;

				cap = cap ? cap * 2 : 16;
				p = realloc(*cpus, cap * sizeof(int));
				if (!p) {
					fclose(f);
					free(*cpus);
					*cpus = NULL;
					return -ENOMEM;
				}
				*cpus = p;
			}
			(*cpus)[n++] = c;
		}
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? n : -ENOENT;
}

int pw_perf_open(uint32_t type, uint64_t config, uint64_t period_or_freq, bool freq, int cpu)
{
	struct perf_event_attr attr = {
		.type = type,
		.size = sizeof(attr),
		.config = config,
		.freq = freq,
	};

	if (freq)
		attr.sample_freq = period_or_freq;
	else
		attr.sample_period = period_or_freq;
	return (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

struct proc_syms {
	pid_t pid;
	struct pw_usyms *u;	/* NULL: could not be read */
	struct proc_syms *next;
};

static struct proc_syms *procs;

struct pw_usyms *pw_proc_syms(pid_t pid)
{
	struct proc_syms *p;

	for (p = procs; p; p = p->next)
		if (p->pid == pid)
			return p->u;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->u = pw_usyms_new(pid);
	p->next = procs;
	procs = p;
	return p->u;
}

void pw_proc_syms_refresh(void)
{
	for (struct proc_syms *p = procs; p; p = p->next)
		if (p->u)
			pw_usyms_refresh(p->u);
		else
			p->u = pw_usyms_new(p->pid);
}

void pw_proc_syms_free(void)
{
	while (procs) {
		struct proc_syms *next = procs->next;

		pw_usyms_free(procs->u);
		free(procs);
		procs = next;
	}
	pw_syms_cleanup();
}
