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

/* The event types rules cover so far, and the selectors each takes. */
#define SEL(k) (1u << PW_RSEL_##k)
#define SEL_EVERY (SEL(COMM) | SEL(BINARY) | SEL(BINARY_PREFIX) | SEL(UID) | SEL(EUID))
static const struct { int type; int module; unsigned sels; } rule_types[] = {
	{ PW_EV_EXEC, PW_MOD_PROCESS, SEL_EVERY | SEL(PATH) | SEL(STDIO) | SEL(EXE_FLAGS) },
	{ PW_EV_OPEN, PW_MOD_FILE, SEL_EVERY | SEL(PATH) | SEL(OPEN_FLAGS) },
	{ PW_EV_UNLINK, PW_MOD_FILE, SEL_EVERY | SEL(PATH) },
	{ PW_EV_CONNECT, PW_MOD_NET, SEL_EVERY | SEL(PORT) | SEL(CIDR) },
};

/* The module that builds events of type (one of rule_types). */
static int type_module(int type)
{
	for (size_t k = 0; k < sizeof(rule_types) / sizeof(rule_types[0]); k++)
		if (rule_types[k].type == type)
			return rule_types[k].module;
	return 0;
}

/* ---- a parsed rule ---- */

struct path_val {
	char path[PW_PATH_MAX];
	bool prefix;
};

struct prule {
	struct pw_rule r;
	unsigned char types[PW_RULE_TYPES];
	char comms[SEL_VALUES][PW_COMM_LEN];
	int ncomm;
	struct pw_block_key files[SEL_VALUES];
	int nfile;
	struct path_val bins[SEL_VALUES];	/* --binary-prefix */
	int nbin;
	struct path_val paths[SEL_VALUES];	/* --path, --path-prefix */
	int npath;
	struct pw_cidr_key cidrs[SEL_VALUES];
	int ncidr;
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

/* N, N-M, a comma list of them; a leading '!' negates the whole selector. */
static int parse_ranges(struct pw_rule *r, unsigned kind, const char *opt, char *v,
			struct pw_rule_range *out, __u8 *n, uint64_t max)
{
	char *items[PW_RULE_RANGES + 1];
	int cnt;

	if (*v == '!') {
		r->neg |= 1u << kind;
		v++;
	}
	cnt = split_list(v, items, PW_RULE_RANGES);
	if (cnt < 0)
		return fail("%s: at most %d values or ranges", opt, PW_RULE_RANGES);
	for (int i = 0; i < cnt; i++) {
		char *dash = strchr(items[i], '-');
		uint64_t lo, hi;

		if (dash)
			*dash = '\0';
		if (pw_parse_uint(items[i], max, &lo) ||
		    (dash ? pw_parse_uint(dash + 1, max, &hi) : (hi = lo, 0)) || hi < lo)
			return fail("%s: invalid value '%s%s%s' (a number or a range N-M up to %llu)", opt,
				    items[i], dash ? "-" : "", dash ? dash + 1 : "", (unsigned long long)max);
		out[i].lo = lo;
		out[i].hi = hi;
	}
	*n = cnt;
	r->sels |= 1u << kind;
	return 0;
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

/* Which option sets which selector kind. */
static const struct { const char *opt; int kind; } sel_opts[] = {
	{ "--comm", PW_RSEL_COMM }, { "--binary", PW_RSEL_BINARY },
	{ "--binary-prefix", PW_RSEL_BINARY_PREFIX }, { "--path", PW_RSEL_PATH },
	{ "--path-prefix", PW_RSEL_PATH }, { "--cidr", PW_RSEL_CIDR }, { "--uid", PW_RSEL_UID },
	{ "--euid", PW_RSEL_EUID }, { "--port", PW_RSEL_PORT }, { "--open-flags", PW_RSEL_OPEN_FLAGS },
	{ "--stdio", PW_RSEL_STDIO }, { "--exe-flags", PW_RSEL_EXE_FLAGS },
};

/* The names of the exec context's stdio kinds and exe flags. */
static const struct named stdio_kinds[] = {
#define PW_X(up, low, id) { #low, id },
	PW_STDIO_KINDS(PW_X)
#undef PW_X
};
static const struct named exe_flags[] = {
#define PW_X(up, low, bit) { #low, bit },
	PW_EXE_FLAGS(PW_X)
#undef PW_X
};

/* One selector option and its value into p. */
static int parse_selector(struct prule *p, int kind, const char *opt, char *v)
{
	struct pw_rule *r = &p->r;
	char *items[SEL_VALUES + 1];
	bool neg = false;
	int n;

	if (kind == PW_RSEL_UID)
		return parse_ranges(r, kind, opt, v, r->uid, &r->n_uid, 4294967294u);
	if (kind == PW_RSEL_EUID)
		return parse_ranges(r, kind, opt, v, r->euid, &r->n_euid, 4294967294u);
	if (kind == PW_RSEL_PORT)
		return parse_ranges(r, kind, opt, v, r->port, &r->n_port, 65535);
	if (*v == '!') {
		neg = true;
		v++;
	}
	/* --path and --path-prefix share a kind: one sign for both */
	if ((r->sels & (1u << kind)) && neg != !!(r->neg & (1u << kind)))
		return fail("%s: '!' must be given to every option of the same selector", opt);
	if (neg)
		r->neg |= 1u << kind;
	r->sels |= 1u << kind;
	n = split_list(v, items, SEL_VALUES);
	if (n < 0)
		return fail("%s: at most %d values", opt, SEL_VALUES);
	for (int i = 0; i < n; i++) {
		const char *it = items[i];
		unsigned char key[PW_FILTER_KEY_MAX];
		char err[128];

		switch (kind) {
		case PW_RSEL_COMM:
			if (p->ncomm == SEL_VALUES)
				return fail("%s: at most %d values", opt, SEL_VALUES);
			if (pw_filter_key("comm", it, key, err, sizeof(err)) < 0)
				return fail("%s: %s", opt, err);
			memcpy(p->comms[p->ncomm++], key, PW_COMM_LEN);
			break;
		case PW_RSEL_BINARY:
			if (check_path(opt, it))
				return -1;
			if (p->nfile == SEL_VALUES)
				return fail("%s: at most %d values", opt, SEL_VALUES);
			if (!file_key(it, &p->files[p->nfile]))
				p->nfile++;
			else if (!lenient_files)
				return fail("%s: %s: no such regular file", opt, it);
			break;
		case PW_RSEL_BINARY_PREFIX:
		case PW_RSEL_PATH: {
			struct path_val *pv = kind == PW_RSEL_PATH ? p->paths : p->bins;
			int *cnt = kind == PW_RSEL_PATH ? &p->npath : &p->nbin;

			if (check_path(opt, it))
				return -1;
			if (*cnt == SEL_VALUES)
				return fail("%s: at most %d values", opt, SEL_VALUES);
			snprintf(pv[*cnt].path, sizeof(pv[*cnt].path), "%s", it);
			pv[*cnt].prefix = strcmp(opt, "--path");
			(*cnt)++;
			break;
		}
		case PW_RSEL_CIDR:
			if (p->ncidr == SEL_VALUES)
				return fail("%s: at most %d values", opt, SEL_VALUES);
			if (pw_filter_key("cidr", it, key, err, sizeof(err)) < 0)
				return fail("%s: %s", opt, err);
			memcpy(&p->cidrs[p->ncidr++], key, sizeof(struct pw_cidr_key));
			break;
		case PW_RSEL_STDIO: {
			int k = named_id(stdio_kinds, N_OF(stdio_kinds), it);

			if (k < 0)
				return fail("%s: unknown kind '%.32s' (none, tty, pipe, socket, file, null)", opt, it);
			r->stdio |= 1u << k;
			break;
		}
		case PW_RSEL_EXE_FLAGS: {
			int b = named_id(exe_flags, N_OF(exe_flags), it);

			if (b < 0)
				return fail("%s: unknown flag '%.32s' (memfd, deleted, upper, secureexec)", opt, it);
			r->exe_flags |= 1u << b;
			break;
		}
		case PW_RSEL_OPEN_FLAGS:
			if (neg)
				return fail("%s: cannot be negated", opt);
			if (!strcmp(it, "write"))
				r->open_flags |= PW_RULE_OPEN_WRITE;
			else if (!strcmp(it, "create"))
				r->open_flags |= PW_RULE_OPEN_CREATE;
			else if (!strcmp(it, "trunc"))
				r->open_flags |= PW_RULE_OPEN_TRUNC;
			else
				return fail("%s: unknown flag '%.32s' (write, create, trunc)", opt, it);
			break;
		}
	}
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
static int deny_parse_check(const struct prule *p)
{
	if (p->r.action != PW_RULE_DENY)
		return 0;
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
		int kind = -1;

		if (strncmp(opt, "--", 2))
			return fail("unexpected argument '%.64s' (options start with --)", opt);
		if (i + 1 >= argc)
			return fail("%s: missing value", opt);
		snprintf(val, sizeof(val), "%s", argv[++i]);
		for (size_t k = 0; k < N_OF(sel_opts); k++)
			if (!strcmp(opt, sel_opts[k].opt))
				kind = sel_opts[k].kind;
		if (kind >= 0) {
			if (parse_selector(p, kind, opt, val))
				return -1;
		} else if (!strcmp(opt, "--on")) {
			char *items[PW_RULE_TYPES];
			int n = split_list(val, items, PW_RULE_TYPES - 1);

			if (n < 0)
				return fail("--on: too many event types");
			for (int t = 0; t < n; t++) {
				int id = pw_event_type_from_name(items[t]);
				bool ok = false;

				if (id < 0)
					return fail("--on: unknown event type '%.32s'", items[t]);
				for (size_t k = 0; k < N_OF(rule_types); k++)
					ok |= rule_types[k].type == id;
				if (!ok)
					return fail("--on: rules cannot match '%s' events yet (exec, open, unlink, connect)",
						    items[t]);
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
	    !(p->r.sels & ~(SEL(UID) | SEL(EUID) | SEL(OPEN_FLAGS))))
		return fail("--action kill needs a selector naming what to kill (--comm, --binary, "
			    "--binary-prefix, --path, --path-prefix, --port, --cidr, --stdio, --exe-flags)");
	if (deny_parse_check(p))
		return -1;
	/* every selector must make sense for every type the rule names */
	for (size_t k = 0; k < N_OF(rule_types); k++) {
		unsigned bad;

		if (!p->types[rule_types[k].type])
			continue;
		bad = p->r.sels & ~rule_types[k].sels;
		for (size_t s = 0; bad && s < N_OF(sel_opts); s++)
			if (bad & (1u << sel_opts[s].kind))
				return fail("%s does not apply to %s events", sel_opts[s].opt,
					    pw_event_type_name(rule_types[k].type));
	}
	return 0;
}

/* ---- the pinned maps ---- */

enum { M_RULES, M_TYPES, M_INDEX, M_PATHS, M_FILES, M_COMMS, M_CIDRS, M_STATS, M_THROTTLE, M_DENY, M_N };
static const char *map_names[M_N] = {
	"rules", "rule_types", "rule_index", "rule_paths", "rule_files", "rule_comms", "rule_cidrs",
	"rule_stats", "rule_throttle", "rule_deny",
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

/* Every rule in maps/rules (slots not in use have used == 0). */
static struct pw_rule slots[PW_RULES_MAX];

static void read_rules(void)
{
	for (__u32 i = 0; i < PW_RULES_MAX; i++)
		if (bpf_map_lookup_elem(fds[M_RULES], &i, &slots[i]))
			die("cannot read maps/rules: %s", strerror(errno));
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

/* The keys one rule gives an indexed kind. */
static int rule_keys(const struct prule *p, int kind, unsigned char (*out)[sizeof(struct pw_rule_path_key)])
{
	int n = 0;

	switch (kind) {
	case PW_RSEL_COMM:
		for (int i = 0; i < p->ncomm; i++)
			memcpy(out[n++], p->comms[i], PW_COMM_LEN);
		break;
	case PW_RSEL_BINARY:
		for (int i = 0; i < p->nfile; i++)
			memcpy(out[n++], &p->files[i], sizeof(p->files[i]));
		break;
	case PW_RSEL_BINARY_PREFIX:
	case PW_RSEL_PATH: {
		const struct path_val *pv = kind == PW_RSEL_PATH ? p->paths : p->bins;
		int cnt = kind == PW_RSEL_PATH ? p->npath : p->nbin;
		__u8 k = kind == PW_RSEL_PATH ? PW_RULE_PATH_KIND_PATH : PW_RULE_PATH_KIND_BINARY;

		for (int i = 0; i < cnt; i++) {
			path_entry((void *)out[n++], k, pv[i].path, pv[i].prefix);
			/* a prefix holds for the directory itself too */
			if (pv[i].prefix && strcmp(pv[i].path, "/"))
				path_entry((void *)out[n++], k, pv[i].path, false);
		}
		break;
	}
	case PW_RSEL_CIDR:
		for (int i = 0; i < p->ncidr; i++)
			memcpy(out[n++], &p->cidrs[i], sizeof(p->cidrs[i]));
		break;
	}
	return n;
}

static const struct { int map; size_t key_size; bool lpm; } kind_maps[PW_RSEL_INDEXED] = {
	[PW_RSEL_COMM] = { M_COMMS, sizeof(struct pw_comm_key), false },
	[PW_RSEL_BINARY] = { M_FILES, sizeof(struct pw_block_key), false },
	[PW_RSEL_BINARY_PREFIX] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_PATH] = { M_PATHS, sizeof(struct pw_rule_path_key), true },
	[PW_RSEL_CIDR] = { M_CIDRS, sizeof(struct pw_cidr_key), true },
};

struct index {
	struct pw_rule_mask types[PW_RULE_TYPES];
	struct pw_rule_mask deny[PW_RULE_TYPES];	/* deny rules: maps/rule_deny, not rule_types */
	struct pw_rule_index idx;
	struct ikeys keys[PW_RSEL_INDEXED];
	size_t map_keys[M_N];		/* keys each map will hold */
};

/* The whole index of the rules in use (in_use[slot]). */
static void build_index(const bool *in_use, struct index *ix)
{
	unsigned char keys[2 * SEL_VALUES][sizeof(struct pw_rule_path_key)];

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
		for (int t = 0; t < PW_RULE_TYPES; t++)
			if (p->types[t] && p->r.action == PW_RULE_DENY) {
				mask_set(&ix->deny[t], s);	/* only the deny module reads it */
			} else if (p->types[t]) {
				mask_set(&ix->types[t], s);
				ix->idx.modules |= 1u << type_module(t);
			}
		for (int k = 0; k < PW_RSEL_INDEXED; k++) {
			int n;

			if (!(p->r.sels & (1u << k)))
				continue;
			mask_set(&ix->idx.users[k], s);
			if (!(p->r.neg & (1u << k)))
				ix->idx.dflt[k].w[s / 64] &= ~(1ull << (s % 64));
			n = rule_keys(p, k, keys);
			for (int i = 0; i < n; i++)
				ikeys_add(&ix->keys[k], keys[i]);
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
	for (int m = 0; m < M_N; m++)
		if (ix->map_keys[m] > PW_RULE_INDEX_ENTRIES)
			die("too many selector values: maps/%s would hold %zu keys (at most %d)", map_names[m],
			    ix->map_keys[m], PW_RULE_INDEX_ENTRIES);
}

/* Makes map m hold exactly the keys of the kinds that use it. */
static void write_keyed(const struct index *ix, int m)
{
	unsigned char cur[sizeof(struct pw_rule_path_key)], next[sizeof(struct pw_rule_path_key)];
	size_t ks = 0;
	bool more;

	for (int k = 0; k < PW_RSEL_INDEXED; k++) {
		if (kind_maps[k].map != m)
			continue;
		ks = kind_maps[k].key_size;
		for (size_t i = 0; i < ix->keys[k].n; i++)
			if (bpf_map_update_elem(fds[m], ix->keys[k].v[i].key, &ix->keys[k].v[i].mask, BPF_ANY))
				die("cannot write maps/%s: %s", map_names[m], strerror(errno));
	}
	/* then the keys no rule gives any more */
	more = !bpf_map_get_next_key(fds[m], NULL, next);
	while (more) {
		bool keep = false;

		memcpy(cur, next, ks);
		more = !bpf_map_get_next_key(fds[m], cur, next);
		for (int k = 0; k < PW_RSEL_INDEXED && !keep; k++)
			for (size_t i = 0; kind_maps[k].map == m && i < ix->keys[k].n && !keep; i++)
				keep = !memcmp(ix->keys[k].v[i].key, cur, ks);
		if (!keep && bpf_map_delete_elem(fds[m], cur) && errno != ENOENT)
			die("cannot write maps/%s: %s", map_names[m], strerror(errno));
	}
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

static void write_selectors(const struct index *ix)
{
	__u32 zero = 0;

	write_keyed(ix, M_COMMS);
	write_keyed(ix, M_FILES);
	write_keyed(ix, M_PATHS);
	write_keyed(ix, M_CIDRS);
	if (bpf_map_update_elem(fds[M_INDEX], &zero, &ix->idx, BPF_ANY))
		die("cannot write maps/rule_index: %s", strerror(errno));
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

/* Every rule of the files, parsed; dies at the first bad line. */
static struct prule *parse_files(char **files, int nfiles, int *count)
{
	struct prule *out = NULL;
	int n = 0, cap = 0;

	for (int f = 0; f < nfiles; f++) {
		FILE *fp = fopen(files[f], "re");
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
		fprintf(stderr, PROG ": rule: missing command (add, del, list, load, test, save, prom)\n");
		return 2;
	}
	for (size_t c = 0; c < N_OF(cmds); c++)
		if (!strcmp(cmds[c].name, argv[i]))
			return cmds[c].fn(argc - i - 1, argv + i + 1);
	fprintf(stderr, PROG ": rule: unknown command '%s' (add, del, list, load, test, save, prom)\n", argv[i]);
	return 2;
}
