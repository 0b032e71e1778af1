#!/bin/sh
# hw/qemu/tests/ping-host.sh — the host's half of hw/qemu/tests/ping-test: the host's
# own iputils tools, in the namespace hw/qemu/run --link tap made, against lab05's
# echo responder in the guest. One line per check in $KIT_RUN_DIR/ping-results.
set -u
res=$KIT_RUN_DIR/ping-results
: >"$res"
i=0
while [ ! -e "$KIT_OUT/echo.ready" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
ns() { ip netns exec "$KIT_TAP_NETNS" "$@"; }
check() {   # name, wanted text, command...
	name=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	line=$(printf '%s\n' "$out" | grep -m1 -E "$want" || true)
	if [ -n "$line" ]; then echo "ok $name $line" >>"$res"
	else echo "FAIL $name $(printf '%s' "$out" | tail -n 2 | tr '\n' ' ')" >>"$res"; fi
}
check arping "Received 5 response" ns arping -c 5 -w 10 -I "$KIT_TAP_IF" 198.18.0.2
check ping-56 " 200 received, 0% packet loss" ns ping -c 200 -i 0.01 -W 2 -s 56 198.18.0.2
check ping-1472 " 200 received, 0% packet loss" ns ping -c 200 -i 0.01 -W 2 -s 1472 198.18.0.2
: >"$KIT_OUT/ping.done"
