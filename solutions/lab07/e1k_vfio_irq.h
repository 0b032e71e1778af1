/*
 * e1k_vfio_irq.h — lab07: interrupts through VFIO.
 *
 * The 82540EM raises a legacy INTx interrupt (SDM 13.4.17-20). With UIO (lab02)
 * the kernel masked it with the PCI command bit 10 and woke a read() of
 * /dev/uioN. With VFIO:
 *
 *   eventfd(2)                 a counter the kernel adds 1 to per interrupt
 *   VFIO_DEVICE_SET_IRQS       INTx -> that eventfd (DATA_EVENTFD | ACTION_TRIGGER)
 *   interrupt arrives          vfio-pci masks INTx ("automasked") and signals it
 *   read(eventfd, 8 bytes)     how many interrupts since the last read
 *   read ICR, write it back    the causes (SDM 13.4.17), cleared
 *   VFIO_DEVICE_SET_IRQS       DATA_NONE | ACTION_UNMASK: the next INTx may come
 *
 * They are e1k_vfio_backend's interrupt operations: lab02's e1k_irq_open/wait/ack
 * call them through dev->backend, so lab05's interrupt mode runs unchanged.
 * Read: linux/vfio.h VFIO_DEVICE_SET_IRQS, VFIO_DEVICE_GET_IRQ_INFO; eventfd(2).
 */
#ifndef LAB07_E1K_VFIO_IRQ_H
#define LAB07_E1K_VFIO_IRQ_H

#include <stddef.h>
#include <stdint.h>

#include "e1k_dev.h"

/* Connect the device's INTx to a new eventfd in dev->irq_fd. 0 or -errno. */
int e1k_vfio_irq_open(struct e1k_dev *dev, char *err, size_t err_len);

/* Wait up to timeout_ms for an interrupt: 1 with the running count of
 * interrupts in *count, 0 on timeout, or -errno. */
int e1k_vfio_irq_wait(struct e1k_dev *dev, int timeout_ms, uint32_t *count);

/* Read and clear ICR, unmask INTx. Returns the causes. */
uint32_t e1k_vfio_irq_ack(struct e1k_dev *dev);

/* Disconnect INTx from the eventfd (e1k_close does this). */
void e1k_vfio_irq_disarm(struct e1k_dev *dev);

#endif
