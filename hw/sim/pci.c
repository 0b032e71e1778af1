/* pci.c — the device's PCI configuration space (the `config` file).
 *
 * Models: the 256-byte header of SDM 4.1 (vendor 8086, device 100E, class 020000,
 * revision, subsystem IDs, INTA#), BAR0 with its size mask (PCI 3.0 6.2.5.1), and
 * the command register (SDM 4.1, PCI 3.0 6.2.2): bit 1 memory space (register writes
 * are ignored while it is off: regs.c), bit 2 bus master (no DMA without it: rx.c,
 * tx.c), bit 10 INTx disable, and status bit 3 "interrupt pending" (irq.c).
 * The driver writes with pwrite; like resource0, the device notices a change by
 * comparing with the value it last saw.
 */
#include "sim.h"

#include <string.h>

/* Store the command word (and the status half: interrupt pending while INTx is
 * asserted) unless the driver wrote it since we last saw it. */
void pci_publish_cmd(struct nicsim *dev, uint32_t cmd)
{
	uint32_t value = (cmd & 0xFFFF) | (uint32_t)(dev->intx_asserted ? E1K_PCI_STATUS_INTX : 0) << 16;
	uint32_t expected = dev->pci_seen_cmd;
	uint32_t *w = (uint32_t *)&dev->pci[E1K_PCI_COMMAND];

	if (expected == value)
		return;
	if (__atomic_compare_exchange_n(w, &expected, value, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		dev->pci_seen_cmd = value;
}

/* Power-on config space: IDs, class, BAR0, memory space on, bus master off. */
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

/* Notice the driver's config writes: the command register and BAR0 sizing. */
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
