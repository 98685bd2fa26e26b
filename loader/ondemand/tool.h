/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tool.h: what the on-demand tools (pinwatch-profile, pinwatch-memleak,
 * pinwatch-llcstat) share: CPUs, perf events, Ctrl-C, the sensor's maps,
 * process symbolizers.
 */
#ifndef PINWATCH_TOOL_H
#define PINWATCH_TOOL_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpfobj.h"
#include "pinwatch.h"
#include "syms.h"

/*
 * The options every tool takes, parsed by one argp child shared by the
 * three (a libbpf-tools env struct): --pid, --duration, --json, --verbose.
 * A tool embeds it in its own env, sets prog and the help of each option
 * as it reads in that tool (pid_doc NULL: the tool takes no --pid), and
 * calls pw_tool_init().
 */
struct pw_tool_env {
	const char *prog;		/* "pinwatch-profile" */
	const char *pid_doc;		/* --pid's help, or NULL: no --pid */
	const char *duration_doc;	/* --duration's help, or NULL: "Stop after ..." */
	const char *json_doc;		/* --json's help */
	pid_t pid;			/* --pid; 0: every process */
	uint64_t duration;		/* --duration, seconds; 0: until Ctrl-C */
	bool json, verbose;
};

/*
 * Parses the command line with argp (the tool's parser with the shared
 * one as its child; an argument that is no option is an error), checks
 * that it runs as root and that the --pid process exists, captures
 * libbpf's messages (bpfobj.h; on stderr with --verbose) and catches
 * SIGINT and SIGTERM for pw_tool_wait(). Returns 0, or the exit status after one
 * line on stderr: 2 usage, 1 not root or no such process.
 */
int pw_tool_init(const struct argp *argp, struct pw_tool_env *env, int argc, char **argv);

/* The start of the paragraph of each tool's --help on the sensor's maps;
 * the tool ends it ("the samples, and every sample counts in ..."). */
#define PW_TOOL_DOC_SENSOR \
	"When the sensor is loaded (its maps pinned under $PINWATCH_PIN_ROOT/maps,\n" \
	"default /sys/fs/bpf/pinwatch/maps), its switch (config enabled), its consumer\n" \
	"and its pid/uid/comm/cgroup filters (pinwatch filter) apply to "

/* Sleeps for --duration (0: until SIGINT or SIGTERM), in steps of at most
 * one second, calling tick() after each step (NULL: none). Returns when
 * the time is up, a signal came or the --pid process has exited. */
void pw_tool_wait(const struct pw_tool_env *env, void (*tick)(void *), void *arg);

/* Makes room for need elements of elem_sz bytes at *data (*cap of them
 * now, doubled as needed), as libbpf_ensure_mem() does. Returns 0, or
 * -ENOMEM with *data unchanged. */
int pw_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need);

/* The online CPUs (/sys/devices/system/cpu/online). Returns how many
 * (*cpus malloc'ed), or -errno after "TOOL: cannot list the online CPUs:
 * ..." on stderr. */
int pw_online_cpus(const char *tool, int **cpus);

/* perf_event_open(2) for one CPU, all processes. */
int pw_perf_open(uint32_t type, uint64_t config, uint64_t period_or_freq, bool freq, int cpu);

/* The links of a tool's programs, destroyed together. Zero-initialise. */
struct pw_links {
	struct bpf_link **l;
	size_t n, cap;
};
struct bpf_link;
struct bpf_program;

/* Keeps link. Returns 0; -1 with errno when link is NULL (libbpf's
 * failure to attach) or cannot be kept (then it is destroyed). */
int pw_links_add(struct pw_links *links, struct bpf_link *link);
/* pw_perf_open() on one CPU, and prog attached to the event (the link
 * owns it). Returns 0; -1 with errno, nothing printed, when the event
 * cannot be opened; -2 after "TOOL: cannot attach to CPU N: ..." on
 * stderr. */
int pw_perf_attach(struct pw_links *links, const char *tool, struct bpf_program *prog,
		   uint32_t type, uint64_t config, uint64_t period_or_freq, bool freq, int cpu);
/* Detaches every program (a perf_event link closes its event); the set
 * can be used again. */
void pw_links_destroy(struct pw_links *links);

/*
 * The sensor's shared maps in a tool's object (bpfobj.h): the tool reuses
 * config, stats and the pid/uid/comm/cgroup filter maps where the sensor
 * has pinned them, private copies otherwise, and creates none of the
 * shared maps the tools do not use (events, proc_cache, the path and cidr
 * filters, blocklist).
 */
struct pw_tool_maps {
	const char *prog;	/* for messages: "pinwatch-profile" */
	const char *name;	/* its row in pinwatch stats: "profile" */
	uint32_t stats_key;	/* PW_MOD_PROFILE, ... */
	struct pw_shared_maps sm;
	int stats_fd;
	struct pw_stats start;	/* the row's sums at start */
};

struct bpf_object_skeleton;
/* Loads an opened skeleton with the shared maps as above, switches a
 * private config on and reads the stats row at start. Prints one line on
 * stderr saying which maps are shared (nothing when all are private).
 * Returns 0, or -1 after one line on stderr. */
int pw_tool_load(struct bpf_object_skeleton *skel, struct pw_tool_maps *tm);
/* The row's counts since pw_tool_load() (shared stats: also those
 * of any other instance running meanwhile). Returns 0 or -1. */
int pw_tool_stats(const struct pw_tool_maps *tm, struct pw_stats *since);
/* One line on stderr: "PROG: N WHAT seen: E recorded, F filtered, D
 * dropped (...)" from pw_tool_stats(). */
void pw_tool_stats_line(const struct pw_tool_maps *tm, const char *what);
struct pw_buf;
/* Ends a tool's JSON object: appends "\"stats\":{\"seen\":N,\"filtered\":N,
 * \"emitted\":N,\"dropped\":N}}\n" (pw_tool_stats(); zeros if the map cannot
 * be read). Returns 0 or -ENOMEM. */
int pw_tool_json_end(const struct pw_tool_maps *tm, struct pw_buf *out);

/* One symbolizer per process, created on first use and refreshed on demand
 * (so a process that exits later still resolves). */
struct pw_usyms *pw_proc_syms(pid_t pid);
/* Re-reads the mappings of every process seen so far that still runs. */
void pw_proc_syms_refresh(void);
void pw_proc_syms_free(void);

#endif
