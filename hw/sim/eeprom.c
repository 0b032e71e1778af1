/* eeprom.c — the 82540EM's EEPROM and the register that reads it.
 *
 * Models: the 64 16-bit words of the serial EEPROM (SDM 5.6, Table 5-2: the MAC
 * address in words 0-2, the PCI IDs, the checksum word 3Fh that makes the sum of
 * words 00h-3Fh BABAh), and reads through EERD (SDM 13.4.4: START with the word
 * address in bits 15:8; the device answers with DONE, bit 4, and the data in
 * bits 31:16). EECD (SDM 13.4.3) only says "EEPROM present" (regs_reset).
 */
#include "sim.h"

#include <string.h>

/* Power-on contents: the configured MAC, the IDs, a valid checksum. */
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

/* The driver wrote EERD: answer a read request (START set) with DONE and the word. */
void eeprom_eerd_write(struct nicsim *dev, uint32_t v)
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
