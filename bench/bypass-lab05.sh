# bench/bypass-lab05.sh — lab05's poll-mode driver on a simulated 82540EM whose
# device thread runs on the other CPU (the driver loop on CPU 0). Sourced by
# bench/run. 60-byte frames ("64-byte packets").
#
#   rx_drop  sink --sim generator --drop: receive a burst, free it (the headline:
#            burst 32, with cycles per packet of the RX path)
#   tx       gen --sim sink: build kit frames, send bursts; the model checks sequence
#   fwd      fwd --sim generator: one port, receive a burst and reflect it
#
# Quick mode: bursts 1, 32, 256; thorough: 1, 2, 4 ... 256. batch = burst size.

bench_lab05_case() {   # METHOD BURST COUNT RUN PROGRAM ARGS...
	local method=$1 burst=$2 count=$3 run=$4
	shift 4
	local log="$OUT/runs/bypass-$method-$burst-$run.log"
	timeout 120 "$@" --burst "$burst" --count "$count" --cpu 0 >"$log" 2>&1
	record bypass "$method" "$burst" 64 2 "$run" "$log"
}

# bench_lab05_median PATH METHOD BATCH: the median pps of those rows in raw.csv.
bench_lab05_median() {
	awk -F, -v p="$1" -v m="$2" -v b="$3" '$1 == p && $2 == m && $3 == b { print $7 }' "$OUT/raw.csv" |
		sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

bench_lab05() {
	local dir="$KIT_BUILD/$from/lab05"
	if [ ! -x "$dir/sink" ] || [ ! -x "$dir/gen" ] || [ ! -x "$dir/fwd" ]; then
		SKIPPED+=("lab05: the programs in $dir were not built")
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab05: the simulated NIC needs root (physical addresses)")
		return
	fi
	local bursts="1 32 256" count=1000000 runs_sweep=1 run b
	if [ "$mode" = thorough ]; then
		bursts="1 2 4 8 16 32 64 128 256"
		count=5000000
		runs_sweep=$RUNS
	fi
	progress "bypass path, lab05 poll-mode driver: $count frames per run, bursts $bursts"
	# The headline: RX-and-drop at burst 32, RUNS runs.
	for run in $(seq "$RUNS"); do
		bench_lab05_case rx_drop 32 "$count" "$run" "$dir/sink" --sim generator --drop
	done
	for b in $bursts; do
		[ "$b" = 32 ] || for run in $(seq "$runs_sweep"); do
			bench_lab05_case rx_drop "$b" "$count" "$run" "$dir/sink" --sim generator --drop
		done
		for run in $(seq "$runs_sweep"); do
			bench_lab05_case tx "$b" "$count" "$run" "$dir/gen" --sim sink
			bench_lab05_case fwd "$b" "$count" "$run" "$dir/fwd" --sim generator
		done
	done
	# The target of issue 6: >= 15 Mpps and >= 20x lab01's recvfrom in the same run.
	local bypass kernel
	bypass=$(bench_lab05_median bypass rx_drop 32)
	kernel=$(bench_lab05_median kernel recvfrom 1)
	if [ -n "$bypass" ]; then
		progress "  lab05 rx_drop burst 32: $(awk -v p="$bypass" 'BEGIN { printf "%.2f Mpps", p / 1e6 }') (target 15)" \
			"${kernel:+= $(awk -v a="$bypass" -v k="$kernel" 'BEGIN { printf "%.1f", a / k }') x recvfrom (target 20)}"
	fi
}

bench_lab05
