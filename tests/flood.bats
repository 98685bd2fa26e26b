#!/usr/bin/env bats
# Floods (README "Under load"): an intruder floods the sensor from two
# threads (opens of /dev/null, getppid with the syscall module reporting
# it) while the consumer is stopped and an exec storm, credential changes,
# rule canaries and audited map writes run. Every exec, cred change, rule hit
# and audit record arrives; only
# normal events are shed or dropped, each counted, and the counts add up
# exactly; the sensor returns to full fidelity by itself, with one pressure
# event at the start of the shedding and one at its end.

load helpers/common
bats_require_minimum_version 1.5.0

# One sensor for the file (a load takes seconds on a busy machine): a
# 2 MiB ring, getppid reported, only the test's programs let through (the
# rest of the machine stays out of the ring, so the counts are the
# test's), a canary rule.
setup_file() {
	require_root
	FL_DIR=$(mktemp -d "${TMPDIR:-/tmp}"/pinwatch-flood.XXXXXX)
	pw_cc "$FL_DIR/pwflflood" -O2 -pthread "$PW_HOME/tests/helpers/flood.c"
	# programs under names of their own
	cp /bin/true "$FL_DIR/pwflstorm"
	cp "$(command -v setpriv)" "$FL_DIR/pwflcred"
	cp /bin/cat "$FL_DIR/pwflcanary"
	cp /bin/cat "$FL_DIR/pwflafter"
	touch "$FL_DIR/canary" "$FL_DIR/after"
	export FL_DIR PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_fresh --ringbuf-size 2M process file syscall cred audit
	"$PW" config set syscalls getppid
	local c
	for c in pwflflood pwflstorm pwflcred pwflcanary pwflafter; do
		"$PW" filter add comm "$c" --only
	done
	"$PW" rule add flcanary --on open --path "$FL_DIR/canary" --severity high >/dev/null
	# the machine may have filled the ring before the filters were in
	# place: a consumer reports that shedding (its end event keeps the
	# totals in maps/consumer), so that each test's pressure events are
	# its own
	if (($("$PW" stats --json | jq '[.[].shed] | add') > 0)); then
		"$PW_READ" --json --timeout 10 | grep -m1 -q '"state":"end"'
	fi
}

teardown_file() {
	rm -rf "$FL_DIR"
	pw_teardown_file
}

setup() {
	require_root
	"$PW" config set shed on
	pw_drain
	# the counters before the test: its counts are differences
	BASE=$("$PW" stats --json)
}

teardown() {
	[[ -z ${RP:-} ]] || { kill -CONT "$RP" 2>/dev/null; kill "$RP" 2>/dev/null; wait "$RP" 2>/dev/null; } || true
	"$PW" config set enabled 1
	local i
	for i in 1 2 3; do "$PW" filter del pid $((4000000 + i)) >/dev/null 2>&1 || true; done
}

# dropped + shed (or only COUNTER) of MODULE since setup
normal_lost() { # module [counter]
	jq -n --argjson a "$BASE" --argjson b "$STATS" --arg m "$1" --arg c "${2:-}" '
		def lost($s): [$s[] | select(.module == $m) | if $c == "" then .dropped + .shed else .[$c] end] | add;
		lost($b) - lost($a)'
}

# dropped + shed of the upper classes' modules since setup
upper_lost() {
	jq -n --argjson a "$BASE" --argjson b "$STATS" '
		def lost($s): [$s[] | select(.module == "process" or .module == "cred" or .module == "audit") | .dropped + .shed] | add;
		lost($b) - lost($a)'
}

# COUNTER summed over the modules, since setup
delta() { # counter
	jq -n --argjson a "$BASE" --argjson b "$STATS" --arg c "$1" '([$b[][$c]] | add) - ([$a[][$c]] | add)'
}

# The consumer delivered every event emitted since setup: LINES (every line
# but pressure and audit ones) against the modules' emitted but audit's.
# Audit is left out of the equation: every consumer and every pinwatch
# command (the drains, the stats read here) opens pins, each an audit
# event, so its count moves with the reading itself. Records the following
# consumer's guard released (its output blocked on a loaded machine: the
# guard thread of loader/read.c) were never delivered: they are the drops
# it reports "in the consumer" on exit.
delivered_all() { # lines
	local emitted released
	emitted=$(jq -n --argjson a "$BASE" --argjson b "$STATS" '
		def e($s): [$s[] | select(.module != "audit") | .emitted] | add; e($b) - e($a)')
	released=$(sed -nE 's/.*, ([0-9]+) in the consumer .*/\1/p' "$BATS_TEST_TMPDIR/err1" | tail -n 1)
	released=${released:-0}
	if ((released == 0)); then
		[ "$1" -eq "$emitted" ] || { echo "delivered $1, emitted $emitted" >&2; return 1; }
	else
		# released records may be audit ones too: bounds, not equality
		((${1} <= emitted && ${1} + released >= emitted)) ||
			{ echo "delivered $1, emitted $emitted, released by the consumer $released" >&2; return 1; }
	fi
}

# The attack: a consumer following into OUT1 is stopped, the flood runs
# FLOOD seconds; meanwhile EXECS execs, 3 credential drops, 3 canary
# reads and 3 audited writes to a filter map (pids no process has); the
# consumer resumes after STOP seconds.
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
		"$PW" filter add pid $((4000000 + i)) >/dev/null
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
	# a program past its enabled check on another CPU can still emit after
	# a drain (a loaded machine stretches that): the stats are taken
	# between two drains until the second finds nothing but audit events
	: >"$BATS_TEST_TMPDIR/out2"
	local i
	for ((i = 0; i < 20; i++)); do
		"$PW_READ" --json --drain >>"$BATS_TEST_TMPDIR/out2" 2>/dev/null
		STATS=$("$PW" stats --json)
		"$PW_READ" --json --drain >"$BATS_TEST_TMPDIR/out3" 2>/dev/null
		cat "$BATS_TEST_TMPDIR/out3" >>"$BATS_TEST_TMPDIR/out2"
		# (each reading opens pins: audit events, out of the equation)
		[[ -n $(jq -c 'select(.type != "audit")' "$BATS_TEST_TMPDIR/out3") ]] || break
		sleep 0.2
	done
	ALL=$BATS_TEST_TMPDIR/all
	cat "$BATS_TEST_TMPDIR/out1" "$BATS_TEST_TMPDIR/out2" >"$ALL"
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

# The whole proof: flooding FLOOD s with the consumer stopped STOP s and
# EXECS execs.
flood_proof() { # flood stop execs
	flood_attack "$1" "$2" "$3"
	wait_pressure end 1
	# full fidelity again, by itself: 20 reads after the end, all whole
	for _ in $(seq 1 20); do "$FL_DIR/pwflafter" "$FL_DIR/after" >/dev/null; done
	sleep 0.5
	flood_collect

	# one pass over the lines (a jq run per count costs seconds)
	C=$(jq -n --arg storm "$FL_DIR/pwflstorm" --arg after "$FL_DIR/after" '
		reduce inputs as $e ({storm: 0, setresuid: 0, setresgid: 0, canary: 0, audit: 0, upper_sampled: 0,
				      after: 0, after_sampled: 0, sampled: 0, bad_rate: 0, ring: 0,
				      start: [], end: []};
			($e.type == "open" or $e.type == "syscall") as $normal
			| ($e.sample_rate // 0) as $r
			| .storm += (if $e.type == "exec" and $e.filename == $storm then 1 else 0 end)
			| .setresuid += (if $e.type == "cred" and $e.comm == "pwflcred" and $e.syscall == "setresuid" then 1 else 0 end)
			| .setresgid += (if $e.type == "cred" and $e.comm == "pwflcred" and $e.syscall == "setresgid" then 1 else 0 end)
			| .canary += (if $e.type == "open" and $e.rule == "flcanary" and $e.severity == "high" then 1 else 0 end)
			| .audit += (if $e.type == "audit" and $e.action == "map_update" and $e.object_name == "filter_pid" then 1 else 0 end)
			| .upper_sampled += (if $r > 0 and ($normal | not or $e.rule != null) then 1 else 0 end)
			| .after += (if $e.type == "open" and $e.path == $after then 1 else 0 end)
			| .after_sampled += (if $e.type == "open" and $e.path == $after and $r > 0 then 1 else 0 end)
			| .sampled += (if $r > 0 then 1 else 0 end)
			| .bad_rate += (if $r > 0 and ($r < 2 or ($r | log2 | floor) != ($r | log2)) then 1 else 0 end)
			| .ring += (if $e.type != "pressure" and $e.type != "audit" then 1 else 0 end)
			| .start += (if $e.type == "pressure" and $e.state == "start" then [$e] else [] end)
			| .end += (if $e.type == "pressure" and $e.state == "end" then [$e] else [] end))' "$ALL")
	# every exec, credential change, rule hit and audit record arrived, none sampled
	assert_field "$C" .storm -eq "$3"
	assert_field "$C" .setresuid -eq 3
	assert_field "$C" .setresgid -eq 3
	assert_field "$C" .canary -eq 3
	assert_field "$C" .audit -ge 3
	assert_field "$C" .upper_sampled -eq 0
	# the reads after the end: every one, none sampled
	assert_field "$C" .after -eq 20
	assert_field "$C" .after_sampled -eq 0
	# only the normal modules lost events, each counted
	[ "$(upper_lost)" -eq 0 ]
	[ "$(normal_lost file)" -gt 0 ]
	[ "$(normal_lost syscall)" -gt 0 ]
	[ "$(delta shed)" -gt 0 ]
	# exact: per module seen = filtered + emitted + dropped + shed, and
	# the consumer delivered every event emitted since setup's drain
	assert_field "$STATS" '[.[] | select(.seen != .filtered + .emitted + .dropped + .shed)] | length' -eq 0
	delivered_all "$(jq .ring <<<"$C")"
	# sampled events carry their rate, a power of two above 1
	assert_field "$C" .sampled -gt 0
	assert_field "$C" .bad_rate -eq 0
	# one pressure event at the start, one at the end, with the kernel's
	# counts: exactly what was shed since setup (nothing was after the end)
	assert_field "$C" '.start | length' -eq 1
	assert_field "$C" '.end | length' -eq 1
	assert_field "$C" '.end[0].shed' -eq "$(delta shed)"
	assert_field "$C" '.end[0].sampled' -ge "$(jq .sampled <<<"$C")"
	assert_field "$C" '.end[0].dropped' -ge "$(delta dropped)"
	assert_field "$C" '.end[0].duration_ns' -gt 1000000000
	assert_field "$C" '.end[0].module' consumer
	assert_field "$C" '.start[0].max_sample_rate' -ge 2
	assert_field "$C" '.start[0].shed' -gt 0
}

@test "a flood from two threads with the consumer stopped: every exec, cred change and rule hit arrives, only normal events are shed or dropped, all counted, full fidelity after" {
	flood_proof 4 3 100
}

@test "a short flood: the upper classes arrive whole, the counts add up, shedding ends by itself" {
	flood_proof 2 1.5 20
}

@test "shed off: plain dropping, no sample_rate, nothing shed, no pressure event; the upper classes still arrive" {
	"$PW" config set shed off
	flood_attack 1.5 1 20
	sleep 1.5
	flood_collect
	[ "$(count "select(.type == \"exec\" and .filename == \"$FL_DIR/pwflstorm\")")" -eq 20 ]
	[ "$(count 'select(.type == "open" and .rule == "flcanary")')" -eq 3 ]
	[ "$(count 'select(.sample_rate)')" -eq 0 ]
	[ "$(count 'select(.type == "pressure")')" -eq 0 ]
	[ "$(delta shed)" -eq 0 ]
	[ "$(delta dropped)" -gt 0 ]
	[ "$(upper_lost)" -eq 0 ]
	assert_field "$STATS" '[.[] | select(.seen != .filtered + .emitted + .dropped + .shed)] | length' -eq 0
	delivered_all "$(count 'select(.type != "pressure" and .type != "audit")')"
}

@test "config set class.TYPE moves a type; a bad type or class is one line and changes nothing" {
	run -0 "$PW" config get class.exec
	[ "$output" = high ]
	run -0 "$PW" config get class.open
	[ "$output" = normal ]
	before=$(pin_state)
	run --separate-stderr "$PW" config set class.nosuch high
	assert_one_line_error
	# shellcheck disable=SC2154 # set by bats' run
	[[ $stderr == *"unknown event type 'nosuch'"* ]]
	run --separate-stderr "$PW" config set class.open urgent
	assert_one_line_error
	[[ $stderr == *"invalid class 'urgent'"*"normal, high, critical"* ]]
	run --separate-stderr "$PW" config set shed_high_water 101
	assert_one_line_error
	run --separate-stderr "$PW" config set class_reserve 91
	assert_one_line_error
	[ "$(pin_state)" = "$before" ]
	"$PW" config set class.chmod critical
	run -0 "$PW" config get class.chmod
	[ "$output" = critical ]
	"$PW" config list --json | jq -e '."class.chmod" == "critical" and ."class.exec" == "high" and ."class.audit" == "critical"'
	"$PW" config set class.chmod normal
}
