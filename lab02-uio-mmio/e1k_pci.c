/*
 * e1k_pci.c — lab02: the NIC as a PCI device (see e1k_pci.h).
 */
#include "e1k_pci.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e1000_regs.h"

/* The 8254x parts that share the 82540EM's register model (SDM table 1-1).
 * The 82574L (10D3) is an e1000e: other registers, MSI-X; not supported. */
static const struct {
	uint16_t device;
	const char *model;
} supported[] = {
	{ 0x100E, "82540EM" }, { 0x1015, "82540EM (LOM)" }, { 0x1016, "82540EP (LOM)" },
	{ 0x1017, "82540EP" }, { 0x101E, "82540EP (mobile)" }, { 0x100F, "82545EM" },
	{ 0x1011, "82545EM (fiber)" }, { 0x1026, "82545GM" }, { 0x1027, "82545GM (fiber)" },
	{ 0x1028, "82545GM (SerDes)" }, { 0x1010, "82546EB" }, { 0x1012, "82546EB (fiber)" },
	{ 0x101D, "82546EB (quad)" }, { 0x1079, "82546GB" }, { 0x1013, "82541EI" },
	{ 0x1018, "82541EI (mobile)" }, { 0x1076, "82541GI" }, { 0x1019, "82547EI" },
};

const char *e1k_pci_model(uint16_t vendor, uint16_t device)
{
	if (vendor != E1K_PCI_VENDOR_INTEL)
		return NULL;
	for (size_t i = 0; i < sizeof(supported) / sizeof(supported[0]); i++)
		if (supported[i].device == device)
			return supported[i].model;
	return NULL;
}

/* Exactly DDDD:BB:SS.F or BB:SS.F (hex; function 0-7), as lspci -D prints it:
 * sscanf alone would take "0000:00:03.0x" (its %x skips a "0x"). */
static int pci_address_shape(const char *s)
{
	static const char *const shapes[] = { "hhhh:hh:hh.f", "hh:hh.f" };
	for (int k = 0; k < 2; k++) {
		const char *p = shapes[k], *q = s;
		for (; *p && *q; p++, q++) {
			if (*p == 'h' ? !isxdigit((unsigned char)*q) :
			    *p == 'f' ? (*q < '0' || *q > '7') : *q != *p)
				break;
		}
		if (!*p && !*q)
			return 1;
	}
	return 0;
}

int e1k_pci_resolve(const char *where, char *dir, size_t dir_len, char *err, size_t err_len)
{
	struct stat st;
	unsigned domain = 0, bus, slot, func;

	if (strchr(where, '/')) {
		snprintf(dir, dir_len, "%s", where);
	} else if (pci_address_shape(where) &&
		   (sscanf(where, "%x:%x:%x.%x", &domain, &bus, &slot, &func) == 4 ||
		    sscanf(where, "%x:%x.%x", &bus, &slot, &func) == 3)) {
		snprintf(dir, dir_len, "/sys/bus/pci/devices/%04x:%02x:%02x.%x", domain, bus, slot, func);
	} else {
		snprintf(err, err_len, "'%s' is neither a PCI address (0000:00:03.0) nor a device "
			 "directory", where);
		return -EINVAL;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_len, "no PCI device at %s: list the Intel NICs with "
			 "`lspci -D -d 8086:` (or start the simulated NIC: hw/sim)", dir);
		return -ENODEV;
	}
	return 0;
}

/* Read a sysfs attribute holding one hex number ("0x8086\n"). 0 or -errno. */
static int read_hex_attr(const char *dir, const char *name, unsigned long *value)
{
	char path[PATH_MAX + 32], text[32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	int saved = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -saved : -EIO;
	text[n] = 0;
	char *end;
	*value = strtoul(text, &end, 16);
	return end == text ? -EIO : 0;
}

/* The basename of the `driver` symlink, or "" when no driver is bound. */
void e1k_pci_bound_driver(const char *dir, char *name, size_t name_len)
{
	char link[PATH_MAX + 16], target[PATH_MAX];

	name[0] = 0;
	snprintf(link, sizeof(link), "%s/driver", dir);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = 0;
	const char *base = strrchr(target, '/');
	snprintf(name, name_len, "%.63s", base ? base + 1 : target);
}

int e1k_pci_open(struct e1k_pci *pci, const char *where, char *err, size_t err_len)
{
	memset(pci, 0, sizeof(*pci));
	pci->config_fd = -1;
	int rc = e1k_pci_resolve(where, pci->dir, sizeof(pci->dir), err, err_len);
	if (rc != 0)
		return rc;

	/* TODO 1: Check the device is one we can drive.
	 *   1. Read the `vendor` and `device` attributes with read_hex_attr().
	 *      A failure means the directory is not a PCI device: -ENODEV.
	 *   2. e1k_pci_model(vendor, device) must know it; else -ENOTSUP and
	 *      say which ids were found (8086:10d3 is an 82574L: an e1000e).
	 *   3. e1k_pci_bound_driver(): if a kernel network driver (e1000, e1000e) owns
	 *      the device, refuse with -EBUSY and tell the user to unbind it
	 *      (tools/bind-nic). uio_pci_generic, vfio-pci or none are fine.
	 *   Fill pci->vendor, pci->device, pci->model and pci->driver.
	 * Read: Documentation/PCI/sysfs-pci.rst; SDM 4.1 (device IDs). */
	(void)read_hex_attr;
	snprintf(err, err_len, "TODO 1 is not done yet (e1k_pci_open)");
	return -ENOSYS;

	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/config", pci->dir);
	pci->config_fd = open(path, O_RDWR | O_CLOEXEC);
	if (pci->config_fd < 0) {
		int e = errno;
		snprintf(err, err_len, "cannot open %s: %s%s", path, strerror(e),
			 e == EACCES ? " (writing config space needs root: use sudo)" : "");
		return -e;
	}
	return 0;
}

int e1k_pci_read16(struct e1k_pci *pci, unsigned offset, uint16_t *value)
{
	/* Config space is little endian (PCI 3.0 6.1); so is x86. */
	if (pread(pci->config_fd, value, 2, (off_t)(pci->config_offset + offset)) != 2)
		return -EIO;
	return 0;
}

int e1k_pci_write16(struct e1k_pci *pci, unsigned offset, uint16_t value)
{
	if (pwrite(pci->config_fd, &value, 2, (off_t)(pci->config_offset + offset)) != 2)
		return -EIO;
	return 0;
}

int e1k_pci_enable(struct e1k_pci *pci, char *err, size_t err_len)
{
	/* TODO 2: Enable memory space and bus mastering.
	 *   - Read the 16-bit command register (E1K_PCI_COMMAND, offset 4),
	 *     set E1K_PCI_CMD_MEMORY (bit 1: the BAR answers) and
	 *     E1K_PCI_CMD_BUS_MASTER (bit 2: the device may do DMA), keep every
	 *     other bit, write it back, and read it again to check both stuck.
	 *   - Without bus mastering the NIC cannot read descriptors or write
	 *     packets: QEMU's e1000 then silently receives nothing.
	 * Read: SDM 4.1 "Command Register"; e1k_pci_read16/e1k_pci_write16 above. */
	(void)pci;
	snprintf(err, err_len, "TODO 2 is not done yet (e1k_pci_enable)");
	return -ENOSYS;
}

void e1k_pci_close(struct e1k_pci *pci)
{
	if (pci->config_fd >= 0)
		close(pci->config_fd);
	pci->config_fd = -1;
}
