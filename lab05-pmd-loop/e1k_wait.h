/*
 * e1k_wait.h — lab05: interrupt mode, the alternative to busy-polling.
 *
 *   poll mode:       for (;;) { n = rx_burst(); ... }            one core at 100 %,
 *                                                                 a frame is seen within
 *                                                                 one loop (~100 ns)
 *   interrupt mode:  for (;;) { e1k_rx_wait(); drain with rx_burst(); }
 *                    the thread sleeps in read(irq) until the NIC raises RXT0
 *                    ("receiver timer", SDM 3.2.7, 13.4.17): CPU near 0 % when idle,
 *                    but every wake-up costs a kernel round trip and a reschedule
 *                    (microseconds), and UIO needs INTx re-enabled each time.
 *
 * DPDK applications mix both ("interrupt mode" in l3fwd-power): poll while busy,
 * sleep after a number of empty polls. The sink's --irq option measures the pure
 * interrupt mode against polling.
 */
#ifndef LAB05_E1K_WAIT_H
#define LAB05_E1K_WAIT_H

#include <stddef.h>

#include "e1k_dev.h"
#include "e1k_rx.h"

/* Open the interrupt file (lab02: e1k_irq_open), set RDTR = 0 (an RXT0 per
 * received frame, no delay, SDM 13.4.30) and unmask RXT0 and RXO (IMS,
 * SDM 13.4.20). 0 or -errno with err. */
int e1k_rx_irq_setup(struct e1k_dev *dev, char *err, size_t err_len);

/* Sleep until the RX ring may have frames. Returns 1 at once if the next
 * descriptor already has DD; else waits up to timeout_ms for an interrupt,
 * acknowledges it (lab02: e1k_irq_ack) and returns 1. 0 on timeout, -errno. */
int e1k_rx_wait(struct e1k_dev *dev, struct e1k_rx_ring *rx, int timeout_ms);

#endif
