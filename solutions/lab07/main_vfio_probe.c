/*
 * main_vfio_probe.c — lab07: open a NIC through VFIO and show what changed.
 *
 *   vfio_probe 0000:00:03.0               (the NIC bound to vfio-pci: tools/bind-nic)
 *   vfio_probe --user 65534 0000:00:03.0  as root: do the administrator's part (give
 *                                         /dev/vfio/N and a hugepage directory to the
 *                                         user, raise the locked-memory limit), then
 *                                         drop to that user and probe without root
 *
 * Brings the device up with lab02's code on top of e1k_open_vfio, prints the
 * group, the MAC, the command register (read through the VFIO config region),
 * then allocates a ring's worth of DMA memory and shows the three addresses of
 * its first byte: virtual (ours), IOVA (the device's) and, as root, physical
 * (the RAM page behind both). Runs without root once /dev/vfio/N is yours.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dma_mem.h"
#include "e1000_regs.h"
#include "e1k_dev.h"
#include "e1k_iova.h"
#include "e1k_mmio.h"
#include "e1k_pci.h"
#include "e1k_vfio.h"
#include "pagemap.h"

/* What an administrator does once for a user (as root), then become that user. */
static int become_user(const char *where, int uid, char *err, size_t err_len)
{
	char dir[4096], node[64], huge[64];
	if (e1k_pci_resolve(where, dir, sizeof(dir), err, err_len) != 0)
		return -1;
	int group = e1k_vfio_group_number(dir, err, err_len);
	if (group < 0)
		return -1;
	snprintf(node, sizeof(node), "/dev/vfio/%d", group);
	snprintf(huge, sizeof(huge), "/dev/hugepages/vfio-probe-%d", uid);
	struct rlimit lim = { 64u << 20, 64u << 20 };
	mkdir(huge, 0700);
	if (chown(node, (uid_t)uid, (gid_t)uid) != 0 || chown(huge, (uid_t)uid, (gid_t)uid) != 0 ||
	    setrlimit(RLIMIT_MEMLOCK, &lim) != 0) {
		snprintf(err, err_len, "as root: chown %s and %s, ulimit -l: %s", node, huge,
			 strerror(errno));
		return -1;
	}
	printf("as root    chown %d %s; chown %d %s; ulimit -l 65536\n", uid, node, uid, huge);
	setenv(E1K_DMA_DIR_ENV, huge, 1);
	if (setgroups(0, NULL) != 0 || setgid((gid_t)uid) != 0 || setuid((uid_t)uid) != 0) {
		snprintf(err, err_len, "dropping to uid %d: %s", uid, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int uid = -1;
	if (argc == 4 && strcmp(argv[1], "--user") == 0) {
		uid = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: vfio_probe [--user UID] PCI-ADDRESS   (bound to vfio-pci: "
			"tools/bind-nic --driver vfio-pci ADDRESS)\n");
		return 2;
	}
	char err[1024] = "";
	if (uid >= 0 && become_user(argv[1], uid, err, sizeof(err)) != 0) {
		fprintf(stderr, "vfio_probe: %s\n", err);
		return 1;
	}
	struct e1k_dev dev;
	if (e1k_open_vfio(&dev, argv[1], err, sizeof(err)) != 0) {
		fprintf(stderr, "vfio_probe: %s\n", err);
		return 1;
	}
	struct e1k_vfio_dev *v = e1k_vfio_of(&dev);
	printf("device     %s (%s), IOMMU group %d (/dev/vfio/%d), uid %d\n", dev.pci.dir,
	       dev.pci.model, v->group, v->group, (int)getuid());
	if (e1k_init(&dev, 2000, err, sizeof(err)) != 0) {
		fprintf(stderr, "vfio_probe: e1k_init: %s\n", err);
		e1k_close(&dev);
		return 1;
	}
	uint16_t cmd = 0;
	e1k_pci_read16(&dev.pci, E1K_PCI_COMMAND, &cmd);
	printf("MAC        %02x:%02x:%02x:%02x:%02x:%02x (EEPROM, through BAR0 mapped from the "
	       "device fd)\n", dev.mac[0], dev.mac[1], dev.mac[2], dev.mac[3], dev.mac[4],
	       dev.mac[5]);
	printf("command    0x%04x (memory %s, bus master %s; config region at offset 0x%llx)\n",
	       cmd, cmd & E1K_PCI_CMD_MEMORY ? "on" : "OFF", cmd & E1K_PCI_CMD_BUS_MASTER ? "on" : "OFF",
	       (unsigned long long)v->config_offset);
	printf("status     0x%08x (link %s)\n", e1k_read32(dev.bar0, E1K_STATUS),
	       e1k_read32(dev.bar0, E1K_STATUS) & E1K_STATUS_LU ? "up" : "down");

	struct e1k_dma ring;
	int rc = e1k_dma_alloc(&ring, 4096, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "vfio_probe: e1k_dma_alloc: %s\n", err);
	} else {
		uint64_t entry = 0;
		printf("DMA memory %zu bytes (%s)\n", ring.size, ring.huge ? "2 MiB hugepage" : "4 KiB pages");
		printf("  virtual  %p            (this process)\n", ring.virt);
		printf("  IOVA     0x%012llx        (what a descriptor holds; the IOMMU translates it)\n",
		       (unsigned long long)ring.phys);
		if (e1k_pagemap_entry(ring.virt, &entry, err, sizeof(err)) == 0 &&
		    (entry & E1K_PAGEMAP_PFN_MASK))
			printf("  physical 0x%012llx        (the RAM behind it: pagemap, root only)\n",
			       (unsigned long long)((entry & E1K_PAGEMAP_PFN_MASK) * E1K_PAGEMAP_PAGE_SIZE));
		else
			printf("  physical (hidden: not root, and not needed)\n");
		e1k_dma_free(&ring);
	}
	e1k_close(&dev);
	return rc == 0 ? 0 : 1;
}
