#!/usr/bin/env bats
# The cred module: every credential syscall, failed ones included, with the
# ids and capabilities before and after, the filters and the stats invariant.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file cred
	# readable and runnable by nobody: the failed setuid(0) is nobody's
	CRED_DIR=$(mktemp -d "${TMPDIR:-/tmp}"/pinwatch-cred.XXXXXX)
	chmod 755 "$CRED_DIR"
	pw_cc "$CRED_DIR/pwcredact" -O2 "$PW_HOME/tests/helpers/cred-act.c"
	export CRED_DIR
}

teardown_file() {
	rm -rf "$CRED_DIR"
	pw_teardown_file
}

setup() {
	require_root
	pw_drain
	ACT=$CRED_DIR/pwcredact
	# a setpriv under a name of its own: its events are unmistakable
	SETPRIV=$CRED_DIR/pwsp$RANDOM
	cp "$(command -v setpriv)" "$SETPRIV"
	SP_COMM=${SETPRIV##*/}
}

teardown() {
	rm -f "$SETPRIV"
}

# The events of comm COMM (whole comm) and syscall SYSCALL, from JSON Lines.
cred_events() { # json comm syscall
	jq -c --arg c "$2" --arg s "$3" 'select(.type == "cred" and .comm == $c and .syscall == $s)' <<<"$1"
}

@test "root dropping to nobody with setpriv reports setresuid, setresgid and setgroups, old and new ids" {
	run -0 "$SETPRIV" --reuid=65534 --regid=65534 --clear-groups true
	events=$(pw_events)
	ev=$(cred_events "$events" "$SP_COMM" setresuid)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .module cred
	assert_field "$ev" .ret -eq 0
	for id in uid euid suid fsuid; do
		assert_field "$ev" ".old_$id" -eq 0
		assert_field "$ev" ".new_$id" -eq 65534
	done
	for id in gid egid sgid fsgid; do
		assert_field "$ev" ".old_$id" -eq 0
		assert_field "$ev" ".new_$id" -eq 0
	done
	# the header is read at exit: the new uid
	assert_field "$ev" .uid -eq 65534
	# setuid away from root clears the effective set; the permitted set
	# stays, as setpriv asks (PR_SET_KEEPCAPS), to be dropped by capset
	assert_field "$ev" '.old_cap_effective | index("CAP_SYS_ADMIN") != null' = true
	assert_field "$ev" '.new_cap_effective | length' -eq 0
	assert_field "$ev" '.old_cap_permitted | index("CAP_SETUID") != null' = true
	assert_field "$ev" '.new_cap_permitted | index("CAP_SETUID") != null' = true
	assert_field "$ev" '.groups | type' array
	assert_field "$ev" '.old_ngroups | type' number

	ev=$(cred_events "$events" "$SP_COMM" setresgid)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq 0
	for id in gid egid sgid fsgid; do
		assert_field "$ev" ".old_$id" -eq 0
		assert_field "$ev" ".new_$id" -eq 65534
	done
	for id in uid euid suid fsuid; do
		assert_field "$ev" ".old_$id" -eq 65534
		assert_field "$ev" ".new_$id" -eq 65534
	done

	ev=$(cred_events "$events" "$SP_COMM" setgroups)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .new_ngroups -eq 0
	assert_field "$ev" '.groups | length' -eq 0
}

@test "nobody's failed setuid(0) is reported with ret -1 (EPERM) and its ids unchanged" {
	run -0 as_nobody "$ACT" setuid 0
	[ "$output" = "ret=-1 errno=1" ]
	ev=$(cred_events "$(pw_events)" pwcredact setuid)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq -1
	assert_field "$ev" .uid -eq 65534
	for id in uid euid suid fsuid gid egid sgid fsgid; do
		assert_field "$ev" ".old_$id" -eq 65534
		assert_field "$ev" ".new_$id" -eq 65534
	done
	assert_field "$ev" '.old_cap_effective | length' -eq 0
	assert_field "$ev" '.new_cap_effective | length' -eq 0
}

@test "setfsuid reports the fsuid before and after; its ret is the previous fsuid" {
	run -0 "$ACT" setfsuid 4242
	[ "$output" = "ret=0 errno=0" ]
	ev=$(cred_events "$(pw_events)" pwcredact setfsuid)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .old_fsuid -eq 0
	assert_field "$ev" .new_fsuid -eq 4242
	assert_field "$ev" .new_uid -eq 0
	assert_field "$ev" .new_euid -eq 0
}

@test "capset dropping CAP_NET_RAW reports the effective and permitted sets by name, before and after" {
	run -0 "$ACT" capdrop 13
	[ "$output" = "ret=0 errno=0" ]
	ev=$(cred_events "$(pw_events)" pwcredact capset)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq 0
	for set in cap_effective cap_permitted; do
		assert_field "$ev" ".old_$set | index(\"CAP_NET_RAW\") != null" = true
		assert_field "$ev" ".new_$set | index(\"CAP_NET_RAW\")" = null
		# only CAP_NET_RAW went
		assert_field "$ev" "(.old_$set - .new_$set) | tostring" = '["CAP_NET_RAW"]'
		assert_field "$ev" "(.new_$set - .old_$set) | length" -eq 0
	done
	for id in uid euid suid fsuid gid egid sgid fsgid; do
		assert_field "$ev" ".old_$id" -eq 0
		assert_field "$ev" ".new_$id" -eq 0
	done
}

@test "capsh setting the capability sets is a capset event" {
	command -v capsh >/dev/null || skip "needs capsh (libcap2-bin)"
	cp "$(command -v capsh)" "$CRED_DIR/pwcapsh"
	run -0 "$CRED_DIR/pwcapsh" --caps="cap_chown,cap_net_raw+ep" -- -c true
	ev=$(cred_events "$(pw_events)" pwcapsh capset | head -1)
	[ -n "$ev" ]
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" '.new_cap_effective | tostring' = '["CAP_CHOWN","CAP_NET_RAW"]'
	assert_field "$ev" '.new_cap_permitted | tostring' = '["CAP_CHOWN","CAP_NET_RAW"]'
	assert_field "$ev" '.old_cap_effective | length' -gt 2
}

@test "setgroups through setpriv --groups reports the new groups" {
	run -0 "$SETPRIV" --groups=4,27 true
	ev=$(cred_events "$(pw_events)" "$SP_COMM" setgroups)
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .new_ngroups -eq 2
	assert_field "$ev" '.groups | tostring' = '[4,27]'
	assert_field "$ev" .new_gid -eq 0
}

# bats test_tags=vm-ci
@test "an exec of a setuid-root copy by nobody is a cred event execve, where commit_creds can be hooked" {
	variant=$(hook_variant cred commit)
	[ -n "$variant" ] || skip "no fentry or kprobe on commit_creds() on this kernel: exec credential changes are the process module's exec"
	! findmnt -no OPTIONS --target "$CRED_DIR" | grep -qw nosuid || skip "$CRED_DIR is on a nosuid mount"
	bin=$CRED_DIR/pwsuid$RANDOM
	cp /bin/true "$bin"
	chmod 4755 "$bin"
	# runuser drops every capability with root (setpriv keeps them: PR_SET_KEEPCAPS)
	command -v runuser >/dev/null || skip "needs runuser (util-linux)"
	run -0 runuser -u nobody -- "$bin"
	rm -f "$bin"
	# commit_creds() runs after the exec named the task after its file
	ev=$(cred_events "$(pw_events)" "${bin##*/}" execve)
	[ "$(jq -s length <<<"$ev")" -eq 1 ] || { echo "want one cred execve event of ${bin##*/}, got: $ev"; return 1; }
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .old_euid -eq 65534
	assert_field "$ev" .new_euid -eq 0
	assert_field "$ev" .new_suid -eq 0
	assert_field "$ev" .new_fsuid -eq 0
	assert_field "$ev" .new_uid -eq 65534
	assert_field "$ev" .old_gid -eq 65534
	assert_field "$ev" .new_gid -eq 65534
	assert_field "$ev" .new_egid -eq 65534
	# the header is the caller's, before the exec installs the credentials
	assert_field "$ev" .uid -eq 65534
	# an exec as euid 0 gets root's capabilities (commoncap)
	assert_field "$ev" '.old_cap_effective | length' -eq 0
	assert_field "$ev" '.new_cap_effective | index("CAP_SYS_ADMIN") != null' = true
	# an exec that changes nothing is no event
	run -0 runuser -u nobody -- /bin/true
	[ -z "$(cred_events "$(pw_events)" true execve)" ]
}

@test "the text output shows each id old->new, ret and the capability change" {
	run -0 "$SETPRIV" --reuid=65534 --regid=65534 --clear-groups true
	run -0 as_nobody "$ACT" setuid 0
	run -0 "$PW_READ" --drain
	grep -E " $SP_COMM +setresuid uid=0->65534 euid=0->65534 suid=0->65534 fsuid=0->65534 gid=0 egid=0 sgid=0 fsgid=0 ret=0 cap_effective=none\$" <<<"$output"
	grep -E " $SP_COMM +setgroups uid=65534 euid=65534 suid=65534 fsuid=65534 gid=65534 egid=65534 sgid=65534 fsgid=65534 ret=0 groups=none\$" <<<"$output"
	grep -E "^[0-9:]+ cred +[0-9]+ +[0-9]+ +65534 pwcredact +setuid uid=65534 euid=65534 suid=65534 fsuid=65534 gid=65534 egid=65534 sgid=65534 fsgid=65534 ret=-1\(EPERM\)\$" <<<"$output"
}

@test "a comm filter drops the calls of that command, counted as filtered" {
	"$PW" filter add comm pwcredact
	"$ACT" setfsuid 0
	"$PW" filter del comm pwcredact
	filtered=$(stat_of cred filtered)
	[ -z "$(cred_events "$(pw_events)" pwcredact setfsuid)" ]
	"$ACT" setfsuid 0
	[ "$(cred_events "$(pw_events)" pwcredact setfsuid | jq -s length)" -eq 1 ]
	[ "$filtered" -ge 1 ]
}

@test "module.cred off stops the events and counts them as filtered" {
	"$PW" config set module.cred off
	before=$(stat_of cred filtered)
	"$ACT" setfsuid 0
	after=$(stat_of cred filtered)
	"$PW" config set module.cred on
	[ -z "$(cred_events "$(pw_events)" pwcredact setfsuid)" ]
	[ "$after" -gt "$before" ]
}

@test "after a run, seen equals filtered plus emitted plus dropped for module cred" {
	"$PW" filter add comm pwcredact
	"$ACT" setuid 0
	"$PW" filter del comm pwcredact
	"$ACT" setuid 0
	run -0 stats_balance cred
	assert_field "$output" .filtered -ge 1
	assert_field "$output" .emitted -ge 1
}

@test "every cred pin is documented in pinned-layout.md" {
	documented=$(grep -o '/sys/fs/bpf/pinwatch/cred/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	n=0
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
		n=$((n + 1))
	done < <(find "$PIN_ROOT/cred" -mindepth 1 | sort)
	# 20 hooks, a link and a program each, and inflight; with commit, 43
	[ "$n" -ge 41 ]
}
