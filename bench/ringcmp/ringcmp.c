/*
 * ringcmp.c — lab06's ring beside DPDK's rte_ring, driven by the same loop.
 *
 *   ring_compare [--ring kit|rte|both] [--mode spsc|mpmc] [--batch 1..256]
 *                [--seconds S] [--slices K] [--size N] [--cpus P,C]
 *
 * One producer thread pinned to CPU P (default 0) enqueues bursts of `batch`
 * constant pointers (the same array every time); one consumer thread pinned to
 * CPU C (default 1) dequeues bursts of `batch` and only counts them: no check
 * per element, so what is measured is the ring and nothing else. spsc: the ring
 * is created single-producer/single-consumer; mpmc: multi-producer/multi-
 * consumer (compare-and-swap on the heads, wait on the tails), still with one
 * thread on each side: the price of the thread-safe path.
 *
 * Both rings are called through their ordinary burst functions
 * (e1k_ring_enqueue_burst, rte_ring_enqueue_burst, ...), which choose the single
 * or multi-thread path from the flags given at creation, and both loops are the
 * same function (produce/consume below, one copy per ring after inlining).
 *
 * --ring both (the default) measures the two rings in the same process, taking
 * turns: S seconds per ring cut into K slices (default 16), kit then rte, then
 * rte then kit, ... Each slice starts a fresh pinned pair of threads. On a
 * shared or virtual machine the speed of the two cores can change from one
 * second to the next; taking turns every few tens of milliseconds makes both
 * rings see the same machine, so their ratio means something even then.
 *
 * rte_ring without DPDK's EAL: rte_ring_init() on memory we allocate (cache-line
 * aligned, rte_ring_get_memsize() bytes) needs neither rte_eal_init() nor
 * hugepages; the enqueue and dequeue functions are inline in rte_ring.h. (A ring
 * of N slots holds N - 1 entries in rte_ring, N in lab06's: no difference here.)
 *
 * Accounting: after every slice every enqueued element was dequeued and the
 * ring is empty. Last lines, one per ring:
 *   RESULT tool=ring_compare ring=kit|rte mode=spsc|mpmc batch=B packets=ELEMENTS
 *          seconds=S pps=ELEMENTS_PER_S drops=0 accounted=1|0 cycles_per_elem=C
 * (seconds: the time the threads ran, summed over the slices; cycles_per_elem:
 * TSC cycles of one core per element.)
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_version.h>

#include "cli.h"
#include "e1k_ring.h"
#include "kit_time.h"

#define TOOL "ring_compare"
#define MAX_BATCH 256

enum ring_kind { RING_KIT, RING_RTE };

/* One slice: one ring, one producer and one consumer thread. */
struct run {
	enum ring_kind kind;
	int mpmc;
	struct e1k_ring *kit;
	struct rte_ring *rte;
	unsigned batch;
	uint64_t duration_ns;
	int cpu[2];                         /* producer, consumer */
	_Atomic unsigned ready;             /* threads waiting for go */
	_Atomic int go;
	uint64_t start_ns;
	/* Written by one thread each, at the end: lines of their own. */
	alignas(64) _Atomic int producer_done;
	uint64_t enqueued;
	alignas(64) uint64_t dequeued;
	uint64_t end_ns, end_tsc;
};

/* What one ring did over all its slices. */
struct total {
	uint64_t enqueued, dequeued, ns, tsc;
	unsigned slices, bad_slices;
};

/* The objects: any pointers will do, nobody dereferences them. */
static char objects[MAX_BATCH];

static inline unsigned enqueue(struct run *run, enum ring_kind kind, void *const *objs, unsigned n)
{
	if (kind == RING_KIT)
		return e1k_ring_enqueue_burst(run->kit, objs, n);
	return rte_ring_enqueue_burst(run->rte, objs, n, NULL);
}

static inline unsigned dequeue(struct run *run, enum ring_kind kind, void **objs, unsigned n)
{
	if (kind == RING_KIT)
		return e1k_ring_dequeue_burst(run->kit, objs, n);
	return rte_ring_dequeue_burst(run->rte, objs, n, NULL);
}

static void wait_for_go(struct run *run)
{
	atomic_fetch_add(&run->ready, 1);
	while (!atomic_load_explicit(&run->go, memory_order_acquire))
		;
}

/* The producer's loop, the same for both rings. kind is a constant in each
 * caller below and always_inline makes the compiler copy the loop into each,
 * so every copy calls one ring with no test of kind per burst. */
static inline __attribute__((always_inline)) void produce(struct run *run, enum ring_kind kind)
{
	void *objs[MAX_BATCH];
	for (unsigned i = 0; i < MAX_BATCH; i++)
		objs[i] = &objects[i];
	unsigned batch = run->batch;
	uint64_t enqueued = 0;
	wait_for_go(run);
	uint64_t deadline = run->start_ns + run->duration_ns;
	for (unsigned iter = 0;; iter++) {
		if ((iter & 1023) == 0 && kit_now_ns() >= deadline)
			break;
		enqueued += enqueue(run, kind, objs, batch);
	}
	run->enqueued = enqueued;
	atomic_store_explicit(&run->producer_done, 1, memory_order_release);
}

/* The consumer's loop: dequeue and count until the producer is done and the
 * ring is empty. producer_done is loaded before the dequeue, so an empty
 * dequeue after it means nothing is left. */
static inline __attribute__((always_inline)) void consume(struct run *run, enum ring_kind kind)
{
	void *objs[MAX_BATCH];
	unsigned batch = run->batch;
	uint64_t dequeued = 0;
	wait_for_go(run);
	for (;;) {
		int done = atomic_load_explicit(&run->producer_done, memory_order_acquire);
		unsigned n = dequeue(run, kind, objs, batch);
		dequeued += n;
		if (n == 0 && done)
			break;
	}
	run->end_tsc = kit_rdtsc();
	run->end_ns = kit_now_ns();
	run->dequeued = dequeued;
}

static void *producer_kit(void *arg) { produce(arg, RING_KIT); return NULL; }
static void *producer_rte(void *arg) { produce(arg, RING_RTE); return NULL; }
static void *consumer_kit(void *arg) { consume(arg, RING_KIT); return NULL; }
static void *consumer_rte(void *arg) { consume(arg, RING_RTE); return NULL; }

/* A thread created already pinned to cpu (the affinity is in its attributes). */
static int start_pinned(pthread_t *t, void *(*fn)(void *), void *arg, int cpu)
{
	pthread_attr_t attr;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_attr_init(&attr);
	if (rc == 0)
		rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (rc == 0)
		rc = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		fprintf(stderr, TOOL ": cannot start a thread on CPU %d: %s (see `nproc`)\n", cpu,
			strerror(rc));
	return rc;
}

static int create_ring(struct run *run, unsigned size)
{
	if (run->kind == RING_KIT) {
		char err[256] = "";
		run->kit = e1k_ring_create("ringcmp", size,
					   run->mpmc ? 0 : E1K_RING_SP_ENQ | E1K_RING_SC_DEQ, err,
					   sizeof(err));
		if (!run->kit)
			fprintf(stderr, TOOL ": %s\n", err);
		return run->kit ? 0 : -1;
	}
	ssize_t bytes = rte_ring_get_memsize(size);
	if (bytes < 0) {
		fprintf(stderr, TOOL ": rte_ring_get_memsize(%u): %s\n", size, strerror((int)-bytes));
		return -1;
	}
	size_t rounded = ((size_t)bytes + 63) / 64 * 64;   /* aligned_alloc wants a multiple */
	void *mem = aligned_alloc(64, rounded);
	if (!mem) {
		fprintf(stderr, TOOL ": out of memory for a ring of %u (%zu bytes)\n", size, rounded);
		return -1;
	}
	memset(mem, 0, rounded);   /* every page touched before the clock starts */
	run->rte = mem;
	int rc = rte_ring_init(run->rte, "ringcmp", size,
			       run->mpmc ? 0 : RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rc < 0) {
		fprintf(stderr, TOOL ": rte_ring_init(size %u): %s\n", size, strerror(-rc));
		free(mem);
		run->rte = NULL;
		return -1;
	}
	return 0;
}

static unsigned ring_count(const struct run *run)
{
	return run->kind == RING_KIT ? e1k_ring_count(run->kit) : rte_ring_count(run->rte);
}

static void free_ring(struct run *run)
{
	e1k_ring_free(run->kit);
	free(run->rte);
}

/* One slice of run->kind's ring: a fresh pinned pair of threads for
 * run->duration_ns, added to t. Returns -1 when a thread cannot start. */
static int run_slice(struct run *run, struct total *t)
{
	atomic_store(&run->ready, 0);
	atomic_store(&run->go, 0);
	atomic_store(&run->producer_done, 0);
	run->enqueued = run->dequeued = 0;
	int kit = run->kind == RING_KIT;
	pthread_t prod, cons;
	if (start_pinned(&cons, kit ? consumer_kit : consumer_rte, run, run->cpu[1]) != 0)
		return -1;
	if (start_pinned(&prod, kit ? producer_kit : producer_rte, run, run->cpu[0]) != 0) {
		atomic_store(&run->producer_done, 1);
		atomic_store(&run->go, 1);
		pthread_join(cons, NULL);
		return -1;
	}
	while (atomic_load(&run->ready) < 2)
		sched_yield();
	run->start_ns = kit_now_ns();
	uint64_t start_tsc = kit_rdtsc();
	atomic_store_explicit(&run->go, 1, memory_order_release);
	pthread_join(prod, NULL);
	pthread_join(cons, NULL);

	t->enqueued += run->enqueued;
	t->dequeued += run->dequeued;
	t->ns += run->end_ns - run->start_ns;
	t->tsc += run->end_tsc - start_tsc;
	t->slices++;
	/* (A slice in which nothing moved is not an error: on a busy machine a
	 * thread may not get its CPU before the slice is over.) */
	if (run->enqueued != run->dequeued || ring_count(run) != 0)
		t->bad_slices++;
	return 0;
}

static int parse_cpus(const char *text, int cpu[2])
{
	char copy[64];
	snprintf(copy, sizeof(copy), "%s", text);
	char *comma = strchr(copy, ',');
	if (!comma) {
		fprintf(stderr, TOOL ": --cpus %s: give two CPUs, producer and consumer, e.g. 0,1\n", text);
		return -1;
	}
	*comma = '\0';
	uint64_t p, c;
	if (kit_parse_u64(TOOL, "--cpus", copy, 0, CPU_SETSIZE - 1, &p) != 0 ||
	    kit_parse_u64(TOOL, "--cpus", comma + 1, 0, CPU_SETSIZE - 1, &c) != 0)
		return -1;
	cpu[0] = (int)p;
	cpu[1] = (int)c;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: " TOOL " [--ring kit|rte|both] [--mode spsc|mpmc] [--batch 1..%d] "
		"[--seconds S] [--slices K] [--size N] [--cpus PRODUCER,CONSUMER]\n", MAX_BATCH);
}

int main(int argc, char **argv)
{
	static struct run run;
	int use[2] = { 1, 1 };   /* kit, rte */
	uint64_t batch = 32, size = 1024, seconds_ms = 1000, slices = 16;
	run.cpu[0] = 0;
	run.cpu[1] = 1;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			usage();
			return 0;
		}
		if (!arg) {
			fprintf(stderr, TOOL ": %s needs a value\n", opt);
			usage();
			return 2;
		}
		i++;
		int rc = 0;
		if (!strcmp(opt, "--ring")) {
			use[0] = !strcmp(arg, "kit") || !strcmp(arg, "both");
			use[1] = !strcmp(arg, "rte") || !strcmp(arg, "both");
			if (!use[0] && !use[1]) {
				fprintf(stderr, TOOL ": --ring %s: use kit (lab06's ring), rte (DPDK's "
					"rte_ring) or both (taking turns)\n", arg);
				return 2;
			}
		} else if (!strcmp(opt, "--slices")) {
			rc = kit_parse_u64(TOOL, opt, arg, 1, 1000, &slices);
		} else if (!strcmp(opt, "--mode")) {
			if (!strcmp(arg, "mpmc"))
				run.mpmc = 1;
			else if (!strcmp(arg, "spsc"))
				run.mpmc = 0;
			else {
				fprintf(stderr, TOOL ": --mode %s: use spsc or mpmc\n", arg);
				return 2;
			}
		} else if (!strcmp(opt, "--batch")) {
			rc = kit_parse_u64(TOOL, opt, arg, 1, MAX_BATCH, &batch);
		} else if (!strcmp(opt, "--seconds")) {
			char *end = NULL;
			double s = strtod(arg, &end);
			if (end == arg || *end || !(s >= 0.01 && s <= 3600)) {
				fprintf(stderr, TOOL ": --seconds %s: use a number from 0.01 to 3600\n", arg);
				return 2;
			}
			seconds_ms = (uint64_t)(s * 1000);
		} else if (!strcmp(opt, "--size")) {
			rc = kit_parse_u64(TOOL, opt, arg, E1K_RING_MIN_SIZE, E1K_RING_MAX_SIZE, &size);
			if (rc == 0 && (size & (size - 1))) {
				fprintf(stderr, TOOL ": --size %s: must be a power of two (e.g. 1024)\n", arg);
				return 2;
			}
		} else if (!strcmp(opt, "--cpus")) {
			rc = parse_cpus(arg, run.cpu);
		} else {
			fprintf(stderr, TOOL ": unknown option %s\n", opt);
			usage();
			return 2;
		}
		if (rc != 0)
			return 2;
	}
	if (seconds_ms / slices < 5) {
		fprintf(stderr, TOOL ": --slices %llu: a slice of %.1f ms is too short to measure; "
			"use fewer slices or more --seconds\n", (unsigned long long)slices,
			(double)seconds_ms / slices);
		return 2;
	}
	if (run.cpu[0] == run.cpu[1]) {
		fprintf(stderr, TOOL ": --cpus %d,%d: the producer and the consumer need a CPU each "
			"(two busy-polling threads on one CPU measure the scheduler)\n", run.cpu[0], run.cpu[1]);
		return 2;
	}
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0) {
		for (int k = 0; k < 2; k++) {
			if (!CPU_ISSET(run.cpu[k], &allowed)) {
				fprintf(stderr, TOOL ": CPU %d is not available to this process (see `nproc`); "
					"use --cpus with two that are\n", run.cpu[k]);
				return 2;
			}
		}
	}
	run.batch = (unsigned)batch;
	for (int k = 0; k < 2; k++) {
		if (!use[k])
			continue;
		run.kind = k == 0 ? RING_KIT : RING_RTE;
		if (create_ring(&run, (unsigned)size) != 0)
			return 1;
	}
	double tsc_hz = kit_tsc_hz();   /* measured once (50 ms), before the run */

	if (use[0])
		printf(TOOL ": lab06's ring%s", use[1] ? " and " : "");
	if (use[1])
		printf("DPDK %d.%02d's rte_ring", RTE_VER_YEAR, RTE_VER_MONTH);
	printf(", %s, %llu slots, batch %u, producer on CPU %d, consumer on CPU %d, %.2f s per "
	       "ring in %u slices%s\n", run.mpmc ? "MP/MC" : "SP/SC", (unsigned long long)size,
	       run.batch, run.cpu[0], run.cpu[1], seconds_ms / 1000.0, (unsigned)slices,
	       use[0] && use[1] ? ", taking turns" : "");
	fflush(stdout);

	/* Slice i: kit then rte when i is even, rte then kit when odd. */
	struct total total[2] = { { 0 } };
	run.duration_ns = seconds_ms * 1000000ull / slices;
	for (unsigned i = 0; i < slices; i++) {
		for (int turn = 0; turn < 2; turn++) {
			int k = (int)(i & 1) ^ turn;
			if (!use[k])
				continue;
			run.kind = k == 0 ? RING_KIT : RING_RTE;
			if (run_slice(&run, &total[k]) != 0)
				return 1;
		}
	}

	int all_accounted = 1;
	for (int k = 0; k < 2; k++) {
		if (!use[k])
			continue;
		const struct total *t = &total[k];
		const char *name = k == 0 ? "kit" : "rte";
		double secs = t->ns / 1e9;
		double pps = secs > 0 ? t->dequeued / secs : 0;
		double cycles = t->dequeued ? (double)t->tsc / t->dequeued : 0;
		int accounted = t->bad_slices == 0 && t->enqueued == t->dequeued && t->dequeued > 0;
		all_accounted &= accounted;
		printf(TOOL ": %s: enqueued %llu, dequeued %llu in %u slices (%u not accounted for); "
		       "%.1f M elements/s, %.1f cycles per element (TSC %.2f GHz)\n", name,
		       (unsigned long long)t->enqueued, (unsigned long long)t->dequeued, t->slices,
		       t->bad_slices, pps / 1e6, cycles, tsc_hz / 1e9);
		if (!accounted)
			fprintf(stderr, TOOL ": %s: accounting failed: enqueued %llu, dequeued %llu, %u "
				"slice(s) ended with enqueued != dequeued or entries left in the ring "
				"(or nothing moved at all)\n", name,
				(unsigned long long)t->enqueued, (unsigned long long)t->dequeued,
				t->bad_slices);
		printf("RESULT tool=" TOOL " ring=%s mode=%s batch=%u packets=%llu seconds=%.3f "
		       "pps=%.0f drops=%llu accounted=%d cycles_per_elem=%.1f\n", name,
		       run.mpmc ? "mpmc" : "spsc", run.batch, (unsigned long long)t->dequeued, secs,
		       pps, (unsigned long long)(t->enqueued > t->dequeued ? t->enqueued - t->dequeued : 0),
		       accounted, cycles);
	}
	free_ring(&run);
	return all_accounted ? 0 : 1;
}
