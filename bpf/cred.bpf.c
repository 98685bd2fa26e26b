/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * cred: every credential syscall (setuid, setgid, setreuid, setregid,
 * setresuid, setresgid, setfsuid, setfsgid, setgroups, capset), failed
 * ones included, with the task's credentials (current->cred) before and
 * after: one "cred" event per call, from the syscall enter/exit
 * tracepoints through the pairing header.
 *
 * The enter program keeps the credentials as they were in the pair's
 * words instead of the syscall's arguments (the event reports what the
 * call did to the credentials, read back from the kernel, not what was
 * asked): args[0..3] the eight ids two by two, args[4] cap_effective,
 * args[5] cap_permitted, aux the number of supplementary groups.
 *
 * Hook "commit", where the kernel lets a program attach to commit_creds()
 * (fentry, else kprobe: the 6.1 guest; neither on 6.18 here, where the
 * module loads without it, with a notice): the credentials an exec
 * installs, reported as syscall "execve" when they differ from the
 * caller's (a setuid or setgid binary, file capabilities). Only during an
 * exec (task->in_execve): the syscalls above are the tracepoints' (no
 * event twice), and the kernel's other callers (prctl, keyctl, user
 * namespaces) are not reported.
 */
#include "common.bpf.h"
/* commit__kprobe's frame with the scalar narrowing exceeds 512 bytes of
 * stack on 6.1 (4 calls, 544): cred rules are checked one by one, as before;
 * so it does with the mask operations as global functions (4 calls, 544):
 * inlined here */
#define PW_RULE_NO_SCALAR_INDEX 1
#define PW_RULE_INLINE_MASKS 1
#include "rules.bpf.h"

#define MOD PW_MOD_CRED
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"

static __always_inline const struct cred *current_cred(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, cred);
}

/* kernel_cap_t is a u64 since 6.3 and two u32s before: the same bits on a
 * little-endian machine (as capability.bpf.c reads it). */
static __always_inline __u64 read_caps(const kernel_cap_t *caps)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), caps);
	return v;
}

static __always_inline void read_ids(const struct cred *c, struct pw_cred_ids *ids)
{
	ids->uid = BPF_CORE_READ(c, uid.val);
	ids->euid = BPF_CORE_READ(c, euid.val);
	ids->suid = BPF_CORE_READ(c, suid.val);
	ids->fsuid = BPF_CORE_READ(c, fsuid.val);
	ids->gid = BPF_CORE_READ(c, gid.val);
	ids->egid = BPF_CORE_READ(c, egid.val);
	ids->sgid = BPF_CORE_READ(c, sgid.val);
	ids->fsgid = BPF_CORE_READ(c, fsgid.val);
}

/* The supplementary groups of c into ev: how many, and the first ones. */
static __always_inline void read_groups(struct pw_cred *ev, const struct cred *c)
{
	struct group_info *gi = BPF_CORE_READ(c, group_info);
	__u32 n;

	ev->new_ngroups = BPF_CORE_READ(gi, ngroups);
	n = ev->new_ngroups;
	if (n > PW_CRED_GROUPS_MAX)
		n = PW_CRED_GROUPS_MAX;
	if (n && bpf_probe_read_kernel(ev->groups, n * sizeof(ev->groups[0]), &gi->gid))
		__builtin_memset(ev->groups, 0, sizeof(ev->groups));
}

static __always_inline __u64 pack2(__u32 lo, __u32 hi)
{
	return (__u64)hi << 32 | lo;
}

/* At entry: the credentials before the call, into the pair's words. */
static __always_inline void cred_enter(struct trace_event_raw_sys_enter *ctx, struct pw_pair *p)
{
	const struct cred *c = current_cred();
	struct pw_cred_ids ids;

	read_ids(c, &ids);
	p->args[0] = pack2(ids.uid, ids.euid);
	p->args[1] = pack2(ids.suid, ids.fsuid);
	p->args[2] = pack2(ids.gid, ids.egid);
	p->args[3] = pack2(ids.sgid, ids.fsgid);
	p->args[4] = read_caps(&c->cap_effective);
	p->args[5] = read_caps(&c->cap_permitted);
	p->aux = BPF_CORE_READ(c, group_info, ngroups);
}

/* The rules, then the filters. --to-uid: the uid the call changed to (the
 * euid, else the real uid; 2^32, in no range, when neither changed).
 * --syscall: nr, the number of the syscall that made the change (the
 * exec's, execve or execveat, for hook commit): `--syscall '!execve,execveat'`
 * tells setuid()/setresuid()/capset() from a setuid exec. */
static __always_inline void cred_submit(struct pw_config *cfg, struct pw_cred *ev, bool rules_only,
					__u64 nr)
{
	struct pw_rule_in *in = pw_rule_in_for(PW_EV_CRED);

	if (in) {
		in->PW_RIN_VAL(TO_UID) = ev->new_ids.euid != ev->old_ids.euid ? ev->new_ids.euid :
					 ev->new_ids.uid != ev->old_ids.uid   ? ev->new_ids.uid :
										1ull << 32;
		in->PW_RIN_VAL(SYSCALL) = nr;
	}
	pw_rule_submit(cfg, ev, sizeof(*ev), MOD, in, rules_only);
}

/* The event is built here, off the stack: with pw_rule_eval()'s frame
 * (a global function's adds to its caller's) 384 bytes of stack were over
 * the 512 the verifier allows. */
PW_SCRATCH(cred_scratch, struct pw_cred)

static __always_inline int cred_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct pw_pair *p)
{
	const struct cred *c;
	struct pw_config *cfg;
	struct pw_cred *ev = cred_scratch_get();
	bool rules_only;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	if (!ev) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	__builtin_memset(ev, 0, sizeof(*ev));
	pw_fill_hdr(&ev->h, PW_EV_CRED, MOD, sizeof(*ev));
	ev->ret = ctx->ret;
	ev->syscall = p->op;
	ev->old_ngroups = p->aux;
	ev->old_ids.uid = (__u32)p->args[0];
	ev->old_ids.euid = p->args[0] >> 32;
	ev->old_ids.suid = (__u32)p->args[1];
	ev->old_ids.fsuid = p->args[1] >> 32;
	ev->old_ids.gid = (__u32)p->args[2];
	ev->old_ids.egid = p->args[2] >> 32;
	ev->old_ids.sgid = (__u32)p->args[3];
	ev->old_ids.fsgid = p->args[3] >> 32;
	ev->old_cap_effective = p->args[4];
	ev->old_cap_permitted = p->args[5];
	c = current_cred();
	read_ids(c, &ev->new_ids);
	ev->new_cap_effective = read_caps(&c->cap_effective);
	ev->new_cap_permitted = read_caps(&c->cap_permitted);
	read_groups(ev, c);
	cred_submit(cfg, ev, rules_only, ctx->id);
	return 0;
}

/* The exit handler, verified once: each syscall's exit program tail-calls
 * it (syscall_pair.bpf.h, PW_PAIR_EXIT_STAGE; pins cred/chain and
 * cred/prog_cred_exit_stage). */
PW_PAIR_EXIT_STAGE(cred_exit_stage, cred_exit)

/* No argument is kept (nargs 0): the enter handler fills the words. */
#define CRED_PAIR(syscall, op)							\
	PW_SYSCALL_PAIR_SHARED(syscall##_e__tp, syscall##_x__tp, syscall, 0, op,	\
			       cred_enter)

CRED_PAIR(setuid, PW_CRED_SYS_SETUID)
CRED_PAIR(setgid, PW_CRED_SYS_SETGID)
CRED_PAIR(setreuid, PW_CRED_SYS_SETREUID)
CRED_PAIR(setregid, PW_CRED_SYS_SETREGID)
CRED_PAIR(setresuid, PW_CRED_SYS_SETRESUID)
CRED_PAIR(setresgid, PW_CRED_SYS_SETRESGID)
CRED_PAIR(setfsuid, PW_CRED_SYS_SETFSUID)
CRED_PAIR(setfsgid, PW_CRED_SYS_SETFSGID)
CRED_PAIR(setgroups, PW_CRED_SYS_SETGROUPS)
CRED_PAIR(capset, PW_CRED_SYS_CAPSET)

static __always_inline bool ids_equal(const struct pw_cred_ids *a, const struct pw_cred_ids *b)
{
	return a->uid == b->uid && a->euid == b->euid && a->suid == b->suid &&
	       a->fsuid == b->fsuid && a->gid == b->gid && a->egid == b->egid &&
	       a->sgid == b->sgid && a->fsgid == b->fsgid;
}

/* The number of the syscall the current task is in (the exec's, for
 * on_commit), from its saved user registers. */
static __always_inline __u64 exec_syscall_nr(void)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());

	if (!regs)
		return 1ull << 32;
#if defined(__TARGET_ARCH_x86)
	return BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return BPF_CORE_READ(regs, syscallno);
#else
#error "cred module: unsupported architecture"
#endif
}

/* What an exec installs (new), against the caller's credentials. Only a
 * change is an event: counted from there. */
static __always_inline int on_commit(const struct cred *new)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	const struct cred *old;
	struct pw_config *cfg;
	struct pw_cred ev;
	bool rules_only;

	if (!BPF_CORE_READ_BITFIELD_PROBED(task, in_execve))
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	/* commit_creds() replaces real_cred (and cred): real_cred is the old one
	 * even while an override_creds() is in force */
	old = BPF_CORE_READ(task, real_cred);
	read_ids(old, &ev.old_ids);
	read_ids(new, &ev.new_ids);
	ev.old_cap_effective = read_caps(&old->cap_effective);
	ev.new_cap_effective = read_caps(&new->cap_effective);
	ev.old_cap_permitted = read_caps(&old->cap_permitted);
	ev.new_cap_permitted = read_caps(&new->cap_permitted);
	if (ids_equal(&ev.old_ids, &ev.new_ids) &&
	    ev.old_cap_effective == ev.new_cap_effective &&
	    ev.old_cap_permitted == ev.new_cap_permitted)
		return 0;
	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	pw_fill_hdr(&ev.h, PW_EV_CRED, MOD, sizeof(ev));
	ev.syscall = PW_CRED_SYS_EXECVE;
	ev.old_ngroups = BPF_CORE_READ(old, group_info, ngroups);
	read_groups(&ev, new);
	cred_submit(cfg, &ev, rules_only, exec_syscall_nr());
	return 0;
}

SEC("fentry/commit_creds")
int BPF_PROG(commit__fentry, struct cred *new)
{
	return on_commit(new);
}

SEC("kprobe/commit_creds")
int BPF_KPROBE(commit__kprobe, struct cred *new)
{
	return on_commit(new);
}
