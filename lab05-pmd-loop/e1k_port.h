/*
 * e1k_port.h — lab05: one NIC port as the apps use it: the device (lab02), a
 * mempool (lab03), an RX and a TX ring (lab04) and per-queue statistics.
 *
 *   e1k_port_open(p, cfg: where = "0000:00:03.0" | "/tmp/nic0", backend, ...)
 *   loop: n = e1k_port_rx(p, bufs, 32); ... e1k_port_tx(p, bufs, n); ...
 *   e1k_port_print(p, ...)         queue, ring and NIC statistics registers
 *   e1k_port_close(p)
 *
 * Which device, and the way in, is the caller's choice: cfg->where names it and
 * cfg->backend (lab02's struct e1k_backend) opens it, UIO by default. The apps
 * (app.h) add the other choices: lab07's VFIO backend, or a simulated NIC they
 * start themselves (hw/sim) and pass by its directory.
 *
 * Nothing here is a TODO: it is the plumbing the apps share.
 */
#ifndef LAB05_E1K_PORT_H
#define LAB05_E1K_PORT_H

#include <stdint.h>
#include <stdio.h>

#include "e1k_burst.h"
#include "e1k_dev.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "mempool.h"

/* What each queue did, kept beside the ring (lab04's rings count packets,
 * bytes and drops; this adds what a poll-mode loop needs to see). */
struct e1k_queue_stats {
	uint64_t polls;         /* burst calls */
	uint64_t empty_polls;   /* calls that found nothing (RX) / had nothing to send (TX) */
	uint64_t packets;       /* frames received / queued */
	uint64_t doorbells;     /* RDT / TDT writes: one per non-empty burst */
	uint64_t refused;       /* TX: frames the ring did not take (given back to the caller) */
};

/* The NIC's own statistics registers (SDM 13.7), summed while the port runs. */
struct e1k_nic_stats {
	uint64_t gprc, gptc, mpc, rnbc, crcerrs, roc;
};

struct e1k_port_config {
	const char *where;          /* PCI address or device directory */
	const struct e1k_backend *backend;  /* the way in: e1k_uio_backend (the default) */
	unsigned rx_size, tx_size;  /* descriptors (0: 512) */
	unsigned pool_size;         /* buffers (0: rx + tx + 2048) */
};

struct e1k_port {
	struct e1k_dev dev;
	struct e1k_mempool *pool;
	struct e1k_rx_ring rx;
	struct e1k_tx_ring tx;
	int rx_up, tx_up;
	struct e1k_queue_stats rx_stats, tx_stats;
	struct e1k_nic_stats nic;
};

void e1k_port_config_default(struct e1k_port_config *cfg);

/* Open the device (cfg->backend->open), reset it, bring the link up, create
 * the pool and both rings. 0 or -errno with err saying what to do. */
int e1k_port_open(struct e1k_port *p, const struct e1k_port_config *cfg, char *err, size_t err_len);

/* Stop the rings, free everything, close the device. Returns the number of
 * buffers leaked (still held by the application). */
unsigned e1k_port_close(struct e1k_port *p);

/* e1k_rx_burst / e1k_tx_burst with the queue statistics counted. */
unsigned e1k_port_rx(struct e1k_port *p, struct e1k_buf **bufs, unsigned n);
unsigned e1k_port_tx(struct e1k_port *p, struct e1k_buf **bufs, unsigned n);

/* Add the NIC statistics registers read since the last call to p->nic. */
void e1k_port_read_stats(struct e1k_port *p);

/* Frames the driver itself dropped on receive (lab04 ring counters). */
uint64_t e1k_port_rx_drops(const struct e1k_port *p);

/* Print the queue, ring and NIC counters, one block. */
void e1k_port_print(struct e1k_port *p, const char *tool, const char *name, FILE *out);

#endif
