/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * process: exec, exit and fork (execsnoop, exitsnoop), and the proc_cache
 * that lets every module say which image, and whose child, an event came
 * from.
 *
 * exec runs as a tail-call chain through the pinned prog array "chain":
 * exec__tp (entry) -> exec_filter -> exec_enrich -> exec_context ->
 * exec_output, sharing one per-CPU scratch record, and then, for a blocked
 * binary only, the action stage enforce__tp. exec_context (the exec
 * context: exe_flags, stdio, env, cwd) is a stage of its own, appended at
 * index 4, so the slots 0-3 keep their meaning.
 *
 * Enforcement (`pinwatch block`): the entry looks the new image's file up
 * in maps/blocklist by (dev, ino) before anything else. A hit reaches the
 * action stage from wherever the exec's event ends: after the output stage,
 * and also when the filters, the switches or the consumer exclusion drop
 * the exec event, so no filter can let a blocked binary run. The action
 * stage kills (bpf_send_signal(SIGKILL): pending before the new image runs
 * its first instruction) or, in audit mode, only reports. Where BPF LSM
 * programs run, enforce__lsm refuses the exec at bprm_check_security with
 * EPERM; such an exec never reaches sched_process_exec, so the action stage
 * needs no switch: it still kills what slips past (an entry added between
 * the two hooks) and reports audit-mode execs.
 *
 * ld.so BLOCKED execs the dynamic loader, which then maps the blocked
 * file itself: where BPF LSM programs run, mmap__lsm (mmap_file) refuses
 * an executable mapping of a blocked file with EPERM; elsewhere mmap__tp
 * (sys_enter_mmap) kills a process that maps a blocked file executable
 * (PROT_EXEC, from a file descriptor). Either way an enforce event via
 * mmap. Both return at once while the blocklist is empty
 * (config.blocklist_entries 0), so mmap pays one config read.
 *
 * Program names <hook>__<variant> are alternatives for one hook: the loader
 * attaches the first one the kernel supports (see loader/load.c). A chain
 * stage is always loaded: enforce__tp serves the hook enforce where
 * enforce__lsm cannot attach.
 */
#include "common.bpf.h"
#include "net_addr.bpf.h"
#include "path_walk.bpf.h"
#include "rules.bpf.h"
#include "container.bpf.h"
#include "drop.bpf.h"

#define MOD PW_MOD_PROCESS
#define SIGKILL		9
#define EPERM		1
#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */
#define PROT_EXEC	0x4		/* include/uapi/asm-generic/mman-common.h */
#define MAP_ANONYMOUS	0x20		/* same file: the fd is then ignored */

/* The chain's stages: (index in the chain, program). The indexes are the
 * pinned layout of process/chain (pinned-layout.md). */
#define EXEC_STAGES(X)				\
	X(EXEC_STAGE_FILTER, 0, exec_filter)	\
	X(EXEC_STAGE_ENRICH, 1, exec_enrich)	\
	X(EXEC_STAGE_ACTION, 2, enforce__tp)	\
	X(EXEC_STAGE_OUTPUT, 3, exec_output)	\
	X(EXEC_STAGE_CONTEXT, 4, exec_context)

#define EXEC_CHAIN_ENTRIES 8

#define EXEC_STAGE_ENUM(name, index, prog) name = index,
enum exec_stage { EXEC_STAGES(EXEC_STAGE_ENUM) };

#define EXEC_STAGE_DECL(name, index, prog) \
	int prog(struct trace_event_raw_sched_process_exec *ctx);
EXEC_STAGES(EXEC_STAGE_DECL)

#define ENV_VAR_READ	256	/* bytes of one NAME=value copied at most */
#define ENV_CHUNK	4096	/* bytes of the environment read at a time */
#define ENV_CHUNKS	8	/* chunks scanned: 32 KiB of environment */
#define ENV_STEP_WORDS	8	/* words of a chunk scanned a bpf_loop step */
#define ENV_PTRS	64	/* envp[] entries read at a time */
#define ENV_STRINGS	512	/* environment strings looked at, at most */
#define INODE_HEAD	128	/* bytes of an inode read at once: i_mode .. i_rdev */
#define AUXV_PAIRS	32	/* (type, value) pairs of mm->saved_auxv looked at */
#define AT_SECURE	23	/* include/uapi/linux/auxvec.h */
#define AT_TYPE_MAX	0xffff	/* above any AT_* type (they are below 64) */

/* The environment scan's state (see read_env). */
struct env_state {
	unsigned long p, end;	/* the chunk's start, the area's end (user) */
	__u32 n;		/* bytes in the chunk */
	__u32 w;		/* next word of the chunk */
	__u32 defer;		/* offset of a string left to the next chunk, or 0 */
	__u32 off;		/* bytes of env used */
	__u32 chunks;		/* chunks read */
	__u32 nnames;
	__u32 o;		/* the string env_name compares, */
	__u16 two;		/* and its first two bytes */
	__u16 pfx[PW_EXEC_ENV_NAMES];	/* each name's (name[1] '=' for a 1-byte name) */
	__u64 first[4];		/* bit c: some name starts with byte c */
	__u8 skip0;		/* the chunk's byte 0 is not a string's start */
	__u8 last;		/* the chunk ends the area */
	__u8 truncated;
	__u8 bad;		/* envp[] does not check out: scan the words */
	__u8 done;		/* envp[]'s NULL reached */
	__u8 found;		/* bit j: exec_env's name j is in the environment */
	__u8 pad[2];
	/* the walk over envp[] */
	unsigned long start;	/* mm->env_start */
	unsigned long ep;	/* user address of the next envp[] entry */
	unsigned long prev;	/* the last string's address */
	__u32 pi, pn;		/* next entry of s->envp, entries in it */
	__u32 strings;		/* strings looked at */
	__u32 pad2;
};

struct exec_scratch {
	struct pw_exec ev;
	struct pw_proc proc;
	struct pw_lineage lin;
	struct pw_block_key image;	/* the new image's file */
	__u32 blocked;			/* image is in the blocklist: run the action stage */
	__u32 filtered;			/* the filters exclude the event unless a rule alerts */
	__u32 rules_only;		/* the module is off: the event is built for the rules */
	__u32 pad;
	/* exec_context's work space */
	struct pw_walk_space walk;	/* the cwd */
	char env[PW_EXEC_ENV_MAX + ENV_VAR_READ];
	unsigned long auxv[AUXV_PAIRS * 2];
	char ihead[INODE_HEAD];		/* an inode's first bytes (HEAD_FIELD) */
	/* a chunk of the environment, and room for a NAME= compared past
	 * its end */
	__u64 envbuf[(ENV_CHUNK + PW_EXEC_ENV_NAME_MAX) / 8];
	unsigned long envp[ENV_PTRS];	/* a piece of the new image's envp[] */
	struct env_state scan;
};

/* process/exec_env (key 0): the environment variable names the exec event
 * reports; the loader writes the defaults, `pinwatch config set exec_env`
 * (or bpftool) replaces them. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pw_exec_env);
} exec_env SEC(".maps");

PW_SCRATCH(exec_scratch, struct exec_scratch)

/* The loader finds the stages in this initializer (they always load). */
#define EXEC_STAGE_ENTRY(name, index, prog) [name] = (void *)&prog,
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, EXEC_CHAIN_ENTRIES);
	__type(key, __u32);
	__array(values, int (void *));
} chain SEC(".maps") = {
	.values = { EXEC_STAGES(EXEC_STAGE_ENTRY) },
};

/* ---- enforcement ---- */

/* pid 1 and kernel threads are never acted on. (A kernel thread runs no
 * binary of its own; one that execs, like the kernel's usermode helpers,
 * stops being a kernel thread in that exec.) */
static __always_inline bool exempt(struct task_struct *task)
{
	return (bpf_get_current_pid_tgid() >> 32) == 1 ||
	       (BPF_CORE_READ(task, flags) & PF_KTHREAD);
}

static __always_inline void file_key(struct file *f, struct pw_block_key *k)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);

	k->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k->ino = BPF_CORE_READ(inode, i_ino);
}

/*
 * An enforce event is a kernel event of its own: counted seen, then
 * emitted or dropped, never filtered (like audit events, it ignores the
 * filters and switches). Built in the ring itself: the LSM program may be
 * preempted, so it cannot share a per-CPU scratch.
 */
static __always_inline void emit_enforce(const struct pw_block_key *k, const struct pw_block *b,
					 __u32 action, long err, const void *filename, __u32 via)
{
	struct pw_config *cfg = pw_config_get();
	struct pw_enforce *ev;

	pw_count(MOD, PW_SEEN);
	ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);
	if (!ev) {
		pw_count(MOD, PW_DROPPED);
		return;
	}
	pw_fill_hdr(&ev->h, PW_EV_ENFORCE, MOD, sizeof(*ev));
	ev->dev = k->dev;
	ev->ino = k->ino;
	ev->action = action;
	ev->mode = b->mode;
	ev->error = err;
	ev->via = via;
	bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), b->path);
	bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), filename);
	bpf_ringbuf_submit(ev, cfg ? pw_wakeup_flag(cfg, sizeof(*ev)) : BPF_RB_FORCE_WAKEUP);
	pw_count(MOD, PW_EMITTED);
}

/* A hit in the blocklist, caught via exec or mmap: kill mode sends
 * SIGKILL to the current process (pending before it returns to user
 * space), audit mode only reports; an enforce event either way. */
static __always_inline void block_act(const struct pw_block_key *k, const struct pw_block *b,
				      const void *filename, __u32 via)
{
	__u32 action = PW_ENFORCE_AUDIT;
	long err = 0;

	if (b->mode == PW_BLOCK_KILL) {
		err = bpf_send_signal(SIGKILL);
		action = PW_ENFORCE_KILLED;
	}
	emit_enforce(k, b, action, err, filename, via);
}

/*
 * Where the exec's own event ends (emitted, filtered, switched off): go on
 * to the action stage for a blocked image. The chain is frozen with the
 * stage in it, so the tail call cannot fail; if it ever did, the kill is
 * still done here and its event counted dropped.
 */
static __always_inline void to_action(void *ctx, struct exec_scratch *s)
{
	struct pw_block *b;

	if (!s->blocked)
		return;
	bpf_tail_call(ctx, &chain, EXEC_STAGE_ACTION);
	b = bpf_map_lookup_elem(&blocklist, &s->image);
	if (b && b->mode == PW_BLOCK_KILL)
		bpf_send_signal(SIGKILL);
	pw_count_event(MOD, PW_DROPPED);
}

/* The exec's event ends here with outcome (s NULL: no scratch, nothing
 * more to do); a blocked image goes on to the action stage. */
static __always_inline int exec_end(void *ctx, struct exec_scratch *s, enum pw_outcome outcome)
{
	pw_count(MOD, outcome);
	if (s)
		to_action(ctx, s);
	return 0;
}

/* One step down the chain: a tail call to stage, which does not return.
 * If it fails (the chain is broken), the event ends here, dropped. */
static __always_inline int exec_next(void *ctx, struct exec_scratch *s, enum exec_stage stage)
{
	bpf_tail_call(ctx, &chain, stage);
	return exec_end(ctx, s, PW_DROPPED);
}

/* The new image in proc_lineage (for every exec, like proc_cache), kept
 * after the process exits: the consumer names parents and ancestors by it.
 * argv is read up to PW_LINEAGE_ARGS_MAX bytes. */
static __always_inline void record_lineage(struct exec_scratch *s, struct task_struct *task,
					   __u32 tgid)
{
	struct pw_lineage *l = &s->lin;
	unsigned long start = BPF_CORE_READ(task, mm, arg_start);
	unsigned long end = BPF_CORE_READ(task, mm, arg_end);
	__u64 id = s->proc.exec_id;
	__u64 len = end > start ? end - start : 0;

	l->parent_exec_id = s->proc.parent_exec_id;
	l->exec_ns = s->proc.exec_ns;
	l->cgroup_id = bpf_get_current_cgroup_id();
	l->pid = tgid;
	l->ppid = s->proc.ppid;
	l->uid = s->proc.uid;
	l->flags = len > PW_LINEAGE_ARGS_MAX ? PW_LINEAGE_ARGS_TRUNCATED : 0;
	l->pad = 0;
	if (len > PW_LINEAGE_ARGS_MAX)
		len = PW_LINEAGE_ARGS_MAX;
	if (len && bpf_probe_read_user(l->args, len, (void *)start))
		len = 0;
	l->args_len = len;
	__builtin_memcpy(l->binary, s->proc.binary, sizeof(l->binary));
	bpf_map_update_elem(&proc_lineage, &id, l, BPF_ANY);

	/* The LRU keeps what is looked up: a lookup of each ancestor keeps
	 * the chain of a live process from being evicted by the images of
	 * other processes (one hash lookup per level, at most the default
	 * depth of the consumer's ancestors and the parent). */
	id = l->parent_exec_id;
	for (int i = 0; i <= PW_DEFAULT_ANCESTORS && id; i++) {
		struct pw_lineage *up = bpf_map_lookup_elem(&proc_lineage, &id);

		if (!up)
			break;
		id = up->parent_exec_id;
	}
}

/*
 * The executed file's path as the kernel resolved it, into proc.binary:
 * mm->exe_file's dentries walked up to the task's root, across mounts
 * (bpf/path_walk.bpf.h), so that a relative path, "//", "..", or a symlink
 * in the execve filename cannot move the image out of (or into) a
 * directory the rules judge (--binary-prefix, --parent-prefix, --ancestor,
 * the exec rule's --path). A path that is not one from the task's root (a
 * memfd, a file outside a chroot, a walk cut short) starts with '?' in
 * place of '/': no absolute prefix matches it, so a `!` exemption fails
 * closed. The walk's work space is exec_context's cwd space, free until
 * that stage.
 */
static __always_inline void read_binary(struct exec_scratch *s, struct file *exe)
{
	struct path p = {};

	BPF_CORE_READ_INTO(&p, exe, f_path);	/* dentry and mnt, one read */
	if (!p.dentry) {
		s->proc.binary[0] = '?';
		s->proc.binary[1] = '\0';
		return;
	}
	if (!pw_walk_path(&s->walk, p.dentry, p.mnt, s->proc.binary, sizeof(s->proc.binary)))
		s->proc.binary[0] = '?';
}

/* Entry: record the new image in proc_cache (for every exec, filtered or
 * not, so other modules can attribute events), look it up in the
 * blocklist, note the cgroup's container, then start the chain. */
SEC("tp/sched/sched_process_exec")
int exec__tp(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	unsigned int fname_off = ctx->__data_loc_filename & 0xffff;
	struct exec_scratch *s = exec_scratch_get();
	struct pw_proc *parent;
	struct pw_config *cfg;
	struct file *exe;
	bool rules_only;

	if (!s)
		return 0;
	exe = BPF_CORE_READ(task, mm, exe_file);
	s->proc.ppid = BPF_CORE_READ(task, real_parent, tgid);
	parent = bpf_map_lookup_elem(&proc_cache, &s->proc.ppid);
	s->proc.parent_exec_id = parent ? parent->exec_id : 0;
	s->proc.exec_id = pw_make_exec_id();
	s->proc.exec_ns = bpf_ktime_get_ns();
	s->proc.uid = (__u32)bpf_get_current_uid_gid();
	read_binary(s, exe);
	bpf_map_update_elem(&proc_cache, &tgid, &s->proc, BPF_ANY);
	record_lineage(s, task, tgid);

	/* One hash lookup per exec; before any switch or filter is read. */
	s->blocked = 0;
	if (!exempt(task)) {
		file_key(exe, &s->image);
		s->blocked = bpf_map_lookup_elem(&blocklist, &s->image) != NULL;
	}

	/* the container of the cgroup the image runs in, before the filters
	 * look it up (maps/cgroup_container, bpf/container.bpf.h) */
	pw_container_note();

	cfg = pw_rule_begin(MOD, tgid, &rules_only);
	if (!cfg) {
		to_action(ctx, s);
		return 0;
	}
	s->rules_only = rules_only;
	pw_fill_hdr(&s->ev.h, PW_EV_EXEC, MOD, 0);
	bpf_probe_read_kernel_str(s->ev.filename, sizeof(s->ev.filename),
				  (void *)ctx + fname_off);
	__builtin_memcpy(s->ev.exe_path, s->proc.binary, sizeof(s->ev.exe_path));
	return exec_next(ctx, s, EXEC_STAGE_FILTER);
}

/* The pid/uid/comm/cgroup filters. While some rule names exec, an exec
 * they exclude still goes down the chain: the rules, in the output stage,
 * see its exec context, and an alert passes the filters. */
SEC("tp/sched/sched_process_exec")
int exec_filter(struct trace_event_raw_sched_process_exec *ctx)
{
	struct exec_scratch *s = exec_scratch_get();
	struct pw_config *cfg = pw_config_get();

	if (!s || !cfg)
		return exec_end(ctx, s, PW_DROPPED);
	/* the module off but wanted by a rule: only an alert is emitted */
	s->filtered = s->rules_only || pw_filtered(cfg, &s->ev.h);
	if (s->filtered && !pw_rule_type_used(PW_EV_EXEC))
		return exec_end(ctx, s, PW_FILTERED);
	return exec_next(ctx, s, EXEC_STAGE_ENRICH);
}

/* The new image's argv, from its mm, into ev. */
static __always_inline void read_args(struct pw_exec *ev)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned long start, end;
	__u64 len;

	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	ev->args_truncated = len > PW_ARGS_MAX;
	if (len > PW_ARGS_MAX)
		len = PW_ARGS_MAX;
	if (len && bpf_probe_read_user(ev->args, len, (void *)start))
		len = 0;
	ev->args_len = len;
	ev->h.size = offsetof(struct pw_exec, args) + len;
}

SEC("tp/sched/sched_process_exec")
int exec_enrich(struct trace_event_raw_sched_process_exec *ctx)
{
	struct exec_scratch *s = exec_scratch_get();

	if (!s)
		return exec_end(ctx, s, PW_DROPPED);
	read_args(&s->ev);
	return exec_next(ctx, s, EXEC_STAGE_CONTEXT);
}

/* ---- exec context ---- */

#define TMPFS_MAGIC		0x01021994
#define HUGETLBFS_MAGIC		0x958458f6
#define OVERLAYFS_SUPER_MAGIC	0x794c7630
#define PW_S_IFIFO		0010000
#define PW_S_IFCHR		0020000
#define PW_S_IFREG		0100000

/*
 * A field of an object whose first sizeof(head) bytes were read with one
 * bpf_probe_read_kernel: taken from the head at its CO-RE offset where it
 * lies inside (the offset is a relocated constant, so the verifier keeps
 * one branch), else read on its own.
 */
#define HEAD_FIELD(head, ptr, type, field)						\
	(bpf_core_field_offset(type, field) + sizeof(((type *)0)->field) <= sizeof(head) ?	\
	 *(typeof(((type *)0)->field) *)((void *)(head) + bpf_core_field_offset(type, field)) : \
	 BPF_CORE_READ((type *)(ptr), field))

/* overlayfs's inode around the VFS inode (fs/overlayfs/ovl_entry.h): in
 * vmlinux BTF when overlay is built in, in the overlay module's BTF
 * otherwise (libbpf looks there too). */
struct ovl_inode___pw {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

/* An overlayfs file whose inode has an upper dentry: written (or copied
 * up) in the upper layer, as a container's writes are. */
static __always_inline bool exe_upper(struct inode *inode)
{
	struct ovl_inode___pw *oi;

	if (!bpf_core_field_exists(struct ovl_inode___pw, __upperdentry))
		return false;
	oi = (void *)inode - bpf_core_field_offset(struct ovl_inode___pw, vfs_inode);
	return BPF_CORE_READ(oi, __upperdentry) != NULL;
}

/* AT_SECURE in the new image's auxiliary vector: bprm->secureexec, set
 * when the exec changed credentials (setuid, setgid, file capabilities,
 * or an LSM's say). A 32-bit image's vector has 4-byte entries (the
 * compat loader writes elf_addr_t into saved_auxv): its first entry read
 * as 8 bytes is type | value << 32, larger than any AT_* type. */
static __always_inline bool exe_secure(struct exec_scratch *s, struct mm_struct *mm)
{
	__u32 *a32 = (__u32 *)s->auxv;

	if (bpf_probe_read_kernel(s->auxv, sizeof(s->auxv), &mm->saved_auxv))
		return false;
	if (s->auxv[0] > AT_TYPE_MAX) {
		for (int i = 0; i < AUXV_PAIRS; i++) {
			if (a32[2 * i] == 0)	/* AT_NULL */
				return false;
			if (a32[2 * i] == AT_SECURE)
				return a32[2 * i + 1] != 0;
		}
		return false;
	}
	for (int i = 0; i < AUXV_PAIRS; i++) {
		if (s->auxv[2 * i] == 0)	/* AT_NULL */
			return false;
		if (s->auxv[2 * i] == AT_SECURE)
			return s->auxv[2 * i + 1] != 0;
	}
	return false;
}

static __always_inline __u32 exe_flags(struct exec_scratch *s, struct mm_struct *mm)
{
	struct file *f = BPF_CORE_READ(mm, exe_file);
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct super_block *sb;
	unsigned long magic;
	char name[8] = {};
	__u32 flags = 0;

	if (bpf_probe_read_kernel(s->ihead, sizeof(s->ihead), inode))
		return 0;
	sb = HEAD_FIELD(s->ihead, inode, struct inode, i_sb);
	magic = BPF_CORE_READ(sb, s_magic);
	if (magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC)
		bpf_probe_read_kernel_str(name, sizeof(name),
					  BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
	    name[4] == 'd' && name[5] == ':')
		flags |= PW_EXE_MEMFD;
	/* a memfd is never linked: deleted says more only for other files */
	else if (HEAD_FIELD(s->ihead, inode, struct inode, __i_nlink) == 0)
		flags |= PW_EXE_DELETED;
	if (magic == OVERLAYFS_SUPER_MAGIC && exe_upper(inode))
		flags |= PW_EXE_UPPER;
	if (exe_secure(s, mm))
		flags |= PW_EXE_SECUREEXEC;
	return flags;
}

/* struct inode's change and modification times, by kernel: timespec64
 * i_ctime and i_mtime up to 6.5; __i_ctime from 6.6, __i_mtime from 6.7;
 * i_ctime_sec/_nsec and i_mtime_sec/_nsec from 6.11, bit 31 of
 * i_ctime_nsec being I_CTIME_QUERIED from 6.13 (multigrain timestamps). */
struct inode___times_v61 {
	struct timespec64 i_ctime;
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

struct inode___times_v67 {
	struct timespec64 __i_ctime;
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

#define PW_TIME_NSEC_MASK 0x3fffffffu	/* nanoseconds < 2^30; bit 31 a flag */

/* The new image's identity: dev, ino, size, ctime and mtime of its inode,
 * as fstat(2) gives them (pw_file_id). */
static __always_inline void exe_id(struct pw_file_id *id, struct inode *inode)
{
	struct inode___times_v61 *i61 = (void *)inode;
	struct inode___times_v67 *i67 = (void *)inode;

	__builtin_memset(id, 0, sizeof(*id));
	if (!inode)
		return;
	id->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	id->ino = BPF_CORE_READ(inode, i_ino);
	id->size = BPF_CORE_READ(inode, i_size);
	if (bpf_core_field_exists(inode->i_ctime_sec)) {
		id->ctime_sec = BPF_CORE_READ(inode, i_ctime_sec);
		id->ctime_nsec = BPF_CORE_READ(inode, i_ctime_nsec) & PW_TIME_NSEC_MASK;
	} else if (bpf_core_field_exists(i67->__i_ctime)) {
		id->ctime_sec = BPF_CORE_READ(i67, __i_ctime.tv_sec);
		id->ctime_nsec = BPF_CORE_READ(i67, __i_ctime.tv_nsec);
	} else {
		id->ctime_sec = BPF_CORE_READ(i61, i_ctime.tv_sec);
		id->ctime_nsec = BPF_CORE_READ(i61, i_ctime.tv_nsec);
	}
	if (bpf_core_field_exists(inode->i_mtime_sec)) {
		id->mtime_sec = BPF_CORE_READ(inode, i_mtime_sec);
		id->mtime_nsec = BPF_CORE_READ(inode, i_mtime_nsec) & PW_TIME_NSEC_MASK;
	} else if (bpf_core_field_exists(i67->__i_mtime)) {
		id->mtime_sec = BPF_CORE_READ(i67, __i_mtime.tv_sec);
		id->mtime_nsec = BPF_CORE_READ(i67, __i_mtime.tv_nsec);
	} else {
		id->mtime_sec = BPF_CORE_READ(i61, i_mtime.tv_sec);
		id->mtime_nsec = BPF_CORE_READ(i61, i_mtime.tv_nsec);
	}
}

/* The kind of one stdio file, and a socket's peer. */
static __always_inline void stdio_kind(struct exec_scratch *s, struct pw_stdio *o, struct file *f)
{
	struct inode *inode;
	umode_t mode;
	dev_t rdev;

	__builtin_memset(o, 0, sizeof(*o));
	if (!f)
		return;		/* PW_STDIO_NONE */
	inode = BPF_CORE_READ(f, f_inode);
	if (bpf_probe_read_kernel(s->ihead, sizeof(s->ihead), inode))
		return;
	mode = HEAD_FIELD(s->ihead, inode, struct inode, i_mode) & PW_S_IFMT;
	if (mode == PW_S_IFSOCK) {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		struct sock *sk = BPF_CORE_READ(sock, sk);
		struct pw_net_tuple t = {};

		o->kind = PW_STDIO_SOCKET;
		if (!sk)
			return;
		net_sock_tuple(sk, &t);
		o->family = t.family;
		if (t.flags & PW_NET_HAS_DADDR) {
			o->port = t.dport;
			__builtin_memcpy(o->addr, t.daddr, sizeof(o->addr));
		}
	} else if (mode == PW_S_IFIFO) {
		o->kind = PW_STDIO_PIPE;
	} else if (mode == PW_S_IFCHR) {
		/* kernel dev_t: major << 20 | minor. /dev/null is 1:3; ttys
		 * are majors 4 (tty*, ttyS*), 5 (tty, console, ptmx) and
		 * 136-143 (pts) */
		rdev = HEAD_FIELD(s->ihead, inode, struct inode, i_rdev);
		if (rdev == (1u << 20 | 3))
			o->kind = PW_STDIO_DEVNULL;
		else if ((rdev >> 20) == 4 || (rdev >> 20) == 5 ||
			 ((rdev >> 20) >= 136 && (rdev >> 20) <= 143))
			o->kind = PW_STDIO_TTY;
		else
			o->kind = PW_STDIO_FILE;
	} else {
		o->kind = PW_STDIO_FILE;
	}
}

/* fds 0-2 of the current task: the three file pointers in one read; a
 * file open on two of them (2>&1) is classified once. */
static __always_inline void read_stdio(struct exec_scratch *s, struct task_struct *task)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file *f[PW_STDIO_FDS] = {};
	struct file **fds;
	unsigned int max;
	char head[16];

	if (fdt && !bpf_probe_read_kernel(head, sizeof(head), fdt)) {
		max = HEAD_FIELD(head, fdt, struct fdtable, max_fds);
		fds = HEAD_FIELD(head, fdt, struct fdtable, fd);
		if (max >= PW_STDIO_FDS && fds)
			bpf_probe_read_kernel(f, sizeof(f), fds);
		else
			for (int i = 0; i < PW_STDIO_FDS; i++)
				f[i] = pw_fdt_file(fdt, i);
	}
	stdio_kind(s, &s->ev.stdio[0], f[0]);
	if (f[1] == f[0])
		s->ev.stdio[1] = s->ev.stdio[0];
	else
		stdio_kind(s, &s->ev.stdio[1], f[1]);
	if (f[2] == f[1])
		s->ev.stdio[2] = s->ev.stdio[1];
	else if (f[2] == f[0])
		s->ev.stdio[2] = s->ev.stdio[0];
	else
		stdio_kind(s, &s->ev.stdio[2], f[2]);
}

/* The working directory from the task's root (as getcwd() gives it). */
static __always_inline void read_cwd(struct exec_scratch *s, struct task_struct *task)
{
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct path pwd = {};

	BPF_CORE_READ_INTO(&pwd, fs, pwd);	/* dentry and mnt, one read */
	pw_walk_path(&s->walk, pwd.dentry, pwd.mnt, s->ev.cwd, sizeof(s->ev.cwd));
}

/*
 * The environment scan. The area (mm->env_start .. env_end) is read into
 * scratch ENV_CHUNK bytes at a time, one bpf_probe_read_user per chunk,
 * and walked a word (8 bytes) a bpf_loop step: a word with no NUL byte
 * (most of them) costs a subtraction and two masks. After each NUL a
 * string starts; its first two bytes are compared with each configured
 * name's, and only on such a hit is the whole NAME= compared. A matching
 * string is copied from user memory with one bpf_probe_read_user_str.
 * Every string is looked at, also after each name was found once: a name
 * may be set twice (ld.so acts on the last LD_PRELOAD), and both are
 * reported.
 *
 * A chunk starts at a string's start or inside a string already looked
 * at (skip0). A string starting so near the chunk's end that its NAME=
 * might run past it is left to the next chunk, which starts there
 * (defer). The scan's state lives in scratch (struct env_state): values
 * the verifier does not know, so it checks each callback once instead of
 * once per value of a stack counter.
 */
struct env_ctx {
	struct exec_scratch *s;
	struct pw_exec_env *names;
};

/* True when var is NAME=... for the configured name nm. */
static __always_inline bool env_match(const char *var, const char *nm)
{
	for (int k = 0; k < PW_EXEC_ENV_NAME_MAX; k++) {
		if (nm[k] == '\0')
			return k > 0 && var[k] == '=';
		if (var[k] != nm[k])
			return false;
	}
	return false;
}

/* A matching NAME=value (at user address u) into s->env, with its NUL. */
static __always_inline void env_copy(struct exec_scratch *s, unsigned long u)
{
	struct env_state *st = &s->scan;
	__u32 at = st->off;
	long n;

	if (at >= PW_EXEC_ENV_MAX) {
		st->truncated = 1;
		return;
	}
	barrier_var(at);
	at &= PW_EXEC_ENV_MAX - 1;
	/* s->env has ENV_VAR_READ bytes of room past PW_EXEC_ENV_MAX; what
	 * lies past it is not sent */
	n = bpf_probe_read_user_str(s->env + at, ENV_VAR_READ, (void *)u);
	if (n <= 0)
		return;
	/* a full read: the string is longer than ENV_VAR_READ - 1 bytes */
	if (n == ENV_VAR_READ || at + n > PW_EXEC_ENV_MAX)
		st->truncated = 1;
	at += n;
	st->off = at < PW_EXEC_ENV_MAX ? at : PW_EXEC_ENV_MAX;
}

/* bpf_loop over the names: the one the string at chunk byte st->o is set
 * for, if any, copied. */
static long env_name(__u32 j, void *ctx)
{
	struct env_ctx *c = ctx;
	struct exec_scratch *s = c->s;
	struct env_state *st = &s->scan;
	__u32 o = st->o & (ENV_CHUNK - 1);

	if (j >= PW_EXEC_ENV_NAMES)
		return 1;
	if (st->pfx[j] != st->two ||
	    !env_match((const char *)s->envbuf + o, c->names->names[j]))
		return 0;
	st->found |= 1u << (j & 7);
	env_copy(s, st->p + o);
	return 1;
}

/* The string starting at byte o of the chunk. */
static __always_inline void env_string(struct env_ctx *c, __u32 o)
{
	struct env_state *st = &c->s->scan;
	const char *b = (const char *)c->s->envbuf;
	__u16 two;
	bool hit = false;

	if (st->defer)
		return;
	if (!st->last && o + PW_EXEC_ENV_NAME_MAX > st->n) {
		st->defer = o;
		return;
	}
	o &= ENV_CHUNK - 1;
	if (!(st->first[(__u8)b[o] >> 6] & 1ULL << ((__u8)b[o] & 63)))
		return;
	two = (__u8)b[o] | (__u8)b[o + 1] << 8;
	for (int j = 0; j < PW_EXEC_ENV_NAMES; j++)
		hit |= st->pfx[j] == two;
	if (!hit)
		return;
	st->o = o;
	st->two = two;
	bpf_loop(st->nnames, env_name, c, 0);
}

/*
 * env_string() as a global function: the verifier checks it once per
 * program, where env_step's 64 inlined copies (8 words of 8 bytes a step)
 * were each checked again: exec_context 344 k instructions verified
 * (BENCHMARKS.md, "Less verification"). Its argument a number; the
 * scratch and the names it looks up itself.
 */
__noinline int env_string_at(__u32 o)
{
	struct exec_scratch *s = exec_scratch_get();
	__u32 zero = 0;
	struct env_ctx c = { .s = s, .names = bpf_map_lookup_elem(&exec_env, &zero) };

	if (!c.s || !c.names)
		return 0;
	env_string(&c, o);
	return 0;
}

/* The next chunk into s->envbuf; false at the area's end (or a fault). */
static __always_inline bool env_chunk(struct env_ctx *c)
{
	struct exec_scratch *s = c->s;
	struct env_state *st = &s->scan;
	unsigned long left;
	__u32 n = st->n;

	if (n) {		/* past the chunk just scanned */
		if (st->defer) {
			st->p += st->defer;
			st->skip0 = 0;
		} else {
			st->skip0 = ((const char *)s->envbuf)[(n - 1) & (ENV_CHUNK - 1)] != '\0';
			st->p += n;
		}
	}
	if (st->p >= st->end || ++st->chunks > ENV_CHUNKS)
		return false;
	left = st->end - st->p;
	n = left < ENV_CHUNK ? left : ENV_CHUNK;
	if (bpf_probe_read_user(s->envbuf, n, (void *)st->p))
		return false;
	st->n = n;
	st->w = 0;
	st->defer = 0;
	st->last = n == left;
	if (!st->skip0)
		env_string_at(0);
	return true;
}

/* ENV_STEP_WORDS words of the chunk (reading the next chunk first where
 * one ends). */
static long env_step(__u32 i, void *ctx)
{
	struct env_ctx *c = ctx;
	struct exec_scratch *s = c->s;
	struct env_state *st = &s->scan;
	__u32 w = st->w, n = st->n;

	if (w * 8 >= n || st->defer) {
		if (!env_chunk(c))
			return 1;
		w = 0;
		n = st->n;
	}
	st->w = w + ENV_STEP_WORDS;
	for (int k = 0; k < ENV_STEP_WORDS; k++, w++) {
		__u32 at = w * 8;
		__u64 v, z;

		if (at >= n)
			break;
		v = s->envbuf[w & (ENV_CHUNK / 8 - 1)];
		/* z is nonzero when some byte of v is NUL */
		z = (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
		if (!z)
			continue;
		for (int b = 0; b < 8; b++) {
			/* a string starting at byte n is the next chunk's;
			 * bytes past n are stale */
			if (((v >> (8 * b)) & 0xff) == 0 && at + b + 1 < n)
				env_string_at(at + b + 1);
		}
		if (st->defer)
			break;
	}
	return 0;
}

/* Reads the bytes [u, min(u + ENV_CHUNK, end)) as the chunk. */
static __always_inline bool env_window(struct exec_scratch *s, unsigned long u)
{
	struct env_state *st = &s->scan;
	unsigned long left = st->end - u;
	__u32 n = left < ENV_CHUNK ? left : ENV_CHUNK;

	if (bpf_probe_read_user(s->envbuf, n, (void *)u))
		return false;
	st->p = u;
	st->n = n;
	st->last = n == left;
	return true;
}

/*
 * One envp[] entry a step. envp[] is the kernel's own index of the
 * strings (exec's create_elf_tables() wrote it below them, and the new
 * image has not run yet), so a string's first byte is all that is looked
 * at before a name may match. Each entry must check out: the first is
 * env_start, each later one lies above the last, inside the area, just
 * past a NUL. Anything else (a 32-bit image's 4-byte pointers, say) sets
 * bad, and the words are scanned instead.
 */
static long env_ptr_step(__u32 i, void *ctx)
{
	struct env_ctx *c = ctx;
	struct exec_scratch *s = c->s;
	struct env_state *st = &s->scan;
	const char *b = (const char *)s->envbuf;
	unsigned long a, r;
	__u32 o;
	__u8 ch;

	if (st->pi >= st->pn) {
		/* envp[] lies below the strings: reading up to env_end stays
		 * in the stack */
		unsigned long at = st->ep + st->pi * sizeof(long), left;
		__u32 m;

		left = at < st->end ? (st->end - at) / sizeof(long) : 0;
		m = left < ENV_PTRS ? left : ENV_PTRS;
		if (!m || bpf_probe_read_user(s->envp, m * sizeof(long), (void *)at))
			goto bad;
		st->ep = at;
		st->pi = 0;
		st->pn = m;
	}
	a = s->envp[st->pi++ & (ENV_PTRS - 1)];
	if (!a) {
		st->done = 1;
		return 1;
	}
	if (st->strings >= ENV_STRINGS)
		return 1;	/* truncated: more strings than looked at */
	if (st->strings ? a <= st->prev || a >= st->end : a != st->start)
		goto bad;
	st->prev = a;
	st->strings++;
	/* the chunk must hold the byte before the string and its NAME= (or
	 * end with the area) */
	r = a == st->start ? a : a - 1;
	if ((r < st->p || a + PW_EXEC_ENV_NAME_MAX > st->p + st->n) && !st->last &&
	    !env_window(s, r))
		goto bad;
	if (r < st->p)
		goto bad;
	o = (a - st->p) & (ENV_CHUNK - 1);
	if (a != st->start && b[(o - 1) & (ENV_CHUNK - 1)] != '\0')
		goto bad;
	ch = b[o];
	if (st->first[ch >> 6] & 1ULL << (ch & 63)) {
		st->defer = 0;
		env_string_at(o);
	}
	return 0;
bad:
	st->bad = 1;
	return 1;
}

/* mm's start_stack, env_start and env_end: one read of the span
 * start_stack .. env_end (consecutive in every kernel so far; the offsets
 * are CO-RE constants), three reads otherwise. */
static __always_inline void mm_stack_env(struct mm_struct *mm, unsigned long *stack,
					 unsigned long *start, unsigned long *end)
{
	__u32 o0 = bpf_core_field_offset(struct mm_struct, start_stack);
	__u32 os = bpf_core_field_offset(struct mm_struct, env_start);
	__u32 oe = bpf_core_field_offset(struct mm_struct, env_end);
	unsigned long span[8] = {};

	if (os > o0 && oe > os && oe - o0 < sizeof(span) && !((os - o0) & 7) && !((oe - o0) & 7) &&
	    !bpf_probe_read_kernel(span, oe - o0 + sizeof(long), (void *)mm + o0)) {
		*stack = span[0];
		*start = span[((os - o0) / 8) & 7];
		*end = span[((oe - o0) / 8) & 7];
		return;
	}
	*stack = BPF_CORE_READ(mm, start_stack);
	*start = BPF_CORE_READ(mm, env_start);
	*end = BPF_CORE_READ(mm, env_end);
}

/* The NAME=value strings of the configured names, into ev.env. */
static __always_inline void read_env(struct exec_scratch *s, struct mm_struct *mm)
{
	__u32 zero = 0;
	struct env_state *st = &s->scan;
	struct env_ctx c = {
		.s = s,
		.names = bpf_map_lookup_elem(&exec_env, &zero),
	};
	unsigned long stack, left;
	__u32 m;

	s->ev.env_len = 0;
	s->ev.env_truncated = 0;
	st->found = 0;
	/* nothing configured (`config set exec_env none`): no scan at all */
	if (!c.names || !c.names->names[0][0])
		return;
	__builtin_memset(st, 0, sizeof(*st));
	for (int j = 0; j < PW_EXEC_ENV_NAMES; j++) {
		const char *nm = c.names->names[j];

		if (!nm[0])
			break;
		st->pfx[j] = (__u8)nm[0] | (__u8)(nm[1] ? nm[1] : '=') << 8;
		st->first[(__u8)nm[0] >> 6] |= 1ULL << ((__u8)nm[0] & 63);
		st->nnames = j + 1;
	}
	mm_stack_env(mm, &stack, &st->start, &st->end);
	/* start_stack points at argc; envp[] follows argv[] and its NULL.
	 * The first read takes argc and, most often, all of envp[]. */
	left = stack < st->end ? (st->end - stack) / sizeof(long) : 0;
	m = left < ENV_PTRS ? left : ENV_PTRS;
	if (!m || bpf_probe_read_user(s->envp, m * sizeof(long), (void *)stack) ||
	    s->envp[0] + 2 >= left) {
		st->bad = 1;
	} else {
		st->ep = stack;
		st->pi = s->envp[0] + 2;
		st->pn = m;
		bpf_loop(ENV_STRINGS + 1, env_ptr_step, &c, 0);
	}
	if (st->bad) {		/* the words, from the start, instead */
		st->off = 0;
		st->p = st->start;
		st->n = 0;
		bpf_loop(ENV_CHUNKS * (ENV_CHUNK / 8 / ENV_STEP_WORDS + 1), env_step, &c, 0);
		if (st->p + st->n < st->end)
			st->truncated = 1;	/* stopped early: more than ENV_CHUNKS chunks */
	} else if (!st->done) {
		st->truncated = 1;	/* more than ENV_STRINGS strings */
	}
	if (st->off >= PW_EXEC_ENV_MAX) {	/* the last string was cut: terminate it */
		st->off = PW_EXEC_ENV_MAX;
		s->env[PW_EXEC_ENV_MAX - 1] = '\0';
	}
	/* only env_len bytes of env mean anything (as for args) */
	if (st->off)
		__builtin_memcpy(s->ev.env, s->env, sizeof(s->ev.env));
	s->ev.env_len = st->off;
	s->ev.env_truncated = st->truncated;
}

/* The exec context: exe_flags, the image's identity, stdio, env, cwd. */
SEC("tp/sched/sched_process_exec")
int exec_context(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct exec_scratch *s = exec_scratch_get();
	struct mm_struct *mm;
	struct inode *exe;

	if (!s)
		return exec_end(ctx, s, PW_DROPPED);
	mm = BPF_CORE_READ(task, mm);
	s->ev.exe_flags = exe_flags(s, mm);
	s->ev.pad = 0;
	exe = BPF_CORE_READ(task, mm, exe_file, f_inode);
	exe_id(&s->ev.exe, exe);
	s->ev.exe_flags |= pw_drop_exec(&s->ev.exe, exe);
	read_stdio(s, task);
	read_cwd(s, task);
	read_env(s, mm);
	return exec_next(ctx, s, EXEC_STAGE_OUTPUT);
}

/* Into the ring: emitted or dropped. */
SEC("tp/sched/sched_process_exec")
int exec_output(struct trace_event_raw_sched_process_exec *ctx)
{
	struct exec_scratch *s = exec_scratch_get();
	struct pw_config *cfg = pw_config_get();
	struct pw_rule_in *in;
	__u32 len;

	if (!s || !cfg)
		return exec_end(ctx, s, PW_DROPPED);
	/* the rules: an alert passes the filters; drop ends the event */
	in = pw_rule_in_for(PW_EV_EXEC);
	if (in) {
		/* the file that runs, resolved (as proc_cache's binary), and
		 * the filename as given when absolute, either holding (as
		 * rename's two names): a script's image is its interpreter,
		 * so /tmp/x.sh is under /tmp by its filename only */
		in->path = s->ev.exe_path;
		if (s->ev.filename[0] == '/')
			in->path2 = s->ev.filename;
		in->PW_RIN_BITS(EXE_FLAGS) = s->ev.exe_flags;
		in->PW_RIN_BITS(ENV) = s->scan.found;
		for (int i = 0; i < PW_STDIO_FDS; i++) {
			in->PW_RIN_BITS(STDIO) |= 1u << (s->ev.stdio[i].kind & 7);
			if (s->ev.stdio[i].kind == PW_STDIO_SOCKET &&
			    (s->ev.stdio[i].family == PW_AF_INET ||
			     s->ev.stdio[i].family == PW_AF_INET6))
				in->PW_RIN_BITS(STDIO) |= 1u << PW_STDIO_INET;
		}
	}
	switch (pw_rule_apply(cfg, &s->ev.h, in)) {
	case PW_RULE_HIDE:
		return exec_end(ctx, s, PW_FILTERED);
	case PW_RULE_NONE:
		if (s->filtered)
			return exec_end(ctx, s, PW_FILTERED);
		break;
	case PW_RULE_EMIT:
		break;
	}
	len = s->ev.args_len;
	if (len > PW_ARGS_MAX)
		len = PW_ARGS_MAX;
	pw_submit(cfg, &s->ev, offsetof(struct pw_exec, args) + len, MOD);
	to_action(ctx, s);
	return 0;
}

/*
 * The action stage: reached only for a blocked image, after the exec's own
 * event. Kill mode: SIGKILL to the process, pending before the new image
 * runs; audit mode: report only.
 */
SEC("tp/sched/sched_process_exec")
int enforce__tp(struct trace_event_raw_sched_process_exec *ctx)
{
	unsigned int fname_off = ctx->__data_loc_filename & 0xffff;
	struct exec_scratch *s = exec_scratch_get();
	struct pw_block *b;

	if (!s || !s->blocked)
		return 0;
	b = bpf_map_lookup_elem(&blocklist, &s->image);
	if (!b)
		return 0; /* unblocked since the entry looked */
	block_act(&s->image, b, (void *)ctx + fname_off, PW_ENFORCE_VIA_EXEC);
	return 0;
}

/*
 * An executable mapping of a blocked file: mmap(PROT_EXEC) of a file
 * descriptor whose file (dev, ino) is in the blocklist, as the dynamic
 * loader does for `ld.so BLOCKED` (the exec'd image is then ld.so). The
 * cheap tests come first: PROT_EXEC, not MAP_ANONYMOUS, a non-negative fd
 * (as the kernel's fget sees it: the low 32 bits), a non-empty blocklist;
 * only then the fd is resolved to its file in the kernel (the file the
 * call will map, unless another thread replaces the fd before the kernel
 * takes it). The enforce event's filename is the image the process runs.
 */
SEC("tp/syscalls/sys_enter_mmap")
int mmap__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__s32 fd = (__s32)ctx->args[4];
	struct pw_config *cfg;
	struct pw_block_key k;
	struct pw_block *b;
	struct pw_proc *p;
	struct file *f;

	if (!(ctx->args[2] & PROT_EXEC) || (ctx->args[3] & MAP_ANONYMOUS) || fd < 0)
		return 0;
	cfg = pw_config_get();
	if (!cfg || !cfg->blocklist_entries)
		return 0;
	if (exempt((struct task_struct *)bpf_get_current_task()))
		return 0;
	f = pw_fd_file(fd);
	if (!f)
		return 0;
	file_key(f, &k);
	b = bpf_map_lookup_elem(&blocklist, &k);
	if (!b)
		return 0;
	p = bpf_map_lookup_elem(&proc_cache, &tgid);
	block_act(&k, b, p ? p->binary : "", PW_ENFORCE_VIA_MMAP);
	return 0;
}

/*
 * Where BPF LSM programs run, the mmap hook's preferred variant: every
 * executable file mapping passes security_mmap_file with the kernel's own
 * file (no fd to resolve, no race with another thread), mmap(2) and
 * mmap2, io_uring and compat callers alike. A kill-mode entry's mapping is
 * refused with EPERM (ld.so BLOCKED: the loader fails to map it and exits)
 * and reported as denied via mmap; an audit-mode one is reported and
 * allowed. The process's own image (mapped by the kernel's ELF loader
 * during its exec, whose check is enforce's) is left to the exec hooks,
 * so an audited binary is not reported twice.
 */
SEC("lsm/mmap_file")
int BPF_PROG(mmap__lsm, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct task_struct *task;
	struct pw_config *cfg;
	struct pw_block_key k;
	struct pw_block *b;
	struct pw_proc *p;

	if (ret) /* an earlier BPF LSM program decided */
		return ret < 0 && ret >= -4095 ? ret : 0;
	if (!file || !(prot & PROT_EXEC))
		return 0;
	cfg = pw_config_get();
	if (!cfg || !cfg->blocklist_entries)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	if (exempt(task) || BPF_CORE_READ(file, f_inode) == BPF_CORE_READ(task, mm, exe_file, f_inode))
		return 0;
	file_key(file, &k);
	b = bpf_map_lookup_elem(&blocklist, &k);
	if (!b)
		return 0;
	p = bpf_map_lookup_elem(&proc_cache, &tgid);
	if (b->mode != PW_BLOCK_KILL) {
		block_act(&k, b, p ? p->binary : "", PW_ENFORCE_VIA_MMAP);
		return 0;
	}
	emit_enforce(&k, b, PW_ENFORCE_DENIED, 0, p ? p->binary : "", PW_ENFORCE_VIA_MMAP);
	return -EPERM;
}

/*
 * Where BPF LSM programs run: refuse the exec of a blocked binary (kill
 * mode) before the kernel commits to it. Called for every binary handler
 * level, so a script whose interpreter is blocked is refused as well.
 * Audit-mode entries pass and are reported by the action stage.
 */
SEC("lsm/bprm_check_security")
int BPF_PROG(enforce__lsm, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pw_block_key k;
	struct pw_block *b;

	if (ret) /* an earlier BPF LSM program decided */
		return ret < 0 && ret >= -4095 ? ret : 0;
	if (exempt(task))
		return 0;
	file_key(BPF_CORE_READ(bprm, file), &k);
	b = bpf_map_lookup_elem(&blocklist, &k);
	if (!b || b->mode != PW_BLOCK_KILL)
		return 0;
	emit_enforce(&k, b, PW_ENFORCE_DENIED, 0, BPF_CORE_READ(bprm, filename), PW_ENFORCE_VIA_EXEC);
	return -EPERM;
}

static __always_inline int handle_exit(struct task_struct *task)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tgid = pid_tgid >> 32;
	struct pw_config *cfg;
	struct pw_exit ev;
	int exit_code;

	if ((__u32)pid_tgid != tgid)
		return 0; /* a thread, not the process, is exiting */
	cfg = pw_begin(MOD, tgid);
	if (!cfg)
		goto out;
	pw_fill_hdr(&ev.h, PW_EV_EXIT, MOD, sizeof(ev));
	exit_code = BPF_CORE_READ(task, exit_code);
	ev.signal = exit_code & 0x7f;
	ev.exit_code = ev.signal ? 0 : (exit_code >> 8) & 0xff;
	ev.duration_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
	pw_filter_submit(cfg, &ev, sizeof(ev), MOD);
out:
	bpf_map_delete_elem(&proc_cache, &tgid);
	return 0;
}

PW_TP_VARIANTS(exit, sched_process_exit, handle_exit(task), struct task_struct *task)

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 child_pid = BPF_CORE_READ(child, pid);
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	struct pw_proc *cached;
	struct pw_config *cfg;
	struct pw_fork ev;

	if (child_pid != BPF_CORE_READ(child, tgid))
		return 0; /* a new thread, not a new process */
	/* The child runs its parent's image until it execs. */
	cached = bpf_map_lookup_elem(&proc_cache, &parent_tgid);
	if (cached && !bpf_map_update_elem(&proc_cache, &child_pid, cached, BPF_ANY)) {
		/* its own parent, though: the copy names the parent's */
		cached = bpf_map_lookup_elem(&proc_cache, &child_pid);
		if (cached)
			cached->ppid = parent_tgid;
	}

	pw_container_note();

	cfg = pw_begin(MOD, parent_tgid);
	if (!cfg)
		return 0;
	pw_fill_hdr(&ev.h, PW_EV_FORK, MOD, sizeof(ev));
	ev.child_pid = child_pid;
	ev.pad = 0;
	pw_filter_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

PW_TP_VARIANTS(fork, sched_process_fork, handle_fork(parent, child),
	       struct task_struct *parent, struct task_struct *child)
