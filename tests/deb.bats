#!/usr/bin/env bats
# The Debian package (make deb, debian/): built with debhelper in a copy of
# the tree, checked by lintian, installed with apt-get as an admin would,
# run, and purged. The man pages and the bash completion it ships are
# checked here too. The package's scripts honour PINWATCH_PIN_ROOT and
# PINWATCH_LOCK, maintainer scripts included: the sensor loaded from the
# installed package uses this run's pin root.
# The default pack (scripts/rules/default) rightly alerts on this file's acts: the package build's debhelper keeps times (timestomp), the installed tree's loader is another pinwatch's binary (bpf-load), purge removes /var/log/pinwatch (log-tamper): documented false positives.
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

# shellcheck disable=SC2154 # status, output: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

# bats 1.8 cannot skip from setup_file: a reason to skip is kept in
# SKIP_REASON, and setup() skips every test with it.
setup_file() {
	require_root
	export DEB_LOG=$BATS_FILE_TMPDIR/make-deb.log ROOT=$BATS_FILE_TMPDIR/root SKIP_REASON=
	# make deb compiles the tree itself: another build (make check-sanitize's
	# build-san) has nothing to add to these tests
	if [[ ! $PW_BUILD -ef $PW_HOME/build ]]; then
		SKIP_REASON="the package is built from the tree by make deb, not from PINWATCH_BUILD=$PW_BUILD"
		return 0
	fi
	if dpkg-query -W -f='${Status}' pinwatch 2>/dev/null | grep -q 'ok installed\|config-files'; then
		SKIP_REASON="a pinwatch package is installed on this machine already: not replacing it"
		return 0
	fi
	if ! "$PW_HOME/scripts/setup" --deb >"$BATS_FILE_TMPDIR/setup.log" 2>&1; then
		SKIP_REASON="apt cannot install the build dependencies: $(tail -n 1 "$BATS_FILE_TMPDIR/setup.log")"
		return 0
	fi
	pw_teardown
	# what make deb compiles in: the changelog's version, the checkout's revision
	VERSION=$(sed -n '1s/^pinwatch (\(.*\)) .*/\1/p' "$PW_HOME/debian/changelog")
	if [[ $(git -C "$PW_HOME" rev-parse --show-toplevel 2>/dev/null) == "$PW_HOME" ]]; then
		REV=$(git -C "$PW_HOME" describe --always --dirty --abbrev=12)
	else
		REV=unknown
	fi
	DEB=$PW_HOME/build/deb/pinwatch_${VERSION}_$(dpkg --print-architecture).deb
	export VERSION REV DEB
	export PW_DEB_OWNS=1 # this file installs and purges the package
	if make -C "$PW_HOME" deb >"$DEB_LOG" 2>&1; then echo 0; else echo $?; fi >"$BATS_FILE_TMPDIR/make-deb.rc"
	mkdir -p "$ROOT"
	[[ ! -e $DEB ]] || dpkg-deb -x "$DEB" "$ROOT"
}

teardown_file() {
	[[ -n ${PW_DEB_OWNS:-} ]] || return 0
	if dpkg-query -W -f='${Status}' pinwatch 2>/dev/null | grep -q 'ok installed\|config-files'; then
		apt-get purge -y -qq pinwatch >/dev/null 2>&1 || true
	fi
	pw_teardown
}

setup() {
	require_root
	[[ -z $SKIP_REASON ]] || skip "$SKIP_REASON"
}

# The installed commands, as an admin runs them: nothing in the environment
# points them back at the source tree.
installed() {
	env -u PINWATCH_BUILD -u PINWATCH_HOME "$@"
}

# Names of the Build-Depends of debian/control.
build_depends() {
	sed -n '/^Build-Depends:/,/^[A-Z]/p' "$PW_HOME/debian/control" | sed -e 's/^Build-Depends://' -e '/^[A-Z]/d' |
		tr ',' '\n' | sed -e 's/(.*//' -e 's/^ *//' -e 's/ *$//' | grep .
}

@test "make deb builds pinwatch_VERSION_ARCH.deb, lintian reports no error and no warning" {
	[ "$(cat "$BATS_FILE_TMPDIR/make-deb.rc")" -eq 0 ] || { tail -n 30 "$DEB_LOG"; return 1; }
	[ -f "$DEB" ]
	[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
	grep -q '^lintian --fail-on error,warning' "$DEB_LOG"
	run ! grep -E '^[EW]: ' "$DEB_LOG"
	# every override is justified by a comment right above it
	# shellcheck disable=SC2016 # awk's $0
	run -0 awk '/^#/ { c = 1; next } /^$/ { c = 0; next } !c { print "unjustified: " $0; bad = 1 } END { exit bad }' \
		"$PW_HOME/debian/pinwatch.lintian-overrides"
	# the work tree stays clean: debhelper worked in the copy under build/deb/
	for f in pinwatch .debhelper files debhelper-build-stamp pinwatch.substvars pinwatch.debhelper.log; do
		[ ! -e "$PW_HOME/debian/$f" ] || { echo "debian/$f in the work tree"; return 1; }
	done
	[ -e "$PW_HOME/build/deb/pinwatch-$VERSION/debian/debhelper-build-stamp" ]
}

@test "dpkg-deb -c lists the binaries, every module object, the default rule pack and its canaries, units, man pages, completion, docs, the Prometheus rules and /etc/pinwatch" {
	[ -f "$DEB" ] || skip "no package (see the first test)"
	list=$(dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|')
	expect=(/usr/sbin/pinwatch /usr/sbin/pinwatch-read /usr/sbin/pinwatch-load /etc/pinwatch/
		/usr/lib/pinwatch/scripts/pinwatch /usr/lib/pinwatch/scripts/lib/pinwatch.bash
		/usr/lib/pinwatch/build/syscalls.txt /usr/lib/pinwatch/build/tpwatch.bpf.o
		/lib/systemd/system/pinwatch.service /lib/systemd/system/pinwatch-events.service
		/usr/share/man/man8/pinwatch.8.gz /usr/share/man/man8/pinwatch-read.8.gz
		/usr/share/man/man8/pinwatch-load.8.gz /usr/share/man/man7/pinwatch-layout.7.gz
		/usr/share/bash-completion/completions/pinwatch /usr/share/doc/pinwatch/copyright
		/usr/share/doc/pinwatch/README.md.gz /usr/share/doc/pinwatch/pinned-layout.md.gz
		/usr/share/pinwatch/prometheus/pinwatch.rules.yml)
	for b in "$PW_BUILD"/pinwatch-*; do expect+=("/usr/lib/pinwatch/build/${b##*/}"); done
	for f in "$PW_HOME"/scripts/libexec/pinwatch-*; do expect+=("/usr/lib/pinwatch/scripts/libexec/${f##*/}"); done
	# the default rule pack and its canaries (pinwatch up, pinwatch selftest)
	expect+=(/usr/lib/pinwatch/scripts/rules/default/ /usr/lib/pinwatch/scripts/selftest/)
	for f in "$PW_HOME"/scripts/rules/default/*.rules "$PW_HOME"/scripts/selftest/*.bash; do
		[[ ! -e $f ]] || expect+=("/usr/lib/pinwatch/scripts/${f#"$PW_HOME"/scripts/}")
	done
	for f in "$PW_HOME"/bpf/*.bpf.c; do
		m=$(basename "$f" .bpf.c)
		[[ $m == tpwatch ]] || expect+=("/usr/lib/pinwatch/build/bpf/$m.bpf.o")
	done
	for f in "$PW_HOME"/bpf/ondemand/*.bpf.c; do expect+=("/usr/lib/pinwatch/build/bpf/ondemand/$(basename "$f" .bpf.c).bpf.o"); done
	missing=0
	for e in "${expect[@]}"; do
		grep -qxF -- "$e" <<<"$list" || { echo "missing: $e"; missing=1; }
	done
	((missing == 0))
	# the units run the installed commands
	run ! grep -r /usr/local "$ROOT/lib/systemd/system"
	grep -qx 'ExecStart=/usr/sbin/pinwatch up' "$ROOT/lib/systemd/system/pinwatch.service"
}

@test "the package depends on runtime packages only" {
	[ -f "$DEB" ] || skip "no package (see the first test)"
	depends=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed -e 's/(.*//' -e 's/|.*//' -e 's/ //g')
	echo "$depends"
	grep -qx libbpf1 <<<"$depends"
	grep -qx libssl3 <<<"$depends" # libcrypto: pinwatch-read's sha256
	grep -qx bpftool <<<"$depends"
	grep -qx jq <<<"$depends"
	if grep -- '-dev$' <<<"$depends"; then return 1; fi
	while read -r b; do
		[[ $b == bpftool ]] && continue # a build tool (skeletons) and run-time tool
		! grep -qxF -- "$b" <<<"$depends" || { echo "build dependency $b in Depends"; return 1; }
	done < <(build_depends)
}

@test "apt-get install ./pinwatch_*.deb installs it; pinwatch --version prints version, git revision and libbpf" {
	[ -f "$DEB" ] || skip "no package (see the first test)"
	run -0 env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=300 "$DEB"
	# no build dependency comes along
	new=$(sed -n '/NEW packages will be installed/,/^[^ ]/p' <<<"$output" | sed '1d;$d' | tr ' ' '\n' | grep .) || true
	while read -r b; do
		! grep -qxF -- "$b" <<<"$new" || { echo "apt installed build dependency $b"; return 1; }
	done < <(build_depends | grep -vx bpftool)
	dpkg-query -W -f='${Status}' pinwatch | grep -q 'install ok installed'
	dpkg -L pinwatch >"$BATS_FILE_TMPDIR/files"
	[ "$(command -v pinwatch)" = /usr/sbin/pinwatch ]
	run -0 installed pinwatch --version
	[ "${lines[0]}" = "pinwatch $VERSION" ]
	[ "${lines[1]}" = "git revision: $REV" ]
	libbpf=$(dpkg-query -W -f='${Version}' libbpf-dev | sed -E 's/^[0-9]+://; s/^([0-9]+\.[0-9]+).*/\1/')
	[[ ${lines[2]} == "libbpf: built against $libbpf, running "* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "the installed pinwatch up process loads the sensor and an exec shows in pinwatch-read --json --drain" {
	[ -f "$BATS_FILE_TMPDIR/files" ] || skip "not installed (see the test before)"
	run -0 installed pinwatch up process
	[ -d "$PIN_ROOT/process" ]
	installed pinwatch-read --drain >/dev/null
	bin=$(unique_binary)
	"$bin" from-the-package
	ev=$(installed pinwatch-read --json --drain | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	[ "$(jq -c .args <<<"$ev")" = "$(jq -cn --arg b "$bin" '[$b, "from-the-package"]')" ]
}

@test "apt-get remove unloads the sensor (prerm: pinwatch down); purge removes every file of the package" {
	[ -f "$BATS_FILE_TMPDIR/files" ] || skip "not installed (see the test before)"
	[ -d "$PIN_ROOT/process" ] # loaded by the test before
	run -0 env DEBIAN_FRONTEND=noninteractive apt-get remove -y -o DPkg::Lock::Timeout=300 pinwatch
	[ ! -e "$PIN_ROOT" ]
	installed pinwatch-read --help >/dev/null 2>&1 && return 1
	run -0 env DEBIAN_FRONTEND=noninteractive apt-get purge -y -o DPkg::Lock::Timeout=300 pinwatch
	st=$(dpkg-query -W -f='${Status}' pinwatch 2>/dev/null) || true
	[[ -z $st || $st == *not-installed ]] || { echo "after purge: $st"; return 1; }
	left=0
	while read -r f; do
		case $f in
		/usr/lib/pinwatch/* | /usr/lib/pinwatch | /etc/pinwatch | /usr/share/doc/pinwatch | /usr/share/doc/pinwatch/* | \
			/usr/sbin/pinwatch* | /lib/systemd/system/pinwatch* | /usr/share/man/*/pinwatch* | \
			/usr/share/bash-completion/completions/pinwatch | /usr/share/lintian/overrides/pinwatch)
			[[ ! -e $f && ! -L $f ]] || { echo "left behind: $f"; left=1; } ;;
		*) [[ -d $f ]] || [[ ! -e $f ]] || { echo "left behind: $f"; left=1; } ;;
		esac
	done <"$BATS_FILE_TMPDIR/files"
	((left == 0))
	[ ! -e "$PIN_ROOT" ]
	[ ! -e /var/log/pinwatch ]
}

@test "man --warnings finds nothing in the four man pages the package ships" {
	[ -f "$DEB" ] || skip "no package (see the first test)"
	mapfile -t pages < <(find "$ROOT/usr/share/man" -type f | sort)
	[ "${#pages[@]}" -eq 4 ]
	for p in "${pages[@]}"; do
		# as lintian runs it, but with tbl (the layout page's tables) and 80 columns
		out=$(env -i PATH="$PATH" LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$p" 2>&1 >/dev/null)
		[ -z "$out" ] || { echo "$p: $out"; return 1; }
		# a whatis entry: NAME section as "name - description"
		lexgrog "$p" | grep -q ' - '
	done
}

@test "pinwatch(8) has a section for every command the dispatcher lists, with its --help text" {
	[ -f "$DEB" ] || skip "no package (see the first test)"
	page=$(MANWIDTH=200 man -l "$ROOT/usr/share/man/man8/pinwatch.8.gz" 2>/dev/null)
	mapfile -t cmds < <("$PW" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
	[ "${#cmds[@]}" -gt 10 ]
	for c in "${cmds[@]}"; do
		grep -qx "   $c" <<<"$page" || { echo "no section for $c"; return 1; }
		usage=$("$PW" "$c" --help | head -n 1)
		grep -qF -- "$usage" <<<"$page" || { echo "$c: no '$usage'"; return 1; }
	done
}

# Completes the words given, the last one being completed.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	_pinwatch
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

@test "bash completion offers commands, modules, filter kinds, config keys and presets from the binaries" {
	[ -f "$DEB" ] || skip "no package (see the first test)"
	# shellcheck source=scripts/completion/pinwatch
	source "$ROOT/usr/share/bash-completion/completions/pinwatch"
	complete -p pinwatch | grep -q -- '-F _pinwatch'
	abi=$("$PW_LOAD" abi)
	diff <(complete_words "$PW" up "") <(awk '$1 == "modules" { print $2 }' <<<"$abi" | sort)
	diff <(complete_words "$PW" filter add "") <(awk '$1 == "filter_kinds" { print $2 }' <<<"$abi" | sort)
	diff <(complete_words "$PW" uprobe add x --preset "") \
		<(awk '$1 == "uprobe_presets" && $3 != 0 { print $2 }' <<<"$abi" | sort)
	diff <(complete_words "$PW" "") \
		<({ "$PW" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'; echo --help; echo --version; } | sort)
	complete_words "$PW" config set "" | grep -qx module.process
	complete_words "$PW" config set "" | grep -qx wakeup_bytes
	# filter_kinds is kept by pinwatch filter: get shows it, set does not
	complete_words "$PW" config get "" | grep -qx filter_kinds
	complete_words "$PW" config set "" >"$BATS_TEST_TMPDIR/set"
	run ! grep -qx filter_kinds "$BATS_TEST_TMPDIR/set"
	[ "$(complete_words "$PW" up pro)" = process ]
}
