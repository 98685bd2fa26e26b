#!/usr/bin/env bats
# The consumer's self-check (pinwatch-read --tamper-interval): the programs
# and links `up` recorded in maps/manifest, compared with what is pinned now.
# shellcheck disable=SC2154 # status, output and stderr come from bats' run

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

# Every test tampers with the sensor: each starts from a fresh one.
setup() {
	require_root
	pw_fresh process
	pw_drain
}

teardown() {
	if [[ -n ${READER:-} ]]; then
		kill -INT "$READER" 2>/dev/null || true
		wait "$READER" 2>/dev/null || true
	fi
}

# A consumer checking every second, tamper events only, JSON to $OUT.
start_reader() {
	OUT=$BATS_TEST_TMPDIR/out.jsonl
	ERR=$BATS_TEST_TMPDIR/err
	"$PW_READ" --json --stats --type tamper --tamper-interval 1 >"$OUT" 2>"$ERR" &
	READER=$!
}

stop_reader() {
	kill -INT "$READER"
	wait "$READER"
	READER=
}

# The tamper event of PIN (relative to the pin root), waiting up to ~5 s.
tamper_of() { # pin [what]
	local ev
	for _ in $(seq 1 50); do
		ev=$(jq -c --arg p "$1" --arg w "${2:-}" \
			'select(.type == "tamper" and .pin == $p and ($w == "" or .what == $w))' "$OUT")
		[[ -z $ev ]] || { echo "$ev"; return 0; }
		sleep 0.1
	done
	echo "no tamper event for $1 ${2:-}; got: $(cat "$OUT")" >&2
	return 1
}

# maps/manifest's entries as [{key: {path}, value: {...}}] (by BTF).
manifest() {
	bpftool -j map dump pinned "$PIN_ROOT/maps/manifest" | jq '[.[].formatted]'
}

@test "up records every program and link pin of the module in maps/manifest, by id and inode" {
	m=$(manifest)
	want=$(cd "$PIN_ROOT" && find process -name 'prog_*' -o -name 'link_*' | sort)
	got=$(jq -r '.[].key.path' <<<"$m" | sort)
	[ -n "$want" ]
	[ "$got" = "$want" ]
	for p in $want; do
		e=$(jq -c --arg p "$p" '.[] | select(.key.path == $p) | .value' <<<"$m")
		assert_field "$e" .ino "$(stat -c %i "$PIN_ROOT/$p")"
		case $p in
		*/prog_*)
			assert_field "$e" .kind 1
			assert_field "$e" .id "$(bpftool -j prog show pinned "$PIN_ROOT/$p" | jq .id)" ;;
		*/link_*)
			link=$(bpftool -j link show pinned "$PIN_ROOT/$p")
			assert_field "$e" .kind 2
			assert_field "$e" .id "$(jq .id <<<"$link")"
			assert_field "$e" .prog_id "$(jq .prog_id <<<"$link")" ;;
		esac
	done
	# down takes the module's entries away with it
	"$PW" up signal >/dev/null
	"$PW" down process
	[ -z "$(manifest | jq -r '.[].key.path | select(startswith("process/"))')" ]
	[ -n "$(manifest | jq -r '.[].key.path | select(startswith("signal/"))')" ]
}

# A load killed after it wrote its entries but before its pins were in
# place: reaping its staging directory takes the entries too, so no
# consumer reports pins that never were in place.
@test "the manifest entries of a load killed before its rename go with its staging directory" {
	run -137 env PINWATCH_TEST_FAIL_AT=kill_before_rename "$PW_LOAD" --pin-root "$PIN_ROOT" \
		--lock "${PINWATCH_LOCK:-/run/pinwatch.lock}" load "$PW_BUILD/bpf/signal.bpf.o"
	[ -n "$(manifest | jq -r '.[].key.path | select(startswith("signal/"))')" ]
	run -0 "$PW_LOAD" --pin-root "$PIN_ROOT" --lock "${PINWATCH_LOCK:-/run/pinwatch.lock}" reap
	[ -z "$(find "$PIN_ROOT" -maxdepth 1 -name '_staging_*')" ]
	[ -z "$(manifest | jq -r '.[].key.path | select(startswith("signal/"))')" ]
	[ -n "$(manifest | jq -r '.[].key.path | select(startswith("process/"))')" ]
}

# The link's anon inode is "bpf_link" on 6.1, "bpf-link" later: a kind
# misread would report every link as replaced here.
@test "an untouched sensor, and a module taken down while the consumer runs, give no tamper event" {
	"$PW" up signal >/dev/null
	start_reader
	sleep 3.5
	"$PW" down signal
	sleep 2.5
	stop_reader
	[ ! -s "$OUT" ]
	grep -q 'delivered 0,' "$ERR"
}

@test "an on-demand hook attached and detached through the control plane gives no tamper event, its link is checked while attached" {
	"$PW" up syscall >/dev/null
	start_reader
	"$PW" config set syscall_latency 1
	e=$(manifest | jq -c '.[] | select(.key.path == "syscall/link_exit") | .value')
	assert_field "$e" .id "$(bpftool -j link show pinned "$PIN_ROOT/syscall/link_exit" | jq .id)"
	sleep 1.5
	"$PW" config set syscall_latency 0
	[ -z "$(manifest | jq -r '.[].key.path | select(. == "syscall/link_exit")')" ]
	sleep 1.5
	[ ! -s "$OUT" ]
	"$PW" config set syscall_latency 1
	rm "$PIN_ROOT/syscall/link_exit"
	ev=$(tamper_of syscall/link_exit detached)
	assert_field "$ev" .kind link
}

@test "a removed program pin is reported once, as removed, with the id up recorded, and counted" {
	pin=process/prog_exec_filter
	id=$(bpftool -j prog show pinned "$PIN_ROOT/$pin" | jq .id)
	start_reader
	rm "$PIN_ROOT/$pin"
	ev=$(tamper_of "$pin")
	assert_field "$ev" .what removed
	assert_field "$ev" .kind prog
	assert_field "$ev" .expected_id "$id"
	assert_field "$ev" .found_id 0
	assert_field "$ev" .module audit
	assert_field "$ev" .comm pinwatch-read
	assert_field "$ev" .pid "$READER"
	# not again at the next intervals
	sleep 2.5
	stop_reader
	[ "$(jq -c 'select(.type == "tamper")' "$OUT" | wc -l)" -eq 1 ]
	# counted as delivered like the ring's events (and in maps/consumer)
	grep -q 'delivered 1,' "$ERR"
	[ "$(bpftool -j map lookup pinned "$PIN_ROOT/maps/consumer" key 0 0 0 0 | jq .formatted.value.written_events)" -ge 1 ]
}

# The pin was the link's only reference: the hook is detached with it.
# bats test_tags=vm-ci
@test "a removed link pin is reported as detached with the link's id" {
	pin=process/link_fork
	id=$(bpftool -j link show pinned "$PIN_ROOT/$pin" | jq .id)
	start_reader
	rm "$PIN_ROOT/$pin"
	ev=$(tamper_of "$pin")
	assert_field "$ev" .what detached
	assert_field "$ev" .kind link
	assert_field "$ev" .expected_id "$id"
	assert_field "$ev" .found_id 0
	run ! bpftool link show id "$id"
}

@test "a program pinned in place of pinwatch's is reported as replaced with the new program's id" {
	clang -g -O2 -target bpf -I"$PW_BUILD" -c "$PW_HOME/tests/fixtures/hello.bpf.c" -o "$BATS_TEST_TMPDIR/hello.bpf.o"
	pin=process/prog_exec_output
	id=$(bpftool -j prog show pinned "$PIN_ROOT/$pin" | jq .id)
	start_reader
	rm "$PIN_ROOT/$pin"
	bpftool prog load "$BATS_TEST_TMPDIR/hello.bpf.o" "$PIN_ROOT/$pin"
	new=$(bpftool -j prog show pinned "$PIN_ROOT/$pin" | jq .id)
	[ "$new" -ne "$id" ]
	ev=$(tamper_of "$pin" replaced)
	assert_field "$ev" .kind prog
	assert_field "$ev" .expected_id "$id"
	assert_field "$ev" .found_id "$new"
}

@test "bad --tamper-interval values give one stderr line and a non-zero exit" {
	for bad in soon -1 '' 1x; do
		run --separate-stderr "$PW_READ" --drain --tamper-interval "$bad"
		assert_one_line_error
		[[ $stderr == *"tamper interval"* ]]
	done
}
