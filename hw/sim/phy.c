/* phy.c — the PHY behind MDIC, and the link.
 *
 * Models: the PHY's registers as MDIC reaches them (SDM 13.4.7; IEEE 802.3 clause 22
 * registers, the 82540EM's internal PHY at address 1): control, status with the
 * link bit, the identifier; and the link itself: STATUS.LU (SDM 13.4.2) follows
 * the cable and CTRL.SLU / CTRL.PHY_RST (SDM 13.4.1), with LSC (SDM 13.4.17) on
 * each change. Speed and duplex are fixed at 1000 Mb/s full duplex.
 */
#include "sim.h"

#include <string.h>

#define PHY_BMCR 0
#define PHY_BMSR 1
#define PHY_BMCR_LOOPBACK (1u << 14)
#define PHY_BMSR_LINK (1u << 2)

void phy_reset(struct nicsim *dev)
{
	memset(dev->phy, 0, sizeof(dev->phy));
	dev->phy[PHY_BMCR] = 0x1140;   /* auto-negotiation on, full duplex, 1000 Mb/s */
	dev->phy[PHY_BMSR] = 0x7969;   /* abilities; link bit follows the wire */
	dev->phy[2] = 0x0141;          /* PHY identifier (Marvell OUI, as the 82540EM's) */
	dev->phy[3] = 0x0C20;
}

/* The link is up when the cable is (wire_link) and the driver set CTRL.SLU without
 * holding the PHY in reset (SDM 13.4.1 SLU, PHY_RST); STATUS.LU (SDM 13.4.2) and
 * the PHY's status register follow it, and each change raises LSC (SDM 13.4.17). */
void link_update(struct nicsim *dev)
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

/* The cable was plugged in or pulled (nicsim_set_link, link faults). */
void set_link(struct nicsim *dev, bool wire_up)
{
	dev->wire_link = wire_up;
	link_update(dev);
}

/* The driver wrote MDIC: read or write one PHY register and answer with READY
 * (SDM 13.4.7); a PHY address other than 1 gets READY | ERROR. */
void phy_mdic_write(struct nicsim *dev, uint32_t v)
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
