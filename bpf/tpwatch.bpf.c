/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tpwatch: the generic program behind `pinwatch tp watch CATEGORY:NAME`.
 * It copies the raw record of whatever classic tracepoint it is attached
 * to into a ring buffer; the consumer decodes the fields by name from the
 * tracepoint's format file. Not a module: `pinwatch up` never loads it
 * (it is built to build/tpwatch.bpf.o, outside build/bpf/); pinwatch-read
 * --tracepoint loads it, sets tpw_cfg, attaches it with
 * bpf_program__attach_tracepoint() and holds the link and a private ring
 * buffer for as long as it runs (no pins).
 *
 * The record: the fixed fields end at tpw_cfg.fixed_size; __data_loc and
 * __rel_loc fields point at variable data after them, so the bytes to copy
 * are the furthest end among those. Its first 8 bytes would be the common
 * fields for ftrace, but for BPF they hold a pt_regs pointer: zeroed.
 *
 * Filter: the kernel's tracefs filter does not apply to BPF programs, so
 * the simple comparisons of --filter (FIELD OP VALUE, joined by &&) are
 * evaluated here on the copy, from tpw_cfg.cond.
 */
#include "common.bpf.h"

#define MOD PW_MOD_TPWATCH

const volatile struct pw_tp_config tpw_cfg = {};

PW_SCRATCH(tpw_scratch, struct pw_tracepoint)

static __always_inline __u64 load_num(const struct pw_tracepoint *ev, __u64 off, __u32 size,
				      bool is_signed)
{
	const __u8 *p;

	barrier_var(off);
	if (off > PW_TP_DATA_MAX - 8)
		return 0;
	p = ev->data + off;
	switch (size) {
	case 1:
		return is_signed ? (__u64)(__s64)*(const __s8 *)p : *p;
	case 2:
		return is_signed ? (__u64)(__s64)*(const __s16 *)p : *(const __u16 *)p;
	case 4:
		return is_signed ? (__u64)(__s64)*(const __s32 *)p : *(const __u32 *)p;
	default:
		return *(const __u64 *)p;
	}
}

static __always_inline bool num_match(__u64 v, const volatile struct pw_tp_cond *c)
{
	__u64 x = c->value;
	bool s = c->is_signed;

	switch (c->op) {
	case PW_TP_OP_EQ: return v == x;
	case PW_TP_OP_NE: return v != x;
	case PW_TP_OP_LT: return s ? (__s64)v < (__s64)x : v < x;
	case PW_TP_OP_LE: return s ? (__s64)v <= (__s64)x : v <= x;
	case PW_TP_OP_GT: return s ? (__s64)v > (__s64)x : v > x;
	case PW_TP_OP_GE: return s ? (__s64)v >= (__s64)x : v >= x;
	case PW_TP_OP_BAND: return (v & x) != 0;
	}
	return false;
}

static __always_inline bool str_match(const struct pw_tracepoint *ev, __u64 len,
				      const volatile struct pw_tp_cond *c)
{
	__u32 start, max, loc;
	bool equal = false;
	int j;

	if (c->str_kind == PW_TP_STR_ARRAY) {
		start = c->off;
		max = c->len;
	} else {
		loc = (__u32)load_num(ev, c->off, 4, false);
		start = loc & 0xffff;
		max = loc >> 16;
		if (c->str_kind == PW_TP_STR_REL_LOC)
			start += c->off + 4;
	}
	for (j = 0; j < PW_TP_STR_MAX; j++) {
		__u64 idx = (__u64)start + j;
		char a = 0, b = c->str[j];

		if (j < max && idx < len) {
			barrier_var(idx); /* index the map value by the masked register */
			a = ev->data[idx & (PW_TP_DATA_MAX - 1)];
		}
		if (!b) {
			equal = c->prefix || !a;
			break;
		}
		if (a != b)
			break;
	}
	return c->op == PW_TP_OP_STR_EQ ? equal : !equal;
}

/* True when the record passes every condition of the filter. */
static __always_inline bool tpw_match(const struct pw_tracepoint *ev, __u64 len)
{
	int i;

	for (i = 0; i < PW_TP_COND_MAX; i++) {
		const volatile struct pw_tp_cond *c = &tpw_cfg.cond[i];

		if (i >= tpw_cfg.n_cond)
			break;
		if (c->op == PW_TP_OP_STR_EQ || c->op == PW_TP_OP_STR_NE) {
			if (!str_match(ev, len, c))
				return false;
		} else if (!num_match(load_num(ev, c->off, c->size, c->is_signed), c)) {
			return false;
		}
	}
	return true;
}

/* Bytes of the record: the fixed part, or further to the end of the
 * furthest __data_loc/__rel_loc data. */
static __always_inline __u64 record_len(void *ctx)
{
	__u64 len = tpw_cfg.fixed_size;
	int i;

	for (i = 0; i < PW_TP_LOC_MAX; i++) {
		__u64 off, end;
		__u32 loc = 0;

		if (i >= tpw_cfg.n_loc)
			break;
		off = tpw_cfg.loc_off[i];
		if (off > PW_TP_DATA_MAX || bpf_probe_read_kernel(&loc, sizeof(loc), ctx + off))
			continue;
		end = (loc & 0xffff) + (loc >> 16);
		if (tpw_cfg.loc_rel[i])
			end += off + 4;
		if (end > len)
			len = end;
	}
	return len;
}

SEC("tp")
int tpwatch(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct pw_tracepoint *ev;
	struct pw_config *cfg;
	__u64 len; /* 64-bit: the bounds check must be on the register passed */

	cfg = pw_begin(MOD, tgid);
	if (!cfg)
		return 0;
	if (tgid == tpw_cfg.self_tgid) {
		pw_count(MOD, PW_FILTERED); /* the watcher's own activity */
		return 0;
	}
	ev = tpw_scratch_get();
	if (!ev) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	len = record_len(ctx);
	ev->truncated = len > PW_TP_DATA_MAX;
	if (len > PW_TP_DATA_MAX)
		len = PW_TP_DATA_MAX;
	if (len < 8)
		len = 8;
	barrier_var(len); /* the check below must be on the register passed */
	if (len > PW_TP_DATA_MAX || bpf_probe_read_kernel(ev->data, len, ctx)) {
		pw_count(MOD, PW_DROPPED);
		return 0;
	}
	*(__u64 *)ev->data = 0; /* a pt_regs pointer, not the common fields */
	if (!tpw_match(ev, len)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_fill_hdr(&ev->h, PW_EV_TRACEPOINT, MOD, offsetof(struct pw_tracepoint, data) + len);
	ev->tp_id = tpw_cfg.tp_id;
	ev->data_len = len;
	ev->pad = 0;
	if (pw_filtered(cfg, &ev->h)) {
		pw_count(MOD, PW_FILTERED);
		return 0;
	}
	pw_submit(cfg, ev, offsetof(struct pw_tracepoint, data) + len, MOD);
	return 0;
}
