// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pw-bench: loads the bench-only BPF objects (never through pinwatch up) and
 * measures what needs the kernel and the consumer together.
 *
 *   pw-bench hold OBJECT PROGRAM
 *       Loads OBJECT with only PROGRAM, attaches it (no pin: the link dies
 *       with this process), prints "ready" and waits for SIGINT/SIGTERM or
 *       the death of its parent.
 *
 *   pw-bench rb --obj OBJECT --pin-root DIR --reader PINWATCH_READ
 *               --mode pinwatch|every|none|noring --events N
 *               [--format json|text] [--rate HZ] [--ringbuf BYTES]
 *       Creates the shared pinwatch maps under DIR/maps (DIR must not
 *       exist), initialises maps/config as the loader does, attaches the
 *       bench producer (one event per getppid() of this process), starts
 *       pinwatch-read on them (output to /dev/null, or read back here with
 *       --rate), makes N getppid() calls (as fast as possible, or HZ per
 *       second), waits for the consumer to deliver them and prints
 *       key=value results. Removes DIR before it exits.
 *
 *   pw-bench time RESULT_FILE COMMAND [ARG...]
 *       Runs COMMAND and writes "WALL_NS CPU_NS" to RESULT_FILE: its wall
 *       time and the CPU time (user + system) of it and all its children.
 *       Exits with the command's status.
 *
 *   pw-bench insns PIN_ROOT
 *       For every pinned program of every loaded module: "module program
 *       verified_insns", the verifier's processed-instruction count (the
 *       "processed N insns" of its log, as the kernel keeps it in
 *       bpf_prog_info.verified_insns).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "pinwatch.h"

#define PROG "pw-bench"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of this thread: the producer's getppid() calls and every BPF
 * program they run, without the time the thread waited for a CPU. */
static long long thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void setup_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* the bench script may die without telling us: go with it */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		stop = 1;
}

/* ---- hold ------------------------------------------------------------------ */

static int cmd_hold(const char *path, const char *name)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog, *want = NULL;
	struct bpf_link *link;

	if (!obj) {
		fprintf(stderr, PROG ": %s: cannot open: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		bool it = !strcmp(bpf_program__name(prog), name);

		bpf_program__set_autoload(prog, it);
		if (it)
			want = prog;
	}
	if (!want) {
		fprintf(stderr, PROG ": %s: no program %s\n", path, name);
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, PROG ": %s: load failed\n", path);
		return 1;
	}
	link = bpf_program__attach(want);
	if (!link) {
		fprintf(stderr, PROG ": %s: attach failed: %s\n", name, strerror(errno));
		return 1;
	}
	{
		sigset_t block, old;

		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGHUP);
		sigprocmask(SIG_BLOCK, &block, &old);
		printf("ready\n");
		fflush(stdout);
		while (!stop)
			sigsuspend(&old);
	}
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return 0;
}

/* ---- rb -------------------------------------------------------------------- */

static struct {
	const char *obj, *pin_root, *reader, *format;
	unsigned int mode;
	long events;
	double rate;
	unsigned long long ringbuf;
} rb = {
	.format = "json",
	.mode = 0,
	.ringbuf = PW_DEFAULT_RINGBUF_BYTES,
};

static const char *const mode_names[] = { "pinwatch", "every", "none", "noring" };

static int set_rodata(struct bpf_object *obj, const char *var, const void *val, size_t size)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	const struct btf_var_secinfo *vsi;
	struct bpf_map *m;
	size_t data_size;
	const char *data;
	int id;

	if (!btf || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) <= 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t n = strlen(name);

		if (n < 7 || strcmp(name + n - 7, ".rodata"))
			continue;
		data = bpf_map__initial_value(m, &data_size);
		vsi = btf_var_secinfos(sec);
		for (int i = 0; data && i < btf_vlen(sec); i++, vsi++) {
			const struct btf_type *t = btf__type_by_id(btf, vsi->type);

			if (strcmp(btf__name_by_offset(btf, t->name_off), var))
				continue;
			char *copy;
			int err;

			if (size != vsi->size || vsi->offset + size > data_size)
				return -E2BIG;
			if (!(copy = malloc(data_size)))
				return -ENOMEM;
			memcpy(copy, data, data_size);
			memcpy(copy + vsi->offset, val, size);
			err = bpf_map__set_initial_value(m, copy, data_size);
			free(copy);
			return err;
		}
	}
	return -ENOENT;
}

static void remove_root(const char *root)
{
	char maps[PATH_MAX], p[PATH_MAX * 2];
	struct dirent *d;
	DIR *dir;

	snprintf(maps, sizeof(maps), "%s/maps", root);
	dir = opendir(maps);
	while (dir && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", maps, d->d_name);
		unlink(p);
	}
	if (dir)
		closedir(dir);
	rmdir(maps);
	rmdir(root);
}

/* Sum over CPUs of the bench program's stats (key PW_MOD_BENCH). */
static int bench_stats(int fd, struct pw_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pw_stats *v;
	__u32 key = PW_MOD_BENCH;

	memset(sum, 0, sizeof(*sum));
	if (ncpu <= 0 || !(v = calloc((size_t)ncpu, sizeof(*v))))
		return -1;
	if (bpf_map_lookup_elem(fd, &key, v)) {
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

static __u32 consumer_tgid(int config_fd)
{
	struct pw_config c;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(config_fd, &zero, &c))
		return 0;
	return c.consumer_tgid;
}

/* consumer_pos and producer_pos of the ring, mapped read-only. */
static volatile __u64 *ring_pos[2];

static int map_ring_pos(int fd)
{
	long page = sysconf(_SC_PAGESIZE);

	for (int i = 0; i < 2; i++) {
		void *p = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, i * page);

		if (p == MAP_FAILED)
			return -1;
		ring_pos[i] = p;
	}
	return 0;
}

/* Everything produced so far has been consumed (written out or dropped by
 * the consumer, the only two ways its position moves past a record). */
static bool ring_caught_up(void)
{
	return __atomic_load_n(ring_pos[0], __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(ring_pos[1], __ATOMIC_ACQUIRE);
}

static pid_t start_reader(int out_fd, int err_fd)
{
	pid_t pid;

	pid = fork();
	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	if (!strcmp(rb.format, "json"))
		execl(rb.reader, rb.reader, "--json", "--pin-root", rb.pin_root,
		      "--stats", "--stats-interval", "0", (char *)NULL);
	else
		execl(rb.reader, rb.reader, "--pin-root", rb.pin_root,
		      "--stats", "--stats-interval", "0", (char *)NULL);
	fprintf(stderr, PROG ": %s: %s\n", rb.reader, strerror(errno));
	_exit(127);
}

/* Latency mode: what the reader printed so far, and when each seq arrived. */
struct lat {
	long long *t_call, *t_read;
	long received;
	char buf[1 << 16];
	size_t len;
};

static void lat_read(struct lat *l, int fd)
{
	for (;;) {
		ssize_t n = read(fd, l->buf + l->len, sizeof(l->buf) - 1 - l->len);
		long long t = now_ns();
		char *line, *nl;

		if (n <= 0)
			return;
		l->len += (size_t)n;
		l->buf[l->len] = '\0';
		line = l->buf;
		while ((nl = strchr(line, '\n'))) {
			char *s = strstr(line, "\"seq\":");

			*nl = '\0';
			if (s) {
				long seq = strtol(s + 6, NULL, 10);

				if (seq >= 0 && seq < rb.events && !l->t_read[seq]) {
					l->t_read[seq] = t;
					l->received++;
				}
			}
			line = nl + 1;
		}
		l->len -= (size_t)(line - l->buf);
		memmove(l->buf, line, l->len);
	}
}

/* Waits until deadline (monotonic ns) reading the pipe as lines come. */
static void lat_wait(struct lat *l, int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ns();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct timespec ts;

		if (left <= 0 || stop)
			return;
		ts.tv_sec = left / 1000000000LL;
		ts.tv_nsec = left % 1000000000LL;
		if (ppoll(&p, 1, &ts, NULL) > 0)
			lat_read(l, fd);
	}
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int cmd_rb(void)
{
	char maps[PATH_MAX], errbuf[4096] = "";
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	struct bpf_link *link = NULL;
	struct bpf_map *m;
	struct pw_stats st;
	struct rusage ru;
	struct lat l = { 0 };
	int out_fd = -1, err_pipe[2] = { -1, -1 }, lat_pipe[2] = { -1, -1 };
	int config_fd, stats_fd, status = 0, ret = 1;
	unsigned long long delivered = 0, kdrop = 0, cdrop = 0;
	long long t0, t1, t2 = 0, wait_until, c0, c1;
	bool latency = rb.rate > 0;
	__u32 tgid = (__u32)getpid();
	pid_t child = -1;

	if (mkdir(rb.pin_root, 0700)) {
		fprintf(stderr, PROG ": %s: %s (the bench needs a pin root of its own)\n",
			rb.pin_root, strerror(errno));
		return 1;
	}
	snprintf(maps, sizeof(maps), "%s/maps", rb.pin_root);
	if (mkdir(maps, 0700)) {
		fprintf(stderr, PROG ": %s: %s\n", maps, strerror(errno));
		goto out;
	}
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps);
	obj = bpf_object__open_file(rb.obj, &opts);
	if (!obj) {
		fprintf(stderr, PROG ": %s: cannot open: %s\n", rb.obj, strerror(errno));
		goto out;
	}
	m = bpf_object__find_map_by_name(obj, "events");
	if (set_rodata(obj, "target_tgid", &tgid, sizeof(tgid)) ||
	    set_rodata(obj, "mode", &rb.mode, sizeof(rb.mode)) || !m ||
	    bpf_map__set_max_entries(m, (__u32)rb.ringbuf)) {
		fprintf(stderr, PROG ": %s: not the bench producer object\n", rb.obj);
		goto out;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, PROG ": %s: load failed\n", rb.obj);
		goto out;
	}
	config_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "config"));
	stats_fd = bpf_map__fd(bpf_object__find_map_by_name(obj, "stats"));
	{
		struct pw_config cfg = { .enabled = 1, .wakeup_bytes = PW_DEFAULT_WAKEUP_BYTES,
					 .block_slow_ns = PW_DEFAULT_BLOCK_SLOW_NS };
		__u32 zero = 0;

		if (bpf_map_update_elem(config_fd, &zero, &cfg, BPF_ANY)) {
			fprintf(stderr, PROG ": cannot initialise config: %s\n", strerror(errno));
			goto out;
		}
	}
	if (map_ring_pos(bpf_map__fd(m))) {
		fprintf(stderr, PROG ": cannot map the ring buffer: %s\n", strerror(errno));
		goto out;
	}
	prog = bpf_object__find_program_by_name(obj, "bench_getppid");
	link = prog ? bpf_program__attach(prog) : NULL;
	if (!link) {
		fprintf(stderr, PROG ": cannot attach the bench producer: %s\n", strerror(errno));
		goto out;
	}

	if (rb.mode != 3) {
		if (pipe2(err_pipe, O_CLOEXEC))
			goto out;
		if (latency) {
			if (pipe2(lat_pipe, O_CLOEXEC | O_NONBLOCK))
				goto out;
			out_fd = lat_pipe[1];
			fcntl(lat_pipe[1], F_SETFL, 0);	/* the reader blocks, we do not */
			l.t_call = calloc((size_t)rb.events, sizeof(long long));
			l.t_read = calloc((size_t)rb.events, sizeof(long long));
			if (!l.t_call || !l.t_read)
				goto out;
		} else if ((out_fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			goto out;
		child = start_reader(out_fd, err_pipe[1]);
		if (child < 0)
			goto out;
		close(err_pipe[1]);
		err_pipe[1] = -1;
		/* ready once it has claimed config.consumer_tgid */
		for (wait_until = now_ns() + 5000000000LL; consumer_tgid(config_fd) != (__u32)child;) {
			if (now_ns() > wait_until || stop || waitpid(child, &status, WNOHANG) == child) {
				fprintf(stderr, PROG ": pinwatch-read did not start\n");
				goto out;
			}
			usleep(1000);
		}
	}

	t0 = now_ns();
	c0 = thread_cpu_ns();
	if (latency) {
		long long period = (long long)(1e9 / rb.rate);

		for (long i = 0; i < rb.events && !stop; i++) {
			lat_wait(&l, lat_pipe[0], t0 + i * period);
			l.t_call[i] = now_ns();
			getppid();
		}
	} else {
		for (long i = 0; i < rb.events; i++) {
			getppid();
			if (!(i & 4095) && stop)
				break;
		}
	}
	c1 = thread_cpu_ns();
	t1 = now_ns();

	if (child > 0) {
		/* done when the consumer has caught up with the producer */
		wait_until = t1 + 20000000000LL;
		while (!ring_caught_up()) {
			if (stop || now_ns() > wait_until ||
			    waitpid(child, &status, WNOHANG) == child) {
				fprintf(stderr, PROG ": pinwatch-read did not catch up in 20 s\n");
				break;
			}
			if (latency)
				lat_wait(&l, lat_pipe[0], now_ns() + 100000);
			else
				usleep(100);
		}
		t2 = now_ns();
		kill(child, SIGTERM);
		while (wait4(child, &status, 0, &ru) < 0 && errno == EINTR)
			;
		child = -1;
		if (latency)
			lat_read(&l, lat_pipe[0]);
		{
			ssize_t n = read(err_pipe[0], errbuf, sizeof(errbuf) - 1);
			const char *s;

			errbuf[n > 0 ? n : 0] = '\0';
			s = strstr(errbuf, "delivered ");
			if (!s || sscanf(s, "delivered %llu, kernel dropped %llu, consumer "
					 "dropped %llu", &delivered, &kdrop, &cdrop) != 3)
				fprintf(stderr, PROG ": no summary from pinwatch-read: %s\n", errbuf);
		}
	}
	if (bench_stats(stats_fd, &st)) {
		fprintf(stderr, PROG ": cannot read the stats map\n");
		goto out;
	}

	printf("mode=%s format=%s events=%ld producer_ns=%lld producer_cpu_ns=%lld emitted=%llu "
	       "bpf_dropped=%llu", mode_names[rb.mode], rb.format, rb.events, t1 - t0, c1 - c0,
	       (unsigned long long)st.emitted, (unsigned long long)st.dropped);
	if (t2) {
		printf(" e2e_ns=%lld delivered=%llu kernel_dropped=%llu consumer_dropped=%llu"
		       " consumer_cpu_ns=%lld consumer_maxrss_kb=%ld",
		       t2 - t0, delivered, kdrop, cdrop,
		       (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL,
		       ru.ru_maxrss);
	}
	if (latency) {
		long long *lat = calloc((size_t)rb.events, sizeof(long long));
		long n = 0;

		if (!lat)
			goto out;
		for (long i = 0; i < rb.events; i++)
			if (l.t_read[i] && l.t_call[i])
				lat[n++] = l.t_read[i] - l.t_call[i];
		qsort(lat, (size_t)n, sizeof(*lat), cmp_ll);
		printf(" lat_n=%ld", n);
		if (n)
			printf(" lat_p50_ns=%lld lat_p99_ns=%lld lat_max_ns=%lld",
			       lat[n / 2], lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
			       lat[n - 1]);
		free(lat);
	}
	printf("\n");
	ret = 0;
out:
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	if (out_fd >= 0 && out_fd != lat_pipe[1])
		close(out_fd);
	for (int i = 0; i < 2; i++) {
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
		if (lat_pipe[i] >= 0)
			close(lat_pipe[i]);
	}
	free(l.t_call);
	free(l.t_read);
	for (int i = 0; i < 2; i++)
		if (ring_pos[i])
			munmap((void *)ring_pos[i], (size_t)sysconf(_SC_PAGESIZE));
	bpf_link__destroy(link);
	bpf_object__close(obj);
	remove_root(rb.pin_root);
	return ret;
}

static int parse_rb(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			fprintf(stderr, PROG ": rb: %s needs a value\n", o);
			return -1;
		}
		i++;
		if (!strcmp(o, "--obj"))
			rb.obj = v;
		else if (!strcmp(o, "--pin-root"))
			rb.pin_root = v;
		else if (!strcmp(o, "--reader"))
			rb.reader = v;
		else if (!strcmp(o, "--format") && (!strcmp(v, "json") || !strcmp(v, "text")))
			rb.format = v;
		else if (!strcmp(o, "--events") && (rb.events = strtol(v, NULL, 10)) > 0)
			;
		else if (!strcmp(o, "--rate") && (rb.rate = strtod(v, NULL)) > 0)
			;
		else if (!strcmp(o, "--ringbuf") && (rb.ringbuf = strtoull(v, NULL, 0)) >= 4096)
			;
		else if (!strcmp(o, "--mode")) {
			unsigned int k;

			for (k = 0; k < 4 && strcmp(v, mode_names[k]); k++)
				;
			if (k == 4) {
				fprintf(stderr, PROG ": rb: unknown mode '%s'\n", v);
				return -1;
			}
			rb.mode = k;
		} else {
			fprintf(stderr, PROG ": rb: bad option %s %s\n", o, v);
			return -1;
		}
	}
	if (!rb.obj || !rb.pin_root || !rb.events || (rb.mode != 3 && !rb.reader)) {
		fprintf(stderr, PROG ": rb: --obj, --pin-root, --events and --reader are needed\n");
		return -1;
	}
	return 0;
}

/* ---- time ------------------------------------------------------------------ */

static int cmd_time(const char *result, char **argv)
{
	long long t0 = now_ns(), wall;
	struct rusage ru;
	int status;
	pid_t pid;
	FILE *f;

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, PROG ": %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return 1;
	wall = now_ns() - t0;
	/* wait4 gives the child's usage with that of its waited-for children */
	f = fopen(result, "w");
	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", result, strerror(errno));
		return 1;
	}
	fprintf(f, "%lld %lld\n", wall,
		(long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* ---- insns ----------------------------------------------------------------- */

static int cmd_insns(const char *root)
{
	struct dirent *d, *p;
	DIR *top = opendir(root);
	char path[PATH_MAX * 2];

	if (!top) {
		fprintf(stderr, PROG ": %s: %s\n", root, strerror(errno));
		return 1;
	}
	while ((d = readdir(top))) {
		char dir[PATH_MAX];
		DIR *md;

		if (d->d_name[0] == '.' || d->d_name[0] == '_' || !strcmp(d->d_name, "maps"))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, d->d_name);
		if (!(md = opendir(dir)))
			continue;
		while ((p = readdir(md))) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd;

			if (strncmp(p->d_name, "prog_", 5))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, p->d_name);
			fd = bpf_obj_get(path);
			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len))
				printf("%s %s %u\n", d->d_name, p->d_name + 5, info.verified_insns);
			close(fd);
		}
		closedir(md);
	}
	closedir(top);
	return 0;
}

int main(int argc, char **argv)
{
	libbpf_set_print(quiet_libbpf);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "hold")) {
		setup_signals();
		return cmd_hold(argv[2], argv[3]);
	}
	if (argc >= 2 && !strcmp(argv[1], "rb")) {
		if (parse_rb(argc - 2, argv + 2))
			return 2;
		setup_signals();
		return cmd_rb();
	}
	if (argc == 3 && !strcmp(argv[1], "insns"))
		return cmd_insns(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "time"))
		return cmd_time(argv[2], argv + 3);
	fprintf(stderr, "usage: " PROG " hold OBJECT PROGRAM | rb OPTIONS | time RESULT COMMAND... | "
		"insns PIN_ROOT\n");
	return 2;
}
