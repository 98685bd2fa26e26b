#!/usr/bin/env bats
# `pinwatch doctor`: one status per check and, on a problem, the command that
# fixes it; it only reads, and fails (exit 1) only on what blocks a run.
# Unmounting bpffs or tracefs would break every other suite on the machine:
# the pin-root check is driven with a pin root on a directory that is not
# bpffs instead.

# shellcheck disable=SC2154 # status, output, lines and stderr come from bats' run
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_teardown
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
}

teardown() {
	[[ -z ${READER:-} ]] || { kill "$READER" 2>/dev/null; wait "$READER" 2>/dev/null || true; }
	[[ -z ${STALE:-} ]] || rm -r "$STALE"
	pw_teardown
}

# The JSON of one check: check_of JSON NAME
check_of() {
	jq -c --arg n "$2" '.checks[] | select(.name == $n)' <<<"$1"
}

# "STATUS NAME" per check of the text screen, in order.
text_checks() {
	awk '/^(ok|warn|fail|skip) / { print $1, $2 }' <<<"$1"
}

# Waits until the consumer PID has claimed config.consumer_tgid.
wait_consumer() { # pid
	for _ in $(seq 1 50); do
		[ "$("$PW" config get consumer_tgid)" -eq "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "a healthy loaded sensor: every check is ok, warn or skip, none fails, and exit 0" {
	"$PW" up process >/dev/null
	"$PW_READ" --json >/dev/null &
	READER=$!
	wait_consumer "$READER"
	run -0 "$PW" doctor --json
	json=$output
	assert_field "$json" .ok = true
	assert_field "$json" '[.checks[] | select(.status == "fail")] | length' -eq 0
	assert_field "$json" '[.checks[] | select(.status | IN("ok", "warn", "skip") | not)] | length' -eq 0
	for c in root build bpffs pin_root tracefs btf libbpf bpftool lock staging sensor consumer; do
		assert_field "$(check_of "$json" "$c")" .status = ok
	done
	assert_field "$(check_of "$json" sensor)" .detail == "1 module(s): process; built, not loaded: *"
	assert_field "$(check_of "$json" sensor)" .detail != "*not loaded:*process*"
	# the versions are the binaries' own
	assert_field "$(check_of "$json" libbpf)" .detail == "$("$PW_LOAD" probe --json | jq -r .libbpf)*"
	assert_field "$(check_of "$json" bpftool)" .detail == "$(bpftool -j version | jq -r .version)*"
	# rules are not in this build: said, not invented
	assert_field "$(check_of "$json" rules)" .status = skip
	assert_field "$(check_of "$json" rules)" .detail = "not available in this build"
	# what is fine has nothing to fix; every problem has its fix
	assert_field "$json" '[.checks[] | select(.status == "ok" and .fix != null)] | length' -eq 0
	assert_field "$json" '[.checks[] | select((.status == "warn" or .status == "fail") and (.fix | type) != "string")] | length' -eq 0
}

@test "no sensor loaded: a warn whose fix is pinwatch up, the checks that need it skip, and exit 0" {
	[ ! -e "$PIN_ROOT" ]
	run -0 "$PW" doctor --json
	json=$output
	assert_field "$(check_of "$json" sensor)" .status = warn
	assert_field "$(check_of "$json" sensor)" .fix = "pinwatch up"
	for c in ring drops consumer; do
		assert_field "$(check_of "$json" "$c")" .status = skip
	done
	run -0 "$PW" doctor
	[[ $output == *"warn  sensor"* ]]
	[[ $output == *"fix: pinwatch up"* ]]
	# it only looked: nothing was loaded
	[ ! -e "$PIN_ROOT" ]
}

@test "a sensor switched off is a warn whose fix switches it on" {
	"$PW" up process >/dev/null
	"$PW" config set enabled off
	run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" sensor)" .status = warn
	assert_field "$(check_of "$output" sensor)" .fix = "pinwatch config set enabled on"
	"$PW" config set enabled on
	run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" sensor)" .status = ok
}

@test "a stale staging directory under the pin root is reported with its fix and left where it is" {
	"$PW" up process >/dev/null
	# a loader pid that cannot be alive (above pid_max)
	STALE=$PIN_ROOT/_staging_signal_$(($(cat /proc/sys/kernel/pid_max) + 1))
	mkdir "$STALE"
	run -0 "$PW" doctor --json
	c=$(check_of "$output" staging)
	assert_field "$c" .status = warn
	assert_field "$c" .detail == "*$STALE*"
	assert_field "$c" .fix = "rm -r $STALE"
	[ -d "$STALE" ]
	# the sensor itself is not taken for broken
	assert_field "$(check_of "$output" sensor)" .status = ok
	run -0 "$PW" doctor
	[[ $output == *"fix: rm -r $STALE"* ]]
	[ -d "$STALE" ]
	rm -r "$STALE"
	STALE=
	run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" staging)" .status = ok
}

@test "a consumer is reported running with its pid; one killed with its claim still set is a warn" {
	"$PW" up process >/dev/null
	run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" consumer)" .status = warn
	assert_field "$(check_of "$output" consumer)" .fix == "pinwatch events*"
	"$PW_READ" --json >/dev/null &
	READER=$!
	wait_consumer "$READER"
	run -0 "$PW" doctor --json
	c=$(check_of "$output" consumer)
	assert_field "$c" .status = ok
	assert_field "$c" .detail = "pinwatch-read running, pid $READER"
	run -0 "$PW" doctor
	[[ $output == *"pinwatch-read running, pid $READER"* ]]
	# SIGKILL: no chance to give config.consumer_tgid back
	kill -KILL "$READER"
	wait "$READER" || true
	[ "$("$PW" config get consumer_tgid)" -eq "$READER" ]
	READER=
	run -0 "$PW" doctor --json
	c=$(check_of "$output" consumer)
	assert_field "$c" .status = warn
	assert_field "$c" .fix = "pinwatch config set consumer_tgid 0 && pinwatch events"
}

@test "a pin root that is not on bpffs fails, with exit 1 and the fix" {
	dir=$BATS_TEST_TMPDIR/pins
	mkdir "$dir"
	[ "$(stat -f -c %T "$dir")" != bpf_fs ]
	PINWATCH_PIN_ROOT=$dir run -1 "$PW" doctor --json
	json=$output
	assert_field "$json" .ok = false
	assert_field "$json" .pin_root = "$dir"
	c=$(check_of "$json" pin_root)
	assert_field "$c" .status = fail
	assert_field "$c" .detail == "*not bpffs*"
	assert_field "$c" .fix == "*mount -t bpf bpf $dir*"
	# /sys/fs/bpf itself is bpffs: only the pin root is wrong
	assert_field "$(check_of "$json" bpffs)" .status = ok
	# a pin root not created yet is judged by the directory it goes in
	PINWATCH_PIN_ROOT=$dir/a/b run -1 "$PW" doctor --json
	assert_field "$(check_of "$output" pin_root)" .status = fail
	PINWATCH_PIN_ROOT=/sys/fs/bpf/pw-doctor-absent-$$ run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" pin_root)" .status = ok
	PINWATCH_PIN_ROOT=$dir run -1 "$PW" doctor
	[[ $output == *"fail  pin_root"* ]]
	[[ ${lines[-1]} == "1 failed,"* ]]
}

@test "the lock file: held for long is a warn, one that cannot be created or is a directory fails; none is made" {
	lock=$BATS_TEST_TMPDIR/pw.lock
	PINWATCH_LOCK=$lock run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" lock)" .status = ok
	[ ! -e "$lock" ]
	touch "$lock"
	flock -o "$lock" sleep 30 &  # -o: only flock itself holds it
	READER=$!
	for _ in $(seq 1 50); do grep -q " $(stat -c %i "$lock") " /proc/locks 2>/dev/null && break; sleep 0.1; done
	PINWATCH_LOCK=$lock run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" lock)" .status = warn
	assert_field "$(check_of "$output" lock)" .fix == "*fuser $lock*"
	kill "$READER"
	wait "$READER" || true
	READER=
	PINWATCH_LOCK=$lock run -0 "$PW" doctor --json
	assert_field "$(check_of "$output" lock)" .status = ok
	PINWATCH_LOCK=$BATS_TEST_TMPDIR/no/dir/pw.lock run -1 "$PW" doctor --json
	assert_field "$(check_of "$output" lock)" .status = fail
	assert_field "$(check_of "$output" lock)" .fix = "mkdir -p $BATS_TEST_TMPDIR/no/dir"
	[ ! -e "$BATS_TEST_TMPDIR/no" ]
	PINWATCH_LOCK=$BATS_TEST_TMPDIR run -1 "$PW" doctor --json
	assert_field "$(check_of "$output" lock)" .status = fail
}

@test "--json is one valid object with the same checks, in the same order and status, as the text" {
	"$PW" up process >/dev/null
	run -0 "$PW" doctor --json
	[ "${#lines[@]}" -eq 1 ]
	json=$output
	jq -e 'type == "object" and (.checks | type) == "array" and (.checks | length) > 10' <<<"$json" >/dev/null
	assert_field "$json" '[.checks[] | select(keys != ["detail", "fix", "name", "status"])] | length' -eq 0
	run -0 "$PW" doctor
	[ -n "$(text_checks "$output")" ]
	diff <(jq -r '.checks[] | "\(.status) \(.name)"' <<<"$json") <(text_checks "$output")
	# one screen: long details are folded to 100 columns
	longest=$(awk '{ if (length($0) > n) n = length($0) } END { print n }' <<<"$output")
	[ "$longest" -le 100 ] || { echo "a line of $longest columns"; return 1; }
	# every fix of the JSON is on the screen (unfolded on a wide one)
	COLUMNS=1000 run -0 "$PW" doctor
	while read -r fix; do
		[[ $output == *"fix: $fix"* ]] || { echo "fix not shown: $fix"; return 1; }
	done < <(jq -r '.checks[] | .fix // empty' <<<"$json")
}

@test "without root: the root check fails with its fix, what needs root skips, exit 1" {
	run -1 as_nobody "$PW" doctor --json
	json=$output
	assert_field "$(check_of "$json" root)" .status = fail
	assert_field "$(check_of "$json" root)" .fix = "sudo pinwatch doctor"
	for c in features lock staging sensor ring consumer; do
		assert_field "$(check_of "$json" "$c")" .status = skip
	done
}

@test "a bad option: one stderr line, exit 2, nothing on stdout" {
	run -2 --separate-stderr "$PW" doctor --bogus
	assert_one_line_error
	[ "$stderr" = "pinwatch: doctor: unknown argument '--bogus'" ]
	[ -z "$output" ]
	run -2 --separate-stderr "$PW" doctor --json extra
	assert_one_line_error
	run -0 "$PW" doctor --help
	[[ ${lines[0]} == "Usage: pinwatch doctor [--json]" ]]
}

@test "pinwatch-load probe names its libbpf and each feature's need, which doctor's verdicts follow" {
	run -0 --separate-stderr "$PW_LOAD" probe --json
	json=$output
	assert_field "$json" .libbpf == "v[0-9]*.[0-9]*"
	assert_field "$json" '[.features[] | select(.need | IN("required", "optional", "unused") | not)] | length' -eq 0
	assert_field "$json" '[.features[] | select(.need == "required") | .name] | sort | join(" ")' = "btf ringbuf tracefs"
	run -0 "$PW_LOAD" probe
	[ "${lines[1]}" = "libbpf $(jq -r .libbpf <<<"$json")" ]
	# doctor: ok when nothing is missing, else a warn naming each missing
	# optional feature (a missing required one cannot load the sensor here)
	run -0 "$PW" doctor --json
	c=$(check_of "$output" features)
	missing=$(jq -r '[.features[] | select(.need == "optional" and (.supported | not)) | .name] | join(" ")' <<<"$json")
	if [[ -z $missing ]]; then
		assert_field "$c" .status = ok
	else
		assert_field "$c" .status = warn
		for f in $missing; do assert_field "$c" .detail == "*$f: *"; done
	fi
}

@test "without jq: one line that says how to install it, exit 1" {
	bin=$BATS_TEST_TMPDIR/bin
	mkdir "$bin"
	for t in bash dirname readlink id stat cat; do ln -s "$(command -v "$t")" "$bin/"; done
	run -1 --separate-stderr env PATH="$bin" "$PW_HOME/scripts/libexec/pinwatch-doctor"
	assert_one_line_error
	[ "$stderr" = "pinwatch: doctor: jq is not installed (fix: scripts/setup, or apt-get install jq)" ]
}
