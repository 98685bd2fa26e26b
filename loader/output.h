/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * output.h: where pinwatch-read writes its lines: stdout, a file with
 * size-based rotation (reopened on request, for logrotate), or a syslog
 * daemon's unix socket (/dev/log or another path), in syslog(3)'s format.
 *
 * The writer thread calls pw_out_write() with whole lines (a short write
 * may leave the rest of a line for the next call); the main thread may
 * call pw_out_reopen() at any time (SIGHUP). A mutex serialises the two.
 */
#ifndef PINWATCH_OUTPUT_H
#define PINWATCH_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum pw_out_kind {
	PW_OUT_STDOUT = 0,
	PW_OUT_FILE,
	PW_OUT_SYSLOG,
};

struct pw_out_opts {
	enum pw_out_kind kind;
	const char *path;	/* PW_OUT_FILE; PW_OUT_SYSLOG: the socket */
	uint64_t max_size;	/* PW_OUT_FILE: rotate beyond this, 0: never */
	unsigned int backups;	/* PW_OUT_FILE: keep path.1 .. path.N */
	int facility;		/* PW_OUT_SYSLOG: LOG_DAEMON, LOG_LOCAL0, ... */
	const char *ident;	/* PW_OUT_SYSLOG: syslog tag */
};

/* The syslog socket when none is given: syslog(3)'s _PATH_LOG. */
#define PW_SYSLOG_SOCKET "/dev/log"

/* Facility by name ("daemon", "user", "local0".."local7"): -1 if unknown. */
int pw_syslog_facility(const char *name);

/* Opens the output. Returns 0, or -1 with a message on stderr. */
int pw_out_open(const struct pw_out_opts *o);

/* Like write(2) on the output: returns bytes written, or -1 with errno.
 * File: rotates first when the line would take the file past max_size.
 * Syslog: one message per line, the newline removed; a message the daemon
 * refuses for 5 s, reconnecting, fails the write (the lines before it count
 * as written). */
ssize_t pw_out_write(const char *p, size_t n);

/* Reopens the output file by name (after logrotate moved it away). Returns
 * 0, or -1 with a message on stderr (the old file stays in use). */
int pw_out_reopen(void);

/* The file descriptor to poll for writability (stdout or the file). */
int pw_out_fd(void);

void pw_out_close(void);

#endif
