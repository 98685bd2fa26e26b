/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * uprobe: user-space functions as events. Not a resident module: every
 * `pinwatch uprobe add NAME ...` loads this object once more, keeps the
 * programs of one preset, attaches them to one function of one file and
 * pins them under uprobe/NAME/ (see pinwatch-load uprobe-add). Each probe
 * has its own private maps; all share the module id (uprobe, 10), the
 * stats row, the filters and the ring.
 *
 * Hooks: "entry" (uprobe) and "ret" (uretprobe); the variant is the
 * preset: entry__generic/ret__generic (raw arguments, return value and
 * latency), entry__connect/ret__connect (libc connect), ret__readline
 * (bash readline, bashreadline), entry__getaddr/ret__getaddr (libc
 * getaddrinfo, gethostlatency).
 *
 * Counting, as for syscall pairs: a call is one kernel event, counted at
 * its return when the probe has one (at entry otherwise). A call that
 * enters while the sensor, the module or the caller is switched off is
 * counted (seen, filtered) at once and not tracked; a full inflight table
 * counts it (seen, dropped). hist_latency_ns gets every tracked call,
 * filtered or not.
 */
#include "common.bpf.h"
#include "net_addr.bpf.h"

#define MOD PW_MOD_UPROBE

/* libbpf 1.1 stops at PT_REGS_PARM5 */
#if defined(__TARGET_ARCH_x86)
#define UP_PARM6(x) (((struct pt_regs *)(x))->r9)
#elif defined(__TARGET_ARCH_arm64)
#define UP_PARM6(x) (((struct user_pt_regs *)(x))->regs[5])
#else
#define UP_PARM6(x) 0
#endif
#define INFLIGHT_MAX 10240

/* Set by the loader for each probe. */
const volatile char pw_probe_name[PW_UPROBE_NAME_LEN] = {};
const volatile __u32 pw_probe_tgid = 0;		/* 0: every process */
const volatile __u32 pw_probe_ret = 0;		/* generic: a uretprobe too */

struct up_call {
	__u64 ts;
	__u64 args[PW_UPROBE_NARGS];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, INFLIGHT_MAX);
	__type(key, __u64);	/* pid_tgid */
	__type(value, struct up_call);
} inflight SEC(".maps");

/* Entry to return, every tracked call, in nanoseconds. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_hist);
} hist_latency_ns SEC(".maps");

/* Calls that reached the probe (for `uprobe list`), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

/* What the probe is: written by the loader, then frozen. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_uprobe_info);
} info SEC(".maps");

union up_record {
	struct pw_uprobe generic;
	struct pw_uprobe_connect connect;
	struct pw_uprobe_readline readline;
	struct pw_uprobe_getaddrinfo getaddrinfo;
};

PW_SCRATCH(scratch, union up_record)

/* False when the call is not this probe's (another process than --pid). */
static __always_inline bool up_hit(__u32 tgid)
{
	__u32 zero = 0;
	__u64 *n;

	if (pw_probe_tgid && tgid != pw_probe_tgid)
		return false;
	n = bpf_map_lookup_elem(&hits, &zero);
	if (n)
		(*n)++;
	return true;
}

static __always_inline void up_name(char out[PW_UPROBE_NAME_LEN])
{
	/* a const volatile array: copied byte by byte (the verifier sees the
	 * .rodata reads) */
	for (int i = 0; i < PW_UPROBE_NAME_LEN; i++)
		out[i] = pw_probe_name[i];
	out[PW_UPROBE_NAME_LEN - 1] = '\0';
}

/* Entry of a call whose event is built at return: parks the arguments. */
static __always_inline int up_enter(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct up_call c;

	if (!up_hit(tgid))
		return 0;
	if (!pw_module_on_for(pw_config_get(), MOD, tgid)) {
		pw_count_event(MOD, PW_FILTERED);
		return 0;
	}
	c.ts = bpf_ktime_get_ns();
	c.args[0] = PT_REGS_PARM1(ctx);
	c.args[1] = PT_REGS_PARM2(ctx);
	c.args[2] = PT_REGS_PARM3(ctx);
	c.args[3] = PT_REGS_PARM4(ctx);
	c.args[4] = PT_REGS_PARM5(ctx);
	c.args[5] = UP_PARM6(ctx);
	if (bpf_map_update_elem(&inflight, &id, &c, BPF_ANY))
		pw_count_event(MOD, PW_DROPPED);
	return 0;
}

/* Return of a tracked call: takes its entry back and records the latency.
 * False when the entry was not tracked (counted then, or before load). */
static __always_inline bool up_return(struct up_call *c, __u64 *latency)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct up_call *saved = bpf_map_lookup_elem(&inflight, &id);
	struct pw_hist *h;
	__u32 zero = 0, slot;

	if (!saved)
		return false;
	*c = *saved;
	bpf_map_delete_elem(&inflight, &id);
	*latency = bpf_ktime_get_ns() - c->ts;
	h = bpf_map_lookup_elem(&hist_latency_ns, &zero);
	slot = pw_hist_slot(*latency);
	if (h && slot < PW_HIST_SLOTS)
		h->slots[slot]++;
	return true;
}

/* The record of an event of type for the call of task tgid: zeroed (size
 * bytes), its header filled (every record starts with one), with *cfg.
 * NULL when there is none to build (switched off, the consumer: counted
 * filtered; no scratch: counted dropped). */
static __always_inline void *up_begin(__u32 tgid, struct pw_config **cfg, __u16 type, __u32 size)
{
	union up_record *r;

	*cfg = pw_begin(MOD, tgid);
	if (!*cfg)
		return NULL;
	r = scratch_get();
	if (!r) {
		pw_count(MOD, PW_DROPPED);
		return NULL;
	}
	__builtin_memset(r, 0, size);
	pw_fill_hdr((struct pw_hdr *)r, type, MOD, size);
	return r;
}

/* ---- generic ------------------------------------------------------------ */

SEC("uprobe")
int entry__generic(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pw_uprobe *ev;
	struct pw_config *cfg;

	if (pw_probe_ret)
		return up_enter(ctx);
	if (!up_hit(tgid))
		return 0;
	ev = up_begin(tgid, &cfg, PW_EV_UPROBE, sizeof(*ev));
	if (!ev)
		return 0;
	up_name(ev->probe);
	ev->args[0] = PT_REGS_PARM1(ctx);
	ev->args[1] = PT_REGS_PARM2(ctx);
	ev->args[2] = PT_REGS_PARM3(ctx);
	ev->args[3] = PT_REGS_PARM4(ctx);
	ev->args[4] = PT_REGS_PARM5(ctx);
	ev->args[5] = UP_PARM6(ctx);
	pw_filter_submit(cfg, ev, sizeof(*ev), MOD);
	return 0;
}

SEC("uretprobe")
int ret__generic(struct pt_regs *ctx)
{
	struct pw_uprobe *ev;
	struct pw_config *cfg;
	struct up_call c;
	__u64 lat;

	if (!up_return(&c, &lat))
		return 0;
	ev = up_begin(bpf_get_current_pid_tgid() >> 32, &cfg, PW_EV_UPROBE, sizeof(*ev));
	if (!ev)
		return 0;
	up_name(ev->probe);
	__builtin_memcpy(ev->args, c.args, sizeof(ev->args));
	ev->ret = PT_REGS_RC(ctx);
	ev->latency_ns = lat;
	ev->flags = PW_UPROBE_F_RET;
	pw_filter_submit(cfg, ev, sizeof(*ev), MOD);
	return 0;
}

/* ---- connect: int connect(int fd, const struct sockaddr *addr, socklen_t len) */

SEC("uprobe")
int entry__connect(struct pt_regs *ctx)
{
	return up_enter(ctx);
}

SEC("uretprobe")
int ret__connect(struct pt_regs *ctx)
{
	struct pw_net_tuple st = {};
	struct pw_uprobe_connect *ev;
	struct pw_config *cfg;
	struct sock *sk;
	struct up_call c;
	__u64 lat;

	if (!up_return(&c, &lat))
		return 0;
	ev = up_begin(bpf_get_current_pid_tgid() >> 32, &cfg, PW_EV_UPROBE_CONNECT, sizeof(*ev));
	if (!ev)
		return 0;
	up_name(ev->probe);
	ev->latency_ns = lat;
	ev->call.fd = (__s32)c.args[0];
	ev->call.ret = (int)PT_REGS_RC(ctx);
	/* the caller's sockaddr is still there: it is read at return, when
	 * connect() has faulted it in */
	net_user_sockaddr(&ev->call, (const void *)c.args[1], (__u32)c.args[2], true);
	sk = net_fd_sock(ev->call.fd);
	if (sk) {
		net_sock_tuple(sk, &st);
		if (!ev->call.t.family)
			ev->call.t.family = st.family;
		if ((st.flags & PW_NET_HAS_SADDR) && st.sport && st.family == ev->call.t.family) {
			__builtin_memcpy(ev->call.t.saddr, st.saddr, sizeof(st.saddr));
			ev->call.t.sport = st.sport;
			ev->call.t.flags |= PW_NET_HAS_SADDR;
		}
		net_sock_info(sk, &ev->call);
	}
	if (net_cidr_filtered(cfg, &ev->call.t)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_filter_submit(cfg, ev, sizeof(*ev), MOD);
	return 0;
}

/* ---- readline: char *readline(const char *prompt) -------------------- */

SEC("uretprobe")
int ret__readline(struct pt_regs *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	const char *line = (const char *)PT_REGS_RC(ctx);
	struct pw_uprobe_readline *ev;
	struct pw_config *cfg;

	if (!up_hit(tgid))
		return 0;
	ev = up_begin(tgid, &cfg, PW_EV_UPROBE_READLINE, sizeof(*ev));
	if (!ev)
		return 0;
	up_name(ev->probe);
	/* NULL at end of input (Ctrl-D): an empty line */
	if (line)
		bpf_probe_read_user_str(ev->line, sizeof(ev->line), line);
	pw_filter_submit(cfg, ev, sizeof(*ev), MOD);
	return 0;
}

/* ---- getaddrinfo(const char *node, const char *service, hints, res) ---- */

SEC("uprobe")
int entry__getaddr(struct pt_regs *ctx)
{
	return up_enter(ctx);
}

SEC("uretprobe")
int ret__getaddr(struct pt_regs *ctx)
{
	struct pw_uprobe_getaddrinfo *ev;
	struct pw_config *cfg;
	struct up_call c;
	__u64 lat;

	if (!up_return(&c, &lat))
		return 0;
	ev = up_begin(bpf_get_current_pid_tgid() >> 32, &cfg, PW_EV_UPROBE_GETADDRINFO,
		      sizeof(*ev));
	if (!ev)
		return 0;
	up_name(ev->probe);
	ev->ret = (int)PT_REGS_RC(ctx);
	ev->latency_ns = lat;
	if (c.args[0])
		bpf_probe_read_user_str(ev->host, sizeof(ev->host), (const void *)c.args[0]);
	if (c.args[1])
		bpf_probe_read_user_str(ev->service, sizeof(ev->service), (const void *)c.args[1]);
	pw_filter_submit(cfg, ev, sizeof(*ev), MOD);
	return 0;
}
