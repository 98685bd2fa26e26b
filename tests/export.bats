#!/usr/bin/env bats
# Shipping events off the host: pinwatch-read --output (JSON Lines file with
# size rotation, mode 0600, reopened on SIGHUP) and --syslog (one syslog(3)
# message per event).

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

teardown() {
	if [[ -n ${LISTENER:-} ]]; then
		kill "$LISTENER" 2>/dev/null || true
		wait "$LISTENER" 2>/dev/null || true
	fi
	if [[ -n ${OWN_DEVLOG:-} ]]; then
		rm -f /dev/log
	fi
}

# Waits until FILE has a line matching the jq filter, up to ~10 s.
wait_json() { # file filter
	for _ in $(seq 1 100); do
		jq -ce "$2" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 in $1" >&2
	return 1
}

wait_file() { # path
	for _ in $(seq 1 100); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1" >&2
	return 1
}

@test "--output rotates at --max-size, keeps --backups files of whole lines, all mode 0600" {
	bin=$(unique_binary)
	for _ in $(seq 1 30); do "$bin" "$(head -c 200 /dev/zero | tr '\0' a)"; done
	out=$BATS_TEST_TMPDIR/events.jsonl
	(umask 022 && "$PW_READ" --drain --output "$out" --max-size 4k --backups 3)
	for f in "$out" "$out.1" "$out.2" "$out.3"; do
		[ -e "$f" ] || { echo "missing $f"; return 1; }
		[ "$(stat -c %a "$f")" = 600 ] || { echo "$f: mode $(stat -c %a "$f")"; return 1; }
		[ "$(stat -c %s "$f")" -le 4096 ] || { echo "$f: larger than 4k"; return 1; }
		[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ]
		[ "$(jq -c . "$f" | wc -l)" -eq "$(wc -l <"$f")" ]
	done
	[ ! -e "$out.4" ]
}

@test "rotation loses no event and repeats none: every exec appears once across the files" {
	bin=$(unique_binary)
	for _ in $(seq 1 30); do "$bin"; done
	out=$BATS_TEST_TMPDIR/events.jsonl
	"$PW_READ" --drain --output "$out" --max-size 2k --backups 1000
	[ -e "$out.3" ]
	all=$(cat "$out".* "$out" | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(wc -l <<<"$all")" -eq 30 ]
	[ "$(jq -r .exec_id <<<"$all" | sort -u | wc -l)" -eq 30 ]
}

@test "--output resumes where a stopped consumer left off, without repeating a line" {
	bin=$(unique_binary)
	for _ in $(seq 1 20); do "$bin"; done
	out=$BATS_TEST_TMPDIR/events.jsonl
	"$PW_READ" --output "$out" --count 7
	[ "$(wc -l <"$out")" -eq 7 ]
	"$PW_READ" --drain --output "$out"
	execs=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' "$out")
	[ "$(wc -l <<<"$execs")" -eq 20 ]
	[ "$(jq -r .exec_id <<<"$execs" | sort -u | wc -l)" -eq 20 ]
}

@test "SIGHUP reopens the --output file by name, as logrotate needs" {
	out=$BATS_TEST_TMPDIR/events.jsonl
	"$PW_READ" --output "$out" 2>"$BATS_TEST_TMPDIR/err" &
	reader=$!
	first=$(unique_binary)
	"$first"
	wait_json "$out" "select(.type == \"exec\" and .filename == \"$first\")"
	mv "$out" "$out.rotated"
	kill -HUP "$reader"
	wait_file "$out"
	[ "$(stat -c %a "$out")" = 600 ]
	second=$(unique_binary)
	"$second"
	wait_json "$out" "select(.type == \"exec\" and .filename == \"$second\")"
	kill -INT "$reader"
	wait "$reader"
	[ "$(jq -c --arg f "$second" 'select(.filename == $f)' "$out.rotated" | wc -l)" -eq 0 ]
	[ "$(jq -c --arg f "$first" 'select(.filename == $f)' "$out" | wc -l)" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "an existing --output file keeps its mode (logrotate's create directive decides)" {
	out=$BATS_TEST_TMPDIR/events.jsonl
	install -m 0640 /dev/null "$out"
	"$(unique_binary)"
	"$PW_READ" --drain --output "$out"
	[ "$(stat -c %a "$out")" = 640 ]
	[ -s "$out" ]
}

@test "bad --output and --syslog arguments fail with one line" {
	run --separate-stderr "$PW_READ" --drain --output /nonexistent-dir/events.jsonl
	assert_one_line_error
	run --separate-stderr "$PW_READ" --drain --output "$BATS_TEST_TMPDIR/x" --max-size 12Q
	assert_one_line_error
	run --separate-stderr "$PW_READ" --drain --output "$BATS_TEST_TMPDIR/x" --syslog
	assert_one_line_error
	run --separate-stderr "$PW_READ" --drain --syslog --syslog-facility kern
	assert_one_line_error
}

# A syslog stand-in: a datagram socket at /dev/log, one message per line
# in FILE. Only when no syslog daemon owns /dev/log.
start_devlog_listener() { # file
	[[ ! -e /dev/log ]] || skip "/dev/log belongs to a running syslog daemon"
	OWN_DEVLOG=1
	start_listener /dev/log "$1"
}

# The same stand-in at SOCKET (for --syslog-socket).
start_listener() { # socket file
	command -v python3 >/dev/null || skip "needs python3 for a syslog listener"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(1 << 20).replace(b"\n", b"\\n") + b"\n")
' "$1" "$2" &
	LISTENER=$!
	wait_file "$1"
}

stop_listener() {
	kill "$LISTENER"
	wait "$LISTENER" 2>/dev/null || true
	LISTENER=
}

@test "--syslog sends one message per event: facility and tag set, JSON payload" {
	msgs=$BATS_TEST_TMPDIR/syslog
	start_devlog_listener "$msgs"
	bin=$(unique_binary)
	"$bin" hello
	run -0 --separate-stderr "$PW_READ" --drain --syslog --syslog-facility local0
	line=$(grep -F "\"filename\":\"$bin\"" "$msgs")
	[ "$(wc -l <<<"$line")" -eq 1 ]
	# <134> = local0 (16) * 8 + info (6); glibc puts "TAG[PID]: " before the message
	[[ $line == '<134>'*' pinwatch['*']: {"type":"exec",'* ]]
	json=${line#*]: }
	assert_field "$json" '.args | join(" ")' "$bin hello"
	# every message is exactly one event
	while IFS= read -r m; do
		jq -e 'has("type") and has("time")' <<<"${m#*]: }" >/dev/null || { echo "not one event: $m"; return 1; }
	done <"$msgs"
}

@test "--syslog with no syslog daemon fails with one line and consumes nothing" {
	[[ ! -e /dev/log ]] || skip "/dev/log belongs to a running syslog daemon"
	bin=$(unique_binary)
	"$bin"
	run --separate-stderr "$PW_READ" --drain --syslog
	assert_one_line_error
	[ "$(pw_events | jq -c --arg f "$bin" 'select(.filename == $f)' | wc -l)" -eq 1 ]
}

@test "--syslog-socket sends to that socket; --syslog-socket without --syslog is a usage error" {
	sock=$BATS_TEST_TMPDIR/log.sock
	start_listener "$sock" "$BATS_TEST_TMPDIR/syslog"
	bin=$(unique_binary)
	"$bin"
	run -0 --separate-stderr "$PW_READ" --drain --syslog --syslog-socket "$sock"
	[ "$(grep -cF "\"filename\":\"$bin\"" "$BATS_TEST_TMPDIR/syslog")" -eq 1 ]
	run -2 --separate-stderr "$PW_READ" --drain --syslog-socket "$sock"
	assert_one_line_error
	run --separate-stderr "$PW_READ" --drain --syslog --syslog-socket "$BATS_TEST_TMPDIR/none.sock"
	assert_one_line_error
	[[ $stderr == *none.sock* ]]
}

@test "--syslog reconnects to a restarted daemon, and a daemon gone for good stops the consumer with the event kept" {
	sock=$BATS_TEST_TMPDIR/log.sock
	msgs=$BATS_TEST_TMPDIR/syslog
	start_listener "$sock" "$msgs"
	"$PW_READ" --syslog --syslog-socket "$sock" 2>"$BATS_TEST_TMPDIR/err" &
	reader=$!
	first=$(unique_binary)
	"$first"
	wait_for_line "$msgs" "\"filename\":\"$first\""
	# the daemon restarts: a new socket at the same path
	stop_listener
	rm -f "$sock"
	start_listener "$sock" "$msgs"
	second=$(unique_binary)
	"$second"
	wait_for_line "$msgs" "\"filename\":\"$second\""
	# the daemon goes away: the consumer fails and the event stays in the ring
	stop_listener
	rm -f "$sock"
	third=$(unique_binary)
	"$third"
	rc=0
	wait "$reader" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "$sock" "$BATS_TEST_TMPDIR/err"
	[ "$(grep -cF "\"filename\":\"$third\"" "$msgs")" -eq 0 ]
	[ "$(pw_events | jq -c --arg f "$third" 'select(.type == "exec" and .filename == $f)' | wc -l)" -eq 1 ]
}

wait_for_line() { # file fixed-string
	for _ in $(seq 1 100); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 in $1" >&2
	return 1
}
