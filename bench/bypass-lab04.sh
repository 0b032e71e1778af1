# bench/bypass-lab04.sh — lab04's driver, one frame and one RDT write at a time,
# on a simulated 82540EM whose generator runs on the other CPU. Sourced by bench/run.

bench_one_at_a_time() {
	local prog="$KIT_BUILD/$from/lab04/one_at_a_time"
	if [ ! -x "$prog" ]; then
		SKIPPED+=("lab04 one_at_a_time: $prog was not built")
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab04 one_at_a_time: the simulated NIC needs root (physical addresses)")
		return
	fi
	local count=2000000 run
	[ "$mode" = thorough ] && count=10000000
	progress "bypass path, lab04 one frame at a time: $count frames per run"
	for run in $(seq "$RUNS"); do
		local log="$OUT/runs/bypass-one_at_a_time${METHOD_SUFFIX:-}-$run.log"
		timeout 120 "$prog" --sim --count "$count" --cpu 0 >"$log" 2>&1
		record bypass one_at_a_time 1 64 2 "$run" "$log"
	done
}

bench_one_at_a_time
