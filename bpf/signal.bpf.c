/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * signal: kill, tkill and tgkill with their result (killsnoop), and every
 * signal the kernel generates (signal/signal_generate), the faults
 * included: one "signal" event type, told apart by "source". The SIGCHLD
 * the kernel sends a parent is left out unless config.signal_chld (see
 * on_generate()).
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_SIGNAL
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"

#define PW_SI_USER	0
#define PW_SI_KERNEL	0x80

/* A signal event from source, sent by the current task: header and sender. */
static __always_inline void signal_fill(struct pw_signal *ev, __u32 source)
{
	__builtin_memset(ev, 0, sizeof(*ev));
	pw_fill_hdr(&ev->h, PW_EV_SIGNAL, MOD, sizeof(*ev));
	ev->source = source;
	ev->sender_pid = ev->h.pid;
}

/* signal_fill() after pw_rule_begin(): the config, or NULL (counted
 * filtered). */
static __always_inline struct pw_config *signal_begin(struct pw_signal *ev, __u32 source,
						      bool *rules_only)
{
	struct pw_config *cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, rules_only);

	if (cfg)
		signal_fill(ev, source);
	return cfg;
}

static __always_inline int signal_exit(struct trace_event_raw_sys_exit *ctx,
				       const struct pw_pair *p)
{
	struct pw_config *cfg;
	struct pw_signal ev;
	bool rules_only;

	cfg = signal_begin(&ev, p->op, &rules_only);
	if (!cfg)
		return 0;
	ev.ret = ctx->ret;
	switch (p->op) {
	case PW_SIG_SRC_KILL:		/* (pid, sig) */
		ev.target_pid = p->args[0];
		ev.sig = p->args[1];
		break;
	case PW_SIG_SRC_TKILL:		/* (tid, sig) */
		ev.target_pid = p->args[0];
		ev.target_tid = p->args[0];
		ev.sig = p->args[1];
		break;
	default:			/* tgkill (tgid, tid, sig) */
		ev.target_pid = p->args[0];
		ev.target_tid = p->args[1];
		ev.sig = p->args[2];
		break;
	}
	pw_rule_submit(cfg, &ev, sizeof(ev), MOD, pw_rule_in_for(PW_EV_SIGNAL), rules_only);
	return 0;
}

/* The exit handler, verified once: each syscall's exit program tail-calls
 * it (syscall_pair.bpf.h, PW_PAIR_EXIT_STAGE; pins signal/chain and
 * signal/prog_sig_exit_stage). */
PW_PAIR_EXIT_STAGE(sig_exit_stage, signal_exit)

#define SIGNAL_PAIR(syscall, nargs, op)						\
	PW_SYSCALL_PAIR_SHARED(syscall##_e__tp, syscall##_x__tp, syscall, nargs, op,	\
			       pw_pair_no_enter)
SIGNAL_PAIR(kill, 2, PW_SIG_SRC_KILL)
SIGNAL_PAIR(tkill, 2, PW_SIG_SRC_TKILL)
SIGNAL_PAIR(tgkill, 3, PW_SIG_SRC_TGKILL)

/*
 * The SIGCHLD the kernel sends a parent (do_notify_parent(),
 * do_notify_parent_cldstop(): si_code CLD_EXITED .. CLD_CONTINUED): one a
 * process that ends, which its exit event already says. Counted filtered
 * unless config.signal_chld; the rules still see it. A SIGCHLD sent with
 * kill() (SI_USER) is reported as any signal.
 */
#define PW_SIGCHLD		17
#define PW_CLD_EXITED		1
#define PW_CLD_CONTINUED	6

static __always_inline int on_generate(int sig, struct kernel_siginfo *info,
				       struct task_struct *task, int group, int result)
{
	struct pw_rule_in *in;
	struct pw_config *cfg;
	struct pw_signal ev;
	bool rules_only, quiet;
	int code;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	/* as the tracepoint itself: SEND_SIG_NOINFO (0), SEND_SIG_PRIV (1) */
	if ((unsigned long)info == 0)
		code = PW_SI_USER;
	else if ((unsigned long)info == 1)
		code = PW_SI_KERNEL;
	else
		code = BPF_CORE_READ(info, si_code);
	quiet = sig == PW_SIGCHLD && code >= PW_CLD_EXITED && code <= PW_CLD_CONTINUED &&
		!cfg->signal_chld;
	in = pw_rule_in_for(PW_EV_SIGNAL);
	if (quiet && !in) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	signal_fill(&ev, PW_SIG_SRC_GENERATE);
	ev.sig = sig;
	ev.code = code;
	ev.target_pid = BPF_CORE_READ(task, tgid);
	ev.target_tid = BPF_CORE_READ(task, pid);
	BPF_CORE_READ_STR_INTO(&ev.target_comm, task, comm);
	ev.result = result;
	ev.group = group != 0;
	if (pw_rule_done(cfg, &ev, sizeof(ev), MOD, in, rules_only))
		return 0;
	if (quiet)
		pw_count(MOD, PW_FILTERED);
	else
		pw_filter_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

PW_TP_VARIANTS(generate, signal_generate, on_generate(sig, info, task, group, result),
	       int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	       int result)
