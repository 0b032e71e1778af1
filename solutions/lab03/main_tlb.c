/*
 * tlb — what page size does to memory access: dependent random 8-byte reads
 * over a large region, once on 4 KiB pages and once on 2 MiB hugepages.
 *
 *   sudo tlb                        1 GiB, 10 million reads, both page sizes
 *   sudo tlb --size 256 --pages 4k
 *
 * Each read's address depends on the value the read before returned (always 0,
 * but the CPU cannot know), so reads cannot overlap: the time per read is the
 * latency of one access, including the page-table walk when the TLB misses.
 * A 4 KiB-page TLB of ~1500 entries covers ~6 MiB; the same entries on 2 MiB
 * pages cover ~3 GiB, and a 2 MiB page walk is one level shorter.
 *
 * Prints one RESULT line per page size for bench/:
 *   RESULT tool=tlb pages=4k size_mib=1024 accesses=10000000 runs=3 ns_per_access=...
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cli.h"
#include "dma_mem.h"
#include "kit_time.h"

#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)   /* log2(2 MiB) << MAP_HUGE_SHIFT, mmap(2) */
#endif

#define TOOL "tlb"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " [options]\n"
		"  --size MIB       region size in MiB, a power of two (default 1024)\n"
		"  --accesses N     random reads per run (default 10000000)\n"
		"  --runs R         runs per page size; the median is reported (default 3)\n"
		"  --pages P        4k, 2m or both (default both)\n"
		"  --cpu N          pin to CPU N\n");
}

/* Dependent random reads; returns nanoseconds per read. */
static double measure(const volatile uint64_t *region, uint64_t words, uint64_t accesses,
		      uint64_t seed)
{
	uint64_t x = seed, value = 0, mask = words - 1;
	uint64_t start = kit_now_ns();

	for (uint64_t i = 0; i < accesses; i++) {
		x ^= x << 13;       /* xorshift64 (Marsaglia 2003) */
		x ^= x >> 7;
		x ^= x << 17;
		value = region[(x + value) & mask];
	}
	uint64_t end = kit_now_ns();
	if (value != 0)     /* the region is zero: keeps the chain honest */
		fprintf(stderr, TOOL ": region not zeroed?\n");
	return (double)(end - start) / (double)accesses;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median_of_runs(const volatile uint64_t *region, size_t bytes, uint64_t accesses,
			     unsigned runs)
{
	double results[16];
	uint64_t words = bytes / sizeof(uint64_t);

	measure(region, words, accesses / 10 + 1, 42);   /* warm up caches and TLB */
	for (unsigned r = 0; r < runs; r++)
		results[r] = measure(region, words, accesses, 0x9E3779B97F4A7C15ull + r);
	qsort(results, runs, sizeof(results[0]), cmp_double);
	return results[runs / 2];
}

/* 4 KiB pages: anonymous memory, transparent hugepages switched off for it. */
static volatile uint64_t *map_small(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror(TOOL ": mmap (4 KiB pages)");
		return NULL;
	}
	if (madvise(p, bytes, MADV_NOHUGEPAGE) != 0)
		perror(TOOL ": madvise(MADV_NOHUGEPAGE) (results may include THP)");
	memset(p, 0, bytes);    /* fault every page in before measuring */
	return p;
}

/* 2 MiB pages from the hugetlb pool (hugetlbpage.rst, mmap(2) MAP_HUGETLB). */
static volatile uint64_t *map_huge(size_t bytes, unsigned long *added)
{
	char err[512];
	if (e1k_hugepages_ensure_free(bytes / E1K_HUGEPAGE_SIZE, added, err, sizeof(err)) != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		return NULL;
	}
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_HUGE_2MB | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		perror(TOOL ": mmap MAP_HUGETLB (free hugepages: see HugePages_Free in /proc/meminfo)");
		return NULL;
	}
	memset(p, 0, bytes);
	return p;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "accesses", required_argument, NULL, 'a' },
		{ "runs", required_argument, NULL, 'r' },
		{ "pages", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t size_mib = 1024, accesses = 10000000, runs = 3, cpu = 0;
	int pin = 0, do_small = 1, do_huge = 1, opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 's': rc = kit_parse_u64(TOOL, "--size", optarg, 2, 65536, &size_mib); break;
		case 'a': rc = kit_parse_u64(TOOL, "--accesses", optarg, 1000, 1ull << 36, &accesses); break;
		case 'r': rc = kit_parse_u64(TOOL, "--runs", optarg, 1, 15, &runs); break;
		case 'c': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &cpu); pin = 1; break;
		case 'p':
			do_small = strcmp(optarg, "4k") == 0 || strcmp(optarg, "both") == 0;
			do_huge = strcmp(optarg, "2m") == 0 || strcmp(optarg, "both") == 0;
			if (!do_small && !do_huge) {
				fprintf(stderr, TOOL ": --pages: '%s' is not 4k, 2m or both\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	if (size_mib & (size_mib - 1)) {
		fprintf(stderr, TOOL ": --size %llu is not a power of two (try %llu): the random "
			"index is masked, not divided\n", (unsigned long long)size_mib,
			1ull << (63 - __builtin_clzll(size_mib)));
		return 2;
	}
	if (pin && kit_pin_cpu(TOOL, (int)cpu) != 0)
		return 1;

	size_t bytes = (size_t)size_mib << 20;
	double ns_small = 0, ns_huge = 0;
	printf(TOOL ": %llu MiB region, %llu dependent random 8-byte reads per run, median of %llu\n",
	       (unsigned long long)size_mib, (unsigned long long)accesses, (unsigned long long)runs);

	if (do_small) {
		volatile uint64_t *region = map_small(bytes);
		if (!region)
			return 1;
		ns_small = median_of_runs(region, bytes, accesses, (unsigned)runs);
		munmap((void *)region, bytes);
		printf("  4 KiB pages: %7.1f ns per access  (%zu pages)\n", ns_small,
		       bytes / E1K_SMALL_PAGE_SIZE);
	}
	if (do_huge) {
		unsigned long added = 0;
		volatile uint64_t *region = map_huge(bytes, &added);
		if (!region) {
			e1k_hugepages_release(added);
			return 1;
		}
		ns_huge = median_of_runs(region, bytes, accesses, (unsigned)runs);
		munmap((void *)region, bytes);
		e1k_hugepages_release(added);    /* give back what we reserved */
		printf("  2 MiB pages: %7.1f ns per access  (%zu pages)\n", ns_huge,
		       bytes / E1K_HUGEPAGE_SIZE);
	}
	if (do_small && do_huge)
		printf("  4 KiB / 2 MiB: %.2fx\n", ns_small / ns_huge);
	if (do_small)
		printf("RESULT tool=" TOOL " pages=4k size_mib=%llu accesses=%llu runs=%llu "
		       "ns_per_access=%.2f\n", (unsigned long long)size_mib,
		       (unsigned long long)accesses, (unsigned long long)runs, ns_small);
	if (do_huge)
		printf("RESULT tool=" TOOL " pages=2m size_mib=%llu accesses=%llu runs=%llu "
		       "ns_per_access=%.2f\n", (unsigned long long)size_mib,
		       (unsigned long long)accesses, (unsigned long long)runs, ns_huge);
	return 0;
}
