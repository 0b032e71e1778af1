# bench/bypass-lab06.sh — lab06: the lock-free ring and the pipeline, sourced by
# bench/run after the kernel path (uses OUT, RUNS, mode, KIT_BUILD, from,
# progress, record, SKIPPED, BENCH_ERRORS).
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
		SKIPPED+=("lab06: $dir/ring_bench or pipeline not built (make -C lab06-rings-multicore${from:+ VARIANT=$from})")
		return
	fi
	local ncpu
	ncpu=$(nproc)
	if [ "$ncpu" -lt 2 ]; then
		SKIPPED+=("lab06: one CPU only; the ring and pipeline figures need two")
		return
	fi
	local secs=1 frames=10000000 bursts="32"
	if [ "$mode" = thorough ]; then
		secs=3
		frames=40000000
		bursts="1 4 32 256"
	fi
	local run f b
	for b in $bursts; do
		for run in $(seq "$RUNS"); do
			f="$OUT/runs/bypass-ring_spsc-b$b-run$run.log"
			"$dir/ring_bench" --mode spsc --burst "$b" --seconds "$secs" --cpus 0,1 >"$f" 2>&1 ||
				BENCH_ERRORS+=("lab06 ring_spsc burst $b run $run: ring_bench failed (see $f)")
			record bypass ring_spsc "$b" 8 2 "$run" "$f"
		done
	done
	for run in $(seq "$RUNS"); do
		f="$OUT/runs/bypass-ring_mpmc-b32-run$run.log"
		"$dir/ring_bench" --mode mpmc --burst 32 --seconds "$secs" --cpus 0,1 >"$f" 2>&1 ||
			BENCH_ERRORS+=("lab06 ring_mpmc run $run: ring_bench failed (see $f)")
		record bypass ring_mpmc 32 8 2 "$run" "$f"
	done
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab06 pipeline: the simulated NIC needs root (sudo make bench)")
		return
	fi
	local method worker_cpu n
	for method in pipeline pipeline_split; do
		worker_cpu=0
		n=$frames
		if [ "$method" = pipeline_split ]; then
			worker_cpu=1
			n=$((frames / 4))   # about 4x slower: keep the run short
		fi
		for run in $(seq "$RUNS"); do
			f="$OUT/runs/bypass-$method-b32-run$run.log"
			timeout 120 "$dir/pipeline" --frames "$n" --burst 32 --rx-cpu 0 --tx-cpu 0 \
				--worker-cpus "$worker_cpu" --dev-cpu 1 >"$f" 2>&1 ||
				BENCH_ERRORS+=("lab06 $method run $run: pipeline failed or did not account for every frame (see $f)")
			record bypass "$method" 32 64 2 "$run" "$f"
		done
	done
}

progress "lab06: rings and the pipeline"
bench_lab06
