// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-read: reads the pinned pinwatch ring buffer and prints events as
 * text or JSON Lines, exactly once across consumer restarts and SIGKILL.
 *
 * Design
 *   The ring buffer is read directly through its mmap (not libbpf's
 *   ring_buffer__*), because the kernel's consumer_pos must advance only
 *   when an event has really been written out:
 *
 *   worker thread   reads committed records where they lie in the ring,
 *                   from a private cursor (which runs ahead of
 *                   consumer_pos), formats a batch of them (--queue, 4096)
 *                   into one buffer, write(2)s it to the output and, after
 *                   every write(2), stores into consumer_pos the end
 *                   position of the last record whose line is completely
 *                   written. Records are not copied: a record's ring space
 *                   is released only once its line is out.
 *   guard thread    keeps a blocked output from filling the ring: while a
 *                   write(2) has blocked and the ring is 5/8 full, it
 *                   releases the oldest records the worker has not read,
 *                   down to 1/2, counted as the consumer's drops, so the
 *                   kernel keeps room for new events (see guard_main).
 *
 *   So whatever is in the ring but not yet written when the consumer dies
 *   (even by SIGKILL) is delivered again by the next consumer, and whatever
 *   was written is not. The one window: a SIGKILL between write(2)
 *   returning and the following store to consumer_pos (a few instructions)
 *   re-delivers the lines of that write(2) call. Events emitted while no
 *   consumer runs stay in the ring (until it fills; the BPF side counts
 *   those drops) and are delivered when a consumer starts.
 */
#define _GNU_SOURCE
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpfobj.h"
#include "consumer.h"
#include "lineage.h"
#include "output.h"
#include "parse.h"
#include "pinwatch.h"
#include "cli.h"
#include "version.h"
#include "pwevent.h"
#include "container.h"
#include "writer.h"
#include "tpwatch.h"
#include "hash.h"

#define PROG "pinwatch-read"

PW_ARGP_VERSION(PROG);

#define POLL_MS 5			/* ring poll timeout */
#define DRAIN_BUSY_WAIT_NS 1000000000LL	/* --drain: wait for busy records */

/* ------------------------------------------------------------------ */
/* Options                                                             */

static struct {
	enum pw_output_fmt fmt;
	const char *pin_root;
	bool drain;
	bool stats;
	unsigned long long count;	/* 0: unlimited */
	double timeout;			/* seconds, 0: none */
	double stats_interval;		/* seconds, 0: no periodic report */
	double tamper_interval;		/* seconds, 0: no self-check */
	size_t batch;			/* --queue: records read per write */
	bool type_filter;
	bool type_allowed[65536];
	bool alerts;			/* --alerts */
	struct pw_out_opts out;
	bool ring_usage;
	struct tpw_opts tp;		/* --tracepoint */
} opt = {
	.fmt = PW_FMT_TEXT,
	.pin_root = PW_PIN_ROOT,
	.stats_interval = 5,
	.tamper_interval = 10,
	.batch = 4096,
	.out = {
		.kind = PW_OUT_STDOUT,
		.max_size = 64ULL << 20,
		.backups = 5,
		.facility = LOG_DAEMON,
		.ident = "pinwatch",
	},
	.tp = { .ringbuf_bytes = 4u << 20 },
};

static const char *known_types(void)
{
	static char buf[512];
	size_t n = 0;

#define PW_X(up, low, id)						\
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",		\
			      n ? ", " : "", #low);			\
	if (n >= sizeof(buf))						\
		n = sizeof(buf) - 1;
	PW_EVENT_TYPES(PW_X)
#undef PW_X
	return buf;
}

static const char doc[] =
"Print pinwatch events from the pinned ring buffer.\v"
"Events are delivered exactly once across restarts: whatever was not yet\n"
"written when a previous pinwatch-read stopped (even by SIGKILL) is printed\n"
"by the next one. Only one pinwatch-read should run at a time.\n"
"Each exec line carries sha256 of the executed file, or hash_error with the\n"
"reason (config hash_max_mb; pinwatch-layout(7), \"exec: sha256\").\n"
"\n"
"Examples:\n"
"  pinwatch-read                        follow events as text\n"
"  pinwatch-read --json | jq .          JSON Lines\n"
"  pinwatch-read --json --type exec,exit\n"
"  pinwatch-read --drain --json > events.jsonl   everything queued, then exit\n"
"  pinwatch-read --count 10 --timeout 30 --stats\n"
"  pinwatch-read --output /var/log/pinwatch/events.jsonl --max-size 64M\n"
"  pinwatch-read --syslog --syslog-facility local0\n"
"  pinwatch-read --syslog --syslog-socket /run/pinwatch/syslog.sock\n"
"  pinwatch-read --ring-usage           ring size, backlog, consumer (JSON)\n"
"  pinwatch-read --tracepoint sched:sched_process_exec --filter 'pid > 1000'\n"
"\n"
"--output FILE appends JSON Lines to FILE (created mode 0600). Before a line\n"
"would take FILE past --max-size, FILE becomes FILE.1 (FILE.1 becomes FILE.2,\n"
"... up to --backups) and a new FILE is started; --max-size 0 leaves rotation\n"
"to logrotate. SIGHUP reopens FILE by name (logrotate's postrotate).\n"
"--syslog sends each event as one message in syslog(3)'s format (JSON payload,\n"
"priority info, or for an alert its rule's severity: low notice, medium warning,\n"
"high err, critical crit; tag pinwatch) to the local syslog daemon's socket, /dev/log or\n"
"--syslog-socket, and the daemon forwards it. A message the daemon refuses\n"
"for 5 seconds (pinwatch-read reconnects meanwhile) stops pinwatch-read with\n"
"an error; the next run sends it again.\n"
"--tracepoint CATEGORY:NAME attaches a generic BPF program to that tracepoint\n"
"for as long as pinwatch-read runs and prints each hit as a \"tracepoint\" event,\n"
"its fields decoded by name from the tracepoint's format file. --filter keeps\n"
"hits matching FIELD OP VALUE conditions joined by && (see docs/tracepoints.md).\n"
"\n"
"Exit status: 0 ok (also on SIGINT/SIGTERM and a closed stdout), 1 error,\n"
"2 usage error.";

enum {
	OPT_JSON = 'j',
	OPT_TYPE = 't',
	OPT_PIN_ROOT = 'p',
	OPT_DRAIN = 'd',
	OPT_COUNT = 'c',
	OPT_TIMEOUT = 'T',
	OPT_QUEUE = 'q',
	OPT_STATS_INTERVAL = 'i',
	OPT_STATS = 's',
	OPT_OUTPUT = 'o',
	OPT_MAX_SIZE = 0x100,
	OPT_BACKUPS,
	OPT_SYSLOG,
	OPT_SYSLOG_FACILITY,
	OPT_SYSLOG_SOCKET,
	OPT_RING_USAGE,
	OPT_TRACEPOINT,
	OPT_FILTER,
	OPT_TP_OBJECT,
	OPT_ALERTS,
	OPT_TAMPER_INTERVAL,
};

static const struct argp_option options[] = {
	{ "json", OPT_JSON, NULL, 0, "JSON Lines output (default: text)", 0 },
	{ "alerts", OPT_ALERTS, NULL, 0,
	  "Only alerts: events a rule matched (pinwatch rule), suppressed events too", 0 },
	{ "type", OPT_TYPE, "LIST", 0,
	  "Only these event types, comma-separated (e.g. exec,exit)", 0 },
	{ "pin-root", OPT_PIN_ROOT, "DIR", 0,
	  "Pin directory of the sensor (default " PW_PIN_ROOT ")", 0 },
	{ "drain", OPT_DRAIN, NULL, 0,
	  "Deliver what is in the ring buffer now, then exit", 0 },
	{ "count", OPT_COUNT, "N", 0, "Exit after N delivered events", 0 },
	{ "timeout", OPT_TIMEOUT, "SEC", 0, "Exit after SEC seconds", 0 },
	{ "queue", OPT_QUEUE, "N", 0,
	  "Events read from the ring and formatted per write (default 4096)", 0 },
	{ "stats-interval", OPT_STATS_INTERVAL, "SEC", 0,
	  "Report losses every SEC seconds, 0: only at exit (default 5)", 0 },
	{ "stats", OPT_STATS, NULL, 0,
	  "Print a summary line on stderr at exit", 0 },
	{ "output", OPT_OUTPUT, "FILE", 0,
	  "Append JSON Lines to FILE instead of stdout (rotated, reopened on SIGHUP)", 1 },
	{ "max-size", OPT_MAX_SIZE, "BYTES", 0,
	  "With --output: rotate before FILE would exceed BYTES, e.g. 64M; 0: never (default 64M)", 1 },
	{ "backups", OPT_BACKUPS, "N", 0,
	  "With --output: rotated files kept, FILE.1 .. FILE.N (default 5)", 1 },
	{ "syslog", OPT_SYSLOG, NULL, 0,
	  "Send each event to the local syslog as one JSON message", 1 },
	{ "syslog-facility", OPT_SYSLOG_FACILITY, "NAME", 0,
	  "daemon (default), user, local0 .. local7", 1 },
	{ "syslog-socket", OPT_SYSLOG_SOCKET, "PATH", 0,
	  "With --syslog: the daemon's unix socket (default " PW_SYSLOG_SOCKET ")", 1 },
	{ "ring-usage", OPT_RING_USAGE, NULL, 0,
	  "Print the ring buffer's size, queued bytes and records, the oldest's age and the consumer's record as JSON, then exit", 2 },
	{ "tracepoint", OPT_TRACEPOINT, "CAT:NAME", 0,
	  "Watch this tracepoint instead of the sensor's ring buffer", 3 },
	{ "filter", OPT_FILTER, "EXPR", 0,
	  "With --tracepoint: FIELD OP VALUE [&& ...], evaluated in BPF", 3 },
	{ "tamper-interval", OPT_TAMPER_INTERVAL, "SEC", 0,
	  "Compare the pinned programs and links with maps/manifest every SEC "
	  "seconds and report a tamper event per difference (default 10, 0: off)", 0 },
	{ "tp-object", OPT_TP_OBJECT, "FILE", 0,
	  "With --tracepoint: the tpwatch BPF object (default: next to pinwatch-read)", 3 },
	{ 0 },
};

static unsigned long long parse_ull(struct argp_state *st, const char *what,
				    const char *arg, unsigned long long min,
				    unsigned long long max)
{
	unsigned long long v;
	char *end;

	(void)st;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || *arg == '-' || v < min || v > max)
		pw_usage_error(PROG, "invalid %s '%s' (expected %llu..%llu)", what,
			   arg, min, max);
	return v;
}

static double parse_secs(struct argp_state *st, const char *what,
			 const char *arg)
{
	double v;
	char *end;

	(void)st;
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0) || v > 1e9)
		pw_usage_error(PROG, "invalid %s '%s' (expected seconds >= 0)", what,
			   arg);
	return v;
}

static void parse_types(const char *arg)
{
	char *list = strdup(arg), *save = NULL, *tok;

	if (!list) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(1);
	}
	opt.type_filter = true;
	tok = strtok_r(list, ",", &save);
	if (!tok) {
		fprintf(stderr, PROG ": unknown event type '%s' (known: %s)\n",
			arg, known_types());
		exit(2);
	}
	for (; tok; tok = strtok_r(NULL, ",", &save)) {
		int id = pw_event_type_from_name(tok);

		if (id < 0) {
			fprintf(stderr, PROG ": unknown event type '%s' (known: %s)\n",
				tok, known_types());
			exit(2);
		}
		opt.type_allowed[id] = true;
	}
	free(list);
}

static bool syslog_set;
static const char *syslog_socket;

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	switch (key) {
	case OPT_JSON:
		opt.fmt = PW_FMT_JSON;
		break;
	case OPT_TYPE:
		parse_types(arg);
		break;
	case OPT_ALERTS:
		opt.alerts = true;
		break;
	case OPT_PIN_ROOT:
		pw_check_pin_root(PROG, "--pin-root", arg);
		opt.pin_root = arg;
		break;
	case OPT_DRAIN:
		opt.drain = true;
		break;
	case OPT_COUNT:
		opt.count = parse_ull(st, "count", arg, 1, ULLONG_MAX);
		break;
	case OPT_TIMEOUT:
		opt.timeout = parse_secs(st, "timeout", arg);
		break;
	case OPT_QUEUE:
		opt.batch = parse_ull(st, "queue", arg, 1, 1u << 20);
		break;
	case OPT_STATS_INTERVAL:
		opt.stats_interval = parse_secs(st, "stats interval", arg);
		break;
	case OPT_TAMPER_INTERVAL:
		opt.tamper_interval = parse_secs(st, "tamper interval", arg);
		break;
	case OPT_STATS:
		opt.stats = true;
		break;
	case OPT_OUTPUT:
		if (!*arg)
			pw_usage_error(PROG, "--output needs a file name");
		opt.out.kind = PW_OUT_FILE;
		opt.out.path = arg;
		break;
	case OPT_MAX_SIZE: {
		uint64_t v;

		if (pw_parse_size(arg, &v))
			pw_usage_error(PROG, "invalid max size '%s' (bytes, e.g. 64M)", arg);
		opt.out.max_size = v;
		break;
	}
	case OPT_BACKUPS:
		opt.out.backups = (unsigned int)parse_ull(st, "backups", arg, 0, 1000);
		break;
	case OPT_SYSLOG:
		syslog_set = true;
		break;
	case OPT_SYSLOG_FACILITY:
		opt.out.facility = pw_syslog_facility(arg);
		if (opt.out.facility < 0)
			pw_usage_error(PROG, "unknown syslog facility '%s' (daemon, user, local0 .. local7)", arg);
		break;
	case OPT_SYSLOG_SOCKET:
		if (!*arg)
			pw_usage_error(PROG, "--syslog-socket needs a path");
		syslog_socket = arg;
		break;
	case OPT_RING_USAGE:
		opt.ring_usage = true;
		break;
	case OPT_TRACEPOINT:
		opt.tp.tracepoint = arg;
		break;
	case OPT_FILTER:
		opt.tp.filter = arg;
		break;
	case OPT_TP_OBJECT:
		opt.tp.object = arg;
		break;
	case ARGP_KEY_END:
		if (syslog_set && opt.out.kind == PW_OUT_FILE)
			pw_usage_error(PROG, "--output and --syslog exclude each other");
		if (syslog_socket && !syslog_set)
			pw_usage_error(PROG, "--syslog-socket goes with --syslog");
		if (syslog_set) {
			opt.out.kind = PW_OUT_SYSLOG;
			opt.out.path = syslog_socket ? syslog_socket : PW_SYSLOG_SOCKET;
		}
		if (opt.out.kind != PW_OUT_STDOUT)
			opt.fmt = PW_FMT_JSON;	/* files and syslog carry JSON */
		if ((opt.tp.filter || opt.tp.object) && !opt.tp.tracepoint)
			pw_usage_error(PROG, "--filter and --tp-object go with --tracepoint");
		break;
	case ARGP_KEY_ARG:
		pw_usage_error(PROG, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_ERROR:
		pw_argp_key_error(st, PROG);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Shared state                                                        */

static struct {
	int fd;
	__u32 max_entries;		/* data size, power of 2 */
	__u64 mask;
	void *cons_map;			/* page 0: consumer_pos, RW */
	size_t cons_map_sz;
	void *prod_map;			/* producer page + data twice, RO */
	size_t prod_map_sz;
	__u64 *consumer_pos;
	__u64 *producer_pos;
	unsigned char *data;
} ring = { .fd = -1 };

static pthread_t main_thread;
static int stop_reading;		/* atomic: main asks the worker to stop */
static int worker_exited;		/* atomic */
static int exit_status;			/* atomic: 0 or 1 */
static __u64 drain_target;		/* --drain: producer_pos at start */
static __u64 committed;			/* under commit_mu */
static pthread_mutex_t commit_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long cnt_delivered, cnt_consumer_drops, cnt_malformed;

static int stats_fd = -1, config_fd = -1, lineage_fd = -1;
static int proc_cache_fd = -1;		/* for exec hashing (hash.c) */
static void *proc_cache_value;		/* its value_size bytes */
static int tp_ring_fd = -1, tp_stats_fd = -1;	/* --tracepoint */
static __u32 config_value_size, stats_value_size;
static bool config_claimed;
static struct pw_clock clk;

#define LOAD(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define INC(p, n)	__atomic_fetch_add((p), (n), __ATOMIC_RELAXED)

static void notify_main(void)
{
	pthread_kill(main_thread, SIGUSR1);
}

static void set_error(void)
{
	STORE(&exit_status, 1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Monotonic: the worker commits what it wrote, the guard what it had to
 * release, and the ring position never moves back. */
static void commit(__u64 pos)
{
	pthread_mutex_lock(&commit_mu);
	if (pos > committed) {
		committed = pos;
		__atomic_store_n(ring.consumer_pos, pos, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&commit_mu);
}

/* A committed record at pos: its data and the position past it. Returns 1
 * for a record, 0 when the producer has not committed it yet, -1 when the
 * header is corrupt (said on stderr). */
static int record_at(__u64 pos, const unsigned char **data, __u32 *len,
		     bool *discarded, __u64 *end)
{
	__u32 *hdr = (__u32 *)(ring.data + (pos & ring.mask));
	__u32 h = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);

	if (h & BPF_RINGBUF_BUSY_BIT)
		return 0;
	*len = h & ~(__u32)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	if (*len > ring.max_entries - BPF_RINGBUF_HDR_SZ) {
		fprintf(stderr, PROG ": corrupt ring buffer record at position "
			"%llu (length %u)\n", (unsigned long long)pos, *len);
		return -1;
	}
	*discarded = h & BPF_RINGBUF_DISCARD_BIT;
	/* the data area is mapped twice: a record never wraps */
	*data = (const unsigned char *)hdr + BPF_RINGBUF_HDR_SZ;
	*end = pos + ((*len + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL);
	return 1;
}

/* ------------------------------------------------------------------ */
/* Guard thread                                                        */

/* The worker formats records where they lie in the ring and commits them
 * only once their lines are written, so a record stays in the ring until
 * it is out. While the output blocks, that would let the ring fill and the
 * kernel drop. The guard thread watches the worker's write(2)s: when one
 * has blocked and the ring is over GUARD_HIGH full, it releases the oldest
 * records the worker has not read yet, down to GUARD_LOW, and counts them
 * as the consumer's drops. It touches only records past the worker's
 * cursor, and only while the worker is inside write_out(), so no record
 * is released under the worker's feet; the worker resumes after them. */
/* 5/8: below the room normal events may fill (75% with the default
 * config.class_reserve, README "Under load"), so that a stalled output
 * makes the guard release records before the kernel refuses any (it was
 * 3/4 before classes: at the normal room, the kernel dropped first). */
#define GUARD_HIGH(size)	((size) / 8 * 5)
#define GUARD_LOW(size)		((size) / 2)
#define GUARD_TICK_NS		1000000L
/* A write(2) still the same after this many ticks (50 ms) is a stall. At one
 * tick, a write merely preempted on a busy machine was taken for one, and
 * the records released then were the oldest, whatever their class: execs
 * and rule hits that the kernel's room for the upper classes had kept (one
 * exec in a thousand in benchmark 5, a third of tests/flood.bats's storm
 * with the suite and a guest beside it). A real stall (a blocked pipe, a
 * stalled syslog) lasts far longer; the ring fills in that time only at
 * flood rates, and then the kernel's classes keep the upper ones. */
#define GUARD_STALL_TICKS	50
/* The worker wakes the guard for a write only when the ring is at least
 * this full; otherwise the guard looks on its own every GUARD_IDLE_NS. A
 * stall that starts with the ring nearly empty is then seen within 50 ms,
 * long before the ring fills at any rate a consumer can format, and a
 * consumer that keeps up pays no thread wakeup per write. */
#define GUARD_WAKE(size)	((size) / 8)
#define GUARD_IDLE_NS		50000000L

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;	/* CLOCK_MONOTONIC: guard_init() */
	bool in_write;		/* the worker is inside write_out() */
	bool stop;
	unsigned long writes;	/* write_out() calls entered */
	__u64 unread;		/* the worker's cursor while in_write */
	__u64 released;		/* the guard released the ring up to here */
} guard = {
	.mu = PTHREAD_MUTEX_INITIALIZER,
};

static int guard_init(void)
{
	pthread_condattr_t a;
	int err;

	if (pthread_condattr_init(&a))
		return -1;
	err = pthread_condattr_setclock(&a, CLOCK_MONOTONIC) ||
	      pthread_cond_init(&guard.cond, &a);
	pthread_condattr_destroy(&a);
	return err ? -1 : 0;
}

/* Under guard.mu, while the worker writes. */
static void guard_release_locked(void)
{
	__u64 size = ring.max_entries;
	__u64 prod = __atomic_load_n(ring.producer_pos, __ATOMIC_ACQUIRE);
	__u64 pos = guard.unread > guard.released ? guard.unread : guard.released;
	__u64 start = pos;
	unsigned long long drops = 0;

	if (prod - __atomic_load_n(ring.consumer_pos, __ATOMIC_ACQUIRE) <
	    GUARD_HIGH(size))
		return;
	while (prod - pos > GUARD_LOW(size)) {
		const unsigned char *data;
		bool discarded;
		__u32 len;
		__u64 end;

		if (record_at(pos, &data, &len, &discarded, &end) != 1)
			break;	/* not committed yet (or corrupt: the worker says so) */
		drops += !discarded;
		pos = end;
	}
	if (pos == start)
		return;
	guard.released = pos;
	INC(&cnt_consumer_drops, drops);
	pw_cstate_dropped(PW_CONSUMER_DROP_OUTPUT_STALLED, drops);
	commit(pos);
}

static void *guard_main(void *arg)
{
	(void)arg;
	unsigned int ticks = 0;

	pthread_mutex_lock(&guard.mu);
	while (!guard.stop) {
		struct timespec ts = { 0, GUARD_TICK_NS };
		unsigned long seen;

		if (!guard.in_write) {
			ticks = 0;
			struct timespec until;

			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += GUARD_IDLE_NS;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&guard.cond, &guard.mu, &until);
			continue;
		}
		/* A write(2) to a pipe or file that keeps up returns within
		 * the tick; only one that blocks is still the same write
		 * after it. (A worker that lags behind the producer spends
		 * most of its time formatting, between writes: without the
		 * count, a tick would take any later write for a stall.) */
		seen = guard.writes;
		pthread_mutex_unlock(&guard.mu);
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&guard.mu);
		if (guard.in_write && guard.writes == seen) {
			if (++ticks >= GUARD_STALL_TICKS)
				guard_release_locked();
		} else {
			ticks = 0;
		}
	}
	pthread_mutex_unlock(&guard.mu);
	return NULL;
}

static void guard_enter_write(__u64 cursor)
{
	__u64 used = __atomic_load_n(ring.producer_pos, __ATOMIC_ACQUIRE) -
		     __atomic_load_n(ring.consumer_pos, __ATOMIC_ACQUIRE);

	pthread_mutex_lock(&guard.mu);
	guard.in_write = true;
	guard.writes++;
	guard.unread = cursor;
	if (used >= GUARD_WAKE((__u64)ring.max_entries))
		pthread_cond_signal(&guard.cond);
	pthread_mutex_unlock(&guard.mu);
}

/* Returns the worker's cursor: past whatever the guard released. */
static __u64 guard_leave_write(__u64 cursor)
{
	pthread_mutex_lock(&guard.mu);
	guard.in_write = false;
	if (guard.released > cursor)
		cursor = guard.released;
	pthread_mutex_unlock(&guard.mu);
	return cursor;
}

static void guard_stop(void)
{
	pthread_mutex_lock(&guard.mu);
	guard.stop = true;
	pthread_cond_signal(&guard.cond);
	pthread_mutex_unlock(&guard.mu);
}

/* ------------------------------------------------------------------ */
/* Lineage: an event's parent and ancestors                            */

/* Images by exec_id: filled from the exec events read (so an image is
 * named even once the kernel's LRU map has evicted it), then from
 * maps/proc_lineage. Worker thread only. 4096 slots of ~440 bytes. */
#define LINEAGE_SLOTS		4096
#define LINEAGE_CONFIG_NS	1000000000LL	/* config.ancestors re-read */

static struct pw_lineage_cache *lineage;
static struct pw_lineage_src lineage_src = {
	.lookup = pw_lineage_cache_get,
	.ancestors = PW_DEFAULT_ANCESTORS,
};

static bool lineage_fetch(void *ctx, uint64_t exec_id, struct pw_lineage *out)
{
	__u64 key = exec_id;

	(void)ctx;
	return lineage_fd >= 0 && !bpf_map_lookup_elem(lineage_fd, &key, out);
}

/* config.ancestors, at most once a LINEAGE_CONFIG_NS. */
static void lineage_config(void)
{
	static long long next;
	long long now = now_ns();
	unsigned char *v;
	struct pw_config c;
	__u32 key = 0;

	if (config_fd < 0 || now < next)
		return;
	next = now + LINEAGE_CONFIG_NS;
	v = calloc(1, config_value_size);
	if (v && !bpf_map_lookup_elem(config_fd, &key, v)) {
		memcpy(&c, v, sizeof(c));
		lineage_src.ancestors = c.ancestors < PW_ANCESTORS_MAX ? c.ancestors : PW_ANCESTORS_MAX;
	}
	free(v);
}

/* An exec record: its image into the cache, before any later event names it. */
static void lineage_note(const unsigned char *data, __u32 len)
{
	struct pw_lineage l;

	if (lineage && pw_lineage_from_exec(data, len, &l))
		pw_lineage_cache_put(lineage, ((const struct pw_hdr *)(const void *)data)->exec_id, &l);
}

/* ------------------------------------------------------------------ */
/* Worker thread: ring -> lines -> output                              */

struct mark {
	size_t off;	/* output bytes up to and including this record's line */
	__u64 end;	/* ring position to commit once they are written */
	bool line;	/* produced a line (else filtered, discarded or malformed) */
};

/* config.hash_max_mb in bytes, read again at most every HASH_CONFIG_NS. */
#define HASH_CONFIG_NS 100000000LL
static uint64_t hash_max_bytes(void)
{
	static unsigned char *v;
	static uint64_t max;
	static long long next;
	long long t = now_ns();
	struct pw_config c;
	__u32 key = 0;

	if (t < next)
		return max;
	next = t + HASH_CONFIG_NS;
	if (!v)
		v = calloc(1, config_value_size);
	if (v && !bpf_map_lookup_elem(config_fd, &key, v)) {
		memcpy(&c, v, sizeof(c));
		max = (uint64_t)c.hash_max_mb << 20;
	}
	return max;
}

struct hash_wait {
	__u64 end;		/* the exec record's end */
	bool earlier;		/* lines of this batch wait to be written */
};

/* Whether other records wait while an exec's file is hashed: lines
 * formatted before it, or records after it in the ring. */
static bool others_waiting(void *arg)
{
	const struct hash_wait *w = arg;

	return w->earlier || __atomic_load_n(ring.producer_pos, __ATOMIC_ACQUIRE) > w->end;
}

/* Whether process pid still runs the image of exec exec_id: the pinned
 * proc_cache has that exec for it (it is replaced at the next exec). */
static bool exec_current(void *arg, uint32_t pid, uint64_t exec_id)
{
	__u32 key = pid;
	__u64 cur;

	(void)arg;
	if (proc_cache_fd < 0 || !exec_id ||
	    bpf_map_lookup_elem(proc_cache_fd, &key, proc_cache_value))
		return false;
	memcpy(&cur, (char *)proc_cache_value + offsetof(struct pw_proc, exec_id), sizeof(cur));
	return cur == exec_id;
}

/* One record's line; an exec's carries its file's sha256 or hash_error
 * (loader/hash.c), computed here, in ring order. */
static int format_record(const unsigned char *data, __u32 len, __u64 end,
			 bool earlier, struct pw_buf *buf)
{
	struct hash_wait w = { .end = end, .earlier = earlier };
	struct pw_hash_ctx hc = { .more = others_waiting, .current = exec_current,
				  .arg = &w };
	struct pw_event_extra x = { .lineage = lineage ? &lineage_src : NULL };
	struct pw_hash_result h;

	if (config_fd < 0 || pw_event_check(data, len) != PW_EV_EXEC)
		return pw_event_format_extra(data, len, opt.fmt, &clk, &x, buf);
	pw_hash_exec(data, len, hash_max_bytes(), &hc, &h);
	if (h.error)
		x.hash_error = h.error;
	else
		x.sha256 = h.sha256;
	return pw_event_format_extra(data, len, opt.fmt, &clk, &x, buf);
}

static bool wanted(const unsigned char *data, __u32 len)
{
	int type = pw_event_check(data, len);

	if (type < 0) {
		INC(&cnt_malformed, 1);
		pw_cstate_dropped(PW_CONSUMER_DROP_MALFORMED, 1);
		return false;
	}
	if (opt.alerts) {
		struct pw_hdr h;

		memcpy(&h, data, sizeof(h));	/* checked: len covers it */
		if (!pw_hdr_rule(&h))
			return false;
	}
	return !opt.type_filter || opt.type_allowed[type];
}

/* Commits every record whose output ends within the first done bytes. */
static void commit_written(const struct mark *m, size_t nm, size_t *mi,
			   size_t done)
{
	unsigned long long lines = 0;
	size_t i = *mi;

	while (i < nm && m[i].off <= done) {
		lines += m[i].line;
		i++;
	}
	if (i == *mi)
		return;
	commit(m[i - 1].end);
	INC(&cnt_delivered, lines);
	pw_cstate_written(m[i - 1].end, lines);
	*mi = i;
}

/* Next chunk to write from done: whole lines, at most PIPE_BUF bytes unless
 * a single line is longer. A write(2) of at most PIPE_BUF bytes to a pipe
 * is atomic, so a consumer killed mid-batch never leaves a torn line. */
static size_t chunk_end(const struct mark *m, size_t nm, size_t mi,
			size_t done)
{
	size_t end = done;

	for (; mi < nm; mi++) {
		if (m[mi].off - done > PIPE_BUF && end > done)
			break;
		end = m[mi].off;
		if (end - done >= PIPE_BUF)
			break;
	}
	return end;
}

/* Writes buf to the output, committing as lines complete. Returns 0, or -1 to
 * stop (EPIPE: quietly; other errors: reported). */
static int write_out(const struct pw_buf *buf, const struct mark *m,
		     size_t nm)
{
	size_t done = 0, mi = 0, end = 0;

	commit_written(m, nm, &mi, 0);
	while (done < buf->len) {
		ssize_t n;

		if (done >= end)
			end = chunk_end(m, nm, mi, done);
		if (end <= done)	/* cannot happen: last mark ends buf */
			end = buf->len;
		n = pw_out_write(buf->data + done, end - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd p = { .fd = pw_out_fd(),
						    .events = POLLOUT };

				poll(&p, 1, -1);
				continue;
			}
			if (errno != EPIPE) {
				fprintf(stderr, PROG ": write to %s: %s\n",
					opt.out.path ? opt.out.path : "stdout",
					strerror(errno));
				set_error();
			}
			return -1;
		}
		done += (size_t)n;
		/* SIGKILL right here re-delivers what this write(2) wrote:
		 * the only window of the exactly-once scheme. */
		commit_written(m, nm, &mi, done);
	}
	return 0;
}

/* --drain: true once the worker should stop waiting for a busy record. */
static bool drain_gave_up(bool busy, __u64 cursor, long long *busy_since)
{
	long long t;

	if (!busy) {
		*busy_since = 0;
		return false;
	}
	t = now_ns();
	if (!*busy_since) {
		*busy_since = t;
		return false;
	}
	if (t - *busy_since <= DRAIN_BUSY_WAIT_NS)
		return false;
	fprintf(stderr, PROG ": --drain: record at position %llu still busy, "
		"stopping before it\n", (unsigned long long)cursor);
	return true;
}

/* ------------------------------------------------------------------ */
/* Pressure: the consumer's events when shedding starts and ends        */

static int shed_fd = -1;			/* maps/shed; -1: no pressure events */
static struct pw_pressure_state pressure;
static struct pw_pressure_totals pressure_t;
static long long pressure_next;

/* Keys 0 .. n-1 of a per-CPU array into vals (key k at k * per bytes,
 * per = ncpu * the rounded value size); ok[k]: key k was read. One
 * BPF_MAP_LOOKUP_BATCH where the kernel has it (5.6 on), else a lookup
 * per key. Every PW_PRESSURE_POLL_MS it reads 256 + PW_MOD_MODULE_END
 * keys: one lookup each was 290 bpf() calls a poll, each running the
 * sensor's own syscall, bpf and audit programs (and, with the default
 * pack, a bpf rule check); the batch is 2 (tests/bench 6.1, consumer CPU
 * per exec of the storm, /work/wt/storm-bench.md). */
static void percpu_read(int fd, __u32 n, size_t per, unsigned char *vals, __u32 *keys, bool *ok)
{
	LIBBPF_OPTS(bpf_map_batch_opts, o);
	__u32 count = n, out = 0, k;
	int err = bpf_map_lookup_batch(fd, NULL, &out, keys, vals, &count, &o);
	bool all = (!err || err == -ENOENT) && count == n;

	for (k = 0; all && k < n; k++)
		all = keys[k] == k;
	for (k = 0; k < n; k++)
		ok[k] = all || !bpf_map_lookup_elem(fd, &k, vals + (size_t)k * per);
}

/* maps/shed and maps/stats summed (worker thread). */
static int pressure_read(struct pw_pressure_totals *t)
{
	static unsigned char *vals;
	static __u32 keys[PW_EVENT_CLASS_TYPES];
	static bool ok[PW_EVENT_CLASS_TYPES];
	static int ncpu;
	size_t stride = (sizeof(struct pw_shed) + 7) & ~(size_t)7;
	size_t sstride = ((size_t)stats_value_size + 7) & ~(size_t)7;
	size_t per = 0, sper = 0;
	__u32 key;

	_Static_assert(PW_MOD_MODULE_END <= PW_EVENT_CLASS_TYPES, "keys[] holds maps/stats' keys");
	if (ncpu <= 0)
		ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return -1;
	per = (size_t)ncpu * stride;
	sper = (size_t)ncpu * sstride;
	if (!vals) {
		size_t a = PW_EVENT_CLASS_TYPES * per, b = PW_MOD_MODULE_END * sper;

		if (!(vals = calloc(1, a > b ? a : b)))
			return -1;
	}
	memset(t, 0, sizeof(*t));
	percpu_read(shed_fd, PW_EVENT_CLASS_TYPES, per, vals, keys, ok);
	for (key = 0; key < PW_EVENT_CLASS_TYPES; key++) {
		if (!ok[key])
			return -1;
		for (int c = 0; c < ncpu; c++) {
			struct pw_shed v;

			memcpy(&v, vals + key * per + (size_t)c * stride, sizeof(v));
			t->type_shed[key] += v.shed;
			t->shed += v.shed;
			t->sampled += v.sampled;
			if (v.sampled && v.last_log2 > t->max_log2)
				t->max_log2 = v.last_log2;
		}
	}
	percpu_read(stats_fd, PW_MOD_MODULE_END, sper, vals, keys, ok);
	for (key = 0; key < PW_MOD_MODULE_END; key++) {
		if (!ok[key])
			continue;
		for (int c = 0; c < ncpu; c++) {
			struct pw_stats v;

			memcpy(&v, vals + key * sper + (size_t)c * sstride, sizeof(v));
			t->dropped += v.dropped;
		}
	}
	return 0;
}

/* Every PW_PRESSURE_POLL_MS: a pressure event due goes first into the
 * batch, its mark at the cursor (nothing of the ring to commit). Not
 * in the ring, it is not re-delivered by a consumer killed before writing
 * it; the next consumer reports the shedding again from the persisted
 * totals (maps/consumer). */
static void pressure_poll(struct pw_buf *buf, struct mark *marks, size_t *nm, __u64 cursor)
{
	long long t = now_ns();
	struct pw_pressure rec;

	if (shed_fd < 0 || t < pressure_next)
		return;
	pressure_next = t + PW_PRESSURE_POLL_MS * 1000000LL;
	if (pressure_read(&pressure_t) ||
	    !pw_pressure_step(&pressure, &pressure_t, (__u64)t, &rec))
		return;
	if (opt.alerts || (opt.type_filter && !opt.type_allowed[PW_EV_PRESSURE]))
		return;
	rec.h.pid = rec.h.tid = (__u32)getpid();
	rec.h.ppid = (__u32)getppid();
	rec.h.uid = (__u32)getuid();
	rec.h.gid = (__u32)getgid();
	snprintf(rec.h.comm, sizeof(rec.h.comm), "pinwatch-read");
	if (pw_event_format_extra(&rec, sizeof(rec), opt.fmt, &clk, NULL, buf))
		return;
	marks[*nm].off = buf->len;
	marks[*nm].end = cursor;
	marks[*nm].line = true;
	(*nm)++;
}

/* The self-check (--tamper-interval): maps/manifest against the pins  */

static int manifest_fd = -1;
static long long next_tamper;

/* A difference already reported: not again while it stays the same. */
struct tamper_seen {
	struct pw_manifest_key k;
	__u32 what, found_id;
	bool visited;
};
static struct tamper_seen *tseen;
static size_t n_tseen;

/* The kind of BPF object behind fd, from its anon inode's name. */
static __u32 fd_kind(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 0;
	target[n] = '\0';
	/* as bpftool's get_fd_type(): the link's name was "bpf_link" before
	 * "bpf-link" */
	if (!strcmp(target, "anon_inode:bpf-prog"))
		return PW_PIN_PROG;
	if (!strcmp(target, "anon_inode:bpf-link") || !strcmp(target, "anon_inode:bpf_link"))
		return PW_PIN_LINK;
	return 0;
}

/* Fills t->what (0: as recorded) and t->found_id for one entry. False when
 * it cannot tell (an error other than a missing pin): nothing is reported. */
static bool tamper_check(const struct pw_manifest_key *k,
			 const struct pw_manifest_entry *v, struct pw_tamper *t)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	t->what = 0;
	t->found_id = 0;
	snprintf(path, sizeof(path), "%s/%.*s", opt.pin_root,
		 (int)sizeof(k->path), k->path);
	if (stat(path, &st)) {
		if (errno != ENOENT)
			return false;
		t->what = PW_TAMPER_REMOVED;
		/* a link lives while a pin or an fd holds it: when its id is
		 * gone too, the hook is detached */
		if (v->kind == PW_PIN_LINK) {
			fd = bpf_link_get_fd_by_id(v->id);
			if (fd >= 0)
				close(fd);
			else if (errno == ENOENT)
				t->what = PW_TAMPER_DETACHED;
		}
		return true;
	}
	fd = bpf_obj_get(path);
	if (fd < 0)
		return false;
	if (fd_kind(fd) != v->kind) {
		t->what = PW_TAMPER_REPLACED;	/* another kind of object */
	} else if (v->kind == PW_PIN_PROG) {
		struct bpf_prog_info pi = {};
		__u32 len = sizeof(pi);

		if (!bpf_obj_get_info_by_fd(fd, &pi, &len))
			t->found_id = pi.id;
	} else {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);

		if (!bpf_obj_get_info_by_fd(fd, &li, &len)) {
			t->found_id = li.id;
			/* BPF_LINK_UPDATE: the same link, another program */
			if (li.prog_id != v->prog_id)
				t->what = PW_TAMPER_REPLACED;
		}
	}
	close(fd);
	if (t->found_id != v->id || (__u64)st.st_ino != v->ino)
		t->what = PW_TAMPER_REPLACED;
	return true;
}

/* True when the finding was reported already; remembers it otherwise. */
static bool tamper_known(const struct pw_tamper *t,
			 const struct pw_manifest_key *k)
{
	struct tamper_seen *n;

	for (size_t i = 0; i < n_tseen; i++) {
		if (memcmp(&tseen[i].k, k, sizeof(*k)))
			continue;
		tseen[i].visited = true;
		if (tseen[i].what == t->what && tseen[i].found_id == t->found_id)
			return true;
		tseen[i].what = t->what;
		tseen[i].found_id = t->found_id;
		return false;
	}
	n = realloc(tseen, (n_tseen + 1) * sizeof(*tseen));
	if (!n)
		return false;	/* reported again next time rather than lost */
	tseen = n;
	tseen[n_tseen].k = *k;
	tseen[n_tseen].what = t->what;
	tseen[n_tseen].found_id = t->found_id;
	tseen[n_tseen].visited = true;
	n_tseen++;
	return false;
}

/* Forgets the findings not seen this round (fixed, or out of the
 * manifest: a later difference there is reported anew). */
static void tamper_prune(void)
{
	size_t j = 0;

	for (size_t i = 0; i < n_tseen; i++)
		if (tseen[i].visited) {
			tseen[i].visited = false;
			tseen[j++] = tseen[i];
		}
	n_tseen = j;
}

static void tamper_hdr(struct pw_hdr *h)
{
	h->type = PW_EV_TAMPER;
	h->module = PW_MOD_AUDIT;
	h->size = sizeof(struct pw_tamper);
	h->ts_ns = (__u64)now_ns();
	h->pid = (__u32)getpid();
	h->tid = (__u32)gettid();
	h->ppid = (__u32)getppid();
	h->uid = (__u32)getuid();
	h->gid = (__u32)getgid();
	snprintf(h->comm, sizeof(h->comm), "%s", PROG);
}

/* One round: a tamper line per new difference, written and counted as
 * delivered like the ring's (maps/consumer written_events). Returns -1
 * when the output failed. */
static int tamper_round(__u64 *cursor)
{
	struct pw_manifest_key k, next, *prev = NULL;
	struct pw_manifest_entry v, again;
	struct pw_buf buf = { 0 };
	struct mark *marks = NULL;
	size_t nm = 0;
	int err = 0;

	while (!bpf_map_get_next_key(manifest_fd, prev, &next)) {
		struct pw_tamper t = {};

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(manifest_fd, &k, &v) || !tamper_check(&k, &v, &t))
			continue;
		if (!t.what) {
			continue;
		}
		/* down removes the entries before the pins: an entry still
		 * there, unchanged, after the check was tampered with */
		if (bpf_map_lookup_elem(manifest_fd, &k, &again) || memcmp(&v, &again, sizeof(v)))
			continue;
		if (tamper_known(&t, &k))
			continue;
		tamper_hdr(&t.h);
		t.kind = v.kind;
		t.expected_id = v.id;
		memcpy(t.pin, k.path, sizeof(t.pin));
		t.pin[sizeof(t.pin) - 1] = '\0';
		if (opt.type_filter && !opt.type_allowed[PW_EV_TAMPER])
			continue;	/* --type without tamper */
		if (pw_event_format_extra((const unsigned char *)&t, sizeof(t), opt.fmt, &clk,
					  NULL, &buf))
			continue;
		struct mark *m = realloc(marks, (nm + 1) * sizeof(*marks));

		if (!m)
			break;
		marks = m;
		marks[nm].off = buf.len;
		marks[nm].end = *cursor;	/* nothing of the ring: commits nothing new */
		marks[nm].line = true;
		nm++;
	}
	tamper_prune();
	if (nm) {
		guard_enter_write(*cursor);
		err = write_out(&buf, marks, nm);
		*cursor = guard_leave_write(*cursor);
	}
	pw_buf_free(&buf);
	free(marks);
	return err;
}

/* Whether a round is due now (the worker asks between batches). */
static bool tamper_due(void)
{
	long long now;

	if (manifest_fd < 0)
		return false;
	now = now_ns();
	if (now < next_tamper)
		return false;
	next_tamper = now + (long long)(opt.tamper_interval * 1e9);
	return true;
}

/* The manifest, when the self-check is on: a sensor pinned by a build
 * without it is said once and not checked. */
static void tamper_open(void)
{
	char path[PATH_MAX];

	if (opt.tamper_interval <= 0 || opt.tp.tracepoint || opt.drain)
		return;
	snprintf(path, sizeof(path), "%s/maps/manifest", opt.pin_root);
	manifest_fd = bpf_obj_get(path);
	if (manifest_fd < 0) {
		fprintf(stderr, PROG ": %s: %s: no tamper self-check\n", path, strerror(errno));
		return;
	}
	next_tamper = now_ns() + (long long)(opt.tamper_interval * 1e9);
}

static void *worker_main(void *arg)
{
	__u64 cursor = __atomic_load_n(ring.consumer_pos, __ATOMIC_ACQUIRE);
	unsigned long long remaining = opt.count;	/* 0: unlimited */
	struct mark *marks = calloc(opt.batch, sizeof(*marks));
	struct pw_buf buf = { 0 };
	long long busy_since = 0;
	struct epoll_event ev;
	bool stop = false;
	int epfd;

	(void)arg;
	if (!marks) {
		fprintf(stderr, PROG ": out of memory\n");
		set_error();
		goto out;
	}
	/* Edge-triggered: the ring polls readable while consumer_pos <
	 * producer_pos, which stays true while lines are being written;
	 * level-triggered would spin. We only want the wakeups. */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd >= 0) {
		ev.events = EPOLLIN | EPOLLET;
		ev.data.u32 = 0;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, ring.fd, &ev)) {
			close(epfd);
			epfd = -1;
		}
	}

	while (!stop && !LOAD(&stop_reading)) {
		__u64 prod;
		bool busy = false;
		size_t nm = 0;

		if (tamper_due() && tamper_round(&cursor)) {
			stop = true;
			break;
		}
		prod = __atomic_load_n(ring.producer_pos, __ATOMIC_ACQUIRE);

		if (opt.drain && prod > drain_target)
			prod = drain_target;
		lineage_config();
		buf.len = 0;
		pressure_poll(&buf, marks, &nm, cursor);
		while (cursor < prod && nm < opt.batch) {
			const unsigned char *data;
			bool discarded, line = false;
			__u32 len;
			__u64 end;
			int r = record_at(cursor, &data, &len, &discarded, &end);

			if (r < 0) {
				set_error();
				stop = true;
				break;
			}
			if (!r) {
				busy = true;	/* not committed yet */
				break;
			}
			if (!discarded && len >= sizeof(struct pw_hdr) &&
			    ((const struct pw_hdr *)(const void *)data)->type == PW_EV_EXEC)
				lineage_note(data, len);	/* filtered by --type too */
			if (!discarded && wanted(data, len)) {
				int err = format_record(data, len, end,
							buf.len > 0, &buf);

				if (err == -ENOMEM) {
					fprintf(stderr, PROG ": out of memory\n");
					set_error();
					stop = true;
					break;
				}
				if (err) {	/* cannot happen after check */
					INC(&cnt_malformed, 1);
					pw_cstate_dropped(PW_CONSUMER_DROP_MALFORMED, 1);
				}
				line = !err;
			}
			marks[nm].off = buf.len;
			marks[nm].end = end;
			marks[nm].line = line;
			nm++;
			cursor = end;
			if (line && remaining && !--remaining) {
				stop = true;	/* --count reached */
				break;
			}
		}
		if (nm) {
			int err;

			guard_enter_write(cursor);
			err = write_out(&buf, marks, nm);
			cursor = guard_leave_write(cursor);
			if (err)
				stop = true;
			continue;
		}
		if (opt.drain && (cursor >= drain_target ||
				  drain_gave_up(busy, cursor, &busy_since)))
			break;
		if (epfd >= 0)
			epoll_wait(epfd, &ev, 1, POLL_MS);
		else
			usleep(POLL_MS * 1000);
	}
	if (epfd >= 0)
		close(epfd);
out:
	/* What was not written stays uncommitted: the next consumer gets it. */
	pw_buf_free(&buf);
	free(marks);
	STORE(&stop_reading, 1);
	STORE(&worker_exited, 1);
	notify_main();
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Maps                                                                */

static int open_pin(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/maps/%s", opt.pin_root, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		int err = errno;

		if (err == ENOENT)
			fprintf(stderr, PROG ": %s: %s (is the sensor loaded? "
				"run: pinwatch up)\n", path, strerror(err));
		else if (err == EPERM || err == EACCES)
			fprintf(stderr, PROG ": %s: %s (run as root)\n", path,
				strerror(err));
		else
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(err));
		return -1;
	}
	return fd;
}

static int map_info(int fd, const char *name, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		fprintf(stderr, PROG ": %s/maps/%s: cannot get map info: %s\n",
			opt.pin_root, name, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_ring(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_map_info info;

	ring.fd = tp_ring_fd >= 0 ? tp_ring_fd : open_pin("events");
	if (ring.fd < 0 || map_info(ring.fd, "events", &info))
		return -1;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1))) {
		fprintf(stderr, PROG ": %s/maps/events: not a ring buffer map\n",
			opt.pin_root);
		return -1;
	}
	ring.max_entries = info.max_entries;
	ring.mask = info.max_entries - 1;
	ring.cons_map_sz = (size_t)page;
	ring.cons_map = mmap(NULL, ring.cons_map_sz, PROT_READ | PROT_WRITE,
			     MAP_SHARED, ring.fd, 0);
	if (ring.cons_map == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap of the ring buffer consumer page: %s\n",
			strerror(errno));
		return -1;
	}
	/* producer page, then the data area mapped twice */
	ring.prod_map_sz = (size_t)page + 2 * (size_t)info.max_entries;
	ring.prod_map = mmap(NULL, ring.prod_map_sz, PROT_READ, MAP_SHARED,
			     ring.fd, page);
	if (ring.prod_map == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap of the ring buffer data: %s\n",
			strerror(errno));
		return -1;
	}
	ring.consumer_pos = ring.cons_map;
	ring.producer_pos = ring.prod_map;
	ring.data = (unsigned char *)ring.prod_map + page;
	return 0;
}

/* maps/proc_cache, for exec hashing only: without it (an older sensor),
 * a file a running process has had unlinked is "changed" (hash.c). */
static void open_proc_cache(void)
{
	char path[PATH_MAX];
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int fd;

	snprintf(path, sizeof(path), "%s/maps/proc_cache", opt.pin_root);
	fd = bpf_obj_get(path);
	memset(&info, 0, sizeof(info));
	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) ||
	    (info.type != BPF_MAP_TYPE_HASH && info.type != BPF_MAP_TYPE_LRU_HASH) ||
	    info.key_size != sizeof(__u32) || info.value_size < sizeof(struct pw_proc) ||
	    !(proc_cache_value = calloc(1, info.value_size))) {
		close(fd);
		return;
	}
	proc_cache_fd = fd;
}

static int open_side_maps(void)
{
	struct bpf_map_info info;

	stats_fd = tp_stats_fd >= 0 ? tp_stats_fd : open_pin("stats");
	if (stats_fd < 0 || map_info(stats_fd, "stats", &info))
		return -1;
	if (info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
	    info.value_size < sizeof(struct pw_stats)) {
		fprintf(stderr, PROG ": %s/maps/stats: unexpected map type or "
			"value size\n", opt.pin_root);
		return -1;
	}
	stats_value_size = info.value_size;
	if (opt.tp.tracepoint)
		return 0;	/* tpwatch filters its consumer itself */
	config_fd = open_pin("config");
	if (config_fd < 0 || map_info(config_fd, "config", &info))
		return -1;
	if (info.type != BPF_MAP_TYPE_ARRAY ||
	    info.value_size < sizeof(struct pw_config)) {
		fprintf(stderr, PROG ": %s/maps/config: unexpected map type or "
			"value size\n", opt.pin_root);
		return -1;
	}
	config_value_size = info.value_size;
	open_proc_cache();
	/* optional: a sensor without it names no parents (lineage_fetch) */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/maps/proc_lineage", opt.pin_root);
		lineage_fd = bpf_obj_get(path);
	}
	lineage = pw_lineage_cache_new(LINEAGE_SLOTS, lineage_fetch, NULL);
	lineage_src.ctx = lineage;
	/* optional: a sensor without it sheds nothing (no pressure events) */
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/maps/shed", opt.pin_root);
		shed_fd = bpf_obj_get(path);
		if (shed_fd >= 0 && (map_info(shed_fd, "shed", &info) ||
				     info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
				     info.value_size != sizeof(struct pw_shed) ||
				     info.max_entries != PW_EVENT_CLASS_TYPES)) {
			close(shed_fd);
			shed_fd = -1;
		}
	}
	return 0;
}

/* maps/rules, for the name, severity and tags of an alert's rule (opened
 * at the first alert: a sensor may have no module that evaluates rules). */
static int rules_fd = -1;
static bool rules_tried;

PW_DEFINE_NAME_FN(severity_name, PW_RULE_SEVERITIES)

/* Called by the formatter (the worker thread only). */
static bool rule_lookup(unsigned int rule, struct pw_rule_info *out)
{
	static struct pw_rule r;
	char path[PATH_MAX];
	__u32 slot = rule - 1;

	if (!rules_tried) {
		rules_tried = true;
		snprintf(path, sizeof(path), "%s/maps/rules", opt.pin_root);
		rules_fd = bpf_obj_get(path);
	}
	if (rules_fd < 0 || !rule || bpf_map_lookup_elem(rules_fd, &slot, &r) || !r.used)
		return false;
	r.name[sizeof(r.name) - 1] = '\0';
	r.tags[sizeof(r.tags) - 1] = '\0';
	out->name = r.name;
	out->severity = severity_name(r.severity);
	out->tags = r.tags;
	return true;
}

/* Sum of pw_stats.dropped over all CPUs and modules. */
static unsigned long long kernel_dropped(void)
{
	static unsigned char *vals;
	static int ncpu;
	size_t stride = ((size_t)stats_value_size + 7) & ~(size_t)7;
	unsigned long long sum = 0;
	__u32 key;
	int c;

	if (!vals) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return 0;
		vals = calloc((size_t)ncpu, stride);
		if (!vals)
			return 0;
	}
	for (key = 0; key < PW_MOD_MAX; key++) {
		if (opt.tp.tracepoint && key != PW_MOD_TPWATCH)
			continue;
		/* the on-demand tools' drops are their own maps filling up,
		 * not ring buffer losses */
		if (key == PW_MOD_PROFILE || key == PW_MOD_MEMLEAK || key == PW_MOD_LLCSTAT)
			continue;
		if (bpf_map_lookup_elem(stats_fd, &key, vals))
			continue;
		for (c = 0; c < ncpu; c++) {
			struct pw_stats s;

			memcpy(&s, vals + (size_t)c * stride, sizeof(s));
			sum += s.dropped;
		}
	}
	return sum;
}


/*
 * Read-modify-write of config.consumer_tgid and consumer_start (key 0),
 * under the control plane's lock ($PINWATCH_LOCK, else PW_LOCK_PATH: the
 * flock pinwatch-load and the scripts take), which rewrites the same value
 * over several bpftool calls: without it a `pinwatch filter add` or
 * `config set` running meanwhile lost its update, or this one.
 */
static int config_rmw(__u32 expect_any, __u32 expect, __u32 newval,
		      __u32 *old)
{
	const char *lock = getenv("PINWATCH_LOCK");
	unsigned char *v = calloc(1, config_value_size);
	struct pw_config c;
	__u32 key = 0;
	int err = -1, lock_fd;

	if (!v)
		return -1;
	lock_fd = open(lock && *lock ? lock : PW_LOCK_PATH,
		       O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX))
		goto out;
	if (bpf_map_lookup_elem(config_fd, &key, v))
		goto out;
	memcpy(&c, v, sizeof(c));
	if (old)
		*old = c.consumer_tgid;
	if (!expect_any && c.consumer_tgid != expect) {
		err = 0;
		goto out;
	}
	c.consumer_tgid = newval;
	c.consumer_start = newval ? pw_self_start_ticks() : 0;
	memcpy(v, &c, sizeof(c));
	err = bpf_map_update_elem(config_fd, &key, v, BPF_ANY) ? -1 : 0;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	free(v);
	return err;
}

static void warn_other_consumer(__u32 tgid)
{
	char path[64], comm[32] = "", self[32] = "";
	FILE *f;

	if (!tgid || tgid == (__u32)getpid() || kill((pid_t)tgid, 0))
		return;
	snprintf(path, sizeof(path), "/proc/%u/comm", tgid);
	if ((f = fopen(path, "r"))) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	if ((f = fopen("/proc/self/comm", "r"))) {
		if (!fgets(self, sizeof(self), f))
			self[0] = '\0';
		fclose(f);
	}
	if (comm[0] && !strcmp(comm, self))
		fprintf(stderr, PROG ": warning: another consumer (pid %u) is "
			"running; two readers of one ring lose or repeat "
			"events\n", tgid);
}

static void claim_config(void)
{
	__u32 old = 0;

	if (config_rmw(1, 0, (__u32)getpid(), &old)) {
		fprintf(stderr, PROG ": warning: cannot set config.consumer_tgid:"
			" %s (own activity may be reported)\n", strerror(errno));
		return;
	}
	warn_other_consumer(old);
	config_claimed = true;
}

static void release_config(void)
{
	if (config_claimed && config_fd >= 0)
		config_rmw(0, (__u32)getpid(), 0, NULL);
	config_claimed = false;
}

/* ------------------------------------------------------------------ */
/* Reporting and main                                                  */

static void report_losses(bool at_exit)
{
	static unsigned long long last_k, last_c, last_m;
	unsigned long long k = kernel_dropped(), c = LOAD(&cnt_consumer_drops);
	unsigned long long m = LOAD(&cnt_malformed);
	char extra[64] = "";

	/* Kernel drops count since the sensor loaded: those that happened
	 * while no consumer ran are the ones a user most needs to hear of. */
	if (!k && !c && !m)
		return;
	if (!at_exit && k == last_k && c == last_c && m == last_m)
		return;		/* nothing new since the last report */
	last_k = k;
	last_c = c;
	last_m = m;
	if (m)
		snprintf(extra, sizeof(extra), ", %llu malformed records skipped", m);
	fprintf(stderr, PROG ": lost %llu events in the kernel since the sensor loaded "
		"(ring buffer full), %llu in the consumer (output too slow)%s\n", k, c, extra);
}

static void print_summary(void)
{
	unsigned long long k = kernel_dropped();
	struct pw_hash_counts h;

	pw_hash_get_counts(&h);
	fprintf(stderr, PROG ": delivered %llu, kernel dropped %llu, consumer "
		"dropped %llu, malformed %llu, files hashed %llu, hash cache hits "
		"%llu\n", LOAD(&cnt_delivered), k, LOAD(&cnt_consumer_drops),
		LOAD(&cnt_malformed), h.hashed, h.cached);
}

static void finish(void)
{
	release_config();
	report_losses(true);
	if (opt.stats)
		print_summary();
}

static int open_output(void)
{
	return pw_out_open(&opt.out);
}

/* --ring-usage: the positions from the ring's two metadata pages, the
 * records between them and the oldest one's age (read where they lie,
 * nothing consumed), and the consumer's record (maps/consumer). */
static int ring_usage(void)
{
	long page = sysconf(_SC_PAGESIZE);
	struct bpf_map_info info;
	struct pw_backlog b;
	size_t prod_sz;
	void *cons, *prod;
	__u64 c, p;
	long long age = 0;

	ring.fd = open_pin("events");
	if (ring.fd < 0 || map_info(ring.fd, "events", &info))
		return 1;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1))) {
		fprintf(stderr, PROG ": %s/maps/events: not a ring buffer map\n",
			opt.pin_root);
		return 1;
	}
	/* producer page, then the data area mapped twice */
	prod_sz = (size_t)page + 2 * (size_t)info.max_entries;
	cons = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, ring.fd, 0);
	prod = mmap(NULL, prod_sz, PROT_READ, MAP_SHARED, ring.fd, page);
	if (cons == MAP_FAILED || prod == MAP_FAILED) {
		fprintf(stderr, PROG ": mmap of the ring buffer: %s\n",
			strerror(errno));
		return 1;
	}
	c = __atomic_load_n((__u64 *)cons, __ATOMIC_ACQUIRE);
	p = __atomic_load_n((__u64 *)prod, __ATOMIC_ACQUIRE);
	pw_ring_backlog(cons, prod, (unsigned char *)prod + page, info.max_entries, &b);
	if (b.oldest_ts_ns && now_ns() > (long long)b.oldest_ts_ns)
		age = now_ns() - (long long)b.oldest_ts_ns;
	printf("{\"size_bytes\":%u,\"consumer_pos\":%llu,\"producer_pos\":%llu,"
	       "\"used_bytes\":%llu,\"unread_records\":%llu,\"oldest_unread_age_ns\":%lld,"
	       "\"consumer\":", info.max_entries,
	       (unsigned long long)c, (unsigned long long)p,
	       (unsigned long long)(p > c ? p - c : 0),
	       (unsigned long long)b.records, age);
	pw_cstate_print_json(opt.pin_root);
	printf("}\n");
	munmap(cons, (size_t)page);
	munmap(prod, prod_sz);
	return 0;
}

static void print_text_header(void)
{
	char line[128];
	int n;

	if (opt.fmt != PW_FMT_TEXT || !isatty(STDOUT_FILENO))
		return;
	n = snprintf(line, sizeof(line), "%-8s %-5s %7s %7s %6s %-16s %s\n",
		     "TIME", "TYPE", "PID", "PPID", "UID", "COMM", "DETAILS");
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		return;
}

int main(int argc, char **argv)
{
	static const struct argp argp = { options, parse_opt, NULL, doc,
					  NULL, NULL, NULL };
	long long start = now_ns(), next_stats, deadline;
	pthread_t worker, guardian;
	bool stopping = false;
	sigset_t set;

	argp_err_exit_status = 2;
	if (getenv("PINWATCH_PIN_ROOT") && *getenv("PINWATCH_PIN_ROOT")) {
		opt.pin_root = getenv("PINWATCH_PIN_ROOT");
		pw_check_pin_root(PROG, "PINWATCH_PIN_ROOT", opt.pin_root);
	}
	if (pw_argp_parse(&argp, argc, argv))
		return 2;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);	/* inherited by threads */
	main_thread = pthread_self();

	if (opt.ring_usage)
		return ring_usage();
	opt.tp.pin_root = opt.pin_root;
	if (opt.tp.tracepoint && tpw_start(&opt.tp, &tp_ring_fd, &tp_stats_fd))
		return 1;
	pw_event_set_rule_lookup(rule_lookup);
	if (open_ring() || open_side_maps() || open_output())
		return 1;
	if (pw_clock_init(&clk) || guard_init() ||
	    (!opt.tp.tracepoint && pw_hash_init())) {
		fprintf(stderr, PROG ": initialisation failed: %s\n",
			strerror(errno ? errno : ENOMEM));
		return 1;
	}

	/* each event's cgroup path and container (JSON cgroup, container_id,
	 * container_runtime; text container=): looked up by the worker only */
	pw_event_set_cgroup_lookup(pw_container_cgroup_lookup);
	/* a build without the map (no process module loaded yet): paths only */
	pw_container_use_kernel_cache(opt.pin_root);

	drain_target = __atomic_load_n(ring.producer_pos, __ATOMIC_ACQUIRE);
	if (!opt.tp.tracepoint) {
		claim_config();
		pw_cstate_open(opt.pin_root);
	}
	tamper_open();
	print_text_header();

	if (pthread_create(&guardian, NULL, guard_main, NULL) ||
	    pthread_create(&worker, NULL, worker_main, NULL)) {
		fprintf(stderr, PROG ": cannot start threads\n");
		release_config();
		return 1;
	}

	next_stats = opt.stats_interval > 0 ?
		start + (long long)(opt.stats_interval * 1e9) : LLONG_MAX;
	deadline = opt.timeout > 0 ? start + (long long)(opt.timeout * 1e9)
				   : LLONG_MAX;
	while (!LOAD(&worker_exited)) {
		long long now = now_ns(), wake = next_stats;
		struct timespec ts;
		int sig;

		if (!stopping && deadline < wake)
			wake = deadline;
		if (wake - now > 1000000000LL)
			wake = now + 1000000000LL;
		if (wake < now)
			wake = now;
		ts.tv_sec = (wake - now) / 1000000000LL;
		ts.tv_nsec = (wake - now) % 1000000000LL;
		sig = sigtimedwait(&set, NULL, &ts);
		now = now_ns();
		if (sig == SIGHUP)
			pw_out_reopen();	/* logrotate moved the file */
		if (sig == SIGINT || sig == SIGTERM) {
			if (stopping) {
				/* Output is stuck: what is not written stays
				 * in the ring (uncommitted) for the next run. */
				fprintf(stderr, PROG ": exiting without flushing "
					"the batch being written (its events stay "
					"in the ring)\n");
				finish();
				_exit(0);
			}
			stopping = true;
		}
		if (!stopping && now >= deadline)
			stopping = true;
		if (stopping)
			STORE(&stop_reading, 1);	/* after the batch it writes */
		if (now >= next_stats) {
			report_losses(false);
			next_stats = now + (long long)(opt.stats_interval * 1e9);
		}
	}
	STORE(&stop_reading, 1);
	pthread_join(worker, NULL);
	guard_stop();
	pthread_join(guardian, NULL);
	pw_hash_stop();
	finish();
	munmap(ring.prod_map, ring.prod_map_sz);
	munmap(ring.cons_map, ring.cons_map_sz);
	pw_out_close();
	tpw_stop();
	return LOAD(&exit_status);
}
