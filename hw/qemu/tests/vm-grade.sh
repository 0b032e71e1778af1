#!/bin/sh
# hw/qemu/tests/vm-grade.sh — the guest's half of the labs' VM tests (make vm-test,
# make grade VM=1; tools/grade-run starts it through hw/qemu/run).
#
#   sh hw/qemu/tests/vm-grade.sh GRADE [grade options] LAB:NAME:PROGRAM[:LIST] ...
#
# Prepares the NICs the way every VM test expects them — NIC 0 on uio_pci_generic (the
# labs' driver), NIC 1 left to the kernel's e1000 — waits for the host's wire server,
# then runs the grader (GRADE = build/tools/grade) on the labs' test_labNN_vm programs,
# one process per test as on the host. The grader writes its results where the host
# can merge them (--tsv $KIT_OUT/...); its exit status is this script's.
set -u
grade=$1
shift
BIND=tools/bind-nic

$BIND --driver uio_pci_generic "$KIT_NIC0" >/dev/null ||
	{ echo "vm-grade: cannot bind $KIT_NIC0 to uio_pci_generic" >&2; exit 3; }
# The wire server (host) says it is there by creating server.ready.
i=0
while [ ! -e "$KIT_OUT/wire/server.ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$KIT_OUT/wire/server.ready" ] ||
	echo "vm-grade: warning: no host wire server ($KIT_OUT/wire/server.ready); tests that need frames from the host will fail" >&2
exec "$grade" "$@"
