/*
 * e1k_ring.c — lab06: creating the lock-free ring (see e1k_ring.h for the
 * picture). Enqueue and dequeue are inline in e1k_ring.h (TODOs 2-4), so that
 * they cost no function call.
 */
#include "e1k_ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	 *     flexible array member). It must start where the struct's alignas
	 *     wants it, or the alignas means nothing: aligned_alloc(E1K_PAIR_ALIGN,
	 *     bytes) with bytes rounded up to a multiple of E1K_PAIR_ALIGN.
	 *   - Zero it; set name (truncated to fit), size, mask = size - 1, flags,
	 *     prod.single / cons.single from the flags; every counter starts at 0
	 *     (the other_tail copies too).
	 * Hint: x is a power of two when x != 0 and (x & (x - 1)) == 0. */
	// BEGIN SOLUTION 1
	if (size < E1K_RING_MIN_SIZE || size > E1K_RING_MAX_SIZE || (size & (size - 1)) != 0) {
		snprintf(err, err_len, "ring %s: size %u must be a power of two from %u to %u (e.g. "
			 "1024), because a slot is found as counter & (size - 1)", name, size,
			 E1K_RING_MIN_SIZE, E1K_RING_MAX_SIZE);
		return NULL;
	}
	size_t bytes = sizeof(struct e1k_ring) + (size_t)size * sizeof(void *);
	bytes = (bytes + E1K_PAIR_ALIGN - 1) / E1K_PAIR_ALIGN * E1K_PAIR_ALIGN;
	struct e1k_ring *r = aligned_alloc(E1K_PAIR_ALIGN, bytes);
	if (!r) {
		snprintf(err, err_len, "ring %s: out of memory for %u slots (%zu bytes)", name, size, bytes);
		return NULL;
	}
	memset(r, 0, bytes);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->size = size;
	r->mask = size - 1;
	r->flags = flags;
	r->prod.single = (flags & E1K_RING_SP_ENQ) != 0;
	r->cons.single = (flags & E1K_RING_SC_DEQ) != 0;
	/* Nothing else runs yet: plain initialisation is enough (C11 7.17.2.2). */
	atomic_init(&r->prod.head, 0);
	atomic_init(&r->prod.tail, 0);
	atomic_init(&r->cons.head, 0);
	atomic_init(&r->cons.tail, 0);
	atomic_init(&r->prod.other_tail, 0);
	atomic_init(&r->cons.other_tail, 0);
	return r;
	// PLACEHOLDER 1
	// (void)size;
	// snprintf(err, err_len, "ring %s: TODO 1 is not done yet (e1k_ring_create)", name);
	// return NULL;
	// END SOLUTION 1
}

void e1k_ring_free(struct e1k_ring *r)
{
	free(r);
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
