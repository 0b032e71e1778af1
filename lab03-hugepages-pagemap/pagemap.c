/*
 * pagemap.c — lab03: virtual -> physical through /proc/self/pagemap.
 *
 * Read: Documentation/admin-guide/mm/pagemap.rst, proc(5) /proc/pid/pagemap,
 * pread(2).
 */
#include "pagemap.h"
#include "dma_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int e1k_pagemap_entry(const void *virt, uint64_t *entry, char *err, size_t err_len)
{
	/* TODO 1: Read the 64-bit entry of the page that holds virt.
	 *   - open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC). If that fails, say
	 *     so with strerror(errno) and "run as root" (kernels 4.0 and 4.1 refuse
	 *     the open to users without CAP_SYS_ADMIN).
	 *   - The entry of virtual page n is 8 bytes at file offset n * 8, where
	 *     n = (uintptr_t)virt / E1K_PAGEMAP_PAGE_SIZE (pagemap.rst).
	 *   - pread(2) exactly 8 bytes into *entry; anything else is an error.
	 *   - Close the file on every path. Return 0 or -errno.
	 * Read: pagemap.rst, pread(2). */
	(void)virt;
	*entry = 0;
	snprintf(err, err_len, "TODO 1 is not done yet (e1k_pagemap_entry)");
	return -ENOSYS;
}

int e1k_virt_to_phys(const void *virt, uint64_t *phys, char *err, size_t err_len)
{
	return e1k_dma_get_mapper()->translate(virt, phys, err, err_len);
}

/* The default mapper (dma_mem.h): the device gets physical addresses, which every
 * locked page has already. Nothing is mapped, so no map/unmap: only a mapper whose
 * translate is e1k_dma_bus_address uses them. */
const struct e1k_dma_mapper e1k_pagemap_mapper = {
	.name = "pagemap",
	.translate = e1k_pagemap_virt_to_phys,
};

int e1k_pagemap_virt_to_phys(const void *virt, uint64_t *phys, char *err, size_t err_len)
{
	uint64_t entry;
	int rc = e1k_pagemap_entry(virt, &entry, err, err_len);
	if (rc != 0)
		return rc;

	/* TODO 2: Decode the entry (pagemap.rst) and set *phys.
	 *   - Swapped (bit 62) or not present (bit 63 clear): the page has no frame
	 *     in RAM. Return -EFAULT; err tells the user to touch (write) the page
	 *     first and mlock(2) it so it stays in RAM.
	 *   - Present with PFN (bits 0-54) == 0: the kernel hid the PFN because
	 *     this process lacks CAP_SYS_ADMIN (Linux 4.2 and later). Return -EPERM
	 *     and say so: run with sudo, or in the QEMU guest.
	 *   - Otherwise *phys = PFN * E1K_PAGEMAP_PAGE_SIZE + the offset of virt
	 *     inside its page. Return 0.
	 * Read: pagemap.rst ("Bits 0-54 page frame number (PFN) if present"). */
	(void)entry;
	*phys = 0;
	snprintf(err, err_len, "TODO 2 is not done yet (e1k_pagemap_virt_to_phys)");
	return -ENOSYS;
}

int e1k_phys_contiguous(const void *virt, size_t len, char *err, size_t err_len)
{
	if (len == 0) {
		snprintf(err, err_len, "an empty range has no physical address");
		return -EINVAL;
	}

	/* TODO 3: Check that every page of [virt, virt + len) sits right after the
	 * one before it in physical memory.
	 *   - Translate virt to first_phys (e1k_virt_to_phys; pass errors on).
	 *   - For every following page start p (p = virt rounded down to a page,
	 *     plus k * E1K_PAGEMAP_PAGE_SIZE, while p < virt + len): translate p;
	 *     it must equal first_phys + (p - virt).
	 *   - At the first page that does not: write where it breaks into err (its
	 *     virtual address, the physical address found and the one expected, as
	 *     a phrase: callers print "not physically contiguous (%s)"); return 0.
	 *   - All in order: return 1.
	 * Hint: work with uintptr_t for the arithmetic, not with void *. */
	(void)virt;
	snprintf(err, err_len, "TODO 3 is not done yet (e1k_phys_contiguous)");
	return -ENOSYS;
}
