#!/usr/bin/env bats
# The oom module: a process that outgrows its memory cgroup is killed by the
# OOM killer, and the oom event names it, with its memory figures.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file oom
	pw_cc "$BATS_FILE_TMPDIR/pwoom" -O2 "$PW_HOME/tests/fixtures/alloc.c"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
	pw_drain
	CG=
}

teardown() {
	[[ -z $CG || ! -d $CG ]] || rmdir "$CG" 2>/dev/null || true
}

# Creates a memory cgroup limited to 20 MiB without swap; sets CG and PROCS
# (the file that moves a process into it). Skips when there is none.
memory_cgroup() {
	local v1=/sys/fs/cgroup/memory v2
	if [[ -e $v1/memory.limit_in_bytes ]]; then
		CG=$v1/pinwatch-oom-$$-$BATS_TEST_NUMBER
		mkdir "$CG"
		echo $((20 << 20)) >"$CG/memory.limit_in_bytes"
		[[ ! -e $CG/memory.memsw.limit_in_bytes ]] || echo $((20 << 20)) >"$CG/memory.memsw.limit_in_bytes"
		[[ ! -e $CG/memory.swappiness ]] || echo 0 >"$CG/memory.swappiness"
		return 0
	fi
	v2=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
	if [[ -n $v2 ]] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
		grep -qw memory "$v2/cgroup.subtree_control" || echo +memory >"$v2/cgroup.subtree_control"
		CG=$v2/pinwatch-oom-$$-$BATS_TEST_NUMBER
		mkdir "$CG"
		echo $((20 << 20)) >"$CG/memory.max"
		[[ ! -e $CG/memory.swap.max ]] || echo 0 >"$CG/memory.swap.max"
		return 0
	fi
	skip "no memory cgroup controller (v1 or v2) to limit a process with"
}

@test "a process over its memory cgroup limit is SIGKILLed and reported as the oom victim" {
	memory_cgroup
	run -137 sh -c "echo \$\$ >'$CG/cgroup.procs'; exec '$BATS_FILE_TMPDIR/pwoom' 100"
	events=$(pw_events)
	ev=$(jq -c 'select(.type == "oom" and .victim_comm == "pwoom")' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	victim=$(jq -r .victim_pid <<<"$ev")
	# the victim triggered its own OOM: the allocating task is the header
	assert_field "$ev" .pid -eq "$victim"
	assert_field "$ev" .comm pwoom
	assert_field "$ev" .module oom
	assert_field "$ev" .victim_uid -eq 0
	# about 20 MiB resident when killed, more mapped
	assert_field "$ev" .anon_rss_kb -gt 10000
	assert_field "$ev" .anon_rss_kb -le 25000
	assert_field "$ev" .total_vm_kb -ge "$(jq -r .anon_rss_kb <<<"$ev")"
	assert_field "$ev" '.file_rss_kb | type' number
	assert_field "$ev" '.shmem_rss_kb | type' number
	# and the process died of SIGKILL: its exit was 128 + 9 (run -137 above)
}

@test "the victim pid is the killed process's pid" {
	memory_cgroup
	sh -c "echo \$\$ >'$CG/cgroup.procs'; exec '$BATS_FILE_TMPDIR/pwoom' 100" &
	pid=$!
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	ev=$(pw_events | jq -c --argjson p "$pid" 'select(.type == "oom" and .victim_pid == $p)')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .victim_comm pwoom
	run -0 stats_balance oom
	assert_field "$output" .emitted -ge 1
}

@test "a process that stays under its limit is not reported" {
	memory_cgroup
	sh -c "echo \$\$ >'$CG/cgroup.procs'; exec '$BATS_FILE_TMPDIR/pwoom' 5" &
	pid=$!
	wait "$pid"
	[ "$(pw_events | jq -c 'select(.type == "oom")' | wc -l)" -eq 0 ]
}

@test "every oom pin is documented in pinned-layout.md" {
	documented=$(grep -o '/sys/fs/bpf/pinwatch/oom/[A-Za-z0-9_]*' "$PW_HOME/pinned-layout.md" | sed "s:^/sys/fs/bpf/pinwatch:$PIN_ROOT:" | sort -u)
	while read -r pin; do
		grep -qxF "$pin" <<<"$documented" || { echo "undocumented pin: $pin"; return 1; }
	done < <(find "$PIN_ROOT/oom" -mindepth 1 | sort)
}

# bats test_tags=vm-ci,pack-alerts
@test "the kill hook on oom_kill_process attaches as fentry where it works, as kprobe where only kprobes do, and is left out otherwise" {
	case $(kernel_fn_attach oom_kill_process) in
	fentry) want=fentry ;;
	kprobe) want=kprobe ;;
	*) want= ;;
	esac
	[ "$(hook_variant oom kill)" = "$want" ]
	[ "$(hook_variant oom victim)" = tp ]
}

# Runs a process into its cgroup's limit and checks the oom_kill event of
# the variant attached.
check_oom_kill() {
	memory_cgroup
	sh -c "echo \$\$ >'$CG/cgroup.procs'; exec '$BATS_FILE_TMPDIR/pwoom' 100" &
	pid=$!
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 137 ]
	events=$(pw_events | jq -c --argjson p "$pid" 'select((.type == "oom" or .type == "oom_kill") and .victim_pid == $p)')
	[ "$(jq -r .type <<<"$events" | paste -sd,)" = oom_kill,oom ]
	ev=$(head -1 <<<"$events")
	assert_field "$ev" .victim_comm pwoom
	assert_field "$ev" .constraint memcg
	assert_field "$ev" .message "Memory cgroup out of memory"
	# chosen within the cgroup's 20 MiB limit, in 4 KiB pages
	assert_field "$ev" .total_pages -eq $((20 << 20 >> 12))
	assert_field "$ev" .points -gt 0
	assert_field "$ev" .order -ge 0
	# the allocating task ran the OOM killer on itself
	assert_field "$ev" .pid -eq "$pid"
	assert_field "$ev" .module oom
}

# bats test_tags=vm-ci
@test "oom_kill reports the OOM killer's decision for a memory cgroup: victim, constraint, pages, points and message, before the victim's oom event" {
	[[ -e $PIN_ROOT/oom/link_kill ]] || skip "no fentry or kprobe on oom_kill_process here (the 6.1 guest of make vmtest has them)"
	check_oom_kill
}

@test "the kprobe fallback on oom_kill_process reports the same oom_kill event" {
	[[ -e /sys/kernel/tracing/kprobe_events ]] || skip "no kprobes on this kernel"
	"$PW" down
	PINWATCH_DENY_VARIANTS=fentry "$PW" up oom
	[ "$(hook_variant oom kill)" = kprobe ]
	check_oom_kill
	pw_fresh oom
	[ "$(hook_variant oom kill)" != kprobe ]
}
