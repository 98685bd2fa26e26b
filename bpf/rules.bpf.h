/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rules: the one check every module runs on the event it has built, before
 * the ordinary filters (pw_rule_apply). The rule maps are shared and pinned
 * under maps/; `pinwatch rule` (build/pinwatch-rule) writes them.
 * pinned-layout.md, "Rules", has the layout and the evaluation.
 * Include after common.bpf.h.
 */
#ifndef PINWATCH_RULES_BPF_H
#define PINWATCH_RULES_BPF_H

#define PW_RULE_SIGKILL		9
#define PW_RULE_PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#define PW_O_ACCMODE		3
#define PW_O_CREAT		0100
#define PW_O_TRUNC		01000

/* A hash keyed by slot, not an array: it holds only the slots written (in
 * use, or freed with their sequence number), so 1,024 slots of 2 KiB lock
 * what the rules loaded need, not 2 MiB (tests/memory.bats' budget). A
 * slot never written is not in it: no rule. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_RULES_MAX);
	__type(key, __u32);
	__type(value, struct pw_rule);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_RULE_TYPES);
	__type(key, __u32);
	__type(value, struct pw_rule_mask);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_types SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_rule_index);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PW_RULE_INDEX_ENTRIES);
	__type(key, struct pw_rule_path_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_RULE_KEYED_ENTRIES);
	__type(key, struct pw_block_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* sparse: the keys the rules name */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_RULE_KEYED_ENTRIES);
	__type(key, struct pw_comm_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* sparse: the keys the rules name */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PW_RULE_KEYED_ENTRIES);
	__type(key, struct pw_cidr_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_cidrs SEC(".maps");

/* The scalar kinds' index (pw_rule_index.scalar_*): a ranges kind's exact
 * values (hash: only the keys the rules name), and a mask per bit of each
 * bits kind (array: key (kind - PW_RSEL_BITS0) * 64 + bit, 576 masks). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_RULE_VALUE_ENTRIES);
	__type(key, struct pw_rule_value_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* sparse: the values the rules name */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_RULE_BIT_KEYS);
	__type(key, __u32);
	__type(value, struct pw_rule_mask);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_bits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_RULES_MAX);
	__type(key, __u32);
	__type(value, struct pw_rule_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_RULE_THROTTLE_ENTRIES);
	__type(key, struct pw_throttle_key);
	__type(value, struct pw_throttle);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_throttle SEC(".maps");

/*
 * What the selectors look at beyond the header: the caller fills what its
 * event type has (loader/rule.c's selector table lists, per selector, the
 * types that accept it; a rule never asks a type for a field it lacks).
 * uid, euid and cgroup are filled by pw_rule_apply().
 */
struct pw_rule_in {
	const char *path;	/* --path: open, unlink, rename, chmod, chown, xattr,
				 * utimes, exec (exe_path), memfd ("/memfd:NAME"),
				 * mount (the target); NULL: none */
	const char *path2;	/* rename: the new name; exec: the filename as given
				 * when absolute (either name holds) */
	const char *xattr;	/* xattr: the attribute's name */
	const __u8 *daddr;	/* net: the remote address (16 bytes, v4-mapped) */
	__u64 has_daddr;	/* daddr holds an address */
	__u64 vals[PW_RSEL_NRANGES];	/* ranges kinds (kind - PW_RSEL_RANGE0) */
	__u64 bits[PW_RSEL_NBITS];	/* bits kinds (kind - PW_RSEL_BITS0) */
};

#define PW_RIN_VAL(kind)	vals[PW_RSEL_##kind - PW_RSEL_RANGE0]
#define PW_RIN_BITS(kind)	bits[PW_RSEL_##kind - PW_RSEL_BITS0]

/* True when m holds a rule: stops at the first word that does (the rules
 * in use fill the low slots first, so usually the first word). */
static __always_inline bool pw_mask_any(const struct pw_rule_mask *m)
{
	for (int i = 0; i < PW_RULE_WORDS; i++)
		if (m->w[i])
			return true;
	return false;
}

/* True when some rule names event type (one array lookup): a module may
 * then keep building an event its filters exclude, for the rules to see. */
static __always_inline bool pw_rule_type_used(__u32 type)
{
	struct pw_rule_mask *m = bpf_map_lookup_elem(&rule_types, &type);

	return m && pw_mask_any(m);
}

/* True when module is switched off but a rule names one of its event
 * types: its events are built for the rules alone (an alert is emitted,
 * anything else counted filtered). Never for the sensor's own events (the
 * consumer's, a loader's) or with the sensor off. */
static __always_inline bool pw_rule_module_wanted(const struct pw_config *cfg, __u32 module,
						  __u32 tgid)
{
	struct pw_rule_index *idx;
	__u32 zero = 0;

	/* the consumer by its tgid alone here: its start-time read took cred's
	 * commit__kprobe past 6.1's stack limit */
	if (!cfg || !cfg->enabled || (cfg->consumer_tgid && cfg->consumer_tgid == tgid) ||
	    (cfg->loader_tgid && pw_is_loader(cfg, tgid)))
		return false;
	idx = bpf_map_lookup_elem(&rule_index, &zero);
	return idx && module < 32 && (idx->modules & (1u << module));
}

/*
 * pw_begin() for a module whose events rules look at: counts the event
 * seen; returns the config when the module is on for tgid, and also when
 * it is off but wanted by a rule (*rules_only then true: only an alert may
 * be emitted); NULL (counted filtered) otherwise.
 */
static __always_inline struct pw_config *pw_rule_begin(__u32 module, __u32 tgid, bool *rules_only)
{
	struct pw_config *cfg = pw_config_get();

	pw_count(module, PW_SEEN);
	*rules_only = false;
	if (pw_module_on_for(cfg, module, tgid))
		return cfg;
	if (pw_rule_module_wanted(cfg, module, tgid)) {
		*rules_only = true;
		return cfg;
	}
	pw_count(module, PW_FILTERED);
	return NULL;
}

/* What the caller does with its event after pw_rule_apply(). */
enum pw_rule_verdict {
	PW_RULE_NONE,		/* no rule, or a throttled hit: the ordinary filters decide */
	PW_RULE_EMIT,		/* an alert (h->rule set): submit, no filter applies */
	PW_RULE_HIDE,		/* drop: count it filtered */
};

struct pw_rule_scratch {
	struct pw_rule_path_key pk;
	struct pw_rule_path_key nk;	/* --path-name: the basename's key */
	struct pw_cidr_key ck;
	struct pw_comm_key comm;
	struct pw_block_key exe;
	struct pw_suppressed sup;
	struct pw_rule_mask acc;
	struct pw_rule_mask cand;	/* pw_rule_match()'s candidates */
	struct pw_rule_in in;
	/* pw_rule_throttle()'s, off pw_rule_eval()'s stack frame (a global
	 * function's frame adds to its caller's: cred's 384 bytes + 168 was
	 * over 512) */
	struct pw_throttle_key tk;
	struct pw_throttle fresh;
	struct pw_rule_value_key vk;	/* pw_rule_scalars_narrow()'s rule_values key */
};

PW_SCRATCH(pw_rule_scratch, struct pw_rule_scratch)

/* The selector input, zeroed for the caller to fill (NULL: no scratch). */
static __always_inline struct pw_rule_in *pw_rule_in_get(void)
{
	struct pw_rule_scratch *s = pw_rule_scratch_get();

	if (!s)
		return NULL;
	__builtin_memset(&s->in, 0, sizeof(s->in));
	return &s->in;
}

/* The selector input for an event of type: NULL (nothing to fill, no
 * rule to check: one array lookup) when no rule names the type, else
 * zeroed for the caller to fill. */
static __always_inline struct pw_rule_in *pw_rule_in_for(__u32 type)
{
	if (!pw_rule_type_used(type))
		return NULL;
	return pw_rule_in_get();
}

/* --open-flags bits of open(2) flags */
static __always_inline __u64 pw_rule_open_bits(__u64 flags)
{
	__u64 want = 0;

	if (flags & PW_O_ACCMODE)
		want |= PW_RULE_OPEN_WRITE;
	if (flags & PW_O_CREAT)
		want |= PW_RULE_OPEN_CREATE;
	if (flags & PW_O_TRUNC)
		want |= PW_RULE_OPEN_TRUNC;
	return want;
}

/*
 * The mask operations of the matcher walk only the words that hold rules,
 * idx->words (maps/rule_index; the control plane keeps it at the highest
 * slot in use / 64 + 1): with the rules in the low slots, one word, so an
 * event's cost follows the rules loaded, not PW_RULES_MAX. The bound is
 * read from the map value at each operation (volatile): a value the
 * verifier cannot tie to an earlier loop's exit, so each loop's exits
 * merge instead of multiplying the paths it walks (one path per word
 * count through the rest of pw_rule_eval otherwise).
 */
static __always_inline __u32 pw_rule_nw(const struct pw_rule_index *idx)
{
	return *(volatile const __u32 *)&idx->words;
}

/*
 * The mask operations: global functions, verified once per program (the
 * body of each loop once), not once at each of the matcher's thirty call
 * sites on each of its paths. Their arguments are pointers to sized
 * structs (map values or the stack), NULL-checked as the verifier
 * requires of a global function's; a NULL is never passed. A module whose
 * deepest call chain would pass 512 bytes of stack on 6.1 with them (each
 * frame counts at least 32 bytes, and pw_rule_eval() keeps more of its
 * values across the calls) defines PW_RULE_INLINE_MASKS: inlined there.
 */
#ifdef PW_RULE_INLINE_MASKS
#define PW_MASK_FN static __always_inline int
#else
#define PW_MASK_FN __noinline int
#endif
PW_MASK_FN pw_mask_and(struct pw_rule_mask *c, const struct pw_rule_mask *m,
		       const struct pw_rule_index *idx)
{
	__u32 nw;

	if (!c || !m || !idx)
		return 0;
	nw = pw_rule_nw(idx);
	for (int i = 0; i < PW_RULE_WORDS; i++) {
		if (i >= nw)
			break;
		c->w[i] &= m->w[i];
	}
	return 0;
}

PW_MASK_FN pw_mask_or(struct pw_rule_mask *c, const struct pw_rule_mask *m,
		      const struct pw_rule_index *idx)
{
	__u32 nw;

	if (!c || !m || !idx)
		return 0;
	nw = pw_rule_nw(idx);
	for (int i = 0; i < PW_RULE_WORDS; i++) {
		if (i >= nw)
			break;
		c->w[i] |= m->w[i];
	}
	return 0;
}

PW_MASK_FN pw_mask_copy(struct pw_rule_mask *c, const struct pw_rule_mask *m,
			const struct pw_rule_index *idx)
{
	__u32 nw;

	if (!c || !m || !idx)
		return 0;
	nw = pw_rule_nw(idx);
	for (int i = 0; i < PW_RULE_WORDS; i++) {
		if (i >= nw)
			break;
		c->w[i] = m->w[i];
	}
	return 0;
}

/* True when c and m share a rule. */
PW_MASK_FN pw_mask_meets(const struct pw_rule_mask *c, const struct pw_rule_mask *m,
			 const struct pw_rule_index *idx)
{
	__u64 any = 0;
	__u32 nw;

	if (!c || !m || !idx)
		return 0;
	nw = pw_rule_nw(idx);
	for (int i = 0; i < PW_RULE_WORDS; i++) {
		if (i >= nw)
			break;
		any |= c->w[i] & m->w[i];
	}
	return any != 0;
}

/* The rules an indexed kind lets through for one value: its key's mask
 * (key NULL or not in the map: the kind's default). */
static __always_inline const struct pw_rule_mask *
pw_rule_lookup(const struct pw_rule_index *idx, __u32 kind, void *map, const void *key)
{
	struct pw_rule_mask *m = key ? bpf_map_lookup_elem(map, key) : NULL;

	if (m)
		return m;
	return &idx->dflt[kind < PW_RSEL_INDEXED ? kind : 0];
}

/* One indexed selector kind: when a candidate uses it, AND in the mask the
 * value's key gives (the kind's default without a key). */
static __always_inline void pw_rule_narrow(struct pw_rule_mask *c, const struct pw_rule_index *idx,
					   __u32 kind, void *map, const void *key)
{
	if (kind >= PW_RSEL_INDEXED || !pw_mask_meets(c, &idx->users[kind], idx))
		return;
	pw_mask_and(c, pw_rule_lookup(idx, kind, map, key), idx);
}

/* The current task's executable, by file. */
static __always_inline void pw_rule_exe(struct pw_block_key *k)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);

	k->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k->ino = BPF_CORE_READ(inode, i_ino);
}

/* An LPM key "KIND PATH\0" of the string at src (kernel memory): one
 * lookup finds an exact entry ("PATH\0") or the longest prefix ("DIR/"). */
static __always_inline void pw_rule_path_key(struct pw_rule_path_key *k, __u8 kind,
					     const char *src)
{
	long n = bpf_probe_read_kernel_str(k->path, sizeof(k->path), src);

	k->kind = kind;
	k->prefixlen = n > 0 ? (1 + n) * 8 : 8;
}

/* False when no key of the path kind can hold the string whose first 4
 * bytes are at p (a buffer of at least 4): its head has no bit in heads
 * (pw_rule_index.path_heads or name_heads), so a lookup would find none.
 * True when a key shorter than 4 bytes (short, a bit of head_short) is
 * in the map: every string is then looked up. */
static __always_inline bool pw_rule_head_may(const struct pw_rule_index *idx, const __u64 *heads,
					     __u32 short_bit, const char *p)
{
	__u32 h;

	if (idx->head_short & short_bit)
		return true;
	h = pw_rule_head_of(p);
	return heads[(h / 64) & (PW_RULE_HEAD_BITS / 64 - 1)] & (1ull << (h % 64));
}

/*
 * The pre-check's view of one path of the event (pw_rule_in_for_paths()):
 * true when its first 8 bytes may begin a path key of 8 bytes or more
 * (path_heads8), or its first 4 a shorter one (path_heads47): the full
 * match's lookup may then give more than dflt[PATH]; *names set when its
 * last 4 bytes may end a --path-name key (name_tails). p is the caller's
 * buffer, whose bytes the program reads directly; n the string's bytes
 * with the NUL, as bpf_probe_read_*_str() gave them. A string of fewer
 * than 7 bytes (4 for *names), or one longer than pw_rule_path_key.path
 * holds (the full match sees it cut, with another last component), may
 * be anything.
 */
static __always_inline bool pw_rule_pre_path(const struct pw_rule_index *idx, const char *p,
					     __u32 n, bool *names)
{
	__u32 i, h;

	if (n < 5 || n > sizeof(((struct pw_rule_path_key *)0)->path)) {
		*names = true;
		return true;
	}
	i = n - 5;
	barrier_var(i);	/* keep the mask: clang proves it redundant, the verifier cannot */
	i &= PW_PATH_MAX - 1;
	h = pw_rule_head_of(p + i);
	if ((idx->head_short & 4) ||
	    (idx->name_tails[(h / 64) & (PW_RULE_HEAD_BITS / 64 - 1)] & (1ull << (h % 64))))
		*names = true;
	/* a key of 8 bytes or more that holds the string begins with its
	 * first 8 (its NUL among them when shorter: n >= 8) */
	if (n < 8 || (idx->head_short & 1))
		return true;
	h = pw_rule_head8_of(p);
	if (idx->path_heads8[(h / 64) & (PW_RULE_HEAD_BITS / 64 - 1)] & (1ull << (h % 64)))
		return true;
	h = pw_rule_head_of(p);
	return idx->path_heads47[(h / 64) & (PW_RULE_HEAD_BITS / 64 - 1)] & (1ull << (h % 64));
}

/*
 * pw_rule_in_for() with a pre-check, for an event with a path (path2:
 * rename's new name, or NULL) and one bits kind (bkind, PW_RSEL_*; its
 * value bits): NULL also when no candidate rule of the type can hold,
 * decided from maps/rule_index alone, with no copy of the path, no
 * memset and no call: a candidate must survive (a) the bits kind's index
 * when the event has none of its bits (scalar_dflt: the rules not using
 * the kind, or negating it), and (b) the path's when the path's head is
 * in no key's (path_heads8, path_heads47): dflt[PATH], and path_names
 * unless the path's end is no name's (name_tails). These are masks the
 * full match ANDs in too, so a candidate dropped here is one it drops.
 * Else the input as pw_rule_in_for() gives it, with path, path2 and
 * bkind's bits filled. path and path2 point into the caller's buffer
 * (len, len2: their bytes with the NUL). Measured (bpf_stats, openat_x
 * of /dev/null O_RDONLY, 2026-12-07): the default pack's cost 79-94 ns
 * -> 4-9 ns; a path_heads test alone let it through ("/dev/shm/" of
 * exec-tmp shares "/dev").
 */
static __always_inline struct pw_rule_in *pw_rule_in_for_paths(__u32 type, const char *path,
							       __u32 len, const char *path2,
							       __u32 len2, __u32 bkind, __u64 bits)
{
	const struct pw_rule_mask *tm, *fm;
	struct pw_rule_index *idx;
	struct pw_rule_in *in;
	bool names = false, key = false;
	__u32 zero = 0, nw, b = bkind - PW_RSEL_BITS0;
	__u64 any = 0, fall, pall, nsel;

	tm = bpf_map_lookup_elem(&rule_types, &type);
	idx = bpf_map_lookup_elem(&rule_index, &zero);
	/* no rule at all (words 0): no test, as pw_rule_in_for() */
	if (!tm || !idx || !idx->words)
		return NULL;
	fm = &idx->scalar_dflt[PW_RSEL_NRANGES + (b < PW_RSEL_NBITS ? b : 0)];
	if (path)
		key = pw_rule_pre_path(idx, path, len, &names);
	if (path2 && pw_rule_pre_path(idx, path2, len2, &names))
		key = true;
	/* all ones: the test keeps every candidate. Masks, not branches, in
	 * the loop: one path for the verifier to walk, whatever the tests gave */
	fall = -(__u64)!(b < PW_RSEL_NBITS && !bits && (idx->scalar_kinds & (1u << bkind)));
	pall = -(__u64)key;
	nsel = -(__u64)names;
	nw = pw_rule_nw(idx);
	for (int w = 0; w < PW_RULE_WORDS; w++) {
		if (w >= nw)
			break;
		any |= tm->w[w] & (fm->w[w] | fall) &
		       (idx->dflt[PW_RSEL_PATH].w[w] | (idx->path_names.w[w] & nsel) | pall);
	}
	if (!any)
		return NULL;
	in = pw_rule_in_get();
	if (!in)
		return NULL;
	in->path = path;
	in->path2 = path2;
	if (b < PW_RSEL_NBITS)
		in->bits[b] = bits;
	return in;
}

static __always_inline bool pw_in_ranges(__u64 v, const struct pw_rule_range *r, __u8 n)
{
	bool in = false;

	for (int i = 0; i < PW_RULE_RANGES; i++)
		if (i < n && v >= r[i].lo && v <= r[i].hi)
			in = true;
	return in;
}

/*
 * --path-name: ORs into s->acc the rules with a --path-name that the last
 * component of the path in s->pk (just read by pw_rule_path_key()) holds
 * for. A backward scan from the end of the string to its last '/' (at most
 * PW_RULE_PATH_NAME_MAX bytes: a longer name matches no rule), one string
 * copy and one LPM lookup of "NAME\0" (kind PW_RULE_PATH_KIND_NAME). Only
 * a key's positive part counts (its mask ANDed with idx->path_names, which
 * never holds a negated rule: --path-name takes no '!'); a name without a
 * key adds nothing, the path's own lookup gave the other rules.
 */
static __always_inline void pw_rule_path_name(struct pw_rule_scratch *s,
					      const struct pw_rule_index *idx)
{
	struct pw_rule_mask *m;
	/* prefixlen: (1 + the length with the NUL) * 8; end: the last byte
	 * before the NUL */
	__s32 end = (__s32)(s->pk.prefixlen / 8) - 3;
	__s32 at = -1;
	long n;

	if (end < 0 || end >= (__s32)sizeof(s->pk.path))
		return;
	for (__s32 i = 0; i < PW_RULE_PATH_NAME_MAX; i++) {
		__s32 j = end - i;

		if (j < 0) {
			at = 0;		/* a relative name without '/' */
			break;
		}
		if (s->pk.path[j & 0xff] == '/') {
			at = j + 1;
			break;
		}
	}
	if (at < 0 || at > end)
		return;		/* longer than any --path-name, or ends in '/' */
	n = bpf_probe_read_kernel_str(s->nk.path, PW_RULE_PATH_NAME_MAX,
				      &s->pk.path[at & 0xff]);
	if (n <= 1)
		return;
	s->nk.kind = PW_RULE_PATH_KIND_NAME;
	s->nk.prefixlen = (1 + n) * 8;
	if (!pw_rule_head_may(idx, idx->name_heads, 2, s->nk.path))
		return;
	m = bpf_map_lookup_elem(&rule_paths, &s->nk);
	if (!m)
		return;
	for (int w = 0; w < PW_RULE_WORDS; w++) {
		if (w >= pw_rule_nw(idx))
			break;
		s->acc.w[w] |= m->w[w] & idx->path_names.w[w];
	}
}

/* 1 when the ranges and bits selectors of rule r hold: each one the rule
 * uses (its value in one of the ranges, or sharing a bit; not, negated).
 * A global function, as pw_rule_eval(): verified once per program, not
 * again each time the verifier walks pw_rule_step(). */
__noinline int pw_rule_scalars_hold(const struct pw_rule *r, const struct pw_rule_in *in)
{
	if (!r || !in)
		return 0;
	for (int k = 0; k < PW_RSEL_NRANGES; k++) {
		__u32 bit = 1u << (PW_RSEL_RANGE0 + k);

		if ((r->sels & bit) &&
		    pw_in_ranges(in->vals[k], r->ranges[k], r->n_ranges[k]) == !!(r->neg & bit))
			return 0;
	}
	for (int k = 0; k < PW_RSEL_NBITS; k++) {
		__u32 bit = 1u << (PW_RSEL_BITS0 + k);

		if ((r->sels & bit) && ((in->bits[k] & r->bits[k]) != 0) == !!(r->neg & bit))
			return 0;
	}
	return 1;
}

/* The index of the lowest set bit of low, a power of two (a popcount of
 * low - 1): no branch, so the verifier walks one path through it where
 * pw_hist_slot()'s six branches were 64 (a quarter of attr's exit
 * handler: 52.5 k instructions verified, BENCHMARKS.md). */
static __always_inline __u32 pw_rule_bit_index(__u64 low)
{
	__u64 v = low - 1;

	v = v - ((v >> 1) & 0x5555555555555555ULL);
	v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
	v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (__u32)((v * 0x0101010101010101ULL) >> 56);
}

/* The bpf_loop context of pw_rule_step(), and of pw_rule_bit_step() before
 * it (the same stack slots: a frame of its own would put cred's and ns'
 * programs over 512 bytes of stack on 6.1). */
struct pw_rule_walk {
	struct pw_rule_mask *c;		/* candidates left (the scratch's cand:
					 * off the stack, as 16 words are 128 bytes);
					 * pw_rule_bit_step(): the mask ORed into */
	union {
		const struct pw_rule_in *in;
		__u64 bits;		/* pw_rule_bit_step(): the bits not yet looked at */
	};
	__u32 slot;			/* the winner, or PW_RULES_MAX; pw_rule_bit_step():
					 * the rule_bits key of bit 0 */
	__u32 nw;			/* words of c that hold rules */
};

/* bpf_loop step: ORs into wk->c the rules of the lowest bit of wk->bits left. */
static long pw_rule_bit_step(__u32 i, void *ctx)
{
	struct pw_rule_walk *wk = ctx;
	struct pw_rule_mask *m;
	__u64 low = wk->bits & -wk->bits;
	__u32 key;

	if (!low || !wk->c)
		return 1;
	wk->bits &= ~low;
	key = wk->slot + pw_rule_bit_index(low);
	m = bpf_map_lookup_elem(&rule_bits, &key);
	if (!m)
		return 0;
	for (int w = 0; w < PW_RULE_WORDS; w++) {
		if (w >= wk->nw)
			break;
		wk->c->w[w] |= m->w[w];
	}
	return 0;
}

/*
 * The scalar kinds' index: for each ranges or bits kind that a candidate
 * left in s->cand uses, AND in the rules the event's value lets through:
 * a ranges kind, the mask of its value's key in rule_values (one hash
 * lookup), or scalar_dflt without one; a bits kind, scalar_dflt ORed with
 * the rule_bits mask of each bit the event has (one array lookup per set
 * bit). What is left still goes through pw_rule_scalars_hold() (a range or
 * a negation is in the default: the index only narrows). wk is the
 * caller's walk (its stack slots serve the bit walk; reset after). False:
 * no candidate left.
 */
static __always_inline bool pw_rule_scalars_narrow(struct pw_rule_scratch *s,
						   const struct pw_rule_in *in,
						   const struct pw_rule_index *idx,
						   struct pw_rule_walk *wk)
{
	struct pw_rule_mask *m;
	__u32 kinds = idx->scalar_kinds;

	for (int k = 0; k < PW_RSEL_NRANGES; k++) {
		if (!(kinds & (1u << (PW_RSEL_RANGE0 + k))) ||
		    !pw_mask_meets(&s->cand, &idx->scalar_users[k], idx))
			continue;
		s->vk.kind = PW_RSEL_RANGE0 + k;
		s->vk.pad = 0;
		s->vk.value = in->vals[k];
		m = bpf_map_lookup_elem(&rule_values, &s->vk);
		pw_mask_and(&s->cand, m ? m : &idx->scalar_dflt[k], idx);
	}
	for (int k = 0; k < PW_RSEL_NBITS; k++) {
		if (!(kinds & (1u << (PW_RSEL_BITS0 + k))) ||
		    !pw_mask_meets(&s->cand, &idx->scalar_users[PW_RSEL_NRANGES + k], idx))
			continue;
		pw_mask_copy(&s->acc, &idx->scalar_dflt[PW_RSEL_NRANGES + k], idx);
		wk->c = &s->acc;
		wk->bits = in->bits[k];
		wk->slot = k * 64;
		wk->nw = pw_rule_nw(idx);
		if (wk->bits)
			bpf_loop(64, pw_rule_bit_step, wk, 0);
		pw_mask_and(&s->cand, &s->acc, idx);
	}
	wk->c = &s->cand;
	wk->in = in;
	wk->slot = PW_RULES_MAX;
	return pw_mask_meets(&s->cand, &s->cand, idx);
}

/* bpf_loop step: the lowest candidate left; stops at the first that holds. */
static long pw_rule_step(__u32 i, void *ctx)
{
	struct pw_rule_walk *wk = ctx;
	struct pw_rule_mask *c = wk->c;
	struct pw_rule *r;
	__u32 slot = 0;
	__u64 low = 0;

	if (!c)
		return 1;
	for (int j = 0; j < PW_RULE_WORDS; j++) {
		if (j >= wk->nw)
			break;
		if (c->w[j]) {
			low = c->w[j] & -c->w[j];
			c->w[j] &= ~low;
			slot = j * 64 + pw_rule_bit_index(low);
			break;
		}
	}
	if (!low)
		return 1;
	r = bpf_map_lookup_elem(&rules, &slot);
	if (!r || !r->used || !pw_rule_scalars_hold(r, wk->in))
		return 0;
	wk->slot = slot;
	return 1;
}

/* pid 1 and kernel threads are never killed (as the blocklist spares them). */
static __always_inline bool pw_rule_exempt(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return (bpf_get_current_pid_tgid() >> 32) == 1 ||
	       (BPF_CORE_READ(task, flags) & PW_RULE_PF_KTHREAD);
}

/* The suppressed event of a window that held hits back: the hit's header,
 * counted as an event of the hit's module. */
static __always_inline void pw_rule_emit_suppressed(struct pw_config *cfg, struct pw_suppressed *ev,
						    const struct pw_hdr *h, __u32 count,
						    __u64 period_ns)
{
	__u32 module = h->module;

	ev->h = *h;
	ev->h.type = PW_EV_SUPPRESSED;
	ev->h.size = sizeof(*ev);
	ev->count = count;
	ev->pad = 0;
	ev->period_ns = period_ns;
	pw_count(module, PW_SEEN);
	pw_submit(cfg, ev, sizeof(*ev), module);
}

/* --throttle: true when this hit is emitted; a held-back hit is counted in
 * the rule's suppressed counter. */
static __always_inline bool pw_rule_throttle(struct pw_config *cfg, struct pw_rule_scratch *s,
					     const struct pw_rule *r, __u32 slot,
					     const struct pw_hdr *h, struct pw_rule_stats *st)
{
	struct pw_throttle_key *k = &s->tk;
	__u64 now = bpf_ktime_get_ns();
	struct pw_throttle *t;
	__u32 held = 0;

	pw_rule_exe(&s->exe);
	__builtin_memset(k, 0, sizeof(*k));
	k->slot = slot;
	k->dev = s->exe.dev;
	k->ino = s->exe.ino;
	k->cgroup_id = h->cgroup_id;
	t = bpf_map_lookup_elem(&rule_throttle, k);
	if (t && now - t->start_ns < r->throttle_ns) {
		/* the add is atomic; the read after it may see another
		 * CPU's hit too, which only moves the cut by one */
		__sync_fetch_and_add(&t->hits, 1);
		if (t->hits <= r->throttle_n)
			return true;
		if (st)
			st->suppressed++;
		return false;
	}
	if (t && t->hits > r->throttle_n)
		held = t->hits - r->throttle_n;
	__builtin_memset(&s->fresh, 0, sizeof(s->fresh));
	s->fresh.start_ns = now;
	s->fresh.hits = 1;
	bpf_map_update_elem(&rule_throttle, k, &s->fresh, BPF_ANY);
	if (held)
		pw_rule_emit_suppressed(cfg, &s->sup, h, held, r->throttle_ns);
	return true;
}

/* The LPM key of a container: "h" the host (runtime 0 in
 * maps/cgroup_container, or a cgroup it does not have yet: the process
 * module resolves a cgroup at its first exec or fork), "c" + the id. */
static __always_inline void pw_rule_container_key(struct pw_rule_path_key *k, __u64 cgid)
{
	struct pw_container *ctr = bpf_map_lookup_elem(&cgroup_container, &cgid);
	__u32 n = 0;

	if (ctr && !ctr->runtime)
		ctr = NULL;
	k->kind = PW_RULE_PATH_KIND_CONTAINER;
	k->path[0] = ctr ? PW_RULE_CTR_ID : PW_RULE_CTR_HOST;
	if (ctr) {
		n = ctr->id_len;
		if (n > sizeof(ctr->key.id))
			n = sizeof(ctr->key.id);
		if (n > sizeof(k->path) - 1)
			n = sizeof(k->path) - 1;
		bpf_probe_read_kernel(&k->path[1], n, ctr->key.id);
	}
	k->prefixlen = (2 + n) * 8;
}

/* --ancestor: the rules the parent's or an older ancestor's binary lets
 * through (any of them), into s->acc; lineage from maps/proc_lineage. */
static __always_inline void pw_rule_ancestors(struct pw_rule_scratch *s,
					      const struct pw_rule_index *idx, __u64 id)
{
	struct pw_lineage *l;
	struct pw_rule_mask *m;
	bool any = false;

	__builtin_memset(&s->acc, 0, sizeof(s->acc));
	for (int i = 0; i < PW_RULE_ANCESTORS && id; i++) {
		l = bpf_map_lookup_elem(&proc_lineage, &id);
		if (!l)
			break;
		pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_ANCESTOR, l->binary);
		m = bpf_map_lookup_elem(&rule_paths, &s->pk);
		if (m) {
			pw_mask_or(&s->acc, m, idx);
			any = true;
		}
		id = l->parent_exec_id;
	}
	if (!any)
		s->acc = idx->dflt[PW_RSEL_ANCESTOR];
}

/*
 * The matcher every rule check shares: of the candidate rules c (a mask of
 * slots: rule_types[type] for the tracing modules, rule_deny[type] for the
 * deny module), the lowest slot whose selectors all hold for the event
 * whose header is h and whose other values are in (uid, euid and cgroup are
 * filled here); PW_RULES_MAX when none does. Each indexed kind a candidate
 * uses costs one lookup (--ancestor: one per ancestor), each scalar kind one
 * (a bits kind: one per bit the event has: pw_rule_scalars_narrow()), then
 * the candidates left are tried lowest slot first. s is the caller's scratch (per-CPU for
 * the tracing modules, per task for the deny module's LSM programs, which
 * may be preempted). Inlined into pw_rule_eval (verified once per program)
 * and into each deny program (one call site each).
 */
static __always_inline __u32 pw_rule_match(const struct pw_rule_mask *c, struct pw_hdr *h,
					   struct pw_rule_in *in, struct pw_rule_scratch *s)
{
	struct pw_rule_walk wk = { .slot = PW_RULES_MAX };
	struct task_struct *task;
	struct pw_rule_index *idx;
	struct pw_lineage *l;
	struct pw_proc *proc;
	__u32 tgid, zero = 0, nw;
	__u64 id;

	idx = bpf_map_lookup_elem(&rule_index, &zero);
	if (!idx)
		return PW_RULES_MAX;
	wk.in = in;
	wk.c = &s->cand;
	/* every word: those past idx->words zeroed, so a rule the control
	 * plane adds in a higher word while this runs is no candidate (a
	 * later operation may read the grown bound) */
	nw = pw_rule_nw(idx);
	for (int i = 0; i < PW_RULE_WORDS; i++)
		s->cand.w[i] = i < nw ? c->w[i] : 0;
	/* the path first: of the kinds an event of a type with a path
	 * meets, the one that excludes most rules (the others' lookups are
	 * skipped when no candidate is left) */
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_PATH], idx)) {
		/* rename: either name */
		bool names = pw_mask_meets(wk.c, &idx->path_names, idx);
		bool key = false;

		if (in->path) {
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_PATH, in->path);
			key = pw_rule_head_may(idx, idx->path_heads, 1, s->pk.path);
		}
		pw_mask_copy(&s->acc, pw_rule_lookup(idx, PW_RSEL_PATH, &rule_paths,
						     key ? &s->pk : NULL), idx);
		if (in->path && names)
			pw_rule_path_name(s, idx);
		if (in->path2) {
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_PATH, in->path2);
			key = pw_rule_head_may(idx, idx->path_heads, 1, s->pk.path);
			pw_mask_or(&s->acc, pw_rule_lookup(idx, PW_RSEL_PATH, &rule_paths,
							   key ? &s->pk : NULL), idx);
			if (names)
				pw_rule_path_name(s, idx);
		}
		pw_mask_and(wk.c, &s->acc, idx);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_COMM], idx)) {
		__builtin_memcpy(s->comm.comm, h->comm, sizeof(s->comm.comm));
		pw_rule_narrow(wk.c, idx, PW_RSEL_COMM, &rule_comms, &s->comm);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_BINARY], idx)) {
		pw_rule_exe(&s->exe);
		pw_rule_narrow(wk.c, idx, PW_RSEL_BINARY, &rule_files, &s->exe);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_BINARY_PREFIX], idx)) {
		tgid = h->pid;
		proc = bpf_map_lookup_elem(&proc_cache, &tgid);
		if (proc)
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_BINARY, proc->binary);
		pw_rule_narrow(wk.c, idx, PW_RSEL_BINARY_PREFIX, &rule_paths, proc ? &s->pk : NULL);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_PARENT], idx)) {
		id = h->parent_exec_id;
		l = id ? bpf_map_lookup_elem(&proc_lineage, &id) : NULL;
		if (l)
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_PARENT, l->binary);
		pw_rule_narrow(wk.c, idx, PW_RSEL_PARENT, &rule_paths, l ? &s->pk : NULL);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_ANCESTOR], idx)) {
		pw_rule_ancestors(s, idx, h->parent_exec_id);
		pw_mask_and(wk.c, &s->acc, idx);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_CONTAINER], idx)) {
		pw_rule_container_key(&s->pk, h->cgroup_id);
		pw_rule_narrow(wk.c, idx, PW_RSEL_CONTAINER, &rule_paths, &s->pk);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_XATTR_NAME], idx)) {
		if (in->xattr)
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_XATTR, in->xattr);
		pw_rule_narrow(wk.c, idx, PW_RSEL_XATTR_NAME, &rule_paths, in->xattr ? &s->pk : NULL);
	}
	if (pw_mask_meets(wk.c, &idx->users[PW_RSEL_CIDR], idx)) {
		bool addr = in->daddr && in->has_daddr;

		if (addr) {
			s->ck.prefixlen = 128;
			bpf_probe_read_kernel(s->ck.addr, sizeof(s->ck.addr), in->daddr);
		}
		pw_rule_narrow(wk.c, idx, PW_RSEL_CIDR, &rule_cidrs, addr ? &s->ck : NULL);
	}
	if (!pw_mask_meets(wk.c, wk.c, idx))
		return PW_RULES_MAX;
	task = (struct task_struct *)bpf_get_current_task();
	in->PW_RIN_VAL(UID) = h->uid;
	in->PW_RIN_VAL(EUID) = BPF_CORE_READ(task, cred, euid.val);
	in->PW_RIN_VAL(CGROUP) = h->cgroup_id;
#ifndef PW_RULE_NO_SCALAR_INDEX
	if (idx->scalar_kinds && !pw_rule_scalars_narrow(s, in, idx, &wk))
		return PW_RULES_MAX;
#endif
	wk.nw = pw_rule_nw(idx);
	bpf_loop(PW_RULES_MAX, pw_rule_step, &wk, 0);
	return wk.slot;
}

/*
 * The rule check, where the event is built and before the ordinary
 * filters: h is the event's filled header, in what else the selectors
 * look at (pw_rule_in_for(); NULL: no rule names the type). Each selector
 * kind a candidate uses costs one lookup (--ancestor: one per ancestor; a
 * bits kind: one per bit the event has), then the candidates left are
 * tried lowest slot first. On a match the rule's hit is counted and its
 * action done: drop gives PW_RULE_HIDE, alert and kill set h->rule and
 * give PW_RULE_EMIT (kill: SIGKILL to the current process first, throttled
 * or not), a hit its --throttle holds back gives PW_RULE_NONE (counted
 * suppressed; the event is an ordinary one).
 *
 * A global function (its verdict an int): the verifier checks it once per
 * program that calls it, not once at each call site as it did when it was
 * inlined (with its loops over candidates, ranges, bits and ancestors,
 * that made `pinwatch up` 4-5 times slower: attr's load 1.0 s -> 20.7 s).
 * Its arguments are pointers to sized structs (map values or the stack),
 * each NULL-checked here as the verifier requires; call it through
 * pw_rule_apply(), which never passes a NULL.
 */
__noinline int pw_rule_eval(struct pw_config *cfg, struct pw_hdr *h, struct pw_rule_in *in)
{
	struct pw_rule_mask *tm;
	struct pw_rule_scratch *s;
	struct pw_rule_stats *st;
	struct pw_rule *r;
	__u32 type, slot;

	if (!cfg || !h || !in)
		return PW_RULE_NONE;
	type = h->type;
	tm = bpf_map_lookup_elem(&rule_types, &type);
	if (!tm || !pw_mask_any(tm))
		return PW_RULE_NONE;
	s = pw_rule_scratch_get();
	if (!s)
		return PW_RULE_NONE;
	slot = pw_rule_match(tm, h, in, s);
	if (slot >= PW_RULES_MAX)
		return PW_RULE_NONE;
	r = bpf_map_lookup_elem(&rules, &slot);
	if (!r)
		return PW_RULE_NONE;
	st = bpf_map_lookup_elem(&rule_stats, &slot);
	if (st)
		st->hits++;
	if (r->action == PW_RULE_DROP)
		return PW_RULE_HIDE;
	/* the kill is never throttled: only its report is */
	if (r->action == PW_RULE_KILL && !pw_rule_exempt())
		bpf_send_signal(PW_RULE_SIGKILL);
	/* a throttled hit is no alert, but the event stays what it was
	 * without the rule: the ordinary filters decide it. Hiding it (as
	 * this did) made the pack's throttle a blind spot: after 5 execs a
	 * minute from /tmp (exec-tmp), the 6th and later were in no log at
	 * all (CI, stop 25: tests/systemctl.bats lost 175 of 180 execs). */
	pw_hdr_set_rule(h, slot + 1);	/* the suppressed event names it too */
	if (r->throttle_n && !pw_rule_throttle(cfg, s, r, slot, h, st)) {
		pw_hdr_set_rule(h, 0);
		return PW_RULE_NONE;
	}
	return PW_RULE_EMIT;
}

/* pw_rule_eval() for a header and a selector input that may be NULL (no
 * rule names the type: PW_RULE_NONE without a call). */
static __always_inline enum pw_rule_verdict pw_rule_apply(struct pw_config *cfg, struct pw_hdr *h,
							  struct pw_rule_in *in)
{
	if (!cfg || !h || !in)
		return PW_RULE_NONE;
	return (enum pw_rule_verdict)pw_rule_eval(cfg, h, in);
}

/*
 * The rules' part of the end of a handler whose events rules look at
 * (pw_rule_begin() gave cfg and rules_only): true when that decided the
 * event, counted (hidden or rules-only: filtered; an alert: submitted);
 * false: the ordinary filters decide.
 */
static __always_inline bool pw_rule_done(struct pw_config *cfg, void *ev, __u64 size,
					 __u32 module, struct pw_rule_in *in, bool rules_only)
{
	switch (pw_rule_apply(cfg, (struct pw_hdr *)ev, in)) {
	case PW_RULE_HIDE:
		pw_count(module, PW_FILTERED);
		return true;
	case PW_RULE_EMIT:
		pw_submit(cfg, ev, size, module);
		return true;
	case PW_RULE_NONE:
		break;
	}
	if (rules_only)
		pw_count(module, PW_FILTERED);
	return rules_only;
}

/* The end of such a handler: the rules, then the ordinary filters. */
static __always_inline void pw_rule_submit(struct pw_config *cfg, void *ev, __u64 size,
					   __u32 module, struct pw_rule_in *in, bool rules_only)
{
	if (!pw_rule_done(cfg, ev, size, module, in, rules_only))
		pw_filter_submit(cfg, ev, size, module);
}

#endif /* PINWATCH_RULES_BPF_H */
