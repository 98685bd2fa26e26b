#!/usr/bin/env bats
# Floods (README "Under load"): an intruder floods the sensor from two
# threads (opens of /dev/null, getppid with the syscall module reporting
# it) while the consumer is stopped and an exec storm, credential changes
# and rule canaries run. Every exec, cred change and rule hit arrives; only
# normal events are shed or dropped, each counted, and the counts add up
# exactly; the sensor returns to full fidelity by itself, with one pressure
# event at the start of the shedding and one at its end.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	FL_DIR=$(mktemp -d /tmp/pinwatch-flood.XXXXXX)
	gcc -O2 -pthread -o "$FL_DIR/pwflflood" "$PW_HOME/tests/helpers/flood.c"
	# programs under names of their own: the only-comm filters keep the
	# rest of a busy machine out of the ring, so the counts are the test's
	cp /bin/true "$FL_DIR/pwflstorm"
	cp "$(command -v setpriv)" "$FL_DIR/pwflcred"
	cp /bin/cat "$FL_DIR/pwflcanary"
	cp /bin/cat "$FL_DIR/pwflafter"
	touch "$FL_DIR/canary" "$FL_DIR/after"
	export FL_DIR PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
}

teardown_file() {
	rm -rf "$FL_DIR"
	pw_teardown_file
}

setup() {
	require_root
}

teardown() {
	[[ -z ${RP:-} ]] || { kill -CONT "$RP" 2>/dev/null; kill "$RP" 2>/dev/null; wait "$RP" 2>/dev/null; } || true
}

# A fresh sensor with a RING-byte ring, getppid reported, only the test's
# programs let through, a canary rule.
flood_sensor() { # ring
	export PINWATCH_RULES_DIR=$BATS_TEST_TMPDIR/rules.d
	pw_fresh --ringbuf-size "$1" process file syscall cred
	"$PW" config set syscalls getppid
	local c
	for c in pwflflood pwflstorm pwflcred pwflcanary pwflafter; do
		"$PW" filter add comm "$c" --only
	done
	"$PW" rule add flcanary --on open --path "$FL_DIR/canary" --severity high >/dev/null
	pw_drain
	# what the rest of the machine cost before the filters were in place
	BASE=$("$PW" stats --json)
}

# dropped + shed (or only COUNTER) of MODULE since flood_sensor
normal_lost() { # module [counter]
	jq -n --argjson a "$BASE" --argjson b "$STATS" --arg m "$1" --arg c "${2:-}" '
		def lost($s): [$s[] | select(.module == $m) | if $c == "" then .dropped + .shed else .[$c] end] | add;
		lost($b) - lost($a)'
}

# dropped + shed of the upper classes' modules since flood_sensor
upper_lost() {
	jq -n --argjson a "$BASE" --argjson b "$STATS" '
		def lost($s): [$s[] | select(.module == "process" or .module == "cred") | .dropped + .shed] | add;
		lost($b) - lost($a)'
}

# The attack: a consumer following into OUT1 is stopped, the flood runs
# FLOOD seconds; meanwhile EXECS execs, 3 credential drops and 3 canary
# reads; the consumer resumes after STOP seconds.
flood_attack() { # flood stop execs
	local fp i
	"$PW_READ" --json >"$BATS_TEST_TMPDIR/out1" 2>"$BATS_TEST_TMPDIR/err1" &
	RP=$!
	sleep 0.3
	kill -STOP "$RP"
	"$FL_DIR/pwflflood" "$1" >"$BATS_TEST_TMPDIR/flood.out" &
	fp=$!
	sleep 0.2
	for ((i = 0; i < $3; i++)); do "$FL_DIR/pwflstorm"; done
	for i in 1 2 3; do
		"$FL_DIR/pwflcred" --reuid=65534 --regid=65534 --clear-groups true
		"$FL_DIR/pwflcanary" "$FL_DIR/canary" >/dev/null
	done
	sleep "$2"
	kill -CONT "$RP"
	wait "$fp"
}

# Stops the consumer, freezes the counters (enabled 0: later events are
# counted filtered) and takes what is left in the ring: ALL holds every
# line delivered, STATS the counters.
flood_collect() {
	kill "$RP"
	wait "$RP" || true
	RP=
	"$PW" config set enabled 0
	sleep 0.2
	"$PW_READ" --json --drain >"$BATS_TEST_TMPDIR/out2" 2>/dev/null
	ALL=$BATS_TEST_TMPDIR/all
	cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2" >"$ALL"
	STATS=$("$PW" stats --json)
	"$PW" config set enabled 1
}

# Waits up to 20 s for N pressure events of state STATE in out1.
wait_pressure() { # state n
	local i
	for ((i = 0; i < 200; i++)); do
		(($(jq -c --arg s "$1" 'select(.type == "pressure" and .state == $s)' "$BATS_TEST_TMPDIR/out1" 2>/dev/null | wc -l) >= $2)) && return 0
		sleep 0.1
	done
	echo "no pressure $1 event after 20 s" >&2
	return 1
}

count() { # jq-filter
	jq -c "$1" "$ALL" | wc -l
}

# The whole proof, on a RING-byte ring, flooding FLOOD s with the
# consumer stopped STOP s and EXECS execs.
flood_proof() { # ring flood stop execs
	flood_sensor "$1"
	flood_attack "$2" "$3" "$4"
	wait_pressure end 1
	# full fidelity again, by itself: 20 reads after the end, all whole
	for _ in $(seq 1 20); do "$FL_DIR/pwflafter" "$FL_DIR/after" >/dev/null; done
	sleep 0.5
	flood_collect

	# every exec, credential change and rule hit arrived, none sampled
	[ "$(count "select(.type == \"exec\" and .filename == \"$FL_DIR/pwflstorm\")")" -eq "$4" ]
	[ "$(count 'select(.type == "cred" and .comm == "pwflcred" and .syscall == "setresuid")')" -eq 3 ]
	[ "$(count 'select(.type == "cred" and .comm == "pwflcred" and .syscall == "setresgid")')" -eq 3 ]
	[ "$(count 'select(.type == "open" and .rule == "flcanary" and .severity == "high")')" -eq 3 ]
	[ "$(count 'select(.type != "open" and .type != "syscall" and .sample_rate)')" -eq 0 ]
	[ "$(count 'select(.rule and .sample_rate)')" -eq 0 ]
	# the reads after the end: every one, none sampled
	[ "$(count "select(.type == \"open\" and .path == \"$FL_DIR/after\")")" -eq 20 ]
	[ "$(count "select(.type == \"open\" and .path == \"$FL_DIR/after\" and .sample_rate)")" -eq 0 ]
	# only the normal modules lost events, each counted
	[ "$(upper_lost)" -eq 0 ]
	[ "$(normal_lost file)" -gt 0 ]
	[ "$(normal_lost syscall)" -gt 0 ]
	[ "$(normal_lost file shed)" -gt 0 ] || [ "$(normal_lost syscall shed)" -gt 0 ]
	# exact: per module seen = filtered + emitted + dropped + shed, and
	# the consumer delivered every event emitted since flood_sensor's drain
	assert_field "$STATS" '[.[] | select(.seen != .filtered + .emitted + .dropped + .shed)] | length' -eq 0
	delivered=$(count 'select(.type != "pressure")')
	emitted=$(jq -n --argjson a "$BASE" --argjson b "$STATS" '([$b[].emitted] | add) - ([$a[].emitted] | add)')
	[ "$delivered" -eq "$emitted" ] || { echo "delivered $delivered, emitted $emitted: $STATS" >&2; jq -r '"\(.module) \(.type)"' "$ALL" | sort | uniq -c >&2; return 1; }
	# sampled events carry their rate, a power of two above 1
	[ "$(count 'select(.sample_rate)')" -gt 0 ]
	[ "$(count 'select(.sample_rate and (.sample_rate < 2 or ((.sample_rate | log2) | floor) != (.sample_rate | log2)))')" -eq 0 ]
	# one pressure event at the start, one at the end: the end's counts are
	# the kernel's (shed exactly: nothing was shed after it)
	[ "$(count 'select(.type == "pressure" and .state == "start")')" -eq 1 ]
	[ "$(count 'select(.type == "pressure" and .state == "end")')" -eq 1 ]
	end=$(jq -c 'select(.type == "pressure" and .state == "end")' "$ALL")
	assert_field "$end" .shed -eq "$(jq '[.[].shed] | add' <<<"$STATS")"
	assert_field "$end" .sampled -ge "$(count 'select(.sample_rate)')"
	assert_field "$end" .duration_ns -gt 0
	assert_field "$end" '.types | (index("open") != null and index("syscall") != null)' = true
	start=$(jq -c 'select(.type == "pressure" and .state == "start")' "$ALL")
	assert_field "$start" .max_sample_rate -ge 2
	assert_field "$start" .module consumer
}

@test "a flood from two threads with the consumer stopped: every exec, cred change and rule hit arrives, only normal events are shed or dropped, all counted, full fidelity after" {
	flood_proof 2M 4 3 100
}

# bats test_tags=vm-ci
@test "a short flood: the upper classes arrive whole, the counts add up, shedding ends by itself" {
	flood_proof 1M 2 1.5 20
}

@test "shed off: plain dropping, no sample_rate, nothing shed; the upper classes still arrive" {
	flood_sensor 1M
	"$PW" config set shed off
	flood_attack 1.5 1 20
	sleep 1
	flood_collect
	[ "$(count "select(.type == \"exec\" and .filename == \"$FL_DIR/pwflstorm\")")" -eq 20 ]
	[ "$(count 'select(.type == "open" and .rule == "flcanary")')" -eq 3 ]
	[ "$(count 'select(.sample_rate)')" -eq 0 ]
	# (a pressure event may report the shedding before the test, while the
	# machine filled the ring and the filters were not in place yet)
	[ "$(count 'select(.type == "pressure" and .state == "start")')" -le 1 ]
	[ "$(jq -n --argjson a "$BASE" --argjson b "$STATS" '([$b[].shed] | add) - ([$a[].shed] | add)')" -eq 0 ]
	[ "$(jq -n --argjson a "$BASE" --argjson b "$STATS" '([$b[].dropped] | add) - ([$a[].dropped] | add)')" -gt 0 ]
	[ "$(upper_lost)" -eq 0 ]
	assert_field "$STATS" '[.[] | select(.seen != .filtered + .emitted + .dropped + .shed)] | length' -eq 0
}

@test "config set class.TYPE moves a type; a bad type or class is one line and changes nothing" {
	pw_fresh process
	run -0 "$PW" config get class.exec
	[ "$output" = high ]
	run -0 "$PW" config get class.audit
	[ "$output" = critical ]
	run -0 "$PW" config get class.open
	[ "$output" = normal ]
	before=$(pin_state)
	run --separate-stderr "$PW" config set class.nosuch high
	assert_one_line_error
	[[ $stderr == *"unknown event type 'nosuch'"* ]]
	run --separate-stderr "$PW" config set class.open urgent
	assert_one_line_error
	[[ $stderr == *"invalid class 'urgent'"*"normal, high, critical"* ]]
	run --separate-stderr "$PW" config set shed_high_water 101
	assert_one_line_error
	run --separate-stderr "$PW" config set class_reserve 91
	assert_one_line_error
	[ "$(pin_state)" = "$before" ]
	"$PW" config set class.open critical
	run -0 "$PW" config get class.open
	[ "$output" = critical ]
	# the map holds it, by the type's id
	id=$("$PW_LOAD" abi | awk '$1 == "event_types" && $2 == "open" { print $3 }')
	"$PW" config list --json | jq -e '."class.open" == "critical" and ."class.exec" == "high"'
	bpftool -j map lookup pinned "$PIN_ROOT/maps/event_class" key "$id" 0 0 0 | jq -e '(.formatted.value // .value) | tostring | test("^(2|\\[\"0x02\".*)$")'
}
