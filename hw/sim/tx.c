/* tx.c — transmit path: descriptors TDH .. TDT-1 -> frame -> wire (SDM 3.3, 3.4).
 *
 * Legacy descriptors only. Buffers of descriptors without EOP are gathered until
 * the EOP descriptor; then the frame goes to the wire backend. DD is written back
 * only for descriptors with RS (SDM 3.3.3.1), and TXDW / TXQE are raised
 * (SDM 3.4.3). The fault "dd_delay_us" delays the DD write-back.
 */
#include "sim.h"

#include <string.h>

#define ETH_MIN 60

static bool tx_ready(struct nicsim *dev)
{
	if (!(dev->tctl & E1K_TCTL_EN))
		return false;
	if (!dev->tx.usable || dev->tx.generation != dev->dma.generation)
		return ring_prepare(dev, &dev->tx, "TX", "3.4");
	return true;
}

void tx_configure(struct nicsim *dev)
{
	if (!(dev->tctl & E1K_TCTL_EN)) {
		dev->tx.usable = false;
		return;
	}
	if (!ring_prepare(dev, &dev->tx, "TX", "3.4")) {
		if (dev->tx.count == 0 || dev->tx.base == 0)
			diag(dev, "SDM 14.5: TX enabled (TCTL.EN) before the ring was programmed "
			     "(TDBAL=0x%08X TDLEN=%u): program TDBAL/TDBAH, TDLEN, TDH and TDT first, "
			     "then set TCTL.EN", bar_load(dev, E1K_TDBAL), bar_load(dev, E1K_TDLEN));
		return;
	}
	tx_tail_written(dev, dev->seen[E1K_TDT / 4]);
}

void tx_tail_written(struct nicsim *dev, uint32_t tdt)
{
	uint32_t n = (bar_load(dev, E1K_TDLEN) & ~127u) / 16;

	dev->tx.tail = tdt;
	dev->tx.tail_ok = tdt < n;
	if (!dev->tx.tail_ok && n > 0)
		diag(dev, "SDM 13.4.40: TDT=%u is beyond the TX ring of %u descriptors; the tail "
		     "must be < TDLEN/16 (wrap it with %% ring size)", tdt, n);
}

static void write_dd(struct nicsim *dev, uint32_t index)
{
	struct e1k_tx_desc *d;

	if (!dev->tx.va || index >= dev->tx.count)
		return;
	d = (struct e1k_tx_desc *)(dev->tx.va + (size_t)index * 16);
	__atomic_store_n(&d->status, (uint8_t)E1K_TXD_STAT_DD, __ATOMIC_RELEASE);
}

void tx_dd_flush(struct nicsim *dev, uint64_t now, bool all)
{
	while (dev->dd_head != dev->dd_tail) {
		struct dd_delay *e = &dev->dd_queue[dev->dd_head % 4096];
		if (!all && now < e->due_ns)
			break;
		write_dd(dev, e->index);
		dev->dd_head++;
	}
}

static void tx_stats(struct nicsim *dev, const uint8_t *frame, uint32_t len)
{
	uint32_t wire = len + 4;

	stat_add(dev, E1K_GPTC, 1);
	stat_add(dev, E1K_TPT, 1);
	stat_add64(dev, E1K_GOTCL, wire);
	stat_add64(dev, E1K_TOTL, wire);
	stat_add(dev, wire <= 64 ? E1K_PTC64 : wire <= 127 ? E1K_PTC127 : wire <= 255 ? E1K_PTC255 :
		 wire <= 511 ? E1K_PTC511 : wire <= 1023 ? E1K_PTC1023 : E1K_PTC1522, 1);
	if (frame[0] & 1)
		stat_add(dev, memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) == 0 ? E1K_BPTC : E1K_MPTC, 1);
}

static void tx_send(struct nicsim *dev, const uint8_t *frame, uint32_t len)
{
	uint8_t padded[ETH_MIN];

	if (len < ETH_MIN && (dev->tctl & E1K_TCTL_PSP)) {   /* SDM 13.4.33 PSP */
		memcpy(padded, frame, len);
		memset(padded + len, 0, ETH_MIN - len);
		frame = padded;
		len = ETH_MIN;
	}
	count(&dev->cnt.tx_frames, 1);
	tx_stats(dev, frame, len);
	wire_transmit(dev, frame, len);
}

/* Process up to one batch of descriptors. Returns true if it did any work. */
bool tx_process(struct nicsim *dev)
{
	struct ring *r = &dev->tx;
	uint32_t done = 0;
	bool wrote_back = false;
	uint32_t delay = dev->cfg.faults.dd_delay_us;
	uint64_t t = delay ? now_ns() : 0;

	if (r->head == r->tail || !r->tail_ok || !tx_ready(dev))
		return false;
	if (!dev->bus_master) {
		if (!dev->warned_no_bus_master)
			diag(dev, "SDM 4.1: TDT was advanced but bus mastering is off (PCI command "
			     "bit 2): the device cannot read descriptors. Set bit 2 in config");
		dev->warned_no_bus_master = true;
		return false;
	}
	while (r->head != r->tail && done < 256) {
		struct e1k_tx_desc *d = (struct e1k_tx_desc *)(r->va + (size_t)r->head * 16);
		uint64_t addr = d->addr;
		uint32_t len = d->length;
		uint8_t cmd = d->cmd;
		bool sent = false;

		if (cmd & E1K_TXD_CMD_DEXT) {
			diag(dev, "SDM 3.3.3: TX descriptor %u has DEXT set (context/data descriptor); "
			     "only legacy descriptors are modelled: clear DEXT", r->head);
			dev->tx_frame_bad = true;
		} else if (len) {
			uint8_t *buf = dma_fast(&dev->dma, addr, len);
			bool eop_only = (cmd & E1K_TXD_CMD_EOP) && dev->tx_frame_len == 0 && !dev->tx_frame_bad;

			if (!buf) {
				const char *why = NULL;
				dma_resolve(&dev->dma, addr, len, &why);
				count(&dev->cnt.dma_refusals, 1);
				diag(dev, "SDM 3.3.3: TX descriptor %u holds buffer address 0x%llx that the "
				     "device cannot read (%u bytes): %s. The frame was dropped", r->head,
				     (unsigned long long)addr, len, why ? why : address_hint(addr));
				dev->tx_frame_bad = true;
			} else if (eop_only) {
				tx_send(dev, buf, len);   /* common case: one buffer, no copy */
				sent = true;
			} else if (dev->tx_frame_len + len > NICSIM_FRAME_MAX) {
				dev->tx_frame_len = NICSIM_FRAME_MAX + 1;
			} else {
				memcpy(dev->tx_frame + dev->tx_frame_len, buf, len);
				dev->tx_frame_len += len;
			}
		}
		if ((cmd & E1K_TXD_CMD_EOP) && !sent) {
			if (dev->tx_frame_bad)
				count(&dev->cnt.tx_drop_dma_refused, 1);
			else if (dev->tx_frame_len > NICSIM_FRAME_MAX) {
				count(&dev->cnt.tx_drop_too_long, 1);
				diag(dev, "SDM 3.3.3: a TX frame is longer than %d bytes; it was dropped",
				     NICSIM_FRAME_MAX);
			} else if (dev->tx_frame_len)
				tx_send(dev, dev->tx_frame, dev->tx_frame_len);
			dev->tx_frame_len = 0;
			dev->tx_frame_bad = false;
		}
		if (cmd & E1K_TXD_CMD_RS) {
			if (delay && dev->dd_tail - dev->dd_head < 4096) {
				struct dd_delay *e = &dev->dd_queue[dev->dd_tail % 4096];
				e->due_ns = t + (uint64_t)delay * 1000;
				e->index = r->head;
				dev->dd_tail++;
			} else {
				write_dd(dev, r->head);
			}
			wrote_back = true;
		}
		r->head = (r->head + 1) % r->count;
		done++;
	}
	count(&dev->cnt.tx_descriptors, done);
	if (wrote_back)
		raise_cause(dev, E1K_ICR_TXDW);
	if (r->head == r->tail)
		raise_cause(dev, E1K_ICR_TXQE);
	return true;
}
