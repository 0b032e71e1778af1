#!/bin/sh
# hw/qemu/tests/guest-checks.sh — the guest's half of `make -C hw/qemu test`.
# Runs inside the guest (busybox sh, root, cwd = repository) via hw/qemu/run, while
# the host runs `wire` on NIC 0 (see hw/qemu/tests/selftest). Prints one line per
# check, "ok NAME: detail" or "FAIL NAME: detail"; exits 1 if any check failed.
#
# Handshake with the host's wire through $KIT_OUT (a directory both sides see):
#   wire.ready  wire is bound and listening        (host -> guest)
#   guest.ready the guest's NIC is up: inject now  (guest -> host)
#   guest.done  the round trip is over: stop       (guest -> host)
set -u
BIND=tools/bind-nic
PROBE=build/qemu/probe-mac
failed=0
ok()   { echo "ok $1: $2"; }
bad()  { echo "FAIL $1: $2"; failed=1; }
check() { name=$1; detail=$2; shift 2; if "$@"; then ok "$name" "$detail"; else bad "$name" "$detail"; fi; }

# wait_for SECONDS CONDITION... : poll every 0.1 s, false on timeout.
wait_for() {
	tenths=$(($1 * 10)); shift
	while ! "$@"; do
		[ "$tenths" -gt 0 ] || return 1
		tenths=$((tenths - 1)); sleep 0.1
	done
}
exists() { [ -e "$1" ]; }
stat_at_least() { [ "$(cat "/sys/class/net/$1/statistics/$2")" -ge "$3" ]; }

# 1. Both NICs, as QEMU's 82540EM.
n=0
for d in /sys/bus/pci/devices/*; do
	case "$(cat "$d/vendor"):$(cat "$d/device")" in 0x8086:0x100e|0x8086:0x100f) n=$((n + 1)) ;; esac
done
check nics "$n 8254x (8086:100e/100f) NICs: $KIT_NIC0 $KIT_NIC1" [ "$n" = 2 ]

# 2. Hugepages reserved and mounted.
huge=$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)
check hugepages "$huge x 2 MiB reserved, hugetlbfs on /dev/hugepages" \
	sh -c "[ '$huge' -gt 0 ] && grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts"

# 3. The vIOMMU leaves kernel-owned devices untranslated (iommu=pt): UIO + physical
#    addresses from /proc/self/pagemap work; VFIO gets its own translated domain.
grp=$(basename "$(readlink "/sys/bus/pci/devices/$KIT_NIC0/iommu_group")")
type=$(cat "/sys/kernel/iommu_groups/$grp/type" 2>/dev/null)
check iommu "IOMMU group $grp of $KIT_NIC0, default domain '$type'" [ "$type" = identity ]

# 4. Frames both ways with the kernel's e1000 driver on NIC 0.
if0=$KIT_NIC0_IF
ip addr add 198.18.0.2/15 dev "$if0"
ip link set "$if0" up
wait_for 10 grep -q 1 "/sys/class/net/$if0/carrier" || bad link "$if0 has no carrier"
rx0=$(cat "/sys/class/net/$if0/statistics/rx_packets")
if wait_for 30 exists "$KIT_OUT/wire.ready"; then
	touch "$KIT_OUT/guest.ready"
	ping -c 2 -W 1 198.18.0.1 >/dev/null 2>&1   # no answer: its ARP requests are the point
	wait_for 15 stat_at_least "$if0" rx_packets $((rx0 + 100))
	rx1=$(cat "/sys/class/net/$if0/statistics/rx_packets")
	check frames-in "$if0 rx_packets $rx0 -> $rx1 (the host's wire injected 100)" [ "$rx1" -ge $((rx0 + 100)) ]
	echo "guest: $if0 tx_packets $(cat "/sys/class/net/$if0/statistics/tx_packets")"
else
	bad frames-in "the host's wire never said it was ready ($KIT_OUT/wire.ready)"
fi
touch "$KIT_OUT/guest.done"

# 5. bind-nic refuses a NIC that has an IP address.
if $BIND "$KIT_NIC0" >/dev/null 2>&1; then
	bad refuse-ip "bind-nic bound $if0 although it has 198.18.0.2"
else
	ok refuse-ip "bind-nic refuses $if0 while it has an IP address"
fi
ip addr flush dev "$if0"

# 6. UIO: bind, /dev/uioN, resource0 mmap, MAC from RAL0/RAH0.
if $BIND --driver uio_pci_generic "$KIT_NIC0" >/dev/null; then
	uio=$(ls "/sys/bus/pci/devices/$KIT_NIC0/uio" 2>/dev/null | head -n 1)
	check uio-bind "$KIT_NIC0 -> uio_pci_generic, /dev/$uio" [ -c "/dev/${uio:-none}" ]
	check uio-mac "$($PROBE "$KIT_NIC0" "$KIT_NIC0_MAC" 2>&1 | tail -n 1)" \
		$PROBE "$KIT_NIC0" "$KIT_NIC0_MAC"
else
	bad uio-bind "bind-nic --driver uio_pci_generic $KIT_NIC0 failed"
fi

# 7. VFIO: bind, viable group, DMA map, BAR0 through the device fd, MAC.
if $BIND --driver vfio-pci "$KIT_NIC1" >/dev/null; then
	out=$($PROBE --vfio "$KIT_NIC1" "$KIT_NIC1_MAC" 2>&1); rc=$?
	echo "$out" | sed 's/^/guest: /'
	check vfio "$KIT_NIC1 -> vfio-pci, group viable, MAP_DMA, BAR0 mmap, MAC $KIT_NIC1_MAC" [ $rc = 0 ]
else
	bad vfio "bind-nic --driver vfio-pci $KIT_NIC1 failed"
fi

# 8. Both back to the kernel.
$BIND --restore "$KIT_NIC0" >/dev/null && $BIND --restore "$KIT_NIC1" >/dev/null
check restore "both NICs back on e1000" \
	sh -c "[ -d /sys/bus/pci/devices/$KIT_NIC0/net ] && [ -d /sys/bus/pci/devices/$KIT_NIC1/net ]"

exit $failed
