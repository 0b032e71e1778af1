/* ring.c — one descriptor ring as the device sees it.
 *
 * Models: a ring's registers (RX: RDBAL, RDBAH, RDLEN, SDM 13.4.25-27; TX: TDBAL,
 * TDBAH, TDLEN, SDM 13.4.36-38): the base is a physical address, 16-byte aligned,
 * the length a multiple of 128 bytes, each descriptor 16 bytes (SDM 3.2.4, 3.3.3).
 * The device resolves the ring to its own mapping of the driver's DMA memory
 * (dma.c) once, and again whenever the mappings change; rx.c and tx.c then walk it
 * from head to tail (SDM 3.2.6, 3.4).
 */
#include "sim.h"

/* The registers of each ring, and the SDM section a diagnostic cites. */
const struct ring_regs rx_ring_regs = { E1K_RDBAL, E1K_RDBAH, E1K_RDLEN, "RX", "3.2.6" };
const struct ring_regs tx_ring_regs = { E1K_TDBAL, E1K_TDBAH, E1K_TDLEN, "TX", "3.4" };

/* What a bad DMA address probably is, for the diagnostics. */
const char *address_hint(uint64_t pa)
{
	if (pa == 0)
		return "the address is 0: the descriptor was never filled in";
	if (pa >= 0x100000000000ull)
		return "it looks like a virtual address: descriptors need the physical address "
		       "from /proc/self/pagemap (lab03)";
	return "no DMA file contains it: allocate DMA memory as bypasslab-dma-<pid>-<n> in "
	       "hugetlbfs or /dev/shm and keep it mapped while the device uses it";
}

bool ring_prepare(struct nicsim *dev, struct ring *r, const struct ring_regs *regs)
{
	const char *name = regs->name, *sdm = regs->sdm;
	uint32_t lo = reg_value(dev, regs->bal);
	uint32_t hi = reg_value(dev, regs->bah);
	uint32_t len = reg_value(dev, regs->len) & ~127u;   /* SDM 13.4.27: bits 6:0 ignored */
	const char *why = NULL;

	r->base = ((uint64_t)hi << 32 | lo) & ~15ull;       /* SDM 13.4.25: bits 3:0 ignored */
	r->len_bytes = len;
	r->count = len / 16;
	r->va = NULL;
	r->usable = false;
	r->generation = dev->dma.generation;
	if (r->count == 0 || r->base == 0)
		return false;
	if (r->head >= r->count) {
		diag(dev, "SDM %s: %s head %u is beyond the ring of %u descriptors; write the "
		     "head (0) before enabling", sdm, name, r->head, r->count);
		return false;
	}
	r->va = dma_resolve(&dev->dma, r->base, len, &why);
	if (!r->va) {
		count(&dev->cnt.dma_refusals, 1);
		diag(dev, "SDM %s: %s ring base 0x%llx (%u bytes) is not DMA memory the device "
		     "can reach: %s", sdm, name, (unsigned long long)r->base, len,
		     why ? why : address_hint(r->base));
		return false;
	}
	r->usable = true;
	return true;
}

