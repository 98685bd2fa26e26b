#!/usr/bin/env bats
# The uprobe module: generic probes on a function of a program compiled
# here (arguments, return value, latency, --pid), the presets (libc
# connect, bash readline, libc getaddrinfo), the latency histogram, list,
# status, filters, counting, and the pins of a probe.

# stderr and stderr_lines are set by bats' run --separate-stderr.
# shellcheck disable=SC2154

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file process
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/uprobe-target" -O1 -fno-omit-frame-pointer \
		"$BATS_TEST_DIRNAME/helpers/uprobe-target.c"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	TARGET=$BATS_FILE_TMPDIR/uprobe-target
	[[ -x $TARGET ]] || skip "needs gcc to build the target program"
	pw_drain
}

# Every probe goes at the end of each test.
teardown() {
	local d
	for d in "$PIN_ROOT"/uprobe/*/; do
		[[ -d $d ]] && "$PW" uprobe del "$(basename "$d")" >/dev/null
	done
	return 0
}

uprobe_events() { # probe name
	pw_events | jq -c --arg p "$1" 'select(.module == "uprobe" and .probe == $p)'
}

# bats test_tags=vm-ci
@test "a generic probe with --ret reports the six arguments, the return value and the latency" {
	run -0 "$PW" uprobe add work "$TARGET:pw_work" --ret
	"$TARGET" 3 >/dev/null &
	pid=$!
	wait "$pid"
	ev=$(uprobe_events work)
	[ "$(jq -s length <<<"$ev")" -eq 3 ]
	first=$(head -n 1 <<<"$ev")
	assert_field "$first" .type uprobe
	[ "$(jq -c .args <<<"$first")" = "[1,2,3,4,5,6]" ]
	assert_field "$first" .ret -eq 1021
	# each call sleeps 2 ms
	assert_field "$first" .latency_ns -ge 2000000
	assert_field "$first" .pid -eq "$pid"
	assert_field "$first" .comm uprobe-target
	[ "$(jq -s -c 'map(.ret)' <<<"$ev")" = "[1021,1022,1023]" ]
}

@test "a generic probe without --ret reports each call at entry, with no return value" {
	"$PW" uprobe add work "$TARGET:pw_work"
	"$TARGET" 2 >/dev/null
	ev=$(uprobe_events work)
	[ "$(jq -s length <<<"$ev")" -eq 2 ]
	[ "$(jq -s -c 'map(.args[5])' <<<"$ev")" = "[6,7]" ]
	[ "$(jq -s -c 'map(.ret, .latency_ns) | unique' <<<"$ev")" = "[null]" ]
}

@test "text output names the probe, the arguments and the result" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	"$TARGET" 1 >/dev/null
	run -0 "$PW_READ" --drain --type uprobe
	[[ $output == *"probe=work args=1,2,3,4,5,6 ret=1021 lat="* ]]
}

@test "--pid reports the calls of that process only" {
	"$TARGET" 2 stop >/dev/null &
	traced=$!
	# wait until it has stopped itself
	for _ in $(seq 1 100); do
		[[ $(awk '{print $3}' "/proc/$traced/stat" 2>/dev/null) == T ]] && break
		sleep 0.05
	done
	"$PW" uprobe add mine "$TARGET:pw_work" --ret --pid "$traced"
	"$TARGET" 2 >/dev/null
	kill -CONT "$traced"
	wait "$traced"
	ev=$(uprobe_events mine)
	[ "$(jq -s length <<<"$ev")" -eq 2 ]
	[ "$(jq -s -c 'map(.pid) | unique' <<<"$ev")" = "[$traced]" ]
}

@test "hist uprobe NAME counts every call in the log2 latency slots" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	"$TARGET" 5 >/dev/null
	run -0 "$PW" hist uprobe work --json
	assert_field "$output" .total -eq 5
	assert_field "$output" '[.slots[].count] | add' -eq 5
	# 2 ms and more: nothing below 2^20 ns
	assert_field "$output" '.slots | map(select(.count > 0)) | .[0].low' -ge 1048576
	run -0 "$PW" hist uprobe work
	[[ ${lines[0]} == "uprobe work: latency of 5 calls" ]]
	[[ $output == *nsecs*distribution* ]]
}

@test "hist of a probe without a return probe says there is no latency" {
	"$PW" uprobe add work "$TARGET:pw_work"
	run -0 "$PW" hist uprobe work
	[[ $output == *"no latency histogram"* ]]
}

@test "uprobe list shows name, target, preset, return probe, pid and hits" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	"$PW" uprobe add dns --preset getaddrinfo
	"$TARGET" 4 >/dev/null
	run -0 "$PW" uprobe list --json
	work=$(jq -c '.[] | select(.name == "work")' <<<"$output")
	assert_field "$work" .binary "$(readlink -f "$TARGET")"
	assert_field "$work" .symbol pw_work
	assert_field "$work" .preset generic
	assert_field "$work" .ret true
	assert_field "$work" .pid null
	assert_field "$work" .hits -eq 4
	assert_field "$output" '.[] | select(.name == "dns") | .preset' getaddrinfo
	run -0 "$PW" uprobe list
	[[ ${lines[0]} == NAME*TARGET*PRESET*RET*PID*HITS ]]
	[[ $output == *"work"*"pw_work"*"generic"*"yes"*"all"*"4"* ]]
}

@test "connect preset: bash /dev/tcp to a local listener gives address, port, socket and result" {
	portfile=$BATS_TEST_TMPDIR/port
	perl "$BATS_TEST_DIRNAME/helpers/net.pl" serve inet 127.0.0.1 "$portfile" 0 "" &
	server=$!
	for _ in $(seq 1 100); do [[ -s $portfile ]] && break; sleep 0.05; done
	port=$(cat "$portfile")
	"$PW" uprobe add conn --preset connect
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; exec 3>&-"
	wait "$server" || true
	ev=$(pw_events | jq -c --argjson p "$port" 'select(.type == "uprobe_connect" and .comm == "bash" and .dport == $p)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .probe conn
	assert_field "$ev" .family AF_INET
	assert_field "$ev" .daddr 127.0.0.1
	assert_field "$ev" .protocol TCP
	assert_field "$ev" .sock_type SOCK_STREAM
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .saddr 127.0.0.1
	assert_field "$ev" .sport -gt 0
	assert_field "$ev" .latency_ns -gt 0
	assert_field "$ev" .fd -ge 0
}

@test "connect preset: a refused connection returns -1" {
	port=$(perl "$BATS_TEST_DIRNAME/helpers/net.pl" freeport inet 127.0.0.1)
	"$PW" uprobe add conn --preset connect
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || true
	ev=$(pw_events | jq -c --argjson p "$port" 'select(.type == "uprobe_connect" and .dport == $p)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq -1
}

@test "readline preset: a command typed in an interactive bash is reported" {
	command -v script >/dev/null || skip "needs script(1) for a pty"
	"$PW" uprobe add rl --preset readline
	word=pwline$RANDOM$RANDOM
	printf 'echo %s\nexit\n' "$word" | timeout 20 script -qc 'bash --norc --noprofile -i' /dev/null >/dev/null
	ev=$(pw_events | jq -c 'select(.type == "uprobe_readline")')
	[ "$(jq -c --arg l "echo $word" 'select(.line == $l)' <<<"$ev" | wc -l)" -eq 1 ]
	[ "$(jq -r --arg l "echo $word" 'select(.line == $l) | .comm' <<<"$ev")" = bash ]
	[ "$(jq -r --arg l "echo $word" 'select(.line == $l) | .probe' <<<"$ev")" = rl ]
}

@test "getaddrinfo preset: getent ahosts localhost gives the host, the result and the latency" {
	"$PW" uprobe add dns --preset getaddrinfo
	getent ahosts localhost >/dev/null
	ev=$(pw_events | jq -c 'select(.type == "uprobe_getaddrinfo" and .comm == "getent")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .host localhost
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .latency_ns -gt 0
	assert_field "$ev" .probe dns
}

@test "getaddrinfo preset: a name that does not resolve reports EAI_NONAME" {
	"$PW" uprobe add dns --preset getaddrinfo
	getent ahosts pw-no-such-host.invalid >/dev/null || true
	ev=$(pw_events | jq -c 'select(.type == "uprobe_getaddrinfo" and .host == "pw-no-such-host.invalid")')
	[ "$(jq -s length <<<"$ev")" -ge 1 ]
	[ "$(jq -s -r '.[0].ret' <<<"$ev")" -lt 0 ]
}

@test "probe events honour the filters, and seen = filtered + emitted + dropped" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	"$PW" filter add comm uprobe-target
	"$TARGET" 3 >/dev/null
	"$PW" filter del comm uprobe-target
	[ "$(uprobe_events work | wc -l)" -eq 0 ]
	"$TARGET" 2 >/dev/null
	[ "$(uprobe_events work | wc -l)" -eq 2 ]
	run -0 stats_balance uprobe
	assert_field "$output" .filtered -ge 3
}

@test "module.uprobe off: calls are counted as filtered and not reported" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	before=$(stat_of uprobe filtered)
	"$PW" config set module.uprobe off
	"$TARGET" 2 >/dev/null
	"$PW" config set module.uprobe on
	[ "$(uprobe_events work | wc -l)" -eq 0 ]
	[ "$(stat_of uprobe filtered)" -ge $((before + 2)) ]
}

@test "a probe's pins are those pinned-layout.md documents, under uprobe/NAME/" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	"$PW" uprobe add conn --preset connect
	"$PW" uprobe add rl --preset readline
	documented=$(grep -o '/sys/fs/bpf/pinwatch/uprobe/[A-Za-z0-9_./]*' "$PW_HOME/pinned-layout.md" | sed 's:/$::' | sort -u)
	for name in work conn rl; do
		while read -r pin; do
			pin=${pin#"$PIN_ROOT"/uprobe/"$name"}
			grep -qxF "/sys/fs/bpf/pinwatch/uprobe/NAME$pin" <<<"$documented" ||
				{ echo "undocumented pin: uprobe/$name$pin"; return 1; }
		done < <(find "$PIN_ROOT/uprobe/$name" | sort)
	done
	[ -e "$PIN_ROOT/uprobe/work/link_entry" ]
	[ -e "$PIN_ROOT/uprobe/work/link_ret" ]
	[ -e "$PIN_ROOT/uprobe/work/hist_latency_ns" ]
	[ ! -e "$PIN_ROOT/uprobe/rl/link_entry" ]
}

@test "status shows each probe's hooks and reports a probe whose link is gone" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	run -0 "$PW" status --json
	assert_field "$output" '.modules[] | select(.name == "uprobe/work") | .hooks | map(.hook + ":" + .variant) | join(",")' "entry:generic,ret:generic"
	rm "$PIN_ROOT/uprobe/work/link_ret"
	run -1 "$PW" status
	[[ $output == *"uprobe/work: link_ret is missing"* ]]
}

@test "a second probe of the same name is refused and the first keeps working" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	run -3 --separate-stderr "$PW" uprobe add work "$TARGET:pw_work"
	[[ $stderr == *"uprobe work: already exists"* ]]
	"$TARGET" 1 >/dev/null
	[ "$(uprobe_events work | jq -r .ret)" -eq 1021 ]
}

@test "a probe that fails to attach leaves the pins as they were" {
	before=$(pin_state)
	run ! --separate-stderr env PINWATCH_TEST_FAIL_AT=attach "$PW" uprobe add work "$TARGET:pw_work" --ret
	[ "$(pin_state)" = "$before" ]
	[ ! -e "$PIN_ROOT/uprobe" ]
}

@test "del detaches a probe; the last one takes uprobe/ with it, and down removes every probe" {
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	"$PW" uprobe add dns --preset getaddrinfo
	"$PW" uprobe del work
	[ ! -e "$PIN_ROOT/uprobe/work" ]
	"$TARGET" 1 >/dev/null
	[ "$(uprobe_events work | wc -l)" -eq 0 ]
	"$PW" uprobe del dns
	[ ! -e "$PIN_ROOT/uprobe" ]
	[ -d "$PIN_ROOT/process" ]
	"$PW" uprobe add work "$TARGET:pw_work"
	"$PW" down
	[ ! -e "$PIN_ROOT" ]
	"$PW" up process >/dev/null
}

@test "a probe alone keeps the sensor up, and removing it removes the pin root" {
	"$PW" down
	"$PW" uprobe add work "$TARGET:pw_work" --ret
	[ -e "$PIN_ROOT/maps/events" ]
	"$TARGET" 1 >/dev/null
	[ "$(uprobe_events work | jq -r .ret)" -eq 1021 ]
	"$PW" uprobe del work
	[ ! -e "$PIN_ROOT" ]
	"$PW" up process >/dev/null
}
