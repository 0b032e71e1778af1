/* tx.c — transmit path: descriptors TDH .. TDT-1 -> frame -> wire (SDM 3.3, 3.4).
 *
 * Legacy descriptors only. Buffers of descriptors without EOP are gathered until
 * the EOP descriptor; then the frame goes to the wire backend. DD is written back
 * only for descriptors with RS (SDM 3.3.3.1), and TXDW / TXQE are raised
 * (SDM 3.4.3). The fault "dd_delay_us" delays the DD write-back.
 *
 * Models: SDM 3.3 (legacy TX descriptors 3.3.3, RS/DD 3.3.3.1-2), 3.4 (the ring,
 * TDH/TDT, 13.4.39-40), TCTL (13.4.33: EN, PSP) and the transmit statistics (13.7).
 * The ring registers and their checks: ring.c.
 */
#include "sim.h"

#include <string.h>

#define ETH_MIN 60

static bool tx_ready(struct nicsim *dev)
{
	if (!(dev->tctl & E1K_TCTL_EN))
		return false;
	if (!dev->tx.usable || dev->tx.generation != dev->dma.generation)
		return ring_prepare(dev, &dev->tx, &tx_ring_regs);
	return true;
}

void tx_configure(struct nicsim *dev)
{
	if (!(dev->tctl & E1K_TCTL_EN)) {
		dev->tx.usable = false;
		return;
	}
	if (!ring_prepare(dev, &dev->tx, &tx_ring_regs)) {
		if (dev->tx.count == 0 || dev->tx.base == 0)
			diag(dev, "SDM 14.5: TX enabled (TCTL.EN) before the ring was programmed "
			     "(TDBAL=0x%08X TDLEN=%u): program TDBAL/TDBAH, TDLEN, TDH and TDT first, "
			     "then set TCTL.EN", reg_value(dev, E1K_TDBAL), reg_value(dev, E1K_TDLEN));
		return;
	}
	tx_tail_written(dev, dev->seen[E1K_TDT / 4]);
}

void tx_tail_written(struct nicsim *dev, uint32_t tdt)
{
	uint32_t n = (reg_value(dev, E1K_TDLEN) & ~127u) / 16;

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

/* Statistics of the frames sent during one tx_process() call, added to the
 * registers once at its end (SDM 13.7) instead of eight additions per frame. */
struct tx_tally {
	uint64_t frames;
	uint64_t octets;             /* with FCS, as GOTC/TOT count them */
	uint64_t by_size[6];         /* PTC64, PTC127, PTC255, PTC511, PTC1023, PTC1522 */
	uint64_t broadcast, multicast;
};

static void tx_tally_frame(struct tx_tally *t, const uint8_t *frame, uint32_t len)
{
	uint32_t wire = len + 4;

	t->frames++;
	t->octets += wire;
	t->by_size[wire <= 64 ? 0 : wire <= 127 ? 1 : wire <= 255 ? 2 : wire <= 511 ? 3 :
		   wire <= 1023 ? 4 : 5]++;
	if (frame[0] & 1) {
		if (memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) == 0)
			t->broadcast++;
		else
			t->multicast++;
	}
}

static void tx_tally_publish(struct nicsim *dev, const struct tx_tally *t)
{
	static const uint32_t ptc[6] = { E1K_PTC64, E1K_PTC127, E1K_PTC255, E1K_PTC511,
					 E1K_PTC1023, E1K_PTC1522 };

	if (t->frames == 0)
		return;
	count(&dev->cnt.tx_frames, t->frames);
	stat_add(dev, E1K_GPTC, t->frames);
	stat_add(dev, E1K_TPT, t->frames);
	stat_add64(dev, E1K_GOTCL, t->octets);
	stat_add64(dev, E1K_TOTL, t->octets);
	for (int i = 0; i < 6; i++)
		if (t->by_size[i])
			stat_add(dev, ptc[i], t->by_size[i]);
	if (t->broadcast)
		stat_add(dev, E1K_BPTC, t->broadcast);
	if (t->multicast)
		stat_add(dev, E1K_MPTC, t->multicast);
}

static void tx_send(struct nicsim *dev, struct tx_tally *t, const uint8_t *frame, uint32_t len)
{
	uint8_t padded[ETH_MIN];

	if (len < ETH_MIN && (dev->tctl & E1K_TCTL_PSP)) {   /* SDM 13.4.33 PSP */
		memcpy(padded, frame, len);
		memset(padded + len, 0, ETH_MIN - len);
		frame = padded;
		len = ETH_MIN;
	}
	tx_tally_frame(t, frame, len);
	wire_transmit(dev, frame, len);
}

/* One descriptor as the device fetched it (SDM 3.3.3), with the model's pointer
 * to its buffer (NULL: no data, DEXT, or an address the device cannot read) and
 * the DMA generation that pointer belongs to. */
struct tx_fetched {
	uint64_t addr;
	uint32_t len;
	uint8_t cmd;
	uint8_t *buf;
	unsigned generation;
};

#define TX_FETCH_BURST 32

/* Fetch up to TX_FETCH_BURST descriptors from TDH on, like the NIC's descriptor
 * prefetch (the driver may not touch them until DD or TDH says so, SDM 3.4), and
 * start loading their buffers. The driver has just written both - descriptors and
 * frame data - so each is a cache miss on this core; issuing all the loads of a
 * burst before using any overlaps the misses instead of paying them in turn. */
static uint32_t tx_fetch(struct nicsim *dev, struct tx_fetched *f)
{
	struct ring *r = &dev->tx;
	uint32_t n = 0, i = r->head;

	while (i != r->tail && n < TX_FETCH_BURST) {
		const struct e1k_tx_desc *d = (const struct e1k_tx_desc *)(r->va + (size_t)i * 16);

		f[n].addr = d->addr;
		f[n].len = d->length;
		f[n].cmd = d->cmd;
		f[n].buf = NULL;
		if (f[n].len && !(f[n].cmd & E1K_TXD_CMD_DEXT)) {
			f[n].buf = dma_fast(&dev->dma, f[n].addr, f[n].len);
			if (f[n].buf)
				__builtin_prefetch(f[n].buf);
		}
		f[n].generation = dev->dma.generation;
		n++;
		if (++i == r->count)   /* wrap without a division */
			i = 0;
	}
	return n;
}

/* Act on one fetched descriptor at TDH: gather its buffer, send the frame at EOP,
 * write DD back if RS. Returns true if it wrote (or queued) a DD. */
static bool tx_descriptor(struct nicsim *dev, struct tx_tally *t, const struct tx_fetched *f,
			  uint64_t now)
{
	struct ring *r = &dev->tx;
	uint32_t delay = dev->cfg.faults.dd_delay_us;
	uint32_t len = f->len;
	uint8_t cmd = f->cmd;
	uint8_t *buf = f->buf;
	bool sent = false;

	/* A lookup since the fetch rescanned the DMA files and unmapped some: the
	 * fetched pointer may be gone, resolve the address again. */
	if (f->generation != dev->dma.generation && len && !(cmd & E1K_TXD_CMD_DEXT))
		buf = dma_fast(&dev->dma, f->addr, len);

	if (cmd & E1K_TXD_CMD_DEXT) {
		diag(dev, "SDM 3.3.3: TX descriptor %u has DEXT set (context/data descriptor); "
		     "only legacy descriptors are modelled: clear DEXT", r->head);
		dev->tx_frame_bad = true;
	} else if (len) {
		bool eop_only = (cmd & E1K_TXD_CMD_EOP) && dev->tx_frame_len == 0 && !dev->tx_frame_bad;

		if (!buf) {
			const char *why = NULL;
			dma_resolve(&dev->dma, f->addr, len, &why);
			count(&dev->cnt.dma_refusals, 1);
			diag(dev, "SDM 3.3.3: TX descriptor %u holds buffer address 0x%llx that the "
			     "device cannot read (%u bytes): %s. The frame was dropped", r->head,
			     (unsigned long long)f->addr, len, why ? why : address_hint(f->addr));
			dev->tx_frame_bad = true;
		} else if (eop_only) {
			tx_send(dev, t, buf, len);   /* common case: one buffer, no copy */
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
			tx_send(dev, t, dev->tx_frame, dev->tx_frame_len);
		dev->tx_frame_len = 0;
		dev->tx_frame_bad = false;
	}
	if (!(cmd & E1K_TXD_CMD_RS))
		return false;
	if (delay && dev->dd_tail - dev->dd_head < 4096) {
		struct dd_delay *e = &dev->dd_queue[dev->dd_tail % 4096];
		e->due_ns = now + (uint64_t)delay * 1000;
		e->index = r->head;
		dev->dd_tail++;
	} else {
		write_dd(dev, r->head);
	}
	return true;
}

/* Process up to 256 descriptors, a fetched burst at a time. Returns true if it
 * did any work. */
bool tx_process(struct nicsim *dev)
{
	struct ring *r = &dev->tx;
	struct tx_fetched fetched[TX_FETCH_BURST];
	struct tx_tally tally = { 0 };
	uint32_t done = 0;
	bool wrote_back = false;
	uint64_t now = dev->cfg.faults.dd_delay_us ? kit_now_ns() : 0;

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
		uint32_t n = tx_fetch(dev, fetched);

		for (uint32_t i = 0; i < n; i++) {
			wrote_back |= tx_descriptor(dev, &tally, &fetched[i], now);
			if (++r->head == r->count)
				r->head = 0;
		}
		done += n;
	}
	tx_tally_publish(dev, &tally);
	count(&dev->cnt.tx_descriptors, done);
	if (wrote_back)
		raise_cause(dev, E1K_ICR_TXDW);
	if (r->head == r->tail)
		raise_cause(dev, E1K_ICR_TXQE);
	return true;
}
