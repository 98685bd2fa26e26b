/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * bpfobj.h: what the programs that open a pinwatch BPF object with libbpf
 * share (the on-demand tools, the tracepoint workbench; pinwatch-load's
 * log can use the same): libbpf's messages captured and boiled down to one
 * line for an error, and the sensor's shared maps reused where it has
 * pinned them.
 */
#ifndef PINWATCH_BPFOBJ_H
#define PINWATCH_BPFOBJ_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct bpf_object;

/* ---- libbpf's messages ---------------------------------------------------- */

/*
 * Sends libbpf's messages here from now on. Warnings and information
 * (libbpf's errors, the verifier's log) are kept, in the order they came,
 * for pw_libbpf_cause(); debug messages are not. With verbose, every
 * message, debug ones too, is also written to stderr as it comes.
 */
void pw_libbpf_capture(bool verbose);

/* The messages kept so far, whole ("" when none). */
const char *pw_libbpf_log(void);

/* Forgets the messages kept so far (before another attempt). */
void pw_libbpf_reset(void);

/*
 * The cause of a failure in one line, from the messages kept: "verifier
 * rejected program P: LINE" (LINE: the verifier's last line before its
 * "processed N insns" summary) when the kernel rejected a program, else
 * libbpf's first error line without its "libbpf: " prefix, else "unknown
 * error". The string stays valid until the next call.
 */
const char *pw_libbpf_cause(void);

/* The same from a log given whole (one message or more, '\n'-separated). */
void pw_libbpf_cause_of(const char *log, char *out, size_t outsz);

/* ---- the sensor's shared maps ---------------------------------------------- */

/*
 * An object that includes bpf/maps.bpf.h carries the sensor's shared maps
 * (pinned by name). Opened by another program, between open and load,
 * pw_shared_maps_prepare() unpins every one of them (the program pins
 * nothing: its maps go with it), reuses those the sensor has pinned under
 * PIN_ROOT/maps after checking they are laid out as this build expects,
 * and leaves the others to be created privately. With `only`, it reuses
 * only the maps named there and does not create the other shared maps.
 * A map the caller wants private whatever the sensor has (a ring buffer of
 * its own) is unpinned by the caller first: maps without a pin path are
 * left alone. After load, pw_shared_maps_loaded() switches a private
 * config on (a shared one is the sensor's to set).
 */
struct pw_shared_maps {
	const char *prog;		/* for messages: "pinwatch-profile" */
	const char *pin_root;		/* NULL: $PINWATCH_PIN_ROOT, else PW_PIN_ROOT */
	const char *const *only;	/* NULL-terminated names, or NULL: every shared map */
	char maps_dir[PATH_MAX];	/* set by prepare: PIN_ROOT/maps */
	bool shared_config;		/* the sensor's config: its switch and filters apply */
	bool shared_stats;		/* counted in the sensor's stats */
};

/* Both return 0, or -1 after one line on stderr. */
int pw_shared_maps_prepare(struct bpf_object *obj, struct pw_shared_maps *sm);
int pw_shared_maps_loaded(struct bpf_object *obj, const struct pw_shared_maps *sm);

/*
 * Whether tracing programs may use hash maps allocated at run time
 * (BPF_F_NO_PREALLOC) on this kernel. Before 6.1 the allocator could be
 * re-entered from a tracepoint (a warning, an error for perf_event
 * programs and on PREEMPT_RT); 6.1 gave BPF its own allocator for any
 * context ("bpf: Introduce any context BPF specific memory allocator")
 * and lifted the restriction ("bpf: Remove tracing program restriction on
 * map types", perf_event programs included). The probe: that allocator's
 * struct bpf_mem_alloc in the kernel's BTF. vmlinux is the kernel's BTF
 * when the caller has it loaded, else NULL (loaded here, once).
 */
struct btf;
bool pw_run_time_alloc_ok(const struct btf *vmlinux);

/* Clears BPF_F_NO_PREALLOC from the object's hash maps where the kernel
 * needs them preallocated (above): call between open and load. */
void pw_maps_prealloc_fallback(struct bpf_object *obj);

/* ---- the sensor's own work ------------------------------------------------- */

struct pw_config;

/*
 * config.loader_tgid and loader_start: while a pinwatch tool changes the
 * sensor (pinwatch-load loading or unloading, pinwatch-rule writing rules),
 * the events it causes, and those of the children it forks, are the
 * sensor's own: counted filtered, as the consumer's are, and its opens,
 * pins and program loads are left off the audit trail (what else it
 * changes stays on it). pw_own_claim() writes this process into the pinned
 * config of pin_root (when there is one of this build's size; best effort:
 * without it the tool's own events are reported, nothing else changes) and
 * clears it again at exit, if still its own; a child it forks never
 * clears it. The caller holds the control plane's lock.
 */
void pw_own_claim(const char *pin_root);

/* This process's start time in clock ticks since boot (/proc/self/stat
 * field 22), as the kernel side compares config.consumer_start and
 * loader_start; 0 when unreadable. */
unsigned long long pw_self_start_ticks(void);

/* The claim into a config this process is creating (the first load). */
void pw_own_fill(struct pw_config *cfg);

#endif
