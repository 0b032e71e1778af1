/*
 * e1k_vfio.c — lab07: container, group, device (see e1k_vfio.h).
 *
 * Read: the kernel's Documentation/driver-api/vfio.rst; include/uapi/linux/vfio.h
 * (every ioctl below is described there); SDM 4.1 (PCI command register).
 */
#include "e1k_vfio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e1000_regs.h"
#include "e1k_iova.h"
#include "e1k_mmio.h"
#include "e1k_pci.h"
#include "e1k_vfio_irq.h"

/* One container per process (as DPDK's default container): every device we open
 * shares its IOMMU address space, so one IOVA means the same memory for all. */
static int container_fd = -1;
static int container_has_iommu;     /* VFIO_SET_IOMMU done */
static unsigned container_devices;  /* devices open through it */

static void vfio_close(struct e1k_dev *dev);

/* lab02's struct e1k_backend, the second implementation after e1k_uio_backend. */
const struct e1k_backend e1k_vfio_backend = {
	.name = "vfio",
	.open = e1k_open_vfio,
	.close = vfio_close,
	.irq_open = e1k_vfio_irq_open,
	.irq_wait = e1k_vfio_irq_wait,
	.irq_ack = e1k_vfio_irq_ack,
};

/* The devices of IOMMU group n that keep it from being viable: bound to a
 * driver other than vfio-pci. "0000:00:1f.3 (uio_pci_generic), ..." into out. */
static void group_blockers(int n, char *out, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/devices", n);
	out[0] = 0;
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char dev_dir[PATH_MAX], drv[64];
		snprintf(dev_dir, sizeof(dev_dir), "%s/%s", path, e->d_name);
		e1k_pci_bound_driver(dev_dir, drv, sizeof(drv));
		if (drv[0] && strcmp(drv, "vfio-pci") != 0) {
			size_t used = strlen(out);
			snprintf(out + used, len - used, "%s%s (%s)", used ? ", " : "", e->d_name, drv);
		}
	}
	if (d)
		closedir(d);
	if (!out[0])
		snprintf(out, len, "a device of the group is bound to another driver");
}

int e1k_vfio_container(char *err, size_t err_len)
{
	if (container_fd >= 0)
		return container_fd;

	/* TODO 1: Open the container and check what the kernel offers.
	 *   1. open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC). ENOENT: the vfio module
	 *      is not loaded (modprobe vfio-pci); say so.
	 *   2. ioctl(fd, VFIO_GET_API_VERSION) must return VFIO_API_VERSION.
	 *   3. ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) must return 1 (the
	 *      x86 IOMMU model: map/unmap ranges; module vfio_iommu_type1).
	 *   On an error close the fd, explain in err, return -errno (-EINVAL for a
	 *   wrong version, -ENOTSUP without type 1). Keep the fd in container_fd.
	 * Read: vfio.rst "VFIO Usage Example"; linux/vfio.h VFIO_GET_API_VERSION. */
	// BEGIN SOLUTION 1
	int fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_len, "cannot open /dev/vfio/vfio: %s%s", strerror(e),
			 e == ENOENT ? " (the vfio module is not loaded: modprobe vfio-pci)" : "");
		return -e;
	}
	int version = ioctl(fd, VFIO_GET_API_VERSION);
	if (version != VFIO_API_VERSION) {
		snprintf(err, err_len, "the kernel speaks VFIO API version %d, this driver %d",
			 version, VFIO_API_VERSION);
		close(fd);
		return -EINVAL;
	}
	if (ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1) {
		snprintf(err, err_len, "the kernel offers no type 1 IOMMU for VFIO: load "
			 "vfio_iommu_type1 (modprobe vfio_iommu_type1)");
		close(fd);
		return -ENOTSUP;
	}
	container_fd = fd;
	return fd;
	// PLACEHOLDER 1
	// snprintf(err, err_len, "TODO 1 is not done yet (e1k_vfio_container)");
	// return -ENOSYS;
	// END SOLUTION 1
}

int e1k_vfio_group_number(const char *dir, char *err, size_t err_len)
{
	char link[PATH_MAX + 16], target[PATH_MAX];
	snprintf(link, sizeof(link), "%s/iommu_group", dir);

	/* TODO 2 (first part): The group number.
	 *   - readlink(2) <dir>/iommu_group: it points at .../iommu_groups/N.
	 *   - No such link means the kernel runs without an IOMMU: return -ENODEV
	 *     and say how to turn it on (VT-d / AMD-Vi in the firmware, and
	 *     intel_iommu=on or amd_iommu=on on the kernel command line; QEMU
	 *     needs -device intel-iommu, which hw/qemu/run gives).
	 *   - Return N, the number after the last '/'.
	 * Read: vfio.rst "Groups, Devices, and IOMMUs". */
	// BEGIN SOLUTION 2
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0) {
		snprintf(err, err_len, "%s has no IOMMU group (%s): the kernel runs without an IOMMU, "
			 "and VFIO needs one. Turn on VT-d (AMD-Vi) in the firmware and boot with "
			 "intel_iommu=on (amd_iommu=on); a QEMU guest needs -device intel-iommu "
			 "(hw/qemu/run gives it). Without an IOMMU use UIO (lab02)", dir,
			 n < 0 ? strerror(errno) : "empty link");
		return -ENODEV;
	}
	target[n] = 0;
	const char *base = strrchr(target, '/');
	return atoi(base ? base + 1 : target);
	// PLACEHOLDER 2
	// (void)target;
	// snprintf(err, err_len, "TODO 2 is not done yet (e1k_vfio_group_number)");
	// return -ENOSYS;
	// END SOLUTION 2
}

int e1k_vfio_group_open(const char *dir, int *group, char *err, size_t err_len)
{
	int container = e1k_vfio_container(err, err_len);
	if (container < 0)
		return container;
	int n = e1k_vfio_group_number(dir, err, err_len);
	if (n < 0)
		return n;
	*group = n;
	char path[64], driver[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", n);
	e1k_pci_bound_driver(dir, driver, sizeof(driver));
	const char *bdf = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;

	int fd;
	/* TODO 2: Open the group's device file, path = /dev/vfio/N.
	 *   open(path, O_RDWR | O_CLOEXEC). Each failure has one usual cause; say it
	 *   and the fix, and return -errno:
	 *   - ENOENT: no device of the group is bound to vfio-pci (driver holds the
	 *     driver it is bound to, "" for none): tools/bind-nic --driver vfio-pci
	 *     BDF. Return -ENODEV.
	 *   - EACCES/EPERM: the file belongs to another user; root gives it to you
	 *     once (chown USER /dev/vfio/N, or a udev rule): from then on the
	 *     driver needs no root at all.
	 *   - EBUSY: the group is already open (one process per group).
	 * Read: vfio.rst; open(2). */
	// BEGIN SOLUTION 2
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (e == ENOENT) {
			snprintf(err, err_len, "%s is bound to %s, not to vfio-pci, so there is no %s: "
				 "give it to vfio-pci first: tools/bind-nic --driver vfio-pci %s", bdf,
				 driver[0] ? driver : "no driver", path, bdf);
			return -ENODEV;
		}
		if (e == EACCES || e == EPERM) {
			snprintf(err, err_len, "cannot open %s: %s: it belongs to uid %d, you are uid %d. "
				 "Root gives it to you once: chown %d %s (or a udev rule); then no root "
				 "is needed", path, strerror(e), stat(path, &st) == 0 ? (int)st.st_uid : -1,
				 (int)getuid(), (int)getuid(), path);
			return -e;
		}
		snprintf(err, err_len, "cannot open %s: %s%s", path, strerror(e), e == EBUSY ?
			 " (the group is already open: another process drives it, or this one "
			 "opened it twice)" : "");
		return -e;
	}
	// PLACEHOLDER 2
	// (void)driver; (void)bdf;
	// snprintf(err, err_len, "TODO 2 is not done yet (open %s)", path);
	// return -ENOSYS;
	// END SOLUTION 2

	/* TODO 3: Make sure the group is ours alone, then give it an IOMMU.
	 *   1. struct vfio_group_status st = { .argsz = sizeof(st) };
	 *      ioctl(fd, VFIO_GROUP_GET_STATUS, &st). Without VFIO_GROUP_FLAGS_VIABLE
	 *      another device of the group has a kernel driver that could DMA
	 *      anywhere in the group's address space: refuse with -EBUSY, name the
	 *      devices (group_blockers(n, ...)) and the fix (bind them to vfio-pci
	 *      too, or unbind them).
	 *   2. ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container).
	 *   3. The container's first group: ioctl(container, VFIO_SET_IOMMU,
	 *      VFIO_TYPE1_IOMMU), then container_has_iommu = 1. EPERM here usually
	 *      means no interrupt remapping (see dmesg).
	 *   On an error close fd and return -errno; else return fd.
	 * Read: vfio.rst "VFIO Usage Example"; linux/vfio.h VFIO_GROUP_GET_STATUS. */
	// BEGIN SOLUTION 3
	struct vfio_group_status status = { .argsz = sizeof(status) };
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status) != 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_GROUP_GET_STATUS on %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		char blockers[512];
		group_blockers(n, blockers, sizeof(blockers));
		snprintf(err, err_len, "IOMMU group %d of %s is not viable: %s. A device with a "
			 "kernel driver could DMA into this group's memory, so VFIO refuses the "
			 "group: bind every device of /sys/kernel/iommu_groups/%d/devices to "
			 "vfio-pci (or unbind it), or put the NIC in a slot with its own group",
			 n, bdf, blockers, n);
		close(fd);
		return -EBUSY;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &container) != 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_GROUP_SET_CONTAINER for %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	if (!container_has_iommu) {
		if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) != 0) {
			int e = errno;
			snprintf(err, err_len, "VFIO_SET_IOMMU(type 1): %s%s", strerror(e), e == EPERM ?
				 " (no interrupt remapping? dmesg says; QEMU needs intel-iommu,"
				 "intremap=on)" : "");
			close(fd);
			return -e;
		}
		container_has_iommu = 1;
	}
	return fd;
	// PLACEHOLDER 3
	// (void)group_blockers; (void)container_has_iommu;
	// close(fd);
	// snprintf(err, err_len, "TODO 3 is not done yet (e1k_vfio_group_open)");
	// return -ENOSYS;
	// END SOLUTION 3
}

/* The device fd and BAR0, mapped through it. */
static int map_device(struct e1k_dev *dev, struct e1k_vfio_dev *v, const char *bdf,
		      char *err, size_t err_len)
{
	/* TODO 4: The device and its registers.
	 *   1. v->device_fd = ioctl(v->group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf):
	 *      the name is the PCI address, "0000:00:03.0".
	 *   2. struct vfio_region_info bar = { .argsz = sizeof(bar),
	 *      .index = VFIO_PCI_BAR0_REGION_INDEX }; VFIO_DEVICE_GET_REGION_INFO.
	 *      It must have VFIO_REGION_INFO_FLAG_MMAP and a size of at least
	 *      E1K_BAR0_SIZE (128 KiB, SDM 4.1).
	 *   3. mmap E1K_BAR0_SIZE bytes, read/write, MAP_SHARED, of the device fd at
	 *      offset bar.offset into dev->bar0; dev->bar0_len = E1K_BAR0_SIZE.
	 *   Return 0 or -errno with err. (vfio_close undoes what was done.)
	 * Read: linux/vfio.h VFIO_DEVICE_GET_REGION_INFO; vfio.rst. */
	// BEGIN SOLUTION 4
	v->device_fd = ioctl(v->group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v->device_fd < 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_GROUP_GET_DEVICE_FD(%s): %s", bdf, strerror(e));
		return -e;
	}
	struct vfio_region_info bar = { .argsz = sizeof(bar), .index = VFIO_PCI_BAR0_REGION_INDEX };
	if (ioctl(v->device_fd, VFIO_DEVICE_GET_REGION_INFO, &bar) != 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_DEVICE_GET_REGION_INFO(BAR0) of %s: %s", bdf, strerror(e));
		return -e;
	}
	if (!(bar.flags & VFIO_REGION_INFO_FLAG_MMAP) || bar.size < E1K_BAR0_SIZE) {
		snprintf(err, err_len, "BAR0 of %s cannot be mapped (flags 0x%x, %llu bytes; need mmap "
			 "and 128 KiB)", bdf, bar.flags, (unsigned long long)bar.size);
		return -ENOTSUP;
	}
	void *p = mmap(NULL, E1K_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, v->device_fd,
		       (off_t)bar.offset);
	if (p == MAP_FAILED) {
		int e = errno;
		snprintf(err, err_len, "mmap of BAR0 through the device fd of %s: %s", bdf, strerror(e));
		return -e;
	}
	dev->bar0 = p;
	dev->bar0_len = E1K_BAR0_SIZE;
	return 0;
	// PLACEHOLDER 4
	// (void)dev; (void)v;
	// snprintf(err, err_len, "TODO 4 is not done yet (map_device %s)", bdf);
	// return -ENOSYS;
	// END SOLUTION 4
}

/* Config space through the device fd, then memory space + bus master on. */
static int config_through_region(struct e1k_dev *dev, struct e1k_vfio_dev *v,
				 char *err, size_t err_len)
{
	/* TODO 5: Config space, and the device on the bus.
	 *   1. VFIO_DEVICE_GET_REGION_INFO with .index = VFIO_PCI_CONFIG_REGION_INDEX:
	 *      config space is read and written (pread/pwrite) at that region's
	 *      offset in the device fd. Keep offset and size in v->config_offset,
	 *      v->config_size.
	 *   2. Point lab02's config accessors there: dev->pci.config_fd =
	 *      v->device_fd, dev->pci.config_offset = the offset.
	 *   3. e1k_pci_enable(&dev->pci, ...) (lab02): memory space (bit 1) and bus
	 *      master (bit 2, SDM 4.1). vfio-pci enables the device but leaves bus
	 *      mastering to us; without it QEMU's e1000 does no DMA at all.
	 *   Return 0 or -errno with err.
	 * Read: linux/vfio.h VFIO_PCI_CONFIG_REGION_INDEX; lab02 e1k_pci.h. */
	// BEGIN SOLUTION 5
	struct vfio_region_info cfg = { .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	if (ioctl(v->device_fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) != 0) {
		int e = errno;
		snprintf(err, err_len, "VFIO_DEVICE_GET_REGION_INFO(config) of %s: %s", dev->pci.dir,
			 strerror(e));
		return -e;
	}
	v->config_offset = cfg.offset;
	v->config_size = cfg.size;
	dev->pci.config_fd = v->device_fd;
	dev->pci.config_offset = cfg.offset;
	return e1k_pci_enable(&dev->pci, err, err_len);
	// PLACEHOLDER 5
	// (void)dev; (void)v;
	// snprintf(err, err_len, "TODO 5 is not done yet (config_through_region)");
	// return -ENOSYS;
	// END SOLUTION 5
}

/* A sysfs attribute holding one hex number ("0x8086"). 0 or -1. */
static int read_hex(const char *dir, const char *name, unsigned long *value)
{
	char path[PATH_MAX + 32], text[32];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(text, sizeof(text), f) != NULL;
	fclose(f);
	char *end;
	*value = ok ? strtoul(text, &end, 16) : 0;
	return ok && end != text ? 0 : -1;
}

int e1k_open_vfio(struct e1k_dev *dev, const char *where, char *err, size_t err_len)
{
	memset(dev, 0, sizeof(*dev));
	dev->irq_fd = -1;
	dev->pci.config_fd = -1;
	int rc = e1k_pci_resolve(where, dev->pci.dir, sizeof(dev->pci.dir), err, err_len);
	if (rc != 0)
		return rc;

	/* Is it a NIC we drive? (vendor and device are readable by every user.) */
	unsigned long vendor, device;
	if (read_hex(dev->pci.dir, "vendor", &vendor) != 0 ||
	    read_hex(dev->pci.dir, "device", &device) != 0) {
		snprintf(err, err_len, "%s has no readable vendor/device files: not a PCI device",
			 dev->pci.dir);
		return -ENODEV;
	}
	dev->pci.vendor = (uint16_t)vendor;
	dev->pci.device = (uint16_t)device;
	dev->pci.model = e1k_pci_model(dev->pci.vendor, dev->pci.device);
	if (!dev->pci.model) {
		snprintf(err, err_len, "%04lx:%04lx at %s is not an 8254x this kit drives", vendor,
			 device, dev->pci.dir);
		return -ENOTSUP;
	}

	struct e1k_vfio_dev *v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	v->device_fd = -1;
	dev->backend = &e1k_vfio_backend;
	dev->backend_data = v;
	container_devices++;   /* vfio_close counts it down, also after a failure */
	const char *bdf = strrchr(dev->pci.dir, '/') + 1;

	v->group_fd = e1k_vfio_group_open(dev->pci.dir, &v->group, err, err_len);
	rc = v->group_fd < 0 ? v->group_fd : 0;
	if (rc == 0)
		rc = map_device(dev, v, bdf, err, err_len);
	if (rc == 0)
		rc = config_through_region(dev, v, err, err_len);
	if (rc != 0) {
		vfio_close(dev);
		return rc;
	}
	snprintf(dev->pci.driver, sizeof(dev->pci.driver), "vfio-pci");
	/* DMA memory from now on gets IOVAs in this container (e1k_iova.h). */
	e1k_dma_set_mapper(&e1k_iova_mapper);
	return 0;
}

struct e1k_vfio_dev *e1k_vfio_of(struct e1k_dev *dev)
{
	return dev->backend == &e1k_vfio_backend ? dev->backend_data : NULL;
}

static void vfio_close(struct e1k_dev *dev)
{
	struct e1k_vfio_dev *v = dev->backend_data;

	e1k_vfio_irq_disarm(dev);
	if (dev->irq_fd >= 0)
		close(dev->irq_fd);
	if (dev->bar0)
		munmap((void *)dev->bar0, dev->bar0_len);
	if (v->device_fd >= 0)
		close(v->device_fd);   /* vfio-pci turns bus mastering off and resets */
	if (v->group_fd >= 0)
		close(v->group_fd);    /* leaves the container */
	free(v);
	memset(dev, 0, sizeof(*dev));
	dev->irq_fd = -1;
	dev->pci.config_fd = -1;

	if (--container_devices == 0 && container_fd >= 0) {
		/* The last device: every IOVA mapping goes with the container. */
		e1k_dma_set_mapper(&e1k_pagemap_mapper);   /* physical addresses again */
		close(container_fd);
		container_fd = -1;
		container_has_iommu = 0;
	}
}
