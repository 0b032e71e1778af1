/*
 * pktsink.h — lab05: what the sink learns from the frames it receives:
 * received, lost, reordered, duplicated (common/seqtrack.h), frames that are
 * not the kit's, and a latency histogram from the transmit timestamps.
 *
 *   histogram bucket b counts latencies in [2^b, 2^(b+1)) ns:
 *     b = 10: 1.0-2.0 us   b = 13: 8.2-16.4 us   b = 20: 1.0-2.1 ms
 *   (log2 buckets: a wide range in 40 counters, and one instruction to find.)
 *
 * The timestamps are CLOCK_MONOTONIC, the same clock in every process on one
 * machine: a generator in another process (or the pair of simulated ports)
 * gives one-way latencies. Frames stamped 0 (the simulated NIC's own generator)
 * carry no time and are left out of the histogram.
 */
#ifndef LAB05_PKTSINK_H
#define LAB05_PKTSINK_H

#include <stdint.h>
#include <stdio.h>

#include "seqtrack.h"

#define PKTSINK_BUCKETS 40

struct pktsink {
	struct kit_seqtrack seq;
	uint64_t not_kit;                  /* frames that are not kit test frames */
	uint64_t hist[PKTSINK_BUCKETS];    /* latency histogram, log2 ns */
	uint64_t lat_count, lat_sum_ns, lat_max_ns;
};

void pktsink_init(struct pktsink *s);

/* Account for one received frame (len bytes) at time now_ns. */
void pktsink_add(struct pktsink *s, const uint8_t *frame, unsigned len, uint64_t now_ns);

/* The histogram bucket of a latency: floor(log2(ns)), 0 for 0 and 1 ns. */
unsigned pktsink_bucket(uint64_t ns);

/* The latency below which a fraction p (0..1) of the samples lie, as the upper
 * edge of its bucket (ns); 0 when there are no samples. */
uint64_t pktsink_percentile(const struct pktsink *s, double p);

/* Print the non-empty buckets, one line each, with a bar. */
void pktsink_print_hist(const struct pktsink *s, const char *tool, FILE *out);

#endif
