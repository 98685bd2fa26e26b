// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * hash.c: SHA-256 of executed files for the consumer (see hash.h).
 *
 * Files are opened as root with O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC (no
 * open blocks on a FIFO or takes a terminal), and read only once fstat(2)
 * says they are regular files of the recorded identity. /proc/PID/exe is a
 * magic link and must be followed; the exec'd path may name a symlink
 * (/usr/bin/python3), so it is followed too, but never through a magic
 * link (openat2 RESOLVE_NO_MAGICLINKS: /proc/self/fd/N would be the
 * consumer's own file); the identity check decides either way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hash.h"
#include "writer.h"

#define PW_X(up, low) HE_##up,
enum { PW_HASH_ERRORS(PW_X) };
#undef PW_X
#define PW_X(up, low) #low,
static const char *const he_names[] = { PW_HASH_ERRORS(PW_X) };
#undef PW_X

#define OPEN_FLAGS (O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------ */
/* Cache: set-associative, keyed by the file identity, LRU within a set */

struct entry {
	struct pw_file_id id;	/* id.ino 0: free */
	unsigned long long used;
	char hex[65];
};

static struct entry cache[PW_HASH_CACHE_SETS][PW_HASH_CACHE_WAYS];
static unsigned long long tick;

static bool id_eq(const struct pw_file_id *a, const struct pw_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->ctime_sec == b->ctime_sec && a->ctime_nsec == b->ctime_nsec &&
	       a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

static struct entry *cache_set(const struct pw_file_id *id)
{
	unsigned long long h = id->ino * 0x9e3779b97f4a7c15ULL;

	h ^= id->dev + (h << 6) + (h >> 2);
	h ^= id->size * 0xff51afd7ed558ccdULL;
	h ^= (unsigned long long)id->ctime_sec * 31 + id->ctime_nsec;
	h ^= h >> 29;
	return cache[h % PW_HASH_CACHE_SETS];
}

/* Under mu. */
static bool cache_get(const struct pw_file_id *id, char hex[65])
{
	struct entry *set = cache_set(id);

	for (int i = 0; i < PW_HASH_CACHE_WAYS; i++)
		if (set[i].id.ino && id_eq(&set[i].id, id)) {
			set[i].used = ++tick;
			memcpy(hex, set[i].hex, 65);
			return true;
		}
	return false;
}

/* Under mu: into a free way, else over the least recently used. */
static void cache_put(const struct pw_file_id *id, const char hex[65])
{
	struct entry *set = cache_set(id), *victim = &set[0];

	for (int i = 0; i < PW_HASH_CACHE_WAYS; i++) {
		if (set[i].id.ino && id_eq(&set[i].id, id)) {
			victim = &set[i];
			break;
		}
		if (!set[i].id.ino || set[i].used < victim->used)
			victim = &set[i];
		if (!victim->id.ino)
			break;
	}
	victim->id = *id;
	victim->used = ++tick;
	memcpy(victim->hex, hex, 65);
}

/* ------------------------------------------------------------------ */
/* Background thread: finishes the files the caller's budget cut short  */

struct job {
	struct pw_file_id id;	/* the exec's: the cache key */
	struct pw_file_id seen;	/* fstat's when hashing started */
	int fd;
	EVP_MD_CTX *ctx;
	uint64_t off;		/* bytes hashed so far */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct job queue[PW_HASH_QUEUE];
static unsigned int qhead, qlen;
static struct pw_file_id current;	/* the background thread's file */
static bool current_busy, stopping, started;
static pthread_t thread;
static unsigned char *inline_buf;
static struct pw_hash_counts counts;	/* under mu */

void pw_hash_get_counts(struct pw_hash_counts *c)
{
	pthread_mutex_lock(&mu);
	*c = counts;
	pthread_mutex_unlock(&mu);
}

/* Under mu: queued or being finished. */
static bool in_flight(const struct pw_file_id *id)
{
	if (current_busy && id_eq(&current, id))
		return true;
	for (unsigned int i = 0; i < qlen; i++)
		if (id_eq(&queue[(qhead + i) % PW_HASH_QUEUE].id, id))
			return true;
	return false;
}

static void job_free(struct job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	EVP_MD_CTX_free(j->ctx);
	j->fd = -1;
	j->ctx = NULL;
}

/* Hashes fd from *off until EOF, reading at most size + 1 bytes in all (a
 * file that grew is "changed" anyway). Returns 1 at EOF, 0 when it stopped
 * early (past deadline, more() said so), -1 on a read error. */
static int hash_run(int fd, EVP_MD_CTX *ctx, uint64_t *off, uint64_t size,
		    long long deadline, bool (*more)(void *), void *arg,
		    unsigned char *buf)
{
	for (;;) {
		uint64_t left = size + 1 - *off;
		size_t want = left < PW_HASH_CHUNK ? (size_t)left : PW_HASH_CHUNK;
		ssize_t n;

		if (!want)
			return 1;
		n = pread(fd, buf, want, (off_t)*off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 1;
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n))
			return -1;
		*off += (uint64_t)n;
		/* only with more to read (after the last chunk, the read
		 * that sees EOF is next: a preempted thread does not defer
		 * a file it has read) */
		if (*off < size && deadline && more && now_ns() >= deadline && more(arg))
			return 0;
	}
}

static void id_of_stat(struct pw_file_id *id, const struct stat *st)
{
	memset(id, 0, sizeof(*id));
	id->dev = (uint64_t)major(st->st_dev) << PW_DEV_MINOR_BITS | minor(st->st_dev);
	id->ino = (uint64_t)st->st_ino;
	id->size = (uint64_t)st->st_size;
	id->ctime_sec = (int64_t)st->st_ctim.tv_sec;
	id->ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
	id->mtime_sec = (int64_t)st->st_mtim.tv_sec;
	id->mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
}

enum { ID_SAME, ID_OTHER, ID_MODIFIED, ID_META };

/* The identity the kernel recorded at exec against fstat's now: another
 * file (dev or ino differ); the same file with other content (size or
 * mtime differ); only its ctime moved (a metadata change: unlink, rename,
 * chmod, ... but also a write whose mtime was set back); the same version. */
static int id_cmp(const struct pw_file_id *id, const struct pw_file_id *now)
{
	if (now->dev != id->dev || now->ino != id->ino)
		return ID_OTHER;
	if (now->size != id->size || now->mtime_sec != id->mtime_sec ||
	    now->mtime_nsec != id->mtime_nsec)
		return ID_MODIFIED;
	if (now->ctime_sec != id->ctime_sec || now->ctime_nsec != id->ctime_nsec)
		return ID_META;
	return ID_SAME;
}

/* The digest of a file read to its end: the hash when exactly its size
 * was read and fstat(2) shows the version it showed before reading (seen),
 * else "changed". Returns an HE_ value, or -1 with hex filled. */
static int hash_finish(int fd, EVP_MD_CTX *ctx, uint64_t off,
		       const struct pw_file_id *seen, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	struct pw_file_id after;
	unsigned int mdlen = 0;
	struct stat st;

	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
		return HE_UNREADABLE;
	if (off != seen->size || fstat(fd, &st))
		return HE_CHANGED;
	id_of_stat(&after, &st);
	if (!id_eq(&after, seen))
		return HE_CHANGED;
	hex[pw_put_hex(hex, md, mdlen)] = '\0';
	return -1;
}

static bool bg_stopping(void *arg)
{
	(void)arg;
	return __atomic_load_n(&stopping, __ATOMIC_RELAXED);
}

static void *bg_main(void *arg)
{
	unsigned char *buf = malloc(PW_HASH_CHUNK);

	(void)arg;
	pthread_mutex_lock(&mu);
	while (!stopping) {
		struct job j;
		char hex[65];
		int r;

		if (!qlen || !buf) {
			pthread_cond_wait(&cond, &mu);
			continue;
		}
		j = queue[qhead];
		qhead = (qhead + 1) % PW_HASH_QUEUE;
		qlen--;
		current = j.id;
		current_busy = true;
		pthread_mutex_unlock(&mu);
		r = hash_run(j.fd, j.ctx, &j.off, j.id.size, 1, bg_stopping, NULL, buf);
		if (r == 1)
			r = hash_finish(j.fd, j.ctx, j.off, &j.seen, hex);
		job_free(&j);
		pthread_mutex_lock(&mu);
		if (r == -1) {
			cache_put(&j.id, hex);
			counts.hashed++;
		}
		current_busy = false;
	}
	while (qlen) {
		job_free(&queue[qhead]);
		qhead = (qhead + 1) % PW_HASH_QUEUE;
		qlen--;
	}
	pthread_mutex_unlock(&mu);
	free(buf);
	return NULL;
}

int pw_hash_init(void)
{
	int err;

	inline_buf = malloc(PW_HASH_CHUNK);
	if (!inline_buf)
		return -1;
	err = pthread_create(&thread, NULL, bg_main, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	started = true;
	return 0;
}

void pw_hash_stop(void)
{
	if (!started)
		return;
	pthread_mutex_lock(&mu);
	__atomic_store_n(&stopping, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mu);
	pthread_join(thread, NULL);
	started = false;
	free(inline_buf);
	inline_buf = NULL;
}

/* ------------------------------------------------------------------ */
/* One exec                                                            */

/* The exec'd path as the process named it: relative ones from its cwd.
 * -1 when there is none to try (fexecve's /dev/fd/N, /proc/...: the
 * process's own file table, gone with it). */
static int open_path(const struct pw_exec *ev)
{
	struct open_how how = { .flags = OPEN_FLAGS, .resolve = RESOLVE_NO_MAGICLINKS };
	char path[2 * PW_PATH_MAX + 2];
	char name[PW_PATH_MAX + 1], cwd[PW_PATH_MAX + 1];
	int fd;

	memcpy(name, ev->filename, PW_PATH_MAX);
	name[PW_PATH_MAX] = '\0';
	memcpy(cwd, ev->cwd, PW_PATH_MAX);
	cwd[PW_PATH_MAX] = '\0';
	if (!name[0] || !strncmp(name, "/dev/fd/", 8) || !strncmp(name, "/proc/", 6))
		return -1;
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else if (cwd[0] == '/')
		snprintf(path, sizeof(path), "%s/%s", cwd, name);
	else
		return -1;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS)	/* before 5.6 */
		fd = open(path, OPEN_FLAGS);
	return fd;
}

/* fd's identity compared with the exec's (ID_*); ID_OTHER for no fd. */
static int fd_cmp(int fd, const struct pw_exec *ev, struct stat *st,
		  struct pw_file_id *seen)
{
	if (fd < 0 || fstat(fd, st))
		return ID_OTHER;
	id_of_stat(seen, st);
	return id_cmp(&ev->exe, seen);
}

/* The file that ran, open, and its identity now (seen): through
 * /proc/PID/exe while the process runs that image, else through the
 * exec'd path. Returns the fd, or -1 with *err an HE_ value.
 *
 * Through /proc/PID/exe a moved ctime alone is accepted for a file that is
 * no memfd, of a process that has not exec'd since (hc->current): while a
 * process runs a file, the kernel refuses to open it for writing
 * (ETXTBSY), so its content is the one that was exec'd and the ctime moved
 * for its metadata (most often an unlink: a dropper deleting itself). A
 * memfd's open fds can still write; a path, or a process that exec'd again,
 * may show a file that was written meanwhile: all need the exact version. */
static int open_image(const struct pw_exec *ev, const struct pw_hash_ctx *hc,
		      struct pw_file_id *seen, int *err)
{
	char proc[32];
	struct stat st;
	int fd, c;

	snprintf(proc, sizeof(proc), "/proc/%u/exe", ev->h.pid);
	fd = open(proc, OPEN_FLAGS);
	c = fd_cmp(fd, ev, &st, seen);
	if (c == ID_META && !(ev->exe_flags & PW_EXE_MEMFD) && hc && hc->current &&
	    hc->current(hc->arg, ev->h.pid, ev->h.exec_id))
		c = ID_SAME;
	if (c == ID_OTHER) {
		/* gone, exec'd again, or its pid reused: the path, if it
		 * still names that file */
		if (fd >= 0)
			close(fd);
		fd = open_path(ev);
		c = fd_cmp(fd, ev, &st, seen);
		if (c == ID_OTHER) {
			*err = HE_GONE;
			goto fail;
		}
	}
	if (c != ID_SAME) {
		*err = HE_CHANGED;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*err = HE_UNREADABLE;
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static void set_error(struct pw_hash_result *res, int he)
{
	res->sha256[0] = '\0';
	res->error = he_names[he];
}

void pw_hash_exec(const void *rec, size_t len, uint64_t max_bytes,
		  const struct pw_hash_ctx *hc, struct pw_hash_result *res)
{
	static struct pw_exec ev;	/* the caller's thread only */
	size_t fixed = offsetof(struct pw_exec, args);
	struct pw_file_id seen;
	EVP_MD_CTX *ctx = NULL;
	uint64_t off = 0;
	bool hit, busy;
	int fd, he, r;

	memset(&ev, 0, fixed);
	memcpy(&ev, rec, len < fixed ? len : fixed);
	res->error = NULL;
	if (!max_bytes)
		he = HE_DISABLED;
	else if (!ev.exe.ino)
		he = HE_UNKNOWN;
	else if (ev.exe.size > max_bytes)
		he = HE_TOO_LARGE;
	else
		he = -1;
	if (he >= 0) {
		set_error(res, he);
		return;
	}
	pthread_mutex_lock(&mu);
	hit = cache_get(&ev.exe, res->sha256);
	busy = !hit && in_flight(&ev.exe);
	counts.cached += hit;
	pthread_mutex_unlock(&mu);
	if (hit)
		return;
	if (busy) {
		set_error(res, HE_DEFERRED);
		return;
	}
	fd = open_image(&ev, hc, &seen, &he);
	if (fd < 0) {
		set_error(res, he);
		return;
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) || !inline_buf) {
		he = HE_UNREADABLE;
		goto fail;
	}
	r = hash_run(fd, ctx, &off, ev.exe.size, now_ns() + PW_HASH_BUDGET_MS * 1000000LL,
		     hc ? hc->more : NULL, hc ? hc->arg : NULL, inline_buf);
	if (r < 0) {
		he = HE_UNREADABLE;
		goto fail;
	}
	if (r == 1) {
		he = hash_finish(fd, ctx, off, &seen, res->sha256);
		if (he >= 0)
			goto fail;
		pthread_mutex_lock(&mu);
		cache_put(&ev.exe, res->sha256);
		counts.hashed++;
		pthread_mutex_unlock(&mu);
		close(fd);
		EVP_MD_CTX_free(ctx);
		return;
	}
	/* the budget is spent and others wait: the rest in the background */
	pthread_mutex_lock(&mu);
	if (started && !stopping && qlen < PW_HASH_QUEUE) {
		queue[(qhead + qlen) % PW_HASH_QUEUE] =
			(struct job){ .id = ev.exe, .seen = seen, .fd = fd, .ctx = ctx, .off = off };
		qlen++;
		fd = -1;
		ctx = NULL;
		pthread_cond_signal(&cond);
	}
	pthread_mutex_unlock(&mu);
	he = HE_DEFERRED;	/* a full queue drops the file: the next exec tries again */
fail:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	set_error(res, he);
}
