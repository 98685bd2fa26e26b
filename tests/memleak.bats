#!/usr/bin/env bats
# On-demand leak tracing (pinwatch memleak): a program compiled here leaks
# known sizes from known functions; the report puts them first, symbolized.
# Every libc allocator is leaked through by a function of its own. Kernel
# mode from the kmem tracepoints, and the page and per-CPU allocators' with
# a target that makes the kernel allocate for it (pages it touches, a BPF
# per-CPU array it keeps). With the sensor loaded, its filters apply and
# pinwatch stats counts the allocations.

# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/pwleaker" -O0 -fno-omit-frame-pointer "$BATS_TEST_DIRNAME/helpers/memleak-target.c"
}

setup() {
	require_root
	LEAKER=$BATS_FILE_TMPDIR/pwleaker
	[[ -x $LEAKER ]] || skip "needs gcc to build the leaker"
	leaker=""
	sensor=""
}

teardown() {
	[[ -z $leaker ]] || { kill -9 "$leaker" 2>/dev/null; wait "$leaker" 2>/dev/null; }
	[[ -z $sensor ]] || pw_teardown
	return 0
}

wait_for() { # file text
	for _ in $(seq 1 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
	return 1
}

# Starts the leaker (it stops itself), attaches memleak with the given
# options, lets the leaker run to "done". Leaves memleak running as $ml.
leak_under_memleak() {
	"${LEAK_BIN:-$LEAKER}" ${LEAK_ARG:+"$LEAK_ARG"} >"$BATS_TEST_TMPDIR/leaker.out" &
	leaker=$!
	for _ in $(seq 1 200); do
		[[ $(awk '{print $3}' "/proc/$leaker/stat" 2>/dev/null) == T ]] && break
		sleep 0.05
	done
	"$PW" memleak --pid "$leaker" "$@" >"$BATS_TEST_TMPDIR/ml.out" 2>"$BATS_TEST_TMPDIR/ml.err" &
	ml=$!
	wait_for "$BATS_TEST_TMPDIR/ml.err" "tracing"
	kill -CONT "$leaker"
	wait_for "$BATS_TEST_TMPDIR/leaker.out" "done"
}

stop_memleak() {
	kill -INT "$ml"
	rc=0
	wait "$ml" || rc=$?
	[ "$rc" -eq 0 ]
}

@test "memleak --pid puts the biggest leaker first, with its allocating function symbolized" {
	leak_under_memleak --json --top 10
	stop_memleak
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	assert_field "$r" .mode user
	assert_field "$r" .pid -eq "$leaker"
	assert_field "$r" .comm pwleaker
	assert_field "$r" '.stacks[0].bytes' -eq 200000
	assert_field "$r" '.stacks[0].allocations' -eq 5
	assert_field "$r" '.stacks[0].frames[0].function' pw_leak_big
	assert_field "$r" '.stacks[0].frames[0].file' "$LEAKER"
	assert_field "$r" '.stacks[0].frames[1].function' main
}

@test "memleak counts calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc and pvalloc, and forgets what was freed or reallocated" {
	leak_under_memleak --json --top 20
	stop_memleak
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	by_fn() { jq -c --arg f "$1" '[.stacks[] | select(.frames[0].function == $f) | {bytes, allocations}]' <<<"$r"; }
	by_kind() { jq -c --arg k "$1" '.allocators[$k]' <<<"$r"; }
	[ "$(by_fn pw_leak_calloc)" = '[{"bytes":3000,"allocations":3}]' ]
	[ "$(by_fn pw_leak_aligned)" = '[{"bytes":8192,"allocations":2}]' ]
	[ "$(by_fn pw_leak_aligned2)" = '[{"bytes":2048,"allocations":1}]' ]
	# the malloc(1000) it grew is forgotten: only the realloc'ed 30000 left
	[ "$(by_fn pw_leak_realloc)" = '[{"bytes":30000,"allocations":1}]' ]
	[ "$(by_fn pw_leak_memalign)" = '[{"bytes":3000,"allocations":2}]' ]
	[ "$(by_fn pw_leak_valloc)" = '[{"bytes":15000,"allocations":3}]' ]
	# pvalloc(5000) hands out whole pages
	[ "$(by_fn pw_leak_pvalloc)" = "[{\"bytes\":$((2 * $(getconf PAGESIZE))),\"allocations\":1}]" ]
	# and per allocator
	[ "$(by_kind malloc)" = '{"bytes":200000,"allocations":5}' ]
	[ "$(by_kind calloc)" = '{"bytes":3000,"allocations":3}' ]
	[ "$(by_kind realloc)" = '{"bytes":30000,"allocations":1}' ]
	[ "$(by_kind posix_memalign)" = '{"bytes":8192,"allocations":2}' ]
	[ "$(by_kind valloc)" = '{"bytes":15000,"allocations":3}' ]
	[ "$(by_kind pvalloc)" = "{\"bytes\":$((2 * $(getconf PAGESIZE))),\"allocations\":1}" ]
	# glibc's memalign may be aligned_alloc's code, counted under one name
	assert_field "$r" '.allocators | .aligned_alloc.bytes + .memalign.bytes' -eq 5048
	assert_field "$r" '.allocators | .aligned_alloc.allocations + .memalign.allocations' -eq 3
	assert_field "$r" '[.allocators[].bytes] | add' -eq "$(jq .outstanding_bytes <<<"$r")"
	assert_field "$r" '[.stacks[].frames[].function | select(. == "pw_no_leak")] | length' -eq 0
	assert_field "$r" .frees_seen -ge 9
}

@test "memleak --json stats: every allocation of the run counted once, seen = filtered + emitted + dropped" {
	leak_under_memleak --json
	stop_memleak
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	# 5 + 2 + 3 + 2 + 1 + 3 + 2 + 1 leaked, 4 x (malloc, realloc(NULL), realloc) freed
	assert_field "$r" '.stats | .seen == .filtered + .emitted + .dropped' true
	assert_field "$r" .stats.emitted -ge 31
	assert_field "$r" .stats.dropped -eq 0
	assert_field "$r" '.stats.emitted + .stats.dropped' -eq "$(jq .allocations_seen <<<"$r")"
	grep -q "^pinwatch-memleak: $(jq .stats.seen <<<"$r") allocations seen: $(jq .stats.emitted <<<"$r") recorded, " "$BATS_TEST_TMPDIR/ml.err"
}

@test "memleak with the sensor loaded: a comm filter drops the filtered process's allocations, not another's; pinwatch stats counts both" {
	sensor=1
	pw_fresh process
	cp "$LEAKER" "$BATS_TEST_TMPDIR/pwleakskip"
	cp "$LEAKER" "$BATS_TEST_TMPDIR/pwleakkeep"
	"$PW" filter add comm pwleakskip
	before=$(pin_state)
	LEAK_BIN=$BATS_TEST_TMPDIR/pwleakskip leak_under_memleak --json
	stop_memleak
	grep -q "the sensor's switch and filters apply; counted in pinwatch stats as memleak" "$BATS_TEST_TMPDIR/ml.err"
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	assert_field "$r" .comm pwleakskip
	assert_field "$r" .outstanding_bytes -eq 0
	assert_field "$r" '.stacks | length' -eq 0
	assert_field "$r" .stats.filtered -ge 23
	assert_field "$r" .stats.emitted -eq 0
	assert_field "$r" '.stats | .seen == .filtered + .emitted + .dropped' true
	skipped=$(jq .stats.filtered <<<"$r")
	kill -9 "$leaker"
	wait "$leaker" 2>/dev/null || true
	LEAK_BIN=$BATS_TEST_TMPDIR/pwleakkeep leak_under_memleak --json
	stop_memleak
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	assert_field "$r" .comm pwleakkeep
	assert_field "$r" '.stacks[0].bytes' -eq 200000
	assert_field "$r" '.stacks[0].frames[0].function' pw_leak_big
	assert_field "$r" .stats.emitted -ge 23
	assert_field "$r" '.stats | .seen == .filtered + .emitted + .dropped' true
	kept=$(jq .stats.emitted <<<"$r")
	s=$(stats_balance memleak)
	assert_field "$s" .filtered -ge "$skipped"
	assert_field "$s" .emitted -eq "$kept"
	# it pinned nothing and left the sensor's config and filters as they were
	[ "$(pin_state)" = "$before" ]
}

@test "memleak text report: totals, then bytes, allocations and frames per stack" {
	leak_under_memleak --top 2
	stop_memleak
	out=$BATS_TEST_TMPDIR/ml.out
	grep -q "^memleak: pid $leaker (pwleaker): [0-9]* bytes outstanding in [0-9]* allocations from [0-9]* stacks$" "$out"
	sed -n 2p "$out" | grep -q '^by allocator: malloc 200000 bytes in 5, calloc 3000 bytes in 3, realloc 30000 bytes in 1, '
	[ "$(grep -c 'bytes in .* allocations from stack' "$out")" -eq 2 ]
	sed -n 4,5p "$out" | tr -d '\t' | paste -sd' ' | grep -q '^200000 bytes in 5 allocations from stack pw_leak_big \[pwleaker\]$'
}

@test "memleak reports when the traced process exits, from the mappings it had" {
	leak_under_memleak --json
	kill -9 "$leaker"
	wait "$leaker" 2>/dev/null || true
	leaker=""
	rc=0
	wait "$ml" || rc=$?
	[ "$rc" -eq 0 ]
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	assert_field "$r" '.stacks[0].frames[0].function' pw_leak_big
	assert_field "$r" .comm null
}

@test "memleak --kernel reports outstanding kernel allocations with kallsyms frames" {
	run -0 --separate-stderr "$PW" memleak --kernel --duration 2 --top 3 --json
	assert_field "$output" .mode kernel
	assert_field "$output" .allocations_seen -gt 0
	assert_field "$output" '.stacks | length' -ge 1
	fn=$(jq -r '.stacks[0].frames[0].function' <<<"$output")
	grep -q " $fn\$" /proc/kallsyms
	[[ $stderr == *"tracing kernel allocations"* ]]
}

@test "memleak --kernel --pid: pages a process touches and keeps are outstanding from the page allocator, those it unmaps are not" {
	[[ -d /sys/kernel/tracing/events/kmem/mm_page_alloc ]] || skip "this kernel has no kmem:mm_page_alloc tracepoint"
	LEAK_ARG=kernel leak_under_memleak --kernel --json --top 5
	stop_memleak
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	assert_field "$r" .mode kernel
	# 256 pages kept (1 MiB) plus a page table or a page-cache page; the
	# 256 unmapped ones would double it
	mib=1048576
	assert_field "$r" .allocators.page.bytes -ge "$mib"
	assert_field "$r" .allocators.page.bytes -lt $((mib + mib / 4))
	# the biggest stack is the page fault's
	assert_field "$r" '.stacks[0].bytes' -ge "$mib"
	assert_field "$r" '[.stacks[0].frames[].function | select(. == "handle_mm_fault")] | length' -eq 1
	assert_field "$r" .frees_seen -ge 256
}

@test "memleak --kernel --pid: a BPF per-CPU array a process keeps is outstanding from the per-CPU allocator, one it closes is not" {
	[[ -d /sys/kernel/tracing/events/percpu/percpu_alloc_percpu ]] || skip "this kernel has no percpu:percpu_alloc_percpu tracepoint"
	LEAK_ARG=kernel leak_under_memleak --kernel --json --top 50
	stop_memleak
	r=$(cat "$BATS_TEST_TMPDIR/ml.out")
	# 5 values of 40 bytes kept; the 3 of 24 freed by a kernel worker
	[ "$(jq -c .allocators.percpu <<<"$r")" = '{"bytes":200,"allocations":5}' ]
	assert_field "$r" '[.stacks[] | select(.bytes == 200 and .allocations == 5)] | length' -eq 1
	assert_field "$r" '[.stacks[] | select(.bytes == 200) | .frames[].function | select(. == "array_map_alloc")] | length' -eq 1
}
