/*
 * e1k_dev.h — lab02: one 8254x NIC, opened and brought up in the order SDM
 * chapter 14 ("General Initialization and Reset Operation") gives.
 *
 *   e1k_open()        find the device, enable it on the bus, map BAR0 (UIO backend)
 *   e1k_reset()       quiet the device and reset it (SDM 14.3, 14.5)
 *   e1k_link_up()     set link up and wait for it (SDM 14.5.3 / 14.6)
 *   e1k_read_mac()    the MAC address from the EEPROM (SDM 5.6, 13.4.4)
 *
 * Later labs add the rings (lab04) and the poll-mode loop (lab05) on top.
 */
#ifndef LAB02_E1K_DEV_H
#define LAB02_E1K_DEV_H

#include <stddef.h>
#include <stdint.h>

#include "e1k_pci.h"

struct e1k_backend;

struct e1k_dev {
	struct e1k_pci pci;
	volatile uint8_t *bar0;
	size_t bar0_len;
	uint8_t mac[6];
	int irq_fd;            /* the interrupt file (e1k_irq.h), or -1 */
	const struct e1k_backend *backend;  /* how the device is reached: e1k_uio_backend */
	void *backend_data;                 /* the backend's own state */
};

/*
 * A backend is how this process reaches the device: how it is opened and closed,
 * and how its interrupts arrive. This lab's is e1k_uio_backend: sysfs (config
 * space, BAR0's resource0) and UIO (/dev/uioN). A backend's open fills the same
 * struct e1k_dev -- bar0 mapped, pci.config_fd/config_offset pointing at config
 * space, dev->backend set -- so everything that only uses bar0 and config space
 * (reset, link, MAC, statistics, lab04's rings, lab05's bursts) runs on any
 * backend. The operations that differ go through dev->backend (as ixy's struct
 * ixy_device); lab07 adds a second backend (VFIO) without a change here:
 *
 *   e1k_open (UIO) / another backend's   -> open
 *   e1k_close                            -> close
 *   e1k_irq_open / wait / ack (e1k_irq.h) -> irq_open / irq_wait / irq_ack
 */
struct e1k_backend {
	const char *name;                                                /* "uio" */
	int (*open)(struct e1k_dev *dev, const char *where, char *err, size_t err_len);
	void (*close)(struct e1k_dev *dev);
	int (*irq_open)(struct e1k_dev *dev, char *err, size_t err_len);
	int (*irq_wait)(struct e1k_dev *dev, int timeout_ms, uint32_t *count);
	uint32_t (*irq_ack)(struct e1k_dev *dev);
};

/* sysfs + UIO: open = e1k_open, interrupts = e1k_uio_irq_* (e1k_irq.h). */
extern const struct e1k_backend e1k_uio_backend;

/* Open the device at `where` (PCI address or directory) through sysfs and UIO
 * (dev->backend = &e1k_uio_backend), enable memory space and bus mastering, map
 * BAR0. 0 or -errno with err saying what to do. */
int e1k_open(struct e1k_dev *dev, const char *where, char *err, size_t err_len);

/* Release the device, whichever backend opened it (dev->backend->close). */
void e1k_close(struct e1k_dev *dev);

/* Mask every interrupt, stop RX and TX, reset the device and wait for the reset
 * to finish. 0, or -ETIMEDOUT if CTRL.RST never cleared. */
int e1k_reset(struct e1k_dev *dev, char *err, size_t err_len);

/* Set link up (auto speed) and wait up to timeout_ms for STATUS.LU.
 * 0, or -ETIMEDOUT with err saying what to check. */
int e1k_link_up(struct e1k_dev *dev, unsigned timeout_ms, char *err, size_t err_len);

/* Read one 16-bit EEPROM word through EERD. 0 or -ETIMEDOUT. */
int e1k_eeprom_read(struct e1k_dev *dev, uint8_t word, uint16_t *value);

/* The MAC address from EEPROM words 0-2 (into dev->mac too). 0 or -errno. */
int e1k_read_mac(struct e1k_dev *dev, uint8_t mac[6], char *err, size_t err_len);

/* The MAC address in receive address register 0 (RAL0/RAH0). 0, or -ENOENT if
 * RAH0.AV (address valid) is clear. */
int e1k_read_ral0(struct e1k_dev *dev, uint8_t mac[6]);

/* Program RAL0/RAH0 with mac and AV, so the NIC accepts frames sent to it. */
void e1k_write_ral0(struct e1k_dev *dev, const uint8_t mac[6]);

/* Everything above in order, as a driver starts: reset, link up, MAC from the
 * EEPROM into RAL0, multicast table cleared, statistics cleared. */
int e1k_init(struct e1k_dev *dev, unsigned link_timeout_ms, char *err, size_t err_len);

/* Read a 32-bit statistics counter and clear it, in a way that is correct on
 * real hardware (clear on read) and on the simulated NIC (cleared by writing 0;
 * hw/sim/README.md). Returns the count since the last call. */
uint32_t e1k_read_stat(struct e1k_dev *dev, uint32_t reg);

#endif
