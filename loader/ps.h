/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* `pinwatch-load ps`: the process cache, as a list or a tree (ps.c). */
#ifndef PINWATCH_PS_H
#define PINWATCH_PS_H

#include <stdbool.h>

/* Prints maps/proc_cache: text columns or JSON Lines; tree: children under
 * their parent (ppid), indented (text) or with "depth" (JSON). Returns the
 * exit code (1 after one line on stderr: no sensor, no process module). */
int cmd_ps(bool tree, bool json);

#endif
