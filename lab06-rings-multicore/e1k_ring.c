/*
 * e1k_ring.c — lab06: the lock-free ring (see e1k_ring.h for the picture).
 *
 * Every access to a head or a tail is a C11 atomic (stdatomic.h) with the
 * weakest memory order that is still correct; each choice is explained where
 * it is made. On x86-64 acquire loads and release stores are plain MOVs (the
 * hardware is TSO), so the orderings cost nothing there, but they also stop the
 * *compiler* from moving slot accesses across the counters, and they are what
 * makes the ring correct on ARM or POWER, and what ThreadSanitizer checks.
 */
#include "e1k_ring.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spin politely: PAUSE tells the core we are in a spin-wait loop (Intel SDM
 * vol. 2, PAUSE), which saves power and avoids a memory-order mis-speculation
 * when the awaited store arrives. */
static inline void ring_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

struct e1k_ring *e1k_ring_create(const char *name, unsigned size, unsigned flags,
				 char *err, size_t err_len)
{
	if (flags & ~(E1K_RING_SP_ENQ | E1K_RING_SC_DEQ)) {
		snprintf(err, err_len, "ring %s: unknown flags 0x%x: use 0 (several producers and "
			 "consumers), E1K_RING_SP_ENQ, E1K_RING_SC_DEQ or both", name, flags);
		return NULL;
	}

	/* TODO 1: Check the size and allocate the ring.
	 *   - size must be a power of two from E1K_RING_MIN_SIZE to E1K_RING_MAX_SIZE,
	 *     because a slot is found with counter & mask (no division). Otherwise
	 *     return NULL with err naming the rule and a good size (e.g. 1024).
	 *   - One allocation holds the struct and its size slots (slots[] is a
	 *     flexible array member). It must start on a cache line, or the
	 *     alignas in the struct means nothing: aligned_alloc(E1K_CACHE_LINE,
	 *     bytes) with bytes rounded up to a multiple of E1K_CACHE_LINE.
	 *   - Zero it; set name (truncated to fit), size, mask = size - 1, flags,
	 *     prod.single / cons.single from the flags; every counter starts at 0.
	 * Hint: x is a power of two when x != 0 and (x & (x - 1)) == 0. */
	(void)size;
	snprintf(err, err_len, "ring %s: TODO 1 is not done yet (e1k_ring_create)", name);
	return NULL;
}

void e1k_ring_free(struct e1k_ring *r)
{
	free(r);
}

/* Producer step 1: reserve up to n slots by moving prod.head. fixed = 1 for
 * bulk (all or nothing), 0 for burst. Returns how many were reserved; the
 * caller then owns slots *old_head .. *new_head - 1. */
static unsigned move_prod_head(struct e1k_ring *r, unsigned n, int fixed,
			       uint32_t *old_head, uint32_t *new_head)
{
	/* TODO 2: Reserve slots for a producer.
	 *   - Load prod.head, then cons.tail. Free slots = size + cons.tail - head
	 *     (unsigned 32-bit arithmetic: right even after the counters wrap).
	 *   - Too few free: bulk takes 0, burst takes what is free. 0: return 0.
	 *   - Single producer: nobody else moves prod.head, store head + n.
	 *     Several: compare-and-swap prod.head from head to head + n; if another
	 *     producer moved it first, the CAS loads the new head: compute again.
	 *   - Memory orders (write down why for each, in a comment):
	 *       prod.head load: acquire, so that the cons.tail load after it cannot
	 *         be done first (an old cons.tail with a newer head gives a huge
	 *         "free" count after the subtraction wraps);
	 *       cons.tail load: acquire, pairs with the consumer's release of
	 *         cons.tail: its reads of the slots we are about to overwrite are done;
	 *       CAS: acquire on failure (it reloads head: same reason as the first
	 *         load); success needs nothing, but C11 wants it at least as strong
	 *         as the failure order.
	 * Hint: atomic_compare_exchange_weak_explicit may fail spuriously: loop. */
	(void)r; (void)n; (void)fixed; (void)old_head; (void)new_head;
	return 0;
}

/* Consumer step 1: claim up to n ready entries by moving cons.head. */
static unsigned move_cons_head(struct e1k_ring *r, unsigned n, int fixed,
			       uint32_t *old_head, uint32_t *new_head)
{
	/* TODO 3: The mirror image of TODO 2 for a consumer.
	 *   - Ready entries = prod.tail - cons.head (not prod.head: slots between
	 *     prod.tail and prod.head are still being written).
	 *   - prod.tail load: acquire, pairs with the producer's release of
	 *     prod.tail, so the pointers it wrote into the slots are visible to us.
	 *   - cons.head load and CAS failure: acquire, for the same reason as
	 *     prod.head in TODO 2. */
	(void)r; (void)n; (void)fixed; (void)old_head; (void)new_head;
	return 0;
}

/* Step 3 for either side: make slots old_tail .. new_tail - 1 visible to the
 * other side by moving this side's tail. */
static void update_tail(struct e1k_ring_headtail *ht, uint32_t old_tail, uint32_t new_tail)
{
	/* TODO 4: Publish.
	 *   - Several threads on this side: others may have reserved slots *before*
	 *     ours and not finished copying. Moving the tail past their slots would
	 *     let the other side read slots that are not written yet (or overwrite
	 *     slots not yet read). So wait until tail == old_tail (they are done),
	 *     then move it. Load it with acquire: their release store then carries
	 *     their slot accesses on to the other side through our own release.
	 *   - Then store new_tail with release: every slot write (producer) or
	 *     read (consumer) before it is done before the other side can see it.
	 *   - A single thread on this side: nobody to wait for.
	 * Hint: while spinning, pause (ring_pause); when the wait is long the thread
	 * we wait for is probably not running (more threads than cores):
	 * sched_yield() lets it run. */
	(void)ht; (void)old_tail; (void)new_tail;
}

static unsigned do_enqueue(struct e1k_ring *r, void *const *objs, unsigned n, int fixed)
{
	uint32_t head, next;
	n = move_prod_head(r, n, fixed, &head, &next);
	if (n == 0)
		return 0;
	/* Step 2: the reserved slots are ours alone; plain stores. */
	for (unsigned i = 0; i < n; i++)
		r->slots[(head + i) & r->mask] = objs[i];
	update_tail(&r->prod, head, next);
	return n;
}

static unsigned do_dequeue(struct e1k_ring *r, void **objs, unsigned n, int fixed)
{
	uint32_t head, next;
	n = move_cons_head(r, n, fixed, &head, &next);
	if (n == 0)
		return 0;
	for (unsigned i = 0; i < n; i++)
		objs[i] = r->slots[(head + i) & r->mask];
	update_tail(&r->cons, head, next);
	return n;
}

unsigned e1k_ring_enqueue_bulk(struct e1k_ring *r, void *const *objs, unsigned n)
{
	return do_enqueue(r, objs, n, 1);
}

unsigned e1k_ring_enqueue_burst(struct e1k_ring *r, void *const *objs, unsigned n)
{
	return do_enqueue(r, objs, n, 0);
}

unsigned e1k_ring_dequeue_bulk(struct e1k_ring *r, void **objs, unsigned n)
{
	return do_dequeue(r, objs, n, 1);
}

unsigned e1k_ring_dequeue_burst(struct e1k_ring *r, void **objs, unsigned n)
{
	return do_dequeue(r, objs, n, 0);
}

unsigned e1k_ring_count(const struct e1k_ring *r)
{
	/* cons.tail first, with acquire so the prod.tail load cannot be done
	 * before it: cons.tail only grows towards prod.tail, so read in this order
	 * the difference is never negative. It can exceed size (prod.tail moved on
	 * meanwhile): cap it. A hint for statistics, not something to act on. */
	uint32_t cons_tail = atomic_load_explicit(&r->cons.tail, memory_order_acquire);
	uint32_t prod_tail = atomic_load_explicit(&r->prod.tail, memory_order_relaxed);
	uint32_t count = prod_tail - cons_tail;
	return count > r->size ? r->size : count;
}

unsigned e1k_ring_free_count(const struct e1k_ring *r)
{
	return r->size - e1k_ring_count(r);
}
