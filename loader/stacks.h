/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef PINWATCH_STACKS_H
#define PINWATCH_STACKS_H

#include <stdbool.h>

/* Prints the folded kernel stacks that queued MODULE's slow requests (block:
 * slow_stacks and stacks), largest count first; json: one object per line
 * {"comm", "stack", "count"}. Returns the exit code (1 after one line on
 * stderr: not loaded, not block). */
int cmd_stacks(const char *module, bool json);

#endif
