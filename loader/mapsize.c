// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Map sizes set at load time: see mapsize.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpfobj.h"
#include "load.h"
#include "mapsize.h"
#include "parse.h"
#include "cli.h"

#define MAX_SIZES 32

static struct map_size {
	char name[128];		/* MAP, MODULE/MAP or maps/MAP */
	__u32 entries;
	bool used;		/* matched a map (map-sizes: of some object) */
} sizes[MAX_SIZES];
static int n_sizes;

void pw_map_size_arg(const char *arg)
{
	const char *eq = strchr(arg, '=');
	uint64_t v;

	if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(sizes[0].name) ||
	    pw_parse_size(eq + 1, &v) || v < 1 || v > PW_MAP_SIZE_MAX)
		pw_usage_error("pinwatch-load",
			       "invalid --map-size '%s': NAME=ENTRIES, ENTRIES from 1 to 256M", arg);
	if (n_sizes == MAX_SIZES)
		pw_usage_error("pinwatch-load", "too many --map-size options (at most %d)", MAX_SIZES);
	snprintf(sizes[n_sizes].name, sizeof(sizes[0].name), "%.*s", (int)(eq - arg), arg);
	sizes[n_sizes++].entries = (__u32)v;
}

/* The maps whose size is their capacity, nothing else: no program indexes
 * them by a number below max_entries (arrays), the ring has its own
 * option, local storage has no size. maps/rules is a hash keyed by slot,
 * 0 .. PW_RULES_MAX - 1 (the rule masks' bits): its size is that. */
static bool resizable_map(const struct bpf_map *m)
{
	enum bpf_map_type t = bpf_map__type(m);

	if (bpf_map__pin_path(m) && !strcmp(bpf_map__name(m), "rules"))
		return false;
	return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
	       t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LPM_TRIE;
}

/* The name a map goes by in --map-size and map-sizes: maps/MAP for a
 * shared map (pinned by name under maps/), MODULE/MAP otherwise. */
static void full_name(const struct bpf_map *m, const char *module, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", bpf_map__pin_path(m) ? "maps" : module, bpf_map__name(m));
}

static struct map_size *requested(const char *full)
{
	const char *slash = strchr(full, '/');
	struct map_size *hit = NULL;

	/* the last option that names the map wins; MAP matches every module's */
	for (int i = 0; i < n_sizes; i++)
		if (!strcmp(sizes[i].name, full) || !strcmp(sizes[i].name, slash + 1))
			hit = &sizes[i];
	return hit;
}

static unsigned long long round8(unsigned long long v) { return (v + 7) & ~7ULL; }

static unsigned long long pow2_at_least(unsigned long long v)
{
	unsigned long long p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* What a map of this kind and size can lock at most, roughly as the
 * kernel counts it (htab_map_mem_usage, trie_mem_usage): per element the
 * element header (48 bytes) and key and value rounded up to 8 (a per-CPU
 * value once per possible CPU), plus one 16-byte bucket per hash slot
 * (a power of two). Close enough to refuse a size the machine cannot hold. */
static unsigned long long estimate(enum bpf_map_type t, __u32 key, __u32 value, __u32 entries)
{
	unsigned long long per = 48 + round8(key), ncpu = (unsigned long long)libbpf_num_possible_cpus();

	if (t == BPF_MAP_TYPE_LPM_TRIE)
		return (unsigned long long)entries * (40 + key + value);
	if (t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		per += 8 + round8(value) * (ncpu > 0 ? ncpu : 1);
	else
		per += round8(value);
	return (unsigned long long)entries * per + pow2_at_least(entries) * 16;
}

static unsigned long long mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long kb = 0;
	char line[128];

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static void human(unsigned long long b, char *out, size_t n)
{
	if (b >= (1ULL << 30))
		snprintf(out, n, "%.1f GiB", (double)b / (1ULL << 30));
	else
		snprintf(out, n, "%.1f MiB", (double)b / (1ULL << 20));
}

/* A size too large for the machine: the maps resized by --map-size would
 * lock more than half of what the kernel says is available. */
static int check_fit(unsigned long long resized_bytes, const struct map_size *first)
{
	unsigned long long avail = mem_available();
	char need[32], have[32];

	if (!avail || resized_bytes <= avail / 2)
		return 0;
	human(resized_bytes, need, sizeof(need));
	human(avail, have, sizeof(have));
	die_msg("--map-size %s=%u: the resized maps would lock about %s, more than half of the "
		"memory available (%s): nothing loaded", first->name, first->entries, need, have);
	return -1;
}

int pw_map_sizes_apply(struct bpf_object *obj, const char *module, const char *maps_dir)
{
	unsigned long long resized = 0;
	const struct map_size *first = NULL;
	struct bpf_map *m;

	pw_maps_prealloc_fallback(obj);
	bpf_object__for_each_map(m, obj) {
		enum bpf_map_type t = bpf_map__type(m);
		char full[256];
		struct map_size *r;

		if (!resizable_map(m))
			continue;
		full_name(m, module, full, sizeof(full));
		r = requested(full);
		if (bpf_map__pin_path(m)) {
			/* a shared map: when pinned, its size is the pin's */
			struct bpf_map_info info = {};
			char *pin = path_join(maps_dir, bpf_map__name(m));
			int err = shared_map_info(pin, &info);

			free(pin);
			if (!err) {
				if (info.type == (__u32)t) {
					bpf_map__set_max_entries(m, info.max_entries);
					if (r && r->entries != info.max_entries)
						die_msg("%s: notice: %s keeps its pinned size %u, not %u "
							"(pinwatch down, then up --map-size, to resize)",
							module, full, info.max_entries, r->entries);
				}
				continue;
			}
		}
		if (!r)
			continue;
		bpf_map__set_max_entries(m, r->entries);
		resized += estimate(t, bpf_map__key_size(m), bpf_map__value_size(m), r->entries);
		if (!first)
			first = r;
	}
	return first ? check_fit(resized, first) : 0;
}

/* The module an object is: build/bpf/MODULE.bpf.o */
static void module_of(const char *object, char *out, size_t n)
{
	const char *base = strrchr(object, '/');

	base = base ? base + 1 : object;
	snprintf(out, n, "%.*s", (int)strcspn(base, "."), base);
}

int cmd_map_sizes(char **objects, int n)
{
	unsigned long long resized = 0;
	const struct map_size *first = NULL;
	static char listed[128][256];
	int n_listed = 0;

	for (int i = 0; i < n; i++) {
		struct bpf_object *obj = bpf_object__open_file(objects[i], NULL);
		char module[64];
		struct bpf_map *m;

		if (!obj) {
			die_msg("map-sizes: cannot open %s: %s", objects[i], strerror(errno));
			return 1;
		}
		module_of(objects[i], module, sizeof(module));
		bpf_object__for_each_map(m, obj) {
			enum bpf_map_type t = bpf_map__type(m);
			__u32 entries = bpf_map__max_entries(m);
			char full[256];
			struct map_size *r;
			bool dup = false;

			if (!resizable_map(m))
				continue;
			full_name(m, module, full, sizeof(full));
			/* every module carries the shared maps: list them once */
			for (int j = 0; j < n_listed && !dup; j++)
				dup = !strcmp(listed[j], full);
			if (dup)
				continue;
			if (n_listed < 128)
				snprintf(listed[n_listed++], sizeof(listed[0]), "%s", full);
			r = requested(full);
			if (r) {
				r->used = true;
				entries = r->entries;
				resized += estimate(t, bpf_map__key_size(m), bpf_map__value_size(m), entries);
				if (!first)
					first = r;
			}
			printf("%-28s %10u %12llu\n", full, entries,
			       estimate(t, bpf_map__key_size(m), bpf_map__value_size(m), entries));
		}
		bpf_object__close(obj);
	}
	for (int i = 0; i < n_sizes; i++)
		if (!sizes[i].used) {
			die_msg("--map-size %s: no resizable map of that name (pinwatch-load map-sizes "
				"OBJECT... lists them)", sizes[i].name);
			return 2;
		}
	return first && check_fit(resized, first) ? 1 : 0;
}
