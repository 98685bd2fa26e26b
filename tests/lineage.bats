#!/usr/bin/env bats
# Lineage: the snapshot of the running processes at load, `pinwatch ps`,
# and the parent and ancestors every event names, even when they exited
# before the consumer read the event.

# shellcheck disable=SC2154 # stderr: set by bats' run
# shellcheck disable=SC2030,SC2031 # PW_KILL: a test and its teardown share one subshell
load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

teardown() {
	local p
	for p in "${PW_KILL[@]}"; do kill "$p" 2>/dev/null || true; done
	"$PW" filter del comm bash >/dev/null 2>&1 || true
	"$PW" filter del comm sh >/dev/null 2>&1 || true
	[[ ! -e $PIN_ROOT/maps/config ]] || "$PW" config set ancestors 8 >/dev/null
}

PW_KILL=()

# The ps entry of PID as JSON ("" when there is none).
ps_entry() { # pid
	"$PW" ps --json | jq -c --argjson p "$1" 'select(.pid == $p)'
}

# The parent pid of PID as the kernel has it now.
kernel_ppid() { # pid
	awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$1/stat"
}

# Waits (up to 10 s) for FILE to hold a line; prints it.
wait_line() { # file
	for _ in $(seq 1 100); do
		[[ -s $1 ]] && { head -n 1 "$1"; return 0; }
		sleep 0.1
	done
	echo "nothing in $1" >&2
	return 1
}

# Each entry from PID up to the first one not in the cache: its pid is in
# the cache, its ppid is the kernel's, and its parent_exec_id is the exec_id
# of its parent's entry. Prints the depth checked.
assert_parent_chain() { # pid
	local pid=$1 ps entry parent n=0
	ps=$("$PW" ps --json)
	while :; do
		entry=$(jq -c --argjson p "$pid" 'select(.pid == $p)' <<<"$ps")
		[[ -n $entry ]] || break
		assert_field "$entry" .ppid -eq "$(kernel_ppid "$pid")"
		assert_field "$entry" .exec_id -gt 0
		parent=$(jq -c --argjson p "$(jq .ppid <<<"$entry")" 'select(.pid == $p)' <<<"$ps")
		[[ -n $parent ]] || break
		assert_field "$entry" .parent_exec_id -eq "$(jq .exec_id <<<"$parent")"
		pid=$(jq .ppid <<<"$entry")
		n=$((n + 1))
	done
	echo "$n"
}

@test "a process started before up is in ps with its real parent chain, and its next event has its exec_id" {
	local fifo=$BATS_TEST_TMPDIR/go out=$BATS_TEST_TMPDIR/pid bin
	pw_teardown
	mkfifo "$fifo"
	bin=$(unique_binary)
	# a shell that waits for the sensor, then forks and execs bin
	bash -c 'echo $$ >"$1"; read -r _ <"$2"; "$3"; sleep 600' _ "$out" "$fifo" "$bin" &
	PW_KILL+=($!)
	pre=$(wait_line "$out")
	run -0 "$PW" up process
	[[ $output == *"process: snapshot: "*" running processes recorded (task iterator)"* ]]
	entry=$(ps_entry "$pre")
	assert_field "$entry" .binary /usr/bin/bash
	assert_field "$entry" '.args[0:2] | join(" ")' "bash -c"
	assert_field "$entry" .args[3] _	# argv is cut at PW_LINEAGE_ARGS_MAX bytes
	assert_field "$entry" .uid -eq "$(id -u)"
	assert_field "$entry" .snapshot true
	assert_field "$entry" .container null
	assert_field "$entry" .ppid -eq "$BASHPID"
	# the shell, this test's shell and its parents up to pid 1 or so
	run -0 assert_parent_chain "$pre"
	[ "${lines[-1]}" -ge 2 ]

	pw_drain
	echo go >"$fifo"
	for _ in $(seq 1 50); do
		events=$(pw_events)
		fork=$(jq -c --argjson p "$pre" 'select(.type == "fork" and .pid == $p)' <<<"$events" | head -n 1)
		[[ -n $fork ]] && break
		sleep 0.1
	done
	assert_field "$fork" .exec_id -eq "$(jq .exec_id <<<"$entry")"
	assert_field "$fork" .exec_id -gt 0
	assert_field "$fork" .parent_exec_id -eq "$(jq .parent_exec_id <<<"$entry")"
	# the child it runs names it as its parent
	exec=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	assert_field "$exec" .parent_exec_id -eq "$(jq .exec_id <<<"$entry")"
	assert_field "$exec" .parent.pid -eq "$pre"
	assert_field "$exec" .parent.exec_id -eq "$(jq .exec_id <<<"$entry")"
	assert_field "$exec" .parent.filename /usr/bin/bash
	assert_field "$exec" '.parent.args[0:2] | join(" ")' "bash -c"
	assert_field "$exec" '.ancestors[0]' /usr/bin/bash	# this test's shell
}

@test "bash -> sh -> cat: parent and ancestors named after bash and sh exited, their own events filtered" {
	local cat sh bash
	cat=$(unique_binary pwcat$RANDOM)
	cp /bin/cat "$cat"
	# no exec event of bash or sh reaches the consumer: it names them
	# from the pinned map alone
	"$PW" filter add comm bash
	"$PW" filter add comm sh
	/bin/bash -c '/bin/sh -c "'"$cat"' /dev/null; true"; true'
	"$PW" filter del comm bash
	"$PW" filter del comm sh
	events=$(pw_events)
	ev=$(jq -c --arg f "$cat" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	[ -z "$(jq -c --arg f "$cat" 'select(.type == "exec" and (.filename == "/bin/bash" or .filename == "/bin/sh")
		and (.args | join(" ") | contains($f)))' <<<"$events")" ]
	# the binaries as the kernel resolved them (on a merged /usr, /bin/sh
	# is /usr/bin/dash): as the snapshot names this test's shell
	sh=$(realpath /bin/sh) bash=$(realpath /bin/bash)
	assert_field "$ev" .parent.filename "$sh"
	assert_field "$ev" '.parent.args | tojson' "$(jq -nc --arg c "$cat /dev/null; true" '["/bin/sh", "-c", $c]')"
	assert_field "$ev" .parent.pid -eq "$(jq .ppid <<<"$ev")"
	assert_field "$ev" .parent.exec_id -eq "$(jq .parent_exec_id <<<"$ev")"
	assert_field "$ev" .ancestors[0] "$bash"
	assert_field "$ev" .ancestors[1] /usr/bin/bash	# this test's shell, from the snapshot
	# every event of the process names them, its exit too
	exit_ev=$(jq -c --arg c "$(basename "$cat")" 'select(.type == "exit" and .comm == $c)' <<<"$events")
	assert_field "$exit_ev" .parent.filename "$sh"
	assert_field "$exit_ev" .ancestors[0] "$bash"
	# text: parent=BINARY
	/bin/sh -c "$cat /dev/null; true"
	run -0 "$PW_READ" --drain --type exec
	line=$(grep -F " $cat /dev/null " <<<"$output")
	[[ $line == *" parent=$sh" ]]
}

@test "config set ancestors N: as many binaries above the parent; beyond PW_ANCESTORS_MAX refused" {
	local max cat
	max=$("$PW_LOAD" abi | awk '$1 == "constants" && $2 == "PW_ANCESTORS_MAX" { print $3 }')
	[ "$max" -gt 0 ]
	run -0 "$PW" config get ancestors
	[ "$output" = 8 ]
	cat=$(unique_binary)
	"$PW" config set ancestors 1
	/bin/bash -c "/bin/sh -c '$cat; true'; true"
	ev=$(pw_events | jq -c --arg f "$cat" 'select(.type == "exec" and .filename == $f)')
	assert_field "$ev" '.ancestors | join(",")' "$(realpath /bin/bash)"
	"$PW" config set ancestors 0
	/bin/bash -c "/bin/sh -c '$cat; true'; true"
	ev=$(pw_events | jq -c --arg f "$cat" 'select(.type == "exec" and .filename == $f)')
	assert_field "$ev" '.ancestors | length' -eq 0
	assert_field "$ev" .parent.filename "$(realpath /bin/sh)"
	"$PW" config set ancestors "$max"
	for bad in $((max + 1)) -1 x 4294967296 ''; do
		before=$(pin_state)
		run --separate-stderr "$PW" config set ancestors "$bad"
		assert_one_line_error
		[ "$stderr" = "pinwatch: config: invalid value '$bad' for ancestors (a number from 0 to $max)" ]
		[ "$(pin_state)" = "$before" ]
	done
	run -0 "$PW" config get ancestors
	[ "$output" = "$max" ]
}

@test "ps --json: one object per process with every field; --tree: children after their parent, one level deeper" {
	local fifo=$BATS_TEST_TMPDIR/hold self=$BASHPID
	mkfifo "$fifo"
	# a subshell that forks without exec: its own ppid, its parent's image
	(read -r _ <"$fifo"; true) &
	sub=$!
	PW_KILL+=("$sub")
	for _ in $(seq 1 50); do [[ -n $(ps_entry "$sub") ]] && break; sleep 0.1; done
	run -0 "$PW" ps --json
	[ "${#lines[@]}" -ge 3 ]
	jq -se 'all(keys_unsorted == ["pid","ppid","exec_id","parent_exec_id","uid","binary","args",
		"args_truncated","container","start_time","snapshot"]
		and .container == null and (.start_time | test("^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")))' <<<"$output"
	entry=$(ps_entry "$sub")
	me=$(ps_entry "$self")
	assert_field "$entry" .ppid -eq "$self"
	assert_field "$entry" .exec_id -eq "$(jq .exec_id <<<"$me")"
	assert_field "$entry" .binary "$(jq -r .binary <<<"$me")"

	run -0 "$PW" ps --tree --json
	tree=$output
	depth_me=$(jq -s --argjson p "$self" '.[] | select(.pid == $p) | .depth' <<<"$tree")
	assert_field "$(jq -c --argjson p "$sub" 'select(.pid == $p)' <<<"$tree")" .depth -eq $((depth_me + 1))
	# the child comes after its parent
	[ "$(jq -s --argjson p "$sub" 'map(.pid) | index($p)' <<<"$tree")" -gt \
		"$(jq -s --argjson p "$self" 'map(.pid) | index($p)' <<<"$tree")" ]
	# text: a header, then the binary indented two spaces per level
	run -0 "$PW" ps --tree
	[[ ${lines[0]} == *PID*PPID*EXEC_ID*PARENT_EXEC_ID*UID*START*CONTAINER*BINARY* ]]
	me_line=$(printf '%s\n' "${lines[@]}" | awk -v p="$self" '$1 == p')
	sub_line=$(printf '%s\n' "${lines[@]}" | awk -v p="$sub" '$1 == p')
	[ "$(awk '{ print index($0, "/") }' <<<"$sub_line")" -eq $(($(awk '{ print index($0, "/") }' <<<"$me_line") + 2)) ]
	echo go >"$fifo"
}

@test "the snapshot runs once per process module load: not again for another module, again after down and up" {
	run -0 "$PW" up signal
	[[ $output != *snapshot* ]]
	# the oldest process the snapshot found
	old=$("$PW" ps --json | jq -sc 'map(select(.snapshot)) | min_by(.pid)')
	[ -n "$old" ]
	run -0 "$PW" down
	run -0 "$PW" up process
	[[ $output == *"process: snapshot: "* ]]
	# derived from the start time: the same exec_id as before
	assert_field "$(ps_entry "$(jq .pid <<<"$old")")" .exec_id -eq "$(jq .exec_id <<<"$old")"
}

@test "without the task iterator the snapshot reads /proc, says so, and freezes the maps after it" {
	pw_teardown
	sleep 600 &
	PW_KILL+=($!)
	run -0 env PINWATCH_DENY_VARIANTS=iter "$PW" up process
	[[ $output == *"process: snapshot: "*" running processes recorded (from /proc: this kernel has no BPF task iterator)"* ]]
	entry=$(ps_entry "$!")
	assert_field "$entry" .exec_id -gt 0
	assert_field "$entry" '.args | join(" ")' "sleep 600"
	assert_field "$entry" .binary /usr/bin/sleep
	assert_field "$entry" .ppid -eq "$BASHPID"
	self=$BASHPID
	assert_field "$entry" .parent_exec_id -eq "$(ps_entry "$self" | jq .exec_id)"
	for m in proc_cache proc_lineage; do
		bpftool map show pinned "$PIN_ROOT/maps/$m" | grep -qw frozen
	done
}

@test "ps without a loaded sensor, or without the process module: one line, non-zero" {
	pw_teardown
	run --separate-stderr "$PW" ps
	assert_one_line_error
	[ "$stderr" = "pinwatch: ps: sensor not loaded (run: pinwatch up)" ]
	"$PW" up signal >/dev/null
	run --separate-stderr "$PW" ps --json
	assert_one_line_error
	[ "$stderr" = "pinwatch-load: ps: the process module is not loaded (run: pinwatch up process)" ]
	run --separate-stderr "$PW" ps --forest
	[ "$status" -eq 2 ]
	assert_one_line_error
	pw_teardown
	"$PW" up process >/dev/null
}
