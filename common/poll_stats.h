/*
 * poll_stats.h — what a polling loop's time went to: the bench's "busy cycles".
 *
 * A poll-mode loop spends its core on two kinds of calls: polls that found
 * work (a burst of at least one packet) and polls that found none. Wall time
 * over packets mixes the two, so it measures whoever feeds the loop (a slow
 * generator makes the driver look slow). Counting only the TSC cycles of the
 * polls that returned packets gives the driver's own cost per packet; the
 * share of empty polls says how often the loop waited; the histogram of burst
 * fill (packets per busy poll, in powers of two) says whether batching had
 * anything to batch. (The same split as DPDK testpmd's --record-core-cycles
 * and --record-burst-stats.)
 *
 *   uint64_t t0 = kit_rdtsc();
 *   unsigned n = e1k_rx_burst(...);   ... work on the n packets ...
 *   poll_stats_add(&st, t0, kit_rdtsc(), n);
 *
 * poll_stats_result() prints the fields the bench reads from a RESULT line:
 *   busy_cycles=C  empty_pct=E  fill=1:a,2:b,4:c,...,256:h  capacity_mpps=M
 */
#ifndef BYPASSLAB_POLL_STATS_H
#define BYPASSLAB_POLL_STATS_H

#include <stdint.h>
#include <stdio.h>

/* Burst fill buckets: 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64-127, 128-255, 256. */
#define POLL_FILL_BUCKETS 9

struct poll_stats {
	uint64_t polls;                       /* every call, empty ones included */
	uint64_t empty;                       /* calls that returned no packet */
	uint64_t packets;                     /* packets the busy calls returned */
	uint64_t busy_cycles;                 /* TSC cycles inside the busy calls */
	uint64_t fill[POLL_FILL_BUCKETS];     /* busy calls by packets returned */
};

/* Bucket b holds bursts of 2^b .. 2^(b+1) - 1 packets (the last: 256 and up). */
static inline unsigned poll_fill_bucket(unsigned n)
{
	unsigned b = 0;
	while (n > 1 && b < POLL_FILL_BUCKETS - 1) {
		n >>= 1;
		b++;
	}
	return b;
}

/* One call of the loop: it started at TSC t0, ended at t1, returned n packets. */
static inline void poll_stats_add(struct poll_stats *s, uint64_t t0, uint64_t t1, unsigned n)
{
	s->polls++;
	if (n == 0) {
		s->empty++;
		return;
	}
	s->packets += n;
	s->busy_cycles += t1 - t0;
	s->fill[poll_fill_bucket(n)]++;
}

/* Busy TSC cycles per packet (0 without packets). */
double poll_stats_cycles_per_packet(const struct poll_stats *s);

/* Percent of calls that found nothing. */
double poll_stats_empty_pct(const struct poll_stats *s);

/* One line for people: "busy 31 cycles/packet (capacity 96.8 Mpps per core),
 * 0.2 % empty polls, bursts: 1:12 2:0 ... 32:61000". */
void poll_stats_print(const struct poll_stats *s, const char *tool, FILE *out);

/* The RESULT-line fields (no leading space, no newline):
 * "busy_cycles=31.2 empty_pct=0.2 fill=1:12,2:0,...,256:0 capacity_mpps=96.8". */
void poll_stats_result(const struct poll_stats *s, FILE *out);

#endif
