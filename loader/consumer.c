// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * consumer.c: the consumer's record in maps/consumer and the ring's backlog.
 * See consumer.h; pinned-layout.md documents the map.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "consumer.h"

#define PROG "pinwatch-read"

/* The map's value, mmapped read-write for the life of the process. */
static struct pw_consumer *cs;

static int consumer_fd(const char *pin_root, struct bpf_map_info *info)
{
	char path[PATH_MAX];
	__u32 len = sizeof(*info);
	int fd;

	snprintf(path, sizeof(path), "%s/maps/consumer", pin_root);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len) || info->type != BPF_MAP_TYPE_ARRAY ||
	    info->value_size < sizeof(struct pw_consumer)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int pw_cstate_open(const char *pin_root)
{
	struct bpf_map_info info;
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int fd = consumer_fd(pin_root, &info);

	if (fd < 0 || !(info.map_flags & BPF_F_MMAPABLE)) {
		fprintf(stderr, PROG ": warning: %s/maps/consumer: %s: the consumer's "
			"writes and drops are not published (pinwatch down, then up)\n",
			pin_root, fd < 0 ? strerror(errno) : "not mmapable");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	p = mmap(NULL, ((size_t)info.value_size + (size_t)page - 1) & ~((size_t)page - 1),
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);	/* the mapping holds the map */
	if (p == MAP_FAILED) {
		fprintf(stderr, PROG ": warning: mmap of %s/maps/consumer: %s: the "
			"consumer's writes and drops are not published\n", pin_root,
			strerror(errno));
		return -1;
	}
	cs = p;
	return 0;
}

void pw_cstate_written(__u64 pos, unsigned long long lines)
{
	struct timespec ts;

	if (!cs)
		return;
	__atomic_store_n(&cs->written_pos, pos, __ATOMIC_RELAXED);
	if (!lines)
		return;
	__atomic_fetch_add(&cs->written_events, lines, __ATOMIC_RELAXED);
	if (!clock_gettime(CLOCK_REALTIME, &ts))
		__atomic_store_n(&cs->last_write_ns,
				 (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec,
				 __ATOMIC_RELAXED);
}

void pw_cstate_dropped(enum pw_consumer_drop cause, unsigned long long n)
{
	if (cs && n)
		__atomic_fetch_add(&cs->dropped[cause], n, __ATOMIC_RELAXED);
}

/* The producer reuses ring space only behind the consumer position: what
 * was read at pos is valid if the consumer had not passed pos afterwards. */
void pw_ring_backlog(const __u64 *consumer_pos, const __u64 *producer_pos,
		     const unsigned char *data, __u64 size, struct pw_backlog *b)
{
	__u64 prod = __atomic_load_n(producer_pos, __ATOMIC_ACQUIRE);
	__u64 pos = __atomic_load_n(consumer_pos, __ATOMIC_ACQUIRE);

	b->records = 0;
	b->oldest_ts_ns = 0;
	while (pos < prod) {
		const unsigned char *rec = data + (pos & (size - 1));
		__u32 h = __atomic_load_n((const __u32 *)rec, __ATOMIC_ACQUIRE);
		__u32 len = h & ~(__u32)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		__u64 ts = 0;
		bool have_ts = false;
		__u64 cons;

		if (len <= size - BPF_RINGBUF_HDR_SZ && !(h & BPF_RINGBUF_BUSY_BIT) &&
		    !(h & BPF_RINGBUF_DISCARD_BIT) && !b->oldest_ts_ns &&
		    len >= offsetof(struct pw_hdr, ts_ns) + sizeof(ts)) {
			/* the data area is mapped twice: a record never wraps;
			 * only the time is needed, of a record of any size */
			memcpy(&ts, rec + BPF_RINGBUF_HDR_SZ + offsetof(struct pw_hdr, ts_ns), sizeof(ts));
			have_ts = true;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		cons = __atomic_load_n(consumer_pos, __ATOMIC_ACQUIRE);
		if (cons > pos) {	/* consumed meanwhile: start again there */
			pos = cons;
			b->records = 0;
			b->oldest_ts_ns = 0;
			continue;
		}
		if (len > size - BPF_RINGBUF_HDR_SZ)
			break;	/* corrupt: pinwatch-read says so when it reads it */
		if (!(h & BPF_RINGBUF_DISCARD_BIT))
			b->records++;
		if (have_ts)
			b->oldest_ts_ns = ts;
		pos += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
	}
}

void pw_cstate_print_json(const char *pin_root)
{
	static const char *const cause[PW_CONSUMER_DROP_MAX] = {
#define PW_X(up, low, id) [id] = #low,
		PW_CONSUMER_DROPS(PW_X)
#undef PW_X
	};
	struct bpf_map_info info;
	struct pw_consumer c;
	unsigned char *v;
	__u32 key = 0;
	bool first = true;
	int fd = consumer_fd(pin_root, &info);

	v = fd < 0 ? NULL : calloc(1, info.value_size);
	if (!v || bpf_map_lookup_elem(fd, &key, v)) {
		printf("null");
		free(v);
		if (fd >= 0)
			close(fd);
		return;
	}
	memcpy(&c, v, sizeof(c));
	free(v);
	close(fd);
	printf("{\"written_pos\":%llu,\"written_events\":%llu,\"last_write_ns\":%llu,"
	       "\"dropped\":{", (unsigned long long)c.written_pos,
	       (unsigned long long)c.written_events, (unsigned long long)c.last_write_ns);
	for (int i = 0; i < PW_CONSUMER_DROP_MAX; i++) {
		if (!cause[i])
			continue;
		printf("%s\"%s\":%llu", first ? "" : ",", cause[i],
		       (unsigned long long)c.dropped[i]);
		first = false;
	}
	printf("}}");
}

/* ---- pressure events ---- */

bool pw_cstate_pressure_base(struct pw_pressure_totals *base)
{
	if (!cs)
		return false;
	base->shed = __atomic_load_n(&cs->pressure_shed, __ATOMIC_RELAXED);
	base->sampled = __atomic_load_n(&cs->pressure_sampled, __ATOMIC_RELAXED);
	base->dropped = __atomic_load_n(&cs->pressure_dropped, __ATOMIC_RELAXED);
	return true;
}

static void pressure_fill(const struct pw_pressure_state *st, const struct pw_pressure_totals *t,
			  __u64 now_ns, struct pw_pressure *rec)
{
	__u64 took[PW_PRESSURE_TYPES] = { 0 };

	memset(rec, 0, sizeof(*rec));
	rec->h.type = PW_EV_PRESSURE;
	rec->h.size = sizeof(*rec);
	rec->h.ts_ns = now_ns;
	rec->shed = t->shed - st->base.shed;
	rec->sampled = t->sampled - st->base.sampled;
	rec->dropped = t->dropped >= st->base.dropped ? t->dropped - st->base.dropped : 0;
	/* the types shed most since base, most first */
	for (__u32 type = 1; type < PW_EVENT_CLASS_TYPES; type++) {
		__u64 n = t->type_shed[type] - st->base.type_shed[type];

		for (int i = 0; n && i < PW_PRESSURE_TYPES; i++) {
			if (n <= took[i])
				continue;
			memmove(&took[i + 1], &took[i], (PW_PRESSURE_TYPES - 1 - i) * sizeof(took[0]));
			memmove(&rec->types[i + 1], &rec->types[i],
				(PW_PRESSURE_TYPES - 1 - i) * sizeof(rec->types[0]));
			took[i] = n;
			rec->types[i] = type;
			break;
		}
	}
}

int pw_pressure_step(struct pw_pressure_state *st, const struct pw_pressure_totals *t,
		     __u64 now_ns, struct pw_pressure *rec)
{
	if (!st->based) {
		/* persisted totals from another consumer, else now's: a
		 * sensor reloaded since (totals below them) starts from 0 */
		struct pw_pressure_totals b = { 0 };

		if (pw_cstate_pressure_base(&b) && b.shed <= t->shed && b.sampled <= t->sampled)
			st->base = b;
		else if (!cs)
			st->base = *t;
		st->based = true;
	}
	if (!st->active) {
		if (t->shed <= st->base.shed)
			return 0;
		st->active = true;
		st->start_ns = st->last_change_ns = now_ns;
		st->last_shed = t->shed;
		pressure_fill(st, t, now_ns, rec);
		rec->state = 1;
		rec->max_rate = t->max_log2 ? 1u << (t->max_log2 < 31 ? t->max_log2 : 31) : 0;
		return 1;
	}
	if (t->shed != st->last_shed) {
		st->last_shed = t->shed;
		st->last_change_ns = now_ns;
		return 0;
	}
	if (now_ns - st->last_change_ns < (__u64)PW_PRESSURE_END_MS * 1000000ULL)
		return 0;
	pressure_fill(st, t, now_ns, rec);
	rec->state = 0;
	rec->duration_ns = now_ns - st->start_ns;
	st->active = false;
	st->base = *t;
	if (cs) {
		__atomic_store_n(&cs->pressure_shed, t->shed, __ATOMIC_RELAXED);
		__atomic_store_n(&cs->pressure_sampled, t->sampled, __ATOMIC_RELAXED);
		__atomic_store_n(&cs->pressure_dropped, t->dropped, __ATOMIC_RELAXED);
	}
	return 1;
}
