#!/usr/bin/env bats
# pinwatch funclatency: the latency of a kernel function as a log2
# histogram, through fentry/fexit or kprobe/kretprobe (chosen on the
# function at run time), checked against a read loop of a known count; and
# on a kernel that attaches neither (the host: no kprobes, fentry EPERM),
# one line and exit 4.

# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

load helpers/common
bats_require_minimum_version 1.5.0

setup() {
	require_root
	pids=()
}

teardown() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	return 0
}

# Runs `funclatency vfs_read --pid P --json` on a process P that, once the
# tool says it is timing, makes $1 one-byte read(2) calls (dd) and exits;
# the tool ends with it. Its JSON goes to $BATS_TEST_TMPDIR/out.
time_read_loop() { # count [env...]
	local n=$1 fifo=$BATS_TEST_TMPDIR/go err=$BATS_TEST_TMPDIR/err target tool rc=0
	shift
	rm -f "$fifo" "$err"
	mkfifo "$fifo"
	# shellcheck disable=SC2016 # the child's script
	bash -c 'read -r _ <"$1"; exec dd if=/dev/zero of=/dev/null bs=1 count="$2" status=none' _ "$fifo" "$n" &
	target=$!
	pids+=("$target")
	env "$@" "$PW" funclatency vfs_read --pid "$target" --json --duration 300 \
		>"$BATS_TEST_TMPDIR/out" 2>"$err" &
	tool=$!
	pids+=("$tool")
	for _ in $(seq 1 1200); do grep -q timing "$err" && break; sleep 0.1; done
	grep -q "timing vfs_read (.*), pid $target;" "$err" || { cat "$err" >&2; return 1; }
	echo go >"$fifo"
	wait "$target"
	wait "$tool" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$err" >&2; return 1; }
}

# bats test_tags=pack-alerts
@test "funclatency on a kernel that attaches neither fentry nor kprobes says so in one line and exits 4" {
	[[ $(kernel_fn_attach vfs_read) == none ]] || skip "this kernel attaches fentry or kprobes to vfs_read: the tool works here"
	for json in "" --json; do
		run --separate-stderr "$PW" funclatency vfs_read --duration 1 $json
		[ "$status" -eq 4 ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ $stderr == "funclatency: this kernel attaches neither fentry/fexit nor kprobes to vfs_read (fentry: "*"; kprobe: "*")" ]]
		[ -z "$output" ]
	done
}

@test "funclatency has --help, and refuses a function the kernel does not have" {
	run -0 "$PW" funclatency --help
	[[ ${lines[0]} == "Usage: pinwatch funclatency KFUNC"* ]]
	[[ $output == *--json* && $output == *"pinwatch stats as funclatency"* ]]
	run -0 "$PW_BUILD/pinwatch-funclatency" --help
	[[ $output == *Examples:* && $output == *"pinwatch stats as funclatency"* ]]
	run --separate-stderr "$PW" funclatency pw_no_such_function --duration 1
	[ "$status" -eq 2 ]
	assert_one_line_error
	[[ $stderr == "pinwatch-funclatency: no kernel function 'pw_no_such_function' (not in /proc/kallsyms)" ]]
}

# bats test_tags=vm-ci,pack-alerts
@test "funclatency --pid times each vfs_read of a read loop, through fentry and through kprobes" {
	local variants=()
	case $(kernel_fn_attach vfs_read) in
	none) skip "this kernel attaches neither fentry nor kprobes to vfs_read (the exit-4 test covers it)" ;;
	fentry) variants=(fentry) ;;
	kprobe) variants=(kprobe) ;;
	esac
	[[ ${variants[0]} != fentry || ! -e /sys/bus/event_source/devices/kprobe ]] || variants+=(kprobe)
	for v in "${variants[@]}"; do
		deny=()
		[[ $v != kprobe ]] || deny=(PINWATCH_DENY_VARIANTS=fentry)
		time_read_loop 2000 "${deny[@]}"
		out=$(cat "$BATS_TEST_TMPDIR/out")
		assert_field "$out" .variant "$v"
		assert_field "$out" .function vfs_read
		assert_field "$out" .unit ns
		# dd's 2000 reads of /dev/zero, and a few more of the same pid (the
		# dynamic loader's, bash's read of the fifo before its exec)
		assert_field "$out" .total -ge 2000
		assert_field "$out" .total -le 2100
		assert_field "$out" '[.slots[].count] | add' -eq "$(jq .total <<<"$out")"
		assert_field "$out" .stats.emitted -eq "$(jq .total <<<"$out")"
		assert_field "$out" '.stats | .seen == .filtered + .emitted + .dropped' true
		assert_field "$out" '.slots | map(.high >= .low) | all' true
	done
}
