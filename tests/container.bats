#!/usr/bin/env bats
# Namespaces and containers: every event's ns (the task's namespace inodes),
# its cgroup v2 path, container_id and container_runtime, for a real podman
# container (an image imported from a local tarball, no registry) and for
# hand-made cgroups in the docker, containerd/CRI, cri-o, podman and
# systemd-nspawn layouts; the filter kind container (an id prefix or host).

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
load helpers/services
bats_require_minimum_version 1.5.0

# A larger ring: the machine's other work is in the stream too.
pw_suite --ringbuf-size 64M process

setup_file() {
	pw_setup_file "${PW_SUITE_UP[@]}"
	# the v2 hierarchy (hybrid hosts mount it at /sys/fs/cgroup/unified)
	CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	export CG2
	# hand-made cgroups go under a private parent, removed at the end
	export CGROOT=$CG2/pinwatch-test-$$
	podman_setup
}

teardown_file() {
	if [[ -s $BATS_FILE_TMPDIR/image ]]; then
		podman rm -af -t 0 --filter "ancestor=$(cat "$BATS_FILE_TMPDIR/image")" >/dev/null 2>&1 || true
		podman rmi -f "$(cat "$BATS_FILE_TMPDIR/image")" >/dev/null 2>&1 || true
	fi
	[[ -z ${CGROOT:-} || ! -d $CGROOT ]] || find "$CGROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
	pw_teardown_file
}

teardown() {
	[[ -z ${cid:-} ]] || podman rm -f -t 0 "$cid" >/dev/null 2>&1 || true
	"$PW" filter list --json 2>/dev/null | jq -r '.[] | select(.kind == "container") | .value' |
		while read -r v; do "$PW" filter del container "$v" >/dev/null 2>&1 || true; done
}

# podman from Debian (installed when missing, as the services tests do),
# the runc runtime (crun refuses hybrid cgroups) and an image imported from
# a tarball of the static busybox. Writes the image name to
# $BATS_FILE_TMPDIR/image, or why podman cannot run to $BATS_FILE_TMPDIR/skip.
podman_setup() {
	local img=$BATS_FILE_TMPDIR/rootfs bb=/bin/busybox
	if ! svc_install podman runc; then
		echo "podman and runc cannot be installed: $(tail -1 "$BATS_FILE_TMPDIR/apt.log")" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	[[ -x $bb ]] || bb=/usr/bin/busybox
	if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
		echo "needs a static busybox (busybox-static) for the image" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	mkdir -p "$img/bin" "$img/proc" "$img/sys" "$img/dev" "$img/tmp"
	cp "$bb" "$img/bin/busybox"
	for a in sh cat readlink sleep true; do ln -s busybox "$img/bin/$a"; done
	tar -C "$img" -cf "$BATS_FILE_TMPDIR/rootfs.tar" .
	local name=localhost/pinwatch-test-$$:1
	if ! podman import "$BATS_FILE_TMPDIR/rootfs.tar" "$name" >"$BATS_FILE_TMPDIR/podman.log" 2>&1; then
		echo "podman import failed: $(tail -1 "$BATS_FILE_TMPDIR/podman.log")" >"$BATS_FILE_TMPDIR/skip"
		return 0
	fi
	echo "$name" >"$BATS_FILE_TMPDIR/image"
}

# podman create with what this host needs: runc, cgroupfs (the container's
# v2 cgroup is /libpod_parent/libpod-ID), no network. Prints the full id.
podman_create() { # command...
	podman --runtime runc --cgroup-manager=cgroupfs create --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$(cat "$BATS_FILE_TMPDIR/image")" "$@"
}

podman_start() { # id
	podman --runtime runc --cgroup-manager=cgroupfs start -a "$1"
}

# The inode of namespace NAME of process PID (readlink /proc/PID/ns/NAME).
ns_inode() { # pid name
	local l
	l=$(readlink "/proc/$1/ns/$2") || return 1
	l=${l#*[}
	echo "${l%]}"
}

random_id() {
	od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
}

# Runs BINARY in a new cgroup PATH (under $CGROOT): a shell moves itself
# there, then execs it. The cgroup stays (teardown_file removes it).
run_in_cgroup() { # path binary
	mkdir -p "$CGROOT$1"
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2"' sh "$CGROOT$1" "$2"
}

@test "podman run: the container's events carry its full id, runtime podman, its cgroup, and its own mnt/pid/uts/ipc namespaces" {
	svc_require
	# drop the host's events: only containers' reach the ring
	run -0 "$PW" filter add container host
	cid=$(podman_create /bin/sh -c 'for n in mnt pid uts ipc net; do readlink /proc/self/ns/$n; done; exec sleep 1000')
	full=$(podman inspect --format '{{.Id}}' "$cid")
	[[ $full =~ ^[0-9a-f]{64}$ ]]
	podman --runtime runc --cgroup-manager=cgroupfs start "$cid" >/dev/null
	# the container's readlinks ran once its sleep runs
	wait_until 20 sh -c "podman logs $cid 2>/dev/null | grep -q '^net:'"
	# read while it runs, so its cgroup still exists
	evs=$(pw_events | jq -c --arg id "$full" 'select(.container_id == $id)')
	podman logs "$cid" >"$BATS_TEST_TMPDIR/ns"
	podman rm -f -t 0 "$cid" >/dev/null
	# the container's entrypoint (busybox runs readlink in a fork, no exec)
	ev=$(jq -c 'select(.type == "exec" and .filename == "/bin/sh")' <<<"$evs")
	[ "$(jq -s length <<<"$ev")" -eq 1 ] || { echo "not one exec of /bin/sh in the container: $evs" >&2; return 1; }
	assert_field "$ev" .container_id "$full"
	assert_field "$ev" .container_runtime podman
	assert_field "$ev" .cgroup "/libpod_parent/libpod-$full"
	for n in mnt pid uts ipc; do
		inside=$(sed -n "s/^$n:\[\([0-9]*\)\]$/\1/p" "$BATS_TEST_TMPDIR/ns")
		[ -n "$inside" ]
		assert_field "$ev" ".ns.$n" -eq "$inside"
		assert_field "$ev" ".ns.$n" -ne "$(ns_inode $$ "$n")"
	done
	# --network none: a network namespace of its own too
	assert_field "$ev" .ns.net -ne "$(ns_inode $$ net)"
	# and so do the events of its readlinks, 5 forks and exits
	run -0 jq -c 'select(.type == "exit" and .comm == "readlink") | [.container_runtime, .ns.mnt]' <<<"$evs"
	[ "${#lines[@]}" -eq 5 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u)" = "[\"podman\",$(jq .ns.mnt <<<"$ev")]" ]
	# no exec or fork of the host's came (filter host: drop); an exit may,
	# of a process whose cgroup the kernel never saw fork or exec
	run -0 pw_events
	[ -z "$(jq -c 'select(.container_id == null and .type != "exit")' <<<"$output" | head -3)" ]
}

@test "a container --only filter keeps only that container's events; the host's are counted filtered" {
	svc_require
	cid=$(podman_create /bin/sh -c 'exec /bin/true')
	full=$(podman inspect --format '{{.Id}}' "$cid")
	run -0 "$PW" filter add container "${full:0:12}" --only
	run -0 "$PW" filter list container
	[ "$output" = "container ${full:0:12} only" ]
	pw_drain
	before=$(stat_of process filtered)
	bin=$(unique_binary)
	"$bin"
	run -0 podman_start "$cid"
	"$bin"
	run -0 pw_events
	evs=$output
	# the container's exec of /bin/true is there, no event of the host's binary
	run -0 jq -c --arg id "$full" 'select(.type == "exec" and .filename == "/bin/true" and .container_id == $id)' <<<"$evs"
	[ -n "$output" ]
	run -0 jq -c --arg b "${bin##*/}" 'select(.comm == $b)' <<<"$evs"
	[ -z "$output" ]
	run -0 jq -c --arg id "$full" 'select(.container_id != $id)' <<<"$evs"
	[ -z "$output" ]
	[ "$(stat_of process filtered)" -gt "$before" ]
	stats_balance process
}

@test "text output names the container by its first 12 bytes" {
	svc_require
	cid=$(podman_create /bin/sh -c 'exec /bin/true')
	full=$(podman inspect --format '{{.Id}}' "$cid")
	run -0 "$PW" filter add container "$full" --only
	pw_drain
	run -0 podman_start "$cid"
	run -0 "$PW_READ" --drain
	[[ $output == *"/bin/true"*" container=${full:0:12}"* ]]
	[[ $output != *"container=${full:0:13}"* ]]
}

# The header's namespaces are read by BTF loads (6.1 and 6.18 lay out
# struct pid's numbers[] differently).
@test "a host event's ns are the task's namespaces, container_id and container_runtime null, cgroup its path" {
	bin=$(unique_binary)
	"$bin"
	ev=$(pw_events | jq -c --arg b "$bin" 'select(.type == "exec" and .filename == $b)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	for n in mnt pid net user uts ipc cgroup; do
		assert_field "$ev" ".ns.$n" -eq "$(ns_inode $$ "$n")"
	done
	if [[ -e /proc/$$/ns/time ]]; then
		assert_field "$ev" .ns.time -eq "$(ns_inode $$ time)"
	fi
	assert_field "$ev" .container_id null
	assert_field "$ev" .container_runtime null
	assert_field "$ev" .cgroup "$(sed -n 's/^0:://p' /proc/$$/cgroup)"
}

# bats test_tags=vm-ci
@test "in a new pid namespace the event's ns.pid is the task's own (a nested level), not the host's" {
	command -v unshare >/dev/null || skip "needs unshare(1)"
	bin=$(unique_binary)
	unshare --fork --pid sh -c 'readlink /proc/self/ns/pid; exec "$1"' sh "$bin" >"$BATS_TEST_TMPDIR/pidns"
	inside=$(sed -n 's/^pid:\[\([0-9]*\)\]$/\1/p' "$BATS_TEST_TMPDIR/pidns")
	[ -n "$inside" ]
	[ "$inside" -ne "$(ns_inode $$ pid)" ]
	ev=$(pw_events | jq -c --arg b "$bin" 'select(.type == "exec" and .filename == $b)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .ns.pid -eq "$inside"
	assert_field "$ev" .ns.mnt -eq "$(ns_inode $$ mnt)"
	assert_field "$ev" .container_id null
}

# Every layout the consumer and the kernel know, by hand: a shell moved
# into the cgroup execs a unique binary there.
@test "hand-made docker, containerd, cri-o, podman and nspawn cgroups: container_id, runtime and cgroup of each" {
	declare -A want_rt want_id
	id1=$(random_id) id2=$(random_id) id3=$(random_id) id4=$(random_id) id5=$(random_id) id6=$(random_id)
	id7=$(random_id)
	paths=(
		"/system.slice/docker-$id1.scope"
		"/docker/$id2"
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice/cri-containerd-$id3.scope"
		"/kubepods/besteffort/pod5678-90ab/$id4"
		"/kubepods.slice/kubepods-pod12.slice/crio-$id5.scope"
		"/machine.slice/libpod-$id6.scope/container"
		"/libpod_parent/libpod-$id7"
		'/machine.slice/machine-web\x2d1.scope'
		"/machine.slice/libpod-conmon-$id6.scope"
	)
	rts=(docker docker containerd containerd crio podman podman systemd-nspawn "")
	ids=("$id1" "$id2" "$id3" "$id4" "$id5" "$id6" "$id7" web-1 "")
	bin=$(unique_binary)
	for i in "${!paths[@]}"; do
		run_in_cgroup "${paths[i]}" "$bin"
	done
	evs=$(pw_events | jq -c --arg b "$bin" 'select(.type == "exec" and .filename == $b)')
	for i in "${!paths[@]}"; do
		ev=$(jq -c --arg p "${CGROOT#"$CG2"}${paths[i]}" 'select(.cgroup == $p)' <<<"$evs")
		[ "$(jq -s length <<<"$ev")" -eq 1 ] || { echo "${paths[i]}: $ev" >&2; return 1; }
		if [[ -n ${rts[i]} ]]; then
			assert_field "$ev" .container_runtime "${rts[i]}"
			assert_field "$ev" .container_id "${ids[i]}"
		else
			assert_field "$ev" .container_runtime null
			assert_field "$ev" .container_id null
		fi
	done
}

@test "a consumer without CAP_DAC_READ_SEARCH (open_by_handle_at refused) finds the cgroup by walking the tree" {
	command -v setpriv >/dev/null || skip "needs setpriv(1)"
	id=$(random_id)
	bin=$(unique_binary)
	run_in_cgroup "/docker/$id" "$bin"
	run -0 setpriv --inh-caps=-dac_read_search --bounding-set=-dac_read_search -- "$PW_READ" --json --drain
	ev=$(jq -c --arg b "$bin" 'select(.type == "exec" and .filename == $b)' <<<"$output")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .cgroup "${CGROOT#"$CG2"}/docker/$id"
	assert_field "$ev" .container_id "$id"
	assert_field "$ev" .container_runtime docker
}

# The kernel reads kernfs_node.parent on 6.1, __parent on 6.18.
@test "hand-made cgroups: the kernel's container filter matches id prefixes and host in every layout" {
	id1=$(random_id) id2=$(random_id) id3=$(random_id) id4=$(random_id)
	bin=$(unique_binary)
	# a prefix of the cri-o container's id, and the hex nspawn machine "cafe-01"
	run -0 "$PW" filter add container "${id3:0:5}" --only
	run -0 "$PW" filter add container cafe --only
	pw_drain
	run_in_cgroup "/system.slice/docker-$id1.scope" "$bin"
	run_in_cgroup "/kubepods/burstable/pod1/$id2" "$bin"
	run_in_cgroup "/kubepods.slice/kubepods-pod12.slice/crio-$id3.scope" "$bin"
	run_in_cgroup '/machine.slice/machine-cafe\x2d01.scope' "$bin"
	run_in_cgroup "/libpod_parent/libpod-$id4" "$bin"
	"$bin"
	run -0 pw_events
	run -0 jq -r --arg b "$bin" 'select(.type == "exec" and .filename == $b) | .container_id' <<<"$output"
	[ "$output" = "$(printf '%s\n' "$id3" cafe-01)" ]
	# host drops the host's events, keeps every container's
	"$PW" filter del container "${id3:0:5}"
	"$PW" filter del container cafe
	run -0 "$PW" filter add container host
	pw_drain
	run_in_cgroup "/system.slice/docker-$id1.scope" "$bin"
	"$bin"
	run_in_cgroup "/libpod_parent/libpod-$id4" "$bin"
	run -0 pw_events
	run -0 jq -r --arg b "$bin" 'select(.type == "exec" and .filename == $b) | .container_runtime' <<<"$output"
	[ "$output" = "$(printf '%s\n' docker podman)" ]
}

@test "a container filter that is not hex or host, or too long: one line, non-zero, filters unchanged" {
	run -0 "$PW" filter add container abc
	before=$(bpftool -j map dump pinned "$PIN_ROOT/maps/filter_container")
	kinds=$("$PW" config get filter_kinds)
	for bad in web-1 HOST 0xabc "" "$(random_id)0" "ab cd" g; do
		run -1 --separate-stderr "$PW" filter add container "$bad"
		assert_one_line_error
		[[ $stderr == *"invalid container"*"a hex id prefix of 1 to 64 digits, or host"* ]]
		run -1 --separate-stderr "$PW" filter add container "$bad" --only
		assert_one_line_error
	done
	[ "$(bpftool -j map dump pinned "$PIN_ROOT/maps/filter_container")" = "$before" ]
	[ "$("$PW" config get filter_kinds)" = "$kinds" ]
	run -0 "$PW" filter list container
	[ "$output" = "container abc drop" ]
}
