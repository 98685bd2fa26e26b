#!/usr/bin/env bats
# On-demand CPU profiling (pinwatch profile): folded stacks of a busy loop
# compiled here, user and kernel frames symbolized; and llcstat, which has
# no hardware cache events to count on a VM's PMU.

# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	command -v gcc >/dev/null || return 0
	gcc -O0 -fno-omit-frame-pointer -o "$BATS_FILE_TMPDIR/pwbusy" "$BATS_TEST_DIRNAME/helpers/profile-target.c"
}

setup() {
	require_root
	BUSY=$BATS_FILE_TMPDIR/pwbusy
	[[ -x $BUSY ]] || skip "needs gcc to build the busy loop"
	busy_pids=()
}

teardown() {
	local p
	for p in "${busy_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	return 0
}

start_busy() { # [sys]
	"$BUSY" "$@" &
	busy_pids+=($!)
	BUSY_PID=$!
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
	run --separate-stderr "$PW" profile --pid "$BUSY_PID" --freq 199 --duration 2 --user-only
	[ "$status" -eq 0 ]
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
	run --separate-stderr "$PW" profile --pid "$BUSY_PID" --freq 199 --duration 2 --kernel-only
	[ "$status" -eq 0 ]
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
	for _ in $(seq 1 100); do grep -q sampling "$BATS_TEST_TMPDIR/err" && break; sleep 0.1; done
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
	sleep 1 &
	short=$!
	run --separate-stderr timeout 60 "$PW" profile --pid "$short"
	[ "$status" -eq 0 ]
	wait "$short"
}

@test "profile, memleak and llcstat have --help" {
	for tool in profile memleak llcstat; do
		run "$PW" "$tool" --help
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "Usage: pinwatch $tool"* ]]
		run "$PW_BUILD/pinwatch-$tool" --help
		[ "$status" -eq 0 ]
		[[ $output == *Examples:* ]]
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
