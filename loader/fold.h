/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fold.h: stacks folded for flamegraph.pl or speedscope, one line per
 * distinct stack, "comm;outermost;...;innermost count" (kernel frames end in
 * _[k]), or with JSON one object per line {"comm", ["pid",] "stack": [...],
 * "count"}; rows that fold into the same line add up, the largest first.
 * What pinwatch-profile prints and `pinwatch hist block --stacks`
 * (pinwatch-load stacks) too: frames from a BPF stack-trace map, kernel ones
 * symbolised from /proc/kallsyms, user ones from a process's ELF files.
 *
 * Names are escaped (README, "Escaping"): in folded lines control bytes,
 * invalid UTF-8, '\' and ';' show as \xNN; in JSON a string that is not
 * UTF-8 shows bad bytes as \xNN and gets comm_hex / stack_hex beside.
 */
#ifndef PINWATCH_FOLD_H
#define PINWATCH_FOLD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "writer.h"

struct pw_ksyms;
struct pw_usyms;

/* One row being built. Zero-initialise, then pw_fold_begin(). */
struct pw_fold_out {
	FILE *line;		/* the folded line */
	char *line_buf;
	size_t line_len;
	struct pw_buf json;	/* with JSON: the object up to its count */
	struct pw_buf hex;	/* with JSON: each frame in hex, for stack_hex */
	bool as_json, first, bad;	/* bad: a frame is not valid UTF-8 */
};

/* The rows made so far. Zero-initialise; json: print JSON objects. */
struct pw_fold {
	struct pw_fold_row {
		char *line;	/* what rows merge on: the folded line; JSON: "pid " first */
		char *json;	/* JSON: the object up to its count */
		uint64_t count;
	} *rows;
	size_t n, cap;
	bool json;
};

/* Starts a row of f's kind: the comm (16 bytes, NUL-padded), and with JSON
 * the pid when pid >= 0. Returns 0 or -1 (no memory). */
int pw_fold_begin(const struct pw_fold *f, struct pw_fold_out *o, const char *comm, long pid);
/* Adds one frame (a name, or a marker like "[unknown]"). */
void pw_fold_frame(struct pw_fold_out *o, const char *name, bool kernel);
/* Adds every frame of stack id of stacks_fd (a stack-trace map of depth
 * frames), outermost first, kernel frames through ksyms (NULL: [unknown]),
 * user ones through u (NULL: [unknown]). id < 0: nothing when it is
 * -EFAULT (no such stack: user mode, kernel thread), else a [missed ...
 * stack] frame, as for a stack no longer in the map. */
void pw_fold_stack(struct pw_fold_out *o, int stacks_fd, int id, int depth, bool kernel,
		   const struct pw_ksyms *ksyms, struct pw_usyms *u);
/* Ends the row and adds it to f with count. Returns 0 or -1 (no memory:
 * the row is dropped). */
int pw_fold_end(struct pw_fold *f, struct pw_fold_out *o, uint64_t count);
/* Folds the rows that make the same line, prints them to out, largest count
 * first, and frees them. Returns the number of lines. */
size_t pw_fold_print(struct pw_fold *f, FILE *out);

#endif
