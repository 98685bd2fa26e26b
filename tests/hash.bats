#!/usr/bin/env bats
# What file was run: every exec line carries sha256 of the executed file
# (the consumer reads it through /proc/PID/exe while the process lives, else
# through the exec'd path when that is still the same file version), or
# hash_error saying why not. Deleted and memfd images, a binary changed in
# place, a file over hash_max_mb, a huge file hashed while other processes
# run, and config's bad input.

load helpers/common
load helpers/services
bats_require_minimum_version 1.5.0

pw_suite process

setup_file() {
	pw_setup_file process
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/exec_from" -O2 "$PW_HOME/tests/fixtures/exec_from.c"
}

# A failed test must not leave its consumer, its sleeper or a changed
# hash_max_mb behind.
teardown() {
	[[ -z ${READER:-} ]] || { kill -INT "$READER" 2>/dev/null; wait "$READER" 2>/dev/null; } || true
	[[ -z ${SLEEPER:-} ]] || kill -KILL "$SLEEPER" 2>/dev/null || true
	"$PW" config set hash_max_mb 64 >/dev/null 2>&1 || true
}

need_exec_from() {
	[[ -x $BATS_FILE_TMPDIR/exec_from ]] || skip "needs gcc to build the helper"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

runs() { # pid binary: the process runs that file now
	[[ $(readlink "/proc/$1/exe") == "$2" ]]
}

# The exec events of pid PID, JSON Lines on stdin.
execs_of() { # pid
	jq -c --argjson p "$1" 'select(.type == "exec" and .pid == $p)'
}

# A consumer following the ring into $BATS_TEST_TMPDIR/events.jsonl.
reader_start() {
	EVENTS=$BATS_TEST_TMPDIR/events.jsonl
	"$PW_READ" --json >"$EVENTS" &
	READER=$!
}

reader_stop() {
	kill -INT "$READER"
	wait "$READER"
	READER=
}

has_exec() { # pid jq-condition
	jq -ce --argjson p "$1" "select(.type == \"exec\" and .pid == \$p and ($2))" "$EVENTS" | grep -q .
}

# The first exec line of pid PID (whose filename matches the regex RE)
# that the running consumer wrote, once there is one (up to 20 s).
wait_exec() { # pid [re]
	local cond="(.filename | test(\"${2:-.}\"))"
	wait_until 20 has_exec "$1" "$cond" || return 1
	jq -c --argjson p "$1" "select(.type == \"exec\" and .pid == \$p and $cond)" "$EVENTS" | head -n 1
}

@test "an exec of a file carries the sha256 that sha256sum gives; text shows it too" {
	bin=$(unique_binary)
	"$bin" &
	pid=$!
	wait "$pid"
	run -0 "$PW_READ" --json --drain
	ev=$(execs_of "$pid" <<<"$output")
	assert_field "$ev" .filename "$bin"
	assert_field "$ev" .sha256 "$(sha "$bin")"
	assert_field "$ev" .hash_error null
	"$bin" text-line
	run -0 "$PW_READ" --drain
	line=$(grep -F "$bin text-line" <<<"$output")
	[[ $line == *" sha256=$(sha "$bin") "* ]] || { echo "line: $line" >&2; return 1; }
}

@test "a relative exec path is hashed from the process's cwd" {
	bin=$(unique_binary)
	# env execve()s the path as given (bash would make it absolute)
	(cd "$(dirname "$bin")" && exec env "./$(basename "$bin")") &
	pid=$!
	wait "$pid"
	ev=$(pw_events | execs_of "$pid" | jq -c 'select(.filename | startswith("./"))')
	assert_field "$ev" .filename "./$(basename "$bin")"
	assert_field "$ev" .sha256 "$(sha "$bin")"
}

@test "a binary unlinked while it runs is hashed through /proc/PID/exe" {
	bin=$BATS_TEST_TMPDIR/pwsleep$RANDOM
	cp /bin/sleep "$bin"
	want=$(sha "$bin")
	"$bin" 1000 &
	SLEEPER=$!
	wait_until 20 runs "$SLEEPER" "$bin" # exec'd before the unlink
	rm "$bin"
	# the consumer starts after the unlink: the path names nothing now
	reader_start
	ev=$(wait_exec "$SLEEPER")
	reader_stop
	assert_field "$ev" .filename "$bin"
	assert_field "$ev" .sha256 "$want"
}

# bats test_tags=pack-alerts
@test "a file unlinked before its fexecve is hashed through /proc/PID/exe" {
	need_exec_from
	bin=$BATS_TEST_TMPDIR/pwsleep$RANDOM
	cp /bin/sleep "$bin"
	want=$(sha "$bin")
	reader_start
	"$BATS_FILE_TMPDIR/exec_from" deleted "$bin" 1000 &
	SLEEPER=$!
	ev=$(wait_exec "$SLEEPER" '^/dev/fd/')
	reader_stop
	[ ! -e "$bin" ]
	assert_field "$ev" '.exe_flags | tojson' '["deleted"]'
	assert_field "$ev" .sha256 "$want"
}

# bats test_tags=pack-alerts
@test "a memfd image is hashed through /proc/PID/exe" {
	need_exec_from
	bin=$BATS_TEST_TMPDIR/pwsleep$RANDOM
	cp /bin/sleep "$bin"
	reader_start
	"$BATS_FILE_TMPDIR/exec_from" memfd "$bin" 1000 &
	SLEEPER=$!
	ev=$(wait_exec "$SLEEPER" '^/dev/fd/')
	reader_stop
	assert_field "$ev" '.exe_flags | tojson' '["memfd"]'
	assert_field "$ev" .sha256 "$(sha "$bin")"
}

@test "a process gone and its file unlinked: hash_error gone, no sha256" {
	bin=$(unique_binary)
	"$bin" &
	pid=$!
	wait "$pid"
	rm "$bin"
	ev=$(pw_events | execs_of "$pid")
	assert_field "$ev" .hash_error gone
	assert_field "$ev" .sha256 null
}

@test "a binary changed in place gets the new content's hash; the old exec read later gets changed" {
	bin=$(unique_binary)
	"$bin" &
	first=$!
	wait "$first"
	ev=$(pw_events | execs_of "$first")
	assert_field "$ev" .sha256 "$(sha /bin/true)"
	ino=$(stat -c %i "$bin")
	cat /bin/false >"$bin"	# same inode, other content
	[ "$(stat -c %i "$bin")" = "$ino" ]
	"$bin" &
	second=$!
	wait "$second" || true
	ev=$(pw_events | execs_of "$second")
	assert_field "$ev" .sha256 "$(sha /bin/false)"
	# an exec of the old version, read after the change: never the new hash
	cat /bin/true >"$bin"
	"$bin" &
	third=$!
	wait "$third"
	cat /bin/false >"$bin"
	ev=$(pw_events | execs_of "$third")
	assert_field "$ev" .hash_error changed
	assert_field "$ev" .sha256 null
}

@test "a file larger than hash_max_mb gets hash_error too_large; 0 turns hashing off" {
	bin=$(unique_binary)
	head -c 2097152 /dev/zero >>"$bin"	# ELF ignores the tail: still runs
	"$PW" config set hash_max_mb 1
	"$bin" &
	pid=$!
	wait "$pid"
	ev=$(pw_events | execs_of "$pid")
	assert_field "$ev" .hash_error too_large
	assert_field "$ev" .sha256 null
	"$PW" config set hash_max_mb 3
	# 3 reads of 1 MiB: on a busy machine the 20 ms budget may pass between
	# two (deferred, and each --drain consumer starts with an empty cache):
	# a later exec is hashed again
	for _ in 1 2 3 4 5; do
		"$bin" &
		pid=$!
		wait "$pid"
		ev=$(pw_events | execs_of "$pid")
		[[ $(jq -r .hash_error <<<"$ev") != deferred ]] && break
		sleep 0.5
	done
	assert_field "$ev" .sha256 "$(sha "$bin")"
	"$PW" config set hash_max_mb 0
	"$bin" &
	pid=$!
	wait "$pid"
	ev=$(pw_events | execs_of "$pid")
	assert_field "$ev" .hash_error disabled
}

@test "a huge file being hashed does not hold back the next process; its hash comes with a later exec" {
	big=$(unique_binary pwbig$RANDOM)
	truncate -s 512M "$big"	# sparse: 512 MiB to hash, no disk used
	small=$(unique_binary)
	"$PW" config set hash_max_mb 1024
	reader_start
	"$big" &
	bpid=$!
	wait "$bpid"
	"$small" &
	spid=$!
	wait "$spid"
	sev=$(wait_exec "$spid")
	bev=$(wait_exec "$bpid")
	# ring order kept; the small file hashed; the huge one deferred, as
	# the next process's events waited behind it
	assert_field "$sev" .sha256 "$(sha "$small")"
	assert_field "$bev" .hash_error deferred
	[ "$(grep -n "\"pid\":$bpid," "$EVENTS" | grep -m1 '"type":"exec"' | cut -d: -f1)" -lt \
		"$(grep -n "\"pid\":$spid," "$EVENTS" | grep -m1 '"type":"exec"' | cut -d: -f1)" ]
	want=$(sha "$big")
	# the background thread finishes it: a later exec of that file version
	# carries the hash
	for _ in $(seq 1 60); do
		"$big" &
		pid=$!
		wait "$pid"
		ev=$(wait_exec "$pid")
		[[ $(jq -r '.sha256 // empty' <<<"$ev") ]] && break
		sleep 0.5
	done
	reader_stop
	assert_field "$ev" .sha256 "$want"
}

@test "hash_max_mb takes a number of MiB and refuses anything else" {
	for bad in -1 64M abc 4294967296 ""; do
		run --separate-stderr "$PW" config set hash_max_mb "$bad"
		assert_one_line_error
		[ "$("$PW" config get hash_max_mb)" = 64 ] # the default, unchanged
	done
	run -0 "$PW" config set hash_max_mb 128
	[ "$("$PW" config get hash_max_mb)" = 128 ]
}
