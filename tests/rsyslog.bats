#!/usr/bin/env bats
# pinwatch-read --syslog into Debian's rsyslog, as README's "Running on many
# hosts" sets it up: rsyslogd "host" takes the events on a socket of its own
# and forwards them over RELP with a disk-assisted queue to rsyslogd
# "central", which appends them to one JSON Lines file per host. Both run
# docs/rsyslog/*.conf (only paths and the port changed), on loopback, with
# their work directories under $BATS_FILE_TMPDIR: /dev/log and the system's
# rsyslog are not touched.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
load helpers/services
bats_require_minimum_version 1.5.0

pw_suite process

setup_file() {
	pw_setup_file process
	devlog_state >"$BATS_FILE_TMPDIR/devlog.before"
	if ! svc_install rsyslog rsyslog-relp; then
		echo "apt-get cannot install rsyslog rsyslog-relp: $(tail -n 1 "$BATS_FILE_TMPDIR/apt.log")" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	local d=$BATS_FILE_TMPDIR port
	port=$(free_port)
	mkdir -p "$d/host" "$d/central/log"
	# the documented files, pointed at the test's directories and port
	rs_config "$PW_HOME/docs/rsyslog/pinwatch-host.conf" "$d/host/30-pinwatch.conf" \
		"/run/pinwatch/syslog.sock" "$d/host/syslog.sock" \
		'target="central.example.org"' 'target="127.0.0.1"' \
		'port="2514"' "port=\"$port\""
	rs_config "$PW_HOME/docs/rsyslog/pinwatch-central.conf" "$d/central/30-pinwatch-central.conf" \
		'"/var/log/pinwatch/"' "\"$d/central/log/\"" \
		'port="2514"' "port=\"$port\""
	# stand-ins for Debian's /etc/rsyslog.conf, without the system socket;
	# rsyslog's own messages go to a file for the failure output
	cat >"$d/host/rsyslog.conf" <<-EOF
		global(workDirectory="$d/host" localHostName="pw-host-a")
		module(load="imuxsock" sysSock.use="off")
		include(file="$d/host/30-pinwatch.conf")
		*.* action(type="omfile" file="$d/host/rsyslog.log")
	EOF
	cat >"$d/central/rsyslog.conf" <<-EOF
		global(workDirectory="$d/central")
		include(file="$d/central/30-pinwatch-central.conf")
		*.* action(type="omfile" file="$d/central/rsyslog.log")
	EOF
	echo "$port" >"$d/port"
	rs_start central
	rs_start host
}

teardown_file() {
	svc_stop rsyslog-host
	svc_stop rsyslog-central
	pw_teardown_file
}

setup() {
	require_root
	[[ $BATS_TEST_DESCRIPTION == README* ]] || svc_require
	pw_drain
	SOCK=$BATS_FILE_TMPDIR/host/syslog.sock
	EVENTS=$BATS_FILE_TMPDIR/central/log/pw-host-a.jsonl
}

teardown() {
	if [[ -n ${READER:-} ]]; then
		kill "$READER" 2>/dev/null || true
		wait "$READER" 2>/dev/null || true
	fi
	# a failed test shows what rsyslog said
	cat "$BATS_FILE_TMPDIR"/*/rsyslog.log "$BATS_FILE_TMPDIR"/rsyslog-*.out 2>/dev/null | tail -n 20 >&2 || true
}

# What /dev/log is now: the tests must leave it as it was.
devlog_state() {
	stat -c '%F %i %Y' /dev/log 2>/dev/null || echo none
}

# Copies the documented config SRC to DST with each FROM replaced by TO;
# fails when a FROM is no longer in SRC (the test would not run the file
# README shows).
rs_config() { # src dst [from to]...
	local src=$1 dst=$2 text
	text=$(cat "$src")
	shift 2
	while (($#)); do
		[[ $text == *"$1"* ]] || { echo "rs_config: '$1' not in $src" >&2; return 1; }
		text=${text//"$1"/"$2"}
		shift 2
	done
	printf '%s\n' "$text" >"$dst"
}

# Starts rsyslogd NAME (host or central) in the foreground, in the
# background, and waits until it listens.
rs_start() { # name
	local d=$BATS_FILE_TMPDIR/$1
	rsyslogd -N1 -f "$d/rsyslog.conf" >"$d/check.out" 2>&1 || { cat "$d/check.out" >&2; return 1; }
	svc_start "rsyslog-$1" rsyslogd -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid"
	if [[ $1 == host ]]; then
		wait_until 10 test -S "$d/syslog.sock"
	else
		wait_until 10 port_listening "$(cat "$BATS_FILE_TMPDIR/port")"
	fi
}

# The central file's exec events of BIN (compact JSON, one a line).
central_execs() { # bin
	[[ -e $EVENTS ]] || return 0
	jq -c --arg f "$1" 'select(.type == "exec" and .filename == $f)' "$EVENTS"
}

# Waits up to ~SECONDS until the central file has N exec events of BIN,
# then a moment more for any duplicate.
wait_execs() { # seconds bin n
	wait_until "$1" has_execs "$2" "$3"
	sleep 1
}

has_execs() { # bin n
	[ "$(central_execs "$1" | wc -l)" -ge "$2" ]
}

# Asserts the central file holds exactly N exec events of BIN, N different
# ones, and that every line of it is one JSON object as pinwatch-read wrote it.
assert_execs_once() { # bin n
	local execs snap=$BATS_TEST_TMPDIR/central.jsonl
	# other events keep arriving: check one snapshot of the file
	cp "$EVENTS" "$snap"
	execs=$(EVENTS=$snap central_execs "$1")
	[ "$(wc -l <<<"$execs")" -eq "$2" ] || { echo "$(wc -l <<<"$execs") exec events of $1, want $2" >&2; return 1; }
	[ "$(jq -r .exec_id <<<"$execs" | sort -u | wc -l)" -eq "$2" ]
	[ "$(jq -c . "$snap" | wc -l)" -eq "$(wc -l <"$snap")" ]
	[ "$(grep -cv '^{"type":"' "$snap")" -eq 0 ]
}

@test "every exec of a burst reaches the central rsyslog once, as the JSON pinwatch-read sent" {
	bin=$(unique_binary)
	for _ in $(seq 1 200); do "$bin"; done
	run -0 --separate-stderr "$PW_READ" --drain --syslog --syslog-socket "$SOCK"
	wait_execs 30 "$bin" 200
	assert_execs_once "$bin" 200
}

@test "with the central rsyslog stopped during a burst, the host's queue holds every event and delivers each once" {
	"$PW_READ" --syslog --syslog-socket "$SOCK" 2>"$BATS_TEST_TMPDIR/reader.err" &
	READER=$!
	bin=$(unique_binary)
	for _ in $(seq 1 100); do "$bin"; done
	svc_stop rsyslog-central
	for _ in $(seq 1 100); do "$bin"; done
	# events wait in the host's queue while the central host is down
	sleep 2
	[ "$(central_execs "$bin" | wc -l)" -lt 200 ]
	rs_start central
	wait_execs 30 "$bin" 200
	assert_execs_once "$bin" 200
	# the reader never saw a refused message
	kill -0 "$READER"
	[ ! -s "$BATS_TEST_TMPDIR/reader.err" ]
}

@test "an exec with arguments up to PW_ARGS_MAX, each byte escaped by JSON, arrives whole (maxMessageSize)" {
	max=$("$PW_LOAD" abi | awk '$1 == "constants" && $2 == "PW_ARGS_MAX" {print $3}')
	[ "$max" -gt 0 ]
	# a control character is 6 bytes of JSON ("\u0001"): in the name
	# (filename and argv[0]) and in every argument, argv filling PW_ARGS_MAX
	c=$'\001'
	name=$(printf "$c%.0s" $(seq 1 200))
	bin=$BATS_TEST_TMPDIR/$name
	cp /bin/true "$bin"
	rest=$((max - ${#bin} - 1 - 2 - 1))
	a=$(head -c $((rest / 2)) /dev/zero | tr '\0' "$c")
	b=$(head -c $((rest - rest / 2)) /dev/zero | tr '\0' "$c")
	"$bin" "$a" "$b"
	run -0 --separate-stderr "$PW_READ" --drain --syslog --syslog-socket "$SOCK"
	# 90 s: the host's omrelp action may still be suspended from the last
	# test's stopped central (rsyslog retries after action.resumeInterval,
	# 30 s; seen on a loaded machine: the message came after 30 s)
	wait_execs 90 "$bin" 1
	assert_execs_once "$bin" 1
	ev=$(central_execs "$bin")
	assert_field "$ev" .args_truncated false
	jq -e --arg f "$bin" --arg a "$a" --arg b "$b" '.args == [$f, $a, $b]' <<<"$ev" >/dev/null
	# about 7.5 KiB: rsyslog's default maxMessageSize (8 KiB) has little room
	[ "${#ev}" -gt 7000 ]
}

@test "README shows docs/rsyslog/*.conf as they are" {
	for f in pinwatch-host.conf pinwatch-central.conf; do
		shown=$(awk -v m="<!-- docs/rsyslog/$f -->" '
			$0 == m { on = 1; next }
			on == 1 && /^```/ { on = 2; next }
			on == 2 && /^```/ { exit }
			on == 2 { print }' "$PW_HOME/README.md")
		[ -n "$shown" ] || { echo "README does not show $f" >&2; return 1; }
		diff <(printf '%s\n' "$shown") "$PW_HOME/docs/rsyslog/$f"
	done
}

@test "the system's /dev/log is as it was before the rsyslogd instances started" {
	[ "$(devlog_state)" = "$(cat "$BATS_FILE_TMPDIR/devlog.before")" ]
}
