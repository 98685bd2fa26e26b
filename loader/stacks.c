// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `pinwatch-load stacks block` (`pinwatch hist block --stacks`): the kernel
 * stacks that queued slow block requests (biostacks), from the block
 * module's pinned slow_stacks and stacks maps, folded and symbolised as
 * pinwatch-profile's (fold.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "fold.h"
#include "load.h"
#include "pinwatch.h"
#include "stacks.h"
#include "syms.h"

int cmd_stacks(const char *module, bool json)
{
	char *dir = path_join(env.pin_root, module), *counts = path_join(dir, "slow_stacks");
	char *stacks = path_join(dir, "stacks");
	struct pw_block_stack_key key, next, *prev = NULL;
	struct pw_fold fold = { .json = json };
	struct pw_ksyms *ksyms = NULL;
	int counts_fd = -1, stacks_fd = -1, err = 1;

	if (strcmp(module, "block")) {
		die_msg("stacks: only block keeps stacks (not %s)", module);
		goto out;
	}
	if (!path_exists(dir)) {
		die_msg("stacks: module %s is not loaded", module);
		goto out;
	}
	counts_fd = bpf_obj_get(counts);
	stacks_fd = bpf_obj_get(stacks);
	if (counts_fd < 0 || stacks_fd < 0) {
		die_msg("stacks: %s: %s", counts_fd < 0 ? counts : stacks, strerror(errno));
		goto out;
	}
	ksyms = pw_ksyms_load();
	if (!ksyms)
		die_msg("stacks: /proc/kallsyms unreadable: kernel frames show as [unknown]");
	while (!bpf_map_get_next_key(counts_fd, prev, &next)) {
		struct pw_fold_out o;
		__u64 count = 0;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts_fd, &key, &count) || !count)
			continue;
		if (pw_fold_begin(&fold, &o, key.comm, -1))
			break;
		pw_fold_stack(&o, stacks_fd, key.stack_id, PW_BLOCK_STACK_DEPTH, true, ksyms, NULL);
		if (pw_fold_end(&fold, &o, count))
			break;
	}
	pw_fold_print(&fold, stdout);
	err = 0;
out:
	pw_ksyms_free(ksyms);
	if (counts_fd >= 0)
		close(counts_fd);
	if (stacks_fd >= 0)
		close(stacks_fd);
	free(dir);
	free(counts);
	free(stacks);
	return err;
}
