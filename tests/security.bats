#!/usr/bin/env bats
# No way in: the pins are root-only, an unprivileged user can neither read
# events nor change filters or config, and the maps only programs write are
# frozen against every user, root included.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_fresh process
}

teardown_file() {
	pw_teardown
}

setup() {
	require_root
}

@test "every pin and directory under the pin root is accessible to root only" {
	[ "$(stat -c '%a %U' "$PIN_ROOT")" = "700 root" ]
	open=$(find "$PIN_ROOT" -perm /077 -printf '%m %p\n')
	[ -z "$open" ] || { echo "readable by others: $open"; return 1; }
	[ -z "$(find "$PIN_ROOT" ! -user root)" ]
}

@test "an unprivileged user cannot read events" {
	run --separate-stderr as_nobody "$PW_READ" --drain --pin-root "$PIN_ROOT"
	assert_one_line_error
	run as_nobody bpftool map dump pinned "$PIN_ROOT/maps/events"
	[ "$status" -ne 0 ]
}

@test "an unprivileged user cannot change a filter or a config entry, even with bpftool" {
	before=$(pin_state)
	run as_nobody bpftool map update pinned "$PIN_ROOT/maps/filter_pid" key 1 0 0 0 value 1
	[ "$status" -ne 0 ]
	run as_nobody bpftool map update pinned "$PIN_ROOT/maps/config" key 0 0 0 0 value $(printf '0 %.0s' $(seq 24))
	[ "$status" -ne 0 ]
	run --separate-stderr as_nobody "$PW" filter add pid 1
	assert_one_line_error
	run --separate-stderr as_nobody "$PW" config set enabled 0
	assert_one_line_error
	[ "$(pin_state)" = "$before" ]
}

@test "stats, proc_cache and the tail-call chain are frozen: root cannot rewrite them" {
	for m in maps/stats maps/proc_cache process/chain; do
		bpftool map show pinned "$PIN_ROOT/$m" | grep -q frozen || { echo "$m is not frozen"; return 1; }
	done
	run bpftool map update pinned "$PIN_ROOT/maps/stats" key 0 0 0 0 value $(printf '0 %.0s' $(seq 32))
	[ "$status" -ne 0 ]
	run bpftool map delete pinned "$PIN_ROOT/process/chain" key 0 0 0 0
	[ "$status" -ne 0 ]
	run bpftool map delete pinned "$PIN_ROOT/maps/proc_cache" key 1 0 0 0
	[ "$status" -ne 0 ]
	# programs still write them
	seen=$(stat_of process seen)
	/bin/true
	[ "$(stat_of process seen)" -gt "$seen" ]
}
