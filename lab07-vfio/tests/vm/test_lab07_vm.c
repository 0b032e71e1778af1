/*
 * test_lab07_vm.c — lab07 inside the kit's QEMU guest (make vm-test, make grade VM=1):
 * the driver through VFIO on QEMU's 82540EM behind its emulated Intel IOMMU.
 *
 * Every test starts from the runner's state (NIC 0 on uio_pci_generic, NIC 1 on
 * e1000), moves the devices it needs to the driver it needs through sysfs
 * (driver_override, as tools/bind-nic does) and puts everything back in its
 * teardown. Frames cross to the host through hw/qemu/wire-server (vm_wire.h).
 * Lab02, lab03 and lab04 are the reference code: this lab only adds VFIO.
 *
 * QEMU facts these tests allow for (hw/qemu/README.md): received frames are held
 * ~1 s after each RCTL write (the host's wire just blocks: generous timeouts);
 * the receive address filter is real (frames go to the NIC's MAC); TX happens
 * inside the TDT write.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dma_mem.h"
#include "e1000_regs.h"
#include "e1k_dev.h"
#include "e1k_iova.h"
#include "e1k_irq.h"
#include "e1k_mmio.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "e1k_vfio.h"
#include "frame.h"
#include "kit_test.h"
#include "mempool.h"
#include "pagemap.h"
#include "vm_guest.h"
#include "vm_wire.h"

#define PCI_DEVICES "/sys/bus/pci/devices"
#define PCI_DRIVERS "/sys/bus/pci/drivers"
#define NOBODY 65534

static struct e1k_dev dev;
static int dev_open;
static struct e1k_mempool *pool;
static struct e1k_rx_ring rx;
static struct e1k_tx_ring tx;
static int rx_up, tx_up;
static struct vm_wire wire;
static int wire_active;
static uint8_t nic_mac[6];
static char scratch_dir[128];

/* ---- moving devices between drivers (sysfs), and back ---- */

struct binding {
	char bdf[32];
	char driver[64];     /* bound before the test, "" for none */
	char override[64];   /* driver_override before the test, "" for none */
};
static struct binding saved[4];
static unsigned saved_count;

static int sysfs_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -e;
}

static void driver_of(const char *bdf, char *name, size_t len)
{
	char link[256], target[256];
	snprintf(link, sizeof(link), PCI_DEVICES "/%s/driver", bdf);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	name[0] = 0;
	if (n > 0) {
		target[n] = 0;
		snprintf(name, len, "%s", strrchr(target, '/') + 1);
	}
}

static void override_of(const char *bdf, char *text, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	FILE *f = fopen(path, "r");
	text[0] = 0;
	if (f && fgets(text, (int)len, f))
		text[strcspn(text, "\n")] = 0;
	if (f)
		fclose(f);
	if (strcmp(text, "(null)") == 0)
		text[0] = 0;
}

/* Put bdf on driver ("" = no driver). */
static int rebind(const char *bdf, const char *driver, const char *override)
{
	char path[256], now[64];
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	int rc = sysfs_write(path, override[0] ? override : "\n");
	driver_of(bdf, now, sizeof(now));
	if (rc == 0 && now[0]) {
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver/unbind", bdf);
		rc = sysfs_write(path, bdf);
	}
	if (rc == 0 && driver[0]) {
		snprintf(path, sizeof(path), PCI_DRIVERS "/%s/bind", driver);
		rc = sysfs_write(path, bdf);
	}
	return rc;
}

/* Move bdf to driver for this test; teardown restores it. */
static void bind_for_test(const char *bdf, const char *driver)
{
	char now[64];
	driver_of(bdf, now, sizeof(now));
	if (strcmp(now, driver) == 0)
		return;
	if (saved_count == sizeof(saved) / sizeof(saved[0]))
		kit_fail("test bug: too many devices moved");
	struct binding *b = &saved[saved_count++];
	snprintf(b->bdf, sizeof(b->bdf), "%s", bdf);
	snprintf(b->driver, sizeof(b->driver), "%s", now);
	override_of(bdf, b->override, sizeof(b->override));
	int rc = rebind(bdf, driver, driver);
	if (rc != 0)
		kit_fail("cannot bind %s to %s through sysfs (%s): the guest's kernel refused",
			 bdf, driver[0] ? driver : "no driver", strerror(-rc));
}

static void restore_bindings(void)
{
	while (saved_count > 0) {
		struct binding *b = &saved[--saved_count];
		int rc = rebind(b->bdf, b->driver, b->override);
		if (rc != 0)
			print_error("could not give %s back to %s: %s\n", b->bdf, b->driver, strerror(-rc));
	}
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	(void)state;
	dev_open = rx_up = tx_up = wire_active = 0;
	pool = NULL;
	saved_count = 0;
	scratch_dir[0] = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (wire_active)
		vm_wire_stop(&wire);
	if (rx_up)
		e1k_rx_ring_free(&dev, &rx);
	if (tx_up)
		e1k_tx_ring_free(&dev, &tx);
	rx_up = tx_up = 0;
	if (pool) {
		unsigned leaked = e1k_mempool_destroy(pool);
		if (leaked)
			print_error("%u buffers leaked\n", leaked);
		pool = NULL;
	}
	if (dev_open)
		e1k_close(&dev);   /* the VFIO backend's close: device, group, container */
	dev_open = 0;
	restore_bindings();
	if (getenv("KIT_NIC0"))
		vm_quiesce(0);
	if (scratch_dir[0]) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch_dir);
		if (system(cmd) != 0)
			print_error("could not remove %s\n", scratch_dir);
	}
	return 0;
}

/* NIC 0 on vfio-pci, opened with e1k_open_vfio and brought up with lab02's e1k_init. */
static void open_nic0(void)
{
	char err[1024] = "";
	vm_need_guest();
	vm_nic_mac(0, nic_mac);
	bind_for_test(vm_nic(0), "vfio-pci");
	int rc = e1k_open_vfio(&dev, vm_nic(0), err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_open_vfio(%s) returned %d: %s%s", vm_nic(0), rc, err,
			 strstr(err, "did not stick") || strstr(err, "command register") ?
			 " (under VFIO config space is the device fd's config region: pread/pwrite at "
			 "that region's offset, TODO 5)" : "");
	dev_open = 1;
	if (!dev.bar0 || !dev.backend)
		kit_fail("e1k_open_vfio returned 0 but left dev->bar0 or dev->backend unset");
	rc = e1k_init(&dev, 2000, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_init (lab02) through VFIO returned %d: %s (BAR0 mapped through the device "
			 "fd? TODO 4)", rc, err);
}

/* open_nic0, then a pool and both rings (lab03, lab04 reference) on IOVAs. */
static void bring_up(unsigned rx_size, unsigned tx_size)
{
	char err[1024] = "";
	open_nic0();
	pool = e1k_mempool_create(512, 2048, err, sizeof(err));
	if (!pool)
		kit_fail("e1k_mempool_create under VFIO: %s (TODO 6: e1k_iova_map)", err);
	int rc = e1k_rx_ring_init(&dev, &rx, rx_size, pool, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_rx_ring_init under VFIO returned %d: %s", rc, err);
	rx_up = 1;
	rc = e1k_tx_ring_init(&dev, &tx, tx_size, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_tx_ring_init under VFIO returned %d: %s", rc, err);
	tx_up = 1;
}

static size_t host_frame(uint8_t *buf, size_t len, uint64_t seq)
{
	struct kit_flow flow;
	kit_flow_default(&flow);
	memcpy(flow.dst_mac, nic_mac, 6);
	return kit_frame_build(buf, KIT_FRAME_MAX, &flow, len, seq, 1000 + seq);
}

static size_t guest_frame(uint8_t *buf, size_t len, uint64_t seq)
{
	struct kit_flow flow;
	kit_flow_default(&flow);
	memcpy(flow.src_mac, nic_mac, 6);
	memcpy(flow.dst_mac, "\x02\x00\x00\x00\x00\x01", 6);
	return kit_frame_build(buf, KIT_FRAME_MAX, &flow, len, seq, 2000 + seq);
}

static struct e1k_buf *receive(double timeout_s)
{
	double give_up = vm_now_s() + timeout_s;
	while (vm_now_s() < give_up) {
		struct e1k_buf *b = NULL;
		if (e1k_rx_one(&dev, &rx, &b) == 1)
			return b;
		vm_sleep_ms(1);
	}
	return NULL;
}

/* Ask the host to inject frames[0..n-1] (a pcap) into NIC 0. */
static void host_sends(const char *name, uint8_t frames[][KIT_FRAME_MAX], const size_t lens[],
		       unsigned n)
{
	const uint8_t *list[8];
	for (unsigned i = 0; i < n; i++)
		list[i] = frames[i];
	const char *opts[] = { "--pcap-in", "in.pcap", "--idle", "1", "--time", "40", NULL };
	vm_wire_prepare(&wire, name);
	vm_pcap_save(&wire, "in.pcap", list, lens, n);
	vm_wire_start(&wire, 0, opts, 15);
	wire_active = 1;
}

static void host_done(unsigned sent)
{
	char report[512];
	int rc = vm_wire_finish(&wire, 40, report, sizeof(report));
	wire_active = 0;
	if (rc != 0 || vm_wire_value(report, "sent") != (long long)sent)
		kit_fail("the host's wire did not send all %u frames: %s", sent, report);
}

/* ---- TODO 1: the container ---- */

static void vm_vfio_container(void **state)
{
	(void)state;
	char err[1024] = "";
	vm_need_guest();
	int fd = e1k_vfio_container(err, sizeof(err));
	if (fd < 0)
		kit_fail("e1k_vfio_container returned %d: %s", fd, err);
	if (ioctl(fd, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		kit_fail("fd %d does not answer VFIO_GET_API_VERSION: is it /dev/vfio/vfio?", fd);
	if (ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1)
		kit_fail("the container does not offer the type 1 IOMMU");
	int again = e1k_vfio_container(err, sizeof(err));
	if (again != fd)
		kit_fail("a second e1k_vfio_container returned %d, the first %d: one container per "
			 "process (keep the fd in container_fd)", again, fd);
}

/* ---- TODO 2: no IOMMU; not bound to vfio-pci ---- */

static void vm_vfio_no_iommu(void **state)
{
	(void)state;
	char err[1024] = "", dir[192], path[256];
	vm_need_guest();
	/* A PCI device directory as a kernel without an IOMMU shows it: no iommu_group. */
	snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/lab07-noiommu-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s/0000:00:09.0", scratch_dir);
	if (mkdir(scratch_dir, 0755) != 0 || mkdir(dir, 0755) != 0)
		kit_fail("test setup: cannot create %s: %s", dir, strerror(errno));
	const char *files[][2] = { { "vendor", "0x8086\n" }, { "device", "0x100e\n" } };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		FILE *f = fopen(path, "w");
		if (!f || fputs(files[i][1], f) < 0)
			kit_fail("test setup: cannot write %s", path);
		fclose(f);
	}
	int rc = e1k_open_vfio(&dev, dir, err, sizeof(err));
	if (rc == 0) {
		dev_open = 1;
		kit_fail("e1k_open_vfio opened a device that has no IOMMU group");
	}
	if (rc != -ENODEV)
		kit_fail("a device without iommu_group: %d (%s), expected -ENODEV", rc, err);
	if (!strstr(err, "IOMMU") || !strstr(err, "intel_iommu=on"))
		kit_fail("the message must say there is no IOMMU and how to turn it on "
			 "(intel_iommu=on): \"%s\"", err);
}

static void vm_vfio_not_bound(void **state)
{
	(void)state;
	char err[1024] = "", drv[64];
	vm_need_guest();
	for (int n = 0; n < 2; n++) {
		driver_of(vm_nic(n), drv, sizeof(drv));
		if (strcmp(drv, "vfio-pci") == 0)
			continue;
		int rc = e1k_open_vfio(&dev, vm_nic(n), err, sizeof(err));
		if (rc == 0) {
			dev_open = 1;
			kit_fail("e1k_open_vfio(%s) succeeded although the NIC is bound to %s", vm_nic(n),
				 drv[0] ? drv : "no driver");
		}
		if (rc != -ENODEV)
			kit_fail("NIC %d on %s: e1k_open_vfio returned %d (%s), expected -ENODEV", n, drv,
				 rc, err);
		if (!strstr(err, "vfio-pci") || !strstr(err, "bind-nic") ||
		    (drv[0] && !strstr(err, drv)))
			kit_fail("NIC %d is bound to %s: the message must name that driver and the fix "
				 "(tools/bind-nic --driver vfio-pci %s): \"%s\"", n, drv, vm_nic(n), err);
		kit_note("NIC %d (%s): %s", n, drv, err);
	}
}

/* ---- TODO 3: a group that is not viable ---- */

static void vm_vfio_group_not_viable(void **state)
{
	(void)state;
	char err[1024] = "";
	const char *sata = "0000:00:1f.2", *smbus = "0000:00:1f.3";
	vm_need_guest();
	/* q35's ICH9 functions 1f.0, 1f.2 and 1f.3 share one IOMMU group (a multifunction
	 * device without ACS). Give the SMBus controller to another driver and the SATA
	 * controller to vfio-pci: the group is then not viable. */
	char link[128];
	snprintf(link, sizeof(link), PCI_DEVICES "/%s/iommu_group", sata);
	if (access(link, F_OK) != 0)
		kit_fail("the guest has no %s with an IOMMU group: hw/qemu/run's q35 machine has "
			 "one", sata);
	bind_for_test(smbus, "uio_pci_generic");
	bind_for_test(sata, "vfio-pci");
	int group = -1;
	char dir[128];
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", sata);
	int fd = e1k_vfio_group_open(dir, &group, err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		kit_fail("e1k_vfio_group_open accepted group %d although %s in it is bound to "
			 "uio_pci_generic (check VFIO_GROUP_FLAGS_VIABLE)", group, smbus);
	}
	if (fd != -EBUSY)
		kit_fail("a group that is not viable: %d (%s), expected -EBUSY", fd, err);
	if (!strstr(err, smbus) || !strstr(err, "uio_pci_generic"))
		kit_fail("the message must name the device that blocks the group and its driver "
			 "(%s, uio_pci_generic): \"%s\"", smbus, err);
	kit_note("%s", err);

	/* Unbound, the SMBus controller no longer blocks: now the group must open. */
	int rc = rebind(smbus, "", "");
	if (rc != 0)
		kit_fail("cannot unbind %s: %s", smbus, strerror(-rc));
	fd = e1k_vfio_group_open(dir, &group, err, sizeof(err));
	if (fd < 0)
		kit_fail("the same group with the blocker unbound must be viable, but "
			 "e1k_vfio_group_open returned %d: %s", fd, err);
	close(fd);
}

/* ---- TODO 4 + 5: bring-up through the device fd ---- */

static void vm_vfio_bring_up(void **state)
{
	(void)state;
	open_nic0();
	char want[18], got[18];
	if (memcmp(dev.mac, nic_mac, 6) != 0)
		kit_fail("MAC from the EEPROM through VFIO %s, QEMU was given %s",
			 vm_mac_text(dev.mac, got), vm_mac_text(nic_mac, want));
	uint8_t ral[6];
	if (e1k_read_ral0(&dev, ral) != 0 || memcmp(ral, nic_mac, 6) != 0)
		kit_fail("RAL0/RAH0 do not hold the MAC after e1k_init");
	if (!(e1k_read32(dev.bar0, E1K_STATUS) & E1K_STATUS_LU))
		kit_fail("STATUS.LU is 0 after e1k_init through VFIO");
	uint16_t cmd = 0;
	if (e1k_pci_read16(&dev.pci, E1K_PCI_COMMAND, &cmd) != 0)
		kit_fail("e1k_pci_read16 through the VFIO config region failed: config_fd and "
			 "config_offset set? (TODO 5)");
	if ((cmd & (E1K_PCI_CMD_MEMORY | E1K_PCI_CMD_BUS_MASTER)) !=
	    (E1K_PCI_CMD_MEMORY | E1K_PCI_CMD_BUS_MASTER))
		kit_fail("the command register reads 0x%04x through VFIO: memory space and bus master "
			 "must be on (TODO 5: e1k_pci_enable through the config region)", cmd);
	uint16_t real = vm_config_command(0);
	if (!(real & E1K_PCI_CMD_BUS_MASTER))
		kit_fail("the device's own command register is 0x%04x: bus master is off, so QEMU's "
			 "e1000 will do no DMA (TODO 5)", real);
	if (dev.pci.config_fd < 0 || dev.pci.config_offset == 0)
		kit_fail("dev.pci.config_fd/config_offset must point at the VFIO config region "
			 "(offset 0x%llx)", (unsigned long long)dev.pci.config_offset);
}

/* ---- TODO 6 + 7: IOVAs ---- */

static void vm_vfio_dma_iova(void **state)
{
	(void)state;
	char err[1024] = "";
	open_nic0();
	struct e1k_dma d;
	int rc = e1k_dma_alloc(&d, 4096, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_dma_alloc under VFIO returned %d: %s", rc, err);
	uint64_t iova = d.phys, entry = 0;
	if (iova < E1K_IOVA_BASE || iova % E1K_IOVA_ALIGN) {
		e1k_dma_free(&d);
		kit_fail("the region got bus address 0x%llx: expected an IOVA from E1K_IOVA_BASE "
			 "(0x%llx) on a 2 MiB boundary (TODO 6)", (unsigned long long)iova,
			 (unsigned long long)E1K_IOVA_BASE);
	}
	if (e1k_pagemap_entry(d.virt, &entry, err, sizeof(err)) == 0 &&
	    (entry & E1K_PAGEMAP_PFN_MASK) * E1K_PAGEMAP_PAGE_SIZE == iova)
		kit_fail("the IOVA equals the physical address: the mapper was not used");
	/* The IOMMU must really have it: mapping a page of our own at that IOVA is refused
	 * (EEXIST) exactly when the region is mapped there. */
	int iommu = e1k_vfio_container(err, sizeof(err));
	void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (iommu >= 0 && probe != MAP_FAILED) {
		struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uintptr_t)probe, .iova = iova, .size = 4096 };
		int mapped_by_us = ioctl(iommu, VFIO_IOMMU_MAP_DMA, &m) == 0;
		if (mapped_by_us) {
			struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um), .iova = iova, .size = 4096 };
			ioctl(iommu, VFIO_IOMMU_UNMAP_DMA, &um);
		}
		munmap(probe, 4096);
		if (mapped_by_us) {
			e1k_dma_free(&d);
			kit_fail("IOVA 0x%llx is not mapped in the IOMMU: e1k_iova_map must hand the "
				 "region to the device with ioctl(VFIO_IOMMU_MAP_DMA) before it returns "
				 "the IOVA (TODO 6); the device would fault on its first DMA",
				 (unsigned long long)iova);
		}
	}
	uint64_t inside = 0;
	if (e1k_virt_to_phys((uint8_t *)d.virt + 100, &inside, err, sizeof(err)) != 0 ||
	    inside != iova + 100)
		kit_fail("e1k_virt_to_phys(virt + 100) = 0x%llx, expected IOVA + 100 = 0x%llx",
			 (unsigned long long)inside, (unsigned long long)iova + 100);
	kit_note("virt %p -> IOVA 0x%llx (physical 0x%llx)", d.virt, (unsigned long long)iova,
		 (unsigned long long)((entry & E1K_PAGEMAP_PFN_MASK) * E1K_PAGEMAP_PAGE_SIZE));

	/* A pool: every buffer has its own IOVA inside the pool's region. */
	pool = e1k_mempool_create(64, 2048, err, sizeof(err));
	if (!pool)
		kit_fail("e1k_mempool_create under VFIO: %s", err);
	for (unsigned i = 0; i < 64; i++) {
		uint64_t off = (uint64_t)(pool->bufs[i].data - (uint8_t *)pool->dma.virt);
		if (pool->bufs[i].phys != pool->dma.phys + off)
			kit_fail("buffer %u: phys 0x%llx, expected the pool's IOVA + %llu = 0x%llx", i,
				 (unsigned long long)pool->bufs[i].phys, (unsigned long long)off,
				 (unsigned long long)(pool->dma.phys + off));
	}
	if (pool->dma.phys == iova)
		kit_fail("two regions got the same IOVA 0x%llx: move next_iova on", (unsigned long long)iova);

	/* Freeing takes the region away from the device (TODO 7). */
	e1k_dma_free(&d);
	int container = e1k_vfio_container(err, sizeof(err));
	struct vfio_iommu_type1_dma_unmap un = { .argsz = sizeof(un), .iova = iova,
						 .size = E1K_IOVA_ALIGN };
	if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &un) == 0 && un.size != 0)
		kit_fail("after e1k_dma_free, IOVA 0x%llx was still mapped (%llu bytes): "
			 "e1k_iova_unmap must VFIO_IOMMU_UNMAP_DMA it (TODO 7)",
			 (unsigned long long)iova, (unsigned long long)un.size);

	/* The IOMMU maps whole pages: a bad size is refused with a clear message. */
	rc = e1k_iova_map(pool->dma.virt, 1000, &inside, err, sizeof(err));
	/* The rule in any natural words: 4096, 4 KiB, 4 kB, page(s). */
	if (rc != -EINVAL || !(strstr(err, "4096") || strcasestr(err, "4 KiB") || strcasestr(err, "4KiB") ||
			       strcasestr(err, "4 kB") || strcasestr(err, "page")))
		kit_fail("e1k_iova_map of 1000 bytes: %d (%s); expected -EINVAL and a message that "
			 "says the size must be whole 4 KiB pages", rc, err);
}

/* ---- frames through VFIO ---- */

static void vm_vfio_receive(void **state)
{
	(void)state;
	bring_up(64, 64);
	static uint8_t f[3][KIT_FRAME_MAX];
	size_t lens[3];
	const size_t sizes[3] = { 60, 1000, 1514 };
	for (int i = 0; i < 3; i++)
		lens[i] = host_frame(f[i], sizes[i], (uint64_t)i);
	host_sends("lab07-rx", f, lens, 3);
	for (int i = 0; i < 3; i++) {
		struct e1k_buf *b = receive(15);
		if (!b)
			kit_fail("frame %d of 3 from the host never arrived through VFIO (bus master on? "
				 "descriptors hold IOVAs that are mapped?)", i + 1);
		if (b->len != lens[i] || memcmp(b->data, f[i], lens[i]) != 0)
			kit_fail("frame %d: %u bytes received, the host sent %zu%s", i + 1, b->len, lens[i],
				 b->len == lens[i] ? " that differ" : "");
		e1k_buf_free(b);
	}
	host_done(3);
	if (rx.packets != 3 || rx.dropped_errors || rx.dropped_spanning || rx.dropped_no_buf)
		kit_fail("ring counters: %llu packets, drops %llu/%llu/%llu (expected 3, 0/0/0)",
			 (unsigned long long)rx.packets, (unsigned long long)rx.dropped_spanning,
			 (unsigned long long)rx.dropped_errors, (unsigned long long)rx.dropped_no_buf);
	uint32_t gprc = e1k_read_stat(&dev, E1K_GPRC);
	if (gprc != 3)
		kit_fail("QEMU counted %u good packets received (GPRC), the driver 3", gprc);
}

static void vm_vfio_send(void **state)
{
	(void)state;
	bring_up(64, 64);
	const char *opts[] = { "--pcap-out", "tx.pcap", "--expect", "3", "--time", "30", NULL };
	vm_wire_prepare(&wire, "lab07-tx");
	vm_wire_start(&wire, 0, opts, 15);
	wire_active = 1;
	static uint8_t sent[3][KIT_FRAME_MAX];
	size_t lens[3];
	const size_t sizes[3] = { 60, 1000, 1514 };
	for (int i = 0; i < 3; i++) {
		struct e1k_buf *b = e1k_buf_alloc(pool);
		if (!b)
			kit_fail("test setup: the pool is empty");
		lens[i] = guest_frame(b->data, sizes[i], (uint64_t)i);
		b->len = (uint16_t)lens[i];
		memcpy(sent[i], b->data, lens[i]);
		int rc = e1k_tx_one(&dev, &tx, b);
		if (rc != 0)
			kit_fail("e1k_tx_one returned %d", rc);
	}
	char report[512];
	int rc = vm_wire_finish(&wire, 30, report, sizeof(report));
	wire_active = 0;
	if (rc != 0)
		kit_fail("the host did not capture the 3 frames sent through VFIO: %s", report);
	static uint8_t got[4][KIT_FRAME_MAX];
	uint8_t *bufs[4] = { got[0], got[1], got[2], got[3] };
	size_t got_lens[4];
	unsigned n = vm_pcap_load(vm_wire_file(&wire, "tx.pcap"), bufs, KIT_FRAME_MAX, got_lens, 4);
	if (n != 3)
		kit_fail("the host captured %u frames, the driver sent 3: %s", n, report);
	for (int i = 0; i < 3; i++)
		if (got_lens[i] != lens[i] || memcmp(got[i], sent[i], lens[i]) != 0)
			kit_fail("frame %d: sent %zu bytes, the host got %zu%s", i, lens[i], got_lens[i],
				 got_lens[i] == lens[i] ? " that differ" : "");
	unsigned freed = 0;
	for (int tries = 0; tries < 100 && freed < 3; tries++) {
		freed += e1k_tx_reclaim(&tx);
		vm_sleep_ms(1);
	}
	if (freed != 3)
		kit_fail("e1k_tx_reclaim freed %u of 3 buffers", freed);
	uint32_t gptc = e1k_read_stat(&dev, E1K_GPTC);
	if (gptc != 3)
		kit_fail("QEMU counted %u packets transmitted (GPTC), the driver sent 3", gptc);
}

/* ---- TODO 8-10: interrupts through an eventfd ---- */

static void vm_vfio_interrupts(void **state)
{
	(void)state;
	char err[1024] = "";
	bring_up(64, 64);
	int rc = e1k_irq_open(&dev, err, sizeof(err));   /* lab02's, which asks the backend */
	if (rc != 0)
		kit_fail("e1k_irq_open through VFIO returned %d: %s (TODO 8)", rc, err);
	e1k_write32(dev.bar0, E1K_RDTR, 0);   /* SDM 13.4.30: interrupt at once */
	e1k_irq_ack(&dev);
	e1k_irq_enable(&dev, E1K_ICR_RXT0);
	uint32_t count = 0, last = 0;
	for (int round = 0; round < 2; round++) {
		static uint8_t f[1][KIT_FRAME_MAX];
		size_t lens[1] = { host_frame(f[0], 60, (uint64_t)round) };
		host_sends(round ? "lab07-irq2" : "lab07-irq1", f, lens, 1);
		/* Round 1 also waits for the host's wire to start; round 2 only for INTx. */
		int wait_ms = round ? 8000 : 20000;
		rc = e1k_irq_wait(&dev, wait_ms, &count);
		if (rc != 1)
			kit_fail("round %d: %s %d s after a frame arrived (e1k_irq_wait returned %d)%s",
				 round + 1, rc == 0 ? "no interrupt within" : "an error within", wait_ms / 1000,
				 rc, round == 0 ?
				 " (TODO 8: INTx -> eventfd; TODO 9: poll + 8-byte read)" :
				 " (the first came: INTx was not unmasked after it, TODO 10)");
		uint32_t causes = e1k_irq_ack(&dev);
		if (!(causes & E1K_ICR_RXT0))
			kit_fail("round %d: e1k_irq_ack returned causes 0x%08x without RXT0 (read ICR, "
				 "TODO 10)", round + 1, causes);
		if (count <= last)
			kit_fail("round %d: the interrupt count went from %u to %u: keep a running count",
				 round + 1, last, count);
		last = count;
		struct e1k_buf *b = receive(5);
		if (!b)
			kit_fail("round %d: an interrupt but no frame in the ring", round + 1);
		e1k_buf_free(b);
		host_done(1);
	}
}

/* ---- protection: the IOMMU blocks DMA to addresses we never mapped ---- */

/* DMAR fault lines for NIC 0 that the kernel logged since fd was opened. */
static int dmar_faults(int kmsg, char *first, size_t len)
{
	char rec[1024], bdf[16];
	snprintf(bdf, sizeof(bdf), "%s", vm_nic(0) + 5);   /* "00:03.0" */
	int found = 0;
	for (;;) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;   /* records were overwritten: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		if (strstr(rec, "DMAR") && strstr(rec, "fault") && strstr(rec, bdf)) {
			if (!found)
				snprintf(first, len, "%.*s", (int)strcspn(rec, "\n"), strchr(rec, ';') ?
					 strchr(rec, ';') + 1 : rec);
			found++;
		}
	}
	return found;
}

static void vm_vfio_protection(void **state)
{
	(void)state;
	char err[1024] = "";
	bring_up(8, 8);
	/* A victim: one of our buffers, whose physical address a UIO driver would put in a
	 * descriptor. Behind the IOMMU that number means nothing to the device. */
	struct e1k_buf *victim = e1k_buf_alloc(pool);
	uint64_t entry = 0;
	if (!victim || e1k_pagemap_entry(victim->data, &entry, err, sizeof(err)) != 0)
		kit_fail("test setup: a victim buffer and its pagemap entry: %s", err);
	uint64_t victim_phys = (entry & E1K_PAGEMAP_PFN_MASK) * E1K_PAGEMAP_PAGE_SIZE +
			       (uintptr_t)victim->data % E1K_PAGEMAP_PAGE_SIZE;
	memset(victim->data, 0xA5, 2048);
	uint64_t unmapped = e1k_iova_next() + 0x1000;   /* an IOVA nobody mapped */
	if (victim_phys >= E1K_IOVA_BASE)
		kit_fail("test setup: the victim's physical address 0x%llx is inside the IOVA range",
			 (unsigned long long)victim_phys);

	/* Descriptors 0 and 1 point where the device must not write. */
	uint64_t saved_addr[2] = { rx.desc[0].addr, rx.desc[1].addr };
	memset(rx.bufs[0]->data, 0, 2048);
	memset(rx.bufs[1]->data, 0, 2048);
	rx.desc[0].addr = victim_phys;
	rx.desc[1].addr = unmapped;
	int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0 || lseek(kmsg, 0, SEEK_END) < 0)
		kit_fail("test setup: cannot read the kernel log /dev/kmsg: %s", strerror(errno));

	static uint8_t f[3][KIT_FRAME_MAX];
	size_t lens[3];
	for (int i = 0; i < 3; i++)
		lens[i] = host_frame(f[i], 200, (uint64_t)i);
	host_sends("lab07-prot", f, lens, 3);
	double give_up = vm_now_s() + 20;
	while (!(rx.desc[2].status & E1K_RXD_STAT_DD) && vm_now_s() < give_up)
		vm_sleep_ms(5);
	if (!(rx.desc[2].status & E1K_RXD_STAT_DD)) {
		close(kmsg);
		kit_fail("the 3 frames never reached the ring (frames through VFIO work? see "
			 "vm_vfio_receive)");
	}
	host_done(3);

	/* 1. Nothing was written where the descriptors pointed. */
	for (int i = 0; i < 2048; i++)
		if (victim->data[i] != 0xA5) {
			close(kmsg);
			kit_fail("the victim buffer changed at byte %d: the device wrote to a physical "
				 "address the IOMMU should have blocked (is the device really behind "
				 "VFIO's translated domain?)", i);
		}
	/* 2. The IOMMU said so: DMAR faults in the kernel log. */
	char first[512] = "";
	int faults = 0;
	for (int tries = 0; tries < 50 && faults == 0; tries++) {
		faults = dmar_faults(kmsg, first, sizeof(first));
		if (!faults)
			vm_sleep_ms(100);
	}
	close(kmsg);
	if (faults == 0)
		kit_fail("no DMAR fault for %s in the kernel log after DMA to an unmapped IOVA",
			 vm_nic(0));
	kit_note("%d DMAR fault line(s), the first: %s", faults, first);

	/* 3. The driver goes on: put the real buffers back; the two frames that were blocked
	 *    arrive as descriptors without data, the third byte for byte. */
	rx.desc[0].addr = saved_addr[0];
	rx.desc[1].addr = saved_addr[1];
	for (int i = 0; i < 3; i++) {
		struct e1k_buf *b = receive(5);
		if (!b)
			kit_fail("descriptor %d: e1k_rx_one returned nothing after the fault", i);
		int same = b->len == lens[i] && memcmp(b->data, f[i], lens[i]) == 0;
		if (i < 2 && same)
			kit_fail("frame %d landed in memory although its descriptor held an address "
				 "that was not mapped", i);
		if (i == 2 && !same)
			kit_fail("after the faults, frame 3 did not arrive byte for byte: the device or "
				 "the ring did not recover");
		e1k_buf_free(b);
	}
	e1k_buf_free(victim);
}

/* ---- no root: /dev/vfio/N given to a user ---- */

static int child_fail(int fd, const char *fmt, const char *detail)
{
	char msg[1200];
	int n = snprintf(msg, sizeof(msg), fmt, detail);
	if (write(fd, msg, (size_t)n) < 0)
		_exit(3);
	_exit(1);
}

/* In a child that is uid 65534: bring NIC 0 up, send one frame. */
static void run_as_nobody(int report_fd, const uint8_t *frame, size_t len)
{
	char err[1024] = "";
	struct e1k_dev d;
	uint64_t entry = 0;
	if (e1k_open_vfio(&d, vm_nic(0), err, sizeof(err)) != 0)
		child_fail(report_fd, "as uid 65534, e1k_open_vfio: %s", err);
	if (e1k_init(&d, 2000, err, sizeof(err)) != 0)
		child_fail(report_fd, "as uid 65534, e1k_init: %s", err);
	struct e1k_mempool *p = e1k_mempool_create(64, 2048, err, sizeof(err));
	if (!p)
		child_fail(report_fd, "as uid 65534, e1k_mempool_create: %s", err);
	if (e1k_pagemap_entry(p->dma.virt, &entry, err, sizeof(err)) == 0 &&
	    (entry & E1K_PAGEMAP_PFN_MASK))
		child_fail(report_fd, "%s", "test bug: uid 65534 sees physical addresses");
	struct e1k_tx_ring t;
	if (e1k_tx_ring_init(&d, &t, 8, err, sizeof(err)) != 0)
		child_fail(report_fd, "as uid 65534, e1k_tx_ring_init: %s", err);
	struct e1k_buf *b = e1k_buf_alloc(p);
	memcpy(b->data, frame, len);
	b->len = (uint16_t)len;
	if (e1k_tx_one(&d, &t, b) != 0)
		child_fail(report_fd, "%s", "as uid 65534, e1k_tx_one failed");
	for (int i = 0; i < 100 && e1k_tx_in_flight(&t); i++) {
		e1k_tx_reclaim(&t);
		vm_sleep_ms(1);
	}
	e1k_tx_ring_free(&d, &t);
	e1k_mempool_destroy(p);
	e1k_close(&d);
	_exit(0);
}

static void vm_vfio_non_root(void **state)
{
	(void)state;
	char err[1024] = "", path[256];
	vm_need_guest();
	vm_nic_mac(0, nic_mac);
	bind_for_test(vm_nic(0), "vfio-pci");
	char dir[128];
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", vm_nic(0));
	int group = e1k_vfio_group_number(dir, err, sizeof(err));
	if (group < 0)
		kit_fail("e1k_vfio_group_number(%s): %s", vm_nic(0), err);
	/* What an administrator does once: the group's file and a hugepage directory for
	 * the user, and a locked-memory limit for the pages VFIO pins. */
	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	if (chown(path, NOBODY, NOBODY) != 0)
		kit_fail("test setup: chown %s: %s", path, strerror(errno));
	snprintf(scratch_dir, sizeof(scratch_dir), "/dev/hugepages/lab07-nobody-%d", (int)getpid());
	if (mkdir(scratch_dir, 0700) != 0 || chown(scratch_dir, NOBODY, NOBODY) != 0)
		kit_fail("test setup: %s: %s", scratch_dir, strerror(errno));

	static uint8_t frame[KIT_FRAME_MAX];
	size_t len = guest_frame(frame, 300, 77);
	const char *opts[] = { "--pcap-out", "user.pcap", "--expect", "1", "--time", "30", NULL };
	vm_wire_prepare(&wire, "lab07-user");
	vm_wire_start(&wire, 0, opts, 15);
	wire_active = 1;

	int pipefd[2];
	if (pipe(pipefd) != 0)
		kit_fail("pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		kit_fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(pipefd[0]);
		struct rlimit lim = { 64u << 20, 64u << 20 };
		if (setenv(E1K_DMA_DIR_ENV, scratch_dir, 1) != 0 || setrlimit(RLIMIT_MEMLOCK, &lim) != 0 ||
		    setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0 ||
		    geteuid() == 0)
			child_fail(pipefd[1], "test setup: dropping root failed: %s", strerror(errno));
		run_as_nobody(pipefd[1], frame, len);
	}
	close(pipefd[1]);
	char msg[1200] = "";
	ssize_t got = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[got > 0 ? got : 0] = 0;
	close(pipefd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vm_wire_stop(&wire);
		kit_fail("%s", msg[0] ? msg : "the uid 65534 child crashed");
	}
	char report[512];
	int rc = vm_wire_finish(&wire, 30, report, sizeof(report));
	wire_active = 0;
	static uint8_t cap[2][KIT_FRAME_MAX];
	uint8_t *bufs[2] = { cap[0], cap[1] };
	size_t cap_lens[2];
	unsigned n = rc == 0 ? vm_pcap_load(vm_wire_file(&wire, "user.pcap"), bufs, KIT_FRAME_MAX,
					    cap_lens, 2) : 0;
	if (n != 1 || cap_lens[0] != len || memcmp(cap[0], frame, len) != 0)
		kit_fail("the frame sent by uid 65534 did not reach the host byte for byte "
			 "(%u captured): %s", n, report);
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "vm_vfio_container", vm_vfio_container, setup, teardown, 1, 20,
		  "TODO 1: /dev/vfio/vfio, API version, type 1 IOMMU; one container per process", NULL },
		{ "vm_vfio_no_iommu", vm_vfio_no_iommu, setup, teardown, 1, 20,
		  "TODO 2: a device without an IOMMU group: -ENODEV, how to turn the IOMMU on", NULL },
		{ "vm_vfio_not_bound", vm_vfio_not_bound, setup, teardown, 1, 20,
		  "TODO 2: a NIC on e1000/uio_pci_generic: -ENODEV naming the driver and the fix", NULL },
		{ "vm_vfio_group_not_viable", vm_vfio_group_not_viable, setup, teardown, 2, 30,
		  "TODO 3: a group with a device on another driver refused (-EBUSY, named); viable opens", NULL },
		{ "vm_vfio_bring_up", vm_vfio_bring_up, setup, teardown, 3, 30,
		  "TODO 4+5: BAR0 via the device fd, config region, bus master; e1k_init, MAC", NULL },
		{ "vm_vfio_dma_iova", vm_vfio_dma_iova, setup, teardown, 2, 30,
		  "TODO 6+7: DMA memory and pool buffers on IOVAs; unmapped on free; 4 KiB rule", NULL },
		{ "vm_vfio_receive", vm_vfio_receive, setup, teardown, 3, 60,
		  "TODO 4-6: 60/1000/1514-byte frames from the host byte for byte through VFIO", NULL },
		{ "vm_vfio_send", vm_vfio_send, setup, teardown, 3, 60,
		  "TODO 4-6: 60/1000/1514-byte frames to the host byte for byte through VFIO", NULL },
		{ "vm_vfio_interrupts", vm_vfio_interrupts, setup, teardown, 3, 90,
		  "TODO 8-10: RXT0 through the eventfd twice (unmasked after the first)", NULL },
		{ "vm_vfio_protection", vm_vfio_protection, setup, teardown, 3, 60,
		  "TODO 6: DMA to a physical address / unmapped IOVA blocked, DMAR fault, recovers", NULL },
		{ "vm_vfio_non_root", vm_vfio_non_root, setup, teardown, 2, 60,
		  "TODO 1-6: uid 65534 with /dev/vfio/N brings the NIC up and sends a frame", NULL },
	};
	return kit_test_main(argc, argv, "lab07-vfio-vm", tests, sizeof(tests) / sizeof(tests[0]));
}
