// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Writes the seed corpus for fuzz_pwevent: one valid record of every event
 * type the decoder knows (pw_event_min_size() != 0), with realistic field
 * values, plus a few edge cases (strings without terminators, records cut
 * short or past their length fields). Every seed is checked with the
 * decoder itself; a type that has no hand-made record below gets a generic
 * one (header and zeroed body) and a warning, so a new event type is never
 * left without a seed. Run once; the output is committed under
 * tests/fuzz/corpus/pwevent/ (make fuzz-seeds regenerates it). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pinwatch.h"
#include "pwevent.h"

static const char *dir = ".";
static int failed;
static unsigned char seeded[65536];	/* types that have a valid seed */

static void put(const char *name, const void *p, size_t n)
{
	char path[512];
	FILE *f;
	struct pw_buf out = { 0 };
	static const struct pw_clock clk = { 0 };
	const struct pw_hdr *h = p;
	int type = pw_event_check(p, n);

	/* a seed meant to be valid must decode; the edge cases may not */
	if (type > 0) {
		if (pw_event_format(p, n, PW_FMT_JSON, &clk, &out) != 0) {
			fprintf(stderr, "make_seeds: %s: the decoder refuses it\n", name);
			failed = 1;
		}
		seeded[type] = 1;
	} else if (!strchr(name, '-')) {
		fprintf(stderr, "make_seeds: %s (type %u): not a valid record\n", name, h->type);
		failed = 1;
	}
	pw_buf_free(&out);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		failed = 1;
	}
	if (f)
		fclose(f);
}

static void hdr(struct pw_hdr *h, unsigned type, unsigned size)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	/* ids are ranged by module (pinwatch.h); tracepoint events carry
	 * PW_MOD_TPWATCH, bench events no module of their own */
	h->module = type < 110 ? type / 10 : type < 120 ? PW_MOD_TPWATCH : 0;
	h->size = size;
	h->ts_ns = 123456789;
	h->pid = h->tid = 42;
	h->ppid = 1;
	h->exec_id = 7;
	memcpy(h->comm, "seed", 5);
	h->ns = (struct pw_ns_inodes){ 4026531840, 4026531836, 4026531992, 4026531837,
				       4026531838, 4026531839, 4026531835, 4026531834 };
}

/* 127.0.0.1:port -> 127.0.0.1:dport, v4-mapped; or ::1 */
static void tuple(struct pw_net_tuple *t, int v6, unsigned sport, unsigned dport)
{
	memset(t, 0, sizeof(*t));
	t->family = v6 ? PW_AF_INET6 : PW_AF_INET;
	t->sport = (__u16)sport;
	t->dport = (__u16)dport;
	t->flags = PW_NET_HAS_SADDR | PW_NET_HAS_DADDR;
	if (v6) {
		t->saddr[15] = t->daddr[15] = 1;
	} else {
		t->saddr[10] = t->saddr[11] = t->daddr[10] = t->daddr[11] = 0xff;
		t->saddr[12] = t->daddr[12] = 127;
		t->saddr[15] = t->daddr[15] = 1;
	}
}

static void process_seeds(void)
{
	static struct pw_exec ex;
	static struct pw_enforce en;
	struct pw_exit et;
	struct pw_fork fk;
	static const char args[] = "/bin/ls\0-l\0/tmp";

	memset(&ex, 0, sizeof(ex));
	hdr(&ex.h, PW_EV_EXEC, offsetof(struct pw_exec, args) + sizeof(args));
	strcpy(ex.filename, "/bin/ls");
	memcpy(ex.args, args, sizeof(args));
	ex.args_len = sizeof(args);
	/* the image's identity (the consumer's hash cache key) */
	ex.exe.dev = 8u << PW_DEV_MINOR_BITS | 1;
	ex.exe.ino = 131075;
	ex.exe.size = 142312;
	ex.exe.ctime_sec = 1700000000;
	ex.exe.ctime_nsec = 123456789;
	ex.exe.mtime_sec = 1690000000;
	ex.exe.mtime_nsec = 987654321;
	put("exec", &ex, ex.h.size);
	ex.args_truncated = 1;
	memset(ex.filename, 'A', sizeof(ex.filename)); /* no terminator */
	put("exec-unterminated", &ex, ex.h.size);
	ex.args_len = PW_ARGS_MAX + 1;	/* more than the record holds */
	put("exec-argslen", &ex, ex.h.size);
	/* the exec context: a reverse shell from a memfd, LD_PRELOAD set */
	ex.args_len = sizeof(args);
	ex.args_truncated = 0;
	strcpy(ex.filename, "/dev/fd/3");
	ex.exe_flags = PW_EXE_MEMFD | PW_EXE_SECUREEXEC | 1u << 31;
	for (int i = 0; i < PW_STDIO_FDS; i++) {
		ex.stdio[i].kind = PW_STDIO_SOCKET;
		ex.stdio[i].family = PW_AF_INET;
		ex.stdio[i].port = 4444;
		ex.stdio[i].addr[10] = ex.stdio[i].addr[11] = 0xff;
		ex.stdio[i].addr[12] = 127;
		ex.stdio[i].addr[15] = 1;
	}
	ex.stdio[2].kind = 200;	/* a kind the build does not know */
	strcpy(ex.cwd, "/tmp");
	memcpy(ex.env, "LD_PRELOAD=/tmp/x.so\0NOEQUALS\0", 30);
	ex.env_len = PW_EXEC_ENV_MAX + 1;	/* more than the record holds */
	ex.env_truncated = 1;
	put("exec-context", &ex, ex.h.size);

	memset(&et, 0, sizeof(et));
	hdr(&et.h, PW_EV_EXIT, sizeof(et));
	et.exit_code = 7;
	et.signal = 0;
	et.duration_ns = 1000;
	put("exit", &et, sizeof(et));

	memset(&fk, 0, sizeof(fk));
	hdr(&fk.h, PW_EV_FORK, sizeof(fk));
	fk.child_pid = 43;
	fk.pad = 0;
	put("fork", &fk, sizeof(fk));
	put("fork-truncated", &fk, sizeof(fk) - 3);

	memset(&en, 0, sizeof(en));
	hdr(&en.h, PW_EV_ENFORCE, sizeof(en));
	en.dev = (254u << 20) | 1;
	en.ino = 1234;
	en.action = PW_ENFORCE_KILLED;
	en.mode = PW_BLOCK_KILL;
	strcpy(en.path, "/usr/local/bin/miner");
	strcpy(en.filename, "/tmp/m");
	put("enforce", &en, sizeof(en));
	en.action = 99;
	en.mode = 99;
	en.error = -3;
	put("enforce-unknown", &en, sizeof(en));
}

static void syscall_file_seeds(void)
{
	static struct pw_file fl;
	struct pw_syscall sc;

	memset(&sc, 0, sizeof(sc));
	hdr(&sc.h, PW_EV_SYSCALL, sizeof(sc));
	sc.nr = 257;	/* openat on x86-64 */
	sc.args[0] = (__u64)-100;
	sc.args[1] = 0x7ffd12345678;
	sc.ret = -2;
	sc.latency_ns = 1500;
	put("syscall", &sc, sizeof(sc));
	sc.nr = 100000;	/* beyond the name table */
	put("syscall-unknown", &sc, sizeof(sc));

	memset(&fl, 0, sizeof(fl));
	hdr(&fl.h, PW_EV_OPEN, offsetof(struct pw_file, path) + sizeof("/etc/passwd"));
	fl.ret = 3;
	fl.flags = 0x80000;
	fl.syscall = PW_FILE_SYS_OPENAT;
	fl.dfd = -100;
	fl.new_dfd = -100;
	strcpy(fl.path, "/etc/passwd");
	put("open", &fl, fl.h.size);
	fl.h.size = offsetof(struct pw_file, path);
	put("open-nopath", &fl, fl.h.size);

	hdr(&fl.h, PW_EV_UNLINK, offsetof(struct pw_file, path) + sizeof("tmpfile"));
	fl.ret = 0;
	fl.flags = 0;
	fl.syscall = PW_FILE_SYS_UNLINKAT;
	fl.dfd = 5;
	strcpy(fl.path, "tmpfile");
	put("unlink", &fl, fl.h.size);

	hdr(&fl.h, PW_EV_RENAME, sizeof(fl));
	fl.syscall = PW_FILE_SYS_RENAMEAT2;
	fl.flags = 1;
	fl.dfd = fl.new_dfd = -100;
	strcpy(fl.path, "/tmp/a");
	strcpy(fl.new_path, "/tmp/b");
	put("rename", &fl, sizeof(fl));
	fl.syscall = 999;
	memset(fl.new_path, 'B', sizeof(fl.new_path));
	put("rename-unterminated", &fl, sizeof(fl));
}

static void net_seeds(void)
{
	static struct pw_sock_call sk;
	struct pw_tcp_state st;
	struct pw_tcp_retransmit rt;
	static const struct { unsigned type; const char *name; } calls[] = {
		{ PW_EV_CONNECT, "connect" }, { PW_EV_ACCEPT, "accept" },
		{ PW_EV_BIND, "bind" }, { PW_EV_LISTEN, "listen" },
	};
	char name[32];

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		memset(&sk, 0, sizeof(sk));
		hdr(&sk.h, calls[i].type, offsetof(struct pw_sock_call, path));
		sk.ret = calls[i].type == PW_EV_CONNECT ? -115 : 0;
		tuple(&sk.t, i % 2, 40000, 8080);
		sk.fd = 3;
		sk.backlog = calls[i].type == PW_EV_LISTEN ? 128 : 0;
		sk.sock_type = 1;	/* SOCK_STREAM */
		sk.protocol = 6;	/* IPPROTO_TCP */
		sk.opts = calls[i].type == PW_EV_BIND ? PW_SOCK_OPT_REUSEADDR | PW_SOCK_OPT_REUSEPORT : 0;
		put(calls[i].name, &sk, sk.h.size);
		/* AF_UNIX, a path of path_len bytes (the record is cut there) */
		memset(&sk.t, 0, sizeof(sk.t));
		sk.t.family = PW_AF_UNIX;
		sk.protocol = 0;
		sk.path_len = sizeof("/run/pw.sock");
		strcpy(sk.path, "/run/pw.sock");
		sk.h.size = offsetof(struct pw_sock_call, path) + sk.path_len;
		snprintf(name, sizeof(name), "%s-unix", calls[i].name);
		put(name, &sk, sk.h.size);
	}
	/* an abstract name; and a path_len beyond the record */
	sk.path[0] = '\0';
	put("listen-abstract", &sk, sk.h.size);
	sk.path_len = PW_UNIX_PATH_MAX + 50;
	put("listen-pathlen", &sk, sk.h.size);

	memset(&st, 0, sizeof(st));
	hdr(&st.h, PW_EV_TCP_STATE, sizeof(st));
	tuple(&st.t, 0, 40000, 8080);
	st.old_state = PW_TCP_SYN_SENT;
	st.new_state = PW_TCP_ESTABLISHED;
	st.pid_source = PW_NET_PID_SOCKET;
	st.latency_ns = 120000;
	st.old_state_ns = 120000;
	put("tcp_state", &st, sizeof(st));
	st.old_state = 1;
	st.new_state = PW_TCP_CLOSE;
	st.duration_ns = 5000000;
	st.bytes_sent = 1024;
	st.bytes_received = 4096;
	tuple(&st.t, 1, 8080, 40000);
	put("tcp_state-close6", &st, sizeof(st));
	st.new_state = 200;	/* no such state */
	put("tcp_state-unknown", &st, sizeof(st));

	memset(&rt, 0, sizeof(rt));
	hdr(&rt.h, PW_EV_RETRANSMIT, sizeof(rt));
	tuple(&rt.t, 0, 40000, 443);
	rt.state = PW_TCP_ESTABLISHED;
	put("retransmit", &rt, sizeof(rt));
}

static void signal_mount_oom_seeds(void)
{
	static struct pw_mount mt;
	struct pw_signal sg;
	struct pw_oom om;
	struct pw_oom_kill ok;

	memset(&sg, 0, sizeof(sg));
	hdr(&sg.h, PW_EV_SIGNAL, sizeof(sg));
	sg.sig = 9;
	sg.target_pid = 4242;
	sg.source = PW_SIG_SRC_KILL;
	sg.sender_pid = 42;
	put("signal", &sg, sizeof(sg));
	sg.sig = 17;
	sg.target_tid = 4243;
	sg.source = PW_SIG_SRC_GENERATE;
	sg.code = 0x80;
	sg.result = 2;
	sg.group = 1;
	memcpy(sg.target_comm, "bash", 5);
	put("signal-generate", &sg, sizeof(sg));
	memset(sg.target_comm, 'C', sizeof(sg.target_comm));
	sg.source = 77;
	sg.sig = -1;
	put("signal-odd", &sg, sizeof(sg));

	memset(&mt, 0, sizeof(mt));
	hdr(&mt.h, PW_EV_MOUNT, sizeof(mt));
	mt.syscall = PW_MOUNT_SYS_MOUNT;
	mt.flags = 1;	/* MS_RDONLY */
	strcpy(mt.fstype, "tmpfs");
	strcpy(mt.source, "none");
	strcpy(mt.target, "/mnt/x");
	strcpy(mt.data, "size=1m,mode=0700");
	put("mount", &mt, sizeof(mt));
	mt.syscall = PW_MOUNT_SYS_FSMOUNT;
	mt.ret = 5;
	mt.attr_flags = 1;
	mt.from_fd = 4;
	put("mount-fsmount", &mt, sizeof(mt));
	hdr(&mt.h, PW_EV_UMOUNT, sizeof(mt));
	memset(mt.fstype, 0, sizeof(mt.fstype));
	memset(mt.source, 0, sizeof(mt.source));
	memset(mt.data, 0, sizeof(mt.data));
	mt.syscall = PW_MOUNT_SYS_UMOUNT2;
	mt.flags = 2;	/* MNT_DETACH */
	mt.ret = -16;
	put("umount", &mt, sizeof(mt));

	memset(&om, 0, sizeof(om));
	hdr(&om.h, PW_EV_OOM, sizeof(om));
	om.victim_pid = 999;
	om.victim_uid = 1000;
	om.total_vm_kb = 1 << 20;
	om.anon_rss_kb = 1 << 19;
	om.file_rss_kb = 1024;
	om.shmem_rss_kb = 12;
	om.pgtables_kb = 2048;
	om.oom_score_adj = -17;
	om.known = PW_OOM_KNOWN_MEM | PW_OOM_KNOWN_PGTABLES | PW_OOM_KNOWN_SCORE_ADJ | PW_OOM_KNOWN_COMM;
	memcpy(om.victim_comm, "hog", 4);
	put("oom", &om, sizeof(om));
	om.known = 0;
	om.victim_uid = PW_OOM_UID_UNKNOWN;
	put("oom-unknown", &om, sizeof(om));

	memset(&ok, 0, sizeof(ok));
	hdr(&ok.h, PW_EV_OOM_KILL, sizeof(ok));
	ok.victim_pid = 999;
	ok.constraint = 3;
	ok.total_pages = 25600;
	ok.points = 1900;
	ok.order = 0;
	memcpy(ok.victim_comm, "hog", 4);
	strcpy(ok.message, "Memory cgroup out of memory");
	put("oom_kill", &ok, sizeof(ok));
	ok.order = -1;
	ok.constraint = 42;
	memset(ok.message, 'M', sizeof(ok.message));
	put("oom_kill-sysrq", &ok, sizeof(ok));
}

static void block_cap_audit_seeds(void)
{
	static struct pw_audit au;
	struct pw_block_slow bs;
	struct pw_capable cp;

	memset(&bs, 0, sizeof(bs));
	hdr(&bs.h, PW_EV_BLOCK_SLOW, sizeof(bs));
	bs.dev = (8u << 20) | 0;
	bs.op = PW_BLOCK_OP_WRITE;
	bs.sector = 2048;
	bs.latency_ns = 15000000;
	bs.queue_ns = 2000;
	bs.bytes = 4096;
	strcpy(bs.disk, "sda");
	put("block_slow", &bs, sizeof(bs));
	bs.op = PW_BLOCK_OP_OTHER;
	bs.error = 10;
	memset(bs.disk, 'D', sizeof(bs.disk));
	put("block_slow-other", &bs, sizeof(bs));

	memset(&cp, 0, sizeof(cp));
	hdr(&cp.h, PW_EV_CAPABLE, sizeof(cp));
	cp.cap = 21;	/* CAP_SYS_ADMIN */
	cp.ret = -1;
	cp.opts = 2;
	cp.opts_known = 1;
	cp.target_userns = 4026531837u;
	put("capable", &cp, sizeof(cp));
	cp.cap = 1000;	/* beyond the name table */
	cp.opts_known = 0;
	put("capable-unknown", &cp, sizeof(cp));

	memset(&au, 0, sizeof(au));
	hdr(&au.h, PW_EV_AUDIT, sizeof(au));
	au.action = PW_AUDIT_MAP_UPDATE;
	au.bpf_cmd = 2;	/* BPF_MAP_UPDATE_ELEM */
	au.object_id = 17;
	au.key_len = 4;
	au.value_len = 8;
	memcpy(au.object_name, "config", 7);
	memset(au.key, 0, 4);
	memset(au.value, 0xab, 8);
	put("audit", &au, sizeof(au));
	au.action = PW_AUDIT_RENAME;
	au.key_len = au.value_len = 0;
	strcpy(au.path, "/sys/fs/bpf/pinwatch/maps/config");
	strcpy(au.new_path, "/sys/fs/bpf/x");
	put("audit-rename", &au, sizeof(au));
	memset(&au, 0, sizeof(au));
	hdr(&au.h, PW_EV_AUDIT, sizeof(au));
	au.action = PW_AUDIT_MAP_UPDATE_BATCH;
	au.bpf_cmd = 26;	/* BPF_MAP_UPDATE_BATCH: the first entry */
	au.object_id = 17;
	au.key_len = 4;
	au.value_len = 1;
	memcpy(au.object_name, "filter_pid", 11);
	au.key[0] = 0x92;
	au.value[0] = 1;
	put("audit-batch", &au, sizeof(au));
	au.action = PW_AUDIT_MAP_FREEZE;
	au.bpf_cmd = 22;	/* BPF_MAP_FREEZE */
	au.key_len = au.value_len = 0;
	put("audit-freeze", &au, sizeof(au));
	au.action = PW_AUDIT_GET_FD_BY_ID;
	au.bpf_cmd = 14;	/* BPF_MAP_GET_FD_BY_ID */
	put("audit-get-fd-by-id", &au, sizeof(au));
	au.key_len = PW_AUDIT_BYTES + 100;	/* more than the record holds */
	au.value_len = 0xffffffffu;
	put("audit-lens", &au, sizeof(au));
}

static void kmod_bpf_seeds(void)
{
	static struct pw_kmod_load kl;
	static struct pw_bpf bp;
	struct pw_kmod_unload ku;

	memset(&kl, 0, sizeof(kl));
	hdr(&kl.h, PW_EV_KMOD_LOAD, sizeof(kl));
	kl.syscall = PW_KMOD_SYS_FINIT_MODULE;
	kl.taints = 0x3000;	/* O|E */
	kl.fd = 3;
	strcpy(kl.name, "loop");
	strcpy(kl.path, "/lib/modules/6.1.0-57-amd64/kernel/drivers/block/loop.ko");
	put("kmod_load", &kl, sizeof(kl));
	kl.syscall = 99;	/* no such syscall */
	kl.taints = 0xffffffffu;
	memset(kl.name, 'n', sizeof(kl.name));
	memset(kl.path, 'p', sizeof(kl.path));
	put("kmod_load-unterminated", &kl, sizeof(kl));

	memset(&ku, 0, sizeof(ku));
	hdr(&ku.h, PW_EV_KMOD_UNLOAD, sizeof(ku));
	ku.flags = 04000;	/* O_NONBLOCK */
	strcpy(ku.name, "loop");
	put("kmod_unload", &ku, sizeof(ku));

	memset(&bp, 0, sizeof(bp));
	hdr(&bp.h, PW_EV_BPF, sizeof(bp));
	bp.cmd = 5;		/* BPF_PROG_LOAD */
	bp.prog_type = 5;	/* BPF_PROG_TYPE_TRACEPOINT */
	bp.insn_cnt = 2;
	strcpy(bp.name, "pw_test_hello");
	bp.ret = 4;
	put("bpf", &bp, sizeof(bp));
	bp.cmd = 6;		/* BPF_OBJ_PIN */
	strcpy(bp.path, "/sys/fs/bpf/x/hello");
	bp.ret = 0;
	put("bpf-obj_pin", &bp, sizeof(bp));
	bp.cmd = 0;		/* BPF_MAP_CREATE */
	bp.map_type = 0xffffffffu;	/* beyond the name table */
	memset(bp.name, 'm', sizeof(bp.name));
	put("bpf-map_create", &bp, sizeof(bp));
}

/* attr: one record per type; memfd (file module) */
static void attr_memfd_seeds(void)
{
	static const __u8 cap[20] = { 0x01, 0, 0, 0x02, 0x00, 0x20, 0, 0 };
	static struct pw_attr at;
	struct pw_memfd mf;
	size_t n;

	memset(&at, 0, sizeof(at));
	hdr(&at.h, PW_EV_CHMOD, sizeof(at));
	at.h.module = PW_MOD_ATTR;
	at.syscall = PW_ATTR_SYS_FCHMODAT;
	at.fd = -100;
	at.mode = 04755;
	strcpy(at.path, "/tmp/suid");
	put("chmod", &at, sizeof(at));
	at.h.type = PW_EV_CHOWN;
	at.syscall = PW_ATTR_SYS_FCHOWN;
	at.target = PW_ATTR_BY_FD;
	at.fd = 3;
	at.uid = 65534;
	at.gid = (__u32)-1;
	put("chown", &at, sizeof(at));
	at.h.type = PW_EV_XATTR;
	at.syscall = PW_ATTR_SYS_SETXATTR;
	at.target = PW_ATTR_BY_PATH;
	at.op = PW_XATTR_SET;
	at.value_len = at.value_read = sizeof(cap);
	memcpy(at.value, cap, sizeof(cap));
	strcpy(at.name, "security.capability");
	put("xattr", &at, sizeof(at));
	at.value[3] = 0x03;	/* revision 3: rootid */
	at.value_read = 24;
	put("xattr-v3", &at, sizeof(at));
	at.h.type = PW_EV_UTIMES;
	at.syscall = PW_ATTR_SYS_UTIMENSAT;
	at.atime_nsec = PW_UTIME_OMIT;
	at.mtime_sec = 978307200;
	put("utimes", &at, sizeof(at));
	at.mtime_sec = -1;	/* before 1970 */
	at.atime_nsec = 1000000000;	/* out of range */
	put("utimes-odd", &at, sizeof(at));

	n = offsetof(struct pw_memfd, name) + sizeof("payload");
	memset(&mf, 0, sizeof(mf));
	hdr(&mf.h, PW_EV_MEMFD, n);
	mf.ret = 3;
	mf.flags = 0x1 | 0x2;
	strcpy(mf.name, "payload");
	put("memfd", &mf, n);
	/* a name without its NUL */
	hdr(&mf.h, PW_EV_MEMFD, n - 1);
	put("memfd-unterminated", &mf, n - 1);
}

static void uprobe_tp_bench_seeds(void)
{
	static struct pw_uprobe_connect uc;
	static struct pw_uprobe_readline rl;
	static struct pw_uprobe_getaddrinfo ga;
	static struct {
		struct pw_tracepoint r;
	} tp;	/* 4 KiB */
	struct pw_uprobe up;
	struct pw_bench be;

	memset(&up, 0, sizeof(up));
	hdr(&up.h, PW_EV_UPROBE, sizeof(up));
	strcpy(up.probe, "work");
	for (int i = 0; i < PW_UPROBE_NARGS; i++)
		up.args[i] = i == 0 ? 0x7ffd00001000ull : (__u64)i;
	up.ret = -1;
	up.latency_ns = 2500;
	up.flags = PW_UPROBE_F_RET;
	put("uprobe", &up, sizeof(up));
	memset(up.probe, 'p', sizeof(up.probe));
	up.flags = 0;
	put("uprobe-entry", &up, sizeof(up));

	memset(&uc, 0, sizeof(uc));
	hdr(&uc.call.h, PW_EV_UPROBE_CONNECT, sizeof(uc));
	tuple(&uc.call.t, 0, 0, 80);
	uc.call.t.flags = PW_NET_HAS_DADDR;
	uc.call.fd = 3;
	strcpy(uc.probe, "conn");
	uc.latency_ns = 40000;
	put("uprobe_connect", &uc, sizeof(uc));

	memset(&rl, 0, sizeof(rl));
	hdr(&rl.h, PW_EV_UPROBE_READLINE, sizeof(rl));
	strcpy(rl.probe, "rl");
	strcpy(rl.line, "echo \"hi\" | tr a-z A-Z\t\x01");
	put("uprobe_readline", &rl, sizeof(rl));
	memset(rl.line, 0xc3, sizeof(rl.line));	/* cut UTF-8, no terminator */
	put("uprobe_readline-utf8", &rl, sizeof(rl));

	memset(&ga, 0, sizeof(ga));
	hdr(&ga.h, PW_EV_UPROBE_GETADDRINFO, sizeof(ga));
	strcpy(ga.probe, "dns");
	ga.ret = -2;	/* EAI_NONAME */
	ga.latency_ns = 300000;
	strcpy(ga.host, "pw-no-such-host.invalid");
	strcpy(ga.service, "https");
	put("uprobe_getaddrinfo", &ga, sizeof(ga));

	memset(&tp, 0, sizeof(tp));
	hdr(&tp.r.h, PW_EV_TRACEPOINT, offsetof(struct pw_tracepoint, data) + 24);
	tp.r.tp_id = 365;	/* no format registered: shown by id */
	tp.r.data_len = 24;
	memcpy(tp.r.data + 8, "\x14\x00\x04\x00\x92\x10\x00\x00", 8);
	put("tracepoint", &tp, tp.r.h.size);
	tp.r.data_len = 5000;	/* more than sent */
	tp.r.truncated = 1;
	put("tracepoint-datalen", &tp, tp.r.h.size);

	memset(&be, 0, sizeof(be));
	hdr(&be.h, PW_EV_BENCH, sizeof(be));
	be.seq = 12345;
	put("bench", &be, sizeof(be));
}

/* rules: a suppressed event, and an alert (a fork whose hdr.rule is set) */
static void rule_seeds(void)
{
	struct pw_suppressed su;
	struct pw_fork f;

	memset(&su, 0, sizeof(su));
	hdr(&su.h, PW_EV_SUPPRESSED, sizeof(su));
	su.h.module = PW_MOD_FILE;
	su.h.rule = 1;
	su.count = 9;
	su.period_ns = 10000000000ULL;
	put("suppressed", &su, sizeof(su));
	memset(&f, 0, sizeof(f));
	hdr(&f.h, PW_EV_FORK, sizeof(f));
	f.h.rule = 3;
	f.child_pid = 43;
	put("fork-alert", &f, sizeof(f));
	pw_hdr_set_rule(&f.h, PW_RULES_MAX);	/* the last slot: rule 0, rule_hi set */
	put("fork-alert-last-slot", &f, sizeof(f));
	pw_hdr_set_rule(&f.h, 0);
	f.h.sample_log2 = 4;	/* a shed type's sample */
	put("fork-sampled", &f, sizeof(f));
}

/* deny, and the consumer's own records (pressure, tamper) */
static void deny_consumer_seeds(void)
{
	struct pw_deny d;
	struct pw_pressure p;
	struct pw_tamper t;

	memset(&d, 0, sizeof(d));
	hdr(&d.h, PW_EV_DENY, sizeof(d));
	d.h.module = PW_MOD_DENY;
	d.h.rule = 2;
	d.act = PW_EV_OPEN;
	d.error = 1;
	strcpy(d.rule, "shadow-read");
	strcpy(d.path, "/etc/shadow");
	d.open_flags = 0101;
	put("deny-open", &d, sizeof(d));
	d.act = PW_EV_CONNECT;
	d.path[0] = '\0';
	d.t.family = 2;
	d.t.flags = PW_NET_HAS_DADDR;
	d.t.dport = 4444;
	memcpy(d.t.daddr, "\0\0\0\0\0\0\0\0\0\0\xff\xff\x7f\0\0\1", 16);
	put("deny-connect", &d, sizeof(d));

	memset(&p, 0, sizeof(p));
	hdr(&p.h, PW_EV_PRESSURE, sizeof(p));
	p.state = 1;
	p.max_rate = 16;
	p.shed = 1500;
	p.sampled = 100;
	p.dropped = 7;
	p.types[0] = PW_EV_OPEN;
	p.types[1] = PW_EV_SYSCALL;
	put("pressure-start", &p, sizeof(p));
	p.state = 0;
	p.duration_ns = 2500000000ULL;
	put("pressure-end", &p, sizeof(p));

	memset(&t, 0, sizeof(t));
	hdr(&t.h, PW_EV_TAMPER, sizeof(t));
	t.h.module = PW_MOD_AUDIT;
	t.what = PW_TAMPER_DETACHED;
	t.kind = PW_PIN_LINK;
	t.expected_id = 12;
	strcpy(t.pin, "process/link_exec");
	put("tamper-detached", &t, sizeof(t));
}

static void iouring_seeds(void)
{
	struct pw_io_uring io;

	memset(&io, 0, sizeof(io));
	hdr(&io.h, PW_EV_IO_URING, sizeof(io));
	io.h.module = PW_MOD_IOURING;
	io.op = PW_IOURING_CREATE;
	io.ring = 2749485178112ull;
	io.fd = 3;
	io.flags = 2;		/* SQPOLL */
	io.sq_entries = 8;
	io.cq_entries = 16;
	put("io_uring-create", &io, sizeof(io));
	io.op = PW_IOURING_SUBMIT;
	io.opcode = 18;		/* OPENAT */
	io.sq_thread = 1;
	put("io_uring-submit", &io, sizeof(io));
	io.op = PW_IOURING_REGISTER;
	io.opcode = 1000;	/* beyond the name table */
	io.ret = -22;
	put("io_uring-register", &io, sizeof(io));
}

static void cred_seeds(void)
{
	struct pw_cred cr;

	memset(&cr, 0, sizeof(cr));
	hdr(&cr.h, PW_EV_CRED, sizeof(cr));
	cr.syscall = PW_CRED_SYS_SETRESUID;
	cr.new_ids.uid = cr.new_ids.euid = cr.new_ids.suid = cr.new_ids.fsuid = 65534;
	cr.old_cap_effective = cr.old_cap_permitted = (1ULL << 41) - 1;
	cr.old_ngroups = cr.new_ngroups = 1;
	put("cred", &cr, sizeof(cr));
	cr.syscall = PW_CRED_SYS_SETGROUPS;
	cr.ret = -1;
	cr.new_ngroups = 1000;	/* more than the record holds */
	memset(cr.groups, 0xff, sizeof(cr.groups));
	cr.new_cap_effective = ~0ULL;
	put("cred-setgroups", &cr, sizeof(cr));
	cr.syscall = PW_CRED_SYS_EXECVE;
	cr.ret = 0;
	put("cred-execve", &cr, sizeof(cr));
	cr.syscall = 1000;	/* beyond the name table */
	put("cred-unknown", &cr, sizeof(cr));
}

static void ptrace_seeds(void)
{
	struct pw_ptrace pt;

	memset(&pt, 0, sizeof(pt));
	hdr(&pt.h, PW_EV_PTRACE, sizeof(pt));
	pt.h.module = PW_MOD_PTRACE;
	pt.syscall = PW_PTRACE_SYS_PTRACE;
	pt.request = 5;		/* PTRACE_POKEDATA */
	pt.target_pid = 4242;
	pt.addr = 0x7ffd12345678;
	pt.data = 0xcc;
	pt.target_source = PW_PTRACE_TARGET_TASK;
	memcpy(pt.target_comm, "sshd", 5);
	put("ptrace", &pt, sizeof(pt));
	pt.syscall = PW_PTRACE_SYS_VM_WRITEV;
	pt.request = 0;
	pt.data = 1;
	pt.ret = 4096;
	put("ptrace-vm-writev", &pt, sizeof(pt));
	memset(pt.target_comm, 'C', sizeof(pt.target_comm));
	pt.syscall = PW_PTRACE_SYS_PTRACE;
	pt.request = 0xdeadbeef12ULL;
	pt.ret = -1;
	put("ptrace-odd", &pt, sizeof(pt));
}

/* One per syscall shape: unshare, setns (type from the fd), clone3 (the
 * child's inodes). */
static void ns_seeds(void)
{
	static struct pw_namespace ns;

	hdr(&ns.h, PW_EV_NAMESPACE, sizeof(ns));
	ns.syscall = PW_NS_SYS_UNSHARE;
	ns.flags = 0x10000000;	/* CLONE_NEWUSER */
	ns.ns = (struct pw_ns_inodes){ 4026531832, 4026531836, 4026531833, 4026532174,
				       4026531838, 4026531839, 4026531835, 4026531834 };
	put("namespace", &ns, sizeof(ns));
	ns.syscall = PW_NS_SYS_SETNS;
	ns.flags = 0;
	ns.ns_type = 0x40000000;	/* CLONE_NEWNET */
	ns.ns_inode = 4026532176;
	ns.ns.net = 4026532176;
	put("namespace-setns", &ns, sizeof(ns));
	ns.syscall = PW_NS_SYS_CLONE3;
	ns.flags = 0x20000000 | 0x80 | 0x1;	/* NEWPID, NEWTIME, an unnamed bit */
	ns.ns_type = 0;
	ns.ns_inode = 0;
	ns.ns_of = PW_NS_OF_CHILD;
	ns.ret = 4321;
	put("namespace-clone3", &ns, sizeof(ns));
}

int main(int argc, char **argv)
{
	static union {
		struct pw_hdr h;
		unsigned char b[4096];
	} generic;

	if (argc > 1)
		dir = argv[1];
	process_seeds();
	syscall_file_seeds();
	net_seeds();
	signal_mount_oom_seeds();
	block_cap_audit_seeds();
	kmod_bpf_seeds();
	uprobe_tp_bench_seeds();
	iouring_seeds();
	rule_seeds();
	deny_consumer_seeds();
	cred_seeds();
	ptrace_seeds();
	ns_seeds();
	attr_memfd_seeds();

	/* every type the decoder knows has a seed */
#define PW_X(up, low, id)							\
	if (pw_event_min_size(id) && !seeded[id]) {				\
		size_t n = pw_event_min_size(id);				\
		fprintf(stderr, "make_seeds: warning: no record for type " #low \
			" in make_seeds.c: wrote a generic one\n");		\
		memset(&generic, 0, sizeof(generic));				\
		hdr(&generic.h, id, (unsigned)n);				\
		put(#low, &generic, n);						\
	}
	PW_EVENT_TYPES(PW_X)
#undef PW_X
	return failed;
}
