/*
 * e1k_vfio_irq.c — lab07: INTx through an eventfd (see e1k_vfio_irq.h).
 *
 * Read: linux/vfio.h (struct vfio_irq_set, struct vfio_irq_info); eventfd(2);
 * SDM 13.4.17 (ICR).
 */
#include "e1k_vfio_irq.h"

#include <errno.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "e1000_regs.h"
#include "e1k_mmio.h"
#include "e1k_vfio.h"

/* VFIO_DEVICE_SET_IRQS for INTx with no data: ACTION_UNMASK, or ACTION_TRIGGER
 * with count 0 (disconnect). */
static int intx_set(struct e1k_vfio_dev *v, uint32_t action, uint32_t count)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | action,
		.index = VFIO_PCI_INTX_IRQ_INDEX,
		.start = 0,
		.count = count,
	};
	return ioctl(v->device_fd, VFIO_DEVICE_SET_IRQS, &set) == 0 ? 0 : -errno;
}

int e1k_vfio_irq_open(struct e1k_dev *dev, char *err, size_t err_len)
{
	struct e1k_vfio_dev *v = e1k_vfio_of(dev);
	if (!v) {
		snprintf(err, err_len, "e1k_vfio_irq_open: the device was not opened with e1k_open_vfio");
		return -EINVAL;
	}
	if (dev->irq_fd >= 0)
		return 0;

	/* TODO 8: Connect INTx to an eventfd.
	 *   1. struct vfio_irq_info info = { .argsz = sizeof(info),
	 *      .index = VFIO_PCI_INTX_IRQ_INDEX }; VFIO_DEVICE_GET_IRQ_INFO on the
	 *      device fd. count must be 1 (0: the device has no interrupt pin) and
	 *      flags must have VFIO_IRQ_INFO_EVENTFD.
	 *   2. fd = eventfd(0, EFD_CLOEXEC).
	 *   3. VFIO_DEVICE_SET_IRQS with a struct vfio_irq_set followed by one
	 *      int32_t, the eventfd: argsz = the size of both, flags =
	 *      VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index =
	 *      VFIO_PCI_INTX_IRQ_INDEX, start 0, count 1. (A buffer of
	 *      sizeof(struct vfio_irq_set) + sizeof(int32_t) bytes, aligned like the
	 *      struct; the fd goes into set->data with memcpy.)
	 *   4. dev->irq_fd = fd, v->irq_armed = 1. On an error close fd, -errno.
	 * Read: linux/vfio.h VFIO_DEVICE_SET_IRQS (the flags table); eventfd(2). */
	snprintf(err, err_len, "TODO 8 is not done yet (e1k_vfio_irq_open)");
	return -ENOSYS;
}

int e1k_vfio_irq_wait(struct e1k_dev *dev, int timeout_ms, uint32_t *count)
{
	struct e1k_vfio_dev *v = e1k_vfio_of(dev);
	if (!v || dev->irq_fd < 0)
		return -EBADF;

	/* TODO 9: Wait for the eventfd.
	 *   - poll(2) dev->irq_fd for POLLIN for timeout_ms; none ready: return 0.
	 *   - read(2) exactly 8 bytes (a uint64_t: interrupts since the last read;
	 *     an eventfd refuses smaller reads with EINVAL). Add it to v->irq_count,
	 *     store that running count in *count (as UIO's), return 1.
	 *   - Errors: -errno (-EIO for a short read).
	 * Read: eventfd(2) "read(2)". */
	(void)timeout_ms; (void)count;
	return -ENOSYS;
}

uint32_t e1k_vfio_irq_ack(struct e1k_dev *dev)
{
	struct e1k_vfio_dev *v = e1k_vfio_of(dev);
	if (!v)
		return 0;

	/* TODO 10: Acknowledge, then let the next interrupt through.
	 *   1. causes = ICR (SDM 13.4.17); write causes back (W1C, as in lab02).
	 *   2. Unmask INTx: intx_set(v, VFIO_IRQ_SET_ACTION_UNMASK, 1). vfio-pci
	 *      masked the line when it signalled the eventfd; until you unmask it,
	 *      no further interrupt arrives. (Command bit 10 does not do it here:
	 *      vfio-pci emulates that bit.) Order matters: clear the causes first,
	 *      or the still-asserted line fires again at once.
	 *   Return causes. */
	(void)intx_set;
	return 0;
}

void e1k_vfio_irq_disarm(struct e1k_dev *dev)
{
	struct e1k_vfio_dev *v = e1k_vfio_of(dev);
	if (v && v->irq_armed && v->device_fd >= 0)
		intx_set(v, VFIO_IRQ_SET_ACTION_TRIGGER, 0);
	if (v)
		v->irq_armed = 0;
}
