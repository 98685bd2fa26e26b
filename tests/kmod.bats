#!/usr/bin/env bats
# The kmod module: a kernel module loaded (finit_module with the file's
# path, init_module from memory) and unloaded, as a rootkit's loader does it
# with the raw syscalls; the filters and the stats invariant. Only a kernel
# with loadable modules has these hooks (the 6.1 guest: the module file is
# the guest's own loop.ko, cached by tests/vm/run in build/vm); without
# them, the module fails to load cleanly.

load helpers/common
bats_require_minimum_version 1.5.0

# The kernel has loadable modules (module tracepoints).
have_modules() {
	[[ -d /sys/kernel/tracing/events/module ]]
}

setup_file() {
	require_root
	if have_modules; then
		pw_setup_file kmod
	else
		pw_teardown
	fi
}

teardown_file() {
	pw_teardown_file
}

# Kernel modules by the raw syscalls (x86-64 numbers), the way a loader
# without kmod's tools does it. Run in the background (`kmodctl ... &`), $!
# is the shell that runs python3: the event's pid is python3's, its ppid $!.
#   kmodctl finit PATH   finit_module(open(PATH), "", 0)
#   kmodctl init PATH    init_module(the file's bytes, "")
#   kmodctl delete NAME  delete_module(NAME, O_NONBLOCK)
kmodctl() {
	python3 - "$@" <<-'EOF'
		import ctypes, os, sys
		libc = ctypes.CDLL(None, use_errno=True)
		op, arg = sys.argv[1], sys.argv[2]
		if op == "finit":
		    r = libc.syscall(313, os.open(arg, os.O_RDONLY), b"", 0)
		elif op == "init":
		    image = open(arg, "rb").read()
		    r = libc.syscall(175, ctypes.c_char_p(image), ctypes.c_ulong(len(image)), b"")
		else:
		    r = libc.syscall(176, arg.encode(), os.O_NONBLOCK)
		if r < 0:
		    sys.exit("%s %s: errno %d" % (op, arg, ctypes.get_errno()))
	EOF
}

# Sets ko to this kernel's loop.ko and unloads the loop module, or skips:
# the test needs a module it can take out and put back.
loop_unloaded() {
	have_modules || skip "this kernel has no loadable modules (no module tracepoints)"
	[[ $(uname -m) == x86_64 ]] || skip "kmodctl uses x86-64 syscall numbers"
	command -v python3 >/dev/null || skip "needs python3 for the raw module syscalls"
	ko=$PW_BUILD/vm/$(uname -r)/modules/loop.ko
	[[ -s $ko ]] || skip "no loop.ko of $(uname -r) in $PW_BUILD/vm (tests/vm/run caches it)"
	ko=$(realpath "$ko")
	[[ -d /sys/module/loop ]] || kmodctl finit "$ko"
	[[ -e /sys/module/loop/refcnt ]] || skip "loop is built in"
	[[ $(cat /sys/module/loop/refcnt) == 0 ]] || skip "loop is in use"
	kmodctl delete loop
	pw_drain
}

# Leaves loop loaded, as the guest had it.
teardown() {
	if [[ -n ${ko:-} && ! -d /sys/module/loop ]]; then
		kmodctl finit "$ko" || true
	fi
}

@test "without loadable modules, kmod fails to load with exit 4 and leaves nothing behind" {
	! have_modules || skip "this kernel has loadable modules"
	before=$(pin_state)
	run -4 "$PW_LOAD" --pin-root "$PIN_ROOT" --lock "${PINWATCH_LOCK:-/run/pinwatch.lock}" load "$PW_BUILD/bpf/kmod.bpf.o"
	[[ $output == *"kmod: no hook of this module exists on this kernel"* ]]
	[ "$(pin_state)" == "$before" ]
	# asked for by name, up fails (up of every module skips it: process.bats)
	run -1 "$PW" up kmod
	[[ $output == *"kmod: no hook of this module exists on this kernel"* ]]
}

# bats test_tags=vm-ci
@test "finit_module of a module file reports kmod_load with name, taints, fd, path and ret; delete_module reports kmod_unload with name and flags" {
	loop_unloaded
	kmodctl finit "$ko" &
	pid=$!
	wait "$pid"
	kmodctl delete loop &
	del=$!
	wait "$del"
	events=$(pw_events)
	ev=$(jq -c --argjson p "$pid" 'select(.type == "kmod_load" and (.pid == $p or .ppid == $p))' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall finit_module
	assert_field "$ev" .name loop
	assert_field "$ev" .path "$ko"
	assert_field "$ev" .fd -ge 3
	assert_field "$ev" .flags -eq 0
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .module kmod
	# the taint letters the kernel shows for it: none for an in-tree module
	kmodctl finit "$ko"
	if [[ -z $(cat /sys/module/loop/taint) ]]; then
		assert_field "$ev" .taints -eq 0
	else
		assert_field "$ev" .taints -gt 0
	fi
	un=$(jq -c --argjson p "$del" 'select(.type == "kmod_unload" and (.pid == $p or .ppid == $p))' <<<"$events")
	[ "$(jq -s length <<<"$un")" -eq 1 ]
	assert_field "$un" .name loop
	assert_field "$un" .flags -eq 2048 # O_NONBLOCK
}

# bats test_tags=vm-ci
@test "init_module of an image in memory reports kmod_load with no fd nor path, and the text line names it" {
	loop_unloaded
	kmodctl init "$ko" &
	pid=$!
	wait "$pid"
	# a second load of a loaded module fails: EEXIST, and no name
	run ! kmodctl init "$ko"
	run -0 "$PW_READ" --json --drain
	events=$(jq -c --argjson p "$pid" 'select(.type == "kmod_load" and (.pid == $p or .ppid == $p))' <<<"$output")
	[ "$(jq -s length <<<"$events")" -eq 1 ]
	assert_field "$events" .syscall init_module
	assert_field "$events" .name loop
	assert_field "$events" .fd -eq -1
	assert_field "$events" .path ""
	assert_field "$events" .ret -eq 0
	failed=$(jq -c 'select(.type == "kmod_load" and .ret == -17)' <<<"$output")
	assert_field "$failed" .name ""
	kmodctl delete loop
	kmodctl finit "$ko"
	run -0 "$PW_READ" --drain
	grep -E "kmod_unload .*name=loop flags=0x800\$" <<<"$output"
	grep -E "kmod_load .*finit_module name=loop( taints=[A-Z|]+)? fd=[0-9]+ flags=0 path=$ko ret=0\$" <<<"$output"
}

@test "a comm filter drops module loads and unloads, counted filtered; seen equals filtered plus emitted plus dropped" {
	loop_unloaded
	before=$(stat_of kmod filtered)
	"$PW" filter add comm python3
	kmodctl finit "$ko"
	kmodctl delete loop
	"$PW" filter del comm python3
	[ "$(pw_events | jq -c 'select(.type == "kmod_load" or .type == "kmod_unload")' | wc -l)" -eq 0 ]
	[ "$(stat_of kmod filtered)" -ge $((before + 2)) ]
	kmodctl finit "$ko"
	run -0 stats_balance kmod
	assert_field "$output" .emitted -gt 0
}
