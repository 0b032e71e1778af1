# bench/kernel.sh — the kernel path (lab01 and AF_XDP), sourced by bench/run.
#
# Over a veth pair between two namespaces (root), or loopback (not root): the
# generator (lab01 udp_gen, sendmmsg of 64) on CPU 0, the receiver pinned to
# CPU 1. 18-byte UDP payloads = 60-byte frames = "64-byte packets" on a wire.
#
# Service demand (netperf's term): all the CPU time both CPUs spent during a
# run (wall time x CPUs - idle time, cpu_sample), minus what the generator
# alone costs for the frames it sent, per packet received. The
# generator's own cost is measured right before each receiver's run: the same
# sender, the receiving veth dropping every frame at its XDP hook
# (bench/xdp/xdp_drop.c), so nothing past the first instruction of the receive
# path runs.

NS_PREFIX=blbench

kernel_net_up() {
	if [ "$(id -u)" = 0 ]; then
		"$KIT_BUILD/tools/testnet" down "$NS_PREFIX" >/dev/null 2>&1 || true
		"$KIT_BUILD/tools/testnet" up "$NS_PREFIX" >/dev/null ||
			{ echo "bench: cannot create the test network (see: make doctor)" >&2; return 1; }
		# A veth delivers on the *sending* CPU. Receive Packet Steering moves
		# the receiving side's protocol work to CPU 1, beside the receiver, so
		# the sender's core is not the bottleneck and each core does one side.
		[ "$(nproc)" -ge 2 ] && ip netns exec "${NS_PREFIX}b" \
			sh -c 'echo 2 > /sys/class/net/blB/queues/rx-0/rps_cpus' 2>/dev/null
		RX_NS=(--netns "${NS_PREFIX}b")
		TX_NS=(--netns "${NS_PREFIX}a")
		DST=198.18.0.2:9000
		IFACE=blB
		KERNEL_LINK=veth
	else
		RX_NS=()
		TX_NS=()
		DST=127.0.0.1:9000
		IFACE=lo
		KERNEL_LINK=loopback
	fi
}

kernel_net_down() {
	[ "$(id -u)" = 0 ] && "$KIT_BUILD/tools/testnet" down "$NS_PREFIX" >/dev/null 2>&1
	return 0
}

# cpu_sample VAR: the CPU time so far, in ns, as "user system irq softirq
# wall idle" (VAR is set; not $(...): a subshell has no children of ours).
#   user, system: this shell's finished children (bash's `times`: the sender
#     and the receiver once waited for), so another program does not count;
#   irq, softirq: the whole machine's (proc(5), /proc/stat "cpu" line): the
#     packets' protocol work runs there, charged to no process;
#   wall, idle: the clock, and the time all CPUs were idle, waiting or stolen
#     by the hypervisor (idle + iowait + steal).
# The first four are sampled at the timer tick (this kernel has no
# IRQ_TIME_ACCOUNTING): good for the split, a few percent off per run. Idle
# time is exact with NO_HZ (what Debian's kernels use), so the total busy
# time, wall x CPUs - idle, is the one service demand is made of.
cpu_sample() {
	local f="$OUT/tmp/times.$$" wall=$EPOCHREALTIME
	times >"$f"
	printf -v "$1" '%s' "$(awk -v hz="$(getconf CLK_TCK)" -v wall="$wall" '
	function ns(s,    m) { m = s; sub(/m.*/, "", m); sub(/^[0-9]+m/, "", s); sub(/s$/, "", s); return (m * 60 + s) * 1e9 }
	FNR == 2 && FILENAME != "/proc/stat" { u = ns($1); y = ns($2) }
	FILENAME == "/proc/stat" && $1 == "cpu" {
		printf "%.0f %.0f %.0f %.0f %.0f %.0f\n", u, y, $7 * 1e9 / hz, $8 * 1e9 / hz,
			wall * 1e9, ($5 + $6 + $9) * 1e9 / hz
		exit
	}' "$f" /proc/stat)"
}

# cpu_stat_line BEFORE AFTER GEN_NS: the CPUSTAT line record() reads, in ns;
# busy_ns = wall x CPUs - idle over the window.
cpu_stat_line() {
	awk -v a="$1" -v b="$2" -v g="$3" -v n="$(nproc)" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "CPUSTAT user_ns=%.0f sys_ns=%.0f irq_ns=%.0f softirq_ns=%.0f busy_ns=%.0f gen_ns=%.0f\n",
			y[1] - x[1], y[2] - x[2], y[3] - x[3], y[4] - x[4],
			(y[5] - x[5]) * n - (y[6] - x[6]), g }'
}

# sender_cmd KIND: the generator command (an instrument: always the
# reference udp_gen, or rawgen for the overload cases).
sender_cmd() {
	if [ "$1" = raw ]; then
		SENDER=("$KIT_BUILD/bench/rawgen" "${TX_NS[@]}" --cpu 0 --iface blA --count "$COUNT")
	else
		SENDER=("$KIT_BUILD/solutions/lab01/udp_gen" "${TX_NS[@]}" --cpu 0 --dst "$DST"
			--count "$COUNT" --batch 64)
	fi
}

# The generator's own cost per frame sent, by sender kind: the median of its
# last 5 runs alone (one before every receiver's run), so one odd baseline run
# does not move a receiver's figure. GEN_RUNS holds them, space-separated.
declare -A GEN_NS_PER_FRAME=() GEN_RUNS=()

# gen_median KIND: the median of the last 5 of GEN_RUNS[KIND].
gen_median() {
	echo "${GEN_RUNS[$1]:-}" | tr ' ' '\n' | grep . | tail -n 5 | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# kernel_generator_run LOG RUN KIND: the generator alone, its frames dropped by
# XDP on the receiving veth. Adds to GEN_RUNS[KIND], sets GEN_NS_PER_FRAME[KIND].
kernel_generator_run() {
	local log=$1 kind=$3 rc before after
	unset "GEN_NS_PER_FRAME[$kind]"
	sender_cmd "$kind"
	ip netns exec "${NS_PREFIX}b" true 2>/dev/null || { echo "no test network" >"$log"; return 1; }
	"$KIT_BUILD/bench/xdp_drop" --netns "${NS_PREFIX}b" --iface blB attach >"$log" 2>&1 || return 1
	cpu_sample before
	timeout 120 "${SENDER[@]}" >>"$log" 2>&1
	rc=$?
	cpu_sample after
	"$KIT_BUILD/bench/xdp_drop" --netns "${NS_PREFIX}b" --iface blB detach >>"$log" 2>&1
	cpu_stat_line "$before" "$after" 0 >>"$log"
	local sent busy
	sent=$(result_field "$log" packets)
	busy=$(grep '^CPUSTAT ' "$log" | tr ' ' '\n' | sed -n 's/^busy_ns=//p')
	if [ "$rc" = 0 ] && [ -n "$sent" ] && [ "$sent" -gt 0 ] && [ -n "$busy" ]; then
		GEN_RUNS[$kind]="${GEN_RUNS[$kind]:-} $(awk -v t="$busy" -v s="$sent" 'BEGIN { printf "%.1f", t / s }')"
		GEN_NS_PER_FRAME[$kind]=$(gen_median "$kind")
	fi
	return $rc
}

# kernel_receiver_run LOG RUN KIND RECEIVER...: the receiver first (it writes a
# ready file), then the sender; both are stopped by their own pids if they
# hang. The CPU time of both CPUs is taken from just before the sender starts
# to just after the receiver has finished.
kernel_receiver_run() {
	local log=$1 kind=$3
	shift 3
	local rx=("$@" "${RX_NS[@]}" --cpu 1 --expect "$COUNT" --idle-ms 10000)
	local ready="$OUT/tmp/ready.$$"
	rm -f "$ready"
	# The generator alone first, right before the receiver's run: what it costs
	# drifts with the machine, and service demand is the difference of the two.
	if [ "$KERNEL_LINK" = veth ] && ! kernel_generator_run "$log.gen" 0 "$kind"; then
		echo "bench: the generator-alone run before this one failed (see $log.gen); no service demand without it" >"$log"
		return 1
	fi
	"${rx[@]}" --ready-file "$ready" >"$log" 2>&1 &
	local rx_pid=$!
	for _ in $(seq 100); do [ -e "$ready" ] && break; kill -0 "$rx_pid" 2>/dev/null || break; sleep 0.05; done
	if [ ! -e "$ready" ]; then
		kill "$rx_pid" 2>/dev/null
		wait "$rx_pid" 2>/dev/null
		echo "bench: the receiver did not start" >>"$log"
		return 1
	fi
	sender_cmd "$kind"
	local before after rc
	cpu_sample before
	timeout 120 "${SENDER[@]}" >"$log.tx" 2>&1
	rc=$?
	# The sender is done. Give the receiver half a second to drain what is
	# queued (it exits by itself once it has every packet), then tell it to
	# stop: SIGTERM makes it print its counts and exit. Its --idle-ms is long,
	# so a sender descheduled for a while on a busy machine cannot make it
	# quit early and miss packets.
	local waited=0
	while kill -0 "$rx_pid" 2>/dev/null && [ $waited -lt 10 ]; do sleep 0.05; waited=$((waited + 1)); done
	kill -TERM "$rx_pid" 2>/dev/null
	waited=0
	while kill -0 "$rx_pid" 2>/dev/null && [ $waited -lt 100 ]; do sleep 0.05; waited=$((waited + 1)); done
	kill -KILL "$rx_pid" 2>/dev/null
	wait "$rx_pid" 2>/dev/null
	cpu_sample after
	[ "$rc" = 0 ] || { echo "bench: the sender failed (status $rc, see $log.tx)" >>"$log"; return "$rc"; }
	local sent gen=0
	sent=$(result_field "$log.tx" packets)
	[ "$KERNEL_LINK" = veth ] &&
		gen=$(awk -v g="${GEN_NS_PER_FRAME[$kind]}" -v s="${sent:-0}" 'BEGIN { printf "%.0f", g * s }')
	# On loopback there is no veth to drop at: service demand includes the sender.
	cpu_stat_line "$before" "$after" "$gen" >>"$log"
	return 0
}

# kernel_cases: add the kernel path's cases (bench_case, lib.sh).
kernel_cases() {
	local rx="kernel_receiver_run"
	if [ -z "${METHOD_SUFFIX:-}" ] && [ "$KERNEL_LINK" = veth ]; then
		bench_case instrument generator_udp 64 64 kernel_generator_run udp
	fi
	bench_case kernel recvfrom 1 64 $rx udp "$LAB01/udp_sink" --listen "$DST" --batch 1
	local b
	for b in $KERNEL_BATCHES; do
		bench_case kernel recvmmsg "$b" 64 $rx udp "$LAB01/udp_sink" --listen "$DST" --batch "$b"
	done
	if [ "$(id -u)" = 0 ]; then
		bench_case kernel tpacket_v3 0 64 $rx udp "$LAB01/ring_rx" --iface "$IFACE"
	else
		SKIPPED+=("kernel/tpacket_v3: AF_PACKET needs root (CAP_NET_RAW)")
	fi
	[ -n "${METHOD_SUFFIX:-}" ] && return   # the rest is the kernel's code, measured once
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("kernel/af_xdp: AF_XDP needs root")
	elif [ ! -x "$KIT_BUILD/bench/xsk_rx" ] || [ ! -x "$KIT_BUILD/bench/xdp_drop" ]; then
		SKIPPED+=("kernel/af_xdp: bench/xdp did not build (see make -C bench/xdp)")
	else
		bench_case kernel af_xdp 64 64 $rx udp "$KIT_BUILD/bench/xsk_rx" --iface "$IFACE" --batch 64
	fi
	# Overload: rawgen offers more than a kernel receiver can take (it skips
	# the sender's UDP/IP stack). What is delivered then, and where do the
	# others go? (Counted drops: socket, ring, backlog.) Thorough mode only:
	# overload is unstable by nature (see bench/README.md).
	if [ "$mode" = thorough ] && [ "$(id -u)" = 0 ] && [ -x "$KIT_BUILD/bench/rawgen" ]; then
		bench_case instrument generator_raw 64 64 kernel_generator_run raw
		bench_case kernel recvfrom_overload 1 64 $rx raw "$LAB01/udp_sink" --listen "$DST" --batch 1
		bench_case kernel recvmmsg_overload 32 64 $rx raw "$LAB01/udp_sink" --listen "$DST" --batch 32
		bench_case kernel tpacket_v3_overload 0 64 $rx raw "$LAB01/ring_rx" --iface "$IFACE"
	fi
}
