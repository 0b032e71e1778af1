/*
 * xcore — how long one cache line takes to go from CPU A to CPU B and back.
 *
 *   xcore [--cpus 0,1] [--trips 4000]
 *
 * Every two-core figure of the bench (a driver and its simulated NIC, a
 * sender and a receiver, a ring's producer and consumer) assumes both CPUs
 * are the bench's and close. When another program takes one of them even for
 * a moment, the thread there is preempted and every cache line it owns waits
 * for it; on a virtual machine the hypervisor may also run the two vCPUs a
 * chiplet apart. Either way the round trip goes from about 55 ns to 300 or
 * more (both seen on this kit's 2-core VM). The bench runs xcore before and
 * after each run and repeats a run during which the CPUs were not both its
 * own and as close as it has seen them, so a figure is the code's cost, not
 * that of whatever else ran.
 *
 * Two threads pinned to the two CPUs pass a counter back and forth (one
 * writes odd values, the other even ones). Prints the median of 8 rounds:
 *   RESULT tool=xcore cpus=0,1 rtt_ns=61
 */
#include <getopt.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kit_time.h"

#define TOOL "xcore"
#define ROUNDS 8

static alignas(64) _Atomic uint64_t ball;   /* on a cache line of its own */
static uint64_t trips = 4000;
static int cpu_b = 1;

/* CPU B: wait for an odd value, answer with the next (even) one. */
static void *answer(void *arg)
{
	(void)arg;
	if (kit_pin_cpu(TOOL, cpu_b) != 0)
		return NULL;
	for (uint64_t i = 0; i < ROUNDS * trips; i++) {
		uint64_t v;
		while (((v = atomic_load_explicit(&ball, memory_order_acquire)) & 1) == 0)
			;
		atomic_store_explicit(&ball, v + 1, memory_order_release);
	}
	return NULL;
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "cpus", required_argument, NULL, 'c' }, { "trips", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	uint64_t a = 0, b = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		char *comma;
		int rc = 0;
		switch (opt) {
		case 'c':
			comma = strchr(optarg, ',');
			if (!comma) {
				fprintf(stderr, TOOL ": --cpus takes two CPUs, e.g. 0,1\n");
				return 2;
			}
			*comma = '\0';
			rc = kit_parse_u64(TOOL, "--cpus", optarg, 0, 1023, &a);
			if (!rc)
				rc = kit_parse_u64(TOOL, "--cpus", comma + 1, 0, 1023, &b);
			break;
		case 't': rc = kit_parse_u64(TOOL, "--trips", optarg, 100, 10000000, &trips); break;
		case 'h': printf("usage: " TOOL " [--cpus A,B] [--trips N]\n"); return 0;
		default: fprintf(stderr, "usage: " TOOL " [--cpus A,B] [--trips N]\n"); return 2;
		}
		if (rc)
			return 2;
	}
	if (a == b) {
		fprintf(stderr, TOOL ": --cpus needs two different CPUs\n");
		return 2;
	}
	cpu_b = (int)b;
	if (kit_pin_cpu(TOOL, (int)a) != 0)
		return 1;
	pthread_t t;
	if (pthread_create(&t, NULL, answer, NULL) != 0) {
		fprintf(stderr, TOOL ": cannot start the second thread\n");
		return 1;
	}
	uint64_t ns[ROUNDS];
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t t0 = kit_now_ns();
		for (uint64_t i = 0; i < trips; i++) {
			uint64_t v = atomic_load_explicit(&ball, memory_order_relaxed);
			atomic_store_explicit(&ball, v + 1, memory_order_release);   /* odd: your turn */
			while (atomic_load_explicit(&ball, memory_order_acquire) == v + 1)
				;
		}
		ns[r] = (kit_now_ns() - t0) / trips;
	}
	pthread_join(t, NULL);
	qsort(ns, ROUNDS, sizeof(ns[0]), by_value);
	printf("RESULT tool=" TOOL " cpus=%llu,%llu rtt_ns=%llu\n", (unsigned long long)a,
	       (unsigned long long)b, (unsigned long long)ns[ROUNDS / 2]);
	return 0;
}
