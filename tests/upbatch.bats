#!/usr/bin/env bats
# `pinwatch up` loads every module with one loader process
# (`pinwatch-load --status-dir DIR load A.o B.o ...`, the modules that create
# no shared pin side by side in child processes): each module is still
# staged all or nothing on its own, has its own output, status and
# messages, and concurrent ups still load each module exactly once.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_teardown
}

teardown_file() {
	pw_teardown
}

setup() {
	require_root
}

teardown() {
	pw_teardown
}

# The manifest's keys (pin paths relative to the pin root), one a line.
manifest_paths() {
	bpftool -j map dump pinned "$PIN_ROOT/maps/manifest" |
		jq -r '.[] | .formatted.key.path // empty'
}

@test "a load of several modules: a module the kernel refuses leaves no pin of it, the others load, each has its status and messages" {
	dir=$BATS_TEST_TMPDIR/status
	mkdir "$dir"
	# bpf's only program, refused by the kernel (its hook has no other variant)
	# oom creates the shared maps, alone; bpf and signal then load side by
	# side, and bpf's rollback leaves signal's load whole
	run -1 --separate-stderr env PINWATCH_TEST_FAIL_AT=load:bpf_x__tp "$PW_LOAD" --status-dir "$dir" --jobs 2 \
		load "$PW_BUILD/bpf/oom.bpf.o" "$PW_BUILD/bpf/bpf.bpf.o" "$PW_BUILD/bpf/signal.bpf.o"
	[ -z "$stderr" ]
	[ "$(cat "$dir/oom.rc")" = 0 ]
	[ "$(cat "$dir/bpf.rc")" = 1 ]
	[ "$(cat "$dir/signal.rc")" = 0 ]
	[[ $(tail -n 1 "$dir/bpf.err") == "pinwatch-load: bpf: load failed: "*bpf_x__tp* ]]
	# each module's output in its own file: the summary of the two that loaded
	[ -z "$output" ]
	[[ $(cat "$dir/oom.out") == "oom: loaded ("* ]]
	[ ! -s "$dir/bpf.out" ]
	[[ $(cat "$dir/signal.out") == "signal: loaded ("* ]]
	[ -d "$PIN_ROOT/oom" ]
	[ -d "$PIN_ROOT/signal" ]
	# nothing of bpf: no directory, no staging left, no manifest entry
	[ ! -e "$PIN_ROOT/bpf" ]
	[ -z "$(find "$PIN_ROOT" -name '_staging_*')" ]
	manifest_paths >"$BATS_TEST_TMPDIR/manifest"
	grep -q '^oom/' "$BATS_TEST_TMPDIR/manifest"
	grep -q '^signal/' "$BATS_TEST_TMPDIR/manifest"
	[ -z "$(grep '^bpf/' "$BATS_TEST_TMPDIR/manifest")" ]
	[ -z "$(links_per_prog | tr ' ' '\n' | grep -v '^1:')" ]
}

@test "a load of several modules refuses a module named twice, or an object that names none, before loading any" {
	dir=$BATS_TEST_TMPDIR/status
	mkdir "$dir"
	run -2 --separate-stderr "$PW_LOAD" --status-dir "$dir" load "$PW_BUILD/bpf/oom.bpf.o" "$PW_BUILD/bpf/oom.bpf.o"
	assert_one_line_error
	[ "$stderr" = "pinwatch-load: load: module oom named twice" ]
	cp "$PW_BUILD/bpf/oom.bpf.o" "$BATS_TEST_TMPDIR/nosuch.bpf.o"
	run -2 --separate-stderr "$PW_LOAD" --status-dir "$dir" load "$PW_BUILD/bpf/oom.bpf.o" "$BATS_TEST_TMPDIR/nosuch.bpf.o"
	assert_one_line_error
	[[ $stderr == "pinwatch-load: $BATS_TEST_TMPDIR/nosuch.bpf.o: not a pinwatch module object"* ]]
	run -2 --separate-stderr "$PW_LOAD" --status-dir "$dir" --jobs 0 load "$PW_BUILD/bpf/oom.bpf.o"
	assert_one_line_error
	[[ $stderr == "pinwatch-load: invalid --jobs '0'"* ]]
	[ ! -e "$PIN_ROOT" ]
	[ -z "$(ls "$dir")" ]
}

@test "two ups at once load each module exactly once" {
	mods=(oom bpf signal capability)
	"$PW" up "${mods[@]}" >"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" &
	a=$!
	"$PW" up "${mods[@]}" >"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
	b=$!
	wait "$a"
	wait "$b"
	# no error line (a hook's notice on this kernel may come)
	[ -z "$(grep -v ': notice: ' "$BATS_TEST_TMPDIR/a.err" "$BATS_TEST_TMPDIR/b.err")" ]
	for m in "${mods[@]}"; do
		[ "$(cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" | grep -c "^$m: loaded (")" -eq 1 ]
		[ "$(cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" | grep -cx "$m: already loaded")" -eq 1 ]
		[ -d "$PIN_ROOT/$m" ]
	done
	# every attached program has one link: none attached twice
	[ -z "$(links_per_prog | tr ' ' '\n' | grep -v '^1:')" ]
	[ -z "$(orphan_links)" ]
}

@test "a loader killed midway: the module it was loading fails, another loader takes the ones after it" {
	run -1 --separate-stderr env PINWATCH_TEST_FAIL_AT=kill_before_rename "$PW" up oom bpf
	mapfile -t failed < <(grep '^pinwatch: up: ' <<<"$stderr")
	[ "${#failed[@]}" -eq 2 ]
	[[ ${failed[0]} == "pinwatch: up: oom: "* ]]
	[[ ${failed[1]} == "pinwatch: up: bpf: "* ]]
	# the second loader reaped the first's staging directory, and said so,
	# before it was killed in bpf's own (reaped by the down of the teardown)
	[[ $stderr == *"removed $PIN_ROOT/_staging_oom_"*": left by a load killed midway"* ]]
	[ -z "$(find "$PIN_ROOT" -maxdepth 1 -name '_staging_oom_*')" ]
	[ -n "$(find "$PIN_ROOT" -maxdepth 1 -name '_staging_bpf_*')" ]
	[ ! -e "$PIN_ROOT/oom" ]
	[ ! -e "$PIN_ROOT/bpf" ]
	# the next up loads both
	run -0 --separate-stderr "$PW" up oom bpf
	[ -d "$PIN_ROOT/oom" ]
	[ -d "$PIN_ROOT/bpf" ]
}
