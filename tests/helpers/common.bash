# Shared setup for the pinwatch bats suite. Tests run as root against the
# real kernel: they load the real objects, cause real events and read them
# back through the pinned ring buffer.
# shellcheck shell=bash
# status, output, stderr and stderr_lines are set by bats' run.
# shellcheck disable=SC2154

PW_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PW=$PW_HOME/scripts/pinwatch
# PINWATCH_BUILD selects another build of the same tree (make check-sanitize).
PW_BUILD=${PINWATCH_BUILD:-$PW_HOME/build}
PW_LOAD=$PW_BUILD/pinwatch-load
PW_READ=$PW_BUILD/pinwatch-read
# A run may use its own pin root (PINWATCH_PIN_ROOT) so that two suites on one
# machine do not share state; the binaries and the script all honour it.
PIN_ROOT=${PINWATCH_PIN_ROOT:-/sys/fs/bpf/pinwatch}
PINWATCH_PIN_ROOT=$PIN_ROOT
PINWATCH_BUILD=$PW_BUILD
export PW PW_LOAD PW_READ PW_BUILD PIN_ROOT PINWATCH_PIN_ROOT PINWATCH_BUILD
# Rule files and saved blocks (pinwatch rule, pinwatch block): each test's
# own directory, never the machine's /etc/pinwatch/rules.d, which `up` would
# load, and not one a block saved by an earlier test would be restored from.
# A file that exports its own (setup_file) keeps it.
if [[ -z ${PINWATCH_RULES_DIR:-} || $PINWATCH_RULES_DIR == "${PW_RULES_DIR_DEFAULT:-}" ]]; then
	PINWATCH_RULES_DIR=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${BATS_RUN_TMPDIR:-/tmp}}}/pw-rules.d
	PW_RULES_DIR_DEFAULT=$PINWATCH_RULES_DIR
	export PINWATCH_RULES_DIR PW_RULES_DIR_DEFAULT
fi

# The suite's own sensors start without the default rule pack (pinwatch up
# loads it otherwise): the tests' events are their own, and tests/run's
# watcher sensor is the one that runs the pack beside the suite. A test that
# wants the pack in its sensor says so on the command line
# (PINWATCH_DEFAULT_RULES=on "$PW" up ...).
PINWATCH_DEFAULT_RULES=off
export PINWATCH_DEFAULT_RULES
# tests/run's watcher names the test each alert came in, and tests/vm/run
# the test a guest that timed out was in (PW_TEST_TRACE, set by
# tests/vm/guest): a line per start, its time, file and test. This file is
# loaded for setup_file and for each test, whose description is not known
# yet: its function's name, as bats made it (a space as _, every other
# character but a letter or digit as -XX, its code in hex), decoded.
if [[ -n ${PW_PACKWATCH_LOG:-}${PW_TEST_TRACE:-} ]]; then
	PW_T=${BATS_TEST_NAME:-setup_file}
	PW_T=${PW_T#test_}
	PW_T=${PW_T//_/ }
	printf -v PW_T '%b' "${PW_T//-/\\x}"
	PW_T="$(date +%s.%N) ${BATS_TEST_FILENAME##*/}: $PW_T"
	[[ -z ${PW_PACKWATCH_LOG:-} ]] || echo "$PW_T" >>"$PW_PACKWATCH_LOG"
	[[ -z ${PW_TEST_TRACE:-} ]] || echo "$PW_T" >>"$PW_TEST_TRACE"
	unset PW_T
fi

require_root() {
	[[ $(id -u) -eq 0 ]] || skip "needs root"
}

# Start every file from a clean sensor with the given modules loaded.
pw_fresh() {
	"$PW" down >/dev/null 2>&1 || true
	[[ ! -e $PIN_ROOT ]] || { echo "pins left behind: $(find "$PIN_ROOT")" >&2; return 1; }
	"$PW" up "$@" >/dev/null
}

pw_teardown() {
	"$PW" down >/dev/null 2>&1 || true
}

# setup_file of a file whose tests share one sensor: needs root, then a clean
# sensor started with ARGS (`pinwatch up` options and modules).
pw_setup_file() { # [up option...] module...
	require_root
	pw_fresh "$@"
}

# teardown_file of a file set up by pw_setup_file: no sensor is left behind.
pw_teardown_file() {
	pw_teardown
}

# pw_suite [up option...] MODULE...: a file's sensor, in one line. Its
# setup_file loads MODULE... on a fresh sensor (pw_setup_file), its
# teardown_file takes it down, and each test starts as root with an empty
# ring. A file that needs more defines that function again after the call.
# shellcheck disable=SC2317 # bats calls the functions defined here
pw_suite() {
	PW_SUITE_UP=("$@")
	setup_file() { pw_setup_file "${PW_SUITE_UP[@]}"; }
	teardown_file() { pw_teardown_file; }
	setup() {
		require_root
		pw_drain
	}
}

# Discards whatever is queued in the ring so a test sees only its events.
pw_drain() {
	"$PW_READ" --drain >/dev/null
}

# Everything queued in the ring, as JSON Lines.
pw_events() {
	"$PW_READ" --json --drain
}

# Builds a C helper of the suite: gcc links OUT.cc, cp makes OUT (created
# with its mode, x bit included), OUT.cc goes. A linker writes its output
# with no x bit, then chmods it: the default pack's binary-drop rule notes
# such a file and alerts on its exec within 60 s (its documented false
# positive); a file created executable is not noted, so the suite's helpers
# raise nothing under tests/run's pack watcher.
pw_cc() { # out gcc-args...
	local out=$1
	shift
	gcc "$@" -o "$out.cc" || { rm -f "$out.cc"; return 1; }
	cp "$out.cc" "$out" && rm -f "$out.cc"
}

# A copy of /bin/true under a unique name, so its exec is unmistakable.
# Prints its path. Names are kept under 15 bytes so they are whole comms.
unique_binary() {
	local name=${1:-pwt$RANDOM$RANDOM}
	name=${name:0:15}
	cp /bin/true "$BATS_TEST_TMPDIR/$name"
	echo "$BATS_TEST_TMPDIR/$name"
}

# Sum of one stats counter for a module.
stat_of() { # module counter
	"$PW" stats --json | jq -r --arg m "$1" --arg c "$2" '.[] | select(.module == $m) | .[$c]'
}

# seen == filtered + emitted + dropped + shed, retried briefly: the counters are
# per-CPU and a program may be between its "seen" and its outcome while we
# read them. Prints the last reading.
stats_balance() { # module
	local s
	for _ in $(seq 1 20); do
		s=$("$PW" stats --json | jq -c --arg m "$1" '.[] | select(.module == $m)')
		if jq -e '.seen == .filtered + .emitted + .dropped + (.shed // 0)' <<<"$s" >/dev/null; then
			echo "$s"
			return 0
		fi
		sleep 0.1
	done
	echo "$s"
	return 1
}

# The state an admin would compare: every pin path, and the dump of every
# pinned map whose content only changes by command (not by events).
pin_state() {
	[[ -d $PIN_ROOT ]] || { echo "no pins"; return 0; }
	find "$PIN_ROOT" | sort
	local m
	for m in "$PIN_ROOT"/maps/config "$PIN_ROOT"/maps/event_class "$PIN_ROOT"/maps/filter_* "$PIN_ROOT"/maps/blocklist \
		"$PIN_ROOT"/syscall/selected "$PIN_ROOT"/uprobe/*/info; do
		[[ -e $m ]] && { echo "== ${m##*/}"; bpftool map dump pinned "$m"; }
	done
	return 0
}

# Links attached to a program of ours that no pin keeps: a leak. Prints
# their ids (nothing when there is none). A link counts only if it is still
# there after a moment: another suite on the machine may be mid-load.
orphan_links() {
	local first
	first=$(orphan_links_now)
	[[ -n $first ]] || return 0
	sleep 0.5
	comm -12 <(sort <<<"$first") <(orphan_links_now | sort)
}

orphan_links_now() {
	local pinned id p
	# programs pinned under any pin root count as owned (other suites may
	# share this machine with their own PINWATCH_PIN_ROOT)
	pinned=" $(for p in /sys/fs/bpf/*/*/prog_*; do
		[[ -e $p ]] && bpftool -j prog show pinned "$p" | jq -r '.id'
	done | tr '\n' ' ') "
	bpftool -j prog show | jq -r '.[] | select(.name | test("^(exec|exit|fork|enforce)_")) | .id' >"$BATS_TEST_TMPDIR/ours"
	bpftool -j link show | jq -r '.[] | "\(.id) \(.prog_id)"' | while read -r id prog; do
		grep -qx "$prog" "$BATS_TEST_TMPDIR/ours" || continue
		[[ $pinned == *" $prog "* ]] || echo "$id"
	done
}

# Number of links attached to each of this sensor's attached programs
# (must be one each): every pinned program but the stages of a module's
# tail-call chain (MODULE/chain), which run from it and have no link.
links_per_prog() {
	local id c stages=' '
	for c in "$PIN_ROOT"/*/chain; do
		[[ -e $c ]] || continue
		stages+="$(bpftool -j map dump pinned "$c" | jq -r '.[].value | reverse | map(.[2:]) | join("") | ("0x" + .)' |
			while read -r v; do echo $((v)); done | tr '\n' ' ')"
	done
	for id in $(pinwatch_prog_ids); do
		[[ $stages == *" $id "* ]] && continue
		bpftool -j link show | jq --argjson p "$id" '[.[] | select(.prog_id == $p)] | length'
	done | sort | uniq -c | awk '{print $2 ":" $1}' | paste -sd' '
}

# Runs a command as nobody.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

# The pinwatch programs currently loaded in the kernel, by id.
pinwatch_prog_ids() {
	local p
	[[ -d $PIN_ROOT ]] || return 0
	for p in "$PIN_ROOT"/*/prog_*; do
		[[ -e $p ]] && bpftool -j prog show pinned "$p" | jq -r '.id'
	done
	return 0
}

# Asserts the last `run --separate-stderr` failed with exactly one stderr line.
assert_one_line_error() {
	if [[ $status -eq 0 ]]; then
		echo "expected failure, got status 0; stdout: $output" >&2
		return 1
	fi
	if [[ ${#stderr_lines[@]} -ne 1 ]]; then
		echo "expected one stderr line, got ${#stderr_lines[@]}: $stderr" >&2
		return 1
	fi
}

# Asserts one field of a JSON value: assert_field JSON JQ_EXPR [OP] WANT.
# The field is read with jq -r, so a string is compared as its text and any
# other value as its JSON. OP is = (the default), != or == (a glob, as in
# [[ ]]), or a numeric test (-eq -ne -lt -le -gt -ge). Types count: a numeric
# test needs one JSON number, and = true, = false or = null need that JSON
# value, not a string. On failure prints the field as JSON and the JSON:
#   field .filename: got "x", want "y"
#   field .pid: got null, want -eq 42
assert_field() {
	local json=$1 expr=$2 op want got type ok=0
	if (($# == 4)); then op=$3 want=$4; else op='=' want=$3; fi
	if ! got=$(jq -r "$expr" <<<"$json") || ! type=$(jq -r "($expr) | type" <<<"$json"); then
		echo "field $expr: jq failed on: $json" >&2
		return 1
	fi
	# shellcheck disable=SC2053 # == compares with WANT as a glob
	case $op in
	=)
		case $want in
		true | false | null) [[ $got == "$want" && $type != string ]] && ok=1 ;;
		*) [[ $got == "$want" ]] && ok=1 ;;
		esac
		;;
	!=) [[ $got != "$want" ]] && ok=1 ;;
	==) [[ $got == $want ]] && ok=1 ;;
	-eq | -ne | -lt | -le | -gt | -ge) [[ $type == number ]] && test "$got" "$op" "$want" 2>/dev/null && ok=1 ;;
	*) echo "assert_field: unknown operator '$op'" >&2; return 1 ;;
	esac
	((ok)) && return 0
	got=$(jq -c "$expr" <<<"$json" | paste -sd' ')
	case $op:$want in
	=:true | =:false | =:null | -[engl][qet]:*) want="$op $want" ;;
	*) want="$op \"$want\"" ;;
	esac
	printf 'field %s: got %s, want %s\n' "$expr" "${got:-nothing}" "${want#= }" >&2
	printf 'in: %s\n' "$json" >&2
	return 1
}

# How a program can attach to the kernel function FN on this kernel, found
# with clang and bpftool alone (not pinwatch-load's own probes; a bpftool
# load is what the default pack's bpf-load flags: tests that call this are
# tagged pack-alerts): "fentry"
# when the kernel loads a fentry program on it, else "kprobe" when it has
# kprobe events and the symbol, else "none".
kernel_fn_attach() { # fn
	local obj=$BATS_FILE_TMPDIR/fentry_probe_$1.bpf.o pin=/sys/fs/bpf/pw-fentry-probe-$$
	clang -g -O2 -target bpf -I"$PW_BUILD" -DPW_FUNC="\"$1\"" \
		-c "$PW_HOME/tests/fixtures/fentry_probe.bpf.c" -o "$obj" || return 1
	if bpftool prog load "$obj" "$pin" 2>/dev/null; then
		rm -f "$pin"
		echo fentry
	elif [[ -e /sys/kernel/tracing/kprobe_events ]] && grep -q " $1\$" /proc/kallsyms; then
		echo kprobe
	else
		echo none
	fi
}

# The variant status reports for a module's hook ("" when it has none).
hook_variant() { # module hook
	"$PW" status --json | jq -r --arg m "$1" --arg h "$2" \
		'.modules[] | select(.name == $m) | .hooks[] | select(.hook == $h) | .variant'
}

# A target for direct I/O that reaches the block layer, for the block module's
# tests: a 4 MiB file when its filesystem takes O_DIRECT on a block device
# (not tmpfs), else a loop device over it, else none (tests then skip). Its
# path goes to $BATS_FILE_TMPDIR/target ("" for none).
direct_io_target_setup() {
	local img=$BATS_FILE_TMPDIR/pw-direct.img target loop
	dd if=/dev/zero of="$img" bs=1M count=4 status=none
	sync
	if dd if=/dev/zero of="$img" bs=64K count=1 oflag=direct conv=notrunc status=none 2>/dev/null &&
		[[ $(stat -f -c %T "$img") != tmpfs ]]; then
		target=$img
	elif command -v losetup >/dev/null && loop=$(losetup --find --show "$img" 2>/dev/null); then
		target=$loop
		echo "$loop" >"$BATS_FILE_TMPDIR/loop"
	else
		target=
	fi
	echo "$target" >"$BATS_FILE_TMPDIR/target"
}

direct_io_target_teardown() {
	[[ ! -e $BATS_FILE_TMPDIR/loop ]] || losetup -d "$(cat "$BATS_FILE_TMPDIR/loop")" || true
}
