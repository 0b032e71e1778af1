/*
 * dma_info — allocate DMA memory the way the driver does and show what you got:
 * the file, the page size, and the physical address of every page.
 *
 *   sudo dma_info                       2 MiB, physically contiguous (rings)
 *   sudo dma_info --size 8M --pages     8 MiB, contiguous per page (pools)
 *   sudo dma_info --pool 1024           a mempool of 1024 x 2048-byte buffers
 *   BYPASSLAB_DMA_DIR=/dev/shm dma_info --size 4096    force the 4 KiB fallback
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dma_mem.h"
#include "mempool.h"
#include "pagemap.h"

#define TOOL "dma_info"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " [options]\n"
		"  --size BYTES   how much to allocate; K, M, G suffixes (default 2M)\n"
		"  --pages        only contiguous per page (e1k_dma_alloc_pages), not as a whole\n"
		"  --every-4k     list every 4 KiB page, not one line per DMA page\n"
		"  --pool COUNT   instead: a mempool of COUNT buffers (--buf-size, default 2048)\n"
		"  --buf-size N   buffer size for --pool\n");
}

static int parse_size(const char *text, uint64_t *out)
{
	char number[64];
	size_t len = strlen(text);
	uint64_t unit = 1;

	if (len == 0 || len >= sizeof(number)) {
		fprintf(stderr, TOOL ": --size '%s': give a size like 4096, 64K or 8M\n", text);
		return -1;
	}
	memcpy(number, text, len + 1);
	switch (number[len - 1]) {
	case 'K': case 'k': unit = 1ull << 10; number[len - 1] = 0; break;
	case 'M': case 'm': unit = 1ull << 20; number[len - 1] = 0; break;
	case 'G': case 'g': unit = 1ull << 30; number[len - 1] = 0; break;
	}
	if (kit_parse_u64(TOOL, "--size", number, 1, (1ull << 40) / unit, out) != 0)
		return -1;
	*out *= unit;
	return 0;
}

static void show_region(const struct e1k_dma *dma, int every_4k)
{
	size_t step = every_4k ? E1K_PAGEMAP_PAGE_SIZE : dma->page_size;
	char err[256];

	printf("file        %s\n", dma->path);
	printf("pages       %s (%zu bytes each)%s\n", dma->huge ? "2 MiB hugepages" : "4 KiB",
	       dma->page_size, dma->huge ? "" : "  <-- fallback: no hugepages");
	printf("size        %zu bytes asked, %zu mapped\n", dma->size, dma->map_size);
	printf("virt        %p\n", dma->virt);
	printf("phys        0x%llx\n", (unsigned long long)dma->phys);
	printf("contiguous  %s\n", dma->contiguous ? "yes, one physical range" : "NO");
	printf("%-8s  %-18s  %-18s  %s\n", "offset", "virt", "phys", "follows the previous page");
	uint64_t prev = 0;
	for (size_t off = 0; off < dma->map_size; off += step) {
		const uint8_t *va = (const uint8_t *)dma->virt + off;
		uint64_t pa;
		if (e1k_virt_to_phys(va, &pa, err, sizeof(err)) != 0) {
			printf("%-8zx  %-18p  %s\n", off, (const void *)va, err);
			continue;
		}
		printf("%-8zx  %-18p  0x%-16llx  %s\n", off, (const void *)va, (unsigned long long)pa,
		       off == 0 ? "-" : pa == prev + step ? "yes" : "NO");
		prev = pa;
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "pages", no_argument, NULL, 'p' },
		{ "every-4k", no_argument, NULL, '4' },
		{ "pool", required_argument, NULL, 'P' },
		{ "buf-size", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t size = 2u << 20, pool_count = 0, buf_size = 2048;
	int per_page = 0, every_4k = 0, opt;
	char err[1024] = "";

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 's': rc = parse_size(optarg, &size); break;
		case 'p': per_page = 1; break;
		case '4': every_4k = 1; break;
		case 'P': rc = kit_parse_u64(TOOL, "--pool", optarg, 1, E1K_MEMPOOL_MAX_COUNT, &pool_count); break;
		case 'b': rc = kit_parse_u64(TOOL, "--buf-size", optarg, E1K_MEMPOOL_MIN_BUF,
					     E1K_MEMPOOL_MAX_BUF, &buf_size); break;
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

	if (pool_count) {
		struct e1k_mempool *pool = e1k_mempool_create((unsigned)pool_count, (unsigned)buf_size,
							      err, sizeof(err));
		if (!pool) {
			fprintf(stderr, TOOL ": %s\n", err);
			return 1;
		}
		show_region(&pool->dma, every_4k);
		printf("pool        %u buffers of %u bytes, %u per 4 KiB page, stride %u\n",
		       pool->count, pool->buf_size, pool->per_page, pool->stride);
		for (unsigned i = 0; i < pool->count && i < 8; i++)
			printf("  buf %-4u  data %p  phys 0x%llx\n", i, (void *)pool->bufs[i].data,
			       (unsigned long long)pool->bufs[i].phys);
		e1k_mempool_destroy(pool);
		return 0;
	}

	struct e1k_dma dma;
	int rc = per_page ? e1k_dma_alloc_pages(&dma, size, err, sizeof(err))
			  : e1k_dma_alloc(&dma, size, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		return 1;
	}
	show_region(&dma, every_4k);
	e1k_dma_free(&dma);
	return 0;
}
