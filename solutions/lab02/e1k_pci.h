/*
 * e1k_pci.h — lab02: finding the NIC as a PCI device and talking to its config space.
 *
 * Linux shows every PCI function as a directory, /sys/bus/pci/devices/DDDD:BB:DD.F:
 *
 *   vendor, device, class   the identity, as text ("0x8086")
 *   config                  the 256-byte configuration space; pread/pwrite it
 *   resource0               BAR0, the device's registers; mmap it (e1k_mmio.h)
 *   driver -> .../uio_pci_generic   which kernel driver owns the device
 *
 * The simulated NIC (hw/sim) makes a directory with the same files, so this code
 * cannot tell it from real hardware. Read: the kernel's Documentation/PCI/sysfs-pci.rst,
 * and SDM section 4 ("PCI Local Bus Interface").
 */
#ifndef LAB02_E1K_PCI_H
#define LAB02_E1K_PCI_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct e1k_pci {
	char dir[PATH_MAX];     /* the device directory */
	int config_fd;          /* the open config file, or -1 */
	uint64_t config_offset; /* where config space starts in config_fd: 0 for sysfs'
				 * `config`; lab07's VFIO device fd puts it elsewhere */
	uint16_t vendor;
	uint16_t device;
	const char *model;      /* "82540EM", ... */
	char driver[64];        /* bound kernel driver, "" if none */
};

/* Where is the device? `where` is a PCI address ("0000:00:03.0" or "00:03.0")
 * or a directory (the simulated NIC's). Writes the directory into dir. */
int e1k_pci_resolve(const char *where, char *dir, size_t dir_len, char *err, size_t err_len);

/* Open the device at `where` and check it is an 8254x the kit supports, not
 * bound to a kernel network driver. Returns 0 or -errno, with err saying what to
 * do: -ENODEV no such device, -ENOTSUP wrong ids, -EBUSY bound to a kernel driver. */
int e1k_pci_open(struct e1k_pci *pci, const char *where, char *err, size_t err_len);

/* Turn on memory space decoding and bus mastering (DMA) in the command register,
 * keeping its other bits. Returns 0 or -errno. */
int e1k_pci_enable(struct e1k_pci *pci, char *err, size_t err_len);

/* 16-bit config space access at an even offset (at config_offset + offset in
 * config_fd). 0 or -errno. */
int e1k_pci_read16(struct e1k_pci *pci, unsigned offset, uint16_t *value);
int e1k_pci_write16(struct e1k_pci *pci, unsigned offset, uint16_t value);

/* The basename of dir's `driver` symlink ("uio_pci_generic", "vfio-pci", "e1000"),
 * or "" when no driver is bound. */
void e1k_pci_bound_driver(const char *dir, char *name, size_t name_len);

/* The model name of an allow-listed 8254x device id, or NULL. */
const char *e1k_pci_model(uint16_t vendor, uint16_t device);

void e1k_pci_close(struct e1k_pci *pci);

#endif
