/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * audit: the tamper trail. Every bpf() command that opens or pins a path
 * under the pin root; that updates, deletes (one entry or a batch, with or
 * without lookup) or freezes a shared map; that opens a shared map, its
 * BTF, or a program or link of pinwatch by id; that detaches a link or
 * loads a program; and every unlink or rename under the pin root.
 *
 * Events are written at syscall entry, before the kernel acts (the opens
 * of a program or link by id at exit, see audit_bpf_exit): a command
 * that detaches pinwatch itself still leaves its trace in the ring. They
 * ignore the filters, the on/off switches and the consumer's exclusion: an
 * attacker who adds a filter or switches the sensor off is audited doing
 * so, and cannot hide what comes after. One exception, counted filtered:
 * the sensor's own opens, pins and program loads (audit_own()).
 */
#include "common.bpf.h"

#define MOD PW_MOD_AUDIT
#define AT_FDCWD -100
#define BPF_FS_MAGIC 0xcafe4a11
#define PATH_BUF (PW_PATH_MAX * 2) /* room for bounded variable-offset copies */

/* Set by the loader before load. */
const volatile char pw_pin_root[PW_PATH_MAX] = {};
const volatile __u32 pw_pin_root_len = 0;
const volatile __u64 pw_pin_root_ino = 0;
const volatile __u32 pw_pin_root_dev = 0; /* the kernel's s_dev of its bpffs */

_Static_assert(sizeof(union bpf_attr) < 256, "copy_user_attr masks with 0xff");

#define PATH_DEPTH 16 /* directories above a cwd or dfd followed up to "/" */

/* A bpf() call to take again at its exit (struct audit_pending.kind). */
enum { AUDIT_RETRY = 1, AUDIT_BY_ID = 2 };

struct audit_pending {
	__u32 cmd;
	__u32 kind;		/* AUDIT_RETRY, AUDIT_BY_ID */
	__u32 id;		/* AUDIT_BY_ID: the id asked for */
	__u32 attr_ok;		/* attr holds the arguments; else read uattr again */
	__u64 uattr;
	__u32 size;
	__u32 pad;
	union bpf_attr attr;
};

struct audit_scratch {
	struct pw_audit ev;
	union bpf_attr attr;	/* the call's arguments, copied */
	struct audit_pending pend;
	struct dentry *dirs[PATH_DEPTH];
	/* The counters of the bpf_loop callbacks (walk_step, fold_step), here
	 * and not in their context on the stack: read from a map value they
	 * are numbers the verifier does not track, so it checks a callback
	 * once, where one on the stack is a new state at each value
	 * (6.18 verifies a callback until its states repeat). */
	__u32 walk_n;
	__u32 fold_o;
	char path[PATH_BUF];
	char norm[PATH_BUF];
};

PW_SCRATCH(audit_scratch, struct audit_scratch)

static __always_inline struct audit_scratch *begin(__u32 action, __u32 via)
{
	struct audit_scratch *s = audit_scratch_get();

	if (!s)
		return NULL;
	pw_fill_hdr(&s->ev.h, PW_EV_AUDIT, MOD, sizeof(s->ev));
	s->ev.action = action;
	s->ev.bpf_cmd = 0;
	s->ev.object_id = 0;
	s->ev.key_len = 0;
	s->ev.value_len = 0;
	s->ev.via = via;
	s->ev.object_name[0] = '\0';
	s->ev.path[0] = '\0';
	s->ev.new_path[0] = '\0';
	return s;
}

/*
 * Counted seen here, when the event is complete: a handler that gives up
 * (a read that failed at entry, taken again at exit) has counted nothing.
 * The common submit path (pw_submit), like every module's.
 */
static __always_inline void submit(struct audit_scratch *s)
{
	struct pw_config *cfg = pw_config_get();

	pw_count(MOD, PW_SEEN);
	if (!cfg) {
		pw_count(MOD, PW_DROPPED);
		return;
	}
	pw_submit(cfg, &s->ev, sizeof(s->ev), MOD);
}

/* "/sys/fs/bpf/pinwatch" or "/sys/fs/bpf/pinwatch/..." */
static __always_inline bool under_root_abs(const char *path)
{
	for (__u32 i = 0; i < PW_PATH_MAX - 1; i++) {
		if (i >= pw_pin_root_len)
			return path[i] == '/' || path[i] == '\0';
		if (path[i] != pw_pin_root[i])
			return false;
	}
	return false;
}

/* path is "/" or a directory above the pin root ("/sys", "/sys/fs/bpf"):
 * unmounting it takes the pin root's mount away. */
static __always_inline bool above_root_abs(const char *path)
{
	for (__u32 i = 0; i < PW_PATH_MAX - 1; i++) {
		if (path[i] == '\0')
			return i > 0 && i <= pw_pin_root_len &&
			       (i == 1 || i == pw_pin_root_len || pw_pin_root[i] == '/');
		if (i >= pw_pin_root_len || path[i] != pw_pin_root[i])
			return false;
	}
	return false;
}

/* Appends a kernel or user string at *off; keeps the buffer terminated. */
static __always_inline void append(char *buf, __u32 *off, const void *src, bool user)
{
	__u32 at = *off;
	long n;

	if (at >= PW_PATH_MAX - 1)
		return;
	barrier_var(at);
	at &= PW_PATH_MAX - 1;
	n = user ? bpf_probe_read_user_str(buf + at, PW_PATH_MAX, src)
		 : bpf_probe_read_kernel_str(buf + at, PW_PATH_MAX, src);
	if (n > 0)
		*off += n - 1;
}

static __always_inline void append_slash(char *buf, __u32 *off)
{
	__u32 at = *off;

	if (at >= PW_PATH_MAX - 1)
		return;
	barrier_var(at); /* keep the mask: clang proves it redundant, the verifier cannot */
	at &= PW_PATH_MAX - 1;
	buf[at] = '/';
	buf[at + 1] = '\0';
	*off = at + 1;
}

enum { APPEND_USER = 1, APPEND_SLASH = 2, APPEND_ROOT = 4 };

/*
 * s->path from off: a "/" (APPEND_SLASH), then the kernel or user string
 * at src (if any; APPEND_ROOT: the pin root); returns the new end. A
 * global function: the verifier checks it once per program, and to its
 * callers the end it returns is a number it knows nothing of, so a path
 * built of N appends is one state, where inlined appends made each bound
 * of the offset one more.
 */
__noinline int path_append(__u32 off, __u64 src, __u32 flags)
{
	struct audit_scratch *s = audit_scratch_get();

	if (!s)
		return off;
	if (flags & APPEND_SLASH)
		append_slash(s->path, &off);
	if (flags & APPEND_ROOT)
		append(s->path, &off, (const void *)pw_pin_root, false);
	else if (src)
		append(s->path, &off, (const void *)src, flags & APPEND_USER);
	return off;
}

/* bpf_loop state of dentry_path (a callback is verified once, where an
 * unrolled loop's branches multiplied the verifier's states; its counter
 * is in the scratch, struct audit_scratch says why). */
struct walk_ctx {
	struct audit_scratch *s;
	struct mount *mnt;
	struct dentry *d;
	struct dentry *root;	/* the task's root (chroot, pivot_root): */
	struct vfsmount *root_mnt; /* names are shown from there, as d_path does */
};

static long walk_step(__u32 i, struct walk_ctx *w)
{
	struct dentry *d = w->d, *parent;
	struct mount *mnt = w->mnt; /* a local: CO-RE relocates its fields */
	__u32 n;

	if (!d || (d == w->root && &mnt->mnt == w->root_mnt))
		return 1;
	parent = BPF_CORE_READ(d, d_parent);
	if (d == BPF_CORE_READ(mnt, mnt.mnt_root) || d == parent) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (!up || up == mnt)
			return 1; /* the root of the namespace */
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	n = w->s->walk_n;
	if (n >= PATH_DEPTH)
		return 1;
	w->s->dirs[n & (PATH_DEPTH - 1)] = d;
	w->s->walk_n = n + 1;
	w->d = parent;
	return 0;
}

/*
 * The absolute path of (mnt, dentry) into s->path from *off, as the
 * kernel's d_path walks it: up the dentries, and from a mount's root to
 * the directory it is mounted on (so a cwd on bpffs below /sys/fs/bpf is
 * "/sys/fs/bpf/..."), up to the task's root. Names are the dentries', not
 * text the process gave.
 */
static __always_inline void dentry_path(struct audit_scratch *s, struct vfsmount *vmnt,
					struct dentry *d, __u32 *off)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct walk_ctx w = { .s = s, .mnt = container_of(vmnt, struct mount, mnt), .d = d,
			      .root = BPF_CORE_READ(task, fs, root.dentry),
			      .root_mnt = BPF_CORE_READ(task, fs, root.mnt) };
	__u32 n;

	s->walk_n = 0;
	bpf_loop(PATH_DEPTH + 8, walk_step, &w, 0);
	n = s->walk_n;
	for (int i = PATH_DEPTH - 1; i >= 0; i--) {
		if (i >= n)
			continue;
		struct dentry *dir = s->dirs[i];

		*off = path_append(*off, (__u64)BPF_CORE_READ(dir, d_name.name), APPEND_SLASH);
	}
	if (!*off)
		*off = path_append(*off, 0, APPEND_SLASH);
}

struct fold_ctx {
	struct audit_scratch *s;
	char *out;
};

static long fold_step(__u32 i, struct fold_ctx *f)
{
	char *in = f->s->path, *out = f->out;
	__u32 o = f->s->fold_o;
	char c = in[i & (PATH_BUF - 1)];
	char next = in[(i + 1) & (PATH_BUF - 1)];
	char prev = o ? out[(o - 1) & (PW_PATH_MAX - 1)] : 0;

	if (c == '\0' || o >= PW_PATH_MAX - 1)
		return 1;
	if (c == '/' && prev == '/')
		return 0;
	if (c == '.' && prev == '/' && (next == '/' || next == '\0'))
		return 0; /* a "." component; its slash was written */
	out[o & (PW_PATH_MAX - 1)] = c;
	f->s->fold_o = o + 1;
	return 0;
}

/*
 * s->path with "//" and "/./" folded into out ("/sys/fs/bpf//pinwatch/x",
 * "/sys/fs/bpf/./pinwatch/x": "/sys/fs/bpf/pinwatch/x"). ".." is left as
 * it is (the text then does not match the pin root: README says so).
 */
static __always_inline void fold(struct audit_scratch *s, char *out)
{
	struct fold_ctx f = { .s = s, .out = out };
	__u32 o;

	s->fold_o = 0;
	bpf_loop(PW_PATH_MAX - 1, fold_step, &f, 0);
	o = s->fold_o;
	if (o > 1 && out[(o - 1) & (PW_PATH_MAX - 1)] == '/')
		o--; /* "/sys/fs/bpf/pinwatch/": the directory */
	out[o & (PW_PATH_MAX - 1)] = '\0';
}

/*
 * Tracepoint side: (dfd, name) as an absolute path into out, the
 * directory taken from the kernel (the cwd's or dfd's dentries, across
 * mounts) and the name's "//" and "." folded. *faulted is set when the
 * name could not be read (a page not yet faulted in). Text: a symlink, a
 * bind mount, /proc/self/cwd or ".." on the way is not followed (README).
 */
static __always_inline void resolve(struct audit_scratch *s, int dfd, const char *name, char *out,
				    bool *faulted, bool user)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 off = 0;
	char first = 0;

	out[0] = '\0';
	if (user ? bpf_probe_read_user(&first, 1, name) : bpf_probe_read_kernel(&first, 1, name)) {
		*faulted = true;
		return;
	}
	if (first != '/') {
		if (dfd == AT_FDCWD) {
			dentry_path(s, BPF_CORE_READ(task, fs, pwd.mnt), BPF_CORE_READ(task, fs, pwd.dentry),
				    &off);
		} else {
			struct file *f = pw_fd_file(dfd);

			if (!f)
				return;
			dentry_path(s, BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry), &off);
		}
		off = path_append(off, 0, APPEND_SLASH);
	}
	off = path_append(off, (__u64)name, user ? APPEND_USER : 0);
	fold(s, out);
}

/*
 * LSM side: the path of dentry when it is the pin root or below it (up to
 * two levels, pinwatch's layout), known by the pin root's inode and
 * device, whatever name the process used. Into out; false if not.
 */
static __always_inline bool dentry_under_root(struct audit_scratch *s, struct dentry *d, char *out)
{
	struct super_block *sb = BPF_CORE_READ(d, d_sb);
	struct dentry *dirs[3] = {};
	__u32 off = 0;
	int depth = -1;

	if (BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC || BPF_CORE_READ(sb, s_dev) != pw_pin_root_dev)
		return false;
	for (int i = 0; i < 3 && d; i++) {
		if (BPF_CORE_READ(d, d_inode, i_ino) == pw_pin_root_ino) {
			depth = i;
			break;
		}
		dirs[i] = d;
		d = BPF_CORE_READ(d, d_parent);
	}
	if (depth < 0)
		return false;
	off = path_append(off, 0, APPEND_ROOT);
	for (int i = 2; i >= 0; i--) {
		if (i >= depth)
			continue;
		off = path_append(off, (__u64)BPF_CORE_READ(dirs[i], d_name.name), APPEND_SLASH);
	}
	bpf_probe_read_kernel_str(out, PW_PATH_MAX, s->path);
	return true;
}

/* The shared maps of bpf/maps.bpf.h, every one (the rules' maps, in
 * bpf/rules.bpf.h, are not: README says so). */
#define SHARED_MAPS(X)								\
	X(config) X(stats) X(consumer) X(events) X(event_class) X(shed)		\
	X(filter_pid) X(filter_uid) X(filter_comm) X(filter_cgroup) X(filter_cidr)	\
	X(filter_path) X(filter_container) X(proc_cache) X(proc_lineage)	\
	X(cgroup_container) X(blocklist) X(manifest)

/* A shared map, by the kernel address of its struct bpf_map. */
static __always_inline bool shared_map(void *map)
{
#define X(m) if (map == (void *)&m) return true;
	SHARED_MAPS(X)
#undef X
	return false;
}

/*
 * The kernel address of a map the program references, as a plain number:
 * the verifier forbids arithmetic on a map pointer, so it is copied out
 * through a kernel read before its fields are read.
 */
static __always_inline struct bpf_map *map_addr(void *map)
{
	void *slot = map;
	struct bpf_map *addr = NULL;

	bpf_probe_read_kernel(&addr, sizeof(addr), &slot);
	return addr;
}

/*
 * The shared map whose id is id, or NULL: the ids are read from the
 * module's own references to the shared maps, so an id is pinwatch's
 * exactly when it names one of them (an id is not reused while its map
 * lives). One comparison per map: an array of map pointers would be put
 * in .rodata, where the loader does not relocate them.
 */
static __always_inline struct bpf_map *shared_map_by_id(__u32 id)
{
#define X(m) if (BPF_CORE_READ(map_addr(&m), id) == id) return map_addr(&m);
	if (id) {
		SHARED_MAPS(X)
	}
#undef X
	return NULL;
}

/* The shared map whose key/value types are in BTF object id, or NULL. */
static __always_inline struct bpf_map *shared_map_by_btf_id(__u32 id)
{
#define X(m) if (BPF_CORE_READ(map_addr(&m), btf, id) == id) return map_addr(&m);
	if (id) {
		SHARED_MAPS(X)
	}
#undef X
	return NULL;
}

/*
 * Copies min(size, PW_AUDIT_BYTES) user bytes at uptr into buf and sets
 * *n to the count; false when the read failed (a page not yet faulted in).
 */
static __always_inline bool read_bytes(__u8 *buf, __u32 size, __u64 uptr, __u32 *n)
{
	__u32 len = size > PW_AUDIT_BYTES ? PW_AUDIT_BYTES : size;

	*n = 0;
	if (!len || !uptr)
		return true;
	if (bpf_probe_read_user(buf, len, (void *)uptr))
		return false;
	*n = len;
	return true;
}

/* The action a bpf() command is audited as; 0: not audited. */
static __always_inline __u32 cmd_action(__u32 cmd)
{
	switch (cmd) {
	case BPF_OBJ_GET: return PW_AUDIT_OBJ_GET;
	case BPF_OBJ_PIN: return PW_AUDIT_OBJ_PIN;
	case BPF_MAP_UPDATE_ELEM: return PW_AUDIT_MAP_UPDATE;
	case BPF_MAP_DELETE_ELEM: return PW_AUDIT_MAP_DELETE;
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM: return PW_AUDIT_MAP_LOOKUP_AND_DELETE;
	case BPF_MAP_FREEZE: return PW_AUDIT_MAP_FREEZE;
	case BPF_MAP_UPDATE_BATCH: return PW_AUDIT_MAP_UPDATE_BATCH;
	case BPF_MAP_DELETE_BATCH: return PW_AUDIT_MAP_DELETE_BATCH;
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH: return PW_AUDIT_MAP_LOOKUP_AND_DELETE_BATCH;
	case BPF_MAP_GET_FD_BY_ID:
	case BPF_BTF_GET_FD_BY_ID:
	case BPF_PROG_GET_FD_BY_ID:
	case BPF_LINK_GET_FD_BY_ID: return PW_AUDIT_GET_FD_BY_ID;
	case BPF_LINK_DETACH: return PW_AUDIT_LINK_DETACH;
	case BPF_PROG_LOAD: return PW_AUDIT_PROG_LOAD;
	}
	return 0;
}

/*
 * A command on the map behind map_fd (the kernel's file for the fd, not
 * a name): reported when it is a shared map, with the key and value given
 * (for a batch, its first entry; 0 = none). Returns false when a user
 * read failed and last is false: the caller takes the call again at exit.
 */
static __always_inline bool audit_map_cmd(struct audit_scratch *s, __u32 fd, __u32 cmd, __u64 key,
					  __u64 value, __u32 via, bool last)
{
	struct bpf_map *map;
	struct file *f;
	__u32 nk, nv;
	bool ok;

	f = pw_fd_file(fd);
	map = f ? BPF_CORE_READ(f, private_data) : NULL;
	if (!map || !shared_map(map))
		return true;
	ok = read_bytes(s->ev.key, BPF_CORE_READ(map, key_size), key, &nk);
	ok = read_bytes(s->ev.value, BPF_CORE_READ(map, value_size), value, &nv) && ok;
	if (!ok && !last)
		return false;
	begin(cmd_action(cmd), via);
	s->ev.key_len = nk;
	s->ev.value_len = nv;
	s->ev.bpf_cmd = cmd;
	s->ev.object_id = BPF_CORE_READ(map, id);
	BPF_CORE_READ_STR_INTO(&s->ev.object_name, map, name);
	submit(s);
	return true;
}

/*
 * The shared maps' id or BTF id: MAP_GET_FD_BY_ID of a shared map,
 * BTF_GET_FD_BY_ID of a shared map's BTF, known at entry (PROG_ and
 * LINK_: at exit, audit_bpf_exit).
 */
static __always_inline void audit_get_fd_by_id(struct audit_scratch *s, __u32 cmd, __u32 id, __u32 via)
{
	struct bpf_map *map;

	map = cmd == BPF_MAP_GET_FD_BY_ID ? shared_map_by_id(id) : shared_map_by_btf_id(id);
	if (!map)
		return;
	begin(PW_AUDIT_GET_FD_BY_ID, via);
	s->ev.bpf_cmd = cmd;
	s->ev.object_id = id;
	BPF_CORE_READ_STR_INTO(&s->ev.object_name, map, name);
	submit(s);
}

/*
 * PROG_ and LINK_GET_FD_BY_ID: an id cannot be traced to its owner at
 * entry, so the call is kept here (by thread) and judged at exit, from the
 * program behind the new fd: it is pinwatch's when one of the first
 * AUDIT_USED_MAPS maps it uses is a shared map (every pinwatch program
 * counts into stats). Reported after the kernel acts: opening changes
 * nothing. A call whose arguments could not be read at entry (a page not
 * yet faulted in) is kept here too and taken again at exit.
 */
#define AUDIT_USED_MAPS 16

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct audit_pending);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} audit_pending SEC(".maps");

static __always_inline void keep(struct audit_scratch *s, __u32 cmd, __u32 kind, __u32 id, bool attr_ok,
				 __u64 uattr, __u32 size)
{
	__u64 tid = bpf_get_current_pid_tgid();

	s->pend.cmd = cmd;
	s->pend.kind = kind;
	s->pend.id = id;
	s->pend.attr_ok = attr_ok;
	s->pend.uattr = uattr;
	s->pend.size = size;
	s->pend.pad = 0;
	if (attr_ok)
		__builtin_memcpy(&s->pend.attr, &s->attr, sizeof(s->attr));
	if (bpf_map_update_elem(&audit_pending, &tid, &s->pend, BPF_ANY) && kind == AUDIT_RETRY) {
		pw_count(MOD, PW_SEEN); /* not kept: counted lost, not silent */
		pw_count(MOD, PW_DROPPED);
	}
}

/*
 * The sensor's own work on its pins, counted filtered, not reported: an
 * OBJ_GET by the consumer, whose self-check (--tamper-interval, every 10 s)
 * opens every program and link pin (300 events each time with every
 * module: an idle server's trail was nothing else), or by a loader while
 * it loads; and a loader's OBJ_PIN and PROG_LOAD (its programs, feature
 * probes and staging pins: 280 events an up). Reported still: what they
 * change otherwise (map updates, renames of a staging directory into
 * place, unlinks, detaches), the loader's claim and release of
 * config.loader_tgid, and anyone's write of consumer_tgid or loader_tgid.
 */
static __always_inline bool audit_own(__u32 cmd)
{
	struct pw_config *cfg = pw_config_get();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!cfg)
		return false;
	if (cmd == BPF_OBJ_GET && pw_is_consumer(cfg, tgid))
		return true;
	return cfg->loader_tgid && pw_is_loader(cfg, tgid);
}

static __always_inline bool audit_filtered(void)
{
	pw_count(MOD, PW_SEEN);
	pw_count(MOD, PW_FILTERED);
	return true;
}

/*
 * One bpf() command, its arguments in s->attr (a copy: of the user's at a
 * tracepoint, of the kernel's at the LSM hook). Returns false when a read
 * of user memory it points to (a path, a key) failed and last is false:
 * nothing was written, and the caller takes the call again at exit, where
 * the kernel has faulted the pages in. last: write what can be read.
 */
static __always_inline bool audit_cmd(struct audit_scratch *s, __u32 cmd, __u32 via, bool last)
{
	union bpf_attr *a = &s->attr;
	struct file *f;

	switch (cmd) {
	case BPF_OBJ_GET:
	case BPF_OBJ_PIN: {
		long n = bpf_probe_read_user_str(s->path, PW_PATH_MAX, (void *)a->pathname);

		if (n <= 0 && !last)
			return false;
		if (n <= 0)
			s->path[0] = '\0';
		fold(s, s->norm);
		if (n > 0 && !under_root_abs(s->norm))
			return true;
		if (audit_own(cmd))
			return audit_filtered();
		begin(cmd_action(cmd), via);
		s->ev.bpf_cmd = cmd;
		bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->norm);
		submit(s);
		return true;
	}
	case BPF_MAP_UPDATE_ELEM:
		return audit_map_cmd(s, a->map_fd, cmd, a->key, a->value, via, last);
	case BPF_MAP_DELETE_ELEM:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		return audit_map_cmd(s, a->map_fd, cmd, a->key, 0, via, last);
	case BPF_MAP_FREEZE: /* takes only the map */
		return audit_map_cmd(s, a->map_fd, cmd, 0, 0, via, last);
	case BPF_MAP_UPDATE_BATCH: /* arrays: their first entry is shown */
		return audit_map_cmd(s, a->batch.map_fd, cmd, a->batch.keys, a->batch.values, via, last);
	case BPF_MAP_DELETE_BATCH:
		return audit_map_cmd(s, a->batch.map_fd, cmd, a->batch.keys, 0, via, last);
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH: /* keys are output, written by the kernel */
		return audit_map_cmd(s, a->batch.map_fd, cmd, 0, 0, via, last);
	case BPF_MAP_GET_FD_BY_ID:
	case BPF_BTF_GET_FD_BY_ID:
		audit_get_fd_by_id(s, cmd, a->map_id, via);
		return true;
	case BPF_LINK_DETACH:
		begin(PW_AUDIT_LINK_DETACH, via);
		s->ev.bpf_cmd = cmd;
		f = pw_fd_file(a->link_detach.link_fd);
		if (f) {
			struct bpf_link *link = BPF_CORE_READ(f, private_data);

			s->ev.object_id = BPF_CORE_READ(link, id);
			BPF_CORE_READ_STR_INTO(&s->ev.object_name, link, prog, aux, name);
		}
		submit(s);
		return true;
	case BPF_PROG_LOAD:
		if (audit_own(cmd))
			return audit_filtered();
		begin(PW_AUDIT_PROG_LOAD, via);
		s->ev.bpf_cmd = cmd;
		bpf_probe_read_kernel_str(s->ev.object_name, sizeof(s->ev.object_name), a->prog_name);
		submit(s);
		return true;
	}
	return true;
}

static __always_inline bool prog_is_ours(struct bpf_prog *prog)
{
	struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);
	struct bpf_map **used = BPF_CORE_READ(aux, used_maps);
	__u32 n = BPF_CORE_READ(aux, used_map_cnt);

	for (__u32 i = 0; i < AUDIT_USED_MAPS && i < n; i++) {
		struct bpf_map *map = NULL;

		bpf_probe_read_kernel(&map, sizeof(map), &used[i]);
		if (map && shared_map(map))
			return true;
	}
	return false;
}

/* The program of a PROG_ or LINK_GET_FD_BY_ID that returned fd. */
static __always_inline void judge_by_id(struct audit_scratch *s, __u32 cmd, __u32 id, long fd)
{
	struct bpf_prog *prog;
	struct file *f;
	void *obj;

	if (fd < 0)
		return;
	f = pw_fd_file(fd);
	obj = f ? BPF_CORE_READ(f, private_data) : NULL;
	if (!obj)
		return;
	prog = cmd == BPF_LINK_GET_FD_BY_ID ? BPF_CORE_READ((struct bpf_link *)obj, prog)
					    : (struct bpf_prog *)obj;
	if (!prog || !prog_is_ours(prog))
		return;
	begin(PW_AUDIT_GET_FD_BY_ID, PW_AUDIT_VIA_EXIT);
	s->ev.bpf_cmd = cmd;
	s->ev.object_id = id;
	BPF_CORE_READ_STR_INTO(&s->ev.object_name, prog, aux, name);
	submit(s);
}

/* Copies a user bpf_attr of size bytes into s->attr (zeroed past it). */
static __always_inline bool copy_user_attr(struct audit_scratch *s, __u64 uattr, __u32 size)
{
	__u32 n = size < sizeof(s->attr) ? size : sizeof(s->attr);

	__builtin_memset(&s->attr, 0, sizeof(s->attr));
	barrier_var(n);
	n &= 0xff; /* no-op (sizeof(union bpf_attr) < 256): a bound the verifier sees */
	if (!n)
		return false;
	return !bpf_probe_read_user(&s->attr, n, (void *)uattr);
}

SEC("tp/syscalls/sys_exit_bpf")
int audit_bpf_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct audit_pending *p = bpf_map_lookup_elem(&audit_pending, &tid);
	struct audit_scratch *s;

	if (!p)
		return 0;
	s = audit_scratch_get();
	if (!s)
		return 0;
	__builtin_memcpy(&s->pend, p, sizeof(s->pend));
	bpf_map_delete_elem(&audit_pending, &tid);
	if (s->pend.kind == AUDIT_BY_ID) {
		judge_by_id(s, s->pend.cmd, s->pend.id, ctx->ret);
		return 0;
	}
	/* a retry: the kernel has read the arguments, so their pages are in */
	if (s->pend.attr_ok) {
		__builtin_memcpy(&s->attr, &s->pend.attr, sizeof(s->attr));
	} else if (!copy_user_attr(s, s->pend.uattr, s->pend.size)) {
		/* still unreadable (unmapped since): the command alone, not lost */
		begin(cmd_action(s->pend.cmd), PW_AUDIT_VIA_EXIT);
		s->ev.bpf_cmd = s->pend.cmd;
		submit(s);
		return 0;
	}
	audit_cmd(s, s->pend.cmd, PW_AUDIT_VIA_EXIT, true);
	return 0;
}

/*
 * At entry, before the kernel acts. A bpf_attr (or what it points to) in
 * a page not yet faulted in cannot be read here (tracepoint programs do
 * not fault): the call is kept and written at sys_exit_bpf instead (via
 * "exit"), not dropped.
 */
SEC("tp/syscalls/sys_enter_bpf")
int audit_bpf__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u32 cmd = (__u32)ctx->args[0];
	__u64 uattr = ctx->args[1];
	__u32 size = (__u32)ctx->args[2];
	struct audit_scratch *s;

	if (!cmd_action(cmd))
		return 0;
	s = audit_scratch_get();
	if (!s)
		return 0;
	if (!copy_user_attr(s, uattr, size)) {
		keep(s, cmd, AUDIT_RETRY, 0, false, uattr, size);
		return 0;
	}
	if (cmd == BPF_PROG_GET_FD_BY_ID || cmd == BPF_LINK_GET_FD_BY_ID) {
		keep(s, cmd, AUDIT_BY_ID, s->attr.prog_id, false, 0, 0);
		return 0;
	}
	if (!audit_cmd(s, cmd, PW_AUDIT_VIA_ENTRY, false))
		keep(s, cmd, AUDIT_RETRY, 0, true, 0, 0);
	return 0;
}

/*
 * Where BPF LSM runs: the kernel's own copy of the bpf_attr (no fault, no
 * second thread rewriting it after the check), whatever the entry (the
 * 64-bit syscall, a 32-bit compat one). What it points to (a path, a key)
 * is still user memory: a failed read is taken again at sys_exit_bpf.
 */
SEC("lsm/bpf")
int BPF_PROG(audit_bpf__lsm, int cmd, union bpf_attr *attr, unsigned int size)
{
	__u32 n = bpf_core_type_size(union bpf_attr);
	struct audit_scratch *s;

	if (!cmd_action(cmd))
		return 0;
	s = audit_scratch_get();
	if (!s)
		return 0;
	__builtin_memset(&s->attr, 0, sizeof(s->attr));
	if (n > sizeof(s->attr))
		n = sizeof(s->attr);
	barrier_var(n);
	n &= 0xff;
	bpf_probe_read_kernel(&s->attr, n, attr);
	if (cmd == BPF_PROG_GET_FD_BY_ID || cmd == BPF_LINK_GET_FD_BY_ID) {
		keep(s, cmd, AUDIT_BY_ID, s->attr.prog_id, false, 0, 0);
		return 0;
	}
	if (!audit_cmd(s, cmd, PW_AUDIT_VIA_LSM, false))
		keep(s, cmd, AUDIT_RETRY, 0, true, 0, 0);
	return 0;
}

/* ---- unlink, rename, umount ---- */

/*
 * Tracepoint side: the paths resolved (resolve()) and matched against the
 * pin root. A name that cannot be read at entry is kept (by thread) and
 * resolved at the syscall's exit, when the kernel has faulted it in.
 */
struct audit_path_call {
	__u32 action;
	__s32 dfd;
	__s32 newdfd;
	__u32 pad;
	__u64 name;
	__u64 newname;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct audit_path_call);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* calls between entry and exit */
} audit_path_retry SEC(".maps");

static __always_inline int audit_path(__u32 action, int dfd, const char *name, int newdfd,
				      const char *newname, __u32 via)
{
	struct audit_scratch *s = audit_scratch_get();
	bool faulted = false, hit, user = via != PW_AUDIT_VIA_IO_URING;

	if (!s)
		return 0;
	resolve(s, dfd, name, s->ev.path, &faulted, user);
	if (newname)
		resolve(s, newdfd, newname, s->ev.new_path, &faulted, user);
	else
		s->ev.new_path[0] = '\0';
	if (faulted && via == PW_AUDIT_VIA_ENTRY) {
		struct audit_path_call c = { .action = action, .dfd = dfd, .newdfd = newdfd,
					     .name = (__u64)name, .newname = (__u64)newname };
		__u64 tid = bpf_get_current_pid_tgid();

		if (bpf_map_update_elem(&audit_path_retry, &tid, &c, BPF_ANY)) {
			pw_count(MOD, PW_SEEN);
			pw_count(MOD, PW_DROPPED);
		}
		return 0;
	}
	if (action == PW_AUDIT_UMOUNT)
		hit = under_root_abs(s->ev.path) || above_root_abs(s->ev.path);
	else
		hit = under_root_abs(s->ev.path) || (newname && under_root_abs(s->ev.new_path));
	if (!hit)
		return 0;
	/* keep the resolved paths: begin() clears them */
	bpf_probe_read_kernel_str(s->path, PW_PATH_MAX, s->ev.path);
	bpf_probe_read_kernel_str(s->norm, PW_PATH_MAX, s->ev.new_path);
	begin(action, via);
	bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->path);
	bpf_probe_read_kernel_str(s->ev.new_path, sizeof(s->ev.new_path), s->norm);
	submit(s);
	return 0;
}

static __always_inline int path_exit(void)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct audit_path_call *p = bpf_map_lookup_elem(&audit_path_retry, &tid);
	struct audit_path_call c;

	if (!p)
		return 0;
	c = *p;
	bpf_map_delete_elem(&audit_path_retry, &tid);
	return audit_path(c.action, c.dfd, (const char *)c.name, c.newdfd, (const char *)c.newname,
			  PW_AUDIT_VIA_EXIT);
}

SEC("tp/syscalls/sys_enter_unlink")
int audit_unlink__tp(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_UNLINK, AT_FDCWD, (const char *)ctx->args[0], 0, NULL,
			  PW_AUDIT_VIA_ENTRY);
}

SEC("tp/syscalls/sys_enter_unlinkat")
int audit_unlinkat__tpnolsm(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_UNLINK, (int)ctx->args[0], (const char *)ctx->args[1], 0, NULL,
			  PW_AUDIT_VIA_ENTRY);
}

SEC("tp/syscalls/sys_enter_rename")
int audit_rename__tp(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_RENAME, AT_FDCWD, (const char *)ctx->args[0], AT_FDCWD,
			  (const char *)ctx->args[1], PW_AUDIT_VIA_ENTRY);
}

SEC("tp/syscalls/sys_enter_renameat")
int audit_renameat__tpnolsm(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_RENAME, (int)ctx->args[0], (const char *)ctx->args[1],
			  (int)ctx->args[2], (const char *)ctx->args[3], PW_AUDIT_VIA_ENTRY);
}

SEC("tp/syscalls/sys_enter_renameat2")
int audit_renameat2__tpnolsm(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_RENAME, (int)ctx->args[0], (const char *)ctx->args[1],
			  (int)ctx->args[2], (const char *)ctx->args[3], PW_AUDIT_VIA_ENTRY);
}

SEC("tp/syscalls/sys_enter_umount")
int audit_umount__tp(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_UMOUNT, AT_FDCWD, (const char *)ctx->args[0], 0, NULL,
			  PW_AUDIT_VIA_ENTRY);
}

/* The exits of the path syscalls: a name unreadable at entry, again. */
#define PATH_EXIT(sc, hook)						\
	SEC("tp/syscalls/sys_exit_" #sc)				\
	int hook(struct trace_event_raw_sys_exit *ctx)			\
	{								\
		return path_exit();					\
	}
PATH_EXIT(unlink, audit_unlink_exit__tpnolsm)
PATH_EXIT(unlinkat, audit_unlinkat_exit__tpnolsm)
PATH_EXIT(rename, audit_rename_exit__tpnolsm)
PATH_EXIT(renameat, audit_renameat_exit__tpnolsm)
PATH_EXIT(renameat2, audit_renameat2_exit__tpnolsm)
PATH_EXIT(umount, audit_umount_exit__tpnolsm)

/*
 * Where BPF LSM runs: the dentries the kernel resolved, whatever the name
 * (a symlink, a bind mount, /proc/self/cwd, "..") and the entry (unlinkat,
 * io_uring's UNLINKAT and RENAMEAT, 32-bit compat calls).
 */
SEC("lsm/path_unlink")
int BPF_PROG(audit_unlink__lsm, const struct path *dir, struct dentry *dentry)
{
	struct audit_scratch *s = audit_scratch_get();

	if (!s || !dentry_under_root(s, dentry, s->norm))
		return 0;
	begin(PW_AUDIT_UNLINK, PW_AUDIT_VIA_LSM);
	bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->norm);
	submit(s);
	return 0;
}

SEC("lsm/path_rename")
int BPF_PROG(audit_rename__lsm, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry)
{
	struct audit_scratch *s = audit_scratch_get();
	bool from, to;

	if (!s)
		return 0;
	from = dentry_under_root(s, old_dentry, s->norm);
	to = dentry_under_root(s, new_dentry, s->norm + PW_PATH_MAX);
	if (!from && !to)
		return 0;
	begin(PW_AUDIT_RENAME, PW_AUDIT_VIA_LSM);
	if (from)
		bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->norm);
	else
		BPF_CORE_READ_STR_INTO(&s->ev.path, old_dentry, d_name.name);
	if (to)
		bpf_probe_read_kernel_str(s->ev.new_path, sizeof(s->ev.new_path), s->norm + PW_PATH_MAX);
	else
		BPF_CORE_READ_STR_INTO(&s->ev.new_path, new_dentry, d_name.name);
	submit(s);
	return 0;
}

/*
 * An unmount of the pin root's bpffs (its superblock, by device), however
 * it is named. An unmount of a mount above it (umount -l /sys) is not seen
 * here (README).
 */
SEC("lsm/sb_umount")
int BPF_PROG(audit_umount__lsm, struct vfsmount *mnt, int flags)
{
	struct super_block *sb = BPF_CORE_READ(mnt, mnt_sb);
	struct audit_scratch *s;
	__u32 off = 0;

	if (BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC || BPF_CORE_READ(sb, s_dev) != pw_pin_root_dev)
		return 0;
	s = audit_scratch_get();
	if (!s)
		return 0;
	dentry_path(s, mnt, BPF_CORE_READ(mnt, mnt_root), &off);
	bpf_probe_read_kernel_str(s->norm, PW_PATH_MAX, s->path);
	begin(PW_AUDIT_UMOUNT, PW_AUDIT_VIA_LSM);
	bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->norm);
	submit(s);
	return 0;
}

/* ---- where BPF LSM does not run: io_uring and 32-bit compat calls ---- */

/*
 * io_uring UNLINKAT and RENAMEAT submitted through a ring pass no syscall
 * tracepoint. io_uring_submit_req fires after the request's prep, which
 * copied the paths into the kernel (getname: struct filename): they are
 * resolved as the syscalls' are, from the submitting task's cwd and fd
 * table (an SQPOLL thread shares them with its process). One load of the
 * opcode per submitted request, nothing on other syscalls. The request's
 * command data is its first bytes (io_kiocb_to_cmd). 6.18's name of the
 * tracepoint; 6.1 has BPF LSM (path_unlink sees io_uring) instead.
 */
SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(audit_iouring__tpnolsm, struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);

	if (op == IORING_OP_UNLINKAT) {
		struct io_unlink *un = (struct io_unlink *)req;

		return audit_path(PW_AUDIT_UNLINK, BPF_CORE_READ(un, dfd),
				  BPF_CORE_READ(un, filename, name), 0, NULL, PW_AUDIT_VIA_IO_URING);
	}
	if (op == IORING_OP_RENAMEAT) {
		struct io_rename *rn = (struct io_rename *)req;

		return audit_path(PW_AUDIT_RENAME, BPF_CORE_READ(rn, old_dfd),
				  BPF_CORE_READ(rn, oldpath, name), BPF_CORE_READ(rn, new_dfd),
				  BPF_CORE_READ(rn, newpath, name), PW_AUDIT_VIA_IO_URING);
	}
	return 0;
}

/*
 * 32-bit compat syscalls (int $0x80, or a 32-bit process) pass no
 * syscalls/sys_enter_* tracepoint (the kernel's syscall tracepoints skip
 * compat calls). raw_syscalls/sys_enter sees every syscall, so this hook
 * costs every syscall of the host: it is attached only while
 * config.audit_compat is on (pinwatch config set audit_compat on, where
 * the kernel has IA32 emulation). Arguments are read at entry only: no
 * syscall tracepoint fires at a compat call's exit to read them again.
 * i386 numbers (arch/x86/entry/syscalls/syscall_32.tbl) and registers.
 */
#define NR32_UNLINK	10
#define NR32_RENAME	38
#define NR32_UMOUNT2	52
#define NR32_UNLINKAT	301
#define NR32_RENAMEAT	302
#define NR32_RENAMEAT2	353
#define NR32_BPF	357
#define TS_COMPAT_	0x0002	/* arch/x86/include/asm/thread_info.h */

PW_ATTACH_IF(audit_compat)
SEC("raw_tp/sys_enter")
int BPF_PROG(audit_compat__tpnolsm, struct pt_regs *regs, long id)
{
	struct task_struct *task;
	struct audit_scratch *s;
	__u64 a0, a1, a2, a3;

	switch (id) {
	case NR32_UNLINK: case NR32_RENAME: case NR32_UMOUNT2: case NR32_UNLINKAT:
	case NR32_RENAMEAT: case NR32_RENAMEAT2: case NR32_BPF:
		break;
	default:
		return 0;
	}
	task = (struct task_struct *)bpf_get_current_task();
	if (!(BPF_CORE_READ(task, thread_info.status) & TS_COMPAT_))
		return 0; /* a 64-bit call of the same number */
	a0 = (__u32)BPF_CORE_READ(regs, bx);
	a1 = (__u32)BPF_CORE_READ(regs, cx);
	a2 = (__u32)BPF_CORE_READ(regs, dx);
	a3 = (__u32)BPF_CORE_READ(regs, si);
	if (id != NR32_BPF) {
		/* one call of audit_path (each inlined copy costs the verifier) */
		__u32 action = PW_AUDIT_RENAME;
		__u64 dfd = AT_FDCWD, name = a0, newdfd = AT_FDCWD, newname = 0;

		switch (id) {
		case NR32_UNLINK: action = PW_AUDIT_UNLINK; break;
		case NR32_UNLINKAT: action = PW_AUDIT_UNLINK; dfd = a0; name = a1; break;
		case NR32_UMOUNT2: action = PW_AUDIT_UMOUNT; break;
		case NR32_RENAME: newname = a1; break;
		default: dfd = a0; name = a1; newdfd = a2; newname = a3; break; /* renameat, renameat2 */
		}
		return audit_path(action, (int)dfd, (const char *)name, (int)newdfd, (const char *)newname,
				  PW_AUDIT_VIA_COMPAT);
	}
	/* bpf(cmd, attr, size) */
	if (!cmd_action((__u32)a0))
		return 0;
	s = audit_scratch_get();
	if (!s)
		return 0;
	if (!copy_user_attr(s, a1, (__u32)a2)) {
		/* unreadable, and no exit to read it again: the command alone */
		begin(cmd_action((__u32)a0), PW_AUDIT_VIA_COMPAT);
		s->ev.bpf_cmd = (__u32)a0;
		submit(s);
		return 0;
	}
	if ((__u32)a0 == BPF_PROG_GET_FD_BY_ID || (__u32)a0 == BPF_LINK_GET_FD_BY_ID) {
		/* judged from the new fd at exit: none for a compat call; the id */
		begin(PW_AUDIT_GET_FD_BY_ID, PW_AUDIT_VIA_COMPAT);
		s->ev.bpf_cmd = (__u32)a0;
		s->ev.object_id = s->attr.prog_id;
		submit(s);
		return 0;
	}
	audit_cmd(s, (__u32)a0, PW_AUDIT_VIA_COMPAT, true);
	return 0;
}
