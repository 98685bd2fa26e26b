#!/usr/bin/env bats
# The control plane: filters, config and stats through bpftool on the pins,
# and bad input that gets one stderr line, a non-zero exit and no change.

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

setup() {
	require_root
}

@test "filter add, list and del round-trip every kind" {
	"$PW" filter add pid 4242
	"$PW" filter add uid 4243 --only
	"$PW" filter add comm some-comm
	"$PW" filter add cgroup 4244
	run -0 "$PW" filter list --json
	[ "$(jq -c 'sort_by(.kind)' <<<"$output")" = '[{"kind":"cgroup","value":"4244","mode":"drop"},{"kind":"comm","value":"some-comm","mode":"drop"},{"kind":"pid","value":"4242","mode":"drop"},{"kind":"uid","value":"4243","mode":"only"}]' ]
	[ "$("$PW" config get filter_kinds)" -eq 15 ]
	[ "$("$PW" config get only_kinds)" -eq 2 ]
	"$PW" filter del pid 4242
	"$PW" filter del uid 4243
	"$PW" filter del comm some-comm
	"$PW" filter del cgroup 4244
	[ "$("$PW" filter list --json)" = "[]" ]
	[ "$("$PW" config get filter_kinds)" -eq 0 ]
	[ "$("$PW" config get only_kinds)" -eq 0 ]
}

@test "config set and get go through the pinned config map" {
	"$PW" config set wakeup_bytes 4096
	[ "$("$PW" config get wakeup_bytes)" -eq 4096 ]
	[ "$(bpftool -j map lookup pinned "$PIN_ROOT/maps/config" key 0 0 0 0 | jq .formatted.value.wakeup_bytes)" -eq 4096 ]
	"$PW" config set wakeup_bytes 262144
	"$PW" config set module.process off
	[ "$("$PW" config get module.process)" = off ]
	"$PW" config set module.process on
	[ "$("$PW" config get modules_disabled)" -eq 0 ]
}

@test "config set enabled 0 stops events and 1 restarts them" {
	bin=$(unique_binary)
	pw_drain
	"$PW" config set enabled 0
	"$bin"
	"$PW" config set enabled 1
	"$bin"
	[ "$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' | wc -l)" -eq 1 ]
}

@test "stats prints text, JSON and Prometheus counters" {
	run -0 "$PW" stats
	[[ ${lines[0]} == MODULE*SEEN*FILTERED*EMITTED*DROPPED*SHED ]]
	run "$PW" stats --json
	assert_field "$output" '.[] | select(.module == "process") | .seen' -gt 0
	run "$PW" stats --prom
	[[ $output == *'# TYPE pinwatch_events_total counter'* ]]
	grep -qE '^pinwatch_events_total\{module="process",outcome="emitted"\} [0-9]+$' <<<"$output"
}

# Every command the dispatcher lists, which must be every
# scripts/libexec/pinwatch-* it can run. --help only prints: nothing changes.
@test "every subcommand has --help" {
	run -0 "$PW" --help
	listed=$(sed -n '/^Commands:$/,/^[^ ]/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' <<<"$output")
	files=$(find "$PW_HOME/scripts/libexec" -name 'pinwatch-*' -printf '%f\n' | sed 's/^pinwatch-//' | sort)
	[ "$listed" = "$files" ] || { diff <(echo "$listed") <(echo "$files"); return 1; }
	for c in block chain config down events filetop filter funclatency hist llcstat memleak profile \
		stats status syscount tp up uprobe vfsstat; do
		grep -qx "$c" <<<"$listed" || { echo "$c is not listed"; return 1; }
	done
	before=$(pin_state)
	for c in $listed; do
		for h in --help -h; do
			run -0 --separate-stderr "$PW" "$c" "$h" || { echo "$c $h: exit $status: $stderr"; return 1; }
			[[ ${lines[0]} == "Usage: pinwatch $c"* ]] || { echo "$c $h: first line: ${lines[0]}"; return 1; }
			[ -z "$stderr" ] || { echo "$c $h: stderr: $stderr"; return 1; }
		done
	done
	[ "$(pin_state)" = "$before" ]
	"$PW_LOAD" --help | grep -q 'load OBJECT'
	"$PW_READ" --help | grep -q -- '--json'
}

@test "a non-root caller is refused with one line and changes nothing" {
	before=$(pin_state)
	for cmd in "filter add pid 77" "config set enabled 0" "up process" "down" "stats" "status"; do
		# shellcheck disable=SC2086
		run --separate-stderr as_nobody "$PW" $cmd
		assert_one_line_error || { echo "case: $cmd"; return 1; }
		[[ $stderr == *"must run as root"* ]]
	done
	[ "$(pin_state)" = "$before" ]
}

@test "commands that need the sensor say it is not loaded" {
	"$PW" down
	for cmd in "filter add pid 77" "filter list" "config list" "config get enabled" "stats"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$PW" $cmd
		assert_one_line_error || { echo "case: $cmd"; return 1; }
		[[ $stderr == *"not loaded"* ]] || { echo "case: $cmd: $stderr"; return 1; }
	done
	run --separate-stderr "$PW_READ" --drain
	assert_one_line_error
	[ ! -e "$PIN_ROOT" ]
	"$PW" up process
}
