#!/usr/bin/env bats
# The syscall module: in-kernel per-syscall counts and latency histograms,
# the per-call event stream for selected syscalls, pinwatch syscount, and the
# on-demand sys_exit hook.

# shellcheck disable=SC2154 # status, output and stderr come from bats' run
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file syscall
	pw_cc "$BATS_FILE_TMPDIR/pwsc" -O2 "$PW_HOME/tests/fixtures/syscalls.c"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	pw_drain
	SC=$BATS_FILE_TMPDIR/pwsc
}

teardown() {
	"$PW" config set syscalls none >/dev/null 2>&1 || true
	"$PW" config set syscall_latency off >/dev/null 2>&1 || true
}

# count of one syscall by name, from pinwatch syscount --json
count_of() {
	"$PW" syscount --json --top 512 | jq -r --arg n "$1" '[.[] | select(.name == $n) | .count] | add // 0'
}

nr_of() {
	awk -v n="$1" '$2 == n { print $1 }' "$PW_BUILD/syscalls.txt"
}

@test "exactly the 5000 getppid calls of a process are counted under a pid --only filter" {
	mkfifo "$BATS_TEST_TMPDIR/go"
	"$SC" 5000 wait <"$BATS_TEST_TMPDIR/go" &
	pid=$!
	exec {w}>"$BATS_TEST_TMPDIR/go"
	"$PW" filter add pid "$pid" --only
	before=$(count_of getppid)
	echo x >&"$w"
	exec {w}>&-
	wait "$pid"
	after=$(count_of getppid)
	"$PW" filter del pid "$pid"
	echo "before $before after $after"
	[ $((after - before)) -eq 5000 ]
}

@test "plain counting attaches only the sys_enter hook" {
	[ -e "$PIN_ROOT/syscall/link_enter" ]
	[ ! -e "$PIN_ROOT/syscall/link_exit" ]
	[ -e "$PIN_ROOT/syscall/prog_exit__tp_btf" ] || [ -e "$PIN_ROOT/syscall/prog_exit__raw_tp" ]
	run -0 "$PW" status
}

@test "a selected syscall is reported per call with nr, name, six args and ret = the parent pid" {
	"$PW" config set syscalls getppid
	[ -e "$PIN_ROOT/syscall/link_exit" ]
	"$SC" 3 &
	pid=$!
	wait "$pid"
	events=$(pw_events | jq -c --argjson p "$pid" 'select(.type == "syscall" and .pid == $p)')
	[ "$(jq -s length <<<"$events")" -eq 3 ]
	[ "$(jq -r .nr <<<"$events" | sort -u)" = "$(nr_of getppid)" ]
	[ "$(jq -r .name <<<"$events" | sort -u)" = getppid ]
	[ "$(jq -r .ret <<<"$events" | sort -u)" = "$BASHPID" ]
	[ "$(jq -r '.args | length' <<<"$events" | sort -u)" = 6 ]
	[ "$(jq -r '.args | map(type) | unique | join(",")' <<<"$events" | sort -u)" = number ]
	[ "$(jq -r .module <<<"$events" | sort -u)" = syscall ]
}

# bats test_tags=vm-ci
@test "syscall events carry the raw arguments and a negative errno on failure" {
	"$PW" config set syscalls lseek
	echo data >"$BATS_TEST_TMPDIR/f"
	"$SC" 0 - "$BATS_TEST_TMPDIR/f" &
	pid=$!
	wait "$pid"
	events=$(pw_events | jq -c --argjson p "$pid" 'select(.type == "syscall" and .pid == $p and .name == "lseek")')
	[ "$(jq -s length <<<"$events")" -eq 2 ]
	ok=$(jq -sc '.[0]' <<<"$events")
	bad=$(jq -sc '.[1]' <<<"$events")
	assert_field "$ok" '.args[1]' -eq 4242
	assert_field "$ok" '.args[2]' -eq 0 # SEEK_SET
	assert_field "$ok" .ret -eq 4242
	assert_field "$bad" '.args[0]' -eq 999
	assert_field "$bad" .ret -eq -9 # -EBADF
}

@test "unselected syscalls produce no events, and 'none' detaches the sys_exit hook" {
	"$PW" config set syscalls getppid,lseek
	[ "$("$PW" config get syscalls)" = "lseek,getppid" ] # by number
	"$PW" config set syscalls none
	[ "$("$PW" config get syscalls)" = none ]
	[ ! -e "$PIN_ROOT/syscall/link_exit" ]
	"$SC" 3 &
	pid=$!
	wait "$pid"
	[ "$(pw_events | jq -c --argjson p "$pid" 'select(.type == "syscall" and .pid == $p)' | wc -l)" -eq 0 ]
}

@test "an unknown syscall name is refused with one line and changes nothing" {
	"$PW" config set syscalls getppid
	run --separate-stderr "$PW" config set syscalls openat,nosuchcall
	assert_one_line_error
	[[ $stderr == *nosuchcall* ]]
	[ "$("$PW" config get syscalls)" = getppid ]
	run --separate-stderr "$PW" config set syscalls ""
	assert_one_line_error
	run --separate-stderr "$PW" config set syscalls openat,,read
	assert_one_line_error
	[ "$("$PW" config get syscalls)" = getppid ]
}

@test "syscall_latency times syscalls: syscount --latency and pinwatch hist show them" {
	run --separate-stderr "$PW" syscount --latency
	assert_one_line_error
	[[ $stderr == *"syscall_latency on"* ]]
	"$PW" config set syscall_latency on
	[ -e "$PIN_ROOT/syscall/link_exit" ]
	"$SC" 2000
	json=$("$PW" syscount --latency --json --top 512)
	row=$(jq -c '.[] | select(.name == "getppid")' <<<"$json")
	assert_field "$row" .timed -ge 2000
	assert_field "$row" .total_ns -gt 0
	assert_field "$row" .avg_ns -gt 0
	# sorted by total time
	[ "$(jq '[.[].total_ns] == ([.[].total_ns] | sort | reverse)' <<<"$json")" = true ]
	run -0 "$PW" hist syscall
	[[ $output == *"hist_latency_ns getppid (total "* ]]
	[[ $output == *"|*"* ]]
	h=$("$PW" hist syscall --json | jq -c '.[] | select(.label == "getppid")')
	assert_field "$h" .total -ge 2000
	assert_field "$h" .unit ns
	assert_field "$h" '[.slots[].count] | add' -eq "$(jq -r .total <<<"$h")"
	"$PW" config set syscall_latency off
	[ ! -e "$PIN_ROOT/syscall/link_exit" ]
}

@test "syscount prints the top syscalls by name, as text and as JSON" {
	"$SC" 100
	run -0 "$PW" syscount --top 3
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == SYSCALL*COUNT* ]]
	run -0 "$PW" syscount --json --top 512
	assert_field "$output" '.[] | select(.name == "getppid") | .nr' "$(nr_of getppid)"
	[ "$(jq '[.[].count] == ([.[].count] | sort | reverse)' <<<"$output")" = true ]
	[ "$(jq '.[0] | keys | sort | join(",")' -r <<<"$output")" = "count,name,nr" ]
	run --separate-stderr "$PW" syscount --top 0
	assert_one_line_error
	run --separate-stderr "$PW" syscount --bogus
	assert_one_line_error
}

@test "switching the module off stops the counting" {
	"$PW" config set module.syscall off
	before=$(count_of getppid)
	"$SC" 500
	after=$(count_of getppid)
	"$PW" config set module.syscall on
	[ "$after" -eq "$before" ]
}

@test "syscall event stats balance, filtered events included" {
	"$PW" config set syscalls getppid
	"$PW" filter add comm pwsc
	"$SC" 10
	"$PW" filter del comm pwsc
	"$SC" 10
	run -0 stats_balance syscall
	assert_field "$output" .filtered -ge 10
	assert_field "$output" .emitted -ge 10
}

@test "every syscall pin is documented in pinned-layout.md" {
	documented=$(grep -o '/sys/fs/bpf/pinwatch/syscall/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	"$PW" config set syscall_latency on
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT/syscall" -mindepth 1 | sort)
}

@test "a module loaded while syscall_latency is on attaches its sys_exit hook at load" {
	"$PW" up process # keeps the shared config while syscall reloads
	"$PW" config set syscall_latency on
	"$PW" down syscall
	run -0 "$PW" up syscall
	[ -e "$PIN_ROOT/syscall/link_exit" ]
	"$PW" config set syscall_latency off
	[ ! -e "$PIN_ROOT/syscall/link_exit" ]
	"$PW" down syscall
	run "$PW" up syscall
	[[ $output == *"exit: tp_btf on demand"* || $output == *"exit: raw_tp on demand"* ]]
	[ ! -e "$PIN_ROOT/syscall/link_exit" ]
	"$PW" down process
	[ -e "$PIN_ROOT/syscall/link_enter" ]
}

@test "pinwatch-load attach and detach are idempotent and refuse hooks that are not on demand" {
	obj=$PW_BUILD/bpf/syscall.bpf.o
	"$PW_LOAD" attach "$obj" exit
	"$PW_LOAD" attach "$obj" exit
	[ -e "$PIN_ROOT/syscall/link_exit" ]
	"$PW_LOAD" detach "$obj" exit
	"$PW_LOAD" detach "$obj" exit
	[ ! -e "$PIN_ROOT/syscall/link_exit" ]
	run --separate-stderr "$PW_LOAD" detach "$obj" enter
	assert_one_line_error
	[[ $stderr == *"not attached on demand"* ]]
	[ -e "$PIN_ROOT/syscall/link_enter" ]
	run --separate-stderr "$PW_LOAD" attach "$obj" nosuchhook
	assert_one_line_error
}
