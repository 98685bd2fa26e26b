/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * funclatency.h: what bpf/ondemand/funclatency.bpf.c and
 * loader/ondemand/funclatency.c share (nothing of it is pinned).
 */
#ifndef PINWATCH_FUNCLATENCY_H
#define PINWATCH_FUNCLATENCY_H

#define PW_FUNCLAT_THREADS	10240	/* calls in progress followed at once */

#endif
