# Real services for the tests (rsyslog, node_exporter): Debian's packages,
# installed when missing, each daemon started by the test on loopback with
# its files under $BATS_FILE_TMPDIR and stopped by its pid file.
# shellcheck shell=bash

# Installs the Debian PACKAGEs that are missing, without starting or
# enabling their system services (policy-rc.d refuses the start; a unit the
# package enabled is disabled again). Returns non-zero when apt cannot
# install them; the reason is in $BATS_FILE_TMPDIR/apt.log.
svc_install() { # package...
	local missing=() p own_policy=0 rc=0 unit
	for p in "$@"; do
		dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
	done
	((${#missing[@]})) || return 0
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\n# tests/helpers/services.bash: no service starts during its install\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "${missing[@]}" >"$BATS_FILE_TMPDIR/apt.log" 2>&1 || rc=$?
	((own_policy)) && rm -f /usr/sbin/policy-rc.d
	((rc == 0)) || return "$rc"
	# the packages were not there: neither were their services
	for p in "${missing[@]}"; do
		for unit in $(dpkg -L "$p" 2>/dev/null | grep -E '^/(usr/)?lib/systemd/system/[^/]+\.service$'); do
			unit=${unit##*/}
			if [[ -d /run/systemd/system ]]; then
				systemctl disable --now "$unit" >/dev/null 2>&1 || true
			else
				update-rc.d "${unit%.service}" disable >/dev/null 2>&1 || true
			fi
		done
	done
}

# Skips the test unless svc_install succeeded in setup_file (which wrote
# the reason to $BATS_FILE_TMPDIR/skip otherwise).
svc_require() {
	[[ ! -e $BATS_FILE_TMPDIR/skip ]] || skip "$(cat "$BATS_FILE_TMPDIR/skip")"
}

# A TCP port nobody listens on or connects from on this machine, picked at
# random from 20000-59999.
free_port() {
	local port used
	# local addresses, "0100007F:1F90": the port is hex
	used=" $(awk 'FNR > 1 { sub(/.*:/, "", $2); print $2 }' /proc/net/tcp /proc/net/tcp6 | sort -u | tr '\n' ' ')"
	for _ in $(seq 1 100); do
		port=$((20000 + RANDOM % 40000))
		[[ $used == *" $(printf %04X "$port") "* ]] || { echo "$port"; return 0; }
	done
	echo "free_port: no free port found" >&2
	return 1
}

# Waits up to ~SECONDS (default 10) until COMMAND succeeds.
wait_until() { # seconds command...
	local tries=$(($1 * 10))
	shift
	for _ in $(seq 1 "$tries"); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

port_listening() { # port
	ss -Htln "sport = :$1" | grep -q .
}

# Runs COMMAND in the background as daemon NAME: its pid goes to
# $BATS_FILE_TMPDIR/NAME.pid, its output to $BATS_FILE_TMPDIR/NAME.out.
svc_start() { # name command...
	local name=$1
	shift
	"$@" >>"$BATS_FILE_TMPDIR/$name.out" 2>&1 </dev/null 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/$name.pid"
}

# Stops daemon NAME (SIGTERM, then SIGKILL after ~10 s) and waits until it
# is gone. Nothing to do when it is not running.
svc_stop() { # name
	local pidfile=$BATS_FILE_TMPDIR/$1.pid pid
	[[ -e $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
	for _ in $(seq 1 100); do
		alive "$pid" || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

svc_running() { # name
	[[ -e $BATS_FILE_TMPDIR/$1.pid ]] && alive "$(cat "$BATS_FILE_TMPDIR/$1.pid")"
}

# PID runs (a zombie does not: its parent may be a shell that never waits).
alive() { # pid
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z ]]
}
