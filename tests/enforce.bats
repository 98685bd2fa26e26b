#!/usr/bin/env bats
# Enforcement: `pinwatch block` stops a blocked binary at exec (SIGKILL from
# the exec chain's action stage, or EPERM from the LSM variant where BPF LSM
# runs), and when it is mapped executable instead (SIGKILL at mmap: ld.so
# BLOCKED), whatever path names the file, whatever the filters and switches
# say; audit mode only reports; every blocklist change is audited.
# shellcheck disable=SC2154 # status, output, lines and stderr come from bats' run

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite audit process

# Leave no entry, filter or switch behind, whatever a test did.
teardown() {
	local k
	while read -ra k; do
		bpftool map delete pinned "$PIN_ROOT/maps/blocklist" key "${k[@]}"
	done < <(bpftool -j map dump pinned "$PIN_ROOT/maps/blocklist" 2>/dev/null | jq -r '.[].key | join(" ")')
	rm -f "$PINWATCH_RULES_DIR/blocklist.rules"
	[[ -z ${filter_comm:-} ]] || "$PW" filter del comm "$filter_comm" 2>/dev/null || true
	"$PW" config set enabled 1
	"$PW" config set module.process on
	"$PW" config set consumer_tgid 0
}

# The variant that stops a blocked exec here: lsm or tp (pinwatch status).
enforce_variant() {
	"$PW" status --json | jq -r '.modules[] | select(.name == "process") | .hooks[] | select(.hook == "enforce") | .variant'
}

# What a shell sees when it runs a blocked binary, and the action reported.
blocked_status() { if [[ $(enforce_variant) == lsm ]]; then echo 126; else echo 137; fi; }
blocked_action() { if [[ $(enforce_variant) == lsm ]]; then echo denied; else echo killed; fi; }

# The device of the superblock a file lives on, as MAJOR:MINOR: what the
# kernel sees at exec. On overlayfs (the VM guest's root) stat(2)'s st_dev
# names the upper layer instead, so it is read from the mount table.
sb_dev() { findmnt -rn -o MAJ:MIN -T "$1"; }

# That device as the kernel encodes it (major << 20 | minor).
kernel_dev() { local d; d=$(sb_dev "$1"); echo $((${d%:*} << 20 | ${d#*:})); }

# VALUE as N little-endian bytes in hex, as audit events show keys.
le_hex() {
	local v=$1 n=$2 i out=
	for ((i = 0; i < n; i++)); do
		out+=$(printf '%02x' $((v & 0xff)))
		v=$((v >> 8))
	done
	echo "$out"
}

@test "status names the active enforcement variant, and the action stage sits in chain slot 2" {
	run -0 "$PW" chain process
	grep -qE '^2 +[0-9]+ +enforce__tp$' <<<"$output"
	run -0 "$PW" status
	case $(enforce_variant) in
	lsm) [ -e "$PIN_ROOT/process/link_enforce" ] ;;
	tp)
		[ ! -e "$PIN_ROOT/process/link_enforce" ]
		[ "$("$PW" status --json | jq -r '.modules[] | .hooks[] | select(.hook == "enforce") | .attach_type')" = tail_call ]
		;;
	*) echo "no enforce hook in status: $output"; return 1 ;;
	esac
}

@test "a blocked copy of true is stopped at exec and reported with its path, device and inode" {
	bin=$(unique_binary)
	"$PW" block add "$bin"
	run -"$(blocked_status)" "$bin"
	ev=$(pw_events | jq -c 'select(.type == "enforce")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .action "$(blocked_action)"
	assert_field "$ev" .mode kill
	assert_field "$ev" .path "$bin"
	assert_field "$ev" .filename "$bin"
	assert_field "$ev" .dev "$(sb_dev "$bin")"
	assert_field "$ev" .ino -eq "$(stat -c %i "$bin")"
	assert_field "$ev" .error -eq 0
	assert_field "$ev" .module process
}

@test "tp variant: the blocked process dies of SIGKILL before its first instruction, after its exec event" {
	[[ $(enforce_variant) == tp ]] || skip "the LSM variant is active here: the exec is refused before it happens"
	bin=$BATS_TEST_TMPDIR/pwtouch
	cp "$(command -v touch)" "$bin"
	"$PW" block add "$bin"
	run -137 "$bin" "$BATS_TEST_TMPDIR/marker"
	[ ! -e "$BATS_TEST_TMPDIR/marker" ] # touch never ran
	events=$(pw_events | jq -c --arg f "$bin" 'select((.type == "exec" and .filename == $f) or .type == "enforce" or (.type == "exit" and .comm == "pwtouch"))')
	[ "$(jq -r .type <<<"$events" | paste -sd,)" = exec,enforce,exit ]
	assert_field "$events" 'select(.type == "exit") | .signal' -eq 9
	assert_field "$events" 'select(.type == "enforce") | .action' killed
	# one process, one image: the same pid and exec_id throughout
	[ "$(jq -r '"\(.pid) \(.exec_id)"' <<<"$events" | sort -u | wc -l)" -eq 1 ]
}

# The dynamic loader: exec'd itself, it maps the program it is given.
LDSO=/lib64/ld-linux-x86-64.so.2

# bats test_tags=vm-ci
@test "a blocked binary run through the dynamic loader is stopped when the loader maps it executable (via mmap)" {
	[[ -x $LDSO ]] || skip "no $LDSO on this machine"
	bin=$BATS_TEST_TMPDIR/pwtouch
	cp "$(command -v touch)" "$bin"
	"$PW" block add "$bin"
	[ "$("$PW" config get blocklist_entries)" -eq 1 ]
	# lsm (mmap_file, where BPF LSM runs): the mapping fails with EPERM and
	# the loader exits 127; tp (sys_enter_mmap): SIGKILL
	variant=$(hook_variant process mmap)
	if [[ $variant == lsm ]]; then
		run -127 --separate-stderr "$LDSO" "$bin" "$BATS_TEST_TMPDIR/marker"
		[[ $stderr == *"failed to map segment from shared object"* ]]
	else
		[ "$variant" = tp ]
		run -137 "$LDSO" "$bin" "$BATS_TEST_TMPDIR/marker"
	fi
	[ ! -e "$BATS_TEST_TMPDIR/marker" ] # touch's code never ran
	events=$(pw_events)
	ev=$(jq -c 'select(.type == "enforce")' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .via mmap
	assert_field "$ev" .action "$(if [[ $variant == lsm ]]; then echo denied; else echo killed; fi)"
	assert_field "$ev" .mode kill
	assert_field "$ev" .path "$bin"
	assert_field "$ev" .filename "$(readlink -f "$LDSO")" # the image the process runs, resolved (exe_path)
	assert_field "$ev" .dev "$(sb_dev "$bin")"
	assert_field "$ev" .ino -eq "$(stat -c %i "$bin")"
	assert_field "$ev" .error -eq 0
	assert_field "$ev" .module process
	# the loader's process: its exec, then this event, then death by SIGKILL
	# (lsm: its own exit, 127)
	pid=$(jq -r .pid <<<"$ev")
	assert_field "$(jq -c --arg f "$LDSO" 'select(.type == "exec" and .filename == $f)' <<<"$events")" .pid -eq "$pid"
	ex=$(jq -c --argjson p "$pid" 'select(.type == "exit" and .pid == $p)' <<<"$events")
	if [[ $variant == lsm ]]; then
		assert_field "$ex" .exit_code -eq 127
	else
		assert_field "$ex" .signal -eq 9
	fi
	run -0 stats_balance process
	"$PW" block del "$bin"
	[ "$("$PW" config get blocklist_entries)" -eq 0 ]
	run -0 "$LDSO" "$bin" "$BATS_TEST_TMPDIR/marker"
	[ -e "$BATS_TEST_TMPDIR/marker" ]
}

@test "audit mode reports a blocked binary mapped by the loader and lets it run" {
	[[ -x $LDSO ]] || skip "no $LDSO on this machine"
	bin=$(unique_binary)
	"$PW" block add --audit "$bin"
	run -0 "$LDSO" "$bin"
	ev=$(pw_events | jq -c 'select(.type == "enforce")')
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .via mmap
	assert_field "$ev" .action audit
	assert_field "$ev" .mode audit
	assert_field "$ev" .path "$bin"
}

@test "an executable mapping of another file, and a mapping of the blocked file without PROT_EXEC, are not touched" {
	[[ -x $LDSO ]] || skip "no $LDSO on this machine"
	command -v python3 >/dev/null || skip "no python3 to map the file read-only"
	bin=$(unique_binary)
	"$PW" block add "$bin"
	run -0 "$LDSO" /bin/true
	run -0 cat "$bin"
	# python maps it with PROT_READ, and checks it got the ELF header
	run -0 python3 -c 'import mmap, sys
f = open(sys.argv[1], "rb")
m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
assert m[:4] == b"\x7fELF"' "$bin"
	[ "$(pw_events | jq -c 'select(.type == "enforce")' | wc -l)" -eq 0 ]
	# and the block itself still holds
	run -"$(blocked_status)" "$bin"
}

# bats test_tags=pack-alerts
@test "a block follows the file, not its content: a memfd copy run with fexecve runs, its exec flagged memfd" {
	command -v python3 >/dev/null || skip "no python3 to copy the binary into a memfd"
	bin=$(unique_binary)
	"$PW" block add "$bin"
	run -0 python3 -c 'import os, sys
fd = os.memfd_create("pwcopy", 0)
with open(sys.argv[1], "rb") as f:
    os.write(fd, f.read())
os.execve(fd, ["pwcopy"], {})' "$bin"
	events=$(pw_events)
	[ "$(jq -c 'select(.type == "enforce")' <<<"$events" | wc -l)" -eq 0 ]
	ev=$(jq -c 'select(.type == "exec" and .comm == "memfd:pwcopy")' <<<"$events")
	assert_field "$ev" '.exe_flags | tojson' '["memfd"]'
}

# bats test_tags=vm-ci
@test "LSM variant: a blocked exec fails with EPERM and the caller goes on" {
	[[ $(enforce_variant) == lsm ]] ||
		skip "the LSM variant is not active on this kernel (BPF LSM programs do not load here): the tp variant kills instead"
	bin=$(unique_binary)
	"$PW" block add "$bin"
	run bash -c '"$1"; echo "rc=$?"' _ "$bin"
	[[ $output == *"Operation not permitted"* ]]
	[[ $output == *rc=126* ]]
	events=$(pw_events)
	[ "$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events" | wc -l)" -eq 0 ]
	ev=$(jq -c 'select(.type == "enforce")' <<<"$events")
	assert_field "$ev" .action denied
	assert_field "$ev" .filename "$bin"
	assert_field "$ev" .comm bash # the caller, whose image stays
}

@test "a hard link, a symlink and a renamed file are blocked too; a copy is another file" {
	bin=$(unique_binary)
	"$PW" block add "$bin"
	ln "$bin" "$BATS_TEST_TMPDIR/hardlink"
	ln -s "$bin" "$BATS_TEST_TMPDIR/symlink"
	cp "$bin" "$BATS_TEST_TMPDIR/copy"
	want=$(blocked_status)
	for f in hardlink symlink; do
		run -"$want" "$BATS_TEST_TMPDIR/$f" || { echo "$f ran: $status"; return 1; }
	done
	mv "$bin" "$BATS_TEST_TMPDIR/renamed"
	run -"$want" "$BATS_TEST_TMPDIR/renamed"
	run -0 "$BATS_TEST_TMPDIR/copy"
	events=$(pw_events | jq -c 'select(.type == "enforce")')
	[ "$(jq -r '.filename | split("/") | last' <<<"$events" | paste -sd,)" = hardlink,symlink,renamed ]
	[ "$(jq -r .path <<<"$events" | sort -u)" = "$bin" ]
}

@test "audit mode lets the binary run and reports it beside its exec event" {
	bin=$(unique_binary)
	"$PW" block add --audit "$bin"
	run -0 "$bin"
	events=$(pw_events)
	ev=$(jq -c 'select(.type == "enforce")' <<<"$events")
	[ "$(jq -s length <<<"$ev")" -eq 1 ]
	assert_field "$ev" .action audit
	assert_field "$ev" .mode audit
	assert_field "$ev" .path "$bin"
	exec_ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	assert_field "$ev" .exec_id "$(jq -r .exec_id <<<"$exec_ev")"
	exit_ev=$(jq -c --argjson p "$(jq .pid <<<"$exec_ev")" 'select(.type == "exit" and .pid == $p)' <<<"$events")
	assert_field "$exit_ev" .signal -eq 0
}

@test "adding a blocked file again replaces its entry; block del restores the binary" {
	bin=$(unique_binary)
	"$PW" block add "$bin"
	"$PW" block add --audit "$bin"
	[ "$("$PW" block list --json | jq -c 'map(.mode)')" = '["audit"]' ]
	"$PW" block add "$bin"
	run -"$(blocked_status)" "$bin"
	"$PW" block del "$BATS_TEST_TMPDIR/$(basename "$bin")"
	[ "$("$PW" block list --json)" = "[]" ]
	run -0 "$bin"
	[ "$(pw_events | jq -c 'select(.type == "enforce")' | wc -l)" -eq 1 ]
}

@test "block del removes an entry whose file is gone, by the path it was added with" {
	bin=$(unique_binary)
	"$PW" block add "$bin"
	rm "$bin"
	"$PW" block del "$bin"
	[ "$("$PW" block list --json)" = "[]" ]
}

@test "block list shows mode, device, inode and path, as text and as JSON" {
	bin=$(unique_binary)
	spaced="$BATS_TEST_TMPDIR/with space"
	cp /bin/true "$spaced"
	"$PW" block add "$bin"
	"$PW" block add --audit "$spaced"
	run -0 "$PW" block list --json
	want=$(jq -cn --arg b "$bin" --arg s "$spaced" --arg d "$(sb_dev "$bin")" \
		--argjson bi "$(stat -c %i "$bin")" --argjson si "$(stat -c %i "$spaced")" \
		'[{path: $b, dev: $d, ino: $bi, mode: "kill"}, {path: $s, dev: $d, ino: $si, mode: "audit"}] | sort_by(.path)')
	[ "$(jq -c 'sort_by(.path)' <<<"$output")" = "$want" ]
	run -0 "$PW" block list
	[[ ${lines[0]} == MODE*DEV*INO*PATH ]]
	grep -qE "^kill +[0-9]+:[0-9]+ +$(stat -c %i "$bin") +$bin\$" <<<"$output"
	grep -qE "^audit +[0-9]+:[0-9]+ +[0-9]+ +$spaced\$" <<<"$output"
}

@test "every blocklist change is an audit event carrying the entry's device and inode" {
	bin=$(unique_binary)
	"$PW" block add "$bin"
	"$PW" block add --audit "$bin"
	"$PW" block del "$bin"
	key=$(le_hex "$(kernel_dev "$bin")" 8)$(le_hex "$(stat -c %i "$bin")" 8)
	events=$(pw_events | jq -c 'select(.type == "audit" and .object_name == "blocklist")')
	[ "$(jq -r .action <<<"$events" | paste -sd,)" = map_update,map_update,map_delete ]
	[ "$(jq -r .key <<<"$events" | sort -u)" = "$key" ]
	[ "$(jq -r 'select(.action == "map_update") | .value[0:2]' <<<"$events" | paste -sd,)" = 01,02 ] # kill, then audit
	[ "$(jq -r .comm <<<"$events" | sort -u)" = bpftool ]
}

@test "no filter, switch or consumer exclusion lets a blocked binary run" {
	bin=$(unique_binary)
	filter_comm=$(basename "$bin")
	want=$(blocked_status)
	"$PW" block add "$bin"
	"$PW" filter add comm "$filter_comm"
	run -"$want" "$bin" || { echo "comm filter let it run"; return 1; }
	"$PW" filter del comm "$filter_comm"
	"$PW" filter add uid 0
	run "$bin"
	"$PW" filter del uid 0
	[ "$status" -eq "$want" ] || { echo "uid filter let it run"; return 1; }
	"$PW" config set module.process off
	run "$bin"
	"$PW" config set module.process on
	[ "$status" -eq "$want" ] || { echo "module switch let it run"; return 1; }
	"$PW" config set enabled 0
	run "$bin"
	"$PW" config set enabled 1
	[ "$status" -eq "$want" ] || { echo "sensor switch let it run"; return 1; }
	# a shell that makes itself the consumer, then execs the binary
	run -"$want" bash -c '"$1" config set consumer_tgid $$ && exec "$2"' _ "$PW" "$bin" || { echo "consumer exclusion let it run"; return 1; }
	"$PW" config set consumer_tgid 0
	events=$(pw_events)
	[ "$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events" | wc -l)" -eq 0 ]
	[ "$(jq -c --arg a "$(blocked_action)" 'select(.type == "enforce" and .action == $a)' <<<"$events" | wc -l)" -eq 5 ]
}

@test "enforce events are counted as events of their own: seen = filtered + emitted + dropped" {
	bin=$(unique_binary)
	filter_comm=$(basename "$bin")
	"$PW" block add --audit "$bin"
	"$PW" filter add comm "$filter_comm"
	before=$(stat_of process emitted)
	for _ in 1 2 3 4 5; do "$bin"; done
	run -0 stats_balance process
	# the five execs were filtered, their five enforce events emitted
	assert_field "$output" .emitted -ge $((before + 5))
	[ "$(pw_events | jq -c 'select(.type == "enforce")' | wc -l)" -eq 5 ]
}

@test "pid 1, kernel threads and the programs pinwatch needs cannot be blocked" {
	for arg in /proc/1/exe /proc/2/exe "$PW_LOAD" "$PW_READ" "$(command -v bpftool)" \
		"$(command -v bash)" "$(command -v jq)" "$(command -v env)" "$(command -v flock)"; do
		run --separate-stderr "$PW" block add "$arg"
		assert_one_line_error || { echo "case: $arg"; return 1; }
		[[ $stderr == *refused* ]] || { echo "case: $arg: $stderr"; return 1; }
	done
	run --separate-stderr "$PW" block add /proc/2/exe
	[[ $stderr == *"kernel thread"* ]]
	# a link to bash is bash
	ln -s "$(command -v bash)" "$BATS_TEST_TMPDIR/sh-link"
	run --separate-stderr "$PW" block add "$BATS_TEST_TMPDIR/sh-link"
	assert_one_line_error
	[ "$("$PW" block list --json)" = "[]" ]
}

@test "pid 1's binary is refused under its own path" {
	init=$(readlink -f /proc/1/exe 2>/dev/null) && [[ -e $init ]] ||
		skip "pid 1's binary cannot be read here (pid 1 runs in another mount namespace)"
	run --separate-stderr "$PW" block add "$init"
	assert_one_line_error
	[[ $stderr == *"pid 1"* ]]
	[ "$("$PW" block list --json)" = "[]" ]
}

@test "block takes --help, needs root, and refuses to add without the process module" {
	run -0 "$PW" block --help
	[[ $output == *"Usage: pinwatch block add PATH [--audit]"* ]]
	bin=$(unique_binary)
	chmod 755 "$BATS_TEST_TMPDIR"
	run --separate-stderr as_nobody "$PW" block add "$bin"
	assert_one_line_error
	[[ $stderr == *"must run as root"* ]]
	"$PW" down process
	run --separate-stderr "$PW" block add "$bin"
	"$PW" up process >/dev/null
	assert_one_line_error
	[[ $stderr == *"process module is not loaded"* ]]
	[ "$("$PW" block list --json)" = "[]" ]
}

@test "a block survives down and up: kept as a kill rule in rules.d/blocklist.rules, restored by up" {
	bin=$(unique_binary)
	aud=$(unique_binary)
	"$PW" block add "$bin"
	"$PW" block add --audit "$aud"
	f=$PINWATCH_RULES_DIR/blocklist.rules
	[ "$(stat -c '%u %a' "$f")" = "0 600" ]
	[ "$(grep -v '^#' "$f")" = "block-1 --on exec --binary \"$bin\" --action kill
block-2 --on exec --binary \"$aud\" --action alert" ]
	# the lines are rules pinwatch rule reads as they are
	run -0 "$PW" rule test "$f"
	"$PW" down
	"$PW" up audit process >/dev/null
	run -0 "$PW" block list --json
	[ "$(jq -c 'map([.path, .mode]) | sort' <<<"$output")" = "$(jq -cn --arg b "$bin" --arg a "$aud" '[[$b, "kill"], [$a, "audit"]] | sort')" ]
	[ "$("$PW" config get blocklist_entries)" -eq 2 ]
	run -"$(blocked_status)" "$bin"
	run -0 "$aud"
	# del takes the block out of the file; the next one reuses the free number
	"$PW" block del "$bin"
	[ "$(grep -v '^#' "$f")" = "block-2 --on exec --binary \"$aud\" --action alert" ]
	"$PW" block add "$bin"
	grep -qxF "block-1 --on exec --binary \"$bin\" --action kill" "$f"
	"$PW" block del "$bin"
	"$PW" block del "$aud"
	[ "$(grep -vc '^#' "$f")" -eq 0 ]
}
