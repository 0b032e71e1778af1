/*
 * e1k_mmio.h — lab02: the NIC's registers as memory (MMIO).
 *
 * BAR0 is 128 KiB of device registers. Once mapped, a 32-bit load from
 * bar0 + 0x0008 *is* a read of the STATUS register: the CPU turns it into a PCIe
 * memory read that the NIC answers. Two rules follow:
 *
 *   1. Every access must really happen, once, in program order, and be 32 bits
 *      wide: use a `volatile uint32_t *`. Without volatile the compiler may drop
 *      a "useless" second read of a register that polls for a bit to change, or
 *      merge two writes into one.
 *   2. Memory the NIC reads by DMA (descriptors, lab04) must be written *before*
 *      the register write that tells the NIC to look (the "doorbell"). On x86
 *      stores are not reordered with other stores, so a compiler barrier is
 *      enough; on other CPUs a real fence is needed. We use a release fence,
 *      which is both.
 *
 * Read: SDM 13 ("Register Descriptions") and 13.1 on access width;
 * ixy's "Device drivers in user space" paper, section on MMIO.
 */
#ifndef LAB02_E1K_MMIO_H
#define LAB02_E1K_MMIO_H

#include <stddef.h>
#include <stdint.h>

#include "e1000_regs.h"   /* E1K_BAR0_SIZE: 128 KiB, SDM 4.1 */


/* Map resource0 of the device directory dir (read/write, shared). Returns the
 * mapping and its length, or NULL with err saying what to do. */
volatile uint8_t *e1k_map_bar0(const char *dir, size_t *len, char *err, size_t err_len);
void e1k_unmap_bar0(volatile uint8_t *bar0, size_t len);

/* Read the 32-bit register at byte offset reg. */
static inline uint32_t e1k_read32(volatile uint8_t *bar0, uint32_t reg)
{
	/* TODO 3: One 32-bit volatile load from bar0 + reg, then an acquire
	 * fence (__atomic_thread_fence(__ATOMIC_ACQUIRE)) so that nothing we
	 * read afterwards (a descriptor the NIC wrote) is read before it.
	 * Read: the comment at the top of this file; C11 7.17.4 (fences). */
	(void)bar0; (void)reg;
	return 0xFFFFFFFF;   /* what a read from a device that is not there returns */
}

/* Write the 32-bit register at byte offset reg. */
static inline void e1k_write32(volatile uint8_t *bar0, uint32_t reg, uint32_t value)
{
	/* TODO 4: A release fence first (everything written before this call,
	 * such as descriptors, becomes visible before the register write), then
	 * one 32-bit volatile store to bar0 + reg. */
	(void)bar0; (void)reg; (void)value;
}

/* Read-modify-write helpers for single bits. */
static inline void e1k_set_bits(volatile uint8_t *bar0, uint32_t reg, uint32_t bits)
{
	e1k_write32(bar0, reg, e1k_read32(bar0, reg) | bits);
}

static inline void e1k_clear_bits(volatile uint8_t *bar0, uint32_t reg, uint32_t bits)
{
	e1k_write32(bar0, reg, e1k_read32(bar0, reg) & ~bits);
}

#endif
