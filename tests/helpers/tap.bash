# shellcheck shell=bash
# Counting a bats TAP stream, for tests/run and for tests/vm/run when the
# guest hangs (its console holds the stream as far as it got).

# Prints "passed failed skipped unrun": unrun are the tests the plan lines
# (1..N: one a bats run, tests/run may make one a file) announced that
# never reported, as when bats or the guest died.
tap_counts() { # tap_file
	local ok skip notok planned
	ok=$(grep -cE '^ok [0-9]+ ' "$1" || true)
	skip=$(grep -cE '^ok [0-9]+ .* # skip' "$1" || true)
	notok=$(grep -cE '^not ok [0-9]+ ' "$1" || true)
	planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$1" | awk '{ n += $1 } END { print n + 0 }')
	echo "$((ok - skip)) $notok $skip $((planned > ok + notok ? planned - ok - notok : 0))"
}
