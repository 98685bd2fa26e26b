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
	old=$(awk '$1 == "pinwatch_events_seen_total{module=\"process\"}" {print $2}' "$BATS_TEST_TMPDIR/first.prom")
	new=$(awk '$1 == "pinwatch_events_seen_total{module=\"process\"}" {print $2}' "$dir/pinwatch.prom")
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

# The value of the sample NAME{LABELS} (exactly as written) in a textfile.
prom_value() { # file name{labels}
	awk -v n="$2" '$1 == n { print $2 }' "$1"
}

# A >= B, as numbers (Prometheus writes floats).
num_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# Hooks per loaded module, {module, hooks: [{hook, variant, ok}]}, as status
# --json gives them and as the stats snapshot (the textfile's source) has them.
status_hooks() {
	"$PW" status --json | jq -c '[.modules[] | {module: .name, hooks: ([.hooks[] | {hook, variant, ok}] | sort_by(.hook))}]'
}
stats_hooks() { # jsonl file
	"$PW" stats --jsonl "$1"
	tail -n 1 "$1" | jq -c '[.units[] | select(.loaded) | {module: .module, hooks: [.hooks[] | {hook, variant, ok: .attached}]}]'
}

# RFC 3339 time of an event -> Unix seconds with nanoseconds.
epoch_of() { date -d "$1" +%s.%N; }

@test "no family double counts: the outcomes add up to seen, loaded modules and attached hooks to what status lists" {
	bin=$(unique_binary)
	for _ in 1 2 3; do "$bin"; done
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	"$PW" stats --prom --output "$dir"
	f=$dir/pinwatch.prom
	valid_prom "$f"
	run ! grep -q 'outcome="seen"' "$f"
	# per module: filtered + emitted + dropped = seen (up to one event in
	# flight per CPU: the counters are per CPU and read one CPU at a time)
	n=0
	while read -r m seen; do
		sum=$(awk -v m="module=\"$m\"" 'index($1, "pinwatch_events_total{" m ",") == 1 { s += $2 } END { print s + 0 }' "$f")
		((seen >= sum && seen - sum <= $(nproc))) || { echo "$m: seen $seen, outcomes add up to $sum" >&2; return 1; }
		n=$((n + 1))
	done < <(sed -nE 's/^pinwatch_events_seen_total\{module="([^"]+)"\} ([0-9]+)$/\1 \2/p' "$f")
	[ "$n" -ge 1 ]
	# every family's samples: one per label set
	[ "$(grep -v '^#' "$f" | awk '{ print $1 }' | sort | uniq -d | wc -l)" -eq 0 ]
	# sum(pinwatch_module_loaded) and sum(pinwatch_hook_attached) are what
	# status counts
	st=$("$PW" status --json)
	[ "$(awk '/^pinwatch_module_loaded\{/ { s += $2 } END { print s }' "$f")" -eq "$(jq '.modules | length' <<<"$st")" ]
	[ "$(awk '/^pinwatch_hook_attached\{/ { s += $2 } END { print s }' "$f")" -eq "$(jq '[.modules[].hooks[] | select(.ok)] | length' <<<"$st")" ]
	[ "$(prom_value "$f" 'pinwatch_module_loaded{module="process"}')" -eq 1 ]
	# stats finds each hook as status does (its own pass, one bpftool call)
	want=$(status_hooks)
	[ "$(jq '.[0].hooks | length' <<<"$want")" -ge 4 ]
	[ "$(stats_hooks "$BATS_TEST_TMPDIR/h.jsonl")" = "$want" ]
	# a module built but not loaded is 0
	[ "$(prom_value "$f" 'pinwatch_module_loaded{module="signal"}')" -eq 0 ]
	[ "$(prom_value "$f" 'pinwatch_enabled')" -eq 1 ]
}

@test "consumer lag: the records in the ring and the age of the oldest, as pinwatch-read then delivers them" {
	# no consumer runs: setup drained the ring; 20 execs queue behind it
	bin=$(unique_binary)
	for _ in $(seq 1 20); do "$bin"; done
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	t0=$(date +%s.%N)
	"$PW" stats --prom --output "$dir"
	t1=$(date +%s.%N)
	f=$dir/pinwatch.prom
	valid_prom "$f"
	records=$(prom_value "$f" pinwatch_consumer_lag_records)
	lag=$(prom_value "$f" pinwatch_consumer_lag_seconds)
	"$PW_READ" --json --drain >"$BATS_TEST_TMPDIR/events"
	# at least our 20 execs; at most what the drain (a moment later) found
	execs=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' "$BATS_TEST_TMPDIR/events" | wc -l)
	[ "$execs" -eq 20 ]
	((records >= 20 && records <= $(wc -l <"$BATS_TEST_TMPDIR/events"))) ||
		{ echo "lag $records records; the drain delivered $(wc -l <"$BATS_TEST_TMPDIR/events")" >&2; return 1; }
	# the oldest unread record is the first one delivered: its age when
	# stats ran, within the 50 ms the clocks' conversion may be off by
	oldest=$(epoch_of "$(head -n 1 "$BATS_TEST_TMPDIR/events" | jq -r .time)")
	awk -v l="$lag" -v a="$t0" -v b="$t1" -v o="$oldest" 'BEGIN { exit !(l >= a - o - 0.05 && l <= b - o + 0.05) }' ||
		{ echo "lag ${lag}s; oldest event at $oldest, stats ran $t0..$t1" >&2; return 1; }
	# and once the consumer has written everything: nothing is behind
	pw_drain
	"$PW" stats --prom --output "$dir"
	((records > $(prom_value "$f" pinwatch_consumer_lag_records)))
}

@test "the consumer's record: up while it runs, its writes counted and stamped, down once it is gone (even by SIGKILL)" {
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	f=$dir/pinwatch.prom
	"$PW" stats --prom --output "$dir"
	[ "$(prom_value "$f" pinwatch_consumer_up)" -eq 0 ]
	before=$(prom_value "$f" pinwatch_consumer_written_events_total)
	stalled_before=$(prom_value "$f" 'pinwatch_consumer_dropped_events_total{cause="output_stalled"}')
	malformed_before=$(prom_value "$f" 'pinwatch_consumer_dropped_events_total{cause="malformed"}')
	t0=$(date +%s.%N)
	out=$BATS_TEST_TMPDIR/out
	"$PW_READ" --json --stats --stats-interval 0 >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	reader=$!
	up() { "$PW" stats --prom --output "$dir" && [ "$(prom_value "$f" pinwatch_consumer_up)" -eq 1 ]; }
	for _ in $(seq 1 50); do up && break; sleep 0.1; done
	up
	bin=$(unique_binary)
	for _ in 1 2 3 4 5; do "$bin"; done
	execs() { jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' "$out" | wc -l; }
	for _ in $(seq 1 50); do [ "$(execs)" -ge 5 ] && break; sleep 0.1; done
	[ "$(execs)" -eq 5 ]
	kill -TERM "$reader"
	wait "$reader"
	t1=$(date +%s.%N)
	"$PW" stats --prom --output "$dir"
	[ "$(prom_value "$f" pinwatch_consumer_up)" -eq 0 ]
	# exactly the lines and drops its summary line gives (drops too: on a
	# busy host the ring may be full of other processes' events)
	read -r delivered drops malformed < <(sed -nE 's/.*delivered ([0-9]+), .*consumer dropped ([0-9]+), malformed ([0-9]+).*/\1 \2 \3/p' "$BATS_TEST_TMPDIR/err")
	[ -n "$malformed" ]
	[ "$(prom_value "$f" pinwatch_consumer_written_events_total)" -eq $((before + delivered)) ]
	[ "$(prom_value "$f" 'pinwatch_consumer_dropped_events_total{cause="output_stalled"}')" -eq $((stalled_before + drops)) ]
	[ "$(prom_value "$f" 'pinwatch_consumer_dropped_events_total{cause="malformed"}')" -eq $((malformed_before + malformed)) ]
	last=$(prom_value "$f" pinwatch_consumer_last_write_timestamp_seconds)
	awk -v l="$last" -v a="$t0" -v b="$t1" 'BEGIN { exit !(l >= a && l <= b) }' ||
		{ echo "last write at $last, the consumer ran $t0..$t1" >&2; return 1; }
	# SIGKILL leaves config.consumer_tgid behind: a dead pid is down too
	"$PW_READ" --json >/dev/null 2>&1 &
	reader=$!
	for _ in $(seq 1 50); do up && break; sleep 0.1; done
	up
	kill -KILL "$reader"
	wait "$reader" || true
	[ "$("$PW" config get consumer_tgid)" -eq "$reader" ]
	"$PW" stats --prom --output "$dir"
	[ "$(prom_value "$f" pinwatch_consumer_up)" -eq 0 ]
	"$PW" config set consumer_tgid 0
}

# As reliability.bats's stalled reader: a 128 KiB ring, an output nobody
# reads; the consumer releases what it cannot write and says how many.
@test "the consumer's drops by cause are the ones it reports (output stalled)" {
	"$PW" down
	"$PW" up --ringbuf-size 128K process
	bin=$(unique_binary)
	errfile=$BATS_TEST_TMPDIR/err fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	# shellcheck disable=SC2217 # the open is the point: it never reads
	sleep 600 <"$fifo" &
	sleeper=$!
	"$PW_READ" --json --queue 16 --stats >"$fifo" 2>"$errfile" &
	reader=$!
	sleep 0.3
	for _ in $(seq 1 300); do "$bin"; done
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	f=$dir/pinwatch.prom
	# while it is stuck: behind, and its last write is no newer than before
	"$PW" stats --prom --output "$dir"
	valid_prom "$f"
	[ "$(prom_value "$f" pinwatch_consumer_up)" -eq 1 ]
	[ "$(prom_value "$f" pinwatch_consumer_lag_records)" -gt 0 ]
	kill "$sleeper"
	wait "$reader" || true
	drops=$(sed -nE 's/.*consumer dropped ([0-9]+),.*/\1/p' "$errfile")
	[ "$drops" -gt 0 ]
	"$PW" stats --prom --output "$dir"
	[ "$(prom_value "$f" 'pinwatch_consumer_dropped_events_total{cause="output_stalled"}')" -eq "$drops" ]
	[ "$(prom_value "$f" 'pinwatch_consumer_dropped_events_total{cause="malformed"}')" -eq 0 ]
	# bpftool reads the same record (pinned-layout.md)
	cause=$("$PW_LOAD" abi | awk '$1 == "consumer_drops" && $2 == "output_stalled" { print $3 }')
	[ "$(bpftool -j map lookup pinned "$PIN_ROOT/maps/consumer" key 0 0 0 0 | jq --argjson c "$cause" '(.formatted // .).value.dropped[$c]')" -eq "$drops" ]
	pw_fresh process
}

@test "a detached hook is pinwatch_hook_attached 0, its module still loaded; enabled off is pinwatch_enabled 0" {
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	f=$dir/pinwatch.prom
	rm "$PIN_ROOT/process/link_exit"
	"$PW" config set enabled off
	"$PW" stats --prom --output "$dir"
	"$PW" config set enabled on
	valid_prom "$f"
	# as status sees it: exit not ok
	want=$(status_hooks)
	jq -e '.[0].hooks[] | select(.hook == "exit") | .ok == false' <<<"$want"
	[ "$(stats_hooks "$BATS_TEST_TMPDIR/h.jsonl")" = "$want" ]
	[ "$(prom_value "$f" 'pinwatch_hook_attached{hook="exit",module="process"}')" -eq 0 ]
	[ "$(prom_value "$f" 'pinwatch_hook_attached{hook="exec",module="process"}')" -eq 1 ]
	[ "$(prom_value "$f" 'pinwatch_module_loaded{module="process"}')" -eq 1 ]
	[ "$(prom_value "$f" pinwatch_enabled)" -eq 0 ]
	pw_fresh process
	"$PW" stats --prom --output "$dir"
	[ "$(prom_value "$f" 'pinwatch_hook_attached{hook="exit",module="process"}')" -eq 1 ]
	[ "$(prom_value "$f" pinwatch_enabled)" -eq 1 ]
}

# A sensor pinned by a build from before maps/consumer: the consumer warns
# once and delivers, stats leaves the consumer's own series out.
@test "without maps/consumer the consumer warns once and delivers; --ring-usage says null and stats --prom stays valid" {
	rm "$PIN_ROOT/maps/consumer"
	bin=$(unique_binary)
	"$bin"
	run -0 --separate-stderr "$PW_READ" --json --drain
	echo "$stderr" >&2
	[ "$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$output" | wc -l)" -eq 1 ]
	[ "$(grep -c 'maps/consumer' <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"writes and drops are not published"* ]]
	run -0 "$PW_READ" --ring-usage
	jq -e '.consumer == null and .unread_records >= 0' <<<"$output"
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir "$dir"
	"$PW" stats --prom --output "$dir"
	valid_prom "$dir/pinwatch.prom"
	grep -q '^pinwatch_consumer_lag_records ' "$dir/pinwatch.prom"
	run ! grep -q '^pinwatch_consumer_written_events_total' "$dir/pinwatch.prom"
	pw_fresh process
	[ -e "$PIN_ROOT/maps/consumer" ]
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
