#!/usr/bin/env bats
# The attr module: chmod, chown, xattr and utimes events, made the way an
# intruder makes them (a setuid copy, a file capability, a backdated file),
# with every field; the path, comm filters and the stats invariant.
# The default pack (scripts/rules/default) rightly alerts on this file's acts: setuid and setgid chmods, file capabilities and backdated times are its subject (setuid-set, file-cap-set, timestomp).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file attr
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/attr_acts" -O2 "$PW_HOME/tests/fixtures/attr_acts.c"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	dir=$(realpath "$BATS_TEST_TMPDIR")
	f=$dir/pwattr$RANDOM
	cp /bin/true "$f"
	pw_drain
}

# A failed test must not leave its filters to the next one.
teardown() {
	local v
	"$PW" filter list path --json | jq -r '.[].value' | while IFS= read -r v; do
		"$PW" filter del path "$v"
	done
	"$PW" filter del comm chmod 2>/dev/null || true
}

# The events of one type, as JSON Lines; with a path, only those about it.
attr_events() { # type [path]
	pw_events | jq -c --arg t "$1" --arg p "${2-}" \
		'select(.type == $t and ($p == "" or .path == $p))'
}

# The hooks are the syscall tracepoints on every kernel: two acts run in the
# 6.1 guest too, to show the module loads and reads there.
@test "chmod u+s of a copied binary reports mode 4755 and setuid" {
	chmod 0755 "$f"
	pw_drain
	chmod u+s "$f"
	ev=$(attr_events chmod "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module attr
	assert_field "$ev" .comm chmod
	assert_field "$ev" .syscall fchmodat
	assert_field "$ev" .path "$f"
	assert_field "$ev" .fd null
	assert_field "$ev" .dfd -eq -100
	assert_field "$ev" .mode 4755
	assert_field "$ev" '.mode | type' string
	assert_field "$ev" .setuid true
	assert_field "$ev" .setgid false
	assert_field "$ev" .sticky false
	assert_field "$ev" .flags -eq 0
	assert_field "$ev" .ret -eq 0
}

@test "chmod 4755 reports the same setuid mode; 3775 reports setgid and sticky" {
	chmod 4755 "$f"
	ev=$(attr_events chmod "$f")
	assert_field "$ev" .mode 4755
	assert_field "$ev" .setuid true
	chmod 3775 "$f"
	ev=$(attr_events chmod "$f")
	assert_field "$ev" .mode 3775
	assert_field "$ev" .setuid false
	assert_field "$ev" .setgid true
	assert_field "$ev" .sticky true
}

@test "a path in a page not faulted in at syscall entry is read at exit" {
	[[ -x $BATS_FILE_TMPDIR/attr_acts ]] || skip "needs gcc to build the helper"
	"$BATS_FILE_TMPDIR/attr_acts" chmod-unfaulted "$f" 4755
	[ "$(stat -c %a "$f")" = 4755 ]
	ev=$(pw_events | jq -c 'select(.type == "chmod" and .comm == "attr_acts")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall chmod
	assert_field "$ev" .path "$f"
	assert_field "$ev" .mode 4755
}

@test "chown nobody:nogroup reports the new uid and gid; an unchanged id is -1" {
	chown nobody:nogroup "$f"
	ev=$(attr_events chown "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module attr
	assert_field "$ev" .comm chown
	assert_field "$ev" .syscall fchownat
	assert_field "$ev" .path "$f"
	assert_field "$ev" .fd null
	assert_field "$ev" .uid -eq "$(id -u nobody)"
	assert_field "$ev" .gid -eq "$(getent group nogroup | cut -d: -f3)"
	assert_field "$ev" .ret -eq 0
	chown :root "$f"
	ev=$(attr_events chown "$f")
	assert_field "$ev" .uid -eq -1
	assert_field "$ev" .gid -eq 0
}

@test "setcap cap_net_raw+ep reports security.capability with the capabilities by name" {
	command -v setcap >/dev/null || skip "needs setcap (libcap2-bin)"
	setcap 'cap_net_raw=ep cap_sys_ptrace=eip' "$f"
	ev=$(attr_events xattr "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module attr
	assert_field "$ev" .comm setcap
	assert_field "$ev" .syscall setxattr
	assert_field "$ev" .op set
	assert_field "$ev" .name security.capability
	assert_field "$ev" .size -eq 20
	assert_field "$ev" .cap_version -eq 2
	assert_field "$ev" '.cap_permitted | join(",")' CAP_NET_RAW,CAP_SYS_PTRACE
	assert_field "$ev" '.cap_inheritable | join(",")' CAP_SYS_PTRACE
	assert_field "$ev" .cap_effective true
	assert_field "$ev" .cap_rootid null
	assert_field "$ev" .fd null
	assert_field "$ev" .ret -eq 0
	setcap -r "$f"
	ev=$(attr_events xattr "$f")
	assert_field "$ev" .op remove
	assert_field "$ev" .syscall removexattr
	assert_field "$ev" .name security.capability
	assert_field "$ev" .cap_permitted null
}

@test "setxattrat of security.capability (6.13+) reports the capabilities from its xattr_args" {
	[[ -x $BATS_FILE_TMPDIR/attr_acts ]] || skip "needs gcc to build the helper"
	[[ -d /sys/kernel/tracing/events/syscalls/sys_enter_setxattrat ]] || skip "no setxattrat before 6.13"
	run -0 "$BATS_FILE_TMPDIR/attr_acts" xattrat "$f"
	events=$(attr_events xattr "$f")
	[ "$(jq -s length <<<"$events")" -eq 2 ]
	ev=$(head -1 <<<"$events")
	assert_field "$ev" .syscall setxattrat
	assert_field "$ev" .op set
	assert_field "$ev" .dfd -eq -100
	assert_field "$ev" .name security.capability
	assert_field "$ev" .size -eq 20
	assert_field "$ev" '.cap_permitted | join(",")' CAP_NET_RAW
	assert_field "$ev" '.cap_inheritable | length' -eq 0
	assert_field "$ev" .cap_effective true
	assert_field "$ev" .flags -eq 0
	assert_field "$ev" .ret -eq 0
	ev=$(tail -1 <<<"$events")
	assert_field "$ev" .syscall removexattrat
	assert_field "$ev" .op remove
	assert_field "$ev" .ret -eq 0
}

@test "a user xattr set and removed by fd reports op, name and size, no capabilities" {
	python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.setxattr(fd, "user.pwx", b"1")
os.removexattr(fd, "user.pwx")' "$f" 2>/dev/null || skip "no user xattrs on $dir"
	ev=$(attr_events xattr | jq -c 'select(.name == "user.pwx")')
	[ "$(jq -s length <<<"$ev")" -eq 2 ]
	set=$(head -1 <<<"$ev")
	assert_field "$set" .syscall fsetxattr
	assert_field "$set" .op set
	assert_field "$set" .path null
	assert_field "$set" .fd -ge 3
	assert_field "$set" .size -eq 1
	assert_field "$set" .cap_permitted null
	assert_field "$set" .ret -eq 0
	rm=$(tail -1 <<<"$ev")
	assert_field "$rm" .syscall fremovexattr
	assert_field "$rm" .op remove
	assert_field "$rm" .size null
	assert_field "$rm" .ret -eq 0
}

@test "touch -d 2001-01-01 (timestomping) reports the times set" {
	# touch under a name of its own: other suites on the machine run touch
	cp "$(command -v touch)" "$dir/pwtouch"
	TZ=UTC "$dir/pwtouch" -d 2001-01-01 "$f"
	ev=$(pw_events | jq -c 'select(.type == "utimes" and .comm == "pwtouch")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module attr
	assert_field "$ev" .syscall utimensat
	# touch changes the times of the file it opened on stdin
	assert_field "$ev" .path null
	assert_field "$ev" .fd -eq 0
	assert_field "$ev" .atime 2001-01-01T00:00:00.000000000Z
	assert_field "$ev" .mtime 2001-01-01T00:00:00.000000000Z
	assert_field "$ev" .ret -eq 0
	[ "$(stat -c %Y "$f")" -eq 978307200 ]
}

@test "touch -h -m reports the path, AT_SYMLINK_NOFOLLOW, omit for atime; plain touch is now" {
	TZ=UTC touch -h -m -d '2001-02-03 04:05:06.5' "$f"
	ev=$(attr_events utimes "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .path "$f"
	assert_field "$ev" .fd null
	assert_field "$ev" .flags -eq 256
	assert_field "$ev" .atime omit
	assert_field "$ev" .mtime 2001-02-03T04:05:06.500000000Z
	cp "$(command -v touch)" "$dir/pwtouch"
	pw_drain
	"$dir/pwtouch" "$f"
	ev=$(pw_events | jq -c 'select(.type == "utimes" and .comm == "pwtouch")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .fd -eq 0
	assert_field "$ev" .atime now
	assert_field "$ev" .mtime now
}

@test "utime, utimes, futimesat, fchmod, fchmodat2, lchown and fchown report their fields" {
	[[ -x $BATS_FILE_TMPDIR/attr_acts ]] || skip "needs gcc to build the helper"
	run "$BATS_FILE_TMPDIR/attr_acts" calls "$f"
	((status != 3)) || skip "$output"
	((status == 0))
	events=$(pw_events | jq -c 'select(.module == "attr" and .comm == "attr_acts")')
	by() { jq -c --arg s "$1" 'select(.syscall == $s)' <<<"$events"; }
	ev=$(by utime)
	assert_field "$ev" .type utimes
	assert_field "$ev" .path "$f"
	assert_field "$ev" .atime 1970-01-01T00:16:40.000000000Z
	assert_field "$ev" .mtime 1970-01-01T00:33:20.000000000Z
	ev=$(by utimes)
	assert_field "$ev" .atime 1970-01-01T00:50:00.250000000Z
	assert_field "$ev" .mtime 1970-01-01T01:06:40.000000000Z
	ev=$(by futimesat)
	assert_field "$ev" .dfd -eq -100
	assert_field "$ev" .atime now
	assert_field "$ev" .mtime now
	ev=$(by fchmod)
	assert_field "$ev" .type chmod
	assert_field "$ev" .path null
	assert_field "$ev" .fd -ge 3
	assert_field "$ev" .mode 2755
	assert_field "$ev" .setgid true
	assert_field "$ev" .ret -eq 0
	if [[ -d /sys/kernel/tracing/events/syscalls/sys_enter_fchmodat2 ]]; then
		ev=$(by fchmodat2)
		assert_field "$ev" .path "$f"
		assert_field "$ev" .mode 0755
		assert_field "$ev" .ret -eq 0
	else
		[ -z "$(by fchmodat2)" ]
	fi
	ev=$(by lchown)
	assert_field "$ev" .type chown
	assert_field "$ev" .uid -eq -1
	assert_field "$ev" .gid -eq 0
	ev=$(by fchown)
	assert_field "$ev" .path null
	assert_field "$ev" .fd -ge 3
	assert_field "$ev" .uid -eq 0
	assert_field "$ev" .gid -eq -1
}

@test "times behind a bad pointer are null, and the call's ret -14 (EFAULT)" {
	[[ -x $BATS_FILE_TMPDIR/attr_acts ]] || skip "needs gcc to build the helper"
	run -0 "$BATS_FILE_TMPDIR/attr_acts" efault "$f"
	ev=$(attr_events utimes "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .atime null
	assert_field "$ev" .mtime null
	assert_field "$ev" .ret -eq -14
}

@test "a path filter on a directory drops its attr events and counts them filtered" {
	other=$(mktemp "${TMPDIR:-/tmp}"/pwattr-other.XXXXXX)
	"$PW" filter add path "$dir"
	before=$(stat_of attr filtered)
	chmod 4755 "$f"
	chmod 0600 "$other"
	events=$(pw_events)
	rm -f "$other"
	[ -z "$(jq -c --arg f "$f" 'select(.type == "chmod" and .path == $f)' <<<"$events")" ]
	ev=$(jq -c --arg f "$other" 'select(.type == "chmod" and .path == $f)' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .mode 0600
	(($(stat_of attr filtered) >= before + 1))
}

@test "a comm filter drops chmod's events and counts them filtered" {
	"$PW" filter add comm chmod
	before=$(stat_of attr filtered)
	chmod 4755 "$f"
	chown nobody "$f"
	"$PW" filter del comm chmod
	events=$(pw_events)
	[ -z "$(jq -c --arg f "$f" 'select(.type == "chmod" and .path == $f)' <<<"$events")" ]
	ev=$(jq -c --arg f "$f" 'select(.type == "chown" and .path == $f)' <<<"$events")
	assert_field "$ev" .uid -eq "$(id -u nobody)"
	(($(stat_of attr filtered) >= before + 1))
}

@test "the text output names the syscall, the path and the fields" {
	chmod 4755 "$f"
	chown 65534:65534 "$f"
	command -v setcap >/dev/null && setcap cap_net_raw+ep "$f"
	TZ=UTC touch -h -d 2001-01-01 "$f"
	run -0 "$PW_READ" --drain
	grep -F "fchmodat $f mode=4755 setuid ret=0" <<<"$output"
	grep -F "fchownat $f uid=65534 gid=65534 ret=0" <<<"$output"
	! command -v setcap >/dev/null ||
		grep -F "setxattr $f set name=security.capability size=20 cap_permitted=CAP_NET_RAW cap_effective ret=0" <<<"$output"
	grep -F "utimensat $f atime=2001-01-01T00:00:00.000000000Z mtime=2001-01-01T00:00:00.000000000Z flags=AT_SYMLINK_NOFOLLOW ret=0" <<<"$output"
}

@test "a failed chmod reports ret -2 (ENOENT)" {
	# chmod(1) checks first: a program calling chmod(2) straight
	run ! python3 -c 'import os, sys; os.chmod(sys.argv[1], 0o4755)' "$dir/pwmissing"
	ev=$(attr_events chmod "$dir/pwmissing")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq -2
	run -0 "$PW_READ" --drain
}

@test "after a run, seen equals filtered plus emitted plus dropped for module attr" {
	"$PW" filter add comm chmod
	chmod 4755 "$f"
	"$PW" filter del comm chmod
	chmod 0755 "$f"
	run -0 stats_balance attr
	assert_field "$output" .filtered -ge 1
	assert_field "$output" .emitted -ge 1
}

@test "module.attr off stops attr events; on brings them back" {
	"$PW" config set module.attr off
	chmod 4755 "$f"
	[ -z "$(attr_events chmod "$f")" ]
	"$PW" config set module.attr on
	chmod 0755 "$f"
	ev=$(attr_events chmod "$f")
	assert_field "$ev" .mode 0755
}
