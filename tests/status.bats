#!/usr/bin/env bats
# `pinwatch status` and the links behind it: a pinned link is an attached
# link, and status says so per module and hook.

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_teardown
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
}

teardown() {
	pw_teardown
}

# status checks that each link pin exists and holds the module's program; it
# need not ask whether the link was detached, because none of the link types
# pinwatch pins (perf_event, raw_tracepoint, tracing, uprobe) has a detach
# operation in the kernel. This proves it on the running kernel, for every
# kind of link it pinned (one of each link type and program type: trying
# all ~150 costs minutes under TCG): the detach is refused, the programs
# still see events, and status still reports every hook attached.
@test "no pinned link can be detached behind status's back: the kernel refuses and events keep flowing" {
	"$PW" up
	all=$(find "$PIN_ROOT" -name 'link_*' | sort)
	[ -n "$all" ]
	# one pinned link per (link type, program type), from one listing each
	# (in files: with other sensors on the machine, the kernel's listings
	# outgrow a command line)
	bpftool -j prog show >"$BATS_TEST_TMPDIR/progs.json"
	bpftool -j -f link show >"$BATS_TEST_TMPDIR/links.json"
	links=$(jq -rn --arg root "$PIN_ROOT/" --slurpfile progs "$BATS_TEST_TMPDIR/progs.json" \
		--slurpfile links "$BATS_TEST_TMPDIR/links.json" '
		($progs[0] | map({key: (.id | tostring), value: .type}) | from_entries) as $ptype
		| [$links[0][] | select(.pinned != null) | .pinned[] as $p | select($p | startswith($root))
		   | {k: "\(.type)/\($ptype[.prog_id | tostring])", p: $p}]
		| group_by(.k) | .[] | .[0].p')
	[ "$(wc -l <<<"$links")" -ge 2 ] || { echo "link kinds: $links"; return 1; }
	while read -r link; do
		type=$(bpftool -j link show pinned "$link" | jq -r .type)
		run ! bpftool link detach pinned "$link" || { echo "$link ($type) was detached"; return 1; }
		[[ $output == *"not supported"* ]] || { echo "$link ($type): $output"; return 1; }
	done <<<"$links"
	run -0 "$PW" status --json
	assert_field "$output" '[.modules[].hooks[] | select(.ok | not)] | length' -eq 0
	assert_field "$output" '[.modules[].hooks[] | select(.attach_type != "tail_call")] | length' -eq "$(wc -l <<<"$all")"
	pw_drain
	bin=$(unique_binary)
	"$bin"
	ev=$(pw_events | jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)')
	[ -n "$ev" ]
}
