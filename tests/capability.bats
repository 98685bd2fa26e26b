#!/usr/bin/env bats
# The capability module: capability checks as capable events (granted and
# denied), denials-only mode, repeat suppression, and the kprobe variant for
# kernels without the cap_capable tracepoint.

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite capability

# up's default, then every check: the tests below see granted checks unless
# they switch denials-only on
setup_file() {
	pw_setup_file capability
	"$PW" config get capable_denials_only >"$BATS_FILE_TMPDIR/default"
	"$PW" config set capable_denials_only off
}

teardown() {
	"$PW" config set capable_denials_only off >/dev/null 2>&1 || true
}

@test "up reports denials only (capable_denials_only 1): granted checks are the bulk of an idle server's events" {
	[ "$(cat "$BATS_FILE_TMPDIR/default")" = 1 ]
}

CAP_SYS_ADMIN=21

# unshare(CLONE_NEWUTS) needs CAP_SYS_ADMIN; prints the pid that asked
unshare_uts() { # [nobody]
	if [[ ${1:-} == nobody ]]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- unshare --uts true 2>/dev/null &
	else
		unshare --uts true &
	fi
	local pid=$!
	wait "$pid" || true
	echo "$pid"
}

# bats test_tags=vm-ci
@test "a check denied to nobody is reported with cap, cap_name, ret -1 and uid 65534" {
	pid=$(unshare_uts nobody)
	ev=$(pw_events | jq -c --argjson p "$pid" 'select(.type == "capable" and .pid == $p and .ret != 0 and .comm == "unshare")' | head -n 1)
	[ -n "$ev" ]
	assert_field "$ev" .cap -eq $CAP_SYS_ADMIN
	assert_field "$ev" .cap_name CAP_SYS_ADMIN
	assert_field "$ev" .ret -eq -1 # -EPERM
	assert_field "$ev" .uid -eq 65534
	assert_field "$ev" .comm unshare
	assert_field "$ev" .module capability
	assert_field "$ev" '.userns | type' number
	# audit and opts: booleans/numbers from the kprobe, null from the tracepoint
	[[ $(jq -r '.audit | type' <<<"$ev") == @(null|boolean) ]]
}

# bats test_tags=vm-ci
@test "a check granted to root is reported with ret 0" {
	pid=$(unshare_uts)
	ev=$(pw_events | jq -c --argjson p "$pid" --argjson c $CAP_SYS_ADMIN \
		'select(.type == "capable" and .pid == $p and .cap == $c)' | head -n 1)
	[ -n "$ev" ]
	assert_field "$ev" .ret -eq 0
	assert_field "$ev" .uid -eq 0
}

@test "denials-only mode drops every granted check, as filtered, and keeps the denials" {
	"$PW" config set capable_denials_only on
	[ "$("$PW" config get capable_denials_only)" = 1 ]
	filtered=$(stat_of capability filtered)
	root=$(unshare_uts)
	nobody=$(unshare_uts nobody)
	"$PW" config set capable_denials_only off
	events=$(pw_events | jq -c 'select(.type == "capable")')
	[ "$(jq -c --argjson p "$root" 'select(.pid == $p)' <<<"$events" | wc -l)" -eq 0 ]
	[ "$(jq -c --argjson p "$nobody" 'select(.pid == $p and .cap_name == "CAP_SYS_ADMIN" and .ret == -1)' <<<"$events" | wc -l)" -ge 1 ]
	# setpriv, as root before it drops to nobody, passed checks: none shows
	[ "$(jq -c --argjson p "$nobody" 'select(.pid == $p and .ret == 0)' <<<"$events" | wc -l)" -eq 0 ]
	[ "$(stat_of capability filtered)" -gt "$filtered" ]
	run -0 stats_balance capability
}

@test "identical granted checks in a row by one thread are reported once" {
	py=$(command -v /usr/bin/python3 python3 | head -n 1)
	[ -n "$py" ] || skip "needs python3 to repeat a check in one thread"
	unshare --uts "$py" -c 'import socket
for _ in range(200): socket.sethostname("pinwatch-test")' &
	pid=$!
	wait "$pid"
	n=$(pw_events | jq -c --argjson p "$pid" --argjson c $CAP_SYS_ADMIN \
		'select(.type == "capable" and .pid == $p and .cap == $c and .ret == 0)' | wc -l)
	echo "reported $n of 200+"
	[ "$n" -ge 1 ]
	[ "$n" -lt 20 ]
}

# nice(-1) N times in one thread: N identical CAP_SYS_NICE checks (same
# thread, capability and namespace, within a second), a check that Python's
# start-up does not make. Prints the pid; fails unless each call was denied
# (nobody) or granted (root) as asked.
nice_checks() { # n deny|grant
	local py pid
	py=$(command -v /usr/bin/python3 python3 | head -n 1)
	local script='import os, sys
for _ in range(int(sys.argv[1])):
    try:
        os.nice(-1)
        granted = True
    except PermissionError:
        granted = False
    if granted != (sys.argv[2] == "grant"):
        sys.exit("nice(-1): expected " + sys.argv[2])'
	if [[ $2 == deny ]]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups -- "$py" -c "$script" "$1" deny &
	else
		"$py" -c "$script" "$1" grant &
	fi
	pid=$!
	wait "$pid" || return 1
	echo "$pid"
}

CAP_SYS_NICE=23

@test "identical denied checks in a row by one thread are all reported, granted ones once" {
	command -v /usr/bin/python3 python3 >/dev/null || skip "needs python3 to repeat a check in one thread"
	n=50
	denied=$(nice_checks $n deny)
	granted=$(nice_checks $n grant)
	events=$(pw_events | jq -c --argjson c $CAP_SYS_NICE 'select(.type == "capable" and .cap == $c)')
	d=$(jq -c --argjson p "$denied" 'select(.pid == $p)' <<<"$events")
	g=$(jq -c --argjson p "$granted" 'select(.pid == $p)' <<<"$events")
	echo "denied: $(jq -s length <<<"$d") of $n reported; granted: $(jq -s length <<<"$g") of $n"
	[ "$(jq -s length <<<"$d")" -eq "$n" ]
	[ "$(jq -r .ret <<<"$d" | sort -u)" -eq -1 ]
	[ "$(jq -r .tid <<<"$d" | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r .userns <<<"$d" | sort -u | wc -l)" -eq 1 ]
	[ "$(jq -r .uid <<<"$d" | sort -u)" -eq 65534 ]
	# the same checks granted are deduplicated: the rule is on, and skips
	# the denials only
	[ "$(jq -r .ret <<<"$g" | sort -u)" -eq 0 ]
	[ "$(jq -s length <<<"$g")" -ge 1 ]
	[ "$(jq -s length <<<"$g")" -lt $((n / 2)) ]
}

@test "capable_denials_only takes on or off, nothing else" {
	run --separate-stderr "$PW" config set capable_denials_only 2
	assert_one_line_error
	[ "$("$PW" config get capable_denials_only)" = 0 ]
}

# bats test_tags=pack-alerts
@test "the kprobe fallback (for 6.1) passes the verifier and computes the kernel's cap_capable result" {
	obj=$BATS_TEST_TMPDIR/capable_selftest.bpf.o
	arch=$(uname -m | sed -e s/x86_64/x86/ -e s/aarch64/arm64/)
	clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -I"$PW_BUILD" -I"$PW_HOME/bpf" \
		-c "$PW_HOME/tests/fixtures/capable_selftest.bpf.c" -o "$obj"
	pw_cc "$BATS_TEST_TMPDIR/prog_run" -O2 "$PW_HOME/tests/fixtures/prog_run.c" -lbpf
	pins=$PIN_ROOT-selftest
	mkdir -p "$pins"
	run "$BATS_TEST_TMPDIR/prog_run" "$obj" "$pins" capable__kprobe - -- true
	rm -rf "$pins"
	[ "$status" -eq 0 ]
	bpftool btf dump file /sys/kernel/btf/vmlinux | grep -q "'btf_trace_cap_capable'" ||
		skip "no cap_capable tracepoint to compare with (the kprobe variant verified)"
	# denied in the caller's namespace, granted to root, and granted through
	# a child user namespace owned by the caller (nsenter into it)
	mkdir -p "$pins"
	run "$BATS_TEST_TMPDIR/prog_run" "$obj" "$pins" selftest,capable__kprobe selftest -- sh -c '
		unshare --uts true
		setpriv --reuid=65534 --regid=65534 --clear-groups -- sh -c "
			unshare --uts true 2>/dev/null
			unshare -U -r sleep 1 & sleep 0.3
			nsenter --preserve-credentials -U -t \$! true
			wait"'
	rm -rf "$pins"
	[ "$status" -eq 0 ]
	echo "agree ${lines[0]} disagree ${lines[1]}"
	[ "${lines[0]}" -gt 10 ]
	[ "${lines[1]}" -eq 0 ]
}

@test "every capability pin is documented in pinned-layout.md" {
	documented=$(grep -o '/sys/fs/bpf/pinwatch/capability/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT/capability" -mindepth 1 | sort)
}
