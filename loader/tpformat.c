// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tpformat.c: tracefs format files, raw record decoding, the in-BPF filter
 * parser and the format registry. See tpformat.h.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpformat.h"

static void set_err(char *err, size_t errsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static void copy_str(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

/* "const unsigned char" -> "unsigned char": qualifiers do not change size. */
static void strip_qualifiers(char *s)
{
	static const char *const quals[] = { "const ", "volatile ", "__user ", "__rcu " };
	bool again = true;

	while (again) {
		again = false;
		for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
			char *p = strstr(s, quals[i]);

			if (p) {
				memmove(p, p + strlen(quals[i]), strlen(p + strlen(quals[i])) + 1);
				again = true;
			}
		}
	}
	trim(s);
}

/* Size of a C base type by name (64-bit kernel), 0 when unknown. */
static unsigned int type_size(const char *base)
{
	static const struct {
		const char *name;
		unsigned int size;
	} types[] = {
		{ "char", 1 }, { "signed char", 1 }, { "unsigned char", 1 }, { "u8", 1 },
		{ "s8", 1 }, { "__u8", 1 }, { "__s8", 1 }, { "bool", 1 }, { "_Bool", 1 },
		{ "short", 2 }, { "unsigned short", 2 }, { "u16", 2 }, { "s16", 2 },
		{ "__u16", 2 }, { "__s16", 2 }, { "__be16", 2 }, { "__le16", 2 },
		{ "int", 4 }, { "unsigned int", 4 }, { "unsigned", 4 }, { "u32", 4 },
		{ "s32", 4 }, { "__u32", 4 }, { "__s32", 4 }, { "pid_t", 4 }, { "uid_t", 4 },
		{ "gid_t", 4 }, { "__be32", 4 }, { "__le32", 4 }, { "dev_t", 4 },
		{ "long", 8 }, { "unsigned long", 8 }, { "long long", 8 },
		{ "unsigned long long", 8 }, { "u64", 8 }, { "s64", 8 }, { "__u64", 8 },
		{ "__s64", 8 }, { "size_t", 8 }, { "loff_t", 8 }, { "__be64", 8 },
	};

	if (strchr(base, '*'))
		return sizeof(void *);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(types[i].name, base))
			return types[i].size;
	return 0;
}

/* An offset or a size: decimal digits, at most PW_TP_DATA_MAX, so that
 * offset + size cannot wrap ("-1" or a huge number would, and would pass
 * the record size check of pw_tp_parse_format). */
static int record_num(const char *s, unsigned int *v)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno || end == s || n > PW_TP_DATA_MAX)
		return -1;
	*v = (unsigned int)n;
	return 0;
}

/* "field:TYPE NAME[N];\toffset:O;\tsize:S;\tsigned:G;" */
static int parse_field(const char *line, struct pw_tp_field *fl)
{
	const char *decl = strstr(line, "field:"), *semi, *p;
	char buf[256], *name, *br;
	unsigned long v;

	if (!decl)
		return -1;
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi || (size_t)(semi - decl) >= sizeof(buf))
		return -1;
	memset(fl, 0, sizeof(*fl));
	copy_str(buf, sizeof(buf), decl, (size_t)(semi - decl));
	trim(buf);
	name = strrchr(buf, ' ');
	if (!name)
		return -1;
	*name++ = '\0';
	/* "char * name" puts the star in the type; "char *name" in the name */
	while (*name == '*') {
		size_t n = strlen(buf);

		if (n + 2 < sizeof(buf)) {
			buf[n] = '*';
			buf[n + 1] = '\0';
		}
		name++;
	}
	copy_str(fl->type, sizeof(fl->type), buf, strlen(buf));
	trim(fl->type);
	br = strchr(name, '[');
	if (br) {
		char *end;

		*br = '\0';
		fl->kind = PW_TPF_ARRAY;
		v = strtoul(br + 1, &end, 10);
		fl->count = end != br + 1 && *end == ']' ? (unsigned int)v : 0;
	}
	if (!*name)
		return -1;
	copy_str(fl->name, sizeof(fl->name), name, strlen(name));

	p = strstr(semi, "offset:");
	if (!p || record_num(p + 7, &fl->offset))
		return -1;
	p = strstr(semi, "size:");
	if (!p || record_num(p + 5, &fl->size))
		return -1;
	p = strstr(semi, "signed:");
	fl->is_signed = p && p[7] == '1';

	/* element type */
	copy_str(fl->base, sizeof(fl->base), fl->type, strlen(fl->type));
	if (!strncmp(fl->base, "__data_loc ", 11) || !strncmp(fl->base, "__rel_loc ", 10)) {
		fl->kind = fl->base[2] == 'd' ? PW_TPF_DATA_LOC : PW_TPF_REL_LOC;
		memmove(fl->base, strchr(fl->base, ' ') + 1, strlen(strchr(fl->base, ' ')));
	}
	br = strchr(fl->base, '[');
	if (br)
		*br = '\0';
	fl->is_user = strstr(fl->type, "__user") != NULL;
	strip_qualifiers(fl->base);
	fl->is_pointer = strchr(fl->base, '*') != NULL && fl->kind != PW_TPF_ARRAY;
	fl->is_char = !fl->is_pointer && (!strcmp(fl->base, "char") || !strcmp(fl->base, "signed char"));
	fl->common = !strncmp(fl->name, "common_", 7);
	switch (fl->kind) {
	case PW_TPF_ARRAY:
		if (fl->count)
			fl->elem_size = fl->size / fl->count;
		else if ((fl->elem_size = type_size(fl->base)))
			fl->count = fl->size / fl->elem_size;
		if (!fl->count || fl->count * fl->elem_size != fl->size) {
			fl->elem_size = 1;	/* shown as bytes */
			fl->count = fl->size;
		}
		break;
	case PW_TPF_DATA_LOC:
	case PW_TPF_REL_LOC:
		fl->elem_size = type_size(fl->base);
		break;
	default:
		if (fl->size != 1 && fl->size != 2 && fl->size != 4 && fl->size != 8)
			fl->kind = PW_TPF_OTHER;
		break;
	}
	return 0;
}

int pw_tp_parse_format(const char *text, struct pw_tp_format *f, char *err, size_t errsz)
{
	const char *line = text;
	bool have_id = false;

	memset(f, 0, sizeof(*f));
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char buf[512];

		copy_str(buf, sizeof(buf), line, n);
		if (!strncmp(buf, "name:", 5)) {
			trim(buf + 5);
			copy_str(f->name, sizeof(f->name), buf + 5, strlen(buf + 5));
		} else if (!strncmp(buf, "ID:", 3)) {
			f->id = (unsigned int)strtoul(buf + 3, NULL, 10);
			have_id = true;
		} else if (strstr(buf, "field:")) {
			struct pw_tp_field *fl;

			if (f->n_fields >= PW_TP_FIELDS_MAX) {
				set_err(err, errsz, "more than %d fields", PW_TP_FIELDS_MAX);
				return -1;
			}
			fl = &f->fields[f->n_fields];
			if (parse_field(buf, fl)) {
				set_err(err, errsz, "cannot parse format line '%s'", buf);
				return -1;
			}
			f->n_fields++;
			if (fl->offset + fl->size > f->fixed_size)
				f->fixed_size = fl->offset + fl->size;
			if (fl->common && fl->offset + fl->size > f->common_size)
				f->common_size = fl->offset + fl->size;
		} else if (!strncmp(buf, "print fmt:", 10)) {
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	if (!have_id || !f->n_fields) {
		set_err(err, errsz, "not a tracepoint format file (no ID or no fields)");
		return -1;
	}
	if (f->fixed_size > PW_TP_DATA_MAX) {
		set_err(err, errsz, "record of %u bytes is larger than %d", f->fixed_size, PW_TP_DATA_MAX);
		return -1;
	}
	return 0;
}

const struct pw_tp_field *pw_tp_field(const struct pw_tp_format *f, const char *name)
{
	for (unsigned int i = 0; i < f->n_fields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

uint64_t pw_tp_int(const void *rec, size_t len, size_t off, unsigned int size, bool is_signed)
{
	const unsigned char *p = rec;
	uint64_t v = 0;

	if (size > 8 || off > len || len - off < size)
		return 0;
	for (unsigned int i = 0; i < size; i++) /* little-endian */
		v |= (uint64_t)p[off + i] << (8 * i);
	if (is_signed && size < 8 && (v >> (8 * size - 1)) & 1)
		v |= ~0ULL << (8 * size);
	return v;
}

int pw_tp_loc(const struct pw_tp_field *fl, const void *rec, size_t len, size_t *start, size_t *n)
{
	uint32_t loc;
	size_t s, l;

	if ((fl->kind != PW_TPF_DATA_LOC && fl->kind != PW_TPF_REL_LOC) || fl->size < 4)
		return -1;
	if (fl->offset > len || len - fl->offset < 4)
		return -1;
	loc = (uint32_t)pw_tp_int(rec, len, fl->offset, 4, false);
	s = loc & 0xffff;
	l = loc >> 16;
	if (fl->kind == PW_TPF_REL_LOC)
		s += fl->offset + 4;
	if (s > len)
		return -1;
	if (l > len - s)
		l = len - s;
	*start = s;
	*n = l;
	return 0;
}

/* ---- filter ------------------------------------------------------------- */

struct lexer {
	const char *p;
	char tok[128];
	bool quoted;
};

/* Next token into lx->tok: an identifier or number, a quoted string
 * (quoted = true), or an operator. Returns 0 at the end, 1, or -1. */
static int lex(struct lexer *lx)
{
	const char *p = lx->p;
	size_t n = 0;

	lx->quoted = false;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		lx->p = p;
		lx->tok[0] = '\0';
		return 0;
	}
	if (*p == '"' || *p == '\'') {
		char q = *p++;

		while (*p && *p != q) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 >= sizeof(lx->tok))
				return -1;
			lx->tok[n++] = *p++;
		}
		if (*p != q)
			return -1;
		lx->tok[n] = '\0';
		lx->p = p + 1;
		lx->quoted = true;
		return 1;
	}
	if (strchr("=!<>&|~()", *p)) {
		lx->tok[n++] = *p++;
		if ((*p == '=' && strchr("=!<>", lx->tok[0])) || (*p == '&' && lx->tok[0] == '&') ||
		    (*p == '|' && lx->tok[0] == '|'))
			lx->tok[n++] = *p++;
		lx->tok[n] = '\0';
		lx->p = p;
		return 1;
	}
	while (*p && !isspace((unsigned char)*p) && !strchr("=!<>&|~()\"'", *p)) {
		if (n + 1 >= sizeof(lx->tok))
			return -1;
		lx->tok[n++] = *p++;
	}
	lx->tok[n] = '\0';
	lx->p = p;
	return 1;
}

#define FILTER_HINT "(tp watch --filter: FIELD OP VALUE joined by &&; the kernel's full syntax: pinwatch tp ftrace --filter)"

int pw_tp_parse_filter(const struct pw_tp_format *f, const char *expr, struct pw_tp_cond *conds,
		       unsigned int *n, char *err, size_t errsz)
{
	struct lexer lx = { .p = expr };
	int r;

	*n = 0;
	for (;;) {
		const struct pw_tp_field *fl;
		struct pw_tp_cond *c;
		char field[128], op[8];
		bool string_field;

		if ((r = lex(&lx)) <= 0 || lx.quoted || strchr("=!<>&|~()", lx.tok[0])) {
			set_err(err, errsz, "filter '%s': expected a field name %s", expr, FILTER_HINT);
			return -1;
		}
		copy_str(field, sizeof(field), lx.tok, strlen(lx.tok));
		fl = pw_tp_field(f, field);
		if (!fl) {
			set_err(err, errsz, "filter '%s': %s:%s has no field '%s' (see: pinwatch tp format %s:%s)",
				expr, f->system, f->name, field, f->system, f->name);
			return -1;
		}
		if (fl->common) {
			set_err(err, errsz, "filter '%s': %s is a common field, which BPF cannot read (use: pinwatch filter add pid|comm)",
				expr, field);
			return -1;
		}
		if (lex(&lx) <= 0 || lx.quoted) {
			set_err(err, errsz, "filter '%s': expected an operator after %s %s", expr, field, FILTER_HINT);
			return -1;
		}
		copy_str(op, sizeof(op), lx.tok, strlen(lx.tok));
		if (lex(&lx) <= 0 || (!lx.quoted && strchr("=!<>&|~()", lx.tok[0]))) {
			set_err(err, errsz, "filter '%s': expected a value after %s %s", expr, field, op);
			return -1;
		}
		if (*n >= PW_TP_COND_MAX) {
			set_err(err, errsz, "filter '%s': at most %d conditions", expr, PW_TP_COND_MAX);
			return -1;
		}
		c = &conds[(*n)++];
		memset(c, 0, sizeof(*c));
		c->off = (__u16)fl->offset;
		string_field = fl->is_char && (fl->kind == PW_TPF_ARRAY || fl->kind == PW_TPF_DATA_LOC ||
					       fl->kind == PW_TPF_REL_LOC);
		if (string_field) {
			size_t len = strlen(lx.tok);

			if (!strcmp(op, "==") || !strcmp(op, "~"))
				c->op = PW_TP_OP_STR_EQ;
			else if (!strcmp(op, "!="))
				c->op = PW_TP_OP_STR_NE;
			else {
				set_err(err, errsz, "filter '%s': string field %s takes == != or ~", expr, field);
				return -1;
			}
			if (len && lx.tok[len - 1] == '*') {
				c->prefix = 1;
				len--;
			}
			if (memchr(lx.tok, '*', len) || memchr(lx.tok, '?', len) || memchr(lx.tok, '[', len)) {
				set_err(err, errsz, "filter '%s': only a trailing * is supported in BPF", expr);
				return -1;
			}
			if (len >= PW_TP_STR_MAX) {
				set_err(err, errsz, "filter '%s': string longer than %d bytes", expr, PW_TP_STR_MAX - 1);
				return -1;
			}
			memcpy(c->str, lx.tok, len);
			c->str_kind = fl->kind == PW_TPF_ARRAY ? PW_TP_STR_ARRAY :
				      fl->kind == PW_TPF_DATA_LOC ? PW_TP_STR_DATA_LOC : PW_TP_STR_REL_LOC;
			c->len = fl->kind == PW_TPF_ARRAY ? fl->size : 0;
		} else {
			static const struct {
				const char *s;
				enum pw_tp_op op;
			} ops[] = {
				{ "==", PW_TP_OP_EQ }, { "!=", PW_TP_OP_NE }, { "<", PW_TP_OP_LT },
				{ "<=", PW_TP_OP_LE }, { ">", PW_TP_OP_GT }, { ">=", PW_TP_OP_GE },
				{ "&", PW_TP_OP_BAND },
			};
			char *end;

			if (fl->kind != PW_TPF_SCALAR) {
				set_err(err, errsz, "filter '%s': field %s (%s) is neither a number nor a string",
					expr, field, fl->type);
				return -1;
			}
			for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
				if (!strcmp(op, ops[i].s))
					c->op = ops[i].op;
			if (!c->op) {
				set_err(err, errsz, "filter '%s': unknown operator '%s' for number field %s (== != < <= > >= &)",
					expr, op, field);
				return -1;
			}
			errno = 0;
			if (lx.tok[0] == '-')
				c->value = (__u64)strtoll(lx.tok, &end, 0);
			else
				c->value = strtoull(lx.tok, &end, 0);
			if (lx.quoted || errno || end == lx.tok || *end) {
				set_err(err, errsz, "filter '%s': '%s' is not a number", expr, lx.tok);
				return -1;
			}
			c->size = (__u8)fl->size;
			c->is_signed = fl->is_signed;
		}
		r = lex(&lx);
		if (r == 0)
			return 0;
		if (r < 0 || strcmp(lx.tok, "&&")) {
			set_err(err, errsz, "filter '%s': unexpected '%s' %s", expr, lx.tok, FILTER_HINT);
			return -1;
		}
	}
}

/* ---- registry ----------------------------------------------------------- */

static const struct pw_tp_format *registry[16];

void pw_tp_register(const struct pw_tp_format *f)
{
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++) {
		if (!registry[i] || registry[i]->id == f->id) {
			registry[i] = f;
			return;
		}
	}
}

const struct pw_tp_format *pw_tp_lookup(unsigned int id)
{
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]) && registry[i]; i++)
		if (registry[i]->id == id)
			return registry[i];
	return NULL;
}

/* ---- tracefs ------------------------------------------------------------- */

static bool has_events(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), "%s/events", dir);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

const char *pw_tracefs_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("PINWATCH_TRACEFS");
	char line[1024], mnt[512], type[64];
	FILE *f;

	if (env && *env)
		return env;
	f = fopen("/proc/self/mounts", "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %511s %63s", mnt, type) != 2)
			continue;
		if (!strcmp(type, "tracefs") && has_events(mnt)) {
			snprintf(dir, sizeof(dir), "%s", mnt);
			fclose(f);
			return dir;
		}
	}
	if (f)
		fclose(f);
	if (has_events("/sys/kernel/tracing"))
		return "/sys/kernel/tracing";
	if (has_events("/sys/kernel/debug/tracing")) /* older systems: under debugfs */
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static bool valid_part(const char *s, size_t n)
{
	if (!n || n >= PW_TP_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return false;
	return !(n <= 2 && s[0] == '.');
}

int pw_tp_load(const char *spec, struct pw_tp_format *f, char *err, size_t errsz)
{
	const char *sep = strpbrk(spec, ":/"), *dir = pw_tracefs_dir();
	char path[PATH_MAX], *text = NULL;
	size_t len = 0, cap = 0;
	int fd, rc;

	if (!sep || !valid_part(spec, (size_t)(sep - spec)) || !valid_part(sep + 1, strlen(sep + 1))) {
		set_err(err, errsz, "'%s' is not CATEGORY:NAME (e.g. sched:sched_process_exec)", spec);
		return -1;
	}
	if (!dir) {
		set_err(err, errsz, "tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/events/%.*s/%s/format", dir, (int)(sep - spec), spec, sep + 1);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			set_err(err, errsz, "tracepoint %.*s:%s does not exist (see: pinwatch tp list)",
				(int)(sep - spec), spec, sep + 1);
		else
			set_err(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *t = realloc(text, cap + 65536);

			if (!t) {
				free(text);
				close(fd);
				set_err(err, errsz, "out of memory");
				return -1;
			}
			text = t;
			cap += 65536;
		}
		n = read(fd, text + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	text[len] = '\0';
	rc = pw_tp_parse_format(text, f, err, errsz);
	free(text);
	if (!rc)
		copy_str(f->system, sizeof(f->system), spec, (size_t)(sep - spec));
	/* syscall tracepoints show the arguments without __user */
	for (unsigned int i = 0; !rc && !strcmp(f->system, "syscalls") && i < f->n_fields; i++)
		if (f->fields[i].is_pointer)
			f->fields[i].is_user = true;
	if (!rc && strcmp(f->name, sep + 1))
		copy_str(f->name, sizeof(f->name), sep + 1, strlen(sep + 1));
	return rc;
}
