// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-rule: the rules' control plane (`pinwatch rule`). Parses rules
 * (the arguments of `rule add`, or one rule a line of a rule file), keeps
 * them in maps/rules and rebuilds the selector index maps from them
 * (pinned-layout.md, "Rules"). The caller (scripts/libexec/pinwatch-rule)
 * holds the lock.
 *
 * Bad input: one line naming the rule (or file and line) and the cause,
 * exit 1 (2 for usage), and no map is written: every rule is parsed and the
 * whole index computed before the first write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpfobj.h"
#include "pinwatch.h"
#include "parse.h"
#include "pwevent.h"
#include "probe.h"

#define PROG "pinwatch"
#define SEL_VALUES 16		/* values of one indexed selector */
#define MAX_ARGS 64		/* words of one rule */

static const char *pin_root = PW_PIN_ROOT;
static bool json;
/* Rebuilding from stored rules: a --binary file that is gone matches
 * nothing instead of failing the rule. */
static bool lenient_files;
/* Where add, del and load keep the rules (persistence; NULL: --no-save). */
#define PW_RULES_DIR "/etc/pinwatch/rules.d"
#define LOCAL_RULES "local.rules"
static const char *rules_dir = PW_RULES_DIR;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": rule: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- names from pinwatch.h ---- */

struct named { const char *name; int id; };

static const struct named actions[] = {
#define PW_X(up, low, id) { #low, id },
	PW_RULE_ACTIONS(PW_X)
#undef PW_X
};
static const struct named severities[] = {
#define PW_X(up, low, id) { #low, id },
	PW_RULE_SEVERITIES(PW_X)
#undef PW_X
};
#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int named_id(const struct named *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return t[i].id;
	return -1;
}

static const char *named_name(const struct named *t, size_t n, int id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return "?";
}

/* ---- the event types rules cover ---- */

/* Each with the module that builds it (pw_rule_index.modules: a module
 * switched off still builds the types a rule names). */
static const struct { int type; int module; } rule_types[] = {
	{ PW_EV_EXEC, PW_MOD_PROCESS },	{ PW_EV_OPEN, PW_MOD_FILE },
	{ PW_EV_UNLINK, PW_MOD_FILE },		{ PW_EV_RENAME, PW_MOD_FILE },
	{ PW_EV_MEMFD, PW_MOD_FILE },		{ PW_EV_CONNECT, PW_MOD_NET },
	{ PW_EV_ACCEPT, PW_MOD_NET },		{ PW_EV_BIND, PW_MOD_NET },
	{ PW_EV_LISTEN, PW_MOD_NET },		{ PW_EV_CHMOD, PW_MOD_ATTR },
	{ PW_EV_CHOWN, PW_MOD_ATTR },		{ PW_EV_XATTR, PW_MOD_ATTR },
	{ PW_EV_UTIMES, PW_MOD_ATTR },		{ PW_EV_CRED, PW_MOD_CRED },
	{ PW_EV_PTRACE, PW_MOD_PTRACE },	{ PW_EV_KMOD_LOAD, PW_MOD_KMOD },
	{ PW_EV_NAMESPACE, PW_MOD_NS },	{ PW_EV_BPF, PW_MOD_BPF },
	{ PW_EV_MOUNT, PW_MOD_MOUNT },		{ PW_EV_UMOUNT, PW_MOD_MOUNT },
	{ PW_EV_CAPABLE, PW_MOD_CAPABILITY },	{ PW_EV_SIGNAL, PW_MOD_SIGNAL },
	{ PW_EV_IO_URING, PW_MOD_IOURING },	{ PW_EV_SYSCALL, PW_MOD_SYSCALL },
};

/* The module that builds events of type (one of rule_types). */
static int type_module(int type)
{
	for (size_t k = 0; k < N_OF(rule_types); k++)
		if (rule_types[k].type == type)
			return rule_types[k].module;
	return 0;
}

/* ---- a parsed rule ---- */

#define RULE_KEYS 64		/* index keys of one rule, all kinds */
#define KEY_BYTES sizeof(struct pw_rule_path_key)

/* One key a rule gives an indexed kind's map. */
struct rkey {
	int kind;
	unsigned char key[KEY_BYTES];
};

struct prule {
	struct pw_rule r;
	unsigned char types[PW_RULE_TYPES];
	struct rkey keys[RULE_KEYS];
	int nkeys;
	unsigned opts;		/* bit i: selectors[i] was given */
};

/* Where a rule comes from, for error messages. */
struct origin {
	const char *file;	/* NULL: the command line */
	int line;
	const char *name;
};

static char errbuf[512];

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -1;
}

/* Splits a comma list in place; returns the count, or -1 past max. */
static int split_list(char *s, char **out, int max)
{
	int n = 0;

	for (char *tok = strsep(&s, ","); tok; tok = strsep(&s, ",")) {
		if (n == max)
			return -1;
		out[n++] = tok;
	}
	return n;
}

/* The kernel's encoding of the device of the file system path lives on
 * (major << PW_DEV_MINOR_BITS | minor of the mount, as mountinfo shows it;
 * stat(2)'s st_dev differs on btrfs subvolumes), and its inode. */
static int file_key(const char *path, struct pw_block_key *k)
{
	char buf[512], fdinfo[64];
	unsigned mnt = 0, id, maj, min;
	bool found = false;
	struct stat st;
	FILE *f;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", fd);
	f = fopen(fdinfo, "re");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "mnt_id: %u", &mnt) == 1)
			break;
	if (f)
		fclose(f);
	close(fd);
	f = fopen("/proc/self/mountinfo", "re");
	while (f && !found && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "%u %*u %u:%u", &id, &maj, &min) == 3 && id == mnt)
			found = true;
	if (f)
		fclose(f);
	if (!found || !S_ISREG(st.st_mode))
		return -1;
	k->dev = ((__u64)maj << PW_DEV_MINOR_BITS) | min;
	k->ino = st.st_ino;
	return 0;
}

/* An absolute, normalised path of at most PW_PATH_MAX - 2 bytes. */
static int check_path(const char *opt, const char *p)
{
	unsigned char key[PW_FILTER_KEY_MAX];
	char err[128];

	if (p[0] != '/')
		return fail("%s: '%.64s' is not an absolute path", opt, p);
	if (pw_filter_key("path", p, key, err, sizeof(err)) < 0)
		return fail("%s: %s", opt, err);
	if (strlen(p) > PW_PATH_MAX - 3)
		return fail("%s: path longer than %d bytes", opt, PW_PATH_MAX - 3);
	return 0;
}

/* An LPM key of rule_paths: "PATH\0" (exact: PATH itself) or "DIR/"
 * (prefix: everything below DIR). */
static void path_entry(struct pw_rule_path_key *k, __u8 kind, const char *path, bool prefix)
{
	size_t n = strlen(path);

	memset(k, 0, sizeof(*k));
	k->kind = kind;
	memcpy(k->path, path, n);
	if (prefix && strcmp(path, "/")) {
		k->path[n++] = '/';	/* "DIR/": everything below DIR */
	} else if (!prefix) {
		n++;			/* "PATH\0": PATH itself */
	}
	k->prefixlen = (1 + n) * 8;
}

static int parse_period(const char *s, uint64_t *ns)
{
	static const struct { const char *sfx; uint64_t mul; } units[] = {
		{ "ms", 1000000ull }, { "s", 1000000000ull }, { "m", 60000000000ull },
		{ "h", 3600000000000ull },
	};
	char num[32];
	size_t d = strspn(s, "0123456789");
	uint64_t v;

	if (!d || d >= sizeof(num))
		return -1;
	memcpy(num, s, d);
	num[d] = '\0';
	if (pw_parse_uint(num, 1000000, &v) || !v)
		return -1;
	for (size_t i = 0; i < N_OF(units); i++)
		if (!strcmp(s + d, units[i].sfx)) {
			*ns = v * units[i].mul;
			return 0;
		}
	return -1;
}

static bool valid_name(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);

	if (!n || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (i && strchr(extra, c))))
			return false;
	}
	return true;
}

/* ---- the selector table ---- */

/* Named bits of the bits selectors defined here (the others' names come
 * from pwevent.c's tables: pw_name_value()). */
static const struct named stdio_kinds[] = {
#define PW_X(up, low, id) { #low, 1 << (id) },
	PW_STDIO_KINDS(PW_X)
#undef PW_X
};
static const struct named exe_flags[] = {
#define PW_X(up, low, bit) { #low, 1 << (bit) },
	PW_EXE_FLAGS(PW_X)
#undef PW_X
};
static const struct named open_flag_names[] = {
	{ "write", PW_RULE_OPEN_WRITE }, { "create", PW_RULE_OPEN_CREATE },
	{ "trunc", PW_RULE_OPEN_TRUNC },
};
/* chmod's mode: any of the bits of a name set */
static const struct named mode_names[] = {
	{ "setuid", 04000 }, { "setgid", 02000 }, { "sticky", 01000 }, { "exec", 0111 },
	{ "write", 0222 }, { "other-write", 0002 }, { "other-read", 0004 },
};
/* utimes: how the times are set */
static const struct named utime_names[] = {
	{ "explicit", PW_RULE_UTIME_EXPLICIT }, { "now", PW_RULE_UTIME_NOW },
};
static const struct named ptrace_pseudo[] = {
	{ "process_vm_readv", PW_RULE_PTRACE_VM_READV },
	{ "process_vm_writev", PW_RULE_PTRACE_VM_WRITEV },
};

struct selector;
/* Parses one value of a selector's comma list into p; -1 with errbuf set. */
typedef int (*sel_parse_fn)(struct prule *p, const struct selector *sd, char *item);

#define S_PREFIX	1u	/* a path selector's value is a directory */
#define S_NO_NEG	2u	/* '!' refused */

struct selector {
	const char *opt;
	int kind;		/* PW_RSEL_* */
	sel_parse_fn parse;
	const char *types;	/* the event types that accept it, comma-separated;
				 * NULL: every type rules cover */
	const char *field;	/* what it looks at (kernel side: bpf/rules.bpf.h) */
	unsigned flags;		/* S_* */
	const struct named *names;	/* bits and ranges: local names, */
	size_t nnames;
	const char *set;	/* or pw_name_value()'s set */
	uint64_t max;		/* ranges: the largest number */
};

static int add_key(struct prule *p, const struct selector *sd, const void *key, size_t len)
{
	if (p->nkeys == RULE_KEYS)
		return fail("%s: too many values in one rule (%d at most)", sd->opt, RULE_KEYS);
	p->keys[p->nkeys].kind = sd->kind;
	memset(p->keys[p->nkeys].key, 0, KEY_BYTES);
	memcpy(p->keys[p->nkeys].key, key, len);
	p->nkeys++;
	return 0;
}

static int p_comm(struct prule *p, const struct selector *sd, char *it)
{
	unsigned char key[PW_FILTER_KEY_MAX];
	char err[128];

	if (pw_filter_key("comm", it, key, err, sizeof(err)) < 0)
		return fail("%s: %s", sd->opt, err);
	return add_key(p, sd, key, PW_COMM_LEN);
}

static int p_file(struct prule *p, const struct selector *sd, char *it)
{
	struct pw_block_key k;

	if (check_path(sd->opt, it))
		return -1;
	if (!file_key(it, &k))
		return add_key(p, sd, &k, sizeof(k));
	if (lenient_files)
		return 0;	/* gone since the rule was added: matches nothing */
	return fail("%s: %s: no such regular file", sd->opt, it);
}

static const __u8 path_kinds[PW_RSEL_INDEXED] = {
	[PW_RSEL_BINARY_PREFIX] = PW_RULE_PATH_KIND_BINARY, [PW_RSEL_PATH] = PW_RULE_PATH_KIND_PATH,
	[PW_RSEL_PARENT] = PW_RULE_PATH_KIND_PARENT, [PW_RSEL_ANCESTOR] = PW_RULE_PATH_KIND_ANCESTOR,
};

static int p_path(struct prule *p, const struct selector *sd, char *it)
{
	struct pw_rule_path_key k;
	bool prefix = sd->flags & S_PREFIX;

	if (check_path(sd->opt, it))
		return -1;
	path_entry(&k, path_kinds[sd->kind], it, prefix);
	if (add_key(p, sd, &k, sizeof(k)))
		return -1;
	/* a prefix holds for the directory itself too */
	if (prefix && strcmp(it, "/")) {
		path_entry(&k, path_kinds[sd->kind], it, false);
		return add_key(p, sd, &k, sizeof(k));
	}
	return 0;
}

/* --path-name NAME: a path's last component (a key of the PATH kind) */
static int p_path_name(struct prule *p, const struct selector *sd, char *it)
{
	struct pw_rule_path_key k;
	size_t n = strlen(it);

	if (!n || strchr(it, '/') || !strcmp(it, ".") || !strcmp(it, ".."))
		return fail("%s: invalid name '%.64s' (a file name without '/', e.g. authorized_keys)",
			    sd->opt, it);
	if (n >= PW_RULE_PATH_NAME_MAX)
		return fail("%s: name longer than %d bytes", sd->opt, PW_RULE_PATH_NAME_MAX - 1);
	path_entry(&k, PW_RULE_PATH_KIND_NAME, it, false);
	return add_key(p, sd, &k, sizeof(k));
}

static int p_cidr(struct prule *p, const struct selector *sd, char *it)
{
	unsigned char key[PW_FILTER_KEY_MAX];
	char err[128];

	if (pw_filter_key("cidr", it, key, err, sizeof(err)) < 0)
		return fail("%s: %s", sd->opt, err);
	return add_key(p, sd, key, sizeof(struct pw_cidr_key));
}

/* host, any (a container), or a container id prefix (hex) */
static int p_container(struct prule *p, const struct selector *sd, char *it)
{
	struct pw_rule_path_key k = { .kind = PW_RULE_PATH_KIND_CONTAINER };
	size_t n = strlen(it);

	if (!strcmp(it, "host")) {
		k.path[0] = PW_RULE_CTR_HOST;
		n = 0;
	} else if (!strcmp(it, "any")) {
		k.path[0] = PW_RULE_CTR_ID;
		n = 0;
	} else {
		if (!n || n > PW_CONTAINER_ID_LEN || strspn(it, "0123456789abcdef") != n)
			return fail("%s: invalid '%.80s' (host, any, or a container id prefix: 1 to %d lowercase hex digits)",
				    sd->opt, it, PW_CONTAINER_ID_LEN);
		k.path[0] = PW_RULE_CTR_ID;
		memcpy(&k.path[1], it, n);
	}
	k.prefixlen = (2 + n) * 8;
	return add_key(p, sd, &k, sizeof(k));
}

static int p_xattr(struct prule *p, const struct selector *sd, char *it)
{
	struct pw_rule_path_key k;
	size_t n = strlen(it);

	if (!n || n >= PW_XATTR_NAME_MAX || !strchr(it, '.') || strspn(it, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return fail("%s: invalid attribute name '%.64s' (namespace.name, e.g. security.capability)",
			    sd->opt, it);
	path_entry(&k, PW_RULE_PATH_KIND_XATTR, it, false);
	return add_key(p, sd, &k, sizeof(k));
}

/* A number or a name of the selector's names. */
static int sel_number(const struct selector *sd, const char *s, uint64_t *v)
{
	unsigned long long nv;
	int id;

	if (!pw_parse_uint(s, sd->max ? sd->max : UINT64_MAX, v))
		return 0;
	if (sd->names && (id = named_id(sd->names, sd->nnames, s)) >= 0)
		return *v = id, 0;
	if (sd->set && !pw_name_value(sd->set, s, &nv))
		return *v = nv, 0;
	return -1;
}

static int p_range(struct prule *p, const struct selector *sd, char *it)
{
	int k = sd->kind - PW_RSEL_RANGE0;
	__u8 *n = &p->r.n_ranges[k];
	char *dash = strchr(it, '-');
	uint64_t lo, hi;

	/* names may hold '-' (none do so far); a range is numbers only */
	if (dash && (dash == it || !strchr("0123456789", dash[1])))
		dash = NULL;
	if (dash)
		*dash = '\0';
	if (sel_number(sd, it, &lo) || (dash ? sel_number(sd, dash + 1, &hi) : (hi = lo, 0)) || hi < lo)
		return fail("%s: invalid value '%s%s%s' (%s)", sd->opt, it, dash ? "-" : "",
			    dash ? dash + 1 : "", sd->set || sd->names ? "a name or a number" :
			    "a number or a range N-M");
	if (*n == PW_RULE_RANGES)
		return fail("%s: at most %d values or ranges", sd->opt, PW_RULE_RANGES);
	p->r.ranges[k][*n].lo = lo;
	p->r.ranges[k][*n].hi = hi;
	(*n)++;
	return 0;
}

/* a cgroup v2 id, or its directory (under /sys/fs/cgroup, or relative to it) */
static int p_cgroup(struct prule *p, const struct selector *sd, char *it)
{
	char path[PATH_MAX];
	struct stat st;
	uint64_t id;

	char num[24];

	if (!pw_parse_uint(it, UINT64_MAX, &id)) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)id);
		return p_range(p, sd, num);
	}
	if (it[0] != '/')
		return fail("%s: '%.64s' is not an absolute path or a cgroup id", sd->opt, it);
	snprintf(path, sizeof(path), "%s%s", strncmp(it, "/sys/fs/cgroup", 14) ? "/sys/fs/cgroup" : "", it);
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		if (lenient_files)
			return 0;	/* gone: matches nothing */
		return fail("%s: %s: no such cgroup directory", sd->opt, path);
	}
	snprintf(num, sizeof(num), "%llu", (unsigned long long)st.st_ino);
	return p_range(p, sd, num);
}

static int p_bits(struct prule *p, const struct selector *sd, char *it)
{
	int k = sd->kind - PW_RSEL_BITS0;
	unsigned long long v;
	uint64_t num;
	int id = sd->names ? named_id(sd->names, sd->nnames, it) : -1;

	if (id >= 0) {
		p->r.bits[k] |= (__u64)id;
		return 0;
	}
	/* a capability or bpf command by number */
	if (sd->set && strcmp(sd->set, "ns") && !pw_parse_uint(it, 63, &num)) {
		p->r.bits[k] |= 1ull << num;
		return 0;
	}
	if (sd->set && !pw_name_value(sd->set, it, &v)) {
		/* cap and bpf_cmd name bit numbers, ns a CLONE_NEW* bit */
		if (!strcmp(sd->set, "ns"))
			p->r.bits[k] |= v;
		else if (v < 64)
			p->r.bits[k] |= 1ull << v;
		else
			return fail("%s: '%.32s' is past the 64 a rule can name", sd->opt, it);
		return 0;
	}
	{
		char list[256] = "";

		for (size_t i = 0; sd->names && i < sd->nnames; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
				 sd->names[i].name);
		return fail("%s: unknown name '%.32s'%s%s%s", sd->opt, it, *list ? " (" : "", list,
			    *list ? ")" : "");
	}
}

/* --env NAME: one of the names the process module reports
 * (process/exec_env; the loader's defaults without a sensor) */
static int p_env(struct prule *p, const struct selector *sd, char *it)
{
	static const char *const dflt[] = PW_EXEC_ENV_DEFAULT;
	struct pw_exec_env env = {};
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/process/exec_env", pin_root);
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_map_lookup_elem(fd, &zero, &env))
		for (size_t i = 0; i < N_OF(dflt) && i < PW_EXEC_ENV_NAMES; i++)
			snprintf(env.names[i], sizeof(env.names[i]), "%s", dflt[i]);
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < PW_EXEC_ENV_NAMES && env.names[i][0]; i++)
		if (!strncmp(env.names[i], it, PW_EXEC_ENV_NAME_MAX)) {
			p->r.bits[sd->kind - PW_RSEL_BITS0] |= 1ull << i;
			return 0;
		}
	return fail("%s: '%.32s' is not one of the variables exec reports (pinwatch config set exec_env)",
		    sd->opt, it);
}

#define T_PATHS "open,unlink,rename,chmod,chown,xattr,utimes,exec,memfd,mount,umount,connect"
#define T_NET "connect,accept,bind,listen"

/* Every selector: which option, how its values are read, the event types
 * it makes sense for, what it compares. The one place that knows. */
static const struct selector selectors[] = {
	{ .opt = "--comm", .kind = PW_RSEL_COMM, .parse = p_comm, .field = "the task's comm" },
	{ .opt = "--binary", .kind = PW_RSEL_BINARY, .parse = p_file, .field = "the executable, by file (device and inode)" },
	{ .opt = "--binary-prefix", .kind = PW_RSEL_BINARY_PREFIX, .parse = p_path, .field = "the executable's path", .flags = S_PREFIX },
	{ .opt = "--parent", .kind = PW_RSEL_PARENT, .parse = p_path, .field = "the parent's executable path" },
	{ .opt = "--parent-prefix", .kind = PW_RSEL_PARENT, .parse = p_path, .field = "the parent's executable path", .flags = S_PREFIX },
	{ .opt = "--ancestor", .kind = PW_RSEL_ANCESTOR, .parse = p_path, .field = "the path of the executable of the parent or an older ancestor", .flags = S_NO_NEG },
	{ .opt = "--ancestor-prefix", .kind = PW_RSEL_ANCESTOR, .parse = p_path, .field = "the path of the executable of the parent or an older ancestor", .flags = S_PREFIX | S_NO_NEG },
	{ .opt = "--container", .kind = PW_RSEL_CONTAINER, .parse = p_container, .field = "the container (host, any, an id prefix)" },
	{ .opt = "--cgroup", .kind = PW_RSEL_CGROUP, .parse = p_cgroup, .field = "the cgroup v2 id" },
	{ .opt = "--uid", .kind = PW_RSEL_UID, .parse = p_range, .field = "the real uid", .max = 4294967294u },
	{ .opt = "--euid", .kind = PW_RSEL_EUID, .parse = p_range, .field = "the effective uid", .max = 4294967294u },
	{ .opt = "--path", .kind = PW_RSEL_PATH, .parse = p_path, .types = T_PATHS, .field = "the path (rename: either name; exec: the filename; memfd: /memfd:NAME; mount: the target; connect: an AF_UNIX socket's path)" },
	{ .opt = "--path-prefix", .kind = PW_RSEL_PATH, .parse = p_path, .types = T_PATHS, .field = "the path (as --path)", .flags = S_PREFIX },
	{ .opt = "--open-flags", .kind = PW_RSEL_OPEN_FLAGS, .parse = p_bits, .types = "open,unlink,rename", .field = "the open flags (unlink, rename: every flag holds)", .flags = S_NO_NEG, .names = open_flag_names, .nnames = N_OF(open_flag_names) },
	{ .opt = "--port", .kind = PW_RSEL_PORT, .parse = p_range, .types = T_NET, .field = "the remote port (bind, listen: the local one)", .max = 65535 },
	{ .opt = "--cidr", .kind = PW_RSEL_CIDR, .parse = p_cidr, .types = T_NET, .field = "the remote address (bind, listen: the local one)" },
	{ .opt = "--stdio", .kind = PW_RSEL_STDIO, .parse = p_bits, .types = "exec", .field = "the kinds of fds 0-2 (inet: a socket with an IPv4 or IPv6 peer)", .names = stdio_kinds, .nnames = N_OF(stdio_kinds) },
	{ .opt = "--exe-flags", .kind = PW_RSEL_EXE_FLAGS, .parse = p_bits, .types = "exec", .field = "the new image's file", .names = exe_flags, .nnames = N_OF(exe_flags) },
	{ .opt = "--env", .kind = PW_RSEL_ENV, .parse = p_env, .types = "exec", .field = "the environment variables present" },
	{ .opt = "--syscall", .kind = PW_RSEL_SYSCALL, .parse = p_range, .types = "syscall,cred", .field = "the syscall number (cred: the call that changed the credentials; a setuid exec's is execve)", .set = "syscall", .max = PW_SYSCALL_MAX - 1 },
	{ .opt = "--cap", .kind = PW_RSEL_CAP, .parse = p_bits, .types = "capable", .field = "the capability checked", .set = "cap" },
	{ .opt = "--ns-flags", .kind = PW_RSEL_NS_FLAGS, .parse = p_bits, .types = "namespace", .field = "the CLONE_NEW* flags", .set = "ns" },
	{ .opt = "--ptrace-req", .kind = PW_RSEL_PTRACE_REQ, .parse = p_range, .types = "ptrace", .field = "the ptrace request", .names = ptrace_pseudo, .nnames = N_OF(ptrace_pseudo), .set = "ptrace" },
	{ .opt = "--bpf-cmd", .kind = PW_RSEL_BPF_CMD, .parse = p_bits, .types = "bpf", .field = "the bpf(2) command", .set = "bpf_cmd" },
	{ .opt = "--mode", .kind = PW_RSEL_MODE, .parse = p_bits, .types = "chmod", .field = "the mode set", .names = mode_names, .nnames = N_OF(mode_names) },
	{ .opt = "--xattr-name", .kind = PW_RSEL_XATTR_NAME, .parse = p_xattr, .types = "xattr", .field = "the attribute's name" },
	{ .opt = "--path-name", .kind = PW_RSEL_PATH, .parse = p_path_name, .types = T_PATHS, .field = "the path's last component (as --path; any directory, relative paths too)", .flags = S_NO_NEG },
	{ .opt = "--utime", .kind = PW_RSEL_UTIME, .parse = p_bits, .types = "utimes", .field = "how the times are set (explicit: a given value, now: the current time)", .names = utime_names, .nnames = N_OF(utime_names) },
	{ .opt = "--to-uid", .kind = PW_RSEL_TO_UID, .parse = p_range, .types = "cred", .field = "the uid a change of credentials set (the euid, else the real uid)", .max = 4294967294u },
};

/* Is name one of the comma-separated list? */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = list; s && *s;) {
		const char *e = strchr(s, ',');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len == n && !strncmp(s, name, n))
			return true;
		s = e ? e + 1 : NULL;
	}
	return false;
}

static bool selector_applies(const struct selector *sd, int type)
{
	return !sd->types || in_list(sd->types, pw_event_type_name(type));
}

/* One selector option and its value (a comma list, '!' first negates). */
static int parse_selector(struct prule *p, size_t si, char *v)
{
	const struct selector *sd = &selectors[si];
	struct pw_rule *r = &p->r;
	__u32 bit = 1u << sd->kind;
	char *items[SEL_VALUES + 1];
	bool neg = false;
	int n;

	if (*v == '!') {
		if (sd->flags & S_NO_NEG)
			return fail("%s: cannot be negated", sd->opt);
		neg = true;
		v++;
	}
	/* options of one kind (--path and --path-prefix) share one sign */
	if ((r->sels & bit) && neg != !!(r->neg & bit))
		return fail("%s: '!' must be given to every option of the same selector", sd->opt);
	if (neg)
		r->neg |= bit;
	r->sels |= bit;
	p->opts |= 1u << si;
	n = split_list(v, items, SEL_VALUES);
	if (n < 0)
		return fail("%s: at most %d values", sd->opt, SEL_VALUES);
	for (int i = 0; i < n; i++)
		if (sd->parse(p, sd, items[i]))
			return -1;
	return 0;
}

/* ---- deny: what the kernel lets BPF refuse (bpf/deny.bpf.c) ---- */

/* The deny module's hook of each type (its link_<type> pin), the LSM hook
 * and the security_* function its two variants attach to. */
static const struct { int type; const char *lsm; const char *sec_fn; } deny_hooks[] = {
	{ PW_EV_EXEC, "bprm_check_security", "security_bprm_check" },
	{ PW_EV_OPEN, "file_open", "security_file_open" },
	{ PW_EV_UNLINK, "path_unlink", "security_path_unlink" },
	{ PW_EV_CONNECT, "socket_connect", "security_socket_connect" },
};

/* What a deny rule cannot have: a refusal is decided before the exec's
 * context exists (--stdio, --exe-flags), and is never throttled. Like
 * kill, it must name what it refuses: a deny of every open is no rule. */
#define SEL(k) (1u << PW_RSEL_##k)
static int deny_parse_check(const struct prule *p)
{
	bool hooked[PW_RULE_TYPES] = { false };

	if (p->r.action != PW_RULE_DENY)
		return 0;
	for (size_t k = 0; k < N_OF(deny_hooks); k++)
		hooked[deny_hooks[k].type] = true;
	for (int t = 0; t < PW_RULE_TYPES; t++)
		if (p->types[t] && !hooked[t])
			return fail("--action deny: %s cannot be refused (deny covers exec, open, unlink and connect)",
				    pw_event_type_name((__u32)t));
	if (p->r.sels & (SEL(STDIO) | SEL(EXE_FLAGS)))
		return fail("--action deny: %s does not apply (the refusal comes before the exec context exists)",
			    p->r.sels & SEL(STDIO) ? "--stdio" : "--exe-flags");
	if (p->r.throttle_n)
		return fail("--action deny: --throttle does not apply (every refusal is reported)");
	if (!(p->r.sels & ~(SEL(UID) | SEL(EUID) | SEL(OPEN_FLAGS))))
		return fail("--action deny needs a selector naming what to refuse (--comm, --binary, "
			    "--binary-prefix, --path, --path-prefix, --port, --cidr)");
	return 0;
}
#undef SEL

/*
 * A deny rule is taken only where the running sensor can carry it out:
 * the deny module's hook for each of its types is attached (its
 * link_<type> pin). Otherwise one line: what the kernel lacks (the
 * loader's probes), or that the module is not loaded. Never a downgrade.
 */
static int deny_kernel_check(const struct prule *p)
{
	char path[PATH_MAX], why[400];

	if (p->r.action != PW_RULE_DENY)
		return 0;
	for (size_t k = 0; k < N_OF(deny_hooks); k++) {
		const char *t = pw_event_type_name(deny_hooks[k].type);

		if (!p->types[deny_hooks[k].type])
			continue;
		snprintf(path, sizeof(path), "%s/deny/link_%s", pin_root, t);
		if (!access(path, F_OK))
			continue;
		if (!probe_refuse(deny_hooks[k].lsm, deny_hooks[k].sec_fn, why, sizeof(why)))
			return fail("--action deny: this kernel cannot refuse %s from BPF: %s", t, why);
		snprintf(path, sizeof(path), "%s/deny", pin_root);
		if (access(path, F_OK))
			return fail("--action deny: the deny module is not loaded (run: pinwatch up deny)");
		return fail("--action deny: the deny module has no %s hook attached (pinwatch status)", t);
	}
	return 0;
}

/*
 * argv[0] is the name, the rest the options of `rule add`. Fills p and
 * p->r.spec (the words, NUL-separated). Returns 0, or -1 with errbuf set.
 */
static int parse_rule(int argc, char **argv, struct prule *p)
{
	char words[PW_RULE_SPEC_MAX];
	size_t len = 0;
	bool have_types = false;

	memset(p, 0, sizeof(*p));
	p->r.used = 1;
	p->r.action = PW_RULE_ALERT;
	p->r.severity = PW_SEV_MEDIUM;
	if (argc < 1)
		return fail("missing rule name");
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (len + n > sizeof(words))
			return fail("rule longer than %d bytes", PW_RULE_SPEC_MAX);
		memcpy(words + len, argv[i], n);
		len += n;
	}
	memcpy(p->r.spec, words, len);
	p->r.spec_len = len;
	if (!valid_name(argv[0], PW_RULE_NAME_MAX - 1, "_.-"))
		return fail("invalid rule name '%.64s' (1 to %d letters, digits, '_', '.', '-'; a letter or digit first)",
			    argv[0], PW_RULE_NAME_MAX - 1);
	snprintf(p->r.name, sizeof(p->r.name), "%s", argv[0]);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		char val[PW_RULE_SPEC_MAX];
		size_t si = N_OF(selectors);

		if (strncmp(opt, "--", 2))
			return fail("unexpected argument '%.64s' (options start with --)", opt);
		if (i + 1 >= argc)
			return fail("%s: missing value", opt);
		snprintf(val, sizeof(val), "%s", argv[++i]);
		for (size_t k = 0; k < N_OF(selectors); k++)
			if (!strcmp(opt, selectors[k].opt))
				si = k;
		if (si < N_OF(selectors)) {
			if (parse_selector(p, si, val))
				return -1;
		} else if (!strcmp(opt, "--on")) {
			char *items[PW_RULE_TYPES];
			int n = split_list(val, items, PW_RULE_TYPES - 1);

			if (n < 0)
				return fail("--on: too many event types");
			for (int t = 0; t < n; t++) {
				int id = pw_event_type_from_name(items[t]);

				if (id < 0)
					return fail("--on: unknown event type '%.32s'", items[t]);
				if (!type_module(id) && id != PW_EV_EXEC)
					return fail("--on: rules cannot match '%s' events", items[t]);
				p->types[id] = 1;
			}
			have_types = true;
		} else if (!strcmp(opt, "--action")) {
			int a = named_id(actions, N_OF(actions), val);

			if (a < 0)
				return fail("--action: unknown action '%.32s' (alert, drop, kill, deny)", val);
			p->r.action = a;
		} else if (!strcmp(opt, "--severity")) {
			int s = named_id(severities, N_OF(severities), val);

			if (s < 0)
				return fail("--severity: unknown severity '%.32s' (low, medium, high, critical)", val);
			p->r.severity = s;
		} else if (!strcmp(opt, "--tags")) {
			if (!valid_name(val, PW_RULE_TAGS_MAX - 1, "_.-,") || val[strlen(val) - 1] == ',' ||
			    strstr(val, ",,"))
				return fail("--tags: invalid tags '%.64s' (comma-separated words, %d bytes at most)",
					    val, PW_RULE_TAGS_MAX - 1);
			memcpy(p->r.tags, val, strlen(val) + 1);	/* checked: fits */
		} else if (!strcmp(opt, "--throttle")) {
			char *slash = strchr(val, '/');
			uint64_t n, ns;

			if (!slash)
				return fail("--throttle: invalid '%.32s' (N/PERIOD, e.g. 1/10s)", val);
			*slash = '\0';
			if (pw_parse_uint(val, 1000000, &n) || !n || parse_period(slash + 1, &ns))
				return fail("--throttle: invalid '%.32s/%.32s' (N/PERIOD: N from 1, PERIOD like 500ms, 10s, 5m, 1h)",
					    val, slash + 1);
			p->r.throttle_n = n;
			p->r.throttle_ns = ns;
		} else {
			return fail("unknown option '%.64s'", opt);
		}
	}
	if (!have_types)
		return fail("missing --on TYPES");
	/* a kill rule that names no process, file or address would kill every
	 * matching event's process, the control plane's own shells included */
	if (p->r.action == PW_RULE_KILL &&
	    !(p->r.sels & ~(1u << PW_RSEL_UID | 1u << PW_RSEL_EUID | 1u << PW_RSEL_OPEN_FLAGS |
			    1u << PW_RSEL_CGROUP | 1u << PW_RSEL_CONTAINER)))
		return fail("--action kill needs a selector naming what to kill (--comm, --binary, "
			    "--binary-prefix, --path, --path-prefix, --port, --cidr, --stdio, --exe-flags, ...)");
	if (deny_parse_check(p))
		return -1;
	/* every selector must make sense for every type the rule names */
	for (size_t k = 0; k < N_OF(rule_types); k++) {
		if (!p->types[rule_types[k].type])
			continue;
		for (size_t s = 0; s < N_OF(selectors); s++)
			if ((p->opts & (1u << s)) && !selector_applies(&selectors[s], rule_types[k].type))
				return fail("%s does not apply to %s events (only to %s)", selectors[s].opt,
					    pw_event_type_name(rule_types[k].type), selectors[s].types);
	}
	return 0;
}

/* ---- the pinned maps ---- */

enum { M_RULES, M_TYPES, M_INDEX, M_PATHS, M_FILES, M_COMMS, M_CIDRS, M_STATS, M_THROTTLE, M_DENY,
       M_VALUES, M_BITS, M_N };
static const char *map_names[M_N] = {
	"rules", "rule_types", "rule_index", "rule_paths", "rule_files", "rule_comms", "rule_cidrs",
	"rule_stats", "rule_throttle", "rule_deny", "rule_values", "rule_bits",
};
static int fds[M_N];

/* Opens every rule map; false (or death, with need) when the sensor has none. */
static bool open_maps(bool need)
{
	char path[PATH_MAX];

	for (int i = 0; i < M_N; i++) {
		snprintf(path, sizeof(path), "%s/maps/%s", pin_root, map_names[i]);
		fds[i] = bpf_obj_get(path);
		/* rule_deny: only where the deny module loaded (deny_kernel_check) */
		if (fds[i] < 0 && i == M_DENY)
			continue;
		if (fds[i] < 0) {
			if (!need)
				return false;
			die("sensor not loaded, or no module that evaluates rules (process, file, net): %s: %s",
			    path, strerror(errno));
		}
	}
	return true;
}

/* Every rule in maps/rules (slots not in use have used == 0; a hash:
 * a slot never written is not in it, and reads as one never used). */
static struct pw_rule slots[PW_RULES_MAX];

static void read_rules(void)
{
	for (__u32 i = 0; i < PW_RULES_MAX; i++) {
		if (!bpf_map_lookup_elem(fds[M_RULES], &i, &slots[i]))
			continue;
		if (errno != ENOENT)
			die("cannot read maps/rules: %s", strerror(errno));
		memset(&slots[i], 0, sizeof(slots[i]));
	}
}

/* The words of a stored spec. */
static int spec_words(const struct pw_rule *r, char **argv, char *buf)
{
	size_t len = r->spec_len < PW_RULE_SPEC_MAX ? r->spec_len : PW_RULE_SPEC_MAX;
	int n = 0;

	memcpy(buf, r->spec, len);
	buf[len ? len - 1 : 0] = '\0';
	for (size_t off = 0; off < len && n < MAX_ARGS; off += strlen(buf + off) + 1)
		argv[n++] = buf + off;
	return n;
}

/* The parsed form of every slot in use. */
static struct prule parsed[PW_RULES_MAX];

static void parse_slot(__u32 i)
{
	char *argv[MAX_ARGS], buf[PW_RULE_SPEC_MAX];
	int n = spec_words(&slots[i], argv, buf);

	lenient_files = true;
	if (parse_rule(n, argv, &parsed[i]))	/* written by us: cannot happen */
		die("maps/rules slot %u: %s: %s", i, slots[i].name, errbuf);
	lenient_files = false;
}

/* ---- the index ---- */

static void mask_set(struct pw_rule_mask *m, __u32 slot)
{
	m->w[slot / 64] |= 1ull << (slot % 64);
}

/* An index key and its mask; keys are compared as bytes. */
struct ikey {
	unsigned char key[sizeof(struct pw_rule_path_key)];
	struct pw_rule_mask mask;
};

struct ikeys {
	struct ikey *v;
	size_t n, cap;
	size_t key_size;
};

static struct ikey *ikeys_add(struct ikeys *s, const void *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!memcmp(s->v[i].key, key, s->key_size))
			return &s->v[i];
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	memcpy(s->v[s->n].key, key, s->key_size);
	return &s->v[s->n++];
}

/* LPM: does entry e (prefixlen bits of data) cover key k? */
static bool lpm_covers(const unsigned char *e, const unsigned char *k, size_t key_size)
{
	__u32 ep, kp, full;

	memcpy(&ep, e, 4);
	memcpy(&kp, k, 4);
	if (ep > kp || ep > (key_size - 4) * 8)
		return false;
	full = ep / 8;
	if (memcmp(e + 4, k + 4, full))
		return false;
	if (ep % 8) {
		unsigned char m = 0xff << (8 - ep % 8);

		if ((e[4 + full] & m) != (k[4 + full] & m))
			return false;
	}
	return true;
}

/* The keys one rule gives an indexed kind. */
static int rule_keys(const struct prule *p, int kind, unsigned char (*out)[KEY_BYTES])
{
	int n = 0;

	for (int i = 0; i < p->nkeys; i++)
		if (p->keys[i].kind == kind)
			memcpy(out[n++], p->keys[i].key, KEY_BYTES);
	return n;
}

static const struct { int map; size_t key_size; bool lpm; } kind_maps[PW_RSEL_INDEXED] = {
	[PW_RSEL_COMM] = { M_COMMS, sizeof(struct pw_comm_key), false },
	[PW_RSEL_BINARY] = { M_FILES, sizeof(struct pw_block_key), false },
	[PW_RSEL_BINARY_PREFIX] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_PATH] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_CIDR] = { M_CIDRS, sizeof(struct pw_cidr_key), true },
	[PW_RSEL_PARENT] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_ANCESTOR] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_CONTAINER] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_XATTR_NAME] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
};

struct index {
	struct pw_rule_mask types[PW_RULE_TYPES];
	struct pw_rule_mask deny[PW_RULE_TYPES];	/* deny rules: maps/rule_deny, not rule_types */
	struct pw_rule_index idx;
	struct ikeys keys[PW_RSEL_INDEXED];
	size_t map_keys[M_N];		/* keys each map will hold */
	struct ikeys values;		/* rule_values: struct pw_rule_value_key */
	struct pw_rule_mask bits[PW_RULE_BIT_KEYS];	/* rule_bits */
};

/* The keys map m holds: its pinned size (pinwatch up --map-size may have
 * changed it), else the build's. */
static __u32 map_capacity(int m)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (fds[m] >= 0 && !bpf_obj_get_info_by_fd(fds[m], &info, &len) && info.max_entries)
		return info.max_entries;
	return m == M_PATHS ? PW_RULE_INDEX_ENTRIES : m == M_VALUES ? PW_RULE_VALUE_ENTRIES :
	       PW_RULE_KEYED_ENTRIES;
}

static bool in_ranges(__u64 v, const struct pw_rule_range *r, int n)
{
	for (int i = 0; i < n && i < PW_RULE_RANGES; i++)
		if (v >= r[i].lo && v <= r[i].hi)
			return true;
	return false;
}

static bool ikeys_has(const struct ikeys *s, const void *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (!memcmp(s->v[i].key, key, s->key_size))
			return true;
	return false;
}

/*
 * The scalar kinds' index (pw_rule_index.scalar_*, maps/rule_values and
 * maps/rule_bits). A ranges kind: a rule whose values of it are all exact
 * and not negated is left out of scalar_dflt and gives a rule_values key
 * per value, as long as they fit (rules in slot order; one that does not
 * fit stays in the default, checked one by one as before); each key's
 * mask is computed like an indexed kind's: the rules not using the kind
 * and those that hold for the value (a range holding it, a negation not
 * naming it). A bits kind: a rule not negated is left out of scalar_dflt
 * and set in the rule_bits mask of each bit it asks for (it holds when the
 * event has any of them); a negated one stays in the default.
 */
static void build_scalar_index(const bool *in_use, struct index *ix)
{
	__u32 cap = map_capacity(M_VALUES);

	ix->values.n = 0;
	ix->values.key_size = sizeof(struct pw_rule_value_key);
	memset(ix->bits, 0, sizeof(ix->bits));
	for (int k = 0; k < PW_RSEL_NSCALAR; k++)
		for (int w = 0; w < PW_RULE_WORDS; w++)
			ix->idx.scalar_dflt[k].w[w] = ~0ull;
	for (__u32 s = 0; s < PW_RULES_MAX; s++) {
		const struct pw_rule *r = &parsed[s].r;

		if (!in_use[s])
			continue;
		for (int k = 0; k < PW_RSEL_NSCALAR; k++) {
			__u32 bit = 1u << (PW_RSEL_RANGE0 + k);
			bool exact = !(r->neg & bit);
			size_t fresh = 0;

			if (!(r->sels & bit))
				continue;
			mask_set(&ix->idx.scalar_users[k], s);
			ix->idx.scalar_kinds |= bit;
			if (k >= PW_RSEL_NRANGES) {
				__u64 b = r->bits[k - PW_RSEL_NRANGES];

				if (r->neg & bit)
					continue;
				ix->idx.scalar_dflt[k].w[s / 64] &= ~(1ull << (s % 64));
				for (int i = 0; i < 64; i++)
					if (b & (1ull << i))
						mask_set(&ix->bits[(k - PW_RSEL_NRANGES) * 64 + i], s);
				continue;
			}
			for (int i = 0; i < r->n_ranges[k] && i < PW_RULE_RANGES && exact; i++) {
				struct pw_rule_value_key vk = { .kind = PW_RSEL_RANGE0 + k,
								.value = r->ranges[k][i].lo };

				if (r->ranges[k][i].lo != r->ranges[k][i].hi)
					exact = false;
				else if (!ikeys_has(&ix->values, &vk))
					fresh++;
			}
			if (!exact || ix->values.n + fresh > cap)
				continue;	/* stays in the default */
			ix->idx.scalar_dflt[k].w[s / 64] &= ~(1ull << (s % 64));
			for (int i = 0; i < r->n_ranges[k] && i < PW_RULE_RANGES; i++) {
				struct pw_rule_value_key vk = { .kind = PW_RSEL_RANGE0 + k,
								.value = r->ranges[k][i].lo };

				ikeys_add(&ix->values, &vk);
			}
		}
	}
	for (size_t i = 0; i < ix->values.n; i++) {
		struct ikey *e = &ix->values.v[i];
		struct pw_rule_value_key vk;
		int k;

		memcpy(&vk, e->key, sizeof(vk));
		k = vk.kind - PW_RSEL_RANGE0;
		for (int w = 0; w < PW_RULE_WORDS; w++)
			e->mask.w[w] = ~ix->idx.scalar_users[k].w[w];
		for (__u32 s = 0; s < PW_RULES_MAX; s++) {
			const struct pw_rule *r = &parsed[s].r;
			__u32 bit = 1u << vk.kind;

			if (in_use[s] && (r->sels & bit) &&
			    in_ranges(vk.value, r->ranges[k], r->n_ranges[k]) != !!(r->neg & bit))
				mask_set(&e->mask, s);
		}
	}
}

/* pw_rule_index.path_heads/name_heads, name_tails, path_heads8/47 and head_short of one
 * key of the path kind (pw_rule_head_may() in bpf/rules.bpf.h skips the
 * lookup of a string whose head has no bit; pw_rule_in_for_paths() the
 * whole check of an event no candidate can hold). */
static void path_head(struct pw_rule_index *idx, const unsigned char *key)
{
	struct pw_rule_path_key k;
	bool name;
	__u32 len, h;

	memcpy(&k, key, sizeof(k));
	name = k.kind == PW_RULE_PATH_KIND_NAME;
	len = k.prefixlen / 8 - 1;	/* the bytes after the kind */
	/* a name key is "NAME\0": its last 4 bytes before the NUL end
	 * every path whose last component it is (name_tails) */
	if (name && len < 5)
		idx->head_short |= 4;
	else if (name) {
		h = pw_rule_head_of(&k.path[len - 5]);
		idx->name_tails[h / 64] |= 1ull << (h % 64);
	}
	if (len < 4) {
		idx->head_short |= name ? 2 : 1;
		return;
	}
	if (!name && len >= 8) {
		h = pw_rule_head8_of(k.path);
		idx->path_heads8[h / 64] |= 1ull << (h % 64);
	} else if (!name) {
		h = pw_rule_head_of(k.path);
		idx->path_heads47[h / 64] |= 1ull << (h % 64);
	}
	h = pw_rule_head_of(k.path);
	(name ? idx->name_heads : idx->path_heads)[h / 64] |= 1ull << (h % 64);
}

/* The whole index of the rules in use (in_use[slot]). */
static void build_index(const bool *in_use, struct index *ix)
{
	static unsigned char keys[RULE_KEYS][KEY_BYTES];

	memset(ix->types, 0, sizeof(ix->types));
	memset(ix->deny, 0, sizeof(ix->deny));
	memset(&ix->idx, 0, sizeof(ix->idx));
	memset(ix->map_keys, 0, sizeof(ix->map_keys));
	for (int k = 0; k < PW_RSEL_INDEXED; k++) {
		ix->keys[k].n = 0;
		ix->keys[k].key_size = kind_maps[k].key_size;
		for (int w = 0; w < PW_RULE_WORDS; w++)
			ix->idx.dflt[k].w[w] = ~0ull;
	}
	for (__u32 s = 0; s < PW_RULES_MAX; s++) {
		const struct prule *p = &parsed[s];

		if (!in_use[s])
			continue;
		ix->idx.words = s / 64 + 1;	/* the matcher walks no word past it */
		for (int t = 0; t < PW_RULE_TYPES; t++)
			if (p->types[t] && p->r.action == PW_RULE_DENY) {
				mask_set(&ix->deny[t], s);	/* only the deny module reads it */
			} else if (p->types[t]) {
				mask_set(&ix->types[t], s);
				ix->idx.modules |= 1u << type_module(t);
			}
		/* --exe-flags dropped: the file module notes the writes it
		 * looks up (bpf/drop.bpf.h), switched off or not */
		if (p->r.action != PW_RULE_DENY && (p->r.sels & (1u << PW_RSEL_EXE_FLAGS)) &&
		    !(p->r.neg & (1u << PW_RSEL_EXE_FLAGS)) &&
		    (p->r.bits[PW_RSEL_EXE_FLAGS - PW_RSEL_BITS0] & PW_EXE_DROPPED))
			ix->idx.modules |= 1u << PW_MOD_FILE;
		for (int k = 0; k < PW_RSEL_INDEXED; k++) {
			int n;

			if (!(p->r.sels & (1u << k)))
				continue;
			mask_set(&ix->idx.users[k], s);
			if (!(p->r.neg & (1u << k)))
				ix->idx.dflt[k].w[s / 64] &= ~(1ull << (s % 64));
			n = rule_keys(p, k, keys);
			for (int i = 0; i < n; i++) {
				ikeys_add(&ix->keys[k], keys[i]);
				if (k == PW_RSEL_PATH)
					path_head(&ix->idx, keys[i]);
				/* --path-name: the kind byte after the prefixlen */
				if (k == PW_RSEL_PATH &&
				    keys[i][offsetof(struct pw_rule_path_key, kind)] == PW_RULE_PATH_KIND_NAME)
					mask_set(&ix->idx.path_names, s);
			}
		}
	}
	/* each key's mask: the rules that hold for a value whose longest
	 * match (LPM) or exact match (hash) is that key */
	for (int k = 0; k < PW_RSEL_INDEXED; k++) {
		for (size_t i = 0; i < ix->keys[k].n; i++) {
			struct ikey *e = &ix->keys[k].v[i];

			for (int w = 0; w < PW_RULE_WORDS; w++)
				e->mask.w[w] = ~ix->idx.users[k].w[w];
			for (__u32 s = 0; s < PW_RULES_MAX; s++) {
				bool match = false;
				int n;

				if (!in_use[s] || !(parsed[s].r.sels & (1u << k)))
					continue;
				n = rule_keys(&parsed[s], k, keys);
				for (int j = 0; j < n && !match; j++)
					match = kind_maps[k].lpm ?
							lpm_covers(keys[j], e->key, kind_maps[k].key_size) :
							!memcmp(keys[j], e->key, kind_maps[k].key_size);
				if (match != !!(parsed[s].r.neg & (1u << k)))
					mask_set(&e->mask, s);
			}
		}
		ix->map_keys[kind_maps[k].map] += ix->keys[k].n;
	}
	build_scalar_index(in_use, ix);
	for (int m = 0; m < M_N; m++)
		if (ix->map_keys[m] > map_capacity(m))
			die("too many selector values: maps/%s would hold %zu keys (at most %u)", map_names[m],
			    ix->map_keys[m], map_capacity(m));
}

/* Makes map m hold exactly the keys of the kinds that use it. */
/* Deletes the keys of map m (ks bytes each) that ix no longer gives: the
 * keys of the indexed kinds stored in m, or rule_values' own. */
static void prune_keys(const struct index *ix, int m, size_t ks)
{
	unsigned char cur[sizeof(struct pw_rule_path_key)], next[sizeof(struct pw_rule_path_key)];
	bool more = !bpf_map_get_next_key(fds[m], NULL, next);

	while (more) {
		bool keep;

		memcpy(cur, next, ks);
		more = !bpf_map_get_next_key(fds[m], cur, next);
		keep = m == M_VALUES && ikeys_has(&ix->values, cur);
		for (int k = 0; k < PW_RSEL_INDEXED && !keep; k++)
			keep = kind_maps[k].map == m && ikeys_has(&ix->keys[k], cur);
		if (!keep && bpf_map_delete_elem(fds[m], cur) && errno != ENOENT)
			die("cannot write maps/%s: %s", map_names[m], strerror(errno));
	}
}

static void write_keyed(const struct index *ix, int m)
{
	size_t ks = 0;

	for (int k = 0; k < PW_RSEL_INDEXED; k++) {
		if (kind_maps[k].map != m)
			continue;
		ks = kind_maps[k].key_size;
		for (size_t i = 0; i < ix->keys[k].n; i++)
			if (bpf_map_update_elem(fds[m], ix->keys[k].v[i].key, &ix->keys[k].v[i].mask, BPF_ANY))
				die("cannot write maps/%s: %s", map_names[m], strerror(errno));
	}
	prune_keys(ix, m, ks);
}

static void write_types(const struct index *ix)
{
	for (__u32 t = 0; t < PW_RULE_TYPES; t++)
		if (bpf_map_update_elem(fds[M_TYPES], &t, &ix->types[t], BPF_ANY))
			die("cannot write maps/rule_types: %s", strerror(errno));
	for (__u32 t = 0; t < PW_RULE_TYPES && fds[M_DENY] >= 0; t++)
		if (bpf_map_update_elem(fds[M_DENY], &t, &ix->deny[t], BPF_ANY))
			die("cannot write maps/rule_deny: %s", strerror(errno));
}

/* rule_values: the keys of ix written (stale false), or the keys ix has
 * not deleted (stale true: after rule_index, so that a rule that moves
 * from a key to the default is in one of them throughout). */
static void write_values(const struct index *ix, bool stale)
{
	if (stale) {
		prune_keys(ix, M_VALUES, sizeof(struct pw_rule_value_key));
		return;
	}
	for (size_t i = 0; i < ix->values.n; i++)
		if (bpf_map_update_elem(fds[M_VALUES], ix->values.v[i].key, &ix->values.v[i].mask, BPF_ANY))
			die("cannot write maps/rule_values: %s", strerror(errno));
}

static void write_selectors(const struct index *ix)
{
	__u32 zero = 0;

	write_keyed(ix, M_COMMS);
	write_keyed(ix, M_FILES);
	write_keyed(ix, M_PATHS);
	write_keyed(ix, M_CIDRS);
	write_values(ix, false);
	for (__u32 b = 0; b < PW_RULE_BIT_KEYS; b++)
		if (bpf_map_update_elem(fds[M_BITS], &b, &ix->bits[b], BPF_ANY))
			die("cannot write maps/rule_bits: %s", strerror(errno));
	if (bpf_map_update_elem(fds[M_INDEX], &zero, &ix->idx, BPF_ANY))
		die("cannot write maps/rule_index: %s", strerror(errno));
	write_values(ix, true);
}

/* A new rule's counters start at 0; its slot's old throttle windows go. */
static void reset_slot(__u32 slot)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pw_rule_stats *zero = calloc(ncpu > 0 ? ncpu : 1, sizeof(*zero));
	struct pw_throttle_key cur, next;
	bool more;

	if (!zero || bpf_map_update_elem(fds[M_STATS], &slot, zero, BPF_ANY))
		die("cannot write maps/rule_stats: %s", strerror(errno));
	free(zero);
	more = !bpf_map_get_next_key(fds[M_THROTTLE], NULL, &next);
	while (more) {
		cur = next;
		more = !bpf_map_get_next_key(fds[M_THROTTLE], &cur, &next);
		if (cur.slot == slot)
			bpf_map_delete_elem(fds[M_THROTTLE], &cur);
	}
}

static struct index ix;

/*
 * Adds rules (new[0..n), slots not yet chosen) and removes the slots in
 * del: the rule maps end holding the rules in use. A new rule's type bits
 * are written last, a removed rule's first, so no half-written index ever
 * matches.
 */
static void commit(struct prule *add, int n, const bool *del)
{
	bool in_use[PW_RULES_MAX] = { false }, fresh[PW_RULES_MAX] = { false };
	int next;

	for (__u32 s = 0; s < PW_RULES_MAX; s++)
		in_use[s] = slots[s].used && !(del && del[s]);
	for (int i = 0; i < n; i++) {
		/* the free slot freed longest ago (never used: 0) */
		next = -1;
		for (int s = 0; s < PW_RULES_MAX; s++)
			if (!slots[s].used && !fresh[s] && (next < 0 || slots[s].freed < slots[next].freed))
				next = s;
		if (next < 0)
			die("too many rules: maps/rules holds %d", PW_RULES_MAX);
		parsed[next] = add[i];
		fresh[next] = in_use[next] = true;
	}
	build_index(in_use, &ix);
	if (del) {
		write_types(&ix);
		write_selectors(&ix);
		__u32 seq = 0;

		for (__u32 s = 0; s < PW_RULES_MAX; s++)
			if (!slots[s].used && slots[s].freed > seq)
				seq = slots[s].freed;
		for (__u32 s = 0; s < PW_RULES_MAX; s++) {
			struct pw_rule none = { .freed = seq + 1 };

			if (del[s] && bpf_map_update_elem(fds[M_RULES], &s, &none, BPF_ANY))
				die("cannot write maps/rules: %s", strerror(errno));
		}
	}
	for (__u32 s = 0; s < PW_RULES_MAX; s++) {
		if (!fresh[s])
			continue;
		reset_slot(s);
		if (bpf_map_update_elem(fds[M_RULES], &s, &parsed[s].r, BPF_ANY))
			die("cannot write maps/rules: %s", strerror(errno));
	}
	if (n) {
		write_selectors(&ix);
		write_types(&ix);
	}
}

/* Loads the rules in use and their parsed form. */
static void load_state(void)
{
	read_rules();
	for (__u32 s = 0; s < PW_RULES_MAX; s++)
		if (slots[s].used)
			parse_slot(s);
}

static int slot_of(const char *name)
{
	for (int s = 0; s < PW_RULES_MAX; s++)
		if (slots[s].used && !strncmp(slots[s].name, name, PW_RULE_NAME_MAX))
			return s;
	return -1;
}

/* ---- rule files ---- */

/* Splits a line into words: blanks separate, '...' and "..." quote (a
 * backslash escapes " and \ inside "..."), '#' outside quotes starts a
 * comment. Returns the count, or -1 with errbuf set. */
static int split_line(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t' || *r == '\n' || *r == '\r')
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return fail("more than %d words", max);
		argv[n++] = w;
		while (*r && *r != ' ' && *r != '\t' && *r != '\n' && *r != '\r') {
			if (*r == '\'' || *r == '"') {
				char q = *r++;

				while (*r && *r != q) {
					if (q == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
						r++;
					*w++ = *r++;
				}
				if (!*r)
					return fail("unterminated quote");
				r++;
			} else {
				*w++ = *r++;
			}
		}
		if (*r)
			r++;
		*w++ = '\0';
	}
}

/*
 * @PINWATCH_BUILD@ in a rule file: the directory of the binaries of this
 * pinwatch (this program's own: build/ of a checkout, or the installed
 * /usr/lib/pinwatch/build), so that a shipped file can name pinwatch's own
 * binaries (`--binary '!@PINWATCH_BUILD@/pinwatch-load'`: the default
 * pack's bpf-load rule). Only a directory owned by root that nobody else
 * can write is trusted (anyone who can write there could swap the binary
 * the rule spares); else the line is refused. The result is static: the
 * words of one line share it.
 */
#define PW_BUILD_PLACEHOLDER "@PINWATCH_BUILD@"

static const char *pinwatch_build_dir(void)
{
	static char dir[PATH_MAX];
	struct stat st;
	char *slash;
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0 || !(slash = strrchr(dir, '/'))) {
		dir[0] = '\0';
		fail("%s: cannot find this program's directory", PW_BUILD_PLACEHOLDER);
		return NULL;
	}
	*slash = '\0';
	if (stat(dir, &st) || st.st_uid != 0 || (st.st_mode & 022)) {
		fail("%s: %s is not a directory owned by root and writable by root alone: not trusted",
		     PW_BUILD_PLACEHOLDER, dir);
		dir[0] = '\0';
		return NULL;
	}
	return dir;
}

/* Each word of argv with @PINWATCH_BUILD@ in it, rewritten into bufs
 * (one line's worth); -1 (errbuf set) when it cannot be. */
static int expand_placeholders(int argc, char **argv, char (*bufs)[PW_RULE_SPEC_MAX], int nbufs)
{
	size_t plen = strlen(PW_BUILD_PLACEHOLDER);
	int used = 0;

	for (int i = 0; i < argc; i++) {
		const char *dir, *r = argv[i], *hit;
		size_t w = 0;

		if (!strstr(argv[i], PW_BUILD_PLACEHOLDER))
			continue;
		if (used == nbufs)
			return fail("%s: in more than %d words of a line", PW_BUILD_PLACEHOLDER, nbufs);
		dir = pinwatch_build_dir();
		if (!dir)
			return -1;
		while ((hit = strstr(r, PW_BUILD_PLACEHOLDER))) {
			int n = snprintf(bufs[used] + w, PW_RULE_SPEC_MAX - w, "%.*s%s", (int)(hit - r), r, dir);

			if (n < 0 || (size_t)n >= PW_RULE_SPEC_MAX - w)
				return fail("%s: word too long once expanded", PW_BUILD_PLACEHOLDER);
			w += n;
			r = hit + plen;
		}
		if ((size_t)snprintf(bufs[used] + w, PW_RULE_SPEC_MAX - w, "%s", r) >= PW_RULE_SPEC_MAX - w)
			return fail("%s: word too long once expanded", PW_BUILD_PLACEHOLDER);
		argv[i] = bufs[used++];
	}
	return 0;
}

/* Every rule of the files, parsed; dies at the first bad line. */
static struct prule *parse_files(char **files, int nfiles, int *count)
{
	struct prule *out = NULL;
	int n = 0, cap = 0;

	for (int f = 0; f < nfiles; f++) {
		FILE *fp = fopen(files[f], "re");
		static char xbufs[4][PW_RULE_SPEC_MAX];
		char *line = NULL, *argv[MAX_ARGS];
		size_t lcap = 0;
		int lineno = 0;

		if (!fp)
			die("%s: %s", files[f], strerror(errno));
		while (getline(&line, &lcap, fp) > 0) {
			int argc;

			lineno++;
			argc = split_line(line, argv, MAX_ARGS);
			if (argc < 0)
				die("%s:%d: %s", files[f], lineno, errbuf);
			if (!argc)
				continue;
			if (expand_placeholders(argc, argv, xbufs, N_OF(xbufs)))
				die("%s:%d: %s: %s", files[f], lineno, argv[0], errbuf);
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				out = realloc(out, cap * sizeof(*out));
				if (!out)
					die("out of memory");
			}
			if (parse_rule(argc, argv, &out[n]) || deny_kernel_check(&out[n]))
				die("%s:%d: %s: %s", files[f], lineno, argv[0], errbuf);
			for (int i = 0; i < n; i++)
				if (!strcmp(out[i].r.name, out[n].r.name))
					die("%s:%d: %s: duplicate rule name", files[f], lineno, argv[0]);
			n++;
		}
		free(line);
		fclose(fp);
	}
	*count = n;
	return out;
}

/* ---- output ---- */

static void print_quoted(FILE *f, const char *w)
{
	if (*w && strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:=+@") ==
			  strlen(w)) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (; *w; w++) {
		if (*w == '\'')
			fputs("'\\''", f);
		else
			fputc(*w, f);
	}
	fputc('\'', f);
}

/* The rule as a line of a rule file. */
static void print_spec(FILE *f, const struct pw_rule *r)
{
	char *argv[MAX_ARGS], buf[PW_RULE_SPEC_MAX];
	int n = spec_words(r, argv, buf);

	for (int i = 0; i < n; i++) {
		if (i)
			fputc(' ', f);
		print_quoted(f, argv[i]);
	}
}

static void print_json_str(const char *s, size_t max)
{
	putchar('"');
	for (size_t i = 0; i < max && s[i]; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void rule_counts(__u32 slot, __u64 *hits, __u64 *suppressed)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pw_rule_stats *v = calloc(ncpu > 0 ? ncpu : 1, sizeof(*v));

	*hits = *suppressed = 0;
	if (v && !bpf_map_lookup_elem(fds[M_STATS], &slot, v))
		for (int c = 0; c < ncpu; c++) {
			*hits += v[c].hits;
			*suppressed += v[c].suppressed;
		}
	free(v);
}


/* ---- persistence: the rule files of rules_dir follow the maps ---- */

/* A rewrite of one rule file, written beside it and renamed over it once
 * the maps have changed (removed at exit otherwise). */
static struct staged {
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	FILE *f;
	bool pending;
} staged;

static void staged_cleanup(void)
{
	if (staged.pending)
		unlink(staged.tmp);
}

/* Opens the rewrite of rules_dir/name (the directory made 0700 if new). */
static FILE *stage_open(const char *name)
{
	int fd;

	if (mkdir(rules_dir, 0700) && errno != EEXIST)
		die("%s: %s", rules_dir, strerror(errno));
	snprintf(staged.path, sizeof(staged.path), "%s/%s", rules_dir, name);
	snprintf(staged.tmp, sizeof(staged.tmp), "%s/.%s.%d.tmp", rules_dir, name, (int)getpid());
	fd = open(staged.tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) || !(staged.f = fdopen(fd, "w")))
		die("%s: %s", staged.tmp, strerror(errno));
	staged.pending = true;
	atexit(staged_cleanup);
	return staged.f;
}

/* Copies the lines of path into f, but the rule named skip (NULL: none);
 * true when that rule was there. */
static bool copy_rules(FILE *f, const char *path, const char *skip)
{
	char *line = NULL, *copy, *argv[MAX_ARGS];
	FILE *in = fopen(path, "re");
	bool found = false;
	size_t cap = 0;

	if (!in)
		return false;
	while (getline(&line, &cap, in) > 0) {
		copy = strdup(line);
		if (!copy)
			die("out of memory");
		if (skip && split_line(copy, argv, MAX_ARGS) > 0 && !strcmp(argv[0], skip)) {
			found = true;
		} else {
			fputs(line, f);
			if (line[strlen(line) - 1] != '\n')
				fputc('\n', f);
		}
		free(copy);
	}
	free(line);
	fclose(in);
	return found;
}

/* local.rules with the n rules of p added. */
static void stage_add(const struct prule *p, int n)
{
	char path[PATH_MAX];
	FILE *f;

	if (!rules_dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", rules_dir, LOCAL_RULES);
	f = stage_open(LOCAL_RULES);
	copy_rules(f, path, NULL);
	for (int i = 0; i < n; i++) {
		print_spec(f, &p[i].r);
		fputc('\n', f);
	}
}

/* The rule file that holds name, without it (no file holds it: nothing). */
static void stage_del(const char *name)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (!rules_dir || !(d = opendir(rules_dir)))
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		FILE *f;

		if (de->d_name[0] == '.' || n < 7 || strcmp(de->d_name + n - 6, ".rules"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", rules_dir, de->d_name);
		f = stage_open(de->d_name);
		if (copy_rules(f, path, name))
			break;
		fclose(f);
		unlink(staged.tmp);
		staged.f = NULL;
		staged.pending = false;
	}
	closedir(d);
}

/* After the maps changed: the staged file replaces the old one. */
static void stage_commit(void)
{
	if (!staged.f)
		return;
	if (fflush(staged.f) || fsync(fileno(staged.f)) || fclose(staged.f))
		die("%s: %s", staged.tmp, strerror(errno));
	staged.f = NULL;
	if (rename(staged.tmp, staged.path))
		die("%s: %s (the maps changed; the file did not)", staged.path, strerror(errno));
	staged.pending = false;
}

/* ---- commands ---- */

static int cmd_add(int argc, char **argv)
{
	struct prule p;

	if (parse_rule(argc, argv, &p))
		die("add %s: %s", argc ? argv[0] : "", errbuf);
	open_maps(true);
	load_state();
	if (slot_of(p.r.name) >= 0)
		die("add %s: a rule of that name exists (rule del it first)", p.r.name);
	if (deny_kernel_check(&p))
		die("add %s: %s", p.r.name, errbuf);
	stage_add(&p, 1);
	commit(&p, 1, NULL);
	stage_commit();
	return 0;
}

static int cmd_del(int argc, char **argv)
{
	bool del[PW_RULES_MAX] = { false };
	int s;

	if (argc != 1)
		die("del: give one rule name");
	open_maps(true);
	load_state();
	s = slot_of(argv[0]);
	if (s < 0)
		die("del %s: no such rule", argv[0]);
	del[s] = true;
	stage_del(argv[0]);
	commit(NULL, 0, del);
	stage_commit();
	return 0;
}

static int cmd_load(int argc, char **argv, bool test)
{
	struct prule *p;
	int n, free_slots = 0;

	if (!argc)
		die("%s: give at least one rule file", test ? "test" : "load");
	p = parse_files(argv, argc, &n);
	if (open_maps(!test)) {
		load_state();
		for (int i = 0; i < n; i++)
			if (slot_of(p[i].r.name) >= 0)
				die("%s: %s: a rule of that name exists", test ? "test" : "load", p[i].r.name);
		for (int s = 0; s < PW_RULES_MAX; s++)
			free_slots += !slots[s].used;
		if (n > free_slots)
			die("%s: too many rules: %d given, %d free slots of %d", test ? "test" : "load", n,
			    free_slots, PW_RULES_MAX);
	}
	if (test) {
		for (int i = 0; i < n; i++) {
			print_spec(stdout, &p[i].r);
			putchar('\n');
		}
		printf("%d rule%s OK\n", n, n == 1 ? "" : "s");
	} else if (n) {
		/* a file of rules_dir is kept already */
		char dir[PATH_MAX], *slash;

		for (int i = 0; i < argc && rules_dir; i++) {
			char *real = realpath(argv[i], NULL), *rdir = realpath(rules_dir, NULL);

			if (real && rdir && (slash = strrchr(real, '/'))) {
				snprintf(dir, sizeof(dir), "%.*s", (int)(slash - real), real);
				if (!strcmp(dir, rdir))
					rules_dir = NULL;
			}
			free(real);
			free(rdir);
		}
		stage_add(p, n);
		commit(p, n, NULL);
		stage_commit();
	}
	free(p);
	return 0;
}

static int cmd_list(int argc, char **argv)
{
	bool first = true;

	if (argc && !strcmp(argv[0], "--json")) {
		json = true;
		argc--, argv++;
	}
	if (argc)
		die("list: unexpected argument '%s'", argv[0]);
	open_maps(true);
	read_rules();
	if (json)
		putchar('[');
	else
		printf("%-24s %-6s %-8s %10s %10s  %s\n", "NAME", "ACTION", "SEVERITY", "HITS", "SUPPRESSED",
		       "RULE");
	for (__u32 s = 0; s < PW_RULES_MAX; s++) {
		const struct pw_rule *r = &slots[s];
		char *words[MAX_ARGS], buf[PW_RULE_SPEC_MAX];
		__u64 hits, sup;
		int n;

		if (!r->used)
			continue;
		rule_counts(s, &hits, &sup);
		if (!json) {
			printf("%-24.*s %-6s %-8s %10llu %10llu  ", PW_RULE_NAME_MAX, r->name,
			       named_name(actions, N_OF(actions), r->action),
			       named_name(severities, N_OF(severities), r->severity),
			       (unsigned long long)hits, (unsigned long long)sup);
			print_spec(stdout, r);
			putchar('\n');
			continue;
		}
		printf("%s{\"name\":", first ? "" : ",");
		first = false;
		print_json_str(r->name, sizeof(r->name));
		printf(",\"slot\":%u,\"action\":\"%s\",\"severity\":\"%s\",\"tags\":", s,
		       named_name(actions, N_OF(actions), r->action),
		       named_name(severities, N_OF(severities), r->severity));
		print_json_str(r->tags, sizeof(r->tags));
		printf(",\"throttle_n\":%u,\"throttle_ns\":%llu,\"hits\":%llu,\"suppressed\":%llu,\"args\":[",
		       r->throttle_n, (unsigned long long)r->throttle_ns, (unsigned long long)hits,
		       (unsigned long long)sup);
		n = spec_words(r, words, buf);
		for (int i = 1; i < n; i++) {
			if (i > 1)
				putchar(',');
			print_json_str(words[i], PW_RULE_SPEC_MAX);
		}
		printf("]}");
	}
	if (json)
		printf("]\n");
	return 0;
}

/* The Prometheus families of the rules (no output when none is loaded). */
static int cmd_prom(int argc, char **argv)
{
	static const char *fam[2] = { "pinwatch_rule_hits_total", "pinwatch_rule_suppressed_total" };
	static const char *help[2] = { "Events that matched the rule (suppressed ones too).",
				       "Hits of the rule not emitted by its --throttle." };

	(void)argc, (void)argv;
	if (!open_maps(false))
		return 0;
	read_rules();
	for (int f = 0; f < 2; f++) {
		printf("# HELP %s %s\n# TYPE %s counter\n", fam[f], help[f], fam[f]);
		for (__u32 s = 0; s < PW_RULES_MAX; s++) {
			__u64 v[2];

			if (!slots[s].used)
				continue;
			rule_counts(s, &v[0], &v[1]);
			/* names are [A-Za-z0-9_.-], severities a fixed set: nothing to
			 * escape in a label */
			printf("%s{rule=\"%.*s\",severity=\"%s\"} %llu\n", fam[f], PW_RULE_NAME_MAX,
			       slots[s].name, named_name(severities, N_OF(severities), slots[s].severity),
			       (unsigned long long)v[f]);
		}
	}
	return 0;
}

/* Every rule, one line each, as a rule file holds them. */
static int cmd_save(int argc, char **argv)
{
	(void)argc, (void)argv;
	open_maps(true);
	read_rules();
	for (__u32 s = 0; s < PW_RULES_MAX; s++) {
		if (!slots[s].used)
			continue;
		print_spec(stdout, &slots[s]);
		putchar('\n');
	}
	return 0;
}

/* The selector table: option, the event types that accept it (or "all"),
 * what it compares; and the types rules cover. */
static int cmd_selectors(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("TYPES");
	for (size_t k = 0; k < N_OF(rule_types); k++)
		printf("%c%s", k ? ',' : ' ', pw_event_type_name(rule_types[k].type));
	putchar('\n');
	for (size_t s = 0; s < N_OF(selectors); s++)
		printf("%-18s %-28s %s%s\n", selectors[s].opt, selectors[s].types ? selectors[s].types : "all",
		       selectors[s].field, selectors[s].flags & S_NO_NEG ? " (no '!')" : "");
	return 0;
}

static int cmd_test(int argc, char **argv) { return cmd_load(argc, argv, true); }
static int cmd_load_real(int argc, char **argv) { return cmd_load(argc, argv, false); }

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
} cmds[] = {
	{ "add", cmd_add, "NAME --on TYPES [SELECTORS] [--action A] [--severity S] [--tags T] [--throttle N/PERIOD]" },
	{ "del", cmd_del, "NAME" },
	{ "list", cmd_list, "" },
	{ "load", cmd_load_real, "FILE..." },
	{ "test", cmd_test, "FILE..." },
	{ "save", cmd_save, "" },
	{ "prom", cmd_prom, "" },
	{ "selectors", cmd_selectors, "" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: pinwatch-rule [--pin-root DIR] [--rules-dir DIR | --no-save] [--json] COMMAND [ARGS]\n"
		   "add, del and load keep DIR/*.rules in step with the maps (default " PW_RULES_DIR
		   ", or $PINWATCH_RULES_DIR).\nCommands:\n");
	for (size_t i = 0; i < N_OF(cmds); i++)
		fprintf(f, "  %s %s\n", cmds[i].name, cmds[i].args);
}

int main(int argc, char **argv)
{
	int i = 1;

	if (getenv("PINWATCH_PIN_ROOT") && *getenv("PINWATCH_PIN_ROOT"))
		pin_root = getenv("PINWATCH_PIN_ROOT");
	if (getenv("PINWATCH_RULES_DIR") && *getenv("PINWATCH_RULES_DIR"))
		rules_dir = getenv("PINWATCH_RULES_DIR");
	libbpf_set_print(NULL);
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--pin-root") && i + 1 < argc) {
			pin_root = argv[++i];
		} else if (!strcmp(argv[i], "--rules-dir") && i + 1 < argc) {
			rules_dir = argv[++i];
		} else if (!strcmp(argv[i], "--no-save")) {
			rules_dir = NULL;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, PROG ": rule: unknown option '%s'\n", argv[i]);
			return 2;
		}
	}
	if (i == argc) {
		fprintf(stderr, PROG ": rule: missing command (add, del, list, load, test, save, prom, selectors)\n");
		return 2;
	}
	for (size_t c = 0; c < N_OF(cmds); c++) {
		if (strcmp(cmds[c].name, argv[i]))
			continue;
		/* a change of the rules is the sensor's own work (bpfobj.h) */
		if (cmds[c].fn == cmd_add || cmds[c].fn == cmd_del || cmds[c].fn == cmd_load_real)
			pw_own_claim(pin_root);
		return cmds[c].fn(argc - i - 1, argv + i + 1);
	}
	fprintf(stderr, PROG ": rule: unknown command '%s' (add, del, list, load, test, save, prom, selectors)\n", argv[i]);
	return 2;
}
