/*
 * e1k_ring.h — lab06: a lock-free ring of pointers between threads.
 *
 * One ring carries packet buffers from one lcore (thread) to another. Its slots
 * are an array of size pointers, size a power of two, and four free-running
 * 32-bit counters say who may touch which slot:
 *
 *        cons.tail    cons.head              prod.tail    prod.head
 *            |            |                      |            |
 *   slots: | free | being read | ready to read | being written | free ... (mod size)
 *            ^ consumers are   ^ committed,       ^ producers are
 *              done here         readable           still copying here
 *
 * A producer *reserves* slots by moving prod.head (a compare-and-swap when
 * several race for it), writes its pointers into them, then *publishes* them by
 * moving prod.tail; consumers do the same with cons.head and cons.tail. Each side
 * reads only the other side's tail, never its head. Counters are never reduced
 * modulo size (slot = counter & mask; unsigned differences stay right when they
 * wrap), so the ring holds all size entries. SP/SC modes (E1K_RING_SP_ENQ,
 * E1K_RING_SC_DEQ) skip the compare-and-swap. Bulk: all n or nothing; burst: as
 * many as fit. Enqueue and dequeue are inline here, as rte_ring's are (README
 * section 9). Read: C11 7.17.3, Documentation/memory-barriers.txt, README 1.3.
 */
#ifndef LAB06_E1K_RING_H
#define LAB06_E1K_RING_H

#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define E1K_CACHE_LINE 64u            /* bytes; x86-64 (CPUID leaf 1, CLFLUSH line size) */
/* Two lines: the L2's adjacent-line prefetcher fetches aligned pairs of lines, so
 * lines written by different cores must not share a pair (README 1.1). */
#define E1K_PAIR_ALIGN (2 * E1K_CACHE_LINE)
#define E1K_RING_MIN_SIZE 2u
#define E1K_RING_MAX_SIZE (1u << 24)  /* 16 M slots = 128 MiB of pointers: far beyond any use */

/* Flags for e1k_ring_create. */
#define E1K_RING_SP_ENQ 0x1u          /* exactly one thread ever enqueues */
#define E1K_RING_SC_DEQ 0x2u          /* exactly one thread ever dequeues */

/* One side of the ring: where it reserves (head) and where it is done (tail).
 * Only this side touches head, other_tail and single; the other side reads the
 * tail, so pad puts the tail one pair of lines further (TODO 1 aligns the struct)
 * and those reads never take away the line the CAS on the head needs (README 9). */
struct e1k_ring_headtail {
	_Atomic uint32_t head;
	_Atomic uint32_t other_tail;  /* the other side's tail as this side last read it */
	int single;                   /* 1: one thread only on this side (no CAS) */
	char pad[E1K_PAIR_ALIGN - 2 * sizeof(uint32_t) - sizeof(int)];
	_Atomic uint32_t tail;
};

struct e1k_ring {
	char name[32];
	unsigned size;                /* slots, a power of two */
	unsigned mask;                /* size - 1: slot = counter & mask */
	unsigned flags;

	/* TODO 1 (first part): put the producer and the consumer side on cache lines
	 * of their own. A producer writes prod.head/prod.tail for every enqueue and a
	 * consumer cons.head/cons.tail for every dequeue; if both shared one 64-byte
	 * line, that line would bounce between the two cores on every operation
	 * (false sharing) even though no variable is shared.
	 * Hint: alignas(E1K_PAIR_ALIGN) on a member starts it on a new pair of lines
	 * (see E1K_PAIR_ALIGN) and pads the struct; the slots follow on a pair of
	 * their own too. */
	// BEGIN SOLUTION 1
	alignas(E1K_PAIR_ALIGN) struct e1k_ring_headtail prod;
	alignas(E1K_PAIR_ALIGN) struct e1k_ring_headtail cons;
	alignas(E1K_PAIR_ALIGN) void *slots[];
	// PLACEHOLDER 1
	// struct e1k_ring_headtail prod;
	// struct e1k_ring_headtail cons;
	// void *slots[];
	// END SOLUTION 1
};

/* A ring of size slots (a power of two, E1K_RING_MIN_SIZE .. E1K_RING_MAX_SIZE),
 * flags 0 (multi-producer, multi-consumer) or E1K_RING_SP_ENQ | E1K_RING_SC_DEQ.
 * Returns NULL with err saying what to change. name is for messages. */
struct e1k_ring *e1k_ring_create(const char *name, unsigned size, unsigned flags,
				 char *err, size_t err_len);
void e1k_ring_free(struct e1k_ring *r);

/* Entries ready to dequeue / slots free to enqueue. Exact only while no other
 * thread uses the ring; a hint otherwise. */
unsigned e1k_ring_count(const struct e1k_ring *r);
unsigned e1k_ring_free_count(const struct e1k_ring *r);

/* ---- enqueue and dequeue, inline. Every head and tail access is a C11 atomic
 * with the weakest correct order; on x86-64 acquire/release are plain MOVs, but
 * they also stop the compiler, and they make the ring correct on ARM. ---- */

/* Spin politely: PAUSE (Intel SDM vol. 2) marks a spin-wait loop. */
static inline void e1k_ring_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Producer step 1: reserve up to n slots by moving prod.head. fixed = 1 for
 * bulk (all or nothing), 0 for burst. Returns how many were reserved; the
 * caller then owns slots *old_head .. *new_head - 1. */
static inline unsigned e1k_ring_move_prod_head(struct e1k_ring *r, unsigned n, int fixed,
					       uint32_t *old_head, uint32_t *new_head)
{
	/* TODO 2: Reserve slots for a producer.
	 *   - Load prod.head, then the consumers' tail. Free slots = size +
	 *     cons_tail - head (unsigned 32-bit arithmetic: right even after the
	 *     counters wrap).
	 *   - The consumers' tail: first the copy prod.other_tail (our own line).
	 *     Only when it gives fewer than n free slots, or more than size (too
	 *     old: the subtraction wrapped), load cons.tail, keep it in the copy and
	 *     compute again. A copy only ever shows too few free slots: safe.
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
	 *       prod.other_tail: store release, load acquire (another producer may
	 *         use our copy: it inherits our acquire of cons.tail);
	 *       CAS: acquire on failure (it reloads head: same reason as the first
	 *         load); success needs nothing, but C11 wants it at least as strong
	 *         as the failure order.
	 * Hint: atomic_compare_exchange_weak_explicit may fail spuriously: loop. */
	// BEGIN SOLUTION 2
	/* acquire: the cons.tail load below must see a value at least as new as the
	 * moment this head was read; see the TODO above. */
	uint32_t head = atomic_load_explicit(&r->prod.head, memory_order_acquire);
	unsigned take;
	for (;;) {
		/* acquire: pairs with the release store below (ours or another
		 * producer's), which came after an acquire load of cons.tail. */
		uint32_t cons_tail = atomic_load_explicit(&r->prod.other_tail, memory_order_acquire);
		uint32_t free_slots = r->size + cons_tail - head;
		if (free_slots < n || free_slots > r->size) {
			/* acquire: pairs with the release store of cons.tail in
			 * e1k_ring_update_tail(): consumers finished reading every slot
			 * below cons.tail before we may write into it again. */
			cons_tail = atomic_load_explicit(&r->cons.tail, memory_order_acquire);
			/* release: whoever uses this copy inherits our acquire. */
			atomic_store_explicit(&r->prod.other_tail, cons_tail, memory_order_release);
			free_slots = r->size + cons_tail - head;
		}
		take = n;
		if (take > free_slots)
			take = fixed ? 0 : free_slots;
		if (take == 0)
			return 0;
		if (r->prod.single) {
			/* relaxed: only this thread reads or writes prod.head. */
			atomic_store_explicit(&r->prod.head, head + take, memory_order_relaxed);
			break;
		}
		/* failure acquire: the CAS reloads head; the next cons.tail load must
		 * not move before it (as for the first load). Success needs nothing
		 * (winning only reserves slots; prod.tail publishes them, with
		 * release), but C11 does not let the failure order be stronger than
		 * the success order, so both are acquire (free on x86-64). */
		if (atomic_compare_exchange_weak_explicit(&r->prod.head, &head, head + take,
							  memory_order_acquire, memory_order_acquire))
			break;
	}
	*old_head = head;
	*new_head = head + take;
	return take;
	// PLACEHOLDER 2
	// (void)r; (void)n; (void)fixed; (void)old_head; (void)new_head;
	// return 0;
	// END SOLUTION 2
}

/* Consumer step 1: claim up to n ready entries by moving cons.head. */
static inline unsigned e1k_ring_move_cons_head(struct e1k_ring *r, unsigned n, int fixed,
					       uint32_t *old_head, uint32_t *new_head)
{
	/* TODO 3: The mirror image of TODO 2 for a consumer.
	 *   - Ready entries = prod.tail - cons.head (not prod.head: slots between
	 *     prod.tail and prod.head are still being written).
	 *   - The producers' tail: first the copy cons.other_tail; load prod.tail
	 *     itself (and keep it there) only when the copy gives fewer than n
	 *     ready, or more than size (too old).
	 *   - prod.tail load: acquire, pairs with the producer's release of
	 *     prod.tail, so the pointers it wrote into the slots are visible to us.
	 *   - cons.other_tail, cons.head load and CAS failure: as in TODO 2. */
	// BEGIN SOLUTION 3
	/* acquire: keep the prod.tail load below after this one (TODO 2). */
	uint32_t head = atomic_load_explicit(&r->cons.head, memory_order_acquire);
	unsigned take;
	for (;;) {
		/* acquire: pairs with the release store of the copy below. */
		uint32_t prod_tail = atomic_load_explicit(&r->cons.other_tail, memory_order_acquire);
		uint32_t ready = prod_tail - head;
		if (ready < n || ready > r->size) {
			/* acquire: pairs with the producer's release store of prod.tail:
			 * the slot writes that came before it are visible once we see
			 * the tail. */
			prod_tail = atomic_load_explicit(&r->prod.tail, memory_order_acquire);
			atomic_store_explicit(&r->cons.other_tail, prod_tail, memory_order_release);
			ready = prod_tail - head;
		}
		take = n;
		if (take > ready)
			take = fixed ? 0 : ready;
		if (take == 0)
			return 0;
		if (r->cons.single) {
			/* relaxed: only this thread reads or writes cons.head. */
			atomic_store_explicit(&r->cons.head, head + take, memory_order_relaxed);
			break;
		}
		/* acquire on failure (and so on success): as in move_prod_head. */
		if (atomic_compare_exchange_weak_explicit(&r->cons.head, &head, head + take,
							  memory_order_acquire, memory_order_acquire))
			break;
	}
	*old_head = head;
	*new_head = head + take;
	return take;
	// PLACEHOLDER 3
	// (void)r; (void)n; (void)fixed; (void)old_head; (void)new_head;
	// return 0;
	// END SOLUTION 3
}

/* Step 3 for either side: make slots old_tail .. new_tail - 1 visible to the
 * other side by moving this side's tail. */
static inline void e1k_ring_update_tail(struct e1k_ring_headtail *ht, uint32_t old_tail,
					uint32_t new_tail)
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
	 * Hint: while spinning, pause (e1k_ring_pause); when the wait is long the
	 * thread we wait for is probably not running (more threads than cores):
	 * sched_yield() lets it run. */
	// BEGIN SOLUTION 4
	if (!ht->single) {
		unsigned spins = 0;
		/* acquire: the earlier thread's slot accesses happen before its release
		 * store of this tail; acquiring it makes them happen before our release
		 * below, so the other side sees them too (happens-before is transitive). */
		while (atomic_load_explicit(&ht->tail, memory_order_acquire) != old_tail) {
			if (++spins < 1024)
				e1k_ring_pause();
			else
				sched_yield();   /* the thread we wait for was likely preempted */
		}
	}
	/* release: our slot writes (enqueue) or reads (dequeue) are complete before
	 * the other side can observe the new tail and touch those slots. */
	atomic_store_explicit(&ht->tail, new_tail, memory_order_release);
	// PLACEHOLDER 4
	// (void)ht; (void)old_tail; (void)new_tail;
	// END SOLUTION 4
}

/* Step 2: the reserved slots are ours alone; plain copies. (One loop with a mask:
 * two loops split at the array's end were 1.7x slower, README section 9.) */
static inline void e1k_ring_copy_in(struct e1k_ring *r, uint32_t head, void *const *objs,
				    unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		r->slots[(head + i) & r->mask] = objs[i];
}

static inline void e1k_ring_copy_out(const struct e1k_ring *r, uint32_t head, void **objs,
				     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		objs[i] = r->slots[(head + i) & r->mask];
}

static inline unsigned e1k_ring_do_enqueue(struct e1k_ring *r, void *const *objs, unsigned n,
					   int fixed)
{
	uint32_t head, next;
	n = e1k_ring_move_prod_head(r, n, fixed, &head, &next);
	if (n == 0)
		return 0;
	e1k_ring_copy_in(r, head, objs, n);
	e1k_ring_update_tail(&r->prod, head, next);
	return n;
}

static inline unsigned e1k_ring_do_dequeue(struct e1k_ring *r, void **objs, unsigned n, int fixed)
{
	uint32_t head, next;
	n = e1k_ring_move_cons_head(r, n, fixed, &head, &next);
	if (n == 0)
		return 0;
	e1k_ring_copy_out(r, head, objs, n);
	e1k_ring_update_tail(&r->cons, head, next);
	return n;
}

/* Enqueue objs[0..n-1] in that order. Bulk: all n, or none (returns 0). Burst:
 * as many as there is room for (0..n). Returns how many were enqueued. */
static inline unsigned e1k_ring_enqueue_bulk(struct e1k_ring *r, void *const *objs, unsigned n)
{
	return e1k_ring_do_enqueue(r, objs, n, 1);
}

static inline unsigned e1k_ring_enqueue_burst(struct e1k_ring *r, void *const *objs, unsigned n)
{
	return e1k_ring_do_enqueue(r, objs, n, 0);
}

/* Dequeue into objs[0..]: bulk exactly n or none, burst up to n. Returns how many. */
static inline unsigned e1k_ring_dequeue_bulk(struct e1k_ring *r, void **objs, unsigned n)
{
	return e1k_ring_do_dequeue(r, objs, n, 1);
}

static inline unsigned e1k_ring_dequeue_burst(struct e1k_ring *r, void **objs, unsigned n)
{
	return e1k_ring_do_dequeue(r, objs, n, 0);
}

#endif
