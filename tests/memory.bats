#!/usr/bin/env bats
# What the pinned maps lock: the total with every module loaded at the
# default sizes, and the sizes a site sets at `up` (--map-size): taken,
# kept by later loads, refused in one line when the machine cannot hold
# them, and a full in-flight table still counting what it cannot keep.

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
	pw_teardown
}

teardown() {
	# the FIFO openers of the in-flight test, if a check failed first
	[[ -z ${FIFO_PIDS:-} ]] || kill $FIFO_PIDS 2>/dev/null || true
	pw_teardown
}

# One line per map pinned under the pin root (a map pinned twice counted
# once): id, bytes_memlock, max_entries, pin path. Programs and links are
# pinned as prog_* and link_* (pinned-layout.md).
pinned_maps() {
	local p
	find "$PIN_ROOT" -type f ! -name 'prog_*' ! -name 'link_*' | while read -r p; do
		bpftool -j map show pinned "$p" 2>/dev/null |
			jq -r --arg p "${p#"$PIN_ROOT"/}" 'select(.id) | "\(.id) \(.bytes_memlock) \(.max_entries) \($p)"'
	done | sort -u -k1,1n
}

max_entries() { # pin path under the pin root
	bpftool -j map show pinned "$PIN_ROOT/$1" | jq .max_entries
}

# The budget: 16 MiB at the defaults, the 8 MiB ring included (issue 18; the
# upper classes have room reserved in that ring, not a ring of their own).
@test "every module loaded at the default sizes locks at most 16 MiB of maps" {
	"$PW" up >/dev/null
	[ -e "$PIN_ROOT/process" ] && [ -e "$PIN_ROOT/file" ] && [ -e "$PIN_ROOT/net" ]
	maps=$(pinned_maps)
	total=$(awk '{ s += $2 } END { print s }' <<<"$maps")
	echo "total $total bytes; the largest:"
	sort -k2,2nr <<<"$maps" | head -12
	[ "$(wc -l <<<"$maps")" -gt 40 ]
	[ "$total" -le $((16 << 20)) ]
}

@test "map-sizes lists the resizable maps once each with their default size" {
	run --separate-stderr "$PW_LOAD" map-sizes "$PW_BUILD"/bpf/*.bpf.o
	[ "$status" -eq 0 ]
	[ "$(grep -c '^maps/proc_cache ' <<<"$output")" -eq 1 ]
	read -r _ entries bytes < <(grep '^maps/proc_cache ' <<<"$output")
	[ "$entries" -eq 4096 ]
	[ "$bytes" -gt $((4096 * 288)) ]
	grep -q '^file/inflight  *4096 ' <<<"$output"
	grep -q '^net/calls ' <<<"$output"
	# arrays are indexed by the programs: not resizable, not listed
	! grep -q '^syscall/counts ' <<<"$output"
}

@test "a size set at up takes effect; a later load keeps the pinned shared size and says so" {
	"$PW" up --map-size maps/proc_cache=8192 --map-size inflight=8192 --map-size net/socks=4096 process file net >/dev/null
	[ "$(max_entries maps/proc_cache)" -eq 8192 ]
	[ "$(max_entries file/inflight)" -eq 8192 ]
	[ "$(max_entries net/socks)" -eq 4096 ]
	# "inflight" names every module's map of that name; net's is "calls"
	[ "$(max_entries net/calls)" -eq 4096 ]
	run --separate-stderr "$PW" up --map-size proc_cache=1024 --map-size signal/inflight=512 signal
	[ "$status" -eq 0 ]
	[[ $stderr == *"signal: notice: maps/proc_cache keeps its pinned size 8192, not 1024"* ]]
	[ "$(max_entries maps/proc_cache)" -eq 8192 ]
	[ "$(max_entries signal/inflight)" -eq 512 ]
	# PINWATCH_MAP_SIZES, for the service's environment
	PINWATCH_MAP_SIZES="ptrace/inflight=256 maps/cgroup_container=2048" "$PW" up ptrace >/dev/null
	[ "$(max_entries ptrace/inflight)" -eq 256 ]
	# (pinned at the first up with its default)
	[ "$(max_entries maps/cgroup_container)" -eq "$(awk '$1 == "maps/cgroup_container" { print $2 }' < <("$PW_LOAD" map-sizes "$PW_BUILD/bpf/process.bpf.o"))" ]
}

@test "a size the machine cannot hold is refused in one line before anything loads" {
	avail=$(($(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) * 1024))
	# a proc_lineage entry locks over 480 bytes, an in-flight one over
	# 110: each is more than half of what is available
	entries=$((avail / 600 + 1)) inflight=$((avail / 150 + 1))
	((inflight <= 268435456)) || skip "this machine could hold the largest size --map-size takes"
	run --separate-stderr "$PW" up --map-size "maps/proc_lineage=$entries"
	assert_one_line_error
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[0]} == "pinwatch: up: --map-size maps/proc_lineage=$entries: the resized maps would lock about "*", more than half of the memory available ("*"): nothing loaded" ]]
	[ ! -e "$PIN_ROOT" ]
	# with a sensor up: its pins and maps as they were
	"$PW" up process >/dev/null
	before=$(pin_state)
	run --separate-stderr "$PW" up --map-size "file/inflight=$inflight" file
	assert_one_line_error
	[ "$(pin_state)" = "$before" ]
	[ ! -e "$PIN_ROOT/file" ]
	# the loader alone refuses it too (after its notices about hooks this
	# kernel lacks), and leaves nothing of the module
	run --separate-stderr "$PW_LOAD" --lock "${PINWATCH_LOCK:-/run/pinwatch.lock}" \
		--map-size "inflight=$inflight" load "$PW_BUILD/bpf/file.bpf.o"
	[ "$status" -eq 1 ]
	[[ ${stderr_lines[-1]} == "pinwatch-load: --map-size inflight=$inflight: the resized maps would lock about "* ]]
	[ "$(pin_state)" = "$before" ]
}

@test "an unknown or malformed --map-size is refused in one line, nothing loaded" {
	for arg in nosuch=10 file/nosuch=10 syscall/counts=10 proc_cache=0 proc_cache=abc proc_cache =5 \
		"proc_cache=$((1 << 29))"; do
		run --separate-stderr "$PW" up --map-size "$arg"
		assert_one_line_error
		[ "$status" -eq 2 ]
		[[ ${stderr_lines[0]} == "pinwatch: up: "*"--map-size"* ]]
		[ ! -e "$PIN_ROOT" ]
	done
}

# The in-flight tables are allocated as calls park: full (here, sized 2)
# they still count every call they cannot keep as dropped, as before. The
# file module pairs enter and exit in one only as its tpp variant (tpr, where
# bpf_task_pt_regs works, reads the arguments at exit and parks nothing).
@test "a full in-flight table counts the calls it cannot keep as dropped" {
	PINWATCH_DENY_VARIANTS=tpr "$PW" up --map-size file/inflight=2 file >/dev/null
	FIFO_PIDS=
	for i in 1 2 3 4 5 6; do
		mkfifo "$BATS_TEST_TMPDIR/f$i"
		# an open of a FIFO for reading waits for a writer: in flight
		bash -c 'exec 3<"$1"' _ "$BATS_TEST_TMPDIR/f$i" &
		FIFO_PIDS+=" $!"
	done
	for _ in $(seq 1 50); do
		(($(stat_of file dropped) >= 4)) && break
		sleep 0.1
	done
	[ "$(stat_of file dropped)" -ge 4 ]
	for i in 1 2 3 4 5 6; do
		: >"$BATS_TEST_TMPDIR/f$i"
	done
	wait $FIFO_PIDS
	FIFO_PIDS=
	stats_balance file
}
