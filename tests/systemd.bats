#!/usr/bin/env bats
# The systemd units (scripts/systemd/): `make install` into a scratch
# prefix, systemd-analyze verify on the installed units, and the commands
# their Exec lines run, run here directly with the unit's sandbox settings
# that can be reproduced without systemd (NoNewPrivileges, the capability
# bounding set, UMask, the log directory's mode).
# The default pack (scripts/rules/default) rightly alerts on this file's acts: the units run the installed tree's loader, another pinwatch's binary (bpf-load).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_teardown
	export PREFIX_DIR=$BATS_FILE_TMPDIR/prefix/usr/local
	make -s -C "$PW_HOME" install PREFIX="$PREFIX_DIR" >/dev/null
	export UNITS=$PREFIX_DIR/lib/systemd/system
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
}

teardown() {
	if [[ -n ${MAIN_PID:-} ]]; then
		kill "$MAIN_PID" 2>/dev/null || true
	fi
}

# The words of a unit's KEY= line (first one), $MAINPID replaced.
unit_exec() { # unit key [mainpid]
	sed -n "s/^$2=//p" "$UNITS/$1" | head -n 1 | sed "s/\\\$MAINPID/${3:-0}/g"
}

unit_value() { # unit key
	sed -n "s/^$2=//p" "$UNITS/$1" | tail -n 1
}

# Runs a command as the unit would: umask, no new privileges, and only the
# capabilities of CapabilityBoundingSet (when the unit sets one). The
# command replaces the subshell, so `as_unit ... &` gives its pid in $!.
as_unit() { # unit command...
	local unit=$1 caps c bset=-all
	shift
	caps=$(unit_value "$unit" CapabilityBoundingSet)
	if [[ -n $caps ]]; then
		for c in $caps; do bset+=",+$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"; done
	else
		bset=+all
	fi
	umask "$(unit_value "$unit" UMask)"
	# a unit's environment does not point the scripts back at the source
	# tree: the installed commands must find their files on their own
	unset PINWATCH_BUILD PINWATCH_HOME
	exec setpriv --no-new-privs --inh-caps -all --bounding-set "$bset" -- "$@"
}

# The installed control plane, as an admin runs it (nothing in the
# environment points it back at the source tree).
installed() {
	env -u PINWATCH_BUILD -u PINWATCH_HOME "$PREFIX_DIR/sbin/pinwatch" "$@"
}

wait_json() { # file filter
	for _ in $(seq 1 100); do
		jq -ce "$2" "$1" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 in $1" >&2
	return 1
}

@test "systemd-analyze verify accepts the installed units" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	run -0 systemd-analyze verify "$UNITS/pinwatch.service" "$UNITS/pinwatch-events.service"
	[ -z "$output" ] || { echo "$output"; return 1; }
}

# The exposure systemd-analyze security gives a unit file ("4.2" of
# "→ Overall exposure level for X: 4.2 OK").
exposure() { # unit-file
	systemd-analyze security --offline=true --no-pager "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p'
}

@test "systemd-analyze security rates each unit no worse than README's table says" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
	systemd-analyze security --help 2>/dev/null | grep -q -- --offline ||
		skip "this systemd-analyze has no security --offline (systemd 252 and later)"
	for unit in pinwatch.service pinwatch-events.service; do
		# the README row: | `pinwatch.service` | 1.5 OK |
		want=$(sed -n "s/^| \`$unit\` | \([0-9.]*\) [A-Z]* |\$/\1/p" "$PW_HOME/README.md")
		[[ $want =~ ^[0-9]+\.[0-9]$ ]] || { echo "README has no exposure for $unit"; return 1; }
		got=$(exposure "$UNITS/$unit")
		[[ $got =~ ^[0-9]+\.[0-9]$ ]] || { echo "no exposure for $unit: $got"; return 1; }
		echo "$unit: $got (README: $want)"
		awk -v g="$got" -v w="$want" 'BEGIN { exit !(g <= w) }' ||
			{ systemd-analyze security --offline=true --no-pager "$UNITS/$unit" | grep '✗'; return 1; }
	done
	# the check can fail: a unit without its sandbox scores worse
	grep -vE '^(Protect|Private|Restrict|SystemCall|Capability|NoNewPrivileges|LockPersonality|MemoryDeny)' \
		"$UNITS/pinwatch-events.service" >"$BATS_TEST_TMPDIR/pinwatch-events.service"
	bare=$(exposure "$BATS_TEST_TMPDIR/pinwatch-events.service")
	awk -v g="$bare" 'BEGIN { exit !(g > 5) }'
}

@test "the units are a oneshot sensor service and a hardened consumer that restarts on failure" {
	[ "$(unit_value pinwatch.service Type)" = oneshot ]
	[ "$(unit_value pinwatch.service RemainAfterExit)" = yes ]
	[[ $(unit_exec pinwatch.service ExecStart) == "$PREFIX_DIR/sbin/pinwatch up" ]]
	[[ $(unit_exec pinwatch.service ExecStop) == "$PREFIX_DIR/sbin/pinwatch down" ]]
	[ "$(unit_value pinwatch-events.service Restart)" = on-failure ]
	[ "$(unit_value pinwatch-events.service NoNewPrivileges)" = yes ]
	[ "$(unit_value pinwatch-events.service ProtectSystem)" = strict ]
	[ "$(unit_value pinwatch-events.service UMask)" = 0077 ]
	[ "$(unit_value pinwatch-events.service BindsTo)" = pinwatch.service ]
	# up's "some modules loaded" (scripts/libexec/pinwatch-up) starts the unit
	[ "$(unit_value pinwatch.service SuccessExitStatus)" = 5 ]
	# the source units name the documented install location
	grep -qx 'ExecStart=/usr/local/sbin/pinwatch up' "$PW_HOME/scripts/systemd/pinwatch.service"
}

@test "pinwatch.service: ExecStart loads the sensor from the installed tree, ExecStop removes it" {
	read -ra start <<<"$(unit_exec pinwatch.service ExecStart)"
	read -ra stop <<<"$(unit_exec pinwatch.service ExecStop)"
	(as_unit pinwatch.service "${start[@]}")
	[ -e "$PIN_ROOT/process/link_exec" ]
	run -0 "$PREFIX_DIR/sbin/pinwatch" status
	# ExecStart again (a restart of the unit) is harmless
	(as_unit pinwatch.service "${start[@]}")
	(as_unit pinwatch.service "${stop[@]}")
	[ ! -e "$PIN_ROOT" ]
}

@test "pinwatch-events.service: ExecStart writes events to its log file, ExecReload reopens it, stop exits 0" {
	read -ra start <<<"$(unit_exec pinwatch.service ExecStart)"
	(as_unit pinwatch.service "${start[@]}")
	"$PW_READ" --drain >/dev/null
	logdir=$BATS_TEST_TMPDIR/log/pinwatch # LogsDirectory=pinwatch, LogsDirectoryMode
	install -d -m "$(unit_value pinwatch-events.service LogsDirectoryMode)" "$logdir"
	read -ra cmd <<<"$(unit_exec pinwatch-events.service ExecStart | sed "s|/var/log/pinwatch|$logdir|g")"
	as_unit pinwatch-events.service "${cmd[@]}" 2>"$BATS_TEST_TMPDIR/err" &
	main=$!
	MAIN_PID=$main
	bin=$(unique_binary)
	"$bin"
	wait_json "$logdir/events.jsonl" "select(.type == \"exec\" and .filename == \"$bin\")"
	[ "$(stat -c %a "$logdir/events.jsonl")" = 600 ]
	# logrotate: move the file away, then the unit's reload
	mv "$logdir/events.jsonl" "$logdir/events.jsonl.1"
	read -ra reload <<<"$(unit_exec pinwatch-events.service ExecReload "$main")"
	"${reload[@]}"
	for _ in $(seq 1 100); do [[ -e $logdir/events.jsonl ]] && break; sleep 0.1; done
	bin2=$(unique_binary)
	"$bin2"
	wait_json "$logdir/events.jsonl" "select(.type == \"exec\" and .filename == \"$bin2\")"
	kill -TERM "$main" # systemctl stop
	rc=0
	wait "$main" || rc=$?
	MAIN_PID=
	[ "$rc" -eq 0 ]
	# nothing on stderr but, on a busy machine, the kernel's own drop report
	# (the ring may fill while no consumer runs); the consumer itself lost none
	unexpected=$(grep -v 'in the kernel since the sensor loaded (ring buffer full), 0 in the consumer' \
		"$BATS_TEST_TMPDIR/err" || true)
	[ -z "$unexpected" ] || { echo "$unexpected"; return 1; }
	"$PREFIX_DIR/sbin/pinwatch" down
}

@test "pinwatch-events.service's command fails (so systemd restarts it) while the sensor is not loaded" {
	pw_teardown
	read -ra cmd <<<"$(unit_exec pinwatch-events.service ExecStart | sed "s|/var/log/pinwatch|$BATS_TEST_TMPDIR|g")"
	run --separate-stderr as_unit pinwatch-events.service "${cmd[@]}"
	assert_one_line_error
	[[ $stderr == *"pinwatch up"* ]]
}

@test "every file the installed scripts look up under build/ is installed where they look for it" {
	lib=$PREFIX_DIR/lib/pinwatch
	# the paths as the installed scripts spell them: $BUILD/..., "$BUILD"/...
	# (variable parts become globs), and ../build/ relative to scripts/
	mapfile -t paths < <({
		grep -ohE '\$\{?BUILD\}?"?/[^" );]+' "$lib/scripts/pinwatch" "$lib"/scripts/lib/*.bash "$lib"/scripts/libexec/* |
			sed -E 's|^\$\{?BUILD\}?"?/||'
		grep -ohE '\.\./build/[^" )]+' "$lib/scripts/pinwatch" | sed 's|^\.\./build/||'
		# the consumer looks for tpwatch.bpf.o next to its own executable
		grep -ohE '"%s/[a-z_]+\.bpf\.o"' "$PW_HOME/loader/tpwatch.c" | sed -E 's|^"%s/||; s|"$||'
	} | sed -E 's/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/*/g' | sort -u)
	printf '%s\n' "${paths[@]}"
	# syscalls.txt, the on-demand objects and tools are among them
	for want in syscalls.txt bpf/ondemand/uprobe.bpf.o pinwatch-profile pinwatch-memleak pinwatch-llcstat pinwatch-funclatency \
		pinwatch-load pinwatch-read pinwatch-tp 'bpf/*.bpf.o' tpwatch.bpf.o; do
		printf '%s\n' "${paths[@]}" | grep -qxF -- "$want" || { echo "no script looks up $want"; return 1; }
	done
	missing=0
	for p in "${paths[@]}"; do
		# every file of the build the pattern names must be in the installed tree
		found=0
		for f in "$PW_HOME"/build/$p; do
			[[ -e $f ]] || continue
			found=1
			rel=${f#"$PW_HOME"/build/}
			[[ -e $lib/build/$rel ]] || { echo "not installed: build/$rel"; missing=1; }
			[[ ! -x $f || -x $lib/build/$rel ]] || { echo "not executable: build/$rel"; missing=1; }
		done
		((found)) || { echo "no file in build/ matches $p"; missing=1; }
	done
	[ "$missing" -eq 0 ]
	# the on-demand directory holds every on-demand object of the build
	diff <(cd "$PW_HOME/build/bpf/ondemand" && ls ./*.bpf.o) <(cd "$lib/build/bpf/ondemand" && ls ./*.bpf.o)
}

@test "the installed tree holds the default rule pack and its canaries, and its up loads that pack" {
	lib=$PREFIX_DIR/lib/pinwatch
	[ -d "$lib/scripts/rules/default" ] && [ -d "$lib/scripts/selftest" ]
	n=0
	for f in "$PW_HOME"/scripts/rules/default/*.rules "$PW_HOME"/scripts/selftest/*.bash; do
		[[ -e $f ]] || continue
		cmp "$f" "$lib/scripts/${f#"$PW_HOME"/scripts/}"
	done
	for f in "$PW_HOME"/scripts/rules/default/*.rules; do
		[[ ! -e $f ]] || n=$((n + $("$PW_BUILD/pinwatch-rule" --pin-root /dev/null test "$f" | sed '$d' | wc -l)))
	done
	pw_teardown
	run -0 env -u PINWATCH_BUILD -u PINWATCH_HOME PINWATCH_DEFAULT_RULES=on "$PREFIX_DIR/sbin/pinwatch" up process
	[[ $output == *"default rules: $n loaded from $lib/scripts/rules/default"* ]]
	run -0 installed rule list --json
	[ "$(jq length <<<"$output")" -eq "$n" ]
	installed down
}

@test "the installed tree runs config set syscalls, syscount, uprobe and the on-demand tools" {
	pw_teardown
	installed up syscall >/dev/null
	installed config set syscalls read,openat
	run -0 installed config get syscalls
	[ "$output" = read,openat ]
	run -0 installed syscount --json --top 3
	jq -e 'type == "array" and length >= 1 and (.[0].name | type == "string")' <<<"$output"
	installed uprobe add pwinst --preset getaddrinfo
	run -0 installed uprobe list --json
	jq -se 'flatten | any(.name == "pwinst")' <<<"$output"
	installed uprobe del pwinst
	installed down
	[ ! -e "$PIN_ROOT" ]
	# the tools' own --help (pinwatch TOOL --help prints the script's usage,
	# so the installed command file is run directly: it execs the binary)
	for tool in profile memleak llcstat funclatency; do
		run -0 env -u PINWATCH_BUILD -u PINWATCH_HOME "$PREFIX_DIR/lib/pinwatch/scripts/libexec/pinwatch-$tool" --help
		[[ $output == *Examples:* ]]
	done
	run -0 --separate-stderr installed profile --duration 1
}

@test "make uninstall removes every installed file" {
	dest=$BATS_TEST_TMPDIR/dest
	make -s -C "$PW_HOME" install DESTDIR="$dest" >/dev/null
	[ -e "$dest/usr/local/lib/pinwatch/build/syscalls.txt" ]
	[ -e "$dest/usr/local/lib/pinwatch/build/bpf/ondemand/uprobe.bpf.o" ]
	[ -x "$dest/usr/local/lib/pinwatch/build/pinwatch-profile" ]
	make -s -C "$PW_HOME" uninstall DESTDIR="$dest" >/dev/null
	left=$(find "$dest" ! -type d)
	[ -z "$left" ] || { echo "$left"; return 1; }
}
