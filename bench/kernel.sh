# bench/kernel.sh — the kernel path (lab01 and AF_XDP), sourced by bench/run.
#
# Over a veth pair between two namespaces (root), or loopback (not root): the
# generator (lab01 udp_gen, sendmmsg of 64) on CPU 0, the receiver pinned to
# CPU 1. 18-byte UDP payloads = 60-byte frames = "64-byte packets" on a wire.

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

# run_pair LOG -- RECEIVER... -- SENDER...: receiver first (it writes a ready
# file), then the sender; both are stopped by their own pids if they hang.
run_pair() {
	local log=$1
	shift 2
	local rx=() tx=()
	while [ "$1" != "--" ]; do rx+=("$1"); shift; done
	shift
	tx=("$@")
	local ready="$OUT/tmp/ready.$$"
	rm -f "$ready"
	"${rx[@]}" --ready-file "$ready" >"$log" 2>&1 &
	local rx_pid=$!
	for _ in $(seq 100); do [ -e "$ready" ] && break; kill -0 "$rx_pid" 2>/dev/null || break; sleep 0.05; done
	if [ ! -e "$ready" ]; then
		kill "$rx_pid" 2>/dev/null
		wait "$rx_pid" 2>/dev/null
		return 1
	fi
	timeout 120 "${tx[@]}" >"$log.tx" 2>&1
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
	return 0
}

# kernel_case METHOD BATCH RECEIVER_ARGS...: RUNS runs of one receiver setup.
kernel_case() {
	local method=$1 batch=$2
	shift 2
	local run
	for run in $(seq "$RUNS"); do
		local log="$OUT/runs/kernel-$method${METHOD_SUFFIX:-}-$batch-$run.log"
		# The generator is an instrument: always the reference one (lab01's
		# udp_gen), or rawgen for the overload cases (SENDER=raw).
		local sender=("$KIT_BUILD/solutions/lab01/udp_gen" "${TX_NS[@]}" --cpu 0 --dst "$DST"
			--count "$COUNT" --batch 64)
		[ "${SENDER:-udp}" = raw ] &&
			sender=("$KIT_BUILD/bench/rawgen" "${TX_NS[@]}" --cpu 0 --iface blA --count "$COUNT")
		if ! run_pair "$log" -- "$@" "${RX_NS[@]}" --cpu 1 --expect "$COUNT" --idle-ms 10000 -- \
			"${sender[@]}"; then
			if [ -n "${METHOD_SUFFIX:-}" ]; then
				SKIPPED+=("kernel/$method$METHOD_SUFFIX: your receiver did not start ($(tail -n 1 "$log"))")
				return
			fi
			BENCH_ERRORS+=("kernel/$method: the receiver did not start (see $log)")
			continue
		fi
		record kernel "$method" "$batch" 64 2 "$run" "$log"
	done
}

bench_kernel() {
	progress "kernel path over $KERNEL_LINK: $COUNT datagrams per run, $RUNS runs per case"
	kernel_case recvfrom 1 "$LAB01/udp_sink" --listen "$DST" --batch 1
	for b in $KERNEL_BATCHES; do
		kernel_case recvmmsg "$b" "$LAB01/udp_sink" --listen "$DST" --batch "$b"
	done
	if [ "$(id -u)" = 0 ]; then
		kernel_case tpacket_v3 0 "$LAB01/ring_rx" --iface "$IFACE"
	else
		SKIPPED+=("kernel/tpacket_v3: AF_PACKET needs root (CAP_NET_RAW)")
	fi
	# Overload: rawgen offers more than a kernel receiver can take (it skips
	# the sender's UDP/IP stack). What is delivered then, and where do the
	# others go? (Counted drops: socket, ring, backlog.)
	if [ "$(id -u)" = 0 ] && [ -z "${METHOD_SUFFIX:-}" ] && [ -x "$KIT_BUILD/bench/rawgen" ]; then
		progress "kernel path under overload (rawgen: raw frames, no sender-side stack)"
		SENDER=raw kernel_case recvfrom_overload 1 "$LAB01/udp_sink" --listen "$DST" --batch 1
		SENDER=raw kernel_case recvmmsg_overload 32 "$LAB01/udp_sink" --listen "$DST" --batch 32
		SENDER=raw kernel_case tpacket_v3_overload 0 "$LAB01/ring_rx" --iface "$IFACE"
	fi
	if [ -n "${METHOD_SUFFIX:-}" ]; then
		:   # AF_XDP is the kernel's, not lab code: measured once
	elif [ "$(id -u)" != 0 ]; then
		SKIPPED+=("kernel/af_xdp: AF_XDP needs root")
	elif [ ! -x "$KIT_BUILD/bench/xsk_rx" ]; then
		SKIPPED+=("kernel/af_xdp: bench/xdp/xsk_rx did not build (see make -C bench/xdp)")
	else
		kernel_case af_xdp 64 "$KIT_BUILD/bench/xsk_rx" --iface "$IFACE" --batch 64
	fi
}
