#!/bin/bash
# bench/xdp/check.sh — end-to-end check of xsk_rx (root): two namespaces joined
# by a veth pair on 198.18.0.0/15, lab01's udp_gen in one, xsk_rx in the other.
#
#   sudo make -C bench/xdp check          (builds xsk_rx and udp_gen first)
#   sudo bench/xdp/check.sh [COUNT]       (default 200000 datagrams per run)
#
# For native and generic mode: every datagram is received or counted as a drop
# (accounted=1), and no XDP program is left on the interface afterwards; then
# the same after SIGINT and SIGTERM. The namespaces are removed at the end.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-$PWD/build}
XSK=$BUILD/bench/xsk_rx
GEN=$BUILD/solutions/lab01/udp_gen
COUNT=${1:-200000}
NS_A=xdpt$$a
NS_B=xdpt$$b
READY=$(mktemp -u /tmp/xsk_rx.ready.XXXXXX)
OUT=$(mktemp /tmp/xsk_rx.out.XXXXXX)
FAILS=0

[ "$(id -u)" = 0 ] || { echo "check.sh: needs root (namespaces, XDP): run with sudo" >&2; exit 1; }
for p in "$XSK" "$GEN"; do
	[ -x "$p" ] || { echo "check.sh: $p missing: run \`make -C bench/xdp check\`" >&2; exit 1; }
done

cleanup() {
	ip netns delete "$NS_A" 2>/dev/null
	ip netns delete "$NS_B" 2>/dev/null
	rm -f "$READY" "$OUT"
}
trap cleanup EXIT

ip netns add "$NS_A" && ip netns add "$NS_B" &&
ip -n "$NS_A" link add xdpA address 02:00:00:00:00:01 type veth \
	peer name xdpB netns "$NS_B" address 02:00:00:00:00:02 &&
ip -n "$NS_A" addr add 198.18.0.1/15 dev xdpA && ip -n "$NS_A" link set xdpA up &&
ip -n "$NS_B" addr add 198.18.0.2/15 dev xdpB && ip -n "$NS_B" link set xdpB up &&
ip -n "$NS_A" neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev xdpA nud permanent &&
ip -n "$NS_B" neigh replace 198.18.0.1 lladdr 02:00:00:00:00:01 dev xdpB nud permanent ||
	{ echo "check.sh: cannot create the veth pair (modprobe veth?)" >&2; exit 1; }

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok:   $*"; }
field() { grep '^RESULT tool=xsk_rx' "$OUT" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
attached() { ip -n "$NS_B" link show xdpB | grep -q 'prog/xdp'; }

# start_rx ARGS...: xsk_rx in the background, wait for its ready file.
start_rx() {
	rm -f "$READY"
	"$XSK" --netns "$NS_B" --iface xdpB --ready-file "$READY" "$@" >"$OUT" 2>&1 &
	RX=$!
	for _ in $(seq 100); do
		[ -e "$READY" ] && return 0
		kill -0 "$RX" 2>/dev/null || break
		sleep 0.05
	done
	wait "$RX"
	local rc=$?
	[ $rc = 77 ] && { echo "skip: $(cat "$OUT")"; return 77; }
	return 1
}

for mode in native generic; do
	start_rx --mode "$mode" --expect "$COUNT" --idle-ms 500 --cpu 1
	rc=$?
	[ $rc = 77 ] && continue
	[ $rc = 0 ] || { fail "$mode: xsk_rx did not start: $(cat "$OUT")"; continue; }
	attached || fail "$mode: no XDP program on xdpB while xsk_rx runs"
	"$GEN" --netns "$NS_A" --dst 198.18.0.2:9000 --count "$COUNT" --batch 32 --cpu 0 >/dev/null
	wait "$RX"
	rc=$?
	sed 's/^/      /' "$OUT"
	packets=$(field packets)
	drops=$(field drops)
	if [ "$(field accounted)" = 1 ] && [ $((packets + drops)) = "$COUNT" ] && [ $rc = 0 ]; then
		pass "$mode: $packets received + $drops drops = $COUNT sent"
	else
		fail "$mode: not accounted for (exit $rc)"
	fi
	attached && fail "$mode: XDP program still attached after exit" || pass "$mode: detached"
done

for sig in INT TERM; do
	start_rx --idle-ms 60000 || { fail "SIG$sig: xsk_rx did not start"; continue; }
	kill -"$sig" "$RX"
	wait "$RX"
	attached && fail "SIG$sig: XDP program still attached" || pass "SIG$sig: detached"
done

# A leftover from a killed run is found and replaced.
start_rx --idle-ms 60000 && { kill -KILL "$RX"; wait "$RX" 2>/dev/null; }
if attached; then
	start_rx --duration 1 --idle-ms 100 && wait "$RX"
	grep -q "removed a leftover" "$OUT" && ! attached && pass "leftover after SIGKILL removed" ||
		fail "leftover after SIGKILL: $(cat "$OUT")"
fi

[ $FAILS = 0 ] && echo "check.sh: all passed" || echo "check.sh: $FAILS failed"
[ $FAILS = 0 ]
