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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
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
	bool stream;		/* syslog socket is SOCK_STREAM: NUL-framed */
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

/* A refused syslog message is sent again every 100 ms for up to 5 s: long
 * enough for a syslog daemon's restart. */
#define PW_SYSLOG_RETRY_MS	100
#define PW_SYSLOG_RETRY_MAX_MS	5000

static int syslog_connect(void);

int pw_syslog_facility(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (!strcmp(facilities[i].name, name))
			return facilities[i].facility;
	return -1;
}

/* New files are created 0600 whatever the umask; an existing file (e.g.
 * created by logrotate's "create" directive) keeps its mode. A symlink as
 * the last component is refused (O_NOFOLLOW): whoever can write the
 * directory could otherwise point root's output at any file. Only a
 * regular file is written to (not a FIFO a reader never drains, nor a
 * device). */
static int open_file(void)
{
	int fd = open(out.o.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
			  O_NONBLOCK, 0600);
	struct stat st;

	if (fd < 0) {
		fprintf(stderr, PROG ": %s: %s\n", out.o.path,
			errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a regular file (refused)\n", out.o.path);
		close(fd);
		return -1;
	}
	/* blocking writes again: the output is a regular file */
	fcntl(fd, F_SETFL, O_APPEND);
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
		if (!out.o.path)
			out.o.path = PW_SYSLOG_SOCKET;
		if (!out.o.ident)
			out.o.ident = "pinwatch";
		out.fd = -1;
		if (syslog_connect()) {
			fprintf(stderr, PROG ": --syslog: no syslog daemon listens "
				"on %s: %s\n", out.o.path, strerror(errno));
			return -1;
		}
		return 0;
	}
	return -1;
}

/* Connects out.fd to the syslog socket out.o.path: a datagram socket, or a
 * stream socket where the daemon offers one (glibc's syslog(3) does the
 * same). Returns 0, or -1 with errno. */
static int syslog_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int type, fd;

	if (strlen(out.o.path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, out.o.path);
	for (type = SOCK_DGRAM;; type = SOCK_STREAM) {
		fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(fd);
		if (errno != EPROTOTYPE || type == SOCK_STREAM)
			return -1;
	}
	if (out.fd >= 0)
		close(out.fd);
	out.fd = fd;
	out.stream = type == SOCK_STREAM;
	return 0;
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

/* The syslog severity of one JSON line: an alert's follows its rule's
 * severity (low notice, medium warning, high err, critical crit); every
 * other line is info. Only an alert has the key "severity", and inside a
 * JSON string a quote is escaped, so the unescaped key is the field. */
static int line_severity(const char *msg, size_t len)
{
	static const struct { const char *name; int pri; } sev[] = {
		{ "low\"", LOG_NOTICE }, { "medium\"", LOG_WARNING },
		{ "high\"", LOG_ERR }, { "critical\"", LOG_CRIT },
	};
	static const char key[] = ",\"severity\":\"";
	const char *p = memmem(msg, len, key, sizeof(key) - 1);

	if (!p)
		return LOG_INFO;
	p += sizeof(key) - 1;
	for (size_t i = 0; i < sizeof(sev) / sizeof(sev[0]); i++)
		if ((size_t)(msg + len - p) >= strlen(sev[i].name) &&
		    !memcmp(p, sev[i].name, strlen(sev[i].name)))
			return sev[i].pri;
	return LOG_INFO;
}

/* One message in syslog(3)'s format, "<PRI>Mmm dd hh:mm:ss TAG[PID]: MSG"
 * (local time), which every syslog daemon parses. When the daemon refuses
 * it (restarting, or its socket gone), reconnects and sends again every
 * PW_SYSLOG_RETRY_MS for up to PW_SYSLOG_RETRY_MAX_MS. Returns 0, or -1 with
 * errno. */
static int send_message(const char *msg, size_t len)
{
	const struct timespec pause = { 0, PW_SYSLOG_RETRY_MS * 1000000L };
	char head[128], stamp[32];
	struct iovec iov[3];
	struct tm tm;
	time_t now = time(NULL);
	int err, waited;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%h %e %T", &tm);
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)snprintf(head, sizeof(head), "<%d>%s %.32s[%d]: ",
					  out.o.facility | line_severity(msg, len), stamp,
					  out.o.ident, (int)getpid());
	iov[1].iov_base = (void *)msg;
	iov[1].iov_len = len;
	iov[2].iov_base = "";
	iov[2].iov_len = 1;	/* stream sockets: NUL ends a message */
	for (waited = 0;; waited += PW_SYSLOG_RETRY_MS) {
		struct msghdr mh = { .msg_iov = iov,
				     .msg_iovlen = out.stream ? 3 : 2 };
		ssize_t r;

		do
			r = sendmsg(out.fd, &mh, MSG_NOSIGNAL);
		while (r < 0 && errno == EINTR);
		if (r >= 0)
			return 0;
		err = errno;
		if (waited >= PW_SYSLOG_RETRY_MAX_MS)
			break;
		if (waited)
			nanosleep(&pause, NULL);
		if (syslog_connect())
			err = errno;
	}
	errno = err;
	return -1;
}

/* Sends each complete line as one message. Returns bytes consumed (whole
 * lines), or -1 with errno when not even the first line could be sent. */
static ssize_t send_syslog(const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		const char *nl = memchr(p + done, '\n', n - done);
		size_t len = nl ? (size_t)(nl - (p + done)) : n - done;

		if (len && send_message(p + done, len))
			return done ? (ssize_t)done : -1;
		done += len + (nl != NULL);
	}
	return (ssize_t)n;
}

ssize_t pw_out_write(const char *p, size_t n)
{
	ssize_t r;

	if (!n)
		return 0;
	pthread_mutex_lock(&out.mu);
	if (out.o.kind == PW_OUT_SYSLOG) {
		r = send_syslog(p, n);
		pthread_mutex_unlock(&out.mu);
		return r;
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
	if (out.o.kind != PW_OUT_STDOUT && out.fd >= 0)
		close(out.fd);
}
