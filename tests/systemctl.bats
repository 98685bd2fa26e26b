#!/usr/bin/env bats
# The units (scripts/systemd/) under a real systemd: `make install` into a
# scratch prefix, the units linked into /run/systemd/system, then started,
# restarted and stopped with systemctl, their sandbox as written. Needs
# systemd as PID 1: `tests/vm/run --systemd` boots the 6.1 guest so (make
# vmtest runs it), elsewhere the file skips. tests/systemd.bats checks the
# units without systemd (systemd-analyze, their commands run directly).

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

RUNTIME_UNITS=/run/systemd/system
# The prefix is under /run, not /tmp: the units have PrivateTmp=yes, so
# nothing under the host's /tmp is visible to them.
PREFIX_DIR=/run/pinwatch-systemctl-test/usr
LOG=/var/log/pinwatch/events.jsonl # the consumer's --output (its ExecStart)

# bats 1.8 cannot skip from setup_file: the reason is kept in SKIP_REASON
# and setup() skips every test with it.
setup_file() {
	require_root
	export SKIP_REASON=
	if [[ ! -d /run/systemd/system || $(cat /proc/1/comm) != systemd ]]; then
		SKIP_REASON="PID 1 is not systemd (tests/vm/run --systemd boots the 6.1 guest with it)"
		return 0
	fi
	if [[ $(systemctl show -P LoadState pinwatch.service) != not-found ]]; then
		SKIP_REASON="a pinwatch.service is installed here: this file would replace it"
		return 0
	fi
	pw_teardown
	rm -rf "${PREFIX_DIR%/usr}"
	# the build as it is (-o all: nothing is rebuilt)
	make -s -C "$PW_HOME" -o all install PREFIX="$PREFIX_DIR" PW_GIT_REV=systemctl-test >/dev/null
	[[ -e /var/log/pinwatch ]] || touch "$BATS_FILE_TMPDIR/own-log-dir"
	systemctl link --runtime "$PREFIX_DIR/lib/systemd/system/pinwatch.service" \
		"$PREFIX_DIR/lib/systemd/system/pinwatch-events.service" >/dev/null
	# this run's pin root (PINWATCH_PIN_ROOT), given to both units
	local u
	for u in pinwatch pinwatch-events; do
		mkdir -p "$RUNTIME_UNITS/$u.service.d"
		printf '[Service]\nEnvironment=PINWATCH_PIN_ROOT=%s\n' "$PIN_ROOT" >"$RUNTIME_UNITS/$u.service.d/50-test-pin-root.conf"
	done
	systemctl daemon-reload
}

teardown_file() {
	[[ -z $SKIP_REASON ]] || return 0
	if [[ -e $RUNTIME_UNITS/pinwatch.service ]]; then
		systemctl stop pinwatch-events.service pinwatch.service || true
		rm -rf "$RUNTIME_UNITS"/pinwatch.service* "$RUNTIME_UNITS"/pinwatch-events.service*
		systemctl daemon-reload
		systemctl reset-failed pinwatch.service pinwatch-events.service 2>/dev/null || true
	fi
	rm -rf "${PREFIX_DIR%/usr}"
	[[ ! -e $BATS_FILE_TMPDIR/own-log-dir ]] || rm -rf /var/log/pinwatch
	pw_teardown
}

setup() {
	require_root
	[[ -z $SKIP_REASON ]] || skip "$SKIP_REASON"
}

# The tests share the sensor where they can: a start of all 18 modules takes
# some 90 s in the 6.1 guest (TCG). `systemctl start` of an active unit is a
# no-op, so each test still stands alone.

# Waits (up to 60 s) until the log file has a line with the fixed string
# NEEDLE that matches the jq FILTER. The log holds every module's events
# (each jq run adds its own execs and opens): jq over all of it, ten times
# a second, took minutes a round in the TCG guest and made the 30-second wait
# last the whole boot's timeout (CI, stop 25). grep -F picks the lines first,
# and the wait is bounded by time, not by a count of rounds.
wait_log() { # needle filter
	local end=$((SECONDS + 60))
	while ((SECONDS < end)); do
		grep -F -- "$1" "$LOG" 2>/dev/null | jq -ce "$2" 2>/dev/null | grep -q . && return 0
		sleep 0.2
	done
	echo "timed out waiting for $2 in $LOG ($(wc -l <"$LOG") lines)" >&2
	systemctl status --no-pager pinwatch.service pinwatch-events.service >&2 || true
	journalctl --no-pager -n 30 -u pinwatch.service -u pinwatch-events.service >&2 || true
	return 1
}

# systemctl start, with the units' status and journal on failure.
start() { # unit...
	systemctl start "$@" && return 0
	systemctl status --no-pager pinwatch.service pinwatch-events.service >&2 || true
	journalctl --no-pager -n 40 -u pinwatch.service -u pinwatch-events.service >&2 || true
	return 1
}

active() { # unit
	[ "$(systemctl show -P ActiveState "$1")" = active ] || {
		systemctl status --no-pager "$1" >&2
		journalctl --no-pager -n 30 -u "$1" >&2
		return 1
	}
}

# bats test_tags=vm-systemd
@test "systemctl start pinwatch pinwatch-events: the sensor loads, events reach the log file from a sandboxed consumer, reload reopens it" {
	start pinwatch.service pinwatch-events.service
	active pinwatch.service
	[ "$(systemctl show -P SubState pinwatch.service)" = exited ] # oneshot, RemainAfterExit
	[ -d "$PIN_ROOT/process" ]
	active pinwatch-events.service
	bin=$(unique_binary)
	"$bin"
	wait_log "$bin" "select(.type == \"exec\" and .filename == \"$bin\")"
	[ "$(stat -c %a "$LOG")" = 600 ]
	[ "$(stat -c %a /var/log/pinwatch)" = 700 ]
	# the consumer runs as the unit says: no new privileges, a seccomp
	# filter, CAP_BPF alone in its bounding set, no other user's processes
	pid=$(systemctl show -P MainPID pinwatch-events.service)
	grep -qE '^NoNewPrivs:\s+1$' "/proc/$pid/status"
	grep -qE '^Seccomp:\s+2$' "/proc/$pid/status"
	cap_bpf=$(printf '%016x' $((1 << $(awk '$1 == "#define" && $2 == "CAP_BPF" { print $3 }' /usr/include/linux/capability.h))))
	grep -qE "^CapBnd:\s+$cap_bpf$" "/proc/$pid/status" || { grep Cap "/proc/$pid/status"; return 1; }
	# logrotate's way: move the file, then systemctl reload (ExecReload=,
	# run in the unit's sandbox) makes the consumer open a new one
	mv "$LOG" "$LOG.1"
	systemctl reload pinwatch-events.service
	for _ in $(seq 1 300); do [[ -e $LOG ]] && break; sleep 0.1; done
	[ -e "$LOG" ]
	bin2=$(unique_binary)
	"$bin2"
	wait_log "$bin2" "select(.type == \"exec\" and .filename == \"$bin2\")"
	[ "$(systemctl show -P MainPID pinwatch-events.service)" = "$pid" ]
	rm -f "$LOG.1"
}

# bats test_tags=vm-systemd
@test "systemctl restart pinwatch-events loses no event and writes none twice" {
	start pinwatch.service pinwatch-events.service
	active pinwatch-events.service
	bin=$(unique_binary)
	# a burst before the restart, one while it stops and starts, one after
	for i in $(seq 1 60); do "$bin" "mark-$i"; done
	systemctl restart pinwatch-events.service &
	r=$!
	for i in $(seq 61 120); do "$bin" "mark-$i"; done
	wait "$r"
	active pinwatch-events.service
	for i in $(seq 121 180); do "$bin" "mark-$i"; done
	wait_log "$bin" "select(.type == \"exec\" and .filename == \"$bin\" and .args[-1] == \"mark-180\")"
	grep -F -- "$bin" "$LOG" | jq -r --arg f "$bin" 'select(.type == "exec" and .filename == $f) | .args[-1]' | sort >"$BATS_TEST_TMPDIR/got"
	seq 1 180 | sed 's/^/mark-/' | sort >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

# bats test_tags=vm-systemd
@test "pinwatch-events.service with --syslog (systemctl edit's ExecStart=) reaches the journal's /dev/log from its sandbox" {
	start pinwatch.service
	mkdir -p "$RUNTIME_UNITS/pinwatch-events.service.d"
	printf '[Service]\nExecStart=\nExecStart=%s --syslog\n' "$PREFIX_DIR/sbin/pinwatch-read" \
		>"$RUNTIME_UNITS/pinwatch-events.service.d/60-syslog.conf"
	systemctl daemon-reload
	systemctl restart pinwatch-events.service
	active pinwatch-events.service
	bin=$(unique_binary)
	"$bin"
	found=0 end=$((SECONDS + 60))
	while ((SECONDS < end)); do
		journalctl --no-pager -o cat -t pinwatch 2>/dev/null | grep -F -- "$bin" |
			jq -Rc --arg f "$bin" 'fromjson? | select(.type == "exec" and .filename == $f)' | grep -q . && { found=1; break; }
		sleep 0.1
	done
	rm -f "$RUNTIME_UNITS/pinwatch-events.service.d/60-syslog.conf"
	systemctl daemon-reload
	systemctl restart pinwatch-events.service
	((found)) || { journalctl --no-pager -n 20 -u pinwatch-events.service; return 1; }
	active pinwatch-events.service
}

# bats test_tags=vm-systemd
@test "systemctl stop pinwatch unloads the sensor and stops the consumer with it" {
	start pinwatch.service pinwatch-events.service
	active pinwatch-events.service
	[ -d "$PIN_ROOT" ]
	systemctl stop pinwatch.service
	[ "$(systemctl show -P ActiveState pinwatch.service)" = inactive ]
	[ "$(systemctl show -P ActiveState pinwatch-events.service)" = inactive ] # BindsTo=
	[ "$(systemctl show -P Result pinwatch-events.service)" = success ]
	[ ! -e "$PIN_ROOT" ]
	[ -z "$(pinwatch_prog_ids)" ]
}

# bats test_tags=vm-systemd
@test "a module that fails to load leaves pinwatch.service started (exit 5), its cause in the journal, and the consumer starts" {
	systemctl stop pinwatch.service
	printf '[Service]\nEnvironment=PINWATCH_TEST_FAIL_AT=load:bpf_x__tp\n' >"$RUNTIME_UNITS/pinwatch.service.d/60-fail.conf"
	systemctl daemon-reload
	start pinwatch.service pinwatch-events.service
	active pinwatch.service
	[ "$(systemctl show -P ExecMainStatus pinwatch.service)" = 5 ]
	[ ! -e "$PIN_ROOT/bpf" ]
	[ -d "$PIN_ROOT/process" ]
	active pinwatch-events.service
	bin=$(unique_binary)
	"$bin"
	wait_log "$bin" "select(.type == \"exec\" and .filename == \"$bin\")"
	journalctl --sync 2>/dev/null || true
	run -0 journalctl --no-pager -o cat -u pinwatch.service
	grep -q '^pinwatch: up: bpf: load failed: .*bpf_x__tp' <<<"$output" || { echo "$output"; return 1; }
}
