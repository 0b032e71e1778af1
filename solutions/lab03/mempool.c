/*
 * mempool.c — lab03: packet buffers with precomputed bus addresses.
 *
 * Compare: ixy's src/memory.c (memory_allocate_mempool, pkt_buf_alloc_batch)
 * and DPDK's rte_mempool_get_bulk.
 */
#include "mempool.h"
#include "pagemap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64u

static void free_pool_memory(struct e1k_mempool *pool)
{
	e1k_dma_free(&pool->dma);
	free(pool->bufs);
	free(pool->free_stack);
	free(pool->in_use);
	free(pool);
}

struct e1k_mempool *e1k_mempool_create(unsigned count, unsigned buf_size,
				       char *err, size_t err_len)
{
	if (count == 0 || count > E1K_MEMPOOL_MAX_COUNT) {
		snprintf(err, err_len, "a pool of %u buffers: the count must be 1 to %u (a ring of "
			 "256 descriptors needs about 512)", count, E1K_MEMPOOL_MAX_COUNT);
		return NULL;
	}
	if (buf_size < E1K_MEMPOOL_MIN_BUF || buf_size > E1K_MEMPOOL_MAX_BUF) {
		snprintf(err, err_len, "buffers of %u bytes: the size must be %u to %u (2048 fits "
			 "any standard Ethernet frame and the e1000's RCTL.BSIZE default)", buf_size,
			 E1K_MEMPOOL_MIN_BUF, E1K_MEMPOOL_MAX_BUF);
		return NULL;
	}
	struct e1k_mempool *pool = calloc(1, sizeof(*pool));
	if (!pool) {
		snprintf(err, err_len, "out of memory for the pool");
		return NULL;
	}
	pool->dma.fd = -1;
	pool->count = count;
	pool->buf_size = buf_size;
	pool->stride = (buf_size + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	pool->per_page = E1K_PAGEMAP_PAGE_SIZE / pool->stride;
	pool->bufs = calloc(count, sizeof(*pool->bufs));
	pool->free_stack = calloc(count, sizeof(*pool->free_stack));
	pool->in_use = calloc(count, sizeof(*pool->in_use));
	if (!pool->bufs || !pool->free_stack || !pool->in_use) {
		snprintf(err, err_len, "out of memory for %u buffer headers", count);
		free_pool_memory(pool);
		return NULL;
	}
	size_t pages = (count + pool->per_page - 1) / pool->per_page;
	if (e1k_dma_alloc_pages(&pool->dma, pages * E1K_PAGEMAP_PAGE_SIZE, err, err_len) != 0) {
		free_pool_memory(pool);
		return NULL;
	}

	/* TODO 7: Carve the DMA region into count buffers and fill their headers.
	 *   - Buffer i's data is in 4 KiB page i / per_page of the region, at slot
	 *     i % per_page of that page: dma.virt + page * 4096 + slot * stride.
	 *     So no buffer crosses a 4 KiB boundary.
	 *   - phys: translate each buffer's own data address with e1k_virt_to_phys
	 *     (on the 4 KiB fallback, neighbouring pages are not neighbours in RAM,
	 *     so never compute it as dma.phys + offset). On an error free the pool
	 *     (free_pool_memory) and return NULL; err already says why.
	 *   - pool, index = i, len = 0; every buffer starts free: push every index
	 *     on free_stack so that index 0 is on top (handed out first), and set
	 *     free_count. in_use[] is already zero (calloc).
	 * Read: mempool.h for the layout; ixy's memory_allocate_mempool. */
	// BEGIN SOLUTION 7
	for (unsigned i = 0; i < count; i++) {
		struct e1k_buf *buf = &pool->bufs[i];
		size_t page = i / pool->per_page, slot = i % pool->per_page;
		buf->data = (uint8_t *)pool->dma.virt + page * E1K_PAGEMAP_PAGE_SIZE + slot * pool->stride;
		if (e1k_virt_to_phys(buf->data, &buf->phys, err, err_len) != 0) {
			free_pool_memory(pool);
			return NULL;
		}
		buf->pool = pool;
		buf->index = i;
		buf->len = 0;
		pool->free_stack[count - 1 - i] = i;
	}
	pool->free_count = count;
	return pool;
	// PLACEHOLDER 7
	// snprintf(err, err_len, "TODO 7 is not done yet (e1k_mempool_create)");
	// free_pool_memory(pool);
	// return NULL;
	// END SOLUTION 7
}

struct e1k_buf *e1k_buf_alloc(struct e1k_mempool *pool)
{
	/* TODO 8 (first part): Pop the top index off free_stack.
	 *   - None left: count it in pool->alloc_failures and return NULL (a
	 *     driver then drops the packet; it must never crash or wait).
	 *   - Mark it in_use, set its len to 0, return &pool->bufs[index]. */
	// BEGIN SOLUTION 8
	if (pool->free_count == 0) {
		pool->alloc_failures++;
		return NULL;
	}
	uint32_t index = pool->free_stack[--pool->free_count];
	pool->in_use[index] = 1;
	pool->bufs[index].len = 0;
	return &pool->bufs[index];
	// PLACEHOLDER 8
	// (void)pool;
	// return NULL;
	// END SOLUTION 8
}

int e1k_buf_free(struct e1k_buf *buf)
{
	if (!buf || !buf->pool)
		return -EINVAL;
	struct e1k_mempool *pool = buf->pool;
	if (buf < pool->bufs || buf >= pool->bufs + pool->count) {
		fprintf(stderr, "e1k_buf_free: %p is not a buffer of pool %p\n", (void *)buf,
			(void *)pool);
		return -EINVAL;
	}

	/* TODO 8: Push buf back on its pool's free stack.
	 *   - If in_use[buf->index] is 0 the buffer is already free: this is a
	 *     double free, which would let two users share one buffer. Count it in
	 *     pool->double_frees, print which buffer on stderr, return -EALREADY
	 *     and change nothing else.
	 *   - Otherwise clear in_use, push the index, return 0. */
	// BEGIN SOLUTION 8
	if (!pool->in_use[buf->index]) {
		pool->double_frees++;
		fprintf(stderr, "e1k_buf_free: buffer %u (phys 0x%llx) of pool %p is already free: "
			"double free\n", buf->index, (unsigned long long)buf->phys, (void *)pool);
		return -EALREADY;
	}
	pool->in_use[buf->index] = 0;
	pool->free_stack[pool->free_count++] = buf->index;
	return 0;
	// PLACEHOLDER 8
	// return -ENOSYS;
	// END SOLUTION 8
}

unsigned e1k_buf_alloc_bulk(struct e1k_mempool *pool, struct e1k_buf **bufs, unsigned n)
{
	/* TODO 9 (first part): Take n buffers at once, all or nothing.
	 *   - Fewer than n free: count one alloc failure, take none, return 0.
	 *   - Otherwise pop n indexes (as e1k_buf_alloc does) into bufs[], return n.
	 * Why all or nothing: a caller filling n descriptors has no use for half. */
	// BEGIN SOLUTION 9
	if (n > pool->free_count) {
		pool->alloc_failures++;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t index = pool->free_stack[--pool->free_count];
		pool->in_use[index] = 1;
		pool->bufs[index].len = 0;
		bufs[i] = &pool->bufs[index];
	}
	return n;
	// PLACEHOLDER 9
	// (void)pool; (void)bufs; (void)n;
	// return 0;
	// END SOLUTION 9
}

int e1k_buf_free_bulk(struct e1k_buf **bufs, unsigned n)
{
	/* TODO 9: Free bufs[0..n-1] with e1k_buf_free. Keep going after an error,
	 * and return the first error (0 if none). */
	// BEGIN SOLUTION 9
	int first_error = 0;
	for (unsigned i = 0; i < n; i++) {
		int rc = e1k_buf_free(bufs[i]);
		if (rc != 0 && first_error == 0)
			first_error = rc;
	}
	return first_error;
	// PLACEHOLDER 9
	// (void)bufs; (void)n;
	// return -ENOSYS;
	// END SOLUTION 9
}

unsigned e1k_mempool_in_use(const struct e1k_mempool *pool)
{
	return pool->count - pool->free_count;
}

unsigned e1k_mempool_destroy(struct e1k_mempool *pool)
{
	if (!pool)
		return 0;

	/* TODO 10: Before freeing, count the buffers still in use (in_use[i]).
	 * If there are any, print on stderr how many and which indexes (the first
	 * few are enough): a leak in a driver slowly empties the pool until every
	 * receive fails. Return the count. */
	// BEGIN SOLUTION 10
	unsigned leaked = 0;
	for (unsigned i = 0; i < pool->count; i++)
		leaked += pool->in_use[i];
	if (leaked) {
		fprintf(stderr, "e1k_mempool_destroy: %u of %u buffers were never freed (leak):", leaked,
			pool->count);
		unsigned shown = 0;
		for (unsigned i = 0; i < pool->count && shown < 8; i++) {
			if (pool->in_use[i]) {
				fprintf(stderr, " #%u", i);
				shown++;
			}
		}
		fprintf(stderr, "%s\n", leaked > shown ? " ..." : "");
	}
	// PLACEHOLDER 10
	// unsigned leaked = 0;
	// END SOLUTION 10
	free_pool_memory(pool);
	return leaked;
}
