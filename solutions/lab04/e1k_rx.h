/*
 * e1k_rx.h — lab04: the receive descriptor ring (SDM 3.2).
 *
 *   descriptors in DMA memory, 16 bytes each (struct e1k_rx_desc):
 *
 *        +--------+--------+--------+--------+--------+--------+--------+--------+
 *        |   0    |   1    |   2    |   3    |   4    |   5    |   6    |   7    |
 *        +--------+--------+--------+--------+--------+--------+--------+--------+
 *            ^ next (software checks DD here)     ^ RDH (hardware fills here)    ^ RDT
 *            |<-- done: DD set, ours to read -->|<-- empty buffers, the NIC's --->|
 *
 * The NIC owns descriptors RDH .. RDT-1: each holds the physical address of an
 * empty buffer. It writes a received frame into the buffer at RDH, then sets the
 * descriptor's DD (descriptor done) bit and moves RDH on. We read descriptors
 * from `next` while DD is set, hand the frame out, put a fresh buffer in the
 * descriptor, clear its status, and give it back by moving RDT. One slot always
 * stays empty: RDH == RDT means "no buffers", never "all buffers".
 */
#ifndef LAB04_E1K_RX_H
#define LAB04_E1K_RX_H

#include <stddef.h>
#include <stdint.h>

#include "dma_mem.h"
#include "e1000_regs.h"
#include "e1k_desc_ring.h"
#include "e1k_dev.h"
#include "mempool.h"


struct e1k_rx_ring {
	struct e1k_dma mem;                 /* the descriptors */
	volatile struct e1k_rx_desc *desc;
	unsigned size;                      /* descriptors */
	unsigned next;                      /* the next descriptor to check for DD */
	struct e1k_buf **bufs;              /* bufs[i]: the buffer in descriptor i */
	struct e1k_mempool *pool;           /* where fresh buffers come from */
	/* counters */
	uint64_t packets, bytes;
	uint64_t dropped_spanning;          /* frames that spanned buffers (no EOP) */
	uint64_t dropped_errors;            /* frames with an error bit (SDM 3.2.3.2) */
	uint64_t dropped_no_buf;            /* frames dropped because the pool was empty */
};

/* Check a ring size: E1K_DESC_RING_MIN .. E1K_DESC_RING_MAX and a multiple of 8.
 * 0, or -EINVAL with err saying why. */
int e1k_ring_size_check(unsigned size, char *err, size_t err_len);

/* The RCTL.BSIZE bits for a buffer size: 2048, 1024, 512 or 256 bytes.
 * Returns -1 for any other size. */
int e1k_rctl_bsize(unsigned buf_size, uint32_t *bits);

/* Allocate the ring, fill every descriptor with a buffer from pool, program the
 * NIC (RDBAL/RDBAH/RDLEN/RDH/RDT) and enable the receiver. 0 or -errno. */
int e1k_rx_ring_init(struct e1k_dev *dev, struct e1k_rx_ring *rx, unsigned size,
		     struct e1k_mempool *pool, char *err, size_t err_len);

/* Take one received frame, if there is one: returns 1 and the buffer (buf->len
 * bytes; the caller frees it), or 0 when the ring has nothing new. Frames with
 * errors or spanning several buffers are dropped and counted, never returned. */
int e1k_rx_one(struct e1k_dev *dev, struct e1k_rx_ring *rx, struct e1k_buf **out);

/* Disable the receiver, then free the ring and every buffer it holds. */
void e1k_rx_ring_free(struct e1k_dev *dev, struct e1k_rx_ring *rx);

#endif
