/* tdrv.c — see tdrv.h. */
#include "tdrv.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int tdrv_open(struct tdrv *d, const char *dir)
{
	char path[4200];
	int fd;

	memset(d, 0, sizeof(*d));
	d->cfg_fd = d->irq_fd = -1;
	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return -1;
	d->bar = mmap(NULL, E1K_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (d->bar == MAP_FAILED)
		return -1;
	snprintf(path, sizeof(path), "%s/config", dir);
	d->cfg_fd = open(path, O_RDWR);
	snprintf(path, sizeof(path), "%s/irq", dir);
	d->irq_fd = open(path, O_RDONLY | O_NONBLOCK);
	if (d->cfg_fd < 0)
		return -1;
	tdrv_cfg_write16(d, E1K_PCI_COMMAND, (uint16_t)(tdrv_cfg_read16(d, E1K_PCI_COMMAND) |
			 E1K_PCI_CMD_MEMORY | E1K_PCI_CMD_BUS_MASTER));
	return 0;
}

void tdrv_close(struct tdrv *d)
{
	if (d->bar && d->bar != MAP_FAILED)
		munmap((void *)d->bar, E1K_BAR0_SIZE);
	if (d->cfg_fd >= 0)
		close(d->cfg_fd);
	if (d->irq_fd >= 0)
		close(d->irq_fd);
	dma_release(&d->rxr);
	dma_release(&d->txr);
	dma_release(&d->rxb);
	dma_release(&d->txb);
	memset(d, 0, sizeof(*d));
	d->cfg_fd = d->irq_fd = -1;
}

uint16_t tdrv_cfg_read16(struct tdrv *d, uint32_t off)
{
	uint16_t v = 0;
	if (pread(d->cfg_fd, &v, 2, off) != 2)
		return 0xFFFF;
	return v;
}

void tdrv_cfg_write16(struct tdrv *d, uint32_t off, uint16_t v)
{
	if (pwrite(d->cfg_fd, &v, 2, off) != 2)
		perror("tdrv: config write");
}

void tdrv_reset_link(struct tdrv *d)
{
	tdrv_wr(d, E1K_IMC, 0xFFFFFFFF);
	tdrv_wr(d, E1K_RCTL, 0);
	tdrv_wr(d, E1K_TCTL, E1K_TCTL_PSP);
	tdrv_wr(d, E1K_CTRL, tdrv_rd(d, E1K_CTRL) | E1K_CTRL_RST);
	/* The model clears RST when the reset is done (real hardware: wait ~1 us). */
	for (int i = 0; i < 1000000 && (tdrv_rd(d, E1K_CTRL) & E1K_CTRL_RST); i++)
		usleep(10);
	tdrv_wr(d, E1K_IMC, 0xFFFFFFFF);
	tdrv_wr(d, E1K_CTRL, (tdrv_rd(d, E1K_CTRL) | E1K_CTRL_SLU | E1K_CTRL_ASDE) &
		~(E1K_CTRL_LRST | E1K_CTRL_PHY_RST | E1K_CTRL_ILOS));
}

int tdrv_rx_init(struct tdrv *d, uint32_t n, uint32_t buf_size, uint32_t rctl_extra)
{
	uint64_t pa;

	if (dma_alloc(&d->rxr, n * 16) || dma_alloc(&d->rxb, (size_t)n * buf_size))
		return -1;
	d->rx = (struct e1k_rx_desc *)d->rxr.va;
	d->rx_n = n;
	d->buf_size = buf_size;
	for (uint32_t i = 0; i < n; i++)
		d->rx[i].addr = dma_pa(&d->rxb, d->rxb.va + (size_t)i * buf_size);
	pa = dma_pa(&d->rxr, d->rxr.va);
	tdrv_wr(d, E1K_RDBAL, (uint32_t)pa);
	tdrv_wr(d, E1K_RDBAH, (uint32_t)(pa >> 32));
	tdrv_wr(d, E1K_RDLEN, n * 16);
	tdrv_wr(d, E1K_RDH, 0);
	tdrv_wr(d, E1K_RDT, n - 1);
	d->rx_next = 0;
	tdrv_wr(d, E1K_RCTL, E1K_RCTL_EN | E1K_RCTL_BAM | rctl_extra);
	return 0;
}

int tdrv_tx_init(struct tdrv *d, uint32_t n)
{
	uint64_t pa;

	if (dma_alloc(&d->txr, n * 16) || dma_alloc(&d->txb, (size_t)n * 2048))
		return -1;
	d->tx = (struct e1k_tx_desc *)d->txr.va;
	d->tx_n = n;
	pa = dma_pa(&d->txr, d->txr.va);
	tdrv_wr(d, E1K_TDBAL, (uint32_t)pa);
	tdrv_wr(d, E1K_TDBAH, (uint32_t)(pa >> 32));
	tdrv_wr(d, E1K_TDLEN, n * 16);
	tdrv_wr(d, E1K_TDH, 0);
	tdrv_wr(d, E1K_TDT, 0);
	d->tx_tail = d->tx_clean = 0;
	tdrv_wr(d, E1K_TCTL, E1K_TCTL_EN | E1K_TCTL_PSP | (0x0F << E1K_TCTL_CT_SHIFT) |
		(0x40 << E1K_TCTL_COLD_SHIFT));
	return 0;
}

int tdrv_rx(struct tdrv *d, uint8_t *buf, uint32_t len, uint8_t *errors, uint32_t *ndesc)
{
	uint32_t i = d->rx_next, got = 0, used = 0;

	/* A frame is complete when a descriptor with DD and EOP follows. */
	for (;;) {
		volatile struct e1k_rx_desc *r = &d->rx[(i + used) % d->rx_n];
		uint8_t st = __atomic_load_n(&r->status, __ATOMIC_ACQUIRE);
		if (!(st & E1K_RXD_STAT_DD))
			return 0;
		used++;
		if (st & E1K_RXD_STAT_EOP)
			break;
		if (used >= d->rx_n)
			return 0;
	}
	for (uint32_t k = 0; k < used; k++) {
		uint32_t idx = (i + k) % d->rx_n;
		struct e1k_rx_desc *r = &d->rx[idx];
		uint32_t piece = r->length;

		if (got + piece <= len)
			memcpy(buf + got, d->rxb.va + (size_t)idx * d->buf_size, piece);
		got += piece;
		if (k + 1 == used && errors)
			*errors = r->errors;
		r->status = 0;
	}
	d->rx_next = (i + used) % d->rx_n;
	/* Give the buffers back: the tail goes one behind the next to look at. */
	tdrv_wr(d, E1K_RDT, (d->rx_next + d->rx_n - 1) % d->rx_n);
	if (ndesc)
		*ndesc = used;
	return (int)got;
}

int tdrv_tx(struct tdrv *d, const uint8_t *frame, uint32_t len, uint32_t nseg)
{
	uint32_t per = (len + nseg - 1) / nseg, done = 0;
	uint32_t used = (d->tx_tail + d->tx_n - d->tx_clean) % d->tx_n;

	if (used + nseg >= d->tx_n)
		return -1;
	for (uint32_t k = 0; k < nseg; k++) {
		uint32_t idx = d->tx_tail;
		uint32_t piece = len - done < per ? len - done : per;
		uint8_t *b = d->txb.va + (size_t)idx * 2048;
		struct e1k_tx_desc *t = &d->tx[idx];

		memcpy(b, frame + done, piece);
		t->addr = dma_pa(&d->txb, b);
		t->length = (uint16_t)piece;
		t->cmd = E1K_TXD_CMD_IFCS | (k + 1 == nseg ? E1K_TXD_CMD_EOP | E1K_TXD_CMD_RS : 0);
		t->status = 0;
		done += piece;
		d->tx_tail = (d->tx_tail + 1) % d->tx_n;
	}
	tdrv_wr(d, E1K_TDT, d->tx_tail);
	return 0;
}

uint32_t tdrv_tx_reclaim(struct tdrv *d)
{
	uint32_t n = 0;

	while (d->tx_clean != d->tx_tail) {
		/* Only the last descriptor of a frame has RS: reclaim up to it. */
		uint32_t k = d->tx_clean;
		while (k != d->tx_tail && !(d->tx[k].cmd & E1K_TXD_CMD_EOP))
			k = (k + 1) % d->tx_n;
		if (k == d->tx_tail || !(__atomic_load_n(&d->tx[k].status, __ATOMIC_ACQUIRE) & E1K_TXD_STAT_DD))
			break;
		k = (k + 1) % d->tx_n;
		while (d->tx_clean != k) {
			d->tx_clean = (d->tx_clean + 1) % d->tx_n;
			n++;
		}
	}
	return n;
}
