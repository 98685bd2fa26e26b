#!/usr/bin/env bats
# The dispatcher (scripts/pinwatch): only `pinwatch COMMAND --help` (or -h)
# asks for help, and a command's help is its file's "# Usage:" block, found
# by keyword wherever the header puts it.

# shellcheck disable=SC2154 # status, output, lines and stderr come from bats' run
load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

setup() {
	require_root
}

teardown() {
	"$PW" filter del comm -h >/dev/null 2>&1 || true
	"$PW" filter del comm --help >/dev/null 2>&1 || true
}

@test "a comm named -h or --help after the command's arguments is added as a filter, not read as a help request" {
	for c in -h --help; do
		run -0 --separate-stderr "$PW" filter add comm "$c"
		[[ $output != *Usage:* ]] || { echo "filter add comm $c printed help: $output"; return 1; }
		run -0 "$PW" filter list comm --json
		jq -e --arg c "$c" 'any(.[]; .kind == "comm" and .value == $c)' <<<"$output" >/dev/null ||
			{ echo "comm $c not listed: $output"; return 1; }
	done
	run -0 "$PW" filter del comm -h
	run -0 "$PW" filter list comm --json
	jq -e 'any(.[]; .value == "-h") | not' <<<"$output" >/dev/null
}

@test "--help or -h as a later argument goes to the command, which refuses an unknown one" {
	run -1 --separate-stderr "$PW" config get -h
	[[ $output != *Usage:* ]]
	assert_one_line_error
}

# A copy of scripts/ whose command files each have one more comment line
# before "# Summary:": help and the command list must not change.
@test "every command's --help starts with its Usage block, even after an extra header comment" {
	tree=$BATS_TEST_TMPDIR/tree
	mkdir -p "$tree"
	cp -r "$PW_HOME/scripts" "$tree/scripts"
	ln -s "$PW_BUILD" "$tree/build"
	for f in "$tree"/scripts/libexec/pinwatch-*; do
		sed -i '1a # An extra comment line before the summary.' "$f"
		[[ $(sed -n 3p "$f") == "# Summary: "* ]]
	done
	run -0 "$tree/scripts/pinwatch" --help
	[ "$output" = "$("$PW" --help)" ]
	for f in "$PW_HOME"/scripts/libexec/pinwatch-*; do
		c=${f##*/pinwatch-}
		want=$(sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "$f")
		[ -n "$want" ] || { echo "$c: no Usage block"; return 1; }
		for h in --help -h; do
			run -0 "$tree/scripts/pinwatch" "$c" "$h"
			[[ ${lines[0]} == "Usage: pinwatch $c"* ]] || { echo "$c $h: first line: ${lines[0]}"; return 1; }
			[[ $output == "$want"* ]] || { echo "$c $h: help is not the Usage block: $output"; return 1; }
			[ "$output" = "$("$PW" "$c" "$h")" ] || { echo "$c $h: help changed with the extra line"; return 1; }
		done
	done
}

@test "README's observation points: one row per point, each naming a command that exists or an event pinwatch-read knows" {
	table=$(sed -n '/^## Observation points/,/^## Events$/p' "$PW_HOME/README.md" | grep '^| ' | grep -v '^| point |' | grep -v '^| --- |')
	points=(process syscalls vfs TCP bind OOM "block I/O" capable funclatency memleak llcstat mounts opens
		profile signals syscount tcpconnlat tcprtt biostacks biolatency bitesize)
	[ "$(wc -l <<<"$table")" -eq "${#points[@]}" ]
	# shellcheck disable=SC2016 # the backquotes are README's
	for p in "${points[@]}"; do
		row=$(grep -F "| $p | " <<<"$table") || { echo "no row for $p" >&2; return 1; }
		given=$(cut -d'|' -f3 <<<"$row")
		cmds=$(grep -oE '`pinwatch [a-z]+' <<<"$given" | cut -d' ' -f2 | sort -u)
		events=$(grep -oE 'events? `[a-z_]+`(, `[a-z_]+`)*' <<<"$given" | grep -oE '`[a-z_]+`' | tr -d '`')
		[[ -n $cmds$events ]] || { echo "$p: names no command and no event" >&2; return 1; }
		for c in $cmds; do
			[[ -x $PW_HOME/scripts/libexec/pinwatch-$c ]] || { echo "$p: no command pinwatch $c" >&2; return 1; }
			"$PW" "$c" --help >/dev/null || { echo "$p: pinwatch $c --help failed" >&2; return 1; }
		done
		for e in $events; do
			run --separate-stderr "$PW_READ" --pin-root "$BATS_TEST_TMPDIR/none" --type "$e" --drain
			[[ $stderr != *"unknown event type"* ]] || { echo "$p: no event type $e" >&2; return 1; }
		done
		# and both kernels' hooks are given
		[ "$(awk -F' \\| ' '{print NF}' <<<"$row")" -eq 5 ]
	done
}
