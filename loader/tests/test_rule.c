// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests of the rule parser and its selector table (loader/rule.c,
 * included whole: its functions are static). No map is opened: parse_rule()
 * only parses; --env falls back to the loader's default names when the pin
 * root has no process/exec_env (the pin root is pointed at a directory that
 * does not exist).
 */
#define main rule_main
#include "../rule.c"
#undef main
#include "check.h"

/* Parses the words of one rule line; 0 or -1 (errbuf set). */
static int parse_line(const char *line, struct prule *p)
{
	static char buf[PW_RULE_SPEC_MAX];
	char *argv[MAX_ARGS];
	int argc;

	snprintf(buf, sizeof(buf), "%s", line);
	argc = split_line(buf, argv, MAX_ARGS);
	if (argc < 0)
		return -1;
	return parse_rule(argc, argv, p);
}

static struct prule p;

/* The rule fails and errbuf contains want. */
#define CHECK_BAD(line, want) do {					\
	CHECK(parse_line(line, &p) == -1);				\
	if (!strstr(errbuf, want)) {					\
		failed++;						\
		fprintf(stderr, "%s:%d: FAIL: '%s'\n  error: %s\n  want:  %s\n", \
			__FILE__, __LINE__, line, errbuf, want);	\
	} else {							\
		passed++;						\
	}								\
} while (0)

static const struct selector *sel_by_opt(const char *opt)
{
	for (size_t i = 0; i < N_OF(selectors); i++)
		if (!strcmp(selectors[i].opt, opt))
			return &selectors[i];
	return NULL;
}

/* The table is whole: every option names a kind of pinwatch.h, a parser
 * and types that rules cover; every kind has an option; the parser
 * matches the kind's family. */
static void test_table(void)
{
	bool kind_has_opt[32] = { false };

	for (size_t i = 0; i < N_OF(selectors); i++) {
		const struct selector *sd = &selectors[i];
		int k = sd->kind;

		CHECK(k >= 0 && k < 32);
		CHECK(sd->parse != NULL);
		CHECK(sd->field && *sd->field);
		kind_has_opt[k] = true;
		if (k < PW_RSEL_INDEXED)
			CHECK(sd->parse == p_comm || sd->parse == p_file || sd->parse == p_path ||
			      sd->parse == p_cidr || sd->parse == p_container || sd->parse == p_xattr ||
			      sd->parse == p_path_name);
		else if (k < PW_RSEL_BITS0)
			CHECK(sd->parse == p_range || sd->parse == p_cgroup);
		else
			CHECK(sd->parse == p_bits || sd->parse == p_env);
		/* each type listed is a type rules cover */
		if (sd->types) {
			char list[256], *save, *t;

			snprintf(list, sizeof(list), "%s", sd->types);
			for (t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int id = pw_event_type_from_name(t);

				CHECK(id >= 0 && (type_module(id) || id == PW_EV_EXEC));
			}
		}
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(selectors[j].opt, sd->opt));
	}
#define PW_X(up, low, bit) CHECK(kind_has_opt[bit]);
	PW_RULE_SELECTORS(PW_X)
#undef PW_X
	CHECK(PW_RSEL_RANGE0 == PW_RSEL_INDEXED);
	CHECK(PW_RSEL_BITS0 == PW_RSEL_RANGE0 + PW_RSEL_NRANGES);
	CHECK(PW_RSEL_BITS0 + PW_RSEL_NBITS <= 32);
	/* explicit padding: no hole the compiler fills */
	CHECK(offsetof(struct pw_rule, throttle_ns) == 128);
	CHECK(offsetof(struct pw_rule, spec) == 128 + 8 + 8 * PW_RSEL_NBITS +
	      16 * PW_RSEL_NRANGES * PW_RULE_RANGES + 8);
	CHECK(sizeof(struct pw_rule) % 8 == 0);
}

static void test_types(void)
{
	CHECK(parse_line("r --on exec,open,unlink,rename,memfd,connect,accept,bind,listen,chmod,chown,"
			 "xattr,utimes,cred,ptrace,kmod_load,namespace,bpf,mount,capable,signal,io_uring,syscall", &p) == 0);
	CHECK(p.types[PW_EV_RENAME] && p.types[PW_EV_SYSCALL] && p.types[PW_EV_CAPABLE]);
	CHECK(!p.types[PW_EV_EXIT]);
	CHECK(type_module(PW_EV_CHMOD) == PW_MOD_ATTR);
	CHECK(type_module(PW_EV_PTRACE) == PW_MOD_PTRACE);
	CHECK_BAD("r --on opne", "--on: unknown event type 'opne'");
	CHECK_BAD("r --on exit", "--on: rules cannot match 'exit' events");
	CHECK_BAD("r --comm x", "missing --on TYPES");
}

static void test_values(void)
{
	const __u32 R0 = PW_RSEL_RANGE0, B0 = PW_RSEL_BITS0;

	CHECK(parse_line("r --on capable --cap sys_admin,CAP_SYS_MODULE,21", &p) == 0);
	CHECK(p.r.bits[PW_RSEL_CAP - B0] == (1ull << 21 | 1ull << 16));
	CHECK(p.r.sels == 1u << PW_RSEL_CAP);
	CHECK(parse_line("r --on namespace --ns-flags user,CLONE_NEWNET", &p) == 0);
	CHECK(p.r.bits[PW_RSEL_NS_FLAGS - B0] == (0x10000000ull | 0x40000000ull));
	CHECK(parse_line("r --on bpf --bpf-cmd prog_load,BPF_MAP_CREATE", &p) == 0);
	CHECK(p.r.bits[PW_RSEL_BPF_CMD - B0] == (1ull << 5 | 1ull << 0));
	CHECK(parse_line("r --on chmod --mode setuid,setgid,exec", &p) == 0);
	CHECK(p.r.bits[PW_RSEL_MODE - B0] == (04000 | 02000 | 0111));
	CHECK(parse_line("r --on ptrace --ptrace-req attach,PTRACE_SEIZE,process_vm_writev", &p) == 0);
	CHECK(p.r.n_ranges[PW_RSEL_PTRACE_REQ - R0] == 3);
	CHECK(p.r.ranges[PW_RSEL_PTRACE_REQ - R0][0].lo == 16);
	CHECK(p.r.ranges[PW_RSEL_PTRACE_REQ - R0][1].lo == 0x4206);
	CHECK(p.r.ranges[PW_RSEL_PTRACE_REQ - R0][2].lo == PW_RULE_PTRACE_VM_WRITEV);
	CHECK(parse_line("r --on syscall --syscall openat,execve,0-3", &p) == 0);
	CHECK(p.r.ranges[PW_RSEL_SYSCALL - R0][0].lo == 257);
	CHECK(p.r.ranges[PW_RSEL_SYSCALL - R0][1].lo == 59);
	CHECK(p.r.ranges[PW_RSEL_SYSCALL - R0][2].lo == 0 && p.r.ranges[PW_RSEL_SYSCALL - R0][2].hi == 3);
	CHECK(parse_line("r --on cred --to-uid 0 --uid '!0'", &p) == 0);
	CHECK(p.r.n_ranges[PW_RSEL_TO_UID - R0] == 1 && p.r.ranges[PW_RSEL_TO_UID - R0][0].hi == 0);
	CHECK(p.r.neg == 1u << PW_RSEL_UID);
	CHECK(parse_line("r --on exec --cgroup 1234", &p) == 0);
	CHECK(p.r.ranges[PW_RSEL_CGROUP - R0][0].lo == 1234);
	CHECK(parse_line("r --on exec --cgroup /", &p) == 0);	/* the root cgroup: /sys/fs/cgroup's inode */
	CHECK(p.r.n_ranges[PW_RSEL_CGROUP - R0] == 1);
	CHECK(parse_line("r --on exec --env LD_PRELOAD,LD_AUDIT --stdio socket --exe-flags memfd,deleted", &p) == 0);
	CHECK(p.r.bits[PW_RSEL_ENV - B0] == (1u << 0 | 1u << 2));	/* PW_EXEC_ENV_DEFAULT's order */
	CHECK(p.r.bits[PW_RSEL_STDIO - B0] == 1u << PW_STDIO_SOCKET);
	CHECK(p.r.bits[PW_RSEL_EXE_FLAGS - B0] == (PW_EXE_MEMFD | PW_EXE_DELETED));
	CHECK(parse_line("r --on open --open-flags write,trunc", &p) == 0);
	CHECK(p.r.bits[PW_RSEL_OPEN_FLAGS - B0] == (PW_RULE_OPEN_WRITE | PW_RULE_OPEN_TRUNC));
}

/* Indexed kinds give keys of the right kind and shape. */
static void test_keys(void)
{
	unsigned char keys[RULE_KEYS][KEY_BYTES];
	struct pw_rule_path_key *k = (void *)keys[0];
	int n;

	CHECK(parse_line("r --on exec --parent-prefix /usr/bin --ancestor /usr/sbin/sshd", &p) == 0);
	n = rule_keys(&p, PW_RSEL_PARENT, keys);
	CHECK(n == 2);	/* "DIR/" and the directory itself */
	CHECK(k->kind == PW_RULE_PATH_KIND_PARENT && !strcmp(k->path, "/usr/bin/"));
	CHECK(k->prefixlen == (1 + 9) * 8);
	n = rule_keys(&p, PW_RSEL_ANCESTOR, keys);
	CHECK(n == 1 && k->kind == PW_RULE_PATH_KIND_ANCESTOR);
	CHECK(k->prefixlen == (1 + strlen("/usr/sbin/sshd") + 1) * 8);
	CHECK(parse_line("r --on exec --container host,any,0123abcd", &p) == 0);
	n = rule_keys(&p, PW_RSEL_CONTAINER, keys);
	CHECK(n == 3);
	k = (void *)keys[0];
	CHECK(k->kind == PW_RULE_PATH_KIND_CONTAINER && k->path[0] == 'h' && k->prefixlen == 16);
	k = (void *)keys[1];
	CHECK(k->path[0] == 'c' && k->prefixlen == 16);
	k = (void *)keys[2];
	CHECK(k->path[0] == 'c' && !memcmp(k->path + 1, "0123abcd", 8) && k->prefixlen == 10 * 8);
	/* "any" covers an id's key, "host" does not */
	CHECK(lpm_covers(keys[1], keys[2], KEY_BYTES));
	CHECK(!lpm_covers(keys[0], keys[2], KEY_BYTES));
	CHECK(parse_line("r --on xattr --xattr-name security.capability", &p) == 0);
	n = rule_keys(&p, PW_RSEL_XATTR_NAME, keys);
	k = (void *)keys[0];
	CHECK(n == 1 && k->kind == PW_RULE_PATH_KIND_XATTR && !strcmp(k->path, "security.capability"));
}

/* A selector a type does not accept, bad values, bad signs: one message. */
static void test_refused(void)
{
	CHECK_BAD("r --on open --port 22", "--port does not apply to open events (only to connect,accept,bind,listen)");
	CHECK_BAD("r --on exec,capable --cap sys_admin", "--cap does not apply to exec events");
	CHECK_BAD("r --on open --mode setuid", "--mode does not apply to open events (only to chmod)");
	CHECK_BAD("r --on exec --xattr-name security.capability", "--xattr-name does not apply to exec events");
	CHECK_BAD("r --on cred --path /etc", "--path does not apply to cred events");
	CHECK_BAD("r --on signal --ns-flags user", "--ns-flags does not apply to signal events");
	CHECK_BAD("r --on exec --parent usr/bin/bash", "--parent: 'usr/bin/bash' is not an absolute path");
	CHECK_BAD("r --on rename --path-prefix tmp", "--path-prefix: 'tmp' is not an absolute path");
	CHECK_BAD("r --on exec --ancestor '!/usr/bin/sudo'", "--ancestor: cannot be negated");
	CHECK_BAD("r --on open --open-flags '!write'", "--open-flags: cannot be negated");
	CHECK_BAD("r --on capable --cap sys_admn", "--cap: unknown name 'sys_admn'");
	CHECK_BAD("r --on chmod --mode setuidd", "--mode: unknown name 'setuidd' (setuid, setgid, sticky, exec, write, other-write, other-read)");
	CHECK_BAD("r --on syscall --syscall nosuchcall", "--syscall: invalid value 'nosuchcall' (a name or a number)");
	CHECK_BAD("r --on syscall --syscall 600", "--syscall: invalid value '600'");
	CHECK_BAD("r --on ptrace --ptrace-req 5-2", "--ptrace-req: invalid value '5-2'");
	CHECK_BAD("r --on exec --container docker", "--container: invalid 'docker'");
	CHECK_BAD("r --on exec --cgroup relative", "--cgroup: 'relative' is not an absolute path or a cgroup id");
	CHECK_BAD("r --on exec --cgroup /pw-no-such-cgroup", "--cgroup: /sys/fs/cgroup/pw-no-such-cgroup: no such cgroup directory");
	CHECK_BAD("r --on exec --env NOT_REPORTED", "--env: 'NOT_REPORTED' is not one of the variables exec reports");
	CHECK_BAD("r --on xattr --xattr-name capability", "--xattr-name: invalid attribute name 'capability'");
	CHECK_BAD("r --on exec --path /a --path-prefix '!/b'", "'!' must be given to every option of the same selector");
	CHECK_BAD("r --on open --path-name a/b", "--path-name: invalid name 'a/b'");
	CHECK_BAD("r --on open --path-name ..", "--path-name: invalid name '..'");
	CHECK_BAD("r --on open --path-name '!x'", "--path-name: cannot be negated");
	CHECK_BAD("r --on open --path '!/a' --path-name x", "--path-name: '!' must be given to every option of the same selector");
	CHECK_BAD("r --on open --path-name x --path '!/a'", "'!' must be given to every option of the same selector");
	CHECK_BAD("r --on open --path-name 0123456789012345678901234567890123456789012345678901234567890123", "--path-name: name longer than 63 bytes");
	CHECK_BAD("r --on chmod --open-flags write", "--open-flags does not apply to chmod events");
	CHECK_BAD("r --on cred --to-uid 0,1,2,3,4,5,6,7,8", "--to-uid: at most 8 values or ranges");
	CHECK_BAD("r --on exec --uid 1000 --action kill", "--action kill needs a selector");
	CHECK_BAD("r --on exec --colour red", "unknown option '--colour'");
	CHECK_BAD("'a b' --on exec", "invalid rule name 'a b'");
	/* the selector the table says a type accepts is accepted */
	for (size_t i = 0; i < N_OF(selectors); i++)
		CHECK(selector_applies(&selectors[i], PW_EV_EXEC) ==
		      (!selectors[i].types || in_list(selectors[i].types, "exec")));
	CHECK(sel_by_opt("--xattr-name") && !selector_applies(sel_by_opt("--xattr-name"), PW_EV_CHMOD));
	CHECK(in_list("a,bc,d", "bc") && !in_list("a,bc,d", "b") && !in_list("abc", "ab"));
}

/* The scalar index (build_scalar_index()) as the kernel reads it: the
 * rules a ranges kind's value, or a bits kind's bits, let through. */
static bool idx_lets(__u32 slot, int k, __u64 v)
{
	const struct pw_rule_mask *m = &ix.idx.scalar_dflt[k];
	struct pw_rule_mask acc = *m;

	if (k < PW_RSEL_NRANGES) {
		struct pw_rule_value_key vk = { .kind = PW_RSEL_RANGE0 + k, .value = v };

		for (size_t i = 0; i < ix.values.n; i++)
			if (!memcmp(ix.values.v[i].key, &vk, sizeof(vk)))
				m = &ix.values.v[i].mask;
		return m->w[slot / 64] & (1ull << (slot % 64));
	}
	for (int b = 0; b < 64; b++)
		if (v & (1ull << b))
			for (int w = 0; w < PW_RULE_WORDS; w++)
				acc.w[w] |= ix.bits[(k - PW_RSEL_NRANGES) * 64 + b].w[w];
	return acc.w[slot / 64] & (1ull << (slot % 64));
}

/* What pw_rule_scalars_hold() says of one kind of rule slot for v. */
static bool kind_holds(__u32 slot, int k, __u64 v)
{
	const struct pw_rule *r = &parsed[slot].r;
	__u32 bit = 1u << (PW_RSEL_RANGE0 + k);

	if (!(r->sels & bit))
		return true;
	if (k < PW_RSEL_NRANGES)
		return in_ranges(v, r->ranges[k], r->n_ranges[k]) != !!(r->neg & bit);
	return ((v & r->bits[k - PW_RSEL_NRANGES]) != 0) != !!(r->neg & bit);
}

/* The index never excludes a rule whose value holds, and excludes each
 * rule out of the default (exact values, bits not negated) whose does not. */
static void check_scalar_index(const bool *in_use, const __u64 *vals, size_t nvals, int kinds)
{
	int bad = 0;

	for (__u32 s = 0; s < PW_RULES_MAX; s++) {
		if (!in_use[s])
			continue;
		for (int k = 0; k < kinds; k++) {
			bool in_dflt = ix.idx.scalar_dflt[k].w[s / 64] & (1ull << (s % 64));

			for (size_t i = 0; i < nvals; i++) {
				bool holds = kind_holds(s, k, vals[i]), lets = idx_lets(s, k, vals[i]);

				if ((holds && !lets) || (!in_dflt && holds != lets)) {
					if (bad++ < 5)
						fprintf(stderr, "scalar index: slot %u kind %d value %llu: holds %d, index lets %d\n",
							s, PW_RSEL_RANGE0 + k, (unsigned long long)vals[i], holds, lets);
				}
			}
		}
	}
	CHECK(bad == 0);
}

static void test_scalar_index(void)
{
	static const char *const lines[] = {
		"a --on open --uid 5",
		"b --on open --uid 5,7 --euid 0",
		"c --on open --uid 1000-2000",
		"d --on open --uid '!5'",
		"e --on connect --port 443,8080",
		"f --on connect --port 1-1024",
		"g --on open --open-flags write",
		"h --on exec --stdio '!socket'",
		"i --on open --path /x",
		"j --on exec --stdio socket --exe-flags memfd,deleted",
		"k --on open --uid 7 --open-flags create,trunc",
	};
	static const __u64 vals[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 443, 999, 1000, 1500, 2000, 2001,
				      8080, 65534, 0x10, 0x30, ~0ull };
	static bool in_use[PW_RULES_MAX];
	char line[64];
	__u32 n = 0;

	for (int m = 0; m < M_N; m++)
		fds[m] = -1;
	memset(in_use, 0, sizeof(in_use));
	for (size_t i = 0; i < N_OF(lines); i++, n++) {
		int rc = parse_line(lines[i], &parsed[n]);

		if (rc)
			fprintf(stderr, "%s: %s\n", lines[i], errbuf);
		CHECK(rc == 0);
		in_use[n] = true;
	}
	build_index(in_use, &ix);
	check_scalar_index(in_use, vals, N_OF(vals), PW_RSEL_NSCALAR);
	/* exact values are keys, a range and a negation stay in the default */
	CHECK(!(ix.idx.scalar_dflt[PW_RSEL_UID - PW_RSEL_RANGE0].w[0] & 1));	/* a */
	CHECK(ix.idx.scalar_dflt[PW_RSEL_UID - PW_RSEL_RANGE0].w[0] & 4);	/* c */
	CHECK(ix.idx.scalar_dflt[PW_RSEL_UID - PW_RSEL_RANGE0].w[0] & 8);	/* d */
	CHECK(ix.idx.scalar_dflt[PW_RSEL_STDIO - PW_RSEL_RANGE0].w[0] & 1 << 7);	/* h */
	CHECK(!(ix.idx.scalar_dflt[PW_RSEL_STDIO - PW_RSEL_RANGE0].w[0] & 1 << 9));	/* j */
	CHECK(!(ix.idx.scalar_dflt[PW_RSEL_OPEN_FLAGS - PW_RSEL_RANGE0].w[0] & 1 << 6));	/* g */
	CHECK(ix.idx.scalar_kinds & 1u << PW_RSEL_STDIO);
	CHECK(!(ix.idx.scalar_kinds & 1u << PW_RSEL_CAP));
	CHECK(ix.values.n == 5);	/* uid 5, 7; euid 0; port 443, 8080 */
	/* more values than rule_values holds: the rules past it stay in the
	 * default, and every value still lets through the rules it holds for */
	for (; n < 300; n++) {
		snprintf(line, sizeof(line), "u%u --on open --uid %u,%u,%u,%u,%u,%u,%u,%u", n,
			 n * 8, n * 8 + 1, n * 8 + 2, n * 8 + 3, n * 8 + 4, n * 8 + 5, n * 8 + 6, n * 8 + 7);
		CHECK(parse_line(line, &parsed[n]) == 0);
		in_use[n] = true;
	}
	build_index(in_use, &ix);
	CHECK(ix.values.n <= PW_RULE_VALUE_ENTRIES);
	CHECK(!(ix.idx.scalar_dflt[0].w[20 / 64] & (1ull << (20 % 64))));	/* early: indexed */
	CHECK(ix.idx.scalar_dflt[0].w[299 / 64] & (1ull << (299 % 64)));	/* late: the default */
	{
		static __u64 many[2400];

		for (size_t i = 0; i < N_OF(many); i++)
			many[i] = i;
		check_scalar_index(in_use, many, N_OF(many), 1);	/* uid */
	}
}

static bool head_bit(const __u64 *heads, const char *str)
{
	__u32 b, h;

	memcpy(&b, str, 4);
	h = pw_rule_head(b);
	return heads[h / 64] & (1ull << (h % 64));
}

static bool head8_bit(const __u64 *heads, const char *str)
{
	__u32 h = pw_rule_head8_of(str);

	return heads[h / 64] & (1ull << (h % 64));
}

/* The path kind's heads: a key's first 4 bytes set its bit (the matcher
 * looks up only a string whose head has one), a key shorter sets head_short. */
static void test_path_heads(void)
{
	static bool in_use[PW_RULES_MAX];

	memset(in_use, 0, sizeof(in_use));
	CHECK(parse_line("a --on open --path /etc/shadow --path-prefix /var/log", &parsed[0]) == 0);
	CHECK(parse_line("b --on open --path-name id_rsa", &parsed[1]) == 0);
	in_use[0] = in_use[1] = true;
	build_index(in_use, &ix);
	CHECK(head_bit(ix.idx.path_heads, "/etc/shadow"));
	CHECK(head_bit(ix.idx.path_heads, "/var/log/x"));
	CHECK(!head_bit(ix.idx.path_heads, "/dev/null"));
	CHECK(!head_bit(ix.idx.path_heads, "id_rsa"));
	CHECK(head_bit(ix.idx.name_heads, "id_rsa"));
	CHECK(!head_bit(ix.idx.name_heads, "/etc"));
	CHECK(ix.idx.head_short == 0);
	/* the pre-check's: 8-byte heads ("/etc/sha", "/var/log"), a name's
	 * last 4 bytes ("_rsa" ends ".../id_rsa", not ".../id_dsa") */
	CHECK(head8_bit(ix.idx.path_heads8, "/etc/shadow"));
	CHECK(head8_bit(ix.idx.path_heads8, "/var/log/syslog"));
	CHECK(!head8_bit(ix.idx.path_heads8, "/etc/passwd"));
	CHECK(!head8_bit(ix.idx.path_heads8, "/var/lib/x"));
	CHECK(!head_bit(ix.idx.path_heads47, "/etc/shadow"));
	CHECK(head_bit(ix.idx.name_tails, "_rsa"));
	CHECK(!head_bit(ix.idx.name_tails, "_dsa"));
	CHECK(!head_bit(ix.idx.name_tails, "id_r"));
	CHECK(parse_line("c --on open --path-prefix /a --path-name ab", &parsed[2]) == 0);
	in_use[2] = true;
	build_index(in_use, &ix);
	/* "/a/" and "ab\0": 3 bytes; "ab": a name of fewer than 4 */
	CHECK(ix.idx.head_short == 7);
	CHECK(parse_line("c --on open --path-prefix /tmp --path-name abcd", &parsed[2]) == 0);
	build_index(in_use, &ix);
	CHECK(ix.idx.head_short == 0);
	CHECK(head_bit(ix.idx.path_heads47, "/tmp/x"));	/* "/tmp/": 5 bytes */
	CHECK(!head8_bit(ix.idx.path_heads8, "/tmp/xyz"));
	CHECK(head_bit(ix.idx.name_tails, "abcd"));
}

int main(void)
{
	pin_root = "/nonexistent/pinwatch-test";
	test_table();
	test_types();
	test_values();
	test_keys();
	test_refused();
	test_scalar_index();
	test_path_heads();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
