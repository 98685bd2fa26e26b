/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pinwatch-load's lifecycle (load.c) as its other parts use it: the
 * command-line environment, the one error function, pin-root helpers and
 * the staged load, which a uprobe (uprobe.c) runs with its own hooks.
 */
#ifndef PINWATCH_LOAD_H
#define PINWATCH_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>

#define EXIT_ALREADY_LOADED 3
#define EXIT_UNSUPPORTED 4

struct load_env {
	const char *pin_root;
	const char *lock_path;
	uint64_t ringbuf_bytes;
	bool verbose;
	bool lock;	/* attach/detach: false with --no-lock (the caller holds it) */
	bool json;	/* abi, probe, ps: --json */
	bool tree;	/* ps: --tree */
	const char *status_dir;	/* load: --status-dir, each module's status and messages */
};
extern struct load_env env;

/* "pinwatch-load: " + the message + newline, on stderr: every error and
 * notice the loader prints. */
void die_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

char *path_join(const char *a, const char *b);
bool path_exists(const char *p);
void remove_tree(const char *dir);
/* Removes maps/manifest's entries below rel_dir ("process", "uprobe/NAME"):
 * before the pins go, so pinwatch-read reports no tamper. */
void manifest_forget(const char *rel_dir);
bool any_module_loaded(void);
int set_const(struct bpf_object *obj, const char *var, const void *val, size_t size);
struct bpf_map_info;
/* The info of the shared map pinned at pin: from the fd an earlier load of
 * this process kept, else by opening the pin. 0, or -1 (not pinned, or
 * unreadable). */
int shared_map_info(const char *pin, struct bpf_map_info *info);

/* A load that is not a resident module (a uprobe, see cmd_uprobe_add):
 * where its pins go, which programs it keeps and how they attach. */
struct load_hooks {
	const char *dest;	/* the directory the pins end up in */
	const char *parent;	/* dest's parent: created if missing, removed again on failure */
	const char *label;	/* what messages call it */
	int (*prepare)(struct bpf_object *obj);	/* instead of the variant choice: programs kept, -1 said why */
	int (*loaded)(struct bpf_object *obj);	/* after the load, before pinning: 0 or -1 said why */
	struct bpf_link *(*attach)(const struct bpf_program *prog);
};

/* The staged all-or-nothing load of OBJECT: a module (hooks NULL) or
 * another pinned load. Returns the exit code. */
int load_object(const char *object, const struct load_hooks *hooks);

#endif
