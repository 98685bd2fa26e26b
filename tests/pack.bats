#!/usr/bin/env bats
# The default rule pack (issue 15 item 5): `pinwatch up` loads
# scripts/rules/default/*.rules (here a fixture pack through
# PINWATCH_DEFAULT_RULES_DIR) before rules.d, unless --no-default-rules or
# PINWATCH_DEFAULT_RULES=off; rules.d/*.disable and a local rule of the same
# name leave a default rule out; a pack root does not own, or others can
# write, is refused. Then the checks of the real pack: every rule documented
# and tagged, and `pinwatch selftest` passing over it (tagged pack-alerts:
# tests/run runs it after its watcher of the pack is down).

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

PACK=$PW_HOME/scripts/rules/default

setup() {
	require_root
	FIX=$BATS_TEST_TMPDIR/pack
	mkdir -m 0755 "$FIX"
	printf '%s\n' '# first file' 'pk-one --on exec --binary-prefix /nonexistent-pk/a --severity low --tags T1204.002' \
		'pk-two --on open --path /nonexistent-pk/b --severity low --tags T1204.002' >"$FIX/10-a.rules"
	printf '%s\n' 'pk-three --on open --path /nonexistent-pk/c --severity low --tags T1204.002' >"$FIX/20-b.rules"
	chmod 0644 "$FIX"/*.rules
	export PINWATCH_RULES_DIR=$BATS_TEST_TMPDIR/rules.d
	mkdir -m 0700 "$PINWATCH_RULES_DIR"
	export PINWATCH_DEFAULT_RULES_DIR=$FIX
}

teardown() {
	pw_teardown
}

names() { "$PW" rule list --json | jq -r 'sort_by(.slot) | .[].name' | paste -sd' '; }

@test "up loads the default pack, its files in name order, then rules.d; --no-default-rules and PINWATCH_DEFAULT_RULES=off leave it out" {
	printf '%s\n' 'pk-local --on open --path /nonexistent-pk/l' >"$PINWATCH_RULES_DIR/local.rules"
	chmod 0600 "$PINWATCH_RULES_DIR/local.rules"
	"$PW" down >/dev/null 2>&1 || true
	run -0 env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $output == *"default rules: 3 loaded from $FIX"* ]]
	[ "$(names)" = "pk-one pk-two pk-three pk-local" ]
	# the pack's rules are not copied into rules.d
	[ "$(cat "$PINWATCH_RULES_DIR/local.rules")" = "pk-local --on open --path /nonexistent-pk/l" ]
	[ "$(ls "$PINWATCH_RULES_DIR")" = local.rules ]
	"$PW" down
	run -0 env PINWATCH_DEFAULT_RULES=on "$PW" up --no-default-rules process
	[[ $output != *"default rules"* ]]
	[ "$(names)" = pk-local ]
	"$PW" down
	run -0 env PINWATCH_DEFAULT_RULES=off "$PW" up process
	[ "$(names)" = pk-local ]
	# a sensor that holds rules already is left as it is
	run -0 env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[ "$(names)" = pk-local ]
}

@test "a default rule named in rules.d/*.disable, or replaced by a local rule of its name, is left out; a disable file not 0600 is refused" {
	printf '%s\n' '# not wanted here' 'pk-one' 'pk-nothing' >"$PINWATCH_RULES_DIR/site.disable"
	chmod 0600 "$PINWATCH_RULES_DIR/site.disable"
	printf '%s\n' 'pk-three --on open --path /nonexistent-pk/mine --severity high' >"$PINWATCH_RULES_DIR/local.rules"
	chmod 0600 "$PINWATCH_RULES_DIR/local.rules"
	"$PW" down >/dev/null 2>&1 || true
	run -0 --separate-stderr env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $output == *"default rules: 1 loaded from $FIX; left out: pk-one (disabled), pk-three (local rule)"* ]]
	[[ $stderr == *"notice: $PINWATCH_RULES_DIR/site.disable: 'pk-nothing' is not a default rule"* ]]
	[ "$(names)" = "pk-two pk-three" ]
	run -0 "$PW" rule list --json
	assert_field "$output" '.[] | select(.name == "pk-three") | .args | join(" ")' "--on open --path /nonexistent-pk/mine --severity high"
	# the pack's files are as they were
	grep -q '^pk-one ' "$FIX/10-a.rules"
	"$PW" down
	chmod 0644 "$PINWATCH_RULES_DIR/site.disable"
	run -5 --separate-stderr env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $stderr == *"$PINWATCH_RULES_DIR/site.disable: not read: a disable file must be owned by root with mode 0600"* ]]
	[ "$(names)" = "pk-one pk-two pk-three" ]
}

@test "a pack directory or file that root does not own or others can write is refused in one line; the rest loads" {
	"$PW" down >/dev/null 2>&1 || true
	chmod g+w "$FIX/20-b.rules"
	run -5 --separate-stderr env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $stderr == *"pinwatch: up: $FIX/20-b.rules: not loaded: writable by group or others (mode 664)"* ]]
	[ "$(names)" = "pk-one pk-two" ]
	"$PW" down
	chmod g-w "$FIX/20-b.rules"
	chown nobody "$FIX"
	run -5 --separate-stderr env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ $stderr == "pinwatch: up: $FIX: default rules not loaded: not owned by root" ]]
	[ "$(names)" = "" ]
	"$PW" down
	chown root "$FIX"
	# a file with a bad line loads nothing of it, with the loader's line
	printf '%s\n' 'pk-bad --on open --path relative/path' >>"$FIX/20-b.rules"
	run -5 --separate-stderr env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $stderr == *"rule: $FIX/20-b.rules:2: pk-bad: --path: 'relative/path' is not an absolute path"* ]]
	[ "$(names)" = "pk-one pk-two" ]
	# the same with a rule of that file disabled (up loads a copy without
	# it): the line names the pack's file and its line
	"$PW" down
	printf '%s\n' pk-three >"$PINWATCH_RULES_DIR/site.disable"
	chmod 0600 "$PINWATCH_RULES_DIR/site.disable"
	run -5 --separate-stderr env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $stderr == *"rule: $FIX/20-b.rules:2: pk-bad: --path: 'relative/path' is not an absolute path"* ]]
	[ "$(names)" = "pk-one pk-two" ]
}

@test "PINWATCH_DEFAULT_RULES other than on or off is refused in one line before anything loads" {
	"$PW" down >/dev/null 2>&1 || true
	run -2 --separate-stderr env PINWATCH_DEFAULT_RULES=yes "$PW" up process
	assert_one_line_error
	[[ $stderr == *"PINWATCH_DEFAULT_RULES must be on or off, not 'yes'"* ]]
	[ ! -e "$PIN_ROOT" ]
}

# The real pack's rules, one "FILE LINE NAME" a line.
pack_rules() {
	local f
	for f in "$PACK"/*.rules; do
		[[ -e $f ]] || continue
		awk -v f="$f" '$1 !~ /^#/ && NF { print f, FNR, $1 }' "$f"
	done
}

@test "every rule of the default pack: ATT&CK tags, a severity, no kill or deny, a comment block naming its false positives, a canary, a README row" {
	mapfile -t rules < <(pack_rules)
	((${#rules[@]})) || skip "scripts/rules/default has no rules yet"
	declare -A CANARY_DESC=()
	for f in "$PW_HOME"/scripts/selftest/*.bash; do
		# shellcheck source=/dev/null
		[[ ! -e $f ]] || source "$f"
	done
	bad=0
	for r in "${rules[@]}"; do
		read -r f line name <<<"$r"
		text=$(sed -n "${line}p" "$f")
		where="${f#"$PW_HOME"/}:$line $name"
		((${#name} <= 31)) || { echo "$where: name longer than 31 characters"; bad=1; }
		[[ $text =~ --tags[[:space:]]+[^[:space:]]*T[0-9]{4} ]] || { echo "$where: no --tags with an ATT&CK id (T1234)"; bad=1; }
		[[ $text =~ --severity[[:space:]]+(low|medium|high|critical) ]] || { echo "$where: no --severity"; bad=1; }
		[[ ! $text =~ --action[[:space:]]+(kill|deny) ]] || { echo "$where: the pack detects only (no kill or deny)"; bad=1; }
		# the comment lines right above the rule
		block=$(head -n $((line - 1)) "$f" | tac | awk '/^[[:space:]]*#/ { print; next } { exit }')
		grep -qi 'false positives' <<<"$block" || { echo "$where: no comment block above it naming its False positives"; bad=1; }
		declare -F "canary_${name//-/_}" >/dev/null || { echo "$where: no canary_${name//-/_} in scripts/selftest/*.bash"; bad=1; }
		[[ -n ${CANARY_DESC[$name]:-} ]] || { echo "$where: no CANARY_DESC[$name]"; bad=1; }
		grep -qE "^\| \`$name\` \|" "$PW_HOME/README.md" || { echo "$where: no row | \`$name\` | in README's default pack table"; bad=1; }
	done
	# and the pack as a whole loads (rule test: the parser's own checks)
	run -0 "$PW_BUILD/pinwatch-rule" --pin-root /dev/null test "$PACK"/*.rules
	[ "$bad" -eq 0 ]
}

# The modules whose events the loaded rules name (maps/rule_index.modules:
# a bit per module id, pinned-layout.md "Rules"), by name.
rule_modules() {
	local bits name id
	bits=$(bpftool -j map lookup pinned "$PIN_ROOT/maps/rule_index" key 0 0 0 0 | jq '.formatted.value.modules')
	while read -r name id; do
		(((bits >> id) & 1)) && echo "$name"
	done < <("$PW_LOAD" abi | awk '$1 == "modules" { print $2, $3 }')
	return 0
}

# The real pack in a sensor of the modules it needs, and its canaries:
# every rule passes (or says why it cannot run here). Its alerts are on
# purpose.
# bats test_tags=pack-alerts
@test "pinwatch selftest passes over the real default pack" {
	[ -n "$(pack_rules)" ] || skip "scripts/rules/default has no rules yet"
	unset PINWATCH_DEFAULT_RULES_DIR
	"$PW" down >/dev/null 2>&1 || true
	run -0 env PINWATCH_DEFAULT_RULES=on "$PW" up process
	[[ $output == *"default rules: $(pack_rules | wc -l) loaded from $PACK"* ]]
	mapfile -t mods < <(rule_modules)
	"$PW" up "${mods[@]}" >/dev/null 2>&1 || [ $? -eq 5 ]
	run --separate-stderr "$PW" selftest --json
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	n=$(pack_rules | wc -l)
	[ "$(grep -c . <<<"$output")" -eq "$n" ]
	jq -se 'all(.[]; .result == "PASS" or .result == "SKIP") and any(.[]; .result == "PASS")' <<<"$output"
}
