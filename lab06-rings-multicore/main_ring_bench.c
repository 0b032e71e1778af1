/*
 * main_ring_bench.c — lab06: how many elements per second one ring carries
 * between two cores (a figure for `make bench`, not a test).
 *
 *   ring_bench [--mode spsc|mpmc] [--burst 32] [--seconds 1] [--size 1024]
 *              [--producers 1] [--consumers 1] [--cpus 0,1]
 *
 * spsc: a ring made with E1K_RING_SP_ENQ | E1K_RING_SC_DEQ (no CAS), one
 * producer lcore, one consumer lcore. mpmc: flags 0 (CAS on both heads, wait
 * on both tails), with as many producers and consumers as asked. Producers
 * enqueue bursts of sequence numbers; consumers check that each producer's
 * numbers arrive in order, so "elements" are verified, not just counted.
 * Lcores go round-robin over the CPUs given (default: every CPU).
 *
 * Last line: RESULT tool=ring_bench method=ring_spsc|ring_mpmc batch=BURST
 * packets=ELEMENTS seconds=S pps=ELEMENTS/S drops=0 accounted=1|0
 * cycles_per_pkt=C — pps is elements per second here; cycles_per_pkt is TSC
 * cycles of one core per element (wall time x TSC rate / elements).
 */
#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "e1k_lcore.h"
#include "e1k_ring.h"
#include "kit_time.h"

#define TOOL "ring_bench"
#define MAX_SIDE 7
#define MAX_BURST 256

struct bench {
	struct e1k_ring *r;
	unsigned burst, producers, consumers;
	uint64_t duration_ns;
	_Atomic int go;
	_Atomic unsigned producers_left;
	uint64_t start_ns;
	struct side {
		alignas(E1K_CACHE_LINE) uint64_t elements;
		uint64_t order_errors;
		uint64_t end_ns;
		unsigned id;
		struct bench *b;
	} prod[MAX_SIDE], cons[MAX_SIDE];
};

/* A value: producer number in the top byte, sequence number + 1 below. */
static int producer(void *arg)
{
	struct side *s = arg;
	struct bench *b = s->b;
	void *objs[MAX_BURST];
	uint64_t seq = 1, top = (uint64_t)s->id << 56;
	while (!atomic_load_explicit(&b->go, memory_order_acquire))
		;
	uint64_t deadline = b->start_ns + b->duration_ns;
	for (unsigned iter = 0;; iter++) {
		if ((iter & 1023) == 0 && kit_now_ns() >= deadline)
			break;
		for (unsigned i = 0; i < b->burst; i++)
			objs[i] = (void *)(uintptr_t)(top | (seq + i));
		seq += e1k_ring_enqueue_burst(b->r, objs, b->burst);
	}
	s->elements = seq - 1;
	atomic_fetch_sub_explicit(&b->producers_left, 1, memory_order_release);
	return 0;
}

static int consumer(void *arg)
{
	struct side *s = arg;
	struct bench *b = s->b;
	void *objs[MAX_BURST];
	uint64_t last[MAX_SIDE] = { 0 };
	uint64_t count = 0, errors = 0;
	while (!atomic_load_explicit(&b->go, memory_order_acquire))
		;
	for (;;) {
		unsigned left = atomic_load_explicit(&b->producers_left, memory_order_acquire);
		unsigned n = e1k_ring_dequeue_burst(b->r, objs, b->burst);
		if (n == 0) {
			if (left == 0)
				break;
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			uint64_t v = (uintptr_t)objs[i];
			unsigned p = (unsigned)(v >> 56);
			uint64_t seq = v & ((1ull << 56) - 1);
			if (p >= MAX_SIDE || seq <= last[p])
				errors++;
			else
				last[p] = seq;
		}
		count += n;
	}
	s->end_ns = kit_now_ns();
	s->elements = count;
	s->order_errors = errors;
	return 0;
}

static int parse_cpus(const char *text, int *cpus, int max)
{
	int n = 0;
	char *copy = strdup(text), *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (kit_parse_u64(TOOL, "--cpus", tok, 0, CPU_SETSIZE - 1, &v) != 0) {
			free(copy);
			return -1;
		}
		cpus[n++] = (int)v;
	}
	free(copy);
	return n;
}

static void usage(void)
{
	fprintf(stderr, "usage: " TOOL " [--mode spsc|mpmc] [--burst 1..%d] [--seconds S] [--size N] "
		"[--producers N] [--consumers N] [--cpus 0,1]\n", MAX_BURST);
}

int main(int argc, char **argv)
{
	static struct bench b;
	int mpmc = 0;
	uint64_t burst = 32, seconds_ms = 1000, size = 1024, producers = 1, consumers = 1;
	int cpus[64], ncpus = 0;
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
		if (!strcmp(opt, "--mode")) {
			if (!strcmp(arg, "mpmc"))
				mpmc = 1;
			else if (strcmp(arg, "spsc")) {
				fprintf(stderr, TOOL ": --mode %s: use spsc or mpmc\n", arg);
				return 2;
			}
		} else if (!strcmp(opt, "--burst")) {
			rc = kit_parse_u64(TOOL, opt, arg, 1, MAX_BURST, &burst);
		} else if (!strcmp(opt, "--seconds")) {
			char *end = NULL;
			double s = strtod(arg, &end);
			if (end == arg || *end || s <= 0 || s > 3600) {
				fprintf(stderr, TOOL ": --seconds %s: use a number from 0.01 to 3600\n", arg);
				return 2;
			}
			seconds_ms = (uint64_t)(s * 1000);
		} else if (!strcmp(opt, "--size")) {
			rc = kit_parse_u64(TOOL, opt, arg, E1K_RING_MIN_SIZE, E1K_RING_MAX_SIZE, &size);
		} else if (!strcmp(opt, "--producers")) {
			rc = kit_parse_u64(TOOL, opt, arg, 1, MAX_SIDE, &producers);
		} else if (!strcmp(opt, "--consumers")) {
			rc = kit_parse_u64(TOOL, opt, arg, 1, MAX_SIDE, &consumers);
		} else if (!strcmp(opt, "--cpus")) {
			ncpus = parse_cpus(arg, cpus, 64);
			rc = ncpus > 0 ? 0 : -1;
		} else {
			fprintf(stderr, TOOL ": unknown option %s\n", opt);
			usage();
			return 2;
		}
		if (rc != 0)
			return 2;
	}
	if (!mpmc && (producers > 1 || consumers > 1)) {
		fprintf(stderr, TOOL ": spsc means one producer and one consumer; use --mode mpmc\n");
		return 2;
	}
	if (ncpus == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		for (int c = 0; c < online && c < 64; c++)
			if (e1k_cpu_usable(c))
				cpus[ncpus++] = c;
	}

	char err[256] = "";
	b.r = e1k_ring_create(mpmc ? "mpmc" : "spsc", (unsigned)size,
			      mpmc ? 0 : E1K_RING_SP_ENQ | E1K_RING_SC_DEQ, err, sizeof(err));
	if (!b.r) {
		fprintf(stderr, TOOL ": %s\n", err);
		return 2;
	}
	b.burst = (unsigned)burst;
	b.producers = (unsigned)producers;
	b.consumers = (unsigned)consumers;
	b.duration_ns = seconds_ms * 1000000ull;
	atomic_store(&b.producers_left, b.producers);

	/* Consumers first, then producers, round-robin over the CPUs. */
	int ids[2 * MAX_SIDE], n = 0;
	for (unsigned i = 0; i < b.consumers + b.producers; i++) {
		int is_cons = i < b.consumers;
		struct side *s = is_cons ? &b.cons[i] : &b.prod[i - b.consumers];
		s->b = &b;
		s->id = is_cons ? i : i - b.consumers;
		int cpu = cpus[i % (unsigned)ncpus];
		ids[n] = e1k_lcore_launch(is_cons ? consumer : producer, s, cpu, err, sizeof(err));
		if (ids[n] < 0) {
			fprintf(stderr, TOOL ": %s\n", err);
			b.duration_ns = 0;
			atomic_store(&b.producers_left, 0);
			b.start_ns = kit_now_ns();
			atomic_store(&b.go, 1);
			for (int k = 0; k < n; k++)
				e1k_lcore_wait(ids[k], NULL);
			return 1;
		}
		n++;
	}
	printf(TOOL ": %s ring of %u, burst %u, %u producer(s), %u consumer(s) on CPUs", mpmc ? "MP/MC" : "SP/SC",
	       b.r->size, b.burst, b.producers, b.consumers);
	for (int i = 0; i < ncpus; i++)
		printf("%s%d", i ? "," : " ", cpus[i]);
	printf(", %.2f s\n", seconds_ms / 1000.0);
	fflush(stdout);
	b.start_ns = kit_now_ns();
	uint64_t tsc0 = kit_rdtsc();
	atomic_store_explicit(&b.go, 1, memory_order_release);
	for (int k = 0; k < n; k++)
		e1k_lcore_wait(ids[k], NULL);
	uint64_t tsc1 = kit_rdtsc();

	uint64_t produced = 0, consumed = 0, errors = 0, end = b.start_ns;
	for (unsigned i = 0; i < b.producers; i++)
		produced += b.prod[i].elements;
	for (unsigned i = 0; i < b.consumers; i++) {
		consumed += b.cons[i].elements;
		errors += b.cons[i].order_errors;
		if (b.cons[i].end_ns > end)
			end = b.cons[i].end_ns;
	}
	double secs = (end - b.start_ns) / 1e9;
	double pps = secs > 0 ? consumed / secs : 0;
	double cycles = consumed ? (double)(tsc1 - tsc0) / consumed : 0;
	int accounted = produced == consumed && errors == 0 && e1k_ring_count(b.r) == 0;
	printf(TOOL ": produced %llu, consumed %llu, %llu out of order; %.1f M elements/s\n",
	       (unsigned long long)produced, (unsigned long long)consumed, (unsigned long long)errors,
	       pps / 1e6);
	printf("RESULT tool=" TOOL " method=%s batch=%u packets=%llu seconds=%.3f pps=%.0f drops=%llu "
	       "accounted=%d cycles_per_pkt=%.1f producers=%u consumers=%u units=elements\n",
	       mpmc ? "ring_mpmc" : "ring_spsc", b.burst, (unsigned long long)consumed, secs, pps,
	       (unsigned long long)(produced - consumed), accounted, cycles, b.producers, b.consumers);
	e1k_ring_free(b.r);
	return accounted ? 0 : 1;
}
