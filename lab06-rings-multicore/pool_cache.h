/*
 * pool_cache.h — lab06: a per-lcore cache in front of lab03's mempool.
 *
 * Lab03's mempool is a stack with no lock: one thread only. Several lcores
 * need buffers, so the pool gets a lock (struct e1k_shared_pool), and each
 * lcore keeps a small private stack of buffers (struct e1k_pool_cache) that it
 * uses without any lock. Only when its cache runs empty or overflows does an
 * lcore take the lock, and then it moves many buffers at once:
 *
 *   lcore 1 cache [b b b b . . . .]      lcore 2 cache [b b . . . . . .]
 *        get: pop     |  ^ put: push          |  ^
 *      empty? refill  v  | too full? flush    v  |
 *   +----------------------------------------------------------+
 *   | shared pool (lab03 mempool)   under ONE lock, in bulk     |
 *   +----------------------------------------------------------+
 *
 * With size 64 the lock is taken about once per 64 buffers, so its cost (tens
 * of ns alone, a few hundred when two cores fight for the lock's cache line) is
 * shared by 64 packets. This is what DPDK's per-lcore mempool cache does.
 * Why a lock and not a ring: see the README, section 1.5.
 *
 * Code that calls lab03 directly (the driver of labs 04/05: RX refill, TX
 * reclaim) must hold the pool's lock while it does: e1k_shared_pool_lock().
 */
#ifndef LAB06_POOL_CACHE_H
#define LAB06_POOL_CACHE_H

#include <pthread.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "e1k_ring.h"   /* E1K_CACHE_LINE */
#include "mempool.h"

#define E1K_POOL_CACHE_MAX 512   /* largest cache size */

struct e1k_shared_pool {
	struct e1k_mempool *pool;    /* lab03's pool: touch only with lock held */
	pthread_mutex_t lock;
};

/* Put a lock around pool. 0, or -errno with err. */
int e1k_shared_pool_init(struct e1k_shared_pool *sp, struct e1k_mempool *pool,
			 char *err, size_t err_len);
void e1k_shared_pool_destroy(struct e1k_shared_pool *sp);
/* For code that calls lab03's functions on sp->pool directly. */
void e1k_shared_pool_lock(struct e1k_shared_pool *sp);
void e1k_shared_pool_unlock(struct e1k_shared_pool *sp);

/* One lcore's cache. Only its own lcore may use it; aligned so that two lcores'
 * caches never share a cache line. */
struct e1k_pool_cache {
	alignas(E1K_CACHE_LINE) struct e1k_shared_pool *shared;
	unsigned size;               /* a refill fills the cache up to size (+ what was asked) */
	unsigned flush_threshold;    /* a put that makes len reach this flushes down to size */
	unsigned len;                /* buffers in objs[0 .. len-1]; objs[len-1] is the top */
	/* counters, for this lcore only */
	uint64_t gets, puts;         /* buffers handed out / taken back */
	uint64_t refills, flushes;   /* times the lock was taken */
	uint64_t get_failures;       /* bulk gets refused: the shared pool is empty */
	struct e1k_buf *objs[3 * E1K_POOL_CACHE_MAX];
};

/* An empty cache of size buffers (1 .. E1K_POOL_CACHE_MAX) on sp. 0 or -EINVAL. */
int e1k_pool_cache_init(struct e1k_pool_cache *c, struct e1k_shared_pool *sp, unsigned size,
			char *err, size_t err_len);

/* n buffers (len 0) into bufs[], all or nothing. Returns n, or 0 when the shared
 * pool cannot supply them (counted in get_failures). */
unsigned e1k_pool_cache_get_bulk(struct e1k_pool_cache *c, struct e1k_buf **bufs, unsigned n);

/* Give n buffers back (they must be from sp->pool). Never fails. */
void e1k_pool_cache_put_bulk(struct e1k_pool_cache *c, struct e1k_buf **bufs, unsigned n);

/* Return every cached buffer to the shared pool (before the pool is destroyed,
 * and when an lcore stops). */
void e1k_pool_cache_flush(struct e1k_pool_cache *c);

#endif
