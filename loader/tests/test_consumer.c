// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unit tests for loader/consumer.c: the ring's backlog, walked by record
 * headers in a ring laid out as the kernel's (data area mapped twice). */
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "consumer.h"

#include "check.h"

#define SIZE 4096ULL
static unsigned char data[2 * SIZE];	/* the data area, then its second mapping */
static __u64 cons, prod;

/* Writes bytes at ring position pos, into both mappings. */
static void put(__u64 pos, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__u64 off = (pos + i) & (SIZE - 1);

		data[off] = data[off + SIZE] = ((const unsigned char *)p)[i];
	}
}

/* Appends a record of len payload bytes (a pw_hdr with ts) at prod. */
static void append(__u32 len, __u64 ts, __u32 flags)
{
	struct pw_hdr h = { .type = 1, .size = len, .ts_ns = ts };
	__u32 hdr[2] = { len | flags, 0 };

	put(prod, hdr, sizeof(hdr));
	put(prod + BPF_RINGBUF_HDR_SZ, &h, sizeof(h) < len ? sizeof(h) : len);
	prod += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
}

static void walk(struct pw_backlog *b)
{
	pw_ring_backlog(&cons, &prod, data, SIZE, b);
}

#define MS 1000000ULL

/* Pressure events (no maps/consumer mapped: the first totals are the
 * base): one start when the shed total grows, one end PW_PRESSURE_END_MS
 * after it last grew, with the counts since the base; a second episode
 * counts from the first one's end. */
static void test_pressure(void)
{
	static struct pw_pressure_totals t;
	struct pw_pressure_state st = { 0 };
	struct pw_pressure r;

	t.shed = 10;
	t.type_shed[20] = 10;
	t.dropped = 5;
	CHECK(pw_pressure_step(&st, &t, 0, &r) == 0);	/* base */
	CHECK(pw_pressure_step(&st, &t, 100 * MS, &r) == 0);
	t.shed = 110;
	t.type_shed[20] = 80;
	t.type_shed[10] = 30;
	t.sampled = 12;
	t.max_log2 = 3;
	t.dropped = 9;
	CHECK(pw_pressure_step(&st, &t, 200 * MS, &r) == 1);
	CHECK(r.h.type == PW_EV_PRESSURE && r.h.size == sizeof(r) && r.state == 1);
	CHECK(r.shed == 100 && r.sampled == 12 && r.dropped == 4 && r.max_rate == 8);
	CHECK(r.types[0] == 20 && r.types[1] == 10 && r.types[2] == 0);
	t.shed = 150;
	t.type_shed[10] = 60;
	CHECK(pw_pressure_step(&st, &t, 300 * MS, &r) == 0);	/* still shedding */
	CHECK(pw_pressure_step(&st, &t, (300 + PW_PRESSURE_END_MS - 1) * MS, &r) == 0);
	CHECK(pw_pressure_step(&st, &t, (300 + PW_PRESSURE_END_MS) * MS, &r) == 1);
	CHECK(r.state == 0 && r.shed == 140 && r.sampled == 12 && r.dropped == 4);
	CHECK(r.duration_ns == (100 + PW_PRESSURE_END_MS) * MS);	/* start to end */
	CHECK(r.types[0] == 20 && r.types[1] == 10);
	/* quiet: nothing; a second episode counts from the end */
	CHECK(pw_pressure_step(&st, &t, 5000 * MS, &r) == 0);
	t.shed = 151;
	t.type_shed[30] = 1;
	CHECK(pw_pressure_step(&st, &t, 5100 * MS, &r) == 1);
	CHECK(r.state == 1 && r.shed == 1 && r.sampled == 0 && r.dropped == 0);
	CHECK(r.types[0] == 30 && r.types[1] == 0);
}

int main(void)
{
	struct pw_backlog b;

	/* empty */
	walk(&b);
	CHECK(b.records == 0 && b.oldest_ts_ns == 0);

	/* three records: the oldest is the first */
	append(100, 1000, 0);
	append(200, 2000, 0);
	append(sizeof(struct pw_hdr), 3000, 0);
	walk(&b);
	CHECK(b.records == 3);
	CHECK(b.oldest_ts_ns == 1000);

	/* the consumer took the first: two left, the second is the oldest */
	cons = (100 + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
	walk(&b);
	CHECK(b.records == 2);
	CHECK(b.oldest_ts_ns == 2000);

	/* a discarded record is no event; a busy one is, without a time yet */
	cons = prod;
	append(100, 4000, BPF_RINGBUF_DISCARD_BIT);
	append(100, 5000, BPF_RINGBUF_BUSY_BIT);
	append(100, 6000, 0);
	walk(&b);
	CHECK(b.records == 2);
	CHECK(b.oldest_ts_ns == 6000);

	/* records across the end of the data area are read whole */
	cons = prod = 3 * SIZE - 64;
	append(120, 7000, 0);
	append(120, 8000, 0);
	CHECK(prod > 3 * SIZE);
	walk(&b);
	CHECK(b.records == 2);
	CHECK(b.oldest_ts_ns == 7000);

	/* a record too short for a header counts, without a time */
	cons = prod;
	append(8, 9000, 0);
	walk(&b);
	CHECK(b.records == 1 && b.oldest_ts_ns == 0);

	/* a corrupt length stops the walk at it */
	cons = prod;
	append(100, 10000, 0);
	{
		__u32 bad[2] = { (__u32)SIZE, 0 };

		put(prod, bad, sizeof(bad));
		prod += 64;
	}
	walk(&b);
	CHECK(b.records == 1 && b.oldest_ts_ns == 10000);

	/* a consumer already past the producer's position: nothing behind */
	cons = prod + 8;
	walk(&b);
	CHECK(b.records == 0 && b.oldest_ts_ns == 0);

	test_pressure();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
