/*
 * e1k_irq.h — lab02: interrupts in user space through UIO.
 *
 * uio_pci_generic gives each bound device a file /dev/uioN. A blocking read()
 * of 4 bytes returns when the device raises its (legacy INTx) interrupt, with
 * the total number of interrupts so far. The kernel's handler has only masked
 * the line (PCI command bit 10, "interrupt disable") so it stops firing; the
 * driver must then:
 *
 *   1. read ICR to learn the causes (SDM 13.4.17; reading clears them on a real
 *      8254x; writing the bits back also clears them, which QEMU and the
 *      simulated NIC need: "read, then write back" is correct everywhere),
 *   2. handle them,
 *   3. clear command bit 10 in config space to let the next interrupt through.
 *
 * The simulated NIC offers the same read() on <device dir>/irq.
 *
 * e1k_irq_open, e1k_irq_wait and e1k_irq_ack are the driver's calls, for any
 * backend: they ask dev->backend (e1k_dev.h). e1k_uio_irq_* below are the UIO
 * backend's implementation of them (lab07 adds VFIO's).
 * Read: the kernel's Documentation/driver-api/uio-howto.rst ("uio_pci_generic").
 */
#ifndef LAB02_E1K_IRQ_H
#define LAB02_E1K_IRQ_H

#include <stdint.h>

#include "e1k_dev.h"

/* Open the device's interrupt file into dev->irq_fd (dev->backend->irq_open).
 * 0 or -errno with err. */
int e1k_irq_open(struct e1k_dev *dev, char *err, size_t err_len);

/* Unmask interrupt causes (IMS, SDM 13.4.20). */
void e1k_irq_enable(struct e1k_dev *dev, uint32_t causes);

/* Wait up to timeout_ms for an interrupt (dev->backend->irq_wait). Returns 1 and
 * the running interrupt count in *count, 0 on timeout, or -errno. */
int e1k_irq_wait(struct e1k_dev *dev, int timeout_ms, uint32_t *count);

/* After an interrupt: read and clear ICR, let the next interrupt through
 * (dev->backend->irq_ack). Returns the causes. */
uint32_t e1k_irq_ack(struct e1k_dev *dev);

void e1k_irq_close(struct e1k_dev *dev);

/* ---- the UIO backend's interrupts (e1k_uio_backend) ---- */

/* <dir>/irq if it is a FIFO (simulated NIC), else /dev/uioN for the N under
 * <dir>/uio/. 0 or -errno with err. */
int e1k_uio_irq_open(struct e1k_dev *dev, char *err, size_t err_len);

/* poll, then read the 4-byte interrupt count. 1, 0 on timeout, or -errno. */
int e1k_uio_irq_wait(struct e1k_dev *dev, int timeout_ms, uint32_t *count);

/* Read and clear ICR, clear command bit 10 (INTx disable). Returns the causes. */
uint32_t e1k_uio_irq_ack(struct e1k_dev *dev);

#endif
