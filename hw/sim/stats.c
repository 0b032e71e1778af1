/* stats.c — the statistics registers (SDM 13.7, 0x4000-0x40FC).
 *
 * Models: the counters the device keeps (GPRC, GORC, MPC, RNBC, CRCERRS, ROC, GPTC,
 * TOR, ...), each counted here in 64 bits (dev->stat) and published into the BAR:
 * the 64-bit ones (GORC, GOTC, TOR, TOT) as low/high pairs, the others saturating at
 * 32 bits. A real 82540EM clears a counter when it is read; a device that polls
 * memory cannot see reads, so on the simulated NIC the counters are cumulative and
 * a driver clears one by writing 0 (README.md, "Registers with read side effects").
 */
#include "sim.h"

/* The 64-bit counters are pairs of registers, low word first (SDM 13.7). */
static bool stat_is_low64(uint32_t off)
{
	return off == E1K_GORCL || off == E1K_GOTCL || off == E1K_TORL || off == E1K_TOTL;
}

static bool stat_is_high64(uint32_t off)
{
	return stat_is_low64(off - 4);
}

/* Count n at the counter at off (published by stats_publish). */
void stat_add(struct nicsim *dev, uint32_t off, uint64_t n)
{
	dev->stat[(off - E1K_STATS_FIRST) / 4] += n;
	dev->stats_dirty = true;
}

void stat_add64(struct nicsim *dev, uint32_t off_low, uint64_t n)
{
	stat_add(dev, off_low, n);
}

/* The value the driver last saw for the counter at off (64-bit pairs combined). */
static uint64_t stat_published(struct nicsim *dev, uint32_t off)
{
	if (stat_is_low64(off))
		return dev->seen[off / 4] | (uint64_t)dev->seen[off / 4 + 1] << 32;
	return dev->seen[off / 4];
}

/* Notice the driver's writes to the counters: 0 clears one, anything else is refused. */
void stats_poll(struct nicsim *dev)
{
	for (uint32_t off = E1K_STATS_FIRST; off <= E1K_STATS_LAST; off += 4) {
		uint32_t v = bar_load(dev, off);
		uint32_t low = stat_is_high64(off) ? off - 4 : off;
		uint64_t *s = &dev->stat[(low - E1K_STATS_FIRST) / 4];

		if (v == dev->seen[off / 4])
			continue;
		if (v == 0) {
			/* "Write 0 to clear" (README): counts the driver has not been shown
			 * yet (not published) are kept. */
			*s -= stat_published(dev, low);
			dev->seen[off / 4] = 0;
			if (stat_is_low64(off))
				dev->seen[off / 4 + 1] = bar_load(dev, off + 4);
			else if (stat_is_high64(off))
				dev->seen[low / 4] = bar_load(dev, low);
			dev->stats_dirty = true;
			continue;
		}
		dev->seen[off / 4] = v;
		dev->stats_dirty = true;   /* republish our value */
		diag(dev, "SDM 13.7: statistics register 0x%04X is read-only; the driver wrote "
		     "0x%08X. On the simulated NIC counters are cumulative and writing 0 clears "
		     "one (see hw/sim/README.md); real hardware clears them on read", off, v);
	}
}

/* Store every counter for the driver to read (32-bit ones saturate). */
void stats_publish(struct nicsim *dev)
{
	for (uint32_t off = E1K_STATS_FIRST; off <= E1K_STATS_LAST; off += 4) {
		uint64_t v = dev->stat[(off - E1K_STATS_FIRST) / 4];

		if (stat_is_high64(off))
			continue;
		if (stat_is_low64(off)) {
			regs_publish_word(dev, off, (uint32_t)v);
			regs_publish_word(dev, off + 4, (uint32_t)(v >> 32));
		} else {
			regs_publish_word(dev, off, v > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)v);
		}
	}
	dev->stats_dirty = false;
}
