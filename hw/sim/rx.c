/* rx.c — receive path: wire frame -> address filter -> RX FIFO -> descriptors.
 *
 * The device owns descriptors RDH .. RDT-1 (SDM 3.2.6). For each frame it writes
 * the data into one or more buffers of RCTL.BSIZE bytes, then each descriptor's
 * length/errors and finally its status with DD (EOP on the last one), so a driver
 * that reads DD first and the rest after a read barrier sees a complete frame.
 * Frames that find no free descriptor wait in a 48 KB FIFO (RNBC counts them);
 * when the FIFO is full they are dropped (MPC, RXO) - exactly as on a wire.
 *
 * Models: SDM 3.2 (receive: descriptors 3.2.3, ring 3.2.6, interrupts 3.2.7),
 * RCTL (13.4.22: EN, LPE, SBP, BSIZE/BSEX, SECRC, RDMTS), the exact-match filters
 * RAL/RAH (13.5.2-3), RDT (13.4.29), the delay timers RDTR/RADV (13.4.30-31) and
 * the receive statistics (13.7). The ring registers and their checks: ring.c.
 */
#include "sim.h"

#include <string.h>

#define ETH_MIN 60          /* shortest frame without FCS (IEEE 802.3) */
#define ETH_MAX 1514        /* longest frame without FCS when RCTL.LPE is clear */
#define FCS_LEN 4

static bool rx_ready(struct nicsim *dev)
{
	if (!(dev->rctl & E1K_RCTL_EN))
		return false;
	if (!dev->rx.usable || dev->rx.generation != dev->dma.generation)
		return ring_prepare(dev, &dev->rx, &rx_ring_regs);
	return true;
}

void rx_flush_fifo(struct nicsim *dev, uint64_t *drop_counter)
{
	uint32_t n = 0;

	if (!dev->rx_fifo.slots)
		return;
	while (queue_peek(&dev->rx_fifo)) {
		queue_pop(&dev->rx_fifo);
		n++;
	}
	dev->rx_fifo_bytes = 0;
	count(drop_counter, n);
	count(&dev->cnt.rx_pending, 0 - (uint64_t)n);
}

void rx_configure(struct nicsim *dev)
{
	uint32_t rctl = dev->rctl;
	uint32_t bsize = (rctl & E1K_RCTL_BSIZE_MASK) >> 16;
	static const uint32_t sizes[2][4] = { { 2048, 1024, 512, 256 }, { 2048, 16384, 8192, 4096 } };

	if ((rctl & E1K_RCTL_BSEX) && bsize == 0)
		diag(dev, "SDM 13.4.22: RCTL.BSEX=1 with BSIZE=00 is reserved; use BSIZE 01/10/11 "
		     "(16384/8192/4096) or clear BSEX (2048)");
	dev->rx_buf_size = sizes[(rctl & E1K_RCTL_BSEX) ? 1 : 0][bsize];
	if (rctl & E1K_RCTL_LBM_MASK)
		diag(dev, "SDM 13.4.22: RCTL.LBM (MAC loopback) is not modelled (QEMU ignores it "
		     "too); use PHY loopback (BMCR bit 14 through MDIC) or the loopback backend");

	if (!(rctl & E1K_RCTL_EN)) {
		dev->rx.usable = false;
		rx_flush_fifo(dev, &dev->cnt.rx_drop_disabled);
		return;
	}
	if (!ring_prepare(dev, &dev->rx, &rx_ring_regs)) {
		if (dev->rx.count == 0 || dev->rx.base == 0)
			diag(dev, "SDM 14.4: RX enabled (RCTL.EN) before the ring was programmed "
			     "(RDBAL=0x%08X RDLEN=%u): program RDBAL/RDBAH, RDLEN, RDH and RDT first, "
			     "then set RCTL.EN", reg_value(dev, E1K_RDBAL), reg_value(dev, E1K_RDLEN));
		return;
	}
	rx_tail_written(dev, dev->seen[E1K_RDT / 4]);
}

/* Descriptors old_tail .. rdt-1 are the device's again: a driver that gives one back
 * with DD still set will take the old frame for a new one when the ring comes round
 * (SDM 3.2.3: software clears the status before it returns the descriptor). */
static void rx_check_returned(struct nicsim *dev, uint32_t old_tail, uint32_t rdt)
{
	struct ring *r = &dev->rx;
	if (!r->usable || !r->va || dev->warned_dd_returned || old_tail >= r->count || rdt >= r->count)
		return;
	for (uint32_t i = old_tail, steps = 0; i != rdt && steps < r->count; steps++) {
		uint8_t status = __atomic_load_n(r->va + (size_t)i * 16 + 12, __ATOMIC_ACQUIRE);
		if (status & E1K_RXD_STAT_DD) {
			dev->warned_dd_returned = true;
			diag(dev, "SDM 3.2.3: RX descriptor %u was given back (RDT=%u) with its status "
			     "still set (0x%02x, DD): zero the status before moving RDT, or the driver "
			     "takes the old frame for a new one when the ring comes round", i, rdt, status);
			return;
		}
		i = i + 1 == r->count ? 0 : i + 1;
	}
}

void rx_tail_written(struct nicsim *dev, uint32_t rdt)
{
	uint32_t n = (reg_value(dev, E1K_RDLEN) & ~127u) / 16;

	if (dev->rx.tail_ok && rdt < n)
		rx_check_returned(dev, dev->rx.tail, rdt);
	dev->rx.tail = rdt;
	dev->rx.tail_ok = rdt < n;
	if (!dev->rx.tail_ok && n > 0)
		diag(dev, "SDM 13.4.29: RDT=%u is beyond the RX ring of %u descriptors; the tail "
		     "must be < RDLEN/16 (wrap it with %% ring size)", rdt, n);
}

uint32_t rx_free_descriptors(struct nicsim *dev)
{
	struct ring *r = &dev->rx;

	if (!r->tail_ok || !r->usable || r->count == 0)
		return 0;
	return r->tail >= r->head ? r->tail - r->head : r->tail + r->count - r->head;
}

/* SDM 3.2.1 / 13.5: exact address filters, multicast hash, promiscuous bits. */
static bool rx_accept(struct nicsim *dev, const uint8_t *dst)
{
	uint32_t rctl = dev->rctl;
	static const uint8_t bcast[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };

	if (memcmp(dst, bcast, 6) == 0)
		return (rctl & (E1K_RCTL_BAM | E1K_RCTL_MPE)) != 0;
	for (int i = 0; i < E1K_RA_COUNT; i++)
		if (dev->ra_valid[i] && memcmp(dst, dev->ra_cache[i], 6) == 0)
			return true;
	if (dst[0] & 1) {
		/* SDM 13.5.1: MO selects bits [47:36], [46:35], [45:34] or [43:32]. */
		static const uint8_t lo_shift[4] = { 4, 3, 2, 0 }, hi_shift[4] = { 4, 5, 6, 8 };
		uint32_t mo = (rctl & E1K_RCTL_MO_MASK) >> E1K_RCTL_MO_SHIFT;
		uint32_t hash = ((uint32_t)dst[4] >> lo_shift[mo] | (uint32_t)dst[5] << hi_shift[mo]) & 0xFFF;

		if (rctl & E1K_RCTL_MPE)
			return true;
		return (bar_load(dev, E1K_MTA + (hash >> 5) * 4) >> (hash & 31)) & 1;
	}
	return (rctl & E1K_RCTL_UPE) != 0;
}

/* SDM 13.7: TPR and TOR count every frame that reached the MAC (n at once). */
static void rx_stats_offered(struct nicsim *dev, uint32_t len, uint64_t n)
{
	stat_add(dev, E1K_TPR, n);
	stat_add64(dev, E1K_TORL, n * ((len < ETH_MIN ? ETH_MIN : len) + FCS_LEN));
}

/* SDM 13.7: the counters of good frames, for n frames of len bytes that share
 * their destination address (one frame, or a generator burst). */
static void rx_stats_good(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint64_t n)
{
	uint32_t wire = len + FCS_LEN;

	stat_add(dev, E1K_GPRC, n);
	stat_add64(dev, E1K_GORCL, n * wire);
	stat_add(dev, wire <= 64 ? E1K_PRC64 : wire <= 127 ? E1K_PRC127 : wire <= 255 ? E1K_PRC255 :
		 wire <= 511 ? E1K_PRC511 : wire <= 1023 ? E1K_PRC1023 : E1K_PRC1522, n);
	if (frame[0] & 1)
		stat_add(dev, memcmp(frame, "\xff\xff\xff\xff\xff\xff", 6) == 0 ? E1K_BPRC : E1K_MPRC, n);
}

/* Interrupts after frames that used `used` descriptors (SDM 3.2.7): RXT0 now or
 * after the RDTR/RADV delay, RXDMT0 when the free descriptors fall to the
 * RCTL.RDMTS fraction of the ring. Once per frame or once per burst: the causes
 * are level-like bits in ICR, so raising them once for a burst is the same. */
static void rx_signal(struct nicsim *dev, uint32_t used)
{
	uint32_t free_now = rx_free_descriptors(dev);
	uint32_t shift = 1 + ((dev->rctl & E1K_RCTL_RDMTS_MASK) >> E1K_RCTL_RDMTS_SHIFT);
	uint32_t threshold = dev->rx.count >> shift;

	if (dev->rdtr == 0) {
		raise_cause(dev, E1K_ICR_RXT0);
	} else {
		uint64_t t = kit_now_ns();
		dev->rx_timer_due_ns = t + (uint64_t)dev->rdtr * 1024;
		if (dev->radv && !dev->rx_abs_due_ns)
			dev->rx_abs_due_ns = t + (uint64_t)dev->radv * 1024;
	}
	if (free_now <= threshold && free_now + used > threshold)
		raise_cause(dev, E1K_ICR_RXDMT0);
}

static struct e1k_rx_desc *rx_desc(struct nicsim *dev, uint32_t index)
{
	return (struct e1k_rx_desc *)(dev->rx.va + (size_t)index * 16);
}

/* Queue the write-back of descriptor `index`. Like a real NIC the device writes
 * descriptors back in bursts (rx_writeback), each one whole - fields, then DD -
 * so the driver's core sees its cache line written once per burst. */
static void rx_queue_writeback(struct nicsim *dev, uint32_t index, uint32_t length,
			       uint8_t errors, uint8_t status)
{
	struct rx_wb_entry *e = &dev->rx_wb[dev->rx_wb_count];

	e->index = index;
	e->length = (uint16_t)length;
	e->errors = errors;
	e->status = status;
	if (++dev->rx_wb_count == RX_WB_MAX)
		rx_writeback(dev);
}

static void rx_advance_head(struct nicsim *dev)
{
	if (++dev->rx.head == dev->rx.count)
		dev->rx.head = 0;
}

/* Write one frame into the ring. Returns false (nothing written) if the ring lacks
 * descriptors. errors: E1K_RXD_ERR_* for the last descriptor. */
static bool rx_store(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint8_t errors)
{
	struct ring *r = &dev->rx;
	uint32_t bsize = dev->rx_buf_size;
	uint32_t stored = len + ((dev->rctl & E1K_RCTL_SECRC) ? 0 : FCS_LEN);
	uint32_t need = (stored + bsize - 1) / bsize;
	uint8_t with_fcs[NICSIM_FRAME_MAX + FCS_LEN];
	uint32_t done = 0;
	bool refused = false;

	if (rx_free_descriptors(dev) < need)
		return false;
	if (stored != len) {   /* SECRC clear: the FCS goes into the buffer too */
		uint32_t crc = eth_crc32(frame, len);
		memcpy(with_fcs, frame, len);
		with_fcs[len] = (uint8_t)crc;
		with_fcs[len + 1] = (uint8_t)(crc >> 8);
		with_fcs[len + 2] = (uint8_t)(crc >> 16);
		with_fcs[len + 3] = (uint8_t)(crc >> 24);
		if (errors & E1K_RXD_ERR_CE)
			with_fcs[len] ^= 0xFF;
		frame = with_fcs;
	}
	for (uint32_t i = 0; i < need; i++) {
		struct e1k_rx_desc *d = rx_desc(dev, r->head);
		uint32_t piece = stored - done < bsize ? stored - done : bsize;
		bool last = i + 1 == need;
		uint64_t addr = d->addr;
		uint8_t *buf = refused ? NULL : dma_fast(&dev->dma, addr, piece);
		uint8_t status = E1K_RXD_STAT_DD | (last ? E1K_RXD_STAT_EOP : 0);

		if (!buf && !refused) {
			const char *why = NULL;
			dma_resolve(&dev->dma, addr, piece, &why);
			refused = true;
			count(&dev->cnt.dma_refusals, 1);
			diag(dev, "SDM 3.2.3: RX descriptor %u holds buffer address 0x%llx that the "
			     "device cannot DMA to (%u bytes): %s. The frame was dropped", r->head,
			     (unsigned long long)addr, piece, why ? why : address_hint(addr));
		}
		if (buf)
			memcpy(buf, frame + done, piece);
		rx_queue_writeback(dev, r->head, refused ? 0 : piece,
				   last ? (uint8_t)(refused ? E1K_RXD_ERR_RXE : errors) : 0, status);
		done += piece;
		rx_advance_head(dev);
	}
	if (refused) {
		count(&dev->cnt.rx_drop_dma_refused, 1);
		return true;
	}
	count(&dev->cnt.rx_delivered, 1);
	rx_stats_good(dev, frame, len, 1);
	rx_signal(dev, need);
	return true;
}

/* Write the queued descriptors back, oldest first: length and errors, then the
 * status with DD, so a driver that reads DD first and the rest after a read
 * barrier sees a complete descriptor (SDM 3.2.3). */
void rx_writeback(struct nicsim *dev)
{
	for (uint32_t i = 0; i < dev->rx_wb_count; i++) {
		const struct rx_wb_entry *e = &dev->rx_wb[i];
		struct e1k_rx_desc *d = rx_desc(dev, e->index);

		d->length = e->length;
		d->checksum = 0;
		d->errors = e->errors;
		d->special = 0;
		__atomic_store_n(&d->status, e->status, __ATOMIC_RELEASE);
	}
	dev->rx_wb_count = 0;
}

/* ---- the generator's fast path (see sim.h) ----
 * rx_offer() decides per frame: enabled? link? bus master? oversize? filter?
 * FIFO? FCS? For a burst of generator frames every answer is the same for each
 * frame (only the payload differs, and registers change only between device
 * loops), so rx_burst_begin() asks once and the burst skips straight to the copy.
 * Anything unusual (faults, FCS in the buffer, multi-buffer frames, a FIFO with
 * older frames) returns 0 and the caller uses the per-frame path. */
uint32_t rx_burst_begin(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint32_t want)
{
	uint32_t n;

	if (!(dev->rctl & E1K_RCTL_EN) || !dev->link_up || !dev->bus_master)
		return 0;              /* rx_offer counts each drop reason */
	if (dev->rx_fifo_bytes)
		return 0;              /* older frames wait in the FIFO: keep their order */
	if (!(dev->rctl & E1K_RCTL_SECRC))
		return 0;              /* the FCS would differ per frame: rx_store computes it */
	if (len < ETH_MIN || len > ETH_MAX || len > dev->rx_buf_size)
		return 0;              /* padding, oversize, or more than one buffer per frame */
	if (!rx_ready(dev) || !rx_accept(dev, frame))
		return 0;
	n = rx_free_descriptors(dev);
	if (n > want)
		n = want;
	return n;
}

uint8_t *rx_burst_buffer(struct nicsim *dev, uint32_t len)
{
	/* A lookup in this burst rescanned the DMA files and unmapped some: the ring
	 * pointer may be stale. Stop; rx_offer() checks the ring again (rx_ready). */
	if (dev->rx.generation != dev->dma.generation)
		return NULL;
	return dma_fast(&dev->dma, rx_desc(dev, dev->rx.head)->addr, len);
}

void rx_burst_commit(struct nicsim *dev, uint32_t len)
{
	rx_queue_writeback(dev, dev->rx.head, len, 0, E1K_RXD_STAT_DD | E1K_RXD_STAT_EOP);
	rx_advance_head(dev);
}

void rx_burst_end(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint32_t n)
{
	if (n == 0)
		return;
	count(&dev->cnt.rx_offered, n);
	count(&dev->cnt.rx_delivered, n);
	rx_stats_offered(dev, len, n);
	rx_stats_good(dev, frame, len, n);
	rx_signal(dev, n);
}

void rx_timers(struct nicsim *dev, uint64_t now)
{
	if ((dev->rx_timer_due_ns && now >= dev->rx_timer_due_ns) ||
	    (dev->rx_abs_due_ns && now >= dev->rx_abs_due_ns)) {
		raise_cause(dev, E1K_ICR_RXT0);
		dev->rx_timer_due_ns = 0;
		dev->rx_abs_due_ns = 0;
	}
}

static bool fifo_push(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint8_t errors)
{
	/* the frame's RX error bits travel with it, as the slot's tag */
	if (dev->rx_fifo_bytes + len + 16 > RX_FIFO_BYTES ||
	    queue_push_tagged(&dev->rx_fifo, frame, len, errors) != 0)
		return false;
	dev->rx_fifo_bytes += len + 16;
	count(&dev->cnt.rx_pending, 1);
	return true;
}

void rx_drain(struct nicsim *dev)
{
	struct frame_slot *s;

	if (!dev->rx_fifo_bytes)
		return;
	if (!rx_ready(dev) || !dev->bus_master)
		return;
	while ((s = queue_peek(&dev->rx_fifo)) != NULL) {
		uint32_t len = s->len;
		uint8_t errors = (uint8_t)s->tag;

		if (!rx_store(dev, s->data, len, errors))
			break;
		queue_pop(&dev->rx_fifo);
		dev->rx_fifo_bytes -= len + 16;
		count(&dev->cnt.rx_pending, (uint64_t)-1);
	}
}

void rx_offer(struct nicsim *dev, const uint8_t *frame, uint32_t len, bool fcs_bad)
{
	uint8_t padded[ETH_MIN];
	uint8_t errors = 0;
	uint32_t max = (dev->rctl & E1K_RCTL_LPE) ? NICSIM_FRAME_MAX - FCS_LEN : ETH_MAX;

	count(&dev->cnt.rx_offered, 1);
	if (!(dev->rctl & E1K_RCTL_EN)) {
		count(&dev->cnt.rx_drop_disabled, 1);
		return;
	}
	if (!dev->link_up) {
		count(&dev->cnt.rx_drop_link_down, 1);
		return;
	}
	if (!dev->bus_master) {
		if (!dev->warned_no_bus_master)
			diag(dev, "SDM 4.1: a frame arrived but bus mastering is off (PCI command "
			     "bit 2): the device cannot DMA, frames are dropped. Set bit 2 in config");
		dev->warned_no_bus_master = true;
		count(&dev->cnt.rx_drop_no_dma, 1);
		return;
	}
	rx_stats_offered(dev, len, 1);
	if (len < ETH_MIN) {   /* the wire pads short frames (QEMU does the same) */
		memcpy(padded, frame, len);
		memset(padded + len, 0, ETH_MIN - len);
		frame = padded;
		len = ETH_MIN;
	}
	if (len > max) {       /* SDM 13.4.22 LPE, 13.7 ROC */
		stat_add(dev, E1K_ROC, 1);
		count(&dev->cnt.rx_drop_oversize, 1);
		return;
	}
	if (fcs_bad) {         /* SDM 13.7 CRCERRS; SBP stores bad packets */
		stat_add(dev, E1K_CRCERRS, 1);
		if (!(dev->rctl & E1K_RCTL_SBP)) {
			count(&dev->cnt.rx_drop_bad_crc, 1);
			return;
		}
		errors = E1K_RXD_ERR_CE;
	}
	if (!rx_accept(dev, frame)) {
		count(&dev->cnt.rx_drop_filtered, 1);
		return;
	}
	if (!rx_ready(dev)) {
		count(&dev->cnt.rx_drop_dma_refused, 1);
		return;
	}
	if (dev->rx_fifo_bytes)
		rx_drain(dev);    /* keep arrival order: older frames first */
	if (!dev->rx_fifo_bytes && rx_store(dev, frame, len, errors))
		return;
	stat_add(dev, E1K_RNBC, 1);   /* SDM 13.7: arrived with no free descriptor */
	count(&dev->cnt.rx_no_buffer_events, 1);
	if (fifo_push(dev, frame, len, errors))
		return;
	stat_add(dev, E1K_MPC, 1);    /* SDM 13.7: FIFO full, frame missed */
	raise_cause(dev, E1K_ICR_RXO);
	count(&dev->cnt.rx_drop_no_buffer, 1);
}

/* Refresh the exact-match filters from RAL/RAH (SDM 13.5.2-13.5.3) and the RX
 * delay timers (SDM 13.4.30-31) once per burst of frames. */
void rx_refresh_filters(struct nicsim *dev)
{
	dev->rdtr = bar_load(dev, E1K_RDTR) & 0xFFFF;
	dev->radv = bar_load(dev, E1K_RADV) & 0xFFFF;
	for (int i = 0; i < E1K_RA_COUNT; i++) {
		uint32_t lo = bar_load(dev, E1K_RAL0 + 8 * i);
		uint32_t hi = bar_load(dev, E1K_RAH0 + 8 * i);

		dev->ra_valid[i] = hi & E1K_RAH_AV;
		dev->ra_cache[i][0] = (uint8_t)lo;
		dev->ra_cache[i][1] = (uint8_t)(lo >> 8);
		dev->ra_cache[i][2] = (uint8_t)(lo >> 16);
		dev->ra_cache[i][3] = (uint8_t)(lo >> 24);
		dev->ra_cache[i][4] = (uint8_t)hi;
		dev->ra_cache[i][5] = (uint8_t)(hi >> 8);
	}
}
