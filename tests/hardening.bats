#!/usr/bin/env bats
# Tamper-proofing (issue 16): the tools that run as root over files a local
# user controls, and the sensor's state after crashes and faults. Each test
# performs the attack or the fault and shows it is refused or caught.

# shellcheck disable=SC2154 # status, output, lines and stderr come from bats' run
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	# every open on the machine is an event: a roomy ring keeps a busy
	# machine from crowding the tests' own events out
	pw_setup_file --ringbuf-size 64M process file
}

teardown_file() {
	pw_teardown_file
}

PINWATCH_LOCK_FILE=${PINWATCH_LOCK:-/run/pinwatch.lock}

setup() {
	require_root
	# a test may have taken the sensor (or part of it) down
	[[ -d $PIN_ROOT/process && -d $PIN_ROOT/file ]] ||
		"$PW" up --ringbuf-size 64M process file >/dev/null 2>&1 || true
	pw_drain
	bg_pids=()
	tmp_dirs=()
}

teardown() {
	local p k
	for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	for p in "${tmp_dirs[@]}"; do rm -rf -- "$p"; done
	if [[ -e $PIN_ROOT/maps/blocklist ]]; then
		while read -ra k; do
			bpftool map delete pinned "$PIN_ROOT/maps/blocklist" key "${k[@]}"
		done < <(bpftool -j map dump pinned "$PIN_ROOT/maps/blocklist" 2>/dev/null | jq -r '.[].key | join(" ")')
	fi
	return 0
}

# A busy loop with frame pointers, as the profile tests build it.
build_busy() { # out
	command -v gcc >/dev/null || skip "needs gcc to build the busy loop"
	pw_cc "$1" -O0 -fno-omit-frame-pointer "$BATS_TEST_DIRNAME/helpers/profile-target.c"
}

# ---- state and crashes ------------------------------------------------------

@test "a PINWATCH_PIN_ROOT without a '/' is refused with one line by the loader, the consumer and the scripts" {
	for root in pinwatch sys/fs/bpf/x /sys/fs/bpf/x/ /; do
		run --separate-stderr env PINWATCH_PIN_ROOT="$root" "$PW_LOAD" load "$PW_BUILD/bpf/process.bpf.o"
		[ "$status" -eq 2 ] || { echo "load, $root: status $status"; false; }
		assert_one_line_error
		[[ $stderr == *"PINWATCH_PIN_ROOT must be an absolute path"* ]]
		run --separate-stderr env PINWATCH_PIN_ROOT="$root" "$PW_READ" --drain
		[ "$status" -eq 2 ]
		assert_one_line_error
		for cmd in up down status; do
			run --separate-stderr env PINWATCH_PIN_ROOT="$root" "$PW" $cmd
			[ "$status" -eq 2 ] || { echo "$cmd, $root: status $status"; false; }
			assert_one_line_error
		done
	done
	run --separate-stderr "$PW_LOAD" --pin-root pinwatch unload process
	[ "$status" -eq 2 ]
	assert_one_line_error
	# nothing was touched
	[ -d "$PIN_ROOT/process" ]
}

@test "pinwatch down unloads everything when awk and basename are blocked (killed at exec)" {
	bin=$BATS_TEST_TMPDIR/bin
	mkdir "$bin"
	cp "$(readlink -f "$(command -v awk)")" "$bin/awk"
	cp "$(readlink -f "$(command -v basename)")" "$bin/basename"
	"$PW" block add "$bin/awk"
	"$PW" block add "$bin/basename"
	run "$bin/awk" 'BEGIN { print "ran" }'
	[ "$status" -ne 0 ] && [[ $output != *ran* ]]
	run "$bin/basename" /a/b
	[ "$status" -ne 0 ] && [[ $output != *b* ]]
	PATH=$bin:$PATH run -0 timeout 120 "$PW" down
	[ ! -e "$PIN_ROOT" ] || { find "$PIN_ROOT"; false; }
}

@test "block list says nothing enforces its entries and exits 1 while the process module is down" {
	bin=$(unique_binary)
	"$PW" block add "$bin"
	run -0 "$PW" block list
	"$PW" down process
	run --separate-stderr "$PW" block list
	[ "$status" -eq 1 ]
	assert_one_line_error
	[[ $stderr == *"process module is not loaded: nothing enforces these 1 entries"* ]]
	[[ $output == *"$bin"* ]]  # the entries are still printed
	run --separate-stderr "$PW" block list --json
	[ "$status" -eq 1 ]
	[ "$(jq -r '.[0].path' <<<"$output")" = "$bin" ]
	# and unblocked it runs
	"$bin"
	"$PW" up process
	run -0 "$PW" block list
	run "$bin"
	[ "$status" -ne 0 ]
}

# The consumer claims config.consumer_tgid by rewriting the whole config
# value, as `pinwatch config set` and `filter add` do over several bpftool
# calls: both under the one lock, or one of them loses its update.
@test "a consumer starting during a loop of filter add and config set never loses its claim nor a setting" {
	comm_bit=$((1 << $("$PW_LOAD" abi | awk '$1 == "filter_kinds" && $2 == "comm" { print $3 }')))
	for round in $(seq 1 20); do
		(
			"$PW" filter add comm "pwlock$round"
			for i in $(seq 1 6); do "$PW" config set block_slow_ns $((round * 100 + i)); done
		) &
		writer=$!
		# the consumer starts at a different point of the writer's
		# read-modify-writes each round (not a timed assertion)
		ms=$((RANDOM % 1500))
		sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
		"$PW_READ" --json >/dev/null &
		reader=$!
		bg_pids+=("$reader")
		wait "$writer"
		# its claim stands once it is running (lost: never there)
		for _ in $(seq 1 50); do
			[ "$("$PW" config get consumer_tgid)" -eq "$reader" ] && break
			sleep 0.1
		done
		[ "$("$PW" config get consumer_tgid)" -eq "$reader" ] || { echo "round $round: claim lost"; false; }
		[ "$("$PW" config get block_slow_ns)" -eq $((round * 100 + 6)) ] || { echo "round $round: setting lost"; false; }
		(($("$PW" config get filter_kinds) & comm_bit)) || { echo "round $round: filter_kinds lost the comm bit"; false; }
		"$PW" filter del comm "pwlock$round"
		kill -INT "$reader"
		wait "$reader" || true
		[ "$("$PW" config get consumer_tgid)" -eq 0 ]
	done
	"$PW" config set block_slow_ns 10000000
}

# A consumer killed with SIGKILL cannot clear consumer_tgid; a process that
# gets its pid must not be invisible. The pid reuse is simulated by naming
# another process in consumer_tgid, keeping the dead consumer's start time.
@test "consumer_tgid dies with the consumer: a process with its pid is reported, the consumer itself is not" {
	"$PW_READ" --json >/dev/null &
	reader=$!
	bg_pids+=("$reader")
	for _ in $(seq 1 50); do
		[ "$("$PW" config get consumer_tgid)" -eq "$reader" ] && break
		sleep 0.1
	done
	[ "$("$PW" config get consumer_tgid)" -eq "$reader" ]
	start=$("$PW" config get consumer_start)
	[ "$start" -eq "$(sed 's/.*) //' "/proc/$reader/stat" | cut -d' ' -f20)" ]
	kill -9 "$reader"
	wait "$reader" || true
	[ "$("$PW" config get consumer_tgid)" -eq "$reader" ]  # left behind
	# the process that "reuses" the pid: waits, then execs a unique binary
	bin=$(unique_binary)
	mkfifo "$BATS_TEST_TMPDIR/go"
	bash -c 'read -r _ <"$1"; exec "$2"' _ "$BATS_TEST_TMPDIR/go" "$bin" &
	q=$!
	"$PW" config set consumer_tgid "$q"
	echo go >"$BATS_TEST_TMPDIR/go"
	wait "$q"
	ev=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ] || { echo "the process with the dead consumer's pid was not reported"; false; }
	assert_field "$ev" .pid -eq "$q"
	# the control: with its own start time it is excluded, as a consumer is
	bin=$(unique_binary)
	bash -c 'read -r _ <"$1"; exec "$2"' _ "$BATS_TEST_TMPDIR/go" "$bin" &
	q=$!
	"$PW" config set consumer_tgid "$q"
	"$PW" config set consumer_start "$(sed 's/.*) //' "/proc/$q/stat" | cut -d' ' -f20)"
	echo go >"$BATS_TEST_TMPDIR/go"
	wait "$q"
	"$PW" config set consumer_tgid 0
	"$PW" config set consumer_start 0
	[ "$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' | wc -l)" -eq 0 ]
}

# The ids of the programs pinned under a directory.
prog_ids_under() { # dir
	local p
	for p in "$1"/prog_*; do
		[[ -e $p ]] && bpftool -j prog show pinned "$p" | jq -r '.id'
	done
	return 0
}

@test "a load killed between pinning and rename: status reports its staging directory, the next up removes it and attaches the module once" {
	"$PW" down signal 2>/dev/null || true
	run -137 env PINWATCH_TEST_FAIL_AT=kill_before_rename "$PW_LOAD" --pin-root "$PIN_ROOT" --lock "$PINWATCH_LOCK_FILE" load "$PW_BUILD/bpf/signal.bpf.o"
	stale=$(find "$PIN_ROOT" -maxdepth 1 -name '_staging_signal_*')
	[ -n "$stale" ]
	old_ids=$(prog_ids_under "$stale")
	[ -n "$old_ids" ]
	ls "$stale"/link_* >/dev/null  # its links are pinned, so attached
	run --separate-stderr "$PW" status
	[ "$status" -eq 1 ]
	[[ $output == *"problem: stale ${stale##*/}: left by a load or unload killed midway"* ]]
	run --separate-stderr "$PW" up signal
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"removed $stale: left by a load killed midway"* ]]
	[ -z "$(find "$PIN_ROOT" -maxdepth 1 -name '_staging_*')" ]
	# the stale programs are gone (freed after an RCU grace period): the
	# module is attached once, by signal/
	for id in $old_ids; do
		for _ in $(seq 1 100); do bpftool prog show id "$id" >/dev/null 2>&1 || break; sleep 0.1; done
		! bpftool prog show id "$id" >/dev/null 2>&1 || { echo "program $id of the stale staging still loaded"; false; }
	done
	run -0 "$PW" status
	"$PW" down signal
}

@test "an unload killed midway leaves _unloading_*: status reports it and down removes it" {
	"$PW" up signal >/dev/null
	run -137 env PINWATCH_TEST_FAIL_AT=kill_unloading "$PW_LOAD" --pin-root "$PIN_ROOT" --lock "$PINWATCH_LOCK_FILE" unload signal
	stale=$(find "$PIN_ROOT" -maxdepth 1 -name '_unloading_signal_*')
	[ -n "$stale" ]
	old_ids=$(prog_ids_under "$stale")
	run "$PW" status
	[ "$status" -eq 1 ]
	[[ $output == *"problem: stale ${stale##*/}"* ]]
	run --separate-stderr "$PW" down signal
	[ "$status" -ne 0 ]  # signal is not loaded any more
	[[ $stderr == *"removed $stale: left by an unload killed midway"* ]]
	[ -z "$(find "$PIN_ROOT" -maxdepth 1 -name '_unloading_*')" ]
	for id in $old_ids; do
		for _ in $(seq 1 100); do bpftool prog show id "$id" >/dev/null 2>&1 || break; sleep 0.1; done
		run ! bpftool prog show id "$id"
	done
	# with nothing else left, down alone removes it, and the pin root
	"$PW" up signal >/dev/null
	"$PW" down
	"$PW" up signal >/dev/null
	run -137 env PINWATCH_TEST_FAIL_AT=kill_unloading "$PW_LOAD" --pin-root "$PIN_ROOT" --lock "$PINWATCH_LOCK_FILE" unload signal
	run --separate-stderr "$PW" down
	[ "$status" -eq 0 ]
	[[ $stderr == *"left by an unload killed midway"* ]]
	[ ! -e "$PIN_ROOT" ]
}

# ---- tools that run as root over files a user controls ----------------------

@test "pinwatch-read --output refuses a symlink (and a FIFO) with one line and writes nothing" {
	echo keep >"$BATS_TEST_TMPDIR/target"
	chmod 0600 "$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$BATS_TEST_TMPDIR/events.jsonl"
	"$(unique_binary)"
	run --separate-stderr timeout 30 "$PW_READ" --drain --output "$BATS_TEST_TMPDIR/events.jsonl"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	assert_one_line_error
	[[ $stderr == *"symbolic link"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = keep ]
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	run --separate-stderr timeout 30 "$PW_READ" --drain --output "$BATS_TEST_TMPDIR/fifo"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	assert_one_line_error
}

# The attack: a user runs a binary of theirs, deletes it and puts a FIFO (or
# a symlink to a file of root's) where /proc/PID/maps says "NAME (deleted)",
# or where its name was: profile once opened /proc/PID/root<that> and hung
# in open(2) on the FIFO, or read the file the symlink named.
@test "profile symbolizes a user's deleted binary from the mapping, never opening the FIFO or symlink planted at its name" {
	# a directory nobody can reach and owns
	dir=$(mktemp -d "${TMPDIR:-/tmp}"/pwharden.XXXXXX)
	tmp_dirs+=("$dir")
	chmod 0755 "$dir"
	chown nobody "$dir"
	build_busy "$dir/pwbusy"
	chown nobody "$dir/pwbusy"
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$dir/pwbusy" &
	bg_pids+=("$!")
	pid=$!
	for _ in $(seq 1 100); do grep -q pwbusy "/proc/$pid/maps" 2>/dev/null && break; sleep 0.1; done
	rm "$dir/pwbusy"
	grep -q 'pwbusy (deleted)' "/proc/$pid/maps"
	as_nobody mkfifo "$dir/pwbusy (deleted)" "$dir/pwbusy"
	run --separate-stderr timeout 60 "$PW" profile --pid "$pid" --duration 2 --user-only
	[ "$status" -eq 0 ] || { echo "status $status (124: hung on the FIFO)"; false; }
	[[ $output == *pw_busy_spin* ]]  # read from the mapping itself
	# a symlink to a root-only FIFO with a writer waiting: opening it for
	# reading would let the writer finish
	rm "$dir/pwbusy (deleted)" "$dir/pwbusy"
	mkdir -m 0700 "$BATS_TEST_TMPDIR/rootonly"
	mkfifo -m 0600 "$BATS_TEST_TMPDIR/rootonly/secret"
	(echo secret >"$BATS_TEST_TMPDIR/rootonly/secret") &
	writer=$!
	bg_pids+=("$writer")
	ln -s "$BATS_TEST_TMPDIR/rootonly/secret" "$dir/pwbusy (deleted)"
	ln -s "$BATS_TEST_TMPDIR/rootonly/secret" "$dir/pwbusy"
	run --separate-stderr timeout 60 "$PW" profile --pid "$pid" --duration 2 --user-only
	[ "$status" -eq 0 ]
	[[ $output == *pw_busy_spin* ]]
	kill -0 "$writer"  # still waiting: nobody opened the FIFO
}

@test "memleak attaches to the libc the process maps, not to what a planted name points at" {
	command -v gcc >/dev/null || skip "needs gcc"
	dir=$BATS_TEST_TMPDIR/user
	mkdir "$dir"
	pw_cc "$dir/pwleaker" -O0 -fno-omit-frame-pointer "$BATS_TEST_DIRNAME/helpers/memleak-target.c"
	libc=$(ldd "$dir/pwleaker" | awk '$1 ~ /^libc\.so/ { print $3 }')
	[[ -f $libc ]] || skip "no libc.so found by ldd"
	cp "$libc" "$dir/${libc##*/}"
	LD_LIBRARY_PATH=$dir "$dir/pwleaker" &
	bg_pids+=("$!")
	pid=$!
	for _ in $(seq 1 100); do grep -q "$dir/${libc##*/}" "/proc/$pid/maps" 2>/dev/null && break; sleep 0.1; done
	grep -q "$dir/${libc##*/}" "/proc/$pid/maps"
	rm "$dir/${libc##*/}"
	mkfifo "$dir/${libc##*/} (deleted)" "$dir/${libc##*/}"
	run --separate-stderr timeout 60 "$PW" memleak --pid "$pid" --duration 2
	[ "$status" -eq 0 ] || { echo "status $status (124: hung on the FIFO): $stderr"; false; }
	[[ $stderr == *"tracing"*"allocator functions"* ]]
}

# A comm is the process's to choose (prctl PR_SET_NAME, /proc/self/comm):
# with a newline or a terminal escape in it, a raw text line would forge a
# second event line or repaint the terminal.
@test "text events escape a comm with a newline and a terminal escape: one line, no raw control byte" {
	f=$BATS_TEST_TMPDIR/pwcomm-$RANDOM$RANDOM
	python3 -c 'import ctypes, sys
ctypes.CDLL(None).prctl(15, b"x\x1b[2J\ny\\z", 0, 0, 0)  # PR_SET_NAME
open(sys.argv[1], "w")' "$f"
	"$PW_READ" --drain >"$BATS_TEST_TMPDIR/text"
	run -0 grep -aF -- " openat $f " "$BATS_TEST_TMPDIR/text"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *'x\x1b[2J\x0ay\x5cz'* ]] || { echo "got: ${lines[0]}" | od -c | head; false; }
	run ! env LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$BATS_TEST_TMPDIR/text"
}

@test "filetop escapes a comm with a newline and a terminal escape: one row, no raw control byte" {
	run --separate-stderr "$PW" filetop
	[ "$status" -ne 4 ] || skip "no file I/O accounting here (vfs_read/vfs_write need fexit or kprobes: the 6.1 guest has them)"
	f=$BATS_TEST_TMPDIR/pwtop-$RANDOM
	python3 -c 'import ctypes, sys
ctypes.CDLL(None).prctl(15, b"x\x1b[2J\ny\\z", 0, 0, 0)  # PR_SET_NAME
open(sys.argv[1], "w").write("data" * 1024)' "$f"
	"$PW" filetop --top "$(bpftool -j map show pinned "$PIN_ROOT/file/io_files" | jq .max_entries)" >"$BATS_TEST_TMPDIR/top"
	run -0 grep -aF -- "${f##*/}" "$BATS_TEST_TMPDIR/top"
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *'x\x1b[2J\x0ay\x5cz'* ]]
	run ! env LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$BATS_TEST_TMPDIR/top"
}

@test "profile escapes a comm and an ELF symbol name that carry ';', a newline and a terminal escape" {
	build_busy "$BATS_TEST_TMPDIR/pwbusy"
	# a symbol of the same length: pw_busy_spin -> pw;bus<ESC><LF>spin
	python3 - "$BATS_TEST_TMPDIR/pwbusy" <<-'EOF'
		import sys
		p = sys.argv[1]
		b = open(p, 'rb').read()
		assert b.count(b'pw_busy_spin\0') >= 1
		open(p, 'wb').write(b.replace(b'pw_busy_spin\0', b'pw;bus\x1b\nspin\0'))
	EOF
	# exec names the comm after the file: a name with ';', ESC and LF
	evil=$BATS_TEST_TMPDIR/$'e;v\033[2J\nx'
	mv "$BATS_TEST_TMPDIR/pwbusy" "$evil"
	"$evil" &
	bg_pids+=("$!")
	pid=$!
	for _ in $(seq 1 100); do grep -q 'J' "/proc/$pid/comm" 2>/dev/null && break; sleep 0.1; done
	run --separate-stderr timeout 60 "$PW" profile --pid "$pid" --duration 2 --user-only
	[ "$status" -eq 0 ]
	[[ $output == *'pw\x3bbus\x1b\x0aspin'* ]] || { echo "$output"; false; }
	[[ $output == 'e_v\x1b[2J\x0ax;'* ]]  # the comm: ';' as '_', as before
	while IFS= read -r line; do
		[[ $line =~ ^[^\;]+(\;[^\;]+)*\ [0-9]+$ ]] || { echo "not one folded line: $line"; false; }
	done <<<"$output"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/folded"
	run ! env LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]' "$BATS_TEST_TMPDIR/folded"
	run -0 --separate-stderr timeout 60 "$PW" profile --pid "$pid" --duration 2 --user-only --json
	jq -se 'map(select(any(.stack[]; startswith("pw;bus\u001b\nspin")))) | length > 0 and all(.stack_hex == null and .comm == "e;v\u001b[2J\nx")' <<<"$output" >/dev/null
}

@test "JSON tells a raw byte 0xe9 from the UTF-8 é: \\xNN in the string and the exact bytes in path_hex" {
	raw=$BATS_TEST_TMPDIR/X$'\xe9'vil
	utf=$BATS_TEST_TMPDIR/Xévil
	: >"$raw"
	: >"$utf"
	ev=$(pw_events | jq -c --arg d "$BATS_TEST_TMPDIR/X" 'select(.type == "open" and (.path | startswith($d)))')
	[ "$(jq -s length <<<"$ev")" -eq 2 ]
	# after jq the two paths differ
	[ "$(jq -r .path <<<"$ev" | sort -u | wc -l)" -eq 2 ]
	e_utf=$(jq -c --arg p "$utf" 'select(.path == $p)' <<<"$ev")
	e_raw=$(jq -c --arg p "$BATS_TEST_TMPDIR/X\\xe9vil" 'select(.path == $p)' <<<"$ev")
	[ -n "$e_utf" ] && [ -n "$e_raw" ]
	assert_field "$e_utf" .path_hex null
	assert_field "$e_raw" .path_hex "$(printf '%s' "$raw" | od -An -tx1 | tr -d ' \n')"
	# the hex is the name: it opens the file
	[ -e "$(jq -r .path_hex <<<"$e_raw" | xxd -r -p)" ]
}
