/*
 * e1k_tx.h — lab04: the transmit descriptor ring (SDM 3.3, 3.4).
 *
 *        +--------+--------+--------+--------+--------+--------+--------+--------+
 *        |   0    |   1    |   2    |   3    |   4    |   5    |   6    |   7    |
 *        +--------+--------+--------+--------+--------+--------+--------+--------+
 *            ^ clean              ^ TDH (NIC sends from here)     ^ TDT = tail
 *            |<- sent: DD set, ->|<-- queued frames, the NIC's -->|<-- free slots
 *               buffers to free
 *
 * We fill the descriptor at `tail` (buffer address, length, EOP|IFCS|RS), move
 * tail on and write it to TDT: the NIC now owns TDH .. TDT-1. When it has sent
 * a frame it writes DD into the descriptor (because we asked with RS) and moves
 * TDH on. Reclaim walks from `clean` while DD is set and frees the buffers.
 * TDH == TDT means the queue is empty, so at most size - 1 frames are queued.
 */
#ifndef LAB04_E1K_TX_H
#define LAB04_E1K_TX_H

#include <stdint.h>

#include "dma_mem.h"
#include "e1000_regs.h"
#include "e1k_dev.h"
#include "e1k_rx.h"
#include "mempool.h"

struct e1k_tx_ring {
	struct e1k_dma mem;
	volatile struct e1k_tx_desc *desc;
	unsigned size;
	unsigned tail;          /* the next free descriptor (what TDT holds) */
	unsigned clean;         /* the oldest descriptor not yet reclaimed */
	struct e1k_buf **bufs;  /* bufs[i]: the buffer queued in descriptor i */
	/* counters */
	uint64_t packets, bytes;
	uint64_t full;          /* sends refused because the ring was full */
};

/* Allocate the ring, program TDBAL/TDBAH/TDLEN/TDH/TDT and TIPG, and enable the
 * transmitter. 0 or -errno with err. */
int e1k_tx_ring_init(struct e1k_dev *dev, struct e1k_tx_ring *tx, unsigned size,
		     char *err, size_t err_len);

/* Queue buf (buf->len bytes, 60..1514) for sending. The ring owns the buffer
 * until e1k_tx_reclaim frees it. 0, -EBUSY when the ring is full (reclaim
 * first), or -EINVAL for a bad length. */
int e1k_tx_one(struct e1k_dev *dev, struct e1k_tx_ring *tx, struct e1k_buf *buf);

/* Free the buffers of every frame the NIC has sent. Returns how many. */
unsigned e1k_tx_reclaim(struct e1k_tx_ring *tx);

/* Frames queued and not yet reclaimed. */
unsigned e1k_tx_in_flight(const struct e1k_tx_ring *tx);

/* Disable the transmitter, then free the ring and every buffer still in it. */
void e1k_tx_ring_free(struct e1k_dev *dev, struct e1k_tx_ring *tx);

#endif
