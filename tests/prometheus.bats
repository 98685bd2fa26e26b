#!/usr/bin/env bats
# pinwatch stats --prom --output DIR read by Debian's node_exporter (textfile
# collector) on a loopback port, as README's "Running on many hosts" sets it
# up, and checked by Debian's promtool. The system's node_exporter service is
# not touched.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
load helpers/services
bats_require_minimum_version 1.5.0

pw_suite process

setup_file() {
	pw_setup_file process
	if ! svc_install prometheus-node-exporter prometheus python3-yaml; then
		echo "apt-get cannot install prometheus-node-exporter prometheus python3-yaml: $(tail -n 1 "$BATS_FILE_TMPDIR/apt.log")" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	local port
	port=$(free_port)
	echo "$port" >"$BATS_FILE_TMPDIR/port"
	mkdir "$BATS_FILE_TMPDIR/textfile"
	# only the textfile collector: pinwatch's series and node_exporter's own
	svc_start node-exporter prometheus-node-exporter \
		--web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$BATS_FILE_TMPDIR/textfile"
	wait_until 10 port_listening "$port"
}

teardown_file() {
	svc_stop node-exporter
	pw_teardown_file
}

setup() {
	require_root
	svc_require
	pw_drain
	TEXTFILE=$BATS_FILE_TMPDIR/textfile
	URL=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")/metrics
}

teardown() {
	[[ -z ${BPF_STATS_WAS:-} ]] || sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
	tail -n 5 "$BATS_FILE_TMPDIR/node-exporter.out" >&2 2>/dev/null || true
}

# The value of the sample NAME{LABELS} (exactly as written) in a
# Prometheus text file.
sample() { # file name{labels}
	awk -v n="$2" '$1 == n { print $2 }' "$1"
}

# A and B are the same number (node_exporter writes 8388608 as 8.388608e+06).
same_number() { # a b
	[[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 == b + 0) }'
}

# A >= B, as numbers.
at_least() { # a b
	[[ -n $1 && -n $2 ]] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'
}

@test "node_exporter serves pinwatch's counters with the values stats --json gives" {
	bin=$(unique_binary)
	for _ in $(seq 1 20); do "$bin"; done
	# the counters only grow: the textfile's lie between two JSON readings
	"$PW" stats --json >"$BATS_TEST_TMPDIR/before.json"
	"$PW" stats --prom --output "$TEXTFILE"
	"$PW" stats --json >"$BATS_TEST_TMPDIR/after.json"
	curl -fsS "$URL" >"$BATS_TEST_TMPDIR/scrape"
	grep -q '^node_textfile_scrape_error 0$' "$BATS_TEST_TMPDIR/scrape"
	n=0
	for m in $(jq -r '.[].module' "$BATS_TEST_TMPDIR/after.json"); do
		for c in filtered emitted dropped; do
			name="pinwatch_events_total{module=\"$m\",outcome=\"$c\"}"
			file=$(sample "$TEXTFILE/pinwatch.prom" "$name")
			scraped=$(sample "$BATS_TEST_TMPDIR/scrape" "$name")
			lo=$(jq --arg m "$m" --arg c "$c" '.[] | select(.module == $m) | .[$c]' "$BATS_TEST_TMPDIR/before.json")
			hi=$(jq --arg m "$m" --arg c "$c" '.[] | select(.module == $m) | .[$c]' "$BATS_TEST_TMPDIR/after.json")
			[ -n "$file" ] || { echo "$name not in the textfile" >&2; return 1; }
			same_number "$scraped" "$file" || { echo "$name: scraped $scraped, textfile $file" >&2; return 1; }
			((lo <= file && file <= hi)) || { echo "$name: $file not within stats --json's $lo..$hi" >&2; return 1; }
			n=$((n + 1))
		done
	done
	[ "$n" -eq 3 ]
	# the run of 20 execs is in the counters node_exporter serves
	at_least "$(sample "$BATS_TEST_TMPDIR/scrape" 'pinwatch_events_total{module="process",outcome="emitted"}')" 20
}

@test "node_exporter serves the ring buffer gauges as the textfile has them" {
	"$PW" stats --prom --output "$TEXTFILE"
	curl -fsS "$URL" >"$BATS_TEST_TMPDIR/scrape"
	for name in pinwatch_ringbuf_size_bytes pinwatch_ringbuf_used_bytes pinwatch_bpf_stats_enabled; do
		file=$(sample "$TEXTFILE/pinwatch.prom" "$name")
		[ -n "$file" ] || { echo "$name not in the textfile" >&2; return 1; }
		same_number "$(sample "$BATS_TEST_TMPDIR/scrape" "$name")" "$file"
	done
	"$PW" stats --jsonl "$BATS_TEST_TMPDIR/h.jsonl"
	[ "$(sample "$TEXTFILE/pinwatch.prom" pinwatch_ringbuf_size_bytes)" -eq "$(jq .ringbuf.size_bytes "$BATS_TEST_TMPDIR/h.jsonl")" ]
	# HELP and TYPE reach the scrape too
	grep -q '^# TYPE pinwatch_events_total counter$' "$BATS_TEST_TMPDIR/scrape"
	grep -q '^# TYPE pinwatch_ringbuf_used_bytes gauge$' "$BATS_TEST_TMPDIR/scrape"
}

# The series README's "Stats" table documents: "name type" per row.
documented_series() {
	# shellcheck disable=SC2016 # the backquotes are README's
	sed -n '/^## Stats$/,/^## /p' "$PW_HOME/README.md" |
		sed -nE 's/^\| `(pinwatch_[a-z_]+)(\{[^}]*\})?` \| ([a-z]+) \|.*/\1 \3/p'
}

@test "node_exporter serves every series README documents, as typed there and with the textfile's values; nothing undocumented" {
	[ -w /proc/sys/kernel/bpf_stats_enabled ] || skip "kernel.bpf_stats_enabled is not writable here"
	# the program series are written while bpf_stats_enabled is 1
	BPF_STATS_WAS=$(cat /proc/sys/kernel/bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	# a consumer runs, so that its series have values of their own
	"$PW_READ" --json >/dev/null 2>&1 &
	reader=$!
	bin=$(unique_binary)
	# a rule that matches those execs: the rule families have samples
	PINWATCH_RULES_DIR=$BATS_TEST_TMPDIR/rules.d "$PW" rule add prom-canary --on exec --path "$bin" --severity critical
	for _ in $(seq 1 5); do "$bin"; done
	"$PW" stats --prom --output "$TEXTFILE"
	PINWATCH_RULES_DIR=$BATS_TEST_TMPDIR/rules.d "$PW" rule del prom-canary
	[ "$(sample "$TEXTFILE/pinwatch.prom" 'pinwatch_rule_hits_total{rule="prom-canary",severity="critical"}')" -eq 5 ]
	kill "$reader"
	wait "$reader" || true
	sysctl -qw kernel.bpf_stats_enabled="$BPF_STATS_WAS"
	curl -fsS "$URL" >"$BATS_TEST_TMPDIR/scrape"
	grep -q '^node_textfile_scrape_error 0$' "$BATS_TEST_TMPDIR/scrape"
	run -0 documented_series
	documented=$output
	[ "$(wc -l <<<"$documented")" -ge 16 ]
	while read -r name type; do
		grep -qx "# TYPE $name $type" "$BATS_TEST_TMPDIR/scrape" || { echo "scrape has no '# TYPE $name $type'" >&2; return 1; }
		n=0
		while read -r series value; do
			same_number "$(sample "$BATS_TEST_TMPDIR/scrape" "$series")" "$value" ||
				{ echo "$series: textfile $value, scraped $(sample "$BATS_TEST_TMPDIR/scrape" "$series")" >&2; return 1; }
			n=$((n + 1))
		done < <(awk -v n="$name" '$1 == n || index($1, n "{") == 1' "$TEXTFILE/pinwatch.prom")
		((n > 0)) || { echo "$name: no sample in the textfile" >&2; return 1; }
	done <<<"$documented"
	# and every family of the textfile is in README's table
	while read -r name; do
		grep -q "^$name " <<<"$documented" || { echo "not in README's table: $name" >&2; return 1; }
	done < <(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$TEXTFILE/pinwatch.prom")
}

@test "a new textfile is what the next scrape serves" {
	"$PW" stats --prom --output "$TEXTFILE"
	curl -fsS "$URL" >"$BATS_TEST_TMPDIR/first"
	bin=$(unique_binary)
	for _ in $(seq 1 5); do "$bin"; done
	"$PW" stats --prom --output "$TEXTFILE"
	curl -fsS "$URL" >"$BATS_TEST_TMPDIR/second"
	name='pinwatch_events_seen_total{module="process"}'
	same_number "$(sample "$BATS_TEST_TMPDIR/second" "$name")" "$(sample "$TEXTFILE/pinwatch.prom" "$name")"
	at_least "$(sample "$BATS_TEST_TMPDIR/second" "$name")" "$(awk -v a="$(sample "$BATS_TEST_TMPDIR/first" "$name")" 'BEGIN { print a + 5 }')"
}

@test "promtool check metrics accepts the textfile without a complaint" {
	"$PW" stats --prom --output "$TEXTFILE"
	run -0 promtool check metrics <"$TEXTFILE/pinwatch.prom"
	[ -z "$output" ]
}

@test "promtool accepts the shipped rules, their unit tests pass, and README shows them" {
	rules=$PW_HOME/scripts/prometheus/pinwatch.rules.yml
	run -0 promtool check rules "$rules"
	[[ $output == *"SUCCESS: "*" rules found"* ]]
	# every alert fires for the broken hosts only, after its for:, and resolves
	run -0 promtool test rules "$PW_HOME/tests/prometheus/pinwatch.rules.test.yml"
	[[ $output == *SUCCESS* ]]
	# each alert has a for:, a severity and a summary, and a unit test
	run -0 python3 -c '
import sys, yaml
rules = [r for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"]]
tests = yaml.safe_load(open(sys.argv[2]))["tests"]
tested = {t["alertname"] for c in tests for t in c.get("alert_rule_test", []) if t.get("exp_alerts")}
for r in rules:
    if "alert" not in r:
        continue
    assert "for" in r, r["alert"] + ": no for:"
    assert r.get("labels", {}).get("severity") in ("critical", "warning"), r["alert"] + ": no severity"
    assert r.get("annotations", {}).get("summary"), r["alert"] + ": no summary"
    assert r["alert"] in tested, r["alert"] + ": no unit test where it fires"
    print(r["alert"])
' "$rules" "$PW_HOME/tests/prometheus/pinwatch.rules.test.yml"
	alerts=$output
	[ "$(wc -l <<<"$alerts")" -ge 9 ]
	# README shows each recording rule's PromQL (| escaped in its table) and
	# lists each alert
	readme=$(sed 's/\\|/|/g' "$PW_HOME/README.md")
	while IFS= read -r expr; do
		grep -qF -- "$expr" <<<"$readme" || { echo "not in README: $expr" >&2; return 1; }
	done < <(awk '/- record:/ { getline; sub(/^ *expr: /, ""); print }' "$rules")
	while IFS= read -r alert; do
		grep -qF -- "| \`$alert\` |" <<<"$readme" || { echo "alert not in README: $alert" >&2; return 1; }
	done <<<"$alerts"
}
