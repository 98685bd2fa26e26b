#!/usr/bin/env bats
# pinwatch stats for cron and monitoring: the node_exporter textfile
# (--prom --output DIR) and the JSON Lines history (--jsonl FILE).

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

teardown() {
	if [[ -n ${BPF_STATS_WAS:-} ]]; then
		sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
	fi
	if [[ -n ${SMALL_FS:-} ]]; then
		umount "$SMALL_FS" 2>/dev/null || true
	fi
}

# Checks a Prometheus text file: ends with a newline, every sample line is
# well formed, and every family has HELP and TYPE before its samples.
valid_prom() { # file
	if [ ! -s "$1" ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		echo "empty, or no final newline: $1"
		return 1
	fi
	awk '
		/^# HELP / { help[$3] = 1; next }
		/^# TYPE / { if (!help[$3]) { print "TYPE before HELP: " $3; bad = 1 } type[$3] = $4; next }
		/^#/ { next }
		{
			if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+0-9.eE]+$/) { print "bad sample: " $0; bad = 1 }
			name = $0; sub(/[{ ].*/, "", name)
			if (!type[name]) { print "sample without TYPE: " $0; bad = 1 }
			if (type[name] == "counter" && name !~ /_total$/) { print "counter without _total: " name; bad = 1 }
		}
		END { exit bad }' "$1"
}

# "name{labels} value" -> value, for every sample line
prom_samples() { grep -v '^#' "$1"; }

# Mounts a tiny tmpfs at $SMALL_FS for the failed-write tests (teardown
# unmounts it).
small_fs() {
	SMALL_FS=$BATS_TEST_TMPDIR/small
	mkdir -p "$SMALL_FS"
	mount -t tmpfs -o size=64k,mode=0755 pinwatch-test "$SMALL_FS"
}

fill_fs() { # dir
	dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
}

@test "stats --prom --output writes a complete textfile-collector file, and counters only grow" {
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	cp "$dir/pinwatch.prom" "$BATS_TEST_TMPDIR/first.prom"
	bin=$(unique_binary)
	for _ in 1 2 3; do "$bin"; done
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	grep -qE '^pinwatch_events_total\{module="process",outcome="emitted"\} [0-9]+$' "$dir/pinwatch.prom"
	grep -qE '^pinwatch_ringbuf_size_bytes [0-9]+$' "$dir/pinwatch.prom"
	grep -qE '^pinwatch_ringbuf_used_bytes [0-9]+$' "$dir/pinwatch.prom"
	# every counter of the first file is present in the second and not smaller
	while read -r name value; do
		[[ ${name%%\{*} == *_total ]] || continue
		now=$(prom_samples "$dir/pinwatch.prom" | awk -v n="$name" '$1 == n {print $2}')
		[ -n "$now" ] || { echo "counter gone: $name"; return 1; }
		awk -v a="$value" -v b="$now" 'BEGIN { exit !(b >= a) }' || { echo "counter went down: $name $value -> $now"; return 1; }
	done < <(prom_samples "$BATS_TEST_TMPDIR/first.prom")
	old=$(awk '$1 == "pinwatch_events_total{module=\"process\",outcome=\"seen\"}" {print $2}' "$BATS_TEST_TMPDIR/first.prom")
	new=$(awk '$1 == "pinwatch_events_total{module=\"process\",outcome=\"seen\"}" {print $2}' "$dir/pinwatch.prom")
	[ "$new" -gt "$old" ]
	# no temporary file is left behind, and the collector can read the file
	[ "$(find "$dir" -mindepth 1 | wc -l)" -eq 1 ]
	[ "$(stat -c %a "$dir/pinwatch.prom")" = 644 ]
}

@test "stats --jsonl appends one complete JSON object per call, with growing counters" {
	file=$BATS_TEST_TMPDIR/history.jsonl
	"$PW" stats --jsonl "$file"
	bin=$(unique_binary)
	"$bin"
	"$PW" stats --jsonl "$file"
	[ "$(wc -l <"$file")" -eq 2 ]
	jq -e 'has("time") and has("modules") and (.ringbuf.size_bytes > 0) and has("programs")' "$file" >/dev/null
	[ "$(jq -r .time "$file" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$')" -eq 2 ]
	jq -se '(.[0].modules[] | select(.module == "process")) as $a
		| (.[1].modules[] | select(.module == "process")) as $b
		| $b.seen > $a.seen and $b.emitted >= $a.emitted and $b.dropped >= $a.dropped and $b.filtered >= $a.filtered' "$file" >/dev/null
}

@test "concurrent stats --jsonl runs never interleave a line" {
	file=$BATS_TEST_TMPDIR/concurrent.jsonl
	pids=()
	for _ in $(seq 1 8); do
		"$PW" stats --jsonl "$file" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(wc -l <"$file")" -eq 8 ]
	[ "$(jq -c . "$file" | wc -l)" -eq 8 ]
}

@test "per-program run count and time appear when kernel.bpf_stats_enabled is on" {
	[ -w /proc/sys/kernel/bpf_stats_enabled ] || skip "kernel.bpf_stats_enabled is not writable here"
	BPF_STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled)
	run "$PW" stats --prom
	if [ "$BPF_STATS_WAS" = 0 ]; then
		[[ $output == *"pinwatch_bpf_stats_enabled 0"* ]]
		[[ $output != *pinwatch_program_runs_total* ]]
	fi
	sysctl -qw kernel.bpf_stats_enabled=1
	bin=$(unique_binary)
	"$bin"
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	grep -q '^pinwatch_bpf_stats_enabled 1$' "$dir/pinwatch.prom"
	runs=$(awk '$1 == "pinwatch_program_runs_total{module=\"process\",program=\"exec__tp\"}" {print $2}' "$dir/pinwatch.prom")
	[ "$runs" -ge 1 ]
	grep -qE '^pinwatch_program_run_seconds_total\{module="process",program="exec__tp"\} [0-9.e+-]+$' "$dir/pinwatch.prom"
	"$PW" stats --jsonl "$BATS_TEST_TMPDIR/h.jsonl"
	jq -e '.bpf_stats_enabled and ([.programs[] | select(.program == "exec__tp" and .run_cnt >= 1 and .run_time_ns > 0)] | length == 1)' "$BATS_TEST_TMPDIR/h.jsonl" >/dev/null
}

@test "a failed textfile write (full filesystem) fails with one line and leaves the previous file intact" {
	small_fs
	dir=$SMALL_FS
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	before=$(cat "$dir/pinwatch.prom")
	fill_fs "$dir"
	"$(unique_binary)"
	run --separate-stderr "$PW" stats --prom --output "$dir"
	assert_one_line_error
	[[ $stderr == *"pinwatch.prom"* ]]
	[ "$(cat "$dir/pinwatch.prom")" = "$before" ]
	[ "$(find "$dir" -name '.pinwatch.prom.*' | wc -l)" -eq 0 ]
	# once there is room again, the next run replaces it
	rm "$dir/filler"
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	[ "$(cat "$dir/pinwatch.prom")" != "$before" ]
}

@test "a failed --jsonl append (full filesystem) leaves no partial line" {
	small_fs
	dir=$SMALL_FS
	file=$dir/history.jsonl
	"$PW" stats --jsonl "$file"
	fill_fs "$dir"
	# appends fit in the file's last page until it is full: go on until one fails
	failed=0
	for _ in $(seq 1 40); do
		before=$(cat "$file")
		run --separate-stderr "$PW" stats --jsonl "$file"
		if [ "$status" -ne 0 ]; then failed=1; break; fi
	done
	[ "$failed" -eq 1 ]
	assert_one_line_error
	[ "$(cat "$file")" = "$before" ]
	[ "$(jq -c . "$file" | wc -l)" -eq "$(wc -l <"$file")" ]
}

@test "stats rejects bad cron arguments with one line" {
	run --separate-stderr "$PW" stats --output "$BATS_TEST_TMPDIR"
	assert_one_line_error
	run --separate-stderr "$PW" stats --prom --output "$BATS_TEST_TMPDIR/nonexistent"
	assert_one_line_error
	run --separate-stderr "$PW" stats --jsonl
	assert_one_line_error
	run --separate-stderr "$PW" stats --jsonl "$BATS_TEST_TMPDIR"
	assert_one_line_error
}

# --output DIR as a local user would attack it: root writes there from cron.
@test "stats --prom --output refuses a directory a user owns or others can write, and one below such a directory" {
	dir=$BATS_TEST_TMPDIR/userdir
	mkdir "$dir"
	chown nobody "$dir"
	run --separate-stderr "$PW" stats --prom --output "$dir"
	assert_one_line_error
	[[ $stderr == *"owned by uid $(id -u nobody), not root"* ]]
	[ -z "$(ls -A "$dir")" ]
	# root's, but writable by others
	chown root "$dir"
	chmod 0777 "$dir"
	run --separate-stderr "$PW" stats --prom --output "$dir"
	assert_one_line_error
	[[ $stderr == *"writable by group or others"* ]]
	[ -z "$(ls -A "$dir")" ]
	# root's and 0755, but under a directory the user owns (who can swap it)
	chmod 0755 "$dir"
	chown nobody "$dir"
	mkdir "$dir/sub"
	run --separate-stderr "$PW" stats --prom --output "$dir/sub"
	assert_one_line_error
	[ -z "$(ls -A "$dir/sub")" ]
}

@test "stats --prom --output: a symlink the directory's owner planted is never written through" {
	dir=$BATS_TEST_TMPDIR/planted
	mkdir "$dir"
	echo secret >"$BATS_TEST_TMPDIR/target"
	chmod 0600 "$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$dir/pinwatch.prom"
	for i in $(seq 0 50); do ln -s "$BATS_TEST_TMPDIR/target" "$dir/.pinwatch.prom.plant$i"; done
	chown -h nobody "$dir" "$dir"/* "$dir"/.pinwatch.prom.*
	run --separate-stderr "$PW" stats --prom --output "$dir"
	assert_one_line_error
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = secret ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/target")" = 600 ]
	# a symlink to a safe directory is that directory
	mkdir "$BATS_TEST_TMPDIR/safe"
	ln -s "$BATS_TEST_TMPDIR/safe" "$BATS_TEST_TMPDIR/link"
	"$PW" stats --prom --output "$BATS_TEST_TMPDIR/link"
	valid_prom "$BATS_TEST_TMPDIR/safe/pinwatch.prom"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/safe/pinwatch.prom")" = 644 ]
}

@test "stats --prom --output: a directory named with ' and \$(...) is a name, never code, on success and on a failed write" {
	small_fs
	cd "$BATS_TEST_TMPDIR"
	dir="$SMALL_FS/a'\$(touch pwned)'b"
	mkdir "$dir"
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	# a failed write runs the clean-up trap, which once parsed the name
	fill_fs "$SMALL_FS"
	run --separate-stderr "$PW" stats --prom --output "$dir"
	assert_one_line_error
	[ ! -e "$BATS_TEST_TMPDIR/pwned" ]
	[ "$(find "$dir" -name '.pinwatch.prom.*' | wc -l)" -eq 0 ]
}

@test "stats --jsonl refuses a symlink" {
	echo keep >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$BATS_TEST_TMPDIR/h.jsonl"
	run --separate-stderr "$PW" stats --jsonl "$BATS_TEST_TMPDIR/h.jsonl"
	assert_one_line_error
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = keep ]
}
