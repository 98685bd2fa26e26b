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
