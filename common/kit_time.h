/*
 * kit_time.h — clocks for measuring: nanoseconds (CLOCK_MONOTONIC) and the TSC.
 * Cycle counts come from rdtsc; kit_tsc_hz() measures the TSC rate once
 * against CLOCK_MONOTONIC (about 50 ms) so cycles can be turned into time.
 */
#ifndef BYPASSLAB_KIT_TIME_H
#define BYPASSLAB_KIT_TIME_H

#include <stdint.h>
#include <time.h>

static inline uint64_t kit_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t kit_rdtsc(void)
{
#if defined(__x86_64__) || defined(__i386__)
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
#else
	return kit_now_ns();
#endif
}

/* CPU time (user + system) this process used so far, in seconds. Times the
 * TSC rate, divided by packets, it gives the receiver's cycles per packet. */
double kit_cpu_seconds(void);
/* CPU time of the calling thread only (not, say, a simulated NIC's thread in the
 * same process). */
double kit_thread_cpu_seconds(void);

/* TSC ticks per second, measured on first use. */
double kit_tsc_hz(void);

/* Sleep until the monotonic clock reaches t_ns (busy-waits the last 50 us). */
void kit_sleep_until_ns(uint64_t t_ns);

#endif
