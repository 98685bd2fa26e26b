# shellcheck shell=bash
# What the rule test files share (rules.bats, rulesel.bats, deny.bats): each
# test starts with an empty ring read into $EV and ends without rules.

rules_setup() {
	require_root
	pw_drain
	EV=$BATS_TEST_TMPDIR/events.jsonl
	: >"$EV"
}

rules_del_all() {
	local n
	for n in $("$PW" rule list --json | jq -r '.[].name'); do "$PW" rule del "$n"; done
}

# Appends the alerts queued in the ring to $EV until N match the jq filter
# (the events are in the ring when the act returns; the loop rides out a
# ring filled by the rest of the machine).
collect_alerts() { # jq-filter n
	for _ in $(seq 1 50); do
		"$PW_READ" --json --drain --alerts >>"$EV"
		[ "$(jq -c "$1" "$EV" | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $2 alerts matching: $1" >&2
	return 1
}

ev() { jq -c "$1" "$EV"; }
