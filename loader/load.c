// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-load: load one module's BPF object, fill its tail-call chain,
 * attach it and pin programs, links and maps under /sys/fs/bpf/pinwatch,
 * then exit. The programs keep running with no daemon.
 *
 * A load is all or nothing: the module is pinned into a hidden staging
 * directory that is renamed into place at the very end, and any shared map
 * pin or directory the load created is removed again if a step fails. A
 * hook variant that fails to load or attach makes the load start over with
 * the hook's next variant (probe.c chooses them). Loader and control plane
 * serialise on one lock file (PW_LOCK_PATH).
 *
 * This file: the module lifecycle (load, unload, attach, detach) and the
 * command table; probe.c: feature probes and variant choice; uprobe.c:
 * uprobe targets and presets.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include <gelf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "pinwatch.h"
#include "abi.h"
#include "bpfobj.h"
#include "cli.h"
#include "version.h"
#include "load.h"
#include "mapsize.h"
#include "parse.h"
#include "probe.h"
#include "ps.h"
#include "stacks.h"
#include "snapshot.h"
#include "uprobe.h"

#define MAX_PROGS 64
#define MAX_MAPS 128	/* the maps of one object, its internal ones too */
#define MAX_CMD_ARGS 64

struct load_env env = {
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

/* ---- paths and locking --------------------------------------------------- */

char *path_join(const char *a, const char *b)
{
	char *p;

	if (asprintf(&p, "%s/%s", a, b) < 0) {
		die_msg("out of memory");
		exit(1);
	}
	return p;
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
void remove_tree(const char *dir)
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
bool any_module_loaded(void)
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

/* ---- loading --------------------------------------------------------------- */

/* PINWATCH_TEST_FAIL_AT=STEP: test-only failure injection, one step of a load:
 * open, load, config (first load only), freeze, staging, pin, attach (the
 * first program), attach_later (a later one), rename. tests/loader.bats fails
 * each and checks that the pins are as they were. STEP:PROGRAM fails one
 * program instead, as the kernel would: load (the kernel is handed it as a
 * socket filter, which it refuses) or attach; tests/fallback.bats checks
 * that its hook falls back to the next variant. Two steps kill the loader
 * with SIGKILL instead, as an OOM kill or a power cut would, leaving what
 * reap_stale() cleans up (tests/hardening.bats): kill_before_rename (a
 * load, its links attached and pinned in _staging_*) and kill_unloading (an
 * unload, renamed to _unloading_* and not yet removed). */
static const char *fail_at;
static const struct load_hooks *hooks;

static void injected_kill(const char *step)
{
	if (fail_at && !strcmp(fail_at, step))
		kill(getpid(), SIGKILL);
}

/*
 * Removes the directories a load or an unload killed midway left under the
 * pin root (_staging_MODULE_PID: pinned, links attached, never renamed into
 * place; _unloading_MODULE_PID: renamed away, not yet removed), one stderr
 * line each. Called with the lock held, when no other loader can be midway
 * (all of them take it) — except one run with --no-lock: a directory whose
 * PID is a live pinwatch-load other than this one is left alone. Without
 * this, a stale staging directory kept its links attached, unseen by
 * status, and the next load attached the module a second time.
 */
static void reap_stale(void)
{
	DIR *d = opendir(env.pin_root);
	struct dirent *e;
	char *names[64];
	int n = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && n < 64) {
		const char *pid, *kind;
		char path[64], comm[32] = "";
		FILE *f;

		if (!strncmp(e->d_name, "_staging_", 9))
			kind = "_staging_";
		else if (!strncmp(e->d_name, "_unloading_", 11))
			kind = "_unloading_";
		else
			continue;
		pid = strrchr(e->d_name + strlen(kind), '_');
		if (pid && atoi(pid + 1) != getpid()) {
			snprintf(path, sizeof(path), "/proc/%d/comm", atoi(pid + 1));
			if ((f = fopen(path, "re"))) {
				if (!fgets(comm, sizeof(comm), f))
					comm[0] = '\0';
				fclose(f);
			}
			if (!strcmp(comm, "pinwatch-load\n"))
				continue;	/* a --no-lock load, running */
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	for (int i = 0; i < n; i++) {
		char *p = path_join(env.pin_root, names[i]);
		char module[64], *dir;
		const char *rest = names[i] + (names[i][1] == 's' ? 9 : 11);
		int len = (int)(strrchr(rest, '_') ? strrchr(rest, '_') - rest : 0);

		/* a load killed after writing its manifest entries: gone with
		 * the staging, unless the module is in place (a later load) */
		snprintf(module, sizeof(module), "%.*s", len, rest);
		dir = path_join(env.pin_root, module);
		if (names[i][1] == 's' && len && module_id(module) >= 0 && !path_exists(dir))
			manifest_forget(module);
		free(dir);
		remove_tree(p);
		die_msg("removed %s/%s: left by %s killed midway (its pins and links are gone now)",
			env.pin_root, names[i], names[i][1] == 's' ? "a load" : "an unload");
		free(p);
		free(names[i]);
	}
}

static int injected(const char *step)
{
	if (fail_at && !strcmp(fail_at, step)) {
		die_msg("injected failure at step '%s' (PINWATCH_TEST_FAIL_AT)", step);
		return 1;
	}
	return 0;
}

static bool injected_prog(const char *step, const char *prog)
{
	size_t n = strlen(step);

	return fail_at && !strncmp(fail_at, step, n) && fail_at[n] == ':' && !strcmp(fail_at + n + 1, prog);
}

struct rollback {
	bool created_root;
	bool created_maps_dir;
	char *maps_existing[64]; /* shared pins present before this load (27 maps now) */
	int n_existing;
	char *staging;
	const char *created_parent;	/* hooks->parent, when this load created it */
	const char *manifest_dir;	/* the module's entries in maps/manifest, once written */
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
	while ((e = readdir(d)) && rb->n_existing < 64)
		if (e->d_name[0] != '.')
			rb->maps_existing[rb->n_existing++] = strdup(e->d_name);
	closedir(d);
}

static void undo(struct rollback *rb, const char *maps_dir)
{
	DIR *d;
	struct dirent *e;

	if (rb->manifest_dir)
		manifest_forget(rb->manifest_dir);
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
 * and the shared maps only programs write (stats, proc_cache,
 * cgroup_container) when this
 * load created them.
 */
static const char *const proc_maps[] = { "proc_cache", "proc_lineage" };

static bool is_proc_map(const char *name)
{
	return !strcmp(name, proc_maps[0]) || !strcmp(name, proc_maps[1]);
}

/* defer_proc: leave proc_cache and proc_lineage writable for the snapshot
 * from /proc (freeze_proc_maps() then freezes them). */
static int freeze_maps(struct bpf_object *obj, const struct rollback *rb, const char *module,
		       bool defer_proc)
{
	static const char *const program_only[] = { "stats", "proc_cache", "proc_lineage",
								    "cgroup_container", "shed", "drop_files" };
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *name = bpf_map__name(m);
		bool freeze = bpf_map__type(m) == BPF_MAP_TYPE_PROG_ARRAY;

		for (size_t i = 0; i < sizeof(program_only) / sizeof(program_only[0]); i++)
			freeze |= !strcmp(name, program_only[i]) && !existed_before(rb, name) &&
				  !(defer_proc && is_proc_map(name));
		if (freeze && bpf_map_freeze(bpf_map__fd(m))) {
			die_msg("%s: cannot freeze map %s: %s", module, name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* After the snapshot from /proc: the maps freeze_maps() left writable. */
static void freeze_proc_maps(const struct rollback *rb, const char *maps_dir)
{
	for (size_t i = 0; i < sizeof(proc_maps) / sizeof(proc_maps[0]); i++) {
		char *pin = path_join(maps_dir, proc_maps[i]);
		int fd = existed_before(rb, proc_maps[i]) ? -1 : bpf_obj_get(pin);

		if (fd >= 0 && bpf_map_freeze(fd))
			die_msg("process: cannot freeze map %s: %s", proc_maps[i], strerror(errno));
		if (fd >= 0)
			close(fd);
		free(pin);
	}
}

/*
 * Sets a module's load-time constant (a `const volatile` global) if the
 * object has one of that name; a module without it is left alone.
 */
int set_const(struct bpf_object *obj, const char *var, const void *val, size_t size)
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
	/* the kernel's encoding of st_dev (MKDEV: 12 bits major, 20 minor) */
	__u32 dev = major(st.st_dev) << 20 | minor(st.st_dev);
	return set_const(obj, "pw_pin_root", root, sizeof(root)) ?:
	       set_const(obj, "pw_pin_root_len", &len, sizeof(len)) ?:
	       set_const(obj, "pw_pin_root_ino", &ino, sizeof(ino)) ?:
	       set_const(obj, "pw_pin_root_dev", &dev, sizeof(dev));
}

/*
 * pinwatch's own executables, for a module that leaves their work out
 * (the bpf module: their loads, pins and map creations): every regular
 * file named pinwatch-* in this binary's directory, by device (in the
 * kernel's encoding, major << 20 | minor: on file systems whose
 * superblock device differs from stat's, btrfs subvolumes, the entry
 * matches nothing and their work is reported) and inode.
 */
static int set_self_exe_consts(struct bpf_object *obj)
{
	struct pw_exe_id ids[PW_SELF_EXE_MAX] = {};
	char self[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	ssize_t len;
	char *slash;
	DIR *d;
	int n = 0;

	/* unreadable: no identity, and pinwatch's own work is reported */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return set_const(obj, "pw_self_exe", ids, sizeof(ids));
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	d = slash ? opendir(self) : NULL;
	while (d && (de = readdir(d)) && n < PW_SELF_EXE_MAX) {
		struct stat st;

		if (strncmp(de->d_name, "pinwatch-", 9))
			continue;
		snprintf(path, sizeof(path), "%s/%s", self, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
			continue;
		ids[n].dev = (__u64)major(st.st_dev) << PW_DEV_MINOR_BITS | minor(st.st_dev);
		ids[n].ino = st.st_ino;
		n++;
	}
	if (d)
		closedir(d);
	return set_const(obj, "pw_self_exe", ids, sizeof(ids));
}

static int init_config(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "config");
	struct pw_config cfg = { .enabled = 1, .wakeup_bytes = PW_DEFAULT_WAKEUP_BYTES,
				 .block_slow_ns = PW_DEFAULT_BLOCK_SLOW_NS,
				 .capable_denials_only = PW_DEFAULT_CAPABLE_DENIALS_ONLY,
				 .quiet_reads = PW_DEFAULT_QUIET_READS,
				 .hash_max_mb = PW_DEFAULT_HASH_MAX_MB,
				 .ancestors = PW_DEFAULT_ANCESTORS,
				 .shed = PW_DEFAULT_SHED,
				 .shed_high_water = PW_DEFAULT_SHED_HIGH_WATER,
				 .class_reserve = PW_DEFAULT_CLASS_RESERVE };
	__u32 zero = 0;

	if (!m)
		return 0;
	pw_own_fill(&cfg);
	return bpf_map_update_elem(bpf_map__fd(m), &zero, &cfg, BPF_ANY);
}

/* maps/event_class, when this load creates it: PW_EVENT_CLASS_DEFAULTS
 * (every other type is normal, the array's zero). */
static int init_event_class(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "event_class");
	__u32 type, cls;

	if (!m)
		return 0;
#define PW_X(t, c)								\
	type = PW_EV_##t;							\
	cls = PW_CLASS_##c;							\
	if (bpf_map_update_elem(bpf_map__fd(m), &type, &cls, BPF_ANY))		\
		return -1;
	PW_EVENT_CLASS_DEFAULTS(PW_X)
#undef PW_X
	return 0;
}

/* process/exec_env: the default names of the environment variables the
 * exec event reports (the map is the process module's own: new at each
 * load). */
static int init_exec_env(struct bpf_object *obj)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "exec_env");
	static const char *const names[] = PW_EXEC_ENV_DEFAULT;
	struct pw_exec_env v = {};
	__u32 zero = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && i < PW_EXEC_ENV_NAMES; i++)
		snprintf(v.names[i], sizeof(v.names[i]), "%s", names[i]);
	return bpf_map_update_elem(bpf_map__fd(m), &zero, &v, BPF_ANY);
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
	    !strcmp(v->name, "fmod_ret") || !strcmp(v->name, "lsm"))
		return bpf_raw_tracepoint_open(NULL, prog_fd);
	return -EOPNOTSUPP;
}

/* A failure that one hook variant caused: the load may start over with
 * the hook's next variant, and says nothing unless it cannot. */
struct variant_failure {
	char prog[64];
	const char *what;	/* "load" or "attach" */
	char cause[512];
	char msg[1024];		/* the error line when there is no fallback */
};

static void variant_failed(struct variant_failure *f, const char *prog, const char *what, const char *cause,
			   const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void variant_failed(struct variant_failure *f, const char *prog, const char *what, const char *cause,
			   const char *fmt, ...)
{
	va_list ap;

	snprintf(f->prog, sizeof(f->prog), "%s", prog);
	f->what = what;
	snprintf(f->cause, sizeof(f->cause), "%s", cause);
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/* ---- the manifest (maps/manifest): what up pinned, for pinwatch-read's
 * self-check (tamper events). Keys are pin paths relative to the pin root. */

static int shared_fd_dup(const char *pin);

/* maps/manifest: a copy of the fd a load of this process kept, else its pin
 * opened. */
static int manifest_fd(void)
{
	char *path = path_join(env.pin_root, "maps/manifest");
	int fd = shared_fd_dup(path);

	if (fd < 0)
		fd = bpf_obj_get(path);
	free(path);
	return fd;
}

/* The fds of what pin_module() pinned in the staging directory, by pin
 * name: the manifest records their ids without opening the pins again. */
#define PINNED_MAX (2 * MAX_PROGS)
static struct pinned_fd {
	char name[136];
	int fd;
} pinned_fds[PINNED_MAX];
static int n_pinned_fds;

static void pinned_fd_note(const char *path, int fd)
{
	const char *name = strrchr(path, '/');

	if (n_pinned_fds == PINNED_MAX || fd < 0)
		return;
	snprintf(pinned_fds[n_pinned_fds].name, sizeof(pinned_fds[0].name), "%s",
		 name ? name + 1 : path);
	pinned_fds[n_pinned_fds++].fd = fd;
}

static int pinned_fd(const char *name)
{
	for (int i = 0; i < n_pinned_fds; i++)
		if (!strcmp(pinned_fds[i].name, name))
			return pinned_fds[i].fd;
	return -1;
}

/* dir's path relative to the pin root, or NULL when it is not below it. */
static const char *rel_to_root(const char *dir)
{
	size_t n = strlen(env.pin_root);

	if (strncmp(dir, env.pin_root, n) || dir[n] != '/')
		return NULL;
	return dir + n + 1;
}

static int manifest_key(struct pw_manifest_key *k, const char *rel_dir, const char *name)
{
	memset(k, 0, sizeof(*k));
	if (snprintf(k->path, sizeof(k->path), "%s/%s", rel_dir, name) >= (int)sizeof(k->path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* The manifest entry of the pin dir/name (prog_* or link_*), recorded as
 * rel_dir/name: 1 when it is one, 0 for another name, -1 on error. The pin
 * is opened only when pin_module() did not note its fd. */
static int manifest_entry(const char *dir, const char *rel_dir, const char *name,
			  struct pw_manifest_key *k, struct pw_manifest_entry *v)
{
	struct bpf_link_info li = {};
	struct bpf_prog_info pi = {};
	__u32 len;
	char path[512];
	struct stat st;
	int fd, err;

	memset(v, 0, sizeof(*v));
	if (!strncmp(name, "prog_", 5))
		v->kind = PW_PIN_PROG;
	else if (!strncmp(name, "link_", 5))
		v->kind = PW_PIN_LINK;
	else
		return 0;
	if (manifest_key(k, rel_dir, name))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st))
		return -1;
	fd = pinned_fd(name);
	fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : bpf_obj_get(path);
	if (fd < 0)
		return -1;
	if (v->kind == PW_PIN_PROG) {
		len = sizeof(pi);
		err = bpf_obj_get_info_by_fd(fd, &pi, &len);
		v->id = pi.id;
	} else {
		len = sizeof(li);
		err = bpf_obj_get_info_by_fd(fd, &li, &len);
		v->id = li.id;
		v->prog_id = li.prog_id;
	}
	close(fd);
	if (err)
		return -1;
	v->ino = st.st_ino;
	return 1;
}

/* Records the pin dir/name (prog_* or link_*) as rel_dir/name. */
static int manifest_add(int mfd, const char *dir, const char *rel_dir, const char *name)
{
	struct pw_manifest_key k;
	struct pw_manifest_entry v;
	int n = manifest_entry(dir, rel_dir, name, &k, &v);

	if (n <= 0)
		return n;
	return bpf_map_update_elem(mfd, &k, &v, BPF_ANY) ? -1 : 0;
}

/* Records every program and link pinned in dir under rel_dir: in one batch
 * update (one bpf() call, one audit event), one entry at a time where the
 * kernel has no batch update of a hash. */
static int manifest_add_dir(const char *dir, const char *rel_dir)
{
	static struct pw_manifest_key keys[PINNED_MAX];
	static struct pw_manifest_entry vals[PINNED_MAX];
	int mfd = manifest_fd(), err = 0, n = 0, r;
	struct dirent *de;
	__u32 count;
	DIR *d;

	if (mfd < 0)
		return -1;
	d = opendir(dir);
	if (!d) {
		close(mfd);
		return -1;
	}
	while (!err && (de = readdir(d))) {
		if (n == PINNED_MAX) {
			err = manifest_add(mfd, dir, rel_dir, de->d_name);
			continue;
		}
		r = manifest_entry(dir, rel_dir, de->d_name, &keys[n], &vals[n]);
		if (r < 0)
			err = -1;
		n += r > 0;
	}
	closedir(d);
	count = n;
	if (!err && n && bpf_map_update_batch(mfd, keys, vals, &count, NULL))
		for (int i = 0; !err && i < n; i++)
			err = bpf_map_update_elem(mfd, &keys[i], &vals[i], BPF_ANY) ? -1 : 0;
	close(mfd);
	return err;
}

/* Removes the entries of the pins below rel_dir (a module, a probe). */
void manifest_forget(const char *rel_dir)
{
	struct pw_manifest_key k, next, *prev = NULL;
	size_t n = strlen(rel_dir);
	int mfd = manifest_fd();

	if (mfd < 0)
		return;
	/* deleting the key just visited can restart the walk: restart on
	 * purpose after each delete (a few hundred entries at most) */
	while (!bpf_map_get_next_key(mfd, prev, &next)) {
		if (!strncmp(next.path, rel_dir, n) && next.path[n] == '/') {
			bpf_map_delete_elem(mfd, &next);
			prev = NULL;
			continue;
		}
		k = next;
		prev = &k;
	}
	close(mfd);
}

static int pin_module(struct bpf_object *obj, const char *module, const char *staging,
		      struct bpf_link **links, int *n_links, struct variant_failure *fail)
{
	__u32 stage_ids[MAX_PROGS];
	int n_stages = chain_prog_ids(obj, stage_ids, MAX_PROGS);
	struct bpf_map *config = bpf_object__find_map_by_name(obj, "config");
	int config_fd = config ? bpf_map__fd(config) : -1;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[512], hook[128];
	int err, attached = 0;

	n_pinned_fds = 0;
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
		pinned_fd_note(path, bpf_program__fd(prog));
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
		if (injected_prog("attach", bpf_program__name(prog)))
			links[*n_links] = NULL, errno = EOPNOTSUPP;
		else
			links[*n_links] = hooks && hooks->attach ? hooks->attach(prog) : bpf_program__attach(prog);
		err = links[*n_links] ? 0 : -errno;
		if (err) {
			variant_failed(fail, bpf_program__name(prog), "attach", strerror(-err),
				       "%s: attach %s (%s): %s", module, bpf_program__name(prog),
				       bpf_program__section_name(prog), strerror(-err));
			return -1;
		}
		hook_of(bpf_program__name(prog), hook, sizeof(hook));
		snprintf(path, sizeof(path), "%s/link_%s", staging, hook);
		err = bpf_link__pin(links[*n_links], path);
		if (!err)
			pinned_fd_note(path, bpf_link__fd(links[*n_links]));
		(*n_links)++;
		if (err) {
			/* kprobe links are pinnable from 5.15 on */
			variant_failed(fail, bpf_program__name(prog), "attach", strerror(-err),
				       "%s: pin link %s: %s", module, hook, strerror(-err));
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

/* The program libbpf names in its log as the one that failed to load. */
static bool libbpf_failed_prog(char *out, size_t outsz)
{
	const char *p = pw_libbpf_log();

	while (p && (p = strstr(p, "prog '"))) {
		const char *end = strchr(p + 6, '\'');
		const char *eol = strchr(p, '\n');
		size_t n;

		if (!end)
			break;
		if (!eol)
			eol = p + strlen(p);
		n = (size_t)(end - p - 6);
		if (end < eol && n < outsz && (memmem(end, eol - end, "failed to load", 14) ||
					       memmem(end, eol - end, "BPF program load failed", 23))) {
			memcpy(out, p + 6, n);
			out[n] = '\0';
			return true;
		}
		p = end;
	}
	return false;
}

/*
 * The shared maps (pinned by name under maps/) a load of this process has
 * already opened: libbpf opens a map's pin again for each object that
 * names it, and each open is a bpf(BPF_OBJ_GET) on the audit module's trail
 * (about 25 an object: 430 of the 960 audit events of an up of every module
 * were these). A load keeps the fds of its shared maps; the next load of
 * this process, or of a child it forks for a parallel load, hands them to
 * libbpf (bpf_map__reuse_fd) for the maps they match as libbpf's own reuse
 * checks (type, key and value size, entries, flags), and libbpf opens the
 * others' pins as before.
 */
#define SHARED_FDS_MAX 64

static struct shared_fd {
	char *pin;
	int fd;
	struct bpf_map_info info;
} shared_fds[SHARED_FDS_MAX];
static int n_shared_fds;

static struct shared_fd *shared_fd_find(const char *pin)
{
	for (int i = 0; i < n_shared_fds; i++)
		if (!strcmp(shared_fds[i].pin, pin))
			return &shared_fds[i];
	return NULL;
}

int shared_map_info(const char *pin, struct bpf_map_info *info)
{
	struct shared_fd *f = shared_fd_find(pin);
	__u32 len = sizeof(*info);
	int fd, err;

	if (f && path_exists(pin)) {
		*info = f->info;
		return 0;
	}
	fd = bpf_obj_get(pin);
	if (fd < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	err = bpf_obj_get_info_by_fd(fd, info, &len);
	close(fd);
	return err ? -1 : 0;
}

/* At the end of the command: the kept fds go (no fd outlives its use). */
static void shared_fds_close(void)
{
	for (int i = 0; i < n_shared_fds; i++) {
		close(shared_fds[i].fd);
		free(shared_fds[i].pin);
	}
	n_shared_fds = 0;
}

/* A copy of the kept fd of the shared map pinned at pin, or -1. */
static int shared_fd_dup(const char *pin)
{
	struct shared_fd *f = shared_fd_find(pin);

	return f && path_exists(pin) ? fcntl(f->fd, F_DUPFD_CLOEXEC, 0) : -1;
}

/* After a load: keeps an fd of each shared map it used (best effort). */
static void shared_fds_keep(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		const char *pin = bpf_map__pin_path(m);
		struct shared_fd *f = &shared_fds[n_shared_fds];
		__u32 len = sizeof(f->info);

		if (!pin || bpf_map__fd(m) < 0 || shared_fd_find(pin) ||
		    n_shared_fds == SHARED_FDS_MAX)
			continue;
		memset(&f->info, 0, sizeof(f->info));
		f->fd = fcntl(bpf_map__fd(m), F_DUPFD_CLOEXEC, 0);
		if (f->fd < 0)
			continue;
		if (bpf_obj_get_info_by_fd(f->fd, &f->info, &len) || !(f->pin = strdup(pin))) {
			close(f->fd);
			continue;
		}
		n_shared_fds++;
	}
}

/*
 * Before bpf_object__load(): each shared map of obj that a kept fd matches
 * takes that fd, and its pin path is cleared so that libbpf neither opens
 * nor pins it; saved[] keeps the paths for shared_fds_restore(), which puts
 * them back once the load is done (the loader tells shared maps by them).
 */
static void shared_fds_reuse(struct bpf_object *obj, char **saved, int max)
{
	struct bpf_map *m;
	int i = 0;

	bpf_object__for_each_map(m, obj) {
		const char *pin = bpf_map__pin_path(m);
		struct shared_fd *f = pin ? shared_fd_find(pin) : NULL;

		if (i == max)
			break;
		saved[i] = NULL;
		if (f && f->info.type == bpf_map__type(m) && f->info.key_size == bpf_map__key_size(m) &&
		    f->info.value_size == bpf_map__value_size(m) &&
		    f->info.max_entries == bpf_map__max_entries(m) &&
		    f->info.map_flags == bpf_map__map_flags(m) && path_exists(pin) &&
		    (saved[i] = strdup(pin)) && !bpf_map__reuse_fd(m, f->fd))
			bpf_map__set_pin_path(m, NULL);
		else if (saved[i]) {
			free(saved[i]);
			saved[i] = NULL;
		}
		i++;
	}
}

static void shared_fds_restore(struct bpf_object *obj, char **saved, int max)
{
	struct bpf_map *m;
	int i = 0;

	bpf_object__for_each_map(m, obj) {
		if (i == max)
			break;
		if (saved[i]) {
			bpf_map__set_pin_path(m, saved[i]);
			free(saved[i]);
		}
		i++;
	}
}

/*
 * One attempt at the staged load of a module (or of hooks->dest), with
 * the variants the plan names; on failure everything it created is
 * removed again. A failure a hook variant caused is left in *fail, unsaid.
 */
static int load_attempt(const char *object, const char *module, const char *module_dir,
			struct variant_plan *plan, bool first, struct variant_failure *fail)
{
	char cause[1024];
	char *maps_dir = path_join(env.pin_root, "maps");
	struct rollback rb = {};
	struct bpf_object *obj = NULL;
	struct bpf_link *links[MAX_PROGS] = {};
	char *reused[MAX_MAPS];
	struct bpf_program *prog;
	int n_links = 0, err = 1, err_load, kept;
	const char *rel_dir;
	/* the process module's load records the processes already running */
	bool snapshot = !hooks && !strcmp(module, "process");
	bool use_iter = snapshot && snapshot_iter_supported();

	pw_libbpf_reset();
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
		snprintf(cause, sizeof(cause), "%s", pw_libbpf_cause());
		die_msg("%s: cannot open %s: %s", module, object, cause);
		goto fail;
	}
	if (!hooks && first)
		plan_variants(obj, module, plan);
	kept = hooks ? hooks->prepare(obj) : apply_plan(obj, plan);
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
	if (set_self_exe_consts(obj)) {
		die_msg("%s: cannot set the constants naming pinwatch's executables", module);
		goto fail;
	}
	if (size_ringbuf(obj, maps_dir)) {
		die_msg("%s: ring buffer size %llu: must be a power of two and a multiple of the page size",
			module, (unsigned long long)env.ringbuf_bytes);
		goto fail;
	}
	if (pw_map_sizes_apply(obj, module, maps_dir))
		goto fail;
	if (injected("load"))
		goto fail;
	bpf_object__for_each_program(prog, obj)
		if (bpf_program__autoload(prog) && injected_prog("load", bpf_program__name(prog)))
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
	shared_fds_reuse(obj, reused, MAX_MAPS);
	err_load = bpf_object__load(obj);
	shared_fds_restore(obj, reused, MAX_MAPS);
	if (err_load) {
		char failed[64];
		/* libbpf reuses a pinned map only when type, key and value
		 * size, max_entries and flags all match this object's */
		const char *reuse = strstr(pw_libbpf_log(), "couldn't reuse pinned map");

		snprintf(cause, sizeof(cause), "%s", pw_libbpf_cause());
		if (reuse)
			die_msg("%s: load failed: %.*s (pinned by another pinwatch build: pinwatch down, then up)",
				module, (int)strcspn(reuse, "\n"), reuse);
		else if (libbpf_failed_prog(failed, sizeof(failed)))
			variant_failed(fail, failed, "load", cause, "%s: load failed: %s", module, cause);
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
	if (!existed_before(&rb, "event_class") && init_event_class(obj)) {
		die_msg("%s: cannot initialise event_class: %s", module, strerror(errno));
		goto fail;
	}
	if (init_exec_env(obj)) {
		die_msg("%s: cannot initialise exec_env: %s", module, strerror(errno));
		goto fail;
	}
	if (hooks && hooks->loaded && hooks->loaded(obj))
		goto fail;
	if (injected("freeze") || freeze_maps(obj, &rb, module, snapshot && !use_iter))
		goto fail;
	if (injected("staging"))
		goto fail;
	if (asprintf(&rb.staging, "%s/_staging_%s_%d", env.pin_root, module, getpid()) < 0 ||
	    mkdir(rb.staging, 0700)) {
		die_msg("%s: cannot create staging directory: %s", module, strerror(errno));
		goto fail;
	}
	if (injected("pin") || pin_module(obj, module, rb.staging, links, &n_links, fail))
		goto fail;
	/* the manifest names the final paths: a rename keeps the inodes */
	rel_dir = rel_to_root(module_dir);
	rb.manifest_dir = rel_dir;
	if (!rel_dir || manifest_add_dir(rb.staging, rel_dir)) {
		die_msg("%s: cannot record the pins in %s/maps/manifest: %s", module, env.pin_root,
			strerror(rel_dir ? errno : EINVAL));
		goto fail;
	}
	if (injected("rename"))
		goto fail;
	injected_kill("kill_before_rename");
	if (rename(rb.staging, module_dir)) {
		die_msg("%s: cannot move pins into place: %s", module, strerror(errno));
		goto fail;
	}
	print_summary(obj, hooks ? hooks->label : module, module_dir);
	shared_fds_keep(obj);
	/* after the attach: an exec, fork or exit from now on is recorded by
	 * the module itself (the snapshot never replaces such an entry) */
	if (snapshot) {
		snapshot_run(object, maps_dir, use_iter);
		if (!use_iter)
			freeze_proc_maps(&rb, maps_dir);
	}
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
	free(maps_dir);
	return err;
}

int load_object(const char *object, const struct load_hooks *h)
{
	static struct variant_plan plan;
	char module[64], *parent, *module_dir = NULL;
	int err = 1;

	hooks = h;
	reap_stale();
	if (module_from_object(object, module, sizeof(module)) || module_id(module) < 0) {
		die_msg("%s: not a pinwatch module object (expected <module>.bpf.o)", object);
		goto out;
	}
	if (!path_exists(object)) {
		die_msg("%s: %s", object, strerror(errno));
		goto out;
	}
	parent = strdup(env.pin_root);
	*strrchr(parent, '/') = '\0';
	if (check_bpffs(*parent ? parent : "/")) {
		free(parent);
		goto out;
	}
	free(parent);
	module_dir = hooks ? strdup(hooks->dest) : path_join(env.pin_root, module);
	if (hooks && path_exists(module_dir)) {
		die_msg("%s: already exists", hooks->label);
		err = EXIT_ALREADY_LOADED;
		goto out;
	}
	if (path_exists(module_dir)) {
		die_msg("%s: already loaded (to reload it: pinwatch down %s first)", module, module);
		err = EXIT_ALREADY_LOADED;
		goto out;
	}
	if (read_stage_names(object)) {
		die_msg("%s: cannot read %s: %s", module, object, elf_errmsg(-1));
		goto out;
	}
	/* Each fallback moves one hook one variant on: this ends. */
	for (bool first = true;; first = false) {
		struct variant_failure fail = {};

		err = load_attempt(object, module, module_dir, &plan, first, &fail);
		if (!err || !fail.prog[0])
			break;
		if (hooks || !plan_fall_back(&plan, module, fail.prog, fail.what, fail.cause)) {
			die_msg("%s", fail.msg);
			break;
		}
	}
out:
	hooks = NULL;
	free(module_dir);
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
	reap_stale();
	module_dir = path_join(env.pin_root, module);
	if (!path_exists(module_dir)) {
		die_msg("%s: not loaded", module);
		goto out;
	}
	/* The manifest first: pinwatch-read never sees a pin of it missing.
	 * Then rename so the module disappears at once, then detach. */
	manifest_forget(module);
	if (asprintf(&doomed, "%s/_unloading_%s_%d", env.pin_root, module, getpid()) < 0 ||
	    rename(module_dir, doomed)) {
		die_msg("%s: cannot unpin: %s", module, strerror(errno));
		goto out;
	}
	injected_kill("kill_unloading");
	remove_tree(doomed);
	if (!any_module_loaded())
		remove_tree(env.pin_root);
	err = 0;
out:
	free(doomed);
	free(module_dir);
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
	die_msg("bpf fds open at exit: %d", n);
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
		struct pw_manifest_key k;
		int mfd = manifest_fd();

		/* out of the manifest before the pin goes: no tamper event */
		snprintf(name_hook, sizeof(name_hook), "link_%s", hook);
		if (mfd >= 0 && !manifest_key(&k, module, name_hook))
			bpf_map_delete_elem(mfd, &k);
		if (mfd >= 0)
			close(mfd);
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
	snprintf(name_hook, sizeof(name_hook), "link_%s", hook);
	{
		int mfd = manifest_fd();

		if (mfd < 0 || manifest_add(mfd, module_dir, module, name_hook))
			die_msg("%s: link_%s not recorded in maps/manifest: %s", module, hook,
				strerror(errno));
		if (mfd >= 0)
			close(mfd);
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

/*
 * load OBJECT...: several modules in this one process, under one hold of
 * the lock, each staged all or nothing on its own as a load of it alone
 * is (a module that fails leaves nothing of it and does not stop the
 * next). What every module's load used to repeat is done once: the
 * process start, vmlinux BTF parsed for the variant choice (probe.c keeps
 * it), the feature probes and libbpf's own (libbpf caches them in the
 * process). The exit status is 0 when every module loaded, else that of
 * one that did not.
 *
 * --status-dir DIR (pinwatch up): every module's output goes to
 * DIR/MODULE.out, its messages to DIR/MODULE.err and its exit status, as a
 * load of it alone would have exited, to DIR/MODULE.rc once it is done;
 * every object is checked to name a module, each once, before any loads.
 * A module without its .rc file was not done: the loader stopped (killed,
 * or refused before it).
 *
 * With a status directory, modules are also loaded side by side (--jobs,
 * default the online CPUs: the kernel's verifier, most of a load's time,
 * runs in the loading process), each in a child process, but only a
 * module whose every shared map (maps/) is pinned already: such a load
 * creates no shared pin, so no other load's rollback can remove one it
 * relies on, and two loads never race to create the same one. The modules
 * that would create one load first, alone, in order (if one becomes
 * such a module later, a rollback having removed a pin, it waits for every
 * child before it and loads alone).
 * Stale directories are reaped before any child starts; a child's
 * staging directory carries its own pid.
 */
static int status_file(const char *module, const char *ext)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.%s", env.status_dir, module, ext);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
}

static int write_status(const char *module, int err)
{
	char rc[16];
	int fd = status_file(module, "rc");

	snprintf(rc, sizeof(rc), "%d\n", err);
	if (fd < 0 || write(fd, rc, strlen(rc)) != (ssize_t)strlen(rc)) {
		die_msg("%s/%s.rc: %s", env.status_dir, module, strerror(errno));
		err = 1;
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/* Loads object with stdout and stderr in its status files. */
static int load_to_status_dir(const char *object)
{
	int out_fd, err_fd, saved_out, saved_err, err;
	char module[64];

	module_from_object(object, module, sizeof(module));
	out_fd = status_file(module, "out");
	err_fd = status_file(module, "err");
	if (out_fd < 0 || err_fd < 0) {
		die_msg("%s/%s.err: %s", env.status_dir, module, strerror(errno));
		if (out_fd >= 0)
			close(out_fd);
		if (err_fd >= 0)
			close(err_fd);
		return 1;
	}
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(err_fd, STDERR_FILENO);
	close(out_fd);
	close(err_fd);
	err = load_object(object, NULL);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	return write_status(module, err);
}

/* True when every map the object pins by name is pinned under maps/ now
 * (its load creates no shared pin). */
static bool shared_maps_pinned(const char *object)
{
	char *maps_dir = path_join(env.pin_root, "maps");
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir);
	struct bpf_object *obj = path_exists(maps_dir) ? bpf_object__open_file(object, &opts) : NULL;
	struct bpf_map *m;
	bool all = obj != NULL;

	if (obj) {
		bpf_object__for_each_map(m, obj)
			if (bpf_map__pin_path(m) && !path_exists(bpf_map__pin_path(m)))
				all = false;
		bpf_object__close(obj);
	}
	free(maps_dir);
	return all;
}

static int jobs;	/* --jobs: loads side by side (0: the online CPUs) */

struct child {
	pid_t pid;
	char module[64];
};

/* Waits for one child; records the status of one killed by a signal
 * (one that exited wrote its own). Returns its exit status. */
static int reap_child(struct child *kids, int *n)
{
	int st, err;
	pid_t pid;

	while ((pid = wait(&st)) < 0 && errno == EINTR)
		;
	for (int i = 0; i < *n; i++) {
		if (kids[i].pid != pid)
			continue;
		err = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (!WIFEXITED(st))
			write_status(kids[i].module, err);
		kids[i] = kids[--*n];
		return err;
	}
	return pid < 0 ? 1 : 0;
}

static int do_load(char **a, int n)
{
	struct child kids[MAX_CMD_ARGS];
	bool done[MAX_CMD_ARGS] = {};
	char module[64], other[64];
	int first = 0, err, n_kids = 0, max_jobs = jobs;

	if (n == 1 && !env.status_dir)
		return load_object(a[0], NULL);
	for (int i = 0; env.status_dir && i < n; i++) {
		if (module_from_object(a[i], module, sizeof(module)) || module_id(module) < 0) {
			die_msg("%s: not a pinwatch module object (expected <module>.bpf.o)", a[i]);
			return 2;
		}
		for (int j = 0; j < i; j++)
			if (!module_from_object(a[j], other, sizeof(other)) && !strcmp(module, other)) {
				die_msg("load: module %s named twice", module);
				return 2;
			}
	}
	if (max_jobs <= 0)
		max_jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!env.status_dir || max_jobs < 1)
		max_jobs = 1;
	reap_stale();
	/* first, alone and in order, the modules that create shared pins
	 * (the first module creates most: the others then need none) */
	for (int i = 0; max_jobs > 1 && i < n; i++) {
		if (shared_maps_pinned(a[i]))
			continue;
		err = load_to_status_dir(a[i]);
		if (err && !first)
			first = err;
		done[i] = true;
	}
	for (int i = 0; i < n; i++) {
		bool side;
		pid_t pid = -1;

		if (done[i])
			continue;
		side = max_jobs > 1 && shared_maps_pinned(a[i]);

		/* a module that creates shared pins loads alone */
		while (n_kids && (!side || n_kids >= max_jobs))
			if ((err = reap_child(kids, &n_kids)) && !first)
				first = err;
		if (side && (pid = fork()) == 0)
			_exit(load_to_status_dir(a[i]));
		if (side && pid > 0) {
			kids[n_kids].pid = pid;
			module_from_object(a[i], kids[n_kids].module, sizeof(kids[0].module));
			n_kids++;
			continue;
		}
		err = env.status_dir ? load_to_status_dir(a[i]) : load_object(a[i], NULL);
		fflush(stdout);
		if (err && !first)
			first = err;
	}
	while (n_kids)
		if ((err = reap_child(kids, &n_kids)) && !first)
			first = err;
	return first;
}

static int do_unload(char **a, int n) { (void)n; return cmd_unload(a[0]); }
static int do_attach(char **a, int n) { (void)n; return cmd_attach(a[0], a[1], true); }
static int do_detach(char **a, int n) { (void)n; return cmd_attach(a[0], a[1], false); }
static int do_uprobe_add(char **a, int n) { return cmd_uprobe_add(a[0], a[1], n > 2 ? a[2] : NULL); }
static int do_uprobe_del(char **a, int n) { (void)n; return cmd_uprobe_del(a[0]); }
static int do_shared_maps(char **a, int n) { (void)n; return cmd_shared_maps(a[0]); }
static int do_map_sizes(char **a, int n) { return cmd_map_sizes(a, n); }
static int do_on_demand(char **a, int n) { (void)n; return cmd_on_demand(a[0]); }
static int do_modules(char **a, int n) { (void)a, (void)n; cmd_modules(); return 0; }
static int do_config_layout(char **a, int n) { (void)a, (void)n; cmd_config_layout(); return 0; }
static int do_filter_key(char **a, int n) { (void)n; return cmd_filter_key(a[0], a[1]); }
/* reap: what `pinwatch down` runs first, so that a pin root holding only
 * what killed loads left is cleaned up too; the pin root goes when no
 * module is left in it, as with the last unload. */
static int do_reap(char **a, int n)
{
	(void)a, (void)n;
	reap_stale();
	if (path_exists(env.pin_root) && !any_module_loaded())
		remove_tree(env.pin_root);
	return 0;
}

static int do_probe(char **a, int n) { (void)a, (void)n; return cmd_probe(env.json); }
static int do_abi(char **a, int n) { (void)a, (void)n; return cmd_abi(env.json); }
static int do_ps(char **a, int n) { (void)a, (void)n; return cmd_ps(env.tree, env.json); }
static int do_stacks(char **a, int n) { (void)n; return cmd_stacks(a[0], env.json); }

/*
 * The commands, in bpftool's manner: the help text, the list a missing
 * command prints, and the argument-count, root and lock checks all come
 * from this table. min_args/max_args count the arguments after the name.
 */
static const struct cmd {
	const char *name;
	int min_args, max_args;
	bool needs_root;
	bool takes_lock;	/* the lock file, held until exit (attach/detach: unless --no-lock) */
	int (*fn)(char **args, int n);
	const char *args;
	const char *help;	/* lines after the first are indented under it */
} cmds[] = {
	{ "load", 1, MAX_CMD_ARGS - 1, true, true, do_load, "OBJECT...",
	  "load build/bpf/MODULE.bpf.o, pin it under the pin root\n"
	  "(several: one after the other, each all or nothing;\n"
	  "--status-dir)" },
	{ "unload", 1, 1, true, true, do_unload, "MODULE",
	  "remove the module's pins\n(the shared maps go with the last module)" },
	{ "attach", 2, 2, true, true, do_attach, "OBJECT HOOK",
	  "attach an on-demand hook of a loaded module\n(PW_ATTACH_IF)" },
	{ "detach", 2, 2, true, true, do_detach, "OBJECT HOOK", "detach it again (both idempotent)" },
	{ "uprobe-add", 2, 3, true, true, do_uprobe_add, "OBJECT NAME [BINARY:SYMBOL]",
	  "attach ondemand/uprobe.bpf.o to a user-space function\n"
	  "and pin it as uprobe/NAME/ (--ret, --pid, --preset)" },
	{ "uprobe-del", 1, 1, true, true, do_uprobe_del, "NAME", "remove the probe NAME" },
	{ "reap", 0, 0, true, true, do_reap, "",
	  "remove what a load or unload killed midway left\n"
	  "(load and unload do it first; down runs it)" },
	{ "probe", 0, 0, true, false, do_probe, "",
	  "the kernel features the variants are chosen by\n(--json)" },
	{ "abi", 0, 0, false, false, do_abi, "",
	  "every module id, stats key, filter kind, config\n"
	  "field, event type, block mode, uprobe preset and\n"
	  "constant the scripts use (--json)" },
	{ "ps", 0, 0, true, false, do_ps, "",
	  "the processes in the process cache: pid, parents,\n"
	  "exec ids, uid, binary, args, start (--tree, --json)" },
	{ "stacks", 1, 1, true, false, do_stacks, "MODULE",
	  "the folded kernel stacks that queued slow\nrequests (block; --json)" },
	{ "modules", 0, 0, false, false, do_modules, "", "list module ids and names" },
	{ "config-layout", 0, 0, false, false, do_config_layout, "",
	  "list maps/config fields: name offset size settable" },
	{ "shared-maps", 1, 1, false, false, do_shared_maps, "OBJECT",
	  "list the shared maps the object pins under maps/" },
	{ "map-sizes", 1, MAX_CMD_ARGS - 1, false, false, do_map_sizes, "OBJECT...",
	  "the resizable maps: NAME, entries, bytes they can lock\n(with --map-size: checks the names and that the sizes fit)" },
	{ "on-demand", 1, 1, false, false, do_on_demand, "OBJECT",
	  "list hooks attached only while a config field is set" },
	{ "filter-key", 2, 2, false, false, do_filter_key, "KIND VALUE",
	  "the bytes of a filter map key\n(pid uid comm cgroup path cidr)" },
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

PW_ARGP_VERSION("pinwatch-load");
static const char doc_head[] = "Load, attach and pin one pinwatch module, or unload it.\n\nCommands:\n";
static const char doc_tail[] =
	"\n"
	"Examples:\n"
	"  pinwatch-load load build/bpf/process.bpf.o\n"
	"  pinwatch-load load --ringbuf-size 16M build/bpf/process.bpf.o\n"
	"  pinwatch-load load --status-dir DIR build/bpf/*.bpf.o\n"
	"  pinwatch-load unload process\n"
	"  pinwatch-load uprobe-add --ret OBJ work ./prog:work\n"
	"  pinwatch-load uprobe-add --preset getaddrinfo OBJ dns\n"
	"  (OBJ: build/bpf/ondemand/uprobe.bpf.o)\n"
	"  pinwatch-load probe --json\n"
	"\n"
	"Exit status: 0 ok, 1 failure (nothing left pinned), 2 usage, 3 already loaded,\n"
	"4 no hook of the module exists on this kernel.";

/* The argp doc: doc_head, one entry per command, doc_tail. */
static char *build_doc(void)
{
	char *buf = NULL, synopsis[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(doc_head, f);
	for (size_t i = 0; i < N_CMDS; i++) {
		const char *h = cmds[i].help, *nl;

		snprintf(synopsis, sizeof(synopsis), "%s%s%s", cmds[i].name, *cmds[i].args ? " " : "",
			 cmds[i].args);
		if (strlen(synopsis) > 20)
			fprintf(f, "  %s\n%23s", synopsis, "");
		else
			fprintf(f, "  %-20s ", synopsis);
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "%.*s\n%23s", (int)(nl - h), h, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
	}
	fputs(doc_tail, f);
	fclose(f);
	return buf;
}

static const struct argp_option options[] = {
	{ "pin-root", 'p', "DIR", 0, "Pin root (default $PINWATCH_PIN_ROOT, else " PW_PIN_ROOT ")", 0 },
	{ "ringbuf-size", 'r', "BYTES", 0,
	  "Ring buffer size at first load: power of two, e.g. 8M (default 8M)", 0 },
	{ "map-size", 'M', "NAME=ENTRIES", 0,
	  "Entries of a hash-like map at first load (MAP, MODULE/MAP or maps/MAP; repeatable; see map-sizes)", 0 },
	{ "lock", 'L', "FILE", 0, "Lock file (default " PW_LOCK_PATH ")", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf's log, verifier output included", 0 },
	{ "no-lock", 'N', NULL, 0, "Do not take the lock: the caller holds it (pinwatch config for attach/detach)", 0 },
	{ "ret", 'R', NULL, 0, "uprobe-add: a uretprobe too (return value, latency)", 0 },
	{ "pid", 'P', "PID", 0, "uprobe-add: this process only", 0 },
	{ "preset", 'S', "PRESET", 0,
	  "uprobe-add: connect (libc), readline (bash) or getaddrinfo (libc); BINARY:SYMBOL optional", 0 },
	{ "json", 'j', NULL, 0, "abi, probe, ps, stacks: print JSON", 0 },
	{ "tree", 't', NULL, 0, "ps: children under their parent", 0 },
	{ "status-dir", 'D', "DIR", 0,
	  "load: each module's output in DIR/MODULE.out, messages in DIR/MODULE.err, exit status in DIR/MODULE.rc", 0 },
	{ "jobs", 'J', "N", 0,
	  "load with --status-dir: modules loaded side by side at most (default: the online CPUs)", 0 },
	{},
};

static char *cmd_args[MAX_CMD_ARGS + 1];
static int n_cmd_args;

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p':
		pw_check_pin_root("pinwatch-load", "--pin-root", arg);
		env.pin_root = arg;
		break;
	case 'r':
		if (pw_parse_size(arg, &env.ringbuf_bytes) || env.ringbuf_bytes < 4096 ||
		    env.ringbuf_bytes > (1ULL << 30) || (env.ringbuf_bytes & (env.ringbuf_bytes - 1)))
			pw_usage_error("pinwatch-load", "invalid --ringbuf-size '%s': a power of two from 4K to 1G", arg);
		break;
	case 'M':
		pw_map_size_arg(arg);
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
	case 'R':
		uprobe_opts.ret = true;
		break;
	case 'P':
		uprobe_opts.pid = arg;
		break;
	case 'S':
		uprobe_opts.preset = arg;
		break;
	case 'j':
		env.json = true;
		break;
	case 't':
		env.tree = true;
		break;
	case 'D':
		env.status_dir = arg;
		break;
	case 'J': {
		char *end;
		long v = strtol(arg, &end, 10);

		if (*arg < '0' || *arg > '9' || *end || v < 1 || v > MAX_CMD_ARGS)
			pw_usage_error("pinwatch-load", "invalid --jobs '%s': a number from 1 to %d", arg, MAX_CMD_ARGS);
		jobs = (int)v;
		break;
	}
	case ARGP_KEY_ARG:
		if (n_cmd_args > MAX_CMD_ARGS)
			pw_usage_error("pinwatch-load", "unexpected argument '%s'", arg);
		cmd_args[n_cmd_args++] = arg;
		break;
	case ARGP_KEY_END:
		if (!n_cmd_args) {
			char list[256] = "";

			for (size_t i = 0; i < N_CMDS; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
					 cmds[i].name);
			pw_usage_error("pinwatch-load", "missing command (%s)", list);
		}
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
	char *doc = build_doc();
	const struct argp argp = { options, parse_arg, "COMMAND [ARG...]", doc, NULL, NULL, NULL };
	const struct cmd *c = NULL;
	int n, err;

	if (getenv("PINWATCH_PIN_ROOT") && *getenv("PINWATCH_PIN_ROOT")) {
		env.pin_root = getenv("PINWATCH_PIN_ROOT");
		pw_check_pin_root("pinwatch-load", "PINWATCH_PIN_ROOT", env.pin_root);
	}
	if (pw_argp_parse(&argp, argc, argv)) {
		free(doc);
		return 2;
	}
	free(doc);
	for (size_t i = 0; i < N_CMDS && !c; i++)
		if (!strcmp(cmds[i].name, cmd_args[0]))
			c = &cmds[i];
	if (!c) {
		die_msg("unknown command '%s' (see --help)", cmd_args[0]);
		return 2;
	}
	n = n_cmd_args - 1;
	if (n < c->min_args) {
		die_msg("%s: missing argument (see --help)", c->name);
		return 2;
	}
	if (n > c->max_args) {
		die_msg("%s: unexpected argument '%s' (see --help)", c->name, cmd_args[1 + c->max_args]);
		return 2;
	}
	if (c->needs_root && geteuid() != 0) {
		die_msg("%s: must run as root", c->name);
		return 1;
	}
	pw_libbpf_capture(env.verbose);
	fail_at = getenv("PINWATCH_TEST_FAIL_AT");
	if (c->takes_lock && env.lock && take_lock())
		return 1;
	if (c->takes_lock)
		pw_own_claim(env.pin_root);
	err = c->fn(cmd_args + 1, n);
	shared_fds_close();
	if (c->needs_root && getenv("PINWATCH_TEST_FD_REPORT"))
		report_open_fds();
	return err;
}
