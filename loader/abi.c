// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pinwatch-load's introspection commands. Everything they print comes from
 * the X-macros of bpf/pinwatch.h, the one definition of the ABI; the scripts
 * read it from here (scripts/lib/pinwatch.bash: abi_get, abi_list).
 *
 * `abi` prints one line per item, "SECTION NAME VALUE...", the section
 * named as the key of the same list in `abi --json`, the values in the
 * order of the JSON object's fields.
 */
#include <stddef.h>
#include <stdio.h>
#include "pinwatch.h"
#include "parse.h"
#include "abi.h"

/* A value: a number, a word, or a flag (0/1 in text, false/true in JSON). */
enum abi_val_kind { V_NUM, V_WORD, V_BOOL };

struct abi_field {
	const char *name;
	enum abi_val_kind kind;
};

struct abi_section {
	const char *name;
	const struct abi_field *fields;	/* after "name" */
	int n_fields;
};

/* What `abi` prints, one row per item: its section, its name, and the
 * values its section's fields name. */
struct abi_row {
	int section;
	const char *name;
	struct {
		unsigned long long num;
		const char *word;
	} v[4];
};

enum {
	S_MODULES, S_STATS_KEYS, S_FILTER_KINDS, S_FILTER_ACTIONS, S_CONFIG_FIELDS,
	S_EVENT_TYPES, S_BLOCK_MODES, S_BLOCK_OPS, S_UPROBE_PRESETS, S_CONSUMER_DROPS, S_CONTAINER_RUNTIMES, S_EVENT_CLASSES,
	S_CONSTANTS, S_QUIET_READS, S_N
};

static const struct abi_field f_id[] = { { "id", V_NUM } };
static const struct abi_field f_key[] = { { "key", V_NUM }, { "kind", V_WORD } };
static const struct abi_field f_bit[] = { { "bit", V_NUM } };
static const struct abi_field f_value[] = { { "value", V_NUM } };
static const struct abi_field f_exact[] = { { "exact", V_BOOL } };
static const struct abi_field f_config[] = {
	{ "offset", V_NUM }, { "size", V_NUM }, { "type", V_WORD }, { "settable", V_BOOL },
};

#define SECTION(s, f) { s, f, (int)(sizeof(f) / sizeof((f)[0])) }
static const struct abi_section sections[S_N] = {
	[S_MODULES] = SECTION("modules", f_id),
	[S_STATS_KEYS] = SECTION("stats_keys", f_key),
	[S_FILTER_KINDS] = SECTION("filter_kinds", f_bit),
	[S_FILTER_ACTIONS] = SECTION("filter_actions", f_value),
	[S_CONFIG_FIELDS] = SECTION("config_fields", f_config),
	[S_EVENT_TYPES] = SECTION("event_types", f_id),
	[S_BLOCK_MODES] = SECTION("block_modes", f_id),
	[S_BLOCK_OPS] = SECTION("block_ops", f_id),
	[S_UPROBE_PRESETS] = SECTION("uprobe_presets", f_id),
	[S_CONSUMER_DROPS] = SECTION("consumer_drops", f_id),
	[S_CONTAINER_RUNTIMES] = SECTION("container_runtimes", f_id),
	[S_EVENT_CLASSES] = SECTION("event_classes", f_id),
	[S_CONSTANTS] = SECTION("constants", f_value),
	[S_QUIET_READS] = SECTION("quiet_reads", f_exact),
};

#define ROW1(s, n, a) { s, n, { { (a), NULL } } }
#define CONST(c) ROW1(S_CONSTANTS, #c, c)
#define CONFIG_SIZE(f) sizeof(((struct pw_config *)0)->f)

static const struct abi_row rows[] = {
#define PW_X(up, low, id) ROW1(S_MODULES, #low, id),
	PW_MODULES(PW_X)
#undef PW_X
#define PW_X(up, low, id) { S_STATS_KEYS, #low, { { id, NULL }, { 0, "module" } } },
	PW_MODULES(PW_X)
#undef PW_X
#define PW_X(up, low, id) { S_STATS_KEYS, #low, { { id, NULL }, { 0, "tool" } } },
	PW_TOOL_KEYS(PW_X)
#undef PW_X
#define PW_X(up, low, id) { S_STATS_KEYS, #low, { { id, NULL }, { 0, "bench" } } },
	PW_BENCH_KEYS(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_FILTER_KINDS, #low, id),
	PW_FILTER_KINDS(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_FILTER_ACTIONS, #low, id),
	PW_FILTER_ACTIONS(PW_X)
#undef PW_X
#define PW_X(name, type, settable)                                                  \
	{ S_CONFIG_FIELDS, #name, { { offsetof(struct pw_config, name), NULL },       \
				    { CONFIG_SIZE(name), NULL }, { 0, #type }, { settable, NULL } } },
	PW_CONFIG_FIELDS(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_EVENT_TYPES, #low, id),
	PW_EVENT_TYPES(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_BLOCK_MODES, #low, id),
	PW_BLOCK_MODES(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_BLOCK_OPS, #low, id),
	PW_BLOCK_OPS(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_UPROBE_PRESETS, #low, id),
	PW_UPROBE_PRESETS(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_CONSUMER_DROPS, #low, id),
	PW_CONSUMER_DROPS(PW_X)
#undef PW_X
#define PW_X(up, name, id) ROW1(S_CONTAINER_RUNTIMES, name, id),
	PW_CONTAINER_RUNTIMES(PW_X)
#undef PW_X
#define PW_X(up, low, id) ROW1(S_EVENT_CLASSES, #low, id),
	PW_EVENT_CLASSES(PW_X)
#undef PW_X
	CONST(PW_COMM_LEN),
	CONST(PW_PATH_MAX),
	CONST(PW_ARGS_MAX),
	CONST(PW_DEV_MINOR_BITS),
	CONST(PW_MOD_MAX),
	CONST(PW_SYSCALL_MAX),
	CONST(PW_FILE_IO_MAX),
	CONST(PW_UPROBE_NAME_LEN),
	CONST(PW_UPROBE_F_RET),
	CONST(PW_EXEC_ENV_NAMES),
	CONST(PW_EXEC_ENV_NAME_MAX),
	CONST(PW_CONSUMER_DROP_MAX),
	CONST(PW_CONTAINER_ID_LEN),
	CONST(PW_ANCESTORS_MAX),
	CONST(PW_SHED_HIGH_WATER_MAX),
	CONST(PW_CLASS_RESERVE_MAX),
	CONST(PW_EVENT_CLASS_TYPES),
	CONST(PW_RULES_MAX),
	ROW1(S_CONSTANTS, "sizeof_pw_config", sizeof(struct pw_config)),
	ROW1(S_CONSTANTS, "sizeof_pw_hdr", sizeof(struct pw_hdr)),
	ROW1(S_CONSTANTS, "offsetof_pw_hdr_ns", offsetof(struct pw_hdr, ns)),
	ROW1(S_CONSTANTS, "sizeof_pw_container_key", sizeof(struct pw_container_key)),
#define PW_X(lit, exact) ROW1(S_QUIET_READS, lit, exact),
	PW_QUIET_READS(PW_X)
#undef PW_X
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static void print_value(const struct abi_field *f, const struct abi_row *r, int i, bool json)
{
	switch (f->kind) {
	case V_NUM:
		printf("%llu", r->v[i].num);
		break;
	case V_WORD:
		printf(json ? "\"%s\"" : "%s", r->v[i].word);
		break;
	case V_BOOL:
		if (json)
			printf("%s", r->v[i].num ? "true" : "false");
		else
			printf("%llu", r->v[i].num);
		break;
	}
}

static void print_text(void)
{
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct abi_section *s = &sections[rows[i].section];

		printf("%s %s", s->name, rows[i].name);
		for (int f = 0; f < s->n_fields; f++) {
			putchar(' ');
			print_value(&s->fields[f], &rows[i], f, false);
		}
		putchar('\n');
	}
}

/* {"modules": [{"name": "process", "id": 0}, ...], ...}: names are C
 * identifiers, nothing to escape. */
static void print_json(void)
{
	putchar('{');
	for (int sec = 0; sec < S_N; sec++) {
		const struct abi_section *s = &sections[sec];
		bool first = true;

		printf("%s\"%s\":[", sec ? "," : "", s->name);
		for (size_t i = 0; i < N_ROWS; i++) {
			if (rows[i].section != sec)
				continue;
			printf("%s{\"name\":\"%s\"", first ? "" : ",", rows[i].name);
			for (int f = 0; f < s->n_fields; f++) {
				printf(",\"%s\":", s->fields[f].name);
				print_value(&s->fields[f], &rows[i], f, true);
			}
			putchar('}');
			first = false;
		}
		putchar(']');
	}
	printf("}\n");
}

int cmd_abi(bool json)
{
	if (json)
		print_json();
	else
		print_text();
	return 0;
}

void cmd_modules(void)
{
#define PW_X(up, low, id) printf("%d %s\n", id, #low);
	PW_MODULES(PW_X)
#undef PW_X
}

void cmd_config_layout(void)
{
#define PW_X(name, type, settable)                                                         \
	printf("%s %zu %zu %d\n", #name, offsetof(struct pw_config, name), CONFIG_SIZE(name), \
	       settable);
	PW_CONFIG_FIELDS(PW_X)
#undef PW_X
	printf("sizeof %zu %zu 0\n", (size_t)0, sizeof(struct pw_config));
}

int cmd_filter_key(const char *kind, const char *value)
{
	unsigned char key[PW_FILTER_KEY_MAX];
	char err[256];
	int n = pw_filter_key(kind, value, key, err, sizeof(err));

	if (n < 0) {
		fprintf(stderr, "pinwatch: filter: %s\n", err);
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("%s0x%02x", i ? " " : "", key[i]);
	printf("\n");
	return 0;
}
