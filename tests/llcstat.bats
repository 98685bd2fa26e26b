#!/usr/bin/env bats
# pinwatch llcstat's counting path, proved on a PMU without cache events
# (this project's VMs) through its test hook: PW_LLCSTAT_TEST_EVENTS=sw
# counts minor page faults as references and context switches as misses
# (loader/ondemand/llcstat.c; a test stand-in, never for users). A workload
# compiled here makes a known number of each (tests/helpers/llcstat-target.c):
# its rows must hold them, under its pid, with the hit ratio, totals and
# stats computed from them. The hardware path's failure on such a PMU is in
# tests/profile.bats.

# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/pwllcwork" -O0 "$BATS_TEST_DIRNAME/helpers/llcstat-target.c"
}

setup() {
	require_root
	WORK=$BATS_FILE_TMPDIR/pwllcwork
	[[ -x $WORK ]] || skip "needs gcc to build the workload"
	work_pids=()
	work_names=()
	sensor=""
	export PW_LLCSTAT_TEST_EVENTS=sw
}

teardown() {
	local p
	for p in "${work_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	[[ -z $sensor ]] || pw_teardown
	return 0
}

# start_work NAME PAGES SLEEPS: a copy of the workload named NAME, stopped
# before its work; its pid in work_pids.
start_work() {
	cp "$WORK" "$BATS_TEST_TMPDIR/$1"
	"$BATS_TEST_TMPDIR/$1" "$2" "$3" >"$BATS_TEST_TMPDIR/$1.out" &
	work_pids+=("$!")
	work_names+=("$1")
	for _ in $(seq 1 200); do
		[[ $(awk '{print $3}' "/proc/$!/stat" 2>/dev/null) == T ]] && return 0
		sleep 0.05
	done
	echo "workload $1 did not stop itself" >&2
	return 1
}

# count OPTION...: llcstat runs (stdout llc.out, stderr llc.err) while every
# started workload does its work; stopped with SIGINT once all are done.
count() {
	local p n
	"$PW" llcstat "$@" >"$BATS_TEST_TMPDIR/llc.out" 2>"$BATS_TEST_TMPDIR/llc.err" &
	llc=$!
	for _ in $(seq 1 200); do
		grep -q "counting" "$BATS_TEST_TMPDIR/llc.err" && break
		sleep 0.05
	done
	grep -q "counting" "$BATS_TEST_TMPDIR/llc.err"
	# Seen on the 6.18 host: a burst right after the events are attached
	# (the line above) was missed in half the runs, both events alike
	# (the first ~40 ms); half a second later, never in 8 runs.
	sleep 0.5
	for p in "${work_pids[@]}"; do kill -CONT "$p"; done
	for n in "${work_names[@]}"; do
		for _ in $(seq 1 200); do
			grep -q "done" "$BATS_TEST_TMPDIR/$n.out" && break
			sleep 0.05
		done
		grep -q "done" "$BATS_TEST_TMPDIR/$n.out"
	done
	kill -INT "$llc"
	rc=0
	wait "$llc" || rc=$?
	[ "$rc" -eq 0 ]
}

# sums PID: that process's references and misses over its rows (one per CPU)
sums() {
	jq -c --argjson p "$1" '[.rows[] | select(.pid == $p)] | {references: (map(.references) | add), misses: (map(.misses) | add), comms: (map(.comm) | unique)}' "$BATS_TEST_TMPDIR/llc.out"
}

@test "llcstat (software stand-in): each workload's page faults and context switches under its own pid, totals and stats from the rows" {
	start_work pwllcbig 2000 100
	start_work pwllcsmall 500 20
	count --json --sample-period 1
	grep -q "PW_LLCSTAT_TEST_EVENTS=sw: counting minor page faults as references and context switches as misses (a test stand-in, not cache events)" "$BATS_TEST_TMPDIR/llc.err"
	r=$(cat "$BATS_TEST_TMPDIR/llc.out")
	big=$(sums "${work_pids[0]}")
	small=$(sums "${work_pids[1]}")
	# the faults and sleeps each made, plus a few of its own (libc, stack)
	assert_field "$big" .references -ge 2000
	assert_field "$big" .references -le 2100
	assert_field "$big" .misses -ge 100
	assert_field "$big" .misses -le 150
	assert_field "$big" .comms[] pwllcbig
	assert_field "$small" .references -ge 500
	assert_field "$small" .references -le 600
	assert_field "$small" .misses -ge 20
	assert_field "$small" .misses -le 70
	assert_field "$small" .comms[] pwllcsmall
	assert_field "$r" .sample_period -eq 1
	# each row's hit ratio is its own (references - misses) / references
	assert_field "$r" '[.rows[] | select(.references > 0) | select((.hit_percent - (if .references > .misses then 100 * (.references - .misses) / .references else 0 end)) | fabs > 0.01)] | length' -eq 0
	# the totals are the rows' sums; at period 1 every sample counts one
	assert_field "$r" '.total.references == ([.rows[].references] | add)' true
	assert_field "$r" '.total.misses == ([.rows[].misses] | add)' true
	assert_field "$r" '.stats | .seen == .filtered + .emitted + .dropped' true
	assert_field "$r" '.stats.emitted == .total.references + .total.misses' true
}

@test "llcstat (software stand-in) --sample-period 10: counts in multiples of the period, near the events made" {
	start_work pwllcten 2000 100
	count --json --sample-period 10
	s=$(sums "${work_pids[0]}")
	assert_field "$s" '.references % 10' -eq 0
	assert_field "$s" '.misses % 10' -eq 0
	# the counter is the CPU's: another task's fault may end a period
	assert_field "$s" .references -ge 1900
	assert_field "$s" .references -le 2200
	# context switches are frequent on every CPU: a sample falls on the
	# task switched out at every 10th, the workload's share only roughly
	assert_field "$s" .misses -ge 50
	assert_field "$s" .misses -le 200
	r=$(cat "$BATS_TEST_TMPDIR/llc.out")
	assert_field "$r" .sample_period -eq 10
	assert_field "$r" '.stats.emitted * 10 == .total.references + .total.misses' true
}

@test "llcstat (software stand-in) table: the workload's rows and a total line that adds up" {
	start_work pwllctab 2000 100
	count --sample-period 1
	out=$BATS_TEST_TMPDIR/llc.out
	head -1 "$out" | grep -Eq '^PID +NAME +CPU +REFERENCE +MISS +HIT%$'
	refs=$(awk -v p="${work_pids[0]}" '$1 == p && $2 == "pwllctab" { r += $4 } END { print r + 0 }' "$out")
	misses=$(awk -v p="${work_pids[0]}" '$1 == p && $2 == "pwllctab" { m += $5 } END { print m + 0 }' "$out")
	[ "$refs" -ge 2000 ] && [ "$refs" -le 2100 ]
	[ "$misses" -ge 100 ] && [ "$misses" -le 150 ]
	total_refs=$(awk '$1 ~ /^[0-9]+$/ { r += $4 } END { print r }' "$out")
	total_misses=$(awk '$1 ~ /^[0-9]+$/ { m += $5 } END { print m }' "$out")
	tail -1 "$out" | grep -q "^Total references: $total_refs, total misses: $total_misses, hit ratio: [0-9.]*%$"
}

@test "llcstat (software stand-in) with the sensor loaded: a comm filter keeps the filtered workload out of the table, counted as filtered" {
	sensor=1
	pw_fresh process
	"$PW" filter add comm pwllcskip
	start_work pwllcskip 2000 100
	start_work pwllckeep 500 20
	count --json --sample-period 1
	r=$(cat "$BATS_TEST_TMPDIR/llc.out")
	assert_field "$r" "[.rows[] | select(.pid == ${work_pids[0]})] | length" -eq 0
	assert_field "$(sums "${work_pids[1]}")" .references -ge 500
	assert_field "$r" .stats.filtered -ge 2100
	assert_field "$r" '.stats | .seen == .filtered + .emitted + .dropped' true
	s=$(stats_balance llcstat)
	assert_field "$s" .filtered -ge 2100
}

@test "llcstat: PW_LLCSTAT_TEST_EVENTS other than sw is one line and exit 2" {
	PW_LLCSTAT_TEST_EVENTS=hw run --separate-stderr "$PW" llcstat --duration 1
	[ "$status" -eq 2 ]
	assert_one_line_error
	[ "$stderr" = "pinwatch-llcstat: invalid PW_LLCSTAT_TEST_EVENTS 'hw': sw (a test hook) or unset" ]
	[ -z "$output" ]
}
