/*
 * e1k_burst.h — lab05: the poll-mode loop's two verbs, receive a burst and send
 * a burst (SDM 3.2, 3.3, 3.4). They work on lab04's rings.
 *
 *   RX, one call:                           TX, one call:
 *   +---+---+---+---+---+---+---+---+       +---+---+---+---+---+---+---+---+
 *   | D | D | D | D | . | . | . | - |       | s | s | s | q | q | n | n | n |
 *   +---+---+---+---+---+---+---+---+       +---+---+---+---+---+---+---+---+
 *     ^next          ^RDH       ^RDT          ^clean      ^TDH  ^tail (TDT)
 *   take every D (up to n), swap in         s = sent, reclaimed in groups of
 *   fresh buffers taken in ONE bulk         `thresh` (only the last of a group
 *   alloc, then ONE write: RDT = last       has RS, so only it gets DD);
 *   slot taken.                             n = the new frames of this burst,
 *                                           then ONE write: TDT = tail.
 *
 * A write to RDT/TDT (the doorbell) is an uncached store that leaves the core
 * and crosses the bus: hundreds of cycles on real hardware, a trap into the
 * hypervisor on QEMU. One per burst instead of one per frame is most of the
 * speed-up of this lab.
 */
#ifndef LAB05_E1K_BURST_H
#define LAB05_E1K_BURST_H

#include <stdint.h>

#include "e1k_dev.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "mempool.h"

#define E1K_BURST_MAX    256   /* the largest burst one call handles */
#define E1K_TX_RS_THRESH 32    /* RS on every 32nd TX descriptor (fewer on small rings) */

/* Up to n received frames into bufs[0..]; returns how many. Each buffer holds
 * buf->len bytes and belongs to the caller (free it, or send it). Frames with
 * errors, frames spanning several buffers and frames for which the pool had no
 * fresh buffer are dropped and counted in the ring (lab04's counters). One RDT
 * write per call that consumed anything; fresh buffers come from one
 * e1k_buf_alloc_bulk. n above E1K_BURST_MAX is treated as E1K_BURST_MAX. */
unsigned e1k_rx_burst(struct e1k_dev *dev, struct e1k_rx_ring *rx, struct e1k_buf **bufs, unsigned n);

/* Queue up to n frames (bufs[0..n-1], buf->len bytes each, 60..1514) with one
 * TDT write; returns how many were taken. The ring owns those buffers now; the
 * rest (bufs[taken..n-1]) stay the caller's: the ring was full (counted in
 * tx->full), or bufs[taken] has a bad length. When the ring is short of room it
 * first reclaims sent buffers (e1k_tx_burst_reclaim). */
unsigned e1k_tx_burst(struct e1k_dev *dev, struct e1k_tx_ring *tx, struct e1k_buf **bufs, unsigned n);

/* The RS threshold of a ring: E1K_TX_RS_THRESH, or size / 4 on small rings. */
unsigned e1k_tx_rs_thresh(const struct e1k_tx_ring *tx);

/* 1 when e1k_tx_burst sets RS in descriptor i: the last of every group of
 * thresh descriptors, and the ring's last descriptor. */
int e1k_tx_wants_rs(const struct e1k_tx_ring *tx, unsigned i);

/* Free the buffers of every whole group the NIC has sent (its RS descriptor
 * shows DD). Returns how many buffers were freed. */
unsigned e1k_tx_burst_reclaim(struct e1k_tx_ring *tx);

/* Wait up to timeout_ms until the NIC has sent everything queued (TDH == TDT),
 * then free every buffer still in the ring. Returns 0, or -ETIMEDOUT. */
int e1k_tx_wait_sent(struct e1k_dev *dev, struct e1k_tx_ring *tx, unsigned timeout_ms);

#endif
