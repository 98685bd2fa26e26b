#!/usr/bin/env bats
# The iouring module: a ring made, a file registered, a file opened and
# another unlinked through the ring (never by openat(2) or unlinkat(2): the
# path that dodges syscall auditing), plain and with an SQPOLL thread doing
# the submitting; the filters, module.iouring off, the stats invariant and
# the text line.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file iouring
	# the act, raw io_uring syscalls; its comm is the file's name
	pw_cc "$BATS_FILE_TMPDIR/pwiouring" -O1 -Wall -Wextra -Werror \
		"$BATS_TEST_DIRNAME/helpers/iouring-act.c"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	local disabled
	disabled=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
	[[ $disabled != 2 ]] || skip "io_uring is disabled here (sysctl kernel.io_uring_disabled=2)"
	pw_drain
	ACT=$BATS_FILE_TMPDIR/pwiouring
	opened=$BATS_TEST_TMPDIR/opened
	victim=$BATS_TEST_TMPDIR/victim
	touch "$opened" "$victim"
}

# Runs the act (ARGS: --sqpoll or nothing) on $opened and $victim, a child
# of this shell; sets act_pid, ring_fd and events (this run's io_uring
# events, JSON Lines).
act() {
	"$ACT" "$@" "$opened" "$victim" >"$BATS_TEST_TMPDIR/act.out"
	[[ $(cat "$BATS_TEST_TMPDIR/act.out") =~ ^pid=([0-9]+)\ ring_fd=([0-9]+)\  ]]
	act_pid=${BASH_REMATCH[1]}
	ring_fd=${BASH_REMATCH[2]}
	events=$(pw_events | jq -c --argjson p "$act_pid" 'select(.type == "io_uring" and .pid == $p)')
}

# The fields every event of the act carries.
assert_owner() { # event
	assert_field "$1" .module iouring
	assert_field "$1" .comm pwiouring
	assert_field "$1" .ppid -eq "$BASHPID"
	assert_field "$1" .uid -eq 0
}

# bats test_tags=vm-ci
@test "a ring opens one file and unlinks another: create, register, submit OPENAT and UNLINKAT on one ring; the file is gone" {
	act
	[ ! -e "$victim" ]
	create=$(jq -c 'select(.op == "create")' <<<"$events")
	[ "$(jq -s length <<<"$create")" -eq 1 ]
	assert_owner "$create"
	assert_field "$create" .tid -eq "$act_pid"
	assert_field "$create" .fd -eq "$ring_fd"
	assert_field "$create" .flags -eq 0
	assert_field "$create" '.flag_names | length' -eq 0
	assert_field "$create" .sq_entries -eq 8
	assert_field "$create" .cq_entries -eq 16
	assert_field "$create" .opcode null
	assert_field "$create" .sq_thread false
	ring=$(jq -r .ring <<<"$create")
	[[ $ring =~ ^[1-9][0-9]*$ ]]

	reg=$(jq -c 'select(.op == "register")' <<<"$events")
	[ "$(jq -s length <<<"$reg")" -eq 1 ]
	assert_owner "$reg"
	assert_field "$reg" .ring -eq "$ring"
	assert_field "$reg" .opcode REGISTER_FILES
	assert_field "$reg" .opcode_nr -eq 2
	assert_field "$reg" .nr_files -eq 1
	assert_field "$reg" .nr_bufs -eq 0
	assert_field "$reg" .ret -eq 0

	subs=$(jq -c 'select(.op == "submit")' <<<"$events")
	[ "$(jq -s length <<<"$subs")" -eq 2 ]
	for opcode in OPENAT UNLINKAT; do
		ev=$(jq -c --arg o "$opcode" 'select(.opcode == $o)' <<<"$subs")
		[ "$(jq -s length <<<"$ev")" -eq 1 ]
		assert_owner "$ev"
		assert_field "$ev" .ring -eq "$ring"
		assert_field "$ev" .tid -eq "$act_pid"
		assert_field "$ev" .sq_thread false
	done
	assert_field "$(jq -c 'select(.opcode == "OPENAT")' <<<"$subs")" .opcode_nr -eq 18
	assert_field "$(jq -c 'select(.opcode == "UNLINKAT")' <<<"$subs")" .opcode_nr -eq 36
}

@test "with SQPOLL the kernel thread submits, and the header still names the program: its pid and comm" {
	act --sqpoll
	[ ! -e "$victim" ]
	create=$(jq -c 'select(.op == "create")' <<<"$events")
	assert_field "$create" .flags -eq 2
	assert_owner "$create"
	assert_field "$create" '.flag_names | join(",")' SQPOLL
	ring=$(jq -r .ring <<<"$create")
	subs=$(jq -c 'select(.op == "submit")' <<<"$events")
	[ "$(jq -s length <<<"$subs")" -eq 2 ]
	for opcode in OPENAT UNLINKAT; do
		ev=$(jq -c --arg o "$opcode" 'select(.opcode == $o)' <<<"$subs")
		[ "$(jq -s length <<<"$ev")" -eq 1 ]
		assert_owner "$ev"
		assert_field "$ev" .pid -eq "$act_pid"
		assert_field "$ev" .ring -eq "$ring"
		assert_field "$ev" .sq_thread true
		# the submitting thread: iou-sqp-PID, a thread of the program
		tid=$(jq -r .tid <<<"$ev")
		[ "$tid" -ne "$act_pid" ]
	done
}

@test "two rings get two ids" {
	act
	first=$(jq -r 'select(.op == "create") | .ring' <<<"$events")
	touch "$victim"
	act
	second=$(jq -r 'select(.op == "create") | .ring' <<<"$events")
	[[ -n $first && -n $second && $first != "$second" ]]
}

@test "a comm filter on the program drops all its io_uring events, counted filtered, and the unlink still happens" {
	before=$(stat_of iouring filtered)
	"$PW" filter add comm pwiouring
	run -0 "$ACT" --sqpoll "$opened" "$victim"
	"$PW" filter del comm pwiouring
	[ ! -e "$victim" ]
	[[ $output =~ ^pid=([0-9]+)\  ]]
	[ "$(pw_events | jq -c --argjson p "${BASH_REMATCH[1]}" 'select(.type == "io_uring" and .pid == $p)' | wc -l)" -eq 0 ]
	# create, register and the two submits (by the SQPOLL thread: the owner's comm)
	[ "$(stat_of iouring filtered)" -ge $((before + 4)) ]
}

@test "module.iouring off: no io_uring events, every one counted filtered" {
	before=$(stat_of iouring filtered)
	"$PW" config set module.iouring off
	run -0 "$ACT" "$opened" "$victim"
	"$PW" config set module.iouring on
	[ "$(pw_events | jq -c 'select(.type == "io_uring")' | wc -l)" -eq 0 ]
	[ "$(stat_of iouring filtered)" -ge $((before + 4)) ]
}

@test "the text output names the op, the opcode and the ring" {
	run -0 "$ACT" --sqpoll "$opened" "$victim"
	run -0 "$PW_READ" --drain
	grep -E "pwiouring +create ring=[0-9]+ fd=[0-9]+ flags=SQPOLL sq_entries=8 cq_entries=16\$" <<<"$output"
	grep -E "pwiouring +register opcode=REGISTER_FILES ring=[0-9]+ nr_files=1 nr_bufs=0 ret=0\$" <<<"$output"
	grep -E "pwiouring +submit opcode=OPENAT ring=[0-9]+ sq_thread\$" <<<"$output"
	grep -E "pwiouring +submit opcode=UNLINKAT ring=[0-9]+ sq_thread\$" <<<"$output"
}

@test "after a run, seen equals filtered plus emitted plus dropped for module iouring" {
	"$PW" filter add comm pwiouring
	run -0 "$ACT" "$opened" "$victim"
	"$PW" filter del comm pwiouring
	touch "$victim"
	run -0 "$ACT" "$opened" "$victim"
	run -0 stats_balance iouring
	assert_field "$output" .filtered -ge 4
	assert_field "$output" .emitted -ge 4
}

@test "the raw_tp variants (tp_btf denied) report the same act" {
	"$PW" down iouring
	PINWATCH_DENY_VARIANTS=tp_btf "$PW" up iouring
	[ "$(hook_variant iouring submit)" = raw_tp ]
	[ "$(hook_variant iouring create)" = raw_tp ]
	[ "$(hook_variant iouring register)" = raw_tp ]
	act --sqpoll
	"$PW" down iouring
	"$PW" up iouring
	[ ! -e "$victim" ]
	ring=$(jq -r 'select(.op == "create") | .ring' <<<"$events")
	[[ $ring =~ ^[1-9][0-9]*$ ]]
	[ "$(jq -c --argjson r "$ring" 'select(.ring == $r)' <<<"$events" | wc -l)" -eq 4 ]
	assert_field "$(jq -c 'select(.op == "register")' <<<"$events")" .opcode REGISTER_FILES
	ev=$(jq -c 'select(.opcode == "UNLINKAT")' <<<"$events")
	assert_owner "$ev"
	assert_field "$ev" .sq_thread true
}
