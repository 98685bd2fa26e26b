// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-tp: the C half of `pinwatch tp format` and `pinwatch tp struct`.
 * Reads a tracepoint's tracefs format file (the same parser that decodes
 * `tp watch` events) and prints its fields, or a C context struct with a
 * compilable skeleton program, naming the matching vmlinux BTF types.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpfobj.h"
#include "cli.h"
#include "version.h"
#include "tpformat.h"
#include "writer.h"

#define PROG "pinwatch-tp"

PW_ARGP_VERSION(PROG);
static const char args_doc[] = "format CATEGORY:NAME [--json]\nstruct CATEGORY:NAME...";
static const char doc[] =
	"The C half of `pinwatch tp format` and `pinwatch tp struct`: reads the\n"
	"tracepoint's tracefs format file.\n"
	"\v"
	"format: the fields of the tracepoint's record (offset, size, signedness,\n"
	"        type), marking the common fields BPF cannot read and __data_loc\n"
	"        strings.\n"
	"struct: a C file: the context struct for SEC(\"tp/CATEGORY/NAME\"), the\n"
	"        matching vmlinux BTF types, the contexts of the same event for\n"
	"        raw_tp and tp_btf (and for a syscall's, ksyscall and fentry), and\n"
	"        a skeleton program that compiles with clang -target bpf and\n"
	"        loads. Several tracepoints: one translation unit with all of\n"
	"        them (identifiers CATEGORY__NAME).\n"
	"Exit status: 0 ok, 1 no such tracepoint or no tracefs, 2 usage.";

static const struct argp_option options[] = {
	{ "json", 'j', NULL, 0, "format: one JSON object instead of the table", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, 0 },	/* -h: --help */
	{},
};

static struct {
	const char *cmd;	/* "format" or "struct" */
	const char *spec;	/* CATEGORY:NAME, the first */
	char **specs;		/* struct: every CATEGORY:NAME */
	int n_specs;
	bool json;
} env;

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'j':
		env.json = true;
		break;
	case 'h':
		argp_help(state->root_argp, stdout, ARGP_HELP_STD_HELP, state->name);
		exit(0);
	case ARGP_KEY_ARG:
		if (!env.cmd) {
			if (strcmp(arg, "format") && strcmp(arg, "struct"))
				pw_usage_error(PROG, "missing or unknown command (format, struct; see --help)");
			env.cmd = arg;
		} else if (!env.spec || !strcmp(env.cmd, "struct")) {
			char **more = realloc(env.specs, (env.n_specs + 1) * sizeof(*more));

			if (!more)
				pw_usage_error(PROG, "out of memory");
			env.specs = more;
			env.specs[env.n_specs++] = arg;
			env.spec = env.specs[0];
		} else {
			pw_usage_error(PROG, "%s: unexpected argument '%s'", env.cmd, arg);
		}
		break;
	case ARGP_KEY_END:
		if (!env.cmd)
			pw_usage_error(PROG, "missing or unknown command (format, struct; see --help)");
		if (env.json && strcmp(env.cmd, "format"))
			pw_usage_error(PROG, "%s: unknown option '--json'", env.cmd);
		if (!env.spec)
			pw_usage_error(PROG, "%s: missing CATEGORY:NAME", env.cmd);
		break;
	case ARGP_KEY_ERROR:
		pw_argp_key_error(state, PROG);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static const char *kind_name(const struct pw_tp_field *fl)
{
	switch (fl->kind) {
	case PW_TPF_SCALAR: return "scalar";
	case PW_TPF_ARRAY: return "array";
	case PW_TPF_DATA_LOC: return "data_loc";
	case PW_TPF_REL_LOC: return "rel_loc";
	default: return "other";
	}
}

/* One short note per field: what a BPF program has to know about it. */
static void field_note(const struct pw_tp_format *f, const struct pw_tp_field *fl, char *out,
		       size_t sz)
{
	out[0] = '\0';
	if (fl->common)
		snprintf(out, sz, "common: not readable from BPF (holds a pt_regs pointer there)");
	else if (fl->kind == PW_TPF_DATA_LOC)
		snprintf(out, sz, "__data_loc %s: u32 loc, data at (loc & 0xffff) from the record start, (loc >> 16) bytes",
			 fl->is_char ? "string" : "array");
	else if (fl->kind == PW_TPF_REL_LOC)
		snprintf(out, sz, "__rel_loc %s: u32 loc, data at offset + 4 + (loc & 0xffff), (loc >> 16) bytes",
			 fl->is_char ? "string" : "array");
	else if (fl->kind == PW_TPF_ARRAY && fl->is_char)
		snprintf(out, sz, "string, %u bytes, NUL-terminated if shorter", fl->size);
	else if (fl->is_pointer && fl->is_user)
		snprintf(out, sz, "user pointer: read with bpf_probe_read_user%s()", fl->is_char ? "_str" : "");
	else if (fl->is_pointer)
		snprintf(out, sz, "kernel pointer: read with bpf_probe_read_kernel()");
	else if (!strcmp(fl->name, "__syscall_nr"))
		snprintf(out, sz, "syscall number");
	else if (!strcmp(f->system, "syscalls") && fl->size == 8 && fl->kind == PW_TPF_SCALAR)
		snprintf(out, sz, "syscall argument, 8 bytes whatever its C type");
}

static void json_str(const char *s)
{
	struct pw_buf b = { 0 };

	pw_json_str(&b, s, strlen(s)); /* on failure b stays empty */
	pw_buf_write(&b, stdout);
}

static int cmd_format(const struct pw_tp_format *f, const char *path, bool json)
{
	char note[256];

	if (json) {
		char full[2 * PW_TP_NAME_LEN + 2];

		snprintf(full, sizeof(full), "%s:%s", f->system, f->name);
		printf("{\"tracepoint\":");
		json_str(full);
		printf(",\"id\":%u,\"format\":", f->id);
		json_str(path);
		printf(",\"common_size\":%u,\"fields\":[", f->common_size);
		for (unsigned int i = 0; i < f->n_fields; i++) {
			const struct pw_tp_field *fl = &f->fields[i];

			printf("%s{\"name\":", i ? "," : "");
			json_str(fl->name);
			printf(",\"type\":");
			json_str(fl->type);
			printf(",\"offset\":%u,\"size\":%u,\"signed\":%s,\"common\":%s,\"kind\":\"%s\"",
			       fl->offset, fl->size, fl->is_signed ? "true" : "false",
			       fl->common ? "true" : "false", kind_name(fl));
			if (fl->kind == PW_TPF_ARRAY)
				printf(",\"count\":%u", fl->count);
			printf(",\"string\":%s,\"pointer\":%s,\"user\":%s}",
			       fl->is_char && fl->kind != PW_TPF_SCALAR ? "true" : "false",
			       fl->is_pointer ? "true" : "false", fl->is_user ? "true" : "false");
		}
		printf("]}\n");
		return 0;
	}
	printf("%s:%s  id %u  %s\n", f->system, f->name, f->id, path);
	printf("%6s %5s %-6s %-32s %-20s %s\n", "OFFSET", "SIZE", "SIGNED", "TYPE", "NAME", "NOTE");
	for (unsigned int i = 0; i < f->n_fields; i++) {
		const struct pw_tp_field *fl = &f->fields[i];
		char name[96];

		if (fl->kind == PW_TPF_ARRAY)
			snprintf(name, sizeof(name), "%s[%u]", fl->name, fl->count);
		else
			snprintf(name, sizeof(name), "%s", fl->name);
		field_note(f, fl, note, sizeof(note));
		printf("%6u %5u %-6s %-32s %-20s %s\n", fl->offset, fl->size, fl->is_signed ? "yes" : "no",
		       fl->type, name, note);
	}
	printf("Common fields (offsets 0-%u) are filled for ftrace only: a BPF program finds a\n"
	       "pt_regs pointer there; use bpf_get_current_pid_tgid() and friends instead.\n",
	       f->common_size ? f->common_size - 1 : 0);
	return 0;
}

/* ---- vmlinux BTF -------------------------------------------------------- */

/* True when the BTF struct has the layout of the record's own fields
 * (the common header is its first member, "ent"). */
static bool layout_matches(const struct btf *btf, const struct btf_type *t,
			   const struct pw_tp_format *f)
{
	const struct btf_member *m = btf_members(t);
	unsigned int n = 0, want = 0;

	for (unsigned int i = 0; i < f->n_fields; i++)
		want += !f->fields[i].common;
	for (unsigned short i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		const struct pw_tp_field *fl;
		char want_name[PW_TP_NAME_LEN + 16];

		if (!strcmp(mname, "ent") || !strcmp(mname, "__data"))
			continue;
		fl = NULL;
		for (unsigned int k = 0; k < f->n_fields; k++) {
			const struct pw_tp_field *c = &f->fields[k];

			if (c->kind == PW_TPF_DATA_LOC)
				snprintf(want_name, sizeof(want_name), "__data_loc_%s", c->name);
			else if (c->kind == PW_TPF_REL_LOC)
				snprintf(want_name, sizeof(want_name), "__rel_loc_%s", c->name);
			else
				snprintf(want_name, sizeof(want_name), "%s", c->name);
			if (!c->common && !strcmp(want_name, mname)) {
				fl = c;
				break;
			}
		}
		if (!fl || btf_member_bit_offset(t, i) != fl->offset * 8)
			return false;
		n++;
	}
	return n == want;
}

struct btf_matches {
	char names[4][128];
	int n;
	bool exact;
};

static void find_raw_structs(const struct btf *btf, const struct pw_tp_format *f,
			     struct btf_matches *out)
{
	char exact[128];
	int id;

	memset(out, 0, sizeof(*out));
	snprintf(exact, sizeof(exact), "trace_event_raw_%s", f->name);
	id = btf__find_by_name_kind(btf, exact, BTF_KIND_STRUCT);
	if (id > 0 && layout_matches(btf, btf__type_by_id(btf, id), f)) {
		snprintf(out->names[out->n++], sizeof(out->names[0]), "%s", exact);
		out->exact = true;
		return;
	}
	/* DEFINE_EVENT: the struct is named after the event class */
	for (id = 1; id < (int)btf__type_cnt(btf) && out->n < 4; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name;

		if (!btf_is_struct(t))
			continue;
		name = btf__name_by_offset(btf, t->name_off);
		if (strncmp(name, "trace_event_raw_", 16) || !layout_matches(btf, t, f))
			continue;
		snprintf(out->names[out->n++], sizeof(out->names[0]), "%s", name);
	}
}

struct strbuf {
	char s[1024];
	size_t n;
};

static void to_strbuf(void *ctx, const char *fmt, va_list args)
{
	struct strbuf *b = ctx;
	int k = vsnprintf(b->s + b->n, sizeof(b->s) - b->n, fmt, args);

	if (k > 0)
		b->n = b->n + (size_t)k < sizeof(b->s) ? b->n + (size_t)k : sizeof(b->s) - 1;
}

/* The arguments of the BTF-typed raw tracepoint btf_trace_NAME after its
 * leading void *: "struct task_struct *p, pid_t, ..." into out. */
static bool tp_btf_args(struct btf *btf, const char *name, char *out, size_t sz)
{
	char full[128];
	const struct btf_type *t;
	const struct btf_param *p;
	struct strbuf b = { .n = 0 };
	struct btf_dump *d;
	int id;

	snprintf(full, sizeof(full), "btf_trace_%s", name);
	id = btf__find_by_name_kind(btf, full, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return false;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type);	/* pointer */
	if (!t || !btf_is_ptr(t))
		return false;
	t = btf__type_by_id(btf, t->type);	/* function prototype */
	if (!t || !btf_is_func_proto(t))
		return false;
	d = btf_dump__new(btf, to_strbuf, &b, NULL);
	if (!d)
		return false;
	p = btf_params(t);
	for (unsigned short i = 1; i < btf_vlen(t); i++) {
		char arg[16];

		snprintf(arg, sizeof(arg), "arg%u", i);
		LIBBPF_OPTS(btf_dump_emit_type_decl_opts, o, .field_name = arg);
		if (i > 1 && b.n + 3 < sizeof(b.s)) {
			memcpy(b.s + b.n, ", ", 3);
			b.n += 2;
		}
		btf_dump__emit_type_decl(d, p[i].type, &o);
	}
	btf_dump__free(d);
	snprintf(out, sz, "%s", b.s);
	return true;
}

/* ---- struct and skeleton ----------------------------------------------- */

/* A C identifier from a tracepoint's name: what is not a letter or digit
 * becomes '_', and a leading digit gets "tp_" before it (the 9p category
 * and its 9p_client_req event, say, on a kernel with 9p). */
static void c_ident(const char *in, char *out, size_t sz)
{
	size_t i = 0, k;

	if (isdigit((unsigned char)in[0]) && sz > 4) {
		memcpy(out, "tp_", 3);
		i = 3;
	}
	for (k = 0; in[k] && i + 1 < sz; i++, k++)
		out[i] = isalnum((unsigned char)in[k]) ? in[k] : '_';
	out[i] = '\0';
}

static unsigned int member_align(const struct pw_tp_field *fl)
{
	switch (fl->kind) {
	case PW_TPF_DATA_LOC:
	case PW_TPF_REL_LOC:
		return 4;
	case PW_TPF_ARRAY:
		return fl->is_char ? 1 : fl->elem_size;
	case PW_TPF_SCALAR:
		return fl->size;
	default:
		return 1;
	}
}

static const char *int_type(unsigned int size, bool is_signed)
{
	switch (size) {
	case 1: return is_signed ? "__s8" : "__u8";
	case 2: return is_signed ? "__s16" : "__u16";
	case 4: return is_signed ? "__s32" : "__u32";
	case 8: return is_signed ? "__s64" : "__u64";
	}
	return NULL;
}

/* The member declaration of a field, e.g. "__u32 __data_loc_filename". */
static void member_decl(const struct pw_tp_field *fl, char *out, size_t sz)
{
	const char *it;

	switch (fl->kind) {
	case PW_TPF_DATA_LOC:
		snprintf(out, sz, "__u32 __data_loc_%s", fl->name);
		return;
	case PW_TPF_REL_LOC:
		snprintf(out, sz, "__u32 __rel_loc_%s", fl->name);
		return;
	case PW_TPF_ARRAY:
		if (fl->is_char)
			snprintf(out, sz, "char %s[%u]", fl->name, fl->count);
		else if ((it = int_type(fl->elem_size, fl->is_signed)))
			snprintf(out, sz, "%s %s[%u]", it, fl->name, fl->count);
		else
			snprintf(out, sz, "__u8 %s[%u]", fl->name, fl->size);
		return;
	case PW_TPF_SCALAR:
		snprintf(out, sz, "%s %s", int_type(fl->size, fl->is_signed && !fl->is_pointer),
			 fl->name);
		return;
	default:
		snprintf(out, sz, "__u8 %s[%u]", fl->name, fl->size);
		return;
	}
}

static void member_comment(const struct pw_tp_field *fl, char *out, size_t sz)
{
	if (fl->kind == PW_TPF_DATA_LOC)
		snprintf(out, sz, "%u: %s %s: data at (void *)ctx + (loc & 0xffff), (loc >> 16) bytes",
			 fl->offset, fl->type, fl->name);
	else if (fl->kind == PW_TPF_REL_LOC)
		snprintf(out, sz, "%u: %s %s: data at (void *)&this + 4 + (loc & 0xffff)",
			 fl->offset, fl->type, fl->name);
	else if (fl->is_pointer)
		snprintf(out, sz, "%u: %s (%s pointer)", fl->offset, fl->type,
			 fl->is_user ? "user" : "kernel");
	else if (fl->kind == PW_TPF_ARRAY)
		snprintf(out, sz, "%u: %s[%u]", fl->offset, fl->type, fl->count);
	else
		snprintf(out, sz, "%u: %s", fl->offset, fl->type);
}

static bool is_user_string(const struct pw_tp_field *fl)
{
	return fl->kind == PW_TPF_SCALAR && fl->is_pointer && fl->is_user &&
	       (!strcmp(fl->base, "char *") || !strcmp(fl->base, "char*"));
}

/* The kernel function behind syscall NAME's tracepoints, from the vmlinux
 * BTF (arch wrappers first: __x64_sys_openat). False when none is found. */
static bool syscall_func(const struct btf *btf, const char *sys, char *out, size_t sz)
{
	static const char *const prefixes[] = {
		"__x64_sys_", "__arm64_sys_", "__s390x_sys_", "__riscv_sys_", "__ia32_sys_", "sys_",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		snprintf(out, sz, "%s%s", prefixes[i], sys);
		if (btf__find_by_name_kind(btf, out, BTF_KIND_FUNC) > 0)
			return true;
	}
	return false;
}

/* The other program types that see the same event, as comment lines: the
 * BTF-typed and raw tracepoints (the tracepoint's C arguments, from the
 * btf_trace_NAME typedef), and for a syscall's tracepoints the kprobe
 * (libbpf's ksyscall) and fentry/fexit of its kernel function. */
static void other_contexts(struct btf *btf, const struct pw_tp_format *f, const char *ident)
{
	char btf_args[1024], fn[160], args[1024] = "";
	bool enter = !strncmp(f->name, "sys_enter_", 10), exit_ = !strncmp(f->name, "sys_exit_", 9);

	if (btf && tp_btf_args(btf, f->name, btf_args, sizeof(btf_args)))
		printf(" * The same event for other program types (typed arguments, no format struct):\n"
		       " *   SEC(\"tp_btf/%s\") int BPF_PROG(%s_btf, %s)\n"
		       " *   SEC(\"raw_tp/%s\") int BPF_PROG(%s_raw, %s)\n"
		       " *     (raw_tp: ctx is struct bpf_raw_tracepoint_args, these in args[])\n",
		       f->name, ident, btf_args, f->name, ident, btf_args);
	if (!strcmp(f->system, "syscalls") && (enter || exit_) && btf &&
	    syscall_func(btf, f->name + (enter ? 10 : 9), fn, sizeof(fn))) {
		const char *sys = f->name + (enter ? 10 : 9);

		for (unsigned int i = 0; enter && i < f->n_fields; i++) {
			const struct pw_tp_field *fl = &f->fields[i];
			size_t n = strlen(args);

			if (fl->common || !strcmp(fl->name, "__syscall_nr"))
				continue;
			snprintf(args + n, sizeof(args) - n, ", %s %s", fl->type, fl->name);
		}
		printf(" * The syscall's kernel function %s (where the kernel allows\n"
		       " * kprobes, or fentry):\n", fn);
		if (enter)
			printf(" *   SEC(\"ksyscall/%s\") int BPF_KSYSCALL(%s_k%s)\n"
			       " *   SEC(\"fentry/%s\") int BPF_PROG(%s_f, const struct pt_regs *regs)\n",
			       sys, ident, args, fn, ident);
		else
			printf(" *   SEC(\"kretsyscall/%s\") int BPF_KRETPROBE(%s_k, long ret)\n"
			       " *   SEC(\"fexit/%s\") int BPF_PROG(%s_f, const struct pt_regs *regs, long ret)\n",
			       sys, ident, fn, ident);
	}
}

/* State of a struct run: the vmlinux BTF (or NULL), loaded once. */
static struct btf *vmlinux_btf;

/* One tracepoint: its notes, the context struct, the asserts and the
 * skeleton program. With multi (several in one file) the notes open a
 * comment of their own and identifiers carry the category. */
static int struct_one(const struct pw_tp_format *f, const char *path, bool multi)
{
	char ident[2 * PW_TP_NAME_LEN + 4], sname[2 * PW_TP_NAME_LEN + 16], decl[256], comment[256];
	char printf_fmt[512] = "", printf_args[512] = "", full[2 * PW_TP_NAME_LEN + 4];
	struct btf_matches bm = { .n = 0 };
	struct btf *btf = vmlinux_btf;
	bool packed = false;
	unsigned int pos, nprint = 0;

	if (btf)
		find_raw_structs(btf, f, &bm);
	if (multi)
		snprintf(full, sizeof(full), "%s__%s", f->system, f->name);
	else
		snprintf(full, sizeof(full), "%s", f->name);
	c_ident(full, ident, sizeof(ident));
	snprintf(sname, sizeof(sname), "%s_ctx", ident);
	for (unsigned int i = 0; i < f->n_fields; i++) {
		const struct pw_tp_field *fl = &f->fields[i];
		unsigned int a = member_align(fl);

		if (!fl->common && a > 1 && fl->offset % a)
			packed = true;
	}

	if (multi)
		printf("/*\n * Tracepoint %s:%s (id %u), from %s.\n *\n", f->system, f->name, f->id,
		       path);
	if (bm.n) {
		printf(" * vmlinux BTF: struct %s has this layout%s; with vmlinux.h\n"
		       " * a program may take `struct %s *ctx` instead.\n",
		       bm.names[0], bm.exact ? "" : " (the event's class)", bm.names[0]);
		for (int i = 1; i < bm.n; i++)
			printf(" * Same layout: struct %s.\n", bm.names[i]);
	} else if (!strcmp(f->system, "syscalls")) {
		printf(" * vmlinux BTF: no trace_event_raw_* struct; syscall tracepoints share\n"
		       " * struct %s (the arguments as unsigned long).\n",
		       !strncmp(f->name, "sys_exit", 8) ? "syscall_trace_exit: nr, ret" :
							  "syscall_trace_enter: nr, args[]");
	} else {
		printf(" * vmlinux BTF: %s.\n",
		       btf ? "no trace_event_raw_* struct has this layout" : "not available");
	}
	other_contexts(btf, f, ident);
	if (multi)
		printf(" */\n");
	else
		printf(" *\n"
		       " * Build: clang -g -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu \\\n"
		       " *            -c %s.bpf.c -o %s.bpf.o\n"
		       " * Load:  bpftool prog load %s.bpf.o /sys/fs/bpf/%s\n"
		       " * (attach it with libbpf: bpf_program__attach() reads the SEC() line)\n"
		       " */\n"
		       "#include <linux/types.h>\n"
		       "#include <bpf/bpf_helpers.h>\n\n",
		       ident, ident, ident, ident);

	printf("struct %s {\n", sname);
	pos = 0;
	if (f->common_size) {
		if (f->common_size == 8)
			printf("\t__u64 __common; /* 0-7: ");
		else
			printf("\t__u8 __common[%u]; /* 0-%u: ", f->common_size, f->common_size - 1);
		for (unsigned int i = 0, k = 0; i < f->n_fields; i++)
			if (f->fields[i].common)
				printf("%s%s", k++ ? ", " : "", f->fields[i].name);
		printf(": not readable from BPF */\n");
		pos = f->common_size;
	}
	for (unsigned int i = 0; i < f->n_fields; i++) {
		const struct pw_tp_field *fl = &f->fields[i];

		if (fl->common)
			continue;
		if (fl->offset < pos) {
			printf("\t/* %s at %u overlaps the previous field: left out */\n", fl->name,
			       fl->offset);
			continue;
		}
		if (fl->offset > pos)
			printf("\t__u8 __pad_%u[%u];\n", pos, fl->offset - pos);
		member_decl(fl, decl, sizeof(decl));
		member_comment(fl, comment, sizeof(comment));
		printf("\t%s; /* %s */\n", decl, comment);
		pos = fl->offset + fl->size;
	}
	printf("}%s;\n\n", packed ? " __attribute__((packed))" : "");
	for (unsigned int i = 0; i < f->n_fields; i++) {
		const struct pw_tp_field *fl = &f->fields[i];

		if (fl->common)
			continue;
		member_decl(fl, decl, sizeof(decl));
		printf("_Static_assert(__builtin_offsetof(struct %s, %s%s) == %u, \"%s\");\n", sname,
		       fl->kind == PW_TPF_DATA_LOC ? "__data_loc_" :
		       fl->kind == PW_TPF_REL_LOC ? "__rel_loc_" : "", fl->name, fl->offset, fl->name);
	}

	printf("\nSEC(\"tp/%s/%s\")\nint handle_%s(struct %s *ctx)\n{\n", f->system, f->name, ident,
	       sname);
	/* print up to 3 fields (bpf_trace_printk's limit): strings first read */
	for (unsigned int i = 0; i < f->n_fields && nprint < 3; i++) {
		const struct pw_tp_field *fl = &f->fields[i];
		size_t fl_len = strlen(printf_fmt), al = strlen(printf_args);

		if (fl->common || !strcmp(fl->name, "__syscall_nr"))
			continue;
		if (fl->is_char && (fl->kind == PW_TPF_DATA_LOC || fl->kind == PW_TPF_REL_LOC ||
				    fl->kind == PW_TPF_ARRAY)) {
			printf("\tchar s%u[64];\n", nprint);
			snprintf(printf_fmt + fl_len, sizeof(printf_fmt) - fl_len, " %s=%%s", fl->name);
			snprintf(printf_args + al, sizeof(printf_args) - al, ", s%u", nprint);
		} else if (is_user_string(fl)) {
			printf("\tchar s%u[64];\n", nprint);
			snprintf(printf_fmt + fl_len, sizeof(printf_fmt) - fl_len, " %s=%%s", fl->name);
			snprintf(printf_args + al, sizeof(printf_args) - al, ", s%u", nprint);
		} else if (fl->kind == PW_TPF_SCALAR) {
			const char *conv = fl->is_pointer ? "0x%llx" :
					   fl->size == 8 ? (fl->is_signed ? "%lld" : "%llu") :
					   (fl->is_signed ? "%d" : "%u");

			snprintf(printf_fmt + fl_len, sizeof(printf_fmt) - fl_len, " %s=%s", fl->name, conv);
			snprintf(printf_args + al, sizeof(printf_args) - al, ", ctx->%s", fl->name);
		} else {
			continue;
		}
		nprint++;
	}
	printf("\n");
	nprint = 0;
	for (unsigned int i = 0; i < f->n_fields && nprint < 3; i++) {
		const struct pw_tp_field *fl = &f->fields[i];

		if (fl->common || !strcmp(fl->name, "__syscall_nr"))
			continue;
		if (fl->is_char && fl->kind == PW_TPF_DATA_LOC)
			printf("\tbpf_probe_read_kernel_str(s%u, sizeof(s%u),\n"
			       "\t\t\t\t  (void *)ctx + (ctx->__data_loc_%s & 0xffff));\n",
			       nprint, nprint, fl->name);
		else if (fl->is_char && fl->kind == PW_TPF_REL_LOC)
			printf("\tbpf_probe_read_kernel_str(s%u, sizeof(s%u),\n"
			       "\t\t\t\t  (void *)&ctx->__rel_loc_%s + 4 + (ctx->__rel_loc_%s & 0xffff));\n",
			       nprint, nprint, fl->name, fl->name);
		else if (fl->is_char && fl->kind == PW_TPF_ARRAY)
			printf("\tbpf_probe_read_kernel_str(s%u, sizeof(s%u), ctx->%s);\n", nprint,
			       nprint, fl->name);
		else if (is_user_string(fl))
			printf("\tbpf_probe_read_user_str(s%u, sizeof(s%u), (const void *)(long)ctx->%s);\n",
			       nprint, nprint, fl->name);
		else if (fl->kind != PW_TPF_SCALAR)
			continue;
		nprint++;
	}
	printf("\tbpf_printk(\"%s%s\"%s);\n\treturn 0;\n}\n\n", f->name, printf_fmt, printf_args);
	return 0;
}

static int cmd_struct(const struct pw_tp_format *f, const char *path)
{
	printf("// SPDX-License-Identifier: GPL-2.0\n"
	       "/*\n"
	       " * Tracepoint %s:%s (id %u): context struct and skeleton program,\n"
	       " * generated by `pinwatch tp struct %s:%s` from\n"
	       " * %s.\n"
	       " *\n",
	       f->system, f->name, f->id, f->system, f->name, path);
	struct_one(f, path, false);
	printf("char LICENSE[] SEC(\"license\") = \"GPL\";\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_arg, args_doc, doc, NULL, NULL, NULL };
	static struct pw_tp_format f;
	char err[512], path[4096];
	int rc;

	if (pw_argp_parse(&argp, argc, argv))
		return 2;
	/* the BTF lookups' misses are no errors here */
	pw_libbpf_capture(false);
	if (!strcmp(env.cmd, "format")) {
		if (pw_tp_load(env.spec, &f, err, sizeof(err)))
			return die(1, "%s", err);
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", pw_tracefs_dir(), f.system, f.name);
		return cmd_format(&f, path, env.json);
	}
	/* every tracepoint first: a bad one fails before anything is printed */
	for (int i = 0; i < env.n_specs; i++)
		if (pw_tp_load(env.specs[i], &f, err, sizeof(err)))
			return die(1, "%s", err);
	vmlinux_btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux_btf))
		vmlinux_btf = NULL;
	if (env.n_specs == 1) {
		pw_tp_load(env.spec, &f, err, sizeof(err));
		snprintf(path, sizeof(path), "%s/events/%s/%s/format", pw_tracefs_dir(), f.system, f.name);
		rc = cmd_struct(&f, path);
	} else {
		printf("// SPDX-License-Identifier: GPL-2.0\n"
		       "/*\n"
		       " * %d tracepoints: context structs and skeleton programs in one file,\n"
		       " * generated by `pinwatch tp struct` from their tracefs format files.\n"
		       " * Identifiers: CATEGORY__NAME (struct CATEGORY__NAME_ctx, program\n"
		       " * handle_CATEGORY__NAME).\n"
		       " *\n"
		       " * Build: clang -g -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu -c FILE\n"
		       " */\n"
		       "#include <linux/types.h>\n"
		       "#include <bpf/bpf_helpers.h>\n\n",
		       env.n_specs);
		rc = 0;
		for (int i = 0; i < env.n_specs && !rc; i++) {
			pw_tp_load(env.specs[i], &f, err, sizeof(err));
			snprintf(path, sizeof(path), "%s/events/%s/%s/format", pw_tracefs_dir(), f.system,
				 f.name);
			rc = struct_one(&f, path, true);
		}
		printf("char LICENSE[] SEC(\"license\") = \"GPL\";\n");
	}
	btf__free(vmlinux_btf);
	free(env.specs);
	return rc;
}
