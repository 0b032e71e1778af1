/*
 * e1k_tx.c — lab04: the transmit ring (see e1k_tx.h). SDM 3.3 (transmit), 3.4
 * (ring), 13.4.33 (TCTL), 13.4.34 (TIPG), 13.4.36-40 (TDBAL .. TDT), 14.5
 * (transmit initialization).
 */
#include "e1k_tx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "e1k_mmio.h"

int e1k_tx_ring_init(struct e1k_dev *dev, struct e1k_tx_ring *tx, unsigned size,
		     char *err, size_t err_len)
{
	memset(tx, 0, sizeof(*tx));
	int rc = e1k_ring_size_check(size, err, err_len);
	if (rc != 0)
		return rc;
	tx->size = size;
	tx->bufs = calloc(size, sizeof(*tx->bufs));
	if (!tx->bufs) {
		snprintf(err, err_len, "out of memory for %u buffer pointers", size);
		return -ENOMEM;
	}
	rc = e1k_dma_alloc(&tx->mem, size * sizeof(struct e1k_tx_desc), err, err_len);
	if (rc != 0) {
		free(tx->bufs);
		tx->bufs = NULL;
		return rc;
	}
	tx->desc = tx->mem.virt;

	/* TODO 5: Program the transmit side (SDM 14.5 "Transmit Initialization").
	 *   1. TDBAL/TDBAH = the ring's physical address, TDLEN = size * 16,
	 *      TDH = TDT = 0 (empty queue).
	 *   2. TIPG = E1K_TIPG_IEEE (the inter-packet gap for 802.3, SDM 13.4.34).
	 *   3. Last, TCTL = EN | PSP (pad short packets) | CT = 0x0F << 4 |
	 *      COLD = 0x40 << 12 (full duplex), SDM 13.4.33. */
	// BEGIN SOLUTION 5
	e1k_write32(dev->bar0, E1K_TDBAL, (uint32_t)tx->mem.phys);
	e1k_write32(dev->bar0, E1K_TDBAH, (uint32_t)(tx->mem.phys >> 32));
	e1k_write32(dev->bar0, E1K_TDLEN, size * (uint32_t)sizeof(struct e1k_tx_desc));
	e1k_write32(dev->bar0, E1K_TDH, 0);
	e1k_write32(dev->bar0, E1K_TDT, 0);
	e1k_write32(dev->bar0, E1K_TIPG, E1K_TIPG_IEEE);
	e1k_write32(dev->bar0, E1K_TCTL, E1K_TCTL_EN | E1K_TCTL_PSP | 0x0Fu << E1K_TCTL_CT_SHIFT |
		    0x40u << E1K_TCTL_COLD_SHIFT);
	// PLACEHOLDER 5
	// (void)dev;
	// END SOLUTION 5
	return 0;
}

int e1k_tx_one(struct e1k_dev *dev, struct e1k_tx_ring *tx, struct e1k_buf *buf)
{
	if (buf->len < KIT_FRAME_MIN || buf->len > KIT_FRAME_MAX)
		return -EINVAL;

	/* TODO 6: Queue one frame.
	 *   1. Full when the slot after tail is `clean` (one slot stays empty):
	 *      count tx->full, return -EBUSY.
	 *   2. desc[tail]: addr = buf->phys, length = buf->len, cmd = EOP (the
	 *      whole frame is in this buffer) | IFCS (the NIC appends the FCS) |
	 *      RS (write DD back when sent, or reclaim never sees it), status 0.
	 *   3. Remember buf in tx->bufs[tail]; tail moves on (e1k_desc_next); count.
	 *   4. TDT = tail. e1k_write32's release fence makes the descriptor
	 *      visible to the NIC before the doorbell.
	 * Read: SDM 3.3.3 (legacy descriptor), 3.4 (head and tail). */
	// BEGIN SOLUTION 6
	unsigned next = e1k_desc_next(tx->tail, tx->size);
	if (next == tx->clean) {
		tx->full++;
		return -EBUSY;
	}
	volatile struct e1k_tx_desc *d = &tx->desc[tx->tail];
	d->addr = buf->phys;
	d->length = buf->len;
	d->cso = 0;
	d->cmd = E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS | E1K_TXD_CMD_RS;
	d->status = 0;
	d->css = 0;
	d->special = 0;
	tx->bufs[tx->tail] = buf;
	tx->tail = next;
	tx->packets++;
	tx->bytes += buf->len;
	e1k_write32(dev->bar0, E1K_TDT, tx->tail);
	return 0;
	// PLACEHOLDER 6
	// (void)dev; (void)tx;
	// return -ENOSYS;
	// END SOLUTION 6
}

unsigned e1k_tx_reclaim(struct e1k_tx_ring *tx)
{
	/* TODO 7: Free what the NIC has sent.
	 *   From tx->clean up to (not including) tx->tail: stop at the first
	 *   descriptor whose status has no DD. For each one with DD: free its
	 *   buffer (e1k_buf_free), forget it (bufs[i] = NULL), move clean on.
	 *   An acquire fence after seeing DD, before touching the buffer.
	 *   Return how many were freed. */
	// BEGIN SOLUTION 7
	unsigned freed = 0;
	while (tx->clean != tx->tail) {
		if (!(tx->desc[tx->clean].status & E1K_TXD_STAT_DD))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		e1k_buf_free(tx->bufs[tx->clean]);
		tx->bufs[tx->clean] = NULL;
		tx->clean = e1k_desc_next(tx->clean, tx->size);
		freed++;
	}
	return freed;
	// PLACEHOLDER 7
	// (void)tx;
	// return 0;
	// END SOLUTION 7
}

unsigned e1k_tx_in_flight(const struct e1k_tx_ring *tx)
{
	return e1k_desc_count(tx->clean, tx->tail, tx->size);
}

void e1k_tx_ring_free(struct e1k_dev *dev, struct e1k_tx_ring *tx)
{
	if (dev->bar0)
		e1k_write32(dev->bar0, E1K_TCTL, 0);
	if (tx->bufs) {
		for (unsigned i = 0; i < tx->size; i++)
			if (tx->bufs[i])
				e1k_buf_free(tx->bufs[i]);
		free(tx->bufs);
	}
	if (tx->mem.virt)
		e1k_dma_free(&tx->mem);
	memset(tx, 0, sizeof(*tx));
}
