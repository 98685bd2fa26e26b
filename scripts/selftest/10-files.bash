# shellcheck shell=bash
# Canaries of the default pack's file rules (scripts/rules/default/10-files.rules),
# for `pinwatch selftest` (PACK.md: sourced; each canary_NAME SCRATCH runs as
# root in a subshell whose cwd is SCRATCH, performs the technique harmlessly
# and returns 0, 77 with a last line "reason" when it cannot here, else an
# error). System paths get a new file named pinwatch-canary-* with a suffix
# the reader ignores (cron, sudo and run-parts skip names with a '.'), which
# is removed again; no existing file is modified.
# shellcheck disable=SC2034 # CANARY_DESC: read by the framework
declare -gA CANARY_DESC

# A new file DIR/pinwatch-canary-PID.SUFFIX created (O_CREAT|O_TRUNC) and
# removed; 77 when DIR does not exist.
_canaryf_sysfile() { # dir suffix
	local f=$1/pinwatch-canary-$BASHPID.$2
	if [[ ! -d $1 ]]; then
		echo "no $1 on this machine"
		return 77
	fi
	trap 'rm -f "$f"' EXIT
	: >"$f"
	rm -f "$f"
	trap - EXIT
}

CANARY_DESC[authorized-keys-write]="create SCRATCH/authorized_keys"
canary_authorized_keys_write() {
	: >"$1/authorized_keys"
}

CANARY_DESC[credential-read]="cat /etc/shadow (read only)"
canary_credential_read() {
	cat /etc/shadow >/dev/null
}

CANARY_DESC[sudoers-write]="create and remove /etc/sudoers.d/pinwatch-canary-PID.off"
canary_sudoers_write() {
	_canaryf_sysfile /etc/sudoers.d off
}

CANARY_DESC[pam-write]="create and remove /etc/pam.d/pinwatch-canary-PID.off"
canary_pam_write() {
	_canaryf_sysfile /etc/pam.d off
}

CANARY_DESC[cron-write]="create and remove /etc/cron.d/pinwatch-canary-PID.off"
canary_cron_write() {
	_canaryf_sysfile /etc/cron.d off
}

CANARY_DESC[systemd-unit-write]="create and remove /etc/systemd/system/pinwatch-canary-PID.off"
canary_systemd_unit_write() {
	_canaryf_sysfile /etc/systemd/system off
}

CANARY_DESC[rc-write]="create and remove /etc/init.d/pinwatch-canary-PID.off"
canary_rc_write() {
	_canaryf_sysfile /etc/init.d off
}

CANARY_DESC[profile-write]="create SCRATCH/.bashrc"
canary_profile_write() {
	: >"$1/.bashrc"
}

# The file is never created or changed: an open for writing without O_CREAT
# (ENOENT when it does not exist, nothing written when it does).
CANARY_DESC[ld-preload-write]="open /etc/ld.so.preload O_WRONLY|O_APPEND, no create, nothing written"
canary_ld_preload_write() {
	perl -e 'use Fcntl; sysopen(my $f, "/etc/ld.so.preload", O_WRONLY | O_APPEND); exit 0'
}

CANARY_DESC[setuid-set]="chmod u+s a copy of true in SCRATCH"
canary_setuid_set() {
	cp /usr/bin/true "$1/pinwatch-canary-suid"
	chmod u+s "$1/pinwatch-canary-suid"
}

# An empty capability set (VFS_CAP_REVISION_2, no bits) on a file in SCRATCH.
CANARY_DESC[file-cap-set]="set an empty security.capability on a file in SCRATCH"
canary_file_cap_set() {
	: >"$1/pinwatch-canary-cap"
	if command -v setcap >/dev/null; then
		setcap "=" "$1/pinwatch-canary-cap"
	elif command -v python3 >/dev/null; then
		python3 -c 'import os, struct, sys
os.setxattr(sys.argv[1], "security.capability", struct.pack("<5I", 0x02000000, 0, 0, 0, 0))' \
			"$1/pinwatch-canary-cap"
	else
		echo "needs setcap or python3"
		return 77
	fi
}

CANARY_DESC[container-escape-write]="write SCRATCH/release_agent (a plain file of that name)"
canary_container_escape_write() {
	echo /bin/true >"$1/release_agent"
}

CANARY_DESC[log-tamper]="truncate-create and remove /var/log/pinwatch-canary-PID.log"
canary_log_tamper() {
	_canaryf_sysfile /var/log log
}

CANARY_DESC[history-tamper]="truncate SCRATCH/.bash_history"
canary_history_tamper() {
	: >"$1/.bash_history"
}

CANARY_DESC[timestomp]="touch -d 2001-01-01 a file in SCRATCH"
canary_timestomp() {
	: >"$1/pinwatch-canary-stomp"
	touch -d 2001-01-01 "$1/pinwatch-canary-stomp"
}
