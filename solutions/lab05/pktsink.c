/* pktsink.c — lab05: the sink's accounting (see pktsink.h). */
#include "pktsink.h"

#include <string.h>

#include "frame.h"

void pktsink_init(struct pktsink *s)
{
	memset(s, 0, sizeof(*s));
	kit_seq_init(&s->seq);
}

unsigned pktsink_bucket(uint64_t ns)
{
	unsigned b = ns > 1 ? 63u - (unsigned)__builtin_clzll(ns) : 0;
	return b < PKTSINK_BUCKETS ? b : PKTSINK_BUCKETS - 1;
}

void pktsink_add(struct pktsink *s, const uint8_t *frame, unsigned len, uint64_t now_ns)
{
	/* TODO 7: One frame.
	 *   1. kit_frame_parse; not a kit frame: s->not_kit++, done.
	 *   2. kit_seq_add(&s->seq, info.seq): received, lost, reordered, dups.
	 *   3. A timestamp (tx_ns != 0) not in the future: latency = now - tx_ns
	 *      into hist[pktsink_bucket(latency)], lat_count, lat_sum_ns,
	 *      lat_max_ns. */
	// BEGIN SOLUTION 7
	struct kit_frame_info info;
	if (kit_frame_parse(frame, len, &info) != KIT_FRAME_OK) {
		s->not_kit++;
		return;
	}
	kit_seq_add(&s->seq, info.seq);
	if (info.tx_ns && info.tx_ns <= now_ns) {
		uint64_t lat = now_ns - info.tx_ns;
		s->hist[pktsink_bucket(lat)]++;
		s->lat_count++;
		s->lat_sum_ns += lat;
		if (lat > s->lat_max_ns)
			s->lat_max_ns = lat;
	}
	// PLACEHOLDER 7
	// (void)s; (void)frame; (void)len; (void)now_ns;
	// END SOLUTION 7
}

uint64_t pktsink_percentile(const struct pktsink *s, double p)
{
	if (!s->lat_count)
		return 0;
	uint64_t want = (uint64_t)(p * (double)s->lat_count), seen = 0;
	for (unsigned b = 0; b < PKTSINK_BUCKETS; b++) {
		seen += s->hist[b];
		if (seen > want || seen == s->lat_count)
			return 2ull << b;
	}
	return s->lat_max_ns;
}

void pktsink_print_hist(const struct pktsink *s, const char *tool, FILE *out)
{
	uint64_t top = 0;
	for (unsigned b = 0; b < PKTSINK_BUCKETS; b++)
		if (s->hist[b] > top)
			top = s->hist[b];
	for (unsigned b = 0; b < PKTSINK_BUCKETS; b++) {
		if (!s->hist[b])
			continue;
		char bar[41];
		unsigned len = (unsigned)(40 * s->hist[b] / top);
		memset(bar, '#', len);
		bar[len] = 0;
		fprintf(out, "%s: latency %9.1f - %9.1f us %10llu %s\n", tool, (double)(1ull << b) / 1000.0,
			(double)(2ull << b) / 1000.0, (unsigned long long)s->hist[b], bar);
	}
}
