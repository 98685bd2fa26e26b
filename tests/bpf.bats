#!/usr/bin/env bats
# The bpf module: the BPF activity of other processes than pinwatch
# (bpftool loading and pinning a program, creating a map; a program linked
# to a tracepoint), by command, with its types and names; pinwatch's own
# calls left out; the filters and the stats invariant.
# The default pack (scripts/rules/default) rightly alerts on this file's acts: bpftool loads programs (bpf-load).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	# process: its fork events tell which processes a pinwatch command ran
	pw_setup_file process bpf
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	command -v bpftool >/dev/null || skip "needs bpftool"
	# a bpffs directory outside the pin root, as another tool would use
	dir=/sys/fs/bpf/pwtest_bpf_$$_$BATS_TEST_NUMBER
	mkdir -p "$dir"
	pw_drain
}

teardown() {
	rm -rf "$dir"
}

# The test program (tests/fixtures/hello.bpf.c), built once per file.
hello_obj() {
	local o=$BATS_FILE_TMPDIR/hello.bpf.o
	[[ -e $o ]] || clang -g -O2 -target bpf -I"$PW_BUILD" -c "$PW_HOME/tests/fixtures/hello.bpf.c" -o "$o"
	echo "$o"
}

# The bpf events of process PID, as JSON Lines.
bpf_events_of() { # pid
	pw_events | jq -c --argjson p "$1" 'select(.type == "bpf" and .pid == $p)'
}

@test "bpftool prog load reports PROG_LOAD with its type, name and instruction count, then OBJ_PIN with the path" {
	obj=$(hello_obj)
	bpftool prog load "$obj" "$dir/hello" &
	pid=$!
	wait "$pid"
	events=$(bpf_events_of "$pid")
	ev=$(jq -c 'select(.cmd == "PROG_LOAD" and .prog_name == "pw_test_hello")' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .prog_type TRACEPOINT
	assert_field "$ev" .insn_cnt -eq 2 # r0 = 0; exit
	assert_field "$ev" .ret -ge 0      # the program's fd
	assert_field "$ev" .comm bpftool
	assert_field "$ev" .module bpf
	pin=$(jq -c 'select(.cmd == "OBJ_PIN")' <<<"$events")
	[ "$(jq -s length <<<"$pin")" -eq 1 ]
	assert_field "$pin" .path "$dir/hello"
	assert_field "$pin" .ret -eq 0
	# libbpf loads the object's BTF first
	btf=$(jq -c 'select(.cmd == "BTF_LOAD" and .ret >= 0)' <<<"$events" | head -n 1)
	assert_field "$btf" .cmd BTF_LOAD
	assert_field "$btf" .ret -ge 0
	# a command this module does not report (map lookups, id walks) never shows
	[ "$(jq -c 'select(.cmd | IN("PROG_LOAD", "OBJ_PIN", "BTF_LOAD", "MAP_CREATE", "LINK_CREATE", "OBJ_GET") | not)' <<<"$events" | wc -l)" -eq 0 ]
}

@test "bpftool map create reports MAP_CREATE with the map's type and name" {
	bpftool map create "$dir/stash" type hash key 4 value 8 entries 16 name pw_stash &
	pid=$!
	wait "$pid"
	events=$(bpf_events_of "$pid")
	ev=$(jq -c 'select(.cmd == "MAP_CREATE")' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .map_type HASH
	assert_field "$ev" .map_name pw_stash
	assert_field "$ev" .ret -ge 0
	pin=$(jq -c 'select(.cmd == "OBJ_PIN")' <<<"$events")
	assert_field "$pin" .path "$dir/stash"
}

@test "a program opened from its pin and linked to a tracepoint reports OBJ_GET with the path and LINK_CREATE with the attach type" {
	command -v python3 >/dev/null || skip "needs python3 for the raw bpf() and perf_event_open() calls"
	[[ $(uname -m) == x86_64 ]] || skip "the syscall numbers below are x86-64's"
	obj=$(hello_obj)
	bpftool prog load "$obj" "$dir/hello"
	tp_id=$(cat /sys/kernel/tracing/events/syscalls/sys_enter_getppid/id)
	pw_drain
	# What a loader does without libbpf: bpf(BPF_OBJ_GET), a tracepoint
	# perf event, bpf(BPF_LINK_CREATE, attach_type BPF_PERF_EVENT = 41).
	python3 - "$dir/hello" "$tp_id" <<-'EOF' &
		import ctypes, struct, sys
		libc = ctypes.CDLL(None, use_errno=True)
		def bpf(cmd, attr):
		    buf = ctypes.create_string_buffer(attr.ljust(128, b"\0"), 128)
		    r = libc.syscall(321, cmd, buf, 128)
		    if r < 0: sys.exit("bpf(%d): errno %d" % (cmd, ctypes.get_errno()))
		    return r
		path = ctypes.create_string_buffer(sys.argv[1].encode())
		prog = bpf(7, struct.pack("QII", ctypes.addressof(path), 0, 0))
		pattr = ctypes.create_string_buffer(struct.pack("IIQQ", 2, 128, int(sys.argv[2]), 1).ljust(128, b"\0"), 128)
		pfd = libc.syscall(298, pattr, -1, 0, -1, 8)
		if pfd < 0: sys.exit("perf_event_open: errno %d" % ctypes.get_errno())
		bpf(28, struct.pack("IIII", prog, pfd, 41, 0))
	EOF
	pid=$!
	wait "$pid"
	events=$(bpf_events_of "$pid")
	get=$(jq -c 'select(.cmd == "OBJ_GET")' <<<"$events")
	[ "$(jq -s length <<<"$get")" -eq 1 ]
	assert_field "$get" .path "$dir/hello"
	assert_field "$get" .ret -ge 0
	assert_field "$get" .comm python3
	link=$(jq -c 'select(.cmd == "LINK_CREATE")' <<<"$events")
	[ "$(jq -s length <<<"$link")" -eq 1 ]
	assert_field "$link" .attach_type PERF_EVENT
	assert_field "$link" .ret -ge 0
}

@test "pinwatch's own commands make no bpf event: up (its loads), status, stats, filter, pinwatch-read" {
	before=$(stat_of bpf filtered)
	bash -c 'exec "$PW" status' >/dev/null &
	p1=$!
	wait "$p1"
	bash -c '"$PW" up signal >/dev/null; "$PW" stats >/dev/null; "$PW" filter list >/dev/null; "$PW_READ" --ring-usage >/dev/null' &
	p2=$!
	wait "$p2"
	events=$(pw_events)
	# every process those two started, from the fork events (a few rounds:
	# a child's fork may come before its parent's in the ring)
	pids=" $p1 $p2 "
	forks=$(jq -r 'select(.type == "fork") | "\(.pid) \(.child_pid)"' <<<"$events")
	for _ in 1 2 3 4 5 6 7 8; do
		while read -r parent child; do
			[[ -n $parent && $pids == *" $parent "* && $pids != *" $child "* ]] && pids+="$child "
		done <<<"$forks"
	done
	# they ran bpftool and pinwatch-read, which opened pinwatch's pins
	n=$(wc -w <<<"$pids")
	[ "$n" -gt 4 ] || { echo "processes: $pids; forks: $(wc -l <<<"$forks")" >&2; false; }
	mine=$(jq -c --arg pids "$pids" 'select(.type == "bpf" and ($pids | contains(" \(.pid) ")))' <<<"$events")
	if [[ -n $mine ]]; then
		echo "bpf events of pinwatch's own commands: $mine" >&2
		false
	fi
	# pinwatch-load's map creations and program loads: counted filtered
	[ "$(stat_of bpf filtered)" -gt $((before + 10)) ]
}

@test "a comm of pinwatch's does not hide a process: bpftool copied as pinwatch-read is reported" {
	cp "$(command -v bpftool)" "$BATS_TEST_TMPDIR/pinwatch-read"
	"$BATS_TEST_TMPDIR/pinwatch-read" map create "$dir/m" type array key 4 value 4 entries 1 name pw_spoof &
	pid=$!
	wait "$pid"
	ev=$(bpf_events_of "$pid" | jq -c 'select(.cmd == "MAP_CREATE")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .comm pinwatch-read
	assert_field "$ev" .map_type ARRAY
	assert_field "$ev" .map_name pw_spoof
}

@test "a comm filter on bpftool drops its events and counts them as filtered" {
	before=$(stat_of bpf filtered)
	"$PW" filter add comm bpftool
	bpftool map create "$dir/m" type hash key 4 value 4 entries 1 name pw_filtered
	"$PW" filter del comm bpftool
	[ "$(pw_events | jq -c 'select(.type == "bpf" and .map_name == "pw_filtered")' | wc -l)" -eq 0 ]
	# MAP_CREATE and OBJ_PIN
	[ "$(stat_of bpf filtered)" -ge $((before + 2)) ]
}

@test "module.bpf off: bpftool's map creation makes no event and is counted filtered" {
	before=$(stat_of bpf filtered)
	"$PW" config set module.bpf off
	bpftool map create "$dir/m" type hash key 4 value 4 entries 1 name pw_off
	"$PW" config set module.bpf on
	[ "$(pw_events | jq -c 'select(.type == "bpf" and .map_name == "pw_off")' | wc -l)" -eq 0 ]
	[ "$(stat_of bpf filtered)" -ge $((before + 2)) ]
}

@test "the text output names the command, the types and the names" {
	obj=$(hello_obj)
	bpftool prog load "$obj" "$dir/hello"
	bpftool map create "$dir/m" type lru_hash key 4 value 8 entries 4 name pw_text
	run -0 "$PW_READ" --drain
	grep -E "bpftool +PROG_LOAD prog_type=TRACEPOINT prog_name=pw_test_hello insn_cnt=2 ret=[0-9]+ parent=[^ ]+\$" <<<"$output"
	grep -E "bpftool +OBJ_PIN path=$dir/hello ret=0 parent=[^ ]+\$" <<<"$output"
	grep -E "bpftool +MAP_CREATE map_type=LRU_HASH map_name=pw_text ret=[0-9]+ parent=[^ ]+\$" <<<"$output"
}

@test "after a run, seen equals filtered plus emitted plus dropped for module bpf" {
	"$PW" filter add comm bpftool
	bpftool map create "$dir/a" type hash key 4 value 4 entries 1 name pw_a
	"$PW" filter del comm bpftool
	bpftool map create "$dir/b" type hash key 4 value 4 entries 1 name pw_b
	run -0 stats_balance bpf
	assert_field "$output" .filtered -ge 2
	assert_field "$output" .emitted -ge 2
}
