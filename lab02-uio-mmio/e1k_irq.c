/*
 * e1k_irq.c — lab02: UIO interrupts (see e1k_irq.h).
 */
#include "e1k_irq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e1000_regs.h"
#include "e1k_mmio.h"

/* ---- the driver's calls: whichever backend opened the device ---- */

int e1k_irq_open(struct e1k_dev *dev, char *err, size_t err_len)
{
	return dev->backend->irq_open(dev, err, err_len);
}

int e1k_irq_wait(struct e1k_dev *dev, int timeout_ms, uint32_t *count)
{
	return dev->backend->irq_wait(dev, timeout_ms, count);
}

uint32_t e1k_irq_ack(struct e1k_dev *dev)
{
	return dev->backend->irq_ack(dev);
}

void e1k_irq_enable(struct e1k_dev *dev, uint32_t causes)
{
	e1k_write32(dev->bar0, E1K_IMS, causes);
}

void e1k_irq_close(struct e1k_dev *dev)
{
	if (dev->irq_fd >= 0)
		close(dev->irq_fd);
	dev->irq_fd = -1;
}

/* ---- UIO (e1k_uio_backend) ---- */

int e1k_uio_irq_open(struct e1k_dev *dev, char *err, size_t err_len)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/irq", dev->pci.dir);
	/* The simulated NIC's irq is a FIFO. Real sysfs has an `irq` file too (the IRQ
	 * number as text, read-only): that one is not an interrupt file. */
	struct stat st;
	if (stat(path, &st) != 0 || !S_ISFIFO(st.st_mode)) {
		/* Real hardware: <dir>/uio/uioN names the character device. */
		char uio_dir[PATH_MAX + 16];
		snprintf(uio_dir, sizeof(uio_dir), "%s/uio", dev->pci.dir);
		DIR *d = opendir(uio_dir);
		struct dirent *e = NULL;
		while (d && (e = readdir(d)) != NULL && strncmp(e->d_name, "uio", 3) != 0)
			;
		if (!d || !e) {
			if (d)
				closedir(d);
			snprintf(err, err_len, "%s has no UIO device: bind it to uio_pci_generic "
				 "(tools/bind-nic) to get interrupts", dev->pci.dir);
			return -ENODEV;
		}
		snprintf(path, sizeof(path), "/dev/%s", e->d_name);
		closedir(d);
	}
	dev->irq_fd = open(path, O_RDWR | O_CLOEXEC);
	if (dev->irq_fd < 0) {
		int e = errno;
		snprintf(err, err_len, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

int e1k_uio_irq_wait(struct e1k_dev *dev, int timeout_ms, uint32_t *count)
{
	/* TODO 8: Wait for the next interrupt.
	 *   - poll(2) dev->irq_fd for POLLIN with timeout_ms; 0 ready fds means
	 *     a timeout: return 0.
	 *   - Then read(2) exactly 4 bytes: the interrupt count. Anything else is
	 *     an error: return -errno (or -EIO for a short read).
	 * Read: uio-howto.rst "Reading from /dev/uioX"; poll(2). */
	(void)dev; (void)timeout_ms; (void)count;
	return -ENOSYS;
}

uint32_t e1k_uio_irq_ack(struct e1k_dev *dev)
{
	/* TODO 9: Acknowledge an interrupt.
	 *   1. causes = ICR (SDM 13.4.17), then write causes back to ICR: write-1-
	 *      to-clear, so a cause that arrived after the read stays pending.
	 *   2. Re-enable INTx: clear E1K_PCI_CMD_INTX_DISABLE (bit 10) in the
	 *      16-bit config command register (e1k_pci_read16/e1k_pci_write16).
	 *      Until you do, no further interrupt reaches you.
	 *   Return causes. */
	(void)dev;
	return 0;
}
