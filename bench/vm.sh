# bench/vm.sh — inside the QEMU guest (make bench VM=1): the guest kernel's own
# e1000 driver with UDP sockets against the kit's user-space driver, both
# sending 60-byte frames on the same emulated NIC, counted on the host by
# build/qemu/wire. Sourced by bench/run; one guest boot for every case.
#
# path vm-kernel: lab01 udp_gen over the guest's eth0 (sendto, sendmmsg of 32)
# path vm-bypass: lab05 gen through uio_pci_generic (bursts 1, 4, 32, 256; thorough:
#                 1, 2, 4 ... 256)
#
# Under TCG every register write is a trap into QEMU's device model, so a
# doorbell costs microseconds here: this is where bursts matter most.

bench_vm() {
	local run_tool="$KIT_TOP/hw/qemu/run" gen="$KIT_BUILD/solutions/lab05/gen"
	local udp_gen="$KIT_BUILD/solutions/lab01/udp_gen"
	if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
		SKIPPED+=("vm: QEMU is not installed (sudo apt-get install qemu-system-x86; make deps does it)")
		return
	fi
	if ! make -s -C "$KIT_TOP/hw/qemu" vm >>"$OUT/build.log" 2>&1; then
		SKIPPED+=("vm: the QEMU guest did not build (see $OUT/build.log; make vm)")
		return
	fi
	if [ ! -x "$gen" ] || [ ! -x "$udp_gen" ]; then
		SKIPPED+=("vm: lab01's udp_gen or lab05's gen is not built")
		return
	fi
	local kernel_count=40000 bypass_count=100000
	[ "$mode" = thorough ] && kernel_count=60000 bypass_count=400000
	# phase name, path, method, batch, count. The guest kernel's phases first
	# (once the NIC is bound to uio_pci_generic the guest kernel has no eth0),
	# each path's runs interleaved across its phases (run 1 of each, run 2 ...).
	local kernel_phases="sendto:vm-kernel:sendto:1:$kernel_count sendmmsg:vm-kernel:sendmmsg:32:$kernel_count"
	local bypass_phases="" bursts="1 4 32 256" b
	[ "$mode" = thorough ] && bursts="1 2 4 8 16 32 64 128 256"
	for b in $bursts; do
		bypass_phases="$bypass_phases burst$b:vm-bypass:tx:$b:$bypass_count"
	done
	local runs=$RUNS list="" p r phases
	for phases in "$kernel_phases" "$bypass_phases"; do
		for r in $(seq "$runs"); do
			for p in $phases; do list="$list $p:$r"; done
		done
	done

	# The host counts frames with wire over a unix datagram socket, which queues
	# only net.unix.max_dgram_qlen datagrams (10 by default): a wire descheduled
	# for a moment on a busy machine would make QEMU drop frames the guest sent.
	# The instrument must not be the limit: a deeper queue while the guest runs.
	local qlen
	qlen=$(sysctl -n net.unix.max_dgram_qlen 2>/dev/null || echo "")
	if [ "$(id -u)" = 0 ] && [ -n "$qlen" ] && [ "$qlen" -lt 4096 ]; then
		QLEN_RESTORE=$qlen
		sysctl -qw net.unix.max_dgram_qlen=4096 &&
			echo "net.unix.max_dgram_qlen: 4096 during the guest's runs (was $qlen)" >>"$OUT/environment.txt"
	fi
	local vmdir="$OUT/vm"
	mkdir -p "$vmdir"
	progress "in the QEMU guest (TCG): guest kernel UDP vs the kit's driver, $runs run(s) each"
	# Host half: one wire per phase, counting what the guest sends on NIC 0. It
	# runs at real-time priority 1 (chrt): under TCG, QEMU keeps both CPUs busy,
	# and a counter that waits for a CPU makes QEMU drop what it cannot hand over.
	local rt=""
	[ "$(id -u)" = 0 ] && command -v chrt >/dev/null 2>&1 && rt="chrt -f 1"
	local host_cmd='RT="'"$rt"'"; for item in '"$list"'; do
		name=${item%%:*}; run=${item##*:}
		$RT "$WIRE" --sock "$KIT_NIC0_QEMU" --bind "$KIT_NIC0_HOST" --ready "$KIT_OUT/ready.$name.$run" \
			--until "$KIT_OUT/done.$name.$run" --time 300 >"$KIT_OUT/wire.$name.$run.txt" 2>&1
	done'
	# Guest half: for each phase wait for wire, send, say done.
	local guest_cmd='
		set -u
		IF=$KIT_NIC0_IF
		IP=/usr/bin/ip   # the host'"'"'s iproute2 (shared /usr): busybox ip has no "neigh replace"
		$IP addr add 198.18.0.2/15 dev "$IF" && $IP link set "$IF" up &&
		$IP neigh replace 198.18.0.1 lladdr 02:00:00:00:00:01 dev "$IF" nud permanent || exit 1
		bound=0
		for item in '"$list"'; do
			IFS=: read -r name path method batch count run <<EOI
$item
EOI
			for i in $(seq 300); do [ -e "$KIT_OUT/ready.$name.$run" ] && break; sleep 0.1; done
			case $path in
			vm-kernel)
				'"$udp_gen"' --dst 198.18.0.1:9000 --count "$count" --batch "$batch" \
					>"$KIT_OUT/guest.$name.$run.txt" 2>&1
				sleep 1 ;;
			vm-bypass)
				if [ $bound = 0 ]; then
					$IP addr flush dev "$IF"
					tools/bind-nic --driver uio_pci_generic "$KIT_NIC0" >/dev/null || exit 1
					bound=1
				fi
				'"$gen"' --dev "$KIT_NIC0" --count "$count" --burst "$batch" --ring 256 \
					>"$KIT_OUT/guest.$name.$run.txt" 2>&1
				sleep 1 ;;
			esac
			touch "$KIT_OUT/done.$name.$run"
		done'
	if ! timeout 900 "$run_tool" --timeout 800 --dir "$vmdir/run" --host "$host_cmd" \
		-- sh -c "$guest_cmd" >"$vmdir/run.log" 2>&1; then
		BENCH_ERRORS+=("vm: the guest run failed (see $vmdir/run.log and $vmdir/run/console.log)")
	fi
	bench_restore_qlen
	local item
	for item in $list; do
		IFS=: read -r name path method batch count run <<<"$item"
		local g="$vmdir/run/out/guest.$name.$run.txt" w="$vmdir/run/out/wire.$name.$run.txt"
		local f="$OUT/runs/$path-$method-$batch-$run.log"
		cat "$g" "$w" >"$f" 2>/dev/null
		local pps sent got
		pps=$(result_field "$g" pps)
		sent=$(result_field "$g" packets)
		got=$(sed -n 's/.* rx_kit=\([0-9]*\).*/\1/p' "$w" 2>/dev/null | tail -n 1)
		if [ -z "$pps" ] || [ -z "$got" ]; then
			BENCH_ERRORS+=("vm/$name run $run: no result (see $f)")
			continue
		fi
		# The guest's sender reports its own rate (guest clock); the host counts
		# what actually left the NIC. Every frame sent must have arrived.
		echo "RESULT tool=vm method=$method batch=$batch packets=$got seconds=0 pps=$pps drops=0" \
			"accounted=$([ "$got" = "$sent" ] && echo 1 || echo 0)" >>"$f"
		record "$path" "$method" "$batch" 64 2 "$run" "$f"
	done
}

bench_vm
