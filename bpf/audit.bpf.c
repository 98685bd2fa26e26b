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
 * so, and cannot hide what comes after.
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

struct audit_scratch {
	struct pw_audit ev;
	char path[PATH_BUF];
};

PW_SCRATCH(audit_scratch, struct audit_scratch)

static __always_inline struct audit_scratch *begin(__u32 action)
{
	struct audit_scratch *s = audit_scratch_get();

	if (!s)
		return NULL;
	pw_count(MOD, PW_SEEN);
	pw_fill_hdr(&s->ev.h, PW_EV_AUDIT, MOD, sizeof(s->ev));
	s->ev.action = action;
	s->ev.bpf_cmd = 0;
	s->ev.object_id = 0;
	s->ev.key_len = 0;
	s->ev.value_len = 0;
	s->ev.pad = 0;
	s->ev.object_name[0] = '\0';
	s->ev.path[0] = '\0';
	s->ev.new_path[0] = '\0';
	return s;
}

static __always_inline void submit(struct audit_scratch *s)
{
	struct pw_config *cfg = pw_config_get();
	__u64 flags = cfg ? pw_wakeup_flag(cfg, sizeof(s->ev)) : BPF_RB_FORCE_WAKEUP;

	if (bpf_ringbuf_output(&events, &s->ev, sizeof(s->ev), flags))
		pw_count(MOD, PW_DROPPED);
	else
		pw_count(MOD, PW_EMITTED);
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

static __always_inline struct dentry *dir_dentry(int dfd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *f;

	if (dfd == AT_FDCWD)
		return BPF_CORE_READ(task, fs, pwd.dentry);
	f = pw_fd_file(dfd);
	return f ? BPF_CORE_READ(f, f_path.dentry) : NULL;
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

/*
 * Resolves (dfd, name) to a path under the pin root into out; returns
 * false when it is not under it. Absolute names are compared as text;
 * relative ones by the ancestry of their directory (the pin root's inode
 * on bpffs), up to the two levels pinwatch's layout has.
 */
static __always_inline bool resolve(struct audit_scratch *s, int dfd, const char *name, char *out)
{
	struct dentry *d, *dirs[3] = {};
	__u32 off = 0;
	int depth = -1;

	if (bpf_probe_read_user_str(s->path, PW_PATH_MAX, name) <= 0)
		return false;
	if (s->path[0] == '/') {
		if (!under_root_abs(s->path))
			return false;
		bpf_probe_read_kernel_str(out, PW_PATH_MAX, s->path);
		return true;
	}
	d = dir_dentry(dfd);
	for (int i = 0; i < 3 && d; i++) {
		struct super_block *sb = BPF_CORE_READ(d, d_sb);

		if (BPF_CORE_READ(sb, s_magic) != BPF_FS_MAGIC)
			return false;
		dirs[i] = d;
		if (BPF_CORE_READ(d, d_inode, i_ino) == pw_pin_root_ino) {
			depth = i;
			break;
		}
		d = BPF_CORE_READ(d, d_parent);
	}
	if (depth < 0)
		return false;
	append(s->path, &off, (const void *)pw_pin_root, false);
	for (int i = 2; i >= 0; i--) {
		if (i >= depth)
			continue;
		append_slash(s->path, &off);
		append(s->path, &off, BPF_CORE_READ(dirs[i], d_name.name), false);
	}
	append_slash(s->path, &off);
	append(s->path, &off, name, true);
	bpf_probe_read_kernel_str(out, PW_PATH_MAX, s->path);
	return true;
}

/* The shared maps (bpf/maps.bpf.h). */
#define SHARED_MAPS(X)								\
	X(config) X(stats) X(events) X(filter_pid) X(filter_uid) X(filter_comm)	\
	X(filter_cgroup) X(filter_cidr) X(filter_path) X(proc_cache) X(blocklist)

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

/* Copies min(size, PW_AUDIT_BYTES) user bytes at uptr into buf; returns the count. */
static __always_inline __u32 read_bytes(__u8 *buf, __u32 size, __u64 uptr)
{
	__u32 n = size > PW_AUDIT_BYTES ? PW_AUDIT_BYTES : size;

	if (!n || !uptr || bpf_probe_read_user(buf, n, (void *)uptr))
		return 0;
	return n;
}

/*
 * A command on the map behind map_fd: reported when it is a shared map,
 * with the key and value given (for a batch, its first entry; 0 = none).
 */
static __always_inline void audit_map_cmd(__u32 fd, __u32 cmd, __u32 action, __u64 key,
					  __u64 value)
{
	struct audit_scratch *s;
	struct bpf_map *map;
	struct file *f;

	f = pw_fd_file(fd);
	map = f ? BPF_CORE_READ(f, private_data) : NULL;
	if (!map || !shared_map(map))
		return;
	s = begin(action);
	if (!s)
		return;
	s->ev.bpf_cmd = cmd;
	s->ev.object_id = BPF_CORE_READ(map, id);
	BPF_CORE_READ_STR_INTO(&s->ev.object_name, map, name);
	s->ev.key_len = read_bytes(s->ev.key, BPF_CORE_READ(map, key_size), key);
	s->ev.value_len = read_bytes(s->ev.value, BPF_CORE_READ(map, value_size), value);
	submit(s);
}

static __always_inline void audit_map_elem(union bpf_attr *uattr, __u32 cmd, __u32 action)
{
	__u64 key = 0, value = 0;
	__u32 fd = 0;

	bpf_probe_read_user(&fd, sizeof(fd), &uattr->map_fd);
	if (cmd != BPF_MAP_FREEZE) /* freeze takes only the map */
		bpf_probe_read_user(&key, sizeof(key), &uattr->key);
	if (cmd == BPF_MAP_UPDATE_ELEM)
		bpf_probe_read_user(&value, sizeof(value), &uattr->value);
	audit_map_cmd(fd, cmd, action, key, value);
}

/* Batches: keys and values are arrays; their first entry is shown. */
static __always_inline void audit_map_batch(union bpf_attr *uattr, __u32 cmd, __u32 action)
{
	__u64 keys = 0, values = 0;
	__u32 fd = 0;

	bpf_probe_read_user(&fd, sizeof(fd), &uattr->batch.map_fd);
	/* lookup_and_delete_batch: keys are output, written by the kernel */
	if (cmd != BPF_MAP_LOOKUP_AND_DELETE_BATCH)
		bpf_probe_read_user(&keys, sizeof(keys), &uattr->batch.keys);
	if (cmd == BPF_MAP_UPDATE_BATCH)
		bpf_probe_read_user(&values, sizeof(values), &uattr->batch.values);
	audit_map_cmd(fd, cmd, action, keys, values);
}

/*
 * MAP_GET_FD_BY_ID of a shared map, BTF_GET_FD_BY_ID of a shared map's
 * BTF, known at entry (PROG_ and LINK_: at exit, audit_bpf_exit).
 */
static __always_inline void audit_get_fd_by_id(union bpf_attr *uattr, __u32 cmd)
{
	struct audit_scratch *s;
	struct bpf_map *map;
	__u32 id = 0;

	bpf_probe_read_user(&id, sizeof(id), &uattr->map_id);
	map = cmd == BPF_MAP_GET_FD_BY_ID ? shared_map_by_id(id) : shared_map_by_btf_id(id);
	if (!map)
		return;
	s = begin(PW_AUDIT_GET_FD_BY_ID);
	if (!s)
		return;
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
 * counts into stats). Reported after the kernel acts: opening changes nothing.
 */
#define AUDIT_USED_MAPS 16

struct audit_by_id {
	__u32 cmd;
	__u32 id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct audit_by_id);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} audit_by_id SEC(".maps");

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

SEC("tp/syscalls/sys_exit_bpf")
int audit_bpf_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u64 tid = bpf_get_current_pid_tgid();
	struct audit_by_id *p = bpf_map_lookup_elem(&audit_by_id, &tid);
	struct audit_by_id call;
	struct audit_scratch *s;
	struct bpf_prog *prog;
	struct file *f;
	void *obj;

	if (!p)
		return 0;
	call = *p;
	bpf_map_delete_elem(&audit_by_id, &tid);
	if (ctx->ret < 0)
		return 0;
	f = pw_fd_file((__u32)ctx->ret);
	obj = f ? BPF_CORE_READ(f, private_data) : NULL;
	if (!obj)
		return 0;
	prog = call.cmd == BPF_LINK_GET_FD_BY_ID ? BPF_CORE_READ((struct bpf_link *)obj, prog)
						 : (struct bpf_prog *)obj;
	if (!prog || !prog_is_ours(prog))
		return 0;
	s = begin(PW_AUDIT_GET_FD_BY_ID);
	if (!s)
		return 0;
	s->ev.bpf_cmd = call.cmd;
	s->ev.object_id = call.id;
	BPF_CORE_READ_STR_INTO(&s->ev.object_name, prog, aux, name);
	submit(s);
	return 0;
}

SEC("tp/syscalls/sys_enter_bpf")
int audit_bpf(struct trace_event_raw_sys_enter *ctx)
{
	__u32 cmd = (__u32)ctx->args[0];
	union bpf_attr *uattr = (union bpf_attr *)ctx->args[1];
	struct audit_scratch *s;
	__u64 pathname = 0;
	__u32 fd = 0;
	struct file *f;

	switch (cmd) {
	case BPF_OBJ_GET:
	case BPF_OBJ_PIN: {
		struct audit_scratch *tmp = audit_scratch_get();

		bpf_probe_read_user(&pathname, sizeof(pathname), &uattr->pathname);
		if (!tmp || bpf_probe_read_user_str(tmp->path, PW_PATH_MAX, (void *)pathname) <= 0 ||
		    !under_root_abs(tmp->path))
			return 0;
		s = begin(cmd == BPF_OBJ_GET ? PW_AUDIT_OBJ_GET : PW_AUDIT_OBJ_PIN);
		if (!s)
			return 0;
		s->ev.bpf_cmd = cmd;
		bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->path);
		submit(s);
		return 0;
	}
	case BPF_MAP_UPDATE_ELEM:
		audit_map_elem(uattr, cmd, PW_AUDIT_MAP_UPDATE);
		return 0;
	case BPF_MAP_DELETE_ELEM:
		audit_map_elem(uattr, cmd, PW_AUDIT_MAP_DELETE);
		return 0;
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM:
		audit_map_elem(uattr, cmd, PW_AUDIT_MAP_LOOKUP_AND_DELETE);
		return 0;
	case BPF_MAP_FREEZE:
		audit_map_elem(uattr, cmd, PW_AUDIT_MAP_FREEZE);
		return 0;
	case BPF_MAP_UPDATE_BATCH:
		audit_map_batch(uattr, cmd, PW_AUDIT_MAP_UPDATE_BATCH);
		return 0;
	case BPF_MAP_DELETE_BATCH:
		audit_map_batch(uattr, cmd, PW_AUDIT_MAP_DELETE_BATCH);
		return 0;
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH:
		audit_map_batch(uattr, cmd, PW_AUDIT_MAP_LOOKUP_AND_DELETE_BATCH);
		return 0;
	case BPF_MAP_GET_FD_BY_ID:
	case BPF_BTF_GET_FD_BY_ID:
		audit_get_fd_by_id(uattr, cmd);
		return 0;
	case BPF_PROG_GET_FD_BY_ID:
	case BPF_LINK_GET_FD_BY_ID: {
		__u64 tid = bpf_get_current_pid_tgid();
		struct audit_by_id call = { .cmd = cmd };

		bpf_probe_read_user(&call.id, sizeof(call.id), &uattr->prog_id);
		bpf_map_update_elem(&audit_by_id, &tid, &call, BPF_ANY);
		return 0;
	}
	case BPF_LINK_DETACH:
		s = begin(PW_AUDIT_LINK_DETACH);
		if (!s)
			return 0;
		s->ev.bpf_cmd = cmd;
		bpf_probe_read_user(&fd, sizeof(fd), &uattr->link_detach.link_fd);
		f = pw_fd_file(fd);
		if (f) {
			struct bpf_link *link = BPF_CORE_READ(f, private_data);

			s->ev.object_id = BPF_CORE_READ(link, id);
			BPF_CORE_READ_STR_INTO(&s->ev.object_name, link, prog, aux, name);
		}
		submit(s);
		return 0;
	case BPF_PROG_LOAD:
		s = begin(PW_AUDIT_PROG_LOAD);
		if (!s)
			return 0;
		s->ev.bpf_cmd = cmd;
		bpf_probe_read_user_str(s->ev.object_name, sizeof(s->ev.object_name), &uattr->prog_name);
		submit(s);
		return 0;
	}
	return 0;
}

static __always_inline int audit_path(__u32 action, int dfd, const char *name, int newdfd,
				      const char *newname)
{
	struct audit_scratch *s = audit_scratch_get();

	if (!s || !resolve(s, dfd, name, s->ev.path))
		return 0;
	/* resolve() wrote into the scratch; begin() must not wipe the path */
	bpf_probe_read_kernel_str(s->path + PW_PATH_MAX, PW_PATH_MAX, s->ev.path);
	s = begin(action);
	if (!s)
		return 0;
	bpf_probe_read_kernel_str(s->ev.path, sizeof(s->ev.path), s->path + PW_PATH_MAX);
	if (newname && !resolve(s, newdfd, newname, s->ev.new_path)) {
		/* moved out of the pin root: report the name as given */
		bpf_probe_read_user_str(s->ev.new_path, sizeof(s->ev.new_path), newname);
	}
	submit(s);
	return 0;
}

SEC("tp/syscalls/sys_enter_unlink")
int audit_unlink(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_UNLINK, AT_FDCWD, (const char *)ctx->args[0], 0, NULL);
}

SEC("tp/syscalls/sys_enter_unlinkat")
int audit_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_UNLINK, (int)ctx->args[0], (const char *)ctx->args[1], 0, NULL);
}

SEC("tp/syscalls/sys_enter_rename")
int audit_rename(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_RENAME, AT_FDCWD, (const char *)ctx->args[0], AT_FDCWD,
			  (const char *)ctx->args[1]);
}

SEC("tp/syscalls/sys_enter_renameat")
int audit_renameat(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_RENAME, (int)ctx->args[0], (const char *)ctx->args[1],
			  (int)ctx->args[2], (const char *)ctx->args[3]);
}

SEC("tp/syscalls/sys_enter_renameat2")
int audit_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return audit_path(PW_AUDIT_RENAME, (int)ctx->args[0], (const char *)ctx->args[1],
			  (int)ctx->args[2], (const char *)ctx->args[3]);
}
