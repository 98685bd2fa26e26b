#!/usr/bin/env bats
# pinwatch hist for the maps that are not hist_*: net/srtt_raddr (smoothed
# RTT per remote address) and block/pattern (sequential and random requests
# per disk), in text and --json, and the units of the histograms. Real
# traffic: TCP sessions over loopback (tests/helpers/net.pl, as net.bats)
# and direct I/O (a file on a block-backed filesystem, else a loop device,
# as block.bats).

load helpers/common
bats_require_minimum_version 1.5.0

NETPL=$BATS_TEST_DIRNAME/helpers/net.pl

setup_file() {
	pw_setup_file net block
	direct_io_target_setup
}

teardown_file() {
	pw_teardown_file
	direct_io_target_teardown
}

setup() {
	require_root
	TARGET=$(cat "$BATS_FILE_TMPDIR/target")
}

need_perl() { command -v perl >/dev/null || skip "needs perl (perl-base) for the test listener"; }
need_direct_io() {
	[[ -n $TARGET ]] || skip "no direct I/O: the temp directory does not take O_DIRECT and no loop device is available"
}

wait_file() {
	for _ in $(seq 1 200); do
		[[ -s $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# One TCP session to a fresh Perl listener on ADDR (as net.bats): connect,
# send 5 bytes, read 9, close.
tcp_session() { # inet|inet6 ADDR
	local portfile=$BATS_TEST_TMPDIR/port.$RANDOM answer srv port
	perl "$NETPL" serve "$1" "$2" "$portfile" 5 worldwide &
	srv=$!
	wait_file "$portfile"
	port=$(cat "$portfile")
	exec {CFD}<>"/dev/tcp/$2/$port"
	printf hello >&"$CFD"
	read -r -N 9 answer <&"$CFD"
	exec {CFD}>&-
	wait "$srv"
	[ "$answer" = worldwide ]
}

# Samples of one remote address in net/srtt_raddr, straight from bpftool
# (the key: 16 bytes, IPv4 v4-mapped).
raddr_raw() { # jq array of the 16 address bytes [map]
	bpftool -j map dump pinned "$PIN_ROOT/net/${2:-srtt_raddr}" |
		jq --argjson a "$1" '[.[] | select(.formatted.key.addr == $a) | .formatted.value.slots[]] | add // 0'
}
V4_LO='[0,0,0,0,0,0,0,0,0,0,255,255,127,0,0,1]'
V6_LO='[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1]'

raddr_json_total() { # json address
	jq --arg a "$2" '[.[] | select(.map == "srtt_raddr" and .key == $a) | .total] | add // 0' <<<"$1"
}

@test "hist net --json: the RTT per remote address, 127.0.0.1 and ::1, in microseconds" {
	need_perl
	v4_0=$(raddr_raw "$V4_LO")
	v6_0=$(raddr_raw "$V6_LO")
	tcp_session inet 127.0.0.1
	tcp_session inet6 ::1
	# tcp_probe runs as segments arrive: the counts are there once the
	# sessions are over, but allow for a late one
	for _ in $(seq 1 50); do
		[ "$(raddr_raw "$V4_LO")" -gt "$v4_0" ] && [ "$(raddr_raw "$V6_LO")" -gt "$v6_0" ] && break
		sleep 0.1
	done
	v4_1=$(raddr_raw "$V4_LO")
	v6_1=$(raddr_raw "$V6_LO")
	json=$("$PW" hist net --json)
	v4_2=$(raddr_raw "$V4_LO")
	v6_2=$(raddr_raw "$V6_LO")
	# what bpftool holds, before and after (other loopback traffic may add)
	t4=$(raddr_json_total "$json" 127.0.0.1)
	t6=$(raddr_json_total "$json" ::1)
	[ "$t4" -gt "$v4_0" ] && [ "$t4" -ge "$v4_1" ] && [ "$t4" -le "$v4_2" ]
	[ "$t6" -gt "$v6_0" ] && [ "$t6" -ge "$v6_1" ] && [ "$t6" -le "$v6_2" ]
	# every entry: a histogram in us, labelled by its address, slots summing to total
	jq -e '[.[] | select(.map == "srtt_raddr")] | length >= 2 and all(.kind == "hist" and .unit == "us"
		and .label == .key and (.key | type) == "string" and ([.slots[].count] | add) == .total
		and all(.slots[]; .high >= .low))' <<<"$json"
	# hist_srtt is labelled in microseconds too (not "value")
	assert_field "$json" '[.[] | select(.map == "hist_srtt") | .unit] | unique | join(",")' us
	assert_field "$json" '.[] | select(.map == "hist_srtt") | .kind' hist
	# every sample per address is also in hist_srtt
	[ "$(jq '[.[] | select(.map == "srtt_raddr") | .total] | add' <<<"$json")" -le \
		"$(jq '[.[] | select(.map == "hist_srtt") | .total] | add' <<<"$json")" ]
}

@test "hist net: the per-address table under the histogram, with samples, median and largest slot" {
	need_perl
	tcp_session inet 127.0.0.1
	tcp_session inet6 ::1
	run -0 --separate-stderr "$PW" hist net
	[ -z "$stderr" ]
	# the histogram: in microseconds
	[[ ${lines[0]} == "hist_srtt all TCP sockets (total "* ]]
	[[ ${lines[1]} =~ ^\ +us\ :\ count ]]
	# then the table
	hdr=$(printf '%s\n' "${lines[@]}" | grep -n '^srtt_raddr: smoothed RTT per remote address (' | cut -d: -f1)
	[ -n "$hdr" ]
	[[ ${lines[$hdr]} =~ ^REMOTE\ +SAMPLES\ +MEDIAN_US\ +MAX_US$ ]]
	for addr in 127.0.0.1 ::1; do
		row=$(printf '%s\n' "${lines[@]}" | awk -v a="$addr" '$1 == a')
		read -r _ samples median max <<<"$row"
		[ "$samples" -gt 0 ]
		[[ $median =~ ^([0-9]+)-([0-9]+)$ ]]
		mlow=${BASH_REMATCH[1]}
		[[ $max =~ ^([0-9]+)-([0-9]+)$ ]]
		[ "$mlow" -le "${BASH_REMATCH[1]}" ]
	done
}

# Per-disk pattern counts straight from bpftool: {"KEY": {sequential, random, bytes}}
pattern_raw() {
	bpftool -j map dump pinned "$PIN_ROOT/block/pattern" |
		jq -c 'map(.formatted // .) | map({(.key | tostring): (.value | {sequential, random, bytes})}) | add // {}'
}

@test "hist block --json: sequential and random requests per disk, next to the disk's histograms" {
	need_direct_io
	raw0=$(pattern_raw)
	# 32 sequential 64 KiB writes, then reads that jump around the file
	dd if=/dev/zero of="$TARGET" bs=64K count=32 oflag=direct conv=notrunc status=none
	for blk in 50 3 41 12 60 7; do
		dd if="$TARGET" of=/dev/null bs=64K count=1 skip="$blk" iflag=direct status=none
	done
	raw1=$(pattern_raw)
	json=$("$PW" hist block --json)
	raw2=$(pattern_raw)
	# the disk the writes went to: the one whose sequential count grew most
	key=$(jq -rn --argjson a "$raw0" --argjson b "$raw1" \
		'$b | to_entries | max_by(.value.sequential - ($a[.key].sequential // 0)) | .key')
	seq0=$(jq --arg k "$key" '.[$k].sequential // 0' <<<"$raw0")
	rnd0=$(jq --arg k "$key" '.[$k].random // 0' <<<"$raw0")
	p=$(jq -c --arg k "$key" '.[] | select(.map == "pattern" and (.key | tostring) == $k)' <<<"$json")
	[ -n "$p" ]
	assert_field "$p" .kind pattern
	seq=$(jq .sequential <<<"$p")
	rnd=$(jq .random <<<"$p")
	[ "$seq" -ge $((seq0 + 1)) ]
	[ "$rnd" -ge $((rnd0 + 1)) ]
	# what bpftool holds, before and after
	[ "$seq" -ge "$(jq --arg k "$key" '.[$k].sequential' <<<"$raw1")" ]
	[ "$seq" -le "$(jq --arg k "$key" '.[$k].sequential' <<<"$raw2")" ]
	assert_field "$p" .total -eq $((seq + rnd))
	assert_field "$p" .sequential_pct -eq $((seq * 100 / (seq + rnd)))
	assert_field "$p" .bytes -ge $((32 * 65536))
	# the same disk and label as its histograms; units ns and bytes, never "value"
	label=$(jq -r .label <<<"$p")
	[[ $label =~ ^[0-9]+:[0-9]+ ]]
	[ "$(jq --arg k "$key" --arg l "$label" '[.[] | select(.kind == "hist" and (.key | tostring) == $k and .label == $l) | .map] | sort | join(",")' <<<"$json")" = '"hist_latency_ns,hist_size_bytes"' ]
	jq -e 'all(.[] | select(.kind == "hist"); (.map == "hist_latency_ns" and .unit == "ns") or (.map == "hist_size_bytes" and .unit == "bytes"))' <<<"$json"
}

@test "hist block: a pattern table after the histograms, one row per disk" {
	need_direct_io
	dd if=/dev/zero of="$TARGET" bs=64K count=16 oflag=direct conv=notrunc status=none
	json=$("$PW" hist block --json)
	run -0 --separate-stderr "$PW" hist block
	[ -z "$stderr" ]
	[[ ${lines[0]} == "hist_latency_ns "* ]]
	hdr=$(printf '%s\n' "${lines[@]}" | grep -nx 'pattern: sequential and random requests per disk' | cut -d: -f1)
	[ -n "$hdr" ]
	[[ ${lines[$hdr]} =~ ^DISK\ +SEQUENTIAL\ +RANDOM\ +SEQUENTIAL_%\ +BYTES$ ]]
	# a row per disk of the JSON, by its label, with its five columns
	while read -r label; do
		row=$(printf '%s\n' "${lines[@]:$((hdr + 1))}" | grep -F -- "$label ")
		read -r -a f <<<"${row#"$label"}"
		[ "${#f[@]}" -eq 4 ]
		[ "${f[0]}" -ge 0 ] && [ "${f[1]}" -ge 0 ] && [ "${f[2]}" -le 100 ] && [ "${f[3]}" -gt 0 ]
	done < <(jq -r '.[] | select(.map == "pattern") | .label' <<<"$json")
	[ "$(printf '%s\n' "${lines[@]:$((hdr + 1))}" | wc -l)" -eq "$(jq '[.[] | select(.map == "pattern")] | length' <<<"$json")" ]
}

@test "hist net: the connect latency per remote address (tcpconnlat), 127.0.0.1 and ::1, in JSON and as a table" {
	need_perl
	v4_0=$(raddr_raw "$V4_LO" connlat_raddr_us)
	v6_0=$(raddr_raw "$V6_LO" connlat_raddr_us)
	for _ in 1 2 3; do tcp_session inet 127.0.0.1; done
	tcp_session inet6 ::1
	json=$("$PW" hist net --json)
	# each connect is one sample of its address (other loopback connects
	# of the machine may add)
	c4=$(jq '[.[] | select(.map == "connlat_raddr_us" and .key == "127.0.0.1") | .total] | add // 0' <<<"$json")
	c6=$(jq '[.[] | select(.map == "connlat_raddr_us" and .key == "::1") | .total] | add // 0' <<<"$json")
	[ "$c4" -ge $((v4_0 + 3)) ]
	[ "$c6" -ge $((v6_0 + 1)) ]
	[ "$c4" -le "$(raddr_raw "$V4_LO" connlat_raddr_us)" ]
	jq -e '[.[] | select(.map == "connlat_raddr_us")] | length >= 2 and all(.kind == "hist" and .unit == "us"
		and .label == .key and ([.slots[].count] | add) == .total)' <<<"$json"
	# a loopback handshake takes less than a second
	jq -e '[.[] | select(.map == "connlat_raddr_us" and .key == "127.0.0.1") | .slots[] | select(.count > 0) | .high] | max < 1048576' <<<"$json"
	run -0 --separate-stderr "$PW" hist net
	hdr=$(printf '%s\n' "${lines[@]}" | grep -n '^connlat_raddr_us: connect latency (SYN_SENT to ESTABLISHED) per remote address (' | cut -d: -f1)
	[ -n "$hdr" ]
	[[ ${lines[$hdr]} =~ ^REMOTE\ +SAMPLES\ +MEDIAN_US\ +MAX_US$ ]]
	row=$(printf '%s\n' "${lines[@]:$((hdr + 1))}" | awk '$1 == "127.0.0.1"' | head -n 1)
	read -r _ samples _ <<<"$row"
	[ "$samples" -ge $((v4_0 + 3)) ]
}

# The totals of one view of block/lat_op_ns or size_comm_bytes, as
# {"LABEL-ish key": total}: op (-F), or comm (--sizes), summed over disks.
view_totals() { # hist-block-options...
	"$PW" hist block "$@" --json | jq -c 'group_by(.op // .key) | map({key: (.[0].op // .[0].key | tostring), value: (map(.total) | add)}) | from_entries'
}

@test "hist block -F and -Q: direct writes and reads in their operation's histograms, from issue and from the queue" {
	need_direct_io
	f0=$(view_totals -F)
	q0=$(view_totals -F -Q)
	dd if=/dev/zero of="$TARGET" bs=64K count=24 oflag=direct conv=notrunc status=none
	dd if="$TARGET" of=/dev/null bs=64K count=12 iflag=direct status=none
	f1=$(view_totals -F)
	q1=$(view_totals -F -Q)
	for v in f q; do
		a=${v}0 b=${v}1
		[ "$(jq -n --argjson a "${!a}" --argjson b "${!b}" '($b.write // 0) - ($a.write // 0)')" -ge 24 ]
		[ "$(jq -n --argjson a "${!a}" --argjson b "${!b}" '($b.read // 0) - ($a.read // 0)')" -ge 12 ]
	done
	json=$("$PW" hist block -F --json)
	jq -e 'length > 0 and all(.map == "lat_op_ns" and .unit == "ns" and .queued == false and (.op | type) == "string"
		and (.op as $o | .label | test("^[0-9]+:[0-9]+.* " + $o + "$")) and ([.slots[].count] | add) == .total)' <<<"$json"
	json=$("$PW" hist block -Q --json)
	jq -e 'length > 0 and all(.map == "lat_op_ns" and .queued == true and has("op") == false
		and (.label | endswith(", queue time included")))' <<<"$json"
	# the op names are the ABI's (block_slow's op field)
	"$PW_LOAD" abi | grep -qx 'block_ops write 1'
	run -0 --separate-stderr "$PW" hist block -Q -F
	[ -z "$stderr" ]
	[[ ${lines[0]} =~ ^lat_op_ns\ [0-9]+:[0-9]+.*\ (read|write|flush|discard|[a-z_]+),\ queue\ time\ included\ \(total\ [0-9]+\)$ ]]
	[[ $output == *" write, queue time included (total "* ]]
	[[ $output == *" read, queue time included (total "* ]]
}

@test "hist block --sizes: the request sizes of each process name (bitesize)" {
	need_direct_io
	comm=pwsz$RANDOM
	cp "$(command -v dd)" "$BATS_TEST_TMPDIR/$comm"
	"$BATS_TEST_TMPDIR/$comm" if=/dev/zero of="$TARGET" bs=64K count=20 oflag=direct conv=notrunc status=none
	json=$("$PW" hist block --sizes --json)
	h=$(jq -c --arg c "$comm" '.[] | select(.key == $c)' <<<"$json")
	[ -n "$h" ]
	assert_field "$h" .map size_comm_bytes
	assert_field "$h" .unit bytes
	assert_field "$h" .label "$comm"
	assert_field "$h" .total -ge 20
	# nothing larger than it asked for, and its 64 KiB requests in their slot
	assert_field "$h" '.slots[-1].high' -le 131071
	assert_field "$h" '[.slots[] | select(.low == 65536) | .count] | add' -ge 1
	run -0 --separate-stderr "$PW" hist block --sizes
	[[ $output == *"size_comm_bytes $comm (total "* ]]
}

@test "hist --help documents the srtt_raddr and pattern output and the JSON shape" {
	run -0 "$PW" hist --help
	[[ $output == *srtt_raddr* ]]
	[[ $output == *'"kind":"pattern","map":"pattern"'* ]]
	[[ $output == *'"kind":"hist"'* ]]
	[[ $output == *microseconds* ]]
	[[ $output == *connlat_raddr_us* && $output == *--sizes* && $output == *" -Q, --queued"* && $output == *" -F, --ops"* ]]
}
