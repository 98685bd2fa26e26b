/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * file: open, openat, openat2 (opensnoop), unlink, unlinkat, rename,
 * renameat, renameat2, from the syscall enter/exit tracepoints, with the
 * path-prefix filter (maps/filter_path, an LPM trie) on top of the common
 * pid/uid/comm/cgroup filters; memfd_create (event "memfd", its file seen
 * by the path filters as "/memfd:NAME").
 */
#include "common.bpf.h"

#define MOD PW_MOD_FILE
#include "rules.bpf.h"
#define PW_PAIR_MODULE MOD
/* calls are tracked while the module is off too when a rule wants them */
#define PW_PAIR_WANTED(cfg, tgid) \
	(pw_module_on_for(cfg, MOD, tgid) || pw_rule_module_wanted(cfg, MOD, tgid))
#define PW_INFLIGHT_ENTRIES 4096	/* an open blocks (NFS, FUSE, a FIFO) */
#include "syscall_pair.bpf.h"
#include "path_filter.bpf.h"
#include "path_walk.bpf.h"
#include "drop.bpf.h"

#define PW_AT_FDCWD -100
#define PW_RESOLVE_IN_ROOT 0x10	/* openat2(2): resolve as if dirfd were / */

struct file_scratch {
	struct pw_file ev;
	struct pw_path_key key;
	/* the path the rules see of an open whose path is not plain */
	char opened[PW_PATH_MAX];
	struct pw_walk_space walk;
};

PW_SCRATCH(file_scratch, struct file_scratch)

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

/* 0x80 in each byte of w that equals the byte repeated in cc (exact: no
 * carry crosses a byte) */
static __always_inline __u64 file_bytes_eq(__u64 w, __u64 cc)
{
	__u64 t = w ^ cc;

	return ~(((t & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | t) & 0x8080808080808080ULL;
}

#define FILE_B(c)	(0x0101010101010101ULL * (__u8)(c))

/* file_path_odd()'s walk: the path's words, its length with the NUL */
struct file_odd {
	const __u64 *w;
	__u32 len;
	__u32 odd;
};

/* One word: a '/' followed by '/', or by '.' and then '/', '.' or the end
 * (the bytes after the NUL are not looked at). */
static long file_odd_word(__u32 i, void *ctx)
{
	struct file_odd *c = ctx;
	__u64 a, b, b2, b3, hit;
	__u32 rem, at = i, next = i + 1;

	if (i >= PW_PATH_MAX / 8 || i * 8 >= c->len)
		return 1;
	/* keep the masks: clang proves them redundant, the verifier cannot */
	barrier_var(at);
	barrier_var(next);
	a = c->w[at & (PW_PATH_MAX / 8 - 1)];
	b = next < PW_PATH_MAX / 8 ? c->w[next & (PW_PATH_MAX / 8 - 1)] : 0;
	b2 = a >> 8 | b << 56;	/* byte k: the string's byte k + 1 */
	b3 = a >> 16 | b << 48;	/* byte k: the string's byte k + 2 */
	hit = file_bytes_eq(a, FILE_B('/')) &
	      (file_bytes_eq(b2, FILE_B('/')) |
	       (file_bytes_eq(b2, FILE_B('.')) &
		(file_bytes_eq(b3, FILE_B('/')) | file_bytes_eq(b3, FILE_B('.')) |
		 file_bytes_eq(b3, 0))));
	rem = c->len - 1 - i * 8;	/* bytes of this word before the NUL */
	if (rem < 8)
		hit &= (1ULL << (rem * 8)) - 1;
	if (hit) {
		c->odd = 1;
		return 1;
	}
	return 0;
}

/* The first 8 bytes of a string as one little-endian word */
#define FILE_W8(a, b, c, d, e, f, g, h)						\
	((__u64)(__u8)(a) | (__u64)(__u8)(b) << 8 | (__u64)(__u8)(c) << 16 |	\
	 (__u64)(__u8)(d) << 24 | (__u64)(__u8)(e) << 32 | (__u64)(__u8)(f) << 40 | \
	 (__u64)(__u8)(g) << 48 | (__u64)(__u8)(h) << 56)

/*
 * True when path (len bytes with its NUL) is not a plain absolute path:
 * relative, or holding "//", "/./" or "/../" (or ending in "/." or "/..");
 * cut at PW_PATH_MAX (what follows the cut may climb out: a 250-byte
 * directory name, then "/../../etc/shadow"); or going through a magic link
 * of /proc (/proc/self/root/etc/shadow, /proc/PID/cwd/..., /proc/self/fd/N)
 * or /dev/fd/N, whose target a string cannot tell. A word (8 bytes) a
 * bpf_loop step: an inline loop was 14 k more instructions verified in
 * each open program, the callback is checked once.
 */
static __always_inline bool file_path_odd(const char *path, __u32 len)
{
	struct file_odd c = { .w = (const __u64 *)path, .len = len };
	__u64 w0 = c.w[0];
	char p6 = path[6];

	if (path[0] != '/' || len >= PW_PATH_MAX)
		return true;
	if (w0 == FILE_W8('/', 'd', 'e', 'v', '/', 'f', 'd', '/'))
		return true;
	/* /proc/ then a pid, self or thread-self */
	if ((w0 & 0xffffffffffffULL) == FILE_W8('/', 'p', 'r', 'o', 'c', '/', 0, 0) &&
	    ((p6 >= '0' && p6 <= '9') || p6 == 's' || p6 == 't'))
		return true;
	bpf_loop(PW_PATH_MAX / 8, file_odd_word, &c, 0);
	return c.odd;
}

/* path (a string of PW_PATH_MAX bytes) starts with the n bytes of lit; n is
 * a constant, so the loop is unrolled into compares with constants, and
 * stops at the first byte that differs (at the latest the path's NUL). */
#define FILE_HAS(path, lit, n) ({						\
	bool _eq = true;							\
	_Pragma("unroll")							\
	for (int _i = 0; _i < (n); _i++)					\
		if ((path)[_i] != (lit)[_i]) {					\
			_eq = false;						\
			break;							\
		}								\
	_eq;									\
})

/*
 * True when an open is one config.quiet_reads counts as filtered: read-only,
 * by a plain absolute path (file_path_odd(): "/usr/lib/../../etc/shadow"
 * is not one) under or at one of PW_QUIET_READS. The compares come first:
 * an open of another path costs a byte or two per entry.
 */
static __always_inline bool file_quiet_read(const struct pw_config *cfg, const struct pw_file *ev,
					    __u32 len, bool in_root)
{
	const char *p = ev->path;

	if (!cfg->quiet_reads || (ev->flags & (PW_O_ACCMODE | PW_O_CREAT | PW_O_TRUNC)) ||
	    in_root || len <= 1 || len > PW_PATH_MAX)
		return false;
	/* exact: the literal's NUL too */
#define PW_X(lit, exact) FILE_HAS(p, lit, sizeof(lit) - 1 + (exact)) ||
	if (!(PW_QUIET_READS(PW_X) false))
		return false;
#undef PW_X
	return !file_path_odd(p, len);
}

/* True when some rule of type has a --path or --path-prefix selector. */
static __always_inline bool file_rules_use_path(__u32 type)
{
	struct pw_rule_mask *m = bpf_map_lookup_elem(&rule_types, &type);
	struct pw_rule_index *idx;
	__u32 zero = 0;

	idx = bpf_map_lookup_elem(&rule_index, &zero);
	return m && idx && pw_mask_meets(m, &idx->users[PW_RSEL_PATH], idx);
}

/* The file an open returned (fd) as a path from the task's root, walked
 * from its dentry as the exec's exe_path is (bpf/path_walk.bpf.h); '?'
 * first when the walk did not reach the root. NULL: no such fd. */
static __always_inline const char *file_opened_path(struct file_scratch *s, __s64 fd)
{
	struct file *f = pw_fd_file(fd);
	struct path p = {};

	if (!f)
		return NULL;
	BPF_CORE_READ_INTO(&p, f, f_path);
	if (!p.dentry)
		return NULL;
	if (!pw_walk_path(&s->walk, p.dentry, p.mnt, s->opened, sizeof(s->opened)))
		s->opened[0] = '?';
	return s->opened;
}

static __always_inline int file_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct pw_pair *p)
{
	__u64 path = p->args[0], new_path = 0;
	struct pw_rule_in *in;
	struct file_scratch *s;
	struct pw_config *cfg;
	struct open_how how;
	struct pw_file *ev;
	__u32 len, len2 = 0, rlen, size;
	__u16 type = PW_EV_OPEN;
	const char *rpath;
	bool rules_only, in_root = false;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	s = file_scratch_get();
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
			/* "/x" under the dirfd: not the path it reads as */
			in_root = how.resolve & PW_RESOLVE_IN_ROOT;
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
	/* the binary-drop state, whatever the filters say of the event */
	if (type == PW_EV_OPEN)
		pw_drop_note_open(ev->ret, ev->flags);
	len = read_path(ev->path, path);
	if (type == PW_EV_RENAME) {
		len2 = read_path(ev->new_path, new_path);
		size = sizeof(*ev);
	} else {
		if (len > PW_PATH_MAX)
			len = PW_PATH_MAX;
		size = offsetof(struct pw_file, path) + len;
	}
	pw_fill_hdr(&ev->h, type, MOD, size);
	/* rules first: an alert passes the filters. An open by a path that
	 * is not plain (relative, "//", "..") is judged as the file the kernel
	 * opened, its path from the root; only where a rule of the type has a
	 * path selector, and an open that failed keeps its path as given. Its
	 * length is not known here: 0 makes the pre-check below let it through
	 * to the full match. */
	rpath = ev->path;
	rlen = len;
	if (type == PW_EV_OPEN && ev->ret >= 0 && file_rules_use_path(type) &&
	    (in_root || file_path_odd(ev->path, len))) {
		const char *opened = file_opened_path(s, ev->ret);

		if (opened) {
			rpath = opened;
			rlen = 0;
		}
	}
	/* --open-flags on an unlink or rename: every flag holds (the name's
	 * content is replaced or removed, as a write would). The pre-check
	 * leaves the common open no rule can hold (a read of a path no rule
	 * names) at a few register tests: NULL, nothing to match. */
	in = pw_rule_in_for_paths(type, rpath, rlen, type == PW_EV_RENAME ? ev->new_path : NULL,
				  len2, PW_RSEL_OPEN_FLAGS,
				  type == PW_EV_OPEN ? pw_rule_open_bits(ev->flags) :
				  PW_RULE_OPEN_WRITE | PW_RULE_OPEN_CREATE | PW_RULE_OPEN_TRUNC);
	if (pw_rule_done(cfg, ev, size, MOD, in, rules_only))
		return 0;
	/* An event with two paths is filtered only when both are. */
	if (pw_filtered(cfg, &ev->h) ||
	    (type == PW_EV_OPEN && file_quiet_read(cfg, ev, len, in_root)) ||
	    (pw_path_filtered(cfg, &s->key, ev->path) &&
	     (type != PW_EV_RENAME || pw_path_filtered(cfg, &s->key, ev->new_path)))) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_submit(cfg, ev, size, MOD);
	return 0;
}


/* ---- memfd_create: event "memfd" ---- */

struct memfd_scratch {
	struct pw_memfd ev;
	char path[PW_PATH_MAX];		/* "/memfd:NAME", for the path filter */
	struct pw_path_key key;
};

PW_SCRATCH(memfd_scratch, struct memfd_scratch)

/* The path filters see a memfd as the kernel names its file (in
 * /proc/PID/fd, /proc/PID/maps): "/memfd:NAME". */
static __always_inline bool memfd_path_filtered(struct pw_config *cfg, struct memfd_scratch *s)
{
	if (!(cfg->filter_kinds & (1u << PW_FILTER_PATH)))
		return false;
	__builtin_memcpy(s->path, "/memfd:", 7);
	bpf_probe_read_kernel_str(s->path + 7, sizeof(s->path) - 7, s->ev.name);
	return pw_path_filtered(cfg, &s->key, s->path);
}

static __always_inline int memfd_exit(struct trace_event_raw_sys_exit *ctx,
				      const struct pw_pair *p)
{
	struct memfd_scratch *s;
	struct pw_rule_in *in;
	struct pw_config *cfg;
	struct pw_memfd *ev;
	bool rules_only;
	long n;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	s = memfd_scratch_get();
	if (!s) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	ev = &s->ev;
	ev->ret = ctx->ret;		/* (uname, flags) */
	ev->flags = (__u32)p->args[1];
	ev->pad = 0;
	n = bpf_probe_read_user_str(ev->name, sizeof(ev->name), (const void *)p->args[0]);
	if (n <= 0) {
		ev->name[0] = '\0';
		n = 1;
	}
	if (n > PW_MEMFD_NAME_MAX)
		n = PW_MEMFD_NAME_MAX;
	/* the record ends after the NUL of name */
	n += offsetof(struct pw_memfd, name);
	pw_fill_hdr(&ev->h, PW_EV_MEMFD, MOD, n);
	in = pw_rule_in_for(PW_EV_MEMFD);
	if (in) {
		__builtin_memcpy(s->path, "/memfd:", 7);
		bpf_probe_read_kernel_str(s->path + 7, sizeof(s->path) - 7, ev->name);
		in->path = s->path;
	}
	if (pw_rule_done(cfg, ev, n, MOD, in, rules_only))
		return 0;
	if (pw_filtered(cfg, &ev->h) || memfd_path_filtered(cfg, s)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_submit(cfg, ev, n, MOD);
	return 0;
}

/* memfd_create's op, past enum pw_file_syscall's (a pw_file's syscall
 * field): the stage's own, never in an event */
#define FILE_OP_MEMFD 0x100

static __always_inline int file_any_exit(struct trace_event_raw_sys_exit *ctx,
					 const struct pw_pair *p)
{
	if (p->op == FILE_OP_MEMFD)
		return memfd_exit(ctx, p);
	return file_exit(ctx, p);
}

/* Every exit handler, verified once: each syscall's exit program, of
 * either variant, tail-calls it (syscall_pair.bpf.h, PW_PAIR_PASS_STAGE;
 * pins file/chain, file/pair_pass and file/prog_file_exit_stage). */
PW_PAIR_PASS_STAGE(file_exit_stage, file_any_exit)

PW_SYSCALL_PAIR_REGS_SHARED(open, open, 3, PW_FILE_SYS_OPEN)
PW_SYSCALL_PAIR_REGS_SHARED(openat, openat, 4, PW_FILE_SYS_OPENAT)
PW_SYSCALL_PAIR_REGS_SHARED(openat2, openat2, 4, PW_FILE_SYS_OPENAT2)
PW_SYSCALL_PAIR_REGS_SHARED(unlink, unlink, 1, PW_FILE_SYS_UNLINK)
PW_SYSCALL_PAIR_REGS_SHARED(unlinkat, unlinkat, 3, PW_FILE_SYS_UNLINKAT)
PW_SYSCALL_PAIR_REGS_SHARED(rename, rename, 2, PW_FILE_SYS_RENAME)
PW_SYSCALL_PAIR_REGS_SHARED(renameat, renameat, 4, PW_FILE_SYS_RENAMEAT)
PW_SYSCALL_PAIR_REGS_SHARED(renameat2, renameat2, 5, PW_FILE_SYS_RENAMEAT2)
PW_SYSCALL_PAIR_REGS_SHARED(memfd, memfd_create, 2, FILE_OP_MEMFD)

/* ---- I/O accounting (filetop, vfsstat): see struct pw_file_io ---- */

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_FILE_IO_MAX);
	__type(key, struct pw_file_io_key);
	__type(value, struct pw_file_io);
} io_files SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PW_IO_DIRS);
	__type(key, __u32);
	__type(value, struct pw_io_total);
} io_totals SEC(".maps");

static __always_inline int account_io(struct file *file, __s64 bytes, __u32 dir)
{
	struct pw_file_io_key key = {};
	struct pw_io_total *total;
	struct pw_file_io *v;
	struct inode *inode;

	if (!pw_aggregating(MOD))
		return 0;
	if (bytes < 0)
		bytes = 0;
	total = bpf_map_lookup_elem(&io_totals, &dir);
	if (total) {
		total->calls++;
		total->bytes += bytes;
	}
	inode = BPF_CORE_READ(file, f_inode);
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	key.ino = BPF_CORE_READ(inode, i_ino);
	v = bpf_map_lookup_elem(&io_files, &key);
	if (!v) {
		struct pw_file_io fresh = {};

		fresh.mode = BPF_CORE_READ(inode, i_mode);
		bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
		bpf_probe_read_kernel_str(fresh.name, sizeof(fresh.name),
					  BPF_CORE_READ(file, f_path.dentry, d_name.name));
		bpf_map_update_elem(&io_files, &key, &fresh, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&io_files, &key);
		if (!v)
			return 0;
	}
	/* one entry, many CPUs: a process's threads share it */
	if (dir == PW_IO_READ) {
		__sync_fetch_and_add(&v->reads, 1);
		__sync_fetch_and_add(&v->read_bytes, bytes);
	} else {
		__sync_fetch_and_add(&v->writes, 1);
		__sync_fetch_and_add(&v->write_bytes, bytes);
	}
	return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(vfs_rd__fexit, struct file *file, char *buf, size_t count, loff_t *pos, ssize_t ret)
{
	return account_io(file, ret, PW_IO_READ);
}

SEC("fexit/vfs_write")
int BPF_PROG(vfs_wr__fexit, struct file *file, const char *buf, size_t count, loff_t *pos,
	     ssize_t ret)
{
	return account_io(file, ret, PW_IO_WRITE);
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(vfs_rd__kprobe, struct file *file, char *buf, size_t count)
{
	return account_io(file, count, PW_IO_READ);
}

SEC("kprobe/vfs_write")
int BPF_KPROBE(vfs_wr__kprobe, struct file *file, const char *buf, size_t count)
{
	return account_io(file, count, PW_IO_WRITE);
}
