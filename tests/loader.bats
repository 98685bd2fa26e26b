#!/usr/bin/env bats
# The loader: what `up` pins, that `down` removes all of it, and that a load
# that fails at any step leaves the pins exactly as they were.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_teardown
}

teardown_file() {
	pw_teardown
}

setup() {
	require_root
}

teardown() {
	pw_teardown
}

# Every path `up` creates must be named in pinned-layout.md. In the 6.1
# guest this is also the load of every module there: each is verified,
# attached and reported healthy by status on that kernel too.
# bats test_tags=vm-ci
@test "up pins exactly what pinned-layout.md documents, in a root-only directory" {
	"$PW" up
	run -0 "$PW" status
	[ "$(stat -c %a "$PIN_ROOT")" = 700 ]
	documented=$(grep -o '/sys/fs/bpf/pinwatch/[A-Za-z0-9_./]*' "$PW_HOME/pinned-layout.md" | sed -e 's:/$::' -e "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT" -mindepth 1 | sort)
	for pin in maps/config maps/stats maps/events maps/filter_pid maps/filter_uid maps/filter_comm \
		maps/filter_cgroup maps/proc_cache maps/manifest process/chain process/link_exec process/link_exit process/link_fork; do
		[ -e "$PIN_ROOT/$pin" ] || { echo "missing pin: $pin"; return 1; }
	done
}

@test "the exec chain holds the filter, enrich and output stages" {
	"$PW" up process
	run "$PW" chain process
	[ "$status" -eq 0 ]
	[[ $output == *exec_filter* && $output == *exec_enrich* && $output == *exec_output* ]]
}

@test "down leaves no pins and no pinwatch program in the kernel" {
	"$PW" up process
	ids=$(pinwatch_prog_ids)
	[ -n "$ids" ]
	"$PW" down
	[ ! -e "$PIN_ROOT" ]
	# the kernel frees programs after an RCU grace period: allow it a moment
	for id in $ids; do
		for _ in $(seq 1 50); do
			bpftool prog show id "$id" >/dev/null 2>&1 || continue 2
			sleep 0.1
		done
		echo "program $id still loaded after down"
		return 1
	done
}

@test "loading a module twice is refused and attaches it once" {
	"$PW" up process
	links=$(links_per_prog)
	run --separate-stderr "$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
	[ "$status" -eq 3 ]
	[[ $stderr == *"already loaded"* ]]
	[ "$(links_per_prog)" = "$links" ]
	# "LINKS:PROGRAMS" pairs: no program may have two links
	if grep -qE '(^| )([2-9]|[1-9][0-9]+):' <<<"$links"; then
		echo "a program has more than one link: $links"
		return 1
	fi
	run "$PW" up process # up itself is idempotent
	[ "$status" -eq 0 ]
}

# up's status for "some loaded, some failed": what pinwatch.service's
# SuccessExitStatus= names, so that the consumer still starts.
partial_status() {
	sed -n 's/^SuccessExitStatus=//p' "$PW_HOME/scripts/systemd/pinwatch.service"
}

@test "a module that fails to load does not stop up: the others load, one line names it and why, exit 5 (the unit's success)" {
	[ "$(partial_status)" = 5 ]
	"$PW" up >/dev/null 2>&1
	want=$(ls "$PIN_ROOT" | grep -vx -e maps -e bpf)
	"$PW" down
	# bpf's only program, refused by the kernel (its hook has no other variant)
	run -5 --separate-stderr env PINWATCH_TEST_FAIL_AT=load:bpf_x__tp "$PW" up
	[ "$status" -eq "$(partial_status)" ]
	mapfile -t failed < <(grep '^pinwatch: up: ' <<<"$stderr")
	[ "${#failed[@]}" -eq 1 ] || { echo "$stderr"; return 1; }
	[[ ${failed[0]} == "pinwatch: up: bpf: load failed: "*bpf_x__tp* ]]
	[ ! -e "$PIN_ROOT/bpf" ]
	[ "$(ls "$PIN_ROOT" | grep -vx maps)" = "$want" ]
	# the loaded modules work: an exec is reported
	"$PW_READ" --drain >/dev/null
	bin=$(unique_binary)
	"$bin"
	"$PW_READ" --json --drain | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' | grep -q .
	# up again loads the one that failed, the others are already there
	run -0 --separate-stderr "$PW" up
	[ -d "$PIN_ROOT/bpf" ]
}

@test "up exits 1 when no module it was asked for could be loaded, 5 when one of two could" {
	run -1 --separate-stderr env PINWATCH_TEST_FAIL_AT=load:bpf_x__tp "$PW" up bpf
	assert_one_line_error
	[[ $stderr == "pinwatch: up: bpf: load failed: "* ]]
	[ ! -e "$PIN_ROOT" ]
	run -5 --separate-stderr env PINWATCH_TEST_FAIL_AT=load:bpf_x__tp "$PW" up process bpf
	[[ $output == "process: loaded ("* ]]
	[ "$stderr" = "$(grep '^pinwatch: up: bpf: load failed: ' <<<"$stderr")" ]
	[ -d "$PIN_ROOT/process" ]
	[ ! -e "$PIN_ROOT/bpf" ]
	# a step of every load failing: nothing loaded, exit 1, one line per module
	"$PW" down
	run -1 --separate-stderr env PINWATCH_TEST_FAIL_AT=load "$PW" up process signal
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ ${stderr_lines[0]} == "pinwatch: up: process: injected failure at step 'load'"* ]]
	[[ ${stderr_lines[1]} == "pinwatch: up: signal: injected failure at step 'load'"* ]]
	[ ! -e "$PIN_ROOT" ]
}

@test "the ring buffer size is set at first load and kept by later loads" {
	"$PW" up --ringbuf-size 1M process
	[ "$(bpftool -j map show pinned "$PIN_ROOT/maps/events" | jq .max_entries)" -eq 1048576 ]
}

@test "a corrupt object fails with one line and leaves nothing pinned" {
	cp "$PW_BUILD/bpf/process.bpf.o" "$BATS_TEST_TMPDIR/process.bpf.o"
	truncate -s 3000 "$BATS_TEST_TMPDIR/process.bpf.o"
	run --separate-stderr "$PW_LOAD" load "$BATS_TEST_TMPDIR/process.bpf.o"
	assert_one_line_error
	[ ! -e "$PIN_ROOT" ]
}

# bats test_tags=vm-ci
@test "an object the verifier rejects names the program and the reason, and pins nothing" {
	clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$PW_BUILD" -I"$PW_HOME/bpf" \
		-c "$PW_HOME/tests/fixtures/rejected.bpf.c" -o "$BATS_TEST_TMPDIR/process.bpf.o"
	run --separate-stderr "$PW_LOAD" load "$BATS_TEST_TMPDIR/process.bpf.o"
	assert_one_line_error
	[[ $stderr == *"verifier rejected program exec__tp"* ]]
	[ ! -e "$PIN_ROOT" ]
}

# Exit 4 (EXIT_UNSUPPORTED, loader/load.h) on every kernel: a stand-in
# signal module whose one hook is a tracepoint no kernel has, under either
# section prefix, alone and next to a loaded module.
@test "a module with no hook on this kernel exits 4 with one line saying so, and pins nothing" {
	for prefix in tp tracepoint; do
		mkdir -p "$BATS_TEST_TMPDIR/$prefix"
		clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$PW_BUILD" -I"$PW_HOME/bpf" -DPW_TP_PREFIX="\"$prefix\"" \
			-DPW_TP_EVENT='"syscalls/sys_enter_no_such_call"' \
			-c "$PW_HOME/tests/fixtures/tp_prefix.bpf.c" -o "$BATS_TEST_TMPDIR/$prefix/signal.bpf.o"
	done
	for up in no yes; do
		[ "$up" = no ] || "$PW" up process
		before=$(pin_state)
		for prefix in tp tracepoint; do
			run -4 --separate-stderr "$PW_LOAD" load "$BATS_TEST_TMPDIR/$prefix/signal.bpf.o"
			[ "${stderr_lines[-1]}" = "pinwatch-load: signal: no hook of this module exists on this kernel" ] ||
				{ echo "$prefix: $stderr"; return 1; }
			[[ ${stderr_lines[0]} == *"hook kill is not available on this kernel"* ]]
			[ "$(pin_state)" = "$before" ] || { echo "$prefix (up $up): pins changed"; return 1; }
		done
	done
	[ ! -e "$PIN_ROOT/signal" ]
}

# With and without shared maps already pinned: a copy of the process object
# under another module's name stands in for a second module.
@test "a load that fails at any step leaves exactly the pins that existed before" {
	cp "$PW_BUILD/bpf/process.bpf.o" "$BATS_TEST_TMPDIR/audit.bpf.o"
	# config: only a first load initialises it; attach_later: a program's
	# attach after an earlier one's succeeded (the process object has three)
	for step in open load config freeze staging pin attach attach_later rename; do
		PINWATCH_TEST_FAIL_AT=$step run --separate-stderr "$PW_LOAD" load "$BATS_TEST_TMPDIR/audit.bpf.o"
		assert_one_line_error
		[[ $stderr == *"injected failure at step '$step'"* ]] || { echo "step $step: $stderr"; return 1; }
		[ ! -e "$PIN_ROOT" ] || { echo "step $step left: $(find "$PIN_ROOT")"; return 1; }
	done
	"$PW" up process
	"$PW" filter add pid 4242
	before=$(pin_state)
	for step in open load freeze staging pin attach attach_later rename; do
		PINWATCH_TEST_FAIL_AT=$step run --separate-stderr "$PW_LOAD" load "$BATS_TEST_TMPDIR/audit.bpf.o"
		assert_one_line_error
		[[ $stderr == *"injected failure at step '$step'"* ]] || { echo "step $step: $stderr"; return 1; }
		[ "$(pin_state)" = "$before" ] || { echo "step $step changed the pins"; diff <(echo "$before") <(pin_state); return 1; }
		[ -z "$(orphan_links)" ] || { echo "step $step left links attached: $(orphan_links)"; return 1; }
	done
}

# The hooks of an object: its programs named <hook>__<variant> (chain
# stages have no "__"), read from the ELF symbols, not from the loader.
object_hooks() { # object
	readelf -sW "$1" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $8 ~ /__/ {sub(/__.*/, "", $8); print $8}' | sort -u
}

@test "a module whose hooks all exist loads; an object name that is no module is refused" {
	hooks=$(object_hooks "$PW_BUILD/bpf/process.bpf.o")
	[ "$(wc -l <<<"$hooks")" -ge 4 ] # exec, exit, fork, enforce
	run --separate-stderr "$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ] # no hook skipped
	run "$PW" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.modules[] | select(.name == "process") | .hooks[] | select(.ok) | .hook' <<<"$output" | sort -u)" = "$hooks" ]
	# attached for real: a command's exec and exit are reported
	bin=$(unique_binary)
	"$bin"
	[ "$(pw_events | jq -c --arg c "${bin##*/}" 'select(.comm == $c and (.type == "exec" or .type == "exit")) | .type' | sort | paste -sd' ')" = '"exec" "exit"' ]
	"$PW" down
	cp "$PW_BUILD/bpf/process.bpf.o" "$BATS_TEST_TMPDIR/nosuchmodule.bpf.o"
	run --separate-stderr "$PW_LOAD" load "$BATS_TEST_TMPDIR/nosuchmodule.bpf.o"
	assert_one_line_error
	[ ! -e "$PIN_ROOT" ]
}

@test "status reports each hook's variant and fails when a link is gone" {
	"$PW" up process
	run "$PW" status --json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.modules[0].hooks[] | select(.hook == "exec") | .variant' <<<"$output")" = tp ]
	[ "$(jq -r '.modules[0].hooks[] | select(.hook == "exit") | .variant' <<<"$output")" = tp_btf ]
	exit_prog=$(jq -r '.modules[0].hooks[] | select(.hook == "exit") | .prog_id' <<<"$output")
	# the pin held the last reference: removing it detaches the program
	rm "$PIN_ROOT/process/link_exit"
	run "$PW" status
	[ "$status" -eq 1 ]
	[[ $output == *"process: link_exit is missing: program exit__tp_btf is not attached"* ]]
	[ "$(bpftool -j link show | jq --argjson p "$exit_prog" '[.[] | select(.prog_id == $p)] | length')" -eq 0 ]
	pw_drain
	bin=$(unique_binary)
	"$bin"
	[ "$(pw_events | jq -c --arg c "${bin##*/}" 'select(.comm == $c) | .type' | paste -sd' ')" = '"exec"' ]
}

@test "status fails when a shared map is gone" {
	"$PW" up process
	run "$PW" status
	[ "$status" -eq 0 ]
	rm "$PIN_ROOT/maps/filter_uid"
	run "$PW" status
	[ "$status" -eq 1 ]
	[[ $output == *"shared map filter_uid is missing"* ]]
}

@test "status exits 3 when the sensor is not loaded" {
	run "$PW" status
	[ "$status" -eq 3 ]
}

# The command table: --help, the missing-command list and the checks come
# from one table, so every command appears in each.
@test "every command is in --help and in the missing-command list, and its argument count is checked" {
	run --separate-stderr "$PW_LOAD"
	[ "$status" -eq 2 ]
	list=${stderr#*missing command (}
	list=${list%)}
	IFS=', ' read -r -a cmds <<<"$list"
	[ "${#cmds[@]}" -ge 12 ]
	help=$("$PW_LOAD" --help)
	for c in load unload attach detach uprobe-add uprobe-del probe modules config-layout shared-maps on-demand filter-key stacks; do
		[[ " ${cmds[*]} " == *" $c "* ]] || { echo "missing-command list lacks $c: $list"; return 1; }
		grep -qE "^  $c( |\$)" <<<"$help" || { echo "--help lacks $c"; return 1; }
	done
	run --separate-stderr "$PW_LOAD" modules extra
	[ "$status" -eq 2 ]
	[ "$stderr" = "pinwatch-load: modules: unexpected argument 'extra' (see --help)" ]
	run --separate-stderr "$PW_LOAD" attach x
	[ "$status" -eq 2 ]
	[ "$stderr" = "pinwatch-load: attach: missing argument (see --help)" ]
	run --separate-stderr as_nobody "$PW_LOAD" probe
	[ "$status" -eq 1 ]
	[ "$stderr" = "pinwatch-load: probe: must run as root" ]
}

# bats test_tags=vm-ci
@test "probe prints the feature matrix, and the variants chosen follow it" {
	run --separate-stderr "$PW_LOAD" probe --json
	[ "$status" -eq 0 ]
	json=$output
	[ "$(jq -r '[.features[].name] | join(" ")' <<<"$json")" = \
		"tracefs btf tp_btf raw_tp kprobe fentry lsm fmod_ret ringbuf task_storage iter_task send_signal cookie task_from_pid task_pt_regs" ]
	[ "$(jq '[.features[] | select((.supported | type) == "boolean" and (.detail | length) > 0)] | length' <<<"$json")" -eq 15 ]
	supported() { jq -e --arg f "$1" '.features[] | select(.name == $f) | .supported' <<<"$json" >/dev/null; }
	# what every module needs
	supported btf && supported ringbuf && supported tracefs
	run "$PW_LOAD" probe
	[ "$status" -eq 0 ]
	[ "$(grep -cE '^[a-z_]+ +(yes|no) ' <<<"$output")" -eq 15 ]
	"$PW" up file
	if supported task_pt_regs; then want=tpr; else want=tpp; fi
	[ "$(hook_variant file openat_x)" = "$want" ]
	"$PW" down
	"$PW" up process
	if supported tp_btf; then want=tp_btf; elif supported raw_tp; then want=raw_tp; else want=""; fi
	[ "$(hook_variant process exit)" = "$want" ]
	if supported lsm; then want=lsm; else want=tp; fi
	[ "$(hook_variant process enforce)" = "$want" ]
	"$PW" down
	# cap_capable is a tracepoint in newer kernels only (not in 6.1)
	"$PW" up capability || true
	if supported tp_btf && bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "'btf_trace_cap_capable'"; then
		want=tp_btf
	elif supported kprobe; then
		want=kprobe
	else
		want=""
	fi
	[ "$(hook_variant capability capable)" = "$want" ]
}

# bats test_tags=vm-ci
@test "a load is the sensor's own work: up's opens, capability checks, pins and program loads are filtered; the rename into place is audited" {
	"$PW" up file capability audit >/dev/null
	# the first module's load created config with loader_tgid set; the
	# loader cleared it at its exit
	[ "$("$PW" config get loader_tgid)" = 0 ]
	"$PW" config set capable_denials_only off
	# a second load, into the running sensor, drained before and after
	"$PW_READ" --drain >/dev/null
	"$PW" up process >/dev/null
	events=$("$PW_READ" --json --drain)
	# from its claim (under the lock) to its release: its object file and
	# tracefs opens, its CAP_BPF checks; its exec and exit, before and
	# after, are reported
	[ "$(jq -c --arg o "$PW_BUILD/bpf/process.bpf.o" 'select(.comm == "pinwatch-load" and .type == "open" and (.path == $o or (.path | startswith("/sys/kernel/"))))' <<<"$events" | wc -l)" -eq 0 ]
	# (6.1 checks CAP_BPF on every bpf() call: the claim's own first ones,
	# before its config update, are reported there; a load makes hundreds)
	[ "$(jq -c 'select(.comm == "pinwatch-load" and .type == "capable" and .cap_name == "CAP_BPF")' <<<"$events" | wc -l)" -le 8 ]
	[ "$(jq -c 'select(.comm == "pinwatch-load" and .type == "exec")' <<<"$events" | wc -l)" -ge 1 ]
	[ "$(jq -c 'select(.comm == "pinwatch-load" and .type == "audit" and (.action == "obj_pin" or .action == "prog_load"))' <<<"$events" | wc -l)" -eq 0 ]
	# one open, of maps/config, to claim
	[ "$(jq -c 'select(.comm == "pinwatch-load" and .type == "audit" and .action == "obj_get")' <<<"$events" | jq -s -c 'map(.path | sub(".*/"; ""))')" = '["config"]' ]
	[ "$(stat_of audit filtered)" -gt 0 ]
	# the module put in place is on the tamper trail, and the loader's
	# claim and release of config
	[ "$(jq -c --arg p "$PIN_ROOT/process" 'select(.comm == "pinwatch-load" and .type == "audit" and .action == "rename" and .new_path == $p)' <<<"$events" | wc -l)" -eq 1 ]
	[ "$(jq -c 'select(.comm == "pinwatch-load" and .type == "audit" and .action == "map_update" and .object_name == "config")' <<<"$events" | wc -l)" -eq 2 ]
	[ "$(stat_of file filtered)" -gt 0 ]
}

@test "loader_tgid hides only the process that started at loader_start: a reused pid is reported" {
	local me=$BASHPID start f
	"$PW" up file >/dev/null
	start=$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$me/stat")
	f=$BATS_TEST_TMPDIR/pwown-$RANDOM
	# this shell, claimed with another start time: reported
	"$PW" config set loader_start $((start + 1))
	"$PW" config set loader_tgid "$me"
	"$PW_READ" --drain >/dev/null
	: >"$f.a"
	[ "$("$PW_READ" --json --drain | jq -c --arg p "$f.a" 'select(.type == "open" and .path == $p)' | wc -l)" -eq 1 ]
	# with its own start time: its open is the sensor's own, and counted filtered
	"$PW" config set loader_start "$start"
	: >"$f.b"
	"$PW" config set loader_tgid 0
	[ "$("$PW_READ" --json --drain | jq -c --arg p "$f.b" 'select(.type == "open" and .path == $p)' | wc -l)" -eq 0 ]
	: >"$f.c"
	[ "$("$PW_READ" --json --drain | jq -c --arg p "$f.c" 'select(.type == "open" and .path == $p)' | wc -l)" -eq 1 ]
}
