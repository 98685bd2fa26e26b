/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tool.h: what the on-demand tools (pinwatch-profile, pinwatch-memleak,
 * pinwatch-llcstat) share: CPUs, perf events, libbpf logging, Ctrl-C,
 * process symbolizers.
 */
#ifndef PINWATCH_TOOL_H
#define PINWATCH_TOOL_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "syms.h"

extern volatile sig_atomic_t pw_tool_exiting;

/* SIGINT and SIGTERM set pw_tool_exiting. */
void pw_tool_signals(void);

/* Sleeps up to `seconds` (0: until a signal), in steps of at most one
 * second, calling tick() after each step (NULL: none). Returns when the
 * time is up, a signal came, or tick() returns false. */
void pw_tool_wait(unsigned int seconds, bool (*tick)(void *), void *arg);

/* libbpf messages: warnings and errors to stderr only with verbose. The
 * last error is kept for pw_tool_libbpf_error(). */
void pw_tool_libbpf_log(bool verbose);
const char *pw_tool_libbpf_error(void);

/* The online CPUs (/sys/devices/system/cpu/online). Returns how many, or
 * -errno; *cpus is malloc'ed. */
int pw_online_cpus(int **cpus);

/* perf_event_open(2) for one CPU, all processes. */
int pw_perf_open(uint32_t type, uint64_t config, uint64_t period_or_freq, bool freq, int cpu);

/* One symbolizer per process, created on first use and refreshed on demand
 * (so a process that exits later still resolves). */
struct pw_usyms *pw_proc_syms(pid_t pid);
/* Re-reads the mappings of every process seen so far that still runs. */
void pw_proc_syms_refresh(void);
void pw_proc_syms_free(void);

#endif
