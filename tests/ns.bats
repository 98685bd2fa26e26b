#!/usr/bin/env bats
# The ns module: namespaces created (unshare, clone and clone3 with a
# CLONE_NEW* flag) or joined (setns), with the namespace inodes after the
# call; plain forks are no event; filters, module switch and stats.

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite ns

setup() {
	require_root
	command -v unshare >/dev/null || skip "needs unshare(1)"
	pw_drain
	keeper=
}

teardown() {
	[[ -z $keeper ]] || kill "$keeper" 2>/dev/null || true
	"$PW" config set module.ns on >/dev/null 2>&1 || true
}

# The inode of namespace NAME of process PID (readlink /proc/PID/ns/NAME).
ns_inode() { # pid name
	local l
	l=$(readlink "/proc/$1/ns/$2") || return 1
	l=${l#*[}
	echo "${l%]}"
}

# The namespace events of process PID, as JSON Lines.
ns_events_of() { # pid
	pw_events | jq -c --argjson p "$1" 'select(.type == "namespace" and .pid == $p)'
}

# Asserts that the inodes of event EV other than those in SKIP (names,
# space-separated) are those of process PID.
assert_other_inodes() { # ev pid skip...
	local ev=$1 pid=$2 n
	shift 2
	for n in mnt net user uts ipc cgroup; do
		[[ " $* " == *" $n "* ]] && continue
		assert_field "$ev" ".ns.$n" -eq "$(ns_inode "$pid" "$n")"
	done
	[[ " $* " == *" pid "* ]] || assert_field "$ev" .ns.pid -eq "$(ns_inode "$pid" pid_for_children)"
	if [[ -e /proc/$pid/ns/time_for_children ]]; then
		[[ " $* " == *" time "* ]] || assert_field "$ev" .ns.time -eq "$(ns_inode "$pid" time_for_children)"
	else
		assert_field "$ev" .ns.time -eq 0
	fi
}

# Starts `unshare ARGS sleep 100` in the background and waits until sleep
# runs (then the namespaces are in place). Sets keeper (unshare's pid).
start_keeper() { # unshare option...
	unshare "$@" sleep 100 &
	keeper=$!
	for _ in $(seq 1 100); do
		[[ $(cat "/proc/$keeper/comm" 2>/dev/null) == sleep ]] && return 0
		# --fork: sleep is unshare's child
		pgrep -P "$keeper" -x sleep >/dev/null && return 0
		sleep 0.02
	done
	return 1
}

# A copy of perl named pwnsclone (its comm: for the comm filter) that
# calls clone(2) or clone3(2) with the CLONE_NEW* flags given, or forks
# plainly (flags 0); the child prints its namespace inode of NAME; the
# parent prints the child's pid.
nsclone() { # clone|clone3 flags name
	local perl=$BATS_TEST_TMPDIR/pwnsclone
	[[ -x $perl ]] || cp "$(command -v perl)" "$perl"
	# shellcheck disable=SC2016 # perl code, expanded by perl
	"$perl" -e '
		my ($call, $flags, $name) = @ARGV;
		my $pid;
		if ($call eq "clone3") {	# struct clone_args: flags ... exit_signal (SIGCHLD)
			my $args = pack("Q8", hex($flags), 0, 0, 0, 17, 0, 0, 0);
			$pid = syscall(435, $args, 64);
		} else {
			$pid = syscall(56, hex($flags) | 17, 0, 0, 0, 0);
		}
		die "$call: $!\n" if $pid < 0;
		if ($pid == 0) {
			my $l = readlink("/proc/self/ns/$name");
			$l =~ s/.*\[(\d+)\]/$1/;
			print "$l\n";
			exit 0;
		}
		waitpid($pid, 0);
		print "$pid\n";' "$@"
}

# bats test_tags=vm-ci,pack-alerts
@test "unshare -U -r as an unprivileged user: a new user namespace, its inode, ret 0" {
	[[ $(cat /proc/sys/user/max_user_namespaces) -gt 0 ]] || skip "user.max_user_namespaces is 0"
	if [[ -e /proc/sys/kernel/unprivileged_userns_clone ]]; then
		[[ $(cat /proc/sys/kernel/unprivileged_userns_clone) -eq 1 ]] ||
			skip "kernel.unprivileged_userns_clone is 0"
	fi
	as_nobody unshare -U -r true 2>/dev/null || skip "unprivileged user namespaces refused here"
	pw_drain
	# setpriv itself, not as_nobody: $! must be the process that unshares
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		unshare -U -r readlink /proc/self/ns/user >"$BATS_TEST_TMPDIR/inner" &
	pid=$!
	wait "$pid"
	inner=$(tr -dc 0-9 <"$BATS_TEST_TMPDIR/inner")
	[ "$inner" -ne "$(ns_inode $$ user)" ]
	ev=$(ns_events_of "$pid")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall unshare
	assert_field "$ev" '.flags | join("|")' "CLONE_NEWUSER"
	assert_field "$ev" .ns.user -eq "$inner"
	assert_field "$ev" .ns.user -ne "$(ns_inode $$ user)"
	assert_other_inodes "$ev" $$ user
	assert_field "$ev" .ns_type null
	assert_field "$ev" .ns_inode null
	assert_field "$ev" .ns_of caller
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .uid -eq 65534
	assert_field "$ev" .gid -eq 65534
	assert_field "$ev" .comm unshare
	assert_field "$ev" .module ns
}

@test "unshare -n -m then nsenter -n: the new mnt and net inodes, and setns joining that net" {
	start_keeper -n -m
	net=$(ns_inode "$keeper" net)
	[ "$net" -ne "$(ns_inode $$ net)" ]
	ev=$(ns_events_of "$keeper")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall unshare
	assert_field "$ev" '.flags | join("|")' "CLONE_NEWNS|CLONE_NEWNET"
	assert_field "$ev" .ns.net -eq "$net"
	assert_field "$ev" .ns.mnt -eq "$(ns_inode "$keeper" mnt)"
	assert_other_inodes "$ev" $$ mnt net
	assert_field "$ev" .ns_type null
	assert_field "$ev" .ns_of caller
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .comm unshare

	nsenter -t "$keeper" -n true &
	pid=$!
	wait "$pid"
	ev=$(ns_events_of "$pid")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall setns
	assert_field "$ev" .comm nsenter
	assert_field "$ev" .ns_type net
	assert_field "$ev" .ns_inode -eq "$net"
	assert_field "$ev" '.flags | join("|")' "CLONE_NEWNET"
	assert_field "$ev" .ns.net -eq "$net"
	assert_other_inodes "$ev" $$ net
	assert_field "$ev" .ns_of caller
	assert_field "$ev" .ret -eq 0
}

# The fd's type is read from ns_common.ns_type on 6.18, ops->type on 6.1.
# bats test_tags=vm-ci
@test "setns with nstype 0 takes the type and inode from the fd; a refused setns has ret -1" {
	start_keeper -u
	uts=$(ns_inode "$keeper" uts)
	# setns(fd, 0): the namespace type is the fd's
	perl -e 'open(my $f, "<", $ARGV[0]) or die; syscall(308, fileno($f), 0) == 0 or die "setns: $!\n"' \
		"/proc/$keeper/ns/uts" &
	pid=$!
	wait "$pid"
	ev=$(ns_events_of "$pid")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall setns
	assert_field "$ev" '.flags | length' -eq 0
	assert_field "$ev" .ns_type uts
	assert_field "$ev" .ns_inode -eq "$uts"
	assert_field "$ev" .ns.uts -eq "$uts"
	assert_other_inodes "$ev" $$ uts
	assert_field "$ev" .ns_of caller
	assert_field "$ev" .ret -eq 0
	# an fd opened by root, then setns(fd, CLONE_NEWUTS) by the process as
	# nobody: refused (EPERM), the namespace still named
	perl -MPOSIX -e 'open(my $f, "<", $ARGV[0]) or die; POSIX::setgid(65534); POSIX::setuid(65534) or die;
		syscall(308, fileno($f), 0x04000000) == -1 or die "setns succeeded\n"' "/proc/$keeper/ns/uts" &
	pid=$!
	wait "$pid"
	ev=$(ns_events_of "$pid")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" '.flags | join("|")' CLONE_NEWUTS
	assert_field "$ev" .ns_type uts
	assert_field "$ev" .ns_inode -eq "$uts"
	assert_field "$ev" .ns.uts -eq "$(ns_inode $$ uts)"
	assert_field "$ev" .ret -eq -1
	assert_field "$ev" .uid -eq 65534
}

@test "unshare --fork --pid: CLONE_NEWPID with the new pid_for_children, whose pid 1 is the forked child" {
	start_keeper --fork --pid
	child=$(pgrep -P "$keeper" -x sleep)
	pidns=$(ns_inode "$child" pid)
	[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$child/status")" -eq 1 ]
	[ "$pidns" -ne "$(ns_inode $$ pid)" ]
	events=$(pw_events | jq -c --argjson k "$keeper" --argjson c "$child" \
		'select(.type == "namespace" and (.pid == $k or .pid == $c))')
	# the fork into the new namespace carries no flag: no event of its own
	[ "$(jq -s length <<<"$events")" -eq 1 ]
	ev=$events
	assert_field "$ev" .pid -eq "$keeper"
	assert_field "$ev" .syscall unshare
	assert_field "$ev" '.flags | join("|")' "CLONE_NEWPID"
	assert_field "$ev" .ns.pid -eq "$pidns"
	assert_other_inodes "$ev" $$ pid
	assert_field "$ev" .ns_of caller
	assert_field "$ev" .ret -eq 0
}

# The child's inodes come from sched_process_fork (tp_btf, or raw_tp).
# bats test_tags=vm-ci
@test "clone and clone3 with CLONE_NEW* flags: reported in the parent with the child's pid and namespaces" {
	command -v perl >/dev/null || skip "needs perl"
	# clone(CLONE_NEWUTS|SIGCHLD)
	run -0 nsclone clone 0x04000000 uts
	child=${lines[1]}
	ev=$(pw_events | jq -c 'select(.type == "namespace" and .comm == "pwnsclone")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall clone
	assert_field "$ev" '.flags | join("|")' "CLONE_NEWUTS"
	assert_field "$ev" .ret -eq "$child"
	assert_field "$ev" .ns_of child
	assert_field "$ev" .ns.uts -eq "${lines[0]}"
	assert_field "$ev" .ns.uts -ne "$(ns_inode $$ uts)"
	assert_other_inodes "$ev" $$ uts
	assert_field "$ev" .ns_type null
	assert_field "$ev" .ns_inode null
	# clone3(CLONE_NEWPID|CLONE_NEWIPC): flags read from struct clone_args
	run -0 nsclone clone3 0x28000000 pid_for_children
	child=${lines[1]}
	ev=$(pw_events | jq -c 'select(.type == "namespace" and .comm == "pwnsclone")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .syscall clone3
	assert_field "$ev" '.flags | join("|")' "CLONE_NEWPID|CLONE_NEWIPC"
	assert_field "$ev" .ret -eq "$child"
	assert_field "$ev" .ns_of child
	assert_field "$ev" .ns.pid -eq "${lines[0]}"
	assert_field "$ev" .ns.ipc -ne "$(ns_inode $$ ipc)"
	assert_other_inodes "$ev" $$ pid ipc
}

@test "a plain fork is no namespace event and is not counted; a comm filter counts the namespace clone filtered" {
	command -v perl >/dev/null || skip "needs perl"
	"$PW" filter add comm pwnsclone
	before=$(stat_of ns filtered)
	for _ in 1 2 3; do nsclone clone 0 uts >/dev/null; nsclone clone3 0 uts >/dev/null; done
	after_forks=$(stat_of ns filtered)
	nsclone clone 0x04000000 uts >/dev/null
	after_ns=$(stat_of ns filtered)
	"$PW" filter del comm pwnsclone
	[ "$(pw_events | jq -c 'select(.type == "namespace" and .comm == "pwnsclone")' | wc -l)" -eq 0 ]
	[ "$after_forks" -eq "$before" ]
	[ "$after_ns" -eq $((before + 1)) ]
	# unfiltered, the plain forks still give no event
	nsclone clone 0 uts >/dev/null
	nsclone clone3 0 uts >/dev/null
	[ "$(pw_events | jq -c 'select(.type == "namespace" and .comm == "pwnsclone")' | wc -l)" -eq 0 ]
}

@test "module.ns off: unshare gives no event and counts filtered" {
	"$PW" config set module.ns off
	before=$(stat_of ns filtered)
	unshare -u true
	after=$(stat_of ns filtered)
	"$PW" config set module.ns on
	[ "$(pw_events | jq -c 'select(.type == "namespace" and .comm == "unshare")' | wc -l)" -eq 0 ]
	[ "$after" -ge $((before + 1)) ]
}

@test "the text output names the syscall, the flags and the new namespace's inode" {
	start_keeper -n -u
	net=$(ns_inode "$keeper" net)
	uts=$(ns_inode "$keeper" uts)
	nsenter -t "$keeper" -n true
	run -0 "$PW_READ" --drain
	grep -E " unshare +unshare flags=CLONE_NEWNET\|CLONE_NEWUTS net=$net uts=$uts ret=0\$" <<<"$output"
	grep -E " nsenter +setns flags=CLONE_NEWNET type=net inode=$net net=$net ret=0\$" <<<"$output"
}

@test "after a run, seen equals filtered plus emitted plus dropped for module ns" {
	"$PW" filter add comm unshare
	unshare -u true
	"$PW" filter del comm unshare
	unshare -u true
	run -0 stats_balance ns
	assert_field "$output" .filtered -ge 1
	assert_field "$output" .emitted -ge 1
}

@test "every ns pin is documented in pinned-layout.md" {
	documented=$(grep -o '/sys/fs/bpf/pinwatch/ns/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT/ns" -mindepth 1 | sort)
}
