/*
 * dma_mem.c — lab03: allocating DMA memory as a named, locked, mapped file.
 *
 * Read: mmap(2) (MAP_SHARED, MAP_POPULATE), mlock(2), ftruncate(2), open(2)
 * (O_EXCL), Documentation/admin-guide/mm/hugetlbpage.rst.
 */
#include "dma_mem.h"
#include "pagemap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

/* <n> in bypasslab-dma-<pid>-<n>: one counter per process. */
static atomic_uint next_file_number;
static atomic_int fallback_warned;

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* ---- the mapper, and the regions it mapped for the device (see dma_mem.h) ---- */

#define MAX_MAPPED_REGIONS 256

static const struct e1k_dma_mapper *dma_mapper = &e1k_pagemap_mapper;
static struct {
	uintptr_t virt;
	size_t len;
	uint64_t iova;
} mapped[MAX_MAPPED_REGIONS];
static unsigned mapped_count;
static pthread_mutex_t mapped_lock = PTHREAD_MUTEX_INITIALIZER;
/* The size of the region dma_alloc is mapping on this thread right now: the
 * first translation map_dma_file asks for (its start) maps the whole region. */
static _Thread_local size_t region_being_allocated;

void e1k_dma_set_mapper(const struct e1k_dma_mapper *mapper)
{
	pthread_mutex_lock(&mapped_lock);
	dma_mapper = mapper;
	mapped_count = 0;
	pthread_mutex_unlock(&mapped_lock);
}

const struct e1k_dma_mapper *e1k_dma_get_mapper(void)
{
	return dma_mapper;
}

int e1k_dma_bus_address(const void *virt, uint64_t *bus, char *err, size_t err_len)
{
	uintptr_t v = (uintptr_t)virt;
	int rc = 0;

	pthread_mutex_lock(&mapped_lock);
	for (unsigned i = 0; i < mapped_count; i++) {
		if (v >= mapped[i].virt && v - mapped[i].virt < mapped[i].len) {
			*bus = mapped[i].iova + (v - mapped[i].virt);
			pthread_mutex_unlock(&mapped_lock);
			return 0;
		}
	}
	if (region_being_allocated == 0) {
		snprintf(err, err_len, "%p is not in DMA memory mapped for the device (%s): only "
			 "memory from e1k_dma_alloc has a bus address", virt, dma_mapper->name);
		rc = -EFAULT;
	} else if (mapped_count == MAX_MAPPED_REGIONS) {
		snprintf(err, err_len, "more than %d DMA regions mapped for the device: free some "
			 "(rings and pools are a few regions each)", MAX_MAPPED_REGIONS);
		rc = -ENOSPC;
	} else {
		size_t len = region_being_allocated;
		rc = dma_mapper->map(virt, len, bus, err, err_len);
		if (rc == 0) {
			mapped[mapped_count].virt = v;
			mapped[mapped_count].len = len;
			mapped[mapped_count].iova = *bus;
			mapped_count++;
			region_being_allocated = 0;
		}
	}
	pthread_mutex_unlock(&mapped_lock);
	return rc;
}

/* Take the region starting at virt away from the device, if the mapper mapped it. */
static void unmap_for_device(const void *virt)
{
	pthread_mutex_lock(&mapped_lock);
	for (unsigned i = 0; i < mapped_count; i++) {
		if (mapped[i].virt == (uintptr_t)virt) {
			char err[256];
			if (dma_mapper->unmap(mapped[i].iova, mapped[i].len, err, sizeof(err)) != 0)
				fprintf(stderr, "bypasslab: %s\n", err);
			mapped[i] = mapped[--mapped_count];
			break;
		}
	}
	pthread_mutex_unlock(&mapped_lock);
}

/* Create <dir>/bypasslab-dma-<pid>-<n> with dma->map_size bytes; sets dma->fd
 * and dma->path. */
static int create_dma_file(struct e1k_dma *dma, const char *dir, char *err, size_t err_len)
{
	/* TODO 4: Create the file the memory will live in.
	 *   - Name it exactly "%s/" E1K_DMA_FILE_PREFIX "%d-%u" with dir, getpid()
	 *     and the next number from next_file_number (atomic_fetch_add): the
	 *     simulated NIC finds DMA memory by this name. Check what snprintf
	 *     returns (>= sizeof(dma->path): the name does not fit, -ENAMETOOLONG):
	 *     without that check -Werror=format-truncation stops the build.
	 *   - open(2) it O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode 0600. EEXIST
	 *     means a file of that name is left over: take the next number.
	 *   - ftruncate(2) it to dma->map_size. On hugetlbfs the size must be a
	 *     multiple of the huge page size (EINVAL otherwise).
	 *   - Store the descriptor in dma->fd and the name in dma->path; on an error
	 *     close and unlink what you created, explain in err, return -errno.
	 * Read: open(2) O_EXCL, ftruncate(2), hugetlbpage.rst. */
	// BEGIN SOLUTION 4
	for (;;) {
		unsigned n = atomic_fetch_add(&next_file_number, 1);
		if (snprintf(dma->path, sizeof(dma->path), "%s/" E1K_DMA_FILE_PREFIX "%d-%u", dir,
			     (int)getpid(), n) >= (int)sizeof(dma->path)) {
			snprintf(err, err_len, "the directory name %s is too long", dir);
			dma->path[0] = 0;
			return -ENAMETOOLONG;
		}
		dma->fd = open(dma->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (dma->fd >= 0)
			break;
		if (errno != EEXIST) {
			int e = errno;
			snprintf(err, err_len, "cannot create %s: %s", dma->path, strerror(e));
			dma->path[0] = 0;
			return -e;
		}
	}
	if (ftruncate(dma->fd, (off_t)dma->map_size) != 0) {
		int e = errno;
		snprintf(err, err_len, "ftruncate %s to %zu bytes: %s%s", dma->path, dma->map_size,
			 strerror(e), e == EINVAL ? " (on hugetlbfs the size must be a multiple of "
			 "the huge page size)" : "");
		close(dma->fd);
		dma->fd = -1;
		unlink(dma->path);
		dma->path[0] = 0;
		return -e;
	}
	return 0;
	// PLACEHOLDER 4
	// (void)dma; (void)dir;
	// (void)next_file_number;
	// snprintf(err, err_len, "TODO 4 is not done yet (create_dma_file)");
	// return -ENOSYS;
	// END SOLUTION 4
}

/* Map dma->fd, lock it, zero it and find the physical address of its start. */
static int map_dma_file(struct e1k_dma *dma, char *err, size_t err_len)
{
	/* TODO 5: Make the file's pages real, pinned RAM at dma->virt.
	 *   1. mmap(2) dma->map_size bytes, PROT_READ | PROT_WRITE, MAP_SHARED (the
	 *      simulated NIC maps the same file) | MAP_POPULATE (fault every page in
	 *      now). On hugetlbfs, ENOMEM here means the pool has no free hugepages:
	 *      say "echo N > /proc/sys/vm/nr_hugepages". On failure leave
	 *      dma->virt NULL (not MAP_FAILED).
	 *   2. mlock(2) the whole mapping so no page is ever swapped or moved.
	 *      ENOMEM/EPERM: the RLIMIT_MEMLOCK limit (ulimit -l); run as root.
	 *   3. memset it to zero: the device must never see old data.
	 *   4. dma->phys = e1k_virt_to_phys(dma->virt, ...); pass errors on.
	 * Return 0 or -errno; e1k_dma_free() cleans up after a failure. */
	// BEGIN SOLUTION 5
	void *virt = mmap(NULL, dma->map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  dma->fd, 0);
	if (virt == MAP_FAILED) {
		int e = errno;
		if (e == ENOMEM && dma->huge)
			snprintf(err, err_len, "mmap of %zu bytes of hugepages failed: no free 2 MiB "
				 "pages left in the pool (HugePages_Free in /proc/meminfo). Reserve "
				 "more: echo N > /proc/sys/vm/nr_hugepages", dma->map_size);
		else
			snprintf(err, err_len, "mmap of %zu bytes of %s: %s", dma->map_size, dma->path,
				 strerror(e));
		return -e;
	}
	dma->virt = virt;
	if (mlock(dma->virt, dma->map_size) != 0) {
		int e = errno;
		snprintf(err, err_len, "mlock of %zu bytes: %s: the locked-memory limit (ulimit -l) "
			 "is too small; raise it or run as root", dma->map_size, strerror(e));
		return -e;
	}
	memset(dma->virt, 0, dma->map_size);
	return e1k_virt_to_phys(dma->virt, &dma->phys, err, err_len);
	// PLACEHOLDER 5
	// (void)dma;
	// snprintf(err, err_len, "TODO 5 is not done yet (map_dma_file)");
	// return -ENOSYS;
	// END SOLUTION 5
}

static void warn_fallback(const struct e1k_dma *dma, const char *why, char *err, size_t err_len)
{
	snprintf(err, err_len, "WARNING: DMA memory %s is on 4 KiB pages, not hugepages (%s). "
		 "4 KiB pages are physically contiguous only one page at a time, so rings and "
		 "buffers must not cross a 4 KiB boundary, and many small pages cost TLB misses",
		 dma->path, why);
	if (atomic_exchange(&fallback_warned, 1) == 0)
		fprintf(stderr, "bypasslab: %s\n", err);
}

static int dma_alloc(struct e1k_dma *dma, size_t size, int need_contiguous,
		     char *err, size_t err_len)
{
	char dir[PATH_MAX], why_not_huge[512];
	size_t page_size;

	memset(dma, 0, sizeof(*dma));
	dma->fd = -1;
	if (size == 0) {
		snprintf(err, err_len, "cannot allocate 0 bytes of DMA memory: ask for the size of "
			 "the ring or pool (a ring of 256 descriptors is 4096 bytes)");
		return -EINVAL;
	}
	if (size > E1K_DMA_MAX_SIZE) {
		snprintf(err, err_len, "%zu bytes of DMA memory is more than the kit allows (%zu, "
			 "1 GiB): a NIC needs a few MiB at most; check the size computation",
			 size, E1K_DMA_MAX_SIZE);
		return -EINVAL;
	}
	int rc = e1k_dma_choose_dir(dir, sizeof(dir), &page_size, why_not_huge,
				    sizeof(why_not_huge), err, err_len);
	if (rc != 0)
		return rc;
	unsigned long added = 0;
	if (page_size == E1K_HUGEPAGE_SIZE) {
		unsigned long pages = round_up(size, page_size) / page_size;
		struct statfs fs;
		if (statfs(dir, &fs) == 0 && fs.f_blocks > 0 && fs.f_bfree < pages) {
			/* Not the pool: the mount's own limit (mount -o size=...). */
			snprintf(why_not_huge, sizeof(why_not_huge), "the hugetlbfs mount at %.120s is "
				 "limited to %llu pages by its size= option and has %llu free, %lu needed: "
				 "remount it larger (mount -o remount,size=NM %.120s) or point %s at another "
				 "mount", dir, (unsigned long long)fs.f_blocks,
				 (unsigned long long)fs.f_bfree, pages, dir, E1K_DMA_DIR_ENV);
			rc = -ENOMEM;
		} else {
			rc = e1k_hugepages_ensure_free(pages, &added, why_not_huge, sizeof(why_not_huge));
		}
		if (rc != 0) {
			e1k_hugepages_release(added);   /* what a failed reservation got: back */
			added = 0;
			const char *env = getenv(E1K_DMA_DIR_ENV);
			if (env && env[0]) {   /* the user asked for this directory: no fallback */
				snprintf(err, err_len, "%s", why_not_huge);
				return rc;
			}
			snprintf(dir, sizeof(dir), "/dev/shm");
			page_size = E1K_SMALL_PAGE_SIZE;
		}
	}
	e1k_dma_remove_stale(dir);

	dma->size = size;
	dma->hugepages_added = added;   /* the pool goes back to its size when this is freed */
	dma->page_size = page_size;
	dma->huge = page_size == E1K_HUGEPAGE_SIZE;
	dma->map_size = round_up(size, page_size);
	rc = create_dma_file(dma, dir, err, err_len);
	region_being_allocated = dma->map_size;   /* for a mapper that maps regions */
	if (rc == 0)
		rc = map_dma_file(dma, err, err_len);
	region_being_allocated = 0;
	if (rc != 0) {
		e1k_dma_free(dma);
		return rc;
	}

	char detail[256] = "";
	rc = e1k_phys_contiguous(dma->virt, dma->map_size, detail, sizeof(detail));
	if (rc < 0) {
		snprintf(err, err_len, "%s", detail);
		e1k_dma_free(dma);
		return rc;
	}
	dma->contiguous = rc;
	if (need_contiguous && !dma->contiguous) {
		snprintf(err, err_len, "the %zu-byte region in %s is not physically contiguous (%s): "
			 "the device adds offsets to one bus address, so it needs one physical range. "
			 "Keep a ring within one %s page (or allocate it page by page)", dma->map_size,
			 dma->path, detail,
			 dma->huge ? "2 MiB" : "4 KiB");
		e1k_dma_free(dma);
		return -ENOMEM;
	}
	if (dma->huge)
		err[0] = 0;
	else
		warn_fallback(dma, why_not_huge, err, err_len);
	return 0;
}

int e1k_dma_alloc(struct e1k_dma *dma, size_t size, char *err, size_t err_len)
{
	return dma_alloc(dma, size, 1, err, err_len);
}

int e1k_dma_alloc_pages(struct e1k_dma *dma, size_t size, char *err, size_t err_len)
{
	return dma_alloc(dma, size, 0, err, err_len);
}

void e1k_dma_free(struct e1k_dma *dma)
{
	if (dma->virt)   /* the device loses access first (if the mapper mapped it) */
		unmap_for_device(dma->virt);
	/* TODO 6: Undo e1k_dma_alloc, also after a failure half-way through it.
	 *   - munmap(2) dma->virt if it is not NULL (this also unlocks it);
	 *   - close(2) dma->fd if it is >= 0;
	 *   - unlink(2) dma->path if it is not empty: the file name is how the
	 *     simulated NIC finds our memory, and hugepages stay taken while the
	 *     file exists;
	 *   - then set virt NULL, fd -1, path "" so a second call does nothing. */
	// BEGIN SOLUTION 6
	if (dma->virt)
		munmap(dma->virt, dma->map_size);
	if (dma->fd >= 0)
		close(dma->fd);
	if (dma->path[0])
		unlink(dma->path);
	dma->virt = NULL;
	dma->fd = -1;
	dma->path[0] = 0;
	dma->phys = 0;
	// PLACEHOLDER 6
	// (void)dma;
	// END SOLUTION 6
	/* The hugepages this allocation added to the pool (nr_hugepages) go back: the kit
	 * leaves the machine's reservation as it found it. */
	if (dma->hugepages_added) {
		e1k_hugepages_release(dma->hugepages_added);
		dma->hugepages_added = 0;
	}
}
