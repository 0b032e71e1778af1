# bench/ringcmp/ringcmp.sh — lab06's reference ring beside DPDK's rte_ring.
#
# Sourced by bench/run, which then calls bench_ringcmp (uses OUT, RUNS, mode,
# KIT_BUILD, KIT_TOP, progress, SKIPPED, BENCH_ERRORS, and bench/lib.sh's
# xcore check). Run on its own it does
# the same into a directory of its own and prints the report section:
#
#   bench/ringcmp/ringcmp.sh [--thorough] [--runs N] [OUT_DIR]
#
# Cells: {kit, rte} x {spsc, mpmc} x {batch 1, 8, 32}, one producer thread on
# CPU 0 and one consumer on CPU 1 (build/bench/ring_compare, ringcmp.c). Runs are
# interleaved (run 1 of every cell, then run 2, ...), so a slow moment of the
# machine hits every cell a little instead of one cell a lot, and within a run
# the two rings take turns every few tens of milliseconds. A run that fails,
# or whose accounting fails (enqueued != dequeued), is an error with its log,
# never a data point. Writes:
#   runs/ringcmp-MODE-bB-runN.log   every run's output (both rings, taking turns)
#   ringcmp.csv       one row per cell: median, min, max, spread, kit/rte ratio
#   ringcmp.png/svg   both rings side by side per cell, min-max bars
#   sections/40-ringcmp.md   the report's section

RINGCMP_CELLS="spsc:1 spsc:8 spsc:32 mpmc:1 mpmc:8 mpmc:32"
RINGCMP_SPREAD_TARGET=1.3

# ringcmp_section_only LINE...: the report section when there is nothing to chart.
ringcmp_section_only() {
	mkdir -p "$OUT/sections"
	{
		echo "## Lab 06's ring beside DPDK's rte_ring"
		echo
		printf '%s\n' "$@"
		echo
	} >"$OUT/sections/40-ringcmp.md"
}

bench_ringcmp() {
	[ -n "${METHOD_SUFFIX:-}" ] && return   # the reference ring only, measured once
	local prog="$KIT_BUILD/bench/ring_compare" build_log="$OUT/ringcmp-build.log"
	local apt="apt-get install -y --no-install-recommends libdpdk-dev"
	if ! pkg-config --exists libdpdk 2>/dev/null; then
		SKIPPED+=("ringcmp: DPDK's rte_ring is not installed (pkg-config finds no libdpdk); install it with: $apt (or make deps)")
		ringcmp_section_only "Not measured: DPDK is not installed (pkg-config finds no \`libdpdk\`)." \
			"Install it with \`$apt\` (or \`make deps\`) and run the bench again."
		return
	fi
	if ! make -s -C "$KIT_TOP/bench/ringcmp" >"$build_log" 2>&1; then
		sed 's/^/    /' "$build_log" >&2
		BENCH_ERRORS+=("ringcmp: bench/ringcmp did not build (see $build_log)")
		ringcmp_section_only "Not measured: bench/ringcmp did not build (ringcmp-build.log)."
		return
	fi
	if [ "$(nproc)" -lt 2 ]; then
		SKIPPED+=("ringcmp: one CPU only; the ring comparison needs two (producer and consumer)")
		ringcmp_section_only "Not measured: this machine has one CPU; the comparison needs two."
		return
	fi
	local secs=0.4
	[ "$mode" = thorough ] && secs=1
	progress "ringcmp: lab06's ring vs DPDK's rte_ring, $RUNS interleaved runs of 6 cells x 2 rings (${secs} s per ring)"

	# Every good run: ring,mode,batch,run,pps,cycles_per_elem.
	local raw="$OUT/tmp/ringcmp-runs.csv"
	mkdir -p "$OUT/tmp" "$OUT/runs"
	: >"$raw"
	local run cell ring m b f line pps acc cyc sp
	for run in $(seq "$RUNS"); do
		for cell in $RINGCMP_CELLS; do
			m=${cell%:*}
			b=${cell#*:}
			# Both rings in one process, taking turns (ringcmp.c): same machine, same moment.
			f="$OUT/runs/ringcmp-$m-b$b-run$run.log"
			# As every two-core case (bench/lib.sh, bench_one): repeated while a
			# CPU was taken by something else or the two were far apart.
			local try ok before after
			for try in 1 2 3 4 5 6; do
				before=$(xcore_ns)
				timeout 60 "$prog" --ring both --mode "$m" --batch "$b" --seconds "$secs" \
					--cpus 0,1 >"$f" 2>&1
				ok=$?
				after=$(xcore_ns)
				[ $ok = 0 ] || break
				if xcore_close "$before" && xcore_close "$after"; then break; fi
				[ $try = 6 ] && { XCORE_KEPT_FAR=$((XCORE_KEPT_FAR + 1)); break; }
				XCORE_RETRIES=$((XCORE_RETRIES + 1))
				sleep 0.5
			done
			if [ $ok != 0 ]; then
				echo "bench: ring_compare --mode $m --batch $b (run $run) failed; its output:" >&2
				sed 's/^/    /' "$f" >&2
				BENCH_ERRORS+=("ringcmp $m batch $b run $run: ring_compare failed (see $f)")
				continue
			fi
			for ring in kit rte; do
				line=$(grep "^RESULT .* ring=$ring " "$f" | tail -n 1)
				pps=$(echo "$line" | tr ' ' '\n' | sed -n 's/^pps=//p')
				acc=$(echo "$line" | tr ' ' '\n' | sed -n 's/^accounted=//p')
				cyc=$(echo "$line" | tr ' ' '\n' | sed -n 's/^cycles_per_elem=//p')
				if [ -z "$pps" ] || [ "$acc" != 1 ]; then
					echo "bench: ring_compare --mode $m --batch $b (run $run): no accounted result for $ring; its output:" >&2
					sed 's/^/    /' "$f" >&2
					BENCH_ERRORS+=("ringcmp $ring $m batch $b run $run: no result or accounting failed (see $f)")
					continue
				fi
				echo "$ring,$m,$b,$run,$pps,$cyc" >>"$raw"
			done
		done
		progress "  ringcmp run $run of $RUNS done"
	done

	# One row per cell and ring: median, min, max (M elements/s), spread = max/min.
	local stats="$OUT/tmp/ringcmp-stats.csv"
	awk -F, '
	{ k = $1 "," $2 "," $3; n[k]++; v[k, n[k]] = $5 / 1e6; c[k, n[k]] = $6 }
	function median(k, arr,    i, j, t, x) {
		for (i = 1; i <= n[k]; i++) x[i] = arr[k, i]
		for (i = 2; i <= n[k]; i++)
			for (j = i; j > 1 && x[j - 1] + 0 > x[j] + 0; j--) { t = x[j]; x[j] = x[j - 1]; x[j - 1] = t }
		return n[k] % 2 ? x[(n[k] + 1) / 2] : (x[n[k] / 2] + x[n[k] / 2 + 1]) / 2
	}
	END {
		for (k in n) {
			lo = hi = v[k, 1]
			for (i = 1; i <= n[k]; i++) { if (v[k, i] < lo) lo = v[k, i]; if (v[k, i] > hi) hi = v[k, i] }
			printf "%s,%d,%.2f,%.2f,%.2f,%.2f,%.1f\n", k, n[k], median(k, v), lo, hi, hi / lo, median(k, c)
		}
	}' "$raw" >"$stats"

	# ringcmp.csv, the chart's data and the section's table, cell by cell.
	local csv="$OUT/ringcmp.csv" dat="$OUT/ringcmp.dat" rows="" k r
	echo "mode,batch,kit_runs,kit_mcells,kit_min,kit_max,kit_spread,kit_cycles_per_elem,rte_runs,rte_mcells,rte_min,rte_max,rte_spread,rte_cycles_per_elem,ratio_kit_rte" >"$csv"
	: >"$dat"
	local below=0 wide=0 missing=0
	for cell in $RINGCMP_CELLS; do
		m=${cell%:*}
		b=${cell#*:}
		local kn kmed kmin kmax ksp kcyc rn rmed rmin rmax rsp rcyc ratio
		IFS=, read -r _ _ _ kn kmed kmin kmax ksp kcyc < <(grep "^kit,$m,$b," "$stats")
		IFS=, read -r _ _ _ rn rmed rmin rmax rsp rcyc < <(grep "^rte,$m,$b," "$stats")
		# A point needs at least 3 good runs; fewer is an error, not a thinner point.
		for r in kit rte; do
			if [ "$r" = kit ]; then k=${kn:-0}; else k=${rn:-0}; fi
			if [ "$k" -lt 3 ]; then
				BENCH_ERRORS+=("ringcmp $r $m batch $b: $k good run(s) of $RUNS, a point needs 3 (see $OUT/runs/ringcmp-$m-b$b-run*.log)")
				missing=1
			fi
		done
		[ "${kn:-0}" -ge 3 ] || { kmed=""; kmin=""; kmax=""; ksp=""; kcyc=""; }
		[ "${rn:-0}" -ge 3 ] || { rmed=""; rmin=""; rmax=""; rsp=""; rcyc=""; }
		ratio=""
		[ -n "$kmed" ] && [ -n "$rmed" ] && ratio=$(awk -v a="$kmed" -v b="$rmed" 'BEGIN { printf "%.2f", a / b }')
		# The ratio within each run (both rings took turns in one process): its range.
		local pair
		pair=$(awk -F, -v m="$m" -v b="$b" '$2 == m && $3 == b { p[$1, $4] = $5; runs[$4] = 1 }
			END { n = 0; for (r in runs) if ((("kit", r) in p) && (("rte", r) in p)) {
				x = p["kit", r] / p["rte", r]; if (!n || x < lo) lo = x; if (!n || x > hi) hi = x; n++ }
				if (n) printf "%.2f – %.2f", lo, hi }' "$raw")
		echo "$m,$b,${kn:-0},$kmed,$kmin,$kmax,$ksp,$kcyc,${rn:-0},$rmed,$rmin,$rmax,$rsp,$rcyc,$ratio" >>"$csv"
		local label
		label="$(echo "$m" | tr a-z A-Z | sed 's/^\(..\)/\1\//') burst $b"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "${kmed:-NaN}" "${kmin:-NaN}" "${kmax:-NaN}" \
			"${rmed:-NaN}" "${rmin:-NaN}" "${rmax:-NaN}" >>"$dat"
		[ -n "$ratio" ] && awk -v x="$ratio" 'BEGIN { exit !(x < 1.0) }' && below=1
		for sp in $ksp $rsp; do
			awk -v x="$sp" -v t="$RINGCMP_SPREAD_TARGET" 'BEGIN { exit !(x > t) }' && wide=1
		done
		rows+="| $label | ${kmed:--} | ${kmin:--} – ${kmax:--} | ${ksp:--} | ${rmed:--} | ${rmin:--} – ${rmax:--} | ${rsp:--} | **${ratio:--}** | ${pair:--} |"$'\n'
	done
	gnuplot -e "datafile='$dat'; outbase='$OUT/ringcmp'" "$KIT_TOP/bench/plots/ringcmp.gp" \
		2>>"$OUT/gnuplot.log" || BENCH_ERRORS+=("ringcmp: gnuplot failed (see $OUT/gnuplot.log)")

	mkdir -p "$OUT/sections"
	{
		echo "## Lab 06's ring beside DPDK's rte_ring"
		echo
		echo "![lab06's ring and rte_ring, M elements/s per cell](ringcmp.png)"
		echo
		echo "Million elements per second through one ring of 1024 slots, producer thread on CPU 0,"
		echo "consumer on CPU 1 (\`build/bench/ring_compare\`, bench/ringcmp): median of $RUNS"
		echo "interleaved runs of ${secs} s per ring, min – max, spread = max / min (target ≤ $RINGCMP_SPREAD_TARGET);"
		echo "lab06 / rte is the ratio of the medians, \"per run\" the range of the ratio within each run."
		echo
		echo "| cell | lab06 ring | min – max | spread | rte_ring | min – max | spread | lab06 / rte | per run |"
		echo "|---|---|---|---|---|---|---|---|---|"
		printf '%s' "$rows"
		echo
		echo "Both rings run in the same program with the same loop: the producer enqueues bursts of"
		echo "constant pointers, the consumer dequeues and only counts them (no check per element),"
		echo "and at the end every element enqueued was dequeued. Both are called through their"
		echo "ordinary burst functions, which pick the single- or multi-thread path from the flags"
		echo "the ring was created with; MP/MC is a multi-producer/multi-consumer ring (compare-and-swap"
		echo "on the heads, waits on the tails) still used by one thread on each side, so its cells"
		echo "show the price of the thread-safe path. At burst 1 every element pays for the cache"
		echo "lines that carry the counters between the two cores; a burst pays once for many."
		echo "lab06's README (\"What made the ring as fast as rte_ring\") says which changes to the"
		echo "reference ring closed the gap."
		[ "$below" = 1 ] && { echo; echo "**Below target:** lab06's ring is slower than rte_ring in at least one cell (ratio < 1.00)."; }
		[ "$wide" = 1 ] && { echo; echo "**Noisy:** at least one cell's spread is above $RINGCMP_SPREAD_TARGET: treat its median with care (another program running?)."; }
		[ "$missing" = 1 ] && { echo; echo "**Missing cells:** some runs failed (see the errors below and runs/ringcmp-*.log)."; }
		echo
	} >"$OUT/sections/40-ringcmp.md"
	rm -f "$raw" "$stats"
}

# Run on its own: the same, into OUT_DIR (default build/bench/ringcmp-results).
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -uo pipefail
	KIT_TOP=$(cd "$(dirname "$0")/../.." && pwd)
	KIT_BUILD=${BUILD:-$KIT_TOP/build}
	mode=quick
	RUNS=3
	OUT=""
	while [ $# -gt 0 ]; do
		case "$1" in
		--thorough) mode=thorough; RUNS=5; shift ;;
		--runs) RUNS=$2; shift 2 ;;
		-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
		-*) echo "ringcmp.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
		*) OUT=$1; shift ;;
		esac
	done
	case "$RUNS" in ''|*[!0-9]*) echo "ringcmp.sh: --runs takes a number, 3 or more" >&2; exit 2 ;; esac
	[ "$RUNS" -ge 3 ] || { echo "ringcmp.sh: --runs $RUNS: a point needs at least 3 runs" >&2; exit 2; }
	OUT=${OUT:-$KIT_BUILD/bench/ringcmp-results}
	mkdir -p "$OUT/runs"
	SKIPPED=()
	BENCH_ERRORS=()
	source "$KIT_TOP/bench/lib.sh"   # progress, result_field, the xcore check
	make -s -C "$KIT_TOP/bench/probe" >/dev/null 2>&1 && xcore_calibrate
	bench_ringcmp
	[ -e "$OUT/sections/40-ringcmp.md" ] && cat "$OUT/sections/40-ringcmp.md"
	for s in "${SKIPPED[@]}"; do echo "skipped: $s"; done
	rm -rf "$OUT/tmp"
	if [ ${#BENCH_ERRORS[@]} -gt 0 ]; then
		printf 'error: %s\n' "${BENCH_ERRORS[@]}" >&2
		exit 1
	fi
fi
