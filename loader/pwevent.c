// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pwevent.c: decoding and formatting of pinwatch ring buffer records.
 * See pwevent.h. Every read of a record goes through a zero-filled local
 * copy of at most len bytes, so no field access can leave the record and
 * misaligned input is fine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <linux/io_uring.h>
#include <linux/bpf.h>
#include "bpf_names.h"

#include "pwevent.h"

/* ------------------------------------------------------------------ */
/* Names                                                               */

struct pw_name {
	unsigned int id;
	const char *name;
};

static const struct pw_name pw_type_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_EVENT_TYPES(PW_X)
#undef PW_X
};

static const struct pw_name pw_module_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_MODULES(PW_X)
	PW_TOOL_KEYS(PW_X)	/* not modules: tp watch, the on-demand tools */
#undef PW_X
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Bytes of a container id in text output (as docker ps shows them). */
#define PW_SHORT_CONTAINER_ID 12

static const char *name_of(const struct pw_name *t, size_t n, unsigned int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return NULL;
}

static int id_of(const struct pw_name *t, size_t n, const char *name)
{
	size_t i;

	if (!name)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return (int)t[i].id;
	return -1;
}

const char *pw_event_type_name(unsigned int type)
{
	return name_of(pw_type_names, ARRAY_SIZE(pw_type_names), type);
}

int pw_event_type_from_name(const char *name)
{
	return id_of(pw_type_names, ARRAY_SIZE(pw_type_names), name);
}

const char *pw_module_name(unsigned int module)
{
	return name_of(pw_module_names, ARRAY_SIZE(pw_module_names), module);
}

int pw_module_from_name(const char *name)
{
	return id_of(pw_module_names, ARRAY_SIZE(pw_module_names), name);
}

/* ------------------------------------------------------------------ */
/* Field emitter: one call per field serves both output formats.        */

struct pw_emit {
	struct pw_buf *b;
	enum pw_output_fmt fmt;
	int err;
	int text_items;		/* details already written (text mode) */
	const struct pw_event_extra *x;	/* the consumer's additions, or NULL */
};

/* Inlined: most calls copy a constant 1-3 bytes, which then cost no
 * call to memcpy (the formatter's share of the consumer's CPU in the exec
 * storm, tests/bench 6.1). */
static inline __attribute__((always_inline)) void emit_raw(struct pw_emit *e, const char *s, size_t n)
{
	struct pw_buf *b = e->b;

	if (e->err || !n)
		return;
	if (b->cap - b->len >= n) {	/* the common case: room left */
		memcpy(b->data + b->len, s, n);
		b->len += n;
		return;
	}
	e->err = pw_buf_append(b, s, n);
}

static void emit_cstr(struct pw_emit *e, const char *s)
{
	emit_raw(e, s, strlen(s));
}

/* JSON: ,"key":   Text: a separating space, then key= unless key is "". */
static void emit_key(struct pw_emit *e, const char *jkey, const char *tkey)
{
	if (e->fmt == PW_FMT_JSON) {
		/* ,"key": in one reservation */
		size_t n = strlen(jkey);
		char *p;

		if (e->err)
			return;
		if (pw_buf_reserve(e->b, n + 4)) {
			e->err = -ENOMEM;
			return;
		}
		p = e->b->data + e->b->len;
		p[0] = ',';
		p[1] = '"';
		memcpy(p + 2, jkey, n);
		p[n + 2] = '"';
		p[n + 3] = ':';
		e->b->len += n + 4;
		return;
	}
	if (e->text_items++)
		emit_raw(e, " ", 1);
	if (*tkey) {
		emit_cstr(e, tkey);
		emit_raw(e, "=", 1);
	}
}

/* tkey: name in text mode ("" = value only, NULL = not shown in text) */
static void emit_u64(struct pw_emit *e, const char *jkey, const char *tkey,
		     unsigned long long v)
{
	char num[24];

	if (e->fmt == PW_FMT_TEXT && !tkey)
		return;
	emit_key(e, jkey, tkey);
	emit_raw(e, num, pw_put_u64(num, v));
}

static void emit_s64(struct pw_emit *e, const char *jkey, const char *tkey,
		     long long v)
{
	char num[24];

	if (e->fmt == PW_FMT_TEXT && !tkey)
		return;
	emit_key(e, jkey, tkey);
	emit_raw(e, num, pw_put_s64(num, v));
}

/* JSON: nanoseconds as a number; text: seconds, e.g. 1.234s */
static void emit_duration(struct pw_emit *e, const char *jkey,
			  const char *tkey, unsigned long long ns)
{
	char num[40];

	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, jkey, tkey, ns);
		return;
	}
	if (!tkey)
		return;
	emit_key(e, jkey, tkey);
	emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%llu.%03llus",
					  ns / 1000000000ULL,
					  ns % 1000000000ULL / 1000000ULL));
}

/* JSON: true/false; text: text_if_true as a detail when v is true. */
static void emit_bool(struct pw_emit *e, const char *jkey,
		      const char *text_if_true, bool v)
{
	if (e->fmt == PW_FMT_JSON) {
		emit_key(e, jkey, NULL);
		emit_cstr(e, v ? "true" : "false");
	} else if (v && text_if_true) {
		emit_key(e, jkey, "");
		emit_cstr(e, text_if_true);
	}
}

static void emit_strval(struct pw_emit *e, const char *s, size_t maxlen)
{
	if (e->err)
		return;
	e->err = e->fmt == PW_FMT_JSON ? pw_json_str(e->b, s, maxlen)
				       : pw_text_str(e->b, s, maxlen);
}

/* JSON: ,"<jkey>_hex":"<bytes in hex>" when s[0..maxlen) is not valid
 * UTF-8: the string then shows each bad byte as \xNN, and this is its
 * exact value (writer.h, pw_json_kv). */
static void emit_hex_beside(struct pw_emit *e, const char *jkey, const char *s, size_t maxlen)
{
	if (e->fmt != PW_FMT_JSON || e->err || pw_utf8_valid(s, maxlen))
		return;
	emit_raw(e, ",\"", 2);
	emit_cstr(e, jkey);
	emit_raw(e, "_hex\":", 6);
	if (!e->err)
		e->err = pw_json_hex(e->b, s, maxlen);
}

/* A string from a record: bounded by maxlen, NUL optional. */
static void emit_str(struct pw_emit *e, const char *jkey, const char *tkey,
		     const char *s, size_t maxlen)
{
	if (e->fmt == PW_FMT_TEXT && !tkey)
		return;
	emit_key(e, jkey, tkey);
	if (e->fmt == PW_FMT_JSON) {
		/* the string and its validity in one pass */
		bool valid = true;

		if (!e->err)
			e->err = pw_json_str_valid(e->b, s, maxlen, &valid);
		if (!valid)
			emit_hex_beside(e, jkey, s, maxlen);
		return;
	}
	emit_strval(e, s, maxlen);
}

/* NUL-separated strings in s[0..n): JSON array; text: space-separated
 * details. A final piece without a NUL terminator still counts. */
static void emit_strv(struct pw_emit *e, const char *jkey, const char *s,
		      size_t n)
{
	size_t i = 0, k = 0;
	bool bad = false;

	if (e->fmt == PW_FMT_JSON) {
		emit_key(e, jkey, NULL);
		emit_raw(e, "[", 1);
	}
	while (i < n) {
		const char *nul = memchr(s + i, '\0', n - i);
		size_t plen = nul ? (size_t)(nul - (s + i)) : n - i;

		if (e->fmt == PW_FMT_JSON) {
			if (k++)
				emit_raw(e, ",", 1);
		} else {
			if (e->text_items++)
				emit_raw(e, " ", 1);
		}
		emit_strval(e, s + i, plen);
		if (!pw_utf8_valid(s + i, plen))
			bad = true;
		i += plen + 1;
	}
	if (e->fmt != PW_FMT_JSON)
		return;
	emit_raw(e, "]", 1);
	if (!bad)
		return;
	/* ,"<jkey>_hex":[every piece in hex] when one is not valid UTF-8 */
	emit_raw(e, ",\"", 2);
	emit_cstr(e, jkey);
	emit_raw(e, "_hex\":[", 7);
	for (i = 0, k = 0; i < n; k++) {
		const char *nul = memchr(s + i, '\0', n - i);
		size_t plen = nul ? (size_t)(nul - (s + i)) : n - i;

		if (k)
			emit_raw(e, ",", 1);
		if (!e->err)
			e->err = pw_json_hex(e->b, s + i, plen);
		i += plen + 1;
	}
	emit_raw(e, "]", 1);
}

/* Copies min(len, size) bytes of rec into a zeroed dst. */
#define PW_COPY(dst, rec, len) do {					\
	memset((dst), 0, sizeof(*(dst)));				\
	memcpy((dst), (rec), (len) < sizeof(*(dst)) ? (len) : sizeof(*(dst))); \
} while (0)

/* JSON null for a value the kernel did not provide; nothing in text. */
static void emit_null(struct pw_emit *e, const char *jkey)
{
	if (e->fmt != PW_FMT_JSON)
		return;
	emit_key(e, jkey, NULL);
	emit_raw(e, "null", 4);
}

/* ------------------------------------------------------------------ */
/* Per-type emitters: one function + one row in pw_event_descs[].      */
/* They are called only with len >= the row's min_size.                */

static void emit_exec_context(struct pw_emit *e, const struct pw_exec *r);

static void emit_exec(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_exec r;
	size_t present = len - offsetof(struct pw_exec, args);
	size_t n;

	PW_COPY(&r, rec, len);
	n = r.args_len;
	if (n > PW_ARGS_MAX)
		n = PW_ARGS_MAX;
	if (n > present)
		n = present;
	emit_str(e, "filename", "", r.filename, sizeof(r.filename));
	/* the file that runs, as the kernel resolved it; text: only where it
	 * is not the filename as given */
	if (e->fmt == PW_FMT_JSON ||
	    (r.exe_path[0] && strncmp(r.exe_path, r.filename, sizeof(r.exe_path))))
		emit_str(e, "exe_path", "exe_path", r.exe_path, sizeof(r.exe_path));
	emit_strv(e, "args", r.args, n);
	emit_bool(e, "args_truncated", "...", r.args_truncated != 0);
	/* the consumer's: the executed file's hash, or why it has none */
	if (e->x && e->x->sha256)
		emit_str(e, "sha256", "sha256", e->x->sha256, 64);
	else if (e->x && e->x->hash_error)
		emit_str(e, "hash_error", "hash_error", e->x->hash_error, 32);
	emit_exec_context(e, &r);
}

static void emit_exit(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_exit r;

	PW_COPY(&r, rec, len);
	emit_s64(e, "exit_code", "code", r.exit_code);
	emit_u64(e, "signal", "sig", r.signal);
	emit_duration(e, "duration_ns", "dur", r.duration_ns);
}

static void emit_fork(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_fork r;

	PW_COPY(&r, rec, len);
	emit_u64(e, "child_pid", "child", r.child_pid);
}

static void emit_suppressed(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_suppressed r;

	PW_COPY(&r, rec, len);
	emit_u64(e, "count", "count", r.count);
	emit_duration(e, "period_ns", "period", r.period_ns);
}

/* pressure (the consumer's): state=start|end, the rates and counts, and
 * the types shed most (JSON an array of names, text comma-separated). */
static void emit_pressure(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_pressure r;
	char types[PW_PRESSURE_TYPES * 24];
	size_t n = 0;

	PW_COPY(&r, rec, len);
	emit_str(e, "state", "state", r.state ? "start" : "end", 6);
	if (r.max_rate)
		emit_u64(e, "max_sample_rate", "max_rate", r.max_rate);
	emit_u64(e, "shed", "shed", r.shed);
	emit_u64(e, "sampled", "sampled", r.sampled);
	emit_u64(e, "dropped", "dropped", r.dropped);
	if (!r.state)
		emit_duration(e, "duration_ns", "dur", r.duration_ns);
	for (int i = 0; i < PW_PRESSURE_TYPES && r.types[i]; i++) {
		const char *t = pw_event_type_name(r.types[i]);
		int w = snprintf(types + n, sizeof(types) - n, "%s%c", t ? t : "unknown",
				 e->fmt == PW_FMT_JSON ? '\0' : ',');

		if (w > 0 && (size_t)w < sizeof(types) - n)
			n += (size_t)w;
	}
	if (e->fmt == PW_FMT_JSON) {
		emit_strv(e, "types", types, n ? n - 1 : 0);
	} else if (n) {
		types[n - 1] = '\0';
		emit_str(e, "types", "types", types, n - 1);
	}
}

PW_DEFINE_NAME_FN(tamper_what_name, PW_TAMPER_WHATS)

PW_DEFINE_NAME_FN(pin_kind_name, PW_PIN_KINDS)

/* The consumer's self-check. Text: "detached audit/link_bpf link id=12
 * found=0" (found: the id at the pin now, 0 when none). */
static void emit_tamper(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_tamper r;

	PW_COPY(&r, rec, len);
	emit_str(e, "what", "", tamper_what_name(r.what), 16);
	emit_str(e, "pin", "", r.pin, sizeof(r.pin));
	emit_str(e, "kind", "", pin_kind_name(r.kind), 16);
	emit_u64(e, "expected_id", "id", r.expected_id);
	emit_u64(e, "found_id", "found", r.found_id);
}

PW_DEFINE_NAME_FN(enforce_action_name, PW_ENFORCE_ACTIONS)

PW_DEFINE_NAME_FN(enforce_via_name, PW_ENFORCE_VIAS)

PW_DEFINE_NAME_FN(block_mode_name, PW_BLOCK_MODES)

/* Text: "killed /tmp/x blocked=/usr/bin/x dev=254:0 ino=1234", and
 * " via=mmap" when the blocked file was mapped rather than exec'd. */
static void emit_enforce(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_enforce r;
	char dev[24];

	PW_COPY(&r, rec, len);
	snprintf(dev, sizeof(dev), "%u:%u", PW_DEV_MAJOR(r.dev), PW_DEV_MINOR(r.dev));
	emit_str(e, "action", "", enforce_action_name(r.action), 16);
	emit_str(e, "filename", "", r.filename, sizeof(r.filename));
	emit_str(e, "path", "blocked", r.path, sizeof(r.path));
	emit_str(e, "mode", NULL, block_mode_name(r.mode), 16);
	emit_str(e, "dev", "dev", dev, sizeof(dev));
	emit_u64(e, "ino", "ino", r.ino);
	if (r.error || e->fmt == PW_FMT_JSON)
		emit_s64(e, "error", "error", r.error);
	if (r.via != PW_ENFORCE_VIA_EXEC || e->fmt == PW_FMT_JSON)
		emit_str(e, "via", "via", enforce_via_name(r.via), 16);
}

struct pw_event_desc {
	unsigned int type;
	size_t min_size;	/* fixed part; shorter records are malformed */
	void (*emit)(struct pw_emit *e, const void *rec, size_t len);
};

/* ---- syscall emitters ---- */

/* Generated at build time from build/syscalls.txt (see the Makefile). */
static const char *const pw_syscall_names[PW_SYSCALL_MAX] = {
#include "syscall_names.h"
};

static void emit_syscall(struct pw_emit *e, const void *rec, size_t len)
{
	const char *name;
	struct pw_syscall r;
	char num[40];
	int i;

	PW_COPY(&r, rec, len);
	name = r.nr < PW_SYSCALL_MAX ? pw_syscall_names[r.nr] : NULL;
	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, "nr", NULL, r.nr);
		if (name)
			emit_str(e, "name", NULL, name, strlen(name));
		else
			emit_null(e, "name");
		emit_key(e, "args", NULL);
		for (i = 0; i < 6; i++) {
			emit_raw(e, i ? "," : "[", 1);
			emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%llu",
							  (unsigned long long)r.args[i]));
		}
		emit_raw(e, "]", 1);
		emit_s64(e, "ret", NULL, r.ret);
		emit_u64(e, "latency_ns", NULL, r.latency_ns);
		return;
	}
	/* text: name(arg, ...) = ret, like strace with raw arguments */
	emit_key(e, "name", "");
	if (name)
		emit_cstr(e, name);
	else
		emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "syscall_%u", r.nr));
	for (i = 0; i < 6; i++)
		emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%s%#llx", i ? ", " : "(",
						  (unsigned long long)r.args[i]));
	emit_raw(e, num, (size_t)snprintf(num, sizeof(num), ") = %lld", (long long)r.ret));
	if (r.latency_ns)
		emit_u64(e, "latency_ns", "lat_ns", r.latency_ns);
}

/* ---- file emitters ---- */

#include <fcntl.h>
#include <signal.h>

/* Helpers shared by the file, signal and mount emitters. */

struct pw_flag {
	unsigned long long bits;	/* every one of them set: the name applies */
	const char *name;
};

/* JSON: the number. Text: tkey=NAME|NAME|0x<unknown bits>, first (if not
 * NULL) leading; nothing when v is 0 and there is no first. */
static void emit_flags(struct pw_emit *e, const char *jkey, const char *tkey,
		       unsigned long long v, const struct pw_flag *t, size_t n,
		       const char *first)
{
	char hex[24];
	size_t i;
	int k = 0;

	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, jkey, tkey, v);
		return;
	}
	if (!tkey || (!v && !first))
		return;
	emit_key(e, jkey, tkey);
	if (first) {
		emit_cstr(e, first);
		k++;
	}
	for (i = 0; i < n; i++) {
		if (!t[i].bits || (v & t[i].bits) != t[i].bits)
			continue;
		if (k++)
			emit_raw(e, "|", 1);
		emit_cstr(e, t[i].name);
		v &= ~t[i].bits;
	}
	if (v) {
		if (k)
			emit_raw(e, "|", 1);
		emit_raw(e, hex, (size_t)snprintf(hex, sizeof(hex), "0x%llx", v));
	}
}

/* JSON: always. Text: only when not "". */
static void emit_opt_str(struct pw_emit *e, const char *jkey, const char *tkey,
			 const char *s, size_t maxlen)
{
	if (e->fmt == PW_FMT_TEXT && (!maxlen || !s[0]))
		return;
	emit_str(e, jkey, tkey, s, maxlen);
}

/* JSON: always. Text: only when v != hide. */
static void emit_opt_s64(struct pw_emit *e, const char *jkey, const char *tkey,
			 long long v, long long hide)
{
	if (e->fmt == PW_FMT_TEXT && v == hide)
		return;
	emit_s64(e, jkey, tkey, v);
}

/* Text: a bare word (a syscall or source name); JSON: a string field. */
static void emit_name(struct pw_emit *e, const char *jkey, const char *name)
{
	emit_key(e, jkey, "");
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "\"", 1);
	emit_cstr(e, name ? name : "?");
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "\"", 1);
}

static const struct pw_name pw_errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ EBADF, "EBADF" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
	{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { ENOTBLK, "ENOTBLK" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { EXDEV, "EXDEV" },
	{ ENODEV, "ENODEV" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
	{ EINVAL, "EINVAL" }, { ENFILE, "ENFILE" }, { EMFILE, "EMFILE" },
	{ ETXTBSY, "ETXTBSY" }, { EFBIG, "EFBIG" }, { ENOSPC, "ENOSPC" },
	{ EROFS, "EROFS" }, { EMLINK, "EMLINK" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOTCONN, "ENOTCONN" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { ESTALE, "ESTALE" }, { EDQUOT, "EDQUOT" },
};

/* The raw return value. JSON: the number; text: ret=-2(ENOENT). */
static void emit_ret(struct pw_emit *e, long long ret)
{
	const char *name = NULL;

	emit_s64(e, "ret", "ret", ret);
	if (e->fmt == PW_FMT_TEXT && ret < 0 && ret >= -4095)
		name = name_of(pw_errno_names, ARRAY_SIZE(pw_errno_names),
			       (unsigned int)-ret);
	if (name) {
		emit_raw(e, "(", 1);
		emit_cstr(e, name);
		emit_raw(e, ")", 1);
	}
}

/* Text: dfd=N, only when a relative path makes it matter. */
static void emit_dfd(struct pw_emit *e, const char *jkey, const char *tkey,
		     int dfd, const char *path, size_t maxlen)
{
	if (e->fmt == PW_FMT_TEXT && (dfd == AT_FDCWD || !maxlen || path[0] == '/'))
		return;
	emit_s64(e, jkey, tkey, dfd);
}

static const struct pw_name pw_file_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_FILE_SYSCALLS(PW_X)
#undef PW_X
};

static const struct pw_flag pw_open_flags[] = {
	{ O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" }, { O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, "O_TRUNC" }, { O_APPEND, "O_APPEND" },
	{ O_NONBLOCK, "O_NONBLOCK" }, { O_SYNC, "O_SYNC" }, { O_DSYNC, "O_DSYNC" },
	{ __O_DIRECT, "O_DIRECT" }, { __O_LARGEFILE, "O_LARGEFILE" },
	/* O_TMPFILE includes O_DIRECTORY: test it first */
	{ __O_TMPFILE | O_DIRECTORY, "O_TMPFILE" }, { O_DIRECTORY, "O_DIRECTORY" },
	{ O_NOFOLLOW, "O_NOFOLLOW" }, { __O_NOATIME, "O_NOATIME" },
	{ O_CLOEXEC, "O_CLOEXEC" }, { __O_PATH, "O_PATH" }, { O_ASYNC, "O_ASYNC" },
};

static const struct pw_flag pw_unlink_flags[] = {
	{ AT_REMOVEDIR, "AT_REMOVEDIR" },
};

static const struct pw_flag pw_rename_flags[] = {
	{ 1, "RENAME_NOREPLACE" }, { 2, "RENAME_EXCHANGE" }, { 4, "RENAME_WHITEOUT" },
};

static void emit_file_common(struct pw_emit *e, const struct pw_file *r)
{
	emit_name(e, "syscall", name_of(pw_file_syscall_names,
					ARRAY_SIZE(pw_file_syscall_names), r->syscall));
	emit_str(e, "path", "", r->path, sizeof(r->path));
}

static void emit_open(struct pw_emit *e, const void *rec, size_t len)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	struct pw_file r;
	char mode[16];

	PW_COPY(&r, rec, len);
	emit_file_common(e, &r);
	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, "flags", NULL, r.flags);
		emit_u64(e, "mode", NULL, r.mode);
	} else {
		/* the access mode is a 2-bit number, not a flag */
		emit_flags(e, "flags", "flags", r.flags & ~(unsigned long long)O_ACCMODE,
			   pw_open_flags, ARRAY_SIZE(pw_open_flags), acc[r.flags & O_ACCMODE]);
	}
	if (e->fmt == PW_FMT_TEXT &&
	    (r.mode || (r.flags & O_CREAT) || (r.flags & __O_TMPFILE) == __O_TMPFILE)) {
		emit_key(e, "mode", "mode");
		emit_raw(e, mode, (size_t)snprintf(mode, sizeof(mode), "%04o", r.mode));
	}
	emit_ret(e, r.ret);
	emit_dfd(e, "dfd", "dfd", r.dfd, r.path, sizeof(r.path));
}

static void emit_unlink(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_file r;

	PW_COPY(&r, rec, len);
	emit_file_common(e, &r);
	emit_flags(e, "flags", "flags", r.flags, pw_unlink_flags,
		   ARRAY_SIZE(pw_unlink_flags), NULL);
	emit_ret(e, r.ret);
	emit_dfd(e, "dfd", "dfd", r.dfd, r.path, sizeof(r.path));
}

static void emit_rename(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_file r;

	PW_COPY(&r, rec, len);
	emit_file_common(e, &r);
	if (e->fmt == PW_FMT_TEXT) {
		emit_key(e, "", "");
		emit_cstr(e, "->");
	}
	emit_str(e, "new_path", "", r.new_path, sizeof(r.new_path));
	emit_flags(e, "flags", "flags", r.flags, pw_rename_flags,
		   ARRAY_SIZE(pw_rename_flags), NULL);
	emit_ret(e, r.ret);
	emit_dfd(e, "dfd", "dfd", r.dfd, r.path, sizeof(r.path));
	emit_dfd(e, "new_dfd", "new_dfd", r.new_dfd, r.new_path, sizeof(r.new_path));
}

/* MFD_* of memfd_create(2) (include/uapi/linux/memfd.h); the hugetlb
 * page size bits (MFD_HUGE_*, bits 26-31) print as a hex remainder. */
static const struct pw_flag pw_memfd_flags[] = {
	{ 0x1, "MFD_CLOEXEC" }, { 0x2, "MFD_ALLOW_SEALING" }, { 0x4, "MFD_HUGETLB" },
	{ 0x8, "MFD_NOEXEC_SEAL" }, { 0x10, "MFD_EXEC" },
};

static void emit_memfd(struct pw_emit *e, const void *rec, size_t len)
{
	size_t present = len - offsetof(struct pw_memfd, name);
	struct pw_memfd r;

	PW_COPY(&r, rec, len);
	emit_str(e, "name", "name", r.name, present < sizeof(r.name) ? present : sizeof(r.name));
	emit_flags(e, "flags", "flags", r.flags, pw_memfd_flags, ARRAY_SIZE(pw_memfd_flags),
		   NULL);
	emit_s64(e, "fd", NULL, r.ret);
	emit_ret(e, r.ret);
}

/* ---- net emitters ---- */

/* Address families, socket types and protocols by name; numbers the
 * tables do not know print as AF_<n>, SOCK_<n>, IPPROTO_<n>. */
static const struct pw_name pw_net_families[] = {
	{ 0, "AF_UNSPEC" }, { 1, "AF_UNIX" }, { 2, "AF_INET" }, { 10, "AF_INET6" },
	{ 16, "AF_NETLINK" }, { 17, "AF_PACKET" }, { 40, "AF_VSOCK" },
};
static const struct pw_name pw_net_sock_types[] = {
	{ 1, "SOCK_STREAM" }, { 2, "SOCK_DGRAM" }, { 3, "SOCK_RAW" }, { 4, "SOCK_RDM" },
	{ 5, "SOCK_SEQPACKET" }, { 6, "SOCK_DCCP" }, { 10, "SOCK_PACKET" },
};
static const struct pw_name pw_net_protocols[] = {
	{ 1, "ICMP" }, { 6, "TCP" }, { 17, "UDP" }, { 58, "ICMPV6" }, { 132, "SCTP" },
	{ 136, "UDPLITE" }, { 255, "RAW" }, { 262, "MPTCP" },
};
/* TCP states (include/net/tcp_states.h), index = value */
static const char *const pw_tcp_states[] = {
	NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV", "BOUND_INACTIVE",
};
static const char *const pw_sock_opt_names[] = {
	"SO_REUSEADDR", "SO_REUSEPORT", "IP_FREEBIND", "IP_TRANSPARENT",
	"IP_BIND_ADDRESS_NO_PORT",
};

static void net_name(char *out, size_t n, const struct pw_name *t, size_t tn,
		     const char *prefix, unsigned int v)
{
	const char *s = name_of(t, tn, v);

	if (s)
		snprintf(out, n, "%s", s);
	else
		snprintf(out, n, "%s%u", prefix, v);
}

/* A JSON string, or text key=value, of a name. */
static void emit_name_kv(struct pw_emit *e, const char *jkey, const char *tkey, const char *s)
{
	emit_str(e, jkey, tkey, s, strlen(s));
}

/* RFC 5952 text of a 16-byte address; AF_INET shows the v4-mapped tail as
 * a.b.c.d, AF_INET6 keeps v4-mapped addresses as ::ffff:a.b.c.d. */
static void net_addr_str(char out[48], unsigned int family, const uint8_t a[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	int best = -1, best_len = 0, run = 0, i;
	uint16_t g[8];
	char *p = out;

	if (!memcmp(a, mapped, sizeof(mapped))) {
		snprintf(out, 48, "%s%u.%u.%u.%u", family == PW_AF_INET ? "" : "::ffff:",
			 a[12], a[13], a[14], a[15]);
		return;
	}
	for (i = 0; i < 8; i++) {
		g[i] = (uint16_t)(a[2 * i] << 8 | a[2 * i + 1]);
		run = g[i] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			p += sprintf(p, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			*p++ = ':';
		p += sprintf(p, "%x", g[i]);
	}
	*p = '\0';
}

/* family, saddr, sport, daddr, dport. JSON: unknown addresses are null.
 * Text: "AF_INET TCP 10.0.0.1:5000 > 10.0.0.2:80" (proto, when given, is
 * text only), IPv6 in brackets. */
static void emit_net_tuple(struct pw_emit *e, const struct pw_net_tuple *t, const char *proto)
{
	char fam[24], a[48], ep[64];
	int ip = t->family == PW_AF_INET || t->family == PW_AF_INET6;
	const char *fmt = t->family == PW_AF_INET6 ? "[%s]:%u" : "%s:%u";

	net_name(fam, sizeof(fam), pw_net_families, ARRAY_SIZE(pw_net_families), "AF_",
		 t->family);
	emit_name_kv(e, "family", "", fam);
	if (proto && e->fmt == PW_FMT_TEXT)
		emit_name_kv(e, "protocol", "", proto);
	if (e->fmt == PW_FMT_JSON) {
		if (ip && (t->flags & PW_NET_HAS_SADDR)) {
			net_addr_str(a, t->family, t->saddr);
			emit_name_kv(e, "saddr", NULL, a);
		} else {
			emit_null(e, "saddr");
		}
		emit_u64(e, "sport", NULL, t->sport);
		if (ip && (t->flags & PW_NET_HAS_DADDR)) {
			net_addr_str(a, t->family, t->daddr);
			emit_name_kv(e, "daddr", NULL, a);
		} else {
			emit_null(e, "daddr");
		}
		emit_u64(e, "dport", NULL, t->dport);
		return;
	}
	if (!ip)
		return;
	if (t->flags & PW_NET_HAS_SADDR) {
		net_addr_str(a, t->family, t->saddr);
		snprintf(ep, sizeof(ep), fmt, a, t->sport);
	} else {
		snprintf(ep, sizeof(ep), "-");
	}
	emit_name_kv(e, "saddr", "", ep);
	if (t->flags & PW_NET_HAS_DADDR) {
		net_addr_str(a, t->family, t->daddr);
		snprintf(ep, sizeof(ep), fmt, a, t->dport);
		emit_key(e, "daddr", "");
		emit_cstr(e, "> ");
		emit_strval(e, ep, sizeof(ep));
	}
}

static const char *const pw_exe_flag_names[] = {
#define PW_X(up, low, bit) [bit] = #low,
	PW_EXE_FLAGS(PW_X)
#undef PW_X
};

PW_DEFINE_NAME_FN(stdio_kind_name, PW_STDIO_KINDS)

/* One of fds 0-2. JSON: {"fd","kind","family","daddr","dport"} (the last
 * three null where they do not apply); text: kind, for a socket
 * kind(family) or kind(peer). */
static void emit_stdio(struct pw_emit *e, int fd, const struct pw_stdio *o)
{
	int sock = o->kind == PW_STDIO_SOCKET;
	int peer = sock && o->port && (o->family == PW_AF_INET || o->family == PW_AF_INET6);
	char fam[24], a[48], ep[80];

	net_name(fam, sizeof(fam), pw_net_families, ARRAY_SIZE(pw_net_families), "AF_", o->family);
	if (peer)
		net_addr_str(a, o->family, o->addr);
	if (e->fmt == PW_FMT_JSON) {
		char num[24];

		emit_cstr(e, fd ? ",{\"fd\":" : "{\"fd\":");
		emit_raw(e, num, pw_put_u64(num, (unsigned int)fd));
		emit_raw(e, ",\"kind\":", 8);
		emit_strval(e, stdio_kind_name(o->kind), 16);
		if (sock) {
			emit_raw(e, ",\"family\":", 10);
			emit_strval(e, fam, sizeof(fam));
		} else {
			emit_raw(e, ",\"family\":null", 14);
		}
		if (peer) {
			emit_raw(e, ",\"daddr\":", 9);
			emit_strval(e, a, sizeof(a));
			emit_raw(e, ",\"dport\":", 9);
			emit_raw(e, num, pw_put_u64(num, o->port));
		} else {
			emit_raw(e, ",\"daddr\":null,\"dport\":null", 26);
		}
		emit_raw(e, "}", 1);
		return;
	}
	if (fd)
		emit_raw(e, ",", 1);
	emit_cstr(e, stdio_kind_name(o->kind));
	if (peer) {
		snprintf(ep, sizeof(ep), o->family == PW_AF_INET6 ? "([%s]:%u)" : "(%s:%u)", a,
			 o->port);
		emit_cstr(e, ep);
	} else if (sock) {
		snprintf(ep, sizeof(ep), "(%s)", fam);
		emit_cstr(e, ep);
	}
}

/* The exec context. JSON: exe_flags (a list of names), stdio (three
 * objects), env (an object NAME: value), env_truncated, cwd. Text:
 * exe=NAME,NAME (when any), stdio=KIND,KIND,KIND, cwd=PATH, and each
 * NAME=value, then env... when cut. */
static void emit_exec_context(struct pw_emit *e, const struct pw_exec *r)
{
	size_t i, n = r->env_len < PW_EXEC_ENV_MAX ? r->env_len : PW_EXEC_ENV_MAX;
	int k = 0;

	if (e->fmt == PW_FMT_JSON || r->exe_flags) {
		emit_key(e, "exe_flags", "exe");
		if (e->fmt == PW_FMT_JSON)
			emit_raw(e, "[", 1);
		for (i = 0; i < 32; i++) {
			const char *name = i < ARRAY_SIZE(pw_exe_flag_names) ? pw_exe_flag_names[i] : NULL;
			char bit[16];

			if (!(r->exe_flags >> i & 1))
				continue;
			if (k++)
				emit_raw(e, ",", 1);
			if (!name) {
				snprintf(bit, sizeof(bit), "bit%zu", i);
				name = bit;
			}
			if (e->fmt == PW_FMT_JSON)
				emit_strval(e, name, strlen(name));
			else
				emit_cstr(e, name);
		}
		if (e->fmt == PW_FMT_JSON)
			emit_raw(e, "]", 1);
	}
	emit_key(e, "stdio", "stdio");
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "[", 1);
	for (i = 0; i < PW_STDIO_FDS; i++)
		emit_stdio(e, (int)i, &r->stdio[i]);
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "]", 1);
	if (e->fmt == PW_FMT_JSON || r->cwd[0])
		emit_str(e, "cwd", "cwd", r->cwd, sizeof(r->cwd));
	/* env: NUL-separated NAME=value */
	if (e->fmt == PW_FMT_JSON) {
		emit_key(e, "env", NULL);
		emit_raw(e, "{", 1);
	}
	k = 0;
	for (i = 0; i < n;) {
		const char *s = r->env + i, *nul = memchr(s, '\0', n - i);
		size_t plen = nul ? (size_t)(nul - s) : n - i;
		const char *eq = memchr(s, '=', plen);

		i += plen + 1;
		if (!plen)
			continue;
		if (e->fmt == PW_FMT_TEXT) {
			emit_key(e, "env", "");
			emit_strval(e, s, plen);
			continue;
		}
		if (k++)
			emit_raw(e, ",", 1);
		emit_strval(e, s, eq ? (size_t)(eq - s) : plen);
		emit_raw(e, ":", 1);
		if (eq)
			emit_strval(e, eq + 1, plen - (size_t)(eq - s) - 1);
		else
			emit_raw(e, "null", 4);
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "}", 1);
	emit_bool(e, "env_truncated", "env...", r->env_truncated != 0);
}

/* JSON: nanoseconds; text: milliseconds with microseconds, only when set */
static void emit_ns_ms(struct pw_emit *e, const char *jkey, const char *tkey,
		       unsigned long long ns)
{
	char num[40];

	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, jkey, NULL, ns);
		return;
	}
	if (!ns)
		return;
	emit_key(e, jkey, tkey);
	emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%llu.%03llums",
					  ns / 1000000ULL, ns % 1000000ULL / 1000ULL));
}

static void tcp_state_name(char out[24], unsigned int s)
{
	if (s < ARRAY_SIZE(pw_tcp_states) && pw_tcp_states[s])
		snprintf(out, 24, "%s", pw_tcp_states[s]);
	else
		snprintf(out, 24, "STATE_%u", s);
}

/* AF_UNIX path: a pathname, or "@name" for an abstract name (NUL bytes
 * inside an abstract name print as '@', as ss(8) shows them). */
static void emit_unix_path(struct pw_emit *e, const struct pw_sock_call *r, size_t present)
{
	char path[PW_UNIX_PATH_MAX + 1];
	size_t n = r->path_len, i;

	if (n > PW_UNIX_PATH_MAX)
		n = PW_UNIX_PATH_MAX;
	if (n > present)
		n = present;
	if (r->t.family != PW_AF_UNIX || !n) {
		emit_null(e, "path");
		return;
	}
	memcpy(path, r->path, n);
	path[n] = '\0';
	if (path[0] == '\0')
		for (i = 0; i < n; i++)
			if (path[i] == '\0')
				path[i] = '@';
	emit_str(e, "path", "path", path, n);
}

static void emit_sock_call(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_sock_call r;
	size_t present = len - offsetof(struct pw_sock_call, path);
	char name[24];
	unsigned int i;

	PW_COPY(&r, rec, len);
	if (r.protocol && (r.t.family == PW_AF_INET || r.t.family == PW_AF_INET6)) {
		net_name(name, sizeof(name), pw_net_protocols, ARRAY_SIZE(pw_net_protocols),
			 "IPPROTO_", r.protocol);
		emit_net_tuple(e, &r.t, name);
		emit_name_kv(e, "protocol", NULL, name);
	} else {
		emit_net_tuple(e, &r.t, NULL);
		emit_null(e, "protocol");
	}
	if (r.sock_type) {
		net_name(name, sizeof(name), pw_net_sock_types, ARRAY_SIZE(pw_net_sock_types),
			 "SOCK_", r.sock_type);
		emit_name_kv(e, "sock_type", r.t.family == PW_AF_UNIX ? "" : NULL, name);
	} else {
		emit_null(e, "sock_type");
	}
	emit_unix_path(e, &r, present);
	emit_s64(e, "fd", "fd", r.fd);
	if (r.h.type == PW_EV_LISTEN)
		emit_s64(e, "backlog", "backlog", r.backlog);
	if (e->fmt == PW_FMT_JSON || r.bound_if)
		emit_u64(e, "bound_if", "if", r.bound_if);
	if (e->fmt == PW_FMT_JSON) {
		emit_key(e, "opts", NULL);
		emit_raw(e, "[", 1);
		for (i = 0; i < ARRAY_SIZE(pw_sock_opt_names); i++) {
			if (!(r.opts & (1u << i)))
				continue;
			if (e->b->len && e->b->data[e->b->len - 1] != '[')
				emit_raw(e, ",", 1);
			emit_strval(e, pw_sock_opt_names[i], strlen(pw_sock_opt_names[i]));
		}
		emit_raw(e, "]", 1);
	} else if (r.opts) {
		emit_key(e, "opts", "opts");
		for (i = 0; i < ARRAY_SIZE(pw_sock_opt_names); i++) {
			if (!(r.opts & (1u << i)))
				continue;
			if (e->b->len && e->b->data[e->b->len - 1] != '=')
				emit_raw(e, ",", 1);
			emit_cstr(e, pw_sock_opt_names[i]);
		}
	}
	emit_s64(e, "ret", "ret", r.ret);
}

static const char *pid_source_name(unsigned int s)
{
	return s == PW_NET_PID_SOCKET ? "socket" : "current";
}

static void emit_tcp_state(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_tcp_state r;
	char olds[24], news[24], tr[56];

	PW_COPY(&r, rec, len);
	emit_net_tuple(e, &r.t, NULL);
	tcp_state_name(olds, r.old_state);
	tcp_state_name(news, r.new_state);
	if (e->fmt == PW_FMT_JSON) {
		emit_name_kv(e, "old_state", NULL, olds);
		emit_name_kv(e, "new_state", NULL, news);
	} else {
		snprintf(tr, sizeof(tr), "%s->%s", olds, news);
		emit_name_kv(e, "state", "", tr);
	}
	emit_ns_ms(e, "latency_ns", "lat", r.latency_ns);
	emit_ns_ms(e, "duration_ns", "dur", r.duration_ns);
	emit_ns_ms(e, "old_state_ns", "in_old", r.old_state_ns);
	if (e->fmt == PW_FMT_JSON || r.new_state == PW_TCP_CLOSE) {
		emit_u64(e, "bytes_sent", "tx", r.bytes_sent);
		emit_u64(e, "bytes_received", "rx", r.bytes_received);
	}
	emit_name_kv(e, "pid_source", NULL, pid_source_name(r.pid_source));
}

static void emit_retransmit(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_tcp_retransmit r;
	char st[24];

	PW_COPY(&r, rec, len);
	emit_net_tuple(e, &r.t, NULL);
	tcp_state_name(st, r.state);
	emit_name_kv(e, "state", "state", st);
	emit_name_kv(e, "pid_source", NULL, pid_source_name(r.pid_source));
}

/* ---- signal emitters ---- */

static const struct pw_name pw_signal_source_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_SIGNAL_SOURCES(PW_X)
#undef PW_X
};

static const struct pw_name pw_signal_names[] = {
	{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
	{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
	{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
	{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
	{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
	{ SIGSTKFLT, "SIGSTKFLT" }, { SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" },
	{ SIGSTOP, "SIGSTOP" }, { SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" },
	{ SIGTTOU, "SIGTTOU" }, { SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" },
	{ SIGXFSZ, "SIGXFSZ" }, { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
	{ SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" },
	{ SIGSYS, "SIGSYS" },
};

/* TRACE_SIGNAL_* of include/trace/events/signal.h */
static const struct pw_name pw_signal_results[] = {
	{ 0, "delivered" }, { 1, "ignored" }, { 2, "already_pending" },
	{ 3, "overflow_fail" }, { 4, "lose_info" },
};

static void emit_signal(struct pw_emit *e, const void *rec, size_t len)
{
	const char *name;
	struct pw_signal r;
	bool generate;

	PW_COPY(&r, rec, len);
	generate = r.source == PW_SIG_SRC_GENERATE;
	emit_name(e, "source", name_of(pw_signal_source_names,
				       ARRAY_SIZE(pw_signal_source_names), r.source));
	name = r.sig > 0 ? name_of(pw_signal_names, ARRAY_SIZE(pw_signal_names),
				   (unsigned int)r.sig) : NULL;
	if (e->fmt == PW_FMT_TEXT && name) {
		emit_key(e, "sig", "sig");
		emit_cstr(e, name);
	} else {
		emit_s64(e, "sig", "sig", r.sig);
	}
	emit_s64(e, "target_pid", "target", r.target_pid);
	emit_opt_s64(e, "target_tid", "tid", r.target_tid,
		     generate && r.target_tid == r.target_pid ? r.target_tid : 0);
	if (e->fmt == PW_FMT_JSON || generate)
		emit_str(e, "target_comm", "target_comm", r.target_comm,
			 sizeof(r.target_comm));
	emit_u64(e, "sender_pid", NULL, r.sender_pid);
	if (e->fmt == PW_FMT_JSON || !generate)
		emit_ret(e, r.ret);
	if (e->fmt == PW_FMT_JSON) {
		emit_s64(e, "result", NULL, r.result);
		emit_s64(e, "code", NULL, r.code);
		emit_bool(e, "group", NULL, r.group != 0);
	} else if (generate) {
		name = r.result >= 0 ? name_of(pw_signal_results, ARRAY_SIZE(pw_signal_results),
					       (unsigned int)r.result) : NULL;
		if (name) {
			emit_key(e, "result", "result");
			emit_cstr(e, name);
		} else {
			emit_s64(e, "result", "result", r.result);
		}
		emit_s64(e, "code", "code", r.code);
	}
}

/* ---- mount emitters ---- */

static const struct pw_name pw_mount_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_MOUNT_SYSCALLS(PW_X)
#undef PW_X
};

/* MS_* (mount(2)); values are the same on every architecture. The old
 * magic MS_MGC_VAL shares bits with MS_POSIXACL, MS_PRIVATE, ...: test it
 * first, or those names take its bits. */
static const struct pw_flag pw_ms_flags[] = {
	{ 0xC0ED0000, "MS_MGC_VAL" },
	{ 1, "MS_RDONLY" }, { 2, "MS_NOSUID" }, { 4, "MS_NODEV" }, { 8, "MS_NOEXEC" },
	{ 16, "MS_SYNCHRONOUS" }, { 32, "MS_REMOUNT" }, { 64, "MS_MANDLOCK" },
	{ 128, "MS_DIRSYNC" }, { 256, "MS_NOSYMFOLLOW" }, { 1024, "MS_NOATIME" },
	{ 2048, "MS_NODIRATIME" }, { 4096, "MS_BIND" }, { 8192, "MS_MOVE" },
	{ 16384, "MS_REC" }, { 32768, "MS_SILENT" }, { 1 << 16, "MS_POSIXACL" },
	{ 1 << 17, "MS_UNBINDABLE" }, { 1 << 18, "MS_PRIVATE" }, { 1 << 19, "MS_SLAVE" },
	{ 1 << 20, "MS_SHARED" }, { 1 << 21, "MS_RELATIME" }, { 1 << 22, "MS_KERNMOUNT" },
	{ 1 << 23, "MS_I_VERSION" }, { 1 << 24, "MS_STRICTATIME" },
	{ 1 << 25, "MS_LAZYTIME" },
};

static const struct pw_flag pw_umount_flags[] = {
	{ 1, "MNT_FORCE" }, { 2, "MNT_DETACH" }, { 4, "MNT_EXPIRE" }, { 8, "UMOUNT_NOFOLLOW" },
};

static const struct pw_flag pw_fsmount_flags[] = {
	{ 1, "FSMOUNT_CLOEXEC" },
};

static const struct pw_flag pw_mount_attrs[] = {
	{ 0x1, "MOUNT_ATTR_RDONLY" }, { 0x2, "MOUNT_ATTR_NOSUID" },
	{ 0x4, "MOUNT_ATTR_NODEV" }, { 0x8, "MOUNT_ATTR_NOEXEC" },
	{ 0x10, "MOUNT_ATTR_NOATIME" }, { 0x20, "MOUNT_ATTR_STRICTATIME" },
	{ 0x80, "MOUNT_ATTR_NODIRATIME" }, { 0x100000, "MOUNT_ATTR_IDMAP" },
	{ 0x200000, "MOUNT_ATTR_NOSYMFOLLOW" },
};

static const struct pw_flag pw_move_mount_flags[] = {
	{ 0x1, "MOVE_MOUNT_F_SYMLINKS" }, { 0x2, "MOVE_MOUNT_F_AUTOMOUNTS" },
	{ 0x4, "MOVE_MOUNT_F_EMPTY_PATH" }, { 0x10, "MOVE_MOUNT_T_SYMLINKS" },
	{ 0x20, "MOVE_MOUNT_T_AUTOMOUNTS" }, { 0x40, "MOVE_MOUNT_T_EMPTY_PATH" },
	{ 0x100, "MOVE_MOUNT_SET_GROUP" }, { 0x200, "MOVE_MOUNT_BENEATH" },
};

/* mount and umount events share one record and one emitter. */
static void emit_mount(struct pw_emit *e, const void *rec, size_t len)
{
	const struct pw_flag *flags = pw_ms_flags;
	size_t n_flags = ARRAY_SIZE(pw_ms_flags);
	struct pw_mount r;

	PW_COPY(&r, rec, len);
	switch (r.syscall) {
	case PW_MOUNT_SYS_UMOUNT2:
		flags = pw_umount_flags;
		n_flags = ARRAY_SIZE(pw_umount_flags);
		break;
	case PW_MOUNT_SYS_FSMOUNT:
		flags = pw_fsmount_flags;
		n_flags = ARRAY_SIZE(pw_fsmount_flags);
		break;
	case PW_MOUNT_SYS_MOVE_MOUNT:
		flags = pw_move_mount_flags;
		n_flags = ARRAY_SIZE(pw_move_mount_flags);
		break;
	}
	emit_name(e, "syscall", name_of(pw_mount_syscall_names,
					ARRAY_SIZE(pw_mount_syscall_names), r.syscall));
	emit_opt_str(e, "source", "source", r.source, sizeof(r.source));
	emit_opt_str(e, "target", "target", r.target, sizeof(r.target));
	emit_opt_str(e, "fstype", "fstype", r.fstype, sizeof(r.fstype));
	emit_flags(e, "flags", "flags", r.flags, flags, n_flags, NULL);
	emit_opt_str(e, "data", "data", r.data, sizeof(r.data));
	emit_flags(e, "attr_flags", "attr", r.attr_flags, pw_mount_attrs,
		   ARRAY_SIZE(pw_mount_attrs), NULL);
	if (e->fmt == PW_FMT_JSON ||
	    r.syscall == PW_MOUNT_SYS_FSMOUNT || r.syscall == PW_MOUNT_SYS_MOVE_MOUNT)
		emit_s64(e, "from_fd", "from_fd", r.from_fd);
	if (e->fmt == PW_FMT_JSON || r.syscall == PW_MOUNT_SYS_MOVE_MOUNT)
		emit_s64(e, "to_fd", "to_fd", r.to_fd);
	emit_ret(e, r.ret);
}

/* ---- oom emitters ---- */

static void emit_oom(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_oom r;

	PW_COPY(&r, rec, len);
	emit_u64(e, "victim_pid", "victim", r.victim_pid);
	emit_str(e, "victim_comm", "", r.victim_comm, sizeof(r.victim_comm));
	if (r.victim_uid != PW_OOM_UID_UNKNOWN)
		emit_u64(e, "victim_uid", "victim_uid", r.victim_uid);
	else
		emit_null(e, "victim_uid");
	if (r.known & PW_OOM_KNOWN_MEM) {
		emit_u64(e, "total_vm_kb", "total_vm_kb", r.total_vm_kb);
		emit_u64(e, "anon_rss_kb", "anon_rss_kb", r.anon_rss_kb);
		emit_u64(e, "file_rss_kb", "file_rss_kb", r.file_rss_kb);
		emit_u64(e, "shmem_rss_kb", "shmem_rss_kb", r.shmem_rss_kb);
	} else {
		emit_null(e, "total_vm_kb");
		emit_null(e, "anon_rss_kb");
		emit_null(e, "file_rss_kb");
		emit_null(e, "shmem_rss_kb");
	}
	if (r.known & PW_OOM_KNOWN_PGTABLES)
		emit_u64(e, "pgtables_kb", "pgtables_kb", r.pgtables_kb);
	else
		emit_null(e, "pgtables_kb");
	if (r.known & PW_OOM_KNOWN_SCORE_ADJ)
		emit_s64(e, "oom_score_adj", "oom_score_adj", r.oom_score_adj);
	else
		emit_null(e, "oom_score_adj");
}

static const char *const pw_oom_constraint_names[] = {
	"none", "cpuset", "memory_policy", "memcg",
};

static void emit_oom_kill(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_oom_kill r;

	PW_COPY(&r, rec, len);
	emit_u64(e, "victim_pid", "victim", r.victim_pid);
	emit_str(e, "victim_comm", "", r.victim_comm, sizeof(r.victim_comm));
	emit_name(e, "constraint", r.constraint < sizeof(pw_oom_constraint_names) /
					  sizeof(pw_oom_constraint_names[0]) ?
				       pw_oom_constraint_names[r.constraint] : NULL);
	emit_u64(e, "total_pages", "total_pages", r.total_pages);
	emit_s64(e, "points", "points", r.points);
	emit_s64(e, "order", "order", r.order);
	emit_str(e, "message", "message", r.message, sizeof(r.message));
}

/* ---- block emitters ---- */

static const char *const pw_block_op_names[] = {
#define PW_X(up, low, id) [PW_BLOCK_OP_##up] = #low,
	PW_BLOCK_OPS(PW_X)
#undef PW_X
};

static void emit_block_slow(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_block_slow r;
	const char *op = NULL;
	char buf[48];

	PW_COPY(&r, rec, len);
	if (r.op < ARRAY_SIZE(pw_block_op_names))
		op = pw_block_op_names[r.op];
	snprintf(buf, sizeof(buf), "%u:%u", r.dev >> 20, r.dev & ((1u << 20) - 1));
	emit_str(e, "dev", "", buf, sizeof(buf));
	emit_str(e, "disk", "", r.disk, sizeof(r.disk));
	emit_str(e, "op", "", op ? op : "other", 16);
	emit_u64(e, "sector", "sector", r.sector);
	emit_u64(e, "bytes", "bytes", r.bytes);
	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, "latency_ns", NULL, r.latency_ns);
		emit_u64(e, "queue_ns", NULL, r.queue_ns);
	} else {
		emit_key(e, "latency_ns", "lat");
		emit_raw(e, buf, (size_t)snprintf(buf, sizeof(buf), "%llu.%03llums",
						  (unsigned long long)r.latency_ns / 1000000,
						  (unsigned long long)r.latency_ns / 1000 % 1000));
	}
	if (e->fmt == PW_FMT_JSON || r.error)
		emit_s64(e, "error", "error", r.error);
}

/* ---- capability emitters ---- */

/* Generated at build time from linux/capability.h (see the Makefile). */
static const char *const pw_cap_names[] = {
#include "cap_names.h"
};

#define PW_CAP_OPT_NOAUDIT 2u	/* CAP_OPT_NOAUDIT, include/linux/security.h */

static void emit_capable(struct pw_emit *e, const void *rec, size_t len)
{
	const char *name = NULL;
	struct pw_capable r;
	char buf[24];

	PW_COPY(&r, rec, len);
	if (r.cap >= 0 && (size_t)r.cap < ARRAY_SIZE(pw_cap_names))
		name = pw_cap_names[r.cap];
	if (!name)
		snprintf(buf, sizeof(buf), "CAP_%d", r.cap);
	emit_s64(e, "cap", NULL, r.cap);
	emit_str(e, "cap_name", "", name ? name : buf, 32);
	emit_s64(e, "ret", "ret", r.ret);
	if (e->fmt == PW_FMT_TEXT)
		emit_cstr(e, r.ret ? " denied" : " granted");
	if (r.opts_known) {
		/* JSON: audit = the check is audited; text: noaudit when not */
		if (e->fmt == PW_FMT_JSON) {
			emit_bool(e, "audit", NULL, !(r.opts & PW_CAP_OPT_NOAUDIT));
			emit_u64(e, "opts", NULL, r.opts);
		} else {
			emit_bool(e, "audit", "noaudit", (r.opts & PW_CAP_OPT_NOAUDIT) != 0);
		}
	} else {
		emit_null(e, "audit");
		emit_null(e, "opts");
	}
	emit_u64(e, "userns", NULL, r.target_userns);
}

/* ---- cred emitters ---- */

static const struct pw_name pw_cred_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_CRED_SYSCALLS(PW_X)
#undef PW_X
};

/* A capability's name as the capable event prints it: CAP_<n> when the
 * build's headers do not know it. */
static const char *cap_name(unsigned int cap, char buf[24])
{
	if (cap < ARRAY_SIZE(pw_cap_names) && pw_cap_names[cap])
		return pw_cap_names[cap];
	snprintf(buf, 24, "CAP_%u", cap);
	return buf;
}

/* JSON: the set as an array of capability names. */
static void emit_cap_set(struct pw_emit *e, const char *jkey, unsigned long long set)
{
	char buf[24];
	unsigned int i;
	int k = 0;

	emit_key(e, jkey, NULL);
	emit_raw(e, "[", 1);
	for (i = 0; i < 64; i++) {
		const char *name;

		if (!(set >> i & 1))
			continue;
		if (k++)
			emit_raw(e, ",", 1);
		name = cap_name(i, buf);
		emit_strval(e, name, strlen(name));
	}
	emit_raw(e, "]", 1);
}

/* Text, only when the set changed: tkey=-CAP_A,+CAP_B (what was dropped,
 * what was added), or tkey=none when nothing is left, tkey=all when the
 * set became every capability the build knows. */
static void emit_cap_change(struct pw_emit *e, const char *tkey, unsigned long long old,
			    unsigned long long new)
{
	const unsigned long long all = (1ULL << ARRAY_SIZE(pw_cap_names)) - 1;
	char buf[24];
	unsigned int i;
	int k = 0;

	if (old == new)
		return;
	emit_key(e, tkey, tkey);
	if (!new || new == all) {
		emit_cstr(e, new ? "all" : "none");
		return;
	}
	for (i = 0; i < 64; i++) {
		if ((old >> i & 1) == (new >> i & 1))
			continue;
		if (k++)
			emit_raw(e, ",", 1);
		emit_raw(e, new >> i & 1 ? "+" : "-", 1);
		emit_cstr(e, cap_name(i, buf));
	}
}

/* JSON: old_<name> and new_<name>; text: name=old->new, or name=old
 * when the call left it as it was. */
static void emit_id_pair(struct pw_emit *e, const char *name, unsigned int old, unsigned int new)
{
	char key[16], num[48];

	if (e->fmt == PW_FMT_JSON) {
		snprintf(key, sizeof(key), "old_%s", name);
		emit_u64(e, key, NULL, old);
		snprintf(key, sizeof(key), "new_%s", name);
		emit_u64(e, key, NULL, new);
		return;
	}
	emit_key(e, name, name);
	if (old == new)
		emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%u", old));
	else
		emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%u->%u", old, new));
}

/* Text: "setresuid uid=0->65534 euid=0->65534 suid=0->65534 fsuid=0->65534
 * gid=0 egid=0 sgid=0 fsgid=0 ret=0 cap_effective=none cap_permitted=none" */
static void emit_cred(struct pw_emit *e, const void *rec, size_t len)
{
	unsigned int n, i;
	struct pw_cred r;
	char num[24];

	PW_COPY(&r, rec, len);
	emit_name(e, "syscall", name_of(pw_cred_syscall_names,
					ARRAY_SIZE(pw_cred_syscall_names), r.syscall));
	emit_id_pair(e, "uid", r.old_ids.uid, r.new_ids.uid);
	emit_id_pair(e, "euid", r.old_ids.euid, r.new_ids.euid);
	emit_id_pair(e, "suid", r.old_ids.suid, r.new_ids.suid);
	emit_id_pair(e, "fsuid", r.old_ids.fsuid, r.new_ids.fsuid);
	emit_id_pair(e, "gid", r.old_ids.gid, r.new_ids.gid);
	emit_id_pair(e, "egid", r.old_ids.egid, r.new_ids.egid);
	emit_id_pair(e, "sgid", r.old_ids.sgid, r.new_ids.sgid);
	emit_id_pair(e, "fsgid", r.old_ids.fsgid, r.new_ids.fsgid);
	emit_ret(e, r.ret);
	n = r.new_ngroups < PW_CRED_GROUPS_MAX ? r.new_ngroups : PW_CRED_GROUPS_MAX;
	if (e->fmt == PW_FMT_JSON) {
		emit_cap_set(e, "old_cap_effective", r.old_cap_effective);
		emit_cap_set(e, "new_cap_effective", r.new_cap_effective);
		emit_cap_set(e, "old_cap_permitted", r.old_cap_permitted);
		emit_cap_set(e, "new_cap_permitted", r.new_cap_permitted);
		emit_u64(e, "old_ngroups", NULL, r.old_ngroups);
		emit_u64(e, "new_ngroups", NULL, r.new_ngroups);
		emit_key(e, "groups", NULL);
		emit_raw(e, "[", 1);
		for (i = 0; i < n; i++) {
			if (i)
				emit_raw(e, ",", 1);
			emit_raw(e, num, pw_put_u64(num, r.groups[i]));
		}
		emit_raw(e, "]", 1);
		return;
	}
	emit_cap_change(e, "cap_effective", r.old_cap_effective, r.new_cap_effective);
	emit_cap_change(e, "cap_permitted", r.old_cap_permitted, r.new_cap_permitted);
	/* text: the groups after setgroups, "..." when there are more */
	if (r.syscall != PW_CRED_SYS_SETGROUPS)
		return;
	emit_key(e, "groups", "groups");
	if (!r.new_ngroups)
		emit_cstr(e, "none");
	for (i = 0; i < n; i++) {
		if (i)
			emit_raw(e, ",", 1);
		emit_raw(e, num, pw_put_u64(num, r.groups[i]));
	}
	if (r.new_ngroups > n)
		emit_cstr(e, ",...");
}

/* ---- ptrace emitters ---- */

/* Generated at build time from linux/ptrace.h (see the Makefile). */
static const struct pw_name pw_ptrace_requests[] = {
#define PW_PTRACE_REQ(name, nr, reported) { nr, #name },
#include "ptrace_requests.h"
#undef PW_PTRACE_REQ
};

static const struct pw_name pw_ptrace_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_PTRACE_SYSCALLS(PW_X)
#undef PW_X
};

/* JSON: the number. Text: key=0x<hex>, only when not 0 (an address). */
static void emit_opt_hex(struct pw_emit *e, const char *key, unsigned long long v)
{
	char hex[24];

	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, key, NULL, v);
		return;
	}
	if (!v)
		return;
	emit_key(e, key, key);
	emit_raw(e, hex, (size_t)snprintf(hex, sizeof(hex), "0x%llx", v));
}

static void emit_ptrace(struct pw_emit *e, const void *rec, size_t len)
{
	const char *request = NULL;
	struct pw_ptrace r;
	char unknown[24];

	PW_COPY(&r, rec, len);
	if (r.syscall == PW_PTRACE_SYS_VM_READV)
		request = "vm_readv";
	else if (r.syscall == PW_PTRACE_SYS_VM_WRITEV)
		request = "vm_writev";
	else if (r.request <= 0xffffffffu)
		request = name_of(pw_ptrace_requests, ARRAY_SIZE(pw_ptrace_requests),
				  (unsigned int)r.request);
	if (!request) {
		snprintf(unknown, sizeof(unknown), "0x%llx", (unsigned long long)r.request);
		request = unknown;
	}
	emit_name(e, "request", request);
	if (e->fmt == PW_FMT_JSON) {
		emit_name(e, "syscall", name_of(pw_ptrace_syscall_names,
						ARRAY_SIZE(pw_ptrace_syscall_names), r.syscall));
		if (r.syscall == PW_PTRACE_SYS_PTRACE)
			emit_u64(e, "request_nr", NULL, r.request);
	}
	emit_s64(e, "target_pid", "target", r.target_pid);
	emit_opt_str(e, "target_comm", "target_comm", r.target_comm, sizeof(r.target_comm));
	emit_opt_hex(e, "addr", r.addr);
	if (r.syscall == PW_PTRACE_SYS_PTRACE) {
		emit_opt_hex(e, "data", r.data);
	} else {
		emit_u64(e, "iovcnt", NULL, r.data);
		emit_u64(e, "bytes", "bytes", r.ret > 0 ? (unsigned long long)r.ret : 0);
	}
	emit_ret(e, r.ret);
}

/* ---- audit emitters ---- */

PW_DEFINE_NAME_FN(audit_action_name, PW_AUDIT_ACTIONS)
PW_DEFINE_NAME_FN(audit_via_name, PW_AUDIT_VIAS)

/* Bytes as lowercase hex (JSON only: text shows the path or names). */
static void emit_hex(struct pw_emit *e, const char *jkey, const __u8 *p, size_t n)
{
	char hex[2 * PW_AUDIT_BYTES + 1];

	if (e->fmt != PW_FMT_JSON)
		return;
	if (n > PW_AUDIT_BYTES)
		n = PW_AUDIT_BYTES;
	hex[pw_put_hex(hex, p, n)] = '\0';
	emit_str(e, jkey, NULL, hex, sizeof(hex));
}

static void emit_audit(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_audit r;

	PW_COPY(&r, rec, len);
	emit_str(e, "action", "", audit_action_name(r.action), 32);
	if (r.bpf_cmd || e->fmt == PW_FMT_JSON)
		emit_u64(e, "bpf_cmd", "cmd", r.bpf_cmd);
	if (r.object_name[0] || e->fmt == PW_FMT_JSON)
		emit_str(e, "object_name", "", r.object_name, sizeof(r.object_name));
	if (r.object_id || e->fmt == PW_FMT_JSON)
		emit_u64(e, "object_id", "id", r.object_id);
	emit_hex(e, "key", r.key, r.key_len);
	emit_hex(e, "value", r.value, r.value_len);
	if (r.path[0] || e->fmt == PW_FMT_JSON)
		emit_str(e, "path", "", r.path, sizeof(r.path));
	if (r.new_path[0] || e->fmt == PW_FMT_JSON) {
		/* text: "old -> new", as a file rename shows it */
		if (e->fmt == PW_FMT_TEXT) {
			emit_key(e, "", "");
			emit_cstr(e, "->");
		}
		emit_str(e, "new_path", "", r.new_path, sizeof(r.new_path));
	}
	/* text: only when not the usual entry */
	if (r.via != PW_AUDIT_VIA_ENTRY || e->fmt == PW_FMT_JSON)
		emit_str(e, "via", "via", audit_via_name(r.via), 16);
}

/* ---- uprobe and profile emitters ---- */

/* Text: small values in decimal, the rest (pointers) in hex. */
static void emit_uprobe_args(struct pw_emit *e, const __u64 *args)
{
	char num[24];
	int i;

	if (e->fmt == PW_FMT_JSON) {
		emit_key(e, "args", NULL);
		emit_raw(e, "[", 1);
	} else {
		emit_key(e, "args", "args");
	}
	for (i = 0; i < PW_UPROBE_NARGS; i++) {
		if (i)
			emit_raw(e, ",", 1);
		if (e->fmt == PW_FMT_JSON || args[i] < 0x10000)
			snprintf(num, sizeof(num), "%llu", (unsigned long long)args[i]);
		else
			snprintf(num, sizeof(num), "0x%llx", (unsigned long long)args[i]);
		emit_cstr(e, num);
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "]", 1);
}

static void emit_uprobe(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_uprobe r;

	PW_COPY(&r, rec, len);
	emit_str(e, "probe", "probe", r.probe, sizeof(r.probe));
	emit_uprobe_args(e, r.args);
	if (r.flags & PW_UPROBE_F_RET) {
		emit_s64(e, "ret", "ret", r.ret);
		emit_ns_ms(e, "latency_ns", "lat", r.latency_ns);
	} else {
		emit_null(e, "ret");
		emit_null(e, "latency_ns");
	}
}

static void emit_uprobe_connect(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_uprobe_connect r;

	PW_COPY(&r, rec, len);
	emit_str(e, "probe", "probe", r.probe, sizeof(r.probe));
	/* the net module's fields, from the same bytes */
	emit_sock_call(e, rec, len < sizeof(r.call) ? len : sizeof(r.call));
	emit_ns_ms(e, "latency_ns", "lat", r.latency_ns);
}

static void emit_uprobe_readline(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_uprobe_readline r;

	PW_COPY(&r, rec, len);
	emit_str(e, "probe", "probe", r.probe, sizeof(r.probe));
	emit_str(e, "line", "", r.line, sizeof(r.line));
}

/* getaddrinfo() results (<netdb.h>), negative */
static const struct pw_name pw_eai_names[] = {
	{ 1, "EAI_BADFLAGS" }, { 2, "EAI_NONAME" }, { 3, "EAI_AGAIN" }, { 4, "EAI_FAIL" },
	{ 6, "EAI_FAMILY" }, { 7, "EAI_SOCKTYPE" }, { 8, "EAI_SERVICE" }, { 10, "EAI_MEMORY" },
	{ 11, "EAI_SYSTEM" }, { 12, "EAI_OVERFLOW" }, { 5, "EAI_NODATA" }, { 9, "EAI_ADDRFAMILY" },
};

static void emit_uprobe_getaddrinfo(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_uprobe_getaddrinfo r;
	const char *eai = NULL;

	PW_COPY(&r, rec, len);
	emit_str(e, "probe", "probe", r.probe, sizeof(r.probe));
	emit_str(e, "host", "", r.host, sizeof(r.host));
	emit_opt_str(e, "service", "service", r.service, sizeof(r.service));
	emit_s64(e, "ret", "ret", r.ret);
	if (e->fmt == PW_FMT_TEXT && r.ret < 0 && r.ret > -100)
		eai = name_of(pw_eai_names, ARRAY_SIZE(pw_eai_names), (unsigned int)-r.ret);
	if (eai) {
		emit_raw(e, "(", 1);
		emit_cstr(e, eai);
		emit_raw(e, ")", 1);
	}
	emit_ns_ms(e, "latency_ns", "lat", r.latency_ns);
}

/* ---- attr emitters ---- */

static const struct pw_name pw_attr_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_ATTR_SYSCALLS(PW_X)
#undef PW_X
};

/* AT_* of the *at calls; XATTR_CREATE, XATTR_REPLACE of the xattr sets */
static const struct pw_flag pw_attr_at_flags[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" }, { 0x1000, "AT_EMPTY_PATH" },
};
static const struct pw_flag pw_xattr_flags[] = {
	{ 1, "XATTR_CREATE" }, { 2, "XATTR_REPLACE" },
};

/* The file of an attr event. JSON: path (null when named by fd), fd (null
 * when named by path), dfd (the directory of a path; null when by fd).
 * Text: the path, or fd=N; dfd=N when a relative path makes it matter. */
static void emit_attr_common(struct pw_emit *e, const struct pw_attr *r)
{
	emit_name(e, "syscall", name_of(pw_attr_syscall_names,
					ARRAY_SIZE(pw_attr_syscall_names), r->syscall));
	if (r->target == PW_ATTR_BY_FD) {
		emit_null(e, "path");
		emit_s64(e, "fd", "fd", r->fd);
		emit_null(e, "dfd");
		return;
	}
	emit_str(e, "path", "", r->path, sizeof(r->path));
	emit_null(e, "fd");
	if (e->fmt == PW_FMT_JSON)
		emit_s64(e, "dfd", NULL, r->fd);
	else
		emit_dfd(e, "dfd", "dfd", r->fd, r->path, sizeof(r->path));
}

static void emit_attr_end(struct pw_emit *e, const struct pw_attr *r)
{
	const struct pw_flag *t = pw_attr_at_flags;
	size_t n = ARRAY_SIZE(pw_attr_at_flags);

	if (r->h.type == PW_EV_XATTR && r->op == PW_XATTR_SET &&
	    r->syscall != PW_ATTR_SYS_SETXATTRAT) {
		t = pw_xattr_flags;
		n = ARRAY_SIZE(pw_xattr_flags);
	}
	emit_flags(e, "flags", "flags", r->flags, t, n, NULL);
	emit_ret(e, r->ret);
}

static void emit_chmod(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_attr r;
	char mode[16];

	PW_COPY(&r, rec, len);
	emit_attr_common(e, &r);
	snprintf(mode, sizeof(mode), "%04o", r.mode & 07777);
	emit_name_kv(e, "mode", "mode", mode);
	emit_bool(e, "setuid", "setuid", (r.mode & 04000) != 0);
	emit_bool(e, "setgid", "setgid", (r.mode & 02000) != 0);
	emit_bool(e, "sticky", "sticky", (r.mode & 01000) != 0);
	emit_attr_end(e, &r);
}

/* An id of chown: (uid_t)-1, "unchanged", as -1. */
static void emit_chown_id(struct pw_emit *e, const char *key, __u32 id)
{
	if (id == (__u32)-1)
		emit_s64(e, key, key, -1);
	else
		emit_u64(e, key, key, id);
}

static void emit_chown(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_attr r;

	PW_COPY(&r, rec, len);
	emit_attr_common(e, &r);
	emit_chown_id(e, "uid", r.uid);
	emit_chown_id(e, "gid", r.gid);
	emit_attr_end(e, &r);
}

/* vfs_cap_data (include/uapi/linux/capability.h), little-endian */
#define PW_VFS_CAP_REVISION_MASK	0xff000000u
#define PW_VFS_CAP_FLAGS_EFFECTIVE	0x000001u

static uint32_t le32_at(const __u8 *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* A capability set: JSON an array of names; text key=NAME,NAME (nothing
 * when empty). Bits the table does not name print as CAP_<n>. */
static void emit_attr_caps(struct pw_emit *e, const char *key, uint64_t set)
{
	char buf[24];
	unsigned int i;
	int k = 0;

	if (e->fmt == PW_FMT_TEXT && !set)
		return;
	emit_key(e, key, key);
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "[", 1);
	for (i = 0; i < 64; i++) {
		const char *name = NULL;

		if (!(set & (1ull << i)))
			continue;
		if (i < ARRAY_SIZE(pw_cap_names))
			name = pw_cap_names[i];
		if (!name) {
			snprintf(buf, sizeof(buf), "CAP_%u", i);
			name = buf;
		}
		if (k++)
			emit_raw(e, ",", 1);
		if (e->fmt == PW_FMT_JSON)
			emit_strval(e, name, strlen(name));
		else
			emit_cstr(e, name);
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "]", 1);
}

/* security.capability's value decoded: cap_version (1, 2, 3),
 * cap_permitted and cap_inheritable (names), cap_effective (the flag),
 * cap_rootid (version 3: the namespace's root uid; else null). Every one
 * null when the value is not a readable vfs_cap_data. */
static void emit_file_caps_null(struct pw_emit *e)
{
	static const char *const keys[] = {
		"cap_version", "cap_permitted", "cap_inheritable", "cap_effective", "cap_rootid",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		emit_null(e, keys[i]);
}

static void emit_file_caps(struct pw_emit *e, const struct pw_attr *r)
{
	uint32_t magic = le32_at(r->value), version = magic >> 24;
	size_t need = version == 1 ? 12 : version == 2 ? 20 : 24;
	uint64_t perm, inh;

	if (r->value_read < 4 || version < 1 || version > 3 || r->value_read < need) {
		emit_file_caps_null(e);
		if (e->fmt == PW_FMT_TEXT && r->value_read)
			emit_cstr(e, " caps=?");
		return;
	}
	perm = le32_at(r->value + 4);
	inh = le32_at(r->value + 8);
	if (version > 1) {
		perm |= (uint64_t)le32_at(r->value + 12) << 32;
		inh |= (uint64_t)le32_at(r->value + 16) << 32;
	}
	emit_u64(e, "cap_version", NULL, version);
	emit_attr_caps(e, "cap_permitted", perm);
	emit_attr_caps(e, "cap_inheritable", inh);
	emit_bool(e, "cap_effective", "cap_effective", (magic & PW_VFS_CAP_FLAGS_EFFECTIVE) != 0);
	if (version == 3)
		emit_u64(e, "cap_rootid", "cap_rootid", le32_at(r->value + 20));
	else
		emit_null(e, "cap_rootid");
}

static void emit_xattr(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_attr r;
	bool set;

	PW_COPY(&r, rec, len);
	set = r.op == PW_XATTR_SET;
	emit_attr_common(e, &r);
	emit_name_kv(e, "op", "", set ? "set" : r.op == PW_XATTR_REMOVE ? "remove" : "?");
	emit_str(e, "name", "name", r.name, sizeof(r.name));
	if (set)
		emit_u64(e, "size", "size", r.value_len);
	else
		emit_null(e, "size");
	if (set && !strncmp(r.name, "security.capability", sizeof(r.name)))
		emit_file_caps(e, &r);
	else
		emit_file_caps_null(e);
	emit_attr_end(e, &r);
}

/* A time of utimes: RFC 3339 (UTC, nanoseconds), "now" or "omit". */
static void emit_attr_time(struct pw_emit *e, const char *key, __s64 sec, __s64 nsec)
{
	char buf[64];
	struct tm tm;
	time_t t = (time_t)sec;

	if (nsec == PW_UTIME_NOW) {
		snprintf(buf, sizeof(buf), "now");
	} else if (nsec == PW_UTIME_OMIT) {
		snprintf(buf, sizeof(buf), "omit");
	} else if (nsec < 0 || nsec > 999999999 || !gmtime_r(&t, &tm)) {
		snprintf(buf, sizeof(buf), "invalid:%lld.%lld", (long long)sec, (long long)nsec);
	} else {
		size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);

		snprintf(buf + n, sizeof(buf) - n, ".%09lldZ", (long long)nsec);
	}
	emit_name_kv(e, key, key, buf);
}

static void emit_utimes(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_attr r;

	PW_COPY(&r, rec, len);
	emit_attr_common(e, &r);
	if (r.unread & PW_ATTR_UNREAD_TIMES) {
		/* a bad pointer: the call failed with EFAULT */
		emit_null(e, "atime");
		emit_null(e, "mtime");
	} else {
		emit_attr_time(e, "atime", r.atime_sec, r.atime_nsec);
		emit_attr_time(e, "mtime", r.mtime_sec, r.mtime_nsec);
	}
	emit_attr_end(e, &r);
}

/* ---- tracepoint workbench emitters ---- */

#include "tpformat.h"

/* JSON: "0x..." (a string); text: 0x... */
static void emit_tp_hex(struct pw_emit *e, const unsigned char *p, size_t n, bool le_number)
{
	size_t i;

	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "\"", 1);
	emit_raw(e, "0x", 2);
	for (i = 0; i < n; i++) {
		/* a little-endian number reads from its last byte */
		unsigned char c = p[le_number ? n - 1 - i : i];
		char h[2];

		emit_raw(e, h, pw_put_hex(h, &c, 1));
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "\"", 1);
}

static void emit_tp_num(struct pw_emit *e, uint64_t v, bool is_signed)
{
	char num[24];

	emit_raw(e, num, is_signed ? pw_put_s64(num, (long long)v) : pw_put_u64(num, v));
}

/* Elements of n bytes each at p[0..bytes): [a,b,...] in both formats. */
static void emit_tp_array(struct pw_emit *e, const unsigned char *rec, size_t len, size_t start,
			  size_t bytes, unsigned int elem, bool is_signed)
{
	size_t i;

	emit_raw(e, "[", 1);
	for (i = 0; i + elem <= bytes; i += elem) {
		if (i)
			emit_raw(e, ",", 1);
		emit_tp_num(e, pw_tp_int(rec, len, start + i, elem, is_signed), is_signed);
	}
	emit_raw(e, "]", 1);
}

static void emit_tp_value(struct pw_emit *e, const struct pw_tp_field *fl, const unsigned char *d,
			  size_t n)
{
	size_t start = fl->offset, bytes = fl->size;

	if (fl->kind == PW_TPF_DATA_LOC || fl->kind == PW_TPF_REL_LOC) {
		if (pw_tp_loc(fl, d, n, &start, &bytes)) {
			emit_cstr(e, "null");
			return;
		}
	} else if (start > n || n - start < bytes) {
		emit_cstr(e, "null"); /* not in the record sent */
		return;
	}
	if (fl->is_char && fl->kind != PW_TPF_SCALAR && fl->kind != PW_TPF_OTHER) {
		emit_strval(e, (const char *)d + start, bytes);
		return;
	}
	switch (fl->kind) {
	case PW_TPF_SCALAR:
		if (fl->is_pointer)
			emit_tp_hex(e, d + start, bytes, true);
		else
			emit_tp_num(e, pw_tp_int(d, n, start, fl->size, fl->is_signed), fl->is_signed);
		break;
	case PW_TPF_ARRAY:
	case PW_TPF_DATA_LOC:
	case PW_TPF_REL_LOC: {
		unsigned int el = fl->elem_size;

		if (el == 1 || el == 2 || el == 4 || el == 8)
			emit_tp_array(e, d, n, start, bytes, el, fl->is_signed);
		else
			emit_tp_hex(e, d + start, bytes, false);
		break;
	}
	default:
		emit_tp_hex(e, d + start, bytes, false);
		break;
	}
}

static void emit_tracepoint(struct pw_emit *e, const void *rec, size_t len)
{
	static struct pw_tracepoint r;	/* 4 KiB: not on the stack */
	const struct pw_tp_format *f;
	size_t n, i;
	bool first = true;
	char name[2 * PW_TP_NAME_LEN + 16];

	PW_COPY(&r, rec, len);
	n = len - offsetof(struct pw_tracepoint, data);
	if (n > r.data_len)
		n = r.data_len;
	if (n > PW_TP_DATA_MAX)
		n = PW_TP_DATA_MAX;
	f = pw_tp_lookup(r.tp_id);
	if (f)
		snprintf(name, sizeof(name), "%s:%s", f->system, f->name);
	else
		snprintf(name, sizeof(name), "id:%u", r.tp_id);
	emit_str(e, "tracepoint", "", name, sizeof(name));
	if (e->fmt == PW_FMT_JSON)
		emit_key(e, "fields", NULL);
	for (i = 0; f && i < f->n_fields; i++) {
		const struct pw_tp_field *fl = &f->fields[i];

		if (fl->common)
			continue;
		if (e->fmt == PW_FMT_JSON) {
			emit_raw(e, first ? "{" : ",", 1);
			if (!e->err)
				e->err = pw_json_str(e->b, fl->name, sizeof(fl->name));
			emit_raw(e, ":", 1);
		} else {
			emit_key(e, fl->name, fl->name);
		}
		first = false;
		emit_tp_value(e, fl, r.data, n);
	}
	if (e->fmt == PW_FMT_JSON)
		emit_cstr(e, first ? "{}" : "}");
	emit_bool(e, "truncated", "(truncated)", r.truncated != 0);
}

/* ---- iouring emitters ---- */

static const struct pw_name pw_iouring_op_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_IOURING_OPS(PW_X)
#undef PW_X
};

/* Generated at build time from linux/io_uring.h (see the Makefile): the
 * names after IORING_OP_, IORING_ and IORING_SETUP_, their values the
 * header's. Opcodes newer than the build's header print as OP_<n>. */
#include "iouring_names.h"

static const struct pw_name pw_ioring_opcodes[] = {
#define PW_X(n) { IORING_OP_##n, #n },
	PW_GEN_IORING_OPS(PW_X)
#undef PW_X
};

static const struct pw_name pw_ioring_register_ops[] = {
#define PW_X(n) { IORING_##n, #n },
	PW_GEN_IORING_REGISTER_OPS(PW_X)
#undef PW_X
};

static const struct pw_flag pw_ioring_setup_flags[] = {
#define PW_X(n) { IORING_SETUP_##n, #n },
	PW_GEN_IORING_SETUP(PW_X)
#undef PW_X
};

/* JSON: an array of the names of the flags set in v ("0x<bits>" for the
 * unknown ones); text: nothing (emit_flags names them). */
static void emit_flag_names(struct pw_emit *e, const char *jkey, unsigned long long v,
			    const struct pw_flag *t, size_t n)
{
	char hex[24];
	size_t i;
	int k = 0;

	if (e->fmt != PW_FMT_JSON)
		return;
	emit_key(e, jkey, NULL);
	emit_raw(e, "[", 1);
	for (i = 0; i < n; i++) {
		if (!t[i].bits || (v & t[i].bits) != t[i].bits)
			continue;
		if (k++)
			emit_raw(e, ",", 1);
		emit_strval(e, t[i].name, strlen(t[i].name));
		v &= ~t[i].bits;
	}
	if (v) {
		if (k)
			emit_raw(e, ",", 1);
		snprintf(hex, sizeof(hex), "0x%llx", v);
		emit_strval(e, hex, strlen(hex));
	}
	emit_raw(e, "]", 1);
}

static void emit_io_uring(struct pw_emit *e, const void *rec, size_t len)
{
	const char *name = NULL;
	struct pw_io_uring r;
	char buf[24];

	PW_COPY(&r, rec, len);
	emit_name(e, "op", name_of(pw_iouring_op_names, ARRAY_SIZE(pw_iouring_op_names), r.op));
	if (r.op == PW_IOURING_SUBMIT)
		name = name_of(pw_ioring_opcodes, ARRAY_SIZE(pw_ioring_opcodes), r.opcode);
	else if (r.op == PW_IOURING_REGISTER)
		name = name_of(pw_ioring_register_ops, ARRAY_SIZE(pw_ioring_register_ops),
			       r.opcode);
	if (!name) {
		snprintf(buf, sizeof(buf), "OP_%u", r.opcode);
		name = buf;
	}
	if (r.op == PW_IOURING_CREATE)
		emit_null(e, "opcode");
	else
		emit_name_kv(e, "opcode", "opcode", name);
	emit_u64(e, "opcode_nr", NULL, r.opcode);
	emit_u64(e, "ring", "ring", r.ring);
	if (e->fmt == PW_FMT_JSON || r.op == PW_IOURING_CREATE) {
		emit_s64(e, "fd", "fd", r.fd);
		emit_flags(e, "flags", "flags", r.flags, pw_ioring_setup_flags,
			   ARRAY_SIZE(pw_ioring_setup_flags), NULL);
		emit_flag_names(e, "flag_names", r.flags, pw_ioring_setup_flags,
				ARRAY_SIZE(pw_ioring_setup_flags));
		emit_u64(e, "sq_entries", "sq_entries", r.sq_entries);
		emit_u64(e, "cq_entries", "cq_entries", r.cq_entries);
	}
	if (e->fmt == PW_FMT_JSON || r.op == PW_IOURING_REGISTER) {
		emit_u64(e, "nr_files", "nr_files", r.nr_files);
		emit_u64(e, "nr_bufs", "nr_bufs", r.nr_bufs);
		emit_ret(e, r.ret);
	}
	emit_bool(e, "sq_thread", "sq_thread", r.sq_thread != 0);
}

/* ---- namespace emitters ---- */

static const struct pw_name pw_ns_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_NS_SYSCALLS(PW_X)
#undef PW_X
};

static const struct pw_name pw_ns_type_names[] = {
#define PW_X(up, low, bit) { bit, #low },
	PW_NS_TYPES(PW_X)
#undef PW_X
};

static const struct pw_name pw_ns_flag_names[] = {
#define PW_X(up, low, bit) { bit, "CLONE_NEW" #up },
	PW_NS_TYPES(PW_X)
#undef PW_X
};

/* The CLONE_NEW* set by name. JSON: an array of names; text: NAME|NAME.
 * Bits without a name show as 0x<bits>. */
static void emit_ns_flags(struct pw_emit *e, unsigned int v)
{
	char hex[16];
	size_t i;
	int k = 0;

	if (e->fmt == PW_FMT_TEXT && !v)
		return;
	emit_key(e, "flags", "flags");
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "[", 1);
	for (i = 0; i < ARRAY_SIZE(pw_ns_flag_names); i++) {
		if (!(v & pw_ns_flag_names[i].id))
			continue;
		v &= ~pw_ns_flag_names[i].id;
		if (k++)
			emit_raw(e, e->fmt == PW_FMT_JSON ? "," : "|", 1);
		if (e->fmt == PW_FMT_JSON)
			emit_strval(e, pw_ns_flag_names[i].name, 32);
		else
			emit_cstr(e, pw_ns_flag_names[i].name);
	}
	if (v) {
		if (k)
			emit_raw(e, e->fmt == PW_FMT_JSON ? "," : "|", 1);
		snprintf(hex, sizeof(hex), "0x%x", v);
		if (e->fmt == PW_FMT_JSON)
			emit_strval(e, hex, sizeof(hex));
		else
			emit_cstr(e, hex);
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "]", 1);
}

/* JSON: "ns":{"mnt":N,...} (a header field is named pid); text: the
 * inodes of the types in show (the ones the call created or joined). */
static void emit_ns_inodes(struct pw_emit *e, const struct pw_ns_inodes *ns,
			   unsigned int show)
{
	const unsigned int v[] = {
#define PW_X(up, low, bit) ns->low,
		PW_NS_TYPES(PW_X)
#undef PW_X
	};
	char num[24];
	size_t i;

	if (e->fmt == PW_FMT_JSON) {
		emit_key(e, "ns", NULL);
		for (i = 0; i < ARRAY_SIZE(pw_ns_type_names); i++) {
			emit_raw(e, i ? ",\"" : "{\"", 2);
			emit_cstr(e, pw_ns_type_names[i].name);
			emit_raw(e, "\":", 2);
			emit_raw(e, num, pw_put_u64(num, v[i]));
		}
		emit_raw(e, "}", 1);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(pw_ns_type_names); i++)
		if (show & pw_ns_type_names[i].id)
			emit_u64(e, pw_ns_type_names[i].name, pw_ns_type_names[i].name, v[i]);
}

/* Text: "unshare flags=CLONE_NEWUSER user=4026532174 ret=0",
 * "setns type=net inode=4026532176 net=4026532176 ret=0",
 * "clone flags=CLONE_NEWPID child pid=4026532180 ret=1234" */
static void emit_namespace(struct pw_emit *e, const void *rec, size_t len)
{
	const char *type;
	struct pw_namespace r;

	PW_COPY(&r, rec, len);
	emit_name(e, "syscall", name_of(pw_ns_syscall_names,
					ARRAY_SIZE(pw_ns_syscall_names), r.syscall));
	emit_ns_flags(e, r.flags);
	if (r.syscall == PW_NS_SYS_SETNS || e->fmt == PW_FMT_JSON) {
		type = name_of(pw_ns_type_names, ARRAY_SIZE(pw_ns_type_names), r.ns_type);
		if (type)
			emit_str(e, "ns_type", "type", type, 16);
		else if (e->fmt == PW_FMT_JSON)
			emit_null(e, "ns_type");
		if (r.ns_inode)
			emit_u64(e, "ns_inode", "inode", r.ns_inode);
		else
			emit_null(e, "ns_inode");
	}
	if (e->fmt == PW_FMT_JSON)
		emit_str(e, "ns_of", NULL, r.ns_of == PW_NS_OF_CHILD ? "child" : "caller", 8);
	else
		emit_bool(e, "ns_of", "child", r.ns_of == PW_NS_OF_CHILD);
	emit_ns_inodes(e, &r.ns, r.flags | r.ns_type);
	emit_ret(e, r.ret);
}

/* ---- bench emitters ---- */

static void emit_bench(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_bench r;

	PW_COPY(&r, rec, len);
	emit_u64(e, "seq", "seq", r.seq);
}

/* ---- kmod emitters ---- */

static const struct pw_name pw_kmod_syscall_names[] = {
#define PW_X(up, low, id) { id, #low },
	PW_KMOD_SYSCALLS(PW_X)
#undef PW_X
};

/* A module's taint bits by the kernel's letters (kernel/panic.c
 * taint_flags, as module:module_load and /proc/modules print them). */
static const struct pw_flag pw_taint_flags[] = {
	{ 1u << 0, "P" }, { 1u << 1, "F" }, { 1u << 2, "S" }, { 1u << 3, "R" },
	{ 1u << 4, "M" }, { 1u << 5, "B" }, { 1u << 6, "U" }, { 1u << 7, "D" },
	{ 1u << 8, "A" }, { 1u << 9, "W" }, { 1u << 10, "C" }, { 1u << 11, "I" },
	{ 1u << 12, "O" }, { 1u << 13, "E" }, { 1u << 14, "L" }, { 1u << 15, "K" },
	{ 1u << 16, "X" }, { 1u << 17, "T" }, { 1u << 18, "N" },
};

/* Text: finit_module name=loop taints=O path=/lib/.../loop.ko ret=0 */
static void emit_kmod_load(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_kmod_load r;

	PW_COPY(&r, rec, len);
	emit_name(e, "syscall", name_of(pw_kmod_syscall_names,
					ARRAY_SIZE(pw_kmod_syscall_names), r.syscall));
	emit_str(e, "name", "name", r.name, sizeof(r.name));
	emit_flags(e, "taints", "taints", r.taints, pw_taint_flags,
		   ARRAY_SIZE(pw_taint_flags), NULL);
	if (e->fmt == PW_FMT_JSON || r.syscall == PW_KMOD_SYS_FINIT_MODULE) {
		emit_s64(e, "fd", "fd", r.fd);
		emit_u64(e, "flags", "flags", r.flags);
		emit_opt_str(e, "path", "path", r.path, sizeof(r.path));
	}
	emit_ret(e, r.ret);
}

/* Text: name=loop flags=0x800 */
static void emit_kmod_unload(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_kmod_unload r;
	char hex[24];

	PW_COPY(&r, rec, len);
	emit_str(e, "name", "name", r.name, sizeof(r.name));
	if (e->fmt == PW_FMT_JSON) {
		emit_u64(e, "flags", NULL, r.flags);
	} else {
		emit_key(e, "flags", "flags");
		emit_raw(e, hex, (size_t)snprintf(hex, sizeof(hex), "0x%x", r.flags));
	}
}

/* ---- bpf emitters ---- */

/* Generated at build time from linux/bpf.h (see the Makefile). */
static const char *const pw_bpf_cmd_names[] = { PW_BPF_CMD_NAMES };
static const char *const pw_bpf_map_type_names[] = { PW_BPF_MAP_TYPE_NAMES };
static const char *const pw_bpf_prog_type_names[] = { PW_BPF_PROG_TYPE_NAMES };
static const char *const pw_bpf_attach_type_names[] = { PW_BPF_ATTACH_TYPE_NAMES };

/* A name of one of those tables, or the number (a kernel newer than the
 * build's headers) as text. */
static const char *bpf_name(char *buf, size_t n, const char *const *t, size_t tn, __u32 v)
{
	if (v < tn && t[v])
		return t[v];
	snprintf(buf, n, "%u", v);
	return buf;
}

/* Text: PROG_LOAD prog_type=SOCKET_FILTER prog_name=hello insn_cnt=2 ret=5 */
static void emit_bpf(struct pw_emit *e, const void *rec, size_t len)
{
	struct pw_bpf r;
	char buf[16];

	PW_COPY(&r, rec, len);
	emit_name(e, "cmd", bpf_name(buf, sizeof(buf), pw_bpf_cmd_names,
				     ARRAY_SIZE(pw_bpf_cmd_names), r.cmd));
	switch (r.cmd) {
	case BPF_PROG_LOAD:
		emit_name_kv(e, "prog_type", "prog_type",
			     bpf_name(buf, sizeof(buf), pw_bpf_prog_type_names,
				      ARRAY_SIZE(pw_bpf_prog_type_names), r.prog_type));
		emit_str(e, "prog_name", "prog_name", r.name, sizeof(r.name));
		emit_u64(e, "insn_cnt", "insn_cnt", r.insn_cnt);
		break;
	case BPF_MAP_CREATE:
		emit_name_kv(e, "map_type", "map_type",
			     bpf_name(buf, sizeof(buf), pw_bpf_map_type_names,
				      ARRAY_SIZE(pw_bpf_map_type_names), r.map_type));
		emit_str(e, "map_name", "map_name", r.name, sizeof(r.name));
		break;
	case BPF_LINK_CREATE:
		emit_name_kv(e, "attach_type", "attach_type",
			     bpf_name(buf, sizeof(buf), pw_bpf_attach_type_names,
				      ARRAY_SIZE(pw_bpf_attach_type_names), r.attach_type));
		break;
	case BPF_OBJ_PIN:
	case BPF_OBJ_GET:
		emit_str(e, "path", "path", r.path, sizeof(r.path));
		break;
	}
	emit_ret(e, r.ret);
}

/* A refusal by a deny rule. JSON: act (the event type refused), path
 * (exec, open, unlink), flags (open), the remote end (connect), errno (the
 * error number the operation failed with) and denied_by (the rule's name
 * as the kernel recorded it; "rule" comes from the header, as for every
 * alert). Text: "open /etc/shadow errno=1(EPERM) denied_by=NAME". */
static void emit_deny(struct pw_emit *e, const void *rec, size_t len)
{
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	struct pw_deny r;
	const char *ename;

	PW_COPY(&r, rec, len);
	emit_name(e, "act", pw_event_type_name(r.act));
	if (r.act != PW_EV_CONNECT)
		emit_str(e, "path", "", r.path, sizeof(r.path));
	if (r.act == PW_EV_OPEN && e->fmt == PW_FMT_JSON)
		emit_u64(e, "flags", NULL, r.open_flags);
	else if (r.act == PW_EV_OPEN) /* as the open event prints them */
		emit_flags(e, "flags", "flags", r.open_flags & ~(unsigned long long)O_ACCMODE,
			   pw_open_flags, ARRAY_SIZE(pw_open_flags), acc[r.open_flags & O_ACCMODE]);
	if (r.act == PW_EV_CONNECT)
		emit_net_tuple(e, &r.t, NULL);
	emit_s64(e, "errno", "errno", r.error);
	ename = name_of(pw_errno_names, ARRAY_SIZE(pw_errno_names), (unsigned int)r.error);
	if (e->fmt == PW_FMT_TEXT && ename) {
		emit_raw(e, "(", 1);
		emit_cstr(e, ename);
		emit_raw(e, ")", 1);
	}
	emit_str(e, "denied_by", "denied_by", r.rule, sizeof(r.rule));
}

static const struct pw_event_desc pw_event_descs[] = {
	/* process: exec records are sent truncated after args_len bytes of args */
	{ PW_EV_EXEC, offsetof(struct pw_exec, args), emit_exec },
	{ PW_EV_EXIT, sizeof(struct pw_exit), emit_exit },
	{ PW_EV_FORK, sizeof(struct pw_fork), emit_fork },
	{ PW_EV_ENFORCE, sizeof(struct pw_enforce), emit_enforce },
	/* syscall */
	{ PW_EV_SYSCALL, sizeof(struct pw_syscall), emit_syscall },
	/* file */
	/* open and unlink records end after the NUL of path */
	{ PW_EV_OPEN, offsetof(struct pw_file, path), emit_open },
	{ PW_EV_UNLINK, offsetof(struct pw_file, path), emit_unlink },
	{ PW_EV_RENAME, sizeof(struct pw_file), emit_rename },
	/* memfd records end after the NUL of name */
	{ PW_EV_MEMFD, offsetof(struct pw_memfd, name), emit_memfd },

	/* net */
	/* connect/accept/bind/listen records are cut after path_len bytes of path */
	{ PW_EV_CONNECT, offsetof(struct pw_sock_call, path), emit_sock_call },
	{ PW_EV_ACCEPT, offsetof(struct pw_sock_call, path), emit_sock_call },
	{ PW_EV_BIND, offsetof(struct pw_sock_call, path), emit_sock_call },
	{ PW_EV_LISTEN, offsetof(struct pw_sock_call, path), emit_sock_call },
	{ PW_EV_TCP_STATE, sizeof(struct pw_tcp_state), emit_tcp_state },
	{ PW_EV_RETRANSMIT, sizeof(struct pw_tcp_retransmit), emit_retransmit },

	/* signal */
	{ PW_EV_SIGNAL, sizeof(struct pw_signal), emit_signal },

	/* mount */
	{ PW_EV_MOUNT, sizeof(struct pw_mount), emit_mount },
	{ PW_EV_UMOUNT, sizeof(struct pw_mount), emit_mount },

	/* oom */
	{ PW_EV_OOM, sizeof(struct pw_oom), emit_oom },
	{ PW_EV_OOM_KILL, sizeof(struct pw_oom_kill), emit_oom_kill },
	/* block */
	{ PW_EV_BLOCK_SLOW, sizeof(struct pw_block_slow), emit_block_slow },
	/* capability */
	{ PW_EV_CAPABLE, sizeof(struct pw_capable), emit_capable },
	/* cred */
	{ PW_EV_CRED, sizeof(struct pw_cred), emit_cred },
	/* ptrace */
	{ PW_EV_PTRACE, sizeof(struct pw_ptrace), emit_ptrace },
	/* audit */
	{ PW_EV_AUDIT, sizeof(struct pw_audit), emit_audit },
	/* attr */
	{ PW_EV_CHMOD, sizeof(struct pw_attr), emit_chmod },
	{ PW_EV_CHOWN, sizeof(struct pw_attr), emit_chown },
	{ PW_EV_XATTR, sizeof(struct pw_attr), emit_xattr },
	{ PW_EV_UTIMES, sizeof(struct pw_attr), emit_utimes },

	/* kmod */
	{ PW_EV_KMOD_LOAD, sizeof(struct pw_kmod_load), emit_kmod_load },
	{ PW_EV_KMOD_UNLOAD, sizeof(struct pw_kmod_unload), emit_kmod_unload },
	/* bpf */
	{ PW_EV_BPF, sizeof(struct pw_bpf), emit_bpf },

	/* uprobe, profile */
	{ PW_EV_UPROBE, sizeof(struct pw_uprobe), emit_uprobe },
	{ PW_EV_UPROBE_CONNECT, sizeof(struct pw_uprobe_connect), emit_uprobe_connect },
	{ PW_EV_UPROBE_READLINE, sizeof(struct pw_uprobe_readline), emit_uprobe_readline },
	{ PW_EV_UPROBE_GETADDRINFO, sizeof(struct pw_uprobe_getaddrinfo), emit_uprobe_getaddrinfo },

	/* tracepoint workbench */
	{ PW_EV_TRACEPOINT, offsetof(struct pw_tracepoint, data), emit_tracepoint },

	/* ns */
	{ PW_EV_NAMESPACE, sizeof(struct pw_namespace), emit_namespace },

	/* bench */
	{ PW_EV_BENCH, sizeof(struct pw_bench), emit_bench },

	/* iouring */
	{ PW_EV_IO_URING, sizeof(struct pw_io_uring), emit_io_uring },

	/* rules */
	{ PW_EV_SUPPRESSED, sizeof(struct pw_suppressed), emit_suppressed },
	/* the consumer's self-check */
	{ PW_EV_TAMPER, sizeof(struct pw_tamper), emit_tamper },

	/* deny */
	{ PW_EV_DENY, sizeof(struct pw_deny), emit_deny },
	/* consumer */
	{ PW_EV_PRESSURE, sizeof(struct pw_pressure), emit_pressure },

	/* end */
};

static const struct pw_event_desc *desc_of(unsigned int type)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pw_event_descs); i++)
		if (pw_event_descs[i].type == type)
			return &pw_event_descs[i];
	return NULL;
}

size_t pw_event_min_size(unsigned int type)
{
	const struct pw_event_desc *d = desc_of(type);

	return d ? d->min_size : 0;
}

int pw_event_check(const void *rec, size_t len)
{
	const struct pw_event_desc *d;
	struct pw_hdr h;

	if (!rec || len < sizeof(h))
		return -EINVAL;
	memcpy(&h, rec, sizeof(h));
	if (h.size != len)
		return -EINVAL;
	d = desc_of(h.type);
	if (!d || len < d->min_size)
		return -EINVAL;
	return h.type;
}

/* ------------------------------------------------------------------ */
/* Formatting                                                          */

/* Appends a string literal at p (common JSON fields). */
#define PUT_LIT(p, lit) do {				\
	memcpy((p), (lit), sizeof(lit) - 1);		\
	(p) += sizeof(lit) - 1;				\
} while (0)

static pw_cgroup_lookup_fn cgroup_lookup;

void pw_event_set_cgroup_lookup(pw_cgroup_lookup_fn fn)
{
	cgroup_lookup = fn;
}

/* The cgroup and container of h, all NULL when unknown. */
static void cgroup_of(const struct pw_hdr *h, struct pw_cgroup_info *c)
{
	memset(c, 0, sizeof(*c));
	if (cgroup_lookup && !cgroup_lookup(h->cgroup_id, c))
		memset(c, 0, sizeof(*c));
}

/* JSON: a string, or null. */
static void emit_str_or_null(struct pw_emit *e, const char *jkey, const char *s)
{
	if (s)
		emit_str(e, jkey, NULL, s, strlen(s));
	else
		emit_null(e, jkey);
}

/* The last common JSON fields: "cgroup", "container_id",
 * "container_runtime" (null when unknown or on the host), then "ns", the
 * task's namespace inodes (a namespace event has its own "ns": the
 * namespaces after the call, or the child's, as its ns_of says). */
static void emit_common_json_tail(struct pw_emit *e, const struct pw_hdr *h)
{
	struct pw_cgroup_info c;

	cgroup_of(h, &c);
	emit_str_or_null(e, "cgroup", c.path);
	emit_str_or_null(e, "container_id", c.container_id);
	emit_str_or_null(e, "container_runtime", c.runtime);
	if (h->type != PW_EV_NAMESPACE)
		emit_ns_inodes(e, &h->ns, 0);
}

/* After the type's details in text: container=ID (its first 12 bytes, as
 * docker ps shows ids) for a task in a container. */
static void emit_common_text_tail(struct pw_emit *e, const struct pw_hdr *h)
{
	struct pw_cgroup_info c;

	cgroup_of(h, &c);
	if (c.container_id)
		emit_str(e, "container_id", "container", c.container_id, PW_SHORT_CONTAINER_ID);
}

/* The common fields are most of every JSON line: they are written straight
 * into the buffer after one reservation (no call per piece). */
static void emit_common_json(struct pw_emit *e, const struct pw_hdr *h,
			     const struct pw_clock *clk)
{
	/* pressure: the consumer's own event, of no module */
	const char *mod = h->type == PW_EV_PRESSURE ? "consumer" : pw_module_name(h->module);
	const char *type = pw_event_type_name(h->type);
	size_t tl, ml;
	char *p;

	type = type ? type : "unknown";
	mod = mod ? mod : "unknown";
	tl = strlen(type);
	ml = strlen(mod);
	/* literals and 9 numbers of at most 20 digits, comm apart */
	if (e->err || (e->err = pw_buf_reserve(e->b, 320 + tl + ml)))
		return;
	p = e->b->data + e->b->len;
	PUT_LIT(p, "{\"type\":\"");
	memcpy(p, type, tl);
	p += tl;
	PUT_LIT(p, "\",\"time\":\"");
	pw_format_rfc3339(pw_clock_realtime_ns(clk, h->ts_ns), p);
	p += PW_RFC3339_LEN - 1;
	PUT_LIT(p, "\",\"pid\":");
	p += pw_put_u64(p, h->pid);
	PUT_LIT(p, ",\"tid\":");
	p += pw_put_u64(p, h->tid);
	PUT_LIT(p, ",\"ppid\":");
	p += pw_put_u64(p, h->ppid);
	PUT_LIT(p, ",\"uid\":");
	p += pw_put_u64(p, h->uid);
	PUT_LIT(p, ",\"gid\":");
	p += pw_put_u64(p, h->gid);
	PUT_LIT(p, ",\"comm\":");
	e->b->len = (size_t)(p - e->b->data);
	emit_strval(e, h->comm, sizeof(h->comm));
	emit_hex_beside(e, "comm", h->comm, sizeof(h->comm));
	if (e->err || (e->err = pw_buf_reserve(e->b, 200 + ml)))
		return;
	p = e->b->data + e->b->len;
	PUT_LIT(p, ",\"cgroup_id\":");
	p += pw_put_u64(p, h->cgroup_id);
	PUT_LIT(p, ",\"exec_id\":");
	p += pw_put_u64(p, h->exec_id);
	PUT_LIT(p, ",\"parent_exec_id\":");
	p += pw_put_u64(p, h->parent_exec_id);
	PUT_LIT(p, ",\"module\":\"");
	memcpy(p, mod, ml);
	p += ml;
	PUT_LIT(p, "\",\"cpu\":");
	p += pw_put_u64(p, h->cpu);
	e->b->len = (size_t)(p - e->b->data);
	emit_common_json_tail(e, h);
}

/* v right-aligned in width columns (or wider), then a space. */
static size_t put_u64_col(char *out, unsigned long long v, size_t width)
{
	char num[20];
	size_t n = pw_put_u64(num, v), pad = n < width ? width - n : 0;

	memset(out, ' ', pad);
	memcpy(out + pad, num, n);
	out[pad + n] = ' ';
	return pad + n + 1;
}

static void emit_common_text(struct pw_emit *e, const struct pw_hdr *h,
			     const struct pw_clock *clk)
{
	/* The local time of the last second seen: localtime_r per event was
	 * a good part of the text consumer's time. Per thread. */
	static __thread struct { time_t secs; int valid; char col[16]; } last;
	uint64_t real = pw_clock_realtime_ns(clk, h->ts_ns);
	time_t secs = (time_t)(real / 1000000000ULL);
	const char *type = pw_event_type_name(h->type);
	char col[96];
	struct tm tm;
	size_t start, n, tl;

	if (!last.valid || last.secs != secs) {
		if (localtime_r(&secs, &tm))
			snprintf(last.col, sizeof(last.col), "%02d:%02d:%02d ",
				 tm.tm_hour, tm.tm_min, tm.tm_sec);
		else
			snprintf(last.col, sizeof(last.col), "??:??:?? ");
		last.secs = secs;
		last.valid = 1;
	}
	emit_raw(e, last.col, strlen(last.col));
	/* "%-5s %7u %7u %6u " */
	type = type ? type : "?";
	tl = strlen(type);
	memcpy(col, type, tl);
	n = tl < 5 ? 5 : tl;
	memset(col + tl, ' ', n + 1 - tl);
	n++;
	n += put_u64_col(col + n, h->pid, 7);
	n += put_u64_col(col + n, h->ppid, 7);
	n += put_u64_col(col + n, h->uid, 6);
	emit_raw(e, col, n);
	start = e->b->len;
	emit_strval(e, h->comm, sizeof(h->comm));
	if (!e->err && e->b->len - start < PW_COMM_LEN) {
		n = (int)(PW_COMM_LEN - (e->b->len - start));
		emit_raw(e, "                ", (size_t)n);
	}
	emit_raw(e, " ", 1);
}

static pw_rule_lookup_fn rule_lookup;

void pw_event_set_rule_lookup(pw_rule_lookup_fn fn)
{
	rule_lookup = fn;
}

/* The rule an alert names (hdr.rule): JSON "rule", "severity", "tags" (an
 * array); text "! rule=NAME severity=S tags=T". A rule the lookup does not
 * know (deleted since) is "#SLOT", severity "unknown". */
static void emit_rule(struct pw_emit *e, unsigned int rule)
{
	struct pw_rule_info ri = { 0 };
	char num[32], tags[PW_RULE_TAGS_MAX];
	size_t n = 0;

	if (!rule_lookup || !rule_lookup(rule, &ri) || !ri.name) {
		snprintf(num, sizeof(num), "#%u", rule - 1);
		ri.name = num;
		ri.severity = "unknown";
		ri.tags = "";
	}
	if (e->fmt == PW_FMT_TEXT) {
		emit_key(e, "", "");
		emit_raw(e, "!", 1);
	}
	emit_str(e, "rule", "rule", ri.name, PW_RULE_NAME_MAX);
	emit_str(e, "severity", "severity", ri.severity ? ri.severity : "unknown", 16);
	if (e->fmt == PW_FMT_TEXT) {
		if (ri.tags && *ri.tags)
			emit_str(e, "tags", "tags", ri.tags, PW_RULE_TAGS_MAX);
		return;
	}
	/* comma-separated in the rule: NUL-separated for the array */
	for (const char *t = ri.tags ? ri.tags : ""; *t && n < sizeof(tags) - 1; t++)
		tags[n++] = *t == ',' ? '\0' : *t;
	emit_strv(e, "tags", tags, n);
}

/* The event's parent and ancestors (pw_event_format_lineage()). */
static void emit_lineage(struct pw_emit *e, const struct pw_hdr *h, const struct pw_lineage_src *src)
{
	/* ids already named: a chain that loops ends there */
	uint64_t seen[PW_ANCESTORS_MAX + 2];
	unsigned int n_seen = 0, depth = src ? src->ancestors : 0;
	struct pw_lineage p;
	uint64_t id = h->parent_exec_id;
	bool known = src && src->lookup && id && id != h->exec_id && src->lookup(src->ctx, id, &p);
	size_t args = known ? p.args_len : 0;

	if (e->fmt != PW_FMT_JSON) {
		if (known)
			emit_str(e, "parent", "parent", p.binary, sizeof(p.binary));
		return;
	}
	emit_key(e, "parent", NULL);
	if (!known) {
		emit_raw(e, "null", 4);
	} else {
		char num[24];

		emit_raw(e, "{\"pid\":", 7);
		emit_raw(e, num, pw_put_u64(num, p.pid));
		emit_u64(e, "exec_id", NULL, id);
		emit_str(e, "filename", NULL, p.binary, sizeof(p.binary));
		emit_strv(e, "args", p.args, args < sizeof(p.args) ? args : sizeof(p.args));
		emit_raw(e, "}", 1);
	}
	emit_key(e, "ancestors", NULL);
	emit_raw(e, "[", 1);
	if (depth > PW_ANCESTORS_MAX)
		depth = PW_ANCESTORS_MAX;
	seen[n_seen++] = h->exec_id;
	seen[n_seen++] = id;
	/* the next id up: only it is kept of each level (not a copy of
	 * the whole record, args and all, a level) */
	id = known ? p.parent_exec_id : 0;
	for (unsigned int i = 0; known && i < depth; i++) {
		struct pw_lineage a;
		bool loop = false;

		for (unsigned int k = 0; k < n_seen; k++)
			loop |= seen[k] == id;
		if (!id || loop || !src->lookup(src->ctx, id, &a))
			break;
		seen[n_seen++] = id;
		if (i)
			emit_raw(e, ",", 1);
		emit_strval(e, a.binary, sizeof(a.binary));
		id = a.parent_exec_id;
	}
	emit_raw(e, "]", 1);
}

int pw_event_format(const void *rec, size_t len, enum pw_output_fmt fmt,
		    const struct pw_clock *clk, struct pw_buf *out)
{
	return pw_event_format_extra(rec, len, fmt, clk, NULL, out);
}

int pw_event_format_lineage(const void *rec, size_t len, enum pw_output_fmt fmt,
			    const struct pw_clock *clk, const struct pw_lineage_src *src,
			    struct pw_buf *out)
{
	struct pw_event_extra x = { .lineage = src };

	return pw_event_format_extra(rec, len, fmt, clk, &x, out);
}

int pw_event_format_extra(const void *rec, size_t len, enum pw_output_fmt fmt,
			  const struct pw_clock *clk,
			  const struct pw_event_extra *x, struct pw_buf *out)
{
	struct pw_emit e = { .b = out, .fmt = fmt, .x = x };
	const struct pw_event_desc *d;
	size_t start = out->len;
	struct pw_hdr h;
	int type;

	type = pw_event_check(rec, len);
	if (type < 0)
		return type;
	d = desc_of((unsigned int)type);
	memcpy(&h, rec, sizeof(h));
	if (fmt == PW_FMT_JSON)
		emit_common_json(&e, &h, clk);
	else
		emit_common_text(&e, &h, clk);
	d->emit(&e, rec, len);
	if (fmt == PW_FMT_TEXT)
		emit_common_text_tail(&e, &h);
	emit_lineage(&e, &h, x ? x->lineage : NULL);
	if (pw_hdr_rule(&h))
		emit_rule(&e, pw_hdr_rule(&h));
	/* sent as 1 of sample_rate events of its type (shedding) */
	if (h.sample_log2)
		emit_u64(&e, "sample_rate", "sample_rate",
			 1ULL << (h.sample_log2 < 63 ? h.sample_log2 : 63));
	emit_cstr(&e, fmt == PW_FMT_JSON ? "}\n" : "\n");
	if (e.err) {
		out->len = start;
		return e.err;
	}
	return 0;
}

/* ---- names to numbers, for rule selectors (loader/rule.c) ---- */

/* Does name spell entry (case-insensitive), with or without prefix? */
static bool name_is(const char *name, const char *entry, const char *prefix)
{
	size_t pl = strlen(prefix);

	if (!entry)
		return false;
	if (!strcasecmp(name, entry))
		return true;
	if (!strncasecmp(entry, prefix, pl) && !strcasecmp(name, entry + pl))
		return true;
	return !strncasecmp(name, prefix, pl) && !strcasecmp(name + pl, entry);
}

int pw_name_value(const char *set, const char *name, unsigned long long *v)
{
	if (!strcmp(set, "syscall")) {
		for (size_t i = 0; i < ARRAY_SIZE(pw_syscall_names); i++)
			if (name_is(name, pw_syscall_names[i], "sys_"))
				return *v = i, 0;
	} else if (!strcmp(set, "cap")) {
		for (size_t i = 0; i < ARRAY_SIZE(pw_cap_names); i++)
			if (name_is(name, pw_cap_names[i], "CAP_"))
				return *v = i, 0;
	} else if (!strcmp(set, "bpf_cmd")) {
		for (size_t i = 0; i < ARRAY_SIZE(pw_bpf_cmd_names); i++)
			if (name_is(name, pw_bpf_cmd_names[i], "BPF_"))
				return *v = i, 0;
	} else if (!strcmp(set, "ptrace")) {
		for (size_t i = 0; i < ARRAY_SIZE(pw_ptrace_requests); i++)
			if (name_is(name, pw_ptrace_requests[i].name, "PTRACE_"))
				return *v = pw_ptrace_requests[i].id, 0;
	} else if (!strcmp(set, "ns")) {
		for (size_t i = 0; i < ARRAY_SIZE(pw_ns_flag_names); i++)
			if (name_is(name, pw_ns_flag_names[i].name, "CLONE_NEW"))
				return *v = pw_ns_flag_names[i].id, 0;
	}
	return -1;
}
