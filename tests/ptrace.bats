#!/usr/bin/env bats
# The ptrace module: ptrace attach, traceme, pokes and detach, and
# process_vm_writev/readv, by strace and by a small C helper doing what an
# intruder does (tests/helpers/ptrace-helper.c); the default request set,
# the filters and the stats invariant.
# The default pack (scripts/rules/default) rightly alerts on this file's acts: its helper attaches, seizes, pokes and process_vm_writev's (ptrace-attach).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

# shellcheck disable=SC2154 # output and stderr_lines come from bats' run; attach, addr,
# data, parent, child, written, readback and same from helper_vars

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file ptrace
	command -v gcc >/dev/null || skip "needs gcc to build the helper"
	# a directory nobody may enter: the helper also runs as nobody
	HELPER_DIR=$(mktemp -d "${TMPDIR:-/tmp}"/pwptrace.XXXXXX)
	chmod 755 "$HELPER_DIR"
	pw_cc "$HELPER_DIR/pwptrace" -O1 -Wall -Wextra -Werror "$BATS_TEST_DIRNAME/helpers/ptrace-helper.c"
	export HELPER_DIR
}

teardown_file() {
	pw_teardown_file
	[[ -z ${HELPER_DIR:-} ]] || rm -rf "$HELPER_DIR"
}

setup() {
	require_root
	HELPER=$HELPER_DIR/pwptrace
	"$PW" config set ptrace_all_requests off >/dev/null
	pw_drain
}

# Starts `sleep 100` in the background and waits until it runs sleep (until
# then the child is a copy of this shell). Sets child.
start_sleeper() {
	sleep 100 &
	child=$!
	for _ in $(seq 1 100); do
		[[ $(cat "/proc/$child/comm" 2>/dev/null) == sleep ]] && return 0
		sleep 0.02
	done
	return 1
}

# The target_comm a test expects for a target that is not the caller's
# parent: comm where the exit hook looks the task up by pid (variant tpk,
# kernels with bpf_task_from_pid); where it cannot (variant tp), comm only
# for a target that is among the caller's tracees at the exit (tracee).
want_comm() { # comm [tracee]
	local v
	v=$("$PW" status --json | jq -r '.modules[] | select(.name == "ptrace") | .hooks[] |
		select(.hook == "ptrace_x") | .variant')
	if [[ $v == tpk || ${2:-} == tracee ]]; then echo "$1"; else echo ""; fi
}

# Fields of words NAME=VALUE printed by the helper, as shell variables.
helper_vars() { # line
	local w
	for w in $1; do
		printf -v "${w%%=*}" '%s' "${w#*=}"
	done
}

@test "strace -p of a sleeping child reports SEIZE and DETACH with the child as target" {
	command -v strace >/dev/null || skip "needs strace"
	start_sleeper
	timeout 1 strace -p "$child" -o /dev/null 2>/dev/null || true
	kill "$child"
	wait "$child" || true
	events=$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)')
	seize=$(jq -c 'select(.request == "SEIZE")' <<<"$events")
	[ "$(jq -s length <<<"$seize")" -eq 1 ]
	assert_field "$seize" .comm strace
	assert_field "$seize" .module ptrace
	assert_field "$seize" .syscall ptrace
	assert_field "$seize" .request_nr -eq $((0x4206))
	assert_field "$seize" .target_comm "$(want_comm sleep tracee)"
	assert_field "$seize" .addr -eq 0
	assert_field "$seize" '.data | type' number
	assert_field "$seize" .ret -eq 0
	detach=$(jq -c 'select(.request == "DETACH" and .ret == 0)' <<<"$events")
	[ "$(jq -s length <<<"$detach")" -eq 1 ]
	assert_field "$detach" .comm strace
	# detached at the exit: no longer a tracee
	assert_field "$detach" .target_comm "$(want_comm sleep)"
}

@test "PTRACE_ATTACH, POKEDATA and DETACH report the word written and its address; PEEKDATA is filtered" {
	before=$(stat_of ptrace filtered)
	run -0 "$HELPER" poke
	helper_vars "$output"
	[ "$attach" -eq 0 ]
	events=$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)')
	[ "$(jq -r .request <<<"$events" | paste -sd' ')" = "ATTACH POKEDATA DETACH" ]
	at=$(jq -c 'select(.request == "ATTACH")' <<<"$events")
	assert_field "$at" .comm pwptrace
	assert_field "$at" .request_nr -eq 16
	assert_field "$at" .target_comm "$(want_comm pwtarget tracee)"
	assert_field "$at" .ret -eq 0
	poke=$(jq -c 'select(.request == "POKEDATA")' <<<"$events")
	assert_field "$poke" .request_nr -eq 5
	assert_field "$poke" .addr -eq "$addr"
	assert_field "$poke" .data -eq "$data"
	assert_field "$poke" .target_comm "$(want_comm pwtarget tracee)"
	assert_field "$poke" .ret -eq 0
	# PEEKDATA (and only it: the other three are reported) ended filtered
	[ "$(stat_of ptrace filtered)" -ge $((before + 1)) ]
}

@test "config ptrace_all_requests reports the reads too" {
	"$PW" config set ptrace_all_requests on
	run -0 "$HELPER" poke
	"$PW" config set ptrace_all_requests off
	helper_vars "$output"
	events=$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)')
	[ "$(jq -r .request <<<"$events" | paste -sd' ')" = "ATTACH PEEKDATA POKEDATA DETACH" ]
	peek=$(jq -c 'select(.request == "PEEKDATA")' <<<"$events")
	assert_field "$peek" .addr -eq "$addr"
	assert_field "$peek" .ret -eq 0
}

@test "ptrace_all_requests takes on or off, nothing else" {
	run -1 --separate-stderr "$PW" config set ptrace_all_requests 2
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$("$PW" config get ptrace_all_requests)" = 0 ]
}

@test "PTRACE_TRACEME from a child names its parent as the target" {
	run -0 "$HELPER" traceme
	helper_vars "$output"
	ev=$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .pid == $c)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .request TRACEME
	assert_field "$ev" .request_nr -eq 0
	assert_field "$ev" .comm pwtraceme
	assert_field "$ev" .target_pid -eq "$parent"
	assert_field "$ev" .target_comm pwptrace
	assert_field "$ev" .ret -eq 0
}

@test "an unprivileged attach to a root process reports ret -1 (EPERM)" {
	start_sleeper
	run -0 as_nobody "$HELPER" attach "$child"
	kill "$child"
	wait "$child" || true
	[ "$output" = "ret=-1 errno=1" ]
	ev=$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .request ATTACH
	assert_field "$ev" .uid -eq 65534
	assert_field "$ev" .comm pwptrace
	assert_field "$ev" .target_comm "$(want_comm sleep)"
	assert_field "$ev" .ret -eq -1
}

@test "process_vm_writev and process_vm_readv report the bytes copied and the remote address" {
	run -0 "$HELPER" vm
	helper_vars "$output"
	[ "$written" -eq 8 ] && [ "$readback" -eq 8 ] && [ "$same" -eq 1 ]
	events=$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)')
	for req in vm_writev vm_readv; do
		ev=$(jq -c --arg r "$req" 'select(.request == $r)' <<<"$events")
		[ "$(jq -s length <<<"$ev")" -eq 1 ]
		assert_field "$ev" .syscall "process_$req"
		assert_field "$ev" .comm pwptrace
		assert_field "$ev" .target_comm "$(want_comm pwtarget)"
		assert_field "$ev" .addr -eq "$addr"
		assert_field "$ev" .iovcnt -eq 1
		assert_field "$ev" .bytes -eq 8
		assert_field "$ev" .ret -eq 8
	done
}

@test "a comm filter drops the helper's events and counts them as filtered" {
	before=$(stat_of ptrace filtered)
	"$PW" filter add comm pwptrace
	run -0 "$HELPER" vm
	"$PW" filter del comm pwptrace
	helper_vars "$output"
	[ "$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)' | wc -l)" -eq 0 ]
	[ "$(stat_of ptrace filtered)" -ge $((before + 2)) ]
}

@test "module.ptrace off stops the events, on brings them back" {
	"$PW" config set module.ptrace off
	run -0 "$HELPER" vm
	"$PW" config set module.ptrace on
	helper_vars "$output"
	[ "$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)' | wc -l)" -eq 0 ]
	run -0 "$HELPER" vm
	helper_vars "$output"
	[ "$(pw_events | jq -c --argjson c "$child" 'select(.type == "ptrace" and .target_pid == $c)' | wc -l)" -eq 2 ]
}

@test "the text output names the request, the target and the result" {
	run -0 "$HELPER" poke
	helper_vars "$output"
	run -0 "$PW_READ" --drain
	printf -v hex '0x%x' "$addr"
	grep -E "ATTACH target=$child( target_comm=pwtarget)? ret=0\$" <<<"$output"
	grep -E "POKEDATA target=$child( target_comm=pwtarget)? addr=$hex data=0x5057 ret=0\$" <<<"$output"
}

@test "after a run, seen equals filtered plus emitted plus dropped for module ptrace" {
	"$PW" filter add comm pwptrace
	"$HELPER" vm >/dev/null
	"$PW" filter del comm pwptrace
	"$HELPER" poke >/dev/null
	run -0 stats_balance ptrace
	assert_field "$output" .filtered -ge 3
	assert_field "$output" .emitted -ge 3
}

# bats test_tags=vm-ci
@test "the exit hooks run tpk where the task_from_pid probe finds the kfunc callable, else tp, with no notice either way" {
	"$PW" down
	run -0 --separate-stderr "$PW_LOAD" probe --json
	supported=$(jq -r '.features[] | select(.name == "task_from_pid") | .supported' <<<"$output")
	[[ $supported == true || $supported == false ]]
	if [[ $supported == true ]]; then want=tpk; else want=tp; fi
	run -0 --separate-stderr "$PW_LOAD" load "$PW_BUILD/bpf/ptrace.bpf.o"
	# no load was tried and refused: no fallback notice
	[ -z "$stderr" ] || { echo "stderr: $stderr" >&2; false; }
	for h in ptrace_x vmread_x vmwrite_x; do
		[ "$(hook_variant ptrace "$h")" = "$want" ] || { echo "$h: $(hook_variant ptrace "$h"), want $want" >&2; false; }
	done
	"$PW" down
	"$PW" up ptrace >/dev/null
}

# Where the kfunc is callable tpk loads, and a failed load is simulated;
# elsewhere (6.1) tpk is no candidate and the other tests run tp.
@test "where tpk fails to load, ptrace_x falls back to tp and finds the target among the caller's tracees" {
	"$PW_LOAD" probe --json | jq -e '.features[] | select(.name == "task_from_pid") | .supported' >/dev/null ||
		skip "the kfunc is not callable here: tpk is never loaded"
	"$PW" down
	run -0 --separate-stderr env PINWATCH_TEST_FAIL_AT=load:ptrace_x__tpk "$PW_LOAD" load "$PW_BUILD/bpf/ptrace.bpf.o"
	[[ $stderr == *"ptrace: ptrace_x: tp failed to load ("*"); using tp"* ]]
	[ -e "$PIN_ROOT/ptrace/prog_ptrace_x__tp" ]
	[ "$(want_comm x)" = "" ] # want_comm sees the variant too
	pw_drain
	run -0 "$HELPER" poke
	helper_vars "$output"
	tracee=$child
	start_sleeper
	run -0 as_nobody "$HELPER" attach "$child"
	kill "$child"
	wait "$child" || true
	events=$(pw_events | jq -c 'select(.type == "ptrace")')
	# the new tracee, and a request on it: found among the tracees
	mine=$(jq -c --argjson t "$tracee" 'select(.target_pid == $t)' <<<"$events")
	[ "$(jq -r .request <<<"$mine" | paste -sd' ')" = "ATTACH POKEDATA DETACH" ]
	assert_field "$(jq -c 'select(.request == "ATTACH")' <<<"$mine")" .target_comm pwtarget
	assert_field "$(jq -c 'select(.request == "POKEDATA")' <<<"$mine")" .target_comm pwtarget
	# detached at the exit, or never attached: not found
	assert_field "$(jq -c 'select(.request == "DETACH")' <<<"$mine")" .target_comm ""
	refused=$(jq -c --argjson c "$child" 'select(.target_pid == $c)' <<<"$events")
	assert_field "$refused" .ret -eq -1
	assert_field "$refused" .target_comm ""
	"$PW" down
	"$PW" up ptrace >/dev/null
}
