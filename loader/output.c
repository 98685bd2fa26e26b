// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * output.c: the sinks of pinwatch-read. See output.h.
 *
 * File rotation happens only at a line boundary and before a write, so a
 * line is never split across two files and the consumer still commits a
 * ring position only after write(2) has put the line into a file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "output.h"

#define PROG "pinwatch-read"

static struct {
	struct pw_out_opts o;
	pthread_mutex_t mu;
	int fd;
	bool at_line_start;	/* the file ends with a complete line */
	bool rotate_failed;	/* reported once */
	bool reopen_pending;	/* reopen asked for mid-line: at the next line */
} out = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
	.fd = STDOUT_FILENO,
	.at_line_start = true,
};

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int pw_syslog_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (!strcmp(facilities[i].name, name))
			return facilities[i].facility;
	return -1;
}

/* New files are created 0600 whatever the umask; an existing file (e.g.
 * created by logrotate's "create" directive) keeps its mode. */
static int open_file(void)
{
	int fd = open(out.o.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		      0600);

	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", out.o.path, strerror(errno));
		return -1;
	}
	return fd;
}

int pw_out_open(const struct pw_out_opts *o)
{
	out.o = *o;
	switch (o->kind) {
	case PW_OUT_STDOUT:
		out.fd = STDOUT_FILENO;
		return 0;
	case PW_OUT_FILE:
		out.fd = open_file();
		return out.fd < 0 ? -1 : 0;
	case PW_OUT_SYSLOG:
		out.fd = -1;
		openlog(o->ident ? o->ident : "pinwatch", LOG_PID | LOG_NDELAY,
			o->facility);
		return 0;
	}
	return -1;
}

static void rename_backup(unsigned int from, unsigned int to)
{
	char a[PATH_MAX], b[PATH_MAX];

	if (from)
		snprintf(a, sizeof(a), "%s.%u", out.o.path, from);
	else
		snprintf(a, sizeof(a), "%s", out.o.path);
	snprintf(b, sizeof(b), "%s.%u", out.o.path, to);
	if (rename(a, b) && errno != ENOENT && !out.rotate_failed) {
		fprintf(stderr, PROG ": cannot rotate %s to %s: %s\n", a, b,
			strerror(errno));
		out.rotate_failed = true;
	}
}

/* path.N-1 -> path.N ... path -> path.1, then a new path. With no backups
 * the full file is removed. On failure the current file stays in use. */
static void rotate(void)
{
	unsigned int i;
	int fd;

	for (i = out.o.backups; i >= 1; i--)
		rename_backup(i - 1, i);
	if (!out.o.backups && unlink(out.o.path) && errno != ENOENT &&
	    !out.rotate_failed) {
		fprintf(stderr, PROG ": cannot remove %s: %s\n", out.o.path,
			strerror(errno));
		out.rotate_failed = true;
	}
	fd = open_file();
	if (fd < 0)
		return;
	close(out.fd);
	out.fd = fd;
}

static int reopen_locked(void);

static void send_syslog(const char *p, size_t n)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		if (len)
			syslog(LOG_INFO, "%.*s", (int)len, p);
		len += nl != NULL;
		p += len;
		n -= len;
	}
}

ssize_t pw_out_write(const char *p, size_t n)
{
	ssize_t r;

	if (!n)
		return 0;
	pthread_mutex_lock(&out.mu);
	if (out.o.kind == PW_OUT_SYSLOG) {
		send_syslog(p, n);
		pthread_mutex_unlock(&out.mu);
		return (ssize_t)n;
	}
	if (out.reopen_pending && out.at_line_start)
		reopen_locked();
	if (out.o.kind == PW_OUT_FILE && out.o.max_size && out.at_line_start) {
		struct stat st;

		if (!fstat(out.fd, &st) && st.st_size > 0 &&
		    (uint64_t)st.st_size + n > out.o.max_size)
			rotate();
	}
	r = write(out.fd, p, n);
	if (r > 0)
		out.at_line_start = p[r - 1] == '\n';
	pthread_mutex_unlock(&out.mu);
	return r;
}

/* Caller holds out.mu. */
static int reopen_locked(void)
{
	int fd = open_file();

	out.reopen_pending = false;
	if (fd < 0)
		return -1;
	close(out.fd);
	out.fd = fd;
	out.rotate_failed = false;
	return 0;
}

int pw_out_reopen(void)
{
	int err = 0;

	if (out.o.kind != PW_OUT_FILE)
		return 0;
	pthread_mutex_lock(&out.mu);
	if (out.at_line_start)
		err = reopen_locked();
	else
		out.reopen_pending = true; /* never start a file mid-line */
	pthread_mutex_unlock(&out.mu);
	return err;
}

int pw_out_fd(void)
{
	return out.fd;
}

void pw_out_close(void)
{
	if (out.o.kind == PW_OUT_SYSLOG)
		closelog();
	else if (out.o.kind == PW_OUT_FILE && out.fd >= 0)
		close(out.fd);
}
