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
 * Program names <hook>__<variant> are alternatives for one hook: the loader
 * attaches the first one the kernel supports (see loader/load.c). A chain
 * stage is always loaded: enforce__tp serves the hook enforce where
 * enforce__lsm cannot attach.
 */
#include "common.bpf.h"
#include "net_addr.bpf.h"
#include "path_walk.bpf.h"

#define MOD PW_MOD_PROCESS
#define SIGKILL		9
#define EPERM		1
#define PF_KTHREAD	0x00200000	/* include/linux/sched.h */

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

#define ENV_VAR_READ	256	/* bytes of one NAME=value read at a time */
#define ENV_SCAN_STEPS	512	/* environment strings (or 255-byte pieces) scanned */
#define AUXV_PAIRS	32	/* (type, value) pairs of mm->saved_auxv looked at */
#define AT_SECURE	23	/* include/uapi/linux/auxvec.h */

struct exec_scratch {
	struct pw_exec ev;
	struct pw_proc proc;
	struct pw_lineage lin;
	struct pw_block_key image;	/* the new image's file */
	__u32 blocked;			/* image is in the blocklist: run the action stage */
	__u32 pad;
	/* exec_context's work space */
	struct pw_walk_space walk;	/* the cwd */
	char var[ENV_VAR_READ];
	char env[PW_EXEC_ENV_MAX + ENV_VAR_READ];
	unsigned long auxv[AUXV_PAIRS * 2];
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
					 __u32 action, long err, const void *filename)
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
	ev->pad = 0;
	bpf_probe_read_kernel_str(ev->path, sizeof(ev->path), b->path);
	bpf_probe_read_kernel_str(ev->filename, sizeof(ev->filename), filename);
	bpf_ringbuf_submit(ev, cfg ? pw_wakeup_flag(cfg, sizeof(*ev)) : BPF_RB_FORCE_WAKEUP);
	pw_count(MOD, PW_EMITTED);
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

/* Entry: record the new image in proc_cache (for every exec, filtered or
 * not, so other modules can attribute events), look it up in the
 * blocklist, then start the chain. */
SEC("tp/sched/sched_process_exec")
int exec__tp(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	unsigned int fname_off = ctx->__data_loc_filename & 0xffff;
	struct exec_scratch *s = exec_scratch_get();
	struct pw_proc *parent;
	struct pw_config *cfg;

	if (!s)
		return 0;
	s->proc.ppid = BPF_CORE_READ(task, real_parent, tgid);
	parent = bpf_map_lookup_elem(&proc_cache, &s->proc.ppid);
	s->proc.parent_exec_id = parent ? parent->exec_id : 0;
	s->proc.exec_id = pw_make_exec_id();
	s->proc.exec_ns = bpf_ktime_get_ns();
	s->proc.uid = (__u32)bpf_get_current_uid_gid();
	bpf_probe_read_kernel_str(s->proc.binary, sizeof(s->proc.binary),
				  (void *)ctx + fname_off);
	bpf_map_update_elem(&proc_cache, &tgid, &s->proc, BPF_ANY);
	record_lineage(s, task, tgid);

	/* One hash lookup per exec; before any switch or filter is read. */
	s->blocked = 0;
	if (!exempt(task)) {
		file_key(BPF_CORE_READ(task, mm, exe_file), &s->image);
		s->blocked = bpf_map_lookup_elem(&blocklist, &s->image) != NULL;
	}

	cfg = pw_begin(MOD, tgid);
	if (!cfg) {
		to_action(ctx, s);
		return 0;
	}
	pw_fill_hdr(&s->ev.h, PW_EV_EXEC, MOD, 0);
	bpf_probe_read_kernel_str(s->ev.filename, sizeof(s->ev.filename),
				  (void *)ctx + fname_off);
	return exec_next(ctx, s, EXEC_STAGE_FILTER);
}

/* The pid/uid/comm/cgroup filters. */
SEC("tp/sched/sched_process_exec")
int exec_filter(struct trace_event_raw_sched_process_exec *ctx)
{
	struct exec_scratch *s = exec_scratch_get();
	struct pw_config *cfg = pw_config_get();

	if (!s || !cfg)
		return exec_end(ctx, s, PW_DROPPED);
	if (pw_filtered(cfg, &s->ev.h))
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
 * or an LSM's say). */
static __always_inline bool exe_secure(struct exec_scratch *s, struct mm_struct *mm)
{
	if (bpf_probe_read_kernel(s->auxv, sizeof(s->auxv), &mm->saved_auxv))
		return false;
	for (int i = 0; i < AUXV_PAIRS; i++) {
		if (s->auxv[2 * i] == 0)	/* AT_NULL */
			return false;
		if (s->auxv[2 * i] == AT_SECURE)
			return s->auxv[2 * i + 1] != 0;
	}
	return false;
}

static __always_inline __u32 exe_flags(struct exec_scratch *s, struct task_struct *task)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	struct file *f = BPF_CORE_READ(mm, exe_file);
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
	char name[8] = {};
	__u32 flags = 0;

	bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(f, f_path.dentry, d_name.name));
	if ((magic == TMPFS_MAGIC || magic == HUGETLBFS_MAGIC) &&
	    name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' &&
	    name[4] == 'd' && name[5] == ':')
		flags |= PW_EXE_MEMFD;
	/* a memfd is never linked: deleted says more only for other files */
	else if (BPF_CORE_READ(inode, __i_nlink) == 0)
		flags |= PW_EXE_DELETED;
	if (magic == OVERLAYFS_SUPER_MAGIC && exe_upper(inode))
		flags |= PW_EXE_UPPER;
	if (exe_secure(s, mm))
		flags |= PW_EXE_SECUREEXEC;
	return flags;
}

/* The kind of fd (0-2) of the current task, and a socket's peer. */
static __always_inline void stdio_fd(struct pw_stdio *o, struct fdtable *fdt, int fd)
{
	struct file *f = pw_fdt_file(fdt, fd);
	struct inode *inode;
	umode_t mode;
	dev_t rdev;

	__builtin_memset(o, 0, sizeof(*o));
	if (!f)
		return;		/* PW_STDIO_NONE */
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode) & PW_S_IFMT;
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
		rdev = BPF_CORE_READ(inode, i_rdev);
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

/* The working directory from the task's root (as getcwd() gives it). */
static __always_inline void read_cwd(struct exec_scratch *s, struct task_struct *task)
{
	pw_walk_path(&s->walk, BPF_CORE_READ(task, fs, pwd.dentry), BPF_CORE_READ(task, fs, pwd.mnt),
		     s->ev.cwd, sizeof(s->ev.cwd));
}

/* The environment scan: one string (or, for a long one, one piece) a step. */
struct env_scan {
	struct exec_scratch *s;
	struct pw_exec_env *names;
	unsigned long p, end;
	__u32 off;		/* bytes of s->env used */
	bool cont;		/* p is inside a string longer than ENV_VAR_READ */
	bool truncated;
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

static long env_step(__u32 i, void *ctx)
{
	struct env_scan *e = ctx;
	struct exec_scratch *s = e->s;
	bool hit = false, cont = e->cont;
	__u32 at = e->off;
	long n;

	if (e->p >= e->end)
		return 1;
	n = bpf_probe_read_user_str(s->var, sizeof(s->var), (void *)e->p);
	if (n <= 0)
		return 1;
	/* a string that fills the buffer goes on: its rest is not a name */
	e->cont = n == sizeof(s->var);
	e->p += e->cont ? n - 1 : n;
	if (cont)
		return 0;
	/* an empty slot matches nothing (env_match): the names end there */
	for (int j = 0; j < PW_EXEC_ENV_NAMES && !hit; j++)
		hit = env_match(s->var, e->names->names[j]);
	if (!hit)
		return 0;
	if (e->cont || at + n > PW_EXEC_ENV_MAX) {
		e->truncated = true;
		if (at >= PW_EXEC_ENV_MAX)
			return 0;
	}
	barrier_var(at);
	at &= PW_EXEC_ENV_MAX - 1;
	/* copies n bytes with the NUL; s->env has ENV_VAR_READ bytes of room
	 * past PW_EXEC_ENV_MAX, and what lies past it is not sent */
	if (n > ENV_VAR_READ)	/* never: keeps the verifier's bound */
		n = ENV_VAR_READ;
	bpf_probe_read_kernel(s->env + at, n, s->var);
	at += n;
	e->off = at < PW_EXEC_ENV_MAX ? at : PW_EXEC_ENV_MAX;
	return 0;
}

/* The NAME=value strings of the configured names, into ev.env. */
static __always_inline void read_env(struct exec_scratch *s, struct task_struct *task)
{
	__u32 zero = 0;
	struct env_scan e = {
		.s = s,
		.names = bpf_map_lookup_elem(&exec_env, &zero),
		.p = BPF_CORE_READ(task, mm, env_start),
		.end = BPF_CORE_READ(task, mm, env_end),
	};

	s->ev.env_len = 0;
	s->ev.env_truncated = 0;
	/* nothing configured (`config set exec_env none`): no scan at all */
	if (!e.names || !e.names->names[0][0])
		return;
	bpf_loop(ENV_SCAN_STEPS, env_step, &e, 0);
	if (e.p < e.end)
		e.truncated = true;	/* stopped early: more than ENV_SCAN_STEPS strings */
	if (e.off >= PW_EXEC_ENV_MAX) {	/* the last string was cut: terminate it */
		e.off = PW_EXEC_ENV_MAX;
		s->env[PW_EXEC_ENV_MAX - 1] = '\0';
	}
	__builtin_memcpy(s->ev.env, s->env, sizeof(s->ev.env));
	s->ev.env_len = e.off;
	s->ev.env_truncated = e.truncated;
}

/* The exec context: exe_flags, stdio, env, cwd. */
SEC("tp/sched/sched_process_exec")
int exec_context(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct exec_scratch *s = exec_scratch_get();
	struct fdtable *fdt;

	if (!s)
		return exec_end(ctx, s, PW_DROPPED);
	s->ev.exe_flags = exe_flags(s, task);
	s->ev.pad = 0;
	fdt = BPF_CORE_READ(task, files, fdt);
	stdio_fd(&s->ev.stdio[0], fdt, 0);
	stdio_fd(&s->ev.stdio[1], fdt, 1);
	stdio_fd(&s->ev.stdio[2], fdt, 2);
	read_cwd(s, task);
	read_env(s, task);
	return exec_next(ctx, s, EXEC_STAGE_OUTPUT);
}

/* Into the ring: emitted or dropped. */
SEC("tp/sched/sched_process_exec")
int exec_output(struct trace_event_raw_sched_process_exec *ctx)
{
	struct exec_scratch *s = exec_scratch_get();
	struct pw_config *cfg = pw_config_get();
	__u32 len;

	if (!s || !cfg)
		return exec_end(ctx, s, PW_DROPPED);
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
	__u32 action = PW_ENFORCE_AUDIT;
	long err = 0;

	if (!s || !s->blocked)
		return 0;
	b = bpf_map_lookup_elem(&blocklist, &s->image);
	if (!b)
		return 0; /* unblocked since the entry looked */
	if (b->mode == PW_BLOCK_KILL) {
		err = bpf_send_signal(SIGKILL);
		action = PW_ENFORCE_KILLED;
	}
	emit_enforce(&s->image, b, action, err, (void *)ctx + fname_off);
	return 0;
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
	emit_enforce(&k, b, PW_ENFORCE_DENIED, 0, BPF_CORE_READ(bprm, filename));
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
