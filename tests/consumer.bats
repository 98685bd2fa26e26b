#!/usr/bin/env bats
# pinwatch-read: the streaming consumer of the pinned ring buffer.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_fresh process
}

teardown_file() {
	pw_teardown
}

setup() {
	require_root
	pw_drain
}

# Waits until FILE has a line matching the jq filter, up to ~5 s.
wait_json() { # file filter
	for _ in $(seq 1 50); do
		jq -ce "$2" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

@test "a running consumer streams an exec as JSON within a moment" {
	out=$BATS_TEST_TMPDIR/out.jsonl
	"$PW_READ" --json >"$out" &
	reader=$!
	sleep 0.3
	bin=$(unique_binary)
	"$bin" streamed
	run wait_json "$out" "select(.type == \"exec\" and .filename == \"$bin\")"
	kill -INT "$reader"
	wait "$reader"
	[ "$status" -eq 0 ]
}

@test "text output shows the exec with its arguments on one line" {
	bin=$(unique_binary)
	"$bin" one two
	run "$PW_READ" --drain
	[ "$status" -eq 0 ]
	line=$(grep -F "$bin one two" <<<"$output")
	[[ $line == *exec* ]]
	[ "$(wc -l <<<"$line")" -eq 1 ]
}

@test "--type keeps only the named event types" {
	bin=$(unique_binary)
	"$bin"
	run "$PW_READ" --json --drain --type exit
	[ "$status" -eq 0 ]
	[ "$(jq -r .type <<<"$output" | sort -u)" = exit ]
}

@test "--type with an unknown type fails with one line" {
	run --separate-stderr "$PW_READ" --json --drain --type exec,bogus
	assert_one_line_error
	[[ $stderr == *bogus* ]]
}

@test "the consumer never reports its own activity" {
	out=$BATS_TEST_TMPDIR/out.jsonl
	"$PW_READ" --json >"$out" &
	reader=$!
	sleep 0.3
	[ "$("$PW" config get consumer_tgid)" -eq "$reader" ]
	bin=$(unique_binary)
	"$bin"
	wait_json "$out" "select(.filename == \"$bin\")"
	kill -INT "$reader"
	wait "$reader"
	[ "$(jq -c --argjson p "$reader" 'select(.pid == $p and .type != "exec")' "$out" | wc -l)" -eq 0 ]
	[ "$("$PW" config get consumer_tgid)" -eq 0 ]
}

@test "SIGTERM flushes what was read and exits 0" {
	bin=$(unique_binary)
	for _ in $(seq 1 20); do "$bin"; done
	out=$BATS_TEST_TMPDIR/out.jsonl
	"$PW_READ" --json >"$out" &
	reader=$!
	wait_json "$out" "select(.filename == \"$bin\")"
	sleep 0.2
	kill -TERM "$reader"
	rc=0
	wait "$reader" || rc=$?
	[ "$rc" -eq 0 ]
	[ "$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' "$out" | wc -l)" -eq 20 ]
}

@test "--count stops after N events and --stats prints the summary line" {
	bin=$(unique_binary)
	for _ in $(seq 1 5); do "$bin"; done
	run --separate-stderr "$PW_READ" --json --count 3 --stats
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ $stderr =~ delivered\ 3,\ kernel\ dropped\ 0,\ consumer\ dropped\ 0 ]]
}

@test "events not yet read when a consumer stops are delivered by the next one" {
	bin=$(unique_binary)
	for _ in $(seq 1 30); do "$bin"; done
	first=$("$PW_READ" --json --count 10)
	second=$(pw_events)
	all=$(printf '%s\n%s\n' "$first" "$second" | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(wc -l <<<"$all")" -eq 30 ]
	# and none twice
	[ "$(jq -r '.exec_id' <<<"$all" | sort -u | wc -l)" -eq 30 ]
}
