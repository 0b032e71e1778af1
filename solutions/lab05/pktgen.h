/*
 * pktgen.h — lab05: what the generator sends and when: the kit's test frame
 * (common/frame.h: Ethernet/IPv4/UDP, sequence number, transmit timestamp) at
 * a chosen rate.
 *
 *   rate control by "due" counting, never by sleeping a fixed time per frame:
 *
 *     frames due at time t = rate * (t - start)      (capped at count)
 *     send min(due - sent, burst) now; if nothing is due, poll again
 *
 *   so a late wake-up is caught up by the next bursts and the long-run rate is
 *   exact, whatever the burst size.
 */
#ifndef LAB05_PKTGEN_H
#define LAB05_PKTGEN_H

#include <stdint.h>

#include "frame.h"
#include "mempool.h"

struct pktgen {
	uint8_t template_frame[KIT_FRAME_MAX];   /* built once; per frame only seq + time change */
	unsigned frame_len;
	uint64_t rate_pps;     /* 0: as fast as possible */
	uint64_t count;        /* frames in all; 0: unlimited */
	uint64_t start_ns;
	uint64_t seq;          /* the next sequence number = frames handed out so far */
};

/* 0, or -1 when frame_len is outside KIT_FRAME_MIN..KIT_FRAME_MAX. */
int pktgen_init(struct pktgen *g, const struct kit_flow *flow, unsigned frame_len,
		uint64_t rate_pps, uint64_t count, uint64_t start_ns);

/* How many frames may be sent at now_ns, at most max. */
unsigned pktgen_due(const struct pktgen *g, uint64_t now_ns, unsigned max);

/* Write the next n frames (sequence numbers g->seq ..) stamped now_ns into
 * bufs[0..n-1] (buf->len set) and advance g->seq. */
void pktgen_fill(struct pktgen *g, struct e1k_buf **bufs, unsigned n, uint64_t now_ns);

/* The last n frames were not sent (the TX ring refused them): their sequence
 * numbers are used again by the next pktgen_fill. */
void pktgen_unfill(struct pktgen *g, unsigned n);

#endif
