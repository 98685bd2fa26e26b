/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mount: mount, umount2, fsmount and move_mount with their result
 * (mountsnoop), from the syscall enter/exit tracepoints. umount2 is the
 * "umount" event; the three others are "mount" events, told apart by
 * "syscall".
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_MOUNT
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"

PW_SCRATCH(mount_scratch, struct pw_mount)

/* A user string into dst[size], "" when absent or unreadable. */
static __always_inline void read_str(char *dst, __u32 size, __u64 uptr)
{
	dst[0] = '\0';
	if (uptr && bpf_probe_read_user_str(dst, size, (const void *)uptr) < 0)
		dst[0] = '\0';
}

static __always_inline int mount_exit(struct trace_event_raw_sys_exit *ctx,
				      const struct pw_pair *p)
{
	__u64 source = 0, target = 0, fstype = 0, data = 0;
	struct pw_rule_in *in;
	struct pw_config *cfg;
	struct pw_mount *ev;
	__u16 type = PW_EV_MOUNT;
	bool rules_only;

	cfg = pw_rule_begin(MOD, bpf_get_current_pid_tgid() >> 32, &rules_only);
	if (!cfg)
		return 0;
	ev = mount_scratch_get();
	if (!ev) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	ev->ret = ctx->ret;
	ev->syscall = p->op;
	ev->flags = 0;
	ev->attr_flags = 0;
	ev->from_fd = 0;
	ev->to_fd = 0;
	switch (p->op) {
	case PW_MOUNT_SYS_MOUNT:	/* (dev_name, dir_name, type, flags, data) */
		source = p->args[0];
		target = p->args[1];
		fstype = p->args[2];
		ev->flags = p->args[3];
		data = p->args[4];
		break;
	case PW_MOUNT_SYS_UMOUNT2:	/* (name, flags) */
		type = PW_EV_UMOUNT;
		target = p->args[0];
		ev->flags = (__u32)p->args[1];
		break;
	case PW_MOUNT_SYS_FSMOUNT:	/* (fs_fd, flags, attr_flags) */
		ev->from_fd = p->args[0];
		ev->flags = (__u32)p->args[1];
		ev->attr_flags = p->args[2];
		break;
	default:			/* move_mount (from_dfd, from_path, to_dfd, to_path, flags) */
		ev->from_fd = p->args[0];
		source = p->args[1];
		ev->to_fd = p->args[2];
		target = p->args[3];
		ev->flags = (__u32)p->args[4];
		break;
	}
	read_str(ev->fstype, sizeof(ev->fstype), fstype);
	read_str(ev->source, sizeof(ev->source), source);
	read_str(ev->target, sizeof(ev->target), target);
	read_str(ev->data, sizeof(ev->data), data);
	pw_fill_hdr(&ev->h, type, MOD, sizeof(*ev));
	in = pw_rule_in_for(type);
	if (in)
		in->path = ev->target;
	pw_rule_submit(cfg, ev, sizeof(*ev), MOD, in, rules_only);
	return 0;
}

/* The exit handler, verified once: each syscall's exit program tail-calls
 * it (syscall_pair.bpf.h, PW_PAIR_EXIT_STAGE; pins mount/chain and
 * mount/prog_mnt_exit_stage). */
PW_PAIR_EXIT_STAGE(mnt_exit_stage, mount_exit)

#define MOUNT_PAIR(prog, syscall, nargs, op)					\
	PW_SYSCALL_PAIR_SHARED_TP(prog, syscall, nargs, op, pw_pair_no_enter)
MOUNT_PAIR(mount, mount, 5, PW_MOUNT_SYS_MOUNT)
/* umount2(2) is the "umount" syscall to the kernel */
MOUNT_PAIR(umount, umount, 2, PW_MOUNT_SYS_UMOUNT2)
MOUNT_PAIR(fsmount, fsmount, 3, PW_MOUNT_SYS_FSMOUNT)
MOUNT_PAIR(move_mnt, move_mount, 5, PW_MOUNT_SYS_MOVE_MOUNT)
