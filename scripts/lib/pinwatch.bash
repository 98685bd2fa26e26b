# shellcheck shell=bash
# Shared by scripts/pinwatch and every scripts/libexec/pinwatch-* command.
# Sourced, never run.

PINWATCH_HOME=${PINWATCH_HOME:-$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)}
BUILD=${PINWATCH_BUILD:-$PINWATCH_HOME/build}
PIN_ROOT=${PINWATCH_PIN_ROOT:-/sys/fs/bpf/pinwatch}
MAPS=$PIN_ROOT/maps
LOCK=${PINWATCH_LOCK:-/run/pinwatch.lock}
LOADER=$BUILD/pinwatch-load
READER=$BUILD/pinwatch-read
PROG=pinwatch

die() { echo "$PROG: $*" >&2; exit "${EXIT_CODE:-1}"; }
usage_die() { EXIT_CODE=2 die "$*"; }
# As the binaries check it (pw_check_pin_root): one line, exit 2.
[[ $PIN_ROOT == /?* && $PIN_ROOT != */ ]] ||
	usage_die "PINWATCH_PIN_ROOT must be an absolute path without a trailing '/', not '$PIN_ROOT'"
need_root() { [[ $(id -u) -eq 0 ]] || die "$1: must run as root"; }
need_loaded() { [[ -e $MAPS/config ]] || die "$1: sensor not loaded (run: pinwatch up)"; }
need_built() { [[ -x $LOADER && -x $READER ]] || die "not built: run make in $PINWATCH_HOME"; }

# Serialises every change with pinwatch-load (same lock file).
with_lock() {
	exec {lock_fd}>>"$LOCK" || die "cannot open lock file $LOCK"
	flock "$lock_fd"
	"$@"
	local rc=$?
	exec {lock_fd}>&-
	return "$rc"
}

# Integer as N little-endian hex bytes for bpftool: le_bytes VALUE N
le_bytes() {
	local v=$1 n=$2 i out=()
	for ((i = 0; i < n; i++)); do
		out+=("$(printf '0x%02x' $((v & 0xff)))")
		v=$((v >> 8))
	done
	echo "${out[*]}"
}

# in_range VALUE MIN MAX: a decimal number within [MIN, MAX] (MAX < 2^63).
in_range() { [[ $1 =~ ^[0-9]{1,19}$ ]] && (( 10#$1 >= $2 && 10#$1 <= $3 )); }

# ---- the ABI (bpf/pinwatch.h), as `pinwatch-load abi` prints it ----
# Every id, key, field and constant the scripts use comes from there, read
# once per invocation: call abi_load in the script's own shell (not in a
# command substitution) so that later calls find it.

ABI=
abi_load() {
	[[ -z $ABI ]] || return 0
	[[ -x $LOADER ]] || die "not built: run make in $PINWATCH_HOME"
	ABI=$("$LOADER" abi) || die "$LOADER abi failed"
	[[ -n $ABI ]] || die "$LOADER abi printed nothing"
}

# abi_list SECTION: "NAME VALUE..." per item of the section (modules,
# stats_keys, filter_kinds, filter_actions, config_fields, event_types,
# block_modes, block_ops, uprobe_presets, consumer_drops,
# container_runtimes, constants).
# Bash builtins only (here and in modules_known, modules_loaded and
# check_module): `pinwatch down` must work when awk or basename is blocked
# (pinwatch block), hangs or is missing.
abi_list() {
	local line
	abi_load
	while IFS= read -r line; do
		[[ $line != "$1 "* ]] || printf '%s\n' "${line#"$1 "}"
	done <<<"$ABI"
}

# abi_get SECTION NAME: the item's values ("abi_get constants PW_PATH_MAX"
# prints 256); dies when the ABI has no such item.
abi_get() {
	local v
	abi_load
	v=$(awk -v s="$1" -v n="$2" '$1 == s && $2 == n { sub(/^[^ ]+ [^ ]+ /, ""); print; f = 1 } END { exit !f }' <<<"$ABI") ||
		die "$LOADER abi has no $1 '$2'"
	echo "$v"
}

modules_known() {
	local name
	while read -r name _; do echo "$name"; done < <(abi_list modules)
}
module_id() { abi_list modules | awk -v m="$1" '$1 == m {print $2}'; }
modules_built() {
	local f
	for f in "$BUILD"/bpf/*.bpf.o; do
		[[ -e $f ]] && basename "$f" .bpf.o
	done
}
modules_loaded() {
	local d
	[[ -d $PIN_ROOT ]] || return 0
	for d in "$PIN_ROOT"/*/; do
		d=${d%/}
		d=${d##*/}
		[[ -d $PIN_ROOT/$d && $d != maps && $d != _* ]] && echo "$d"
	done
	return 0
}

# consumer_runs TGID: TGID (config.consumer_tgid) is a running pinwatch-read.
consumer_runs() {
	[[ $1 =~ ^[0-9]+$ && $1 -gt 0 && -r /proc/$1/comm ]] &&
		[[ $(cat "/proc/$1/comm" 2>/dev/null) == "${READER##*/}" ]]
}

check_module() {
	local known k list
	mapfile -t known < <(modules_known)
	for k in "${known[@]}"; do [[ $k != "$1" ]] || return 0; done
	printf -v list '%s, ' "${known[@]}"
	die "unknown module '$1' (known: ${list%, })"
}

# jq: esc, a name a process chose (comm, file name) as one line of text:
# control characters (C0, DEL, C1, tab included) and the backslash as \xNN,
# as the binaries' text (README, Escaping). bpftool prints a char array as
# a string only when every byte is printable, else as an array of byte
# values (up to the NUL; signed chars as negatives).
# shellcheck disable=SC2016 # a jq program
# shellcheck disable=SC2034 # used by the commands that source this
JQ_ESC='def hex: "\\x" + ("0123456789abcdef"[(. / 16 | floor):(. / 16 | floor) + 1])
		+ ("0123456789abcdef"[(. % 16):(. % 16) + 1]);
	def esc: if type == "string" then
		[explode[] | if . < 32 or (. >= 127 and . < 160) or . == 92
		then hex else ([.] | implode) end] | join("")
	elif type == "array" then
		(index(0) // length) as $n | [.[:$n][] | (if . < 0 then . + 256 else . end)
		| if . < 32 or . > 126 or . == 92 then hex else ([.] | implode) end] | join("")
	else tostring end;'

# ---- maps/config: fields by name (offset, size, type: abi config_fields) ----

# Reads the config value as a bash array of byte values.
config_bytes() { bpftool -j map lookup pinned "$MAPS/config" key 0 0 0 0 | jq -r '.value[]'; }

config_field_read() { # name
	local off size i v=0 bytes
	read -r off size _ <<<"$(abi_get config_fields "$1")"
	mapfile -t bytes < <(config_bytes)
	for ((i = size - 1; i >= 0; i--)); do v=$(((v << 8) | bytes[off + i])); done
	echo "$v"
}

config_field_write() { # name value   (caller holds the lock)
	local spec off size i bytes v=$2
	spec=$(abi_list config_fields | awk -v k="$1" '$1 == k')
	[[ -n $spec ]] || die "config: unknown key '$1'"
	read -r _ off size _ <<<"$spec"
	mapfile -t bytes < <(config_bytes)
	for ((i = 0; i < size; i++)); do
		bytes[off + i]=$(printf '0x%02x' $((v & 0xff)))
		v=$((v >> 8))
	done
	bpftool map update pinned "$MAPS/config" key 0 0 0 0 value "${bytes[@]}" ||
		die "config: cannot update $MAPS/config"
}


# File I/O accounting (file module, hooks vfs_rd and vfs_wr): dies unless
# it is attached. Exit 4 (as pinwatch-load's "nothing of it exists on this
# kernel") when the module is loaded but the kernel has neither fexit nor
# kprobes on vfs_read/vfs_write.
need_file_io() { # command
	need_root "$1"
	need_loaded "$1"
	[[ -d $PIN_ROOT/file ]] || die "$1: the file module is not loaded (pinwatch up file)"
	[[ -e $PIN_ROOT/file/link_vfs_rd && -e $PIN_ROOT/file/link_vfs_wr ]] ||
		EXIT_CODE=4 die "$1: file I/O accounting is not available on this kernel (vfs_read/vfs_write need fexit or kprobes)"
}

# ---- the default rule pack and the selftest canaries (shipped code) ----
# Directories of the tree (PINWATCH_DEFAULT_RULES_DIR, PINWATCH_SELFTEST_DIR
# for tests): `up` loads the rules of the one and selftest sources the other
# as root, so each directory and file must be owned by root and not writable
# by group or others (trusted_path prints the cause otherwise).
default_rules_dir() { echo "${PINWATCH_DEFAULT_RULES_DIR:-$PINWATCH_HOME/scripts/rules/default}"; }
selftest_dir() { echo "${PINWATCH_SELFTEST_DIR:-$PINWATCH_HOME/scripts/selftest}"; }
trusted_path() { # path
	local uid mode
	read -r uid mode < <(stat -L -c '%u %a' -- "$1" 2>/dev/null) || { echo "cannot stat it"; return 1; }
	[[ $uid == 0 ]] || { echo "not owned by root"; return 1; }
	((((8#$mode) & 8#022) == 0)) || { echo "writable by group or others (mode $mode)"; return 1; }
}
# The names of the rules of a rule file, in its order, as pinwatch-rule's
# parser reads them (`test` against /dev/null, a pin root with no maps:
# parsing only, no clash with the loaded rules); fails when the file does.
rule_file_names() {
	"$BUILD/pinwatch-rule" --pin-root /dev/null test "$1" 2>/dev/null | sed '$d' | awk '{ print $1 }'
}
