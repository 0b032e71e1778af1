/*
 * tdrv.h — a deliberately small poll-mode e1000 driver for the model's own tests
 * and the benchmark. It uses only the device directory (config, resource0, irq)
 * and the DMA convention, like a lab driver would.
 */
#ifndef HW_SIM_TESTS_TDRV_H
#define HW_SIM_TESTS_TDRV_H

#include <stdint.h>

#include "dma_alloc.h"
#include "e1000_regs.h"

struct tdrv {
	volatile uint32_t *bar;
	int cfg_fd;
	int irq_fd;
	struct dma_mem rxr, txr, rxb, txb;
	struct e1k_rx_desc *rx;
	struct e1k_tx_desc *tx;
	uint32_t rx_n, tx_n;
	uint32_t rx_next;      /* next RX descriptor to look at */
	uint32_t tx_tail;      /* next TX descriptor to fill */
	uint32_t tx_clean;     /* oldest TX descriptor not yet reclaimed */
	uint32_t buf_size;
};

/* Map resource0, open config and irq, enable memory space + bus mastering. 0/-1. */
int tdrv_open(struct tdrv *d, const char *dir);
void tdrv_close(struct tdrv *d);

static inline uint32_t tdrv_rd(struct tdrv *d, uint32_t off)
{
	return __atomic_load_n(&d->bar[off / 4], __ATOMIC_ACQUIRE);
}

static inline void tdrv_wr(struct tdrv *d, uint32_t off, uint32_t v)
{
	__atomic_store_n(&d->bar[off / 4], v, __ATOMIC_RELEASE);
}

uint16_t tdrv_cfg_read16(struct tdrv *d, uint32_t off);
void tdrv_cfg_write16(struct tdrv *d, uint32_t off, uint16_t v);

/* Mask interrupts, disable RX/TX, reset, set link up (SDM 14.3). */
void tdrv_reset_link(struct tdrv *d);
/* RX ring of n descriptors with buffers of buf_size bytes; RCTL = EN|BAM|extra. */
int tdrv_rx_init(struct tdrv *d, uint32_t n, uint32_t buf_size, uint32_t rctl_extra);
/* TX ring of n descriptors with 2 KiB buffers; TCTL = EN|PSP. */
int tdrv_tx_init(struct tdrv *d, uint32_t n);
/* One received frame (all its descriptors) into buf. Returns its length, 0 if none.
 * *errors gets the last descriptor's errors, *ndesc how many descriptors it used. */
int tdrv_rx(struct tdrv *d, uint8_t *buf, uint32_t len, uint8_t *errors, uint32_t *ndesc);
/* Send frame split over nseg descriptors (RS on the last). 0, or -1 if the ring is full. */
int tdrv_tx(struct tdrv *d, const uint8_t *frame, uint32_t len, uint32_t nseg);
/* Reclaim descriptors whose DD is set. Returns how many. */
uint32_t tdrv_tx_reclaim(struct tdrv *d);

#endif
