/*
 * fwd.h — lab05: the forwarder's inner loop, one round:
 *
 *     in port RX --burst--> [ rewrite MACs ] --burst--> out port TX
 *                                                   \--> refused: freed, counted
 *
 * Two ports (in != out) forward as they are; one port (in == out) reflects:
 * source and destination MAC are swapped so the frame goes back where it came
 * from. Every frame received is either queued for sending or counted in
 * `dropped`: rx == tx + dropped, always.
 */
#ifndef LAB05_FWD_H
#define LAB05_FWD_H

#include <stdint.h>

#include "e1k_port.h"

struct fwd_stats {
	uint64_t rx;        /* frames taken from the in port */
	uint64_t tx;        /* frames queued on the out port */
	uint64_t dropped;   /* frames the out port refused (its ring was full) */
};

/* One round of at most burst frames. Returns how many were received. */
unsigned fwd_round(struct e1k_port *in, struct e1k_port *out, unsigned burst, struct fwd_stats *st);

/* Swap the destination and source MAC of an Ethernet frame. */
void fwd_swap_macs(uint8_t *frame);

#endif
