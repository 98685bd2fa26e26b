/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tpwatch.h: pinwatch-read --tracepoint: loads bpf/tpwatch.bpf.o, points it
 * at one tracepoint and attaches it, for the life of the process. Nothing
 * is pinned: the link, the program and the private ring buffer go away
 * when the process exits, however it exits.
 */
#ifndef PINWATCH_TPWATCH_H
#define PINWATCH_TPWATCH_H

struct tpw_opts {
	const char *tracepoint;	/* "category:name" */
	const char *filter;	/* --filter, or NULL */
	const char *object;	/* tpwatch.bpf.o, or NULL: next to the executable */
	const char *pin_root;	/* the sensor's shared maps are reused when pinned */
	unsigned int ringbuf_bytes;
};

/* Loads and attaches. Returns 0 with the private ring buffer's fd and the
 * stats map's fd (shared or private), or -1 after one line on stderr. */
int tpw_start(const struct tpw_opts *o, int *ring_fd, int *stats_fd);

void tpw_stop(void);

#endif
