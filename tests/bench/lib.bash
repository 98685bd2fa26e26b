# shellcheck shell=bash
# Helpers of tests/bench/run: statistics, tables, background processes.
# Sourced, never run.

# ---- statistics ------------------------------------------------------------

# median min max of the numbers given (one line, space-separated)
stats3() {
	printf '%s\n' "$@" | sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (!NR) { print "nan nan nan"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR]
		}'
}

# "median (min–max)" with the printf format given: fmt_range FMT NUMBERS...
fmt_range() {
	local fmt=$1 m lo hi
	shift
	read -r m lo hi < <(stats3 "$@")
	# shellcheck disable=SC2059 # the format is the caller's
	printf "$fmt ($fmt–$fmt)" "$m" "$lo" "$hi"
}

median() { local m; read -r m _ < <(stats3 "$@"); echo "$m"; }

# The same, on the numbers of stdin (one or more per line).
fmt_range_in() { local v; mapfile -t v < <(tr -s '[:blank:]' '\n' | grep .); fmt_range "$1" "${v[@]}"; }
median_in() { local v; mapfile -t v < <(tr -s '[:blank:]' '\n' | grep .); median "${v[@]}"; }

# awk arithmetic on floats: calc EXPR
calc() { awk "BEGIN { printf \"%.6g\\n\", ($1) }"; }

# ---- output ----------------------------------------------------------------

# Appends its arguments (lines) to the results file and prints them.
out() {
	printf '%s\n' "$@" | tee -a "$RESULTS"
}

note() { echo "bench: $*" >&2; }

# ---- background processes ---------------------------------------------------

BG_PIDS=()

# bg_start OUTFILE CMD...: starts CMD in the background, stdout and stderr to
# OUTFILE; sets BG_PID.
bg_start() {
	local outfile=$1
	shift
	"$@" >"$outfile" 2>&1 </dev/null &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# bg_wait_for PID OUTFILE PATTERN SECONDS: until OUTFILE matches PATTERN.
bg_wait_for() {
	local pid=$1 file=$2 pattern=$3 deadline=$((SECONDS + $4))
	until grep -qE -- "$pattern" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || return 1
		((SECONDS < deadline)) || return 1
		sleep 0.05
	done
}

# bg_stop PID [SIGNAL]: signal (default TERM), wait up to 10 s, then KILL.
bg_stop() {
	local pid=$1 sig=${2:-TERM} i
	kill -"$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
	local keep=() p
	for p in "${BG_PIDS[@]}"; do [[ $p == "$pid" ]] || keep+=("$p"); done
	BG_PIDS=("${keep[@]}")
}

bg_stop_all() {
	local p
	for p in "${BG_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	for p in "${BG_PIDS[@]}"; do bg_stop "$p"; done
}
