#!/usr/bin/env bats
# The net module: connect, accept, bind and listen with their endpoints, the
# TCP life cycle (connect latency, lifetime, bytes), retransmissions, the
# smoothed-RTT histograms and the cidr filter. Sessions run over loopback:
# a Perl listener (perl-base is on every Debian system) and the test shell
# itself as the client through bash's /dev/tcp.
# shellcheck disable=SC2154 # status, output and stderr come from bats' run

load helpers/common
bats_require_minimum_version 1.5.0

NETPL=$BATS_TEST_DIRNAME/helpers/net.pl
PAYLOAD=hello		# the client sends these 5 bytes
REPLY=worldwide		# and the server answers with these 9

pw_suite net

setup() {
	require_root
	command -v perl >/dev/null || skip "needs perl (perl-base) for the test listener"
	pw_drain
	EV=$BATS_TEST_TMPDIR/events.jsonl
	: >"$EV"
}

teardown() {
	"$PW" config set tcp_connlat_min_us 0 >/dev/null 2>&1 || true
}

# Appends queued events to $EV until the jq filter selects at least N of
# them. TCP teardown is reported asynchronously (softirq), hence the wait;
# fails after about 10 s.
collect() { # jq-filter n
	for _ in $(seq 1 100); do
		pw_events >>"$EV"
		[ "$(jq -c "$1" "$EV" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 events matching: $1" >&2
	return 1
}

# Events selected by a jq filter from what collect() gathered.
ev() { jq -c "$1" "$EV"; }

wait_file() {
	for _ in $(seq 1 200); do
		[[ -s $1 ]] && return 0
		sleep 0.05
	done
	return 1
}

# One TCP session to a fresh Perl listener on ADDR: the test shell connects,
# sends $PAYLOAD, reads $REPLY and closes. Sets PORT (the listener's) and
# SRV (the listener's pid). The client's fd is not 3: bats reports there.
tcp_session() { # inet|inet6 ADDR [noaddr]
	local portfile=$BATS_TEST_TMPDIR/port.$RANDOM answer
	perl "$NETPL" serve "$1" "$2" "$portfile" "${#PAYLOAD}" "$REPLY" ${3:+"$3"} &
	SRV=$!
	wait_file "$portfile"
	PORT=$(cat "$portfile")
	exec {CFD}<>"/dev/tcp/$2/$PORT"
	printf '%s' "$PAYLOAD" >&"$CFD"
	read -r -N "${#REPLY}" answer <&"$CFD"
	exec {CFD}>&-
	wait "$SRV"
	[ "$answer" = "$REPLY" ]
}

closes_of() { # port: the TCP_CLOSE transitions of a session's three sockets
	echo "select(.type == \"tcp_state\" and .new_state == \"CLOSE\" and (.sport == $1 or .dport == $1))"
}

# bats test_tags=vm-ci
@test "bind and listen of a 127.0.0.1 listener report its address, port, fd and ret 0" {
	tcp_session inet 127.0.0.1
	collect "$(closes_of "$PORT")" 3
	bind=$(ev "select(.type == \"bind\" and .pid == $SRV and .family == \"AF_INET\")")
	[ "$(jq -s length <<<"$bind")" -eq 1 ]
	assert_field "$bind" .saddr 127.0.0.1
	assert_field "$bind" .sport -eq "$PORT" # bound to port 0: the port chosen
	assert_field "$bind" .ret -eq 0
	assert_field "$bind" .protocol TCP
	assert_field "$bind" .daddr null
	fd=$(jq -r .fd <<<"$bind")
	[ "$fd" -ge 0 ]
	listen=$(ev "select(.type == \"listen\" and .pid == $SRV)")
	assert_field "$listen" .saddr 127.0.0.1
	assert_field "$listen" .sport -eq "$PORT"
	assert_field "$listen" .fd -eq "$fd"
	assert_field "$listen" .backlog -eq 8
	assert_field "$listen" .ret -eq 0
	assert_field "$listen" .comm perl
}

@test "bind reports the requested address as RFC 5952 text and a failure as -errno" {
	[ "$(perl "$NETPL" bind inet6 2001:db8:0:0:1:0:0:1 4242)" -eq 99 ] # EADDRNOTAVAIL
	[ "$(perl "$NETPL" bind inet6 ::ffff:10.1.2.3 4243)" -eq 99 ]
	collect 'select(.type == "bind" and (.sport == 4242 or .sport == 4243) and .comm == "perl")' 2
	b=$(ev 'select(.type == "bind" and .sport == 4242)')
	assert_field "$b" .saddr 2001:db8::1:0:0:1
	assert_field "$b" .family AF_INET6
	assert_field "$b" .ret -eq -99
	b=$(ev 'select(.type == "bind" and .sport == 4243)')
	assert_field "$b" .saddr ::ffff:10.1.2.3
	assert_field "$b" .ret -eq -99
}

@test "bind reports SO_REUSEADDR, SO_REUSEPORT and IP_FREEBIND (bindsnoop's options)" {
	[ "$(perl "$NETPL" bind inet 198.51.100.7 0 reuseaddr,reuseport,freebind)" -eq 0 ]
	[ "$(perl "$NETPL" bind inet 198.51.100.8 0)" -eq 99 ]
	collect 'select(.type == "bind" and (.saddr == "198.51.100.7" or .saddr == "198.51.100.8"))' 2
	[ "$(ev 'select(.type == "bind" and .saddr == "198.51.100.7") | .opts | sort | join(",")')" = '"IP_FREEBIND,SO_REUSEADDR,SO_REUSEPORT"' ]
	[ "$(ev 'select(.type == "bind" and .saddr == "198.51.100.7") | .ret')" -eq 0 ]
	[ "$(ev 'select(.type == "bind" and .saddr == "198.51.100.8") | .opts | length')" -eq 0 ]
}

@test "connect and accept over 127.0.0.1 report both endpoints, the fds and ret 0" {
	tcp_session inet 127.0.0.1
	collect "$(closes_of "$PORT")" 3
	conn=$(ev "select(.type == \"connect\" and .dport == $PORT)")
	[ "$(jq -s length <<<"$conn")" -eq 1 ]
	assert_field "$conn" .pid -eq "$BASHPID"
	assert_field "$conn" .family AF_INET
	assert_field "$conn" .daddr 127.0.0.1
	assert_field "$conn" .saddr 127.0.0.1
	assert_field "$conn" .ret -eq 0
	assert_field "$conn" .fd -ge 3 # bash connects on a fresh fd, then dup2s it
	cport=$(jq -r .sport <<<"$conn")
	[ "$cport" -gt 0 ]
	acc=$(ev "select(.type == \"accept\" and .sport == $PORT)")
	[ "$(jq -s length <<<"$acc")" -eq 1 ]
	assert_field "$acc" .pid -eq "$SRV"
	assert_field "$acc" .daddr 127.0.0.1
	assert_field "$acc" .dport -eq "$cport"
	assert_field "$acc" .saddr 127.0.0.1
	assert_field "$acc" .ret -gt "$(jq -r .fd <<<"$acc")" # the new fd
}

# bats test_tags=vm-ci
@test "tcp_state reports connect latency, then lifetime and bytes at close, on both ends" {
	tcp_session inet 127.0.0.1
	collect "$(closes_of "$PORT")" 3
	est=$(ev "select(.type == \"tcp_state\" and .old_state == \"SYN_SENT\" and .new_state == \"ESTABLISHED\" and .dport == $PORT)")
	[ "$(jq -s length <<<"$est")" -eq 1 ]
	assert_field "$est" .latency_ns -gt 0
	assert_field "$est" .pid -eq "$BASHPID"
	assert_field "$est" .pid_source socket
	cport=$(jq -r .sport <<<"$est")
	[ "$(ev "select(.type == \"tcp_state\" and .old_state == \"CLOSE\" and .new_state == \"SYN_SENT\" and .dport == $PORT)" | wc -l)" -eq 1 ]
	# the client's socket: what it sent and received, at close
	cli=$(ev "select(.type == \"tcp_state\" and .new_state == \"CLOSE\" and .dport == $PORT)")
	assert_field "$cli" .duration_ns -gt 0
	assert_field "$cli" .bytes_sent -ge "${#PAYLOAD}"
	assert_field "$cli" .bytes_received -ge "${#REPLY}"
	assert_field "$cli" .saddr 127.0.0.1
	assert_field "$cli" .sport -eq "$cport"
	assert_field "$cli" .pid -eq "$BASHPID"
	# the accepted socket: the mirror image, attributed to the listener's
	# process although its state changes ran in softirq
	srv=$(ev "select(.type == \"tcp_state\" and .new_state == \"CLOSE\" and .sport == $PORT and .dport == $cport)")
	assert_field "$srv" .duration_ns -gt 0
	assert_field "$srv" .bytes_received -ge "${#PAYLOAD}"
	assert_field "$srv" .bytes_sent -ge "${#REPLY}"
	assert_field "$srv" .pid -eq "$SRV"
	[ "$(ev "select(.type == \"tcp_state\" and .sport == $PORT and .dport == $cport and .pid != $SRV)" | wc -l)" -eq 0 ]
	[ "$(ev "select(.type == \"tcp_state\" and .old_state == \"LISTEN\" and .new_state == \"SYN_RECV\" and .sport == $PORT)" | wc -l)" -eq 1 ]
	# the listener's lifetime
	lst=$(ev "select(.type == \"tcp_state\" and .old_state == \"LISTEN\" and .new_state == \"CLOSE\" and .sport == $PORT)")
	assert_field "$lst" .duration_ns -gt 0
	assert_field "$lst" .daddr null
}

@test "a session over ::1 reports ::1 endpoints in every event type" {
	tcp_session inet6 ::1
	collect "$(closes_of "$PORT")" 3
	for t in bind listen connect accept tcp_state; do
		n=$(ev "select(.type == \"$t\" and .family == \"AF_INET6\" and (.sport == $PORT or .dport == $PORT))" | wc -l)
		[ "$n" -ge 1 ] || { echo "no $t event over ::1"; return 1; }
	done
	[ "$(ev "select(.family == \"AF_INET6\" and (.sport == $PORT or .dport == $PORT) and ((.saddr // \"::1\") != \"::1\" or (.daddr // \"::1\") != \"::1\"))" | wc -l)" -eq 0 ]
	conn=$(ev "select(.type == \"connect\" and .dport == $PORT)")
	assert_field "$conn" .daddr ::1
	assert_field "$conn" .ret -eq 0
	est=$(ev "select(.type == \"tcp_state\" and .new_state == \"ESTABLISHED\" and .dport == $PORT)")
	assert_field "$est" .latency_ns -gt 0
	cli=$(ev "select(.type == \"tcp_state\" and .new_state == \"CLOSE\" and .dport == $PORT)")
	assert_field "$cli" .bytes_sent -ge "${#PAYLOAD}"
	assert_field "$cli" .bytes_received -ge "${#REPLY}"
}

@test "accept with no sockaddr buffer reads the peer from the new socket" {
	case $(uname -m) in x86_64 | aarch64) ;; *) skip "accept4 syscall number unknown for $(uname -m)" ;; esac
	tcp_session inet 127.0.0.1 noaddr
	collect "$(closes_of "$PORT")" 3
	cport=$(ev "select(.type == \"connect\" and .dport == $PORT) | .sport")
	acc=$(ev "select(.type == \"accept\" and .sport == $PORT)")
	assert_field "$acc" .daddr 127.0.0.1
	assert_field "$acc" .dport -eq "$cport"
}

@test "connect to a closed port reports ret -111 and SYN_SENT -> CLOSE" {
	port=$(perl "$NETPL" freeport inet 127.0.0.1)
	run -1 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port"
	collect "select(.type == \"connect\" and .dport == $port)" 1
	conn=$(ev "select(.type == \"connect\" and .dport == $port)")
	assert_field "$conn" .ret -eq -111
	assert_field "$conn" .daddr 127.0.0.1
	collect "select(.type == \"tcp_state\" and .dport == $port and .new_state == \"CLOSE\")" 1
	cl=$(ev "select(.type == \"tcp_state\" and .dport == $port and .new_state == \"CLOSE\")")
	assert_field "$cl" .old_state SYN_SENT
	assert_field "$cl" .latency_ns -eq 0
}

@test "AF_UNIX bind, listen and connect report the socket path; abstract names start with @" {
	for path in "$BATS_TEST_TMPDIR/pw.sock" "@pinwatch-test-$$-$RANDOM"; do
		ready=$BATS_TEST_TMPDIR/ready.$RANDOM
		perl "$NETPL" serve-unix "$path" "$ready" 3 ok &
		srv=$!
		wait_file "$ready"
		perl "$NETPL" connect-unix "$path" abc 2 &
		cli=$!
		wait "$cli"
		wait "$srv"
		collect "select(.type == \"accept\" and .pid == $srv)" 1
		for t in bind listen; do
			e=$(ev "select(.type == \"$t\" and .pid == $srv)")
			[ "$(jq -r .family <<<"$e")" = AF_UNIX ] || { echo "$t: $e"; return 1; }
			[ "$(jq -r .path <<<"$e")" = "$path" ] || { echo "$t: $e"; return 1; }
			assert_field "$e" .ret -eq 0
		done
		conn=$(ev "select(.type == \"connect\" and .pid == $cli)")
		assert_field "$conn" .path "$path"
		assert_field "$conn" .sock_type SOCK_STREAM
		assert_field "$conn" .ret -eq 0
		assert_field "$conn" .saddr null
	done
}

# bats test_tags=vm-ci
@test "a retransmitted SYN is reported with its 4-tuple and state, and counted" {
	# a listener whose accept queue is full drops the second client's SYN;
	# the client retransmits it after the initial RTO (1 s)
	count() { bpftool -j map dump pinned "$PIN_ROOT/net/retrans_count" | jq '[.[0].formatted.values[].value] | add'; }
	before=$(count)
	portfile=$BATS_TEST_TMPDIR/port
	perl "$NETPL" overflow inet 127.0.0.1 "$portfile" 15 &
	pl=$!
	wait_file "$portfile"
	port=$(cat "$portfile")
	collect "select(.type == \"retransmit\" and .dport == $port)" 1 || { kill "$pl"; return 1; }
	kill "$pl"
	wait "$pl" || true
	re=$(ev "select(.type == \"retransmit\" and .dport == $port)" | head -n 1)
	assert_field "$re" .state SYN_SENT
	assert_field "$re" .daddr 127.0.0.1
	assert_field "$re" .saddr 127.0.0.1
	assert_field "$re" .sport -gt 0
	assert_field "$re" .pid -eq "$pl"
	[ "$(count)" -gt "$before" ]
}

# bats test_tags=vm-ci
@test "tcp_probe feeds the smoothed-RTT histograms, overall and per remote address" {
	total() { bpftool -j map dump pinned "$PIN_ROOT/net/hist_srtt" | jq '[.[0].formatted.values[].value.slots[]] | add'; }
	before=$(total)
	tcp_session inet 127.0.0.1
	[ "$(total)" -gt "$before" ]
	# 127.0.0.1 is keyed v4-mapped: ::ffff:127.0.0.1
	n=$(bpftool -j map dump pinned "$PIN_ROOT/net/srtt_raddr" |
		jq '[.[] | select(.formatted.key.addr == [0,0,0,0,0,0,0,0,0,0,255,255,127,0,0,1]) | .formatted.value.slots[]] | add')
	[ "$n" -gt 0 ]
}

# Two sessions (127.0.0.1, then ::1) with a cidr filter in place. Sets P4/P6.
sessions_with_cidr() { # filter add arguments
	"$PW" filter add cidr "$@"
	tcp_session inet 127.0.0.1
	P4=$PORT
	# the listener's close has no peer: never subject to cidr, always reported
	collect "select(.type == \"tcp_state\" and .old_state == \"LISTEN\" and .new_state == \"CLOSE\" and .sport == $P4)" 1
	tcp_session inet6 ::1
	P6=$PORT
	collect "select(.type == \"tcp_state\" and .old_state == \"LISTEN\" and .new_state == \"CLOSE\" and .sport == $P6)" 1
	"$PW" filter del cidr "$1"
}

# Events with a remote address of the session on port P.
peer_events() { # port
	ev "select((.type == \"connect\" and .dport == $1) or (.type == \"accept\" and .sport == $1) or (.type == \"tcp_state\" and .daddr != null and (.sport == $1 or .dport == $1)))" | wc -l
}

@test "cidr 127.0.0.0/8 drops the IPv4 loopback session and keeps ::1; ::1/128 the reverse" {
	sessions_with_cidr 127.0.0.0/8
	[ "$(peer_events "$P4")" -eq 0 ]
	[ "$(peer_events "$P6")" -ge 6 ]
	# bind and listen have no remote address: unaffected
	[ "$(ev "select((.type == \"bind\" or .type == \"listen\") and .sport == $P4)" | wc -l)" -eq 2 ]
	: >"$EV"
	sessions_with_cidr ::1/128
	[ "$(peer_events "$P4")" -ge 6 ]
	[ "$(peer_events "$P6")" -eq 0 ]
	[ "$(stat_of net filtered)" -gt 0 ]
}

@test "cidr --only keeps only matching remote addresses, both ways" {
	sessions_with_cidr 127.0.0.0/8 --only
	[ "$(peer_events "$P4")" -ge 6 ]
	[ "$(peer_events "$P6")" -eq 0 ]
	[ "$(ev "select((.type == \"bind\" or .type == \"listen\") and .sport == $P6)" | wc -l)" -eq 2 ]
	: >"$EV"
	sessions_with_cidr ::1/128 --only
	[ "$(peer_events "$P4")" -eq 0 ]
	[ "$(peer_events "$P6")" -ge 6 ]
	[ "$("$PW" config get only_kinds)" -eq 0 ]
}

@test "cidr filters are listed as prefixes in text and JSON, and del removes them" {
	"$PW" filter add cidr 10.0.0.0/8
	"$PW" filter add cidr fd00::/8 --only
	"$PW" filter add cidr 192.168.1.7
	run -0 "$PW" filter list cidr
	[ "$(sort <<<"$output")" = "$(printf '%s\n' 'cidr 10.0.0.0/8 drop' 'cidr 192.168.1.7/32 drop' 'cidr fd00::/8 only')" ]
	run "$PW" filter list --json
	[ "$(jq -c 'sort_by(.value)' <<<"$output")" = '[{"kind":"cidr","value":"10.0.0.0/8","mode":"drop"},{"kind":"cidr","value":"192.168.1.7/32","mode":"drop"},{"kind":"cidr","value":"fd00::/8","mode":"only"}]' ]
	[ "$("$PW" config get filter_kinds)" -eq 32 ]
	[ "$("$PW" config get only_kinds)" -eq 32 ]
	"$PW" filter del cidr 10.0.0.0/8
	"$PW" filter del cidr fd00::/8
	"$PW" filter del cidr 192.168.1.7/32
	[ "$("$PW" filter list --json)" = "[]" ]
	[ "$("$PW" config get filter_kinds)" -eq 0 ]
}

@test "bad cidr values fail with one stderr line and change nothing" {
	"$PW" filter add cidr 10.0.0.0/8
	before=$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/filter_cidr")
	for bad in 10.0.0.0/33 10.1.0.0/8 256.1.1.1 1.2.3 01.2.3.4/32 10.0.0.0/08 10.0.0.0/ /8 \
		fd00::/129 fd00::1/8 1::2::3 1:2:3:4:5:6:7:8:9 :1::/128 1::2: gg::/16 fe80::1%eth0 \
		'' ' ' 10.0.0.0/8/8 ::1.2.3 12345::/16; do
		run --separate-stderr "$PW" filter add cidr "$bad"
		assert_one_line_error || { echo "input '$bad'"; return 1; }
		[[ $stderr == *"invalid cidr"* ]] || { echo "input '$bad': $stderr"; return 1; }
	done
	run --separate-stderr "$PW" filter del cidr 172.16.0.0/12
	assert_one_line_error
	[ "$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/filter_cidr")" = "$before" ]
	"$PW" filter del cidr 10.0.0.0/8
}

@test "a pid filter drops the net events of that process" {
	"$PW" filter add pid "$BASHPID"
	tcp_session inet 127.0.0.1
	collect "select(.type == \"tcp_state\" and .old_state == \"LISTEN\" and .new_state == \"CLOSE\" and .sport == $PORT)" 1
	"$PW" filter del pid "$BASHPID"
	[ "$(ev "select(.pid == $BASHPID)" | wc -l)" -eq 0 ]
	[ "$(ev "select(.type == \"accept\" and .pid == $SRV)" | wc -l)" -eq 1 ]
}

@test "text output puts family, protocol, endpoints, fd and ret on one line" {
	tcp_session inet 127.0.0.1
	line=$("$PW_READ" --drain --type connect | grep -F "127.0.0.1:$PORT") || true
	[[ $line =~ connect.*\ AF_INET\ TCP\ 127\.0\.0\.1:[0-9]+\ \>\ 127\.0\.0\.1:$PORT\ fd=[0-9]+\ ret=0$ ]] || { echo "line: $line"; return 1; }
	[ "$(wc -l <<<"$line")" -eq 1 ]
}

@test "after a run, seen equals filtered plus emitted plus dropped" {
	"$PW" filter add comm perl
	tcp_session inet 127.0.0.1
	"$PW" filter del comm perl
	tcp_session inet 127.0.0.1
	run -0 stats_balance net
	assert_field "$output" .filtered -gt 0
	assert_field "$output" .emitted -gt 0
}

# Waits until no socket on PORT is left but in TIME-WAIT (whose socket has
# already been reported closed): the session's last state changes are done.
settled() { # port
	command -v ss >/dev/null || { sleep 1; return 0; }
	for _ in $(seq 1 50); do
		ss -Htan state all "( sport = :$1 or dport = :$1 )" | grep -qv TIME-WAIT || return 0
		sleep 0.1
	done
	return 1
}

# The events one session is (its bind, listen, connect, accept and state
# changes) are measured on the same session with the module on. Other
# processes' events add to filtered while the module is off, never to
# emitted.
@test "switching the module off counts its events as filtered" {
	"$PW" config set module.net off
	before=$("$PW" stats --json | jq -c '.[] | select(.module == "net")')
	tcp_session inet 127.0.0.1
	off_port=$PORT
	settled "$off_port"
	after=$("$PW" stats --json | jq -c '.[] | select(.module == "net")')
	"$PW" config set module.net on
	# the positive control: the same session, switched on, is reported
	tcp_session inet 127.0.0.1
	collect "$(closes_of "$PORT")" 3
	for t in bind listen connect accept; do
		[ "$(ev "select(.type == \"$t\" and (.sport == $PORT or .dport == $PORT))" | wc -l)" -eq 1 ] ||
			{ echo "no $t event for the session switched on"; return 1; }
	done
	session=$(ev "select(.sport == $PORT or .dport == $PORT)" | wc -l)
	echo "a session: $session events; off: $before -> $after"
	[ "$(jq -n --argjson a "$before" --argjson b "$after" '$b.filtered - $a.filtered')" -ge "$session" ]
	[ "$(jq -n --argjson a "$before" --argjson b "$after" '$b.emitted - $a.emitted')" -eq 0 ]
	[ "$(jq -n --argjson a "$before" --argjson b "$after" '$b.dropped - $a.dropped')" -eq 0 ]
	# and none of the session run while off (nor of its client's port,
	# unless the second session happened to reuse it)
	[ "$(ev "select((.sport == $off_port or .dport == $off_port) and .sport != $PORT and .dport != $PORT)" | wc -l)" -eq 0 ]
	run -0 stats_balance net
}

# tcpconnlat -m: config tcp_connlat_min_us. A loopback connect takes far
# less than a minute: with that minimum its SYN_SENT -> ESTABLISHED event is
# filtered (counted so), the session's other events stay; at 0 it is back.
@test "tcp_connlat_min_us filters the tcp_state events of faster connects, counted as filtered" {
	"$PW" config set tcp_connlat_min_us 60000000
	[ "$("$PW" config get tcp_connlat_min_us)" = 60000000 ]
	est_of='select(.type == "tcp_state" and .old_state == "SYN_SENT" and .new_state == "ESTABLISHED" and .dport == $p)'
	filtered0=$(stat_of net filtered)
	tcp_session inet 127.0.0.1
	slow_port=$PORT
	collect "$(closes_of "$slow_port")" 3
	filtered1=$(stat_of net filtered)
	"$PW" config set tcp_connlat_min_us 0
	[ "$(jq -c --argjson p "$slow_port" "$est_of" "$EV" | wc -l)" -eq 0 ]
	# the rest of that session is reported: its SYN and the accepted side
	[ "$(ev "select(.type == \"tcp_state\" and .old_state == \"CLOSE\" and .new_state == \"SYN_SENT\" and .dport == $slow_port)" | wc -l)" -eq 1 ]
	[ "$(ev "select(.type == \"tcp_state\" and .old_state == \"SYN_RECV\" and .new_state == \"ESTABLISHED\" and .sport == $slow_port)" | wc -l)" -eq 1 ]
	[ "$filtered1" -ge $((filtered0 + 1)) ]
	# the positive control: at 0, the same connect is an event
	tcp_session inet 127.0.0.1
	collect "$(closes_of "$PORT")" 3
	est=$(jq -c --argjson p "$PORT" "$est_of" "$EV")
	[ "$(wc -l <<<"$est")" -eq 1 ]
	assert_field "$est" .latency_ns -gt 0
	assert_field "$est" .latency_ns -lt 60000000000
	run -0 stats_balance net
}

@test "tcp_connlat_min_us takes a number of microseconds and refuses anything else" {
	before=$(pin_state)
	for bad in -1 abc 1.5 4294967296; do
		run --separate-stderr "$PW" config set tcp_connlat_min_us "$bad"
		assert_one_line_error
	done
	[ "$(pin_state)" = "$before" ]
	[ "$("$PW" config get tcp_connlat_min_us)" = 0 ]
}
