/* regs.c — the register file of the simulated 82540EM, and the dispatch of the
 * driver's writes to the file that models each register.
 *
 * Models: BAR0 (SDM 13, "Register Descriptions"; 128 KiB, SDM 4.1) the way the NIC's
 * logic sees MMIO: the driver stores into the shared resource0 mapping, and the
 * device notices a store by comparing each watched word with the last value it saw
 * (dev->seen). The device stores the registers it owns (STATUS, ICR, RDH, TDH,
 * EERD/MDIC results, statistics) with a compare-and-swap against dev->seen, so a
 * driver store that lands at the same moment is never lost: the CAS fails and the
 * next poll handles the driver's value. Also here: reset (SDM 13.4.1 CTRL.RST) and
 * CTRL itself.
 *
 * A store of the value a word already holds is invisible. That shapes the
 * command-like registers: ICS, IMC are reset to 0 after they are consumed so the
 * next identical store is seen, and ICR / statistics follow the idioms documented
 * in README.md ("Registers with read side effects").
 *
 * Where each register lives: EERD eeprom.c · MDIC, the link phy.c · ICR, ICS, IMS,
 * IMC, ITR irq.c · PCI config pci.c · statistics stats.c · ring registers ring.c, rx.c,
 * tx.c (through rx_configure, tx_configure and the tail doorbells).
 */
#include "sim.h"

#include <string.h>

static uint32_t *word(struct nicsim *dev, uint32_t off)
{
	return (uint32_t *)&dev->bar[off / 4];
}

/* Store a device-owned value unless the driver wrote the word since we last saw it. */
void regs_publish_word(struct nicsim *dev, uint32_t off, uint32_t value)
{
	uint32_t expected = dev->seen[off / 4];

	if (expected == value)
		return;
	if (__atomic_compare_exchange_n(word(dev, off), &expected, value, 0,
					__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		dev->seen[off / 4] = value;
	/* else: a driver write is pending; regs_poll() handles it, we publish again. */
}

static void set_word_now(struct nicsim *dev, uint32_t off, uint32_t value)
{
	__atomic_store_n(word(dev, off), value, __ATOMIC_RELEASE);
	dev->seen[off / 4] = value;
}

/* ---- reset (SDM 13.4.1 CTRL.RST; power-on) ---- */
void regs_reset(struct nicsim *dev)
{
	const uint8_t *m = dev->cfg.mac;

	/* Everything but CTRL first: a driver waits for CTRL.RST to clear, so CTRL is
	 * written last, when the rest of the device is already in its reset state. */
	memset((void *)(dev->bar + 1), 0, E1K_BAR0_SIZE - 4);
	memset(dev->seen + 1, 0, sizeof(dev->seen) - 4);
	memset(dev->stat, 0, sizeof(dev->stat));
	dev->stats_dirty = false;
	dev->ctrl = E1K_CTRL_FD;
	dev->status = E1K_STATUS_FD | E1K_STATUS_SPEED_1000;
	dev->icr = 0;
	dev->ims = 0;
	dev->rctl = 0;
	dev->tctl = 0;
	dev->link_up = false;
	dev->intx_asserted = false;
	dev->delivered_causes = 0;
	dev->rx_timer_due_ns = 0;
	dev->rx_abs_due_ns = 0;
	memset(&dev->rx, 0, sizeof(dev->rx));
	memset(&dev->tx, 0, sizeof(dev->tx));
	dev->rx_buf_size = 2048;
	dev->tx_frame_len = 0;
	dev->tx_frame_bad = false;
	dev->dd_head = dev->dd_tail = 0;
	dev->rx_wb_count = 0;
	phy_reset(dev);
	rx_flush_fifo(dev, &dev->cnt.rx_drop_disabled);

	set_word_now(dev, E1K_STATUS, dev->status);
	set_word_now(dev, E1K_EECD, 1u << 8);          /* SDM 13.4.3: EE_PRES, EEPROM present */
	set_word_now(dev, E1K_PBA, 0x00100030);        /* SDM 13.4.15: 48 KB RX, 16 KB TX */
	/* RAL0/RAH0 are loaded from the EEPROM at reset (SDM 13.5.2, 5.6). */
	set_word_now(dev, E1K_RAL0, (uint32_t)m[0] | (uint32_t)m[1] << 8 |
		     (uint32_t)m[2] << 16 | (uint32_t)m[3] << 24);
	set_word_now(dev, E1K_RAH0, (uint32_t)m[4] | (uint32_t)m[5] << 8 | E1K_RAH_AV);
	link_update(dev);
	dev->icr = 0;   /* no LSC for the reset itself */
	set_word_now(dev, E1K_CTRL, dev->ctrl | (dev->reset_until_ns ? E1K_CTRL_RST : 0));
}

/* A software reset takes this long: CTRL.RST reads 1 until it is over, as on a real
 * 8254x, so a driver that does not wait for it to clear is caught every time. */
#define RESET_HOLD_NS (10u * 1000 * 1000)

static void on_ctrl(struct nicsim *dev, uint32_t v)
{
	if (dev->reset_until_ns && kit_now_ns() < dev->reset_until_ns)
		diag(dev, "SDM 13.4.1: CTRL written (0x%08X) while the reset is still in progress: "
		     "CTRL.RST reads 1 until the device is done. Wait until RST reads 0 before the "
		     "next CTRL access; a read-modify-write now writes RST back and resets the "
		     "device again", v);
	if (v & E1K_CTRL_RST) {
		/* SDM 13.4.1: RST resets the device (not PCI config) and self-clears. */
		count(&dev->cnt.resets, 1);
		dev->reset_until_ns = kit_now_ns() + RESET_HOLD_NS;
		regs_reset(dev);
		return;
	}
	dev->ctrl = v;
	link_update(dev);
}

static void check_ring_regs(struct nicsim *dev, uint32_t off, uint32_t v)
{
	const char *ring = off < E1K_TDBAL ? "RX" : "TX";
	bool rx = off < E1K_TDBAL;

	if ((off == E1K_RDLEN || off == E1K_TDLEN) && v % E1K_RING_LEN_UNIT)
		diag(dev, "SDM %s: %s=%u is not a multiple of 128 bytes (8 descriptors); the "
		     "device ignores bits 6:0, so the ring has %u descriptors. Allocate a "
		     "multiple of 8 descriptors", rx ? "13.4.27" : "13.4.38",
		     rx ? "RDLEN" : "TDLEN", v, (v & ~127u) / 16);
	if ((off == E1K_RDBAL || off == E1K_TDBAL) && (v & (E1K_RING_ALIGN - 1)))
		diag(dev, "SDM %s: %s ring base 0x%08X is not 16-byte aligned; the device "
		     "ignores bits 3:0 and would use 0x%08X. Align the ring (a page is best)",
		     rx ? "13.4.25" : "13.4.36", ring, v, v & ~15u);
}

static void on_write(struct nicsim *dev, uint32_t off, uint32_t v)
{
	switch (off) {
	case E1K_CTRL:
		on_ctrl(dev, v);
		break;
	case E1K_STATUS:
		diag(dev, "SDM 13.4.2: STATUS is read-only; the driver wrote 0x%08X. "
		     "Set link up with CTRL.SLU instead", v);
		dev->seen[off / 4] = v;   /* regs_publish() stores dev->status back */
		break;
	case E1K_EERD:
		eeprom_eerd_write(dev, v);
		break;
	case E1K_MDIC:
		phy_mdic_write(dev, v);
		break;
	case E1K_ICR: case E1K_ICS: case E1K_IMS: case E1K_IMC:
		irq_write(dev, off, v);
		break;
	case E1K_RCTL:
		dev->rctl = v;
		rx_configure(dev);
		break;
	case E1K_TCTL:
		dev->tctl = v;
		tx_configure(dev);
		break;
	case E1K_RDBAL: case E1K_RDBAH: case E1K_RDLEN:
		check_ring_regs(dev, off, v);
		rx_configure(dev);
		break;
	case E1K_TDBAL: case E1K_TDBAH: case E1K_TDLEN:
		check_ring_regs(dev, off, v);
		tx_configure(dev);
		break;
	case E1K_RDH:
		if (dev->rctl & E1K_RCTL_EN)
			diag(dev, "SDM 13.4.28: RDH written (%u) while the receiver is enabled; "
			     "software writes the head only at initialisation, before RCTL.EN", v);
		dev->rx.head = v;
		rx_configure(dev);
		break;
	case E1K_RDT:
		rx_tail_written(dev, v);
		break;
	case E1K_TDH:
		if (dev->tctl & E1K_TCTL_EN)
			diag(dev, "SDM 13.4.39: TDH written (%u) while the transmitter is enabled; "
			     "software writes the head only at initialisation, before TCTL.EN", v);
		dev->tx.head = v;
		tx_configure(dev);
		break;
	case E1K_TDT:
		tx_tail_written(dev, v);
		break;
	}
}

/* Checked every loop, in the order a driver usually programs them. */
static const uint32_t watched[] = {
	E1K_CTRL, E1K_STATUS, E1K_EERD, E1K_MDIC, E1K_ICR, E1K_ICS, E1K_IMS, E1K_IMC,
	E1K_RDBAL, E1K_RDBAH, E1K_RDLEN, E1K_RDH, E1K_RDT,
	E1K_TDBAL, E1K_TDBAH, E1K_TDLEN, E1K_TDH, E1K_TDT,
	E1K_RCTL, E1K_TCTL,
};

static bool is_watched(uint32_t off)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++)
		if (watched[i] == off)
			return true;
	return false;
}

/* One write of the driver's to register off, seen as a value change by regs_poll or
 * as an event in the write trace (trace.c). */
void regs_write_event(struct nicsim *dev, uint32_t off, uint32_t v)
{
	if (!is_watched(off))
		return;   /* read by the device when it needs it (RAL, MTA, ...) */
	if (!dev->mem_enable) {
		diag(dev, "SDM 4.1: register 0x%04X written while memory space is disabled "
		     "(PCI command bit 1 clear): a real device ignores the write. Set bit 1 "
		     "in config first", off);
		uint32_t expected = v;
		__atomic_compare_exchange_n(word(dev, off), &expected, dev->seen[off / 4], 0,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
		return;
	}
	dev->seen[off / 4] = v;
	on_write(dev, off, v);
}

void regs_poll(struct nicsim *dev)
{
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		uint32_t off = watched[i];
		uint32_t v = bar_load(dev, off);

		if (v != dev->seen[off / 4])
			regs_write_event(dev, off, v);
	}
}

void regs_publish(struct nicsim *dev, bool with_stats)
{
	regs_publish_word(dev, E1K_STATUS, dev->status);
	regs_publish_word(dev, E1K_ICR, dev->icr);
	regs_publish_word(dev, E1K_IMS, dev->ims);
	if (dev->reset_until_ns && kit_now_ns() >= dev->reset_until_ns)
		dev->reset_until_ns = 0;   /* the reset is over: RST clears */
	regs_publish_word(dev, E1K_CTRL, dev->ctrl | (dev->reset_until_ns ? E1K_CTRL_RST : 0));
	regs_publish_word(dev, E1K_RDH, dev->rx.head);
	regs_publish_word(dev, E1K_TDH, dev->tx.head);
	if (with_stats) {
		stats_poll(dev);
		if (dev->stats_dirty)
			stats_publish(dev);
	}
}
