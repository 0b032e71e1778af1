# bench/lib.sh — how the bench's cases are run and recorded (sourced by bench/run).
#
# A case is one thing measured: a path (kernel, bypass, vm-kernel, vm-bypass), a
# method, a batch size and a function that runs it once. The parts (kernel.sh,
# bypass-*.sh) add their cases with bench_case; bench_run_all then runs them in
# rounds: run 1 of every case, then run 2 of every case, ... so a slow drift of
# the machine touches every case alike instead of one case's runs.
#
# Every measuring program prints a last line "RESULT key=value ...". Each run
# appends one row to raw.csv (RAW_HEADER); a run with no RESULT line, no
# packets, a timeout or packets not accounted for is an error (BENCH_ERRORS,
# with its log), never a row. summarize() turns raw.csv into summary.csv.

RAW_HEADER="path,method,batch,size,cores,run,pps,packets,drops,accounted,ns_per_pkt,busy_cycles,empty_pct,capacity_mpps,cpu_user_ns,cpu_sys_ns,cpu_softirq_ns,cpu_irq_ns,gen_ns,xcore_ns,fill"

# result_field FILE KEY: the value of KEY in FILE's RESULT line ("" if absent).
result_field() {
	grep '^RESULT ' "$1" 2>/dev/null | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# progress "text": one line on the terminal, with the elapsed time.
progress() {
	printf '[%4ds] %s\n' "$SECONDS" "$*"
}

# ---- the cases ----
CASE_PATH=() CASE_METHOD=() CASE_BATCH=() CASE_SIZE=() CASE_SUFFIX=() CASE_CMD=()
CASE_GAVE_UP=()   # 1: a student's case that failed once (not run again: its TODOs are not done)

# bench_case PATH METHOD BATCH SIZE FUNCTION ARGS...: add a case. FUNCTION is
# called as `FUNCTION LOG RUN ARGS...` for each run; it writes the program's
# output to LOG and returns its exit status (124: timeout). ARGS are split on
# blanks when called, so they must not contain any.
bench_case() {
	CASE_PATH+=("$1")
	CASE_METHOD+=("$2")
	CASE_BATCH+=("$3")
	CASE_SIZE+=("$4")
	CASE_SUFFIX+=("${METHOD_SUFFIX:-}")
	shift 4
	CASE_CMD+=("$*")
	CASE_GAVE_UP+=(0)
}

# ---- are both CPUs the bench's? (bench/probe/xcore.c) ----
XCORE_BEST=""
xcore_ns() {
	local v
	v=$(result_field <("$KIT_BUILD/bench/xcore" --cpus 0,1 2>/dev/null) rtt_ns)
	echo "${v:-0}"
}

# Calibrate: the closest the two CPUs have been over about a second.
xcore_calibrate() {
	[ -x "$KIT_BUILD/bench/xcore" ] && [ "$(nproc)" -ge 2 ] || return 0
	local i v
	for i in $(seq 10); do
		v=$(xcore_ns)
		[ "$v" -gt 0 ] && { [ -z "$XCORE_BEST" ] || [ "$v" -lt "$XCORE_BEST" ]; } && XCORE_BEST=$v
		sleep 0.1
	done
}

# xcore_close NS: 0 if NS is within 1.6x of the closest seen (and learn from it).
xcore_close() {
	[ -n "$XCORE_BEST" ] || return 0
	[ "$1" -gt 0 ] || return 0
	[ "$1" -lt "$XCORE_BEST" ] && XCORE_BEST=$1
	[ "$1" -le $((XCORE_BEST * 16 / 10)) ]
}

XCORE_RETRIES=0     # runs repeated because a CPU was taken by something else
XCORE_KEPT_FAR=0    # runs kept although a CPU stayed taken (after 6 tries)

# ---- one run ----
# bench_one INDEX RUN: run case INDEX once (retrying while a CPU was
# taken by something else), then record it.
bench_one() {
	local i=$1 run=$2
	local path=${CASE_PATH[$i]} method=${CASE_METHOD[$i]}${CASE_SUFFIX[$i]} batch=${CASE_BATCH[$i]}
	local log="$OUT/runs/$path-$method-b$batch-run$run.log"
	local try rc before after far
	# shellcheck disable=SC2206 # split on purpose (see bench_case)
	local cmd=(${CASE_CMD[$i]})
	for try in 1 2 3 4 5 6; do
		before=$(xcore_ns)
		"${cmd[0]}" "$log" "$run" "${cmd[@]:1}"
		rc=$?
		after=$(xcore_ns)
		far=$((before > after ? before : after))
		[ $rc = 0 ] || break   # a failure is recorded as one, wherever the CPUs were
		if xcore_close "$before" && xcore_close "$after"; then
			break
		fi
		if [ $try = 6 ]; then
			XCORE_KEPT_FAR=$((XCORE_KEPT_FAR + 1))
			break
		fi
		XCORE_RETRIES=$((XCORE_RETRIES + 1))
		sleep 0.5   # whatever took the CPU: let it finish
	done
	METHOD_SUFFIX=${CASE_SUFFIX[$i]} record "$path" "${CASE_METHOD[$i]}" "$batch" \
		"${CASE_SIZE[$i]}" 2 "$run" "$log" "$rc" "$far"
	# A student's case that gave no figure is not run again.
	[ $? = 2 ] && [ -n "${CASE_SUFFIX[$i]}" ] && return 1
	return 0
}

# bench_run_all: RUNS rounds over every case, in the order they were added.
bench_run_all() {
	local run i
	[ ${#CASE_PATH[@]} -gt 0 ] || return 0
	for run in $(seq "$RUNS"); do
		progress "round $run of $RUNS (${#CASE_PATH[@]} cases)"
		for i in "${!CASE_PATH[@]}"; do
			[ "${CASE_GAVE_UP[$i]}" = 1 ] || bench_one "$i" "$run" || CASE_GAVE_UP[$i]=1
		done
	done
}

# ---- recording ----
# record PATH METHOD BATCH SIZE CORES RUN LOG [STATUS [XCORE_NS]]: append the
# run to raw.csv (return 0), or say why it is not a data point (return 2).
record() {
	local path=$1 method=$2${METHOD_SUFFIX:-} batch=$3 size=$4 cores=$5 run=$6 f=$7
	local status=${8:-0} xcore=${9:-}
	local what="$path/$method batch $batch run $run"
	local pps packets drops accounted
	pps=$(result_field "$f" pps)
	packets=$(result_field "$f" packets)
	drops=$(result_field "$f" drops)
	accounted=$(result_field "$f" accounted)
	if [ -z "$pps" ] && grep -q '; skipped$' "$f" 2>/dev/null; then
		# The program said why it cannot run here (exit status 77).
		SKIPPED+=("$path/$method: $(grep '; skipped$' "$f" | tail -n 1)")
		return 2
	fi
	local problem=""
	if [ "$status" = 124 ]; then
		problem="timed out"
	elif [ -z "$pps" ]; then
		problem="no RESULT line (exit status $status)"
	elif [ "${packets:-0}" = 0 ]; then
		problem="moved no packets"
	elif [ "$accounted" = 0 ]; then
		problem="packets not accounted for (sent != received + counted drops)"
	fi
	if [ -n "$problem" ]; then
		if [ -n "${METHOD_SUFFIX:-}" ]; then
			# The student's code: unfinished labs are expected, not errors.
			SKIPPED+=("$what: your code $problem, TODOs left? ($(tail -n 1 "$f" 2>/dev/null | cut -c1-160))")
		else
			BENCH_ERRORS+=("$what: $problem (see $f)")
			echo "bench: $what: $problem; the end of its output:" >&2
			tail -n 5 "$f" 2>/dev/null | sed 's/^/    /' >&2
		fi
		return 2
	fi
	local busy empty capacity fill ns="" user="" sys="" soft="" irq="" gen=""
	busy=$(result_field "$f" busy_cycles)
	empty=$(result_field "$f" empty_pct)
	capacity=$(result_field "$f" capacity_mpps)
	fill=$(result_field "$f" fill | tr ',' ' ')
	if [ -n "$capacity" ] && [ "$capacity" != 0.00 ]; then
		ns=$(awk -v c="$capacity" 'BEGIN { printf "%.2f", 1000 / c }')   # busy ns per packet
	fi
	if [ -z "$ns" ] && grep -q '^WALLCORES ' "$f"; then
		ns=$(awk -v c="$(sed -n 's/^WALLCORES //p' "$f" | tail -n 1)" -v p="$pps" \
			'BEGIN { printf "%.2f", c * 1e9 / p }')
	fi
	if grep -q '^CPUSTAT ' "$f"; then
		# The kernel path: service demand. CPUSTAT (kernel.sh) holds the busy
		# time of both CPUs during the run (and its tick-sampled split) and what
		# the generator alone costs for the frames it sent; per packet received.
		local line
		line=$(grep '^CPUSTAT ' "$f" | tail -n 1)
		read -r user sys soft irq gen ns < <(awk -v p="$packets" -v l="$line" 'BEGIN {
			n = split(l, kv, " ")
			for (i = 2; i <= n; i++) { split(kv[i], a, "="); v[a[1]] = a[2] }
			t = ("busy_ns" in v) ? v["busy_ns"] : v["user_ns"] + v["sys_ns"] + v["softirq_ns"] + v["irq_ns"]
			d = (t - v["gen_ns"]) / p
			printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", v["user_ns"] / p, v["sys_ns"] / p,
				v["softirq_ns"] / p, v["irq_ns"] / p, v["gen_ns"] / p, (d > 0 ? d : 0) }')
	fi
	echo "$path,$method,$batch,$size,$cores,$run,$pps,${packets:-0},${drops:-0},${accounted:--1},$ns,$busy,$empty,$capacity,$user,$sys,$soft,$irq,$gen,$xcore,$fill" >>"$OUT/raw.csv"
	progress "  $what: $(awk -v p="$pps" 'BEGIN{printf "%.3f Mpps", p/1e6}')" \
		"(${packets:-0} packets, drops ${drops:-0}${ns:+, $ns ns/packet}${empty:+, $empty % empty polls})"
}

# ---- the summary ----
# summarize: raw.csv -> summary.csv, one row per case in the order they ran:
#   path,method,batch,size,cores,runs,mpps,mpps_min,mpps_max,ns_per_pkt,ns_min,
#   ns_max,spread,busy_cycles,empty_pct,capacity_mpps,drops,limited_by,fill
# Medians of the runs; spread = max / min of ns_per_pkt (of mpps where there is
# no ns_per_pkt, the guest's rows); limited_by: "driver" (it never waited), "the
# NIC (N% empty polls)" (the simulated NIC's generator, or its TX side for tx,
# was slower), for the kernel "receiver" (drops) or "sender"; bench/README.md.
SUMMARY_HEADER="path,method,batch,size,cores,runs,mpps,mpps_min,mpps_max,ns_per_pkt,ns_min,ns_max,spread,busy_cycles,empty_pct,capacity_mpps,drops,limited_by,fill"
summarize() {
	echo "$SUMMARY_HEADER" >"$OUT/summary.csv"
	tail -n +2 "$OUT/raw.csv" | awk -F, '
	function median(key, col, count,    i, j, t, v, m) {
		m = 0
		for (i = 1; i <= count; i++) if (val[key, col, i] != "") v[++m] = val[key, col, i] + 0
		if (m == 0) return ""
		for (i = 2; i <= m; i++)
			for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
	}
	function lo(key, col, count,    i, r) {
		r = ""
		for (i = 1; i <= count; i++) if (val[key, col, i] != "" && (r == "" || val[key, col, i] + 0 < r)) r = val[key, col, i] + 0
		return r
	}
	function hi(key, col, count,    i, r) {
		r = ""
		for (i = 1; i <= count; i++) if (val[key, col, i] != "" && (r == "" || val[key, col, i] + 0 > r)) r = val[key, col, i] + 0
		return r
	}
	{
		key = $1 "," $2 "," $3 "," $4 "," $5
		if (!(key in n)) order[++keys] = key
		k = ++n[key]
		for (c = 7; c <= 14; c++) val[key, c, k] = $c
		drops[key] += $9
		if ($21 != "") fill[key] = $21   # the last run: a sample, not a sum
	}
	END {
		for (q = 1; q <= keys; q++) {
			key = order[q]; m = n[key]
			split(key, part, ",")
			ns = median(key, 11, m); nmin = lo(key, 11, m); nmax = hi(key, 11, m)
			pmin = lo(key, 7, m); pmax = hi(key, 7, m)
			if (ns != "" && nmin > 0) spread = sprintf("%.2f", nmax / nmin)
			else if (pmin > 0) spread = sprintf("%.2f", pmax / pmin)
			else spread = ""
			empty = median(key, 13, m)
			if (part[1] == "kernel")
				limited = drops[key] > 0 ? "receiver" : "sender"
			else if (empty == "")
				limited = ""
			else if (empty + 0 < 1)
				limited = "driver"
			else
				limited = sprintf("the NIC (%.0f%% empty polls)", empty)
			printf "%s,%d,%.4f,%.4f,%.4f,%s,%s,%s,%s,%s,%s,%s,%d,%s,%s\n", key, m,
				median(key, 7, m) / 1e6, pmin / 1e6, pmax / 1e6,
				ns == "" ? "" : sprintf("%.1f", ns), nmin == "" ? "" : sprintf("%.1f", nmin),
				nmax == "" ? "" : sprintf("%.1f", nmax), spread,
				median(key, 12, m) == "" ? "" : sprintf("%.1f", median(key, 12, m)),
				empty == "" ? "" : sprintf("%.1f", empty),
				median(key, 14, m) == "" ? "" : sprintf("%.1f", median(key, 14, m)),
				drops[key], limited, fill[key]
		}
	}' >>"$OUT/summary.csv"
}

# prog_run LOG RUN [--cores N] PROGRAM ARGS...: the runner of most cases: the
# program's output to LOG, at most 120 s. --cores N: the figure of this case is
# wall time per packet on N busy-polling cores (no busy-cycle count of its own:
# the lab06 pipeline and rings), noted in the log for record().
prog_run() {
	local log=$1 cores=""
	shift 2
	if [ "$1" = --cores ]; then cores=$2; shift 2; fi
	timeout 120 "$@" >"$log" 2>&1
	local rc=$?
	[ -n "$cores" ] && echo "WALLCORES $cores" >>"$log"
	return $rc
}
