/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kmod: kernel modules loaded and unloaded.
 *
 * kmod_load: init_module and finit_module, at their exit (syscalls
 * tracepoints, paired by syscall_pair.bpf.h), with the name and taints
 * that module:module_load gave during the call (kept for the thread in
 * "loading") and, for finit_module, the path of the file behind the fd,
 * walked up its dentries and mounts at exit (bpf_d_path() is not allowed
 * in tracepoint programs).
 * kmod_unload: module:module_free, with delete_module's flags when this
 * thread is in a delete_module call (kept in "unloading"); a module freed
 * because its load failed shows with flags 0.
 *
 * A kernel built without loadable modules (CONFIG_MODULES off) has none
 * of these tracepoints: the loader then finds no hook of this module.
 */
#include "common.bpf.h"
#include "rules.bpf.h"

#define MOD PW_MOD_KMOD
#define PW_PAIR_MODULE MOD
#include "syscall_pair.bpf.h"
#include "path_walk.bpf.h"

#define ENTRIES		128	/* threads loading or removing a module at once */

struct kmod_loading {
	__u32 taints;
	__u32 pad;
	char name[PW_KMOD_NAME_LEN];
};

/* module:module_load seen in this thread's init_module/finit_module. LRU:
 * an entry whose syscall exit was never seen goes in time. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ENTRIES);
	__type(key, __u64);
	__type(value, struct kmod_loading);
} loading SEC(".maps");

/* delete_module's flags, by thread, while the call runs. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ENTRIES);
	__type(key, __u64);
	__type(value, __u32);
} unloading SEC(".maps");

struct kmod_scratch {
	struct pw_kmod_load ev;
	struct pw_walk_space walk;	/* the file's path */
};

PW_SCRATCH(kmod_scratch, struct kmod_scratch)

/* The path of f from the task's root (as d_path() gives it), into
 * s->ev.path. */
static __always_inline void file_path(struct kmod_scratch *s, struct file *f)
{
	pw_walk_path(&s->walk, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt),
		     s->ev.path, sizeof(s->ev.path));
}

static __always_inline int load_exit(struct trace_event_raw_sys_exit *ctx,
				     const struct pw_pair *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct kmod_loading *l = bpf_map_lookup_elem(&loading, &id);
	struct kmod_scratch *s = kmod_scratch_get();
	struct pw_config *cfg;
	bool rules_only;
	struct file *f;

	if (!s) {
		if (l)
			bpf_map_delete_elem(&loading, &id);
		pw_count_event(MOD, PW_DROPPED);
		return 0;
	}
	s->ev.name[0] = '\0';
	s->ev.taints = 0;
	if (l) {
		__builtin_memcpy(s->ev.name, l->name, sizeof(s->ev.name));
		s->ev.taints = l->taints;
		bpf_map_delete_elem(&loading, &id);
	}
	cfg = pw_rule_begin(MOD, id >> 32, &rules_only);
	if (!cfg)
		return 0;
	s->ev.ret = ctx->ret;
	s->ev.syscall = p->op;
	s->ev.fd = -1;
	s->ev.flags = 0;
	s->ev.path[0] = '\0';
	if (p->op == PW_KMOD_SYS_FINIT_MODULE) {	/* (fd, uargs, flags) */
		s->ev.fd = (int)p->args[0];
		s->ev.flags = (__u32)p->args[2];
		f = pw_fd_file(s->ev.fd);
		if (f)
			file_path(s, f);
	}
	pw_fill_hdr(&s->ev.h, PW_EV_KMOD_LOAD, MOD, sizeof(s->ev));
	pw_rule_submit(cfg, &s->ev, sizeof(s->ev), MOD, pw_rule_in_for(PW_EV_KMOD_LOAD), rules_only);
	return 0;
}

PW_SYSCALL_PAIR(init_mod, init_module, 3, PW_KMOD_SYS_INIT_MODULE, load_exit)
PW_SYSCALL_PAIR(finit_mod, finit_module, 3, PW_KMOD_SYS_FINIT_MODULE, load_exit)

static __always_inline int on_load(struct module *mod)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct kmod_loading l = {};

	l.taints = BPF_CORE_READ(mod, taints);
	BPF_CORE_READ_STR_INTO(&l.name, mod, name);
	bpf_map_update_elem(&loading, &id, &l, BPF_ANY);
	return 0;
}

PW_TP_VARIANTS(load, module_load, on_load(mod), struct module *mod)

static __always_inline int on_free(struct module *mod)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pw_kmod_unload ev;
	struct pw_config *cfg;
	__u32 *flags;

	cfg = pw_begin(MOD, id >> 32);
	if (!cfg)
		return 0;
	__builtin_memset(&ev, 0, sizeof(ev));
	flags = bpf_map_lookup_elem(&unloading, &id);
	if (flags)
		ev.flags = *flags;
	BPF_CORE_READ_STR_INTO(&ev.name, mod, name);
	pw_fill_hdr(&ev.h, PW_EV_KMOD_UNLOAD, MOD, sizeof(ev));
	pw_filter_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

PW_TP_VARIANTS(free, module_free, on_free(mod), struct module *mod)

/* delete_module(name, flags): its flags for module_free, during the call. */
SEC("tp/syscalls/sys_enter_delete_module")
int delmod_e__tp(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 flags = (__u32)ctx->args[1];

	bpf_map_update_elem(&unloading, &id, &flags, BPF_ANY);
	return 0;
}

SEC("tp/syscalls/sys_exit_delete_module")
int delmod_x__tp(struct trace_event_raw_sys_exit *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&unloading, &id);
	return 0;
}
