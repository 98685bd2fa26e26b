#!/usr/bin/env bats
# Bad input, table-driven, across the control plane, the loader and the
# consumer: each case gets one clear stderr line, a non-zero exit, and
# leaves the pins as they were. "As they were" compares the pin tree and a
# bpftool dump of every map a command can change (config and the filter
# maps); maps that only programs write (stats, proc_cache, histograms, the
# ring) move with every kernel event and are frozen or unwritable anyway.
# The sensor under test has the process and syscall modules, a selected
# syscall and a uprobe, so the syscall selection and the probe's info map
# are compared too (pin_state in helpers/common.bash).

load helpers/common
bats_require_minimum_version 1.5.0

setup_file() {
	pw_setup_file process syscall
	"$PW" config set syscalls getppid >/dev/null
	"$PW" uprobe add keep /bin/bash:readline >/dev/null
	fixtures=$BATS_FILE_TMPDIR
	cp "$PW_BUILD/bpf/process.bpf.o" "$fixtures/corrupt.o"
	mkdir -p "$fixtures/corrupt"
	head -c 2000 "$PW_BUILD/bpf/process.bpf.o" >"$fixtures/corrupt/process.bpf.o"
	mkdir -p "$fixtures/notbpffs"
	echo "not an object" >"$fixtures/notbpffs/process.bpf.o"
	printf '#!/bin/sh\nexit 0\n' >"$fixtures/script.sh"
	chmod +x "$fixtures/script.sh"
	cp /bin/true "$fixtures/notblocked"
}

teardown_file() {
	pw_teardown_file
}

setup() {
	require_root
}

# name | command ("pinwatch", "pinwatch-load" or "pinwatch-read" first,
# optionally after "nobody" (run as uid 65534) or "unloaded" (with a pin root
# where no sensor is loaded); @TMP@ is this file's temporary directory)
bad_inputs() {
	cat <<'TABLE'
unknown subcommand|pinwatch frobnicate
unknown module for up|pinwatch up nosuchmodule
unknown module for down|pinwatch down nosuchmodule
unknown filter kind|pinwatch filter add color red
unknown filter action|pinwatch filter flip pid 1
non-numeric pid|pinwatch filter add pid abc
negative pid|pinwatch filter add pid -5
pid zero|pinwatch filter add pid 0
pid above pid_max|pinwatch filter add pid 99999999
uid out of range|pinwatch filter add uid 4294967296
non-numeric uid|pinwatch filter add uid root
comm over 15 bytes|pinwatch filter add comm abcdefghijklmnop
empty comm|pinwatch filter add comm ''
cgroup that is not a cgroup directory|pinwatch filter add cgroup /etc
non-numeric cgroup|pinwatch filter add cgroup abc
missing filter value|pinwatch filter add pid
deleting an absent filter|pinwatch filter del pid 31337
--only with del|pinwatch filter del pid 1 --only
unknown config key|pinwatch config get nosuchkey
setting a read-only key|pinwatch config set filter_kinds 1
config value out of range|pinwatch config set wakeup_bytes 99999999999
non-numeric config value|pinwatch config set consumer_tgid abc
bad enabled value|pinwatch config set enabled maybe
bad module switch|pinwatch config set module.process sideways
unknown module switch|pinwatch config set module.nosuch on
missing config value|pinwatch config set enabled
unknown stats option|pinwatch stats --xml
unknown status option|pinwatch status --yaml
unknown doctor option|pinwatch doctor --bogus
chain of an unknown module|pinwatch chain nosuch
chain of a module that is not loaded|pinwatch chain mount
bad ring buffer size|pinwatch up --ringbuf-size 3M process
unknown module for status|pinwatch status nosuchmodule
filter list of an unknown kind|pinwatch filter list color
cidr prefix longer than 32|pinwatch filter add cidr 10.0.0.0/33
cidr that is no address|pinwatch filter add cidr 300.1.1.1
IPv6 cidr prefix longer than 128|pinwatch filter add cidr fe80::/129
cidr that is a word|pinwatch filter add cidr abc
container id that is not hex|pinwatch filter add container web-1
container id over 64 digits|pinwatch filter add container "$(printf 'a%.0s' {1..65})"
empty container id|pinwatch filter add container ""
relative path filter|pinwatch filter add path relative/x
path filter with a .. component|pinwatch filter add path /a/../b
path filter over 254 bytes|pinwatch filter add path "/$(printf 'a%.0s' {1..300})"
unknown syscall name|pinwatch config set syscalls getppid,nosuchcall
empty name in a syscall list|pinwatch config set syscalls getppid,,close
syscall number instead of a name|pinwatch config set syscalls 9999
syscount with an unknown option|pinwatch syscount --bogus
filetop without the file module|pinwatch filetop
vfsstat without the file module|pinwatch vfsstat
non-root: up|nobody pinwatch up process
non-root: down|nobody pinwatch down
non-root: filter add|nobody pinwatch filter add pid 1
non-root: config set|nobody pinwatch config set enabled off
non-root: block add|nobody pinwatch block add /bin/true
non-root: uprobe del|nobody pinwatch uprobe del keep
non-root: loader|nobody pinwatch-load load "$PW_BUILD/bpf/process.bpf.o"
non-root: consumer|nobody pinwatch-read --drain
sensor not loaded: stats|unloaded pinwatch stats
sensor not loaded: filter add|unloaded pinwatch filter add pid 1
sensor not loaded: config set|unloaded pinwatch config set enabled off
sensor not loaded: block add|unloaded pinwatch block add /bin/true
sensor not loaded: chain|unloaded pinwatch chain process
sensor not loaded: syscount|unloaded pinwatch syscount
sensor not loaded: consumer|unloaded pinwatch-read --drain
block: unknown action|pinwatch block flip /bin/true
block: add without a path|pinwatch block add
block: add with two paths|pinwatch block add /bin/true /bin/false
block: unknown option|pinwatch block add /bin/true --kill
block: --audit with del|pinwatch block del /bin/true --audit
block: missing file|pinwatch block add /nonexistent/binary
block: a directory|pinwatch block add /tmp
block: a file that is not executable|pinwatch block add /etc/passwd
block: a script|pinwatch block add @TMP@/script.sh
block: pid 1's binary|pinwatch block add /proc/1/exe
block: a kernel thread|pinwatch block add /proc/2/exe
block: bash|pinwatch block add /bin/bash
block: bpftool|pinwatch block add "$(command -v bpftool)"
block: jq|pinwatch block add "$(command -v jq)"
block: the loader|pinwatch block add "$PW_LOAD"
block: the consumer|pinwatch block add "$PW_READ"
block: del of a binary that is not blocked|pinwatch block del @TMP@/notblocked
block: list with an unknown option|pinwatch block list --yaml
loader: no command|pinwatch-load
loader: unknown command|pinwatch-load frobnicate x
loader: unknown option|pinwatch-load --bogus load x
loader: load without an object|pinwatch-load load
loader: missing object file|pinwatch-load load /nonexistent/process.bpf.o
loader: object that is no module|pinwatch-load load /etc/passwd
loader: corrupt object|pinwatch-load load @TMP@/corrupt/process.bpf.o
loader: text file named like a module|pinwatch-load load @TMP@/notbpffs/process.bpf.o
loader: ring buffer size zero|pinwatch-load --ringbuf-size 0 load @TMP@/corrupt/process.bpf.o
loader: ring buffer size not a power of two|pinwatch-load --ringbuf-size 12k load @TMP@/corrupt/process.bpf.o
loader: ring buffer size too large|pinwatch-load --ringbuf-size 2G load @TMP@/corrupt/process.bpf.o
loader: ring buffer size with junk|pinwatch-load --ringbuf-size 8Mx load @TMP@/corrupt/process.bpf.o
loader: relative pin root|pinwatch-load --pin-root relative/dir unload process
loader: pin root that is not on bpffs|pinwatch-load --pin-root @TMP@/notbpffs/root load @TMP@/corrupt.o
loader: unload of an unknown module|pinwatch-load unload nosuchmodule
loader: unload of a module not loaded|pinwatch-load unload mount
loader: too many arguments|pinwatch-load unload process extra
consumer: unknown event type|pinwatch-read --type exec,bogus
consumer: unknown option|pinwatch-read --bogus
consumer: option without its value|pinwatch-read --count
consumer: count not a number|pinwatch-read --count abc
consumer: count zero|pinwatch-read --count 0
consumer: negative timeout|pinwatch-read --timeout -1
consumer: queue of zero events|pinwatch-read --queue 0
consumer: stats interval not a number|pinwatch-read --stats-interval soon
consumer: tamper interval not a number|pinwatch-read --tamper-interval soon
consumer: negative tamper interval|pinwatch-read --tamper-interval -1
consumer: unexpected argument|pinwatch-read extra
consumer: pin root where the sensor is not loaded|pinwatch-read --drain --pin-root @TMP@/notbpffs
uprobe: up of the uprobe module|pinwatch up uprobe
uprobe: no subcommand|pinwatch uprobe
uprobe: unknown subcommand|pinwatch uprobe frob
uprobe: invalid probe name|pinwatch uprobe add 'Bad Name' /bin/bash:readline
uprobe: probe name over 31 bytes|pinwatch uprobe add abcdefghijklmnopqrstuvwxyz0123456 /bin/bash:readline
uprobe: add without a target|pinwatch uprobe add x
uprobe: target without a symbol|pinwatch uprobe add x /bin/bash
uprobe: target with an empty symbol|pinwatch uprobe add x /bin/bash:
uprobe: missing binary|pinwatch uprobe add x /nonexistent/prog:main
uprobe: binary name found nowhere|pinwatch uprobe add x pw-no-such-program:main
uprobe: binary that is not ELF|pinwatch uprobe add x /etc/passwd:main
uprobe: directory as binary|pinwatch uprobe add x /etc:main
uprobe: symbol not in the binary|pinwatch uprobe add x /bin/bash:pw_no_such_function
uprobe: non-numeric pid|pinwatch uprobe add x /bin/bash:readline --pid abc
uprobe: pid zero|pinwatch uprobe add x /bin/bash:readline --pid 0
uprobe: pid of no process|pinwatch uprobe add x /bin/bash:readline --pid 4194303
uprobe: unknown preset|pinwatch uprobe add x --preset telnet
uprobe: unknown add option|pinwatch uprobe add x /bin/bash:readline --retprobe
uprobe: option without its value|pinwatch uprobe add x /bin/bash:readline --pid
uprobe: extra argument|pinwatch uprobe add x /bin/bash:readline extra
uprobe: del of no such probe|pinwatch uprobe del nosuch
uprobe: del with a bad name|pinwatch uprobe del 'a/b'
uprobe: list with an unknown option|pinwatch uprobe list --yaml
uprobe: hist of no such probe|pinwatch hist uprobe nosuch
uprobe: hist without a name|pinwatch hist uprobe
uprobe: uprobe hist with an unknown option|pinwatch uprobe hist x --csv
loader: uprobe-add without a target|pinwatch-load uprobe-add @TMP@/corrupt.o x
loader: uprobe-add of an invalid name|pinwatch-load uprobe-add @TMP@/corrupt.o 'x y' /bin/bash:readline
loader: uprobe-del of no such probe|pinwatch-load uprobe-del nosuch
loader: uprobe-del with too many arguments|pinwatch-load uprobe-del a b
profile: frequency zero|pinwatch profile --freq 0
profile: frequency not a number|pinwatch profile --freq fast
profile: frequency too high|pinwatch profile --freq 100000
profile: duration zero|pinwatch profile --duration 0
profile: pid not a number|pinwatch profile --pid abc
profile: pid of no process|pinwatch profile --pid 4194303 --duration 1
profile: user-only and kernel-only|pinwatch profile --user-only --kernel-only
profile: unexpected argument|pinwatch profile now
profile: unknown option|pinwatch profile --flame
memleak: neither --pid nor --kernel|pinwatch memleak --duration 1
memleak: top zero|pinwatch memleak --pid 1 --top 0
memleak: pid of no process|pinwatch memleak --pid 4194303 --duration 1
memleak: duration not a number|pinwatch memleak --kernel --duration soon
memleak: unexpected argument|pinwatch memleak --kernel extra
llcstat: sample period zero|pinwatch llcstat --sample-period 0
llcstat: unexpected argument|pinwatch llcstat extra
hist: -Q on another module than block|pinwatch hist net -Q
hist: --sizes with -F|pinwatch hist block --sizes -F
hist: --stacks with --sizes|pinwatch hist block --stacks --sizes
hist: --stacks on net|pinwatch hist net --stacks
loader: stacks of a module without|pinwatch-load stacks net
funclatency: no function|pinwatch funclatency --duration 1
funclatency: not a kernel function|pinwatch funclatency pw_no_such_function --duration 1
funclatency: not a function name|pinwatch funclatency 'vfs_read;ls' --duration 1
funclatency: two functions|pinwatch funclatency vfs_read vfs_write
TABLE
}

@test "the bad-input table has at least 40 cases" {
	[ "$(bad_inputs | wc -l)" -ge 40 ]
}

@test "bad input gets one stderr line, a non-zero exit and leaves the pins as they were" {
	before=$(pin_state)
	while IFS='|' read -r name cmd; do
		cmd=${cmd//@TMP@/$BATS_FILE_TMPDIR}
		eval "set -- $cmd"
		runner=()
		case $1 in
		nobody) shift; runner=(as_nobody) ;;
		unloaded) shift; runner=(env "PINWATCH_PIN_ROOT=$BATS_FILE_TMPDIR/unloaded/pinwatch") ;;
		esac
		case $1 in
		pinwatch) shift; set -- "$PW" "$@" ;;
		pinwatch-load) shift; set -- "$PW_LOAD" "$@" ;;
		pinwatch-read) shift; set -- "$PW_READ" "$@" ;;
		*) echo "bad table row: $name"; return 1 ;;
		esac
		run --separate-stderr "${runner[@]}" "$@"
		assert_one_line_error || { echo "case: $name"; return 1; }
		[ "$(pin_state)" = "$before" ] || { echo "case changed pins: $name"; return 1; }
	done < <(bad_inputs)
}
