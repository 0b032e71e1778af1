/*
 * e1k_vfio.h — lab07: the same NIC, opened through VFIO instead of sysfs + UIO.
 *
 * VFIO hands a whole IOMMU group to one process, safely: the IOMMU translates
 * every DMA of the group's devices through a table this process fills, so the
 * device can reach exactly the memory we mapped for it and nothing else.
 *
 *   /dev/vfio/vfio         a container: one IOMMU address space (one per process here)
 *   /dev/vfio/N            IOMMU group N; N from /sys/bus/pci/devices/X/iommu_group
 *   device fd              VFIO_GROUP_GET_DEVICE_FD(group, "0000:00:03.0"): regions
 *                          (BAR0, config space) at offsets in it, interrupts by ioctl
 *
 * The order (kernel Documentation/driver-api/vfio.rst, "VFIO Usage Example"):
 *   1. container: open /dev/vfio/vfio, VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION
 *   2. group: open /dev/vfio/N, VFIO_GROUP_GET_STATUS must say VIABLE
 *   3. VFIO_GROUP_SET_CONTAINER, then (once per container) VFIO_SET_IOMMU(TYPE1)
 *   4. VFIO_GROUP_GET_DEVICE_FD, VFIO_DEVICE_GET_REGION_INFO, mmap BAR0
 *   5. config space through its region: memory space + bus master on
 * and then DMA memory (e1k_iova.h) and interrupts (e1k_vfio_irq.h).
 *
 * e1k_open_vfio fills the same struct e1k_dev as lab02's e1k_open, with
 * dev->backend = &e1k_vfio_backend, so lab02's init and interrupt calls, lab04's
 * rings and lab05's bursts run on it unchanged.
 */
#ifndef LAB07_E1K_VFIO_H
#define LAB07_E1K_VFIO_H

#include <stddef.h>
#include <stdint.h>

#include "e1k_dev.h"

/* What lab07 keeps per device (dev->backend_data). */
struct e1k_vfio_dev {
	int group_fd;            /* /dev/vfio/N */
	int group;               /* N */
	int device_fd;           /* VFIO_GROUP_GET_DEVICE_FD */
	uint64_t config_offset;  /* where config space is in device_fd */
	uint64_t config_size;
	int irq_armed;           /* VFIO_DEVICE_SET_IRQS trigger set (e1k_vfio_irq.c) */
	uint32_t irq_count;      /* interrupts so far (the eventfd gives increments) */
};

/* Open the process's container (the first call) or return the open one:
 * /dev/vfio/vfio, API version VFIO_API_VERSION, the type 1 IOMMU supported.
 * Returns the container fd, or -errno with err saying what to do. */
int e1k_vfio_container(char *err, size_t err_len);

/* The IOMMU group of the PCI device directory dir. Returns N >= 0, or -errno:
 * -ENODEV there is no IOMMU (no iommu_group link): err says how to turn it on. */
int e1k_vfio_group_number(const char *dir, char *err, size_t err_len);

/* Open the device's group, check it is viable, put it in the container and (for
 * the container's first group) choose the type 1 IOMMU. Returns the group fd, or
 * -errno with err saying what to do:
 *   -ENODEV  no IOMMU, or the device is not bound to vfio-pci;
 *   -EACCES  /dev/vfio/N belongs to someone else;
 *   -EBUSY   the group is not viable: another device in it has another driver. */
int e1k_vfio_group_open(const char *dir, int *group, char *err, size_t err_len);

/* Open the NIC at `where` (a PCI address) through VFIO: everything above, then
 * the device fd, BAR0 mapped through it, config space through its region with
 * memory space and bus master on, the IOVA mapper (e1k_iova.h) installed, and
 * dev->backend = &e1k_vfio_backend. Then e1k_init, rings, bursts as usual;
 * e1k_close releases it.
 * 0 or -errno with err saying what to do. */
int e1k_open_vfio(struct e1k_dev *dev, const char *where, char *err, size_t err_len);

/* The group and device fds of a device opened by e1k_open_vfio (tests, tools). */
struct e1k_vfio_dev *e1k_vfio_of(struct e1k_dev *dev);

/* lab02's backend interface, for VFIO: open = e1k_open_vfio, close, and the
 * interrupts of e1k_vfio_irq.h. A program that chooses the way in at run time
 * (lab05's --vfio) passes this instead of e1k_uio_backend. */
extern const struct e1k_backend e1k_vfio_backend;

#endif
