/*
 * e1k_dev.c — lab02: opening, resetting and bringing up the NIC (see e1k_dev.h).
 */
#include "e1k_dev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "e1000_regs.h"
#include "e1k_irq.h"
#include "e1k_mmio.h"

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void uio_close(struct e1k_dev *dev);

const struct e1k_backend e1k_uio_backend = {
	.name = "uio",
	.open = e1k_open,
	.close = uio_close,
	.irq_open = e1k_uio_irq_open,
	.irq_wait = e1k_uio_irq_wait,
	.irq_ack = e1k_uio_irq_ack,
};

int e1k_open(struct e1k_dev *dev, const char *where, char *err, size_t err_len)
{
	memset(dev, 0, sizeof(*dev));
	dev->irq_fd = -1;
	dev->backend = &e1k_uio_backend;
	int rc = e1k_pci_open(&dev->pci, where, err, err_len);
	if (rc != 0)
		return rc;
	rc = e1k_pci_enable(&dev->pci, err, err_len);
	if (rc == 0) {
		dev->bar0 = e1k_map_bar0(dev->pci.dir, &dev->bar0_len, err, err_len);
		if (!dev->bar0)
			rc = -EIO;
	}
	if (rc != 0)
		e1k_pci_close(&dev->pci);
	return rc;
}

void e1k_close(struct e1k_dev *dev)
{
	dev->backend->close(dev);
}

static void uio_close(struct e1k_dev *dev)
{
	e1k_unmap_bar0(dev->bar0, dev->bar0_len);
	dev->bar0 = NULL;
	e1k_pci_close(&dev->pci);
}

int e1k_reset(struct e1k_dev *dev, char *err, size_t err_len)
{
	/* TODO 5: Reset the device in the order of SDM 14.3 ("Software reset").
	 *   1. Mask every interrupt: IMC = 0xFFFFFFFF (SDM 13.4.21).
	 *   2. Stop the receiver and transmitter: RCTL = 0, TCTL = E1K_TCTL_PSP.
	 *      Read STATUS once (a read "flushes" posted writes), wait 10 ms so
	 *      frames in flight finish.
	 *   3. Set CTRL.RST (bit 26, SDM 13.4.1; keep CTRL's other bits), wait at
	 *      least 5 ms, then poll until the bit reads 0 again, giving up after
	 *      100 ms with -ETIMEDOUT and a message.
	 *   4. The reset re-enables nothing we want: IMC = 0xFFFFFFFF again. Then
	 *      discard the causes raised so far: read ICR (clears it on real
	 *      hardware) and write ICR = 0xFFFFFFFF (write-1-to-clear: QEMU, and the
	 *      simulated NIC, which cannot see reads; SDM 13.4.17).
	 * Hint: QEMU's e1000 ignores RST, so reprogram every register you use
	 * after a reset; never rely on reset defaults. */
	(void)dev; (void)sleep_ms; (void)now_ms;
	snprintf(err, err_len, "TODO 5 is not done yet (e1k_reset)");
	return -ENOSYS;
}

int e1k_link_up(struct e1k_dev *dev, unsigned timeout_ms, char *err, size_t err_len)
{
	/* TODO 6: Bring the link up (SDM 14.5.3, "Link setup"; bits SDM 13.4.1).
	 *   1. In CTRL set SLU (set link up) and ASDE (auto-speed detection);
	 *      clear LRST, PHY_RST, ILOS, FRCSPD and FRCDPLX. One write.
	 *   2. Poll STATUS.LU (bit 1, SDM 13.4.2) every millisecond or so, up to
	 *      timeout_ms. Not up by then: -ETIMEDOUT, and say what to check
	 *      (a cable; on the simulated NIC the link may be held down).
	 */
	(void)dev; (void)timeout_ms;
	snprintf(err, err_len, "TODO 6 is not done yet (e1k_link_up)");
	return -ENOSYS;
}

int e1k_eeprom_read(struct e1k_dev *dev, uint8_t word, uint16_t *value)
{
	/* TODO 7: Read one EEPROM word through EERD (SDM 13.4.4, 5.6).
	 *   - Write EERD = START (bit 0) | word << 8. On the 82540/82545 the
	 *     address is bits 15:8 and DONE is bit 4 (later parts moved them).
	 *   - Poll until DONE is set (give up after about 10 ms: -ETIMEDOUT);
	 *     the word is then in bits 31:16.
	 * Read: SDM 13.4.4 "EEPROM Read Register". */
	(void)dev; (void)word; (void)value;
	return -ENOSYS;
}

int e1k_read_mac(struct e1k_dev *dev, uint8_t mac[6], char *err, size_t err_len)
{
	/* EEPROM words 0, 1, 2 hold the MAC, low byte first (SDM 5.6.1). */
	for (uint8_t w = 0; w < 3; w++) {
		uint16_t v;
		int rc = e1k_eeprom_read(dev, w, &v);
		if (rc != 0) {
			snprintf(err, err_len, "EEPROM word %u did not read (EERD.DONE never set): %s",
				 w, strerror(-rc));
			return rc;
		}
		mac[2 * w] = (uint8_t)v;
		mac[2 * w + 1] = (uint8_t)(v >> 8);
	}
	memcpy(dev->mac, mac, 6);
	return 0;
}

int e1k_read_ral0(struct e1k_dev *dev, uint8_t mac[6])
{
	uint32_t ral = e1k_read32(dev->bar0, E1K_RAL0);
	uint32_t rah = e1k_read32(dev->bar0, E1K_RAH0);

	if (!(rah & E1K_RAH_AV))
		return -ENOENT;
	for (int i = 0; i < 4; i++)
		mac[i] = (uint8_t)(ral >> (8 * i));
	mac[4] = (uint8_t)rah;
	mac[5] = (uint8_t)(rah >> 8);
	return 0;
}

void e1k_write_ral0(struct e1k_dev *dev, const uint8_t mac[6])
{
	uint32_t ral = (uint32_t)mac[0] | (uint32_t)mac[1] << 8 | (uint32_t)mac[2] << 16 |
		       (uint32_t)mac[3] << 24;
	uint32_t rah = (uint32_t)mac[4] | (uint32_t)mac[5] << 8 | E1K_RAH_AV;

	/* SDM 13.5.3: write RAL first; the address counts once RAH.AV is set. */
	e1k_write32(dev->bar0, E1K_RAL0, ral);
	e1k_write32(dev->bar0, E1K_RAH0, rah);
}

uint32_t e1k_read_stat(struct e1k_dev *dev, uint32_t reg)
{
	uint32_t count = e1k_read32(dev->bar0, reg);

	/* Real 8254x: the read cleared it and this write is ignored (read-only).
	 * Simulated NIC: counters are cumulative and writing 0 clears them. */
	if (count)
		e1k_write32(dev->bar0, reg, 0);
	return count;
}

int e1k_init(struct e1k_dev *dev, unsigned link_timeout_ms, char *err, size_t err_len)
{
	int rc = e1k_reset(dev, err, err_len);
	if (rc == 0)
		rc = e1k_link_up(dev, link_timeout_ms, err, err_len);
	if (rc == 0)
		rc = e1k_read_mac(dev, dev->mac, err, err_len);
	if (rc != 0)
		return rc;
	e1k_write_ral0(dev, dev->mac);
	for (uint32_t i = 0; i < E1K_MTA_COUNT; i++)   /* SDM 14.4: clear the MTA */
		e1k_write32(dev->bar0, E1K_MTA + 4 * i, 0);
	for (uint32_t reg = E1K_STATS_FIRST; reg <= E1K_STATS_LAST; reg += 4)
		(void)e1k_read_stat(dev, reg);
	return 0;
}
