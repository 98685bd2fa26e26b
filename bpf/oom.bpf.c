/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * oom: the OOM killer chose a victim (oom/mark_victim): who was killed, with
 * its memory figures, and who triggered it.
 *
 * "Who triggered it": mark_victim runs in the context of the task that ran
 * the OOM killer, i.e. the task whose allocation failed (for a memory cgroup
 * OOM, a task of that cgroup), or a kernel worker for sysrq-f. That task is
 * the event header; the victim_* fields describe the victim. Filters apply
 * to the header, like every other event.
 *
 * The classic tracepoint is used because it carries the kernel's own
 * figures: mark_victim gained comm, total_vm, anon/file/shmem rss, uid,
 * pgtables and oom_score_adj in 6.8 (before, only pid). Each field is read
 * only where the running kernel has it (CO-RE field existence). Where the
 * tracepoint has no figures and the victim is the triggering task itself
 * (the usual memory cgroup case), they are read from that task; otherwise
 * they stay unknown (null in JSON).
 *
 * Where fentry or kprobes are available (hook "kill"), an oom_kill event
 * also reports the OOM killer's decision from oom_kill_process(): the
 * constraint (global or memory cgroup), the memory the victim was chosen
 * in, its badness points and the kernel's message. It comes just before
 * the victim's oom event; on a kernel without either, the module loads
 * without it.
 */
#include "common.bpf.h"

#define MOD PW_MOD_OOM

/* mm counters before 6.2 (struct mm_rss_stat of atomics), for CO-RE */
struct mm_rss_stat___old {
	atomic_long_t count[4];
} __attribute__((preserve_access_index));

struct mm_struct___old {
	struct mm_rss_stat___old rss_stat;
} __attribute__((preserve_access_index));

#if defined(__TARGET_ARCH_arm64)
extern int CONFIG_ARM64_PAGE_SHIFT __kconfig __weak;
#define PAGE_SHIFT_ (CONFIG_ARM64_PAGE_SHIFT ? CONFIG_ARM64_PAGE_SHIFT : 12)
#else
#define PAGE_SHIFT_ 12
#endif

/* MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES (stable order) */
static __always_inline __u64 mm_pages(struct mm_struct *mm, int member)
{
	long v = 0;

	if (bpf_core_type_exists(struct mm_rss_stat___old)) {
		struct mm_struct___old *old = (void *)mm;

		v = BPF_CORE_READ(old, rss_stat.count[member].counter);
	} else if (bpf_core_field_exists(mm->rss_stat)) {
		/* percpu_counter_read_positive(), as get_mm_counter() does */
		v = BPF_CORE_READ(mm, rss_stat[member].count);
	}
	return v > 0 ? v : 0;
}

/* The figures of the current task, for a tracepoint without them. */
static __always_inline void figures_of_current(struct pw_oom *ev)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	int shift = PAGE_SHIFT_ - 10;

	bpf_get_current_comm(ev->victim_comm, sizeof(ev->victim_comm));
	ev->victim_uid = (__u32)bpf_get_current_uid_gid();
	ev->known |= PW_OOM_KNOWN_COMM;
	ev->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	ev->known |= PW_OOM_KNOWN_SCORE_ADJ;
	if (!mm)
		return;
	ev->total_vm_kb = BPF_CORE_READ(mm, total_vm) << shift;
	ev->file_rss_kb = mm_pages(mm, 0) << shift;
	ev->anon_rss_kb = mm_pages(mm, 1) << shift;
	ev->shmem_rss_kb = mm_pages(mm, 3) << shift;
	ev->known |= PW_OOM_KNOWN_MEM;
	ev->pgtables_kb = BPF_CORE_READ(mm, pgtables_bytes.counter) >> 10;
	ev->known |= PW_OOM_KNOWN_PGTABLES;
}

SEC("tp/oom/mark_victim")
int victim__tp(struct trace_event_raw_mark_victim *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct pw_config *cfg;
	struct pw_oom ev = {};

	cfg = pw_begin(MOD, pid_tgid >> 32);
	if (!cfg)
		return 0;
	pw_fill_hdr(&ev.h, PW_EV_OOM, MOD, sizeof(ev));
	ev.victim_pid = ctx->pid;
	ev.victim_uid = PW_OOM_UID_UNKNOWN;
	if (bpf_core_field_exists(ctx->total_vm)) {
		/* 6.8+: the kernel's figures, already in kB */
		ev.total_vm_kb = ctx->total_vm;
		ev.anon_rss_kb = ctx->anon_rss;
		ev.file_rss_kb = ctx->file_rss;
		ev.shmem_rss_kb = ctx->shmem_rss;
		ev.known |= PW_OOM_KNOWN_MEM;
		if (bpf_core_field_exists(ctx->uid))
			ev.victim_uid = ctx->uid;
		if (bpf_core_field_exists(ctx->pgtables)) {
			ev.pgtables_kb = ctx->pgtables;
			ev.known |= PW_OOM_KNOWN_PGTABLES;
		}
		if (bpf_core_field_exists(ctx->oom_score_adj)) {
			ev.oom_score_adj = ctx->oom_score_adj;
			ev.known |= PW_OOM_KNOWN_SCORE_ADJ;
		}
		if (bpf_core_field_exists(ctx->__data_loc_comm)) {
			unsigned int off = ctx->__data_loc_comm & 0xffff;

			bpf_probe_read_kernel_str(ev.victim_comm, sizeof(ev.victim_comm),
						  (void *)ctx + off);
			ev.known |= PW_OOM_KNOWN_COMM;
		}
	} else if ((__u32)ev.victim_pid == (__u32)pid_tgid ||
		   (__u32)ev.victim_pid == pid_tgid >> 32) {
		figures_of_current(&ev);
	}
	pw_filter_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

/* The OOM killer's decision, from oom_kill_process() (struct pw_oom_kill).
 * Where the kernel lets a program attach there: fentry, else kprobe. */
static __always_inline int on_oom_kill(struct oom_control *oc, const char *message)
{
	struct task_struct *victim = BPF_CORE_READ(oc, chosen);
	struct pw_oom_kill ev = {};
	struct pw_config *cfg;

	cfg = pw_begin(MOD, bpf_get_current_pid_tgid() >> 32);
	if (!cfg)
		return 0;
	pw_fill_hdr(&ev.h, PW_EV_OOM_KILL, MOD, sizeof(ev));
	ev.victim_pid = BPF_CORE_READ(victim, tgid);
	BPF_CORE_READ_STR_INTO(&ev.victim_comm, victim, comm);
	ev.constraint = BPF_CORE_READ(oc, constraint);
	ev.total_pages = BPF_CORE_READ(oc, totalpages);
	ev.points = BPF_CORE_READ(oc, chosen_points);
	ev.order = BPF_CORE_READ(oc, order);
	bpf_probe_read_kernel_str(ev.message, sizeof(ev.message), message);
	pw_filter_submit(cfg, &ev, sizeof(ev), MOD);
	return 0;
}

SEC("fentry/oom_kill_process")
int BPF_PROG(kill__fentry, struct oom_control *oc, const char *message)
{
	return on_oom_kill(oc, message);
}

SEC("kprobe/oom_kill_process")
int BPF_KPROBE(kill__kprobe, struct oom_control *oc, const char *message)
{
	return on_oom_kill(oc, message);
}
