/*
 * probe-mac.c — read an e1000's MAC address from its receive address registers
 * RAL0/RAH0 (SDM 13.4.21: RAL at 0x5400 holds bytes 0-3, RAH at 0x5404 bytes 4-5 and
 * the Address Valid bit 31), through one of two doors:
 *
 *   probe-mac BDF [MAC]          mmap sysfs resource0 (device bound to uio_pci_generic)
 *   probe-mac --vfio BDF [MAC]   VFIO: container, group (must be viable), device fd,
 *                                a 2 MiB DMA mapping, BAR0 region mmap
 *                                (device bound to vfio-pci)
 *
 * With MAC given, exits 0 only if the registers hold exactly that address.
 * Exit status: 0 match (or printed), 1 mismatch, 2 error. Runs in the QEMU guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define E1000_BAR0_LEN 0x20000   /* 128 KiB of registers */
#define E1000_RAL0     0x5400
#define E1000_RAH0     0x5404
#define E1000_RAH_AV   (1u << 31)

static int fail(const char *what)
{
	fprintf(stderr, "probe-mac: %s: %s\n", what, strerror(errno));
	return -1;
}

/* QEMU implements aligned 32-bit register accesses only. */
static uint32_t reg_read(volatile uint8_t *bar, uint32_t off)
{
	return *(volatile uint32_t *)(bar + off);
}

static volatile uint8_t *map_resource0(const char *bdf)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", bdf);
	int fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0) {
		fail(path);
		return NULL;
	}
	void *bar = mmap(NULL, E1000_BAR0_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (bar == MAP_FAILED) {
		fail("mmap resource0");
		return NULL;
	}
	return bar;
}

static volatile uint8_t *map_vfio(const char *bdf)
{
	char link[PATH_MAX], target[PATH_MAX], group_path[64];
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0) {
		fail("no IOMMU group (boot with intel_iommu=on)");
		return NULL;
	}
	target[n] = '\0';
	snprintf(group_path, sizeof(group_path), "/dev/vfio/%s", basename(target));

	int container = open("/dev/vfio/vfio", O_RDWR);
	if (container < 0) {
		fail("/dev/vfio/vfio (is vfio loaded?)");
		return NULL;
	}
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION) {
		fprintf(stderr, "probe-mac: unknown VFIO API version\n");
		return NULL;
	}
	int group = open(group_path, O_RDWR);
	if (group < 0) {
		fail(group_path);
		return NULL;
	}
	struct vfio_group_status status = { .argsz = sizeof(status) };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &status) < 0) {
		fail("VFIO_GROUP_GET_STATUS");
		return NULL;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "probe-mac: group %s is not viable: bind every device in it to vfio-pci\n",
			group_path);
		return NULL;
	}
	printf("probe-mac: %s: IOMMU group %s is viable\n", bdf, group_path);
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0 ||
	    ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0) {
		fail("attach group / set type1 IOMMU");
		return NULL;
	}
	/* DMA through the vIOMMU: map 2 MiB of our memory at IOVA 0x10000000. */
	size_t dma_len = 2u << 20;
	void *dma = mmap(NULL, dma_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)dma, .iova = 0x10000000, .size = dma_len,
	};
	if (dma == MAP_FAILED || ioctl(container, VFIO_IOMMU_MAP_DMA, &map) < 0) {
		fail("VFIO_IOMMU_MAP_DMA of 2 MiB");
		return NULL;
	}
	printf("probe-mac: %s: VFIO_IOMMU_MAP_DMA 2 MiB at IOVA 0x10000000 ok\n", bdf);
	int device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0) {
		fail("VFIO_GROUP_GET_DEVICE_FD");
		return NULL;
	}
	struct vfio_region_info region = { .argsz = sizeof(region),
					    .index = VFIO_PCI_BAR0_REGION_INDEX };
	if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &region) < 0) {
		fail("VFIO_DEVICE_GET_REGION_INFO");
		return NULL;
	}
	if (!(region.flags & VFIO_REGION_INFO_FLAG_MMAP) || region.size < E1000_BAR0_LEN) {
		fprintf(stderr, "probe-mac: BAR0 cannot be mmapped (flags 0x%x, size %llu)\n",
			region.flags, (unsigned long long)region.size);
		return NULL;
	}
	void *bar = mmap(NULL, E1000_BAR0_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, device,
			 (off_t)region.offset);
	if (bar == MAP_FAILED) {
		fail("mmap BAR0 through the device fd");
		return NULL;
	}
	/* The fds stay open until exit: closing them would unmap the device. */
	return bar;
}

int main(int argc, char **argv)
{
	int vfio = argc > 1 && strcmp(argv[1], "--vfio") == 0;
	if (argc - vfio < 2 || argc - vfio > 3) {
		fprintf(stderr, "usage: probe-mac [--vfio] BDF [EXPECTED-MAC]\n");
		return 2;
	}
	const char *bdf = argv[1 + vfio];
	const char *expected = argc - vfio == 3 ? argv[2 + vfio] : NULL;

	volatile uint8_t *bar = vfio ? map_vfio(bdf) : map_resource0(bdf);
	if (!bar)
		return 2;
	uint32_t ral = reg_read(bar, E1000_RAL0);
	uint32_t rah = reg_read(bar, E1000_RAH0);
	char mac[18];
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 ral & 0xff, (ral >> 8) & 0xff, (ral >> 16) & 0xff, ral >> 24,
		 rah & 0xff, (rah >> 8) & 0xff);
	printf("probe-mac: %s via %s: RAL0=0x%08x RAH0=0x%08x -> MAC %s%s\n", bdf,
	       vfio ? "VFIO BAR0" : "resource0", ral, rah, mac,
	       (rah & E1000_RAH_AV) ? "" : " (AV clear!)");
	if (expected && strcasecmp(mac, expected) != 0) {
		fprintf(stderr, "probe-mac: MAC %s differs from the expected %s\n", mac, expected);
		return 1;
	}
	return 0;
}
