// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-load: load one module's BPF object, fill its tail-call chain,
 * attach it and pin programs, links and maps under /sys/fs/bpf/pinwatch,
 * then exit. The programs keep running with no daemon.
 *
 * A load is all or nothing: the module is pinned into a hidden staging
 * directory that is renamed into place at the very end, and any shared map
 * pin or directory the load created is removed again if a step fails.
 * Loader and control plane serialise on one lock file (PW_LOCK_PATH).
 */
#define _GNU_SOURCE
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <gelf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "pinwatch.h"
#include "abi.h"
#include "cli.h"
#include "parse.h"
#include "syms.h"

#define PW_LOCK_PATH "/run/pinwatch.lock"
#define MAX_PROGS 64
#define EXIT_ALREADY_LOADED 3
#define EXIT_UNSUPPORTED 4

static struct {
	const char *pin_root;
	const char *lock_path;
	uint64_t ringbuf_bytes;
	bool verbose;
	bool lock;	/* attach/detach: false with --no-lock (the caller holds it) */
	bool json;	/* abi --json */
} env = {
	.lock = true,
	.pin_root = PW_PIN_ROOT,
	.lock_path = PW_LOCK_PATH,
	.ringbuf_bytes = PW_DEFAULT_RINGBUF_BYTES,
};

static const char *module_names[PW_MOD_MAX] = {
#define PW_X(up, low, id) [id] = #low,
	PW_MODULES(PW_X)
#undef PW_X
};

/* ---- messages ---------------------------------------------------------- */

static char *libbpf_log;
static size_t libbpf_log_len;

static int capture_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line = NULL;
	int n;

	if (level == LIBBPF_DEBUG && !env.verbose)
		return 0;
	/* Whole messages: the verifier log arrives as one, and its cause is
	 * at its end. */
	n = vasprintf(&line, fmt, ap);
	if (n < 0)
		return 0;
	if (env.verbose)
		fputs(line, stderr);
	char *grown = realloc(libbpf_log, libbpf_log_len + n + 1);
	if (grown) {
		libbpf_log = grown;
		memcpy(libbpf_log + libbpf_log_len, line, n + 1);
		libbpf_log_len += n;
	}
	free(line);
	return 0;
}

static void die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("pinwatch-load: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Boils libbpf's log (verifier output included) down to one line: the last
 * verifier line before its "processed N insns" summary when there is one,
 * otherwise libbpf's first error line.
 */
static void libbpf_cause(char *out, size_t outsz)
{
	char *log = libbpf_log ? strdup(libbpf_log) : NULL;
	char *line, *save = NULL, *prev = NULL, *first_err = NULL, *verifier = NULL;
	char *failed_prog = NULL;

	snprintf(out, outsz, "unknown error");
	if (!log)
		return;
	for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "processed ", 10) && prev && !verifier)
			verifier = prev;
		if (!failed_prog && strstr(line, "BPF program load failed"))
			failed_prog = line;
		if (!first_err && !strncmp(line, "libbpf: ", 8) && !strstr(line, "BEGIN PROG LOAD LOG"))
			first_err = line;
		if (*line && strncmp(line, "-- ", 3))
			prev = line;
	}
	if (failed_prog && verifier) {
		char *q = strstr(failed_prog, "prog '");
		char name[128] = "?";

		if (q)
			sscanf(q, "prog '%127[^']'", name);
		snprintf(out, outsz, "verifier rejected program %s: %s", name, verifier);
	} else if (first_err) {
		snprintf(out, outsz, "%s", first_err + 8);
	}
	free(log);
}

/* ---- paths and locking --------------------------------------------------- */

static char *path_join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0) {
		die_msg("out of memory");
		exit(1);
	}
	return p;
}

static bool path_exists(const char *p)
{
	return access(p, F_OK) == 0;
}

static int lock_fd = -1;

static int take_lock(void)
{
	lock_fd = open(env.lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0) {
		die_msg("%s: %s", env.lock_path, strerror(errno));
		return -1;
	}
	if (flock(lock_fd, LOCK_EX) < 0) {
		die_msg("%s: lock: %s", env.lock_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int check_bpffs(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st) < 0) {
		die_msg("%s: %s (is bpffs mounted? mount -t bpf bpf /sys/fs/bpf)", dir,
			strerror(errno));
		return -1;
	}
	if (st.f_type != BPF_FS_MAGIC) {
		die_msg("%s: not a bpffs mount (mount -t bpf bpf /sys/fs/bpf)", dir);
		return -1;
	}
	return 0;
}

/* Removes pins and directories below dir, then dir itself. */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = path_join(dir, e->d_name);
			if (e->d_type == DT_DIR)
				remove_tree(p);
			else
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* True when the pin root holds a loaded module (a visible directory other
 * than maps/). */
static bool any_module_loaded(void)
{
	DIR *d = opendir(env.pin_root);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_type == DT_DIR && e->d_name[0] != '_' && e->d_name[0] != '.' && strcmp(e->d_name, "maps");
	closedir(d);
	return found;
}

static int module_id(const char *name)
{
	for (int i = 0; i < PW_MOD_MAX; i++)
		if (module_names[i] && !strcmp(module_names[i], name))
			return i;
	return -1;
}

/* process.bpf.o -> process */
static int module_from_object(const char *path, char *out, size_t outsz)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strstr(base, ".bpf.o");
	if (!dot || dot[6] || (size_t)(dot - base) >= outsz)
		return -1;
	memcpy(out, base, dot - base);
	out[dot - base] = '\0';
	return 0;
}

/* ---- hook variants ------------------------------------------------------- */

/* Lower is preferred. A hook with several variants keeps the first one the
 * running kernel supports. */
static const struct variant_kind {
	const char *prefix;
	const char *name;
	int rank;
} variant_kinds[] = {
	{ "lsm/", "lsm", 0 },
	{ "fentry/", "fentry", 1 },
	{ "fexit/", "fexit", 1 },
	{ "tp_btf/", "tp_btf", 2 },
	{ "raw_tp/", "raw_tp", 3 },
	{ "raw_tracepoint/", "raw_tp", 3 },
	{ "tp/", "tp", 4 },
	{ "tracepoint/", "tp", 4 },
	{ "kprobe/", "kprobe", 5 },
	{ "kretprobe/", "kretprobe", 5 },
};

static const struct variant_kind *variant_of(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	for (size_t i = 0; i < sizeof(variant_kinds) / sizeof(variant_kinds[0]); i++)
		if (!strncmp(sec, variant_kinds[i].prefix, strlen(variant_kinds[i].prefix)))
			return &variant_kinds[i];
	return NULL;
}

static struct btf *vmlinux_btf;

static bool btf_has(const char *prefix, const char *name, __u32 kind)
{
	char full[256];

	if (!vmlinux_btf)
		return false;
	snprintf(full, sizeof(full), "%s%s", prefix, name);
	return btf__find_by_name_kind(vmlinux_btf, full, kind) > 0;
}

static const char *tracefs_dir(void)
{
	if (path_exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing";
	return "/sys/kernel/debug/tracing";
}

static bool tracepoint_exists(const char *cat_name)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/events/%s", tracefs_dir(), cat_name);
	return path_exists(p);
}

/* Loads a two-instruction program of the given kind to learn whether the
 * kernel lets us attach there at all (fentry and LSM may be refused). */
static bool trial_load(enum bpf_prog_type type, enum bpf_attach_type attach, const char *func,
		       const char *btf_prefix)
{
	struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 }, /* r0 = 0 */
		{ .code = 0x95 },			    /* exit */
	};
	char full[256];
	int id, fd;

	if (!vmlinux_btf)
		return false;
	snprintf(full, sizeof(full), "%s%s", btf_prefix, func);
	id = btf__find_by_name_kind(vmlinux_btf, full, BTF_KIND_FUNC);
	if (id <= 0)
		return false;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .attach_btf_id = id);
	fd = bpf_prog_load(type, "pw_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* BPF LSM programs load wherever the kernel has CONFIG_BPF_LSM, but run
 * only when "bpf" is one of the active LSMs (CONFIG_LSM, lsm=). Where
 * securityfs is not mounted, the trial load alone decides. */
static bool bpf_lsm_active(void)
{
	char list[1024] = "", *tok, *save = NULL;
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	if (!f)
		return true;
	if (!fgets(list, sizeof(list), f))
		list[0] = '\0';
	fclose(f);
	for (tok = strtok_r(list, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

static bool kprobe_supported(const char *func)
{
	char line[512], sym[256];
	bool found = false;
	FILE *f;

	if (!path_exists("/sys/bus/event_source/devices/kprobe/type"))
		return false;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %255s", sym) == 1 && !strcmp(sym, func);
	fclose(f);
	return found;
}

/* PINWATCH_DENY_VARIANTS=fentry,kprobe: treat these kinds as unsupported,
 * so that a fallback is chosen (to avoid a kind that misbehaves on some
 * kernel, or to test a fallback on a kernel that has the better kind). */
static bool variant_denied(const char *name)
{
	const char *deny = getenv("PINWATCH_DENY_VARIANTS");
	size_t n = strlen(name);

	for (const char *p = deny; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static bool variant_supported(const struct bpf_program *prog, const struct variant_kind *v)
{
	const char *target = bpf_program__section_name(prog) + strlen(v->prefix);

	if (variant_denied(v->name))
		return false;
	if (!strcmp(v->name, "tp"))
		return tracepoint_exists(target);
	if (!strcmp(v->name, "tp_btf") || !strcmp(v->name, "raw_tp"))
		return btf_has("btf_trace_", target, BTF_KIND_TYPEDEF);
	if (!strcmp(v->name, "fentry"))
		return trial_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, target, "");
	if (!strcmp(v->name, "fexit"))
		return trial_load(BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, target, "");
	if (!strcmp(v->name, "lsm"))
		return bpf_lsm_active() && trial_load(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, target, "bpf_lsm_");
	if (!strcmp(v->name, "kprobe") || !strcmp(v->name, "kretprobe"))
		return kprobe_supported(target);
	return true;
}

/* "exit__tp_btf" -> hook "exit"; a name without "__" is its own hook. */
static void hook_of(const char *prog_name, char *out, size_t outsz)
{
	const char *sep = strstr(prog_name, "__");
	size_t n = sep ? (size_t)(sep - prog_name) : strlen(prog_name);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, prog_name, n);
	out[n] = '\0';
}

/* ---- tail-call stages ------------------------------------------------------ */

#define MAX_STAGES 32
static char stage_names[MAX_STAGES][64];
static int n_stage_names;

/*
 * Reads the names of the programs that the object's prog arrays are
 * initialised with (its tail-call stages) from the ELF relocations of
 * .maps, where libbpf finds them too. Known before load, unlike the
 * prog array's content.
 */
static int read_stage_names(const char *object)
{
	Elf_Scn *scn = NULL, *symtab = NULL;
	size_t shstrndx, maps_idx = 0;
	GElf_Shdr sh, symsh;
	Elf_Data *syms;
	int fd, err = -1;
	Elf *elf;

	n_stage_names = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	fd = open(object, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			goto out;
		if (!strcmp(name, ".maps"))
			maps_idx = elf_ndxscn(scn);
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
	}
	err = 0;
	if (!maps_idx || !symtab || !gelf_getshdr(symtab, &symsh) || !(syms = elf_getdata(symtab, NULL)))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *rels;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info != maps_idx ||
		    !sh.sh_entsize || !(rels = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && n_stage_names < MAX_STAGES; i++) {
			const char *name;
			GElf_Rel rel;
			GElf_Sym sym;

			if (!gelf_getrel(rels, (int)i, &rel) ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !(name = elf_strptr(elf, symsh.sh_link, sym.st_name)))
				continue;
			snprintf(stage_names[n_stage_names++], sizeof(stage_names[0]), "%s", name);
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

static bool is_stage(const struct bpf_program *prog)
{
	for (int i = 0; i < n_stage_names; i++)
		if (!strcmp(stage_names[i], bpf_program__name(prog)))
			return true;
	return false;
}

/*
 * Turns autoload off for every variant but the best supported one of each
 * hook. Tail-call stages always load: they run from the chain, never
 * attached, and a stage named <hook>__<variant> serves its hook where no
 * attachable variant is supported. Returns the number of programs left to
 * load.
 */
static int choose_variants(struct bpf_object *obj, const char *module)
{
	struct bpf_program *progs[MAX_PROGS], *prog;
	bool decided[MAX_PROGS] = {};
	int n = 0, kept = 0;

	bpf_object__for_each_program(prog, obj)
		if (n < MAX_PROGS)
			progs[n++] = prog;
	vmlinux_btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux_btf))
		vmlinux_btf = NULL;
	for (int i = 0; i < n; i++) {
		const struct variant_kind *best_v = NULL;
		char hook[128], other_hook[128];
		bool served = false;
		int best = -1;

		if (decided[i])
			continue;
		hook_of(bpf_program__name(progs[i]), hook, sizeof(hook));
		for (int j = i; j < n; j++) {
			const struct variant_kind *v = variant_of(progs[j]);

			hook_of(bpf_program__name(progs[j]), other_hook, sizeof(other_hook));
			if (decided[j] || strcmp(hook, other_hook))
				continue;
			decided[j] = true;
			if (is_stage(progs[j])) {
				served = true;
				kept++;
				continue;
			}
			bpf_program__set_autoload(progs[j], false);
			if (!v && best < 0)
				best = j; /* a kind we do not probe: trust it */
			else if (v && variant_supported(progs[j], v) && (!best_v || v->rank < best_v->rank)) {
				best = j;
				best_v = v;
			}
		}
		if (best >= 0) {
			bpf_program__set_autoload(progs[best], true);
			kept++;
		} else if (!served) {
			fprintf(stderr, "pinwatch-load: %s: notice: hook %s is not available on this kernel, skipped\n",
				module, hook);
		}
	}
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
	return kept;
}

/* ---- loading --------------------------------------------------------------- */

/* PINWATCH_TEST_FAIL_AT=STEP: test-only failure injection, one step of a load:
 * open, load, config (first load only), freeze, staging, pin, attach (the
 * first program), attach_later (a later one), rename. tests/loader.bats fails
 * each and checks that the pins are as they were. */
static const char *fail_at;

/* A load that is not a resident module (a uprobe, see cmd_uprobe_add):
 * where its pins go, which programs it keeps and how they attach. */
struct load_hooks {
	const char *dest;	/* the directory the pins end up in */
	const char *parent;	/* dest's parent: created if missing, removed again on failure */
	const char *label;	/* what messages call it */
	int (*prepare)(struct bpf_object *obj);	/* instead of choose_variants(): programs kept, -1 said why */
	int (*loaded)(struct bpf_object *obj);	/* after the load, before pinning: 0 or -1 said why */
	struct bpf_link *(*attach)(const struct bpf_program *prog);
};
static const struct load_hooks *hooks;

static int injected(const char *step)
{
	if (fail_at && !strcmp(fail_at, step)) {
		die_msg("injected failure at step '%s' (PINWATCH_TEST_FAIL_AT)", step);
		return 1;
	}
	return 0;
}

struct rollback {
	bool created_root;
	bool created_maps_dir;
	char *maps_existing[32]; /* shared pins present before this load */
	int n_existing;
	char *staging;
	const char *created_parent;	/* hooks->parent, when this load created it */
};

static bool existed_before(const struct rollback *rb, const char *name)
{
	for (int i = 0; i < rb->n_existing; i++)
		if (!strcmp(rb->maps_existing[i], name))
			return true;
	return false;
}

static void snapshot_maps_dir(struct rollback *rb, const char *maps_dir)
{
	DIR *d = opendir(maps_dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && rb->n_existing < 32)
		if (e->d_name[0] != '.')
			rb->maps_existing[rb->n_existing++] = strdup(e->d_name);
	closedir(d);
}

static void undo(struct rollback *rb, const char *maps_dir)
{
	DIR *d;
	struct dirent *e;

	if (rb->staging)
		remove_tree(rb->staging);
	if (rb->created_parent)
		rmdir(rb->created_parent);
	d = opendir(maps_dir);
	if (d) {
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.' || existed_before(rb, e->d_name))
				continue;
			char *p = path_join(maps_dir, e->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	if (rb->created_maps_dir)
		rmdir(maps_dir);
	if (rb->created_root)
		rmdir(env.pin_root);
}

/* Sizes the ring buffer: an existing pin decides, otherwise the option. */
static int size_ringbuf(struct bpf_object *obj, const char *maps_dir)
{
	struct bpf_map *rb = bpf_object__find_map_by_name(obj, "events");
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char *pin;
	int fd;

	if (!rb)
		return 0;
	pin = path_join(maps_dir, "events");
	fd = bpf_obj_get(pin);
	free(pin);
	if (fd >= 0) {
		if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
			bpf_map__set_max_entries(rb, info.max_entries);
		close(fd);
		return 0;
	}
	return bpf_map__set_max_entries(rb, (__u32)env.ringbuf_bytes);
}

/*
 * BPF_MAP_FREEZE makes a map read-only to the bpf() syscall for everyone,
 * root included, while programs keep writing it: the chain once filled,
 * and the shared maps only programs write (stats, proc_cache) when this
 * load created them.
 */
static int freeze_maps(struct bpf_object *obj, const struct rollback *rb, const char *module)
{
	static const char *const program_only[] = { "stats", "proc_cache" };
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		bool freeze = bpf_map__type(m) == BPF_MAP_TYPE_PROG_ARRAY;

		for (size_t i = 0; i < sizeof(program_only) / sizeof(program_only[0]); i++)
			freeze |= !strcmp(name, program_only[i]) && !existed_before(rb, name);
		if (freeze && bpf_map_freeze(bpf_map__fd(m))) {
			die_msg("%s: cannot freeze map %s: %s", module, name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * Sets a module's load-time constant (a `const volatile` global) if the
 * object has one of that name; a module without it is left alone.
 */
static int set_const(struct bpf_object *obj, const char *var, const void *val, size_t size)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_type *sec;
	struct bpf_map *m;
	int id;

	if (!btf || (id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)) <= 0)
		return 0;
	sec = btf__type_by_id(btf, id);
	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		size_t n = strlen(name), data_size;
		const struct btf_var_secinfo *vsi = btf_var_secinfos(sec);
		const void *data;

		if (n < 7 || strcmp(name + n - 7, ".rodata"))
			continue;
		data = bpf_map__initial_value(m, &data_size);
		for (int i = 0; data && i < btf_vlen(sec); i++, vsi++) {
			const struct btf_type *t = btf__type_by_id(btf, vsi->type);
			char *copy;
			int err;

			if (strcmp(btf__name_by_offset(btf, t->name_off), var))
				continue;
			if (size > vsi->size || vsi->offset + vsi->size > data_size)
				return -E2BIG;
			copy = malloc(data_size);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, data, data_size);
			memcpy(copy + vsi->offset, val, size);
			err = bpf_map__set_initial_value(m, copy, data_size);
			free(copy);
			return err;
		}
	}
	return 0;
}

/* What the audit module needs to recognise paths under the pin root. */
static int set_pin_root_consts(struct bpf_object *obj)
{
	char root[PW_PATH_MAX] = "";
	__u32 len = strlen(env.pin_root);
	struct stat st;

	if (len >= sizeof(root) || stat(env.pin_root, &st))
		return -EINVAL;
	memcpy(root, env.pin_root, len);
	__u64 ino = st.st_ino;
	return set_const(obj, "pw_pin_root", root, sizeof(root)) ?:
	       set_const(obj, "pw_pin_root_len", &len, sizeof(len)) ?:
	       set_const(obj, "pw_pin_root_ino", &ino, sizeof(ino));
}

static int init_config(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "config");
	struct pw_config cfg = { .enabled = 1, .wakeup_bytes = PW_DEFAULT_WAKEUP_BYTES,
				 .block_slow_ns = PW_DEFAULT_BLOCK_SLOW_NS };
	__u32 zero = 0;

	if (!m)
		return 0;
	return bpf_map_update_elem(bpf_map__fd(m), &zero, &cfg, BPF_ANY);
}

/* Program ids held by the object's prog arrays: the tail-call stages,
 * which run from the chain and are never attached themselves. */
static int chain_prog_ids(struct bpf_object *obj, __u32 *ids, int max)
{
	struct bpf_map *m;
	int n = 0;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__type(m) != BPF_MAP_TYPE_PROG_ARRAY)
			continue;
		for (__u32 k = 0; k < bpf_map__max_entries(m) && n < max; k++) {
			__u32 id;

			if (bpf_map_lookup_elem(bpf_map__fd(m), &k, &id) == 0)
				ids[n++] = id;
		}
	}
	return n;
}

static __u32 prog_id(const struct bpf_program *prog)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len))
		return 0;
	return info.id;
}

/* ---- on-demand hooks ------------------------------------------------------ */

/*
 * A program tagged PW_ATTACH_IF(field) (common.bpf.h: a BTF decl tag
 * "pinwatch:attach_if=FIELD") is loaded and pinned like any other, but its
 * link is created at load only when that maps/config field is non-zero;
 * otherwise `pinwatch-load attach` creates it later and `detach` removes it.
 * For hooks whose mere attachment costs too much to keep when unused.
 * Returns the field name (static storage) or NULL for a program without tag.
 */
static const char *attach_if_field(const struct bpf_object *obj, const struct bpf_program *prog)
{
	static char field[64];
	const struct btf *btf = bpf_object__btf(obj);
	const char *prefix = "pinwatch:attach_if=";
	int func_id;

	if (!btf)
		return NULL;
	func_id = btf__find_by_name_kind(btf, bpf_program__name(prog), BTF_KIND_FUNC);
	if (func_id <= 0)
		return NULL;
	for (__u32 i = 1; i < btf__type_cnt(btf); i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const char *tag;

		if (!btf_is_decl_tag(t) || t->type != (__u32)func_id || btf_decl_tag(t)->component_idx != -1)
			continue;
		tag = btf__name_by_offset(btf, t->name_off);
		if (tag && !strncmp(tag, prefix, strlen(prefix))) {
			snprintf(field, sizeof(field), "%s", tag + strlen(prefix));
			return field;
		}
	}
	return NULL;
}

/* Value of a maps/config field by name (PW_CONFIG_FIELDS); -1 if unknown. */
static long long config_field(int config_fd, const char *name)
{
	struct pw_config cfg;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(config_fd, &zero, &cfg))
		return -1;
#define PW_X(fname, type, settable)                                                           	if (!strcmp(name, #fname))                                                        		return cfg.fname;
	PW_CONFIG_FIELDS(PW_X)
#undef PW_X
	return -1;
}

/* Attaches an already loaded program by fd (tracing and raw tracepoint
 * kinds only: the ones a link can be made for from the fd alone). */
static int attach_fd(int prog_fd, const struct bpf_program *prog)
{
	const struct variant_kind *v = variant_of(prog);
	const char *target;

	if (!v)
		return -EOPNOTSUPP;
	target = bpf_program__section_name(prog) + strlen(v->prefix);
	if (!strcmp(v->name, "raw_tp"))
		return bpf_raw_tracepoint_open(target, prog_fd);
	if (!strcmp(v->name, "tp_btf") || !strcmp(v->name, "fentry") || !strcmp(v->name, "fexit") ||
	    !strcmp(v->name, "lsm"))
		return bpf_raw_tracepoint_open(NULL, prog_fd);
	return -EOPNOTSUPP;
}

static int pin_module(struct bpf_object *obj, const char *module, const char *staging,
		      struct bpf_link **links, int *n_links)
{
	__u32 stage_ids[MAX_PROGS];
	int n_stages = chain_prog_ids(obj, stage_ids, MAX_PROGS);
	struct bpf_map *config = bpf_object__find_map_by_name(obj, "config");
	int config_fd = config ? bpf_map__fd(config) : -1;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[512], hook[128];
	int err, attached = 0;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);

		if (bpf_map__pin_path(map) || strchr(name, '.'))
			continue; /* shared (pinned by name) or internal .rodata/.bss */
		snprintf(path, sizeof(path), "%s/%s", staging, name);
		err = bpf_map__pin(map, path);
		if (err) {
			die_msg("%s: pin map %s: %s", module, name, strerror(-err));
			return -1;
		}
	}
	bpf_object__for_each_program(prog, obj) {
		const char *field;
		bool is_stage = false;
		__u32 id;

		if (!bpf_program__autoload(prog))
			continue;
		snprintf(path, sizeof(path), "%s/prog_%s", staging, bpf_program__name(prog));
		err = bpf_program__pin(prog, path);
		if (err) {
			die_msg("%s: pin program %s: %s", module, bpf_program__name(prog), strerror(-err));
			return -1;
		}
		id = prog_id(prog);
		for (int i = 0; i < n_stages; i++)
			is_stage |= stage_ids[i] == id;
		if (is_stage)
			continue;
		field = attach_if_field(obj, prog);
		if (field) {
			long long on = config_field(config_fd, field);

			if (on < 0) {
				die_msg("%s: program %s: attach_if names no config field '%s'", module,
					bpf_program__name(prog), field);
				return -1;
			}
			if (!on)
				continue; /* on demand: pinwatch-load attach */
		}
		if (injected("attach") || (*n_links && injected("attach_later")))
			return -1;
		links[*n_links] = hooks && hooks->attach ? hooks->attach(prog) : bpf_program__attach(prog);
		err = libbpf_get_error(links[*n_links]);
		if (err) {
			links[*n_links] = NULL;
			die_msg("%s: attach %s (%s): %s", module, bpf_program__name(prog),
				bpf_program__section_name(prog), strerror(-err));
			return -1;
		}
		hook_of(bpf_program__name(prog), hook, sizeof(hook));
		snprintf(path, sizeof(path), "%s/link_%s", staging, hook);
		err = bpf_link__pin(links[*n_links], path);
		(*n_links)++;
		if (err) {
			die_msg("%s: pin link %s: %s", module, hook, strerror(-err));
			return -1;
		}
		attached++;
	}
	if (!attached) {
		die_msg("%s: no program could be attached on this kernel", module);
		return -1;
	}
	return 0;
}

/* True when a loaded program of the hook is attached (not a stage). */
static bool hook_attached(struct bpf_object *obj, const char *hook)
{
	struct bpf_program *prog;
	char other[128];

	bpf_object__for_each_program(prog, obj) {
		hook_of(bpf_program__name(prog), other, sizeof(other));
		if (bpf_program__autoload(prog) && !is_stage(prog) && !strcmp(other, hook))
			return true;
	}
	return false;
}

/* "process: loaded (exec: tp, ..., enforce: tp)": the variant of every
 * attached hook, and of every hook a stage serves in its place. */
static void print_summary(struct bpf_object *obj, const char *module, const char *module_dir)
{
	struct bpf_program *prog;
	char hook[128], link[512];
	const char *sep = "";

	printf("%s: loaded (", module);
	bpf_object__for_each_program(prog, obj) {
		const struct variant_kind *v = variant_of(prog);

		if (!bpf_program__autoload(prog))
			continue;
		const char *vname = strstr(bpf_program__name(prog), "__");

		hook_of(bpf_program__name(prog), hook, sizeof(hook));
		if (is_stage(prog) && (!strstr(bpf_program__name(prog), "__") || hook_attached(obj, hook)))
			continue;
		snprintf(link, sizeof(link), "%s/link_%s", module_dir, hook);
		printf("%s%s: %s%s", sep, hook, v ? v->name : vname ? vname + 2 : "?",
		       attach_if_field(obj, prog) && !path_exists(link) ? " on demand" : "");
		sep = ", ";
	}
	printf(")\n");
}

static int cmd_load(const char *object)
{
	char module[64], cause[1024];
	char *maps_dir = path_join(env.pin_root, "maps");
	char *module_dir = NULL;
	struct rollback rb = {};
	struct bpf_object *obj = NULL;
	struct bpf_link *links[MAX_PROGS] = {};
	int n_links = 0, err = 1, kept;
	char *parent;

	if (module_from_object(object, module, sizeof(module)) || module_id(module) < 0) {
		die_msg("%s: not a pinwatch module object (expected <module>.bpf.o)", object);
		goto out_free;
	}
	if (!path_exists(object)) {
		die_msg("%s: %s", object, strerror(errno));
		goto out_free;
	}
	parent = strdup(env.pin_root);
	*strrchr(parent, '/') = '\0';
	if (check_bpffs(*parent ? parent : "/")) {
		free(parent);
		goto out_free;
	}
	free(parent);
	if (take_lock())
		goto out_free;
	module_dir = hooks ? strdup(hooks->dest) : path_join(env.pin_root, module);
	if (hooks && path_exists(module_dir)) {
		die_msg("%s: already exists", hooks->label);
		err = EXIT_ALREADY_LOADED;
		goto out_free;
	}
	if (path_exists(module_dir)) {
		die_msg("%s: already loaded (to reload it: pinwatch down %s first)", module, module);
		err = EXIT_ALREADY_LOADED;
		goto out_free;
	}
	if (mkdir(env.pin_root, 0700) == 0)
		rb.created_root = true;
	else if (errno != EEXIST || check_bpffs(env.pin_root)) {
		if (errno != EEXIST)
			die_msg("%s: %s", env.pin_root, strerror(errno));
		goto out_free;
	}
	chmod(env.pin_root, 0700);
	if (mkdir(maps_dir, 0700) == 0)
		rb.created_maps_dir = true;
	snapshot_maps_dir(&rb, maps_dir);
	if (hooks && hooks->parent && mkdir(hooks->parent, 0700) == 0)
		rb.created_parent = hooks->parent;

	if (injected("open"))
		goto fail;
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir);
	obj = bpf_object__open_file(object, &opts);
	if (!obj) {
		libbpf_cause(cause, sizeof(cause));
		die_msg("%s: cannot open %s: %s", module, object, cause);
		goto fail;
	}
	if (read_stage_names(object)) {
		die_msg("%s: cannot read %s: %s", module, object, elf_errmsg(-1));
		goto fail;
	}
	kept = hooks ? hooks->prepare(obj) : choose_variants(obj, module);
	if (kept < 0)
		goto fail;
	if (kept == 0) {
		die_msg("%s: no hook of this module exists on this kernel", module);
		err = EXIT_UNSUPPORTED;
		goto fail;
	}
	if (set_pin_root_consts(obj)) {
		die_msg("%s: cannot set the pin root constants", module);
		goto fail;
	}
	if (size_ringbuf(obj, maps_dir)) {
		die_msg("%s: ring buffer size %llu: must be a power of two and a multiple of the page size",
			module, (unsigned long long)env.ringbuf_bytes);
		goto fail;
	}
	if (injected("load"))
		goto fail;
	if (bpf_object__load(obj)) {
		/* libbpf reuses a pinned map only when type, key and value
		 * size, max_entries and flags all match this object's */
		const char *reuse = libbpf_log ? strstr(libbpf_log, "couldn't reuse pinned map") : NULL;

		libbpf_cause(cause, sizeof(cause));
		if (reuse)
			die_msg("%s: load failed: %.*s (pinned by another pinwatch build: pinwatch down, then up)",
				module, (int)strcspn(reuse, "\n"), reuse);
		else
			die_msg("%s: load failed: %s", module, cause);
		goto fail;
	}
	if (!existed_before(&rb, "config") && injected("config"))
		goto fail;
	if (!existed_before(&rb, "config") && init_config(obj)) {
		die_msg("%s: cannot initialise config: %s", module, strerror(errno));
		goto fail;
	}
	if (hooks && hooks->loaded && hooks->loaded(obj))
		goto fail;
	if (injected("freeze") || freeze_maps(obj, &rb, module))
		goto fail;
	if (injected("staging"))
		goto fail;
	if (asprintf(&rb.staging, "%s/_staging_%s_%d", env.pin_root, module, getpid()) < 0 ||
	    mkdir(rb.staging, 0700)) {
		die_msg("%s: cannot create staging directory: %s", module, strerror(errno));
		goto fail;
	}
	if (injected("pin") || pin_module(obj, module, rb.staging, links, &n_links))
		goto fail;
	if (injected("rename") || rename(rb.staging, module_dir)) {
		if (!fail_at)
			die_msg("%s: cannot move pins into place: %s", module, strerror(errno));
		goto fail;
	}
	print_summary(obj, hooks ? hooks->label : module, module_dir);
	err = 0;
	goto out;
fail:
	undo(&rb, maps_dir);
out:
	/* Closing our fds detaches only the links that are not pinned, i.e.
	 * those of a failed load. */
	for (int i = 0; i < n_links; i++)
		bpf_link__destroy(links[i]);
	bpf_object__close(obj);
out_free:
	for (int i = 0; i < rb.n_existing; i++)
		free(rb.maps_existing[i]);
	free(rb.staging);
	free(module_dir);
	free(maps_dir);
	return err;
}

static int cmd_unload(const char *module)
{
	char *module_dir, *doomed = NULL;
	int err = 1;

	if (module_id(module) < 0) {
		die_msg("unknown module '%s' (see: pinwatch-load modules)", module);
		return 1;
	}
	if (take_lock())
		return 1;
	module_dir = path_join(env.pin_root, module);
	if (!path_exists(module_dir)) {
		die_msg("%s: not loaded", module);
		goto out;
	}
	/* Rename first so the module disappears at once, then detach. */
	if (asprintf(&doomed, "%s/_unloading_%s_%d", env.pin_root, module, getpid()) < 0 ||
	    rename(module_dir, doomed)) {
		die_msg("%s: cannot unpin: %s", module, strerror(errno));
		goto out;
	}
	remove_tree(doomed);
	if (!any_module_loaded())
		remove_tree(env.pin_root);
	err = 0;
out:
	free(doomed);
	free(module_dir);
	return err;
}

/* ---- uprobes ------------------------------------------------------------------ */

/* One `uprobe-add`: pinned under <pin root>/uprobe/NAME/. */
static struct {
	const char *preset_arg;		/* --preset */
	const char *pid_arg;		/* --pid */
	bool ret;			/* --ret */
	char name[PW_UPROBE_NAME_LEN];
	char binary[PATH_MAX];
	char symbol[PW_UPROBE_SYMBOL_LEN];
	uint64_t offset;
	__u32 pid;			/* 0: every process */
	int preset;
} up;

static const char *const preset_names[] = {
#define PW_X(upper, low, id) [id] = #low,
	PW_UPROBE_PRESETS(PW_X)
#undef PW_X
};

/* What each preset attaches to when no target is given, and its programs. */
static const struct {
	const char *target;
	const char *progs[2];
} presets[] = {
	[PW_UPROBE_PRESET_GENERIC] = { NULL, { "entry__generic", "ret__generic" } },
	[PW_UPROBE_PRESET_CONNECT] = { "libc:connect", { "entry__connect", "ret__connect" } },
	[PW_UPROBE_PRESET_READLINE] = { "bash:readline", { "ret__readline", NULL } },
	[PW_UPROBE_PRESET_GETADDRINFO] = { "libc:getaddrinfo", { "entry__getaddr", "ret__getaddr" } },
};

static bool valid_probe_name(const char *n)
{
	size_t len = strlen(n);

	return len >= 1 && len < PW_UPROBE_NAME_LEN && strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") == len;
}

/* An executable in $PATH, by name. */
static bool find_in_path(const char *name, char *out, size_t outsz)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		snprintf(out, outsz, "%s/%s", dir, name);
		found = access(out, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* A shared library by short name: "c", "libc" or "libc.so.6" finds
 * libc.so.6 in the usual directories (a versioned .so first: a bare .so
 * is often a linker script). */
static bool find_library(const char *name, char *out, size_t outsz)
{
	static const char *const dirs[] = {
		"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
	};
	char want[2][NAME_MAX + 8];
	int best_rank = 0;

	snprintf(want[0], sizeof(want[0]), "%s.so", name);
	snprintf(want[1], sizeof(want[1]), "lib%s.so", name);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d))) {
			int rank = 0;

			if (!strcmp(e->d_name, name))
				rank = 3;
			for (int k = 0; k < 2 && !rank; k++) {
				size_t n = strlen(want[k]);

				if (!strncmp(e->d_name, want[k], n) && e->d_name[n] == '.')
					rank = 2;
				else if (!strcmp(e->d_name, want[k]))
					rank = 1;
			}
			if (rank > best_rank) {
				best_rank = rank;
				snprintf(out, outsz, "%s/%s", dirs[i], e->d_name);
			}
		}
		closedir(d);
		if (best_rank >= 2)
			break;
	}
	return best_rank > 0;
}

/* Checks everything about the probe before anything is locked or pinned;
 * one line and false on bad input. */
static bool uprobe_resolve(const char *name, const char *target)
{
	char err[128], found[PATH_MAX], *colon, *bin;
	struct pw_elf *elf;
	size_t i;
	int rc;

	if (!valid_probe_name(name)) {
		die_msg("invalid probe name '%s': 1 to %d characters of a-z, 0-9, '_' and '-'", name,
			PW_UPROBE_NAME_LEN - 1);
		return false;
	}
	snprintf(up.name, sizeof(up.name), "%s", name);
	up.preset = PW_UPROBE_PRESET_GENERIC;
	if (up.preset_arg) {
		for (i = 1; i < sizeof(preset_names) / sizeof(preset_names[0]); i++)
			if (!strcmp(up.preset_arg, preset_names[i]))
				up.preset = (int)i;
		if (up.preset == PW_UPROBE_PRESET_GENERIC) {
			die_msg("unknown preset '%s' (connect, readline, getaddrinfo)", up.preset_arg);
			return false;
		}
	}
	if (up.pid_arg) {
		char proc[64];
		uint64_t v;

		if (pw_parse_uint(up.pid_arg, 4194304, &v) || v < 1) {
			die_msg("invalid --pid '%s': a process id", up.pid_arg);
			return false;
		}
		snprintf(proc, sizeof(proc), "/proc/%llu", (unsigned long long)v);
		if (!path_exists(proc)) {
			die_msg("--pid %s: no such process", up.pid_arg);
			return false;
		}
		up.pid = (__u32)v;
	}
	if (!target)
		target = presets[up.preset].target;
	if (!target) {
		die_msg("uprobe-add: missing BINARY:SYMBOL (or --preset)");
		return false;
	}
	bin = strdup(target);
	colon = strchr(bin, ':');
	if (!colon || colon == bin || !colon[1] || strlen(colon + 1) >= sizeof(up.symbol)) {
		die_msg("invalid target '%s': expected BINARY:SYMBOL", target);
		free(bin);
		return false;
	}
	*colon = '\0';
	snprintf(up.symbol, sizeof(up.symbol), "%s", colon + 1);
	if (strchr(bin, '/'))
		snprintf(found, sizeof(found), "%s", bin);
	else if (!find_in_path(bin, found, sizeof(found)) && !find_library(bin, found, sizeof(found))) {
		die_msg("%s: no such executable in PATH, nor library", bin);
		free(bin);
		return false;
	}
	if (!realpath(found, up.binary)) {
		die_msg("%s: %s", found, strerror(errno));
		free(bin);
		return false;
	}
	free(bin);
	if (strlen(up.binary) >= PW_PATH_MAX) {
		die_msg("%s: path too long", up.binary);
		return false;
	}
	elf = pw_elf_open(up.binary, err, sizeof(err));
	if (!elf) {
		die_msg("%s: %s", up.binary, err);
		return false;
	}
	rc = pw_elf_func_offset(elf, up.symbol, &up.offset);
	pw_elf_close(elf);
	if (rc == -ENOENT) {
		die_msg("%s: no function '%s' in its symbol tables", up.binary, up.symbol);
		return false;
	}
	if (rc) {
		die_msg("%s: '%s' cannot be probed (an IFUNC resolver, or outside the loaded segments)",
			up.binary, up.symbol);
		return false;
	}
	return true;
}

static int uprobe_prepare(struct bpf_object *obj)
{
	struct bpf_program *prog;
	__u32 ret = up.ret, tgid = up.pid;
	int kept = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *n = bpf_program__name(prog);
		bool keep = false;

		for (int i = 0; i < 2; i++)
			keep |= presets[up.preset].progs[i] && !strcmp(n, presets[up.preset].progs[i]);
		if (up.preset == PW_UPROBE_PRESET_GENERIC && !up.ret && !strcmp(n, "ret__generic"))
			keep = false;
		bpf_program__set_autoload(prog, keep);
		kept += keep;
	}
	if (set_const(obj, "pw_probe_name", up.name, sizeof(up.name)) ||
	    set_const(obj, "pw_probe_tgid", &tgid, sizeof(tgid)) ||
	    set_const(obj, "pw_probe_ret", &ret, sizeof(ret))) {
		die_msg("uprobe %s: cannot set the probe's constants", up.name);
		return -1;
	}
	return kept;
}

/* Fills uprobe/NAME/info, then freezes it: it says what the probe is. */
static int uprobe_loaded(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "info");
	struct pw_uprobe_info info = {};
	__u32 zero = 0;

	snprintf(info.name, sizeof(info.name), "%s", up.name);
	memcpy(info.binary, up.binary, strlen(up.binary) + 1); /* checked: < PW_PATH_MAX */
	snprintf(info.symbol, sizeof(info.symbol), "%s", up.symbol);
	info.offset = up.offset;
	info.pid = up.pid;
	info.preset = up.preset;
	if (up.preset == PW_UPROBE_PRESET_GENERIC ? up.ret : up.preset != PW_UPROBE_PRESET_READLINE)
		info.flags = PW_UPROBE_F_RET;
	if (!m || bpf_map_update_elem(bpf_map__fd(m), &zero, &info, BPF_ANY) ||
	    bpf_map_freeze(bpf_map__fd(m))) {
		die_msg("uprobe %s: cannot write its info map: %s", up.name, strerror(errno));
		return -1;
	}
	return 0;
}

static struct bpf_link *uprobe_attach(const struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts,
		    .retprobe = !strcmp(bpf_program__section_name(prog), "uretprobe"));

	return bpf_program__attach_uprobe_opts(prog, up.pid ? (pid_t)up.pid : -1, up.binary,
					       up.offset, &opts);
}

static int cmd_uprobe_add(const char *object, const char *name, const char *target)
{
	char label[64 + PW_UPROBE_NAME_LEN];
	char *parent, *dest;
	int err;

	if (!uprobe_resolve(name, target))
		return 1;
	parent = path_join(env.pin_root, "uprobe");
	dest = path_join(parent, up.name);
	snprintf(label, sizeof(label), "uprobe %s", up.name);
	struct load_hooks h = {
		.dest = dest,
		.parent = parent,
		.label = label,
		.prepare = uprobe_prepare,
		.loaded = uprobe_loaded,
		.attach = uprobe_attach,
	};
	hooks = &h;
	err = cmd_load(object);
	hooks = NULL;
	if (!err)
		printf("uprobe %s: %s:%s (offset 0x%llx)%s%s%s\n", up.name, up.binary, up.symbol,
		       (unsigned long long)up.offset, up.pid ? ", pid " : "", up.pid ? up.pid_arg : "",
		       up.preset ? "" : up.ret ? ", with return" : "");
	free(dest);
	free(parent);
	return err;
}

static int cmd_uprobe_del(const char *name)
{
	char *parent, *dir, *doomed = NULL;
	int err = 1;

	if (!valid_probe_name(name)) {
		die_msg("invalid probe name '%s': 1 to %d characters of a-z, 0-9, '_' and '-'", name,
			PW_UPROBE_NAME_LEN - 1);
		return 1;
	}
	if (take_lock())
		return 1;
	parent = path_join(env.pin_root, "uprobe");
	dir = path_join(parent, name);
	if (!path_exists(dir)) {
		die_msg("uprobe %s: no such probe", name);
		goto out;
	}
	if (asprintf(&doomed, "%s/_unloading_uprobe_%s_%d", env.pin_root, name, getpid()) < 0 ||
	    rename(dir, doomed)) {
		die_msg("uprobe %s: cannot unpin: %s", name, strerror(errno));
		goto out;
	}
	remove_tree(doomed);
	rmdir(parent); /* only when it was the last probe */
	if (!any_module_loaded())
		remove_tree(env.pin_root);
	err = 0;
out:
	free(doomed);
	free(dir);
	free(parent);
	return err;
}

/* Test-only (PINWATCH_TEST_FD_REPORT): a BPF object fd (map, program,
 * link, BTF) still open at exit is a leak; pinned objects live without one. */
static void report_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char link[256] = "", path[300];

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if (e->d_name[0] != '.' && readlink(path, link, sizeof(link) - 1) > 0 &&
		    (strstr(link, "anon_inode:bpf") || strstr(link, "anon_inode:btf")))
			n++;
	}
	closedir(d);
	fprintf(stderr, "pinwatch-load: bpf fds open at exit: %d\n", n);
}

/* The shared maps an object defines (pinned by name under maps/): what
 * `pinwatch status` expects to find. */
static int cmd_shared_maps(const char *object)
{
	/* pin_path is only set for maps pinned by name, given a pin root */
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = "/");
	struct bpf_object *obj = bpf_object__open_file(object, &opts);
	struct bpf_map *m;

	if (!obj) {
		die_msg("%s: cannot open: %s", object, strerror(errno));
		return 1;
	}
	bpf_object__for_each_map(m, obj)
		if (bpf_map__pin_path(m))
			printf("%s\n", bpf_map__name(m));
	bpf_object__close(obj);
	return 0;
}

/*
 * attach OBJECT HOOK / detach OBJECT HOOK: create or remove the link of an
 * on-demand hook (PW_ATTACH_IF) of a loaded module. Idempotent. The object
 * names the module and tells which section the pinned program came from.
 */
static int cmd_attach(const char *object, const char *hook, bool attach)
{
	char module[64], name_hook[128], path[512];
	struct bpf_object *obj = NULL;
	struct bpf_program *prog, *found = NULL;
	char *module_dir = NULL;
	int err = 1, prog_fd = -1, link_fd = -1;

	if (module_from_object(object, module, sizeof(module)) || module_id(module) < 0) {
		die_msg("%s: not a pinwatch module object (expected <module>.bpf.o)", object);
		return 1;
	}
	if (env.lock && take_lock())
		return 1;
	module_dir = path_join(env.pin_root, module);
	if (!path_exists(module_dir)) {
		die_msg("%s: not loaded", module);
		goto out;
	}
	obj = bpf_object__open_file(object, NULL);
	if (!obj) {
		die_msg("%s: cannot open %s: %s", module, object, strerror(errno));
		goto out;
	}
	bpf_object__for_each_program(prog, obj) {
		hook_of(bpf_program__name(prog), name_hook, sizeof(name_hook));
		snprintf(path, sizeof(path), "%s/prog_%s", module_dir, bpf_program__name(prog));
		if (!strcmp(name_hook, hook) && path_exists(path)) {
			found = prog;
			break;
		}
	}
	if (!found) {
		die_msg("%s: no loaded program for hook '%s'", module, hook);
		goto out;
	}
	if (!attach_if_field(obj, found)) {
		die_msg("%s: hook '%s' is not attached on demand", module, hook);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/link_%s", module_dir, hook);
	if (!attach) {
		if (unlink(path) && errno != ENOENT) {
			die_msg("%s: %s: %s", module, path, strerror(errno));
			goto out;
		}
		err = 0;
		goto out;
	}
	if (path_exists(path)) {
		err = 0;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/prog_%s", module_dir, bpf_program__name(found));
	prog_fd = bpf_obj_get(path);
	if (prog_fd < 0) {
		die_msg("%s: %s: %s", module, path, strerror(errno));
		goto out;
	}
	link_fd = attach_fd(prog_fd, found);
	if (link_fd < 0) {
		die_msg("%s: attach %s (%s): %s", module, bpf_program__name(found),
			bpf_program__section_name(found), strerror(-link_fd));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/link_%s", module_dir, hook);
	if (bpf_obj_pin(link_fd, path)) {
		die_msg("%s: pin link %s: %s", module, hook, strerror(errno));
		goto out;
	}
	err = 0;
out:
	if (link_fd >= 0)
		close(link_fd);
	if (prog_fd >= 0)
		close(prog_fd);
	bpf_object__close(obj);
	free(module_dir);
	return err;
}

/* The hooks of an object attached only while a config field is set:
 * "hook field" lines, so `pinwatch status` knows when their link is due. */
static int cmd_on_demand(const char *object)
{
	struct bpf_object *obj = bpf_object__open_file(object, NULL);
	struct bpf_program *prog;
	char hook[128];

	if (!obj) {
		die_msg("%s: cannot open: %s", object, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		const char *field = attach_if_field(obj, prog);

		if (field) {
			hook_of(bpf_program__name(prog), hook, sizeof(hook));
			printf("%s %s\n", hook, field);
		}
	}
	bpf_object__close(obj);
	return 0;
}

/* ---- command line ---------------------------------------------------------- */

const char *argp_program_version = "pinwatch-load 0.1";
static const char doc[] =
	"Load, attach and pin one pinwatch module, or unload it.\n"
	"\n"
	"Commands:\n"
	"  load OBJECT      load build/bpf/MODULE.bpf.o and pin it under the pin root\n"
	"  unload MODULE    remove the module's pins (the shared maps go with the last module)\n"
	"  modules          list module ids and names\n"
	"  config-layout    list maps/config fields: name offset size settable\n"
	"  abi [--json]     every module id, stats key, filter kind, config field, event\n"
	"                   type, block mode, uprobe preset and constant the scripts use\n"
	"  shared-maps OBJECT  list the shared maps the object pins under maps/\n"
	"  on-demand OBJECT    list hooks attached only while a config field is set\n"
	"  filter-key KIND VALUE  the bytes of a filter map key (pid uid comm cgroup path cidr)\n"
	"  attach OBJECT HOOK   attach an on-demand hook of a loaded module (PW_ATTACH_IF)\n"
	"  detach OBJECT HOOK   detach it again (both idempotent)\n"
	"  uprobe-add OBJECT NAME [BINARY:SYMBOL]\n"
	"                   attach ondemand/uprobe.bpf.o to a user-space function\n"
	"                   and pin it as uprobe/NAME/ (--ret, --pid, --preset)\n"
	"  uprobe-del NAME  remove the probe NAME\n"
	"\n"
	"Examples:\n"
	"  pinwatch-load load build/bpf/process.bpf.o\n"
	"  pinwatch-load load --ringbuf-size 16M build/bpf/process.bpf.o\n"
	"  pinwatch-load unload process\n"
	"  pinwatch-load uprobe-add --ret OBJ work ./prog:work\n"
	"  pinwatch-load uprobe-add --preset getaddrinfo OBJ dns\n"
	"  (OBJ: build/bpf/ondemand/uprobe.bpf.o)\n"
	"\n"
	"Exit status: 0 ok, 1 failure (nothing left pinned), 2 usage, 3 already loaded,\n"
	"4 no hook of the module exists on this kernel.";

static const struct argp_option options[] = {
	{ "pin-root", 'p', "DIR", 0, "Pin root (default $PINWATCH_PIN_ROOT, else " PW_PIN_ROOT ")", 0 },
	{ "ringbuf-size", 'r', "BYTES", 0,
	  "Ring buffer size at first load: power of two, e.g. 8M (default 8M)", 0 },
	{ "lock", 'L', "FILE", 0, "Lock file (default " PW_LOCK_PATH ")", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's log, verifier output included", 0 },
	{ "no-lock", 'N', NULL, 0, "attach/detach: do not lock (the caller holds the lock)", 0 },
	{ "json", 'j', NULL, 0, "abi: print JSON", 0 },
	{ "ret", 'R', NULL, 0, "uprobe-add: a uretprobe too (return value, latency)", 0 },
	{ "pid", 'P', "PID", 0, "uprobe-add: this process only", 0 },
	{ "preset", 'S', "PRESET", 0,
	  "uprobe-add: connect (libc), readline (bash) or getaddrinfo (libc); BINARY:SYMBOL optional", 0 },
	{},
};

static char *cmd_args[4];
static int n_cmd_args;

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		if (arg[0] != '/' || strlen(arg) < 2 || arg[strlen(arg) - 1] == '/')
			pw_usage_error("pinwatch-load", "--pin-root must be an absolute path without a trailing '/'");
		env.pin_root = arg;
		break;
	case 'r':
		if (pw_parse_size(arg, &env.ringbuf_bytes) || env.ringbuf_bytes < 4096 ||
		    env.ringbuf_bytes > (1ULL << 30) || (env.ringbuf_bytes & (env.ringbuf_bytes - 1)))
			pw_usage_error("pinwatch-load", "invalid --ringbuf-size '%s': a power of two from 4K to 1G", arg);
		break;
	case 'L':
		env.lock_path = arg;
		break;
	case 'v':
		env.verbose = true;
		break;
	case 'N':
		env.lock = false;
		break;
	case 'j':
		env.json = true;
		break;
	case 'R':
		up.ret = true;
		break;
	case 'P':
		up.pid_arg = arg;
		break;
	case 'S':
		up.preset_arg = arg;
		break;
	case ARGP_KEY_ARG:
		if (n_cmd_args >= 4)
			pw_usage_error("pinwatch-load", "unexpected argument '%s'", arg);
		cmd_args[n_cmd_args++] = arg;
		break;
	case ARGP_KEY_END:
		if (!n_cmd_args)
			pw_usage_error("pinwatch-load", "missing command (load, unload, attach, detach, modules, config-layout, shared-maps)");
		break;
	case ARGP_KEY_ERROR:
		pw_argp_key_error(state, "pinwatch-load");
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, "COMMAND [ARG...]", doc, NULL, NULL, NULL };
	const char *cmd;

	if (getenv("PINWATCH_PIN_ROOT") && *getenv("PINWATCH_PIN_ROOT"))
		env.pin_root = getenv("PINWATCH_PIN_ROOT");
	if (pw_argp_parse(&argp, argc, argv))
		return 2;
	cmd = cmd_args[0];
	if (!strcmp(cmd, "abi")) {
		if (n_cmd_args != 1) {
			die_msg("abi: unexpected argument '%s' (see --help)", cmd_args[1]);
			return 2;
		}
		return cmd_abi(env.json);
	}
	if (!strcmp(cmd, "modules") && n_cmd_args == 1) {
		cmd_modules();
		return 0;
	}
	if (!strcmp(cmd, "config-layout") && n_cmd_args == 1) {
		cmd_config_layout();
		return 0;
	}
	if (!strcmp(cmd, "shared-maps") && n_cmd_args == 2) {
		libbpf_set_print(capture_libbpf);
		return cmd_shared_maps(cmd_args[1]);
	}
	if (!strcmp(cmd, "uprobe-add") || !strcmp(cmd, "uprobe-del")) {
		bool add = !strcmp(cmd, "uprobe-add");

		if (n_cmd_args < (add ? 3 : 2) || (!add && n_cmd_args > 2)) {
			die_msg("%s: %s (see --help)", cmd, n_cmd_args > 2 ? "unexpected argument" : "missing argument");
			return 2;
		}
		if (geteuid() != 0) {
			die_msg("%s: must run as root", cmd);
			return 1;
		}
		libbpf_set_print(capture_libbpf);
		fail_at = getenv("PINWATCH_TEST_FAIL_AT");
		int rc = add ? cmd_uprobe_add(cmd_args[1], cmd_args[2], n_cmd_args > 3 ? cmd_args[3] : NULL)
			     : cmd_uprobe_del(cmd_args[1]);

		if (getenv("PINWATCH_TEST_FD_REPORT"))
			report_open_fds();
		return rc;
	}
	if (!strcmp(cmd, "filter-key") && n_cmd_args == 3)
		return cmd_filter_key(cmd_args[1], cmd_args[2]);
	if (!strcmp(cmd, "on-demand") && n_cmd_args == 2) {
		libbpf_set_print(capture_libbpf);
		return cmd_on_demand(cmd_args[1]);
	}
	if (strcmp(cmd, "load") && strcmp(cmd, "unload") && strcmp(cmd, "attach") &&
	    strcmp(cmd, "detach")) {
		die_msg("unknown command '%s' (see --help)", cmd);
		return 2;
	}
	if (n_cmd_args != (strcmp(cmd, "attach") && strcmp(cmd, "detach") ? 2 : 3)) {
		die_msg("%s: wrong number of arguments (see --help)", cmd);
		return 2;
	}
	if (geteuid() != 0) {
		die_msg("%s: must run as root", cmd);
		return 1;
	}
	libbpf_set_print(capture_libbpf);
	fail_at = getenv("PINWATCH_TEST_FAIL_AT");
	int err;

	if (!strcmp(cmd, "load"))
		err = cmd_load(cmd_args[1]);
	else if (!strcmp(cmd, "attach") || !strcmp(cmd, "detach"))
		err = cmd_attach(cmd_args[1], cmd_args[2], !strcmp(cmd, "attach"));
	else
		err = cmd_unload(cmd_args[1]);
	if (getenv("PINWATCH_TEST_FD_REPORT"))
		report_open_fds();
	return err;
}
