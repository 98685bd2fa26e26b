/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The floor of the hot-path benchmark: an empty program on the syscall entry
 * tracepoint, once per attach type. Every probe on that tracepoint pays at
 * least this much; `pw-bench hold` attaches one of them at a time.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("raw_tp/sys_enter")
int empty_raw_tp(void *ctx)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int empty_tp_btf(void *ctx)
{
	return 0;
}

SEC("tp/raw_syscalls/sys_enter")
int empty_tp(void *ctx)
{
	return 0;
}
