/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pinwatch-load's uprobes: a target BINARY:SYMBOL (or a preset) resolved
 * to a file and an offset, then ondemand/uprobe.bpf.o loaded through the
 * staged load and pinned as <pin root>/uprobe/NAME/.
 */
#ifndef PINWATCH_UPROBE_H
#define PINWATCH_UPROBE_H

#include <stdbool.h>

/* The uprobe-add options, set by the command line. */
struct uprobe_opts {
	const char *preset;	/* --preset */
	const char *pid;	/* --pid */
	bool ret;		/* --ret */
};
extern struct uprobe_opts uprobe_opts;

int cmd_uprobe_add(const char *object, const char *name, const char *target);
int cmd_uprobe_del(const char *name);

#endif
