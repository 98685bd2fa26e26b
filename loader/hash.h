/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hash.h: the SHA-256 of the file an exec ran, for the consumer's exec
 * lines (sha256, or hash_error with the reason). SHA-256 is OpenSSL's
 * (libcrypto's EVP interface).
 *
 * The file is read through /proc/PID/exe while the process lives (so a
 * deleted or memfd image is hashed too), else through the exec'd path, and
 * only when fstat(2) gives the identity the kernel recorded at exec
 * (pw_exec.exe: dev, ino, size, ctime, mtime; a moved ctime alone only for
 * the image a process still runs, hash.c): a file that is not the one that
 * ran is never hashed. Results are cached per file version (that identity)
 * in a bounded table, so a file version is read at most once while it stays
 * in the table.
 *
 * Time: the caller's thread hashes for at most PW_HASH_BUDGET_MS while
 * other records wait behind the exec (the caller says so through
 * pw_hash_ctx.more),
 * for as long as it takes otherwise; past that, the open file and the
 * digest so far go to a background thread (at most PW_HASH_QUEUE files
 * queued) and the exec says hash_error "deferred"; the finished hash goes
 * to the cache, for the next exec of the same file version.
 * pinned-layout.md ("exec: sha256") says what each error means.
 */
#ifndef PINWATCH_HASH_H
#define PINWATCH_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinwatch.h"

/* hash_error values. X(UP, name) */
#define PW_HASH_ERRORS(X)	\
	X(DISABLED, disabled)	\
	X(UNKNOWN, unknown)	\
	X(TOO_LARGE, too_large)	\
	X(GONE, gone)		\
	X(CHANGED, changed)	\
	X(UNREADABLE, unreadable) \
	X(DEFERRED, deferred)

#define PW_HASH_BUDGET_MS	20	/* inline hashing while others wait */
#define PW_HASH_QUEUE		16	/* files the background thread may hold */
#define PW_HASH_CACHE_WAYS	4
#define PW_HASH_CACHE_SETS	1024	/* 4096 file versions */
#define PW_HASH_CHUNK		(1u << 20)	/* bytes read per read(2) */

struct pw_hash_result {
	char sha256[65];	/* 64 hex digits and a NUL, when error is NULL */
	const char *error;	/* a PW_HASH_ERRORS name, or NULL */
};

/* Starts the background thread. 0, or -1 (errno set). */
int pw_hash_init(void);
/* Stops it; files it has not finished are dropped. */
void pw_hash_stop(void);

/* What the caller knows that the hash needs; a NULL callback says false. */
struct pw_hash_ctx {
	/* other records wait behind this exec */
	bool (*more)(void *arg);
	/* process pid still runs the image of exec exec_id (no exec since):
	 * the consumer asks the pinned proc_cache */
	bool (*current)(void *arg, uint32_t pid, uint64_t exec_id);
	void *arg;
};

/* The hash of the file exec record ev ran (ev: at least the fixed part of
 * a pw_exec, len its bytes), limited to max_bytes (0: hashing is off). */
void pw_hash_exec(const void *ev, size_t len, uint64_t max_bytes,
		  const struct pw_hash_ctx *ctx, struct pw_hash_result *res);

/* Since start: files read to their end and hashed (by either thread), and
 * execs answered from the cache. */
struct pw_hash_counts {
	unsigned long long hashed;
	unsigned long long cached;
};
void pw_hash_get_counts(struct pw_hash_counts *c);

#endif
