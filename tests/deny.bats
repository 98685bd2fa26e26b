#!/usr/bin/env bats
# Rules of action deny (bpf/deny.bpf.c): exec, open, unlink and connect fail
# with EPERM for the process a rule matches, where the kernel lets BPF
# refuse them (BPF LSM, or fmod_ret on the security_* functions: the 6.1
# guest), and a deny event names the rule. Where the kernel can do neither
# (this host), `rule add --action deny` is refused with one line naming
# what the kernel lacks, and nothing changes.
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run

load helpers/common
load helpers/rules
bats_require_minimum_version 1.5.0

NETPL=$BATS_TEST_DIRNAME/helpers/net.pl

# The deny module loads only where it has a hook: `up deny` fails elsewhere.
setup_file() {
	export PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_setup_file process file net
	"$PW" up deny >/dev/null 2>&1 || true
}

teardown_file() { pw_teardown_file; }

setup() { rules_setup; }

teardown() { rules_del_all; }

need_deny() {
	[[ -d $PIN_ROOT/deny ]] ||
		skip "the kernel cannot refuse operations from BPF (no BPF LSM, no fmod_ret): the refusal test covers it"
}

# Appends the deny events queued in the ring to $EV until one matches.
collect_deny() { # jq-filter
	for _ in $(seq 1 50); do
		"$PW_READ" --json --drain | jq -c 'select(.type == "deny")' >>"$EV"
		[ "$(jq -c "$1" "$EV" | wc -l)" -ge 1 ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for a deny event matching: $1 (have: $(cat "$EV"))" >&2
	return 1
}

rule_hits() { "$PW" rule list --json | jq -r --arg n "$1" '.[] | select(.name == $n) | .hits'; }

@test "where BPF cannot refuse, rule add/load/test --action deny is refused with one line naming what the kernel lacks; nothing changes" {
	[[ ! -d $PIN_ROOT/deny ]] || skip "this kernel can refuse operations from BPF (the deny module is loaded)"
	"$PW" rule add keep --on open --path /etc/gshadow
	state=$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/rules"
		bpftool map dump pinned "$PIN_ROOT/maps/rule_types"; cat "$PINWATCH_RULES_DIR"/*.rules)
	run -1 --separate-stderr "$PW" rule add no-shadow --on open --path /etc/shadow --action deny
	assert_one_line_error
	[[ $stderr == "pinwatch: rule: add no-shadow: --action deny: this kernel cannot refuse open from BPF: no BPF LSM ("*") and no fmod_ret ("*")" ]]
	# one bad line: nothing of the file, the file and line named
	f=$BATS_TEST_TMPDIR/d.rules
	printf '%s\n' 'fine --on exec --comm pwnever' 'no-x --on exec --path /tmp/x --action deny' >"$f"
	run -1 --separate-stderr "$PW" rule load "$f"
	assert_one_line_error
	[[ $stderr == *"$f:2: no-x: --action deny: this kernel cannot refuse exec from BPF: no BPF LSM ("* ]]
	run -1 --separate-stderr "$PW" rule test "$f"
	assert_one_line_error
	[ "$(pin_state; bpftool map dump pinned "$PIN_ROOT/maps/rules"
		bpftool map dump pinned "$PIN_ROOT/maps/rule_types"; cat "$PINWATCH_RULES_DIR"/*.rules)" = "$state" ]
	[ ! -e "$PIN_ROOT/maps/rule_deny" ]
}

@test "deny rules: bad input is one line, whatever the kernel" {
	for args in "--on exec --stdio socket --comm x" "--on exec --path /x --throttle 1/10s" \
		"--on open --uid 1000"; do
		# shellcheck disable=SC2086 # words
		run -1 --separate-stderr "$PW" rule add d $args --action deny
		assert_one_line_error
		[[ $stderr == *"--action deny"* ]]
	done
	[ "$("$PW" rule list --json)" = "[]" ]
}

# bats test_tags=vm-ci
@test "deny open: the matching process gets EPERM, another opens the file; the deny event names the rule" {
	need_deny
	f=$(realpath "$BATS_TEST_TMPDIR")/secret
	echo hush >"$f"
	"$PW" rule add no-secret --on open --path "$f" --comm cat --action deny --severity high --tags T1005
	run -1 --separate-stderr cat "$f"
	[[ $stderr == *"Operation not permitted"* ]]
	run -0 head -c 4 "$f"
	[ "$output" = hush ]
	collect_deny 'select(.act == "open")'
	ev=$(jq -c 'select(.act == "open")' "$EV")
	[ "$(wc -l <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule no-secret
	assert_field "$ev" .denied_by no-secret
	assert_field "$ev" .severity high
	assert_field "$ev" .errno -eq 1
	assert_field "$ev" .path "$f"
	assert_field "$ev" .comm cat
	assert_field "$ev" .module deny
	[ "$(rule_hits no-secret)" -eq 1 ]
	# the tracing modules never act on a deny rule: no alert of it there
	[ "$(bpftool map lookup pinned "$PIN_ROOT/maps/rule_types" key 20 0 0 0 | jq -c '.value.w | length > 0 and all(. == 0)')" = true ]
}

# bats test_tags=vm-ci
@test "deny exec, unlink and connect: EPERM for the matching process only, a deny event each" {
	need_deny
	d=$(realpath "$BATS_TEST_TMPDIR")
	cp /bin/true "$d/pwnoexec"
	mkdir "$d/keep"
	touch "$d/keep/a" "$d/keep/b"
	pf=$d/port
	perl "$NETPL" serve inet 127.0.0.1 "$pf" 0 x &
	srv=$!
	for _ in $(seq 1 100); do [[ -s $pf ]] && break; sleep 0.05; done
	port=$(cat "$pf")
	"$PW" rule add no-exec --on exec --path "$d/pwnoexec" --comm perl --action deny
	"$PW" rule add no-rm --on unlink --path-prefix "$d/keep" --comm rm --action deny
	"$PW" rule add no-port --on connect --port "$port" --cidr 127.0.0.1/32 --comm perl --action deny
	# exec: perl is refused, bash runs it
	run -2 --separate-stderr perl -e 'exec @ARGV or do { print STDERR "$!\n"; exit 2 }' "$d/pwnoexec"
	[ "$stderr" = "Operation not permitted" ]
	run -0 "$d/pwnoexec"
	# unlink: rm is refused, perl removes the other file
	run -1 --separate-stderr rm "$d/keep/a"
	[[ $stderr == *"Operation not permitted"* ]]
	[ -e "$d/keep/a" ]
	perl -e 'unlink $ARGV[0] or die "$!\n"' "$d/keep/b"
	[ ! -e "$d/keep/b" ]
	# connect: perl is refused, bash connects and reads the reply
	# shellcheck disable=SC2016 # perl code
	run -2 --separate-stderr perl -MSocket -e 'socket(my $s, AF_INET, SOCK_STREAM, 0) or die;
		connect($s, pack_sockaddr_in($ARGV[0], inet_aton("127.0.0.1"))) or do { print STDERR "$!\n"; exit 2 }' "$port"
	[ "$stderr" = "Operation not permitted" ]
	# (not fd 3: bats writes its report there)
	exec {sock}<>"/dev/tcp/127.0.0.1/$port"
	read -r -n 1 reply <&"$sock"
	exec {sock}<&-
	[ "$reply" = x ]
	wait "$srv"
	collect_deny 'select(.act == "connect")'
	collect_deny 'select(.act == "unlink")'
	collect_deny 'select(.act == "exec")'
	ev=$(jq -c 'select(.act == "exec")' "$EV")
	assert_field "$ev" .rule no-exec
	assert_field "$ev" .path "$d/pwnoexec"
	assert_field "$ev" .comm perl
	assert_field "$ev" .errno -eq 1
	ev=$(jq -c 'select(.act == "unlink")' "$EV")
	[ "$(wc -l <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule no-rm
	assert_field "$ev" .path "$d/keep/a"
	assert_field "$ev" .comm rm
	ev=$(jq -c 'select(.act == "connect")' "$EV")
	[ "$(wc -l <<<"$ev")" -eq 1 ]
	assert_field "$ev" .rule no-port
	assert_field "$ev" .daddr 127.0.0.1
	assert_field "$ev" .dport -eq "$port"
	assert_field "$ev" .comm perl
	stats_balance deny
}

# bats test_tags=vm-ci
@test "the fmod_ret variant (where LSM does not run) refuses as the lsm one does" {
	need_deny
	"$PW" down deny
	PINWATCH_DENY_VARIANTS=lsm "$PW" up deny >/dev/null
	run -0 hook_variant deny open
	variant=$output
	f=$(realpath "$BATS_TEST_TMPDIR")/secret
	echo hush >"$f"
	if [[ $variant == fmod_ret ]]; then
		"$PW" rule add no-secret --on open --path "$f" --comm cat --action deny
		run -1 --separate-stderr cat "$f"
		[[ $stderr == *"Operation not permitted"* ]]
		run -0 head -c 4 "$f"
		collect_deny 'select(.act == "open" and .rule == "no-secret")'
	fi
	"$PW" rule del no-secret 2>/dev/null || true
	"$PW" down deny
	"$PW" up deny >/dev/null
	[ "$variant" = fmod_ret ] || skip "no fmod_ret on this kernel (variant '$variant')"
}

@test "every deny pin is documented in pinned-layout.md" {
	need_deny
	documented=$(grep -o '/sys/fs/bpf/pinwatch/deny/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT/deny" -mindepth 1 | sort)
	[ -e "$PIN_ROOT/maps/rule_deny" ]
}
