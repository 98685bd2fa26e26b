#!/usr/bin/env bats
# The process module: exec, exit and fork events with the fields a shell can
# check for itself, the filters, and the stats invariant.

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

# bats test_tags=vm-ci
@test "exec of a uniquely named command reports its filename, argv, pid, ppid and uid" {
	bin=$(unique_binary)
	"$bin" alpha "two words" &
	child=$!
	wait "$child"
	ev=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	[ "$(jq -c .args <<<"$ev")" = "$(jq -cn --arg b "$bin" '[$b, "alpha", "two words"]')" ]
	assert_field "$ev" .pid -eq "$child"
	assert_field "$ev" .ppid -eq "$BASHPID"
	assert_field "$ev" .uid -eq "$(id -u)"
	assert_field "$ev" .gid -eq "$(id -g)"
	assert_field "$ev" .comm "$(basename "$bin")"
	assert_field "$ev" .args_truncated false
	assert_field "$ev" .exec_id -gt 0
	assert_field "$ev" 'keys_unsorted[0]' type
}

@test "an exec whose parent exec'd under the sensor carries the parent's exec_id" {
	bin=$(unique_binary)
	/bin/sh -c "\"$bin\"; true"
	events=$(pw_events)
	child=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	[ -n "$child" ]
	sh_exec=$(jq -c --argjson p "$(jq -r .ppid <<<"$child")" 'select(.type == "exec" and .pid == $p and .filename == "/bin/sh")' <<<"$events")
	[ -n "$sh_exec" ]
	assert_field "$child" .parent_exec_id "$(jq -r .exec_id <<<"$sh_exec")"
	assert_field "$child" .exec_id != "$(jq -r .exec_id <<<"$sh_exec")"
}

# The executed file's path is resolved in the kernel (mm->exe_file's dentries
# up to the task's root): a relative path, "//", "..", a symlink all give the
# file that runs, while filename stays as execve got it.
# bats test_tags=vm-ci
@test "exec: exe_path is the file that runs, resolved in the kernel; filename stays as given" {
	bin=$(unique_binary)
	real=$(realpath "$bin")
	dir=${real%/*} name=${real##*/}
	ln -s "$real" "$BATS_TEST_TMPDIR/pwlink"
	pw_drain
	(cd "$dir" && "./$name")
	"/$real"
	"$dir/../${dir##*/}/$name"
	"$BATS_TEST_TMPDIR/pwlink"
	/bin/true
	events=$(pw_events)
	for f in "./$name" "/$real" "$dir/../${dir##*/}/$name" "$BATS_TEST_TMPDIR/pwlink"; do
		ev=$(jq -c --arg f "$f" 'select(.type == "exec" and .filename == $f)' <<<"$events")
		[ "$(jq -s length <<<"$ev")" -eq 1 ]
		assert_field "$ev" .exe_path "$real"
	done
	assert_field "$(jq -c 'select(.type == "exec" and .filename == "/bin/true")' <<<"$events" | head -1)" \
		.exe_path "$(realpath /bin/true)"
}

@test "a long argv is cut and flagged as truncated" {
	bin=$(unique_binary)
	"$bin" "$(head -c 3000 /dev/zero | tr '\0' x)"
	ev=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	assert_field "$ev" .args_truncated true
	assert_field "$ev" '.args | join(" ") | length' -lt 3000
}

@test "sh -c 'exit 7' yields an exit event with code 7 and no signal" {
	sh -c 'exit 7' &
	child=$!
	wait "$child" || true
	ev=$(pw_events | jq -c --argjson p "$child" 'select(.type == "exit" and .pid == $p)')
	assert_field "$ev" .exit_code -eq 7
	assert_field "$ev" .signal -eq 0
	assert_field "$ev" .duration_ns -gt 0
}

@test "a killed process reports its terminating signal" {
	sleep 100 &
	child=$!
	# signalled before its exec, the forked shell can survive and exec
	# sleep, which then runs its 100 s (seen on a loaded machine)
	for _ in $(seq 1 50); do
		[[ $(readlink "/proc/$child/exe") == */sleep ]] && break
		sleep 0.1
	done
	kill -TERM "$child"
	wait "$child" || true
	ev=$(pw_events | jq -c --argjson p "$child" 'select(.type == "exit" and .pid == $p)')
	assert_field "$ev" .signal -eq 15
	assert_field "$ev" .exit_code -eq 0
}

@test "exits of threads are not reported as process exits" {
	command -v python3 >/dev/null || skip "needs python3 to start threads"
	python3 -c 'import threading; t = [threading.Thread(target=lambda: None) for _ in range(4)]; [x.start() for x in t]; [x.join() for x in t]' &
	child=$!
	wait "$child"
	[ "$(pw_events | jq -c --argjson p "$child" 'select(.type == "exit" and .pid == $p)' | wc -l)" -eq 1 ]
}

@test "a fork is reported with the parent and the child pid" {
	(exec sleep 0) &
	child=$!
	wait "$child"
	ev=$(pw_events | jq -c --argjson c "$child" 'select(.type == "fork" and .child_pid == $c)')
	assert_field "$ev" .pid -eq "$BASHPID"
}

@test "a fork carries the parent's exec_id and the child's exec names it as parent_exec_id" {
	bin=$(unique_binary)
	# bash runs "$bin" in a forked child, then "true" itself: fork, then exec
	bash -c '"$0"; true' "$bin"
	events=$(pw_events)
	child_exec=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	[ -n "$child_exec" ]
	child=$(jq .pid <<<"$child_exec")
	shell=$(jq .ppid <<<"$child_exec")
	shell_exec=$(jq -c --argjson p "$shell" 'select(.type == "exec" and .pid == $p)' <<<"$events" | head -1)
	fork=$(jq -c --argjson p "$shell" --argjson c "$child" 'select(.type == "fork" and .pid == $p and .child_pid == $c)' <<<"$events")
	shell_id=$(jq .exec_id <<<"$shell_exec")
	[ "$shell_id" -gt 0 ]
	assert_field "$fork" .exec_id -eq "$shell_id"
	assert_field "$child_exec" .parent_exec_id -eq "$shell_id"
	assert_field "$child_exec" .exec_id -ne "$shell_id"
}

@test "a comm filter drops matching events and stats count them as filtered" {
	bin=$(unique_binary)
	name=$(basename "$bin")
	before=$(stat_of process filtered)
	"$PW" filter add comm "$name"
	"$bin"
	"$PW" filter del comm "$name"
	[ "$(pw_events | jq -c --arg f "$bin" 'select(.filename == $f)' | wc -l)" -eq 0 ]
	[ "$(stat_of process filtered)" -gt "$before" ]
	"$bin"
	[ "$(pw_events | jq -c --arg f "$bin" 'select(.filename == $f)' | wc -l)" -eq 1 ]
}

@test "a comm filter added with --only restricts the stream to that comm" {
	bin=$(unique_binary)
	other=$(unique_binary)
	name=$(basename "$bin")
	"$PW" filter add comm "$name" --only
	"$bin"
	"$other"
	"$PW" filter del comm "$name"
	events=$(pw_events)
	[ "$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events" | wc -l)" -eq 1 ]
	[ "$(jq -c --arg f "$other" 'select(.filename == $f)' <<<"$events" | wc -l)" -eq 0 ]
}

@test "a pid filter drops the events of that process, and --only keeps only them" {
	bin=$(unique_binary)
	"$PW" filter add pid "$BASHPID"
	"$bin" &
	dropped=$!
	wait "$dropped"
	"$PW" filter del pid "$BASHPID"
	events=$(pw_events)
	# our fork is dropped; the child's own exec (another pid) is not
	[ "$(jq -c --argjson c "$dropped" 'select(.type == "fork" and .child_pid == $c)' <<<"$events" | wc -l)" -eq 0 ]
	[ "$(jq -c --argjson c "$dropped" 'select(.type == "exec" and .pid == $c)' <<<"$events" | wc -l)" -eq 1 ]
	"$PW" filter add pid "$BASHPID" --only
	"$bin" &
	kept=$!
	wait "$kept"
	"$PW" filter del pid "$BASHPID"
	events=$(pw_events)
	[ "$(jq -c --argjson c "$kept" 'select(.type == "fork" and .child_pid == $c)' <<<"$events" | wc -l)" -eq 1 ]
	[ "$(jq -c --argjson c "$kept" 'select(.type == "exec" and .pid == $c)' <<<"$events" | wc -l)" -eq 0 ]
}

@test "a uid filter drops that user's events" {
	dir=$(mktemp -d "${TMPDIR:-/tmp}"/pinwatch-uid.XXXXXX)
	chmod 755 "$dir"
	bin=$dir/pwt-uid-$RANDOM
	cp /bin/true "$bin"
	"$PW" filter add uid 65534
	as_nobody "$bin"
	"$bin"
	"$PW" filter del uid 65534
	rm -rf "$dir"
	events=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(jq -s length <<<"$events")" -eq 1 ]
	assert_field "$events" .uid -eq 0
}

@test "a cgroup filter given as a directory drops the events of that cgroup" {
	cg2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
	[ -n "$cg2" ] || skip "no cgroup v2 hierarchy mounted"
	dir=$cg2/pinwatch-test-$$
	mkdir "$dir"
	bin=$(unique_binary)
	"$PW" filter add cgroup "$dir"
	sh -c "echo \$\$ > '$dir/cgroup.procs'; exec '$bin'"
	"$bin"
	"$PW" filter del cgroup "$dir"
	rmdir "$dir"
	events=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(jq -s length <<<"$events")" -eq 1 ]
}

@test "after a run, seen equals filtered plus emitted plus dropped" {
	bin=$(unique_binary)
	"$PW" filter add comm "$(basename "$bin")"
	for _ in $(seq 1 20); do "$bin"; done
	"$PW" filter del comm "$(basename "$bin")"
	run -0 stats_balance process
	assert_field "$output" .filtered -ge 20
	assert_field "$output" .emitted -gt 0
}

@test "events emitted while no consumer runs are all delivered when one starts" {
	bin=$(unique_binary)
	for _ in $(seq 1 50); do "$bin"; done
	[ "$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' | wc -l)" -eq 50 ]
}

# Each run of a command is three process events: the shell's fork, the
# child's exec and its exit. Other processes' events add to filtered while
# the module is off, never to emitted.
@test "switching the module off counts its events as filtered" {
	bin=$(unique_binary)
	n=5
	"$PW" config set module.process off
	before=$("$PW" stats --json | jq -c '.[] | select(.module == "process")')
	for _ in $(seq 1 $n); do "$bin" off; done
	after=$("$PW" stats --json | jq -c '.[] | select(.module == "process")')
	"$PW" config set module.process on
	echo "off: $before -> $after"
	[ "$(jq -n --argjson a "$before" --argjson b "$after" '$b.filtered - $a.filtered')" -ge $((3 * n)) ]
	[ "$(jq -n --argjson a "$before" --argjson b "$after" '$b.emitted - $a.emitted')" -eq 0 ]
	[ "$(jq -n --argjson a "$before" --argjson b "$after" '$b.dropped - $a.dropped')" -eq 0 ]
	# the positive control: switched on again, the same command is reported
	"$bin" on
	ev=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	[ "$(jq -c .args <<<"$ev")" = "$(jq -cn --arg b "$bin" '[$b, "on"]')" ]
	run -0 stats_balance process
}
