/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * capability: capability checks (libbpf-tools capable): which capability,
 * granted or denied, by whom.
 *
 * Hooks, for one hook "capable":
 *   capable__tp_btf  the capability/cap_capable tracepoint (6.x kernels that
 *                    have it, e.g. 6.18): the result is an argument; the
 *                    check's opts (audit or not) are not.
 *   capable__kprobe  kprobe on cap_capable(), for kernels without that
 *                    tracepoint (6.1): opts are an argument, the result is
 *                    not, so it is computed the way cap_capable() computes it
 *                    (the walk up the user namespaces). The loader uses it
 *                    only where kprobes exist.
 * Both report what commoncap decides; another LSM may still refuse a check
 * that commoncap grants.
 *
 * Volume: cap_capable is very hot (many checks per syscall for root
 * processes). The program counts the check as seen, then leaves as early
 * as it can: denials-only mode (config.capable_denials_only) drops granted
 * checks right after the config lookup, and a granted check identical to
 * the previous one on this CPU (same thread, capability and namespace)
 * within a second is dropped as a repeat. Both count as filtered. Denials
 * are never deduplicated.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_CAPABILITY
#define REPEAT_NS 1000000000ULL
#define MAX_USERNS_LEVEL 33	/* user namespaces nest at most 32 deep */
#define EPERM_ 1

/* The last granted check reported on this CPU. */
struct last_check {
	__u64 ts;
	__u64 ns;
	__u32 tid;
	__s32 cap;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_check);
} last SEC(".maps");

static __always_inline bool repeated(__u32 tid, int cap, const void *ns)
{
	__u32 zero = 0;
	struct last_check *l = bpf_map_lookup_elem(&last, &zero);
	__u64 now = bpf_ktime_get_ns();

	if (!l)
		return false;
	if (l->tid == tid && l->cap == cap && l->ns == (__u64)ns && now - l->ts < REPEAT_NS)
		return true;
	l->ts = now;
	l->ns = (__u64)ns;
	l->tid = tid;
	l->cap = cap;
	return false;
}

static __always_inline int on_capable(struct user_namespace *target_ns, int cap, int ret,
				      __u32 opts, bool opts_known)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pw_rule_in *in;
	struct pw_config *cfg;
	struct pw_capable ev;
	bool rules_only, quiet;

	cfg = pw_rule_begin(MOD, pid_tgid >> 32, &rules_only);
	if (!cfg)
		return 0;
	/* the rules see a granted check the noise filters drop (denials
	 * only, a repeat) */
	in = pw_rule_in_for(PW_EV_CAPABLE);
	quiet = !ret && (cfg->capable_denials_only || repeated((__u32)pid_tgid, cap, target_ns));
	if (!in && (rules_only || quiet)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_fill_hdr(&ev.h, PW_EV_CAPABLE, MOD, sizeof(ev));
	if (!in && pw_filtered(cfg, &ev.h)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	ev.cap = cap;
	ev.ret = ret;
	ev.opts = opts;
	ev.opts_known = opts_known;
	ev.target_userns = BPF_CORE_READ(target_ns, ns.inum);
	ev.pad = 0;
	if (in)
		in->PW_RIN_BITS(CAP) = cap >= 0 && cap < 64 ? 1ull << cap : 0;
	if (pw_rule_done(cfg, &ev, sizeof(ev), MOD, in, rules_only))
		return 0;
	if (quiet || pw_filtered(cfg, &ev.h))
		pw_count(MOD, PW_FILTERED);
	else
		pw_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(capable__tp_btf, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return on_capable(target_ns, cap, ret, 0, false);
}

/*
 * cap_capable()'s answer (security/commoncap.c, unchanged from 4.x to 6.1):
 * walk from the target namespace up to the credential's one; in it, the
 * effective set decides; in a child namespace owned by the credential's
 * euid, everything is granted.
 */
static __always_inline int commoncap_result(const struct cred *cred, struct user_namespace *ns,
					    int cap)
{
	struct user_namespace *cred_ns = BPF_CORE_READ(cred, user_ns);
	int cred_level = BPF_CORE_READ(cred_ns, level);
	__u32 euid = BPF_CORE_READ(cred, euid.val);
	__u64 effective = 0;

	/* kernel_cap_t is a u64 since 6.3 and two u32s before: the same bits
	 * on a little-endian machine */
	bpf_probe_read_kernel(&effective, sizeof(effective), &cred->cap_effective);
	for (int i = 0; i < MAX_USERNS_LEVEL; i++) {
		struct user_namespace *parent;

		if (ns == cred_ns)
			return cap >= 0 && cap < 64 && (effective >> cap & 1) ? 0 : -EPERM_;
		if (BPF_CORE_READ(ns, level) <= cred_level)
			return -EPERM_;
		parent = BPF_CORE_READ(ns, parent);
		if (parent == cred_ns && BPF_CORE_READ(ns, owner.val) == euid)
			return 0;
		ns = parent;
		if (!ns)
			break;
	}
	return -EPERM_;
}

SEC("kprobe/cap_capable")
int BPF_KPROBE(capable__kprobe, const struct cred *cred, struct user_namespace *target_ns,
	       int cap, unsigned int opts)
{
	return on_capable(target_ns, cap, commoncap_result(cred, target_ns, cap), opts, true);
}
