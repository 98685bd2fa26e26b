/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pinwatch-load's feature probes and variant choice. A module's programs
 * are named <hook>__<variant>; of each hook's variants the running kernel
 * supports, the preferred one loads, and the next one takes over when it
 * fails to load or to attach. `pinwatch-load probe` prints the features
 * these choices rest on.
 */
#ifndef PINWATCH_PROBE_H
#define PINWATCH_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

struct variant_kind {
	const char *prefix;	/* section prefix: "tp_btf/" */
	const char *name;	/* what status and notices call it: "tp_btf" */
	int rank;		/* lower is preferred */
};

/* The kind of a program's section; NULL for a kind not probed. */
const struct variant_kind *variant_of(const struct bpf_program *prog);
/* "exit__tp_btf" -> hook "exit"; a name without "__" is its own hook. */
void hook_of(const char *prog_name, char *out, size_t outsz);

/* Reads the names of an object's tail-call stages (from its ELF, before
 * load); is_stage() then tells them apart. 0, or -1 (elf_errmsg says). */
int read_stage_names(const char *object);
bool is_stage(const struct bpf_program *prog);

#define PLAN_MAX_HOOKS 64
#define PLAN_MAX_CANDS 6

/* The variants of one hook the kernel supports, preferred first. */
struct hook_plan {
	char hook[64];
	char prog[PLAN_MAX_CANDS][64];
	const char *kind[PLAN_MAX_CANDS];
	int n, cur;		/* cur == n: none attached (a stage serves it) */
	bool quiet;		/* no variant, as another hook does its work (tpnolsm) */
	bool served;		/* a tail-call stage of the hook's name runs in its place */
	char stage_kind[32];	/* "tp" when a stage <hook>__tp serves the hook, else "" */
};

struct variant_plan {
	struct hook_plan hooks[PLAN_MAX_HOOKS];
	int n;
};

/* Probes every hook of obj; prints a notice for each hook nothing serves. */
void plan_variants(struct bpf_object *obj, const char *module, struct variant_plan *plan);
/* Sets obj's autoload flags from the plan; returns the programs kept. */
int apply_plan(struct bpf_object *obj, const struct variant_plan *plan);
/* Program prog failed to `what` (load, attach) for `cause`: moves its hook
 * to the next variant and prints one notice naming both. False when prog
 * is no hook's current variant or its hook has no other. */
bool plan_fall_back(struct variant_plan *plan, const char *module, const char *prog,
		    const char *what, const char *cause);

/* PINWATCH_DENY_VARIANTS lists this kind ("fentry", "iter", ...): treat it
 * as unsupported, so that its fallback is chosen. */
bool variant_denied(const char *name);

/* The on-demand tools' probe (pinwatch-funclatency): can a program of kind
 * ("fentry", "fexit", "kprobe", "kretprobe") attach to the kernel function
 * func? A trivial program is loaded and attached for a moment, as for a
 * module's variants; PINWATCH_DENY_VARIANTS applies. out (may be NULL):
 * why not, or what was tried. Needs no loaded BTF beforehand. */
bool probe_function(const char *kind, const char *func, char *out, size_t outsz);

/* Can BPF refuse the operation of LSM hook lsm_hook (BPF LSM on it, or
 * fmod_ret on its security_* function sec_fn)? out: what the kernel lacks. */
bool probe_refuse(const char *lsm_hook, const char *sec_fn, char *out, size_t outsz);

/* `pinwatch-load probe [--json]`: the feature matrix. */
int cmd_probe(bool json);

#endif
