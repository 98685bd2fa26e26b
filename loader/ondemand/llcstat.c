// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-llcstat: last-level cache references, misses and hit ratio per
 * process and CPU (libbpf-tools llcstat), from the PMU's cache-references
 * and cache-misses events sampled every --sample-period occurrences. Where
 * the PMU offers no such events (most virtual machines) it says so in one
 * line and exits 4. The sensor's config, stats and filter maps are reused
 * when pinned (tool.h): its filters apply, and samples count in pinwatch
 * stats.
 *
 * Test hook, for the test suite only (tests/llcstat.bats): with
 * PW_LLCSTAT_TEST_EVENTS=sw in the environment the two hardware events are
 * replaced by software ones every kernel has, minor page faults counted as
 * references and context switches as misses, so that the counting path
 * (sampling, per-process/CPU attribution, totals, hit ratio) is proved on
 * a PMU without cache events (this project's VMs). Its numbers say nothing
 * of the cache; one line on stderr says the stand-in is in use. Not in
 * --help on purpose.
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
#include "tool.h"
#include "llcstat.h"
#include "llcstat.skel.h"

#define PROG "pinwatch-llcstat"
#define EXIT_UNSUPPORTED 4
#define TEST_EVENTS_ENV "PW_LLCSTAT_TEST_EVENTS"

/* The two events counted: [0] misses, [1] references. */
struct llc_events {
	uint32_t type;
	uint64_t config[2];
};

static const struct llc_events hw_events = {
	PERF_TYPE_HARDWARE, { PERF_COUNT_HW_CACHE_MISSES, PERF_COUNT_HW_CACHE_REFERENCES },
};
/* the test stand-in (see the top of this file) */
static const struct llc_events sw_test_events = {
	PERF_TYPE_SOFTWARE, { PERF_COUNT_SW_CONTEXT_SWITCHES, PERF_COUNT_SW_PAGE_FAULTS_MIN },
};

static struct {
	struct pw_tool_env tool;	/* --duration, --json, --verbose (no --pid) */
	uint64_t period;
} env = {
	.tool = {
		.prog = PROG,
		.json_doc = "One JSON object instead of the table",
	},
	.period = 100,
};

static const char doc[] =
	"Count last-level cache references and misses per process and CPU, from the\n"
	"PMU's hardware cache events (sampled: counts are multiples of the sample\n"
	"period), and print them with the hit ratio at the end (--duration or\n"
	"Ctrl-C). Needs a PMU with cache-references and cache-misses events: where\n"
	"there is none (most VMs), one line says so on stderr and the exit status is\n"
	"4 (with --json too). --json prints one JSON object instead of the table:\n"
	"{\"sample_period\", \"rows\": [{\"pid\", \"comm\", \"cpu\", \"references\",\n"
	"\"misses\", \"hit_percent\"}], \"total\": {\"references\", \"misses\",\n"
	"\"hit_percent\"}, \"stats\": {\"seen\", \"filtered\", \"emitted\", \"dropped\"}}\n"
	"(hit_percent null without references).\n"
	"\n"
	PW_TOOL_DOC_SENSOR "the samples,\n"
	"and every sample counts in pinwatch stats as llcstat (seen = filtered +\n"
	"emitted + dropped); otherwise private copies are used. Nothing is pinned.\n"
	"\n"
	"Examples:\n"
	"  pinwatch-llcstat --duration 10\n"
	"  pinwatch-llcstat --sample-period 1000\n"
	"  pinwatch-llcstat --duration 5 --json | jq .total\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage, 4 the PMU has no such events.";

static const struct argp_option options[] = {
	{ "sample-period", 'c', "N", 0, "Sample every N events, 1 to 1000000000 (default 100)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case 'c':
		if (pw_parse_uint(arg, 1000000000, &env.period) || !env.period)
			pw_usage_error(PROG, "invalid --sample-period '%s': 1 to 1000000000", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

struct row {
	struct pw_llc_key k;
	struct pw_llc_value v;
};

static int by_refs(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->v.references != y->v.references)
		return x->v.references > y->v.references ? -1 : 1;
	return x->k.pid < y->k.pid ? -1 : x->k.pid > y->k.pid;
}

static struct pw_tool_maps tm = { .prog = PROG, .name = "llcstat", .stats_key = PW_MOD_LLCSTAT };

/* JSON: the hit ratio in percent, null without references. */
static void json_hit(struct pw_buf *b, __u64 refs, __u64 misses)
{
	if (!refs)
		pw_buf_printf(b, "null");
	else
		pw_buf_printf(b, "%.2f", refs > misses ? 100.0 * (double)(refs - misses) / (double)refs : 0.0);
}

static void print_json(const struct row *rows, size_t n, __u64 refs, __u64 misses)
{
	struct pw_buf out = {};

	pw_buf_printf(&out, "{\"sample_period\":%llu,\"rows\":[", (unsigned long long)env.period);
	for (size_t i = 0; i < n; i++) {
		const struct pw_llc_value *v = &rows[i].v;

		pw_buf_printf(&out, "%s{\"pid\":%u,", i ? "," : "", rows[i].k.pid);
		pw_json_kv(&out, "comm", rows[i].k.comm, sizeof(rows[i].k.comm));
		pw_buf_printf(&out, ",\"cpu\":%u,\"references\":%llu,\"misses\":%llu,\"hit_percent\":",
			      rows[i].k.cpu, (unsigned long long)v->references,
			      (unsigned long long)v->misses);
		json_hit(&out, v->references, v->misses);
		pw_buf_printf(&out, "}");
	}
	pw_buf_printf(&out, "],\"total\":{\"references\":%llu,\"misses\":%llu,\"hit_percent\":",
		      (unsigned long long)refs, (unsigned long long)misses);
	json_hit(&out, refs, misses);
	pw_buf_printf(&out, "},");
	pw_tool_json_end(&tm, &out);
	pw_buf_write(&out, stdout);
}

static void print_stats(struct llcstat_bpf *skel)
{
	int fd = bpf_map__fd(skel->maps.llc);
	struct pw_llc_key key, next, *prev = NULL;
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	__u64 refs = 0, misses = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (pw_ensure_mem((void **)&rows, &cap, sizeof(*rows), n + 1))
			break;
		if (bpf_map_lookup_elem(fd, &key, &rows[n].v))
			continue;
		rows[n].k = key;
		refs += rows[n].v.references;
		misses += rows[n].v.misses;
		n++;
	}
	if (n)
		qsort(rows, n, sizeof(*rows), by_refs);
	if (env.tool.json) {
		print_json(rows, n, refs, misses);
		free(rows);
		return;
	}
	printf("%-8s %-16s %-4s %12s %12s %7s\n", "PID", "NAME", "CPU", "REFERENCE", "MISS", "HIT%");
	for (size_t i = 0; i < n; i++) {
		const struct pw_llc_value *v = &rows[i].v;
		double hit = v->references > v->misses && v->references ?
				     100.0 * (double)(v->references - v->misses) / (double)v->references : 0;
		struct pw_buf t = {};
		char comm[80] = "";

		/* the comm is the process's to choose: escaped (writer.h) */
		if (!pw_text_str(&t, rows[i].k.comm, sizeof(rows[i].k.comm)))
			snprintf(comm, sizeof(comm), "%.*s", (int)t.len, t.data ? t.data : "");
		pw_buf_free(&t);
		printf("%-8u %-16s %-4u %12llu %12llu %6.2f%%\n", rows[i].k.pid, comm, rows[i].k.cpu,
		       (unsigned long long)v->references, (unsigned long long)v->misses, hit);
	}
	printf("Total references: %llu, total misses: %llu, hit ratio: %.2f%%\n",
	       (unsigned long long)refs, (unsigned long long)misses,
	       refs > misses && refs ? 100.0 * (double)(refs - misses) / (double)refs : 0.0);
	free(rows);
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct llcstat_bpf *skel = NULL;
	struct pw_links links = {};
	const struct llc_events *evs = &hw_events;
	const char *test = getenv(TEST_EVENTS_ENV);
	int *cpus = NULL, ncpus, err = 1, fd;

	err = pw_tool_init(&argp, &env.tool, argc, argv);
	if (err)
		return err;
	err = 1;
	if (test && *test) {
		if (strcmp(test, "sw")) {
			fprintf(stderr, PROG ": invalid %s '%s': sw (a test hook) or unset\n",
				TEST_EVENTS_ENV, test);
			return 2;
		}
		evs = &sw_test_events;
		fprintf(stderr, PROG ": %s=sw: counting minor page faults as references and context "
				"switches as misses (a test stand-in, not cache events)\n", TEST_EVENTS_ENV);
	}
	ncpus = pw_online_cpus(PROG, &cpus);
	if (ncpus < 0)
		return 1;
	/* ask the PMU first: most VMs have no hardware cache events */
	for (int ev = 0; ev < 2; ev++) {
		fd = pw_perf_open(evs->type, evs->config[ev], env.period, false, cpus[0]);
		if (fd < 0) {
			fprintf(stderr, "llcstat: this CPU's PMU offers no cache-miss/reference events "
					"(perf_event_open: %s)\n", strerror(errno));
			free(cpus);
			return EXIT_UNSUPPORTED;
		}
		close(fd);
	}
	skel = llcstat_bpf__open();
	if (!skel) {
		fprintf(stderr, PROG ": cannot open the BPF object: %s\n", pw_libbpf_cause());
		goto out;
	}
	if (pw_tool_load(skel->skeleton, &tm))
		goto out;
	for (int i = 0; i < ncpus; i++) {
		for (int ev = 0; ev < 2; ev++) {
			int rc = pw_perf_attach(&links, PROG,
						ev ? skel->progs.on_reference : skel->progs.on_miss,
						evs->type, evs->config[ev], env.period, false,
						cpus[i]);

			if (rc == -1)
				fprintf(stderr, PROG ": perf_event_open (CPU %d): %s\n", cpus[i],
					strerror(errno));
			if (rc)
				goto out;
		}
	}
	fprintf(stderr, PROG ": counting LLC references and misses on %d CPUs; %s\n", ncpus,
		env.tool.duration ? "until the time is up" : "Ctrl-C to end");
	pw_tool_wait(&env.tool, NULL, NULL);
	/* stop counting, then print */
	pw_links_destroy(&links);
	print_stats(skel);
	pw_tool_stats_line(&tm, "samples");
	err = 0;
out:
	pw_links_destroy(&links);
	free(cpus);
	llcstat_bpf__destroy(skel);
	return err;
}
