#!/usr/bin/env bats
# The block module: per-disk latency and size histograms, the sequential/
# random pattern, and block_slow events above config.block_slow_ns, caused
# by direct I/O (a file on a block-backed filesystem, else a loop device).

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file block
	direct_io_target_setup
}

teardown_file() {
	pw_teardown_file
	direct_io_target_teardown
}

setup() {
	require_root
	TARGET=$(cat "$BATS_FILE_TMPDIR/target")
	[[ -n $TARGET ]] || skip "no direct I/O: the temp directory does not take O_DIRECT and no loop device is available"
	pw_drain
}

teardown() {
	"$PW" config set block_slow_ns 10000000 >/dev/null 2>&1 || true
}

# N direct 64 KiB writes (or reads with "read") to the target; prints dd's pid
direct_io() { # count [read]
	if [[ ${2:-} == read ]]; then
		dd if="$TARGET" of=/dev/null bs=64K count="$1" iflag=direct status=none &
	else
		dd if=/dev/zero of="$TARGET" bs=64K count="$1" oflag=direct conv=notrunc status=none &
	fi
	local pid=$!
	wait "$pid"
	echo "$pid"
}

hist_total() { # map
	"$PW" hist block --json | jq --arg m "$1" '[.[] | select(.map == $m) | .total] | add // 0'
}

@test "direct writes give the disk non-zero latency and size histograms in pinwatch hist block" {
	lat0=$(hist_total hist_latency_ns)
	size0=$(hist_total hist_size_bytes)
	direct_io 16 >/dev/null
	[ "$(hist_total hist_latency_ns)" -ge $((lat0 + 1)) ]
	[ "$(hist_total hist_size_bytes)" -ge $((size0 + 1)) ]
	json=$("$PW" hist block --json)
	# a 64 KiB request lands in the 64K..128K slot, labelled by disk
	assert_field "$json" '[.[] | select(.map == "hist_size_bytes") | .slots[] | select(.low == 65536) | .count] | add' -ge 1
	assert_field "$json" '[.[] | select(.map == "hist_size_bytes") | .unit] | unique | join(",")' bytes
	assert_field "$json" '.[0].label' != ""
	run -0 "$PW" hist block
	[[ $output == *"hist_latency_ns "*"(total "* ]]
	[[ $output == *"hist_size_bytes "* ]]
	[[ $output == *"65536 -> 131071"* ]]
	[[ $output == *"|*"* ]]
}

# bats test_tags=vm-ci
@test "with block_slow_ns 0 every request emits block_slow with its op, bytes and issuer" {
	"$PW" config set block_slow_ns 0
	wpid=$(direct_io 4)
	rpid=$(direct_io 4 read)
	events=$(pw_events)
	w=$(jq -c --argjson p "$wpid" 'select(.type == "block_slow" and .pid == $p and .op == "write" and .bytes == 65536)' <<<"$events")
	r=$(jq -c --argjson p "$rpid" 'select(.type == "block_slow" and .pid == $p and .op == "read" and .bytes == 65536)' <<<"$events")
	[ "$(jq -s length <<<"$w")" -ge 1 ]
	[ "$(jq -s length <<<"$r")" -ge 1 ]
	one=$(jq -sc '.[0]' <<<"$w")
	assert_field "$one" .comm dd
	assert_field "$one" .latency_ns -gt 0
	assert_field "$one" .error -eq 0
	assert_field "$one" .module block
	[[ $(jq -r .dev <<<"$one") =~ ^[0-9]+:[0-9]+$ ]]
	dev=$(jq -r .dev <<<"$one")
	[ "$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$dev/uevent")" = "$(jq -r .disk <<<"$one")" ]
}

@test "requests under block_slow_ns are aggregated but emit no event and are not counted in stats" {
	"$PW" config set block_slow_ns 4294967295
	[ "$("$PW" config get block_slow_ns)" = 4294967295 ]
	seen=$(stat_of block seen)
	lat0=$(hist_total hist_latency_ns)
	pid=$(direct_io 4)
	[ "$(pw_events | jq -c --argjson p "$pid" 'select(.pid == $p)' | wc -l)" -eq 0 ]
	[ "$(hist_total hist_latency_ns)" -gt "$lat0" ]
	[ "$(stat_of block seen)" -eq "$seen" ]
}

@test "a comm filter keeps the issuer's requests out of events and histograms, counted as filtered" {
	"$PW" config set block_slow_ns 0
	filtered=$(stat_of block filtered)
	"$PW" filter add comm dd
	lat0=$(hist_total hist_latency_ns)
	pid=$(direct_io 32)
	lat1=$(hist_total hist_latency_ns)
	"$PW" filter del comm dd
	[ "$(pw_events | jq -c --argjson p "$pid" 'select(.pid == $p)' | wc -l)" -eq 0 ]
	[ "$(stat_of block filtered)" -ge $((filtered + 32)) ]
	# other I/O on a shared machine may land meanwhile (a few requests);
	# ours (32 or more) must not
	[ $((lat1 - lat0)) -lt 32 ]
	run -0 stats_balance block
}

@test "sequential direct writes count as sequential in block/pattern" {
	seq0=$(bpftool -j map dump pinned "$PIN_ROOT/block/pattern" | jq '[.[] | (.formatted // .) | .value.sequential] | add // 0')
	direct_io 32 >/dev/null
	seq1=$(bpftool -j map dump pinned "$PIN_ROOT/block/pattern" | jq '[.[] | (.formatted // .) | .value.sequential] | add // 0')
	[ "$seq1" -gt "$seq0" ]
}

@test "block_slow_ns takes a number of nanoseconds and refuses anything else" {
	run --separate-stderr "$PW" config set block_slow_ns -1
	assert_one_line_error
	run --separate-stderr "$PW" config set block_slow_ns 10ms
	assert_one_line_error
	[ "$("$PW" config get block_slow_ns)" = 10000000 ] # the default
}

@test "every block pin is documented in pinned-layout.md" {
	documented=$(grep -o '/sys/fs/bpf/pinwatch/block/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT/block" -mindepth 1 | sort)
}

# A dd under a name of its own, N direct 64 KiB writes to the target.
named_writes() { # name count
	cp "$(command -v dd)" "$BATS_TEST_TMPDIR/$1"
	"$BATS_TEST_TMPDIR/$1" if=/dev/zero of="$TARGET" bs=64K count="$2" oflag=direct conv=notrunc status=none
}

@test "hist block --stacks: the kernel stacks that queued slow requests, folded and from kallsyms (biostacks)" {
	"$PW" config set block_slow_ns 0
	comm=pwstk$RANDOM
	named_writes "$comm" 8
	run -0 --separate-stderr "$PW" hist block --stacks
	[ -z "$stderr" ]
	mine=$(grep "^$comm;" <<<"$output")
	[ -n "$mine" ]
	# folded: "comm;frame;... count", kernel frames marked _[k]
	while read -r line; do
		[[ $line =~ ^$comm(\;[^\;]+_\[k\])+\ [0-9]+$ ]] || { echo "not a folded kernel stack: $line"; return 1; }
	done <<<"$mine"
	[ "$(awk '{ n += $NF } END { print n }' <<<"$mine")" -ge 8 ]
	# its writes went through write(2) into the VFS, then to the block layer
	grep -q ';vfs_write_\[k\];.*;blk_' <<<"$mine"
	# every named frame is a kernel symbol (modules' and BPF programs' end in a tab)
	for frame in $(grep -o ';[^;]*_\[k\]' <<<"$mine" | sed -e 's/^;//' -e 's/_\[k\]$//' | grep -v '^\[' | sort -u); do
		grep -qE " $frame(\$|$(printf '\t'))" /proc/kallsyms || { echo "not in kallsyms: $frame"; return 1; }
	done
	json=$("$PW" hist block --stacks --json | jq -sc --arg c "$comm" 'map(select(.comm == $c))')
	assert_field "$json" '[.[].count] | add' -ge 8
	assert_field "$json" 'all(.[]; (.stack | length) > 0 and (.stack | all(endswith("_[k]"))))' true
	assert_field "$json" '[.[].stack[]] | index("vfs_write_[k]") != null' true
}

@test "hist block --stacks leaves out requests under block_slow_ns" {
	"$PW" config set block_slow_ns 4294967295
	comm=pwfast$RANDOM
	named_writes "$comm" 8
	run -0 --separate-stderr "$PW" hist block --stacks
	[ "$(grep -c "^$comm;" <<<"$output")" -eq 0 ]
	# the positive control: the same writes, all slow enough
	"$PW" config set block_slow_ns 0
	named_writes "$comm" 8
	run -0 --separate-stderr "$PW" hist block --stacks
	[ "$(grep -c "^$comm;" <<<"$output")" -ge 1 ]
}
