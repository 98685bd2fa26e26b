// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tool.c: see tool.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfobj.h"
#include "cli.h"
#include "parse.h"
#include "tool.h"
#include "version.h"
#include "writer.h"

/* ---- options ---------------------------------------------------------- */

static struct pw_tool_env *env;	/* the tool's, while it parses */
/* --version (version.h), under the tool's own name. */
static void tool_version(FILE *f, struct argp_state *state)
{
	(void)state;
	pw_print_version(f, env->prog);
}
void (*argp_program_version_hook)(FILE *, struct argp_state *) = tool_version;

static error_t parse_shared(int key, char *arg, struct argp_state *state)
{
	uint64_t v;

	switch (key) {
	case 'p':
		if (pw_parse_uint(arg, 4194304, &v) || !v)
			pw_usage_error(env->prog, "invalid --pid '%s': a process id", arg);
		env->pid = (pid_t)v;
		break;
	case 'd':
		if (pw_parse_uint(arg, 86400, &env->duration) || !env->duration)
			pw_usage_error(env->prog, "invalid --duration '%s': 1 to 86400 seconds", arg);
		break;
	case 'j':
		env->json = true;
		break;
	case 'v':
		env->verbose = true;
		break;
	case ARGP_KEY_ARG:
		pw_usage_error(env->prog, "unexpected argument '%s'", arg);
	case ARGP_KEY_ERROR:
		pw_argp_key_error(state, env->prog);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

int pw_tool_init(const struct argp *tool_argp, struct pw_tool_env *tool_env, int argc, char **argv)
{
	/* the help of each option as it reads in this tool */
	struct argp_option options[5] = {}, *o = options;
	const struct argp shared = { options, parse_shared, NULL, NULL, NULL, NULL, NULL };
	const struct argp_child children[] = { { &shared, 0, NULL, 0 }, {} };
	struct argp argp = *tool_argp;
	struct sigaction sa = { .sa_handler = on_signal };

	if (tool_env->pid_doc)
		*o++ = (struct argp_option){ "pid", 'p', "PID", 0, tool_env->pid_doc, 0 };
	*o++ = (struct argp_option){ "duration", 'd', "SEC", 0, tool_env->duration_doc ?
				     tool_env->duration_doc :
				     "Stop after SEC seconds, 1 to 86400 (default: at Ctrl-C)", 0 };
	*o++ = (struct argp_option){ "json", 'j', NULL, 0, tool_env->json_doc, 0 };
	*o++ = (struct argp_option){ "verbose", 'v', NULL, 0, "Print libbpf's log", 0 };
	argp.children = children;
	env = tool_env;
	if (pw_argp_parse(&argp, argc, argv))
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "%s: must run as root\n", env->prog);
		return 1;
	}
	if (env->pid && kill(env->pid, 0) && errno == ESRCH) {
		fprintf(stderr, "%s: --pid %d: no such process\n", env->prog, (int)env->pid);
		return 1;
	}
	pw_libbpf_capture(env->verbose);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return 0;
}

void pw_tool_wait(const struct pw_tool_env *tool_env, void (*tick)(void *), void *arg)
{
	unsigned int seconds = (unsigned int)tool_env->duration;
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!exiting) {
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
		if (exiting)
			return;
		if (tick)
			tick(arg);
		if (tool_env->pid && kill(tool_env->pid, 0) && errno == ESRCH)
			return;
	}
}

int pw_ensure_mem(void **data, size_t *cap, size_t elem_sz, size_t need)
{
	size_t n = *cap ? *cap : 16;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem_sz)
			return -ENOMEM;
		n *= 2;
	}
	p = realloc(*data, n * elem_sz);
	if (!p)
		return -ENOMEM;
	*data = p;
	*cap = n;
	return 0;
}

static int online_cpus(int **cpus)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	size_t cap = 0;
	int n = 0, a, b;
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
			if (pw_ensure_mem((void **)cpus, &cap, sizeof(int), (size_t)n + 1)) {
				fclose(f);
				free(*cpus);
				*cpus = NULL;
				return -ENOMEM;
			}
			(*cpus)[n++] = c;
		}
		if (sep != ',')
			break;
	}
	fclose(f);
	return n ? n : -ENOENT;
}

int pw_online_cpus(const char *tool, int **cpus)
{
	int n = online_cpus(cpus);

	if (n < 0)
		fprintf(stderr, "%s: cannot list the online CPUs: %s\n", tool, strerror(-n));
	return n;
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

int pw_links_add(struct pw_links *links, struct bpf_link *link)
{
	if (!link)
		return -1;
	if (pw_ensure_mem((void **)&links->l, &links->cap, sizeof(*links->l), links->n + 1)) {
		bpf_link__destroy(link);
		errno = ENOMEM;
		return -1;
	}
	links->l[links->n++] = link;
	return 0;
}

int pw_perf_attach(struct pw_links *links, const char *tool, struct bpf_program *prog,
		   uint32_t type, uint64_t config, uint64_t period_or_freq, bool freq, int cpu)
{
	int fd = pw_perf_open(type, config, period_or_freq, freq, cpu);
	struct bpf_link *link;

	if (fd < 0)
		return -1;
	link = bpf_program__attach_perf_event(prog, fd);
	if (pw_links_add(links, link)) {
		fprintf(stderr, "%s: cannot attach to CPU %d: %s\n", tool, cpu, strerror(errno));
		if (!link)
			close(fd);
		return -2;
	}
	return 0;
}

void pw_links_destroy(struct pw_links *links)
{
	for (size_t i = 0; i < links->n; i++)
		bpf_link__destroy(links->l[i]);
	free(links->l);
	*links = (struct pw_links){};
}

/* ---- the sensor's shared maps -------------------------------------------- */

/* Shared maps a tool reuses when pinned (the others it does not create). */
static const char *const reused_maps[] = {
	"config", "stats", "filter_pid", "filter_uid", "filter_comm", "filter_cgroup",
	"filter_container", "cgroup_container", NULL,
};

static int read_stats(const struct pw_tool_maps *tm, struct pw_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pw_stats *v;
	__u32 key = tm->stats_key;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || tm->stats_fd < 0)
		return -1;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -1;
	if (bpf_map_lookup_elem(tm->stats_fd, &key, v)) {
		free(v);
		return -1;
	}
	for (int c = 0; c < ncpu; c++) {
		sum->seen += v[c].seen;
		sum->filtered += v[c].filtered;
		sum->emitted += v[c].emitted;
		sum->dropped += v[c].dropped;
	}
	free(v);
	return 0;
}

int pw_tool_load(struct bpf_object_skeleton *skel, struct pw_tool_maps *tm)
{
	struct bpf_object *obj = *skel->obj;
	struct bpf_program *prog;
	struct bpf_map *stats;
	int nprogs = 0;

	tm->sm.prog = tm->prog;
	tm->sm.only = reused_maps;
	tm->stats_fd = -1;
	if (pw_shared_maps_prepare(obj, &tm->sm))
		return -1;
	if (bpf_object__load_skeleton(skel)) {
		bpf_object__for_each_program(prog, obj)
			nprogs += bpf_program__autoload(prog);
		fprintf(stderr, "%s: cannot load the BPF program%s: %s\n", tm->prog,
			nprogs == 1 ? "" : "s", pw_libbpf_cause());
		return -1;
	}
	if (pw_shared_maps_loaded(obj, &tm->sm))
		return -1;
	stats = bpf_object__find_map_by_name(obj, "stats");
	if (!stats) {
		fprintf(stderr, "%s: the BPF object has no stats map\n", tm->prog);
		return -1;
	}
	tm->stats_fd = bpf_map__fd(stats);
	if (read_stats(tm, &tm->start)) {
		fprintf(stderr, "%s: cannot read the stats map: %s\n", tm->prog, strerror(errno));
		return -1;
	}
	if (tm->sm.shared_config || tm->sm.shared_stats)
		fprintf(stderr, "%s: %s%s%s%s (%s)\n", tm->prog,
			tm->sm.shared_config ? "the sensor's switch and filters apply" : "",
			tm->sm.shared_config && tm->sm.shared_stats ? "; " : "",
			tm->sm.shared_stats ? "counted in pinwatch stats as " : "",
			tm->sm.shared_stats ? tm->name : "", tm->sm.maps_dir);
	return 0;
}

int pw_tool_stats(const struct pw_tool_maps *tm, struct pw_stats *since)
{
	struct pw_stats now;

	if (read_stats(tm, &now))
		return -1;
	since->seen = now.seen - tm->start.seen;
	since->filtered = now.filtered - tm->start.filtered;
	since->emitted = now.emitted - tm->start.emitted;
	since->dropped = now.dropped - tm->start.dropped;
	return 0;
}

int pw_tool_json_end(const struct pw_tool_maps *tm, struct pw_buf *out)
{
	struct pw_stats s = {};

	pw_tool_stats(tm, &s);
	return pw_buf_printf(out, "\"stats\":{\"seen\":%llu,\"filtered\":%llu,\"emitted\":%llu,"
			     "\"dropped\":%llu}}\n", (unsigned long long)s.seen,
			     (unsigned long long)s.filtered, (unsigned long long)s.emitted,
			     (unsigned long long)s.dropped);
}

void pw_tool_stats_line(const struct pw_tool_maps *tm, const char *what)
{
	struct pw_stats s;

	if (pw_tool_stats(tm, &s))
		return;
	fprintf(stderr, "%s: %llu %s seen: %llu recorded, %llu filtered, %llu dropped (map full)\n",
		tm->prog, (unsigned long long)s.seen, what, (unsigned long long)s.emitted,
		(unsigned long long)s.filtered, (unsigned long long)s.dropped);
}

/* ---- symbolizers --------------------------------------------------------- */

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
