/*
 * e1k_rx.c — lab04: the receive ring (see e1k_rx.h). SDM 3.2 (receive), 13.4.22
 * (RCTL), 13.4.25-29 (RDBAL .. RDT), 14.4 (receive initialization).
 */
#include "e1k_rx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e1k_mmio.h"

int e1k_ring_size_check(unsigned size, char *err, size_t err_len)
{
	/* TODO 1: Refuse ring sizes the NIC cannot take.
	 *   - RDLEN/TDLEN must be a multiple of 128 bytes (SDM 13.4.27): with
	 *     16-byte descriptors, size must be a multiple of 8.
	 *   - Between E1K_DESC_RING_MIN and E1K_DESC_RING_MAX.
	 *   Return -EINVAL with a message naming the rule and a good size. */
	(void)size;
	snprintf(err, err_len, "TODO 1 is not done yet (e1k_ring_size_check)");
	return -ENOSYS;
}

int e1k_rctl_bsize(unsigned buf_size, uint32_t *bits)
{
	switch (buf_size) {   /* SDM 13.4.22, BSEX = 0 */
	case 2048: *bits = E1K_RCTL_BSIZE_2048; return 0;
	case 1024: *bits = E1K_RCTL_BSIZE_1024; return 0;
	case 512: *bits = E1K_RCTL_BSIZE_512; return 0;
	case 256: *bits = E1K_RCTL_BSIZE_256; return 0;
	default: return -1;
	}
}

int e1k_rx_ring_init(struct e1k_dev *dev, struct e1k_rx_ring *rx, unsigned size,
		     struct e1k_mempool *pool, char *err, size_t err_len)
{
	memset(rx, 0, sizeof(*rx));
	int rc = e1k_ring_size_check(size, err, err_len);
	if (rc != 0)
		return rc;
	uint32_t bsize;
	if (e1k_rctl_bsize(pool->buf_size, &bsize) != 0) {
		snprintf(err, err_len, "buffers of %u bytes: the NIC's RX buffer sizes are 256, 512, 1024 "
			 "or 2048 bytes (RCTL.BSIZE, SDM 13.4.22)", pool->buf_size);
		return -EINVAL;
	}
	rx->size = size;
	rx->pool = pool;
	rx->bufs = calloc(size, sizeof(*rx->bufs));
	if (!rx->bufs) {
		snprintf(err, err_len, "out of memory for %u buffer pointers", size);
		return -ENOMEM;
	}

	/* TODO 2: The ring in DMA memory, a buffer in every descriptor.
	 *   1. e1k_dma_alloc(&rx->mem, size * sizeof(struct e1k_rx_desc), ...):
	 *      zeroed, physically contiguous, page aligned (SDM wants 16 bytes).
	 *      rx->desc points at rx->mem.virt.
	 *   2. For every descriptor i: a buffer from the pool (e1k_buf_alloc; NULL
	 *      means the pool is too small: -ENOMEM, say so); desc[i].addr =
	 *      the buffer's *physical* address (buf->phys, never buf->data!),
	 *      status 0; remember it in rx->bufs[i].
	 *   On an error free what you took (e1k_rx_ring_free does it). */
	(void)dev;
	snprintf(err, err_len, "TODO 2 is not done yet (e1k_rx_ring_init)");
	return -ENOSYS;

	/* TODO 3: Tell the NIC where the ring is, then switch the receiver on.
	 *   1. RDBAL/RDBAH = the ring's physical address (low/high 32 bits),
	 *      RDLEN = size * 16 bytes, RDH = 0, RDT = size - 1 (all buffers but
	 *      one handed over), RDTR = 0 (no receive delay).
	 *   2. Only then RCTL = EN | BAM (broadcasts) | SECRC (strip the FCS) |
	 *      the BSIZE bits above. Enabling RX before the ring is programmed lets
	 *      the NIC DMA through a stale base address.
	 * Read: SDM 14.4 "Receive Initialization", 13.4.22 RCTL. */
	(void)bsize;
	return 0;
}

/* Put a fresh buffer into descriptor i and give it back to the NIC. */
static void recycle(struct e1k_dev *dev, struct e1k_rx_ring *rx, unsigned i, struct e1k_buf *fresh)
{
	rx->bufs[i] = fresh;
	rx->desc[i].addr = fresh->phys;
	rx->desc[i].status = 0;   /* the NIC sets DD; a stale DD would fool us next round */
	e1k_write32(dev->bar0, E1K_RDT, i);   /* release fence inside: descriptor first */
}

int e1k_rx_one(struct e1k_dev *dev, struct e1k_rx_ring *rx, struct e1k_buf **out)
{
	/* TODO 4: Receive one frame.
	 *   1. i = rx->next. Read desc[i].status once (volatile); no DD: return 0.
	 *      After seeing DD, an acquire fence before reading length, errors
	 *      and the data: the NIC wrote them before DD (SDM 3.2.3).
	 *   2. No EOP: the frame spans several buffers. Drop the whole frame:
	 *      recycle every descriptor up to and including the one with EOP
	 *      (each keeps its own buffer), count rx->dropped_spanning, return 0.
	 *      (If the rest of it has not arrived yet, wait: return 0 without
	 *      consuming anything.)
	 *   3. errors != 0 (valid with EOP): recycle, count dropped_errors, 0.
	 *   4. Otherwise take a fresh buffer from the pool. None: recycle the
	 *      old one (the frame is dropped, dropped_no_buf). Else hand the
	 *      old buffer out with buf->len = desc length, recycle with the
	 *      fresh one, count packets and bytes, return 1.
	 *   recycle() writes RDT = i: the slot just used becomes the empty one.
	 *   Always advance rx->next past what you consumed (e1k_desc_next wraps). */
	(void)dev; (void)rx; (void)out; (void)recycle;
	return 0;
}

void e1k_rx_ring_free(struct e1k_dev *dev, struct e1k_rx_ring *rx)
{
	/* Stop the NIC first: it must not write into buffers we give back. */
	if (dev->bar0)
		e1k_write32(dev->bar0, E1K_RCTL, 0);
	if (rx->bufs) {
		for (unsigned i = 0; i < rx->size; i++)
			if (rx->bufs[i])
				e1k_buf_free(rx->bufs[i]);
		free(rx->bufs);
	}
	if (rx->mem.virt)
		e1k_dma_free(&rx->mem);
	memset(rx, 0, sizeof(*rx));
}
