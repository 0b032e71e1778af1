/*
 * e1k_iova.h — lab07: DMA memory the device reaches through the IOMMU.
 *
 * With UIO a descriptor holds a physical address (lab03's pagemap): the device
 * can write anywhere in RAM, and only root may even learn those addresses. With
 * VFIO it holds an IOVA, an address in the device's own address space, which
 * the IOMMU translates on every DMA through a table the driver fills:
 *
 *   process                        IOMMU table (this container)       RAM
 *   virt 0x7f3a00000000  -- MAP_DMA -->  IOVA 0x1000000000  ------>  page at phys 0x3a200000
 *   (any other IOVA)                     no entry: the DMA is blocked, a "DMAR fault"
 *
 * We choose the IOVAs: from E1K_IOVA_BASE upwards, each region starting on a
 * 2 MiB boundary, with an unmapped 2 MiB guard gap after it (a device that runs
 * past a ring's end faults instead of writing into the next region).
 *
 * lab03's DMA allocator calls the mapper below for every new region (dma_mem.h,
 * "the device's addresses: the mapper"), so dma->phys and every buffer's phys
 * are IOVAs and lab04's rings and lab05's bursts need no change. e1k_open_vfio
 * installs it.
 *
 * Read: linux/vfio.h VFIO_IOMMU_MAP_DMA / VFIO_IOMMU_UNMAP_DMA; vfio.rst.
 */
#ifndef LAB07_E1K_IOVA_H
#define LAB07_E1K_IOVA_H

#include <stddef.h>
#include <stdint.h>

#include "dma_mem.h"

/* 64 GiB: not an address of this machine's RAM, so an IOVA in a log or a
 * descriptor is recognisable, and far below the 39-bit (512 GiB) IOVA space of
 * QEMU's intel-iommu and of most real IOMMUs. */
#define E1K_IOVA_BASE   0x1000000000ull
#define E1K_IOVA_ALIGN  (2u << 20)      /* each region starts on a 2 MiB boundary */
#define E1K_IOVA_GUARD  (2u << 20)      /* and is followed by 2 MiB left unmapped */

/* Map [virt, virt + len) for DMA (read and write) at the next free IOVA.
 * virt and len must be multiples of the 4 KiB page size. 0 with *iova set, or
 * -errno with err saying what to do. */
int e1k_iova_map(const void *virt, size_t len, uint64_t *iova, char *err, size_t err_len);

/* Remove the mapping of [iova, iova + len). 0 or -errno with err. */
int e1k_iova_unmap(uint64_t iova, size_t len, char *err, size_t err_len);

/* The IOVA the next mapping will get (tests use it to find unmapped IOVAs). */
uint64_t e1k_iova_next(void);

/* The mapper for lab03's dma_mem (e1k_dma_set_mapper). */
extern const struct e1k_dma_mapper e1k_iova_mapper;

#endif
