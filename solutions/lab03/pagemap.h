/*
 * pagemap.h — lab03: from a virtual address to a physical (bus) address.
 *
 * A device on the PCI bus does not know our page tables: a descriptor must hold
 * the *physical* address of a buffer. Linux shows each process its own page
 * table through /proc/self/pagemap: one 64-bit entry per virtual page, at file
 * offset (virtual address / page size) * 8.
 *
 *   bit  63     page present in RAM
 *   bit  62     page swapped out
 *   bits 0-54   page frame number (PFN) when present
 *   physical address = PFN * page size + (virtual address % page size)
 *
 * The page size here is always the base page size (4096 on x86-64), also for
 * memory backed by 2 MiB hugepages: each 4 KiB piece of a hugepage has its own
 * entry, whose PFN is one more than the one before.
 *
 * Since Linux 4.0 the PFN is a secret: without CAP_SYS_ADMIN the PFN bits read
 * as zero (4.2 and later; 4.0 and 4.1 refused the open). Run as root.
 *
 * Read: the kernel's Documentation/admin-guide/mm/pagemap.rst, proc(5).
 */
#ifndef LAB03_PAGEMAP_H
#define LAB03_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

/* The page size pagemap counts in (sysconf(_SC_PAGESIZE), 4096 on x86-64). */
#define E1K_PAGEMAP_PAGE_SIZE 4096u

/* The bits of a pagemap entry (pagemap.rst). */
#define E1K_PAGEMAP_PRESENT  (1ull << 63)
#define E1K_PAGEMAP_SWAPPED  (1ull << 62)
#define E1K_PAGEMAP_PFN_MASK ((1ull << 55) - 1)

/* Read the raw 64-bit pagemap entry of the page holding virt.
 * Returns 0, or -errno with err saying what went wrong. */
int e1k_pagemap_entry(const void *virt, uint64_t *entry, char *err, size_t err_len);

/* The address the device must be given for virt: what the installed DMA mapper
 * answers (dma_mem.h), by default e1k_pagemap_virt_to_phys. 0 or -errno with err. */
int e1k_virt_to_phys(const void *virt, uint64_t *phys, char *err, size_t err_len);

/* Translate virt to its physical address through pagemap (e1k_pagemap_mapper).
 * Returns 0 with *phys set, or -errno with err explaining the fix:
 *   -EFAULT  the page is not in RAM (never touched, or swapped out):
 *            write to it first and mlock(2) it;
 *   -EPERM   the PFN reads as 0: this process lacks CAP_SYS_ADMIN
 *            (run with sudo, or in the QEMU guest);
 *   other    /proc/self/pagemap could not be opened or read. */
int e1k_pagemap_virt_to_phys(const void *virt, uint64_t *phys, char *err, size_t err_len);

/* Is [virt, virt + len) one physically contiguous range, so that a device can
 * walk it from the physical address of virt? Every page must be present.
 * Returns 1 (contiguous), 0 (not: err names the first page that breaks the
 * run), or -errno from e1k_virt_to_phys (err explains). */
int e1k_phys_contiguous(const void *virt, size_t len, char *err, size_t err_len);

#endif
