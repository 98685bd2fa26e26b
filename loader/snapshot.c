// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * snapshot.c: see snapshot.h. The task iterator where the kernel has it
 * (bpf/ondemand/snapshot.bpf.c explains the exec_id it gives); /proc
 * otherwise, with the same rules: thread-group leaders that are not
 * kernel threads, entries added only where none exists, exec_id from the
 * start time (/proc's clock ticks since boot, in ns, made unique by a
 * nanosecond more per clash: /proc has no CLOCK_MONOTONIC start, and
 * boot-time and monotonic clocks part after a suspend), argv cut to
 * PW_LINEAGE_ARGS_MAX bytes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "pinwatch.h"
#include "bpfobj.h"
#include "load.h"
#include "probe.h"
#include "snapshot.h"

#define SNAPSHOT_OBJECT	"ondemand/snapshot.bpf.o"
#define PF_KTHREAD	0x00200000

/* PINWATCH_DENY_VARIANTS=iter: the /proc fallback on a kernel with the
 * iterator (tests/lineage.bats). */
bool snapshot_iter_supported(void)
{
	struct btf *btf;
	bool ok;

	if (variant_denied("iter"))
		return false;
	btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(btf))
		return false;
	ok = btf__find_by_name_kind(btf, "bpf_iter_task", BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return ok;
}

/* ---- the task iterator ------------------------------------------------------ */

/* Loads program prog_name of the snapshot object over the pinned maps and
 * reads its iterator to the end: the processes recorded, or -1 (cause set). */
static long run_iter(const char *object, const char *prog_name, char *cause, size_t causesz)
{
	static const char *const shared[] = { "proc_cache", "proc_lineage", NULL };
	struct pw_shared_maps sm = { .prog = "pinwatch-load", .pin_root = env.pin_root, .only = shared };
	struct bpf_object *obj;
	struct bpf_program *prog, *p;
	struct bpf_link *link = NULL;
	long count = -1, total = 0;
	char buf[4096];
	ssize_t n;
	int fd = -1;

	pw_libbpf_reset();
	obj = bpf_object__open_file(object, NULL);
	if (!obj) {
		snprintf(cause, causesz, "cannot open %s: %s", object, strerror(errno));
		return -1;
	}
	prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) {
		snprintf(cause, causesz, "%s has no program %s", object, prog_name);
		goto out;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);
	/* prepare says why on stderr itself */
	if (pw_shared_maps_prepare(obj, &sm)) {
		snprintf(cause, causesz, "the pinned maps do not fit");
		goto out;
	}
	if (bpf_object__load(obj)) {
		snprintf(cause, causesz, "%s", pw_libbpf_cause());
		goto out;
	}
	link = bpf_program__attach_iter(prog, NULL);
	if (!link) {
		snprintf(cause, causesz, "attach %s: %s", prog_name, strerror(errno));
		goto out;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		snprintf(cause, causesz, "iterator %s: %s", prog_name, strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(cause, causesz, "reading iterator %s: %s", prog_name, strerror(errno));
			goto out;
		}
		total += n;
	}
	count = total / (long)sizeof(__u32);	/* one __u32 per process */
out:
	if (fd >= 0)
		close(fd);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return count;
}

/* ---- /proc ------------------------------------------------------------------ */

struct proc_ent {
	__u32 pid, ppid, uid;
	__u64 start_ns;		/* CLOCK_BOOTTIME */
	__u64 exec_ns;		/* start_ns on CLOCK_MONOTONIC, as near as /proc tells */
	__u64 id;
	struct pw_lineage lin;
};

static __u64 clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/* One process from /proc/PID; false for a kernel thread, a vanished one. */
static bool proc_read(__u32 pid, __u64 boot_to_mono, __u64 mono_now, long tck, struct proc_ent *e)
{
	char path[64], buf[4096], *p;
	unsigned long long start = 0;
	unsigned int flags = 0, ppid = 0;
	ssize_t n;

	memset(e, 0, sizeof(*e));
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');	/* comm may hold anything */
	/* after comm: state(3) ppid(4) ... flags(9) ... starttime(22) */
	if (!p || sscanf(p + 2, "%*c %u %*d %*d %*d %*d %u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			 &ppid, &flags, &start) != 3 || (flags & PF_KTHREAD))
		return false;
	e->pid = pid;
	e->ppid = ppid;
	e->start_ns = start * (1000000000ULL / (unsigned long long)tck);
	/* the two clocks part at a suspend (or a VM's pause): a start before
	 * it is the same on both, one after it later on the boot-time clock */
	e->exec_ns = e->start_ns <= mono_now ? e->start_ns : e->start_ns - boot_to_mono;
	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	n = readlink(path, e->lin.binary, sizeof(e->lin.binary) - 1);
	if (n <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	n = read_file(path, buf, PW_LINEAGE_ARGS_MAX + 1);
	if (n > PW_LINEAGE_ARGS_MAX) {
		e->lin.flags |= PW_LINEAGE_ARGS_TRUNCATED;
		n = PW_LINEAGE_ARGS_MAX;
	}
	if (n > 0) {
		memcpy(e->lin.args, buf, (size_t)n);
		e->lin.args_len = (__u32)n;
	}
	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	n = read_file(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		p = strstr(buf, "\nUid:");
		if (p)
			e->uid = (__u32)strtoul(p + 5, NULL, 10);
	}
	return true;
}

static long run_proc(const char *maps_dir, char *cause, size_t causesz)
{
	char path[PATH_MAX];
	int cache_fd, lineage_fd;
	struct proc_ent *ents = NULL, *grown;
	size_t n = 0, cap = 0;
	long tck = sysconf(_SC_CLK_TCK), count = -1;
	__u64 mono_now = clock_ns(CLOCK_MONOTONIC);
	__u64 boot_to_mono = clock_ns(CLOCK_BOOTTIME) - mono_now;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc_cache", maps_dir);
	cache_fd = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/proc_lineage", maps_dir);
	lineage_fd = bpf_obj_get(path);
	d = opendir("/proc");
	if (cache_fd < 0 || lineage_fd < 0 || !d || tck <= 0) {
		snprintf(cause, causesz, "cannot open the maps or /proc: %s", strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			grown = realloc(ents, cap * sizeof(*ents));
			if (!grown) {
				snprintf(cause, causesz, "out of memory");
				goto out;
			}
			ents = grown;
		}
		if (proc_read((__u32)pid, boot_to_mono, mono_now, tck, &ents[n]))
			n++;
	}
	/* ids: the start time, one nanosecond on per clash (ticks are coarse) */
	for (size_t i = 0; i < n; i++) {
		ents[i].id = ents[i].start_ns ? ents[i].start_ns : 1;
		for (size_t j = 0; j < i; j++)
			if (ents[j].id == ents[i].id)
				ents[i].id++, j = (size_t)-1;
	}
	count = 0;
	for (size_t i = 0; i < n; i++) {
		struct pw_proc proc = { .exec_id = ents[i].id, .exec_ns = ents[i].exec_ns,
					.ppid = ents[i].ppid, .uid = ents[i].uid };
		struct pw_lineage *l = &ents[i].lin;

		for (size_t j = 0; j < n; j++)
			if (ents[j].pid == ents[i].ppid)
				proc.parent_exec_id = ents[j].id;
		memcpy(proc.binary, l->binary, sizeof(proc.binary));
		l->parent_exec_id = proc.parent_exec_id;
		l->exec_ns = proc.exec_ns;
		l->pid = ents[i].pid;
		l->ppid = ents[i].ppid;
		l->uid = ents[i].uid;
		l->flags |= PW_LINEAGE_SNAPSHOT;
		if (bpf_map_update_elem(cache_fd, &ents[i].pid, &proc, BPF_NOEXIST)) {
			if (errno != EPERM)
				continue;	/* EEXIST: an exec or fork recorded it meanwhile */
			/* frozen: another module's load created the maps */
			snprintf(cause, causesz, "maps/proc_cache is frozen: load the process module first");
			count = -1;
			break;
		}
		bpf_map_update_elem(lineage_fd, &ents[i].id, l, BPF_NOEXIST);
		count++;
	}
out:
	if (d)
		closedir(d);
	if (cache_fd >= 0)
		close(cache_fd);
	if (lineage_fd >= 0)
		close(lineage_fd);
	free(ents);
	return count;
}

int snapshot_run(const char *module_object, const char *maps_dir, bool use_iter)
{
	char object[PATH_MAX], cause[512] = "", cause2[512] = "";
	const char *slash = strrchr(module_object, '/');
	const char *how = "task iterator";
	long count = -1;

	snprintf(object, sizeof(object), "%.*s%s", slash ? (int)(slash - module_object + 1) : 0,
		 module_object, SNAPSHOT_OBJECT);
	if (use_iter) {
		count = run_iter(object, "snapshot_args", cause, sizeof(cause));
		if (count < 0) {
			/* no sleepable iterator or bpf_copy_from_user_task: without argv */
			count = run_iter(object, "snapshot", cause2, sizeof(cause2));
			how = "task iterator, without argv";
		}
	} else {
		count = run_proc(maps_dir, cause, sizeof(cause));
		how = "from /proc: this kernel has no BPF task iterator";
	}
	if (count < 0) {
		die_msg("process: snapshot of the running processes failed (%s): they keep exec_id 0",
			cause2[0] ? cause2 : cause);
		return -1;
	}
	printf("process: snapshot: %ld running processes recorded (%s)\n", count, how);
	return 0;
}
