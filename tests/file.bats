#!/usr/bin/env bats
# The file module: open, unlink and rename events with their paths, flags
# and results, the path-prefix filters, and the stats invariant.

# shellcheck disable=SC2154 # status, output and stderr come from bats' run
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	# every open on the machine is an event: a roomy ring keeps a busy
	# machine from crowding the tests' own events out
	pw_setup_file --ringbuf-size 64M file
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	pw_drain
}

# A failed test must not leave its path filters to the next one.
teardown() {
	local v
	[ "$(bpftool -j map dump pinned "$PIN_ROOT/maps/filter_path" | jq length)" -gt 0 ] || return 0
	"$PW" filter list path --json | jq -r '.[].value' | while IFS= read -r v; do
		"$PW" filter del path "$v"
	done
}

# The events of one type about one path, as JSON Lines.
file_events() { # type path
	pw_events | jq -c --arg t "$1" --arg p "$2" 'select(.type == $t and .path == $p)'
}

# bats test_tags=vm-ci
@test "creating a file reports its path, O_CREAT in the flags, the mode and the new fd" {
	f=$BATS_TEST_TMPDIR/pwcreate-$RANDOM$RANDOM
	: >"$f"
	ev=$(file_events open "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module file
	assert_field "$ev" .pid -eq "$BASHPID"
	flags=$(jq -r .flags <<<"$ev")
	(( (flags & 0100) != 0 ))  # O_CREAT
	(( (flags & 03) == 1 ))    # O_WRONLY
	assert_field "$ev" .mode -eq $((0666))
	assert_field "$ev" .ret -ge 0
	assert_field "$ev" .syscall == 'openat*'
	assert_field "$ev" .dfd -eq -100
}

@test "opening a missing file reports ret -2 (ENOENT)" {
	f=$BATS_TEST_TMPDIR/pwmissing-$RANDOM$RANDOM
	cat "$f" 2>/dev/null || true
	ev=$(file_events open "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq -2
	assert_field "$ev" .comm cat
}

@test "a relative path is reported as the process passed it" {
	name=pwrel-$RANDOM$RANDOM
	(cd "$BATS_TEST_TMPDIR" && : >"$name")
	ev=$(file_events open "$name")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -ge 0
}

@test "unlinking a file reports its path and ret 0" {
	f=$BATS_TEST_TMPDIR/pwunlink-$RANDOM$RANDOM
	: >"$f"
	pw_drain
	rm "$f"
	ev=$(file_events unlink "$f")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .flags -eq 0
	assert_field "$ev" .comm rm
}

@test "removing a directory reports unlink with AT_REMOVEDIR, and a failed unlink its errno" {
	d=$BATS_TEST_TMPDIR/pwrmdir-$RANDOM$RANDOM
	mkdir "$d"
	pw_drain
	rm -d "$d"
	unlink "$d" 2>/dev/null || true
	events=$(pw_events | jq -c --arg p "$d" 'select(.type == "unlink" and .path == $p)')
	[ "$(jq -s length <<<"$events")" -eq 2 ]
	[ "$(jq -s '.[0].flags' <<<"$events")" -eq $((0x200)) ]
	[ "$(jq -s '.[0].ret' <<<"$events")" -eq 0 ]
	[ "$(jq -s -r '.[1].syscall' <<<"$events")" = unlink ]
	[ "$(jq -s '.[1].ret' <<<"$events")" -eq -2 ]
}

@test "renaming a file reports path, new_path and ret 0" {
	a=$BATS_TEST_TMPDIR/pwfrom-$RANDOM$RANDOM
	b=$BATS_TEST_TMPDIR/pwto-$RANDOM$RANDOM
	: >"$a"
	pw_drain
	mv "$a" "$b"
	ev=$(file_events rename "$a")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .new_path "$b"
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .syscall == 'rename*'
	assert_field "$ev" '.flags | type' number
}

@test "a path filter drops events under that directory, not under a sibling with the same prefix" {
	d=$BATS_TEST_TMPDIR/pwdrop
	mkdir -p "$d" "${d}x"
	"$PW" filter add path "$d"
	: >"$d/in"
	: >"${d}x/out"
	: <"$d" # the directory itself
	"$PW" filter del path "$d"
	events=$(pw_events)
	[ "$(jq -c --arg p "$d/in" 'select(.path == $p)' <<<"$events" | wc -l)" -eq 0 ]
	[ "$(jq -c --arg p "$d" 'select(.path == $p)' <<<"$events" | wc -l)" -eq 0 ]
	[ "$(jq -c --arg p "${d}x/out" 'select(.type == "open" and .path == $p)' <<<"$events" | wc -l)" -eq 1 ]
	: >"$d/in"
	[ "$(file_events open "$d/in" | wc -l)" -eq 1 ]
}

@test "a path filter added with --only keeps only events under that directory" {
	d=$BATS_TEST_TMPDIR/pwonly
	mkdir -p "$d" "$BATS_TEST_TMPDIR/pwother"
	"$PW" filter add path "$d" --only
	pw_drain # from here on, everything queued went through the filter
	: >"$d/in"
	: >"$BATS_TEST_TMPDIR/pwother/out"
	mv "$d/in" "$BATS_TEST_TMPDIR/pwother/moved"
	events=$(pw_events)
	"$PW" filter del path "$d"
	[ "$(jq -c --arg p "$d/in" 'select(.type == "open" and .path == $p)' <<<"$events" | wc -l)" -eq 1 ]
	[ "$(jq -c --arg p "$BATS_TEST_TMPDIR/pwother/out" 'select(.path == $p)' <<<"$events" | wc -l)" -eq 0 ]
	# a rename is kept when either of its paths is
	[ "$(jq -c --arg p "$d/in" 'select(.type == "rename" and .path == $p)' <<<"$events" | wc -l)" -eq 1 ]
	# and nothing outside got through
	[ "$(jq -c --arg d "$d/" 'select(.module == "file" and (.path | startswith($d) | not) and ((.new_path // "") | startswith($d) | not))' <<<"$events" | wc -l)" -eq 0 ]
}

@test "the longest matching path entry decides between drop and --only" {
	d=$BATS_TEST_TMPDIR/pwlpm
	mkdir -p "$d/noisy"
	"$PW" filter add path "$d" --only
	"$PW" filter add path "$d/noisy"
	: >"$d/kept"
	: >"$d/noisy/dropped"
	"$PW" filter del path "$d/noisy"
	"$PW" filter del path "$d"
	events=$(pw_events)
	[ "$(jq -c --arg p "$d/kept" 'select(.path == $p)' <<<"$events" | wc -l)" -eq 1 ]
	[ "$(jq -c --arg p "$d/noisy/dropped" 'select(.path == $p)' <<<"$events" | wc -l)" -eq 0 ]
}

@test "path filters round-trip through add, list and del, and set filter bit 4" {
	"$PW" filter add path /proc
	"$PW" filter add path "/srv/with space/é/" --only
	run -0 "$PW" filter list path --json
	[ "$output" = '[{"kind":"path","value":"/proc","mode":"drop"},{"kind":"path","value":"/srv/with space/é","mode":"only"}]' ] ||
		[ "$output" = '[{"kind":"path","value":"/srv/with space/é","mode":"only"},{"kind":"path","value":"/proc","mode":"drop"}]' ]
	[ "$(( $("$PW" config get filter_kinds) & 16 ))" -eq 16 ]
	[ "$(( $("$PW" config get only_kinds) & 16 ))" -eq 16 ]
	"$PW" filter del path /proc/
	"$PW" filter del path "/srv/with space/é"
	[ "$("$PW" filter list path --json)" = "[]" ]
	[ "$(( $("$PW" config get filter_kinds) & 16 ))" -eq 0 ]
}

@test "a bad path filter gets one line on stderr and changes nothing" {
	before=$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/filter_path")
	for bad in relative '' /a//b /a/../b /a/./b "/$(head -c 300 /dev/zero | tr '\0' x)" $'/a\nb'; do
		run --separate-stderr "$PW" filter add path "$bad"
		assert_one_line_error
		[[ $stderr == *"invalid path"* ]]
	done
	run --separate-stderr "$PW" filter del path /never/added
	assert_one_line_error
	[ "$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/filter_path")" = "$before" ]
}

# A read-only open by the test's own shell (no exec of a helper), as JSON
# Lines of the open events of path by this shell.
own_read() { # path
	local me=$BASHPID ev
	exec {fd}<"$1" && exec {fd}<&-
	ev=$(pw_events | jq -c --arg p "$1" --argjson me "$me" 'select(.type == "open" and .path == $p and .pid == $me)')
	printf '%s' "$ev"
}

@test "quiet reads: up's default counts a read of a library, ld.so.cache or a locale file filtered; a write there, a path with '..', and quiet_reads off are reported" {
	local f0 lib lib_abs w
	[ "$("$PW" config get quiet_reads)" = 1 ]
	# the list is the binary's (pinwatch-load abi), not the test's
	"$PW_BUILD/pinwatch-load" abi | grep -qx 'quiet_reads /usr/lib/ 0'
	"$PW_BUILD/pinwatch-load" abi | grep -qx 'quiet_reads /etc/ld.so.cache 1'
	lib=$(find /usr/lib /lib -maxdepth 2 -name 'libc.so.6' -print -quit)
	[ -n "$lib" ]
	f0=$(stat_of file filtered)
	[ -z "$(own_read /etc/ld.so.cache)" ]
	[ -z "$(own_read "$lib")" ]
	[ "$(stat_of file filtered)" -ge $((f0 + 2)) ]
	# climbing out of the quiet directory: reported as given
	lib_abs=/usr/lib/../../etc/hostname
	[ "$(own_read "$lib_abs" | jq -s length)" -eq 1 ]
	# ld.so.cache is exact: a sibling with that name as its prefix is reported
	[ "$(own_read /etc/ld.so.conf | jq -s length)" -eq 1 ]
	# a write under /usr/lib is reported
	w=/usr/lib/pwquiet-$RANDOM$RANDOM
	: >"$w"
	rm -f "$w"
	[ "$(pw_events | jq -c --arg p "$w" 'select(.type == "open" and .path == $p)' | jq -s length)" -eq 1 ]
	"$PW" config set quiet_reads off
	ev=$(own_read "$lib")
	"$PW" config set quiet_reads on
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .flags -eq 0 # O_RDONLY
}

@test "after a run, seen equals filtered plus emitted plus dropped for module file" {
	d=$BATS_TEST_TMPDIR/pwstats
	mkdir -p "$d"
	before=$(stat_of file filtered)
	"$PW" filter add path "$d"
	for i in $(seq 1 20); do : >"$d/f$i"; done
	"$PW" filter del path "$d"
	run -0 stats_balance file
	assert_field "$output" .filtered -ge $((before + 20))
	assert_field "$output" .emitted -gt 0
}

# bats test_tags=pack-alerts
@test "a program run from memfd_create reports a memfd event with the name, flags and fd" {
	command -v gcc >/dev/null || skip "needs gcc to build the helper"
	pw_cc "$BATS_TEST_TMPDIR/attr_acts" -O2 "$PW_HOME/tests/fixtures/attr_acts.c"
	pw_drain
	run -0 "$BATS_TEST_TMPDIR/attr_acts" memfd-exec pwmemfd /bin/echo from-memory
	[ "$output" = from-memory ]
	ev=$(pw_events | jq -c 'select(.type == "memfd" and .comm == "attr_acts")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module file
	assert_field "$ev" .name pwmemfd
	assert_field "$ev" .flags -eq 3 # MFD_CLOEXEC | MFD_ALLOW_SEALING
	assert_field "$ev" .fd -ge 3
	assert_field "$ev" .ret -ge 3
	run -0 "$PW_READ" --drain
}

# bats test_tags=pack-alerts
@test "the memfd text line names the flags; a comm filter drops memfd events" {
	command -v gcc >/dev/null || skip "needs gcc to build the helper"
	pw_cc "$BATS_TEST_TMPDIR/attr_acts" -O2 "$PW_HOME/tests/fixtures/attr_acts.c"
	pw_drain
	"$BATS_TEST_TMPDIR/attr_acts" memfd-exec pwmemfd /bin/true
	run -0 "$PW_READ" --drain
	grep -E "memfd .* attr_acts +name=pwmemfd flags=MFD_CLOEXEC\|MFD_ALLOW_SEALING ret=[0-9]+\$" <<<"$output"
	"$PW" filter add comm attr_acts
	before=$(stat_of file filtered)
	"$BATS_TEST_TMPDIR/attr_acts" memfd-exec pwmemfd /bin/true
	"$PW" filter del comm attr_acts
	[ -z "$(pw_events | jq -c 'select(.type == "memfd" and .name == "pwmemfd")')" ]
	(($(stat_of file filtered) > before))
}

# bats test_tags=pack-alerts
@test "a path filter on /memfd:NAME drops that memfd's events and counts them filtered" {
	command -v gcc >/dev/null || skip "needs gcc to build the helper"
	pw_cc "$BATS_TEST_TMPDIR/attr_acts" -O2 "$PW_HOME/tests/fixtures/attr_acts.c"
	"$PW" filter add path /memfd:pwquiet
	before=$(stat_of file filtered)
	"$BATS_TEST_TMPDIR/attr_acts" memfd-exec pwquiet /bin/true
	"$BATS_TEST_TMPDIR/attr_acts" memfd-exec pwloud /bin/true
	events=$(pw_events | jq -c 'select(.type == "memfd" and .comm == "attr_acts")')
	assert_field "$events" .name pwloud
	(($(stat_of file filtered) > before))
}
