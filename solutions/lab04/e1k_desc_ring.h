/*
 * e1k_desc_ring.h — lab04: moving around a descriptor ring.
 *
 * A descriptor ring is `size` descriptors of 16 bytes in DMA memory (SDM 3.2.6
 * for receive, 3.4 for transmit). Head and tail are indexes 0 .. size - 1 and
 * wrap from the last descriptor to the first. Every step around a ring in the
 * kit goes through these three functions: one way to write it, and no
 * division on a path that runs for every descriptor.
 */
#ifndef LAB04_E1K_DESC_RING_H
#define LAB04_E1K_DESC_RING_H

#include "e1000_regs.h"

/* RDLEN/TDLEN must be a multiple of 128 bytes (SDM 13.4.27, 13.4.38):
 * a multiple of 8 descriptors. */
#define E1K_DESC_RING_MIN  (E1K_RING_LEN_UNIT / (unsigned)sizeof(struct e1k_rx_desc))
#define E1K_DESC_RING_MAX  4096   /* the kit's limit (the 82540EM allows 65536) */

/* The descriptor after i. */
static inline unsigned e1k_desc_next(unsigned i, unsigned size)
{
	return i + 1 == size ? 0 : i + 1;
}

/* The descriptor before i. */
static inline unsigned e1k_desc_prev(unsigned i, unsigned size)
{
	return i == 0 ? size - 1 : i - 1;
}

/* How many steps forward from `from` to `to` (0 when they are equal). */
static inline unsigned e1k_desc_count(unsigned from, unsigned to, unsigned size)
{
	return to >= from ? to - from : to + size - from;
}

#endif
