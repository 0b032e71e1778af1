/* irq.c — interrupt causes and their delivery, the way uio_pci_generic sees them.
 *
 * Models: ICR, the causes (SDM 13.4.17; read by the driver, cleared by writing 1s,
 * as QEMU's and VirtualBox's e1000 allow), ICS to set causes (13.4.19), IMS / IMC
 * to enable and disable them (13.4.20, 13.4.21), and ITR's rate limit (13.4.18).
 * An interrupt is INTx: when ICR & IMS is non-zero the device sets PCI command
 * bit 10 (INTx disable) and status bit 3 (interrupt pending), as uio_pci_generic
 * does, and writes the new count into the `irq` FIFO; the driver re-enables INTx
 * through config space (pci.c), which acknowledges the causes delivered.
 */
#include "sim.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Set interrupt causes in ICR (delivered by irq_update). */
void raise_cause(struct nicsim *dev, uint32_t causes)
{
	dev->icr |= causes;
}

void irq_update(struct nicsim *dev)
{
	uint32_t cmd;
	uint64_t t;
	uint32_t itr;

	if (!(dev->icr & dev->ims) || dev->intx_asserted)
		return;
	/* A config write the driver made before the register writes that got us
	 * here (the device loop looks at config space first, but the driver may
	 * have written it since): take it now, or masking INTx below would race
	 * with it and lose. */
	pci_poll(dev);
	cmd = dev->pci_seen_cmd & 0xFFFF;
	if (cmd & E1K_PCI_CMD_INTX_DISABLE)
		return;
	/* ITR (SDM 13.4.18): at most one interrupt per ITR x 256 ns. */
	itr = bar_load(dev, E1K_ITR) & 0xFFFF;
	if (itr) {
		t = kit_now_ns();
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

/* The driver wrote ICR, ICS, IMS or IMC. ICS and IMC are commands: they read back
 * 0 once consumed, so the next identical store is seen (README.md, "Registers with
 * read side effects"). */
void irq_write(struct nicsim *dev, uint32_t off, uint32_t v)
{
	switch (off) {
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
	}
}
