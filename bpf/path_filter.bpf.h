/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The path-prefix filter (maps/filter_path, an LPM trie of whole path
 * components), for the modules whose events carry a path: file, attr.
 * Include after common.bpf.h.
 */
#ifndef PINWATCH_PATH_FILTER_BPF_H
#define PINWATCH_PATH_FILTER_BPF_H

/* True when the path filters exclude path (see struct pw_path_key); key is
 * the caller's scratch room for the lookup key. */
static __always_inline bool pw_path_filtered(struct pw_config *cfg, struct pw_path_key *key,
					     const char *path)
{
	long n;

	if (!(cfg->filter_kinds & (1u << PW_FILTER_PATH)))
		return false;
	n = bpf_probe_read_kernel_str(key->path, sizeof(key->path), path);
	if (n > 0 && n < PW_PATH_MAX) {
		key->path[n - 1] = '/'; /* whole components: "/proc" is "/proc/" */
		key->prefixlen = n * 8;
	} else if (n >= PW_PATH_MAX) {
		key->prefixlen = (PW_PATH_MAX - 1) * 8; /* maybe cut: no '/' */
	} else {
		key->prefixlen = 0;
	}
	return pw_filter_kind(cfg, PW_FILTER_PATH, &filter_path, key);
}

#endif /* PINWATCH_PATH_FILTER_BPF_H */
