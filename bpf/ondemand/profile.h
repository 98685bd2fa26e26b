/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * profile.h: what bpf/ondemand/profile.bpf.c and loader/profile.c share
 * (CPU sampling; nothing of it is pinned).
 */
#ifndef PINWATCH_PROFILE_H
#define PINWATCH_PROFILE_H

#define PW_PROFILE_STACKS	16384	/* distinct stacks kept */
#define PW_PROFILE_DEPTH	127	/* frames per stack (PERF_MAX_STACK_DEPTH) */

/* counts key: one (process, user stack, kernel stack) */
struct pw_profile_key {
	__u32 pid;		/* tgid */
	__s32 user_stack_id;	/* < 0: none (kernel thread, --kernel-only, or lost) */
	__s32 kern_stack_id;	/* < 0: none (sampled in user mode, --user-only, or lost) */
	char comm[16];
};

#endif
