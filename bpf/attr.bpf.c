/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * attr: changes to a file's attributes, the acts that plant a setuid
 * binary, hand a file to another owner, give it file capabilities or
 * backdate it: chmod ("chmod": chmod, fchmod, fchmodat, fchmodat2), chown
 * ("chown": chown, fchown, lchown, fchownat), extended attributes ("xattr":
 * setxattr, lsetxattr, fsetxattr, removexattr, lremovexattr, fremovexattr,
 * setxattrat, removexattrat) and times ("utimes": utime, utimes,
 * futimesat, utimensat), from the syscall enter/exit tracepoints. A
 * syscall the kernel lacks (fchmodat2 before 6.6, *xattrat before 6.13) is
 * skipped by the loader. Path events go through the path-prefix filter.
 *
 * The strings, the xattr value and the times are read at entry, the values
 * the kernel is about to act on, into the call's record kept in
 * attr_calls until the exit; what that read missed (a page not faulted in
 * yet: the read of BPF cannot fault) is read again at exit, when the
 * kernel has brought the pages in.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_ATTR
#define PW_PAIR_MODULE MOD
/* chmod, chown, setxattr and utimes block on FUSE or NFS: threads parked
 * in them must not fill the table that setuid-set and file-cap-set see
 * through (a full table drops the call at enter, counted) */
#define PW_INFLIGHT_ENTRIES 4096
#include "syscall_pair.bpf.h"
#include "path_filter.bpf.h"

#define AT_FDCWD_	-100
#define AT_EMPTY_PATH_	0x1000

/* pw_attr.unread: what is still to be read */
#define P_PATH		PW_ATTR_UNREAD_PATH
#define P_NAME		PW_ATTR_UNREAD_NAME
#define P_VALUE		PW_ATTR_UNREAD_VALUE
#define P_TIMES		PW_ATTR_UNREAD_TIMES
#define P_ALL		(P_PATH | P_NAME | P_VALUE | P_TIMES)

/* How the times argument is laid out (struct utimbuf, old timeval[2],
 * __kernel_timespec[2]). */
enum { T_NONE, T_UTIMBUF, T_TIMEVAL, T_TIMESPEC };

/* The user memory a call names, from its raw arguments. */
struct attr_src {
	__u64 path;
	__u64 name;
	__u64 value;
	__u64 times;
	__u32 times_kind;
	__u32 has_path;
};

/* Calls between their entry and exit, keyed by pid_tgid. LRU: an entry
 * whose exit never came (the enter parked it but the pairing table was
 * full) ages out. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 128);	/* threads inside an xattr call at once */
	__type(key, __u64);
	__type(value, struct pw_attr);
} attr_calls SEC(".maps");

struct attr_scratch {
	struct pw_attr ev;
	struct pw_path_key key;
};

PW_SCRATCH(attr_scratch, struct attr_scratch)

/* struct xattr_args of setxattrat (include/uapi/linux/xattr.h) */
struct attr_xattr_args {
	__u64 value;
	__u32 size;
	__u32 flags;
};

/* The record's fixed fields from the raw arguments; src: the user memory
 * to read. */
static __always_inline void attr_args(struct pw_attr *ev, const struct pw_pair *p,
				      struct attr_src *src)
{
	struct attr_xattr_args xa;
	const __u64 *a = p->args;

	__builtin_memset(src, 0, sizeof(*src));
	ev->ret = 0;
	ev->syscall = p->op;
	ev->target = PW_ATTR_BY_PATH;
	ev->fd = AT_FDCWD_;
	ev->flags = 0;
	ev->mode = 0;
	ev->uid = 0;
	ev->gid = 0;
	ev->op = 0;
	ev->value_len = 0;
	ev->value_read = 0;
	ev->atime_sec = 0;
	ev->atime_nsec = 0;
	ev->mtime_sec = 0;
	ev->mtime_nsec = 0;
	ev->unread = P_ALL;
	ev->pad = 0;
	ev->name[0] = '\0';
	ev->path[0] = '\0';
	src->has_path = 1;
	switch (p->op) {
	case PW_ATTR_SYS_CHMOD:		/* (filename, mode) */
		src->path = a[0];
		ev->mode = a[1];
		break;
	case PW_ATTR_SYS_FCHMOD:	/* (fd, mode) */
		src->has_path = 0;
		ev->fd = a[0];
		ev->mode = a[1];
		break;
	case PW_ATTR_SYS_FCHMODAT2:	/* (dfd, filename, mode, flags) */
		ev->flags = a[3];
		/* fallthrough */
	case PW_ATTR_SYS_FCHMODAT:	/* (dfd, filename, mode) */
		ev->fd = a[0];
		src->path = a[1];
		ev->mode = a[2];
		break;
	case PW_ATTR_SYS_CHOWN:		/* (filename, user, group) */
	case PW_ATTR_SYS_LCHOWN:
		src->path = a[0];
		ev->uid = a[1];
		ev->gid = a[2];
		break;
	case PW_ATTR_SYS_FCHOWN:	/* (fd, user, group) */
		src->has_path = 0;
		ev->fd = a[0];
		ev->uid = a[1];
		ev->gid = a[2];
		break;
	case PW_ATTR_SYS_FCHOWNAT:	/* (dfd, filename, user, group, flag) */
		ev->fd = a[0];
		src->path = a[1];
		ev->uid = a[2];
		ev->gid = a[3];
		ev->flags = a[4];
		break;
	case PW_ATTR_SYS_SETXATTR:	/* (pathname, name, value, size, flags) */
	case PW_ATTR_SYS_LSETXATTR:
		src->path = a[0];
		goto set;
	case PW_ATTR_SYS_FSETXATTR:	/* (fd, name, value, size, flags) */
		src->has_path = 0;
		ev->fd = a[0];
	set:
		ev->op = PW_XATTR_SET;
		src->name = a[1];
		src->value = a[2];
		ev->value_len = a[3];
		ev->flags = a[4];
		break;
	case PW_ATTR_SYS_REMOVEXATTR:	/* (pathname, name) */
	case PW_ATTR_SYS_LREMOVEXATTR:
		src->path = a[0];
		ev->op = PW_XATTR_REMOVE;
		src->name = a[1];
		break;
	case PW_ATTR_SYS_FREMOVEXATTR:	/* (fd, name) */
		src->has_path = 0;
		ev->fd = a[0];
		ev->op = PW_XATTR_REMOVE;
		src->name = a[1];
		break;
	case PW_ATTR_SYS_SETXATTRAT:	/* (dfd, pathname, at_flags, name, uargs, usize) */
		ev->op = PW_XATTR_SET;
		ev->fd = a[0];
		src->path = a[1];
		ev->flags = a[2];
		src->name = a[3];
		if (!bpf_probe_read_user(&xa, sizeof(xa), (const void *)a[4])) {
			src->value = xa.value;
			ev->value_len = xa.size;
		}
		break;
	case PW_ATTR_SYS_REMOVEXATTRAT:	/* (dfd, pathname, at_flags, name) */
		ev->op = PW_XATTR_REMOVE;
		ev->fd = a[0];
		src->path = a[1];
		ev->flags = a[2];
		src->name = a[3];
		break;
	case PW_ATTR_SYS_UTIME:		/* (filename, struct utimbuf *times) */
		src->path = a[0];
		src->times = a[1];
		src->times_kind = T_UTIMBUF;
		break;
	case PW_ATTR_SYS_UTIMES:	/* (filename, struct timeval *utimes) */
		src->path = a[0];
		src->times = a[1];
		src->times_kind = T_TIMEVAL;
		break;
	case PW_ATTR_SYS_FUTIMESAT:	/* (dfd, filename, struct timeval *utimes) */
		ev->fd = a[0];
		src->path = a[1];
		src->times = a[2];
		src->times_kind = T_TIMEVAL;
		break;
	default:			/* utimensat (dfd, filename, timespec *utimes, flags) */
		ev->fd = a[0];
		src->path = a[1];
		src->times = a[2];
		src->times_kind = T_TIMESPEC;
		ev->flags = a[3];
		/* utimensat(fd, NULL, ...) is futimens(fd, ...) */
		if (!a[1])
			src->has_path = 0;
		break;
	}
	if (!src->has_path)
		ev->unread &= ~P_PATH;
	if (!src->name)
		ev->unread &= ~(P_NAME | P_VALUE);
	if (!src->times_kind)
		ev->unread &= ~P_TIMES;
}

/* True when name is "security.capability", NUL included. */
static __always_inline bool is_security_capability(const char *name)
{
	static const char want[] = "security.capability";
	int i;

#pragma unroll
	for (i = 0; i < (int)sizeof(want); i++)
		if (name[i] != want[i])
			return false;
	return true;
}

/* Reads what ev->unread names from src; clears what it read. */
static __always_inline void attr_read(struct pw_attr *ev, const struct attr_src *src)
{
	__s64 t[4] = {};
	__u32 n;

	if ((ev->unread & P_PATH) &&
	    bpf_probe_read_user_str(ev->path, sizeof(ev->path), (const void *)src->path) > 0)
		ev->unread &= ~P_PATH;
	if ((ev->unread & P_NAME) &&
	    bpf_probe_read_user_str(ev->name, sizeof(ev->name), (const void *)src->name) > 0)
		ev->unread &= ~P_NAME;
	/* only a file capability's value is read: a bounded, decodable
	 * struct, and no other attribute's content leaves the kernel */
	if ((ev->unread & (P_NAME | P_VALUE)) == P_VALUE) {
		n = ev->value_len;
		if (n > PW_XATTR_VALUE_MAX)
			n = PW_XATTR_VALUE_MAX;
		if (ev->op != PW_XATTR_SET || !src->value || !is_security_capability(ev->name)) {
			ev->unread &= ~P_VALUE;
		} else if (!bpf_probe_read_user(ev->value, n, (const void *)src->value)) {
			ev->value_read = n;
			ev->unread &= ~P_VALUE;
		}
	}
	if (!(ev->unread & P_TIMES))
		return;
	if (!src->times) {
		/* no times: both set to the current time */
		ev->atime_nsec = PW_UTIME_NOW;
		ev->mtime_nsec = PW_UTIME_NOW;
		ev->unread &= ~P_TIMES;
		return;
	}
	if (src->times_kind == T_UTIMBUF) {
		if (bpf_probe_read_user(t, 2 * sizeof(t[0]), (const void *)src->times))
			return;
		ev->atime_sec = t[0];
		ev->mtime_sec = t[1];
	} else {
		if (bpf_probe_read_user(t, sizeof(t), (const void *)src->times))
			return;
		ev->atime_sec = t[0];
		ev->mtime_sec = t[2];
		if (src->times_kind == T_TIMEVAL) {
			ev->atime_nsec = t[1] * 1000;
			ev->mtime_nsec = t[3] * 1000;
		} else {
			ev->atime_nsec = t[1];
			ev->mtime_nsec = t[3];
		}
	}
	ev->unread &= ~P_TIMES;
}

/* --utime bits of one of the times set (its nsec: a value, or
 * PW_UTIME_NOW, PW_UTIME_OMIT) */
static __always_inline __u64 utime_bits(__s64 nsec)
{
	if (nsec == PW_UTIME_NOW)
		return PW_RULE_UTIME_NOW;
	return nsec == PW_UTIME_OMIT ? 0 : PW_RULE_UTIME_EXPLICIT;
}

/* At entry: the call's record, read now, kept until the exit. aux = 1 when
 * it is kept. */
static __always_inline void attr_enter(struct trace_event_raw_sys_enter *ctx, struct pw_pair *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct attr_scratch *s = attr_scratch_get();
	struct attr_src src;

	if (!s)
		return;
	attr_args(&s->ev, p, &src);
	attr_read(&s->ev, &src);
	if (!bpf_map_update_elem(&attr_calls, &id, &s->ev, BPF_ANY))
		p->aux = 1;
}

static __always_inline int attr_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct pw_pair *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct attr_scratch *s = attr_scratch_get();
	struct pw_attr *ev, *entry = NULL;
	struct pw_config *cfg;
	struct pw_rule_in *in;
	struct attr_src src;
	bool rules_only;
	__u16 type;

	if (p->aux)
		entry = bpf_map_lookup_elem(&attr_calls, &id);
	cfg = pw_rule_begin(MOD, id >> 32, &rules_only);
	if (!cfg)
		goto out;
	if (!s) {
		pw_count(MOD, PW_DROPPED);
		goto out;
	}
	ev = &s->ev;
	attr_args(ev, p, &src);
	if (entry) {
		/* what the entry read stands; only what it missed is read now */
		ev->unread = entry->unread;
		ev->value_len = entry->value_len;
		ev->value_read = entry->value_read;
		__builtin_memcpy(ev->value, entry->value, sizeof(ev->value));
		ev->atime_sec = entry->atime_sec;
		ev->atime_nsec = entry->atime_nsec;
		ev->mtime_sec = entry->mtime_sec;
		ev->mtime_nsec = entry->mtime_nsec;
		bpf_probe_read_kernel(ev->name, sizeof(ev->name), entry->name);
		bpf_probe_read_kernel(ev->path, sizeof(ev->path), entry->path);
	}
	attr_read(ev, &src);
	ev->ret = ctx->ret;
	if (!src.has_path ||
	    (!ev->path[0] && (ev->flags & AT_EMPTY_PATH_))) {
		ev->target = PW_ATTR_BY_FD;
		ev->path[0] = '\0';
	}
	switch (ev->syscall) {
	case PW_ATTR_SYS_CHMOD ... PW_ATTR_SYS_FCHMODAT2:
		type = PW_EV_CHMOD;
		break;
	case PW_ATTR_SYS_CHOWN ... PW_ATTR_SYS_FCHOWNAT:
		type = PW_EV_CHOWN;
		break;
	case PW_ATTR_SYS_SETXATTR ... PW_ATTR_SYS_REMOVEXATTRAT:
		type = PW_EV_XATTR;
		break;
	default:
		type = PW_EV_UTIMES;
		break;
	}
	pw_fill_hdr(&ev->h, type, MOD, sizeof(*ev));
	in = pw_rule_in_for(type);
	if (in) {
		if (ev->target == PW_ATTR_BY_PATH)
			in->path = ev->path;
		if (type == PW_EV_XATTR)
			in->xattr = ev->name;
		if (type == PW_EV_CHMOD)
			in->PW_RIN_BITS(MODE) = ev->mode;
		if (type == PW_EV_UTIMES && !(ev->unread & P_TIMES))
			in->PW_RIN_BITS(UTIME) = utime_bits(ev->atime_nsec) | utime_bits(ev->mtime_nsec);
	}
	if (pw_rule_done(cfg, ev, sizeof(*ev), MOD, in, rules_only))
		goto out;
	if (pw_filtered(cfg, &ev->h) ||
	    (ev->target == PW_ATTR_BY_PATH && pw_path_filtered(cfg, &s->key, ev->path)))
		pw_count(MOD, PW_FILTERED);
	else
		pw_submit(cfg, ev, sizeof(*ev), MOD);
out:
	if (p->aux)
		bpf_map_delete_elem(&attr_calls, &id);
	return 0;
}

/* The exit handler, verified once: each syscall's exit program tail-calls
 * it (syscall_pair.bpf.h, PW_PAIR_EXIT_STAGE; process/chain-like pins
 * attr/chain and attr/prog_attr_exit_stage). */
PW_PAIR_EXIT_STAGE(attr_exit_stage, attr_exit)

#define ATTR_PAIR(prog, syscall, nargs, op)					\
	PW_SYSCALL_PAIR_SHARED_TP(prog, syscall, nargs, op, attr_enter)

/* Kernel program names are cut at 15 bytes: "<prog>_e__tp" must fit. */
ATTR_PAIR(chmod, chmod, 2, PW_ATTR_SYS_CHMOD)
ATTR_PAIR(fchmod, fchmod, 2, PW_ATTR_SYS_FCHMOD)
ATTR_PAIR(fchmodat, fchmodat, 3, PW_ATTR_SYS_FCHMODAT)
ATTR_PAIR(fchmodat2, fchmodat2, 4, PW_ATTR_SYS_FCHMODAT2)
ATTR_PAIR(chown, chown, 3, PW_ATTR_SYS_CHOWN)
ATTR_PAIR(fchown, fchown, 3, PW_ATTR_SYS_FCHOWN)
ATTR_PAIR(lchown, lchown, 3, PW_ATTR_SYS_LCHOWN)
ATTR_PAIR(fchownat, fchownat, 5, PW_ATTR_SYS_FCHOWNAT)
ATTR_PAIR(setxattr, setxattr, 5, PW_ATTR_SYS_SETXATTR)
ATTR_PAIR(lsetxattr, lsetxattr, 5, PW_ATTR_SYS_LSETXATTR)
ATTR_PAIR(fsetxattr, fsetxattr, 5, PW_ATTR_SYS_FSETXATTR)
ATTR_PAIR(rmxattr, removexattr, 2, PW_ATTR_SYS_REMOVEXATTR)
ATTR_PAIR(lrmxattr, lremovexattr, 2, PW_ATTR_SYS_LREMOVEXATTR)
ATTR_PAIR(frmxattr, fremovexattr, 2, PW_ATTR_SYS_FREMOVEXATTR)
ATTR_PAIR(setxattat, setxattrat, 6, PW_ATTR_SYS_SETXATTRAT)
ATTR_PAIR(rmxattrat, removexattrat, 4, PW_ATTR_SYS_REMOVEXATTRAT)
ATTR_PAIR(utime, utime, 2, PW_ATTR_SYS_UTIME)
ATTR_PAIR(utimes, utimes, 2, PW_ATTR_SYS_UTIMES)
ATTR_PAIR(futimesat, futimesat, 3, PW_ATTR_SYS_FUTIMESAT)
ATTR_PAIR(utimensat, utimensat, 4, PW_ATTR_SYS_UTIMENSAT)
