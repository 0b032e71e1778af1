/* kit_time.c — TSC calibration and precise waiting. */
#include "kit_time.h"

#include <sys/resource.h>
#include <time.h>

double kit_cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

double kit_thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double kit_tsc_hz(void)
{
	static double hz;

	if (hz > 0)
		return hz;
	uint64_t ns0 = kit_now_ns(), tsc0 = kit_rdtsc();
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	nanosleep(&nap, NULL);
	uint64_t ns1 = kit_now_ns(), tsc1 = kit_rdtsc();
	hz = (double)(tsc1 - tsc0) * 1e9 / (double)(ns1 - ns0);
	return hz;
}

void kit_sleep_until_ns(uint64_t t_ns)
{
	uint64_t now = kit_now_ns();

	if (t_ns > now + 60000) {
		uint64_t wait = t_ns - now - 50000;
		struct timespec ts = { (time_t)(wait / 1000000000ull), (long)(wait % 1000000000ull) };
		nanosleep(&ts, NULL);
	}
	while (kit_now_ns() < t_ns)
		;
}
