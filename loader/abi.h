/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pinwatch-load's introspection commands: what bpf/pinwatch.h defines,
 * printed for the control plane, so that no script types a C constant.
 */
#ifndef PINWATCH_ABI_H
#define PINWATCH_ABI_H

#include <stdbool.h>

/* abi [--json]: every id, key, field and constant the scripts use. */
int cmd_abi(bool json);
/* modules: "ID NAME" per module. */
void cmd_modules(void);
/* config-layout: "NAME OFFSET SIZE SETTABLE" per config field, then
 * "sizeof 0 SIZE 0". */
void cmd_config_layout(void);
/* filter-key KIND VALUE: the bytes of a filter map key, for bpftool;
 * 1 and one stderr line on a bad value. */
int cmd_filter_key(const char *kind, const char *value);

#endif
