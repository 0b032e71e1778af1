/*
 * dma_mem.h — lab03: memory a device can DMA into.
 *
 * A NIC reads descriptors and packet buffers by physical address, on its own,
 * while our program runs. So DMA memory must be
 *   - pinned:      the page may never be swapped out (mlock(2)) or moved
 *                  (hugetlbfs pages are not moved by compaction; 4 KiB ones can be);
 *   - translated:  we hand the device physical addresses (pagemap.h);
 *   - contiguous:  a ring or a buffer the device walks must be one physical
 *                  range, because the device just adds offsets to its address.
 *
 * Hugepages give all three cheaply: a 2 MiB page of a hugetlbfs file is 2 MiB
 * of physically contiguous RAM that is never swapped. The fallback, a file in
 * /dev/shm, has 4 KiB pages that are contiguous only inside one page: it works
 * for anything that fits one page, and it is flagged loudly.
 *
 * File naming (the simulated NIC, hw/sim, finds DMA memory this way):
 *   <dir>/bypasslab-dma-<pid>-<n>
 * <dir> is $BYPASSLAB_DMA_DIR if set, else the first hugetlbfs mount in
 * /proc/mounts (mounted at /dev/hugepages by us when root and none exists),
 * else /dev/shm. The file exists while the memory is mapped; e1k_dma_free
 * unlinks it. Every allocation first removes stale bypasslab-dma-<pid>-* files
 * whose process no longer exists (a driver that crashed cannot clean up).
 *
 * Read: Documentation/admin-guide/mm/hugetlbpage.rst, mmap(2), mlock(2),
 * ftruncate(2), statfs(2).
 */
#ifndef LAB03_DMA_MEM_H
#define LAB03_DMA_MEM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define E1K_HUGEPAGE_SIZE   (2u << 20)          /* 2 MiB, x86-64's default huge page */
#define E1K_SMALL_PAGE_SIZE 4096u
#define E1K_DMA_MAX_SIZE    ((size_t)1 << 30)   /* 1 GiB: far beyond any ring or pool */
#define E1K_DMA_FILE_PREFIX "bypasslab-dma-"
#define E1K_DMA_DIR_ENV     "BYPASSLAB_DMA_DIR"

struct e1k_dma {
	void *virt;             /* where the region is mapped in this process */
	uint64_t phys;          /* physical (bus) address of virt[0] */
	size_t size;            /* bytes asked for */
	size_t map_size;        /* bytes mapped: size rounded up to page_size */
	size_t page_size;       /* E1K_HUGEPAGE_SIZE, or 4096 on the fallback */
	int huge;               /* 1: hugetlbfs; 0: the 4 KiB /dev/shm fallback */
	int contiguous;         /* 1: all of map_size is one physical range */
	int fd;                 /* the open file, -1 when not allocated */
	char path[PATH_MAX];    /* the file: <dir>/bypasslab-dma-<pid>-<n> */
	unsigned long hugepages_added;   /* raised nr_hugepages by this much: e1k_dma_free gives them back */
};

/* Allocate size bytes of zeroed, locked, physically contiguous DMA memory.
 * Returns 0, or -errno with err explaining the fix:
 *   -EINVAL  size 0 or above E1K_DMA_MAX_SIZE, or a bad $BYPASSLAB_DMA_DIR;
 *   -ENOMEM  no memory, no free hugepages (err gives the exact command to
 *            reserve them), or the pages found are not physically contiguous.
 * On success with the 4 KiB fallback (dma->huge == 0), err holds the warning
 * (also printed once on stderr); on hugepages err is set to "". */
int e1k_dma_alloc(struct e1k_dma *dma, size_t size, char *err, size_t err_len);

/* Like e1k_dma_alloc, but the region only needs to be contiguous inside each
 * 4 KiB page (dma->contiguous says whether all of it is). For a mempool, whose
 * buffers never cross a 4 KiB boundary and each have their own phys. */
int e1k_dma_alloc_pages(struct e1k_dma *dma, size_t size, char *err, size_t err_len);

/* Unmap, close and unlink. Safe to call twice, and on a zeroed struct. */
void e1k_dma_free(struct e1k_dma *dma);

/* ---- the device's addresses: the mapper ----
 *
 * How the device addresses DMA memory is one small interface. The default,
 * e1k_pagemap_mapper (pagemap.c), gives it physical addresses: every locked page
 * has one, nothing needs mapping, translate reads pagemap. Behind an IOMMU the
 * device is given I/O virtual addresses instead, which the driver chooses and
 * maps itself and the IOMMU translates on every DMA. A mapper of that kind
 * (lab07 adds one) uses e1k_dma_bus_address as its translate, and then
 *   - every new region of e1k_dma_alloc / e1k_dma_alloc_pages is handed to
 *     mapper->map (when map_dma_file translates its first address), which makes
 *     it reachable by the device and gives back its bus address: dma->phys;
 *   - e1k_virt_to_phys answers with the bus address of any address inside such a
 *     region (so the mempool's per-buffer phys and lab04's rings need no change),
 *     and refuses any other address: the device could not reach it;
 *   - e1k_dma_free first takes the region away from the device (mapper->unmap).
 * One mapper per process.
 */
struct e1k_dma_mapper {
	const char *name;   /* "pagemap" */
	/* The device's address of virt (e1k_virt_to_phys calls it). 0 or -errno. */
	int (*translate)(const void *virt, uint64_t *bus, char *err, size_t err_len);
	/* With e1k_dma_bus_address as translate: map [virt, virt + len) for the
	 * device; *bus = the address it gets. */
	int (*map)(const void *virt, size_t len, uint64_t *bus, char *err, size_t err_len);
	/* Undo map. */
	int (*unmap)(uint64_t bus, size_t len, char *err, size_t err_len);
};

/* Install the process's mapper (e1k_pagemap_mapper, the default, puts physical
 * addresses back). Changing it forgets the regions the previous one mapped
 * (their mappings went with it). */
void e1k_dma_set_mapper(const struct e1k_dma_mapper *mapper);
const struct e1k_dma_mapper *e1k_dma_get_mapper(void);

/* The default: physical addresses, translate = e1k_pagemap_virt_to_phys. */
extern const struct e1k_dma_mapper e1k_pagemap_mapper;

/* A translate for a mapper that maps each region itself: the bus address of virt
 * in a region mapped for the device. 0, or -EFAULT when virt is in no such region
 * (err says so). */
int e1k_dma_bus_address(const void *virt, uint64_t *bus, char *err, size_t err_len);

/* ---- where DMA files go (hugetlbfs.c) ---- */

/* Choose the directory for DMA files and its page size, as described above.
 * When the answer is the 4 KiB fallback, why_not_huge says why (with the fix).
 * Returns 0, or -errno (a bad $BYPASSLAB_DMA_DIR) with err saying what to do. */
int e1k_dma_choose_dir(char *dir, size_t dir_len, size_t *page_size,
		       char *why_not_huge, size_t why_len, char *err, size_t err_len);

/* Make sure `pages` 2 MiB hugepages are free for us: reserves more when root
 * (writes /proc/sys/vm/nr_hugepages). Returns 0, or -ENOMEM with err giving
 * the exact command to run. *added (may be NULL) gets how many were added. */
int e1k_hugepages_ensure_free(unsigned long pages, unsigned long *added,
			      char *err, size_t err_len);

/* Give back `pages` hugepages added by e1k_hugepages_ensure_free. */
void e1k_hugepages_release(unsigned long pages);

/* Remove <dir>/bypasslab-dma-<pid>-* files whose process is gone.
 * Returns how many were removed. */
int e1k_dma_remove_stale(const char *dir);

#endif
