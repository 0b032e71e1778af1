/*
 * e1k_burst.c — lab05: receive and send in bursts (see e1k_burst.h).
 * SDM 3.2.3 (RX descriptor, DD/EOP), 3.2.6 (RX ring, RDH/RDT), 3.3.3 (TX
 * descriptor, RS/DD), 3.4 (TX ring, TDH/TDT).
 */
#include "e1k_burst.h"

#include <errno.h>
#include <time.h>

#include "frame.h"
#include "e1k_mmio.h"

/* Give descriptor i back to the NIC with buffer buf, without a doorbell: the
 * caller writes RDT once for the whole burst. Status 0: a stale DD would make
 * us take the same descriptor again next time round (SDM 3.2.3). */
static void rx_refill(struct e1k_rx_ring *rx, unsigned i, struct e1k_buf *buf)
{
	rx->bufs[i] = buf;
	rx->desc[i].addr = buf->phys;
	rx->desc[i].status = 0;
}

/* The frame at rx->next spans several buffers (DD without EOP, SDM 3.2.3.1).
 * Drop all of it, each descriptor keeping its own buffer, and count it once.
 * Returns 1, or 0 when its last part (EOP) has not arrived yet. */
static int rx_drop_spanning_frame(struct e1k_rx_ring *rx)
{
	unsigned last = rx->next, parts = 1;
	while (!(rx->desc[last].status & E1K_RXD_STAT_EOP)) {
		last = e1k_desc_next(last, rx->size);
		if (++parts > rx->size || !(rx->desc[last].status & E1K_RXD_STAT_DD))
			return 0;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (unsigned k = 0; k < parts; k++) {
		rx_refill(rx, rx->next, rx->bufs[rx->next]);
		rx->next = e1k_desc_next(rx->next, rx->size);
	}
	rx->dropped_spanning++;
	return 1;
}

unsigned e1k_rx_burst(struct e1k_dev *dev, struct e1k_rx_ring *rx, struct e1k_buf **bufs, unsigned n)
{
	if (n > E1K_BURST_MAX)
		n = E1K_BURST_MAX;
	unsigned first = rx->next;   /* to know whether anything was consumed */

	/* Frames spanning buffers are rare (BSIZE smaller than the frame): drop
	 * them here, before counting, so the loops below see whole frames only. */
	while ((rx->desc[rx->next].status & (E1K_RXD_STAT_DD | E1K_RXD_STAT_EOP)) == E1K_RXD_STAT_DD)
		if (!rx_drop_spanning_frame(rx))
			break;

	/* TODO 1: How many frames are ready?
	 *   Walk from rx->next while the descriptor's status has DD *and* EOP, at
	 *   most n of them (e1k_desc_next wraps): that is `done`. Stop at a DD
	 *   without EOP (a spanning frame: the next call drops it).
	 *   Then one acquire fence: the NIC wrote length, errors and the frame
	 *   before it set DD (SDM 3.2.3), so read them only after seeing DD.
	 *   One fence for the whole burst, not one per frame.
	 * Read: SDM 3.2.3.1 (status bits). */
	unsigned done = 0;
	// BEGIN SOLUTION 1
	for (unsigned i = rx->next; done < n; i = e1k_desc_next(i, rx->size)) {
		uint8_t status = rx->desc[i].status;
		if ((status & (E1K_RXD_STAT_DD | E1K_RXD_STAT_EOP)) != (E1K_RXD_STAT_DD | E1K_RXD_STAT_EOP))
			break;
		done++;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	// PLACEHOLDER 1
	// (void)n;
	// END SOLUTION 1

	/* TODO 2: Take the frames, refill in bulk, one doorbell.
	 *   1. fresh[]: `done` new buffers with ONE e1k_buf_alloc_bulk (all or
	 *      nothing). If it fails, take what the pool still has
	 *      (rx->pool->free_count, again in one call): frames without a fresh
	 *      buffer are dropped below (rx->dropped_no_buf).
	 *   2. For each of the `done` descriptors i = rx->next ...:
	 *      - errors != 0 (SDM 3.2.3.2): rx_refill(rx, i, rx->bufs[i]) (keep
	 *        its own buffer), rx->dropped_errors++;
	 *      - no fresh buffer left: the same, rx->dropped_no_buf++;
	 *      - else: frame = rx->bufs[i], frame->len = desc length, hand it out
	 *        in bufs[got++], rx_refill(rx, i, fresh buffer), count packets
	 *        and bytes. __builtin_prefetch(frame->data) helps the caller,
	 *        which reads the headers next (bring them in while we work).
	 *      rx->next moves on (e1k_desc_next).
	 *   3. Fresh buffers not used (error frames): e1k_buf_free_bulk.
	 *   4. If anything was consumed (rx->next != first): ONE write,
	 *      RDT = the last descriptor consumed = e1k_desc_prev(rx->next, size).
	 *      e1k_write32's release fence orders the refills before it.
	 *   Return got. */
	// BEGIN SOLUTION 2
	struct e1k_buf *fresh[E1K_BURST_MAX];
	unsigned nfresh = done ? e1k_buf_alloc_bulk(rx->pool, fresh, done) : 0;
	if (nfresh == 0 && done > 0 && rx->pool->free_count > 0)
		nfresh = e1k_buf_alloc_bulk(rx->pool, fresh, rx->pool->free_count < done ?
					    rx->pool->free_count : done);
	unsigned got = 0, used = 0;
	for (unsigned k = 0; k < done; k++) {
		unsigned i = rx->next;
		volatile struct e1k_rx_desc *d = &rx->desc[i];
		if (d->errors) {
			rx_refill(rx, i, rx->bufs[i]);
			rx->dropped_errors++;
		} else if (used == nfresh) {
			rx_refill(rx, i, rx->bufs[i]);
			rx->dropped_no_buf++;
		} else {
			struct e1k_buf *frame = rx->bufs[i];
			__builtin_prefetch(frame->data);
			frame->len = d->length;
			bufs[got++] = frame;
			rx_refill(rx, i, fresh[used++]);
			rx->packets++;
			rx->bytes += frame->len;
		}
		rx->next = e1k_desc_next(i, rx->size);
	}
	if (used < nfresh)
		e1k_buf_free_bulk(fresh + used, nfresh - used);
	if (rx->next != first)
		e1k_write32(dev->bar0, E1K_RDT, e1k_desc_prev(rx->next, rx->size));
	return got;
	// PLACEHOLDER 2
	// (void)dev; (void)bufs; (void)first; (void)done; (void)rx_refill;
	// return 0;
	// END SOLUTION 2
}

unsigned e1k_tx_rs_thresh(const struct e1k_tx_ring *tx)
{
	return tx->size / 4 < E1K_TX_RS_THRESH ? tx->size / 4 : E1K_TX_RS_THRESH;
}

int e1k_tx_wants_rs(const struct e1k_tx_ring *tx, unsigned i)
{
	return (i + 1) % e1k_tx_rs_thresh(tx) == 0 || i == tx->size - 1;
}

unsigned e1k_tx_burst(struct e1k_dev *dev, struct e1k_tx_ring *tx, struct e1k_buf **bufs, unsigned n)
{
	/* TODO 3: Queue a burst with one doorbell.
	 *   1. room = size - 1 - e1k_tx_in_flight(tx) (one slot stays empty).
	 *      If room < n or room < e1k_tx_rs_thresh(tx): e1k_tx_burst_reclaim
	 *      first, then recompute room. Take min(n, room); frames that do
	 *      not fit stay the caller's and are counted in tx->full.
	 *   2. For each frame taken: stop at a length outside
	 *      KIT_FRAME_MIN..KIT_FRAME_MAX (it and the rest stay the caller's).
	 *      desc[tail]: addr = buf->phys, length, cmd = EOP | IFCS, plus RS
	 *      only where e1k_tx_wants_rs(tx, tail); status 0. bufs[tail] = buf,
	 *      tail moves on (e1k_desc_next); count packets and bytes.
	 *   3. ONE write TDT = tail if anything was queued (release fence inside
	 *      e1k_write32: descriptors first, doorbell second). Return taken.
	 * Read: SDM 3.3.3.1 (RS), 3.4 (TDT). */
	// BEGIN SOLUTION 3
	unsigned room = tx->size - 1 - e1k_tx_in_flight(tx);
	if (room < n || room < e1k_tx_rs_thresh(tx)) {
		e1k_tx_burst_reclaim(tx);
		room = tx->size - 1 - e1k_tx_in_flight(tx);
	}
	if (n > room) {
		tx->full += n - room;
		n = room;
	}
	unsigned taken = 0;
	for (; taken < n; taken++) {
		struct e1k_buf *buf = bufs[taken];
		if (buf->len < KIT_FRAME_MIN || buf->len > KIT_FRAME_MAX)
			break;
		volatile struct e1k_tx_desc *d = &tx->desc[tx->tail];
		d->addr = buf->phys;
		d->length = buf->len;
		d->cso = 0;
		d->cmd = E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS |
			 (e1k_tx_wants_rs(tx, tx->tail) ? E1K_TXD_CMD_RS : 0);
		d->status = 0;
		d->css = 0;
		d->special = 0;
		tx->bufs[tx->tail] = buf;
		tx->tail = e1k_desc_next(tx->tail, tx->size);
		tx->packets++;
		tx->bytes += buf->len;
	}
	if (taken > 0)
		e1k_write32(dev->bar0, E1K_TDT, tx->tail);
	return taken;
	// PLACEHOLDER 3
	// (void)dev; (void)tx; (void)bufs; (void)n;
	// return 0;
	// END SOLUTION 3
}

unsigned e1k_tx_burst_reclaim(struct e1k_tx_ring *tx)
{
	/* TODO 4: Reclaim whole groups.
	 *   Only descriptors with RS get DD written back (SDM 3.3.3.2), and the
	 *   NIC processes descriptors in order: DD on a group's RS descriptor
	 *   means the whole group was sent. Loop:
	 *     - end = the first descriptor from tx->clean for which
	 *       e1k_tx_wants_rs() is true;
	 *     - stop if end is not queued yet (its distance from clean is at
	 *       least e1k_tx_in_flight(tx)) or its status has no DD;
	 *     - acquire fence, then free bufs[clean .. end] (e1k_buf_free, or
	 *       collect them and e1k_buf_free_bulk), set them to NULL, clean =
	 *       e1k_desc_next(end), clear end's status.
	 *   Return how many buffers were freed. */
	// BEGIN SOLUTION 4
	unsigned freed = 0;
	for (;;) {
		unsigned in_flight = e1k_tx_in_flight(tx);
		unsigned end = tx->clean, dist = 0;
		while (!e1k_tx_wants_rs(tx, end)) {
			end = e1k_desc_next(end, tx->size);
			dist++;
		}
		if (dist >= in_flight || !(tx->desc[end].status & E1K_TXD_STAT_DD))
			break;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		for (unsigned k = 0; k <= dist; k++) {
			e1k_buf_free(tx->bufs[tx->clean]);
			tx->bufs[tx->clean] = NULL;
			tx->clean = e1k_desc_next(tx->clean, tx->size);
		}
		tx->desc[end].status = 0;
		freed += dist + 1;
	}
	return freed;
	// PLACEHOLDER 4
	// (void)tx;
	// return 0;
	// END SOLUTION 4
}

int e1k_tx_wait_sent(struct e1k_dev *dev, struct e1k_tx_ring *tx, unsigned timeout_ms)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* TDH catches up with TDT once every queued descriptor was processed
	 * (SDM 3.4); then no buffer is in the NIC's hands any more. */
	while (e1k_read32(dev->bar0, E1K_TDH) != tx->tail) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms > (long)timeout_ms)
			return -ETIMEDOUT;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	while (tx->clean != tx->tail) {
		e1k_buf_free(tx->bufs[tx->clean]);
		tx->bufs[tx->clean] = NULL;
		tx->desc[tx->clean].status = 0;
		tx->clean = e1k_desc_next(tx->clean, tx->size);
	}
	return 0;
}
