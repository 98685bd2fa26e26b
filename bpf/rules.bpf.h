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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_RULES_MAX);
	__type(key, __u32);
	__type(value, struct pw_rule);
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
	__uint(max_entries, PW_RULE_INDEX_ENTRIES);
	__type(key, struct pw_block_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* sparse: the keys the rules name */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PW_RULE_INDEX_ENTRIES);
	__type(key, struct pw_comm_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* sparse: the keys the rules name */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PW_RULE_INDEX_ENTRIES);
	__type(key, struct pw_cidr_key);
	__type(value, struct pw_rule_mask);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_cidrs SEC(".maps");

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

/* What the selectors look at beyond the header; zero what does not apply. */
struct pw_rule_in {
	const char *path;	/* open: the path as passed; exec: the filename; NULL: none */
	const __u8 *daddr;	/* connect: the remote address (16 bytes, v4-mapped) */
	__u64 open_flags;	/* open: O_* */
	__u16 dport;		/* connect: the remote port */
	__u16 has_daddr;	/* daddr holds an address */
	__u8 stdio;		/* exec: bit (1 << PW_STDIO_*) for the kind of each of fds 0-2 */
	__u32 exe_flags;	/* exec: PW_EXE_* */
};

/* True when some rule names event type (one array lookup): a module may
 * then keep building an event its filters exclude, for the rules to see. */
static __always_inline bool pw_rule_type_used(__u32 type)
{
	struct pw_rule_mask *m = bpf_map_lookup_elem(&rule_types, &type);
	__u64 any = 0;

	if (!m)
		return false;
	for (int i = 0; i < PW_RULE_WORDS; i++)
		any |= m->w[i];
	return any != 0;
}

/* True when module is switched off but a rule names one of its event
 * types: its events are built for the rules alone (an alert is emitted,
 * anything else counted filtered). Never for the consumer's own events or
 * with the sensor off. */
static __always_inline bool pw_rule_module_wanted(const struct pw_config *cfg, __u32 module,
						  __u32 tgid)
{
	struct pw_rule_index *idx;
	__u32 zero = 0;

	if (!cfg || !cfg->enabled || (cfg->consumer_tgid && cfg->consumer_tgid == tgid))
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
	PW_RULE_NONE,		/* no rule: the ordinary filters decide */
	PW_RULE_EMIT,		/* an alert (h->rule set): submit, no filter applies */
	PW_RULE_HIDE,		/* drop, or throttled: count it filtered */
};

struct pw_rule_scratch {
	struct pw_rule_path_key pk;
	struct pw_cidr_key ck;
	struct pw_comm_key comm;
	struct pw_block_key exe;
	struct pw_suppressed sup;
};

PW_SCRATCH(pw_rule_scratch, struct pw_rule_scratch)

static __always_inline void pw_mask_and(struct pw_rule_mask *c, const struct pw_rule_mask *m)
{
	for (int i = 0; i < PW_RULE_WORDS; i++)
		c->w[i] &= m->w[i];
}

/* True when c and m share a rule. */
static __always_inline bool pw_mask_meets(const struct pw_rule_mask *c,
					  const struct pw_rule_mask *m)
{
	__u64 any = 0;

	for (int i = 0; i < PW_RULE_WORDS; i++)
		any |= c->w[i] & m->w[i];
	return any != 0;
}

/* One indexed selector kind: when a candidate uses it, AND in the mask the
 * value's key gives (the kind's default without a key). */
static __always_inline void pw_rule_narrow(struct pw_rule_mask *c, const struct pw_rule_index *idx,
					   __u32 kind, void *map, const void *key)
{
	struct pw_rule_mask *m;

	if (kind >= PW_RSEL_INDEXED || !pw_mask_meets(c, &idx->users[kind]))
		return;
	m = key ? bpf_map_lookup_elem(map, key) : NULL;
	pw_mask_and(c, m ? m : &idx->dflt[kind]);
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

static __always_inline bool pw_in_ranges(__u32 v, const struct pw_rule_range *r, __u8 n)
{
	bool in = false;

	for (int i = 0; i < PW_RULE_RANGES; i++)
		if (i < n && v >= r[i].lo && v <= r[i].hi)
			in = true;
	return in;
}

/* A scalar selector: holds when the rule does not use it, or when v is in
 * its ranges (not in them, negated). */
static __always_inline bool pw_rule_scalar(const struct pw_rule *r, __u32 kind, __u32 v,
					   const struct pw_rule_range *ranges, __u8 n)
{
	if (!(r->sels & (1u << kind)))
		return true;
	return pw_in_ranges(v, ranges, n) != !!(r->neg & (1u << kind));
}

/* A set selector (stdio kinds, exe flags): holds when the rule does not
 * use it, or when the event has one of its bits (none of them, negated). */
static __always_inline bool pw_rule_bits(const struct pw_rule *r, __u32 kind, __u32 common)
{
	if (!(r->sels & (1u << kind)))
		return true;
	return (common != 0) != !!(r->neg & (1u << kind));
}

struct pw_rule_walk {
	struct pw_rule_mask c;		/* candidates left */
	const struct pw_hdr *h;
	const struct pw_rule_in *in;
	__u32 slot;			/* the winner, or PW_RULES_MAX */
};

/* The scalar selectors of the rule in slot: uid, euid, port, open flags. */
static __always_inline bool pw_rule_scalars_hold(const struct pw_rule *r,
						 const struct pw_hdr *h,
						 const struct pw_rule_in *in)
{
	struct task_struct *task;
	__u32 euid, want = 0;

	if (!pw_rule_scalar(r, PW_RSEL_UID, h->uid, r->uid, r->n_uid))
		return false;
	if (r->sels & (1u << PW_RSEL_EUID)) {
		task = (struct task_struct *)bpf_get_current_task();
		euid = BPF_CORE_READ(task, cred, euid.val);
		if (!pw_rule_scalar(r, PW_RSEL_EUID, euid, r->euid, r->n_euid))
			return false;
	}
	if (!pw_rule_scalar(r, PW_RSEL_PORT, in->dport, r->port, r->n_port))
		return false;
	if (!pw_rule_bits(r, PW_RSEL_STDIO, in->stdio & r->stdio))
		return false;
	if (!pw_rule_bits(r, PW_RSEL_EXE_FLAGS, in->exe_flags & r->exe_flags))
		return false;
	if (r->sels & (1u << PW_RSEL_OPEN_FLAGS)) {
		if (in->open_flags & PW_O_ACCMODE)
			want |= PW_RULE_OPEN_WRITE;
		if (in->open_flags & PW_O_CREAT)
			want |= PW_RULE_OPEN_CREATE;
		if (in->open_flags & PW_O_TRUNC)
			want |= PW_RULE_OPEN_TRUNC;
		if (!(want & r->open_flags))
			return false;
	}
	return true;
}

/* bpf_loop step: the lowest candidate left; stops at the first that holds. */
static long pw_rule_step(__u32 i, void *ctx)
{
	struct pw_rule_walk *wk = ctx;
	struct pw_rule *r;
	__u32 slot = 0;
	__u64 low = 0;

	for (int j = 0; j < PW_RULE_WORDS; j++) {
		if (!low && wk->c.w[j]) {
			low = wk->c.w[j] & -wk->c.w[j];
			wk->c.w[j] &= ~low;
			slot = j * 64 + pw_hist_slot(low) - 1;
		}
	}
	if (!low)
		return 1;
	r = bpf_map_lookup_elem(&rules, &slot);
	if (!r || !r->used || !pw_rule_scalars_hold(r, wk->h, wk->in))
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
	struct pw_throttle_key k = { .slot = slot };
	struct pw_throttle fresh = {}, *t;
	__u64 now = bpf_ktime_get_ns();
	__u32 held = 0;

	pw_rule_exe(&s->exe);
	k.dev = s->exe.dev;
	k.ino = s->exe.ino;
	k.cgroup_id = h->cgroup_id;
	t = bpf_map_lookup_elem(&rule_throttle, &k);
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
	fresh.start_ns = now;
	fresh.hits = 1;
	bpf_map_update_elem(&rule_throttle, &k, &fresh, BPF_ANY);
	if (held)
		pw_rule_emit_suppressed(cfg, &s->sup, h, held, r->throttle_ns);
	return true;
}

/*
 * The matcher every rule check shares: of the candidate rules c (a mask of
 * slots: rule_types[type] for the tracing modules, rule_deny[type] for the
 * deny module), the lowest slot whose selectors all hold for the event
 * whose header is h and whose other values are in; PW_RULES_MAX when none
 * does. s is the caller's scratch (per-CPU for the tracing modules, per
 * task for the deny module's LSM programs, which may be preempted).
 */
static __always_inline __u32 pw_rule_match(const struct pw_rule_mask *c, const struct pw_hdr *h,
					   const struct pw_rule_in *in, struct pw_rule_scratch *s)
{
	struct pw_rule_walk wk = { .c = *c, .h = h, .in = in, .slot = PW_RULES_MAX };
	struct pw_rule_index *idx;
	struct pw_proc *proc;
	__u32 tgid, zero = 0;

	if (!pw_mask_meets(&wk.c, &wk.c))
		return PW_RULES_MAX;
	idx = bpf_map_lookup_elem(&rule_index, &zero);
	if (!idx)
		return PW_RULES_MAX;
	if (pw_mask_meets(&wk.c, &idx->users[PW_RSEL_COMM])) {
		__builtin_memcpy(s->comm.comm, h->comm, sizeof(s->comm.comm));
		pw_rule_narrow(&wk.c, idx, PW_RSEL_COMM, &rule_comms, &s->comm);
	}
	if (pw_mask_meets(&wk.c, &idx->users[PW_RSEL_BINARY])) {
		pw_rule_exe(&s->exe);
		pw_rule_narrow(&wk.c, idx, PW_RSEL_BINARY, &rule_files, &s->exe);
	}
	if (pw_mask_meets(&wk.c, &idx->users[PW_RSEL_BINARY_PREFIX])) {
		tgid = h->pid;
		proc = bpf_map_lookup_elem(&proc_cache, &tgid);
		if (proc)
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_BINARY, proc->binary);
		pw_rule_narrow(&wk.c, idx, PW_RSEL_BINARY_PREFIX, &rule_paths, proc ? &s->pk : NULL);
	}
	if (pw_mask_meets(&wk.c, &idx->users[PW_RSEL_PATH])) {
		if (in->path)
			pw_rule_path_key(&s->pk, PW_RULE_PATH_KIND_PATH, in->path);
		pw_rule_narrow(&wk.c, idx, PW_RSEL_PATH, &rule_paths, in->path ? &s->pk : NULL);
	}
	if (pw_mask_meets(&wk.c, &idx->users[PW_RSEL_CIDR])) {
		bool addr = in->daddr && in->has_daddr;

		if (addr) {
			s->ck.prefixlen = 128;
			bpf_probe_read_kernel(s->ck.addr, sizeof(s->ck.addr), in->daddr);
		}
		pw_rule_narrow(&wk.c, idx, PW_RSEL_CIDR, &rule_cidrs, addr ? &s->ck : NULL);
	}
	if (!pw_mask_meets(&wk.c, &wk.c))
		return PW_RULES_MAX;
	bpf_loop(PW_RULES_MAX, pw_rule_step, &wk, 0);
	return wk.slot;
}

/*
 * The rule check, where the event is built and before the ordinary
 * filters: h is the event's filled header, in what else the selectors
 * look at. With no rule for h->type it costs one array lookup. On a match
 * the rule's hit is counted and its action done: drop and a throttled hit
 * give PW_RULE_HIDE, alert and kill set h->rule and give PW_RULE_EMIT
 * (kill: SIGKILL to the current process first, throttled or not). Deny
 * rules are never candidates here: their types are in maps/rule_deny.
 */
static __always_inline enum pw_rule_verdict pw_rule_apply(struct pw_config *cfg, struct pw_hdr *h,
							  const struct pw_rule_in *in)
{
	__u32 type = h->type, slot;
	struct pw_rule_mask *tm;
	struct pw_rule_scratch *s;
	struct pw_rule_stats *st;
	struct pw_rule *r;

	tm = bpf_map_lookup_elem(&rule_types, &type);
	if (!tm || !pw_mask_meets(tm, tm))
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
	h->rule = slot + 1;
	if (r->throttle_n && !pw_rule_throttle(cfg, s, r, slot, h, st))
		return PW_RULE_HIDE;
	return PW_RULE_EMIT;
}

#endif /* PINWATCH_RULES_BPF_H */
