/*
 * dma_alloc.h — the tests' own tiny DMA allocator (lab03 teaches the real one).
 * Follows the kit's convention (hw/sim/README.md, "DMA memory"): one file
 * bypasslab-dma-<pid>-<n> per allocation in hugetlbfs when it is mounted and has
 * free pages, else in /dev/shm ($BYPASSLAB_DMA_DIR overrides); mapped shared,
 * mlocked; physical addresses from /proc/self/pagemap.
 */
#ifndef HW_SIM_TESTS_DMA_ALLOC_H
#define HW_SIM_TESTS_DMA_ALLOC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct dma_mem {
	uint8_t *va;
	size_t size;
	size_t page;          /* 4096 or 2 MiB: memory is physically contiguous per page */
	uint64_t *page_pa;    /* physical address of each page */
	char path[PATH_MAX];
};

/* 0, or -1 with a message on stderr. */
int dma_alloc(struct dma_mem *m, size_t size);
/* Physical address of va (inside m). */
uint64_t dma_pa(const struct dma_mem *m, const void *va);
void dma_release(struct dma_mem *m);
/* 1 when allocations come from hugetlbfs. */
int dma_uses_hugepages(void);

#endif
