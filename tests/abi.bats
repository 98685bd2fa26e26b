#!/usr/bin/env bats
# pinwatch-load abi: what it prints is what the kernel side really uses.
# Each claim is checked against the pinned maps and their BTF, or against
# what the BPF objects count, never against the header that made it.

# shellcheck disable=SC2154 # status, output, stderr: set by bats' run
load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	require_root
	pw_fresh process file
}

teardown_file() {
	pw_teardown
}

setup() {
	require_root
}

# The values of one abi item: abi_item SECTION NAME
abi_item() {
	"$PW_LOAD" abi | awk -v s="$1" -v n="$2" '$1 == s && $2 == n { $1 = $2 = ""; sub(/^ +/, ""); print }'
}

# Size in bytes of BTF type ID in the BTF object whose JSON dump is in $BTF.
btf_size() { # id
	jq --argjson id "$1" '
		(.types | map({(.id | tostring): .}) | add) as $t
		| def size($i): $t[$i | tostring] as $x
			| if $x.kind == "INT" or $x.kind == "STRUCT" or $x.kind == "UNION" or $x.kind == "ENUM" then $x.size
			  elif $x.kind == "ARRAY" then $x.nr_elems * size($x.type_id)
			  else size($x.type_id) end;
		size($id)' <<<"$BTF"
}

# Keys of maps/stats whose counters moved (seen > 0 on some CPU), sorted.
stats_keys_seen() {
	bpftool -j map dump pinned "$PIN_ROOT/maps/stats" |
		jq -r '.[] | (.formatted // .) | select([.values[].value.seen] | add > 0) | .key' | sort -n
}

@test "abi --json is valid JSON and says exactly what the text form says" {
	run -0 --separate-stderr "$PW_LOAD" abi
	text=$output
	[ -n "$text" ]
	run -0 --separate-stderr "$PW_LOAD" abi --json
	json=$output
	# section, then the object's fields in order, booleans as 0/1
	run -0 jq -r 'to_entries[] | .key as $s | .value[]
		| [$s] + [.[] | if type == "boolean" then (if . then 1 else 0 end) else . end]
		| map(tostring) | join(" ")' <<<"$json"
	if [ "$output" != "$text" ]; then
		diff <(echo "$text") <(echo "$output") >&2
		return 1
	fi
}

@test "abi lists every section the scripts read, each item once" {
	run -0 "$PW_LOAD" abi --json
	for s in modules stats_keys filter_kinds filter_actions config_fields event_types block_modes block_ops \
		uprobe_presets consumer_drops container_runtimes event_classes constants; do
		jq -e --arg s "$s" '.[$s] | length > 0' <<<"$output" >/dev/null || { echo "no section $s" >&2; return 1; }
		jq -e --arg s "$s" '.[$s] | (map(.name) | unique | length) == length' <<<"$output" >/dev/null ||
			{ echo "a name twice in $s" >&2; return 1; }
	done
	# ids and keys are unique too
	jq -e '[.stats_keys[].key] | unique | length == length' <<<"$output"
	jq -e '[.event_types[].id] | unique | length == length' <<<"$output"
	jq -e '[.filter_kinds[].bit] | unique | length == length' <<<"$output"
}

@test "the old introspection commands agree with abi" {
	run -0 "$PW_LOAD" modules
	[ "$output" = "$("$PW_LOAD" abi | awk '$1 == "modules" { print $3, $2 }')" ]
	run -0 "$PW_LOAD" config-layout
	want=$("$PW_LOAD" abi | awk '$1 == "config_fields" { print $2, $3, $4, $6 }'
		echo "sizeof 0 $(abi_item constants sizeof_pw_config) 0")
	[ "$output" = "$want" ]
}

@test "every stats key fits the pinned stats map, whose size is PW_MOD_MAX" {
	run -0 bpftool -j map show pinned "$PIN_ROOT/maps/stats"
	max=$(jq .max_entries <<<"$output")
	[ "$max" -eq "$(abi_item constants PW_MOD_MAX)" ]
	[ "$max" -eq 64 ]
	run -0 "$PW_LOAD" abi --json
	jq -e --argjson max "$max" 'all(.stats_keys[]; .key >= 0 and .key < $max)' <<<"$output"
	# every module is a stats key of kind module, under the same id, and
	# within modules_disabled's 32 bits
	jq -e '(.modules | map({name, key: .id, kind: "module"})) == [.stats_keys[] | select(.kind == "module")]' <<<"$output"
	jq -e 'all(.modules[]; .id < 32)' <<<"$output"
	jq -e '[.stats_keys[] | select(.kind == "bench")] | length == 1' <<<"$output"
}

@test "module ids are the stats keys the loaded modules' programs count under" {
	pw_fresh process
	/bin/true
	run -0 stats_keys_seen
	[ "$output" = "$(abi_item modules process)" ]
	"$PW" up file >/dev/null
	cat /etc/hostname >/dev/null
	run -0 stats_keys_seen
	[ "$output" = "$(printf '%s\n' "$(abi_item modules process)" "$(abi_item modules file)" | sort -n)" ]
	# and pinwatch stats names the rows by them
	run -0 "$PW" stats --json
	jq -e '[.[].module] | index("process") and index("file")' <<<"$output"
}

@test "config fields have the offset and size of the pinned config's BTF, and its size" {
	run -0 bpftool -j map show pinned "$PIN_ROOT/maps/config"
	[ "$(jq .bytes_value <<<"$output")" -eq "$(abi_item constants sizeof_pw_config)" ]
	BTF=$(bpftool -j btf dump id "$(jq .btf_id <<<"$output")")
	members=$(bpftool -j btf dump map pinned "$PIN_ROOT/maps/config" value | jq -c '.types[0].members')
	[ "$(jq length <<<"$members")" -eq "$("$PW_LOAD" abi | grep -c '^config_fields ')" ]
	while read -r _ name off size type settable; do
		m=$(jq -c --arg n "$name" '.[] | select(.name == $n)' <<<"$members")
		[ -n "$m" ] || { echo "$name: not in the BTF of maps/config" >&2; return 1; }
		[ "$(jq .bits_offset <<<"$m")" -eq $((off * 8)) ] || { echo "$name: offset $off, BTF $m" >&2; return 1; }
		[ "$(btf_size "$(jq .type_id <<<"$m")")" -eq "$size" ] || { echo "$name: size $size" >&2; return 1; }
		[[ $type =~ ^(bool|u32|u64|ns|bytes|bitmask)$ && $settable =~ ^[01]$ ]]
	done < <("$PW_LOAD" abi | grep '^config_fields ')
}

@test "bool config fields take on and off; the others a number as wide as the field" {
	run -0 "$PW" config set capable_denials_only on
	[ "$("$PW" config get capable_denials_only)" = 1 ]
	run -0 "$PW" config set capable_denials_only off
	run -1 --separate-stderr "$PW" config set capable_denials_only 2
	assert_one_line_error
	run -1 --separate-stderr "$PW" config set block_slow_ns on
	assert_one_line_error
	run -1 --separate-stderr "$PW" config set block_slow_ns 4294967296
	assert_one_line_error
	[[ $stderr == *"0 to 4294967295"* ]]
}

@test "filter kinds are the bits pinwatch filter sets, and have their maps" {
	while read -r _ kind bit; do
		[ -e "$PIN_ROOT/maps/filter_$kind" ] || { echo "no map filter_$kind" >&2; return 1; }
	done < <("$PW_LOAD" abi | grep '^filter_kinds ')
	run -0 "$PW" filter add comm abi-test --only
	run -0 bpftool -j map dump pinned "$PIN_ROOT/maps/config"
	fk=$(jq '.[0].formatted.value.filter_kinds' <<<"$output")
	ok=$(jq '.[0].formatted.value.only_kinds' <<<"$output")
	"$PW" filter del comm abi-test
	bit=$(abi_item filter_kinds comm)
	[ "$fk" -eq $((1 << bit)) ]
	[ "$ok" -eq $((1 << bit)) ]
	run -0 bpftool -j map dump pinned "$PIN_ROOT/maps/filter_comm"
	[ "$output" = "[]" ]
}

@test "PW_PATH_MAX and PW_COMM_LEN are the sizes of the pinned maps' fields" {
	BTF=$(bpftool -j btf dump id "$(bpftool -j map show pinned "$PIN_ROOT/maps/blocklist" | jq .btf_id)")
	path_type=$(bpftool -j btf dump map pinned "$PIN_ROOT/maps/blocklist" value |
		jq '.types[0].members[] | select(.name == "path") | .type_id')
	[ "$(btf_size "$path_type")" -eq "$(abi_item constants PW_PATH_MAX)" ]
	run -0 bpftool -j map show pinned "$PIN_ROOT/maps/filter_comm"
	[ "$(jq .bytes_key <<<"$output")" -eq "$(abi_item constants PW_COMM_LEN)" ]
}

@test "the event header's size and the offset of ns are the BPF objects' struct pw_hdr" {
	run -0 bpftool -j prog show pinned "$PIN_ROOT/process/prog_exec__tp"
	BTF=$(bpftool -j btf dump id "$(jq .btf_id <<<"$output")")
	hdr=$(jq -c '.types[] | select(.kind == "STRUCT" and .name == "pw_hdr")' <<<"$BTF")
	[ "$(jq .size <<<"$hdr")" -eq "$(abi_item constants sizeof_pw_hdr)" ]
	[ "$(jq '.members[] | select(.name == "ns") | .bits_offset' <<<"$hdr")" -eq \
		$(($(abi_item constants offsetof_pw_hdr_ns) * 8)) ]
	# naturally aligned: a multiple of 8 (its u64 fields)
	[ $(($(abi_item constants sizeof_pw_hdr) % 8)) -eq 0 ]
}

@test "the container maps have the key and value sizes abi says, and runtimes their ids" {
	run -0 bpftool -j map show pinned "$PIN_ROOT/maps/filter_container"
	[ "$(jq .bytes_key <<<"$output")" -eq "$(abi_item constants sizeof_pw_container_key)" ]
	run -0 bpftool -j map show pinned "$PIN_ROOT/maps/cgroup_container"
	[ "$(jq .bytes_value <<<"$output")" -eq $((8 + $(abi_item constants sizeof_pw_container_key))) ]
	# the key holds the longest id and a NUL
	[ "$(abi_item constants sizeof_pw_container_key)" -ge $((4 + 1 + $(abi_item constants PW_CONTAINER_ID_LEN) + 1)) ]
	[ "$(abi_item container_runtimes podman)" -ge 1 ]
	run -0 "$PW_LOAD" abi --json
	jq -e '[.container_runtimes[].name] | sort == ["containerd", "crio", "docker", "podman", "systemd-nspawn"]' <<<"$output"
}

@test "block modes are the values the process module acts on: kill kills, audit lets run" {
	bin=$(unique_binary)
	"$PW" block add "$bin" --audit
	run -0 bpftool -j map dump pinned "$PIN_ROOT/maps/blocklist"
	[ "$(jq '.[0].formatted.value.mode' <<<"$output")" -eq "$(abi_item block_modes audit)" ]
	run -0 "$bin"
	"$PW" block add "$bin"
	run -0 bpftool -j map dump pinned "$PIN_ROOT/maps/blocklist"
	[ "$(jq '.[0].formatted.value.mode' <<<"$output")" -eq "$(abi_item block_modes kill)" ]
	run -137 "$bin"
	"$PW" block del "$bin"
}

# bats test_tags=pack-alerts
@test "a stats map pinned by a build with another size is refused with one line, nothing pinned" {
	"$PW" down >/dev/null
	mkdir -p "$PIN_ROOT/maps"
	# the stats map as builds before PW_MOD_MAX 64 pinned it
	bpftool map create "$PIN_ROOT/maps/stats" type percpu_array key 4 value 32 entries 16 name stats
	run -1 --separate-stderr "$PW" up process
	assert_one_line_error
	[[ $stderr == *"maps/stats"*"pinwatch down, then up"* ]]
	run -0 find "$PIN_ROOT" -mindepth 1
	rm -rf "$PIN_ROOT"
	[ "$output" = "$(printf '%s\n' "$PIN_ROOT/maps" "$PIN_ROOT/maps/stats")" ]
	pw_fresh process file
}

@test "abi takes no argument: one stderr line, exit 2" {
	run -2 --separate-stderr "$PW_LOAD" abi extra
	assert_one_line_error
	[[ $stderr == *"abi: unexpected argument 'extra'"* ]]
	[ -z "$output" ]
	run -2 --separate-stderr "$PW_LOAD" abi --jsno
	assert_one_line_error
	[ -z "$output" ]
}
