# bench/bypass-lab04.sh — lab04's driver, one frame and one RDT write at a time,
# on a simulated 82540EM whose generator runs on the other CPU. Sourced by
# bench/run. The figure: busy cycles per frame (common/poll_stats.h).

bench_one_at_a_time() {
	local prog="$KIT_BUILD/$from/lab04/one_at_a_time"
	if [ ! -x "$prog" ]; then
		SKIPPED+=("lab04 one_at_a_time${METHOD_SUFFIX:-}: $prog was not built")
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab04 one_at_a_time: the simulated NIC needs root (physical addresses)")
		return
	fi
	local count=10000000
	[ "$mode" = thorough ] && count=30000000
	bench_case bypass one_at_a_time 1 64 prog_run "$prog" --sim --count "$count" --cpu 0
}

bench_one_at_a_time
