// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-profile: CPU sampling with perf_event programs on every CPU
 * (libbpf-tools profile), printed as folded stacks for flamegraph.pl or
 * speedscope: "comm;outer;...;inner count". User frames are resolved
 * through the ELF symbol tables of the files each process maps, kernel
 * frames (suffixed _[k]) through /proc/kallsyms; or, with --json, one JSON
 * object per stack. Nothing is pinned: the programs go when this process
 * exits. The sensor's config, stats and filter maps are reused when pinned
 * (tool.h): its filters apply, and samples count in pinwatch stats.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "parse.h"
#include "writer.h"
#include "fold.h"
#include "tool.h"
#include "profile.h"
#include "profile.skel.h"

#define PROG "pinwatch-profile"

static struct {
	struct pw_tool_env tool;	/* --pid, --duration, --json, --verbose */
	uint64_t freq;
	bool user_only, kernel_only, idle;
} env = {
	.tool = {
		.prog = PROG,
		.pid_doc = "Sample this process only",
		.json_doc = "One JSON object per stack and process instead of folded lines",
	},
	.freq = 49,
};

static const char doc[] =
	"Sample the stacks running on every CPU and print them folded, one line per\n"
	"distinct stack: \"comm;outermost;...;innermost count\" (kernel frames end in\n"
	"_[k]), ready for flamegraph.pl or speedscope; with --json, one JSON object per\n"
	"line: {\"comm\", \"pid\", \"stack\": [outermost, ..., innermost], \"count\"}.\n"
	"Names are escaped (README, \"Escaping\"): in folded lines control bytes,\n"
	"invalid UTF-8, '\\' and ';' show as \\xNN; in JSON a string that is not\n"
	"UTF-8 shows bad bytes as \\xNN and gets comm_hex / stack_hex beside.\n"
	"Uses the PMU's cycles event, or the software cpu-clock where the PMU has none.\n"
	"Stops after --duration, at Ctrl-C, or when the --pid process exits. Stacks are\n"
	"walked by frame pointer: code built without them shows short user stacks.\n"
	"\n"
	PW_TOOL_DOC_SENSOR "the samples,\n"
	"and every sample counts in pinwatch stats as profile (seen = filtered +\n"
	"emitted + dropped); otherwise private copies are used. Nothing is pinned. The\n"
	"last line on stderr gives this run's counts.\n"
	"\n"
	"Examples:\n"
	"  pinwatch-profile --duration 10 > out.folded; flamegraph.pl out.folded > out.svg\n"
	"  pinwatch-profile --pid 4242 --freq 99 --user-only --duration 5\n"
	"  pinwatch-profile --duration 5 --json | jq -c 'select(.count > 10)'\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage.";

static const struct argp_option options[] = {
	{ "freq", 'F', "HZ", 0, "Samples per second per CPU, 1 to 10000 (default 49)", 0 },
	{ "user-only", 'U', NULL, 0, "User stacks only", 0 },
	{ "kernel-only", 'K', NULL, 0, "Kernel stacks only", 0 },
	{ "idle", 'I', NULL, 0, "Include the idle task (pid 0)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case 'F':
		if (pw_parse_uint(arg, 10000, &env.freq) || !env.freq)
			pw_usage_error(PROG, "invalid --freq '%s': 1 to 10000 Hz", arg);
		break;
	case 'U':
		env.user_only = true;
		break;
	case 'K':
		env.kernel_only = true;
		break;
	case 'I':
		env.idle = true;
		break;
	case ARGP_KEY_END:
		if (env.user_only && env.kernel_only)
			pw_usage_error(PROG, "--user-only and --kernel-only exclude each other");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- collection ---------------------------------------------------------- */

/* Reads the mappings of the processes sampled so far while they run, so
 * that one that exits before the end is still resolved. */
static void tick(void *arg)
{
	struct profile_bpf *skel = arg;
	int fd = bpf_map__fd(skel->maps.counts);
	struct pw_profile_key key, next, *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		pw_proc_syms(next.pid);
		key = next;
		prev = &key;
	}
	pw_proc_syms_refresh();
}

/* ---- folding (fold.h) ----------------------------------------------------- */

static int print_folded(struct profile_bpf *skel)
{
	int counts_fd = bpf_map__fd(skel->maps.counts), stacks_fd = bpf_map__fd(skel->maps.stacks);
	struct pw_profile_key key, next, *prev = NULL;
	struct pw_ksyms *ksyms = env.user_only ? NULL : pw_ksyms_load();
	struct pw_fold fold = { .json = env.tool.json };
	size_t m;

	if (!env.user_only && !ksyms)
		fprintf(stderr, PROG ": /proc/kallsyms unreadable: kernel frames show as [unknown]\n");
	while (!bpf_map_get_next_key(counts_fd, prev, &next)) {
		struct pw_fold_out o;
		__u64 count = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &count) || !count)
			continue;
		if (pw_fold_begin(&fold, &o, key.comm, key.pid))
			break;
		if (!env.kernel_only)
			pw_fold_stack(&o, stacks_fd, key.user_stack_id, PW_PROFILE_DEPTH, false, NULL,
				      pw_proc_syms(key.pid));
		if (!env.user_only)
			pw_fold_stack(&o, stacks_fd, key.kern_stack_id, PW_PROFILE_DEPTH, true, ksyms, NULL);
		if (pw_fold_end(&fold, &o, count))
			break;
	}
	m = pw_fold_print(&fold, stdout);
	pw_ksyms_free(ksyms);
	return (int)m;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct pw_tool_maps tm = { .prog = PROG, .name = "profile", .stats_key = PW_MOD_PROFILE };
	struct profile_bpf *skel = NULL;
	struct pw_links links = {};
	int *cpus = NULL, ncpus, err = 1;
	const char *event = "cycles";
	uint32_t type = PERF_TYPE_HARDWARE;
	uint64_t config = PERF_COUNT_HW_CPU_CYCLES;

	err = pw_tool_init(&argp, &env.tool, argc, argv);
	if (err)
		return err;
	err = 1;
	ncpus = pw_online_cpus(PROG, &cpus);
	if (ncpus < 0)
		return 1;
	skel = profile_bpf__open();
	if (!skel) {
		fprintf(stderr, PROG ": cannot open the BPF object: %s\n", pw_libbpf_cause());
		goto out;
	}
	skel->rodata->targ_tgid = (__u32)env.tool.pid;
	skel->rodata->user_only = env.user_only;
	skel->rodata->kernel_only = env.kernel_only;
	skel->rodata->include_idle = env.idle;
	if (pw_tool_load(skel->skeleton, &tm))
		goto out;
	for (int i = 0; i < ncpus; i++) {
		int rc = pw_perf_attach(&links, PROG, skel->progs.do_sample, type, config, env.freq,
					true, cpus[i]);

		if (rc == -1 && i == 0 && type == PERF_TYPE_HARDWARE &&
		    (errno == ENOENT || errno == EOPNOTSUPP || errno == ENODEV || errno == EINVAL)) {
			/* no hardware cycles event (a VM's PMU): the software clock */
			type = PERF_TYPE_SOFTWARE;
			config = PERF_COUNT_SW_CPU_CLOCK;
			event = "cpu-clock";
			rc = pw_perf_attach(&links, PROG, skel->progs.do_sample, type, config, env.freq,
					    true, cpus[i]);
		}
		if (rc == -1 && errno == ENODEV)
			continue; /* went offline meanwhile */
		if (rc == -1)
			fprintf(stderr, PROG ": perf_event_open (%s, CPU %d): %s\n", event, cpus[i],
				strerror(errno));
		if (rc)
			goto out;
	}
	if (env.tool.pid)
		pw_proc_syms(env.tool.pid);
	char who[32] = "every process";

	if (env.tool.pid)
		snprintf(who, sizeof(who), "pid %d", (int)env.tool.pid);
	fprintf(stderr, PROG ": sampling %s at %llu Hz on %d CPUs, %s; %s\n", event,
		(unsigned long long)env.freq, (int)links.n, who,
		env.tool.duration ? "until the time is up" : "Ctrl-C to end");
	pw_tool_wait(&env.tool, tick, skel);
	/* stop sampling, then read what was taken */
	pw_links_destroy(&links);
	tick(skel);
	if (print_folded(skel) == 0)
		fprintf(stderr, PROG ": no samples\n");
	pw_tool_stats_line(&tm, "samples");
	err = 0;
out:
	pw_links_destroy(&links);
	free(cpus);
	profile_bpf__destroy(skel);
	pw_proc_syms_free();
	return err;
}
