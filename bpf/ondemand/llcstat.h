/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* llcstat.h: what bpf/ondemand/llcstat.bpf.c and loader/llcstat.c share
 * (the llc map; nothing of it is pinned). */
#ifndef PINWATCH_LLCSTAT_H
#define PINWATCH_LLCSTAT_H

struct pw_llc_key {
	__u32 cpu;
	__u32 pid;		/* tgid */
	char comm[16];
};

struct pw_llc_value {
	__u64 references;	/* sampled: a multiple of the sample period */
	__u64 misses;
};

#endif
