#!/usr/bin/env bats
# pinwatch-read: the streaming consumer of the pinned ring buffer.
# shellcheck disable=SC2154 # status, output and stderr come from bats' run

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

# Waits until FILE has a line matching the jq filter, up to ~5 s.
wait_json() { # file filter
	for _ in $(seq 1 50); do
		jq -ce "$2" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# A test that failed midway must not leave its consumer running or the
# file module loaded (every open on the machine would fill the ring).
teardown() {
	[[ -z ${READER:-} ]] || kill -INT "$READER" 2>/dev/null || true
	[[ ! -d $PIN_ROOT/file ]] || "$PW" down file >/dev/null
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
	run -0 "$PW_READ" --drain
	line=$(grep -F "$bin one two" <<<"$output")
	[[ $line == *exec* ]]
	[ "$(wc -l <<<"$line")" -eq 1 ]
}

@test "--type keeps only the named event types" {
	bin=$(unique_binary)
	"$bin"
	run -0 "$PW_READ" --json --drain --type exit
	[ "$(jq -r .type <<<"$output" | sort -u)" = exit ]
}

@test "--type with an unknown type fails with one line" {
	run --separate-stderr "$PW_READ" --json --drain --type exec,bogus
	assert_one_line_error
	[[ $stderr == *bogus* ]]
}

# The consumer's own work is syscalls the file module sees: with --output and
# a small --max-size it rotates its file as it writes (a rename per backup
# slot, then an open). Those must be counted as filtered and never emitted,
# while another process's opens in the same window are emitted. The file
# module is loaded only once the consumer has claimed config.consumer_tgid
# and unloaded before it gives the tgid back, so every file event of the
# consumer's tgid would come from while it consumes.
@test "the consumer never reports its own activity" {
	out=$BATS_TEST_TMPDIR/own.jsonl
	backups=100
	me=$BASHPID
	"$PW_READ" --json --output "$out" --max-size 64K --backups $backups &
	READER=$!
	for _ in $(seq 1 50); do
		[ "$("$PW" config get consumer_tgid)" -eq "$READER" ] && break
		sleep 0.1
	done
	[ "$("$PW" config get consumer_tgid)" -eq "$READER" ]
	"$PW" up file >/dev/null
	filtered=$(stat_of file filtered)
	# rotations so far: other processes' exec events, before the module
	before=$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'own.jsonl.[0-9]*' | wc -l)
	# opens by this shell until the consumer has rotated its file three
	# more times (~600 on an idle machine; other processes' opens add up;
	# once, beside the 6.1 guest's boot, 50 rounds of 100 were not enough:
	# up to 150, and what the sensor counted if even that is not)
	mkdir "$BATS_TEST_TMPDIR/warm" "$BATS_TEST_TMPDIR/ctl"
	for _ in $(seq 1 150); do
		[[ -e $out.$((before + 3)) ]] && break
		for i in $(seq 1 100); do : >"$BATS_TEST_TMPDIR/warm/f$i"; done
		sleep 0.1
	done
	[ -e "$out.$((before + 3))" ] || {
		echo "no 3 rotations after $before: $(ls "$BATS_TEST_TMPDIR" | tr '\n' ' ')"
		echo "output: $(wc -c <"$out") bytes, $(grep -c . "$out") lines, $(grep -c "$BATS_TEST_TMPDIR/warm/" "$out") of this shell's opens"
		"$PW" stats
		"$PW" config list
		return 1
	}
	# the positive control: another process's opens while it rotates (on a
	# busy machine the ring may drop some: counted, as every loss is)
	lost=$(($(stat_of file dropped) + $(stat_of file shed)))
	for i in $(seq 1 100); do : >"$BATS_TEST_TMPDIR/ctl/f$i"; done
	# rotations with the module loaded (one may be under way), then it goes
	rotated=$(($(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'own.jsonl.[0-9]*' | wc -l) - before - 1))
	"$PW" down file
	kill -INT "$READER"
	wait "$READER"
	reader=$READER READER=
	[ "$("$PW" config get consumer_tgid)" -eq 0 ]
	delta=$(($(stat_of file filtered) - filtered))
	# what the consumer wrote, then what it left in the ring
	all=$BATS_TEST_TMPDIR/all.jsonl
	cat "$out" "$out".[0-9]* >"$all"
	pw_events >>"$all"
	own=$(jq -c --argjson p "$reader" 'select(.module == "file" and .pid == $p)' "$all" | wc -l)
	ours=$(jq -c --argjson p "$me" --arg d "$BATS_TEST_TMPDIR/ctl/" \
		'select(.type == "open" and .pid == $p and (.path | startswith($d)))' "$all" | wc -l)
	lost=$(($(stat_of file dropped) + $(stat_of file shed) - lost))
	echo "rotations >= $rotated (after $before), filtered +$delta, own events $own, control events $ours, file events dropped or shed meanwhile $lost"
	[ "$own" -eq 0 ]
	# every control open delivered, or as many as the sensor counted lost
	[ "$ours" -le 100 ]
	[ $((ours + lost)) -ge 100 ]
	# no filter is set and the module is on: the consumer alone is
	# filtered, each rotation's renames and open counted
	[ "$delta" -ge $((rotated * (backups + 1))) ]
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
	run -0 --separate-stderr "$PW_READ" --json --count 3 --stats
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

# The loss report comes every --stats-interval seconds while something is
# new, not only at exit: a consumer that runs for days must not sit on it.
@test "losses are reported on stderr every --stats-interval seconds while they grow" {
	"$PW" down
	"$PW" up --ringbuf-size 16K process
	errfile=$BATS_TEST_TMPDIR/err
	# the fifo's reader never reads: the consumer stalls and kernel drops grow
	fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# shellcheck disable=SC2217 # the open is the point: it never reads
	sleep 600 <"$fifo" &
	sleeper=$!
	"$PW_READ" --json --stats-interval 1 >"$fifo" 2>"$errfile" &
	reader=$!
	bin=$(unique_binary)
	for _ in $(seq 1 6); do
		for _ in $(seq 1 40); do "$bin"; done
		sleep 0.5
	done
	kill "$sleeper"
	wait "$reader" || true
	"$PW" down
	"$PW" up process
	# at least two reports before the one at exit, each with a larger count
	reports=$(grep -c 'lost [0-9]* events in the kernel' "$errfile")
	[ "$reports" -ge 3 ]
}

