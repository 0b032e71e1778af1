/* regs.c — the register file of the simulated 82540EM, seen the way the NIC's logic
 * sees MMIO: the driver stores into the shared resource0 mapping, and the device
 * notices a store by comparing each watched word with the last value it saw
 * (dev->seen). The device stores the registers it owns (STATUS, ICR, RDH, TDH,
 * EERD/MDIC results, statistics) with a compare-and-swap against dev->seen, so a
 * driver store that lands at the same moment is never lost: the CAS fails and the
 * next poll handles the driver's value.
 *
 * A store of the value a word already holds is invisible. That shapes the
 * command-like registers: ICS, IMC are reset to 0 after they are consumed so the
 * next identical store is seen, and ICR / statistics follow the idioms documented
 * in README.md ("Registers with read side effects").
 */
#include "sim.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

/* ---- EEPROM (SDM 5.6, Table 5-2): MAC in words 0-2, IDs, checksum word 3Fh ---- */
void eeprom_init(struct nicsim *dev)
{
	uint16_t sum = 0;
	const uint8_t *m = dev->cfg.mac;

	memset(dev->eeprom, 0xFF, sizeof(dev->eeprom));
	dev->eeprom[0] = (uint16_t)(m[0] | m[1] << 8);
	dev->eeprom[1] = (uint16_t)(m[2] | m[3] << 8);
	dev->eeprom[2] = (uint16_t)(m[4] | m[5] << 8);
	dev->eeprom[0x0B] = 0x001E;                   /* SDM Table 5-2: subsystem ID */
	dev->eeprom[0x0C] = E1K_PCI_VENDOR_INTEL;     /* subsystem vendor ID */
	dev->eeprom[0x0D] = dev->cfg.device_id ? dev->cfg.device_id : E1K_PCI_DEVICE_82540EM;   /* device ID */
	dev->eeprom[0x0E] = E1K_PCI_VENDOR_INTEL;     /* vendor ID */
	for (int i = 0; i < E1K_EEPROM_CHECKSUM; i++)
		sum = (uint16_t)(sum + dev->eeprom[i]);
	dev->eeprom[E1K_EEPROM_CHECKSUM] = (uint16_t)(E1K_EEPROM_SUM - sum);
}

/* ---- PHY registers behind MDIC (IEEE 802.3 clause 22; 82540EM PHY at address 1) ---- */
#define PHY_BMCR 0
#define PHY_BMSR 1
#define PHY_BMCR_LOOPBACK (1u << 14)
#define PHY_BMSR_LINK (1u << 2)

static void phy_reset(struct nicsim *dev)
{
	memset(dev->phy, 0, sizeof(dev->phy));
	dev->phy[PHY_BMCR] = 0x1140;   /* auto-negotiation on, full duplex, 1000 Mb/s */
	dev->phy[PHY_BMSR] = 0x7969;   /* abilities; link bit follows the wire */
	dev->phy[2] = 0x0141;          /* PHY identifier (Marvell OUI, as the 82540EM's) */
	dev->phy[3] = 0x0C20;
}

/* ---- link (SDM 13.4.1 SLU, 13.4.2 LU; LSC cause SDM 13.4.17) ---- */
static void link_update(struct nicsim *dev)
{
	bool up = dev->wire_link && (dev->ctrl & E1K_CTRL_SLU) && !(dev->ctrl & E1K_CTRL_PHY_RST);

	if (up == dev->link_up)
		return;
	dev->link_up = up;
	if (up)
		dev->status |= E1K_STATUS_LU;
	else
		dev->status &= ~E1K_STATUS_LU;
	if (up)
		dev->phy[PHY_BMSR] |= PHY_BMSR_LINK;
	else
		dev->phy[PHY_BMSR] &= (uint16_t)~PHY_BMSR_LINK;
	count(&dev->cnt.link_changes, 1);
	raise_cause(dev, E1K_ICR_LSC);
}

void set_link(struct nicsim *dev, bool wire_up)
{
	dev->wire_link = wire_up;
	link_update(dev);
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

/* ---- interrupts (SDM 13.4.17 - 13.4.21; uio_pci_generic INTx masking) ---- */
void raise_cause(struct nicsim *dev, uint32_t causes)
{
	dev->icr |= causes;
}

static void pci_publish_cmd(struct nicsim *dev, uint32_t cmd)
{
	uint32_t value = (cmd & 0xFFFF) | (uint32_t)(dev->intx_asserted ? E1K_PCI_STATUS_INTX : 0) << 16;
	uint32_t expected = dev->pci_seen_cmd;
	uint32_t *w = (uint32_t *)&dev->pci[E1K_PCI_COMMAND];

	if (expected == value)
		return;
	if (__atomic_compare_exchange_n(w, &expected, value, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		dev->pci_seen_cmd = value;
}

void irq_update(struct nicsim *dev)
{
	uint32_t cmd = dev->pci_seen_cmd & 0xFFFF;
	uint64_t t;
	uint32_t itr;

	if (!(dev->icr & dev->ims) || dev->intx_asserted || (cmd & E1K_PCI_CMD_INTX_DISABLE))
		return;
	/* ITR (SDM 13.4.18): at most one interrupt per ITR x 256 ns. */
	itr = bar_load(dev, E1K_ITR) & 0xFFFF;
	if (itr) {
		t = now_ns();
		if (t - dev->last_irq_ns < (uint64_t)itr * 256)
			return;
		dev->last_irq_ns = t;
	}
	/* Like uio_pci_generic: mask INTx in the command register, then signal. */
	dev->intx_asserted = true;
	dev->delivered_causes = dev->icr;
	regs_publish_word(dev, E1K_ICR, dev->icr);   /* causes visible before the signal */
	pci_publish_cmd(dev, cmd | E1K_PCI_CMD_INTX_DISABLE);
	dev->irq_count++;
	count(&dev->cnt.interrupts, 1);
	if (write(dev->irq_fd, &dev->irq_count, 4) != 4 && errno != EAGAIN)
		diag(dev, "cannot signal the irq FIFO: %s", strerror(errno));
}

/* ---- PCI configuration space (SDM 4.1) ---- */
void pci_init(struct nicsim *dev)
{
	volatile uint8_t *c = dev->pci;

	memset((void *)c, 0, 256);
	c[0] = 0x86; c[1] = 0x80;                    /* vendor 8086 */
	uint16_t id = dev->cfg.device_id ? dev->cfg.device_id : E1K_PCI_DEVICE_82540EM;
	c[2] = (uint8_t)id; c[3] = (uint8_t)(id >> 8);   /* device 100E (82540EM) or as configured */
	c[4] = (uint8_t)E1K_PCI_CMD_MEMORY;          /* memory space on, bus master off */
	c[E1K_PCI_REVISION] = 0x02;
	c[0x0B] = 0x02;                              /* class 02 (network), subclass 00 */
	c[E1K_PCI_BAR0] = 0x00; c[0x11] = 0x00; c[0x12] = 0xBC; c[0x13] = 0xFE; /* 0xFEBC0000 */
	c[E1K_PCI_SUBSYS_VENDOR] = 0x86; c[E1K_PCI_SUBSYS_VENDOR + 1] = 0x80;
	c[E1K_PCI_SUBSYS_ID] = 0x1E;
	c[E1K_PCI_INTERRUPT_LINE] = 11;
	c[E1K_PCI_INTERRUPT_PIN] = 1;                /* INTA# */
	dev->pci_seen_cmd = *(volatile uint32_t *)&c[E1K_PCI_COMMAND];
	dev->pci_seen_bar0 = *(volatile uint32_t *)&c[E1K_PCI_BAR0];
	dev->mem_enable = true;
	dev->bus_master = false;
}

void pci_poll(struct nicsim *dev)
{
	uint32_t *wcmd = (uint32_t *)&dev->pci[E1K_PCI_COMMAND];
	uint32_t *wbar = (uint32_t *)&dev->pci[E1K_PCI_BAR0];
	uint32_t v = __atomic_load_n(wcmd, __ATOMIC_ACQUIRE);
	uint32_t b = __atomic_load_n(wbar, __ATOMIC_ACQUIRE);

	if (v != dev->pci_seen_cmd) {
		uint32_t old = dev->pci_seen_cmd & 0xFFFF, cmd = v & 0xFFFF;

		dev->pci_seen_cmd = v;
		dev->mem_enable = cmd & E1K_PCI_CMD_MEMORY;
		dev->bus_master = cmd & E1K_PCI_CMD_BUS_MASTER;
		if (dev->bus_master)
			dev->warned_no_bus_master = false;
		/* The driver re-enabled INTx: like reading ICR on real hardware, this
		 * acknowledges the causes that were delivered with the interrupt. */
		if ((old & E1K_PCI_CMD_INTX_DISABLE) && !(cmd & E1K_PCI_CMD_INTX_DISABLE) &&
		    dev->intx_asserted) {
			dev->icr &= ~dev->delivered_causes;
			dev->delivered_causes = 0;
			dev->intx_asserted = false;
		}
		/* The status half is read-only for the driver: restore it. */
		pci_publish_cmd(dev, cmd);
	}
	if (b != dev->pci_seen_bar0) {
		/* BAR sizing (PCI 3.0 6.2.5.1): all ones reads back the size mask. */
		uint32_t value = b & 0xFFFE0000u;
		uint32_t expected = b;

		if (__atomic_compare_exchange_n(wbar, &expected, value, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
			dev->pci_seen_bar0 = value;
	}
}

/* ---- statistics (SDM 13.7) ---- */
static bool stat_is_low64(uint32_t off)
{
	return off == E1K_GORCL || off == E1K_GOTCL || off == E1K_TORL || off == E1K_TOTL;
}

static bool stat_is_high64(uint32_t off)
{
	return stat_is_low64(off - 4);
}

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

static void stats_poll(struct nicsim *dev)
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

static void stats_publish(struct nicsim *dev)
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

/* ---- driver writes to watched registers ---- */
static void on_eerd(struct nicsim *dev, uint32_t v)
{
	uint32_t addr = (v >> E1K_EERD_ADDR_SHIFT) & 0xFF;
	uint16_t data;

	if (!(v & E1K_EERD_START))
		return;
	if ((v & 0xFC) && addr == 0)
		diag(dev, "SDM 13.4.4: EERD=0x%08X puts the address at bit 2 (layout of later "
		     "parts). The 82540EM takes the word address in bits 15:8 and sets DONE "
		     "in bit 4", v);
	if (addr >= E1K_EEPROM_WORDS) {
		diag(dev, "SDM 5.6: EEPROM word %u does not exist (the 82540EM has 64 words)", addr);
		data = 0xFFFF;
	} else {
		data = dev->eeprom[addr];
	}
	regs_publish_word(dev, E1K_EERD, (addr << E1K_EERD_ADDR_SHIFT) | E1K_EERD_DONE |
			  (uint32_t)data << E1K_EERD_DATA_SHIFT);
}

static void on_mdic(struct nicsim *dev, uint32_t v)
{
	uint32_t reg = (v >> E1K_MDIC_REG_SHIFT) & 31;
	uint32_t phy = (v >> E1K_MDIC_PHY_SHIFT) & 31;
	uint32_t op = v & (3u << 26);

	if (v & (E1K_MDIC_READY | E1K_MDIC_ERROR))
		return;   /* our own answer, or a stale value written back */
	if (phy != 1) {
		regs_publish_word(dev, E1K_MDIC, v | E1K_MDIC_READY | E1K_MDIC_ERROR);
		return;
	}
	if (op == E1K_MDIC_OP_READ) {
		regs_publish_word(dev, E1K_MDIC, (v & ~E1K_MDIC_DATA_MASK) | dev->phy[reg] | E1K_MDIC_READY);
	} else if (op == E1K_MDIC_OP_WRITE) {
		if (reg != PHY_BMSR && reg != 2 && reg != 3)
			dev->phy[reg] = (uint16_t)(v & E1K_MDIC_DATA_MASK);
		regs_publish_word(dev, E1K_MDIC, v | E1K_MDIC_READY);
	}
}

/* A software reset takes this long: CTRL.RST reads 1 until it is over, as on a real
 * 8254x, so a driver that does not wait for it to clear is caught every time. */
#define RESET_HOLD_NS (10u * 1000 * 1000)

static void on_ctrl(struct nicsim *dev, uint32_t v)
{
	if (dev->reset_until_ns && now_ns() < dev->reset_until_ns)
		diag(dev, "SDM 13.4.1: CTRL written (0x%08X) while the reset is still in progress: "
		     "CTRL.RST reads 1 until the device is done. Wait until RST reads 0 before the "
		     "next CTRL access; a read-modify-write now writes RST back and resets the "
		     "device again", v);
	if (v & E1K_CTRL_RST) {
		/* SDM 13.4.1: RST resets the device (not PCI config) and self-clears. */
		count(&dev->cnt.resets, 1);
		dev->reset_until_ns = now_ns() + RESET_HOLD_NS;
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
		dev->seen[off / 4] = v;
		dev->status ^= 0;   /* republished by regs_publish */
		break;
	case E1K_EERD:
		on_eerd(dev, v);
		break;
	case E1K_MDIC:
		on_mdic(dev, v);
		break;
	case E1K_ICR:
		/* W1C (QEMU, VirtualBox; SDM 13.4.17 allows it): clear the written bits. */
		dev->icr &= ~v;
		break;
	case E1K_ICS:
		raise_cause(dev, v);
		regs_publish_word(dev, E1K_ICS, 0);
		break;
	case E1K_IMS:
		dev->ims |= v;
		break;
	case E1K_IMC:
		dev->ims &= ~v;
		regs_publish_word(dev, E1K_IMC, 0);
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
	if (dev->reset_until_ns && now_ns() >= dev->reset_until_ns)
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
