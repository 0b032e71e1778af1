/*
 * poll_stats.c — busy cycles, empty polls and burst fill (see poll_stats.h).
 */
#include "poll_stats.h"

#include "kit_time.h"

double poll_stats_cycles_per_packet(const struct poll_stats *s)
{
	return s->packets ? (double)s->busy_cycles / (double)s->packets : 0.0;
}

double poll_stats_empty_pct(const struct poll_stats *s)
{
	return s->polls ? 100.0 * (double)s->empty / (double)s->polls : 0.0;
}

/* What one core could do if it never waited: TSC rate over busy cycles. */
static double capacity_mpps(const struct poll_stats *s)
{
	double c = poll_stats_cycles_per_packet(s);
	return c > 0 ? kit_tsc_hz() / c / 1e6 : 0.0;
}

void poll_stats_print(const struct poll_stats *s, const char *tool, FILE *out)
{
	fprintf(out, "%s: busy %.1f cycles/packet (capacity %.1f Mpps per core), %.1f %% empty polls, bursts:",
		tool, poll_stats_cycles_per_packet(s), capacity_mpps(s), poll_stats_empty_pct(s));
	for (unsigned b = 0; b < POLL_FILL_BUCKETS; b++)
		fprintf(out, " %u:%llu", 1u << b, (unsigned long long)s->fill[b]);
	fprintf(out, "\n");
}

void poll_stats_result(const struct poll_stats *s, FILE *out)
{
	fprintf(out, "busy_cycles=%.1f empty_pct=%.2f fill=", poll_stats_cycles_per_packet(s),
		poll_stats_empty_pct(s));
	for (unsigned b = 0; b < POLL_FILL_BUCKETS; b++)
		fprintf(out, "%s%u:%llu", b ? "," : "", 1u << b, (unsigned long long)s->fill[b]);
	fprintf(out, " capacity_mpps=%.2f", capacity_mpps(s));
}
