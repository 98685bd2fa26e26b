#!/usr/bin/env bats
# pinwatch selftest (issue 15 item 6) with a fixture pack and fixture
# canaries (tests/fixtures/selftest/): each canary runs in a cgroup v2
# directory of its own, the result comes from the alert of that rule and
# that cgroup arriving through the ring, and nothing is left behind. The
# run over the real default pack is tests/pack.bats'.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

FIXTURE=$PW_HOME/tests/fixtures/selftest

setup_file() {
	require_root
	export PINWATCH_DEFAULT_RULES_DIR=$FIXTURE/rules PINWATCH_SELFTEST_DIR=$FIXTURE/canaries PINWATCH_SELFTEST_WAIT=2
	pw_fresh file
	# the sensor of this file loads the fixture pack
	"$PW" down >/dev/null
	PINWATCH_DEFAULT_RULES=on "$PW" up file >/dev/null 2>&1
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	pw_drain
	export TMPDIR=$BATS_TEST_TMPDIR/tmp PW_ST_RECORD=$BATS_TEST_TMPDIR/record
	mkdir -p "$TMPDIR"
	CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
	# what other runs left (a selftest killed with SIGKILL cannot remove its
	# cgroup): assert_clean looks only at what this test's runs made
	selftest_cgroups >"$BATS_TEST_TMPDIR/cgroups-before"
}

selftest_cgroups() { find "$CG2" -maxdepth 1 -name 'pinwatch-selftest-*' | sort; }

teardown() {
	[[ -z ${READER_PID:-} ]] || { kill "$READER_PID" 2>/dev/null; wait "$READER_PID" 2>/dev/null || true; }
	rm -f /run/pw-selftest-fixture-*
}

# The row of RULE in selftest's table.
row() { grep -E "^$1 " <<<"$output"; }

# Nothing of a run is left: no cgroup, no scratch directory, no canary.
assert_clean() {
	[ -z "$(selftest_cgroups | comm -13 "$BATS_TEST_TMPDIR/cgroups-before" -)" ]
	[ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR"; return 1; }
	# selftest's own consumer is gone and released the ring
	[ "$(pinwatch_cfg consumer_tgid)" = 0 ]
}

pinwatch_cfg() { "$PW" config get "$1"; }

@test "selftest: PASS for the canary that acts, MISS for one that does not (its alert from outside the cgroup does not count), SKIP, ERROR, no canary; exit 1" {
	# the act of st-miss's rule, done here: an alert of that rule, not
	# from the canary's cgroup
	: >/run/pw-selftest-fixture-miss
	PINWATCH_SELFTEST_TIMEOUT=1 run --separate-stderr "$PW" selftest
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $(head -n 1 <<<"$output") =~ ^RULE\ +CANARY\ +RESULT$ ]]
	[[ $(row st-pass) =~ create\ /run/pw-selftest-fixture-pass\ +PASS$ ]]
	[[ $(row st-miss) =~ does\ nothing\ +MISS:\ no\ alert\ within\ 2\ s$ ]]
	[[ $(row st-skip) =~ SKIP:\ no\ such\ thing\ on\ this\ machine$ ]]
	[[ $(row st-error) =~ ERROR:\ the\ act\ failed:\ boom$ ]]
	[[ $(row st-nocanary) =~ MISS:\ no\ canary$ ]]
	[[ $(row st-slow) =~ ERROR:\ timed\ out\ after\ 1\ s$ ]]
	assert_clean
	# the canary's alert is a real one: the rule counted its hit
	run -0 "$PW" rule list --json
	[ "$(jq '.[] | select(.name == "st-pass") | .hits' <<<"$output")" -ge 1 ]
}

@test "selftest RULE...: the canary runs in its own cgroup v2 directory and an empty scratch, both removed afterwards; --json" {
	run -0 --separate-stderr "$PW" selftest --json st-pass st-skip
	[ "${#lines[@]}" -eq 2 ]
	pass=${lines[0]}
	assert_field "$pass" .rule st-pass
	assert_field "$pass" .result PASS
	assert_field "$pass" .canary "create /run/pw-selftest-fixture-pass"
	assert_field "$pass" .cgroup_id -gt 1
	assert_field "${lines[1]}" .result SKIP
	assert_field "${lines[1]}" .reason "no such thing on this machine"
	cat "$PW_ST_RECORD"
	scratch=$(sed -n 's/^scratch //p' "$PW_ST_RECORD")
	[[ $scratch == "$TMPDIR"/pinwatch-selftest.* ]]
	grep -qx "cwd $scratch" "$PW_ST_RECORD"
	grep -qx "entries 0" "$PW_ST_RECORD"
	cg=$(sed -n 's/^cgroup //p' "$PW_ST_RECORD")
	[[ $cg == /pinwatch-selftest-* ]]
	[ ! -e "$scratch" ]
	[ ! -e "$CG2$cg" ]
	assert_clean
}

@test "selftest: a canary past PINWATCH_SELFTEST_TIMEOUT is killed and reported ERROR" {
	PINWATCH_SELFTEST_TIMEOUT=1 run --separate-stderr "$PW" selftest st-slow
	[ "$status" -eq 1 ]
	[[ $(row st-slow) =~ ERROR:\ timed\ out\ after\ 1\ s$ ]]
	assert_clean
}

@test "selftest: Ctrl-C mid-canary kills the canary and removes its cgroup and scratch" {
	# (a background job starts with SIGINT ignored, which bash cannot trap:
	# env gives it back its default, as a terminal's foreground job has)
	env --default-signal=INT "$PW" selftest st-slow >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do
		[[ -s $PW_ST_RECORD ]] && break
		sleep 0.1
	done
	[ -s "$PW_ST_RECORD" ]
	scratch=$(sed -n 's/^scratch //p' "$PW_ST_RECORD")
	[ -d "$scratch" ]
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	[ ! -e "$scratch" ]
	assert_clean
	run ! pgrep -f "^sleep 30$" 
}

@test "selftest reads the running consumer's --output file (the canary's alert is in it), and refuses one that writes none" {
	"$PW_READ" --json --output "$BATS_TEST_TMPDIR/events.jsonl" 2>/dev/null &
	READER_PID=$!
	for _ in $(seq 1 50); do [ "$(pinwatch_cfg consumer_tgid)" = "$READER_PID" ] && break; sleep 0.1; done
	run -0 --separate-stderr "$PW" selftest --json st-pass
	assert_field "$output" .result PASS
	id=$(jq .cgroup_id <<<"$output")
	jq -se --argjson id "$id" 'any(.[]; .rule == "st-pass" and .cgroup_id == $id)' "$BATS_TEST_TMPDIR/events.jsonl"
	kill "$READER_PID"
	wait "$READER_PID" || true
	"$PW_READ" --json >/dev/null 2>&1 &
	READER_PID=$!
	for _ in $(seq 1 50); do [ "$(pinwatch_cfg consumer_tgid)" = "$READER_PID" ] && break; sleep 0.1; done
	run --separate-stderr "$PW" selftest st-pass
	assert_one_line_error
	[[ $stderr == *"a consumer runs (pinwatch-read, pid $READER_PID) and writes no --output FILE"* ]]
	[ -z "$output" ]
}

@test "selftest refuses in one line, changing nothing: not root, sensor down, a rule not in the pack, a pack rule not loaded, an untrusted canary dir, an unknown option" {
	before=$(pin_state)
	run --separate-stderr as_nobody "$PW" selftest
	assert_one_line_error
	[[ $stderr == *"selftest: must run as root"* ]]
	PINWATCH_PIN_ROOT=$PIN_ROOT-none run --separate-stderr "$PW" selftest
	assert_one_line_error
	[[ $stderr == *"sensor not loaded"* ]]
	run --separate-stderr "$PW" selftest st-pass no-such-rule
	assert_one_line_error
	[[ $stderr == *"'no-such-rule' is not a rule of the default pack"* ]]
	args=$(grep '^st-miss ' "$FIXTURE/rules/10-fixture.rules")
	"$PW" rule del st-miss
	run --separate-stderr "$PW" selftest st-miss
	assert_one_line_error
	[[ $stderr == *"'st-miss' is not loaded"* ]]
	# shellcheck disable=SC2086 # the rule's words
	"$PW" rule add $args
	cp -r "$FIXTURE/canaries" "$BATS_TEST_TMPDIR/canaries"
	chmod g+w "$BATS_TEST_TMPDIR/canaries"
	PINWATCH_SELFTEST_DIR=$BATS_TEST_TMPDIR/canaries run --separate-stderr "$PW" selftest st-pass
	assert_one_line_error
	[[ $stderr == *"canaries: not used: writable by group or others"* ]]
	chmod g-w "$BATS_TEST_TMPDIR/canaries"
	chown nobody "$BATS_TEST_TMPDIR/canaries/10-fixture.bash"
	PINWATCH_SELFTEST_DIR=$BATS_TEST_TMPDIR/canaries run --separate-stderr "$PW" selftest st-pass
	assert_one_line_error
	[[ $stderr == *"10-fixture.bash: not used: not owned by root"* ]]
	run --separate-stderr "$PW" selftest --bogus
	[ "$status" -eq 2 ]
	assert_one_line_error
	[ "$(pin_state)" = "$before" ]
	[ -z "$(ls -A "$TMPDIR")" ]
}
