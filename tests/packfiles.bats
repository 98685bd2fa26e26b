#!/usr/bin/env bats
# The default pack's file rules (scripts/rules/default/10-files.rules) and
# their canaries (scripts/selftest/10-files.bash): each technique performed
# for real raises the rule's alert with its severity and tags; the ordinary
# Debian activity each rule excludes (dpkg, passwd, useradd/userdel, shells
# saving history) does not. The modules run switched off: the ring holds
# only alerts. Every test performs techniques on purpose (pack-alerts).
# shellcheck disable=SC2154 # status, output: set by bats' run

load helpers/common
load helpers/rules
bats_require_minimum_version 1.5.0

PACK=$PW_HOME/scripts/rules/default/10-files.rules
CANARIES=$PW_HOME/scripts/selftest/10-files.bash
MODS=(process file attr)

setup_file() {
	export PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_setup_file "${MODS[@]}"
	for m in "${MODS[@]}"; do "$PW" config set "module.$m" off >/dev/null; done
}

teardown_file() { pw_teardown_file; }

# a fresh pack each test: a rule's throttle windows go with it
setup() {
	rules_setup
	"$PW" rule load "$PACK" >/dev/null
}

teardown() { rules_del_all; }

# The one alert of RULE matching filter, with the pack's severity and tags.
assert_rule() { # jq-filter rule severity tags
	local e
	e=$(ev "select(.rule == \"$2\") | $1")
	[ "$(jq -s length <<<"$e")" -ge 1 ] || { echo "no $2 alert matching $1 in: $(cat "$EV")" >&2; return 1; }
	e=$(head -1 <<<"$e")
	assert_field "$e" .severity "$3"
	assert_field "$e" '.tags | join(",")' "$4"
}

# No alert of RULE from this test's acts: the ring holds the whole
# machine's alerts (other suites run at the same time), so the filter
# names the acts' comms or paths.
no_alert() { # rule jq-condition
	[ "$(jq -c "select(.rule == \"$1\" and ($2))" "$EV" | wc -l)" -eq 0 ] || { echo "unexpected $1 alert: $(cat "$EV")" >&2; return 1; }
}

# The state of the system files canaries may touch: names and checksums.
sys_state() {
	local d
	for d in /etc/sudoers.d /etc/pam.d /etc/cron.d /etc/systemd/system /etc/init.d /var/log; do
		[[ -d $d ]] && find "$d" -maxdepth 1 -type f -name 'pinwatch-canary-*'
	done
	sha256sum /etc/shadow /etc/passwd 2>/dev/null
	if [[ -e /etc/ld.so.preload ]]; then sha256sum /etc/ld.so.preload; else echo "no ld.so.preload"; fi
}

# bats test_tags=pack-alerts
@test "every canary raises its rule's alert, with the pack's severity and tags, and leaves no trace" {
	# shellcheck disable=SC2034 # filled by the canaries' file
	local -A CANARY_DESC=()
	local rule fn sev tags before n=0 rc
	# shellcheck source=scripts/selftest/10-files.bash
	source "$CANARIES"
	before=$(sys_state)
	while read -r rule sev tags; do
		fn=canary_${rule//-/_}
		declare -F "$fn" >/dev/null || { echo "no canary for $rule" >&2; return 1; }
		scratch=$(mktemp -d "$BATS_TEST_TMPDIR/scratch.XXXX")
		rc=0
		(cd "$scratch" && set -euo pipefail && "$fn" "$scratch") || rc=$?
		[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || { echo "canary $rule failed: $rc" >&2; return 1; }
		[ "$rc" -eq 77 ] && continue
		collect_alerts "select(.rule == \"$rule\")" 1
		assert_rule . "$rule" "$sev" "$tags"
		n=$((n + 1))
		rm -rf "$scratch"
	done < <(awk '!/^#/ && NF { sev = tags = ""; for (i = 2; i < NF; i++) { if ($i == "--severity") sev = $(i + 1); if ($i == "--tags") tags = $(i + 1) } print $1, sev, tags }' "$PACK")
	[ "$n" -ge 13 ]
	[ "$(sys_state)" = "$before" ]
}

# bats test_tags=pack-alerts
@test "credential-read: cat /etc/shadow and a private key by name are alerts; passwd -S reading it is not" {
	mkdir -p "$BATS_TEST_TMPDIR/u/.ssh"
	: >"$BATS_TEST_TMPDIR/u/.ssh/id_ed25519"
	passwd -S root >/dev/null
	cat /etc/shadow >/dev/null
	(cd "$BATS_TEST_TMPDIR/u/.ssh" && cat id_ed25519)
	collect_alerts 'select(.rule == "credential-read")' 2
	assert_rule 'select(.path == "/etc/shadow" and .comm == "cat")' credential-read high T1003.008,T1552.004
	assert_rule 'select(.path == "id_ed25519" and .comm == "cat")' credential-read high T1003.008,T1552.004
	[ "$(ev 'select(.rule == "credential-read" and .comm == "passwd")' | wc -l)" -eq 0 ]
	# root's ~/.ssh by a non-root process: the attempt (EACCES) is the alert
	setpriv --reuid 65534 --regid 65534 --clear-groups cat /root/.ssh/id_rsa 2>/dev/null || true
	collect_alerts 'select(.rule == "credential-read" and .uid == 65534)' 1
	assert_rule 'select(.path == "/root/.ssh/id_rsa")' credential-read high T1003.008,T1552.004
}

# An open by a path that is not plain (relative, "//", "..") is judged as
# the file the kernel opened (its dentries up to the root); the event's path
# stays as given.
# bats test_tags=pack-alerts
@test "credential-read: shadow from /etc, //etc/shadow, /etc/../etc/shadow are alerts; an ordinary relative open is not" {
	(cd /etc && head -c1 shadow >/dev/null)
	head -c1 //etc/shadow >/dev/null
	head -c1 /etc/../etc/shadow >/dev/null
	(cd /etc && head -c1 hostname >/dev/null)
	(cd "$BATS_TEST_TMPDIR" && echo x >pwrel && head -c1 ./pwrel >/dev/null && head -c1 ../${BATS_TEST_TMPDIR##*/}/pwrel >/dev/null)
	collect_alerts 'select(.rule == "credential-read" and .comm == "head")' 3
	for p in shadow //etc/shadow /etc/../etc/shadow; do
		assert_rule "select(.path == \"$p\" and .comm == \"head\")" credential-read high T1003.008,T1552.004
	done
	"$PW_READ" --json --drain --alerts >>"$EV"
	[ "$(ev 'select(.path == "hostname" or (.path | endswith("pwrel")))' | wc -l)" -eq 0 ]
}

# A path that reads as plain but is not what it says: cut at 255 bytes
# (a 250-byte directory name, then ../ up to /etc), through a magic link of
# /proc or /dev/fd, or resolved by openat2 under its dirfd (RESOLVE_IN_ROOT).
# bats test_tags=pack-alerts
@test "credential-read: a path cut at 255 bytes, /proc/self/root, /dev/fd and openat2 RESOLVE_IN_ROOT are judged as the file opened" {
	local d rel
	d=$BATS_TEST_TMPDIR/$(printf 'A%.0s' $(seq 1 250))
	mkdir "$d"
	rel=$(realpath --relative-to="$d" /etc/shadow)
	head -c1 "$d/$rel" >/dev/null
	head -c1 /proc/self/root/etc/shadow >/dev/null
	head -c1 /dev/fd/3 3</etc/shadow >/dev/null
	cat >"$BATS_TEST_TMPDIR/inroot.c" <<'C'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
struct how { uint64_t flags, mode, resolve; };
int main(void)
{
	struct how h = { O_RDONLY, 0, 0x10 /* RESOLVE_IN_ROOT */ };
	int d = open("/etc", O_PATH | O_DIRECTORY);
	long fd = syscall(437 /* openat2 */, d, "/shadow", &h, sizeof(h));
	return fd < 0;
}
C
	pw_cc "$BATS_TEST_TMPDIR/pwinroot" "$BATS_TEST_TMPDIR/inroot.c"
	"$BATS_TEST_TMPDIR/pwinroot"
	collect_alerts 'select(.rule == "credential-read" and (.comm == "head" or .comm == "pwinroot"))' 4
	assert_rule "select(.comm == \"head\" and .path == \"$d/$rel\"[0:255])" credential-read high T1003.008,T1552.004
	for p in /proc/self/root/etc/shadow /dev/fd/3; do
		assert_rule "select(.comm == \"head\" and .path == \"$p\")" credential-read high T1003.008,T1552.004
	done
	assert_rule 'select(.comm == "pwinroot" and .path == "/shadow")' credential-read high T1003.008,T1552.004
}

# bats test_tags=pack-alerts
@test "cron-write: an editor's temp file renamed into /etc/cron.d is an alert (the new name); dpkg installing a cron file is not" {
	command -v dpkg-deb >/dev/null || skip "needs dpkg-deb"
	local f=/etc/cron.d/pinwatch-canary-$$.off pkg=$BATS_TEST_TMPDIR/pkg
	: >"$BATS_TEST_TMPDIR/job"
	mv "$BATS_TEST_TMPDIR/job" "/etc/cron.d/.pinwatch-canary-$$.tmp"
	mv "/etc/cron.d/.pinwatch-canary-$$.tmp" "$f"
	rm -f "$f"
	collect_alerts 'select(.rule == "cron-write")' 3
	assert_rule "select(.type == \"rename\" and .new_path == \"$f\")" cron-write high T1053.003,T1053.002
	assert_rule "select(.type == \"unlink\" and .path == \"$f\" and .comm == \"rm\")" cron-write high T1053.003,T1053.002
	# a package shipping /etc/cron.d/pinwatch-canary-PID-deb.off, installed and purged by dpkg
	mkdir -p "$pkg/DEBIAN" "$pkg/etc/cron.d"
	printf 'Package: pinwatch-canary-deb\nVersion: 1\nArchitecture: all\nMaintainer: pinwatch tests <root@localhost>\nDescription: pinwatch test package\n' >"$pkg/DEBIAN/control"
	: >"$pkg/etc/cron.d/pinwatch-canary-$$-deb.off"
	dpkg-deb --build "$pkg" "$BATS_TEST_TMPDIR/p.deb" >/dev/null
	: >"$EV"
	# another dpkg or apt may hold the lock for a while
	for _ in $(seq 1 30); do
		run dpkg -i "$BATS_TEST_TMPDIR/p.deb"
		[[ $status -ne 0 && $output == *lock* ]] || break
		sleep 1
	done
	[ "$status" -eq 0 ] || skip "dpkg -i failed (dpkg lock held?): $output"
	[ -e "/etc/cron.d/pinwatch-canary-$$-deb.off" ]
	dpkg -P pinwatch-canary-deb >/dev/null
	[ ! -e "/etc/cron.d/pinwatch-canary-$$-deb.off" ]
	sleep 0.3
	"$PW_READ" --json --drain --alerts >>"$EV"
	no_alert cron-write "(.path + \" \" + (.new_path // \"\")) | contains(\"pinwatch-canary-$$-deb\")"
}

# bats test_tags=pack-alerts
@test "profile-write, history-tamper, credential-read, timestomp: useradd -m and userdel -r of a test user are silent; a shell saving its history is silent" {
	local u=pwcanary$$
	command -v useradd >/dev/null || skip "needs useradd"
	useradd -m -d "/home/$u" "$u"
	[ -e "/home/$u/.bashrc" ] || [ -e "/home/$u/.profile" ] || { userdel -r "$u"; skip "/etc/skel gave no start-up file"; }
	echo ls >>"/home/$u/.bash_history"	# appending: no alert
	userdel -r "$u" 2>/dev/null
	# bash's history -w over an existing history writes a temp file and
	# renames it (a first history is created with O_TRUNC: the rule's
	# documented false positive)
	echo old >>"$BATS_TEST_TMPDIR/.bash_history"
	HISTFILE=$BATS_TEST_TMPDIR/.bash_history bash -c 'set -o history; history -s "echo hi"; history -w'
	[ -s "$BATS_TEST_TMPDIR/.bash_history" ]
	# then the acts: an editor's write of a .profile, a truncated history
	echo 'echo x' >"$BATS_TEST_TMPDIR/.profile"
	: >"$BATS_TEST_TMPDIR/.bash_history"
	collect_alerts 'select(.rule == "history-tamper")' 1
	collect_alerts 'select(.rule == "profile-write")' 1
	[ "$(ev "select(.rule == \"profile-write\" and (.path | startswith(\"$BATS_TEST_TMPDIR\") or contains(\"/home/$u\")))" | wc -l)" -eq 1 ]
	assert_rule "select(.path == \"$BATS_TEST_TMPDIR/.profile\")" profile-write medium T1546.004
	[ "$(ev "select(.rule == \"history-tamper\" and (.path | startswith(\"$BATS_TEST_TMPDIR\") or contains(\"/home/$u\")))" | wc -l)" -eq 1 ]
	assert_rule "select(.path == \"$BATS_TEST_TMPDIR/.bash_history\" and .type == \"open\")" history-tamper high T1070.003
	no_alert credential-read '.comm | test("^(useradd|userdel|bash)$")'
	# useradd/userdel keep the times of /etc/passwd- and the other backups
	no_alert timestomp '.comm | test("^(useradd|userdel)$")'
}

# bats test_tags=pack-alerts
@test "log-tamper: a log truncated or removed under /var/log is an alert; appending is not" {
	local f=/var/log/pinwatch-canary-$$.log
	echo a >>"$f"
	echo b >>"$f"
	: >"$f"
	rm -f "$f"
	collect_alerts 'select(.rule == "log-tamper")' 2
	assert_rule "select(.type == \"open\" and .path == \"$f\")" log-tamper high T1070.002
	assert_rule "select(.type == \"unlink\" and .path == \"$f\" and .comm == \"rm\")" log-tamper high T1070.002
	[ "$(ev "select(.rule == \"log-tamper\" and .path == \"$f\")" | wc -l)" -eq 2 ]
}

# bats test_tags=pack-alerts
@test "log-tamper: logrotate's rotation (an excluded binary) is silent" {
	command -v logrotate >/dev/null || skip "logrotate is not installed"
	local d=/var/log/pinwatch-canary-$$
	mkdir -p "$d"
	echo x >"$d/app.log"
	: >"$EV"
	"$PW_READ" --drain >/dev/null
	printf '%s/app.log {\n rotate 1\n create\n missingok\n}\n' "$d" >"$BATS_TEST_TMPDIR/lr.conf"
	logrotate -f -s "$BATS_TEST_TMPDIR/lr.state" "$BATS_TEST_TMPDIR/lr.conf"
	echo y >"$d/app.log"
	logrotate -f -s "$BATS_TEST_TMPDIR/lr.state" "$BATS_TEST_TMPDIR/lr.conf"	# removes app.log.1
	rm -rf "$d"
	collect_alerts 'select(.rule == "log-tamper" and .comm == "rm")' 1
	[ "$(ev 'select(.rule == "log-tamper" and .comm == "logrotate")' | wc -l)" -eq 0 ]
}

# bats test_tags=pack-alerts
@test "setuid-set, file-cap-set, container-escape-write, ld-preload-write: the act is an alert with the pack's fields" {
	local d=$BATS_TEST_TMPDIR
	cp /usr/bin/true "$d/t"
	chmod 0755 "$d/t"
	chmod g+s "$d/t"
	python3 -c 'import os, struct, sys; os.setxattr(sys.argv[1], "security.capability", struct.pack("<5I", 0x02000000, 0, 0, 0, 0))' "$d/t"
	mkdir -p "$d/cg"
	echo /bin/true >"$d/cg/release_agent"
	perl -e 'use Fcntl; sysopen(my $f, "/etc/ld.so.preload", O_WRONLY | O_APPEND); exit 0'
	collect_alerts 'select(.rule == "ld-preload-write")' 1
	collect_alerts 'select(.rule == "setuid-set")' 1
	assert_rule "select(.path == \"$d/t\" and .mode == \"2755\")" setuid-set high T1548.001
	[ "$(ev "select(.rule == \"setuid-set\" and .path == \"$d/t\")" | wc -l)" -eq 1 ]
	collect_alerts 'select(.rule == "file-cap-set")' 1
	assert_rule "select(.path == \"$d/t\" and .name == \"security.capability\")" file-cap-set high T1548
	collect_alerts 'select(.rule == "container-escape-write")' 1
	assert_rule "select(.path == \"$d/cg/release_agent\")" container-escape-write critical T1611
	assert_rule 'select(.path == "/etc/ld.so.preload" and .comm == "perl")' ld-preload-write critical T1574.006
}

# bats test_tags=pack-alerts
@test "timestomp: touch -d and touch -r (by fd), python's os.utime (by path) are alerts; touch, cp -p and tar are not" {
	local d=$BATS_TEST_TMPDIR
	: >"$d/a"
	touch "$d/a"
	touch -d 2001-01-01 "$d/a"
	touch -r /usr/bin/ls "$d/a"
	cp -p "$d/a" "$d/b"
	tar -C "$d" -cf "$d/t.tar" a b
	mkdir "$d/x"
	tar -C "$d/x" -xf "$d/t.tar"
	python3 -c 'import os, sys; os.utime(sys.argv[1], (978307200, 978307200))' "$d/b"
	collect_alerts 'select(.rule == "timestomp")' 3
	assert_rule 'select(.comm == "touch" and .mtime == "2001-01-01T00:00:00.000000000Z")' timestomp medium T1070.006
	assert_rule 'select(.comm == "touch" and .fd == 0)' timestomp medium T1070.006
	assert_rule "select(.comm == \"python3\" and .path == \"$d/b\")" timestomp medium T1070.006
	sleep 0.3
	"$PW_READ" --json --drain --alerts >>"$EV"
	# cp -p and tar: no alert (a plain touch is not either: tests/rulesel.bats, --utime now)
	[ "$(ev 'select(.rule == "timestomp" and (.comm | test("^(cp|tar)$")))' | wc -l)" -eq 0 ]
	[ "$(ev "select(.rule == \"timestomp\" and .comm == \"python3\" and .path == \"$d/b\")" | wc -l)" -eq 1 ]
}
