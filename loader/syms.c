// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * syms.c: ELF function symbols with libelf, /proc/kallsyms, and
 * address -> function for a process through /proc/PID/maps. See syms.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "syms.h"

/* ---- ELF ------------------------------------------------------------------ */

struct pw_sym {
	uint64_t addr;		/* st_value: virtual address in the file's own layout */
	uint64_t size;
	char *name;
	int ifunc;
	int hidden;		/* .dynsym: a non-default version */
};

struct pw_seg {
	uint64_t vaddr, memsz, offset, filesz;
};

struct pw_elf {
	struct pw_sym *syms;	/* sorted by addr */
	size_t n, cap;
	struct pw_seg *segs;
	size_t nsegs;
	dev_t dev;
	ino_t ino;
};

static int sym_cmp(const void *a, const void *b)
{
	const struct pw_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* at one address, sized symbols first (they are the real functions),
	 * then the public name of aliases (connect, not __connect) */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	size_t ux = strspn(x->name, "_"), uy = strspn(y->name, "_");
	if (ux != uy)
		return ux < uy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int add_sym(struct pw_elf *e, const char *name, uint64_t addr, uint64_t size, int ifunc,
		   int hidden)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 256;
		struct pw_sym *p = realloc(e->syms, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		e->syms = p;
		e->cap = cap;
	}
	e->syms[e->n].name = strdup(name);
	if (!e->syms[e->n].name)
		return -ENOMEM;
	e->syms[e->n].addr = addr;
	e->syms[e->n].size = size;
	e->syms[e->n].ifunc = ifunc;
	e->syms[e->n].hidden = hidden;
	e->n++;
	return 0;
}

static int read_symtab(struct pw_elf *e, Elf *elf, Elf_Scn *scn, GElf_Shdr *sh)
{
	Elf_Data *data = elf_getdata(scn, NULL), *ver = NULL;
	size_t n, i;

	if (!data || !sh->sh_entsize)
		return 0;
	if (sh->sh_type == SHT_DYNSYM) {
		Elf_Scn *s = NULL;
		GElf_Shdr vsh;

		while ((s = elf_nextscn(elf, s)))
			if (gelf_getshdr(s, &vsh) && vsh.sh_type == SHT_GNU_versym)
				ver = elf_getdata(s, NULL);
	}
	n = sh->sh_size / sh->sh_entsize;
	for (i = 0; i < n; i++) {
		GElf_Sym sym;
		GElf_Versym v = 0;
		const char *name;
		int type, err;

		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF ||
		    !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (ver)
			gelf_getversym(ver, (int)i, &v);
		err = add_sym(e, name, sym.st_value, sym.st_size, type == STT_GNU_IFUNC,
			      (v & 0x8000) != 0);
		if (err)
			return err;
	}
	return 0;
}

void pw_elf_close(struct pw_elf *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->syms[i].name);
	free(e->syms);
	free(e->segs);
	free(e);
}

struct pw_elf *pw_elf_open(const char *path, char *err, size_t errlen)
{
	struct pw_elf *e;
	/* O_NONBLOCK: a FIFO named here must not hold the open */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	e = pw_elf_open_fd(fd, err, errlen);
	close(fd);
	return e;
}

struct pw_elf *pw_elf_open_fd(int fd, char *err, size_t errlen)
{
	struct pw_elf *e = NULL;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	struct stat st;
	size_t nph, i;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return NULL;
	}
	/* checked before a byte is read: only a regular file is an ELF file
	 * here (not a device, whose read may have effects, nor a FIFO) */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	/* O_NONBLOCK was for the open (a FIFO must not hold it): reads of a
	 * regular file with it set can come back short or EAGAIN on some file
	 * systems (9p: no function found in the 6.1 guest's libc) */
	{
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && (fl & O_NONBLOCK))
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		snprintf(err, errlen, "not an ELF file");
		goto fail;
	}
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
		snprintf(err, errlen, "not an executable or shared library");
		goto fail;
	}
	e = calloc(1, sizeof(*e));
	if (!e || elf_getphdrnum(elf, &nph)) {
		snprintf(err, errlen, "cannot read program headers");
		goto fail;
	}
	e->dev = st.st_dev;
	e->ino = st.st_ino;
	e->segs = calloc(nph ? nph : 1, sizeof(*e->segs));
	if (!e->segs) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < nph; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		e->segs[e->nsegs++] = (struct pw_seg){ ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz };
	}
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		if (read_symtab(e, elf, scn, &sh)) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (e->n)
		qsort(e->syms, e->n, sizeof(*e->syms), sym_cmp);
	elf_end(elf);
	return e;
fail:
	pw_elf_close(e);
	if (elf)
		elf_end(elf);
	return NULL;
}

size_t pw_elf_nsyms(const struct pw_elf *e)
{
	return e->n;
}

static bool vaddr_to_off(const struct pw_elf *e, uint64_t v, uint64_t *off)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct pw_seg *s = &e->segs[i];

		if (v >= s->vaddr && v < s->vaddr + s->filesz) {
			*off = v - s->vaddr + s->offset;
			return true;
		}
	}
	return false;
}

static bool off_to_vaddr(const struct pw_elf *e, uint64_t off, uint64_t *v)
{
	for (size_t i = 0; i < e->nsegs; i++) {
		const struct pw_seg *s = &e->segs[i];

		if (off >= s->offset && off < s->offset + s->filesz) {
			*v = off - s->offset + s->vaddr;
			return true;
		}
	}
	return false;
}

int pw_elf_func_offset(const struct pw_elf *e, const char *name, uint64_t *off)
{
	const struct pw_sym *best = NULL;
	size_t len = strcspn(name, "@");

	for (size_t i = 0; i < e->n; i++) {
		const struct pw_sym *s = &e->syms[i];

		if (strncmp(s->name, name, len) || s->name[len])
			continue;
		if (!best || (best->hidden && !s->hidden))
			best = s;
	}
	if (!best)
		return -ENOENT;
	if (best->ifunc || !vaddr_to_off(e, best->addr, off))
		return -ENOEXEC;
	return 0;
}

const char *pw_elf_func_at(const struct pw_elf *e, uint64_t off, uint64_t *delta)
{
	size_t lo = 0, hi = e->n;
	uint64_t v;

	if (!e->n || !off_to_vaddr(e, off, &v))
		return NULL;
	/* the last symbol with addr <= v */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->syms[mid].addr <= v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* among the symbols at that address, sort put the sized one first */
	size_t i = lo - 1;
	uint64_t at = e->syms[i].addr;

	while (i > 0 && e->syms[i - 1].addr == at)
		i--;
	const struct pw_sym *s = &e->syms[i];
	/* a sized symbol must contain v; an unsized one is taken as is */
	if (s->size && v >= s->addr + s->size)
		return NULL;
	*delta = v - s->addr;
	return s->name;
}

/* ---- kallsyms ------------------------------------------------------------- */

struct pw_ksym {
	uint64_t addr;
	char *name;
};

struct pw_ksyms {
	struct pw_ksym *syms;
	size_t n;
	char *names;	/* one block for all names */
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct pw_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct pw_ksyms *pw_ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	struct pw_ksyms *k = calloc(1, sizeof(*k));
	size_t cap = 0, ncap = 0, nlen = 0;
	char line[512];

	if (!f || !k)
		goto fail;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];
		size_t l;

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (k->n == cap) {
			struct pw_ksym *p;

			cap = cap ? cap * 2 : 65536;
			p = realloc(k->syms, cap * sizeof(*p));
			if (!p)
				goto fail;
			k->syms = p;
		}
		l = strlen(name) + 1;
		if (nlen + l > ncap) {
			char *p;

			ncap = ncap ? ncap * 2 : 1 << 20;
			p = realloc(k->names, ncap);
			if (!p)
				goto fail;
			k->names = p;
		}
		memcpy(k->names + nlen, name, l);
		k->syms[k->n].addr = addr;
		k->syms[k->n].name = (char *)(uintptr_t)nlen; /* offset until the block stops moving */
		k->n++;
		nlen += l;
	}
	fclose(f);
	if (!k->n) {
		errno = EPERM; /* kptr_restrict: every address reads 0 */
		pw_ksyms_free(k);
		return NULL;
	}
	for (size_t i = 0; i < k->n; i++)
		k->syms[i].name = k->names + (uintptr_t)k->syms[i].name;
	qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
	return k;
fail:
	if (f)
		fclose(f);
	pw_ksyms_free(k);
	errno = errno ? errno : ENOMEM;
	return NULL;
}

void pw_ksyms_free(struct pw_ksyms *k)
{
	if (!k)
		return;
	free(k->syms);
	free(k->names);
	free(k);
}

const char *pw_ksyms_find(const struct pw_ksyms *k, uint64_t addr, uint64_t *delta)
{
	size_t lo = 0, hi = k->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	*delta = addr - k->syms[lo - 1].addr;
	return k->syms[lo - 1].name;
}

uint64_t pw_ksyms_addr(const struct pw_ksyms *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->syms[i].name, name))
			return k->syms[i].addr;
	return 0;
}

/* ---- processes ------------------------------------------------------------ */

/* ELF files are shared by every process that maps them: one cache, by
 * the file's device and inode. */
struct elf_cache {
	dev_t dev;
	ino_t ino;
	struct pw_elf *elf;	/* NULL: could not be read (not retried) */
	struct elf_cache *next;
};

static struct elf_cache *cache;

#define DELETED_SUFFIX " (deleted)"

/* path (absolute) below the directory dirfd opens, with no symlink on the
 * way (the last component included) and nothing that blocks or has effects
 * at open (O_NONBLOCK). */
static int open_no_symlinks(const char *dir, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH,
	};
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC), fd, e;

	if (dfd < 0)
		return -1;
	fd = (int)syscall(SYS_openat2, dfd, path + 1, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) /* before 5.6: the last component only */
		fd = openat(dfd, path + 1, (int)how.flags);
	e = errno;
	close(dfd);
	errno = e;
	return fd;
}

int pw_open_mapped(pid_t pid, uint64_t start, uint64_t end, const char *path)
{
	char p[128];
	size_t n = strlen(path), sl = strlen(DELETED_SUFFIX);
	struct stat st;
	int fd;

	/* the mapping itself: the file the process has mapped, whatever its
	 * name names now (root only; gone with the process) */
	snprintf(p, sizeof(p), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)start,
		 (unsigned long long)end);
	fd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		/* by name: a path /proc/PID/maps printed, resolved already,
		 * so a symlink on the way is someone's plant. A deleted file's
		 * name names another file, or nothing, now. */
		if (path[0] != '/' || (n > sl && !strcmp(path + n - sl, DELETED_SUFFIX)))
			return -1;
		snprintf(p, sizeof(p), "/proc/%d/root", (int)pid);
		fd = open_no_symlinks(p, path);
		if (fd < 0 && errno == ENOENT) /* the process is gone: the path here */
			fd = open_no_symlinks("/", path);
		if (fd < 0)
			return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static struct pw_elf *cached_elf(pid_t pid, uint64_t start, uint64_t end, const char *path)
{
	char err[128];
	struct elf_cache *c;
	struct stat st;
	int fd = pw_open_mapped(pid, start, end, path);

	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	for (c = cache; c; c = c->next)
		if (c->dev == st.st_dev && c->ino == st.st_ino) {
			close(fd);
			return c->elf;
		}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return NULL;
	}
	c->elf = pw_elf_open_fd(fd, err, sizeof(err));
	close(fd);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->next = cache;
	cache = c;
	return c->elf;
}

struct pw_map {
	uint64_t start, end, pgoff;
	char *path;
	struct pw_elf *elf;
	bool elf_tried;
};

struct pw_usyms {
	pid_t pid;
	struct pw_map *maps;
	size_t n;
};

static void free_maps(struct pw_map *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].path);
	free(m);
}

int pw_usyms_refresh(struct pw_usyms *u)
{
	char p[64], line[4096 + 256];
	struct pw_map *maps = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/maps", (int)u->pid);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, pgoff;
		char perms[8];
		int pos = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms, &pgoff, &pos) < 4 ||
		    !pos || perms[2] != 'x')
			continue;
		char *path = line + pos;
		path[strcspn(path, "\n")] = '\0';
		if (n == cap) {
			struct pw_map *q;

			cap = cap ? cap * 2 : 64;
			q = realloc(maps, cap * sizeof(*q));
			if (!q) {
				fclose(f);
				free_maps(maps, n);
				return -ENOMEM;
			}
			maps = q;
		}
		maps[n] = (struct pw_map){ start, end, pgoff, strdup(path), NULL, false };
		if (!maps[n].path) {
			fclose(f);
			free_maps(maps, n);
			return -ENOMEM;
		}
		n++;
	}
	fclose(f);
	if (!n) {
		free(maps);
		return -ESRCH; /* a zombie: nothing mapped any more */
	}
	free_maps(u->maps, u->n);
	u->maps = maps;
	u->n = n;
	return 0;
}

struct pw_usyms *pw_usyms_new(pid_t pid)
{
	struct pw_usyms *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->pid = pid;
	if (pw_usyms_refresh(u)) {
		free(u);
		return NULL;
	}
	return u;
}

void pw_usyms_free(struct pw_usyms *u)
{
	if (!u)
		return;
	free_maps(u->maps, u->n);
	free(u);
}

static struct pw_map *map_of(struct pw_usyms *u, uint64_t addr)
{
	for (size_t i = 0; i < u->n; i++)
		if (addr >= u->maps[i].start && addr < u->maps[i].end)
			return &u->maps[i];
	return NULL;
}

bool pw_usyms_file_offset(struct pw_usyms *u, uint64_t addr, const char **path, uint64_t *off)
{
	struct pw_map *m = map_of(u, addr);

	if (!m)
		return false;
	*path = m->path;
	*off = addr - m->start + m->pgoff;
	return true;
}

bool pw_usyms_name(struct pw_usyms *u, uint64_t addr, char *out, size_t outlen, bool with_offset)
{
	struct pw_map *m = map_of(u, addr);
	const char *name, *base;
	uint64_t delta;

	if (!m) {
		snprintf(out, outlen, "[unknown]");
		return false;
	}
	if (!m->elf_tried) {
		m->elf_tried = true;
		if (m->path[0] == '/')
			m->elf = cached_elf(u->pid, m->start, m->end, m->path);
	}
	name = m->elf ? pw_elf_func_at(m->elf, addr - m->start + m->pgoff, &delta) : NULL;
	if (name) {
		if (with_offset && delta)
			snprintf(out, outlen, "%s+0x%llx", name, (unsigned long long)delta);
		else
			snprintf(out, outlen, "%s", name);
		return true;
	}
	if (m->path[0] == '[') {
		snprintf(out, outlen, "%s", m->path); /* [vdso], [heap], ... */
		return false;
	}
	base = strrchr(m->path, '/');
	snprintf(out, outlen, "[%s]", base ? base + 1 : (m->path[0] ? m->path : "anon"));
	return false;
}

void pw_syms_cleanup(void)
{
	while (cache) {
		struct elf_cache *next = cache->next;

		pw_elf_close(cache->elf);
		free(cache);
		cache = next;
	}
}
