#!/usr/bin/env bats
# The benchmark harness (tests/bench/, `make bench`) must not rot: it builds,
# its scripts are clean, and its bench-only objects load and carry events to
# pinwatch-read. No timing is measured or asserted here: the benchmarks
# themselves never run in the test suite.
# The default pack (scripts/rules/default) rightly alerts on this file's acts: the bench harness loads its own BPF programs (bpf-load).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	# built apart from the suite's build: the bench has its own targets
	BENCH_BUILD=$BATS_FILE_TMPDIR/build
	export BENCH_BUILD
	make -s -C "$PW_HOME" BUILD="$BENCH_BUILD" bench-build >"$BATS_FILE_TMPDIR/make.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make.log" >&2; return 1; }
}

setup() {
	require_root
	BENCH_ROOT=${PIN_ROOT}_benchtest
}

teardown() {
	[[ -z ${BENCH_ROOT:-} || ! -e $BENCH_ROOT ]] || rm -rf "$BENCH_ROOT"
}

@test "the bench harness, its workload loop and its BPF objects build with -Wall -Wextra -Werror" {
	for f in pw-bench pw-bench-loop empty.bpf.o bench_rb.bpf.o; do
		[ -e "$BENCH_BUILD/bench/$f" ] || { echo "missing $f"; return 1; }
	done
	run -0 "$BENCH_BUILD/bench/pw-bench-loop" getppid 1000 1
	[[ $output =~ ^[0-9.]+\ [0-9.]+$ ]]
}

@test "the bench scripts are shellcheck-clean and print their usage" {
	command -v shellcheck >/dev/null || skip "shellcheck not installed"
	cd "$PW_HOME"
	run -0 shellcheck -x tests/bench/run tests/bench/lib.bash
	run -0 tests/bench/run --help
	[[ $output == *BENCH_QUICK* ]]
}

# bats test_tags=pack-alerts
@test "each floor program loads and attaches alone, and goes with its holder" {
	for p in empty_raw_tp empty_tp_btf empty_tp; do
		"$BENCH_BUILD/bench/pw-bench" hold "$BENCH_BUILD/bench/empty.bpf.o" "$p" >"$BATS_TEST_TMPDIR/hold" 2>&1 &
		pid=$!
		for _ in $(seq 1 100); do
			grep -q ready "$BATS_TEST_TMPDIR/hold" && break
			kill -0 "$pid" || break
			sleep 0.05
		done
		grep -q ready "$BATS_TEST_TMPDIR/hold" || { cat "$BATS_TEST_TMPDIR/hold"; return 1; }
		bpftool -j prog show | jq -e --arg n "$p" 'any(.[]; .name == $n)' >/dev/null
		kill "$pid"
		wait "$pid"
	done
}

@test "bench events travel from the bench producer through the pinned ring to pinwatch-read" {
	run -0 "$BENCH_BUILD/bench/pw-bench" rb --obj "$BENCH_BUILD/bench/bench_rb.bpf.o" --pin-root "$BENCH_ROOT" \
		--reader "$PW_READ" --mode pinwatch --events 1000
	[[ $output == *" delivered=1000 "* ]]
	[[ $output == *" kernel_dropped=0 consumer_dropped=0 "* ]]
	[ ! -e "$BENCH_ROOT" ]
}
