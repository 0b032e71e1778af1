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

/* ---- lab07: DMA through an IOMMU ----
 *
 * Here the device is given physical addresses (pagemap.h). Behind an IOMMU
 * (lab07: VFIO) it is given IOVAs instead: I/O virtual addresses that the driver
 * chooses and maps itself, and that the IOMMU translates on every DMA. A backend
 * that works this way installs a mapper; from then on
 *   - every new region of e1k_dma_alloc / e1k_dma_alloc_pages is handed to
 *     mapper->map (when map_dma_file translates its first address), which makes
 *     it reachable by the device and gives back its IOVA: dma->phys holds it;
 *   - e1k_virt_to_phys answers with the IOVA of any address inside such a region
 *     (so the mempool's per-buffer phys and lab04's rings need no change), and
 *     refuses any other address: the device could not reach it;
 *   - e1k_dma_free first takes the region away from the device (mapper->unmap).
 * One mapper per process. NULL, the default, means physical addresses.
 */
struct e1k_dma_mapper {
	const char *name;   /* "vfio" */
	/* Map [virt, virt + len) for the device; *iova = the address it gets. */
	int (*map)(const void *virt, size_t len, uint64_t *iova, char *err, size_t err_len);
	/* Undo map. */
	int (*unmap)(uint64_t iova, size_t len, char *err, size_t err_len);
};

/* Install (or with NULL remove) the process's mapper. Changing it forgets the
 * regions the previous one mapped (their mappings went with it). */
void e1k_dma_set_mapper(const struct e1k_dma_mapper *mapper);
const struct e1k_dma_mapper *e1k_dma_get_mapper(void);

/* With a mapper: the device's address (IOVA) of virt. 0, or -EFAULT when virt
 * is in no region mapped for the device (err says so). e1k_virt_to_phys calls it. */
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
