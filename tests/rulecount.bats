#!/usr/bin/env bats
# As many rules as maps/rules holds (PW_RULES_MAX, `pinwatch-load abi`):
# they load from one file, `rule list` shows every one, the rule in the last
# slot (slot + 1 past 255: pw_hdr.rule and rule_hi) raises its alert with its
# name; one more is refused with one line and the maps unchanged. The cost
# of many rules is benchmark 6 of `make bench` (BENCHMARKS.md), not a test.
# shellcheck disable=SC2154 # status, output, stderr: set by bats' run

load helpers/common
load helpers/rules
bats_require_minimum_version 1.5.0

setup_file() {
	export PINWATCH_RULES_DIR=$BATS_FILE_TMPDIR/rules.d
	pw_setup_file --ringbuf-size 64M file
	# the ring holds only alerts (the file module's rules-only path)
	"$PW" config set module.file off >/dev/null
	RULES_MAX=$("$PW_LOAD" abi | awk '$1 == "constants" && $2 == "PW_RULES_MAX" { print $3 }')
	export RULES_MAX
}

teardown_file() { pw_teardown_file; }

setup() { rules_setup; }

@test "maps/rules full: every rule loads from one file, is listed, the last slot's alert names it; one more is refused, maps unchanged" {
	[[ $RULES_MAX =~ ^[0-9]+$ ]] && ((RULES_MAX >= 1000))
	local f=$BATS_TEST_TMPDIR/many.rules target=$BATS_TEST_TMPDIR/target i
	touch "$target"
	# every rule but the last on a path of its own (the index holds them:
	# an open of another file meets none of them), half of them also
	# with --open-flags (a scalar checked only on the survivors)
	for ((i = 0; i < RULES_MAX - 1; i++)); do
		if ((i % 2)); then
			echo "many-$i --on open --path /nonexistent/pw-rulecount/$i --open-flags write"
		else
			echo "many-$i --on open --path-prefix /nonexistent/pw-rulecount/d$i"
		fi
	done >"$f"
	echo "last-slot --on open --path $target --severity high --tags T1005" >>"$f"
	SECONDS=0
	run -0 --separate-stderr "$PW" rule load "$f"
	echo "rule load of $RULES_MAX rules: $SECONDS s"
	run -0 --separate-stderr "$PW" rule list --json
	[ "$(jq length <<<"$output")" -eq "$RULES_MAX" ]
	[ "$(jq -r '.[-1].name' <<<"$output")" = last-slot ] || jq -c '.[-1]' <<<"$output"
	[ "$(jq -r '[.[].name] | unique | length' <<<"$output")" -eq "$RULES_MAX" ]
	# the last slot: its bit in the highest word of the open mask
	key=$((RULES_MAX - 1))
	[ "$(bpftool -j map lookup pinned "$PIN_ROOT/maps/rules" key $((key & 255)) $((key >> 8)) 0 0 |
		jq -r .formatted.value.name)" = last-slot ]

	cat "$target"
	cat /etc/hostname >/dev/null	# no rule's path: no alert
	collect_alerts 'select(.rule == "last-slot")' 1
	e=$(ev 'select(.rule == "last-slot")')
	[ "$(jq -s length <<<"$e")" -eq 1 ]
	assert_field "$e" .type open
	assert_field "$e" .path "$target"
	assert_field "$e" .severity high
	assert_field "$e" '.tags | join(",")' T1005
	assert_field "$e" .comm cat
	# nothing but that alert: no other rule met the opens of the test
	[ "$(jq -s 'map(select(.rule != null and .rule != "last-slot")) | length' "$EV")" -eq 0 ]

	# one more: one line, non-zero, maps unchanged
	state=$(pin_state; for m in rules rule_types rule_index rule_paths; do bpftool map dump pinned "$PIN_ROOT/maps/$m"; done)
	run -1 --separate-stderr "$PW" rule add one-more --on open --path /etc/shadow
	assert_one_line_error
	[[ $stderr == *"too many rules: maps/rules holds $RULES_MAX"* ]] || { echo "stderr: $stderr"; false; }
	echo "more --on exec --comm pwnever" >"$BATS_TEST_TMPDIR/one.rules"
	run -1 --separate-stderr "$PW" rule load "$BATS_TEST_TMPDIR/one.rules"
	assert_one_line_error
	[[ $stderr == *"too many rules: 1 given, 0 free slots of $RULES_MAX"* ]] || { echo "stderr: $stderr"; false; }
	[ "$(pin_state; for m in rules rule_types rule_index rule_paths; do bpftool map dump pinned "$PIN_ROOT/maps/$m"; done)" = "$state" ]
	run -0 --separate-stderr "$PW" rule list --json
	[ "$(jq length <<<"$output")" -eq "$RULES_MAX" ]
}
