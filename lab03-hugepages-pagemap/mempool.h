/*
 * mempool.h — lab03: a pool of fixed-size packet buffers in DMA memory.
 *
 * A driver never calls malloc per packet. It carves one DMA region into equal
 * buffers up front, translates each buffer's address once, and from then on
 * hands buffers out and takes them back with a few instructions (the style of
 * ixy's and DPDK's mempools). A descriptor gets buf->phys; the program uses
 * buf->data. Both point at the same bytes.
 *
 * Layout ("header + data"): the headers (struct e1k_buf) live in ordinary
 * memory, the data in the DMA region. Data slots are stride bytes apart
 * (buf_size rounded up to a 64-byte cache line) and never cross a 4 KiB
 * boundary, so each buffer is physically contiguous even on the 4 KiB
 * fallback, and a 2048-byte buffer (the e1000's RCTL.BSIZE) wastes nothing:
 *
 *   DMA region:  | 4 KiB: slot 0 | slot 1 | 4 KiB: slot 2 | slot 3 | ...
 *   headers:     bufs[0] {phys, data -> slot 0} bufs[1] {...}  ...
 *
 * Free buffers sit on a stack of indexes: the buffer freed last is handed out
 * next, while it is still in the cache.
 */
#ifndef LAB03_MEMPOOL_H
#define LAB03_MEMPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "dma_mem.h"

#define E1K_MEMPOOL_MIN_BUF 64u          /* the smallest Ethernet frame, with CRC */
#define E1K_MEMPOOL_MAX_BUF 4096u        /* one 4 KiB page: no jumbo frames here */
#define E1K_MEMPOOL_MAX_COUNT (1u << 18)

struct e1k_mempool;

struct e1k_buf {
	uint64_t phys;               /* bus address of data[0]: what a descriptor holds */
	uint8_t *data;               /* the packet bytes (pool->buf_size of them), in DMA memory */
	struct e1k_mempool *pool;    /* the pool it returns to */
	uint32_t index;              /* its number in the pool, 0 .. count - 1 */
	uint16_t len;                /* bytes of packet in data; 0 when allocated */
};

struct e1k_mempool {
	struct e1k_dma dma;          /* the region the data slots are carved from */
	unsigned count;              /* buffers in the pool */
	unsigned buf_size;           /* usable bytes per buffer */
	unsigned stride;             /* bytes from one data slot to the next */
	unsigned per_page;           /* slots per 4 KiB page */
	struct e1k_buf *bufs;        /* count headers */
	uint32_t *free_stack;        /* indexes of free buffers; top at free_count - 1 */
	unsigned free_count;
	uint8_t *in_use;             /* in_use[i]: bufs[i] is allocated (double-free check) */
	uint64_t alloc_failures;     /* alloc or alloc_bulk found too few free buffers */
	uint64_t double_frees;       /* frees of a buffer that was already free */
};

/* A pool of count buffers of buf_size bytes in fresh DMA memory, each with its
 * physical address precomputed. Returns NULL with err saying what to change
 * (count 0 or above E1K_MEMPOOL_MAX_COUNT, buf_size outside 64..4096, or the
 * DMA allocation's own message). With the 4 KiB fallback err holds the warning. */
struct e1k_mempool *e1k_mempool_create(unsigned count, unsigned buf_size,
				       char *err, size_t err_len);

/* One free buffer (len 0), or NULL when none is left (counted in alloc_failures). */
struct e1k_buf *e1k_buf_alloc(struct e1k_mempool *pool);

/* Give a buffer back. Returns 0; -EALREADY for a buffer that is already free
 * (a double free: counted, reported on stderr, nothing changes); -EINVAL for
 * NULL or a pointer that is not one of the pool's buffers. */
int e1k_buf_free(struct e1k_buf *buf);

/* n buffers into bufs[0..n-1], all or nothing. Returns n, or 0 when fewer than
 * n are free (counted in alloc_failures; no buffer is taken). */
unsigned e1k_buf_alloc_bulk(struct e1k_mempool *pool, struct e1k_buf **bufs, unsigned n);

/* Free bufs[0..n-1]. Returns 0, or the first error of e1k_buf_free (the other
 * buffers are still freed). */
int e1k_buf_free_bulk(struct e1k_buf **bufs, unsigned n);

/* Buffers handed out and not yet freed. */
unsigned e1k_mempool_in_use(const struct e1k_mempool *pool);

/* Free the pool and its DMA memory. Returns the number of buffers still in
 * use (leaked); when there are any, lists them on stderr. NULL is allowed. */
unsigned e1k_mempool_destroy(struct e1k_mempool *pool);

#endif
