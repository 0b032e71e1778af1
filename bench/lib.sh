# bench/lib.sh — how one benchmark case is run and recorded (sourced by bench/run).
#
# Every measuring program prints a last line "RESULT key=value ...". A case
# runs a receiver and a sender RUNS times; each run appends one row to raw.csv:
#   path,method,batch,size,cores,run,pps,packets,drops,accounted,cycles_per_pkt
# summarize() turns raw.csv into summary.csv (median, min, max per case).

RAW_HEADER="path,method,batch,size,cores,run,pps,packets,drops,accounted,cycles_per_pkt"

# result_field FILE KEY: the value of KEY in FILE's RESULT line ("" if absent).
result_field() {
	grep '^RESULT ' "$1" 2>/dev/null | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# progress "text": one line on the terminal, with the elapsed time.
progress() {
	printf '[%4ds] %s\n' "$SECONDS" "$*"
}

# record PATH METHOD BATCH SIZE CORES RUN RESULT_FILE: append the run to raw.csv
# and note an accounting failure.
record() {
	local f=$7
	set -- "$1" "$2${METHOD_SUFFIX:-}" "$3" "$4" "$5" "$6" "$7"
	local pps packets drops accounted cycles
	pps=$(result_field "$f" pps)
	packets=$(result_field "$f" packets)
	drops=$(result_field "$f" drops)
	accounted=$(result_field "$f" accounted)
	cycles=$(result_field "$f" cycles_per_pkt)
	if [ -z "$pps" ] && grep -q '; skipped$' "$f" 2>/dev/null; then
		# The program said why it cannot run here (exit status 77).
		SKIPPED+=("$1/$2: $(grep '; skipped$' "$f" | tail -n 1)")
		return
	fi
	if [ -z "$pps" ] && [ -n "${METHOD_SUFFIX:-}" ]; then
		# The student's code: unfinished labs are expected, not errors.
		SKIPPED+=("$1/$2 (batch $3): your code gave no result, TODOs left? ($(tail -n 1 "$f"))")
		return
	fi
	if [ -z "$pps" ]; then
		echo "bench: $2 (batch $3) run $6 produced no RESULT line; its output:" >&2
		sed 's/^/    /' "$f" >&2
		BENCH_ERRORS+=("$1/$2/batch $3 run $6: no result")
		return
	fi
	if [ "$accounted" = 0 ]; then
		BENCH_ERRORS+=("$1/$2/batch $3 run $6: packets not accounted for (see $f)")
	fi
	echo "$1,$2,$3,$4,$5,$6,$pps,${packets:-0},${drops:-0},${accounted:--1},${cycles:-}" >>"$OUT/raw.csv"
	progress "  $1 $2 batch $3 run $6: $(awk -v p="$pps" 'BEGIN{printf "%.3f Mpps", p/1e6}')" \
		"(${packets:-0} packets, drops ${drops:-0}${cycles:+, $cycles cycles/pkt})"
}

# summarize: raw.csv -> summary.csv with the design's columns:
#   path,method,batch,size,cores,mpps,mpps_min,mpps_max,runs,cycles_per_pkt
summarize() {
	echo "path,method,batch,size,cores,mpps,mpps_min,mpps_max,runs,cycles_per_pkt" >"$OUT/summary.csv"
	tail -n +2 "$OUT/raw.csv" | awk -F, '
	{
		key = $1 "," $2 "," $3 "," $4 "," $5
		if (!(key in n)) order[++keys] = key
		n[key]++
		pps[key, n[key]] = $7
		if ($11 != "") { cyc[key, n[key]] = $11; nc[key]++ }
	}
	function median(key, arr, count,    i, j, t, v) {
		for (i = 1; i <= count; i++) v[i] = arr[key, i]
		for (i = 2; i <= count; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
		if (count % 2) return v[(count + 1) / 2]
		return (v[count / 2] + v[count / 2 + 1]) / 2
	}
	END {
		for (k = 1; k <= keys; k++) {
			key = order[k]
			min = max = pps[key, 1]
			for (i = 1; i <= n[key]; i++) {
				if (pps[key, i] + 0 < min + 0) min = pps[key, i]
				if (pps[key, i] + 0 > max + 0) max = pps[key, i]
			}
			c = nc[key] ? sprintf("%.0f", median(key, cyc, nc[key])) : ""
			printf "%s,%.4f,%.4f,%.4f,%d,%s\n", key, median(key, pps, n[key]) / 1e6,
				min / 1e6, max / 1e6, n[key], c
		}
	}' >>"$OUT/summary.csv"
}
