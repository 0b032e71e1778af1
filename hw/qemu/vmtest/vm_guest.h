/*
 * vm_guest.h — what a lab's VM test (labNN-name/tests/vm/) needs to know about the QEMU
 * guest it runs in: which NICs, their MACs, and how to leave a NIC quiet.
 *
 * hw/qemu/run's init exports, for each e1000 (8086:100e) on the guest's PCI bus:
 *   KIT_NICn        its PCI address, e.g. 0000:00:03.0
 *   KIT_NICn_MAC    the MAC QEMU was given (-device e1000,mac=...)
 * and KIT_IN_VM=1, KIT_OUT (a directory the host sees too). The VM test runner
 * (hw/qemu/tests/vm-grade.sh) binds NIC 0 to uio_pci_generic and leaves NIC 1 on the
 * kernel's e1000 driver.
 *
 * Everything here fails the test with kit_fail() (a message that says what to do),
 * or skips it with kit_skip() when the program is not running in the guest at all.
 */
#ifndef BYPASSLAB_VM_GUEST_H
#define BYPASSLAB_VM_GUEST_H

#include <stddef.h>
#include <stdint.h>

/* Skip the test unless it runs in the kit's QEMU guest (KIT_IN_VM=1, root). */
void vm_need_guest(void);

/* The PCI address of guest NIC n ($KIT_NICn). Fails the test if there is none. */
const char *vm_nic(int n);

/* The MAC QEMU gave NIC n ($KIT_NICn_MAC). Fails the test if missing or malformed. */
void vm_nic_mac(int n, uint8_t mac[6]);

/* The kernel driver bound to NIC n now ("uio_pci_generic", "e1000", "" for none). */
void vm_nic_driver(int n, char *name, size_t len);

/* Fail the test unless NIC n is bound to `driver`. */
void vm_need_driver(int n, const char *driver);

/* The 16-bit PCI command register of NIC n, read from its sysfs config file. */
uint16_t vm_config_command(int n);

/*
 * Leave NIC n quiet, whatever the code under test did: every interrupt masked
 * (IMC, SDM 13.4.21), receiver and transmitter off (RCTL = TCTL = 0, SDM 13.4.22,
 * 13.4.33), then bus mastering off (PCI command bit 2), so QEMU's e1000 can never
 * DMA into memory the test process has given back. Uses its own mapping of
 * resource0, not the lab's code. Called from every VM test's teardown.
 */
void vm_quiesce(int n);

/* Format a MAC as text ("52:54:00:b1:a5:00") into buf (at least 18 bytes). */
const char *vm_mac_text(const uint8_t mac[6], char *buf);

/* Sleep for ms milliseconds; and a monotonic clock in seconds. */
void vm_sleep_ms(unsigned ms);
double vm_now_s(void);

#endif
