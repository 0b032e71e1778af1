# bench/bypass-lab05.sh — lab05's poll-mode driver on a simulated 82540EM whose
# device thread runs on the other CPU (the driver loop on CPU 0). Sourced by
# bench/run. 60-byte frames ("64-byte packets").
#
#   rx_drop  sink --sim generator --drop: receive a burst, free it
#   tx       gen --sim sink: build kit frames, send bursts; the model checks sequence
#   fwd      fwd --sim generator: one port, receive a burst and reflect it
#
# The figure of each is busy cycles per packet (common/poll_stats.h): TSC
# cycles in the polls that returned packets, over packets, so a generator that
# is slower than the driver does not make the driver look slow.
# Quick mode: bursts 1, 8, 32, 256; thorough: 1, 2, 4 ... 256. batch = burst size.

bench_lab05() {
	local dir="$KIT_BUILD/$from/lab05"
	if [ ! -x "$dir/sink" ] || [ ! -x "$dir/gen" ] || [ ! -x "$dir/fwd" ]; then
		SKIPPED+=("lab05${METHOD_SUFFIX:-}: the programs in $dir were not built")
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab05: the simulated NIC needs root (physical addresses)")
		return
	fi
	local bursts="1 8 32 256" count=10000000 b
	if [ "$mode" = thorough ]; then
		bursts="1 2 4 8 16 32 64 128 256"
		count=30000000
	fi
	for b in $bursts; do
		bench_case bypass rx_drop "$b" 64 prog_run "$dir/sink" --sim generator --drop \
			--burst "$b" --count "$count" --cpu 0
		bench_case bypass tx "$b" 64 prog_run "$dir/gen" --sim sink \
			--burst "$b" --count "$count" --cpu 0
		bench_case bypass fwd "$b" 64 prog_run "$dir/fwd" --sim generator \
			--burst "$b" --count "$count" --cpu 0
	done
}

bench_lab05
