/*
 * e1k-probe — what is this NIC? Identity, MAC, link, STATUS decoded, registers.
 *
 *   e1k_probe 0000:00:03.0          a real device (bound to uio_pci_generic)
 *   e1k_probe /tmp/nicsim0          the simulated NIC's directory
 *   e1k_probe --init DEVICE         reset it and bring the link up first
 */
#include <stdio.h>
#include <string.h>

#include "e1000_regs.h"
#include "e1k_dev.h"
#include "e1k_mmio.h"

static void print_mac(const char *what, const uint8_t m[6])
{
	printf("  %-18s %02x:%02x:%02x:%02x:%02x:%02x\n", what, m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void decode_status(uint32_t s)
{
	static const char *speed[] = { "10 Mb/s", "100 Mb/s", "1000 Mb/s", "1000 Mb/s" };

	printf("  STATUS             0x%08x  (SDM 13.4.2)\n", s);
	printf("    LU  link up      %s\n", s & E1K_STATUS_LU ? "yes" : "no");
	printf("    FD  full duplex  %s\n", s & E1K_STATUS_FD ? "yes" : "no");
	printf("    SPEED            %s\n", speed[(s & E1K_STATUS_SPEED_MASK) >> 6]);
	printf("    TXOFF            %s\n", s & E1K_STATUS_TXOFF ? "paused" : "no");
}

int main(int argc, char **argv)
{
	int init = argc == 3 && strcmp(argv[1], "--init") == 0;
	if ((argc != 2 && !init) || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: e1k_probe [--init] PCI_ADDRESS|DEVICE_DIR\n");
		return 2;
	}
	const char *where = argv[argc - 1];
	struct e1k_dev dev;
	char err[512];
	if (e1k_open(&dev, where, err, sizeof(err)) != 0) {
		fprintf(stderr, "e1k_probe: %s\n", err);
		return 1;
	}
	printf("%s: %04x:%04x %s, driver %s\n", dev.pci.dir, dev.pci.vendor, dev.pci.device,
	       dev.pci.model, dev.pci.driver[0] ? dev.pci.driver : "(none)");
	if (init && e1k_init(&dev, 2000, err, sizeof(err)) != 0) {
		fprintf(stderr, "e1k_probe: %s\n", err);
		e1k_close(&dev);
		return 1;
	}
	uint8_t mac[6];
	if (e1k_read_mac(&dev, mac, err, sizeof(err)) == 0)
		print_mac("MAC (EEPROM)", mac);
	else
		printf("  MAC (EEPROM)       unreadable: %s\n", err);
	if (e1k_read_ral0(&dev, mac) == 0)
		print_mac("MAC (RAL0/RAH0)", mac);
	else
		printf("  MAC (RAL0/RAH0)    not set (RAH0.AV = 0)\n");
	decode_status(e1k_read32(dev.bar0, E1K_STATUS));

	static const struct { uint32_t reg; const char *name; } regs[] = {
		{ E1K_CTRL, "CTRL" }, { E1K_STATUS, "STATUS" }, { E1K_EERD, "EERD" },
		{ E1K_IMS, "IMS" }, { E1K_RCTL, "RCTL" }, { E1K_TCTL, "TCTL" }, { E1K_TIPG, "TIPG" },
		{ E1K_RDBAL, "RDBAL" }, { E1K_RDLEN, "RDLEN" }, { E1K_RDH, "RDH" }, { E1K_RDT, "RDT" },
		{ E1K_TDBAL, "TDBAL" }, { E1K_TDLEN, "TDLEN" }, { E1K_TDH, "TDH" }, { E1K_TDT, "TDT" },
		{ E1K_RAL0, "RAL0" }, { E1K_RAH0, "RAH0" },
	};
	printf("  registers:\n");
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		printf("    %-6s 0x%04x = 0x%08x\n", regs[i].name, regs[i].reg,
		       e1k_read32(dev.bar0, regs[i].reg));
	e1k_close(&dev);
	return 0;
}
