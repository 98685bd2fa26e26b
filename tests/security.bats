#!/usr/bin/env bats
# No way in: the pins are root-only, an unprivileged user can neither read
# events nor change filters or config, and the maps only programs write are
# frozen against every user, root included.
# shellcheck disable=SC2154 # status, output and stderr come from bats' run

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

setup() {
	require_root
}

@test "every pin and directory under the pin root is accessible to root only" {
	[ "$(stat -c '%a %U' "$PIN_ROOT")" = "700 root" ]
	open=$(find "$PIN_ROOT" -perm /077 -printf '%m %p\n')
	[ -z "$open" ] || { echo "readable by others: $open"; return 1; }
	[ -z "$(find "$PIN_ROOT" ! -user root)" ]
}

# Each refusal next to the same command run by root, which succeeds: nobody
# fails on access to the pin (bpftool's "bpf obj get"), not on the request.
@test "an unprivileged user cannot read events or dump a map that root can" {
	run --separate-stderr as_nobody "$PW_READ" --drain --pin-root "$PIN_ROOT"
	assert_one_line_error
	run -0 --separate-stderr "$PW_READ" --drain --pin-root "$PIN_ROOT"
	# a ring buffer cannot be dumped, by anyone: stats can, by root
	run -0 --separate-stderr bpftool -j map dump pinned "$PIN_ROOT/maps/stats"
	# the process module's (key 0) counters, as pinwatch stats reads them
	assert_field "$output" '[.[] | (.formatted // .) | select(.key == 0) | .values[].value.seen] | length' -ge 1
	run ! --separate-stderr as_nobody bpftool -j map dump pinned "$PIN_ROOT/maps/stats"
	assert_field "$output" .error == 'bpf obj get*'
}

@test "an unprivileged user cannot change a filter or a config entry, even with bpftool" {
	before=$(pin_state)
	# values of the maps' own sizes, so that only the permission differs
	pid_size=$(bpftool -j map show pinned "$PIN_ROOT/maps/filter_pid" | jq .bytes_value)
	[ "$pid_size" -eq 1 ] # one action byte: PW_FILTER_ACTION_DROP below
	run ! --separate-stderr as_nobody bpftool map update pinned "$PIN_ROOT/maps/filter_pid" key 1 0 0 0 value 1
	[[ $stderr == *"bpf obj get"* ]]
	run -0 --separate-stderr bpftool map update pinned "$PIN_ROOT/maps/filter_pid" key 1 0 0 0 value 1
	bpftool map delete pinned "$PIN_ROOT/maps/filter_pid" key 1 0 0 0
	# config: the current value with enabled (the first __u32) set to 0
	size=$(bpftool -j map show pinned "$PIN_ROOT/maps/config" | jq .bytes_value)
	mapfile -t value < <(bpftool -j map lookup pinned "$PIN_ROOT/maps/config" key 0 0 0 0 | jq -r '.value[]')
	[ "${#value[@]}" -eq "$size" ]
	off=("${value[@]}")
	off[0]=0 off[1]=0 off[2]=0 off[3]=0
	run ! --separate-stderr as_nobody bpftool map update pinned "$PIN_ROOT/maps/config" key 0 0 0 0 value "${off[@]}"
	[[ $stderr == *"bpf obj get"* ]]
	[ "$("$PW" config get enabled)" -eq 1 ]
	run -0 --separate-stderr bpftool map update pinned "$PIN_ROOT/maps/config" key 0 0 0 0 value "${off[@]}"
	[ "$("$PW" config get enabled)" -eq 0 ]
	bpftool map update pinned "$PIN_ROOT/maps/config" key 0 0 0 0 value "${value[@]}"
	[ "$("$PW" config get enabled)" -eq 1 ]
	run --separate-stderr as_nobody "$PW" filter add pid 1
	assert_one_line_error
	run --separate-stderr as_nobody "$PW" config set enabled 0
	assert_one_line_error
	[ "$(pin_state)" = "$before" ]
}

# bats test_tags=vm-ci
@test "stats, proc_cache and the tail-call chain are frozen: root cannot rewrite them" {
	for m in maps/stats maps/proc_cache process/chain; do
		bpftool map show pinned "$PIN_ROOT/$m" | grep -q frozen || { echo "$m is not frozen"; return 1; }
	done
	zeros=()
	for _ in $(seq 1 "$(bpftool -j map show pinned "$PIN_ROOT/maps/stats" | jq .bytes_value)"); do zeros+=(0); done
	run ! bpftool map update pinned "$PIN_ROOT/maps/stats" key 0 0 0 0 value "${zeros[@]}"
	run ! bpftool map delete pinned "$PIN_ROOT/process/chain" key 0 0 0 0
	run ! bpftool map delete pinned "$PIN_ROOT/maps/proc_cache" key 1 0 0 0
	# programs still write them
	seen=$(stat_of process seen)
	/bin/true
	[ "$(stat_of process seen)" -gt "$seen" ]
}
