/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tpformat.h: tracefs tracepoint format files, for the tracepoint
 * workbench: parsing (events/CATEGORY/NAME/format), field decoding of raw
 * records, the in-BPF filter's parser, and the registry through which the
 * event formatter (pwevent.c) finds the format of a tracepoint event.
 *
 * No libbpf dependency; safe on arbitrary input (the format text is bounded
 * by its NUL, records by their length).
 */
#ifndef PINWATCH_TPFORMAT_H
#define PINWATCH_TPFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinwatch.h"

#define PW_TP_FIELDS_MAX 128
#define PW_TP_NAME_LEN	 64

enum pw_tp_kind {
	PW_TPF_SCALAR = 0,	/* one integer (or a pointer) */
	PW_TPF_ARRAY,		/* TYPE name[N] */
	PW_TPF_DATA_LOC,	/* __data_loc TYPE[] name: u32, data at (loc & 0xffff) */
	PW_TPF_REL_LOC,		/* __rel_loc TYPE[] name: data at offset + 4 + (loc & 0xffff) */
	PW_TPF_OTHER,		/* anything else (a struct by value): shown as hex */
};

struct pw_tp_field {
	char name[PW_TP_NAME_LEN];
	char type[96];		/* as the format file says, e.g. "__data_loc char[]" */
	char base[96];		/* element type: type without __data_loc, [] and [N] */
	unsigned int offset, size;
	bool is_signed;
	bool common;		/* common_*: the header ftrace fills in */
	enum pw_tp_kind kind;
	unsigned int count;	/* PW_TPF_ARRAY: elements */
	unsigned int elem_size;	/* ARRAY, *_LOC: bytes per element, 0: unknown */
	bool is_char;		/* elements are char: a string */
	bool is_pointer;
	bool is_user;		/* a __user pointer */
};

struct pw_tp_format {
	char system[PW_TP_NAME_LEN];	/* the category: set by the caller */
	char name[PW_TP_NAME_LEN];
	unsigned int id;
	unsigned int n_fields;
	unsigned int common_size;	/* end of the common fields */
	unsigned int fixed_size;	/* end of the last field */
	struct pw_tp_field fields[PW_TP_FIELDS_MAX];
};

/* Parses the text of a format file. Returns 0, or -1 with a reason in err. */
int pw_tp_parse_format(const char *text, struct pw_tp_format *f, char *err, size_t errsz);

const struct pw_tp_field *pw_tp_field(const struct pw_tp_format *f, const char *name);

/* Where the variable data of a *_LOC field lies in rec[0..len): 0 and the
 * start/length (clamped to the record), or -1. */
int pw_tp_loc(const struct pw_tp_field *fl, const void *rec, size_t len, size_t *start,
	      size_t *n);

/* An integer of 1, 2, 4 or 8 bytes at rec + off, sign-extended when
 * is_signed; 0 outside the record. */
uint64_t pw_tp_int(const void *rec, size_t len, size_t off, unsigned int size, bool is_signed);

/* Parses a --filter expression for tpwatch.bpf.c: comparisons
 * FIELD OP VALUE joined by &&. OP: == != < <= > >= & for numbers; == != for
 * strings ("text", or "prefix*" for ==/!= on a prefix). Returns 0, or -1
 * with a one-line reason in err. */
int pw_tp_parse_filter(const struct pw_tp_format *f, const char *expr, struct pw_tp_cond *conds,
		       unsigned int *n, char *err, size_t errsz);

/* Registry for the formatter: a tracepoint event is decoded with the format
 * registered under its tp_id. f must outlive its use. */
void pw_tp_register(const struct pw_tp_format *f);
const struct pw_tp_format *pw_tp_lookup(unsigned int id);

/* The tracefs directory ("/sys/kernel/tracing", or the debugfs "tracing"
 * directory on older systems), or NULL when neither is mounted.
 * $PINWATCH_TRACEFS overrides. */
const char *pw_tracefs_dir(void);

/* Reads events/CATEGORY/NAME/format into f. spec: "category:name" (or
 * "category/name"). Returns 0, or -1 with a one-line reason in err. */
int pw_tp_load(const char *spec, struct pw_tp_format *f, char *err, size_t errsz);

#endif
