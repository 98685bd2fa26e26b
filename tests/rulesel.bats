#!/usr/bin/env bats
# Rules on every event type a detection needs, with the selectors of each
# (loader/rule.c's selector table; `pinwatch-rule selectors` prints it).
# Every test performs an act a rule matches and one it does not, and
# asserts on the alert's rule, severity and tags. The modules run switched
# off: the ring holds only alerts (and every module's rules-only path is
# what is tested). Bad input: one line, non-zero, the rule maps unchanged.
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
# The default pack (scripts/rules/default) rightly alerts on this file's acts: selector tests write authorized_keys, exec from memfds, run reverse shells.
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
load helpers/rules
bats_require_minimum_version 1.5.0

MODS=(process file net attr cred ptrace ns bpf capability mount signal iouring syscall)

setup_file() {
	export PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_setup_file --ringbuf-size 64M "${MODS[@]}"
	for m in "${MODS[@]}"; do "$PW" config set "module.$m" off >/dev/null; done
	# the v2 hierarchy (hybrid hosts mount it at /sys/fs/cgroup/unified)
	CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	export CGROOT=$CG2/pinwatch-rulesel-$$
	export HELPERS=$BATS_FILE_TMPDIR
}

teardown_file() {
	[[ -z ${CGROOT:-} || ! -d $CGROOT ]] || find "$CGROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
	pw_teardown_file
}

setup() { rules_setup; }

teardown() { rules_del_all; }

count() { jq -c "$1" "$EV" | wc -l; }

# The one alert matching filter: rule, severity and tags as given.
assert_alert() { # jq-filter rule severity tags
	local e
	e=$(ev "$1")
	[ "$(jq -s length <<<"$e")" -eq 1 ] || { echo "not one alert matching $1: $e" >&2; return 1; }
	assert_field "$e" .rule "$2"
	assert_field "$e" .severity "$3"
	assert_field "$e" '.tags | join(",")' "$4"
}

# A copy of a program under a name of its own (its comm); python3 may be
# a wrapper script: its interpreter is copied.
named() { # program name
	local src
	src=$(command -v "$1")
	[[ $1 != python3 ]] || src=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
	cp "$src" "$BATS_TEST_TMPDIR/$2"
	echo "$BATS_TEST_TMPDIR/$2"
}

helper() { # source name
	command -v gcc >/dev/null || skip "needs gcc to build $1"
	[[ -x $HELPERS/$2 ]] || pw_cc "$HELPERS/$2" -O1 -Wall -Wextra -Werror "$BATS_TEST_DIRNAME/helpers/$1"
	echo "$HELPERS/$2"
}

@test "rename: a name under the prefix, old or new, is an alert; a rename elsewhere is not" {
	d=$BATS_TEST_TMPDIR/watched o=$BATS_TEST_TMPDIR/other
	mkdir -p "$d" "$o"
	: >"$o/a"
	: >"$o/x"
	"$PW" rule add rn-watched --on rename --path-prefix "$d" --severity high --tags T1036.005
	mv "$o/x" "$o/y"
	mv "$o/a" "$d/a"
	mv "$d/a" "$o/b"
	collect_alerts 'select(.type == "rename")' 2
	assert_alert "select(.path == \"$o/a\")" rn-watched high T1036.005
	assert_alert "select(.path == \"$d/a\")" rn-watched high T1036.005
	[ "$(count "select(.path == \"$o/x\")")" -eq 0 ]
}

@test "memfd: --path /memfd:NAME matches that name only" {
	"$PW" rule add mfd --on memfd --path /memfd:pwevil --severity critical --tags T1620
	python3 -c 'import os; os.memfd_create("pwfine"); os.memfd_create("pwevil")'
	collect_alerts 'select(.type == "memfd")' 1
	assert_alert 'select(.type == "memfd" and .name == "pwevil")' mfd critical T1620
	[ "$(count 'select(.name == "pwfine")')" -eq 0 ]
}

@test "chmod --mode setuid,setgid: setting the bit is an alert, a plain chmod is not; chown and utimes by path" {
	d=$BATS_TEST_TMPDIR/bin
	mkdir -p "$d"
	: >"$d/f"
	: >"$BATS_TEST_TMPDIR/elsewhere"
	"$PW" rule add suid --on chmod --mode setuid,setgid --path-prefix "$d" --severity high --tags T1548.001
	"$PW" rule add own --on chown --path "$d/f" --severity low
	"$PW" rule add stomp --on utimes --path-prefix "$d" --tags T1070.006
	chmod 0755 "$d/f"
	chmod u+s "$d/f"
	chown 65534 "$BATS_TEST_TMPDIR/elsewhere"
	chown 65534 "$d/f"
	# by path (touch(1) sets the times through its fd: no path to match)
	python3 -c 'import os, sys; [os.utime(f, (978307200, 978307200)) for f in sys.argv[1:]]' \
		"$BATS_TEST_TMPDIR/elsewhere" "$d/f"
	collect_alerts 'select(.type == "utimes")' 1
	assert_alert 'select(.type == "chmod")' suid high T1548.001
	assert_field "$(ev 'select(.type == "chmod")')" .mode 4755
	assert_alert 'select(.type == "chown")' own low ""
	assert_field "$(ev 'select(.type == "chown")')" .path "$d/f"
	assert_alert 'select(.type == "utimes")' stomp medium T1070.006
	assert_field "$(ev 'select(.type == "utimes")')" .path "$d/f"
}

@test "xattr --xattr-name security.capability: that attribute is an alert, a user.* one is not" {
	f=$BATS_TEST_TMPDIR/capfile
	: >"$f"
	"$PW" rule add filecap --on xattr --xattr-name security.capability --severity high --tags T1548
	python3 -c '
import os, sys
os.setxattr(sys.argv[1], "user.pwrsel", b"1")
try:
    os.setxattr(sys.argv[1], "security.capability", b"\x01\x00\x00\x02" + b"\x00" * 16)
except OSError:
    pass' "$f"
	collect_alerts 'select(.type == "xattr")' 1
	assert_alert 'select(.type == "xattr" and .name == "security.capability")' filecap high T1548
	[ "$(count 'select(.name == "user.pwrsel")')" -eq 0 ]
}

@test "bind, listen: the local port; accept: the peer's address (--cidr)" {
	"$PW" rule add lport --on bind,listen --port 47123 --severity medium --tags T1571
	"$PW" rule add peer --on accept --cidr 127.0.0.2/32 --severity high
	python3 -c '
import socket
o = socket.socket(); o.bind(("127.0.0.1", 47124)); o.listen(1)
s = socket.socket(); s.bind(("127.0.0.1", 47123)); s.listen(2)
for src in ("127.0.0.1", "127.0.0.2"):
    c = socket.socket(); c.bind((src, 0)); c.connect(("127.0.0.1", 47123))
    a, _ = s.accept(); a.close(); c.close()'
	collect_alerts 'select(.type == "accept")' 1
	assert_alert 'select(.type == "bind")' lport medium T1571
	assert_alert 'select(.type == "listen")' lport medium T1571
	assert_alert 'select(.type == "accept")' peer high ""
	assert_field "$(ev 'select(.type == "accept")')" .daddr 127.0.0.2
	[ "$(count 'select(.sport == 47124)')" -eq 0 ]
}

@test "cred --to-uid 0: a change back to root is an alert, a change away from it is not" {
	"$PW" rule add to-root --on cred --to-uid 0 --comm pwseteuid --severity critical --tags T1548
	bin=$(named python3 pwseteuid)
	"$bin" -c 'import os; os.seteuid(65534); os.seteuid(0)'
	collect_alerts 'select(.type == "cred")' 1
	assert_alert 'select(.type == "cred")' to-root critical T1548
	assert_field "$(ev 'select(.type == "cred")')" .new_euid -eq 0
	assert_field "$(ev 'select(.type == "cred")')" .old_euid -eq 65534
}

@test "ptrace --ptrace-req attach,process_vm_writev: those are alerts, TRACEME is not" {
	h=$(helper ptrace-helper.c pwptrace)
	# --comm: the helper's calls only (an ASan build's LeakSanitizer attaches
	# to its own process with ptrace at exit)
	"$PW" rule add inject --on ptrace --ptrace-req attach,process_vm_writev --comm pwptrace --severity high --tags T1055.008
	"$h" traceme >/dev/null
	"$h" poke >/dev/null
	"$h" vm >/dev/null
	collect_alerts 'select(.type == "ptrace")' 2
	assert_alert 'select(.type == "ptrace" and .request == "ATTACH")' inject high T1055.008
	assert_alert 'select(.type == "ptrace" and .syscall == "process_vm_writev")' inject high T1055.008
	[ "$(count 'select(.type == "ptrace")')" -eq 2 ]
}

@test "namespace --ns-flags user --uid '!0': a non-root user namespace is an alert, root's is not" {
	unshare -U true 2>/dev/null || skip "user namespaces are not allowed here"
	as_nobody unshare -U true 2>/dev/null || skip "unprivileged user namespaces are off here"
	"$PW" rule add userns --on namespace --ns-flags user --uid '!0' --severity medium --tags T1611
	unshare -U true
	unshare -m true
	as_nobody unshare -U true
	collect_alerts 'select(.type == "namespace")' 1
	assert_alert 'select(.type == "namespace")' userns medium T1611
	assert_field "$(ev 'select(.type == "namespace")')" .uid -eq 65534
}

@test "bpf --bpf-cmd map_create: the map's creation is an alert, its pin is not" {
	"$PW" rule add bpfmap --on bpf --bpf-cmd map_create --comm bpftool --severity low --tags T1014
	pin=/sys/fs/bpf/pw-rulesel-$$
	bpftool map create "$pin" type array key 4 value 4 entries 1 name pwrsel
	rm -f "$pin"
	collect_alerts 'select(.type == "bpf")' 1
	assert_alert 'select(.type == "bpf")' bpfmap low T1014
	assert_field "$(ev 'select(.type == "bpf")')" .cmd MAP_CREATE
}

@test "mount --path-prefix: a mount on the target is an alert, one elsewhere and the umount are not" {
	d=$BATS_TEST_TMPDIR/mnt o=$BATS_TEST_TMPDIR/omnt
	mkdir -p "$d/in" "$o"
	"$PW" rule add mnt --on mount --path-prefix "$d" --severity high --tags T1611
	mount -t tmpfs pwrsel "$o" && umount "$o"
	mount -t tmpfs pwrsel "$d/in" && umount "$d/in"
	collect_alerts 'select(.type == "mount")' 1
	assert_alert 'select(.type == "mount")' mnt high T1611
	assert_field "$(ev 'select(.type == "mount")')" .target "$d/in"
	[ "$(count 'select(.type == "umount")')" -eq 0 ]
}

@test "capable --cap sys_admin: that check is an alert; a rule on another capability stays silent" {
	"$PW" rule add sysadm --on capable --cap sys_admin --comm pwcapun --severity medium --tags T1611
	"$PW" rule add sysmod --on capable --cap sys_module --comm pwcapun --severity critical
	bin=$(named unshare pwcapun)
	"$bin" -m true
	collect_alerts 'select(.type == "capable")' 1
	"$PW_READ" --json --drain --alerts >>"$EV"
	[ "$(count 'select(.type == "capable" and .rule == "sysadm" and .cap_name == "CAP_SYS_ADMIN")')" -ge 1 ]
	[ "$(count 'select(.type == "capable" and .rule != "sysadm")')" -eq 0 ]
	assert_field "$(ev 'select(.type == "capable")' | head -1)" .tags[0] T1611
}

@test "signal --comm: the sender's signal is an alert, another sender's is not" {
	"$PW" rule add sig --on signal --comm pwsigsend --severity low --tags T1489
	# each forks a child, kills it and prints its pid
	# shellcheck disable=SC2016 # perl's variables
	prog='my $p = fork // die; if (!$p) { sleep 30; exit 0 } kill "TERM", $p; waitpid $p, 0; print "$p\n"'
	other=$(perl -e "$prog")
	bin=$(named perl pwsigsend)
	victim=$("$bin" -e "$prog")
	collect_alerts "select(.type == \"signal\" and .target_pid == $victim)" 1
	"$PW_READ" --json --drain --alerts >>"$EV"
	[ "$(count "select(.type == \"signal\" and .target_pid == $other)")" -eq 0 ]
	e=$(ev "select(.type == \"signal\" and .target_pid == $victim)" | head -1)
	assert_field "$e" .rule sig
	assert_field "$e" .severity low
	assert_field "$e" '.tags | join(",")' T1489
	assert_field "$e" .comm pwsigsend
}

@test "io_uring --comm: the ring's requests are alerts of the rule" {
	[[ $(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0) != 2 ]] || skip "io_uring is disabled here"
	act=$(helper iouring-act.c pwiouring)
	"$PW" rule add ring --on io_uring --comm pwiouring --severity low --tags T1106
	"$PW" rule add ringnot --on io_uring --comm pwnotring
	: >"$BATS_TEST_TMPDIR/o"
	: >"$BATS_TEST_TMPDIR/v"
	"$act" "$BATS_TEST_TMPDIR/o" "$BATS_TEST_TMPDIR/v" >/dev/null
	collect_alerts 'select(.type == "io_uring" and .op == "create")' 1
	"$PW_READ" --json --drain --alerts >>"$EV"
	[ "$(count 'select(.type == "io_uring" and .rule != "ring")')" -eq 0 ]
	assert_alert 'select(.type == "io_uring" and .op == "create")' ring low T1106
}

@test "syscall --syscall getppid: that call is an alert, getpid is not" {
	"$PW" config set syscalls getppid,getpid
	"$PW" rule add ppid --on syscall --syscall getppid --comm pwsyscall --severity low
	bin=$(named python3 pwsyscall)
	"$bin" -c 'import os; os.getpid(); os.getppid()'
	"$PW" config set syscalls none
	collect_alerts 'select(.type == "syscall")' 1
	"$PW_READ" --json --drain --alerts >>"$EV"
	assert_field "$(ev 'select(.type == "syscall")' | head -1)" .name getppid
	[ "$(count 'select(.type == "syscall" and .name != "getppid")')" -eq 0 ]
	assert_field "$(ev 'select(.type == "syscall")' | head -1)" .rule ppid
}

@test "exec --parent, --ancestor: what a given binary spawns, directly or below, is an alert" {
	d=$BATS_TEST_TMPDIR/p
	mkdir -p "$d"
	cp /bin/bash "$d/pwparent"
	cp /bin/bash "$d/pwgrand"
	child=$(unique_binary pwrselchild)
	"$PW" rule add par --on exec --parent "$d/pwparent" --comm pwrselchild --severity high --tags T1059.004
	"$PW" rule add anc --on open --ancestor-prefix "$d" --path /etc/hostname --severity medium --tags T1082
	bash -c "$child; true"
	"$d/pwparent" -c "$child; true"
	cat /etc/hostname >/dev/null
	"$d/pwgrand" -c "bash -c 'cat /etc/hostname >/dev/null; true'; true"
	collect_alerts 'select(.type == "open")' 1
	assert_alert 'select(.type == "exec")' par high T1059.004
	assert_field "$(ev 'select(.type == "exec")')" .filename "$child"
	assert_alert 'select(.type == "open")' anc medium T1082
	assert_field "$(ev 'select(.type == "open")')" .comm cat
}

@test "exec --env, --container host, --cgroup: each selects its execs" {
	cg=$CGROOT/pwsel
	mkdir -p "$cg"
	a=$(unique_binary pwrselenv)
	b=$(unique_binary pwrselcg)
	"$PW" rule add preload --on exec --env LD_PRELOAD --comm pwrselenv --severity high --tags T1574.006
	"$PW" rule add incg --on exec --cgroup "$cg" --comm pwrselcg
	"$PW" rule add inctr --on exec --container any --comm pwrselenv,pwrselcg
	"$PW" rule add onhost --on exec --container host --comm pwrselcg --severity low
	"$a"
	LD_PRELOAD='' "$a"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2"' sh "$cg" "$b"
	collect_alerts 'select(.comm == "pwrselcg")' 1
	"$b"
	collect_alerts 'select(.comm == "pwrselcg")' 2
	assert_alert 'select(.comm == "pwrselenv")' preload high T1574.006
	assert_field "$(ev 'select(.comm == "pwrselenv")')" .env.LD_PRELOAD ""
	# the one in the cgroup is incg's (the lower slot), the other onhost's
	[ "$(ev 'select(.comm == "pwrselcg") | .rule' | paste -sd' ')" = '"incg" "onhost"' ]
	[ "$(count 'select(.rule == "inctr")')" -eq 0 ]
}

@test "bad input: unknown type or selector, a selector the type does not take, a relative path, a duplicate, too many rules, a file with one bad line: one line, non-zero, rule maps unchanged" {
	"$PW" rule add keep --on chmod --mode setuid --path-prefix /usr
	maps() {
		local m
		for m in rules rule_types rule_index rule_paths rule_files rule_comms rule_cidrs; do
			bpftool map dump pinned "$PIN_ROOT/maps/$m"
		done
		ls -la "$PINWATCH_RULES_DIR"
		cat "$PINWATCH_RULES_DIR"/*.rules
	}
	before=$(maps)
	check() { # want-in-message args...
		local want=$1
		shift
		run -1 --separate-stderr "$PW" rule "$@"
		assert_one_line_error
		[[ $stderr == *"$want"* ]] || { echo "stderr: $stderr (want: $want)"; return 1; }
	}
	check "--on: unknown event type 'chmodd'" add a --on chmodd
	check "--on: rules cannot match 'exit' events" add a --on exit
	check "unknown option '--capability'" add a --on capable --capability sys_admin
	check "--cap does not apply to exec events (only to capable)" add a --on exec --cap sys_admin
	check "--port does not apply to open events" add a --on open --port 22
	check "--mode does not apply to chown events (only to chmod)" add a --on chmod,chown --mode setuid
	check "--xattr-name does not apply to chmod events" add a --on chmod --xattr-name security.capability
	check "--to-uid does not apply to exec events" add a --on exec --to-uid 0
	check "--parent: 'usr/bin/bash' is not an absolute path" add a --on exec --parent usr/bin/bash
	check "--path-prefix: 'tmp' is not an absolute path" add a --on rename --path-prefix tmp
	check "--ancestor: cannot be negated" add a --on exec --ancestor '!/usr/sbin/sshd'
	check "--cap: unknown name 'sys_admn'" add a --on capable --cap sys_admn
	check "add keep: a rule of that name exists" add keep --on exec
	f=$BATS_TEST_TMPDIR/bad.rules
	printf '%s\n' 'good1 --on exec --comm x' '# fine' 'good2 --on rename --path /etc/x' \
		'bad --on ptrace --bpf-cmd prog_load' 'good3 --on exec' >"$f"
	check "$f:4: bad: --bpf-cmd does not apply to ptrace events (only to bpf)" load "$f"
	check "$f:4: bad:" test "$f"
	printf '%s\n' 'dup --on exec --comm x' 'dup --on open --path /etc/x' >"$f"
	check "$f:2: dup: duplicate rule name" load "$f"
	printf '%s\n' 'good --on exec --comm y' 'keep --on exec --comm x' >"$f"
	check "load: keep: a rule of that name exists" load "$f"
	max=$(bpftool map show pinned "$PIN_ROOT/maps/rules" | grep -o 'max_entries [0-9]*' | cut -d' ' -f2)
	for i in $(seq 1 "$max"); do echo "r$i --on memfd --path /memfd:r$i"; done >"$f"
	check "too many rules: $max given, $((max - 1)) free slots of $max" load "$f"
	[ "$(maps)" = "$before" ]
	# and the rule still works
	: >"$BATS_TEST_TMPDIR/s"
	"$PW" rule del keep
	"$PW" rule add keep --on chmod --mode setuid --path-prefix "$BATS_TEST_TMPDIR"
	chmod u+s "$BATS_TEST_TMPDIR/s"
	collect_alerts 'select(.type == "chmod" and .rule == "keep")' 1
}

@test "the README lists every selector and every type of the selector table" {
	run -0 "$PW_BUILD/pinwatch-rule" selectors
	readme=$BATS_TEST_DIRNAME/../README.md
	for t in $(head -1 <<<"$output" | cut -d' ' -f2 | tr ',' ' '); do
		grep -q -- "\`$t\`" "$readme" || { echo "README misses type $t"; return 1; }
	done
	for s in $(tail -n +2 <<<"$output" | cut -d' ' -f1); do
		grep -q -- "\`$s" "$readme" || { echo "README misses selector $s"; return 1; }
	done
}

@test "--path-name: the last component in any directory, relative, and a rename's new name; another name, a directory of that name and a read are not" {
	d=$BATS_TEST_TMPDIR/h
	mkdir -p "$d/a/authorized_keys.d" "$d/b"
	"$PW" rule add ak --on open,rename,unlink --path-name authorized_keys --open-flags write,create,trunc --severity high --tags T1098.004
	"$PW" rule add pfx --on open --path-prefix "$d/b" --path-name pwname --open-flags create --severity low
	: >"$d/a/authorized_keys"
	cat "$d/a/authorized_keys"
	(cd "$d/a" && echo k >>authorized_keys)
	: >"$d/a/authorized_keys.d/x"
	: >"$d/a/authorized_keys2"
	: >"$d/b/tmp"
	mv "$d/b/tmp" "$d/b/authorized_keys"
	rm "$d/b/authorized_keys"
	: >"$d/a/pwname"
	: >"$d/b/other"
	# the longest name a rule takes: 63 bytes
	long=$(printf 'n%062d' 0)
	"$PW" rule add longname --on open --path-name "$long" --severity low
	: >"$d/a/$long"
	collect_alerts 'select(.rule == "ak")' 4
	collect_alerts 'select(.rule == "pfx")' 3
	collect_alerts 'select(.rule == "longname")' 1
	assert_alert "select(.path == \"$d/a/$long\")" longname low ""
	assert_alert "select(.path == \"$d/a/authorized_keys\" and .flags != 1024)" ak high T1098.004
	assert_alert 'select(.path == "authorized_keys")' ak high T1098.004
	assert_alert "select(.type == \"rename\")" ak high T1098.004
	assert_field "$(ev 'select(.type == "rename")')" .new_path "$d/b/authorized_keys"
	assert_alert "select(.type == \"unlink\")" ak high T1098.004
	[ "$(count 'select(.rule == "ak")')" -eq 4 ]
	# --path-prefix and --path-name in one rule: either holds
	assert_alert "select(.path == \"$d/a/pwname\")" pfx low ""
	assert_alert "select(.path == \"$d/b/other\")" pfx low ""
	# and the temp file created under the prefix
	[ "$(count 'select(.rule == "pfx")')" -eq 3 ]
}

@test "--path-name: refused with '!', with a '/', and past 63 bytes; the maps unchanged" {
	"$PW" rule add keep --on open --path-name keepme
	before=$(bpftool map dump pinned "$PIN_ROOT/maps/rule_paths" | sha256sum)
	run -1 --separate-stderr "$PW" rule add a --on open --path-name '!x'
	[ "$stderr" = "pinwatch: rule: add a: --path-name: cannot be negated" ]
	run -1 --separate-stderr "$PW" rule add a --on open --path-name a/b
	[[ $stderr == *"--path-name: invalid name 'a/b'"* ]]
	run -1 --separate-stderr "$PW" rule add a --on open --path-name "$(printf '%064d' 0)"
	[[ $stderr == *"--path-name: name longer than 63 bytes"* ]]
	[ "$(bpftool map dump pinned "$PIN_ROOT/maps/rule_paths" | sha256sum)" = "$before" ]
	[ "$("$PW" rule list --json | jq length)" -eq 1 ]
}

@test "utimes --utime explicit: touch -d (through its fd) is an alert; touch (now) is not; --utime now selects the other" {
	: >"$BATS_TEST_TMPDIR/f"
	"$PW" rule add stomp-x --on utimes --utime explicit --comm touch --severity medium --tags T1070.006
	"$PW" rule add stomp-now --on utimes --utime now --comm touch --severity low
	touch -d 2001-01-01 "$BATS_TEST_TMPDIR/f"
	touch "$BATS_TEST_TMPDIR/f"
	collect_alerts 'select(.type == "utimes")' 2
	assert_alert 'select(.mtime == "2001-01-01T00:00:00.000000000Z")' stomp-x medium T1070.006
	assert_alert 'select(.rule == "stomp-now")' stomp-now low ""
	[ "$(count 'select(.rule == "stomp-x")')" -eq 1 ]
	run -1 --separate-stderr "$PW" rule add a --on utimes --utime later
	[[ $stderr == *"--utime: unknown name 'later' (explicit, now)"* ]]
}
