/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * file: open, openat, openat2 (opensnoop), unlink, unlinkat, rename,
 * renameat, renameat2, from the syscall enter/exit tracepoints, with the
 * path-prefix filter (maps/filter_path, an LPM trie) on top of the common
 * pid/uid/comm/cgroup filters.
 */
#include "common.bpf.h"

#define MOD PW_MOD_FILE
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"

#define PW_AT_FDCWD -100

struct file_scratch {
	struct pw_file ev;
	struct pw_path_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file_scratch);
} file_scratch SEC(".maps");

/* Reads a user string into dst (PW_PATH_MAX bytes); returns its length
 * with the NUL, 1 for "" when it cannot be read. */
static __always_inline __u32 read_path(char *dst, __u64 uptr)
{
	long n = bpf_probe_read_user_str(dst, PW_PATH_MAX, (const void *)uptr);

	if (n <= 0) {
		dst[0] = '\0';
		return 1;
	}
	return n;
}

/* True when the path filters exclude path (see struct pw_path_key). */
static __always_inline bool path_filtered(struct pw_config *cfg, struct pw_path_key *key,
					  const char *path)
{
	long n;

	if (!(cfg->filter_kinds & (1u << PW_FILTER_PATH)))
		return false;
	n = bpf_probe_read_kernel_str(key->path, sizeof(key->path), path);
	if (n > 0 && n < PW_PATH_MAX) {
		key->path[n - 1] = '/'; /* whole components: "/proc" is "/proc/" */
		key->prefixlen = n * 8;
	} else if (n >= PW_PATH_MAX) {
		key->prefixlen = (PW_PATH_MAX - 1) * 8; /* maybe cut: no '/' */
	} else {
		key->prefixlen = 0;
	}
	return pw_filter_kind(cfg, PW_FILTER_PATH, &filter_path, key);
}

static __always_inline int file_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct pw_pair *p)
{
	__u64 path = p->args[0], new_path = 0;
	struct file_scratch *s;
	struct pw_config *cfg;
	struct open_how how;
	struct pw_file *ev;
	__u32 zero = 0, len, size;
	__u16 type = PW_EV_OPEN;

	cfg = pw_begin(MOD, bpf_get_current_pid_tgid() >> 32);
	if (!cfg)
		return 0;
	s = bpf_map_lookup_elem(&file_scratch, &zero);
	if (!s) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	ev = &s->ev;
	ev->ret = ctx->ret;
	ev->flags = 0;
	ev->mode = 0;
	ev->syscall = p->op;
	ev->pad = 0;
	ev->dfd = PW_AT_FDCWD;
	ev->new_dfd = PW_AT_FDCWD;
	switch (p->op) {
	case PW_FILE_SYS_OPEN:		/* (filename, flags, mode) */
		ev->flags = (__u32)p->args[1];
		ev->mode = p->args[2];
		break;
	case PW_FILE_SYS_OPENAT:	/* (dfd, filename, flags, mode) */
		ev->flags = (__u32)p->args[2];
		ev->mode = p->args[3];
		goto at;
	case PW_FILE_SYS_OPENAT2:	/* (dfd, filename, how, usize) */
		if (!bpf_probe_read_user(&how, sizeof(how), (const void *)p->args[2])) {
			ev->flags = how.flags;
			ev->mode = how.mode;
		}
		goto at;
	case PW_FILE_SYS_UNLINK:	/* (pathname) */
		type = PW_EV_UNLINK;
		break;
	case PW_FILE_SYS_UNLINKAT:	/* (dfd, pathname, flag) */
		type = PW_EV_UNLINK;
		ev->flags = (__u32)p->args[2];
		goto at;
	case PW_FILE_SYS_RENAME:	/* (oldname, newname) */
		type = PW_EV_RENAME;
		new_path = p->args[1];
		break;
	case PW_FILE_SYS_RENAMEAT2:	/* (olddfd, oldname, newdfd, newname, flags) */
		ev->flags = (__u32)p->args[4];
		/* fallthrough */
	case PW_FILE_SYS_RENAMEAT:	/* (olddfd, oldname, newdfd, newname) */
		type = PW_EV_RENAME;
		ev->new_dfd = p->args[2];
		new_path = p->args[3];
		goto at;
	default:
		break;
	at:
		ev->dfd = p->args[0];
		path = p->args[1];
		break;
	}
	len = read_path(ev->path, path);
	if (type == PW_EV_RENAME) {
		read_path(ev->new_path, new_path);
		size = sizeof(*ev);
	} else {
		if (len > PW_PATH_MAX)
			len = PW_PATH_MAX;
		size = offsetof(struct pw_file, path) + len;
	}
	pw_fill_hdr(&ev->h, type, MOD, size);
	/* An event with two paths is filtered only when both are. */
	if (pw_filtered(cfg, &ev->h) ||
	    (path_filtered(cfg, &s->key, ev->path) &&
	     (type != PW_EV_RENAME || path_filtered(cfg, &s->key, ev->new_path)))) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_submit(cfg, ev, size, MOD);
	return 0;
}

PW_SYSCALL_PAIR(open, open, 3, PW_FILE_SYS_OPEN, file_exit)
PW_SYSCALL_PAIR(openat, openat, 4, PW_FILE_SYS_OPENAT, file_exit)
PW_SYSCALL_PAIR(openat2, openat2, 4, PW_FILE_SYS_OPENAT2, file_exit)
PW_SYSCALL_PAIR(unlink, unlink, 1, PW_FILE_SYS_UNLINK, file_exit)
PW_SYSCALL_PAIR(unlinkat, unlinkat, 3, PW_FILE_SYS_UNLINKAT, file_exit)
PW_SYSCALL_PAIR(rename, rename, 2, PW_FILE_SYS_RENAME, file_exit)
PW_SYSCALL_PAIR(renameat, renameat, 4, PW_FILE_SYS_RENAMEAT, file_exit)
PW_SYSCALL_PAIR(renameat2, renameat2, 5, PW_FILE_SYS_RENAMEAT2, file_exit)
