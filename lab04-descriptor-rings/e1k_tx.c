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
	(void)dev;
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
	(void)dev; (void)tx;
	return -ENOSYS;
}

unsigned e1k_tx_reclaim(struct e1k_tx_ring *tx)
{
	/* TODO 7: Free what the NIC has sent.
	 *   From tx->clean up to (not including) tx->tail: stop at the first
	 *   descriptor whose status has no DD. For each one with DD: free its
	 *   buffer (e1k_buf_free), forget it (bufs[i] = NULL), move clean on.
	 *   An acquire fence after seeing DD, before touching the buffer.
	 *   Return how many were freed. */
	(void)tx;
	return 0;
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
