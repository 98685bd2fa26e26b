// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * container.c: cgroup v2 id -> path -> container. See container.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

#include "container.h"

/* Cached cgroups: a direct-mapped table (a collision replaces the entry). */
#define PW_CGROUP_CACHE		1024
/* The kernfs file handle type of a cgroup (FILEID_KERNFS in
 * include/linux/exportfs.h): the handle is the 64-bit cgroup id. */
#define PW_FILEID_KERNFS	0xfe
/* A cgroup not found for another reason than being gone is looked up
 * again after this long; a tree walk runs at most this often. */
#define PW_RETRY_NS		1000000000ULL

static const char *const runtime_names[] = {
#define PW_X(up, name, id) [id] = name,
	PW_CONTAINER_RUNTIMES(PW_X)
#undef PW_X
};

const char *pw_container_runtime_name(unsigned int runtime)
{
	if (runtime >= sizeof(runtime_names) / sizeof(runtime_names[0]))
		return NULL;
	return runtime_names[runtime];
}

/* ------------------------------------------------------------------ */
/* Path -> container                                                   */

static bool is_hex_id(const char *s, size_t n)
{
	size_t i;

	if (n != PW_CONTAINER_ID_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A systemd unit name's part s[0..n) unescaped ("\x2d" -> '-') into id,
 * at most PW_CONTAINER_ID_LEN bytes. */
static void unescape_unit(const char *s, size_t n, char id[PW_CONTAINER_ID_TEXT])
{
	size_t i, k = 0;

	for (i = 0; i < n && k < PW_CONTAINER_ID_LEN; i++) {
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
		    hexval(s[i + 3]) >= 0) {
			id[k++] = (char)(hexval(s[i + 2]) << 4 | hexval(s[i + 3]));
			i += 3;
			continue;
		}
		id[k++] = s[i];
	}
	id[k] = '\0';
}

/* One row against the cgroup name[0..n) under parent[0..pn) (pn 0: no
 * parent, the root). */
static bool match_row(const char *name, size_t n, const char *parent, size_t pn,
		      const char *prefix, const char *suffix, const char *par, int rule,
		      int kind, char id[PW_CONTAINER_ID_TEXT])
{
	size_t pl = strlen(prefix), sl = strlen(suffix), wl = strlen(par);

	if (rule == PW_CTR_PARENT_IS && (pn != wl || memcmp(parent, par, wl)))
		return false;
	if (rule == PW_CTR_PARENT_PREFIX && (pn < wl || memcmp(parent, par, wl)))
		return false;
	if (n < pl + sl + 1 || memcmp(name, prefix, pl) || memcmp(name + n - sl, suffix, sl))
		return false;
	if (kind == PW_CTR_HEX) {
		if (!is_hex_id(name + pl, n - pl - sl))
			return false;
		memcpy(id, name + pl, PW_CONTAINER_ID_LEN);
		id[PW_CONTAINER_ID_LEN] = '\0';
		return true;
	}
	unescape_unit(name + pl, n - pl - sl, id);
	return true;
}

unsigned int pw_container_of_path(const char *path, char id[PW_CONTAINER_ID_TEXT])
{
	const char *end = path + strlen(path);
	int level;

	id[0] = '\0';
	/* from the leaf up: name = [start, end), parent before it */
	while (end > path && end[-1] == '/')
		end--;
	for (level = 0; level < PW_CONTAINER_DEPTH && end > path; level++) {
		const char *start = end, *pend, *pstart;

		while (start > path && start[-1] != '/')
			start--;
		pend = start;
		while (pend > path && pend[-1] == '/')
			pend--;
		pstart = pend;
		while (pstart > path && pstart[-1] != '/')
			pstart--;
#define PW_X(rt, prefix, suffix, par, rule, kind)					\
		if (match_row(start, (size_t)(end - start), pstart, (size_t)(pend - pstart), \
			      prefix, suffix, par, rule, kind, id))			\
			return PW_RUNTIME_##rt;
		PW_CONTAINER_LAYOUTS(PW_X)
#undef PW_X
		end = pend;
	}
	id[0] = '\0';
	return PW_RUNTIME_NONE;
}

/* ------------------------------------------------------------------ */
/* cgroup id -> path                                                   */

static struct {
	bool probed;		/* mountinfo read */
	char *mnt;		/* the cgroup2 mount point; NULL: none */
	char *root;		/* the mount's root in the hierarchy ("/" but in a cgroup namespace) */
	int fd;			/* the mount point, for open_by_handle_at() */
	bool no_handles;	/* open_by_handle_at() refused: walk the tree */
	unsigned long long last_walk_ns;
} cg = { .fd = -1 };

/* maps/cgroup_container, the kernel's cgroup -> container cache: names the
 * container of a cgroup that is gone (a short-lived container's, removed
 * before the consumer read its events). -1: not opened. */
static int kcache_fd = -1;

int pw_container_use_kernel_cache(const char *pin_root)
{
	union bpf_attr a;
	char path[4096];

	if (kcache_fd >= 0)
		close(kcache_fd);
	snprintf(path, sizeof(path), "%s/maps/cgroup_container", pin_root);
	memset(&a, 0, sizeof(a));
	a.pathname = (uint64_t)(unsigned long)path;
	a.file_flags = BPF_F_RDONLY;
	kcache_fd = (int)syscall(__NR_bpf, BPF_OBJ_GET, &a, sizeof(a));
	return kcache_fd < 0 ? -errno : 0;
}

/* The kernel's entry for cgid: its runtime (PW_RUNTIME_NONE when none) and
 * the id into id. */
static unsigned int kernel_container(uint64_t cgid, char id[PW_CONTAINER_ID_TEXT])
{
	struct pw_container v;
	union bpf_attr a;
	size_t n;

	id[0] = '\0';
	if (kcache_fd < 0)
		return PW_RUNTIME_NONE;
	memset(&a, 0, sizeof(a));
	a.map_fd = (__u32)kcache_fd;
	a.key = (uint64_t)(unsigned long)&cgid;
	a.value = (uint64_t)(unsigned long)&v;
	if (syscall(__NR_bpf, BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)) || !pw_container_runtime_name(v.runtime))
		return PW_RUNTIME_NONE;
	n = v.id_len < PW_CONTAINER_ID_LEN ? v.id_len : PW_CONTAINER_ID_LEN;
	if (v.runtime == PW_RUNTIME_NSPAWN)	/* kept escaped in the kernel */
		unescape_unit(v.key.id, n, id);
	else {
		memcpy(id, v.key.id, n);
		id[n] = '\0';
	}
	return v.runtime;
}

struct cg_entry {
	uint64_t cgid;		/* 0: empty */
	bool found;
	unsigned long long retry_ns;	/* not found, not gone: look again after */
	char *path;
	char id[PW_CONTAINER_ID_TEXT];
	unsigned int runtime;
	bool kernel_asked;	/* not found: maps/cgroup_container looked up */
};

static struct cg_entry cache[PW_CGROUP_CACHE];

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void unescape_octal(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* The first cgroup2 mount of /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT
 * MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS". */
static void probe_mount(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t cap = 0;

	cg.probed = true;
	if (!f)
		return;
	while (!cg.mnt && getline(&line, &cap, f) > 0) {
		char root[4096], mnt[4096], *dash = strstr(line, " - ");
		char fstype[64];

		if (!dash || sscanf(dash, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		unescape_octal(root);
		unescape_octal(mnt);
		cg.mnt = strdup(mnt);
		cg.root = strdup(root);
	}
	free(line);
	fclose(f);
	if (cg.mnt)
		cg.fd = open(cg.mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* The hierarchy path of abs, a path under the mount point: the mount's
 * root joined with what follows the mount point. */
static char *hierarchy_path(const char *abs)
{
	size_t ml = strlen(cg.mnt);
	const char *rest;
	char *p;

	if (strncmp(abs, cg.mnt, ml) || (abs[ml] && abs[ml] != '/'))
		return NULL;
	rest = abs + ml;
	if (!strcmp(cg.root, "/"))
		return strdup(*rest ? rest : "/");
	if (asprintf(&p, "%s%s", cg.root, rest) < 0)
		return NULL;
	return p;
}

/* By handle: 0 and *path, or -errno (-ESTALE: the cgroup is gone). */
static int path_by_handle(uint64_t cgid, char **path)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = PW_FILEID_KERNFS } };
	char link[64], abs[4096];
	ssize_t n;
	int fd;

	memcpy(h.fh.f_handle, &cgid, sizeof(cgid));
	fd = open_by_handle_at(cg.fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, abs, sizeof(abs) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	abs[n] = '\0';
	*path = hierarchy_path(abs);
	return *path ? 0 : -ENOENT;
}

static struct cg_entry *slot_of(uint64_t cgid)
{
	return &cache[(cgid * 0x9e3779b97f4a7c15ULL) >> 54];	/* 10 bits: 1024 */
}

/* Fills e for cgid: found with path (taken), or not found (err). */
static void cache_set(struct cg_entry *e, uint64_t cgid, char *path, int err)
{
	free(e->path);
	memset(e, 0, sizeof(*e));
	e->cgid = cgid;
	e->found = !err;
	/* gone (ESTALE, ENOENT) stays gone: ids are not reused */
	if (err && err != -ESTALE && err != -ENOENT)
		e->retry_ns = now_ns() + PW_RETRY_NS;
	if (!err) {
		e->path = path;
		e->runtime = pw_container_of_path(path, e->id);
	}
}

/* A walk caches every cgroup it passes (a cgroup's id is its directory's
 * inode number): one walk serves the lookups of the second after it. */
static int walk_visit(const char *fpath, const struct stat *st, int type, struct FTW *ftw)
{
	char *path;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	path = hierarchy_path(fpath);
	if (path)
		cache_set(slot_of((uint64_t)st->st_ino), (uint64_t)st->st_ino, path, 0);
	return 0;
}

/* By a walk of the tree: 0 and *path (the cache's copy, taken), or -EAGAIN
 * (not found, or a walk ran less than a second ago: looked up again after
 * PW_RETRY_NS). */
static int path_by_walk(uint64_t cgid, char **path)
{
	unsigned long long now = now_ns();
	struct cg_entry *e = slot_of(cgid);

	if (cg.last_walk_ns && now - cg.last_walk_ns < PW_RETRY_NS)
		return -EAGAIN;
	cg.last_walk_ns = now;
	nftw(cg.mnt, walk_visit, 16, FTW_PHYS | FTW_MOUNT);
	if (e->cgid != cgid)	/* not there, or its slot taken by a later one */
		return -EAGAIN;
	if (!e->found)
		return -ENOENT;
	*path = e->path;
	e->path = NULL;
	return 0;
}

const struct pw_container_info *pw_container_of_cgroup(uint64_t cgroup_id)
{
	static struct pw_container_info info;
	struct cg_entry *e;
	char *path = NULL;
	int err = -ENOENT;

	if (!cg.probed)
		probe_mount();
	if (!cg.mnt || !cgroup_id)
		return NULL;
	e = slot_of(cgroup_id);
	if (e->cgid != cgroup_id || (!e->found && e->retry_ns && now_ns() >= e->retry_ns)) {
		if (!cg.no_handles && cg.fd >= 0) {
			err = path_by_handle(cgroup_id, &path);
			/* refused (no CAP_DAC_READ_SEARCH, no export support) */
			if (err == -EPERM || err == -EOPNOTSUPP || err == -ENOSYS || err == -EINVAL)
				cg.no_handles = true;
		}
		if (cg.no_handles || cg.fd < 0)
			err = path_by_walk(cgroup_id, &path);
		cache_set(e, cgroup_id, path, err);
	}
	if (!e->found) {
		/* gone: the container the kernel saw, if it did (no path) */
		if (!e->kernel_asked) {
			e->kernel_asked = true;
			e->runtime = kernel_container(cgroup_id, e->id);
		}
		if (!e->runtime)
			return NULL;
	}
	info.path = e->path;
	info.runtime = pw_container_runtime_name(e->runtime);
	info.id = info.runtime ? e->id : NULL;
	return &info;
}

bool pw_container_cgroup_lookup(uint64_t cgroup_id, struct pw_cgroup_info *out)
{
	const struct pw_container_info *c = pw_container_of_cgroup(cgroup_id);

	if (!c)
		return false;
	out->path = c->path;
	out->container_id = c->id;
	out->runtime = c->runtime;
	return true;
}

void pw_container_reset(void)
{
	size_t i;

	for (i = 0; i < PW_CGROUP_CACHE; i++)
		free(cache[i].path);
	memset(cache, 0, sizeof(cache));
	if (cg.fd >= 0)
		close(cg.fd);
	free(cg.mnt);
	free(cg.root);
	memset(&cg, 0, sizeof(cg));
	cg.fd = -1;
}
