#!/usr/bin/env bats
# Fallbacks that fall back: each hook with more than one variant, loaded
# once with its preferred variant and once with that variant denied
# (PINWATCH_DENY_VARIANTS), delivers the same events with the same fields;
# a variant that fails to load or attach hands over to the next one with one
# notice. Where tp_btf works, the raw_tp variants load in this file only: its
# last test checks that every raw_tp program of bpf/*.bpf.c was loaded.
# Covered by their module's tests: file's vfs_rd/vfs_wr (fexit -> kprobe,
# tests/fileio.bats), oom's kill (fentry -> kprobe, tests/oom.bats) and
# process's enforce (lsm -> the tp stage: tests/enforce.bats runs the stage
# on the host and the LSM program in the 6.1 guest).
# Tagged vm-ci (run in the 6.1 guest by CI) are only the tests whose outcome
# depends on the kernel: raw_tp once (process), capability's kprobe and
# enforce's LSM hand-over; the rest test the loader's fallback logic, which
# is the same on every kernel, at ~15x the cost in the guest.
# shellcheck disable=SC2154 # status, output, lines and stderr come from bats' run

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_teardown
	: >"$BATS_FILE_TMPDIR/loaded"
	"$PW_LOAD" probe --json >"$BATS_FILE_TMPDIR/probe.json"
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

# True when `pinwatch-load probe` found the feature.
has() { # feature
	jq -e --arg f "$1" '.features[] | select(.name == $f) | .supported' "$BATS_FILE_TMPDIR/probe.json" >/dev/null
}

# Loads MODULE alone with the variant kinds DENY denied ("" for none),
# checks that each HOOK runs VARIANT, and records the programs loaded.
up_with() { # deny module hook=variant...
	local deny=$1 module=$2 hv hook want got
	shift 2
	"$PW" down >/dev/null 2>&1 || true
	PINWATCH_DENY_VARIANTS=$deny "$PW" up "$module" >/dev/null
	for hv; do
		hook=${hv%%=*} want=${hv#*=}
		[ -e "$PIN_ROOT/$module/prog_${hook}__$want" ] || { echo "$module: hook $hook: no $want program loaded (denied: '$deny')"; return 1; }
		# an on-demand hook (syscall's exit) has no link until it is needed
		[[ -e $PIN_ROOT/$module/link_$hook ]] || continue
		got=$(hook_variant "$module" "$hook")
		[ "$got" = "$want" ] || { echo "$module: hook $hook runs '$got', want $want (denied: '$deny')"; return 1; }
	done
	find "$PIN_ROOT/$module" -name 'prog_*' -printf "$module:%f\n" | sed 's/:prog_/:/' >>"$BATS_FILE_TMPDIR/loaded"
	pw_drain
}

# The events of the last workload that SELECT picks, comparable across two
# loads: the pids (and ports) of its processes replaced by the names in
# NAMES ({"1234": "CHILD"}), what differs run to run (time, cpu, exec ids)
# dropped, and measurements (*_ns, bytes*) as "positive" when they are.
# One event per line, sorted. Reads the ring, or FILE when given.
normalised() { # select [file]
	if [[ -n ${2:-} ]]; then cat "$2"; else pw_events; fi | jq -c --argjson names "$NAMES" "select($1)"'
		| del(.time, .cpu, .exec_id, .parent_exec_id)
		| with_entries(if (.key | test("_ns$|^bytes")) and (.value | type) == "number" and .value > 0
			then .value = "positive" else . end)
		| walk(if type == "number" and $names[tostring] then $names[tostring] else . end)' | sort
}

# Passes when two captures are equal and not empty; prints both otherwise.
assert_same_events() { # want-file got-file
	if [[ ! -s $1 ]]; then
		echo "the preferred variant delivered no event"
		return 1
	fi
	diff "$1" "$2" || { echo "--- events differ (< preferred, > fallback)"; return 1; }
}

# ---- process: exit, fork (tp_btf -> raw_tp) --------------------------------------

process_events() { # out-file
	local c f
	local me=$BASHPID # (not expanded in a $(...), where it is the subshell's)
	sh -c 'exit 7' &
	c=$!
	wait "$c" || true
	(exec sleep 0) &
	f=$!
	wait "$f"
	NAMES=$(jq -nc --arg c "$c" --arg f "$f" --arg me "$me" '{($c): "EXITER", ($f): "FORKED", ($me): "SHELL"}')
	normalised "(.type == \"exit\" and .pid == $c) or (.type == \"fork\" and .child_pid == $f)" >"$1"
	[ "$(wc -l <"$1")" -eq 2 ] || { echo "want one exit and one fork:"; cat "$1"; return 1; }
}

@test "process: exit and fork deliver the same events as raw_tp as they do as tp_btf" {
	has tp_btf || skip "no tp_btf here: raw_tp is the only variant"
	up_with "" process exit=tp_btf fork=tp_btf
	process_events "$BATS_TEST_TMPDIR/want"
	up_with tp_btf process exit=raw_tp fork=raw_tp
	process_events "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# ---- signal: generate (tp_btf -> raw_tp) -----------------------------------------

signal_events() { # out-file
	local s c
	local me=$BASHPID # (not expanded in a $(...), where it is the subshell's)
	"$PW" config set signal_chld on >/dev/null
	sleep 100 &
	s=$!
	for _ in $(seq 1 100); do
		[[ $(cat "/proc/$s/comm" 2>/dev/null) == sleep ]] && break
		sleep 0.02
	done
	kill -USR1 "$s"
	wait "$s" || true
	sh -c 'exit 0' &
	c=$!
	wait "$c"
	NAMES=$(jq -nc --arg s "$s" --arg c "$c" --arg me "$me" '{($s): "SLEEPER", ($c): "EXITER", ($me): "SHELL"}')
	normalised ".type == \"signal\" and .source == \"generate\" and (.target_pid == $s or .pid == $s or .pid == $c)" >"$1"
	# USR1 to the sleeper, SIGCHLD from it and from the exiter
	[ "$(wc -l <"$1")" -eq 3 ] || { echo "want three generate events:"; cat "$1"; return 1; }
}

@test "signal: generate delivers the same events as raw_tp as it does as tp_btf" {
	has tp_btf || skip "no tp_btf here: raw_tp is the only variant"
	up_with "" signal generate=tp_btf
	signal_events "$BATS_TEST_TMPDIR/want"
	up_with tp_btf signal generate=raw_tp
	signal_events "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# ---- syscall: enter, exit (tp_btf -> raw_tp) -------------------------------------

# 500 getppid calls of one process under a pid --only filter (other
# processes on the machine call getppid too): enter counts them, exit
# reports each as an event (getppid selected).
syscall_events() { # out-file
	local me=$BASHPID # (not expanded in a $(...), where it is the subshell's)
	local sc=$BATS_FILE_TMPDIR/pwsc p w before after
	[[ -x $sc ]] || pw_cc "$sc" -O2 "$PW_HOME/tests/fixtures/syscalls.c"
	count() { "$PW" syscount --json --top 512 | jq -r '[.[] | select(.name == "getppid") | .count] | add // 0'; }
	mkfifo "$BATS_TEST_TMPDIR/go.$$"
	"$sc" 500 wait <"$BATS_TEST_TMPDIR/go.$$" &
	p=$!
	exec {w}>"$BATS_TEST_TMPDIR/go.$$"
	"$PW" filter add pid "$p" --only
	"$PW" config set syscalls getppid
	before=$(count)
	echo x >&"$w"
	exec {w}>&-
	wait "$p"
	after=$(count)
	"$PW" config set syscalls none
	"$PW" filter del pid "$p"
	rm "$BATS_TEST_TMPDIR/go.$$"
	echo "getppid counted $((after - before))" >"$1"
	NAMES=$(jq -nc --arg p "$p" --arg me "$me" '{($p): "CALLER", ($me): "SHELL"}')
	# the arguments getppid ignores are what the registers held (addresses)
	normalised ".type == \"syscall\" and .pid == $p" | jq -c '.args |= map(type)' | uniq -c >>"$1"
	if ! grep -qx 'getppid counted 500' "$1" || ! grep -q '^ *500 {' "$1"; then
		echo "want 500 counted and 500 events:"
		cat "$1"
		return 1
	fi
}

@test "syscall: enter counts and exit reports the same as raw_tp as they do as tp_btf" {
	has tp_btf || skip "no tp_btf here: raw_tp is the only variant"
	up_with "" syscall enter=tp_btf exit=tp_btf
	syscall_events "$BATS_TEST_TMPDIR/want"
	up_with tp_btf syscall enter=raw_tp exit=raw_tp
	syscall_events "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# ---- net: state, rtt, retrans (tp_btf -> raw_tp) ---------------------------------

wait_file() {
	for _ in $(seq 1 200); do
		[[ -s $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# One TCP session over 127.0.0.1 (tests/helpers/net.pl): its tcp_state
# events, and whether it fed the smoothed-RTT histogram (tcp_probe).
net_events() { # out-file
	local portfile=$BATS_TEST_TMPDIR/port.$RANDOM srv port cport cfd answer ev rtt0 rtt1 evfile
	local me=$BASHPID # (not expanded in a $(...), where it is the subshell's)
	rtt() { bpftool -j map dump pinned "$PIN_ROOT/net/hist_srtt" | jq '[.[0].formatted.values[].value.slots[]] | add'; }
	rtt0=$(rtt)
	perl "$PW_HOME/tests/helpers/net.pl" serve inet 127.0.0.1 "$portfile" 5 worldwide &
	srv=$!
	wait_file "$portfile"
	port=$(cat "$portfile")
	exec {cfd}<>"/dev/tcp/127.0.0.1/$port"
	printf hello >&"$cfd"
	read -r -N 9 answer <&"$cfd"
	exec {cfd}>&-
	wait "$srv"
	[ "$answer" = worldwide ]
	# the three sockets' closes end the session's events
	evfile=$BATS_TEST_TMPDIR/net.jsonl
	: >"$evfile"
	for _ in $(seq 1 100); do
		pw_events >>"$evfile"
		[ "$(jq -c "select(.type == \"tcp_state\" and .new_state == \"CLOSE\" and (.sport == $port or .dport == $port))" "$evfile" | wc -l)" -ge 3 ] && break
		sleep 0.1
	done
	cport=$(jq -r "select(.type == \"tcp_state\" and .new_state == \"ESTABLISHED\" and .dport == $port) | .sport" "$evfile" | head -n 1)
	rtt1=$(rtt)
	NAMES=$(jq -nc --arg s "$srv" --arg me "$me" --arg p "$port" --arg c "$cport" \
		'{($s): "SERVER", ($me): "SHELL", ($p): "PORT", ($c): "CLIENT_PORT"}')
	normalised ".type == \"tcp_state\" and (.sport == $port or .dport == $port)" "$evfile" >"$1"
	echo "srtt histogram grew: $((rtt1 > rtt0))" >>"$1"
	grep -q 'grew: 1' "$1" || { echo "tcp_probe fed no histogram"; return 1; }
}

@test "net: state and rtt deliver the same as raw_tp as they do as tp_btf" {
	has tp_btf || skip "no tp_btf here: raw_tp is the only variant"
	command -v perl >/dev/null || skip "needs perl (perl-base) for the test listener"
	up_with "" net state=tp_btf rtt=tp_btf retrans=tp_btf
	net_events "$BATS_TEST_TMPDIR/want"
	up_with tp_btf net state=raw_tp rtt=raw_tp retrans=raw_tp
	net_events "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# A listener whose accept queue is full drops a client's SYN; the client
# retransmits it after the initial RTO (1 s).
retrans_events() { # out-file
	local portfile=$BATS_TEST_TMPDIR/port.$RANDOM pl port ev=
	perl "$PW_HOME/tests/helpers/net.pl" overflow inet 127.0.0.1 "$portfile" 15 &
	pl=$!
	wait_file "$portfile"
	port=$(cat "$portfile")
	for _ in $(seq 1 100); do
		ev=$(pw_events | jq -c "select(.type == \"retransmit\" and .dport == $port)" | head -n 1)
		[[ -n $ev ]] && break
		sleep 0.1
	done
	kill "$pl"
	wait "$pl" || true
	# the first retransmit's fields; the client's port differs run to run
	NAMES=$(jq -nc --arg p "$pl" --arg port "$port" --arg c "$(jq -r .sport <<<"$ev")" \
		'{($p): "CLIENT", ($port): "PORT", ($c): "CLIENT_PORT"}')
	echo "$ev" >"$BATS_TEST_TMPDIR/retrans.jsonl"
	normalised true "$BATS_TEST_TMPDIR/retrans.jsonl" >"$1"
	[ -s "$1" ] || { echo "no retransmit reported"; return 1; }
}

@test "net: retrans reports the same retransmitted SYN as raw_tp as it does as tp_btf" {
	has tp_btf || skip "no tp_btf here: raw_tp is the only variant"
	command -v perl >/dev/null || skip "needs perl (perl-base) for the test listener"
	up_with "" net retrans=tp_btf
	retrans_events "$BATS_TEST_TMPDIR/want"
	up_with tp_btf net retrans=raw_tp
	retrans_events "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# ---- block: insert, issue, done (tp_btf -> raw_tp) --------------------------------

block_events() { # out-file
	local target w r
	target=$(cat "$BATS_FILE_TMPDIR/target")
	"$PW" config set block_slow_ns 0
	dd if=/dev/zero of="$target" bs=64K count=4 oflag=direct conv=notrunc status=none &
	w=$!
	wait "$w"
	dd if="$target" of=/dev/null bs=64K count=4 iflag=direct status=none &
	r=$!
	wait "$r"
	"$PW" config set block_slow_ns 10000000
	NAMES=$(jq -nc --arg w "$w" --arg r "$r" '{($w): "WRITER", ($r): "READER"}')
	# the requests' sizes and ops (a request may be split or merged: as
	# a set); sectors are where the file lies, the same in both runs
	normalised "(.pid == $w or .pid == $r) and .type == \"block_slow\"" | sort -u >"$1"
	[ -s "$1" ] || { echo "no block_slow event"; return 1; }
}

@test "block: insert, issue and done deliver the same as raw_tp as they do as tp_btf" {
	has tp_btf || skip "no tp_btf here: raw_tp is the only variant"
	up_with "" block insert=tp_btf issue=tp_btf done=tp_btf
	up_with tp_btf block insert=raw_tp issue=raw_tp done=raw_tp
	direct_io_target_setup
	[[ -n $(cat "$BATS_FILE_TMPDIR/target") ]] || skip "no direct I/O: the temp directory does not take O_DIRECT and no loop device is available"
	up_with "" block insert=tp_btf issue=tp_btf done=tp_btf
	block_events "$BATS_TEST_TMPDIR/want" || { direct_io_target_teardown; return 1; }
	up_with tp_btf block insert=raw_tp issue=raw_tp done=raw_tp
	block_events "$BATS_TEST_TMPDIR/got" || { direct_io_target_teardown; return 1; }
	direct_io_target_teardown
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# ---- capability: capable (tp_btf -> kprobe) ---------------------------------------

capability_events() { # out-file
	local p
	setpriv --reuid=65534 --regid=65534 --clear-groups -- unshare --uts true 2>/dev/null &
	p=$!
	wait "$p" || true
	NAMES=$(jq -nc --arg p "$p" '{($p): "UNSHARE"}')
	# audit and opts are the kprobe's alone (null from the tracepoint)
	normalised ".type == \"capable\" and .pid == $p and .ret != 0 and .comm == \"unshare\"" |
		jq -c 'del(.audit, .opts)' | head -n 1 >"$1"
}

@test "capability: capable reports the same denial as kprobe as it does as tp_btf" {
	has tp_btf || skip "no tp_btf here"
	has kprobe || skip "no kprobes here (the 6.1 guest of make vmtest has them)"
	"$PW" up capability >/dev/null
	[[ $(hook_variant capability capable) == tp_btf ]] ||
		skip "no cap_capable tracepoint here: kprobe is the preferred variant (tests/capability.bats)"
	up_with "" capability capable=tp_btf
	capability_events "$BATS_TEST_TMPDIR/want"
	up_with tp_btf capability capable=kprobe
	capability_events "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "ptrace: tpk denied by name (PINWATCH_DENY_VARIANTS=tpk), its exit hooks run tp, with no notice" {
	run -0 --separate-stderr env PINWATCH_DENY_VARIANTS=tpk "$PW_LOAD" load "$PW_BUILD/bpf/ptrace.bpf.o"
	[ -z "$stderr" ] || { echo "stderr: $stderr" >&2; false; }
	for h in ptrace_x vmread_x vmwrite_x; do
		[ "$(hook_variant ptrace "$h")" = tp ] || { echo "$h: $(hook_variant ptrace "$h")" >&2; false; }
	done
	[ ! -e "$PIN_ROOT/ptrace/prog_ptrace_x__tpk" ]
}

# ---- file: syscall exits from the registers (tpr -> tpp pairs) -------------------

file_events_of() { # out-file
	local d=$BATS_TEST_TMPDIR/fv me=$BASHPID
	mkdir -p "$d"
	pw_drain
	: >"$d/created"
	cat "$d/missing" 2>/dev/null || true
	mv "$d/created" "$d/moved"
	rm "$d/moved"
	python3 -c 'import os; os.close(os.memfd_create("pwfv", os.MFD_CLOEXEC))'
	NAMES=$(jq -nc --arg me "$me" '{($me): "SHELL"}')
	normalised "(.type == \"memfd\" and .name == \"pwfv\") or ((.path // \"\") | startswith(\"$d/\"))" |
		jq -c 'del(.pid, .tid, .ppid)' | sort >"$1"
	# open (create, missing), rename, unlink, memfd
	[ "$(wc -l <"$1")" -eq 5 ] || { echo "want 5 events:"; cat "$1"; return 1; }
}

@test "file: exits reading the arguments from the registers (tpr) deliver the same events as the enter/exit pairs (tpp)" {
	has task_pt_regs || skip "no bpf_task_pt_regs here: the pairs are the only variant"
	up_with "" file openat_x=tpr unlinkat_x=tpr renameat2_x=tpr memfd_x=tpr
	[ ! -e "$PIN_ROOT/file/link_openat_e" ] # no enter hook: nothing pairs
	file_events_of "$BATS_TEST_TMPDIR/want"
	up_with tpr file openat_e=tpp openat_x=tpp unlinkat_x=tpp renameat2_x=tpp memfd_x=tpp
	file_events_of "$BATS_TEST_TMPDIR/got"
	assert_same_events "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# ---- a variant that fails --------------------------------------------------------

@test "a tp_btf program the kernel refuses at load hands its hook to raw_tp with one notice" {
	has tp_btf || skip "no tp_btf here"
	run --separate-stderr env PINWATCH_TEST_FAIL_AT=load:exit__tp_btf "$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "pinwatch-load: process: exit: tp_btf failed to load ("*"); using raw_tp" ]]
	[[ $output == *"exit: raw_tp"* ]]
	[ "$(hook_variant process exit)" = raw_tp ]
	[ "$(hook_variant process fork)" = tp_btf ]
	echo process:exit__raw_tp >>"$BATS_FILE_TMPDIR/loaded"
	# the fallback is attached: an exit is reported
	pw_drain
	sh -c 'exit 3' &
	c=$!
	wait "$c" || true
	[ "$(pw_events | jq -c --argjson c "$c" 'select(.type == "exit" and .pid == $c) | .exit_code')" = 3 ]
}

@test "a program that fails to attach hands its hook to the next variant, and a last variant that fails fails the load" {
	has tp_btf || skip "no tp_btf here"
	# fork attaches after exec and exit: the first attempt's links must go
	run --separate-stderr env PINWATCH_TEST_FAIL_AT=attach:fork__tp_btf "$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
	[ "$status" -eq 0 ]
	[ "$stderr" = "pinwatch-load: process: fork: tp_btf failed to attach (Operation not supported); using raw_tp" ]
	[ "$(hook_variant process fork)" = raw_tp ]
	[ "$(hook_variant process exit)" = tp_btf ]
	[ -z "$(orphan_links)" ]
	# "LINKS:PROGRAMS" pairs: no program may have two links
	links=$(links_per_prog)
	! grep -qE '(^| )([2-9]|[1-9][0-9]+):' <<<"$links" || { echo "a program has more than one link: $links"; return 1; }
	echo process:fork__raw_tp >>"$BATS_FILE_TMPDIR/loaded"
	"$PW" down
	# no variant left: all or nothing, one line, nothing pinned
	run --separate-stderr env PINWATCH_TEST_FAIL_AT=load:exit__raw_tp PINWATCH_DENY_VARIANTS=tp_btf \
		"$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
	assert_one_line_error
	[[ $stderr == "pinwatch-load: process: load failed: "*exit__raw_tp* ]]
	[ ! -e "$PIN_ROOT" ]
}

# bats test_tags=vm-ci
@test "an LSM program that fails to attach hands enforce to the exec chain's tp stage with one notice" {
	has lsm || skip "no BPF LSM here (the 6.1 guest of make vmtest has it): the tp stage is what runs"
	run --separate-stderr env PINWATCH_TEST_FAIL_AT=attach:enforce__lsm "$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
	[ "$status" -eq 0 ]
	[ "$stderr" = "pinwatch-load: process: enforce: lsm failed to attach (Operation not supported); using tp (tail-call stage)" ]
	[[ $output == *"enforce: tp"* ]]
	[ "$(hook_variant process enforce)" = tp ]
	[ ! -e "$PIN_ROOT/process/link_enforce" ]
	[ ! -e "$PIN_ROOT/process/prog_enforce__lsm" ]
}

@test "every raw_tp program of bpf/*.bpf.c loads and attaches where tp_btf is denied" {
	# The hooks above are loaded here with their events compared; a
	# module's other raw_tp programs (iouring's and ns's compare their
	# events in their own files) are loaded now, tp_btf denied, and must
	# attach. A module with no hook on this kernel (exit 4: kmod without
	# loadable modules) is left out, saying so.
	local obj m prog missing=() absent=()
	for obj in "$PW_BUILD"/bpf/*.bpf.o; do
		m=${obj##*/} m=${m%.bpf.o}
		mapfile -t progs < <(readelf -sW "$obj" | awk '$4 == "FUNC" && $5 == "GLOBAL" && $8 ~ /__raw_tp$/ {print $8}')
		((${#progs[@]})) || continue
		for prog in "${progs[@]}"; do
			grep -qx "$m:$prog" "$BATS_FILE_TMPDIR/loaded" && continue
			"$PW" down >/dev/null 2>&1 || true
			run env PINWATCH_DENY_VARIANTS=tp_btf "$PW_LOAD" load "$obj"
			if ((status == 4)); then absent+=("$m"); break; fi
			[ "$status" -eq 0 ] || { echo "$m with tp_btf denied: $output"; return 1; }
			find "$PIN_ROOT/$m" -name 'prog_*' -printf "$m:%f\n" | sed 's/:prog_/:/' >>"$BATS_FILE_TMPDIR/loaded"
			break
		done
		for prog in "${progs[@]}"; do
			[[ " ${absent[*]} " == *" $m "* ]] && break
			grep -qx "$m:$prog" "$BATS_FILE_TMPDIR/loaded" || missing+=("$m:$prog")
		done
	done
	((${#absent[@]} == 0)) || echo "# no hook on this kernel: ${absent[*]}" >&3
	[ "${#missing[@]}" -eq 0 ] || { echo "raw_tp programs that did not load: ${missing[*]}"; return 1; }
}
