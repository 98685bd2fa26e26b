/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The binary-drop state (exe_flags "dropped", PW_EXE_DROPPED):
 * maps/drop_files remembers, per file (device and inode), its last open
 * that created or truncated it for writing (O_CREAT or O_TRUNC, and not
 * O_RDONLY): when (CLOCK_MONOTONIC) and the inode's mtime at the open's
 * exit. The file module records it (pw_drop_note_open(), at the exit of
 * open, openat, openat2); the process module looks the new image up at
 * every exec (pw_drop_exec()): opened so less than PW_DROP_WINDOW_NS ago
 * and its mtime not set back since is "dropped". The mtime test spares
 * what an extractor wrote: dpkg writes foo.dpkg-new, gives it the
 * package's mtime and renames it (the inode stays), as tar, cp -p and
 * rsync -t do: a package's binary run by its postinst is not a drop. A
 * file that has an x bit at the open's exit (created executable: cp of a
 * program, a truncated program) is not noted: the technique is write,
 * chmod +x, run, and the exec, which needs an x bit, proves that the
 * chmod came between (a download is created 0666 & ~umask). This keeps
 * copies out (tests/packproc.bats); a linker still writes its output
 * without x bits and chmods it at the end: compile-and-run is a drop.
 * Cost: one LRU hash update per creating or truncating open of a file
 * without x bits (reads, appends and writes to an existing file without
 * O_TRUNC cost one branch), one hash lookup per exec; chmod costs nothing.
 * Include after common.bpf.h and rules.bpf.h (the O_* bits), in
 * file.bpf.c and process.bpf.c only.
 */
#ifndef PINWATCH_DROP_BPF_H
#define PINWATCH_DROP_BPF_H

#define PW_DROP_S_IFMT	00170000
#define PW_DROP_S_IFREG	0100000

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PW_DROP_ENTRIES);
	__type(key, struct pw_block_key);
	__type(value, struct pw_drop);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} drop_files SEC(".maps");

/* struct inode's mtime seconds: timespec64 i_mtime up to 6.6, __i_mtime
 * 6.7-6.10, i_mtime_sec from 6.11 (process.bpf.c's exe_id() reads the
 * same, with the nanoseconds). */
struct inode___drop_v61 {
	struct timespec64 i_mtime;
} __attribute__((preserve_access_index));

struct inode___drop_v67 {
	struct timespec64 __i_mtime;
} __attribute__((preserve_access_index));

static __always_inline __s64 pw_drop_mtime_sec(struct inode *inode)
{
	struct inode___drop_v61 *i61 = (void *)inode;
	struct inode___drop_v67 *i67 = (void *)inode;

	if (bpf_core_field_exists(inode->i_mtime_sec))
		return BPF_CORE_READ(inode, i_mtime_sec);
	if (bpf_core_field_exists(i67->__i_mtime))
		return BPF_CORE_READ(i67, __i_mtime.tv_sec);
	return BPF_CORE_READ(i61, i_mtime.tv_sec);
}

/* At the exit of an open that returned fd with flags: a regular file
 * without x bits created or truncated for writing is noted. */
static __always_inline void pw_drop_note_open(__s64 fd, __u64 flags)
{
	struct pw_block_key k = {};
	struct pw_drop d = {};
	struct inode *inode;
	struct file *f;
	__u16 mode;

	if (fd < 0 || !(flags & PW_O_ACCMODE) || !(flags & (PW_O_CREAT | PW_O_TRUNC)))
		return;
	f = pw_fd_file(fd);
	if (!f)
		return;
	inode = BPF_CORE_READ(f, f_inode);
	mode = BPF_CORE_READ(inode, i_mode);
	if ((mode & PW_DROP_S_IFMT) != PW_DROP_S_IFREG || (mode & 0111))
		return;
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k.ino = BPF_CORE_READ(inode, i_ino);
	d.open_ns = bpf_ktime_get_ns();
	d.mtime_sec = pw_drop_mtime_sec(inode);
	d.gen = BPF_CORE_READ(inode, i_generation);
	bpf_map_update_elem(&drop_files, &k, &d, BPF_ANY);
}

/* At exec: PW_EXE_DROPPED when the new image (id: its dev, ino and mtime
 * now; inode: for its generation) was created or truncated within the
 * window, is the same file (the inode number of a deleted file is soon
 * given to another: tests/packproc.bats) and its mtime was not set back
 * since, else 0. */
static __always_inline __u32 pw_drop_exec(const struct pw_file_id *id, struct inode *inode)
{
	struct pw_block_key k = { .dev = id->dev, .ino = id->ino };
	struct pw_drop *d;

	if (!id->ino)
		return 0;
	d = bpf_map_lookup_elem(&drop_files, &k);
	if (!d || bpf_ktime_get_ns() - d->open_ns >= PW_DROP_WINDOW_NS ||
	    id->mtime_sec < d->mtime_sec || d->gen != BPF_CORE_READ(inode, i_generation))
		return 0;
	return PW_EXE_DROPPED;
}

#endif /* PINWATCH_DROP_BPF_H */
