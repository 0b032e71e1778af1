# bench/bypass-lab06.sh — lab06: the lock-free ring and the pipeline, sourced by
# bench/run (adds cases with bench_case, lib.sh).
#
#   ring_spsc  ring_bench --mode spsc: one producer lcore on CPU 0, one consumer
#              lcore on CPU 1, SP/SC ring of 1024, bursts of 32 pointers.
#   ring_mpmc  the same with an MP/MC ring (CAS on both heads, tail waits),
#              one producer and one consumer: the price of the multi-thread-safe
#              code paths. (With more threads than cores a preempted thread
#              stalls the others: `ring_bench --mode mpmc --producers 2
#              --consumers 2` shows it; not a default case on 2 cores.)
#   pipeline   the RX -> worker -> TX pipeline on an in-process simulated NIC
#              (generator backend), 60-byte frames, burst 32, every frame
#              accounted for, 2 cores: the simulated NIC alone on CPU 1, the
#              RX, worker and TX lcores taking turns on CPU 0 (the best 2-core
#              layout; lab06 README section 3).
#   pipeline_split  the same with the worker on CPU 1 beside the busy NIC
#              model: what a stage sharing a core with a busy thread costs.
#
# For the rings the RESULT's pps= field is ELEMENTS (pointers) per second and
# size is 8 (bytes per element); for the pipeline it is frames per second and
# size 64 (60-byte frames + FCS).

bench_lab06() {
	local dir="$KIT_BUILD/$from/lab06"
	if [ ! -x "$dir/ring_bench" ] || [ ! -x "$dir/pipeline" ]; then
		SKIPPED+=("lab06${METHOD_SUFFIX:-}: $dir/ring_bench or pipeline not built (make -C lab06-rings-multicore${from:+ VARIANT=$from})")
		return
	fi
	if [ "$(nproc)" -lt 2 ]; then
		SKIPPED+=("lab06: one CPU only; the ring and pipeline figures need two")
		return
	fi
	local secs=1 frames=10000000 bursts="32" b
	if [ "$mode" = thorough ]; then
		secs=3
		frames=40000000
		bursts="1 4 32 256"
	fi
	for b in $bursts; do
		bench_case bypass ring_spsc "$b" 8 prog_run --cores 1 "$dir/ring_bench" --mode spsc \
			--burst "$b" --seconds "$secs" --cpus 0,1
	done
	bench_case bypass ring_mpmc 32 8 prog_run --cores 1 "$dir/ring_bench" --mode mpmc \
		--burst 32 --seconds "$secs" --cpus 0,1
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab06 pipeline: the simulated NIC needs root (sudo make bench)")
		return
	fi
	# The pipeline's lcores busy-poll: its figure is wall time per frame on the
	# driver's cores (1: all three lcores on CPU 0; split: the worker on CPU 1
	# too, beside the NIC model).
	bench_case bypass pipeline 32 64 prog_run --cores 1 "$dir/pipeline" --frames "$frames" \
		--burst 32 --rx-cpu 0 --tx-cpu 0 --worker-cpus 0 --dev-cpu 1
	bench_case bypass pipeline_split 32 64 prog_run --cores 2 "$dir/pipeline" \
		--frames "$((frames / 4))" --burst 32 --rx-cpu 0 --tx-cpu 0 --worker-cpus 1 --dev-cpu 1
}

bench_lab06
