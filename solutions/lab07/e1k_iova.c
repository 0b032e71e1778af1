/*
 * e1k_iova.c — lab07: IOVAs for DMA memory (see e1k_iova.h).
 *
 * Read: linux/vfio.h (struct vfio_iommu_type1_dma_map, _dma_unmap); vfio.rst.
 */
#include "e1k_iova.h"

#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "e1k_vfio.h"

#define PAGE_SIZE_4K 4096u

static uint64_t next_iova = E1K_IOVA_BASE;

static uint64_t round_up(uint64_t n, uint64_t to)
{
	return (n + to - 1) / to * to;
}

uint64_t e1k_iova_next(void)
{
	return next_iova;
}

int e1k_iova_map(const void *virt, size_t len, uint64_t *iova, char *err, size_t err_len)
{
	int container = e1k_vfio_container(err, err_len);
	if (container < 0)
		return container;

	/* TODO 6: Map the region for the device at the next IOVA.
	 *   1. virt and len must be multiples of 4 KiB (the IOMMU maps pages;
	 *      the kernel answers EINVAL otherwise): check, and say so with -EINVAL.
	 *   2. struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map),
	 *      .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
	 *      .vaddr = (uintptr_t)virt, .iova = next_iova, .size = len };
	 *      ioctl(container, VFIO_IOMMU_MAP_DMA, &map). The kernel pins the pages
	 *      and charges them to RLIMIT_MEMLOCK: ENOMEM (or EPERM) without root
	 *      usually means `ulimit -l` is too small; say so.
	 *   3. *iova = next_iova; then move next_iova past the region, rounded up to
	 *      E1K_IOVA_ALIGN, plus an unmapped E1K_IOVA_GUARD.
	 *   Return 0 or -errno with err.
	 * Read: linux/vfio.h VFIO_IOMMU_MAP_DMA. */
	// BEGIN SOLUTION 6
	if ((uintptr_t)virt % PAGE_SIZE_4K || len == 0 || len % PAGE_SIZE_4K) {
		snprintf(err, err_len, "cannot map %zu bytes at %p for DMA: the IOMMU maps whole "
			 "4 KiB pages, so the address and the size must be multiples of 4096 "
			 "(VFIO_IOMMU_MAP_DMA would fail with EINVAL)", len, virt);
		return -EINVAL;
	}
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)virt,
		.iova = next_iova,
		.size = len,
	};
	if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map) != 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_IOMMU_MAP_DMA of %zu bytes at IOVA 0x%llx: %s%s", len,
			 (unsigned long long)next_iova, strerror(e), e == ENOMEM || e == EPERM ?
			 " (the pinned pages count against the locked-memory limit: raise `ulimit "
			 "-l`, e.g. in /etc/security/limits.conf)" : "");
		return -e;
	}
	*iova = next_iova;
	next_iova += round_up(len, E1K_IOVA_ALIGN) + E1K_IOVA_GUARD;
	return 0;
	// PLACEHOLDER 6
	// (void)virt; (void)len; (void)iova; (void)round_up;
	// snprintf(err, err_len, "TODO 6 is not done yet (e1k_iova_map)");
	// return -ENOSYS;
	// END SOLUTION 6
}

int e1k_iova_unmap(uint64_t iova, size_t len, char *err, size_t err_len)
{
	int container = e1k_vfio_container(err, err_len);
	if (container < 0)
		return container;

	/* TODO 7: Take [iova, iova + len) away from the device.
	 *   struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap),
	 *   .iova = iova, .size = len }; ioctl(container, VFIO_IOMMU_UNMAP_DMA,
	 *   &unmap). The kernel writes back how many bytes it unmapped in
	 *   unmap.size: anything but len is an error (-EINVAL, say what happened).
	 *   The pages are unpinned; the device faults if it still uses the IOVA.
	 * Read: linux/vfio.h VFIO_IOMMU_UNMAP_DMA. */
	// BEGIN SOLUTION 7
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap), .iova = iova, .size = len };
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) != 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_IOMMU_UNMAP_DMA of IOVA 0x%llx (%zu bytes): %s",
			 (unsigned long long)iova, len, strerror(e));
		return -e;
	}
	if (unmap.size != len) {
		snprintf(err, err_len, "VFIO_IOMMU_UNMAP_DMA of IOVA 0x%llx unmapped %llu bytes, not "
			 "%zu: was it mapped with this size?", (unsigned long long)iova,
			 (unsigned long long)unmap.size, len);
		return -EINVAL;
	}
	return 0;
	// PLACEHOLDER 7
	// (void)iova; (void)len;
	// snprintf(err, err_len, "TODO 7 is not done yet (e1k_iova_unmap)");
	// return -ENOSYS;
	// END SOLUTION 7
}

const struct e1k_dma_mapper e1k_iova_mapper = {
	.name = "vfio",
	.translate = e1k_dma_bus_address,   /* lab03's table of the regions mapped below */
	.map = e1k_iova_map,
	.unmap = e1k_iova_unmap,
};
