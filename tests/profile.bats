#!/usr/bin/env bats
# On-demand CPU profiling (pinwatch profile): folded stacks of a busy loop
# compiled here, user and kernel frames symbolized, or JSON; the sensor's
# filters and stats when it is loaded; and llcstat, which has no hardware
# cache events to count on a VM's PMU.

# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/pwbusy" -O0 -fno-omit-frame-pointer "$BATS_TEST_DIRNAME/helpers/profile-target.c"
}

setup() {
	require_root
	BUSY=$BATS_FILE_TMPDIR/pwbusy
	[[ -x $BUSY ]] || skip "needs gcc to build the busy loop"
	busy_pids=()
	sensor=""
}

teardown() {
	local p
	for p in "${busy_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	[[ -z $sensor ]] || pw_teardown
	return 0
}

start_busy() { # [sys]
	"${BUSY_BIN:-$BUSY}" "$@" &
	busy_pids+=($!)
	BUSY_PID=$!
}

# Waits (30 s at most) for a profile started in the background with its
# stderr in $BATS_TEST_TMPDIR/err to say it samples.
wait_sampling() {
	for _ in $(seq 1 300); do grep -q sampling "$BATS_TEST_TMPDIR/err" && return; sleep 0.1; done
}

# The counts of the tool's last stderr line, "N samples seen: E recorded, F
# filtered, D dropped (map full)", as "N E F D".
run_counts() { # stderr
	sed -n 's/^pinwatch-[a-z]*: \([0-9]*\) [a-z]* seen: \([0-9]*\) recorded, \([0-9]*\) filtered, \([0-9]*\) dropped (map full)$/\1 \2 \3 \4/p' <<<"$1" | tail -n 1
}

# Every line is "comm;frame;... count".
assert_folded() {
	local line
	while read -r line; do
		[[ $line =~ ^[^\;\ ]+(\;[^\;]+)*\ [0-9]+$ ]] || { echo "not a folded line: $line"; return 1; }
	done <<<"$1"
}

@test "profile --pid of a busy loop prints folded stacks through its functions" {
	start_busy
	run -0 --separate-stderr "$PW" profile --pid "$BUSY_PID" --freq 199 --duration 2 --user-only
	[ -n "$output" ]
	assert_folded "$output"
	[[ $stderr == *"sampling"*"199 Hz"*"pid $BUSY_PID"* ]]
	# the whole chain, outermost first
	[ "$(grep -c '^pwbusy;.*main;pw_busy_outer;pw_busy_spin [0-9]*$' <<<"$output")" -ge 1 ]
	[ "$(grep -vc '^pwbusy;' <<<"$output")" -eq 0 ]
	[ "$(grep -c '_\[k\]' <<<"$output")" -eq 0 ]
}

@test "profile --kernel-only of a process in system calls shows kallsyms frames marked _[k]" {
	start_busy sys
	run -0 --separate-stderr "$PW" profile --pid "$BUSY_PID" --freq 199 --duration 2 --kernel-only
	assert_folded "$output"
	[ "$(grep -c '_\[k\]' <<<"$output")" -ge 1 ]
	# every kernel frame is a kernel symbol
	frame=$(grep -o ';[^;]*_\[k\]' <<<"$output" | grep -v unknown | head -n 1 | sed -e 's/^;//' -e 's/_\[k\]$//')
	[ -n "$frame" ]
	grep -q " $frame\$" /proc/kallsyms
	[ "$(grep -c 'pw_busy' <<<"$output")" -eq 0 ]
}

@test "profile of every process stops at Ctrl-C and prints what it sampled" {
	start_busy
	"$PW" profile --freq 99 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	prof=$!
	wait_sampling
	grep -q "every process; Ctrl-C to end" "$BATS_TEST_TMPDIR/err"
	sleep 1
	kill -INT "$prof"
	rc=0
	wait "$prof" || rc=$?
	[ "$rc" -eq 0 ]
	assert_folded "$(cat "$BATS_TEST_TMPDIR/out")"
	grep -q '^pwbusy;.*pw_busy_spin' "$BATS_TEST_TMPDIR/out"
}

@test "profile --pid stops when that process exits" {
	# the target outlives profile's start-up (seconds under TCG), then ends
	sleep 600 &
	target=$!
	busy_pids+=("$target")
	timeout 60 "$PW" profile --pid "$target" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	prof=$!
	busy_pids+=("$prof")
	wait_sampling
	grep -q "pid $target; Ctrl-C to end" "$BATS_TEST_TMPDIR/err"
	kill "$target"
	wait "$target" || true
	rc=0
	wait "$prof" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "profile --json prints one object per process and stack, counts adding up to the samples recorded" {
	start_busy
	run -0 --separate-stderr "$PW" profile --pid "$BUSY_PID" --freq 199 --duration 2 --user-only --json
	[ -n "$output" ]
	# every line is one object with exactly these fields and types
	jq -e -s 'length > 0 and all(.[]; (keys == ["comm", "count", "pid", "stack"]) and (.comm | type == "string")
		and (.pid | type == "number") and (.count | type == "number" and . > 0)
		and (.stack | type == "array" and all(.[]; type == "string")))' <<<"$output" >/dev/null
	[ "$(jq -r '.pid' <<<"$output" | sort -u)" = "$BUSY_PID" ]
	[ "$(jq -r '.comm' <<<"$output" | sort -u)" = pwbusy ]
	# outermost first, as in the folded lines
	jq -e -s 'any(.[]; .stack[-3:] == ["main", "pw_busy_outer", "pw_busy_spin"])' <<<"$output" >/dev/null
	read -r seen recorded filtered dropped <<<"$(run_counts "$stderr")"
	[ "$seen" -eq $((recorded + filtered + dropped)) ]
	[ "$recorded" -gt 0 ]
	[ "$(jq -s 'map(.count) | add' <<<"$output")" -eq "$recorded" ]
}

@test "profile with the sensor loaded: a comm filter drops one busy loop, the other shows; pinwatch stats counts every sample" {
	sensor=1
	pw_fresh process
	cp "$BUSY" "$BATS_TEST_TMPDIR/pwbusyskip"
	cp "$BUSY" "$BATS_TEST_TMPDIR/pwbusykeep"
	BUSY_BIN=$BATS_TEST_TMPDIR/pwbusyskip start_busy
	BUSY_BIN=$BATS_TEST_TMPDIR/pwbusykeep start_busy
	"$PW" filter add comm pwbusyskip
	before=$(pin_state)
	run -0 --separate-stderr "$PW" profile --freq 99 --duration 2 --user-only --json
	[[ $stderr == *"the sensor's switch and filters apply; counted in pinwatch stats as profile"* ]]
	jq -e -s 'any(.[]; .comm == "pwbusykeep" and (.stack[-1] == "pw_busy_spin"))' <<<"$output" >/dev/null
	[ "$(jq -s '[.[] | select(.comm == "pwbusyskip")] | length' <<<"$output")" -eq 0 ]
	read -r seen recorded filtered dropped <<<"$(run_counts "$stderr")"
	[ "$seen" -eq $((recorded + filtered + dropped)) ]
	[ "$filtered" -gt 0 ]
	s=$(stats_balance profile)
	assert_field "$s" .filtered -ge "$filtered"
	assert_field "$s" .emitted -ge "$recorded"
	assert_field "$s" .emitted -eq "$(jq -s 'map(.count) | add' <<<"$output")"
	# it pinned nothing and left the sensor's config and filters as they were
	[ "$(pin_state)" = "$before" ]
	# the sensor switched off: every sample filtered, none recorded
	"$PW" config set enabled 0
	run -0 --separate-stderr "$PW" profile --freq 99 --duration 1
	[ -z "$output" ]
	read -r seen recorded filtered dropped <<<"$(run_counts "$stderr")"
	[ "$seen" -gt 0 ]
	[ "$recorded" -eq 0 ]
	[ "$filtered" -eq "$seen" ]
	stats_balance profile >/dev/null
}

@test "profile, memleak and llcstat have --help" {
	for tool in profile memleak llcstat; do
		run -0 "$PW" "$tool" --help
		[[ ${lines[0]} == "Usage: pinwatch $tool"* ]]
		[[ $output == *--json* && $output == *"pinwatch stats as $tool"* ]]
		run -0 "$PW_BUILD/pinwatch-$tool" --help
		[[ $output == *Examples:* ]]
		[[ $output == *--json* && $output == *"pinwatch stats as $tool"* ]]
	done
}

@test "llcstat on a PMU without cache events says so in one line and exits 4" {
	run --separate-stderr "$PW" llcstat --duration 1
	if [ "$status" -eq 0 ]; then
		skip "this CPU's PMU has cache-miss/reference events: llcstat works here, its failure path cannot be shown"
	fi
	[ "$status" -eq 4 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "llcstat: this CPU's PMU offers no cache-miss/reference events (perf_event_open: "*")" ]]
	[ -z "$output" ]
}

@test "llcstat --json: one object with rows and totals, or on a PMU without cache events the same one line and exit 4" {
	run --separate-stderr "$PW" llcstat --json --duration 1
	if [ "$status" -eq 0 ]; then
		jq -e '(.rows | type == "array") and (.total | has("references") and has("misses") and has("hit_percent"))
			and (.stats | .seen == .filtered + .emitted + .dropped)' <<<"$output" >/dev/null
		return 0
	fi
	[ "$status" -eq 4 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "llcstat: this CPU's PMU offers no cache-miss/reference events (perf_event_open: "*")" ]]
	[ -z "$output" ]
}
