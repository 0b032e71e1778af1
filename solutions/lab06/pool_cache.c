/*
 * pool_cache.c — lab06: per-lcore buffer caches over a locked lab03 mempool
 * (see pool_cache.h).
 */
#include "pool_cache.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int e1k_shared_pool_init(struct e1k_shared_pool *sp, struct e1k_mempool *pool,
			 char *err, size_t err_len)
{
	if (!pool) {
		snprintf(err, err_len, "e1k_shared_pool_init: no pool: create one first (e1k_mempool_create)");
		return -EINVAL;
	}
	sp->pool = pool;
	int rc = pthread_mutex_init(&sp->lock, NULL);
	if (rc != 0) {
		snprintf(err, err_len, "e1k_shared_pool_init: pthread_mutex_init: %s", strerror(rc));
		return -rc;
	}
	return 0;
}

void e1k_shared_pool_destroy(struct e1k_shared_pool *sp)
{
	pthread_mutex_destroy(&sp->lock);
}

void e1k_shared_pool_lock(struct e1k_shared_pool *sp)
{
	pthread_mutex_lock(&sp->lock);
}

void e1k_shared_pool_unlock(struct e1k_shared_pool *sp)
{
	pthread_mutex_unlock(&sp->lock);
}

int e1k_pool_cache_init(struct e1k_pool_cache *c, struct e1k_shared_pool *sp, unsigned size,
			char *err, size_t err_len)
{
	if (size == 0 || size > E1K_POOL_CACHE_MAX) {
		snprintf(err, err_len, "a cache of %u buffers: the size must be 1 to %u (a few bursts, "
			 "e.g. 64 or 256)", size, E1K_POOL_CACHE_MAX);
		return -EINVAL;
	}
	memset(c, 0, sizeof(*c));
	c->shared = sp;
	c->size = size;
	c->flush_threshold = 2 * size;
	return 0;
}

unsigned e1k_pool_cache_get_bulk(struct e1k_pool_cache *c, struct e1k_buf **bufs, unsigned n)
{
	struct e1k_mempool *pool = c->shared->pool;
	if (n == 0)
		return 0;
	if (n > E1K_POOL_CACHE_MAX) {
		/* Bigger than any cache: straight from the pool. */
		e1k_shared_pool_lock(c->shared);
		unsigned got = e1k_buf_alloc_bulk(pool, bufs, n);
		e1k_shared_pool_unlock(c->shared);
		if (got == 0)
			c->get_failures++;
		c->gets += got;
		return got;
	}

	/* TODO 8: Hand out n buffers from the cache, refilling it first if needed.
	 *   - Fewer than n cached (len < n): refill in ONE locked call. Ask the
	 *     pool for size + n - len buffers (e1k_buf_alloc_bulk into objs[len..]),
	 *     so that after handing out n the cache holds size again. If the pool
	 *     cannot give that many, try just n - len. Still nothing: count a
	 *     get_failure, return 0 (all or nothing; never wait for buffers).
	 *     Count the refill.
	 *   - Then pop n from the top (objs[len - 1] first: the buffer put back
	 *     last is the one most likely still in this CPU's cache), set each
	 *     one's len to 0 (as lab03's alloc does), count gets, return n.
	 * The lock is held only around the call into lab03, never while copying. */
	// BEGIN SOLUTION 8
	if (c->len < n) {
		unsigned want = c->size + n - c->len;
		e1k_shared_pool_lock(c->shared);
		unsigned got = e1k_buf_alloc_bulk(pool, &c->objs[c->len], want);
		if (got == 0)
			got = e1k_buf_alloc_bulk(pool, &c->objs[c->len], n - c->len);
		e1k_shared_pool_unlock(c->shared);
		if (got == 0) {
			c->get_failures++;
			return 0;
		}
		c->len += got;
		c->refills++;
	}
	for (unsigned i = 0; i < n; i++) {
		bufs[i] = c->objs[--c->len];
		bufs[i]->len = 0;
	}
	c->gets += n;
	return n;
	// PLACEHOLDER 8
	// (void)pool; (void)bufs;
	// return 0;
	// END SOLUTION 8
}

void e1k_pool_cache_put_bulk(struct e1k_pool_cache *c, struct e1k_buf **bufs, unsigned n)
{
	if (n > E1K_POOL_CACHE_MAX) {
		/* Bigger than any cache: straight back to the pool. */
		e1k_shared_pool_lock(c->shared);
		e1k_buf_free_bulk(bufs, n);
		e1k_shared_pool_unlock(c->shared);
		c->puts += n;
		c->flushes++;
		return;
	}

	/* TODO 9: Take n buffers back.
	 *   - Push them on the cache (objs[len++]); count puts.
	 *   - When len has reached flush_threshold, give len - size buffers back to
	 *     the pool in ONE locked call (e1k_buf_free_bulk of objs[size ..
	 *     len-1]), leave len = size, count the flush.
	 * Why flush down to size and not to 0: the next gets are then served from
	 * the cache again without the lock. Why a threshold above size: an lcore
	 * that gets and puts about as many buffers as it uses would otherwise
	 * flush and refill on every burst ("ping-pong" on the lock).
	 * Room: between calls len < 2 * size <= 2 * E1K_POOL_CACHE_MAX, and here
	 * n <= E1K_POOL_CACHE_MAX, so objs[3 * E1K_POOL_CACHE_MAX] never overflows. */
	// BEGIN SOLUTION 9
	for (unsigned i = 0; i < n; i++)
		c->objs[c->len++] = bufs[i];
	c->puts += n;
	if (c->len >= c->flush_threshold) {
		e1k_shared_pool_lock(c->shared);
		e1k_buf_free_bulk(&c->objs[c->size], c->len - c->size);
		e1k_shared_pool_unlock(c->shared);
		c->len = c->size;
		c->flushes++;
	}
	// PLACEHOLDER 9
	// (void)bufs; (void)n;
	// END SOLUTION 9
}

void e1k_pool_cache_flush(struct e1k_pool_cache *c)
{
	if (c->len == 0)
		return;
	e1k_shared_pool_lock(c->shared);
	e1k_buf_free_bulk(c->objs, c->len);
	e1k_shared_pool_unlock(c->shared);
	c->len = 0;
	c->flushes++;
}
