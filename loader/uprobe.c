// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * uprobe-add and uprobe-del: target resolution (an executable in $PATH, a
 * library by short name, a symbol's file offset), the presets, and the
 * load hooks that make the staged load pin a probe as uprobe/NAME/.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "pinwatch.h"
#include "load.h"
#include "parse.h"
#include "syms.h"
#include "uprobe.h"

struct uprobe_opts uprobe_opts;

/* One `uprobe-add`: pinned under <pin root>/uprobe/NAME/. */
static struct {
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

/* Checks everything about the probe before anything is pinned;
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
	if (uprobe_opts.preset) {
		for (i = 1; i < sizeof(preset_names) / sizeof(preset_names[0]); i++)
			if (!strcmp(uprobe_opts.preset, preset_names[i]))
				up.preset = (int)i;
		if (up.preset == PW_UPROBE_PRESET_GENERIC) {
			die_msg("unknown preset '%s' (connect, readline, getaddrinfo)", uprobe_opts.preset);
			return false;
		}
	}
	if (uprobe_opts.pid) {
		char proc[64];
		uint64_t v;

		if (pw_parse_uint(uprobe_opts.pid, 4194304, &v) || v < 1) {
			die_msg("invalid --pid '%s': a process id", uprobe_opts.pid);
			return false;
		}
		snprintf(proc, sizeof(proc), "/proc/%llu", (unsigned long long)v);
		if (!path_exists(proc)) {
			die_msg("--pid %s: no such process", uprobe_opts.pid);
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
	__u32 ret = uprobe_opts.ret, tgid = up.pid;
	int kept = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *n = bpf_program__name(prog);
		bool keep = false;

		for (int i = 0; i < 2; i++)
			keep |= presets[up.preset].progs[i] && !strcmp(n, presets[up.preset].progs[i]);
		if (up.preset == PW_UPROBE_PRESET_GENERIC && !uprobe_opts.ret && !strcmp(n, "ret__generic"))
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
	if (up.preset == PW_UPROBE_PRESET_GENERIC ? uprobe_opts.ret : up.preset != PW_UPROBE_PRESET_READLINE)
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

int cmd_uprobe_add(const char *object, const char *name, const char *target)
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
	err = load_object(object, &h);
	if (!err)
		printf("uprobe %s: %s:%s (offset 0x%llx)%s%s%s\n", up.name, up.binary, up.symbol,
		       (unsigned long long)up.offset, up.pid ? ", pid " : "", up.pid ? uprobe_opts.pid : "",
		       up.preset ? "" : uprobe_opts.ret ? ", with return" : "");
	free(dest);
	free(parent);
	return err;
}

int cmd_uprobe_del(const char *name)
{
	char *parent, *dir, *doomed = NULL;
	int err = 1;

	if (!valid_probe_name(name)) {
		die_msg("invalid probe name '%s': 1 to %d characters of a-z, 0-9, '_' and '-'", name,
			PW_UPROBE_NAME_LEN - 1);
		return 1;
	}
	parent = path_join(env.pin_root, "uprobe");
	dir = path_join(parent, name);
	if (!path_exists(dir)) {
		die_msg("uprobe %s: no such probe", name);
		goto out;
	}
	{
		char rel[PW_MANIFEST_PATH_MAX];

		snprintf(rel, sizeof(rel), "uprobe/%s", name);
		manifest_forget(rel);
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

