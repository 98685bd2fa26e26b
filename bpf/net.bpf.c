/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * net: socket calls and TCP life cycle, from tracepoints only (what
 * libbpf-tools' bindsnoop, tcpconnect, tcpconnlat, tcplife, tcpstates and
 * tcprtt give, without kprobes).
 *
 *  - connect, accept/accept4, bind, listen: syscall tracepoints, enter and
 *    exit paired through `calls` (bpf/syscall_pair.bpf.h, keyed by
 *    pid_tgid). Addresses the caller passed are read from its sockaddr at
 *    exit (accept: bounded by the buffer size it passed, read at enter);
 *    the rest is read from the socket behind the fd (CO-RE through
 *    current->files->fdt->fd[fd]->private_data).
 *  - tcp_state: sock/inet_sock_set_state for TCP. `socks` (keyed by the sock
 *    pointer) keeps the birth, SYN_SENT and last-change times and the
 *    process that owns the socket, so latency, lifetime and the owner can
 *    be reported from softirq context; the entry goes at TCP_CLOSE. The
 *    connect latency (SYN_SENT to ESTABLISHED) also goes to
 *    connlat_raddr_us, and config.tcp_connlat_min_us filters the events
 *    of faster connects (tcpconnlat -m).
 *  - retransmit: tcp/tcp_retransmit_skb, counted in retrans_count and
 *    reported as an event.
 *  - tcp/tcp_probe (every incoming segment of an established socket):
 *    smoothed RTT into hist_srtt and srtt_raddr only, no event.
 */
#include "common.bpf.h"
#include "net_addr.bpf.h"

#define MOD PW_MOD_NET
#include "rules.bpf.h"
#define PW_PAIR_MODULE MOD
/* calls are tracked while the module is off too when a rule wants them */
#define PW_PAIR_WANTED(cfg, tgid) \
	(pw_module_on_for(cfg, MOD, tgid) || pw_rule_module_wanted(cfg, MOD, tgid))
#define PW_PAIR_MAP calls
#define PW_INFLIGHT_ENTRIES 4096	/* accept and connect block */
#include "syscall_pair.bpf.h"

#define SOCKS_MAX	2048	/* TCP sockets tracked (LRU: the oldest go first) */
#define LISTENERS_MAX	512	/* listening ports, all network namespaces (LRU) */
#define RADDR_MAX	256	/* remote addresses in srtt_raddr (LRU) */
#define PW_EAGAIN	11

/* Where the event of a connect, accept, bind or listen is built at exit. */
PW_SCRATCH(call_scratch, struct pw_sock_call)

/* ---- TCP socket tracking ------------------------------------------------ */

struct net_sock {
	struct pw_hdr owner;	/* identity of the owning process, if owned */
	__u64 birth_ns;		/* first state change out of CLOSE/LISTEN; 0 unknown */
	__u64 syn_ns;		/* entered SYN_SENT */
	__u64 state_ns;		/* entered its current state; 0 unknown */
	__u32 owned;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SOCKS_MAX);
	__type(key, __u64);	/* struct sock * */
	__type(value, struct net_sock);
} socks SEC(".maps");

/* Owner of each listening port, inherited by the connections it accepts
 * (their first state changes run in softirq, before accept()). */
struct net_listen_key {
	__u32 netns;		/* inode number of the network namespace */
	__u16 port;
	__u16 pad;
};

struct net_listener {
	__u64 sk;
	struct pw_hdr owner;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LISTENERS_MAX);
	__type(key, struct net_listen_key);
	__type(value, struct net_listener);
} listeners SEC(".maps");

/* ---- aggregations --------------------------------------------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} retrans_count SEC(".maps");

/* Smoothed RTT in microseconds, log2 slots: key 0, all TCP sockets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_hist);
} hist_srtt SEC(".maps");

/* The same, per remote address (16 bytes, IPv4 v4-mapped). */
struct net_raddr_key {
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RADDR_MAX);
	__type(key, struct net_raddr_key);
	__type(value, struct pw_hist);
} srtt_raddr SEC(".maps");

/* Connect latency (SYN_SENT to ESTABLISHED) in microseconds, log2 slots,
 * per remote address (tcpconnlat): every connect of a socket followed
 * from its SYN while the module is on, but the consumer's (the filters and
 * config.tcp_connlat_min_us apply to the events, not to this). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RADDR_MAX);
	__type(key, struct net_raddr_key);
	__type(value, struct pw_hist);
} connlat_raddr_us SEC(".maps");

static const struct pw_hist hist_zero;

/* Adds v to the histogram of the socket's remote address in map. */
static __always_inline void raddr_hist_add(void *map, const struct sock *sk, __u64 v)
{
	struct net_raddr_key rk;
	struct pw_hist *h;
	__u32 slot = pw_hist_slot(v) & (PW_HIST_SLOTS - 1);

	if (!net_sock_raddr(sk, rk.addr))
		return;
	h = bpf_map_lookup_elem(map, &rk);
	if (!h) {
		bpf_map_update_elem(map, &rk, &hist_zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(map, &rk);
		if (!h)
			return;
	}
	__sync_fetch_and_add(&h->slots[slot], 1);
}

/* ---- common ------------------------------------------------------------- */

/* Gives the event the identity of the socket's owner (the header keeps its
 * own time and CPU). */
static __always_inline void hdr_from_owner(struct pw_hdr *h, const struct pw_hdr *owner)
{
	h->pid = owner->pid;
	h->tid = owner->tid;
	h->ppid = owner->ppid;
	h->uid = owner->uid;
	h->gid = owner->gid;
	h->cgroup_id = owner->cgroup_id;
	h->exec_id = owner->exec_id;
	h->parent_exec_id = owner->parent_exec_id;
	__builtin_memcpy(h->comm, owner->comm, sizeof(h->comm));
	h->ns = owner->ns;
}

/* The task a socket's event belongs to: the socket's owner when known, else
 * the task on the CPU. */
static __always_inline __u32 sock_owner_tgid(const struct net_sock *st)
{
	return st && st->owned ? st->owner.pid : bpf_get_current_pid_tgid() >> 32;
}

/* The header of a socket's event, with the owner's identity when known. */
static __always_inline void sock_hdr(struct pw_hdr *h, __u8 *pid_source,
				     const struct net_sock *st, __u16 type, __u32 size)
{
	pw_fill_hdr(h, type, MOD, size);
	if (st && st->owned) {
		hdr_from_owner(h, &st->owner);
		*pid_source = PW_NET_PID_SOCKET;
	}
}

/* Filters (pid/uid/comm/cgroup on the header, cidr on the peer), then
 * submits: the outcome half of the counting contract. */
static __always_inline void finish(struct pw_config *cfg, void *ev, struct pw_hdr *h,
				   const struct pw_net_tuple *t, __u64 size)
{
	if (pw_filtered(cfg, h) || net_cidr_filtered(cfg, t))
		pw_count(MOD, PW_FILTERED);
	else
		pw_submit(cfg, ev, size, MOD);
}

/* ---- connect, accept, bind, listen -------------------------------------- */

/* Fills what the socket behind fd tells: local endpoint (when the call
 * did not name it), type, protocol, options. */
static __always_inline void call_sock(struct pw_sock_call *ev, const struct sock *sk)
{
	struct pw_net_tuple st = {};

	if (!sk)
		return;
	net_sock_tuple(sk, &st);
	if (!ev->t.family)
		ev->t.family = st.family;
	if (!(ev->t.flags & PW_NET_HAS_SADDR) && (st.flags & PW_NET_HAS_SADDR) && st.sport) {
		__builtin_memcpy(ev->t.saddr, st.saddr, sizeof(ev->t.saddr));
		ev->t.sport = st.sport;
		ev->t.flags |= PW_NET_HAS_SADDR;
	}
	/* bind to port 0: report the port the kernel chose */
	if (ev->h.type == PW_EV_BIND && !ev->ret && !ev->t.sport && st.family == ev->t.family)
		ev->t.sport = st.sport;
	if (!(ev->t.flags & PW_NET_HAS_DADDR) && (st.flags & PW_NET_HAS_DADDR) &&
	    ev->h.type == PW_EV_ACCEPT) {
		__builtin_memcpy(ev->t.daddr, st.daddr, sizeof(ev->t.daddr));
		ev->t.dport = st.dport;
		ev->t.flags |= PW_NET_HAS_DADDR;
	}
	if (st.family == PW_AF_UNIX && !ev->path_len && ev->h.type == PW_EV_LISTEN)
		net_unix_path(sk, ev);
	net_sock_info(sk, ev);
}

/* accept: the new socket now belongs to the caller (its first state
 * changes ran in softirq; see the listeners map). */
static __always_inline void sock_adopt(const struct sock *sk)
{
	__u64 key = (unsigned long)sk;
	struct net_sock *st = bpf_map_lookup_elem(&socks, &key);

	if (!st)
		return;
	pw_fill_hdr(&st->owner, 0, MOD, 0);
	st->owned = 1;
}

/* accept's enter: *addrlen, the size of the caller's address buffer (the
 * kernel writes the peer's true length back, which may exceed it). */
static __always_inline void accept_enter_fn(struct trace_event_raw_sys_enter *ctx,
					    struct pw_pair *p)
{
	int cap = 0;

	if (p->args[2] && !bpf_probe_read_user(&cap, sizeof(cap), (void *)p->args[2]))
		p->aux = cap;
}

/* accept's peer, from the sockaddr the kernel wrote back to the caller:
 * *addrlen now holds the peer's true length, cut to the buffer's size. */
static __always_inline void accept_peer(struct pw_sock_call *ev, const struct pw_pair *p)
{
	int len = 0;

	if (!p->args[1] || !p->args[2] ||
	    bpf_probe_read_user(&len, sizeof(len), (void *)p->args[2]))
		return;
	if (len > (int)p->aux)
		len = (int)p->aux;
	net_user_sockaddr(ev, (void *)p->args[1], len, true);
}

/* The exit of connect, accept, bind or listen (type: the event type, a
 * constant in each program). */
static __always_inline int call_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct pw_pair *p, __u16 type)
{
	__s64 ret = ctx->ret;
	struct pw_rule_in *in;
	struct pw_sock_call *ev;
	bool rules_only;
	struct pw_config *cfg;
	struct sock *sk;
	__u32 plen;

	/* accept on an empty non-blocking queue: nothing to report */
	if (type == PW_EV_ACCEPT && ret == -PW_EAGAIN)
		return 0;
	ev = call_scratch_get();
	if (!ev)
		return 0;
	__builtin_memset(ev, 0, sizeof(*ev));
	ev->h.type = type;
	ev->fd = p->args[0];
	ev->ret = ret;
	switch (type) {
	case PW_EV_CONNECT:	/* (fd, uservaddr, addrlen): the destination as given */
		net_user_sockaddr(ev, (void *)p->args[1], (int)p->args[2], true);
		break;
	case PW_EV_BIND:	/* (fd, umyaddr, addrlen) */
		net_user_sockaddr(ev, (void *)p->args[1], (int)p->args[2], false);
		break;
	case PW_EV_LISTEN:	/* (fd, backlog) */
		ev->backlog = p->args[1];
		break;
	case PW_EV_ACCEPT:	/* (fd, upeer_sockaddr, upeer_addrlen[, flags]) */
		if (ret >= 0)
			accept_peer(ev, p);
		break;
	}
	/* accept: the new socket, which now belongs to the caller */
	sk = net_fd_sock(type == PW_EV_ACCEPT && ret >= 0 ? ret : ev->fd);
	if (type == PW_EV_ACCEPT && ret >= 0 && sk)
		sock_adopt(sk);
	call_sock(ev, sk);

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	plen = ev->path_len;
	if (plen > PW_UNIX_PATH_MAX)
		plen = PW_UNIX_PATH_MAX;
	pw_fill_hdr(&ev->h, type, MOD, offsetof(struct pw_sock_call, path) + plen);
	/* rules first: an alert passes the filters */
	in = pw_rule_in_for(type);
	/* --port, --cidr: the remote end of connect and accept, the local
	 * one of bind and listen */
	if (in && (type == PW_EV_CONNECT || type == PW_EV_ACCEPT)) {
		in->daddr = ev->t.daddr;
		in->has_daddr = !!(ev->t.flags & PW_NET_HAS_DADDR);
		in->PW_RIN_VAL(PORT) = ev->t.dport;
		/* --path on connect: an AF_UNIX pathname as the caller gave
		 * it (not an abstract name, whose first byte is NUL) */
		if (type == PW_EV_CONNECT && ev->t.family == PW_AF_UNIX && ev->path_len &&
		    ev->path[0])
			in->path = ev->path;
	} else if (in) {
		in->daddr = ev->t.saddr;
		in->has_daddr = !!(ev->t.flags & PW_NET_HAS_SADDR);
		in->PW_RIN_VAL(PORT) = ev->t.sport;
	}
	if (pw_rule_done(cfg, ev, offsetof(struct pw_sock_call, path) + plen, MOD, in, rules_only))
		return 0;
	finish(cfg, ev, &ev->h, &ev->t, offsetof(struct pw_sock_call, path) + plen);
	return 0;
}

/* The exit handler of every call, verified once: each call's exit program
 * tail-calls it (syscall_pair.bpf.h, PW_PAIR_EXIT_STAGE; pins net/chain
 * and net/prog_net_exit_stage); the event type is the call's op. */
static __always_inline int net_call_exit(struct trace_event_raw_sys_exit *ctx,
					 const struct pw_pair *p)
{
	return call_exit(ctx, p, (__u16)p->op);
}
PW_PAIR_EXIT_STAGE(net_exit_stage, net_call_exit)

PW_SYSCALL_PAIR_SHARED(connect_enter, connect_exit, connect, 3, PW_EV_CONNECT,
		       pw_pair_no_enter)
PW_SYSCALL_PAIR_SHARED(accept_enter, accept_exit, accept, 3, PW_EV_ACCEPT,
		       accept_enter_fn)
PW_SYSCALL_PAIR_SHARED(accept4_enter, accept4_exit, accept4, 3, PW_EV_ACCEPT,
		       accept_enter_fn)
PW_SYSCALL_PAIR_SHARED(bind_enter, bind_exit, bind, 3, PW_EV_BIND,
		       pw_pair_no_enter)
PW_SYSCALL_PAIR_SHARED(listen_enter, listen_exit, listen, 2, PW_EV_LISTEN,
		       pw_pair_no_enter)

/* ---- TCP state changes ---------------------------------------------------- */

static __always_inline void listener_key(const struct sock *sk, struct net_listen_key *k)
{
	k->netns = BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	k->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	k->pad = 0;
}

static __always_inline struct net_sock *track(const struct sock *sk, int oldstate, int newstate,
						__u64 now, bool *fresh)
{
	__u64 key = (unsigned long)sk;
	struct net_sock *st = bpf_map_lookup_elem(&socks, &key);
	struct net_sock init = {};

	*fresh = false;
	if (st || newstate == PW_TCP_CLOSE)
		return st;
	/* a socket we meet mid-life has no known birth */
	if (oldstate == PW_TCP_CLOSE || oldstate == PW_TCP_LISTEN)
		init.birth_ns = now;
	bpf_map_update_elem(&socks, &key, &init, BPF_NOEXIST);
	*fresh = true;
	return bpf_map_lookup_elem(&socks, &key);
}

static __always_inline int on_state(const struct sock *sk, int oldstate, int newstate)
{
	__u64 now = bpf_ktime_get_ns(), key = (unsigned long)sk;
	struct net_listen_key lk;
	struct net_listener *l;
	struct pw_tcp_state ev = {};
	struct net_sock *st;
	struct pw_config *cfg;
	bool fresh;

	if (BPF_CORE_READ(sk, sk_protocol) != PW_IPPROTO_TCP)
		return 0;
	st = track(sk, oldstate, newstate, now, &fresh);
	if (st) {
		if (st->state_ns && !fresh)
			ev.old_state_ns = now - st->state_ns;
		if (oldstate == PW_TCP_SYN_SENT && newstate == PW_TCP_ESTABLISHED && st->syn_ns)
			ev.latency_ns = now - st->syn_ns;
		if (newstate == PW_TCP_SYN_SENT || newstate == PW_TCP_LISTEN) {
			/* connect() and listen() run in the owner's context */
			pw_fill_hdr(&st->owner, 0, MOD, 0);
			st->owned = 1;
			if (newstate == PW_TCP_SYN_SENT)
				st->syn_ns = now;
		}
		if (oldstate == PW_TCP_LISTEN && newstate == PW_TCP_SYN_RECV && !st->owned) {
			listener_key(sk, &lk);
			l = bpf_map_lookup_elem(&listeners, &lk);
			if (l) {
				st->owner = l->owner;
				st->owned = 1;
			}
		}
		st->state_ns = now;
	}
	if (newstate == PW_TCP_LISTEN || oldstate == PW_TCP_LISTEN) {
		listener_key(sk, &lk);
		if (lk.port && newstate == PW_TCP_LISTEN && st) {
			struct net_listener nl = { .sk = key, .owner = st->owner };

			bpf_map_update_elem(&listeners, &lk, &nl, BPF_ANY);
		} else if (lk.port && newstate == PW_TCP_CLOSE) {
			l = bpf_map_lookup_elem(&listeners, &lk);
			if (l && l->sk == key)
				bpf_map_delete_elem(&listeners, &lk);
		}
	}
	if (newstate == PW_TCP_CLOSE) {
		struct tcp_sock *tp = (struct tcp_sock *)sk;

		if (st && st->birth_ns)
			ev.duration_ns = now - st->birth_ns;
		ev.bytes_sent = BPF_CORE_READ(tp, bytes_acked);
		ev.bytes_received = BPF_CORE_READ(tp, bytes_received);
	}

	if (ev.latency_ns && pw_module_on_for(pw_config_get(), MOD, sock_owner_tgid(st)))
		raddr_hist_add(&connlat_raddr_us, sk, ev.latency_ns / 1000);

	cfg = pw_begin_owner(pw_config_get(), MOD, sock_owner_tgid(st), true);
	if (!cfg)
		goto out;
	/* tcpconnlat -m: a connect faster than the minimum is no event */
	if (ev.latency_ns && ev.latency_ns < (__u64)cfg->tcp_connlat_min_us * 1000) {
		pw_count(MOD, PW_FILTERED);
		goto out;
	}
	sock_hdr(&ev.h, &ev.pid_source, st, PW_EV_TCP_STATE, sizeof(ev));
	net_sock_tuple(sk, &ev.t);
	ev.old_state = oldstate;
	ev.new_state = newstate;
	finish(cfg, &ev, &ev.h, &ev.t, sizeof(ev));
out:
	if (newstate == PW_TCP_CLOSE)
		bpf_map_delete_elem(&socks, &key);
	return 0;
}

PW_TP_VARIANTS(state, inet_sock_set_state, on_state(sk, oldstate, newstate),
	       const struct sock *sk, int oldstate, int newstate)

/* ---- retransmissions ------------------------------------------------------ */

static __always_inline int on_retransmit(const struct sock *sk)
{
	__u64 key = (unsigned long)sk;
	struct pw_tcp_retransmit ev = {};
	struct net_sock *st;
	struct pw_config *cfg;
	__u32 zero = 0;
	__u64 *n;

	n = bpf_map_lookup_elem(&retrans_count, &zero);
	if (n)
		(*n)++;
	st = bpf_map_lookup_elem(&socks, &key);
	cfg = pw_begin_owner(pw_config_get(), MOD, sock_owner_tgid(st), true);
	if (!cfg)
		return 0;
	sock_hdr(&ev.h, &ev.pid_source, st, PW_EV_RETRANSMIT, sizeof(ev));
	net_sock_tuple(sk, &ev.t);
	ev.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	finish(cfg, &ev, &ev.h, &ev.t, sizeof(ev));
	return 0;
}

PW_TP_VARIANTS(retrans, tcp_retransmit_skb, on_retransmit(sk), const struct sock *sk)

/* ---- smoothed RTT (per incoming segment: histogram only) ----------------- */

static __always_inline int on_probe(const struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct pw_hist *h;
	__u32 zero = 0, slot, srtt;

	if (!pw_module_on(pw_config_get(), MOD))
		return 0;
	/* srtt_us holds 8 x the smoothed RTT in microseconds; tcp_probe's own
	 * srtt field is srtt_us >> 3 as well */
	srtt = BPF_CORE_READ(tp, srtt_us) >> 3;
	if (!srtt)
		return 0; /* no RTT sample yet */
	slot = pw_hist_slot(srtt) & (PW_HIST_SLOTS - 1);
	h = bpf_map_lookup_elem(&hist_srtt, &zero);
	if (h)
		h->slots[slot]++;
	raddr_hist_add(&srtt_raddr, sk, srtt);
	return 0;
}

PW_TP_VARIANTS(rtt, tcp_probe, on_probe(sk), const struct sock *sk)
