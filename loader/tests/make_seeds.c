// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Writes the seed corpus for fuzz_pwevent: one valid record of each type,
 * plus a few edge cases. Run once; the output is committed under
 * tests/fuzz/corpus/pwevent/ (make fuzz-seeds regenerates it). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "pinwatch.h"

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		return;
	}
	fclose(f);
}

static void hdr(struct pw_hdr *h, unsigned type, unsigned size)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->size = size;
	h->ts_ns = 123456789;
	h->pid = h->tid = 42;
	h->ppid = 1;
	h->exec_id = 7;
	memcpy(h->comm, "seed", 5);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	struct pw_exec ex;
	struct pw_exit et;
	struct pw_fork fk;
	static const char args[] = "/bin/ls\0-l\0/tmp";

	memset(&ex, 0, sizeof(ex));
	hdr(&ex.h, PW_EV_EXEC, offsetof(struct pw_exec, args) + sizeof(args));
	strcpy(ex.filename, "/bin/ls");
	memcpy(ex.args, args, sizeof(args));
	ex.args_len = sizeof(args);
	put(dir, "exec", &ex, ex.h.size);
	ex.args_truncated = 1;
	memset(ex.filename, 'A', sizeof(ex.filename)); /* no terminator */
	put(dir, "exec-unterminated", &ex, ex.h.size);
	hdr(&et.h, PW_EV_EXIT, sizeof(et));
	et.exit_code = 7;
	et.signal = 0;
	et.duration_ns = 1000;
	put(dir, "exit", &et, sizeof(et));
	hdr(&fk.h, PW_EV_FORK, sizeof(fk));
	fk.child_pid = 43;
	fk.pad = 0;
	put(dir, "fork", &fk, sizeof(fk));
	put(dir, "fork-truncated", &fk, sizeof(fk) - 3);
	return 0;
}
