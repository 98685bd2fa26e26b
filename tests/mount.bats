#!/usr/bin/env bats
# The mount module: mount and umount events with source, target, fstype,
# flags and result, and the stats invariant.

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite mount

setup() {
	require_root
	command -v mount >/dev/null || skip "needs mount(8)"
	pw_drain
	dir=$(realpath "$BATS_TEST_TMPDIR")/pwmnt
	mkdir -p "$dir"
}

teardown() {
	! mountpoint -q "$dir" || umount "$dir"
}

# bats test_tags=vm-ci
@test "mount -t tmpfs and umount report source, target, fstype, options and ret 0" {
	mount -t tmpfs -o size=1m pwtest "$dir" || skip "cannot mount tmpfs here"
	umount "$dir"
	events=$(pw_events | jq -c --arg d "$dir" 'select(.target == $d)')
	ev=$(jq -c 'select(.type == "mount")' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall mount
	assert_field "$ev" .source pwtest
	assert_field "$ev" .fstype tmpfs
	assert_field "$ev" .data == '*size=1m*'
	assert_field "$ev" '.flags | type' number
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .comm mount
	assert_field "$ev" .module mount
	um=$(jq -c 'select(.type == "umount")' <<<"$events")
	[ "$(jq -s length <<<"$um")" -eq 1 ]
	assert_field "$um" .syscall umount2
	assert_field "$um" .ret -eq 0
	assert_field "$um" .source ""
	assert_field "$um" .fstype ""
}

@test "mount flags are reported as passed: a read-only, nosuid mount" {
	mount -t tmpfs -o ro,nosuid,size=1m pwtest "$dir" || skip "cannot mount tmpfs here"
	ev=$(pw_events | jq -c --arg d "$dir" 'select(.type == "mount" and .target == $d)')
	flags=$(jq -r .flags <<<"$ev")
	(( (flags & 1) == 1 && (flags & 2) == 2 )) # MS_RDONLY, MS_NOSUID
	umount "$dir"
}

@test "the text output names the syscall, the fields and the flags" {
	mount -t tmpfs -o ro,nosuid,size=1m pwtest "$dir" || skip "cannot mount tmpfs here"
	umount "$dir"
	run -0 "$PW_READ" --drain
	grep -F "mount source=pwtest target=$dir fstype=tmpfs flags=MS_RDONLY|MS_NOSUID data=size=1m ret=0" <<<"$output"
	grep -E "umount2 target=$dir( flags=[A-Z_|]+)? ret=0\$" <<<"$output"
}

@test "a mount of an unknown filesystem type reports ret -19 (ENODEV)" {
	run ! mount -t pwnosuchfs pwtest "$dir"
	ev=$(pw_events | jq -c --arg d "$dir" 'select(.type == "mount" and .target == $d)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .fstype pwnosuchfs
	assert_field "$ev" .ret -eq -19
}

@test "umount of a directory that is not a mount point reports ret -22 (EINVAL)" {
	umount "$dir" 2>/dev/null && false
	ev=$(pw_events | jq -c --arg d "$dir" 'select(.type == "umount" and .target == $d)')
	# umount(8) may refuse before calling umount2(2): then there is nothing to check
	[ -n "$ev" ] || skip "umount(8) did not call umount2(2)"
	assert_field "$ev" .ret -eq -22
}

@test "after a run, seen equals filtered plus emitted plus dropped for module mount" {
	"$PW" filter add comm mount
	mount -t pwnosuchfs pwtest "$dir" 2>/dev/null || true
	"$PW" filter del comm mount
	mount -t pwnosuchfs pwtest "$dir" 2>/dev/null || true
	run -0 stats_balance mount
	assert_field "$output" .filtered -ge 1
	assert_field "$output" .emitted -ge 1
}
