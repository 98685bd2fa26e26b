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
#include <time.h>

#include "pwevent.h"

/* ------------------------------------------------------------------ */
/* Growable buffer                                                     */

int pw_buf_reserve(struct pw_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - b->len)
		return -ENOMEM;
	need = b->len + extra;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int pw_buf_append(struct pw_buf *b, const void *p, size_t n)
{
	if (!n)
		return 0;
	if (pw_buf_reserve(b, n))
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int pw_buf_printf(struct pw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if (pw_buf_reserve(b, (size_t)n + 1))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void pw_buf_free(struct pw_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */
/* Clock                                                               */

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int pw_clock_init(struct pw_clock *clk)
{
	int64_t best_win = INT64_MAX;
	int i;

	/* Bracket the realtime read between two monotonic reads and keep the
	 * tightest of a few tries: the offset is then exact to ~100 ns. */
	for (i = 0; i < 5; i++) {
		struct timespec m1, r, m2;
		int64_t win;

		if (clock_gettime(CLOCK_MONOTONIC, &m1) ||
		    clock_gettime(CLOCK_REALTIME, &r) ||
		    clock_gettime(CLOCK_MONOTONIC, &m2))
			return -errno;
		win = ts_ns(&m2) - ts_ns(&m1);
		if (win < best_win) {
			best_win = win;
			clk->mono_to_real_ns = ts_ns(&r) -
				(ts_ns(&m1) + win / 2);
		}
	}
	return 0;
}

uint64_t pw_clock_realtime_ns(const struct pw_clock *clk, uint64_t mono_ns)
{
	/* Unsigned wrap-around: garbage in gives a date, never UB. */
	return mono_ns + (uint64_t)clk->mono_to_real_ns;
}

static char *put_digits(char *p, unsigned long long v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void pw_format_rfc3339(uint64_t unix_ns, char out[PW_RFC3339_LEN])
{
	uint64_t secs = unix_ns / 1000000000ULL;
	unsigned int nsec = (unsigned int)(unix_ns % 1000000000ULL);
	uint64_t days = secs / 86400, rem = secs % 86400;
	/* civil_from_days (H. Hinnant), days >= 0 so all unsigned. u64 ns
	 * ends in year 2554: four digits always suffice. */
	uint64_t z = days + 719468;
	uint64_t era = z / 146097;
	uint64_t doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t y = yoe + era * 400;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1;
	uint64_t m = mp < 10 ? mp + 3 : mp - 9;
	char *p = out;

	y += (m <= 2);
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	p = put_digits(p, d, 2);
	*p++ = 'T';
	p = put_digits(p, rem / 3600, 2);
	*p++ = ':';
	p = put_digits(p, rem / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, rem % 60, 2);
	*p++ = '.';
	p = put_digits(p, nsec, 9);
	*p++ = 'Z';
	*p = '\0';
}

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
#undef PW_X
	{ PW_MOD_TPWATCH, "tpwatch" },	/* pinwatch tp watch: not a module */
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

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
/* String escaping                                                     */

size_t pw_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* > U+10FFFF */
	} else
		return 0;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

static const char hexdig[] = "0123456789abcdef";

int pw_json_str(struct pw_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0;

	n = strnlen(s, n);
	/* Worst case 6 output bytes per input byte, plus the quotes. */
	if (n > (SIZE_MAX - 2) / 6 || pw_buf_reserve(b, n * 6 + 2))
		return -ENOMEM;
	b->data[b->len++] = '"';
	while (i < n) {
		unsigned char c = u[i];
		size_t sl;

		if (c >= 0x20 && c != '"' && c != '\\' &&
		    (sl = pw_utf8_seq_len(u + i, n - i)) > 0) {
			i += sl;
			run += sl;
			continue;
		}
		memcpy(b->data + b->len, u + i - run, run);
		b->len += run;
		run = 0;
		if (c == '"' || c == '\\') {
			b->data[b->len++] = '\\';
			b->data[b->len++] = (char)c;
		} else {
			/* control character, or a byte that does not start
			 * a valid UTF-8 sequence */
			memcpy(b->data + b->len, "\\u00", 4);
			b->len += 4;
			b->data[b->len++] = hexdig[c >> 4];
			b->data[b->len++] = hexdig[c & 15];
		}
		i++;
	}
	memcpy(b->data + b->len, u + i - run, run);
	b->len += run;
	b->data[b->len++] = '"';
	return 0;
}

/* Text mode: one event per line must stay one line on a terminal, so
 * control characters (C0, DEL, C1) and invalid UTF-8 become \xNN. */
static int pw_text_str(struct pw_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	n = strnlen(s, n);
	if (n > SIZE_MAX / 8 || pw_buf_reserve(b, n * 8))
		return -ENOMEM;
	while (i < n) {
		unsigned char c = u[i];
		size_t sl = pw_utf8_seq_len(u + i, n - i);
		size_t k;

		if (sl == 1 && c >= 0x20 && c != 0x7f) {
			b->data[b->len++] = (char)c;
			i++;
			continue;
		}
		if (sl > 1 && !(c == 0xC2 && u[i + 1] < 0xA0)) {
			memcpy(b->data + b->len, u + i, sl);
			b->len += sl;
			i += sl;
			continue;
		}
		if (sl == 0)
			sl = 1;
		for (k = 0; k < sl; k++) {
			c = u[i + k];
			b->data[b->len++] = '\\';
			b->data[b->len++] = 'x';
			b->data[b->len++] = hexdig[c >> 4];
			b->data[b->len++] = hexdig[c & 15];
		}
		i += sl;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Field emitter: one call per field serves both output formats.        */

struct pw_emit {
	struct pw_buf *b;
	enum pw_output_fmt fmt;
	int err;
	int text_items;		/* details already written (text mode) */
};

static void emit_raw(struct pw_emit *e, const char *s, size_t n)
{
	if (!e->err)
		e->err = pw_buf_append(e->b, s, n);
}

static void emit_cstr(struct pw_emit *e, const char *s)
{
	emit_raw(e, s, strlen(s));
}

/* JSON: ,"key":   Text: a separating space, then key= unless key is "". */
static void emit_key(struct pw_emit *e, const char *jkey, const char *tkey)
{
	if (e->fmt == PW_FMT_JSON) {
		emit_raw(e, ",\"", 2);
		emit_cstr(e, jkey);
		emit_raw(e, "\":", 2);
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
	emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%llu", v));
}

static void emit_s64(struct pw_emit *e, const char *jkey, const char *tkey,
		     long long v)
{
	char num[24];

	if (e->fmt == PW_FMT_TEXT && !tkey)
		return;
	emit_key(e, jkey, tkey);
	emit_raw(e, num, (size_t)snprintf(num, sizeof(num), "%lld", v));
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

/* A string from a record: bounded by maxlen, NUL optional. */
static void emit_str(struct pw_emit *e, const char *jkey, const char *tkey,
		     const char *s, size_t maxlen)
{
	if (e->fmt == PW_FMT_TEXT && !tkey)
		return;
	emit_key(e, jkey, tkey);
	emit_strval(e, s, maxlen);
}

/* NUL-separated strings in s[0..n): JSON array; text: space-separated
 * details. A final piece without a NUL terminator still counts. */
static void emit_strv(struct pw_emit *e, const char *jkey, const char *s,
		      size_t n)
{
	size_t i = 0, k = 0;

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
		i += plen + 1;
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "]", 1);
}

/* Copies min(len, size) bytes of rec into a zeroed dst. */
#define PW_COPY(dst, rec, len) do {					\
	memset((dst), 0, sizeof(*(dst)));				\
	memcpy((dst), (rec), (len) < sizeof(*(dst)) ? (len) : sizeof(*(dst))); \
} while (0)

/* ------------------------------------------------------------------ */
/* Per-type emitters: one function + one row in pw_event_descs[].      */
/* They are called only with len >= the row's min_size.                */

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
	emit_strv(e, "args", r.args, n);
	emit_bool(e, "args_truncated", "...", r.args_truncated != 0);
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

struct pw_event_desc {
	unsigned int type;
	size_t min_size;	/* fixed part; shorter records are malformed */
	void (*emit)(struct pw_emit *e, const void *rec, size_t len);
};

/* ---- syscall emitters ---- */

/* ---- file emitters ---- */

/* ---- net emitters ---- */

/* ---- signal emitters ---- */

/* ---- mount emitters ---- */

/* ---- oom emitters ---- */

/* ---- block emitters ---- */

/* ---- capability emitters ---- */

/* ---- audit emitters ---- */

/* ---- uprobe and profile emitters ---- */

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
		char h[2] = { hexdig[c >> 4], hexdig[c & 15] };

		emit_raw(e, h, 2);
	}
	if (e->fmt == PW_FMT_JSON)
		emit_raw(e, "\"", 1);
}

static void emit_tp_num(struct pw_emit *e, uint64_t v, bool is_signed)
{
	char num[24];
	int k;

	if (is_signed)
		k = snprintf(num, sizeof(num), "%lld", (long long)v);
	else
		k = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	emit_raw(e, num, (size_t)k);
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

static const struct pw_event_desc pw_event_descs[] = {
	/* process: exec records are sent truncated after args_len bytes of args */
	{ PW_EV_EXEC, offsetof(struct pw_exec, args), emit_exec },
	{ PW_EV_EXIT, sizeof(struct pw_exit), emit_exit },
	{ PW_EV_FORK, sizeof(struct pw_fork), emit_fork },
	/* syscall */

	/* file */

	/* net */

	/* signal */

	/* mount */

	/* oom */

	/* block */

	/* capability */

	/* audit */

	/* uprobe, profile */

	/* tracepoint workbench */
	{ PW_EV_TRACEPOINT, offsetof(struct pw_tracepoint, data), emit_tracepoint },

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

static void emit_common_json(struct pw_emit *e, const struct pw_hdr *h,
			     const struct pw_clock *clk)
{
	char ts[PW_RFC3339_LEN];
	const char *mod = pw_module_name(h->module);
	const char *type = pw_event_type_name(h->type);

	pw_format_rfc3339(pw_clock_realtime_ns(clk, h->ts_ns), ts);
	emit_cstr(e, "{\"type\":\"");
	emit_cstr(e, type ? type : "unknown");
	emit_cstr(e, "\",\"time\":\"");
	emit_cstr(e, ts);
	emit_raw(e, "\"", 1);
	emit_u64(e, "pid", NULL, h->pid);
	emit_u64(e, "tid", NULL, h->tid);
	emit_u64(e, "ppid", NULL, h->ppid);
	emit_u64(e, "uid", NULL, h->uid);
	emit_u64(e, "gid", NULL, h->gid);
	emit_str(e, "comm", NULL, h->comm, sizeof(h->comm));
	emit_u64(e, "cgroup_id", NULL, h->cgroup_id);
	emit_u64(e, "exec_id", NULL, h->exec_id);
	emit_u64(e, "parent_exec_id", NULL, h->parent_exec_id);
	emit_key(e, "module", NULL);
	emit_raw(e, "\"", 1);
	emit_cstr(e, mod ? mod : "unknown");
	emit_raw(e, "\"", 1);
	emit_u64(e, "cpu", NULL, h->cpu);
}

static void emit_common_text(struct pw_emit *e, const struct pw_hdr *h,
			     const struct pw_clock *clk)
{
	uint64_t real = pw_clock_realtime_ns(clk, h->ts_ns);
	time_t secs = (time_t)(real / 1000000000ULL);
	char col[96];
	struct tm tm;
	size_t start;
	int n;

	if (localtime_r(&secs, &tm))
		n = snprintf(col, sizeof(col), "%02d:%02d:%02d ",
			     tm.tm_hour, tm.tm_min, tm.tm_sec);
	else
		n = snprintf(col, sizeof(col), "??:??:?? ");
	emit_raw(e, col, (size_t)n);
	n = snprintf(col, sizeof(col), "%-5s %7u %7u %6u ",
		     pw_event_type_name(h->type) ? pw_event_type_name(h->type) : "?",
		     h->pid, h->ppid, h->uid);
	emit_raw(e, col, (size_t)n);
	start = e->b->len;
	emit_strval(e, h->comm, sizeof(h->comm));
	if (!e->err && e->b->len - start < PW_COMM_LEN) {
		n = (int)(PW_COMM_LEN - (e->b->len - start));
		emit_raw(e, "                ", (size_t)n);
	}
	emit_raw(e, " ", 1);
}

int pw_event_format(const void *rec, size_t len, enum pw_output_fmt fmt,
		    const struct pw_clock *clk, struct pw_buf *out)
{
	struct pw_emit e = { .b = out, .fmt = fmt };
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
	emit_cstr(&e, fmt == PW_FMT_JSON ? "}\n" : "\n");
	if (e.err) {
		out->len = start;
		return e.err;
	}
	return 0;
}
