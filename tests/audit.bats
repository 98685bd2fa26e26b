#!/usr/bin/env bats
# The tamper trail: who opened or changed which pin, map entry or link, and
# who loaded programs, written before the kernel acts on the command.

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite audit process

setup() {
	require_root
	[[ -e $PIN_ROOT/process/link_exit && -e $PIN_ROOT/process/link_fork ]] || {
		"$PW" down process >/dev/null 2>&1 || true
		"$PW" up process >/dev/null
	}
	pw_drain
}

audit_events() {
	pw_events | jq -c 'select(.type == "audit")'
}

@test "a filter change through the control plane is audited with the process and its lineage" {
	"$PW" filter add pid 4242
	"$PW" filter del pid 4242
	events=$(audit_events)
	upd=$(jq -c 'select(.action == "map_update" and .object_name == "filter_pid")' <<<"$events")
	[ "$(jq -s length <<<"$upd")" -eq 1 ]
	assert_field "$upd" .key 92100000 # 4242, little-endian
	assert_field "$upd" .value 01
	assert_field "$upd" .comm bpftool
	assert_field "$upd" .exec_id -gt 0
	assert_field "$upd" .parent_exec_id -gt 0 # the control plane, exec'd under the sensor
	del=$(jq -c 'select(.action == "map_delete" and .object_name == "filter_pid")' <<<"$events")
	assert_field "$del" .key 92100000
	[ "$(jq -c --arg p "$PIN_ROOT/maps/filter_pid" 'select(.action == "obj_get" and .path == $p)' <<<"$events" | wc -l)" -ge 1 ]
}

@test "a config change made with bpftool alone is audited, even with a filter on bpftool and the sensor off" {
	"$PW" filter add comm bpftool
	"$PW" config set enabled 0
	value=$(bpftool -j map lookup pinned "$PIN_ROOT/maps/config" key 0 0 0 0 | jq -r '.value | join(" ")')
	bpftool map update pinned "$PIN_ROOT/maps/config" key 0 0 0 0 value $value
	"$PW" config set enabled 1
	"$PW" filter del comm bpftool
	events=$(audit_events)
	[ "$(jq -c 'select(.action == "map_update" and .object_name == "config" and .comm == "bpftool")' <<<"$events" | wc -l)" -ge 3 ]
	[ "$(jq -c 'select(.action == "map_update" and .object_name == "filter_comm")' <<<"$events" | wc -l)" -ge 1 ]
}

@test "a rewrite of maps/manifest (what the consumer's self-check compares with) is audited" {
	key=$(printf 'process/link_exec' | od -An -tx1 -v | xargs)
	key="$key$(printf ' 00%.0s' $(seq 1 $((128 - 17))))"
	# shellcheck disable=SC2086 # bytes as words
	value=$(bpftool -j map lookup pinned "$PIN_ROOT/maps/manifest" key hex $key | jq -r '.value | join(" ")')
	# shellcheck disable=SC2086
	bpftool map update pinned "$PIN_ROOT/maps/manifest" key hex $key value $value
	ev=$(audit_events | jq -c 'select(.action == "map_update" and .object_name == "manifest")')
	assert_field "$ev" .key "$(printf 'process/link_exec' | od -An -tx1 -v | tr -d ' \n')$(printf '00%.0s' $(seq 1 15))"
	assert_field "$ev" .comm bpftool
}

# bats test_tags=vm-ci
@test "detaching a probe by removing its link pin leaves an unlink event with the full path" {
	(cd "$PIN_ROOT/process" && rm link_exit)
	ev=$(audit_events | jq -c 'select(.action == "unlink")')
	assert_field "$ev" .path "$PIN_ROOT/process/link_exit"
	assert_field "$ev" .comm rm
}

# bats test_tags=vm-ci
@test "a rename under the pin root reports both paths" {
	mv "$PIN_ROOT/process/link_fork" "$PIN_ROOT/process/link_moved"
	mv "$PIN_ROOT/process/link_moved" "$PIN_ROOT/process/link_fork"
	ev=$(audit_events | jq -c 'select(.action == "rename")' | head -n 1)
	assert_field "$ev" .path "$PIN_ROOT/process/link_fork"
	assert_field "$ev" .new_path "$PIN_ROOT/process/link_moved"
}

# Written at syscall entry: reported whether or not the kernel then
# supports detaching this link type (6.18 refuses it for tracepoint links).
# bats test_tags=vm-ci
@test "an attempt to detach a link through bpf() is reported with the link's program" {
	run bpftool link detach pinned "$PIN_ROOT/process/link_exit"
	ev=$(audit_events | jq -c 'select(.action == "link_detach")')
	[ -n "$ev" ]
	assert_field "$ev" .object_id -gt 0
	assert_field "$ev" .object_name exit__tp_btf
	assert_field "$ev" .comm bpftool
}

# bats test_tags=vm-ci,pack-alerts
@test "a program loaded by another tool is reported by name" {
	clang -g -O2 -target bpf -I"$PW_BUILD" -c "$PW_HOME/tests/fixtures/hello.bpf.c" -o "$BATS_TEST_TMPDIR/hello.bpf.o"
	pin=/sys/fs/bpf/pinwatch_test_hello_$$
	bpftool prog load "$BATS_TEST_TMPDIR/hello.bpf.o" "$pin"
	rm -f "$pin"
	ev=$(audit_events | jq -c 'select(.action == "prog_load" and .object_name == "pw_test_hello")')
	assert_field "$ev" .comm bpftool
}

map_cmd() { # pin verb args...
	python3 "$PW_HOME/tests/helpers/bpf-map-cmd.py" "$@"
}

map_id() { # pinned map name
	bpftool -j map show pinned "$PIN_ROOT/maps/$1" | jq -r '.id'
}

@test "a batch update and a batch delete of a filter map are audited with their first entry" {
	command -v python3 >/dev/null || skip "needs python3 for the raw bpf() batch commands"
	id=$(map_id filter_pid)
	map_cmd "$PIN_ROOT/maps/filter_pid" update_batch 92100000 01
	run -0 "$PW" filter list
	[[ $output == *4242* ]]
	map_cmd "$PIN_ROOT/maps/filter_pid" delete_batch 92100000
	events=$(audit_events)
	upd=$(jq -c 'select(.action == "map_update_batch")' <<<"$events")
	assert_field "$upd" .object_name filter_pid
	assert_field "$upd" .object_id "$id"
	assert_field "$upd" .bpf_cmd 26 # BPF_MAP_UPDATE_BATCH
	assert_field "$upd" .key 92100000
	assert_field "$upd" .value 01
	assert_field "$upd" .comm python3
	del=$(jq -c 'select(.action == "map_delete_batch")' <<<"$events")
	assert_field "$del" .object_name filter_pid
	assert_field "$del" .bpf_cmd 27 # BPF_MAP_DELETE_BATCH
	assert_field "$del" .key 92100000
	assert_field "$del" .value ""
}

@test "a lookup-and-delete, one entry or a batch, is audited" {
	command -v python3 >/dev/null || skip "needs python3 for the raw bpf() commands"
	"$PW" filter add pid 4242
	map_cmd "$PIN_ROOT/maps/filter_pid" lookup_and_delete 92100000 1
	"$PW" filter add pid 4243
	map_cmd "$PIN_ROOT/maps/filter_pid" lookup_and_delete_batch 4 1
	run -0 "$PW" filter list
	[[ $output != *424[23]* ]]
	events=$(audit_events)
	one=$(jq -c 'select(.action == "map_lookup_and_delete")' <<<"$events")
	assert_field "$one" .object_name filter_pid
	assert_field "$one" .bpf_cmd 21 # BPF_MAP_LOOKUP_AND_DELETE_ELEM
	assert_field "$one" .key 92100000
	assert_field "$one" .comm python3
	batch=$(jq -c 'select(.action == "map_lookup_and_delete_batch")' <<<"$events")
	assert_field "$batch" .object_name filter_pid
	assert_field "$batch" .bpf_cmd 25 # BPF_MAP_LOOKUP_AND_DELETE_BATCH
	assert_field "$batch" .key "" # keys are the kernel's output
}

@test "opening a shared map or its BTF by id is audited" {
	id=$(map_id stats)
	btf=$(bpftool -j map show pinned "$PIN_ROOT/maps/config" | jq -r '.btf_id')
	bpftool map show id "$id" >/dev/null
	# this test's bpftool only: other tools on the host (another sensor's
	# loader, bpftool) may open pinwatch's objects by id meanwhile
	local me=$BASHPID
	mine() { jq -c --argjson me "$me" "select(.action == \"get_fd_by_id\" and .ppid == \$me and $1)"; }
	ev=$(audit_events | mine '.bpf_cmd == 14') # BPF_MAP_GET_FD_BY_ID
	assert_field "$ev" .object_id "$id"
	assert_field "$ev" .object_name stats
	assert_field "$ev" .comm bpftool
	# bpftool btf show also opens every map by id, to list the BTF's maps
	bpftool btf show id "$btf" >/dev/null
	ev=$(audit_events | mine '.bpf_cmd == 19') # BPF_BTF_GET_FD_BY_ID
	assert_field "$ev" .object_id "$btf"
	assert_field "$ev" .object_name config # the first shared map with this BTF
	assert_field "$ev" .comm bpftool
	# a map that is not pinwatch's is not
	other=$(bpftool -j map show | jq -r --argjson ids "$(for m in "$PIN_ROOT"/maps/*; do bpftool -j map show pinned "$m" | jq .id; done | jq -s .)" \
		'[.[] | select(.id as $i | $ids | index($i) | not)][0].id // empty')
	[[ -z $other ]] || {
		pw_drain
		bpftool map show id "$other" >/dev/null
		[ -z "$(audit_events | jq -c --argjson i "$other" 'select(.action == "get_fd_by_id" and .object_id == $i)')" ]
	}
}

# Known at the call's exit: the program behind the new fd uses a shared map.
@test "opening one of pinwatch's programs or links by id is audited with the program's name" {
	prog=$(bpftool -j prog show pinned "$PIN_ROOT/process/prog_exit__tp_btf" | jq -r '.id')
	link=$(bpftool -j link show pinned "$PIN_ROOT/process/link_exit" | jq -r '.id')
	bpftool prog show id "$prog" >/dev/null
	bpftool link show id "$link" >/dev/null
	events=$(audit_events)
	ev=$(jq -c 'select(.action == "get_fd_by_id" and .bpf_cmd == 13)' <<<"$events") # BPF_PROG_GET_FD_BY_ID
	assert_field "$ev" .object_id "$prog"
	assert_field "$ev" .object_name exit__tp_btf
	assert_field "$ev" .comm bpftool
	ev=$(jq -c 'select(.action == "get_fd_by_id" and .bpf_cmd == 30)' <<<"$events") # BPF_LINK_GET_FD_BY_ID
	assert_field "$ev" .object_id "$link"
	assert_field "$ev" .object_name exit__tp_btf
	# a program that is not pinwatch's is not
	clang -g -O2 -target bpf -I"$PW_BUILD" -c "$PW_HOME/tests/fixtures/hello.bpf.c" -o "$BATS_TEST_TMPDIR/hello.bpf.o"
	pin=/sys/fs/bpf/pinwatch_test_hello_$$
	bpftool prog load "$BATS_TEST_TMPDIR/hello.bpf.o" "$pin"
	other=$(bpftool -j prog show pinned "$pin" | jq -r '.id')
	pw_drain
	bpftool prog show id "$other" >/dev/null
	rm -f "$pin"
	[ -z "$(audit_events | jq -c 'select(.action == "get_fd_by_id" and .bpf_cmd == 13)')" ]
}

# Last of the map tests: a frozen config needs a fresh sensor.
@test "freezing the config map is audited before it turns config set off" {
	id=$(map_id config)
	bpftool map freeze pinned "$PIN_ROOT/maps/config"
	run ! "$PW" config set enabled 1
	events=$(audit_events)
	pw_fresh "${PW_SUITE_UP[@]}"
	run -0 "$PW" config set enabled 1
	ev=$(jq -c 'select(.action == "map_freeze")' <<<"$events")
	assert_field "$ev" .object_name config
	assert_field "$ev" .object_id "$id"
	assert_field "$ev" .bpf_cmd 22 # BPF_MAP_FREEZE
	assert_field "$ev" .key ""
	assert_field "$ev" .comm bpftool
}

@test "audit events are counted: seen = filtered + emitted + dropped; a filter on bpftool filters none of its acts" {
	local f0 e0
	f0=$(stat_of audit filtered)
	e0=$(stat_of audit emitted)
	"$PW" filter add comm bpftool
	"$PW" filter list >/dev/null
	"$PW" filter del comm bpftool
	run -0 stats_balance audit
	# filtered: the sensor's own opens, pins and loads only (a loader's, the
	# consumer's); none of bpftool's
	assert_field "$output" .filtered -eq "$f0"
	assert_field "$output" .emitted -gt "$e0"
}

@test "the consumer's self-check opens of the pins are counted filtered, not audit events" {
	local f0
	f0=$(stat_of audit filtered)
	timeout 3 "$PW_READ" --json --tamper-interval 0.5 >"$BATS_TEST_TMPDIR/out" 2>/dev/null || true
	[ "$(jq -c 'select(.type == "audit" and .comm == "pinwatch-read" and .action == "obj_get" and (.path | test("/(prog|link)_")))' "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 0 ]
	[ "$(stat_of audit filtered)" -gt "$f0" ]
	# a bpftool open of the same pins is one
	p=$(find "$PIN_ROOT/audit" -name 'prog_*' -print -quit)
	bpftool prog show pinned "$p" >/dev/null
	[ "$("$PW_READ" --json --drain | jq -c --arg p "$p" 'select(.type == "audit" and .comm == "bpftool" and .action == "obj_get" and .path == $p)' | wc -l)" -eq 1 ]
}

# The helper of the attacks below (tests/helpers/audit-act.c).
act() {
	[[ -x $BATS_FILE_TMPDIR/audit-act ]] ||
		pw_cc "$BATS_FILE_TMPDIR/audit-act" -O1 -Wall -Wextra -Werror "$PW_HOME/tests/helpers/audit-act.c"
	"$BATS_FILE_TMPDIR/audit-act" "$@"
}

# The BPF LSM variants run (the 6.1 guest); else the syscall tracepoints.
audit_lsm() {
	[[ -e $PIN_ROOT/audit/prog_audit_unlink__lsm ]]
}

spare_pin() { # name: a second pin of the stats map under process/
	bpftool map pin pinned "$PIN_ROOT/maps/stats" "$PIN_ROOT/process/$1"
}

# bats test_tags=vm-ci
@test "a pin removed by any spelling of its path is an unlink event with the pin's path" {
	local parent=${PIN_ROOT%/*} base=${PIN_ROOT##*/}
	for n in 1 2 3 4; do spare_pin "t$n"; done
	pw_drain
	rm "$parent//$base/./process/t1"
	(cd "$parent" && rm "$base/process/t2")
	(cd "$PIN_ROOT/process" && rm ./t3)
	(cd / && rm "${PIN_ROOT#/}/process//t4")
	events=$(audit_events | jq -c 'select(.action == "unlink")')
	for n in 1 2 3 4; do
		ev=$(jq -c --arg p "$PIN_ROOT/process/t$n" 'select(.path == $p)' <<<"$events")
		assert_field "$ev" .comm rm
		if audit_lsm; then assert_field "$ev" .via lsm; else assert_field "$ev" .via entry; fi
	done
}

# bats test_tags=vm-ci
@test "a pin removed through a symlink, a bind mount or /proc/self/cwd is reported where BPF LSM runs" {
	audit_lsm || skip "syscall tracepoints see the name as text: README lists what they cannot follow"
	for n in 1 2 3; do spare_pin "t$n"; done
	ln -s "$PIN_ROOT/process" "$BATS_TEST_TMPDIR/ln"
	mkdir "$BATS_TEST_TMPDIR/mnt"
	mount --bind "${PIN_ROOT%/*}" "$BATS_TEST_TMPDIR/mnt"
	pw_drain
	rm "$BATS_TEST_TMPDIR/ln/t1"
	rm "$BATS_TEST_TMPDIR/mnt/${PIN_ROOT##*/}/process/t2"
	umount "$BATS_TEST_TMPDIR/mnt"
	(cd "$PIN_ROOT/process" && rm /proc/self/cwd/t3)
	events=$(audit_events)
	for n in 1 2 3; do
		ev=$(jq -c --arg p "$PIN_ROOT/process/t$n" 'select(.action == "unlink" and .path == $p)' <<<"$events")
		assert_field "$ev" .via lsm
		assert_field "$ev" .comm rm
	done
	# the unmount of a mount of the pin root's bpffs (a bind mount here)
	ev=$(jq -c 'select(.action == "umount")' <<<"$events")
	assert_field "$ev" .path "$BATS_TEST_TMPDIR/mnt"
	assert_field "$ev" .comm umount
}

# bats test_tags=vm-ci
@test "an io_uring UNLINKAT of a pin is reported (LSM: path_unlink; tracepoints: io_uring's submit)" {
	[[ $(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0) != 2 ]] || skip "io_uring is disabled here"
	pw_cc "$BATS_TEST_TMPDIR/pwiouring" -O1 -Wall -Wextra -Werror "$PW_HOME/tests/helpers/iouring-act.c"
	spare_pin t1
	spare_pin t2
	pw_drain
	run -0 "$BATS_TEST_TMPDIR/pwiouring" /dev/null "$PIN_ROOT/process/t1"
	pids=(0 "$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' <<<"$output")")
	# relative to the ring owner's cwd, with a doubled slash
	run -0 bash -c 'cd "$1" && exec "$2" /dev/null "$3"' _ "${PIN_ROOT%/*}" "$BATS_TEST_TMPDIR/pwiouring" "${PIN_ROOT##*/}//process/t2"
	pids+=("$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' <<<"$output")")
	[ ! -e "$PIN_ROOT/process/t1" ] && [ ! -e "$PIN_ROOT/process/t2" ]
	events=$(audit_events | jq -c 'select(.action == "unlink")')
	for n in 1 2; do
		ev=$(jq -c --arg p "$PIN_ROOT/process/t$n" 'select(.path == $p)' <<<"$events")
		# the process's (its io worker thread may do the unlink: comm iou-wrk-PID)
		assert_field "$ev" .pid "${pids[n]}"
		if audit_lsm; then assert_field "$ev" .via lsm; else assert_field "$ev" .via io_uring; fi
	done
}

# bats test_tags=vm-ci
@test "a 32-bit compat unlink (int 0x80) of a pin is reported (LSM: always; tracepoints: with audit_compat on)" {
	[[ -e /proc/sys/abi/vsyscall32 ]] || skip "this kernel runs no 32-bit code"
	spare_pin t1
	spare_pin t2
	if ! audit_lsm; then
		[ ! -e "$PIN_ROOT/audit/link_audit_compat" ] # off by default: it costs every syscall
		run -0 act compat-unlink "$PIN_ROOT/process/t2"
		[ -z "$(audit_events | jq -c 'select(.action == "unlink" and .comm == "audit-act")')" ] # blind while off
		spare_pin t2
		"$PW" config set audit_compat on
		[ -e "$PIN_ROOT/audit/link_audit_compat" ]
	fi
	pw_drain
	run -0 act compat-unlink "$PIN_ROOT/process/t1"
	(cd "$PIN_ROOT/process" && "$BATS_FILE_TMPDIR/audit-act" compat-unlink ./t2) >/dev/null
	if ! audit_lsm; then
		"$PW" config set audit_compat off
		[ ! -e "$PIN_ROOT/audit/link_audit_compat" ]
	fi
	[ ! -e "$PIN_ROOT/process/t1" ] && [ ! -e "$PIN_ROOT/process/t2" ]
	events=$(audit_events | jq -c 'select(.action == "unlink")')
	for n in 1 2; do
		ev=$(jq -c --arg p "$PIN_ROOT/process/t$n" 'select(.path == $p)' <<<"$events")
		assert_field "$ev" .comm audit-act
		if audit_lsm; then assert_field "$ev" .via lsm; else assert_field "$ev" .via compat; fi
	done
}

# The pages are in the page cache but not in the process's page tables:
# a tracepoint's read fails at entry, the kernel's copy faults them in.
@test "a bpf_attr, key and path in untouched pages are still audited (at the call's exit)" {
	id=$(map_id filter_pid)
	spare_pin t1
	pw_drain
	run -0 act update "$PIN_ROOT/maps/filter_pid" 95100000 01
	run -0 "$PW" filter list
	[[ $output == *4245* ]]
	run -0 act unlink "$PIN_ROOT/process/t1"
	"$PW" filter del pid 4245
	events=$(audit_events)
	upd=$(jq -c 'select(.action == "map_update" and .comm == "audit-act")' <<<"$events")
	assert_field "$upd" .object_name filter_pid
	assert_field "$upd" .object_id "$id"
	assert_field "$upd" .key 95100000
	assert_field "$upd" .value 01
	assert_field "$upd" .via exit # the key is user memory on both variants
	ev=$(jq -c --arg p "$PIN_ROOT/process/t1" 'select(.action == "unlink" and .path == $p)' <<<"$events")
	assert_field "$ev" .comm audit-act
	if audit_lsm; then assert_field "$ev" .via lsm; else assert_field "$ev" .via exit; fi
	run -0 stats_balance audit
}

@test "an unmount attempt under the pin root is audited (tracepoints: at entry, whatever the outcome)" {
	audit_lsm && skip "sb_umount sees a real unmount only: the guest test of bind mounts covers it"
	run ! umount "$PIN_ROOT/process"
	ev=$(audit_events | jq -c 'select(.action == "umount")')
	assert_field "$ev" .path "$PIN_ROOT/process"
	assert_field "$ev" .comm umount
	assert_field "$ev" .via entry
}
