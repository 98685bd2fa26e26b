# shellcheck shell=bash
# Canaries of the default pack's process and network rules
# (scripts/rules/default/20-process.rules), sourced by `pinwatch selftest`
# (PACK.md, "The canaries"): canary_NAME SCRATCH runs as root in a subshell
# whose cwd is SCRATCH, inside the canary's own cgroup; returns 0 when it
# performed the act, 77 (last stdout line: the reason) when it cannot here.
# Each act is harmless: loopback, SCRATCH, a throwaway process, a file
# pinwatch-canary-* it removes again.
# shellcheck disable=SC2034 # CANARY_DESC is read by the framework

# A perl for the acts bash cannot do itself (Debian's perl-base has no
# syscall.ph: the perl package does).
canary_perl_syscalls() {
	command -v perl >/dev/null && perl -e 'require "syscall.ph"' 2>/dev/null
}

CANARY_DESC["reverse-shell"]="bash -i with stdio on a TCP socket to a loopback listener (which sends exit)"
canary_reverse_shell() {
	local pid port=""
	command -v perl >/dev/null || { echo "no perl for the loopback listener"; return 77; }
	perl -MIO::Socket::INET -e '
		my $l = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or die "listen: $!";
		open(my $f, ">", "port.tmp") or die; print $f $l->sockport; close $f; rename "port.tmp", "port";
		$SIG{ALRM} = sub { exit 1 }; alarm 10;
		my $c = $l->accept or exit 1; print $c "exit\n"; 1 while <$c>;' &
	pid=$!
	for _ in $(seq 50); do [[ -s port ]] && break; sleep 0.1; done
	port=$(<port)
	timeout 10 bash --norc --noprofile -i >&"/dev/tcp/127.0.0.1/$port" 0>&1 2>&1 || true
	wait "$pid"
}

CANARY_DESC["root-cred-change"]="perl: seteuid(65534), then seteuid(0) (back to root outside an exec)"
canary_root_cred_change() {
	command -v perl >/dev/null || { echo "no perl"; return 77; }
	perl -e '$> = 65534; $> == 65534 or die "seteuid 65534: $!"; $> = 0; $> == 0 or die "seteuid 0: $!";'
}

CANARY_DESC["ptrace-attach"]="PTRACE_ATTACH then DETACH a sleep of the canary's"
canary_ptrace_attach() {
	local pid
	canary_perl_syscalls || { echo "no perl with syscall.ph for ptrace(2)"; return 77; }
	sleep 10 &
	pid=$!
	perl -e 'require "syscall.ph"; my $p = shift;
		syscall(&SYS_ptrace, 16, $p + 0, 0, 0) == 0 or die "PTRACE_ATTACH: $!";
		waitpid($p, 0); syscall(&SYS_ptrace, 17, $p + 0, 0, 0);' "$pid" || { kill "$pid"; wait "$pid" 2>/dev/null; return 1; }
	kill "$pid"
	wait "$pid" 2>/dev/null || true
}

CANARY_DESC["kmod-load"]="modprobe dummy numdummies=0, then modprobe -r (only when not loaded before)"
canary_kmod_load() {
	command -v modprobe >/dev/null || { echo "no modprobe"; return 77; }
	[[ -d /lib/modules/$(uname -r) ]] || { echo "no loadable modules for this kernel"; return 77; }
	[[ ! -d /sys/module/dummy ]] || { echo "module dummy is loaded already"; return 77; }
	modprobe -n dummy 2>/dev/null || { echo "no module dummy for this kernel"; return 77; }
	modprobe dummy numdummies=0
	modprobe -r dummy
}

CANARY_DESC["bpf-load"]="BPF_PROG_LOAD of a 2-instruction socket filter (return 0), closed at once"
canary_bpf_load() {
	canary_perl_syscalls || { echo "no perl with syscall.ph for bpf(2)"; return 77; }
	perl -e 'require "syscall.ph";
		my $insns = pack("CCsl", 0xb7, 0, 0, 0) . pack("CCsl", 0x95, 0, 0, 0);
		my $lic = "GPL\0";
		my $attr = pack("LLQQLLQLL", 1, 2, unpack("J", pack("p", $insns)),
				unpack("J", pack("p", $lic)), 0, 0, 0, 0, 0) . ("\0" x 84);
		syscall(&SYS_bpf, 5, $attr, length $attr) >= 0 or die "BPF_PROG_LOAD: $!";'
}

CANARY_DESC["exec-memfd-deleted"]="exec of a copy of true unlinked while open (/proc/self/fd/N)"
canary_exec_memfd_deleted() {
	cp "$(type -P true)" ./pinwatch-canary-deleted
	(
		exec 3<./pinwatch-canary-deleted
		rm -f ./pinwatch-canary-deleted
		/proc/self/fd/3
	)
}

CANARY_DESC["binary-drop"]="write a copy of true in SCRATCH, chmod +x, run it at once"
canary_binary_drop() {
	cat "$(type -P true)" >./pinwatch-canary-drop
	chmod 0700 ./pinwatch-canary-drop
	./pinwatch-canary-drop
	rm -f ./pinwatch-canary-drop
}

CANARY_DESC["exec-tmp"]="exec of a copy of true as /dev/shm/pinwatch-canary-*"
canary_exec_tmp() {
	local f
	[[ -d /dev/shm ]] || { echo "no /dev/shm"; return 77; }
	f=$(mktemp /dev/shm/pinwatch-canary-XXXXXX)
	# -p: the old mtime, not a fresh drop (binary-drop, a lower slot, would be
	# the alert); the file goes whatever fails
	if cp -p "$(type -P true)" "$f" && chmod 0700 "$f" && "$f"; then
		rm -f "$f"
	else
		rm -f "$f"
		return 1
	fi
}

CANARY_DESC["ld-preload-exec"]="LD_PRELOAD=libc.so.6 true (a library loaded anyway)"
canary_ld_preload_exec() {
	LD_PRELOAD=libc.so.6 "$(type -P true)"
}

CANARY_DESC["userns-unpriv"]="unshare -U true as nobody (granted or refused: the attempt is the act)"
canary_userns_unpriv() {
	if ! command -v unshare >/dev/null || ! command -v setpriv >/dev/null; then
		echo "no unshare or setpriv"
		return 77
	fi
	setpriv --reuid=65534 --regid=65534 --clear-groups -- unshare -U true 2>/dev/null || true
}

CANARY_DESC["docker-socket"]="connect to /run/docker.sock from a cgroup named like a docker container's (refused when there is no docker: the attempt is the act)"
canary_docker_socket() {
	local cg id rel
	command -v perl >/dev/null || { echo "no perl"; return 77; }
	rel=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
	cg=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)$rel
	[[ -n $rel && -d $cg ]] || { echo "no cgroup v2"; return 77; }
	# container detection is by the cgroup's name (docker-<64 hex>.scope)
	id=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
	mkdir "$cg/docker-$id.scope"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec perl -MIO::Socket::UNIX -e "IO::Socket::UNIX->new(Peer => q{/run/docker.sock}); exit 0"' \
		sh "$cg/docker-$id.scope"
	# the cgroup stays: selftest matches the alert's cgroup_id with it,
	# then removes it with the canary's
}

CANARY_DESC["miner-connect"]="TCP connect to 127.0.0.1:3333 (a stratum port; refused when nothing listens)"
canary_miner_connect() {
	(exec 3<>/dev/tcp/127.0.0.1/3333) 2>/dev/null || true
}
