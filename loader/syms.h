/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * syms.h: ELF function symbols (libelf) and address symbolization, shared
 * by pinwatch-load (uprobe targets: symbol -> file offset) and the
 * on-demand tools (profile, memleak: address -> function).
 *
 *  - pw_elf: the function symbols (.symtab and .dynsym) and PT_LOAD
 *    segments of one file.
 *  - pw_ksyms: /proc/kallsyms.
 *  - pw_usyms: one process: its file mappings (/proc/PID/maps), resolved
 *    through the ELF symbol tables of the mapped files. The last mappings
 *    read are kept, so a process that has exited can still be symbolized
 *    from them (refresh while it runs).
 */
#ifndef PINWATCH_SYMS_H
#define PINWATCH_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pw_elf;

/* Opens an ELF file and reads its function symbols. NULL with a one-line
 * reason in err (e.g. "not an ELF file"). */
struct pw_elf *pw_elf_open(const char *path, char *err, size_t errlen);
/* The same from an open file (not closed); refuses anything but a regular
 * file before reading. */
struct pw_elf *pw_elf_open_fd(int fd, char *err, size_t errlen);
void pw_elf_close(struct pw_elf *elf);

/* Opens the file a process maps at [start, end) for reading, without
 * following a name the process's user controls: through
 * /proc/PID/map_files/START-END (the mapped file itself; needs root),
 * else by path (as /proc/PID/maps prints it, " (deleted)" refused) below
 * /proc/PID/root, or / once the process is gone, with no symlink anywhere
 * on the way (openat2 RESOLVE_NO_SYMLINKS), O_NONBLOCK (a FIFO does not
 * hold the open), and only a regular file kept. An fd, or -1. */
int pw_open_mapped(pid_t pid, uint64_t start, uint64_t end, const char *path);

/* File offset of the entry of function `name` ("name@VERSION" accepted:
 * the version is ignored, the default version wins). 0 on success;
 * -ENOENT when no defined function has that name, -ENOEXEC when it is an
 * IFUNC resolver or lies outside every loadable segment. */
int pw_elf_func_offset(const struct pw_elf *elf, const char *name, uint64_t *off);

/* The function that contains file offset `off`, or NULL; *delta is off
 * minus the function's start. */
const char *pw_elf_func_at(const struct pw_elf *elf, uint64_t off, uint64_t *delta);

/* Number of function symbols read (tests). */
size_t pw_elf_nsyms(const struct pw_elf *elf);

struct pw_ksyms;

struct pw_ksyms *pw_ksyms_load(void);	/* NULL on failure (errno set) */
void pw_ksyms_free(struct pw_ksyms *k);
/* The symbol at or before addr, or NULL; *delta is addr minus its address. */
const char *pw_ksyms_find(const struct pw_ksyms *k, uint64_t addr, uint64_t *delta);
/* The address of a symbol, 0 when unknown (tests). */
uint64_t pw_ksyms_addr(const struct pw_ksyms *k, const char *name);

struct pw_usyms;

/* Reads /proc/PID/maps. NULL when the process cannot be read. */
struct pw_usyms *pw_usyms_new(pid_t pid);
/* Reads the mappings again; keeps the old ones when that fails (the process
 * is gone). Returns 0 or -errno. */
int pw_usyms_refresh(struct pw_usyms *u);
void pw_usyms_free(struct pw_usyms *u);

/* Writes "function+0xdelta" (or "function" when exact and delta_always is
 * false), "[file]" when the file has no symbol there, or "[unknown]".
 * Returns true when a function was found. */
bool pw_usyms_name(struct pw_usyms *u, uint64_t addr, char *out, size_t outlen, bool with_offset);

/* File name and file offset of addr in the process. false when unmapped. */
bool pw_usyms_file_offset(struct pw_usyms *u, uint64_t addr, const char **path, uint64_t *off);

/* Frees the ELF files cached for pw_usyms_name (at exit). */
void pw_syms_cleanup(void);

#endif /* PINWATCH_SYMS_H */
