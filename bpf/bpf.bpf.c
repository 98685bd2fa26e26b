/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpf: the BPF activity of every process but pinwatch: bpf() commands
 * MAP_CREATE, PROG_LOAD, OBJ_PIN, OBJ_GET, BTF_LOAD and LINK_CREATE with
 * their result (the syscalls:sys_enter_bpf/sys_exit_bpf tracepoints, paired
 * by syscall_pair.bpf.h). Every other command (map lookups and updates,
 * id walks, ...) is neither reported nor counted: tools that read maps
 * make them by the thousand.
 *
 * The attributes are read at entry, from the first `size` bytes of the
 * caller's union bpf_attr, as the kernel copies them then; the OBJ_*
 * pathname is read at exit (by then the kernel has read it, so its page
 * is present).
 *
 * Not reported (counted filtered): the consumer (config.consumer_tgid)
 * and every process running one of pinwatch's own executables, known by
 * the identity of the file (pw_self_exe: device and inode, set by the
 * loader), so a process cannot pass for pinwatch by its comm or a copy of
 * the binary. Not reported and not counted: OBJ_PIN/OBJ_GET of a path
 * under the pin root (`pinwatch status`, `stats`, `filter`... open the
 * pins with bpftool): the audit module reports those, for every process.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_BPF
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"

/* Set by the loader before load. */
const volatile char pw_pin_root[PW_PATH_MAX] = {};
const volatile __u32 pw_pin_root_len = 0;
const volatile struct pw_exe_id pw_self_exe[PW_SELF_EXE_MAX] = {};

/* The bytes of union bpf_attr read at entry: every field used below lies
 * in them (PROG_LOAD's prog_name ends at 64). */
#define ATTR_READ 72

PW_SCRATCH(bpf_scratch, struct pw_bpf)

static __always_inline bool reported(__u32 cmd)
{
	switch (cmd) {
	case BPF_MAP_CREATE:
	case BPF_PROG_LOAD:
	case BPF_OBJ_PIN:
	case BPF_OBJ_GET:
	case BPF_BTF_LOAD:
	case BPF_LINK_CREATE:
		return true;
	}
	return false;
}

/* True when the current process runs one of pinwatch's executables. */
static __always_inline bool self_exe(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	__u64 ino, dev;

	if (!exe)
		return false;
	ino = BPF_CORE_READ(exe, f_inode, i_ino);
	dev = BPF_CORE_READ(exe, f_inode, i_sb, s_dev);
	for (int i = 0; i < PW_SELF_EXE_MAX; i++) {
		if (!pw_self_exe[i].ino)
			break;
		if (pw_self_exe[i].ino == ino && pw_self_exe[i].dev == dev)
			return true;
	}
	return false;
}

/* "/sys/fs/bpf/pinwatch" or "/sys/fs/bpf/pinwatch/..." */
static __always_inline bool under_pin_root(const char *path)
{
	if (!pw_pin_root_len)
		return false;
	for (__u32 i = 0; i < PW_PATH_MAX - 1; i++) {
		if (i >= pw_pin_root_len)
			return path[i] == '/' || path[i] == '\0';
		if (path[i] != pw_pin_root[i])
			return false;
	}
	return false;
}

/*
 * At entry, what the event needs from the attributes, kept in the pair:
 * args[0] cmd, args[1] the attr pointer, args[2] size (as passed), then
 * args[3] = type | insn_cnt << 32 (PROG_LOAD, MAP_CREATE; LINK_CREATE:
 * attach_type; OBJ_*: the pathname pointer) and args[4..5] the name.
 */
static __always_inline void bpf_enter(struct trace_event_raw_sys_enter *ctx, struct pw_pair *p)
{
	union bpf_attr attr;
	__u64 n = p->args[2];

	_Static_assert(sizeof(attr) >= ATTR_READ, "union bpf_attr shorter than ATTR_READ");
	__builtin_memset(&attr, 0, sizeof(attr));
	if (n > ATTR_READ)
		n = ATTR_READ;
	barrier_var(n);
	/* the kernel reads only size bytes; the rest is zero to it too */
	if (n > ATTR_READ || bpf_probe_read_user(&attr, n, (void *)p->args[1]))
		return;
	switch (p->op) {
	case BPF_PROG_LOAD:
		p->args[3] = attr.prog_type | (__u64)attr.insn_cnt << 32;
		__builtin_memcpy(&p->args[4], attr.prog_name, PW_BPF_NAME_LEN);
		break;
	case BPF_MAP_CREATE:
		p->args[3] = attr.map_type;
		__builtin_memcpy(&p->args[4], attr.map_name, PW_BPF_NAME_LEN);
		break;
	case BPF_LINK_CREATE:
		p->args[3] = attr.link_create.attach_type;
		break;
	case BPF_OBJ_PIN:
	case BPF_OBJ_GET:
		p->args[3] = attr.pathname;
		break;
	}
}

static __always_inline int bpf_exit(struct trace_event_raw_sys_exit *ctx, const struct pw_pair *p)
{
	struct pw_config *cfg;
	struct pw_bpf *ev = bpf_scratch_get();
	struct pw_rule_in *in;
	bool rules_only;

	if (!ev) {
		pw_count_event(MOD, PW_DROPPED);
		return 0;
	}
	ev->path[0] = '\0';
	if ((p->op == BPF_OBJ_PIN || p->op == BPF_OBJ_GET) && p->args[3]) {
		if (bpf_probe_read_user_str(ev->path, sizeof(ev->path), (void *)p->args[3]) < 0)
			ev->path[0] = '\0';
		if (under_pin_root(ev->path))
			return 0; /* the audit module's: not counted here */
	}
	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	ev->ret = ctx->ret;
	ev->cmd = p->op;
	ev->prog_type = 0;
	ev->insn_cnt = 0;
	ev->map_type = 0;
	ev->attach_type = 0;
	ev->pad = 0;
	__builtin_memset(ev->name, 0, sizeof(ev->name));
	switch (p->op) {
	case BPF_PROG_LOAD:
		ev->prog_type = (__u32)p->args[3];
		ev->insn_cnt = p->args[3] >> 32;
		__builtin_memcpy(ev->name, &p->args[4], PW_BPF_NAME_LEN);
		break;
	case BPF_MAP_CREATE:
		ev->map_type = (__u32)p->args[3];
		__builtin_memcpy(ev->name, &p->args[4], PW_BPF_NAME_LEN);
		break;
	case BPF_LINK_CREATE:
		ev->attach_type = (__u32)p->args[3];
		break;
	}
	pw_fill_hdr(&ev->h, PW_EV_BPF, MOD, sizeof(*ev));
	in = pw_rule_in_for(PW_EV_BPF);
	if (in)
		in->PW_RIN_BITS(BPF_CMD) = p->op < 64 ? 1ull << p->op : 0;
	pw_rule_submit(cfg, ev, sizeof(*ev), MOD, in, rules_only);
	return 0;
}

/* The pairing header's programs, with the command sorted out first: a
 * command this module does not report is never tracked nor counted. */
SEC("tp/syscalls/sys_enter_bpf")
int bpf_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 cmd = (__u32)ctx->args[0];
	struct pw_pair p;

	if (!reported(cmd) || !pw_pair_begin(ctx, id, &p, cmd, 3))
		return 0;
	if (self_exe()) {
		pw_count_event(MOD, PW_FILTERED);
		return 0;
	}
	bpf_enter(ctx, &p);
	pw_pair_park(id, &p);
	return 0;
}

SEC("tp/syscalls/sys_exit_bpf")
int bpf_x__tp(struct trace_event_raw_sys_exit *ctx)
{
	struct pw_pair p;

	if (!pw_pair_take(&p))
		return 0;
	return bpf_exit(ctx, &p);
}
