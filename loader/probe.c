// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Feature probes and variant choice: which of a hook's <hook>__<variant>
 * programs the running kernel takes, decided by trying (a trivial program
 * loaded and attached where it can be) rather than by version numbers, and
 * the feature matrix `pinwatch-load probe` prints from the same probes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <gelf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "bpfobj.h"
#include "load.h"
#include "probe.h"

/* Lower is preferred. A hook with several variants keeps the first one the
 * running kernel supports. */
static const struct variant_kind variant_kinds[] = {
	{ "lsm/", "lsm", 0 },
	{ "fentry/", "fentry", 1 },
	{ "fmod_ret/", "fmod_ret", 1 },
	{ "fexit/", "fexit", 1 },
	{ "tp_btf/", "tp_btf", 2 },
	{ "raw_tp/", "raw_tp", 3 },
	{ "raw_tracepoint/", "raw_tp", 3 },
	{ "tp/", "tp", 4 },
	{ "tracepoint/", "tp", 4 },
	{ "kprobe/", "kprobe", 5 },
	{ "kretprobe/", "kretprobe", 5 },
};

const struct variant_kind *variant_of(const struct bpf_program *prog)
{
	const char *sec = bpf_program__section_name(prog);

	for (size_t i = 0; i < sizeof(variant_kinds) / sizeof(variant_kinds[0]); i++)
		if (!strncmp(sec, variant_kinds[i].prefix, strlen(variant_kinds[i].prefix)))
			return &variant_kinds[i];
	return NULL;
}

void hook_of(const char *prog_name, char *out, size_t outsz)
{
	const char *sep = strstr(prog_name, "__");
	size_t n = sep ? (size_t)(sep - prog_name) : strlen(prog_name);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, prog_name, n);
	out[n] = '\0';
}

/* ---- probes ------------------------------------------------------------------ */

static struct btf *vmlinux_btf;

static void why(char *out, size_t outsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
}

static const char *tracefs_dir(void)
{
	if (path_exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing";
	if (path_exists("/sys/kernel/debug/tracing/events"))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

static bool tracepoint_exists(const char *cat_name)
{
	const char *dir = tracefs_dir();
	char p[512];

	if (!dir)
		return false;
	snprintf(p, sizeof(p), "%s/events/%s", dir, cat_name);
	return path_exists(p);
}

/* r0 = 0; exit: a program every kind accepts. */
static int trivial_prog(enum bpf_prog_type type, const struct bpf_prog_load_opts *opts)
{
	const struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },
		{ .code = 0x95 },
	};

	return bpf_prog_load(type, "pw_probe", "GPL", insns, 2, opts);
}

/*
 * Loads a trivial program of a BTF-attached kind (fentry, fexit, tp_btf,
 * LSM, iterator) on the kernel type btf_prefix+target, and attaches it for
 * a moment when attach is set: the kernel may accept the load and still
 * refuse the attach (no trampoline on the architecture, a function that
 * cannot be traced).
 */
static bool trial_btf(enum bpf_prog_type type, enum bpf_attach_type attach_type, const char *btf_prefix,
		      const char *target, __u32 btf_kind, bool attach, char *out, size_t outsz)
{
	char full[256];
	int id, fd, link;

	if (!vmlinux_btf) {
		why(out, outsz, "no kernel BTF");
		return false;
	}
	snprintf(full, sizeof(full), "%s%s", btf_prefix, target);
	id = btf__find_by_name_kind(vmlinux_btf, full, btf_kind);
	if (id <= 0) {
		why(out, outsz, "%s not in the kernel BTF", full);
		return false;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type, .attach_btf_id = id);
	fd = trivial_prog(type, &opts);
	if (fd < 0) {
		why(out, outsz, "load on %s refused: %s", target, strerror(errno));
		return false;
	}
	if (attach) {
		link = bpf_raw_tracepoint_open(NULL, fd);
		if (link < 0) {
			why(out, outsz, "attach to %s refused: %s", target, strerror(errno));
			close(fd);
			return false;
		}
		close(link);
	}
	close(fd);
	why(out, outsz, "trial %s on %s", attach ? "attach" : "load", target);
	return true;
}

/* A raw tracepoint needs no BTF: a trivial program attached by name. */
static bool trial_raw_tp(const char *target, char *out, size_t outsz)
{
	int fd = trivial_prog(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL), link;

	if (fd < 0) {
		why(out, outsz, "raw tracepoint programs refused: %s", strerror(errno));
		return false;
	}
	link = bpf_raw_tracepoint_open(target, fd);
	if (link < 0) {
		why(out, outsz, "attach to %s refused: %s", target, strerror(errno));
		close(fd);
		return false;
	}
	close(link);
	close(fd);
	why(out, outsz, "trial attach on %s", target);
	return true;
}

/* BPF LSM programs load wherever the kernel has CONFIG_BPF_LSM, but run
 * only when "bpf" is one of the active LSMs (CONFIG_LSM, lsm=). Where
 * securityfs is not mounted, the trial alone decides. */
static bool bpf_lsm_active(void)
{
	char list[1024] = "", *tok, *save = NULL;
	FILE *f = fopen("/sys/kernel/security/lsm", "r");

	if (!f)
		return true;
	if (!fgets(list, sizeof(list), f))
		list[0] = '\0';
	fclose(f);
	for (tok = strtok_r(list, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

static bool trial_lsm(const char *hook, char *out, size_t outsz)
{
	if (!bpf_lsm_active()) {
		why(out, outsz, "bpf is not an active LSM (/sys/kernel/security/lsm)");
		return false;
	}
	return trial_btf(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_", hook, BTF_KIND_FUNC, true, out, outsz);
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* True when func is on the kprobe blacklist (debugfs); the trial attach
 * refuses such functions too, this only names the reason. */
static bool kprobe_blacklisted(const char *func)
{
	char line[512], sym[256];
	bool found = false;
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %255s", sym) == 1 && !strcmp(sym, func);
	fclose(f);
	return found;
}

/*
 * A kprobe (retprobe) on func, opened through the kprobe PMU as libbpf does,
 * a trivial program linked to it, and both closed again: the kernel
 * registers the probe, so a function it cannot probe (blacklisted,
 * notrace, inlined away, absent) is refused here, not when the module
 * attaches, and so is a kernel whose kprobe links cannot be pinned.
 */
static bool trial_kprobe(const char *func, bool ret, char *out, size_t outsz)
{
	long type = read_long("/sys/bus/event_source/devices/kprobe/type");
	struct perf_event_attr attr = {};
	char fmt[64] = "";
	int bit = 0, fd, prog, link;
	FILE *f;

	if (type < 0) {
		why(out, outsz, "no kprobe PMU (/sys/bus/event_source/devices/kprobe)");
		return false;
	}
	if (ret) {
		f = fopen("/sys/bus/event_source/devices/kprobe/format/retprobe", "r");
		if (!f || !fgets(fmt, sizeof(fmt), f) || sscanf(fmt, "config:%d", &bit) != 1) {
			if (f)
				fclose(f);
			why(out, outsz, "no kretprobe format in the kprobe PMU");
			return false;
		}
		fclose(f);
	}
	attr.size = sizeof(attr);
	attr.type = (__u32)type;
	attr.config = ret ? 1ULL << bit : 0;
	attr.config1 = (__u64)(uintptr_t)func;
	fd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		why(out, outsz, "%s cannot be probed: %s", func,
		    kprobe_blacklisted(func) ? "on the kprobe blacklist" : strerror(errno));
		return false;
	}
	/* The module pins the kprobe's link: a BPF perf link (5.15) */
	prog = trivial_prog(BPF_PROG_TYPE_KPROBE, NULL);
	link = prog < 0 ? -1 : bpf_link_create(prog, fd, BPF_PERF_EVENT, NULL);
	if (link < 0)
		why(out, outsz, "no pinnable kprobe link (BPF perf link, 5.15): %s", strerror(errno));
	else
		why(out, outsz, "trial %s and link on %s", ret ? "kretprobe" : "kprobe", func);
	if (link >= 0)
		close(link);
	if (prog >= 0)
		close(prog);
	close(fd);
	return link >= 0;
}

/* A trial load of a tracepoint program that calls what a probe looks for:
 * 1 when the verifier takes it, else 0; why says which, for `probe`. */
static int tp_trial_load(const struct bpf_insn *insns, size_t n, char *why_buf, size_t whysz)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "pw_probe", "GPL", insns, n, NULL);

	if (fd < 0) {
		why(why_buf, whysz, "a tracepoint program calling it is refused: %s", strerror(errno));
		return 0;
	}
	close(fd);
	why(why_buf, whysz, "trial load of a tracepoint program calling it");
	return 1;
}

/*
 * The kfunc bpf_task_from_pid (with its bpf_task_release) called from a
 * tracepoint program: a FUNC of that name in the kernel BTF (6.2), and a
 * kernel that lets tracepoint programs call it (6.12), which only a trial
 * load tells. The program: r1 = 1; r0 = bpf_task_from_pid(r1); if (r0)
 * bpf_task_release(r0); return 0. Probed once per run.
 */
static bool probe_task_from_pid(char *out, size_t outsz)
{
	static int cached = -1;
	static char cached_why[128];
	int get, put;

	if (cached >= 0)
		goto done;
	cached = 0;
	if (!vmlinux_btf) {
		why(cached_why, sizeof(cached_why), "no kernel BTF");
		goto done;
	}
	get = btf__find_by_name_kind(vmlinux_btf, "bpf_task_from_pid", BTF_KIND_FUNC);
	put = btf__find_by_name_kind(vmlinux_btf, "bpf_task_release", BTF_KIND_FUNC);
	if (get <= 0 || put <= 0) {
		why(cached_why, sizeof(cached_why), "bpf_task_from_pid not in the kernel BTF (6.2)");
		goto done;
	}
	const struct bpf_insn insns[] = {
		{ .code = 0xb7, .dst_reg = 1, .imm = 1 },			/* r1 = 1 */
		{ .code = 0x85, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = get },	/* call */
		{ .code = 0x15, .dst_reg = 0, .off = 2, .imm = 0 },		/* if r0 == 0 goto +2 */
		{ .code = 0xbf, .dst_reg = 1, .src_reg = 0 },			/* r1 = r0 */
		{ .code = 0x85, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = put },	/* call */
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },			/* r0 = 0 */
		{ .code = 0x95 },						/* exit */
	};
	cached = tp_trial_load(insns, sizeof(insns) / sizeof(insns[0]), cached_why, sizeof(cached_why));
done:
	why(out, outsz, "%s", cached_why);
	return cached == 1;
}

/*
 * The helper bpf_task_pt_regs (5.15) in a tracepoint program: the syscall
 * pairs' "tpr" exits read the arguments from the task's saved registers
 * with it, and need no enter (bpf/syscall_pair.bpf.h). The program:
 * r0 = bpf_get_current_task_btf(); r1 = r0; r0 = bpf_task_pt_regs(r1);
 * return 0 (a trial load: the verifier knows both helpers or refuses).
 * Probed once per run.
 */
static bool probe_task_pt_regs(char *out, size_t outsz)
{
	static int cached = -1;
	static char cached_why[128];

	if (cached >= 0)
		goto done;
	const struct bpf_insn insns[] = {
		{ .code = 0x85, .imm = BPF_FUNC_get_current_task_btf },	/* call */
		{ .code = 0xbf, .dst_reg = 1, .src_reg = 0 },		/* r1 = r0 */
		{ .code = 0x85, .imm = BPF_FUNC_task_pt_regs },		/* call */
		{ .code = 0xb7, .dst_reg = 0, .imm = 0 },		/* r0 = 0 */
		{ .code = 0x95 },					/* exit */
	};
	cached = tp_trial_load(insns, sizeof(insns) / sizeof(insns[0]), cached_why, sizeof(cached_why));
done:
	why(out, outsz, "%s", cached_why);
	return cached == 1;
}

/* "tpp": the pairing (enter and exit) where no "tpr" exit reads the
 * registers: the helper missing, or tpr denied. */
static bool probe_pairing_needed(char *out, size_t outsz)
{
	(void)out;
	(void)outsz;
	return variant_denied("tpr") || !probe_task_pt_regs(NULL, 0);
}

/* Variants that need more than their kind can do: the part of a program's
 * name after "__" (ptrace_x__tpk: "tpk") and the feature it rests on.
 * Without it the variant is no candidate: no failed load, no notice. */
static bool probe_no_path_lsm(char *out, size_t outsz);

/* quiet: a hook whose only variants lack it is left out without a notice
 * (another hook's variant does its work there). */
static const struct {
	const char *variant;
	bool (*probe)(char *out, size_t outsz);
	bool quiet;
} variant_needs[] = {
	{ "tpk", probe_task_from_pid, false },	/* tp + kfunc bpf_task_from_pid */
	{ "tpnolsm", probe_no_path_lsm, true },	/* tp where BPF LSM path hooks do not run */
	{ "tpr", probe_task_pt_regs, true },	/* tp exit reading the arguments from the registers */
	{ "tpp", probe_pairing_needed, true },	/* tp enter/exit pair where no tpr exit can */
};

/* Set when variant_supported refused a variant for a quiet need. */
static bool refused_quiet;

/*
 * "tpnolsm": a syscall tracepoint whose work an LSM variant of another
 * hook of the module does where BPF LSM runs (audit: lsm/path_unlink
 * sees unlink and unlinkat alike; audit_unlink__lsm replaces
 * audit_unlink__tp, and audit_unlinkat__tpnolsm goes). Also there when
 * lsm is denied (PINWATCH_DENY_VARIANTS=lsm): the tracepoints then do it.
 */
static bool probe_no_path_lsm(char *out, size_t outsz)
{
	(void)out;
	(void)outsz;
	return variant_denied("lsm") || !trial_lsm("path_unlink", NULL, 0);
}

/* PINWATCH_DENY_VARIANTS=fentry,kprobe: treat these kinds (or the
 * variants of variant_needs, by name: tpk) as unsupported, so that a
 * fallback is chosen (to avoid a kind that misbehaves on some
 * kernel, or to test a fallback on a kernel that has the better kind). */
bool variant_denied(const char *name)
{
	const char *deny = getenv("PINWATCH_DENY_VARIANTS");
	size_t n = strlen(name);

	for (const char *p = deny; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static bool variant_supported(const struct bpf_program *prog, const struct variant_kind *v)
{
	const char *target = bpf_program__section_name(prog) + strlen(v->prefix);
	const char *name = v->name, *suffix = strstr(bpf_program__name(prog), "__");

	if (variant_denied(name))
		return false;
	for (size_t i = 0; suffix && i < sizeof(variant_needs) / sizeof(variant_needs[0]); i++)
		if (!strcmp(suffix + 2, variant_needs[i].variant) &&
		    (variant_denied(variant_needs[i].variant) || !variant_needs[i].probe(NULL, 0))) {
			refused_quiet |= variant_needs[i].quiet;
			return false;
		}
	if (!strcmp(name, "tp"))
		return tracepoint_exists(target);
	if (!strcmp(name, "tp_btf"))
		return trial_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, "btf_trace_", target,
				 BTF_KIND_TYPEDEF, true, NULL, 0);
	if (!strcmp(name, "raw_tp"))
		return trial_raw_tp(target, NULL, 0);
	if (!strcmp(name, "fentry") || !strcmp(name, "fexit"))
		return trial_btf(BPF_PROG_TYPE_TRACING, name[1] == 'e' ? BPF_TRACE_FENTRY : BPF_TRACE_FEXIT,
				 "", target, BTF_KIND_FUNC, true, NULL, 0);
	if (!strcmp(name, "fmod_ret"))
		return trial_btf(BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, "", target, BTF_KIND_FUNC, true,
				 NULL, 0);
	if (!strcmp(name, "lsm"))
		return trial_lsm(target, NULL, 0);
	if (!strcmp(name, "kprobe") || !strcmp(name, "kretprobe"))
		return trial_kprobe(target, name[1] == 'r', NULL, 0);
	return true;
}

/* The probes run outside a module's load (pinwatch-funclatency, pinwatch-rule)
 * parse vmlinux BTF for their trial and free it after; inside one, the
 * module's stays. hold_btf() says whether the caller owns it. */
static bool hold_btf(void)
{
	if (vmlinux_btf)
		return false;
	vmlinux_btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux_btf))
		vmlinux_btf = NULL;
	return true;
}

static void release_btf(bool own)
{
	if (own) {
		btf__free(vmlinux_btf);
		vmlinux_btf = NULL;
	}
}

/* See probe.h. */
bool probe_function(const char *kind, const char *func, char *out, size_t outsz)
{
	bool ok, own;

	if (variant_denied(kind)) {
		why(out, outsz, "denied by PINWATCH_DENY_VARIANTS");
		return false;
	}
	own = hold_btf();
	if (!strcmp(kind, "fentry") || !strcmp(kind, "fexit"))
		ok = trial_btf(BPF_PROG_TYPE_TRACING, kind[1] == 'e' ? BPF_TRACE_FENTRY : BPF_TRACE_FEXIT,
			       "", func, BTF_KIND_FUNC, true, out, outsz);
	else if (!strcmp(kind, "kprobe") || !strcmp(kind, "kretprobe"))
		ok = trial_kprobe(func, kind[1] == 'r', out, outsz);
	else {
		why(out, outsz, "no such kind of probe: %s", kind);
		ok = false;
	}
	release_btf(own);
	return ok;
}

/*
 * Can BPF make the operation behind LSM hook lsm_hook fail (deny rules,
 * bpf/deny.bpf.c)? Where BPF LSM programs run on it, or where fmod_ret
 * attaches to its security_* function sec_fn (the kernel lets fmod_ret
 * replace the return value of every security_* function). The trials the
 * loader makes for the deny module's two variants; PINWATCH_DENY_VARIANTS
 * counts too. out: what was tried, or what the kernel lacks.
 */
bool probe_refuse(const char *lsm_hook, const char *sec_fn, char *out, size_t outsz)
{
	char lsm[160] = "", fmod[160] = "";
	bool own = hold_btf(), ok = false;

	if (variant_denied("lsm"))
		why(lsm, sizeof(lsm), "lsm is in PINWATCH_DENY_VARIANTS");
	else
		ok = trial_lsm(lsm_hook, lsm, sizeof(lsm));
	if (!ok && variant_denied("fmod_ret"))
		why(fmod, sizeof(fmod), "fmod_ret is in PINWATCH_DENY_VARIANTS");
	else if (!ok)
		ok = trial_btf(BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, "", sec_fn, BTF_KIND_FUNC, true,
			       fmod, sizeof(fmod));
	if (ok)
		why(out, outsz, "%s", fmod[0] ? fmod : lsm);
	else
		why(out, outsz, "no BPF LSM (%s) and no fmod_ret (%s)", lsm, fmod);
	release_btf(own);
	return ok;
}

/* ---- tail-call stages ------------------------------------------------------ */

#define MAX_STAGES 32
static char stage_names[MAX_STAGES][64];
static int n_stage_names;

/*
 * Reads the names of the programs that the object's prog arrays are
 * initialised with (its tail-call stages) from the ELF relocations of
 * .maps, where libbpf finds them too. Known before load, unlike the
 * prog array's content.
 */
int read_stage_names(const char *object)
{
	Elf_Scn *scn = NULL, *symtab = NULL;
	size_t shstrndx, maps_idx = 0;
	GElf_Shdr sh, symsh;
	Elf_Data *syms;
	int fd, err = -1;
	Elf *elf;

	n_stage_names = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	fd = open(object, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name;

		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)))
			goto out;
		if (!strcmp(name, ".maps"))
			maps_idx = elf_ndxscn(scn);
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
	}
	err = 0;
	if (!maps_idx || !symtab || !gelf_getshdr(symtab, &symsh) || !(syms = elf_getdata(symtab, NULL)))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *rels;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_REL || sh.sh_info != maps_idx ||
		    !sh.sh_entsize || !(rels = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && n_stage_names < MAX_STAGES; i++) {
			const char *name;
			GElf_Rel rel;
			GElf_Sym sym;

			if (!gelf_getrel(rels, (int)i, &rel) ||
			    !gelf_getsym(syms, (int)GELF_R_SYM(rel.r_info), &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !(name = elf_strptr(elf, symsh.sh_link, sym.st_name)))
				continue;
			snprintf(stage_names[n_stage_names++], sizeof(stage_names[0]), "%s", name);
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

bool is_stage(const struct bpf_program *prog)
{
	for (int i = 0; i < n_stage_names; i++)
		if (!strcmp(stage_names[i], bpf_program__name(prog)))
			return true;
	return false;
}

/* ---- variant choice ---------------------------------------------------------- */

static struct hook_plan *plan_hook(struct variant_plan *plan, const char *hook)
{
	for (int i = 0; i < plan->n; i++)
		if (!strcmp(plan->hooks[i].hook, hook))
			return &plan->hooks[i];
	if (plan->n == PLAN_MAX_HOOKS)
		return NULL;
	snprintf(plan->hooks[plan->n].hook, sizeof(plan->hooks[0].hook), "%s", hook);
	return &plan->hooks[plan->n++];
}

/* Inserts a candidate by rank, after those of equal rank (object order). */
static void add_candidate(struct hook_plan *h, const char *prog, const char *kind, int rank,
			  int *ranks)
{
	int at = h->n;

	if (h->n == PLAN_MAX_CANDS)
		return;
	while (at > 0 && ranks[at - 1] > rank)
		at--;
	for (int k = h->n; k > at; k--) {
		memcpy(h->prog[k], h->prog[k - 1], sizeof(h->prog[0]));
		h->kind[k] = h->kind[k - 1];
		ranks[k] = ranks[k - 1];
	}
	snprintf(h->prog[at], sizeof(h->prog[0]), "%s", prog);
	h->kind[at] = kind;
	ranks[at] = rank;
	h->n++;
}

/*
 * Every variant of every hook is probed; the supported ones become the
 * hook's candidates, preferred first, and a kind the loader does not probe
 * comes last (trusted). Tail-call stages always load: they run from the
 * chain, never attached, and a stage named <hook>__<variant> serves its
 * hook where no attachable variant is supported (or all of them failed).
 */
void plan_variants(struct bpf_object *obj, const char *module, struct variant_plan *plan)
{
	int ranks[PLAN_MAX_HOOKS][PLAN_MAX_CANDS];
	struct bpf_program *prog;
	char hook[64];

	memset(plan, 0, sizeof(*plan));
	/* parsed once per process, kept for the next module of a load of
	 * several (pinwatch up: one loader for all of them) */
	if (!vmlinux_btf)
		vmlinux_btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux_btf))
		vmlinux_btf = NULL;
	bpf_object__for_each_program(prog, obj) {
		const struct variant_kind *v = variant_of(prog);
		const char *name = bpf_program__name(prog);
		struct hook_plan *h;

		hook_of(name, hook, sizeof(hook));
		h = plan_hook(plan, hook);
		if (!h)
			continue;
		if (is_stage(prog)) {
			h->served = true;
			if (strstr(name, "__"))
				snprintf(h->stage_kind, sizeof(h->stage_kind), "%s", strstr(name, "__") + 2);
			continue;
		}
		refused_quiet = false;
		if (!v)
			add_candidate(h, name, NULL, 1000, ranks[h - plan->hooks]);
		else if (variant_supported(prog, v))
			add_candidate(h, name, v->name, v->rank, ranks[h - plan->hooks]);
		else if (refused_quiet)
			h->quiet = true;
	}
	for (int i = 0; i < plan->n; i++)
		if (!plan->hooks[i].n && !plan->hooks[i].served && !plan->hooks[i].quiet)
			die_msg("%s: notice: hook %s is not available on this kernel, skipped", module,
				plan->hooks[i].hook);
	pw_run_time_alloc_ok(vmlinux_btf); /* while it is loaded (mapsize.c asks) */
}

int apply_plan(struct bpf_object *obj, const struct variant_plan *plan)
{
	struct bpf_program *prog;
	int kept = 0;

	bpf_object__for_each_program(prog, obj) {
		bool keep = is_stage(prog);

		for (int i = 0; i < plan->n && !keep; i++) {
			const struct hook_plan *h = &plan->hooks[i];

			keep = h->cur < h->n && !strcmp(h->prog[h->cur], bpf_program__name(prog));
		}
		bpf_program__set_autoload(prog, keep);
		kept += keep;
	}
	return kept;
}

bool plan_fall_back(struct variant_plan *plan, const char *module, const char *prog, const char *what,
		    const char *cause)
{
	for (int i = 0; i < plan->n; i++) {
		struct hook_plan *h = &plan->hooks[i];
		const char *failed, *next;

		if (h->cur >= h->n || strcmp(h->prog[h->cur], prog))
			continue;
		if (h->cur + 1 == h->n && !h->stage_kind[0])
			return false;
		failed = h->kind[h->cur] ? h->kind[h->cur] : prog;
		if (!strncmp(cause, "prog '", 6) && strstr(cause, "': "))
			cause = strstr(cause, "': ") + 3; /* the notice names the hook */
		h->cur++;
		next = h->cur < h->n ? (h->kind[h->cur] ? h->kind[h->cur] : h->prog[h->cur]) : h->stage_kind;
		die_msg("%s: %s: %s failed to %s (%s); using %s%s", module, h->hook, failed, what, cause, next,
			h->cur < h->n ? "" : " (tail-call stage)");
		return true;
	}
	return false;
}

/* ---- the feature matrix ------------------------------------------------------- */

/* Representative targets: ones the modules use. */
static bool probe_tracefs(char *out, size_t outsz)
{
	const char *dir = tracefs_dir();

	if (!dir)
		why(out, outsz, "no events/ under /sys/kernel/tracing nor /sys/kernel/debug/tracing");
	else
		why(out, outsz, "%s", dir);
	return dir;
}

static bool probe_btf(char *out, size_t outsz)
{
	if (!vmlinux_btf) {
		why(out, outsz, "no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF)");
		return false;
	}
	why(out, outsz, "/sys/kernel/btf/vmlinux");
	return true;
}

static bool probe_tp_btf(char *out, size_t outsz)
{
	return trial_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, "btf_trace_", "sched_process_exit",
			 BTF_KIND_TYPEDEF, true, out, outsz);
}

static bool probe_raw_tp(char *out, size_t outsz)
{
	return trial_raw_tp("sched_process_exit", out, outsz);
}

static bool probe_kprobe(char *out, size_t outsz)
{
	return trial_kprobe("vfs_read", false, out, outsz);
}

static bool probe_fentry(char *out, size_t outsz)
{
	return trial_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "", "vfs_read", BTF_KIND_FUNC, true, out,
			 outsz);
}

static bool probe_lsm(char *out, size_t outsz)
{
	return trial_lsm("bprm_check_security", out, outsz);
}

static bool probe_fmod_ret(char *out, size_t outsz)
{
	return trial_btf(BPF_PROG_TYPE_TRACING, BPF_MODIFY_RETURN, "", "security_file_open", BTF_KIND_FUNC,
			 true, out, outsz);
}

static bool probe_map(enum bpf_map_type type, char *out, size_t outsz)
{
	int rc = libbpf_probe_bpf_map_type(type, NULL);

	why(out, outsz, rc == 1 ? "map created" : rc == 0 ? "map type unknown to the kernel" : "probe failed: %s",
	    strerror(-rc));
	return rc == 1;
}

static bool probe_ringbuf(char *out, size_t outsz)
{
	return probe_map(BPF_MAP_TYPE_RINGBUF, out, outsz);
}

static bool probe_task_storage(char *out, size_t outsz)
{
	return probe_map(BPF_MAP_TYPE_TASK_STORAGE, out, outsz);
}

static bool probe_iter_task(char *out, size_t outsz)
{
	return trial_btf(BPF_PROG_TYPE_TRACING, BPF_TRACE_ITER, "bpf_iter_", "task", BTF_KIND_FUNC, false, out,
			 outsz);
}

static bool probe_helper(enum bpf_prog_type type, enum bpf_func_id id, const char *prog_kind, char *out,
			 size_t outsz)
{
	int rc = libbpf_probe_bpf_helper(type, id, NULL);

	why(out, outsz, rc == 1 ? "helper accepted in %s programs" : rc == 0 ? "helper refused in %s programs" :
		"probe failed (%s)", rc < 0 ? strerror(-rc) : prog_kind);
	return rc == 1;
}

static bool probe_send_signal(char *out, size_t outsz)
{
	return probe_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_send_signal, "tracepoint", out, outsz);
}

static bool probe_cookie(char *out, size_t outsz)
{
	return probe_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_get_attach_cookie, "tracepoint", out, outsz);
}

/* The matrix: each feature, the upstream release it arrived in, what
 * pinwatch uses it for (README, "Kernels", derives the oldest kernel), and
 * how much it is needed (`pinwatch doctor` fails on a missing "required"
 * one and warns on a missing "optional" one): required, no run without it;
 * optional, a fallback variant, a mode or a module is lost without it;
 * unused, probed only. */
static const struct feature {
	const char *name;
	const char *since;
	const char *use;
	const char *need;
	bool (*probe)(char *out, size_t outsz);
} features[] = {
	{ "tracefs", "4.7", "tp variants (required: process exec, net, audit, signal)", "required", probe_tracefs },
	{ "btf", "5.4", "CO-RE relocations of every module (required)", "required", probe_btf },
	{ "tp_btf", "5.5", "preferred variant of tracepoint hooks", "optional", probe_tp_btf },
	{ "raw_tp", "5.7", "fallback of tp_btf (pinnable link: 5.7)", "optional", probe_raw_tp },
	{ "kprobe", "5.15", "fallback of fentry/fexit/tp_btf (pinnable link: 5.15)", "optional", probe_kprobe },
	{ "fentry", "5.5", "preferred variant of function hooks (oom, file)", "optional", probe_fentry },
	{ "lsm", "5.7", "exec refusal before commit (process enforce), deny rules (deny)", "optional", probe_lsm },
	{ "fmod_ret", "5.7", "deny rules where BPF LSM does not run (deny)", "optional", probe_fmod_ret },
	{ "ringbuf", "5.8", "the events map (required)", "required", probe_ringbuf },
	{ "task_storage", "5.11", "syscall latency (syscall module)", "optional", probe_task_storage },
	{ "iter_task", "5.8", "snapshot of the running processes at load (else read from /proc)", "optional",
	  probe_iter_task },
	{ "send_signal", "5.3", "kill mode of pinwatch block (process)", "optional", probe_send_signal },
	{ "cookie", "5.15", "not used yet", "unused", probe_cookie },
	{ "task_from_pid", "6.12", "kfunc bpf_task_from_pid in tracepoint programs: ptrace's tpk variant (target_comm by pid)",
	  "optional", probe_task_from_pid },
	{ "task_pt_regs", "5.15", "helper bpf_task_pt_regs in tracepoint programs: file's syscall exits without their enter hooks (tpr)",
	  "optional", probe_task_pt_regs },
};

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int cmd_probe(bool json)
{
	struct utsname u;

	uname(&u);
	vmlinux_btf = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux_btf))
		vmlinux_btf = NULL;
	if (json) {
		printf("{\"kernel\":");
		json_str(u.release);
		/* the libbpf this binary runs with (the shared library's own) */
		printf(",\"libbpf\":");
		json_str(libbpf_version_string());
		printf(",\"features\":[");
	} else {
		printf("kernel %s\nlibbpf %s\n", u.release, libbpf_version_string());
	}
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];
		char detail[256] = "";
		bool ok = f->probe(detail, sizeof(detail));

		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(f->name);
			printf(",\"supported\":%s,\"detail\":", ok ? "true" : "false");
			json_str(detail);
			printf(",\"since\":");
			json_str(f->since);
			printf(",\"use\":");
			json_str(f->use);
			printf(",\"need\":");
			json_str(f->need);
			printf("}");
		} else {
			printf("%-13s %-3s  %s\n", f->name, ok ? "yes" : "no", detail);
		}
	}
	if (json)
		printf("]}\n");
	btf__free(vmlinux_btf);
	vmlinux_btf = NULL;
	return 0;
}
