// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-memleak: outstanding allocations by stack (libbpf-tools
 * memleak). User mode (--pid): uprobes on the target's libc malloc,
 * calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc, pvalloc
 * and free. Kernel mode (--kernel): the kmem tracepoints, and those of the
 * page allocator and the per-CPU allocator where the kernel has them. At
 * the end (--duration, Ctrl-C, or the
 * target's exit) the stacks that hold the most unfreed bytes are printed,
 * symbolized (user: the ELF symbol tables of the mapped files, kernel:
 * /proc/kallsyms). Nothing is pinned. The sensor's config, stats and filter
 * maps are reused when pinned (tool.h): its filters apply, and allocations
 * count in pinwatch stats.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
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
#include "memleak.h"
#include "memleak.skel.h"

#define PROG "pinwatch-memleak"

static struct {
	struct pw_tool_env tool;	/* --pid, --duration, --json, --verbose */
	bool kernel;
	uint64_t top;
} env = {
	.tool = {
		.prog = PROG,
		.pid_doc = "Trace this process's libc allocator",
		.duration_doc = "Report after SEC seconds, 1 to 86400 (default: at Ctrl-C)",
		.json_doc = "One JSON object instead of text",
	},
	.top = 10,
};

static const char doc[] =
	"Trace allocations and frees, and print the stacks that hold the most\n"
	"outstanding (not freed) memory, and what is outstanding per allocator:\n"
	"user space with --pid (uprobes on the process's libc: malloc, calloc,\n"
	"realloc, posix_memalign, aligned_alloc, memalign, valloc, pvalloc, free),\n"
	"or the kernel with --kernel (tracepoints: kmalloc and kmem_cache_alloc,\n"
	"and where the kernel has them the page allocator's mm_page_alloc and the\n"
	"per-CPU allocator's percpu_alloc_percpu, with their frees). Per-CPU\n"
	"allocations count the bytes each CPU gets. Only allocations made while it\n"
	"runs count. Reports after --duration, at Ctrl-C, or when the --pid process\n"
	"exits. User stacks are walked by frame pointer.\n"
	"\n"
	PW_TOOL_DOC_SENSOR "allocations,\n"
	"and every allocation counts in pinwatch stats as memleak (seen = filtered +\n"
	"emitted + dropped); otherwise private copies are used. Nothing is pinned. The\n"
	"last line on stderr gives this run's counts; --json adds them as \"stats\".\n"
	"\n"
	"Examples:\n"
	"  pinwatch-memleak --pid 4242 --duration 30 --top 5\n"
	"  pinwatch-memleak --kernel --duration 10 --json\n"
	"\n"
	"Exit status: 0 ok, 1 failure, 2 usage.";

static const struct argp_option options[] = {
	{ "kernel", 'k', NULL, 0, "Trace kernel allocations (kmem, page and percpu tracepoints); with --pid, that process's", 0 },
	{ "top", 't', "N", 0, "Print the N biggest stacks, 1 to 1000 (default 10)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	(void)state;
	switch (key) {
	case 'k':
		env.kernel = true;
		break;
	case 't':
		if (pw_parse_uint(arg, 1000, &env.top) || !env.top)
			pw_usage_error(PROG, "invalid --top '%s': 1 to 1000", arg);
		break;
	case ARGP_KEY_END:
		if (!env.tool.pid && !env.kernel)
			pw_usage_error(PROG, "need --pid PID (user space) or --kernel");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- attaching ------------------------------------------------------------ */

/* The libc the process maps, opened without following a name its user
 * controls (pw_open_mapped: through /proc/PID/map_files): out names the
 * open file for the uprobes (/proc/self/fd/N, the file read, whatever its
 * name names by then); shown, the path the process sees. The fd, or -1. */
static int find_libc(pid_t pid, char *out, size_t outsz, char *shown, size_t shownsz)
{
	char p[64], line[4096 + 256];
	int fd = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/maps", (int)pid);
	f = fopen(p, "re");
	if (!f)
		return -1;
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/'), *base;
		unsigned long long start, end;

		if (!path || sscanf(line, "%llx-%llx", &start, &end) != 2)
			continue;
		path[strcspn(path, "\n")] = '\0';
		base = strrchr(path, '/') + 1;
		if ((!strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5)) && strstr(base, ".so")) {
			fd = pw_open_mapped(pid, start, end, path);
			if (fd < 0)
				break;
			snprintf(out, outsz, "/proc/self/fd/%d", fd);
			snprintf(shown, shownsz, "%s", path);
		}
	}
	fclose(f);
	return fd;
}

static struct pw_links links;

static char libc_shown[4096];

static int attach_libc(struct memleak_bpf *skel, char *libc_path, size_t libc_sz)
{
	static const struct {
		const char *func;
		bool required;
	} funcs[] = {
		{ "malloc", true }, { "calloc", true }, { "realloc", true },
		{ "posix_memalign", true }, { "aligned_alloc", false }, { "memalign", false },
		{ "valloc", false }, { "pvalloc", false }, { "free", true },
	};
	struct bpf_program *enter[] = {
		skel->progs.malloc_enter, skel->progs.calloc_enter, skel->progs.realloc_enter,
		skel->progs.posix_memalign_enter, skel->progs.aligned_alloc_enter,
		skel->progs.memalign_enter, skel->progs.valloc_enter, skel->progs.pvalloc_enter,
		skel->progs.free_enter_prog,
	};
	struct bpf_program *exit[] = {
		skel->progs.malloc_exit, skel->progs.calloc_exit, skel->progs.realloc_exit,
		skel->progs.posix_memalign_exit, skel->progs.aligned_alloc_exit,
		skel->progs.memalign_exit, skel->progs.valloc_exit, skel->progs.pvalloc_exit, NULL,
	};
	uint64_t offs[sizeof(funcs) / sizeof(funcs[0])];
	char err[128];
	struct pw_elf *elf;
	int attached = 0, fd;

	fd = find_libc(env.tool.pid, libc_path, libc_sz, libc_shown, sizeof(libc_shown));
	if (fd < 0) {
		fprintf(stderr, PROG ": pid %d maps no libc it can read (statically linked?)\n",
			(int)env.tool.pid);
		return -1;
	}
	elf = pw_elf_open_fd(fd, err, sizeof(err));
	if (!elf) {
		fprintf(stderr, PROG ": %s: %s\n", libc_shown, err);
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		uint64_t off;

		offs[i] = UINT64_MAX;
		if (pw_elf_func_offset(elf, funcs[i].func, &off)) {
			if (!funcs[i].required)
				continue;
			fprintf(stderr, PROG ": %s: no function %s\n", libc_shown, funcs[i].func);
			pw_elf_close(elf);
			close(fd);
			return -1;
		}
		offs[i] = off;
		/* one code, two names (glibc's memalign is aligned_alloc): a
		 * second uprobe at the same place would see each call twice */
		bool alias = false;

		for (size_t k = 0; k < i; k++)
			if (offs[k] == off) {
				if (env.tool.verbose)
					fprintf(stderr, PROG ": %s is %s's code: counted as %s\n",
						funcs[i].func, funcs[k].func, funcs[k].func);
				alias = true;
			}
		if (alias)
			continue;
		for (int r = 0; r < 2; r++) {
			struct bpf_program *prog = r ? exit[i] : enter[i];
			LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = r == 1);

			if (!prog)
				continue;
			if (pw_links_add(&links, bpf_program__attach_uprobe_opts(prog, env.tool.pid,
										 libc_path, off, &opts))) {
				fprintf(stderr, PROG ": cannot attach to %s in %s: %s\n", funcs[i].func,
					libc_shown, strerror(errno));
				pw_elf_close(elf);
				close(fd);
				return -1;
			}
		}
		attached++;
	}
	pw_elf_close(elf);
	close(fd);	/* the uprobes hold the file now */
	return attached;
}

/* True when the kernel has the tracepoint SEC("tp/CATEGORY/NAME") names
 * (tracefs, or debugfs's tracing/ on older systems). */
static bool have_tracepoint(const char *sec)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char p[512];

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		snprintf(p, sizeof(p), "%s/events/%s", roots[i], sec + 3);
		if (!access(p, F_OK))
			return true;
	}
	return false;
}

static void tick(void *arg)
{
	(void)arg;
	if (env.tool.pid)
		pw_proc_syms_refresh();
}

/* ---- report ----------------------------------------------------------------- */

struct row {
	__s64 stack_id;
	struct pw_memleak_stack s;
};

static int by_bytes(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->s.bytes != y->s.bytes)
		return x->s.bytes > y->s.bytes ? -1 : 1;
	return x->stack_id < y->stack_id ? -1 : x->stack_id > y->stack_id;
}

static struct pw_tool_maps tm = { .prog = PROG, .name = "memleak", .stats_key = PW_MOD_MEMLEAK };

static __u64 sum_total(struct memleak_bpf *skel, __u32 idx, int ncpus)
{
	__u64 *v = calloc(ncpus, sizeof(__u64)), sum = 0;

	if (v && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.totals), &idx, v))
		for (int i = 0; i < ncpus; i++)
			sum += v[i];
	free(v);
	return sum;
}

/* One frame: function (or [file]) and file. */
static void frame_of(uint64_t ip, bool first, char *fn, size_t fnsz, const char **file,
		     const struct pw_ksyms *ksyms)
{
	uint64_t delta, off;

	*file = NULL;
	if (env.kernel) {
		const char *s = ksyms ? pw_ksyms_find(ksyms, ip, &delta) : NULL;

		snprintf(fn, fnsz, "%s", s ? s : "[unknown]");
		return;
	}
	struct pw_usyms *u = pw_proc_syms(env.tool.pid);
	/* every user frame, the first included, is a return address here
	 * (stacks are taken at the allocator's return) */
	(void)first;
	if (!u) {
		snprintf(fn, fnsz, "[unknown]");
		return;
	}
	pw_usyms_name(u, ip - 1, fn, fnsz, false);
	if (!pw_usyms_file_offset(u, ip - 1, file, &off))
		*file = NULL;
}

static const char *const kind_names[] = {
#define PW_ML_KIND_NAME(id, name) [PW_MLK_##id] = name,
	PW_MEMLEAK_KINDS(PW_ML_KIND_NAME)
#undef PW_ML_KIND_NAME
};

/* The allocators of the mode, with what is outstanding from each:
 * "allocators":{"malloc":{"bytes":N,"allocations":N},...} or, in text,
 * "by allocator: malloc 200000 bytes in 5, ..." (those with some left). */
static void report_kinds(struct memleak_bpf *skel, struct pw_buf *out)
{
	int fd = bpf_map__fd(skel->maps.kinds), n = 0;

	pw_buf_printf(out, env.tool.json ? "\"allocators\":{" : "by allocator:");
	for (__u32 k = env.kernel ? PW_MLK_KMALLOC : 0; k < (env.kernel ? PW_MLK_COUNT : PW_MLK_KMALLOC); k++) {
		struct pw_memleak_stack v = {};

		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		if (env.tool.json)
			pw_buf_printf(out, "%s\"%s\":{\"bytes\":%lld,\"allocations\":%lld}", n++ ? "," : "",
				      kind_names[k], (long long)v.bytes, (long long)v.count);
		else if (v.count > 0)
			pw_buf_printf(out, "%s %s %lld bytes in %lld", n++ ? "," : "", kind_names[k],
				      (long long)v.bytes, (long long)v.count);
	}
	pw_buf_printf(out, env.tool.json ? "}," : "%s\n", n ? "" : " none");
}

static void report(struct memleak_bpf *skel, int ncpus)
{
	int cfd = bpf_map__fd(skel->maps.combined), sfd = bpf_map__fd(skel->maps.stacks);
	struct pw_ksyms *ksyms = env.kernel ? pw_ksyms_load() : NULL;
	__s64 key, next, *prev = NULL;
	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	__s64 bytes = 0, count = 0;
	char comm[32] = "", path[64];
	struct pw_buf out = {};
	FILE *f;

	while (!bpf_map_get_next_key(cfd, prev, &next)) {
		struct pw_memleak_stack s;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(cfd, &key, &s) || s.bytes <= 0 || s.count <= 0)
			continue;
		if (pw_ensure_mem((void **)&rows, &cap, sizeof(*rows), n + 1))
			break;
		rows[n].stack_id = key;
		rows[n].s = s;
		bytes += s.bytes;
		count += s.count;
		n++;
	}
	if (n)
		qsort(rows, n, sizeof(*rows), by_bytes);
	if (env.tool.pid) {
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)env.tool.pid);
		f = fopen(path, "re");
		if (f) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
	}
	if (env.tool.json) {
		pw_buf_printf(&out, "{\"mode\":\"%s\",\"pid\":", env.kernel ? "kernel" : "user");
		if (env.tool.pid)
			pw_buf_printf(&out, "%d,", (int)env.tool.pid);
		else
			pw_buf_printf(&out, "null,");
		if (env.tool.pid && comm[0])
			pw_json_kv(&out, "comm", comm, sizeof(comm));
		else
			pw_buf_printf(&out, "\"comm\":null");
		pw_buf_printf(&out,
			      ",\"outstanding_bytes\":%lld,\"outstanding_allocations\":%lld,"
			      "\"allocations_seen\":%llu,\"frees_seen\":%llu,\"lost\":%llu,",
			      (long long)bytes, (long long)count,
			      (unsigned long long)sum_total(skel, PW_ML_ALLOCS, ncpus),
			      (unsigned long long)sum_total(skel, PW_ML_FREES, ncpus),
			      (unsigned long long)sum_total(skel, PW_ML_LOST, ncpus));
		report_kinds(skel, &out);
		pw_buf_printf(&out, "\"stacks\":[");
	} else {
		if (env.tool.pid) {
			/* the comm is the process's to choose: escaped (writer.h) */
			pw_buf_printf(&out, "memleak: %spid %d (", env.kernel ? "kernel, " : "",
				      (int)env.tool.pid);
			if (comm[0])
				pw_text_str(&out, comm, sizeof(comm));
			else
				pw_buf_printf(&out, "exited");
			pw_buf_printf(&out, "): ");
		} else
			pw_buf_printf(&out, "memleak: kernel: ");
		pw_buf_printf(&out, "%lld bytes outstanding in %lld allocations from %zu stacks\n",
			      (long long)bytes, (long long)count, n);
		report_kinds(skel, &out);
		if (n)
			pw_buf_printf(&out, "top %zu stacks:\n", n < env.top ? n : (size_t)env.top);
	}
	for (size_t i = 0; i < n && i < env.top; i++) {
		__u64 ips[PW_MEMLEAK_DEPTH] = {};
		__u32 id = (__u32)rows[i].stack_id;
		bool have = rows[i].stack_id >= 0 && !bpf_map_lookup_elem(sfd, &id, ips);

		if (env.tool.json)
			pw_buf_printf(&out, "%s{\"bytes\":%lld,\"allocations\":%lld,\"frames\":[", i ? "," : "",
				      (long long)rows[i].s.bytes, (long long)rows[i].s.count);
		else
			pw_buf_printf(&out, "\t%lld bytes in %lld allocations from stack%s\n",
				      (long long)rows[i].s.bytes, (long long)rows[i].s.count,
				      have ? "" : " (not captured)");
		for (int k = 0; have && k < PW_MEMLEAK_DEPTH && ips[k]; k++) {
			char fn[512];
			const char *file;

			frame_of(ips[k], k == 0, fn, sizeof(fn), &file, ksyms);
			/* symbol and file names come from files a user may
			 * have written: escaped (writer.h) */
			if (env.tool.json) {
				pw_buf_printf(&out, "%s{", k ? "," : "");
				pw_json_kv(&out, "function", fn, sizeof(fn));
				pw_buf_printf(&out, ",");
				if (file)
					pw_json_kv(&out, "file", file, strlen(file));
				else
					pw_buf_printf(&out, "\"file\":null");
				pw_buf_printf(&out, "}");
			} else {
				const char *base = file ? strrchr(file, '/') : NULL;

				pw_buf_printf(&out, "\t\t");
				pw_text_str(&out, fn, sizeof(fn));
				if (base && fn[0] != '[') {
					pw_buf_printf(&out, " [");
					pw_text_str(&out, base + 1, strlen(base + 1));
					pw_buf_printf(&out, "]");
				}
				pw_buf_printf(&out, "\n");
			}
		}
		if (env.tool.json)
			pw_buf_printf(&out, "]}");
	}
	if (env.tool.json) {
		pw_buf_printf(&out, "],");
		pw_tool_json_end(&tm, &out);
	}
	pw_buf_write(&out, stdout);
	free(rows);
	pw_ksyms_free(ksyms);
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, NULL, doc, NULL, NULL, NULL };
	struct memleak_bpf *skel = NULL;
	char libc_path[4096 + 64] = "";
	int err = 1, ncpus;

	err = pw_tool_init(&argp, &env.tool, argc, argv);
	if (err)
		return err;
	err = 1;
	ncpus = libbpf_num_possible_cpus();
	skel = memleak_bpf__open();
	if (!skel) {
		fprintf(stderr, PROG ": cannot open the BPF object: %s\n", pw_libbpf_cause());
		goto out;
	}
	skel->rodata->targ_tgid = (__u32)env.tool.pid;
	skel->rodata->kernel_mode = env.kernel;
	skel->rodata->page_size = (__u64)sysconf(_SC_PAGESIZE);
	{
		struct bpf_program *prog;

		bpf_object__for_each_program(prog, skel->obj) {
			const char *sec = bpf_program__section_name(prog);
			bool tp = !strncmp(sec, "tp/", 3);

			/* the kmem ones are needed; the page and per-CPU
			 * allocators' are traced where the kernel has them */
			if (tp && env.kernel && strncmp(sec, "tp/kmem/km", 10) &&
			    strncmp(sec, "tp/kmem/kfree", 13) && !have_tracepoint(sec)) {
				fprintf(stderr, PROG ": this kernel has no tracepoint %s: not traced\n",
					sec + 3);
				bpf_program__set_autoload(prog, false);
				continue;
			}
			bpf_program__set_autoload(prog, tp == env.kernel);
		}
	}
	if (pw_tool_load(skel->skeleton, &tm))
		goto out;
	if (env.kernel) {
		if (memleak_bpf__attach(skel)) {
			fprintf(stderr, PROG ": cannot attach to the kernel's allocator tracepoints: %s\n",
				pw_libbpf_cause());
			goto out;
		}
		if (env.tool.pid)
			fprintf(stderr, PROG ": tracing kernel allocations of pid %d; %s\n", (int)env.tool.pid,
				env.tool.duration ? "reporting when the time is up" : "Ctrl-C to report");
		else
			fprintf(stderr, PROG ": tracing kernel allocations; %s\n",
				env.tool.duration ? "reporting when the time is up" : "Ctrl-C to report");
	} else {
		int n;

		pw_proc_syms(env.tool.pid); /* its mappings, while it runs */
		n = attach_libc(skel, libc_path, sizeof(libc_path));
		if (n < 0)
			goto out;
		fprintf(stderr, PROG ": tracing %d allocator functions of %s in pid %d; %s\n", n,
			libc_shown, (int)env.tool.pid, env.tool.duration ? "reporting when the time is up" : "Ctrl-C to report");
	}
	pw_tool_wait(&env.tool, tick, NULL);
	/* stop tracing, then report what is left */
	pw_links_destroy(&links);
	memleak_bpf__detach(skel);
	report(skel, ncpus);
	pw_tool_stats_line(&tm, "allocations");
	err = 0;
out:
	pw_links_destroy(&links);
	memleak_bpf__destroy(skel);
	pw_proc_syms_free();
	return err;
}
