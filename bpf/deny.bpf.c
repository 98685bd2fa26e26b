/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * deny: rules of action deny (`pinwatch rule add ... --action deny`) make
 * an operation fail with EPERM, where the kernel lets BPF refuse it. Four
 * hooks, each in two variants the loader picks from at run time:
 *
 *   exec     lsm/bprm_check_security   fmod_ret/security_bprm_check
 *   open     lsm/file_open             fmod_ret/security_file_open
 *   unlink   lsm/path_unlink           fmod_ret/security_path_unlink
 *   connect  lsm/socket_connect        fmod_ret/security_socket_connect
 *
 * lsm where "bpf" is an active LSM; fmod_ret (a return value BPF may
 * replace: the kernel allows it on every security_* function) where LSM is
 * absent but fentry works. On a kernel with neither the module has no hook
 * and `up` leaves it out; `rule add --action deny` is then refused with the
 * probes' reasons (loader/probe.c, probe_deny).
 *
 * Candidates: maps/rule_deny[type], the deny rules' own type masks (the
 * tracing modules read maps/rule_types, which never holds a deny rule, so
 * no tracing module acts on one); with none for the type a hook costs one
 * array lookup. The selectors are matched by the matcher every module
 * shares (pw_rule_match, bpf/rules.bpf.h). The selectors see the process
 * making the call: for exec, the caller (its comm, uid and binary: the new
 * image has not replaced it yet) and the file it asks for (path: the
 * filename as passed); for open and unlink, the path from the task's root
 * (the file's own, not the string the caller passed); for connect, the
 * remote address and port.
 *
 * A refusal emits a deny event (counted seen, then emitted or dropped; the
 * filters and switches do not apply: an enforcement is reported whatever
 * they say), carrying the rule (h.rule and its name), the act and EPERM.
 * pid 1 and kernel threads are never refused (as kill rules and the
 * blocklist spare them).
 *
 * Scratch: per task (task storage), not per CPU: an LSM or fmod_ret
 * program runs with migration disabled but may be preempted, and another
 * task's program on the same CPU would then overwrite a per-CPU record in
 * the middle of a match. Where the scratch cannot be had (out of memory)
 * the operation is allowed and counted dropped.
 */
#include "common.bpf.h"
#include "net_addr.bpf.h"
#include "path_walk.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_DENY
#define EPERM		1
#define AF_INET		2
#define AF_INET6	10

/* maps/rule_deny: for each event type, the deny rules that name it. Written
 * by `pinwatch rule` (loader/rule.c) only; read only here. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PW_RULE_TYPES);
	__type(key, __u32);
	__type(value, struct pw_rule_mask);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} rule_deny SEC(".maps");

struct deny_scratch {
	struct pw_rule_scratch rs;
	struct pw_walk_space ws;
	struct pw_deny ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct deny_scratch);
} deny_scratch SEC(".maps");

/* The deny rules naming type, or NULL when there is none (the fast path). */
static __always_inline struct pw_rule_mask *deny_candidates(__u32 type)
{
	struct pw_rule_mask *m = bpf_map_lookup_elem(&rule_deny, &type);

	if (!m || !pw_mask_any(m) || pw_rule_exempt())
		return NULL;
	return m;
}

/* The task's scratch with its event's header filled for act. */
static __always_inline struct deny_scratch *deny_begin(__u32 act)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct deny_scratch *s;

	s = bpf_task_storage_get(&deny_scratch, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s) {
		pw_count_event(MOD, PW_DROPPED);
		return NULL;
	}
	pw_fill_hdr(&s->ev.h, act, MOD, sizeof(s->ev));
	s->ev.act = act;
	s->ev.error = 0;
	s->ev.open_flags = 0;
	__builtin_memset(&s->ev.t, 0, sizeof(s->ev.t));
	s->ev.path[0] = '\0';
	return s;
}

/* Matches the event in s against the candidates m: 0 (allowed), or
 * -EPERM with the deny event sent. */
static __always_inline int deny_decide(struct deny_scratch *s, const struct pw_rule_mask *m,
				       struct pw_rule_in *in)
{
	struct pw_config *cfg;
	struct pw_rule_stats *st;
	struct pw_rule *r;
	__u32 slot;

	slot = pw_rule_match(m, &s->ev.h, in, &s->rs);
	if (slot >= PW_RULES_MAX)
		return 0;
	r = bpf_map_lookup_elem(&rules, &slot);
	if (!r || r->action != PW_RULE_DENY)
		return 0; /* rewritten since the mask was read */
	st = bpf_map_lookup_elem(&rule_stats, &slot);
	if (st)
		st->hits++;
	s->ev.h.type = PW_EV_DENY;
	pw_hdr_set_rule(&s->ev.h, slot + 1);
	s->ev.error = EPERM;
	bpf_probe_read_kernel_str(s->ev.rule, sizeof(s->ev.rule), r->name);
	cfg = pw_config_get();
	pw_count(MOD, PW_SEEN);
	if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev),
			       cfg ? pw_wakeup_flag(cfg, sizeof(s->ev)) : BPF_RB_FORCE_WAKEUP))
		pw_count(MOD, PW_DROPPED);
	else
		pw_count(MOD, PW_EMITTED);
	return -EPERM;
}

static __always_inline int deny_exec(struct linux_binprm *bprm)
{
	struct pw_rule_in in = {};
	struct pw_rule_mask *m;
	struct deny_scratch *s;

	m = deny_candidates(PW_EV_EXEC);
	if (!m || !(s = deny_begin(PW_EV_EXEC)))
		return 0;
	bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), BPF_CORE_READ(bprm, filename));
	in.path = s->ev.path;
	return deny_decide(s, m, &in);
}

static __always_inline int deny_open(struct file *file)
{
	struct pw_rule_in in = {};
	struct pw_rule_mask *m;
	struct deny_scratch *s;

	m = deny_candidates(PW_EV_OPEN);
	if (!m || !(s = deny_begin(PW_EV_OPEN)))
		return 0;
	pw_walk_path(&s->ws, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
		     s->ev.path, sizeof(s->ev.path));
	s->ev.open_flags = BPF_CORE_READ(file, f_flags);
	in.path = s->ev.path;
	in.PW_RIN_BITS(OPEN_FLAGS) = pw_rule_open_bits(s->ev.open_flags);
	return deny_decide(s, m, &in);
}

static __always_inline int deny_unlink(const struct path *dir, struct dentry *dentry)
{
	struct pw_rule_in in = {};
	struct pw_rule_mask *m;
	struct deny_scratch *s;

	m = deny_candidates(PW_EV_UNLINK);
	if (!m || !(s = deny_begin(PW_EV_UNLINK)))
		return 0;
	pw_walk_path(&s->ws, dentry, BPF_CORE_READ(dir, mnt), s->ev.path, sizeof(s->ev.path));
	in.path = s->ev.path;
	/* --open-flags: every flag holds for an unlink (as in bpf/file.bpf.c) */
	in.PW_RIN_BITS(OPEN_FLAGS) = PW_RULE_OPEN_WRITE | PW_RULE_OPEN_CREATE | PW_RULE_OPEN_TRUNC;
	return deny_decide(s, m, &in);
}

/* address: the kernel's copy of the caller's sockaddr. */
static __always_inline int deny_connect(struct sockaddr *address, int addrlen)
{
	struct pw_rule_in in = {};
	struct pw_rule_mask *m;
	struct deny_scratch *s;
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	__u16 family;

	m = deny_candidates(PW_EV_CONNECT);
	if (!m || !(s = deny_begin(PW_EV_CONNECT)))
		return 0;
	family = BPF_CORE_READ(address, sa_family);
	s->ev.t.family = family;
	if (family == AF_INET && addrlen >= (int)sizeof(a4) &&
	    !bpf_probe_read_kernel(&a4, sizeof(a4), address)) {
		net_v4_mapped(s->ev.t.daddr, a4.sin_addr.s_addr);
		s->ev.t.dport = net_ntohs(a4.sin_port);
		s->ev.t.flags = PW_NET_HAS_DADDR;
	} else if (family == AF_INET6 && addrlen >= (int)sizeof(a6) &&
		   !bpf_probe_read_kernel(&a6, sizeof(a6), address)) {
		__builtin_memcpy(s->ev.t.daddr, &a6.sin6_addr, 16);
		s->ev.t.dport = net_ntohs(a6.sin6_port);
		s->ev.t.flags = PW_NET_HAS_DADDR;
	}
	in.daddr = s->ev.t.daddr;
	in.has_daddr = !!(s->ev.t.flags & PW_NET_HAS_DADDR);
	in.PW_RIN_VAL(PORT) = s->ev.t.dport;
	return deny_decide(s, m, &in);
}

/* ret: what an earlier program on the hook decided; a refusal stands. */
#define DENY_HOOK(hook, lsm_hook, sec_fn, call, args...)		\
	SEC("lsm/" #lsm_hook)						\
	int BPF_PROG(hook##__lsm, ##args, int ret)			\
	{								\
		return ret ? ret : call;				\
	}								\
	SEC("fmod_ret/" #sec_fn)					\
	int BPF_PROG(hook##__fmod_ret, ##args, int ret)			\
	{								\
		return ret ? ret : call;				\
	}

DENY_HOOK(exec, bprm_check_security, security_bprm_check, deny_exec(bprm),
	  struct linux_binprm *bprm)
DENY_HOOK(open, file_open, security_file_open, deny_open(file), struct file *file)
DENY_HOOK(unlink, path_unlink, security_path_unlink, deny_unlink(dir, dentry),
	  const struct path *dir, struct dentry *dentry)
DENY_HOOK(connect, socket_connect, security_socket_connect, deny_connect(address, addrlen),
	  struct socket *sock, struct sockaddr *address, int addrlen)
