#!/bin/sh
# hw/qemu/tests/ping-guest.sh — the guest's half of hw/qemu/tests/ping-test: lab05's
# echo responder (the reference) on NIC 0, which hw/qemu/run --link tap put on a TAP
# in a namespace of the host's. Answers for 198.18.0.2 until the host says it is done.
set -u
tools/bind-nic --driver uio_pci_generic "$KIT_NIC0" >/dev/null || { echo "ping-guest: cannot bind $KIT_NIC0" >&2; exit 3; }
build/solutions/lab05/echo --dev "$KIT_NIC0" --ip 198.18.0.2 --duration 100 >"$KIT_OUT/echo.txt" 2>&1 &
echo_pid=$!
sleep 2   # the device is up; QEMU holds RX for about a second after each RCTL write
: >"$KIT_OUT/echo.ready"
i=0
while [ ! -e "$KIT_OUT/ping.done" ] && [ $i -lt 900 ] && kill -0 $echo_pid 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
kill -INT $echo_pid 2>/dev/null
wait $echo_pid
echo "ping-guest: echo exit $?"
cat "$KIT_OUT/echo.txt"
