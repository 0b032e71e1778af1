/*
 * e1k_pipeline.h — lab06: a packet pipeline over lcores and rings.
 *
 *            e1k_rx_burst                                          e1k_tx_burst
 *   NIC RX ---------------> [RX lcore] --ring--> [worker lcore 1] --ring--> [TX lcore] ---> NIC TX
 *                                          \---> [worker lcore 2] ---/
 *                           to_workers: SP/MC                to_tx: MP/SC
 *
 * The RX lcore only receives and passes bursts on; each worker checks every
 * frame (a kit frame? common/frame.h), turns it around (swaps the MAC
 * addresses) and passes it on; the TX lcore only sends. When a ring (or the
 * TX descriptor ring) is full, a stage waits for room: backpressure, up to the
 * NIC, whose RX ring then fills. A stage that makes no progress for a second
 * drops the rest of its burst and counts it (drop_full), so a dead stage
 * cannot hang the others. Every frame is accounted for:
 *
 *   rx.in = tx.out + rx.drop_full + sum(worker.drop_full + worker.drop_bad) + tx.drop_full
 *
 * Buffers: lab03's pool is shared through a lock (pool_cache.h). The driver
 * code (RX refill, TX reclaim in lab05's bursts) calls lab03 directly, so the RX
 * and TX lcores hold the lock around e1k_rx_burst / e1k_tx_burst; the frames a
 * stage drops go back through that lcore's own cache.
 *
 * Stopping: the RX lcore stops on e1k_pipeline_stop, rx_limit or duration_ns,
 * then says so (rx_done). Each worker finishes when rx_done is set and its ring
 * is empty; the TX lcore when no worker is left and its ring is empty. So
 * everything received is sent or counted before e1k_pipeline_wait returns.
 */
#ifndef LAB06_E1K_PIPELINE_H
#define LAB06_E1K_PIPELINE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "e1k_dev.h"
#include "e1k_lcore.h"
#include "e1k_ring.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "pool_cache.h"

#define E1K_PIPE_MAX_WORKERS 4
#define E1K_PIPE_MAX_BURST 256

struct e1k_pipeline_config {
	unsigned workers;            /* 1 .. E1K_PIPE_MAX_WORKERS */
	int rx_cpu, tx_cpu;          /* CPUs of the RX and TX lcores */
	int worker_cpu[E1K_PIPE_MAX_WORKERS];
	unsigned burst;              /* frames per burst, 1 .. E1K_PIPE_MAX_BURST (32) */
	unsigned ring_size;          /* slots in each ring between stages (1024) */
	unsigned cache_size;         /* each lcore's mempool cache (64) */
	uint64_t rx_limit;           /* the RX lcore stops after this many frames (0: no limit) */
	uint64_t duration_ns;        /* ... or after this long (0: until e1k_pipeline_stop) */
};

struct e1k_pipeline;
struct e1k_pipe_worker {           /* what a worker lcore is given: which one it is */
	struct e1k_pipeline *p;
	unsigned index;
};

struct e1k_pipeline {
	struct e1k_pipeline_config cfg;
	struct e1k_dev *dev;
	struct e1k_rx_ring *rx;
	struct e1k_tx_ring *tx;
	struct e1k_shared_pool *pool;
	struct e1k_ring *to_workers;
	struct e1k_ring *to_tx;
	_Atomic int stop;              /* main -> RX lcore */
	_Atomic int rx_done;           /* RX lcore -> workers: nothing more comes */
	_Atomic unsigned workers_left; /* workers -> TX lcore: how many still run */
	struct e1k_pipe_worker workers[E1K_PIPE_MAX_WORKERS];
	int lcore_ids[E1K_PIPE_MAX_WORKERS + 2];
	unsigned lcores_launched;
	uint64_t start_ns, end_ns;     /* RX lcore: first and last poll */
	uint64_t tx_not_sent;          /* TX lcore: frames the NIC had not sent at the end */
	/* Per-stage counters, each on its own cache lines (written by one lcore). */
	struct e1k_lcore_stats rx_stats;
	struct e1k_lcore_stats worker_stats[E1K_PIPE_MAX_WORKERS];
	struct e1k_lcore_stats tx_stats;
	/* Per-lcore mempool caches, for the frames a stage drops. */
	struct e1k_pool_cache rx_cache, tx_cache;
	struct e1k_pool_cache worker_cache[E1K_PIPE_MAX_WORKERS];
};

/* burst 32, ring 1024, cache 64, one worker; RX on CPU 0, worker on CPU 1, TX on CPU 0. */
void e1k_pipeline_config_default(struct e1k_pipeline_config *cfg);

/* A pipeline on a device whose rings are up (lab04 init). pool is the pool the
 * RX ring refills from, with its lock. NULL with err on a bad configuration. */
struct e1k_pipeline *e1k_pipeline_create(struct e1k_dev *dev, struct e1k_rx_ring *rx,
					 struct e1k_tx_ring *tx, struct e1k_shared_pool *pool,
					 const struct e1k_pipeline_config *cfg,
					 char *err, size_t err_len);

/* Launch the lcores (TX first, then workers, then RX). 0 or -errno with err;
 * on an error the lcores already launched are stopped and waited for. */
int e1k_pipeline_start(struct e1k_pipeline *p, char *err, size_t err_len);

/* Ask the RX lcore to stop (any thread; the others finish after it). */
void e1k_pipeline_stop(struct e1k_pipeline *p);

/* Wait for every lcore. 0, or the first non-zero lcore return value. */
int e1k_pipeline_wait(struct e1k_pipeline *p);

/* Free the rings (the caches were flushed by their lcores). */
void e1k_pipeline_destroy(struct e1k_pipeline *p);

/* What happened, summed over stages. accounted = 1 when the equation above holds. */
struct e1k_pipeline_totals {
	uint64_t received, sent, drop_ring_full, drop_bad, drop_tx_full;
	int accounted;
};
void e1k_pipeline_totals(const struct e1k_pipeline *p, struct e1k_pipeline_totals *t);

#endif
