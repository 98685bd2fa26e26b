/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * net_addr.bpf.h: address plumbing for the net module, written once:
 * sockaddr decoding (from user memory, at syscall enter/exit), endpoint
 * reading from a struct sock (CO-RE), fd -> socket resolution through the
 * current task's file table, and the CIDR filter. Every address ends up in
 * the one format of struct pw_net_tuple: 16 bytes, IPv4 v4-mapped.
 */
#ifndef PINWATCH_NET_ADDR_BPF_H
#define PINWATCH_NET_ADDR_BPF_H

#include "common.bpf.h"

/* UAPI values vmlinux.h does not carry (macros); AF_* and TCP states are
 * in pinwatch.h. */
#define PW_S_IFMT	00170000
#define PW_S_IFSOCK	0140000
#define PW_IPPROTO_TCP	6

/* Kernels before 6.5 keep these inet_sock options in bitfields, later ones
 * in the inet_flags word (bit numbers of enum INET_FLAGS_*, stable since). */
struct inet_sock___bits {
	__u8 freebind: 1;
	__u8 transparent: 1;
	__u8 bind_address_no_port: 1;
} __attribute__((preserve_access_index));

struct inet_sock___flags {
	unsigned long inet_flags;
} __attribute__((preserve_access_index));

#define PW_INET_FLAGS_FREEBIND			11
#define PW_INET_FLAGS_TRANSPARENT		15
#define PW_INET_FLAGS_BIND_ADDRESS_NO_PORT	18

static __always_inline void net_v4_mapped(__u8 out[16], __u32 be_addr)
{
	__builtin_memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &be_addr, 4);
}

static __always_inline __u16 net_ntohs(__u16 v)
{
	return __builtin_bswap16(v);
}

/*
 * Decodes a sockaddr of len bytes at uaddr in user memory into one side of
 * ev (remote: daddr/dport, else saddr/sport) or, for AF_UNIX, into
 * ev->path. Sets the family when ev has none yet. A sockaddr that cannot
 * be read leaves that side unknown.
 */
static __always_inline void net_user_sockaddr(struct pw_sock_call *ev, const void *uaddr,
					      __s64 len, bool remote)
{
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} sa;
	__u16 family;
	__s64 n;

	if (!uaddr || len < (__s64)sizeof(family) ||
	    bpf_probe_read_user(&family, sizeof(family), uaddr))
		return;
	if (!ev->t.family)
		ev->t.family = family;
	if (family == PW_AF_INET && len >= (__s64)sizeof(sa.in)) {
		if (bpf_probe_read_user(&sa.in, sizeof(sa.in), uaddr))
			return;
		if (remote) {
			net_v4_mapped(ev->t.daddr, sa.in.sin_addr.s_addr);
			ev->t.dport = net_ntohs(sa.in.sin_port);
		} else {
			net_v4_mapped(ev->t.saddr, sa.in.sin_addr.s_addr);
			ev->t.sport = net_ntohs(sa.in.sin_port);
		}
	} else if (family == PW_AF_INET6 && len >= (__s64)sizeof(sa.in6)) {
		if (bpf_probe_read_user(&sa.in6, sizeof(sa.in6), uaddr))
			return;
		if (remote) {
			__builtin_memcpy(ev->t.daddr, &sa.in6.sin6_addr, 16);
			ev->t.dport = net_ntohs(sa.in6.sin6_port);
		} else {
			__builtin_memcpy(ev->t.saddr, &sa.in6.sin6_addr, 16);
			ev->t.sport = net_ntohs(sa.in6.sin6_port);
		}
	} else if (family == PW_AF_UNIX) {
		/* sun_path as given: a pathname (the decoder stops at its NUL)
		 * or an abstract name (first byte NUL, exactly n bytes) */
		n = len - (__s64)sizeof(family);
		if (n <= 0)
			return; /* unnamed (autobind) */
		if (n > PW_UNIX_PATH_MAX)
			n = PW_UNIX_PATH_MAX;
		n &= 0x7f;
		if (n > PW_UNIX_PATH_MAX ||
		    bpf_probe_read_user(ev->path, n, (const char *)uaddr + sizeof(family)))
			return;
		ev->path_len = n;
	} else {
		return;
	}
	if (family == PW_AF_INET || family == PW_AF_INET6)
		ev->t.flags |= remote ? PW_NET_HAS_DADDR : PW_NET_HAS_SADDR;
}

/*
 * Reads the endpoints of a socket into t: family, local address and port,
 * and the peer's when it has one (dport != 0). For AF_INET/AF_INET6 only;
 * other families get just the family.
 */
static __always_inline void net_sock_tuple(const struct sock *sk, struct pw_net_tuple *t)
{
	__u32 a4;

	t->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* inet_sport outlives the bind bucket (at TCP_CLOSE the tracepoint
	 * runs after inet_put_port() cleared skc_num); before connect() hashes
	 * the socket only skc_num may be set */
	t->sport = net_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
	if (!t->sport)
		t->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	t->dport = net_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (t->family == PW_AF_INET) {
		a4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		net_v4_mapped(t->saddr, a4);
		a4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		net_v4_mapped(t->daddr, a4);
	} else if (t->family == PW_AF_INET6) {
		BPF_CORE_READ_INTO(&t->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&t->daddr, sk, __sk_common.skc_v6_daddr);
	} else {
		return;
	}
	t->flags |= PW_NET_HAS_SADDR;
	if (t->dport)
		t->flags |= PW_NET_HAS_DADDR;
}

/* The remote address only (the srtt histogram, per ACK: keep it short). */
static __always_inline bool net_sock_raddr(const struct sock *sk, __u8 out[16])
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	if (family == PW_AF_INET) {
		net_v4_mapped(out, BPF_CORE_READ(sk, __sk_common.skc_daddr));
		return true;
	}
	if (family == PW_AF_INET6) {
		BPF_CORE_READ_INTO((struct in6_addr *)out, sk, __sk_common.skc_v6_daddr);
		return true;
	}
	return false;
}

/* The bound name of an AF_UNIX socket, into ev->path. */
static __always_inline void net_unix_path(const struct sock *sk, struct pw_sock_call *ev)
{
	struct unix_address *a = BPF_CORE_READ((struct unix_sock *)sk, addr);
	int n;

	if (!a)
		return; /* not bound */
	n = BPF_CORE_READ(a, len) - (int)sizeof(__u16);
	if (n <= 0)
		return;
	if (n > PW_UNIX_PATH_MAX)
		n = PW_UNIX_PATH_MAX;
	n &= 0x7f;
	if (n > PW_UNIX_PATH_MAX)
		return;
	/* sun_path sits right after the 2-byte sun_family */
	if (bpf_probe_read_kernel(ev->path, n, (void *)a + bpf_core_field_offset(struct unix_address, name) +
				  sizeof(__u16)))
		return;
	ev->path_len = n;
}

/* The socket options bindsnoop reports, as PW_SOCK_OPT_* bits. */
static __always_inline __u32 net_sock_opts(const struct sock *sk)
{
	__u32 opts = 0;

	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuse))
		opts |= PW_SOCK_OPT_REUSEADDR;
	if (BPF_CORE_READ_BITFIELD_PROBED(sk, __sk_common.skc_reuseport))
		opts |= PW_SOCK_OPT_REUSEPORT;
	if (bpf_core_field_exists(struct inet_sock___flags, inet_flags)) {
		unsigned long f = BPF_CORE_READ((struct inet_sock___flags *)sk, inet_flags);

		if (f & (1UL << PW_INET_FLAGS_FREEBIND))
			opts |= PW_SOCK_OPT_FREEBIND;
		if (f & (1UL << PW_INET_FLAGS_TRANSPARENT))
			opts |= PW_SOCK_OPT_TRANSPARENT;
		if (f & (1UL << PW_INET_FLAGS_BIND_ADDRESS_NO_PORT))
			opts |= PW_SOCK_OPT_BIND_ADDR_NO_PORT;
	} else if (bpf_core_field_exists(struct inet_sock___bits, freebind)) {
		struct inet_sock___bits *in = (void *)sk;

		if (BPF_CORE_READ_BITFIELD_PROBED(in, freebind))
			opts |= PW_SOCK_OPT_FREEBIND;
		if (BPF_CORE_READ_BITFIELD_PROBED(in, transparent))
			opts |= PW_SOCK_OPT_TRANSPARENT;
		if (BPF_CORE_READ_BITFIELD_PROBED(in, bind_address_no_port))
			opts |= PW_SOCK_OPT_BIND_ADDR_NO_PORT;
	}
	return opts;
}

/* The struct socket behind fd in the current task, or NULL when fd is not
 * an open socket: current->files->fdt->fd[fd]->private_data. */
static __always_inline struct socket *net_fd_socket(__s64 fd)
{
	struct file *file = pw_fd_file(fd);

	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & PW_S_IFMT) != PW_S_IFSOCK)
		return NULL;
	return BPF_CORE_READ(file, private_data);
}

static __always_inline struct sock *net_fd_sock(__s64 fd)
{
	struct socket *sock = net_fd_socket(fd);

	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* Socket type and protocol, and for bind/listen its options and device. */
static __always_inline void net_sock_info(const struct sock *sk, struct pw_sock_call *ev)
{
	ev->sock_type = BPF_CORE_READ(sk, sk_type);
	ev->protocol = BPF_CORE_READ(sk, sk_protocol);
	ev->bound_if = BPF_CORE_READ(sk, __sk_common.skc_bound_dev_if);
	if (ev->t.family == PW_AF_INET || ev->t.family == PW_AF_INET6)
		ev->opts = net_sock_opts(sk);
}

/*
 * The cidr filter (kind 5) on the remote address. Events without an IP
 * peer (AF_UNIX, listeners, bind) are never subject to it.
 */
static __always_inline bool net_cidr_filtered(struct pw_config *cfg, const struct pw_net_tuple *t)
{
	struct pw_cidr_key key;

	if (!(cfg->filter_kinds & (1u << PW_FILTER_CIDR)))
		return false;
	if (!(t->flags & PW_NET_HAS_DADDR) ||
	    (t->family != PW_AF_INET && t->family != PW_AF_INET6))
		return false;
	key.prefixlen = 128;
	__builtin_memcpy(key.addr, t->daddr, sizeof(key.addr));
	return pw_filter_kind(cfg, PW_FILTER_CIDR, &filter_cidr, &key);
}

#endif /* PINWATCH_NET_ADDR_BPF_H */
