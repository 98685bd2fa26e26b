#!/usr/bin/env bats
# The tracepoint workbench, on real tracepoints: pinwatch tp list, format,
# struct (the generated program compiles and loads), watch (fields decoded
# by name, __data_loc strings included, in-BPF filter) and ftrace (tracefs
# files restored after Ctrl-C).

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

TRACEFS=/sys/kernel/tracing

setup_file() {
	[[ -d $TRACEFS/events ]] || mount -t tracefs tracefs "$TRACEFS" || true
	pw_setup_file process
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	[[ -d $TRACEFS/events ]] || skip "no tracefs at $TRACEFS"
}

teardown() {
	if [[ -n ${target:-} ]]; then
		kill "$target" 2>/dev/null || true
	fi
	if [[ -n ${BG:-} ]]; then
		kill -INT "$BG" 2>/dev/null || true
		wait "$BG" 2>/dev/null || true
	fi
	if [[ -n ${PROG_DIR:-} ]]; then
		rm -rf "$PROG_DIR"
		PROG_DIR=
	fi
}

# Runs a command in the background with SIGINT at its default (a shell's
# background jobs ignore it), as a terminal's Ctrl-C would find it. Sets BG.
start_bg() { # out err command...
	local out=$1 err=$2
	shift 2
	env --default-signal=INT,TERM "$@" >"$out" 2>"$err" &
	BG=$!
}

stop_bg() { # signal; sets BG_STATUS (a job still there 10 s on is killed: 137)
	kill "-$1" "$BG" 2>/dev/null || true # it may have finished (--count)
	for _ in $(seq 1 100); do kill -0 "$BG" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$BG" 2>/dev/null || { echo "the job ignored SIG$1 for 10 s" >&2; kill -KILL "$BG"; }
	BG_STATUS=0
	wait "$BG" || BG_STATUS=$?
	BG=
}

wait_grep() { # file fixed-string
	for _ in $(seq 1 100); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1: $(head -c 2000 "$1")" >&2
	return 1
}

# Runs CMD repeatedly until the background job exits (it has --count).
trigger_until_done() { # command...
	for _ in $(seq 1 150); do
		kill -0 "$BG" 2>/dev/null || return 0
		"$@" || true
		sleep 0.1
	done
	echo "the watch did not finish" >&2
	return 1
}

# tracefs files of one event, and tracing_on, for before/after comparisons
event_files() { # base cat/name
	local f
	for f in enable filter trigger; do
		echo "== $f"
		cat "$1/events/$2/$f"
	done
	echo "== tracing_on"
	cat "$1/tracing_on"
}

@test "tp list prints matching tracepoints from available_events, by substring or glob" {
	run -0 "$PW" tp list sched_process_exec
	[[ $output == *sched:sched_process_exec* ]]
	run -0 "$PW" tp list 'syscalls:sys_enter_conn*'
	[ "$output" = syscalls:sys_enter_connect ]
	run "$PW" tp list sched:
	while read -r ev; do
		grep -qxF "$ev" "$TRACEFS/available_events" || { echo "not available: $ev"; return 1; }
		[[ $ev == sched:* ]]
	done <<<"$output"
	[ "${#lines[@]}" -gt 5 ]
}

@test "tp list finds tracefs under debugfs when /sys/kernel/tracing is not mounted, and mounts it when nothing is" {
	command -v unshare >/dev/null || skip "needs unshare"
	unshare --mount --propagation private true 2>/dev/null || skip "cannot create a mount namespace"
	# shellcheck disable=SC2016 # expanded by the inner shell
	run unshare --mount --propagation private bash -c '
		for m in $(awk "\$3 == \"tracefs\" {print \$2}" /proc/self/mounts | sort -r); do umount -l "$m"; done
		mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug || exit 99
		"$PW" tp format sched:sched_process_exec | head -n 1'
	[ "$status" -ne 99 ] || skip "cannot mount debugfs"
	[ "$status" -eq 0 ]
	[[ $output == *"/sys/kernel/debug/tracing/events/sched/sched_process_exec/format"* ]]
	# shellcheck disable=SC2016
	run unshare --mount --propagation private bash -c '
		for m in $(awk "\$3 == \"tracefs\" || \$3 == \"debugfs\" {print \$2}" /proc/self/mounts | sort -r); do umount -l "$m"; done
		"$PW" tp list sched:sched_process_exec && awk "\$3 == \"tracefs\" {print \$2}" /proc/self/mounts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = sched:sched_process_exec ]
	[ "${lines[1]}" = /sys/kernel/tracing ]
}

@test "tp format shows offsets, sizes and types, marking common fields and __data_loc strings" {
	run -0 "$PW" tp format sched:sched_process_exec
	[[ ${lines[0]} == "sched:sched_process_exec  id "* ]]
	grep -qE '^ +4 +4 yes +int +common_pid +common: not readable from BPF' <<<"$output"
	# the signed column is the kernel's: 6.1 says signed:1 for a __data_loc
	# char[], 6.18 signed:0
	grep -qE '^ +8 +4 (yes|no) +__data_loc char\[\] +filename +__data_loc string' <<<"$output"
	grep -qE '^ +12 +4 yes +pid_t +pid *$' <<<"$output"
	run -0 "$PW" tp format sched:sched_process_exec --json
	jq -e '.tracepoint == "sched:sched_process_exec"
		and ([.fields[] | select(.common)] | length) == 4
		and (.fields[] | select(.name == "filename") | .kind == "data_loc" and .string and .offset == 8)
		and (.fields[] | select(.name == "old_pid") | .offset == 16 and .size == 4 and .signed)' <<<"$output" >/dev/null
}

@test "tp format of a syscall tracepoint marks the user pointers and the syscall number" {
	run -0 "$PW" tp format syscalls:sys_enter_openat
	grep -qE ' filename +user pointer: read with bpf_probe_read_user' <<<"$output"
	grep -qE ' __syscall_nr +syscall number' <<<"$output"
}

@test "tp struct generates a program that compiles and loads, for syscall and non-syscall tracepoints" {
	command -v clang >/dev/null || skip "needs clang"
	PROG_DIR=${PIN_ROOT}_tpstruct
	mkdir -p "$PROG_DIR"
	for tp in sched:sched_process_exec syscalls:sys_enter_openat syscalls:sys_exit_openat \
		sock:inet_sock_set_state sched:sched_switch sched:sched_wakeup signal:signal_generate; do
		name=${tp#*:}
		src=$BATS_TEST_TMPDIR/$name.bpf.c
		"$PW" tp struct "$tp" >"$src"
		grep -qF "SEC(\"tp/${tp%%:*}/$name\")" "$src"
		clang -g -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -c "$src" -o "$BATS_TEST_TMPDIR/$name.bpf.o" ||
			{ echo "$tp: does not compile"; return 1; }
		bpftool prog load "$BATS_TEST_TMPDIR/$name.bpf.o" "$PROG_DIR/$name" ||
			{ echo "$tp: does not load"; return 1; }
		[ "$(bpftool -j prog show pinned "$PROG_DIR/$name" | jq -r .type)" = tracepoint ]
		rm "$PROG_DIR/$name"
	done
	# the vmlinux BTF struct of the same layout is named
	grep -q 'struct trace_event_raw_sched_process_exec has this layout' "$BATS_TEST_TMPDIR/sched_process_exec.bpf.c"
	grep -q 'struct trace_event_raw_sched_wakeup_template has this layout' "$BATS_TEST_TMPDIR/sched_wakeup.bpf.c"
	grep -q 'syscall_trace_enter' "$BATS_TEST_TMPDIR/sys_enter_openat.bpf.c"
	# the common header is padding, __data_loc is decoded in a comment
	grep -qE '^	__u64 __common; /\* 0-7: common_type' "$BATS_TEST_TMPDIR/sched_process_exec.bpf.c"
	grep -qE '^	__u32 __data_loc_filename; /\* 8: __data_loc char\[\] filename: data at \(void \*\)ctx \+ \(loc & 0xffff\)' "$BATS_TEST_TMPDIR/sched_process_exec.bpf.c"
	grep -q 'bpf_probe_read_user_str' "$BATS_TEST_TMPDIR/sys_enter_openat.bpf.c"
}

@test "tp struct of every tracepoint in available_events, in one file, compiles with clang -target bpf: one program each" {
	command -v clang >/dev/null || skip "needs clang"
	mapfile -t events < <(tr -d ' ' <"$TRACEFS/available_events" | sort -u)
	[ "${#events[@]}" -gt 100 ]
	src=$BATS_TEST_TMPDIR/all.bpf.c
	"$PW" tp struct "${events[@]}" >"$src"
	# one SEC("tp/CATEGORY/NAME") per tracepoint, every one named
	diff <(sed -n 's|^SEC("tp/\([^/]*\)/\(.*\)")$|\1:\2|p' "$src" | sort) <(printf '%s\n' "${events[@]}")
	clang -g -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -Werror -c "$src" -o "$BATS_TEST_TMPDIR/all.bpf.o"
	# every handler is in the object, each in its own tp/ section
	[ "$(nm "$BATS_TEST_TMPDIR/all.bpf.o" | grep -c ' T handle_')" -eq "${#events[@]}" ]
	[ "$(llvm-readelf -S "$BATS_TEST_TMPDIR/all.bpf.o" | grep -c ' tp/')" -eq "${#events[@]}" ]
	# the _Static_asserts that pin each field's offset were compiled
	[ "$(grep -c '^_Static_assert(__builtin_offsetof(struct ' "$src")" -gt "${#events[@]}" ]
}

@test "tp struct makes C identifiers of tracepoint names that start with a digit (the 9p category of a 9p kernel)" {
	command -v clang >/dev/null || skip "needs clang"
	# a tracefs with a 9p:9p_client_req of sched_process_exec's layout
	fake=$BATS_TEST_TMPDIR/tracefs
	mkdir -p "$fake/events/9p/9p_client_req" "$fake/events/sched/sched_switch"
	sed 's/^name: sched_process_exec$/name: 9p_client_req/' "$TRACEFS/events/sched/sched_process_exec/format" \
		>"$fake/events/9p/9p_client_req/format"
	cp "$TRACEFS/events/sched/sched_switch/format" "$fake/events/sched/sched_switch/"
	printf '9p:9p_client_req\nsched:sched_switch\n' >"$fake/available_events"
	PINWATCH_TRACEFS=$fake "$PW" tp struct 9p:9p_client_req >"$BATS_TEST_TMPDIR/one.bpf.c"
	grep -q '^struct tp_9p_client_req_ctx {$' "$BATS_TEST_TMPDIR/one.bpf.c"
	PINWATCH_TRACEFS=$fake "$PW" tp struct 9p:9p_client_req sched:sched_switch >"$BATS_TEST_TMPDIR/two.bpf.c"
	grep -q '^int handle_tp_9p__9p_client_req(struct tp_9p__9p_client_req_ctx \*ctx)$' "$BATS_TEST_TMPDIR/two.bpf.c"
	grep -qF 'SEC("tp/9p/9p_client_req")' "$BATS_TEST_TMPDIR/two.bpf.c"
	for f in one two; do
		clang -g -O2 -target bpf -I"/usr/include/$(uname -m)-linux-gnu" -Werror -c "$BATS_TEST_TMPDIR/$f.bpf.c" \
			-o "$BATS_TEST_TMPDIR/$f.bpf.o"
	done
}

# The same event's other contexts, taken from the file tp struct prints
# into a program built against vmlinux.h: each compiles, and its last
# argument is read (the verifier refuses a tp_btf program reading past the
# tracepoint's last argument, so loading checks the count).
ctx_program() { # file with tp struct's output -> program on stdout
	echo '#include "vmlinux.h"'
	echo '#include <bpf/bpf_helpers.h>'
	echo '#include <bpf/bpf_tracing.h>'
	echo '#include <bpf/bpf_core_read.h>'
	sed -n 's/^ \*   \(SEC(.*[ *]\([A-Za-z_][A-Za-z_0-9]*\))\)$/\1 { bpf_printk("%lx", (unsigned long)\2); return 0; }/p' "$1"
	echo 'char LICENSE[] SEC("license") = "GPL";'
}

@test "tp struct names the tp_btf and raw_tp contexts of the event (from BTF), which compile and load with their last argument read" {
	command -v clang >/dev/null || skip "needs clang"
	[[ -r /sys/kernel/btf/vmlinux ]] || skip "no vmlinux BTF"
	out=$BATS_TEST_TMPDIR/exec.txt
	"$PW" tp struct sched:sched_process_exec >"$out"
	grep -qxF ' *   SEC("tp_btf/sched_process_exec") int BPF_PROG(sched_process_exec_btf, struct task_struct *arg1, pid_t arg2, struct linux_binprm *arg3)' "$out"
	grep -qxF ' *   SEC("raw_tp/sched_process_exec") int BPF_PROG(sched_process_exec_raw, struct task_struct *arg1, pid_t arg2, struct linux_binprm *arg3)' "$out"
	"$PW" tp struct sched:sched_switch >>"$out"
	grep -q '^ \*   SEC("raw_tp/sched_switch") int BPF_PROG(sched_switch_raw, bool arg1, struct task_struct \*arg2, struct task_struct \*arg3' "$out"
	ctx_program "$out" >"$BATS_TEST_TMPDIR/ctx.bpf.c"
	[ "$(grep -c '^SEC(' "$BATS_TEST_TMPDIR/ctx.bpf.c")" -eq 4 ]
	clang -g -O2 -target bpf -I"$PW_BUILD" -c "$BATS_TEST_TMPDIR/ctx.bpf.c" -o "$BATS_TEST_TMPDIR/ctx.bpf.o"
	PROG_DIR=${PIN_ROOT}_tpctx
	run bpftool prog loadall "$BATS_TEST_TMPDIR/ctx.bpf.o" "$PROG_DIR"
	if [[ $status -ne 0 && $output == *"Operation not permitted"* ]]; then
		skip "this kernel refuses tp_btf programs here: compiled only"
	fi
	[ "$status" -eq 0 ]
	[ "$(bpftool -j prog show pinned "$PROG_DIR/sched_process_exec_raw" | jq -r .type)" = raw_tracepoint ]
	[ "$(bpftool -j prog show pinned "$PROG_DIR/sched_process_exec_btf" | jq -r .type)" = tracing ]
	[ "$(bpftool -j prog show pinned "$PROG_DIR/sched_switch_raw" | jq -r .type)" = raw_tracepoint ]
}

@test "tp struct of a syscall's tracepoint names its kernel function's ksyscall and fentry/fexit contexts, which compile" {
	command -v clang >/dev/null || skip "needs clang"
	[[ -r /sys/kernel/btf/vmlinux ]] || skip "no vmlinux BTF"
	out=$BATS_TEST_TMPDIR/openat.txt
	"$PW" tp struct syscalls:sys_enter_openat >"$out"
	fn=$(sed -n "s/^ \* The syscall's kernel function \([a-z0-9_]*\) .*/\1/p" "$out")
	[[ $fn == *sys_openat ]]
	grep -q " T $fn\$" /proc/kallsyms
	grep -qxF " *   SEC(\"ksyscall/openat\") int BPF_KSYSCALL(sys_enter_openat_k, int dfd, const char * filename, int flags, umode_t mode)" "$out"
	grep -qxF " *   SEC(\"fentry/$fn\") int BPF_PROG(sys_enter_openat_f, const struct pt_regs *regs)" "$out"
	"$PW" tp struct syscalls:sys_exit_openat >"$BATS_TEST_TMPDIR/openat_exit.txt"
	grep -qxF " *   SEC(\"kretsyscall/openat\") int BPF_KRETPROBE(sys_exit_openat_k, long ret)" "$BATS_TEST_TMPDIR/openat_exit.txt"
	grep -qxF " *   SEC(\"fexit/$fn\") int BPF_PROG(sys_exit_openat_f, const struct pt_regs *regs, long ret)" "$BATS_TEST_TMPDIR/openat_exit.txt"
	cat "$BATS_TEST_TMPDIR/openat_exit.txt" >>"$out"
	ctx_program "$out" >"$BATS_TEST_TMPDIR/sys.bpf.c"
	[ "$(grep -c '^SEC(' "$BATS_TEST_TMPDIR/sys.bpf.c")" -eq 4 ]
	arch=$(uname -m)
	case $arch in x86_64) arch=x86 ;; aarch64) arch=arm64 ;; esac
	clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -I"$PW_BUILD" -c "$BATS_TEST_TMPDIR/sys.bpf.c" -o "$BATS_TEST_TMPDIR/sys.bpf.o"
	# a tracepoint of no syscall gets no syscall context
	"$PW" tp struct sched:sched_process_exec >"$BATS_TEST_TMPDIR/exec.txt"
	[ "$(grep -c "ksyscall\|fentry\|kernel function" "$BATS_TEST_TMPDIR/exec.txt")" -eq 0 ]
}

@test "tp watch decodes every field by name, the __data_loc filename included, as JSON and text" {
	bin=$(unique_binary)
	out=$BATS_TEST_TMPDIR/watch.json
	start_bg "$out" "$BATS_TEST_TMPDIR/err" "$PW" tp watch sched:sched_process_exec --json --count 1 --filter "filename == \"$bin\""
	trigger_until_done "$bin"
	stop_bg TERM
	[ "$BG_STATUS" -eq 0 ]
	[ "$(wc -l <"$out")" -eq 1 ]
	ev=$(<"$out")
	assert_field "$ev" .type tracepoint
	assert_field "$ev" .tracepoint sched:sched_process_exec
	assert_field "$ev" .module tpwatch
	assert_field "$ev" .fields.filename "$bin"
	assert_field "$ev" .fields.pid -eq "$(jq .pid <<<"$ev")"
	assert_field "$ev" .fields.old_pid -eq "$(jq .pid <<<"$ev")"
	assert_field "$ev" '.comm | length' -gt 0
	assert_field "$ev" '.fields | keys | join(" ")' "filename old_pid pid"
	assert_field "$ev" .truncated false
	out=$BATS_TEST_TMPDIR/watch.txt
	start_bg "$out" "$BATS_TEST_TMPDIR/err" "$PW" tp watch sched:sched_process_exec --count 1 --filter "filename == \"$bin\""
	trigger_until_done "$bin"
	stop_bg TERM
	grep -qE "tracepoint .* sched:sched_process_exec filename=$bin pid=[0-9]+ old_pid=[0-9]+$" "$out"
}

@test "tp watch --filter compares numbers and strings in BPF: only matching records arrive" {
	sleep 300 &
	target=$!
	out=$BATS_TEST_TMPDIR/watch.json
	start_bg "$out" "$BATS_TEST_TMPDIR/err" "$PW" tp watch signal:signal_generate --json --count 3 \
		--filter "sig == 28 && pid == $target && comm == \"sleep\""
	trigger_until_done sh -c "kill -CHLD $target; kill -WINCH $target; kill -URG $target"
	stop_bg TERM
	kill "$target"
	[ "$BG_STATUS" -eq 0 ]
	[ "$(wc -l <"$out")" -eq 3 ]
	[ "$(jq -r '.fields.sig' "$out" | sort -u)" = 28 ]
	[ "$(jq -r '.fields.pid' "$out" | sort -u)" = "$target" ]
	[ "$(jq -r '.fields.comm' "$out" | sort -u)" = sleep ]
}

@test "tp watch counts in pinwatch stats as tpwatch and leaves nothing attached" {
	bin=$(unique_binary)
	start_bg "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/err" "$PW" tp watch sched:sched_process_exec --count 1 --filter "filename == \"$bin\""
	trigger_until_done "$bin"
	stop_bg TERM
	[ "$BG_STATUS" -eq 0 ]
	[ "$(stat_of tpwatch seen)" -gt 0 ]
	[ "$(stat_of tpwatch emitted)" -ge 1 ]
	for _ in $(seq 1 30); do
		bpftool -j prog show | jq -e '[.[] | select(.name == "tpwatch")] | length == 0' >/dev/null && break
		sleep 0.1
	done
	[ "$(find "$PIN_ROOT" -name '*tpwatch*' | wc -l)" -eq 0 ]
}

@test "tp watch refuses a filter it cannot apply in BPF, with one line" {
	for f in 'nosuch == 1' 'common_pid == 1' 'pid == 1 || pid == 2' 'filename > "a"' 'pid ==' 'pid == abc'; do
		run --separate-stderr "$PW" tp watch sched:sched_process_exec --filter "$f" --count 1
		assert_one_line_error || { echo "filter: $f"; return 1; }
	done
}

@test "each tp command fails with one clear line on a tracepoint that does not exist" {
	for sub in format struct watch ftrace; do
		run --separate-stderr "$PW" tp "$sub" sched:no_such_tracepoint
		assert_one_line_error || { echo "tp $sub"; return 1; }
		[[ $stderr == *"tracepoint sched:no_such_tracepoint does not exist"* ]] || { echo "tp $sub: $stderr"; return 1; }
	done
	run --separate-stderr "$PW" tp list no_such_tracepoint_anywhere
	assert_one_line_error
	run --separate-stderr "$PW" tp format not-a-spec
	assert_one_line_error
	run --separate-stderr "$PW" tp frobnicate
	assert_one_line_error
}

@test "tp --help describes every step" {
	run -0 "$PW" tp --help
	for sub in list format struct watch ftrace; do
		[[ $output == *"pinwatch tp $sub"* ]] || { echo "no $sub in help"; return 1; }
	done
	"$PW_BUILD/pinwatch-tp" --help | grep -q 'format CATEGORY:NAME'
	"$PW_READ" --help | grep -q -- '--tracepoint'
}

# A stand-in signal module (tests/fixtures/tp_prefix.bpf.c) built once per
# prefix: the loader takes either, attaches it as a tracepoint and its
# events arrive. That the loader's variant table knows both prefixes (its
# probes skip a missing tracepoint) is tests/loader.bats' exit 4 test.
@test "the loader takes SEC(\"tp/...\") and SEC(\"tracepoint/...\") alike: each loads as variant tp and reports its event" {
	command -v clang >/dev/null || skip "needs clang"
	for prefix in tp tracepoint; do
		mkdir -p "$BATS_TEST_TMPDIR/$prefix"
		obj=$BATS_TEST_TMPDIR/$prefix/signal.bpf.o
		clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$PW_BUILD" -I"$PW_HOME/bpf" -DPW_TP_PREFIX="\"$prefix\"" \
			-c "$PW_HOME/tests/fixtures/tp_prefix.bpf.c" -o "$obj"
		readelf -SW "$obj" | grep -qF " $prefix/syscalls/sys_enter_kill " || { echo "$prefix: no such section"; return 1; }
		run -0 "$PW_LOAD" --pin-root "$PIN_ROOT" --lock "${PINWATCH_LOCK:-/run/pinwatch.lock}" load "$obj"
		[ "$(hook_variant signal kill)" = tp ] || { echo "$prefix: variant $(hook_variant signal kill)"; return 1; }
		pw_drain
		sleep 300 &
		target=$!
		kill -URG "$target"
		kill "$target"
		wait "$target" || true
		ev=$(pw_events | jq -c --argjson t "$target" 'select(.type == "signal" and .target_pid == $t and .sig == 23)')
		[ -n "$ev" ] || { echo "$prefix: no signal event for kill -URG $target"; return 1; }
		assert_field "$ev" .source kill
		assert_field "$ev" .module signal
		"$PW" down signal
	done
}

@test "tp ftrace streams the event with a filter and stack traces in its own instance, removed after Ctrl-C" {
	bin=$(unique_binary)
	before=$(event_files "$TRACEFS" sched/sched_process_exec)
	out=$BATS_TEST_TMPDIR/ftrace.out
	err=$BATS_TEST_TMPDIR/ftrace.err
	start_bg "$out" "$err" "$PW" tp ftrace sched:sched_process_exec --filter "filename == \"$bin\"" --stacktrace
	wait_grep "$err" "tracing sched:sched_process_exec"
	instance=$(sed -n 's/.* in \(.*\) (Ctrl-C to stop)$/\1/p' "$err")
	[[ $instance == "$TRACEFS/instances/pinwatch_"* ]]
	[ "$(cut -c 1 "$instance/events/sched/sched_process_exec/enable")" = 1 ]
	"$bin"
	"$(unique_binary)"
	wait_grep "$out" "sched_process_exec: filename=$bin"
	wait_grep "$out" "<stack trace>"
	# the filter kept the other binary out
	[ "$(grep -vF "$bin" "$out" | grep -c 'filename=/.*/pwt[0-9]')" -eq 0 ]
	stop_bg INT
	[ "$BG_STATUS" -eq 0 ]
	[ ! -e "$instance" ]
	[ "$(event_files "$TRACEFS" sched/sched_process_exec)" = "$before" ]
}

@test "tp ftrace --global restores enable, filter, trigger and tracing_on after Ctrl-C" {
	before=$(event_files "$TRACEFS" signal/signal_generate)
	err=$BATS_TEST_TMPDIR/ftrace.err
	start_bg "$BATS_TEST_TMPDIR/out" "$err" "$PW" tp ftrace signal:signal_generate --global --filter 'sig == 28' --stacktrace
	wait_grep "$err" "tracing signal:signal_generate in $TRACEFS "
	during=$(event_files "$TRACEFS" signal/signal_generate)
	[ "$during" != "$before" ]
	[[ $during == *"sig == 28"* && $during == *stacktrace* ]]
	stop_bg INT
	[ "$BG_STATUS" -eq 0 ]
	[ "$(event_files "$TRACEFS" signal/signal_generate)" = "$before" ]
}

@test "tp ftrace with a filter the kernel rejects gives its reason in one line and restores everything" {
	before=$(event_files "$TRACEFS" sched/sched_process_exec)
	instances=$(ls "$TRACEFS/instances")
	for mode in "" --global; do
		# shellcheck disable=SC2086 # mode is one word or none
		run --separate-stderr "$PW" tp ftrace sched:sched_process_exec $mode --filter 'no_such_field == 1'
		assert_one_line_error
		[[ $stderr == *"rejects filter"*"no_such_field == 1"* ]]
		[ "$(event_files "$TRACEFS" sched/sched_process_exec)" = "$before" ]
		[ "$(ls "$TRACEFS/instances")" = "$instances" ]
	done
}

# A traceoff that fires ends the run: once tracing is off and the buffer is
# drained, the kernel ends trace_pipe (tracing_wait_pipe), as `cat` sees it.
@test "tp ftrace --trigger: a filtered traceoff is on the event while it runs, fires on its match only and ends the run; top-level triggers go after SIGTERM" {
	sleep 300 &
	target=$!
	# in its own instance: the trigger is there and turns that instance's tracing off
	out=$BATS_TEST_TMPDIR/out
	err=$BATS_TEST_TMPDIR/ftrace.err
	start_bg "$out" "$err" "$PW" tp ftrace signal:signal_generate --trigger "traceoff if sig == 28 && pid == $target"
	wait_grep "$err" "tracing signal:signal_generate"
	instance=$(sed -n 's/.* in \(.*\) (Ctrl-C to stop)$/\1/p' "$err")
	[ "$(cat "$instance/events/signal/signal_generate/trigger")" = "traceoff:unlimited if sig == 28 && pid == $target" ]
	kill -URG "$target" # not sig 28: tracing stays on
	wait_grep "$out" "sig=23 "
	[ "$(cat "$instance/tracing_on")" = 1 ]
	kill -WINCH "$target"
	wait_grep "$out" "sig=28 "
	for _ in $(seq 1 50); do kill -0 "$BG" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$BG" 2>/dev/null || { echo "the run did not end when tracing went off"; kill "$target"; return 1; }
	stop_bg INT
	[ "$BG_STATUS" -eq 0 ]
	[ ! -e "$instance" ]
	# in the top-level buffer, two triggers: both there while it runs, none after SIGTERM
	before=$(event_files "$TRACEFS" signal/signal_generate)
	start_bg "$BATS_TEST_TMPDIR/out" "$err" "$PW" tp ftrace signal:signal_generate --global \
		--trigger "traceon if pid == $target" --stacktrace
	wait_grep "$err" "tracing signal:signal_generate in $TRACEFS "
	grep -qxF "traceon:unlimited if pid == $target" "$TRACEFS/events/signal/signal_generate/trigger"
	grep -qxF "stacktrace:unlimited" "$TRACEFS/events/signal/signal_generate/trigger"
	stop_bg TERM
	kill "$target"
	[ "$BG_STATUS" -eq 0 ]
	[ "$(event_files "$TRACEFS" signal/signal_generate)" = "$before" ]
}

@test "tp ftrace refuses a bad trigger with one line and changes nothing" {
	before=$(event_files "$TRACEFS" signal/signal_generate)
	instances=$(ls "$TRACEFS/instances")
	for mode in "" --global; do
		for t in 'traceon if no_such_field == 1' bogus 'traceon if' 'stacktrace' 'traceoff if sig == 28 --global'; do
			# shellcheck disable=SC2086 # mode is one word or none
			run --separate-stderr "$PW" tp ftrace signal:signal_generate $mode --trigger "$t"
			assert_one_line_error || { echo "mode '$mode' trigger '$t'"; return 1; }
			[[ $stderr == *"trigger"*"$t"* ]] || { echo "mode '$mode' trigger '$t': $stderr"; return 1; }
			[ "$(event_files "$TRACEFS" signal/signal_generate)" = "$before" ]
			[ "$(ls "$TRACEFS/instances")" = "$instances" ]
		done
	done
}

@test "tp ftrace removes the instance a killed run left, saying so" {
	err=$BATS_TEST_TMPDIR/ftrace.err
	start_bg "$BATS_TEST_TMPDIR/out" "$err" "$PW" tp ftrace signal:signal_generate --filter 'sig == 28'
	wait_grep "$err" "tracing signal:signal_generate"
	instance=$(sed -n 's/.* in \(.*\) (Ctrl-C to stop)$/\1/p' "$err")
	pid=${instance##*_}
	# SIGKILL: no cleanup runs; the trace_pipe reader (a child) dies with
	# its parent where setpriv --pdeathsig exists, else it is killed here
	reader=$(ps -o pid= --ppid "$pid")
	[ -n "$reader" ]
	kill -KILL "$pid"
	stop_bg KILL
	setpriv --help 2>/dev/null | grep -q -- --pdeathsig || kill -KILL "$reader"
	for _ in $(seq 1 50); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$reader" 2>/dev/null || { echo "the reader outlived its run"; kill -KILL "$reader"; return 1; }
	[ -d "$instance" ]
	[ "$(cut -c 1 "$instance/events/signal/signal_generate/enable")" = 1 ]
	start_bg "$BATS_TEST_TMPDIR/out2" "$err" "$PW" tp ftrace signal:signal_generate
	wait_grep "$err" "tracing signal:signal_generate"
	grep -qxF "pinwatch: tp ftrace: removed $instance, left by a run that was killed (pid $pid)" "$err"
	[ ! -e "$instance" ]
	stop_bg INT
	[ "$BG_STATUS" -eq 0 ]
	[ "$(grep -c 'removed' "$err")" -eq 1 ]
}
