// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-funclatency: the latency of one kernel function, entry to
 * return, as a log2 histogram in nanoseconds (libbpf-tools funclatency).
 * fentry/fexit where the kernel has a BPF trampoline for the function,
 * kprobe/kretprobe otherwise: both are probed on the function itself at
 * run time (probe.c, as pinwatch-load chooses a module's variants), and on
 * a kernel that attaches neither it says so in one line and exits 4. The
 * sensor's config, stats and filter maps are reused when pinned (tool.h):
 * its filters apply, and calls count in pinwatch stats as funclatency.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "parse.h"
#include "probe.h"
#include "writer.h"
#include "tool.h"
#include "funclatency.h"
#include "funclatency.skel.h"

#define PROG "pinwatch-funclatency"
#define FUNC_MAX 128
#define EXIT_UNSUPPORTED 4

static struct {
	struct pw_tool_env tool;	/* --pid, --duration, --json, --verbose */
	const char *func;
} env = {
	.tool = {
		.prog = PROG,
		.pid_doc = "Time the calls of this process only",
		.json_doc = "One JSON object instead of the histogram",
	},
};

static const char doc[] =
	"Time every call of the kernel function KFUNC, entry to return, and print the\n"
	"latencies as a log2 histogram in nanoseconds at the end (--duration, Ctrl-C,\n"
	"or when the --pid process exits). Uses fentry/fexit where the kernel has a\n"
	"BPF trampoline for KFUNC, kprobe/kretprobe otherwise (each tried on KFUNC\n"
	"first; PINWATCH_DENY_VARIANTS=fentry skips the first); on a kernel that\n"
	"attaches neither, one line says so on stderr and the exit status is 4 (with\n"
	"--json too). A recursive call is timed from its innermost entry.\n"
	"--json prints one JSON object: {\"function\", \"variant\" (\"fentry\" or\n"
	"\"kprobe\"), \"pid\" (null: every process), \"unit\": \"ns\", \"total\",\n"
	"\"slots\": [{\"low\", \"high\", \"count\"}] (slot i: 2^(i-1) <= ns < 2^i, from the\n"
	"first to the last non-empty one), \"stats\": {\"seen\", \"filtered\", \"emitted\",\n"
	"\"dropped\"}}.\n"
	"\n"
	PW_TOOL_DOC_SENSOR "the calls,\n"
	"and every call counts in pinwatch stats as funclatency (seen = filtered +\n"
	"emitted + dropped; a call still running at the end is not counted);\n"
	"otherwise private copies are used. Nothing is pinned.\n"
	"\n"
	"Examples:\n"
	"  pinwatch-funclatency vfs_read --duration 10\n"
	"  pinwatch-funclatency do_sys_openat2 --pid 4242\n"
	"  pinwatch-funclatency vfs_fsync --duration 5 --json | jq .total\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage (no such kernel function too), 4 the\n"
	"kernel attaches neither fentry/fexit nor kprobes to KFUNC.";

static bool func_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= FUNC_MAX || isdigit((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '.')
			return false;
	return true;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case ARGP_KEY_ARG:
		if (env.func)
			pw_usage_error(PROG, "unexpected argument '%s'", arg);
		if (!func_name_ok(arg))
			pw_usage_error(PROG, "invalid KFUNC '%s': a kernel function name", arg);
		env.func = arg;
		break;
	case ARGP_KEY_END:
		if (!env.func)
			pw_usage_error(PROG, "need KFUNC, the kernel function to time");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static struct pw_tool_maps tm = { .prog = PROG, .name = "funclatency",
				  .stats_key = PW_MOD_FUNCLATENCY };

static uint64_t slot_low(int i)
{
	return i ? 1ULL << (i - 1) : 0;
}

static uint64_t slot_high(int i)
{
	return i ? (i == 64 ? UINT64_MAX : (1ULL << i) - 1) : 0;
}

static int print_hist(struct funclatency_bpf *skel, const char *variant)
{
	struct pw_hist h = {};
	__u32 zero = 0;
	uint64_t total = 0, max = 0;
	int first = -1, last = -1;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.hist), &zero, &h)) {
		fprintf(stderr, PROG ": cannot read the histogram: %s\n", strerror(errno));
		return -1;
	}
	for (int i = 0; i < PW_HIST_SLOTS; i++) {
		if (!h.slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		total += h.slots[i];
		if (h.slots[i] > max)
			max = h.slots[i];
	}
	if (env.tool.json) {
		struct pw_buf out = {};

		pw_buf_printf(&out, "{");
		pw_json_kv(&out, "function", env.func, strlen(env.func) + 1);
		pw_buf_printf(&out, ",\"variant\":\"%s\",\"pid\":", variant);
		if (env.tool.pid)
			pw_buf_printf(&out, "%d", (int)env.tool.pid);
		else
			pw_buf_printf(&out, "null");
		pw_buf_printf(&out, ",\"unit\":\"ns\",\"total\":%llu,\"slots\":[",
			      (unsigned long long)total);
		for (int i = first; first >= 0 && i <= last; i++)
			pw_buf_printf(&out, "%s{\"low\":%llu,\"high\":%llu,\"count\":%llu}",
				      i > first ? "," : "", (unsigned long long)slot_low(i),
				      (unsigned long long)slot_high(i), (unsigned long long)h.slots[i]);
		pw_buf_printf(&out, "],");
		pw_tool_json_end(&tm, &out);
		pw_buf_write(&out, stdout);
		return 0;
	}
	printf("%s (total %llu)\n", env.func, (unsigned long long)total);
	printf("%24s : %-10s %s\n", "ns", "count", "distribution");
	for (int i = first; first >= 0 && i <= last; i++) {
		int w = max ? (int)((h.slots[i] * 40 + max / 2) / max) : 0;
		char bar[41];

		memset(bar, '*', (size_t)w);
		bar[w] = '\0';
		printf("%10llu -> %-10llu : %-10llu |%-40s|\n", (unsigned long long)slot_low(i),
		       (unsigned long long)slot_high(i), (unsigned long long)h.slots[i], bar);
	}
	return 0;
}

/* Opens the object with one variant's programs to load, aimed at the
 * function. */
static struct funclatency_bpf *open_variant(bool fentry)
{
	struct funclatency_bpf *skel = funclatency_bpf__open();

	if (!skel) {
		fprintf(stderr, PROG ": cannot open the BPF object: %s\n", pw_libbpf_cause());
		return NULL;
	}
	skel->rodata->targ_tgid = (__u32)env.tool.pid;
	bpf_program__set_autoload(skel->progs.entry__fentry, fentry);
	bpf_program__set_autoload(skel->progs.exit__fexit, fentry);
	bpf_program__set_autoload(skel->progs.entry__kprobe, !fentry);
	bpf_program__set_autoload(skel->progs.exit__kretprobe, !fentry);
	if (fentry && (bpf_program__set_attach_target(skel->progs.entry__fentry, 0, env.func) ||
		       bpf_program__set_attach_target(skel->progs.exit__fexit, 0, env.func))) {
		fprintf(stderr, PROG ": cannot aim fentry at %s: %s\n", env.func, pw_libbpf_cause());
		funclatency_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { NULL, parse_arg, "KFUNC", doc, NULL, NULL, NULL };
	struct funclatency_bpf *skel = NULL;
	struct pw_links links = {};
	struct pw_ksyms *ksyms;
	char why_fentry[256] = "", why_kprobe[256] = "";
	bool fentry;
	int err;

	err = pw_tool_init(&argp, &env.tool, argc, argv);
	if (err)
		return err;
	ksyms = pw_ksyms_load();
	if (!ksyms) {
		fprintf(stderr, PROG ": cannot read /proc/kallsyms: %s\n", strerror(errno));
		return 1;
	}
	if (!pw_ksyms_addr(ksyms, env.func)) {
		pw_ksyms_free(ksyms);
		fprintf(stderr, PROG ": no kernel function '%s' (not in /proc/kallsyms)\n", env.func);
		return 2;
	}
	pw_ksyms_free(ksyms);
	/* the preferred variant first, each tried on the function itself */
	fentry = probe_function("fentry", env.func, why_fentry, sizeof(why_fentry)) &&
		 probe_function("fexit", env.func, why_fentry, sizeof(why_fentry));
	if (!fentry && !(probe_function("kprobe", env.func, why_kprobe, sizeof(why_kprobe)) &&
			 probe_function("kretprobe", env.func, why_kprobe, sizeof(why_kprobe)))) {
		fprintf(stderr, "funclatency: this kernel attaches neither fentry/fexit nor kprobes to %s "
				"(fentry: %s; kprobe: %s)\n", env.func, why_fentry, why_kprobe);
		return EXIT_UNSUPPORTED;
	}
	err = 1;
	skel = open_variant(fentry);
	if (!skel)
		goto out;
	if (pw_tool_load(skel->skeleton, &tm))
		goto out;
	if (fentry) {
		if (pw_links_add(&links, bpf_program__attach_trace(skel->progs.entry__fentry)) ||
		    pw_links_add(&links, bpf_program__attach_trace(skel->progs.exit__fexit))) {
			fprintf(stderr, PROG ": cannot attach fentry/fexit to %s: %s\n", env.func,
				pw_libbpf_cause());
			goto out;
		}
	} else if (pw_links_add(&links, bpf_program__attach_kprobe(skel->progs.entry__kprobe, false,
								     env.func)) ||
		   pw_links_add(&links, bpf_program__attach_kprobe(skel->progs.exit__kretprobe, true,
								     env.func))) {
		fprintf(stderr, PROG ": cannot attach kprobe/kretprobe to %s: %s\n", env.func,
			pw_libbpf_cause());
		goto out;
	}
	{
		char who[32] = "every process";

		if (env.tool.pid)
			snprintf(who, sizeof(who), "pid %d", (int)env.tool.pid);
		fprintf(stderr, PROG ": timing %s (%s), %s; %s\n", env.func,
			fentry ? "fentry/fexit" : "kprobe/kretprobe", who,
			env.tool.duration ? "until the time is up" : "Ctrl-C to end");
	}
	pw_tool_wait(&env.tool, NULL, NULL);
	/* stop timing, then print */
	pw_links_destroy(&links);
	if (print_hist(skel, fentry ? "fentry" : "kprobe"))
		goto out;
	pw_tool_stats_line(&tm, "calls");
	err = 0;
out:
	pw_links_destroy(&links);
	funclatency_bpf__destroy(skel);
	return err;
}
