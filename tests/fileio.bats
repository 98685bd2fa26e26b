#!/usr/bin/env bats
# File I/O accounting (file module, hooks vfs_rd and vfs_wr): every
# vfs_read()/vfs_write() counted per process and file (pinwatch filetop)
# and machine-wide (pinwatch vfsstat). The hooks need fentry/fexit or
# kprobes: fexit on Debian's 6.1, neither on the 6.18 host, where the file
# module loads without them. Both variants are checked where they exist.
# shellcheck disable=SC2154 # status, output, lines and stderr come from bats' run
# The default pack (scripts/rules/default) rightly alerts on this file's acts: setup_file probes fentry by loading a program with bpftool (kernel_fn_attach: bpf-load).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file file 2>"$BATS_FILE_TMPDIR/up.err" || { cat "$BATS_FILE_TMPDIR/up.err" >&2; return 1; }
	kernel_fn_attach vfs_read >"$BATS_FILE_TMPDIR/attach"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	ATTACH=$(<"$BATS_FILE_TMPDIR/attach")
}

# The variant the loader should pick for the hooks on this kernel.
expected_variant() {
	case $ATTACH in
	fentry) echo fexit ;;
	kprobe) echo kprobe ;;
	*) echo "" ;;
	esac
}

need_accounting() {
	[[ -n $(expected_variant) ]] ||
		skip "no fentry/fexit or kprobes on vfs_read here (the 6.1 guest of make vmtest has them)"
}

# Reloads the file module with the variants named denied.
reload_file_denying() { # kinds
	"$PW" down >/dev/null
	PINWATCH_DENY_VARIANTS=$1 "$PW" up file >/dev/null 2>&1
}

# A process that writes 3 x 4096 bytes to FILE, then one that reads it
# back; sets WRITER and READER to their pids.
write_then_read() { # file
	dd if=/dev/zero of="$1" bs=4096 count=3 status=none &
	WRITER=$!
	wait "$WRITER"
	cat "$1" >/dev/null &
	READER=$!
	wait "$READER"
}

# filetop's JSON row for a process and a file name.
row_of() { # pid name
	"$PW" filetop --top "$(bpftool -j map show pinned "$PIN_ROOT/file/io_files" | jq .max_entries)" --json |
		jq -c --argjson p "$1" --arg n "$2" '.[] | select(.pid == $p and .name == $n)'
}

# bats test_tags=vm-ci
@test "the vfs_read/vfs_write hooks attach as fexit where fentry works, as kprobe where only kprobes do, and are left out with a notice otherwise" {
	want=$(expected_variant)
	[ "$(hook_variant file vfs_rd)" = "$want" ]
	[ "$(hook_variant file vfs_wr)" = "$want" ]
	if [[ -z $want ]]; then
		grep -q 'notice: hook vfs_rd is not available on this kernel' "$BATS_FILE_TMPDIR/up.err"
		grep -q 'notice: hook vfs_wr is not available on this kernel' "$BATS_FILE_TMPDIR/up.err"
		# the file module's events work without them
		[ -e "$PIN_ROOT/file/link_openat_x" ]
		[ ! -e "$PIN_ROOT/file/link_vfs_rd" ]
	fi
}

@test "without the hooks, filetop and vfsstat exit 4 with one line saying why" {
	[[ -z $(expected_variant) ]] || skip "file I/O accounting is attached on this kernel"
	run -4 --separate-stderr "$PW" filetop
	assert_one_line_error
	[[ $stderr == *"not available on this kernel"* ]]
	run -4 --separate-stderr "$PW" vfsstat --json
	assert_one_line_error
}

# bats test_tags=vm-ci
@test "fexit: filetop counts each process's reads and writes of a file with the bytes transferred" {
	need_accounting
	[[ $(hook_variant file vfs_rd) == fexit ]] || skip "the hooks are kprobes here (no fentry)"
	f=$BATS_TEST_TMPDIR/pwio-$RANDOM$RANDOM
	write_then_read "$f"
	w=$(row_of "$WRITER" "${f##*/}")
	assert_field "$w" .comm dd
	assert_field "$w" .writes -eq 3
	assert_field "$w" .write_bytes -eq 12288
	assert_field "$w" .reads -eq 0
	assert_field "$w" .type R
	assert_field "$w" .ino -eq "$(stat -c %i "$f")"
	assert_field "$w" .dev "$(findmnt -rn -o MAJ:MIN -T "$f")"
	r=$(row_of "$READER" "${f##*/}")
	assert_field "$r" .comm cat
	# every byte once; the last read returns 0 (end of file)
	assert_field "$r" .read_bytes -eq 12288
	assert_field "$r" .reads -ge 2
	assert_field "$r" .writes -eq 0
}

@test "kprobe: filetop counts reads and writes with the bytes asked for" {
	need_accounting
	if [[ $(hook_variant file vfs_rd) != kprobe ]]; then
		grep -q " vfs_read\$" /proc/kallsyms && [[ -e /sys/kernel/tracing/kprobe_events ]] ||
			skip "no kprobes on this kernel"
		reload_file_denying fentry,fexit
	fi
	[ "$(hook_variant file vfs_rd)" = kprobe ]
	f=$BATS_TEST_TMPDIR/pwio-$RANDOM$RANDOM
	write_then_read "$f"
	w=$(row_of "$WRITER" "${f##*/}")
	assert_field "$w" .writes -eq 3
	assert_field "$w" .write_bytes -eq 12288
	r=$(row_of "$READER" "${f##*/}")
	# cat asks for whole buffers: at least the file's size, once per call
	assert_field "$r" .reads -ge 2
	assert_field "$r" .read_bytes -ge 12288
	reload_file_denying ""
	[ "$(hook_variant file vfs_rd)" = "$(expected_variant)" ]
}

@test "filetop sorts, cuts at --top, prints a table, and --clear starts the counts again" {
	need_accounting
	f=$BATS_TEST_TMPDIR/pwio-$RANDOM$RANDOM
	write_then_read "$f"
	run -0 "$PW" filetop --top 3 --sort writes --json
	assert_field "$output" length -le 3
	[ "$(jq -c '[.[].writes]' <<<"$output")" = "$(jq -c '[.[].writes] | sort | reverse' <<<"$output")" ]
	run -0 "$PW" filetop --top "$(bpftool -j map show pinned "$PIN_ROOT/file/io_files" | jq .max_entries)"
	[[ ${lines[0]} == PID*COMM*READS*WRITES*R_KB*W_KB*T*DEV*INO*NAME ]]
	grep -qE "^$WRITER +dd +0 +3 +0 +12 +R .* ${f##*/}\$" <<<"$output"
	"$PW" filetop --clear >/dev/null
	[ -z "$(row_of "$WRITER" "${f##*/}")" ]
}

@test "vfsstat counts the machine's reads and writes, and --interval only what happened meanwhile" {
	need_accounting
	run -0 --separate-stderr "$PW" vfsstat --json
	before=$output
	f=$BATS_TEST_TMPDIR/pwio-$RANDOM$RANDOM
	write_then_read "$f"
	after=$("$PW" vfsstat --json)
	[ "$(jq -n --argjson a "$after" --argjson b "$before" '$a.writes - $b.writes')" -ge 3 ]
	[ "$(jq -n --argjson a "$after" --argjson b "$before" '$a.write_bytes - $b.write_bytes')" -ge 12288 ]
	[ "$(jq -n --argjson a "$after" --argjson b "$before" '$a.read_bytes - $b.read_bytes')" -ge 12288 ]
	# writes all through the interval, whenever it starts (no timing assumed)
	( while [[ ! -e $f.stop ]]; do dd if=/dev/zero of="$f" bs=4096 count=5 status=none; done ) &
	writer=$!
	run "$PW" vfsstat --interval 1 --json
	touch "$f.stop"
	wait "$writer"
	[ "$status" -eq 0 ]
	assert_field "$output" .write_bytes -ge 20480
	# far less than the totals since load
	assert_field "$output" .reads -lt "$(jq .reads <<<"$after")"
	run "$PW" vfsstat
	[[ ${lines[0]} == READS*WRITES*READ_KB*WRITE_KB ]]
}

@test "the filters and the module switch apply to the accounting" {
	need_accounting
	"$PW" filter add comm dd
	f=$BATS_TEST_TMPDIR/pwio-$RANDOM$RANDOM
	write_then_read "$f"
	"$PW" filter del comm dd
	[ -z "$(row_of "$WRITER" "${f##*/}")" ]
	[ -n "$(row_of "$READER" "${f##*/}")" ]
	"$PW" config set module.file off
	g=$BATS_TEST_TMPDIR/pwio-$RANDOM$RANDOM
	write_then_read "$g"
	"$PW" config set module.file on
	[ -z "$(row_of "$READER" "${g##*/}")" ]
}

@test "filetop and vfsstat refuse bad arguments with one line" {
	for args in "--top 0" "--top x" "--sort size" "--bogus" "--top"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr "$PW" filetop $args || { echo "filetop $args: $status"; return 1; }
		assert_one_line_error
	done
	for args in "--interval 0" "--interval 1.5" "--bogus"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr "$PW" vfsstat $args || { echo "vfsstat $args: $status"; return 1; }
		assert_one_line_error
	done
}
