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
 * A producer first *reserves* slots by moving prod.head (a compare-and-swap when
 * several producers race for it), then writes its pointers into them, then
 * *publishes* them by moving prod.tail. Consumers do the same with cons.head and
 * cons.tail. Producers look at cons.tail (how far consumers are done) and
 * consumers at prod.tail (how far producers have published) — never at each
 * other's heads. The counters are never reduced modulo size: slot = counter &
 * mask, and the unsigned differences (prod.tail - cons.head, ...) stay right when
 * the counters wrap at 2^32. So the ring holds all size entries: full is
 * prod.head - cons.tail == size, empty is prod.tail == cons.head.
 *
 * Modes (chosen at creation): single producer (E1K_RING_SP_ENQ) and single
 * consumer (E1K_RING_SC_DEQ) skip the compare-and-swap; the default is several.
 * Operations: bulk (all n or nothing) and burst (as many as fit, up to n).
 *
 * Read: the C11 standard's memory model (7.17.3 "Order and consistency"),
 * Documentation/memory-barriers.txt (ACQUIRE/RELEASE operations), and the
 * lab README's section 1.3 (which interleavings break a ring without them).
 */
#ifndef LAB06_E1K_RING_H
#define LAB06_E1K_RING_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define E1K_CACHE_LINE 64u            /* bytes; x86-64 (CPUID leaf 1, CLFLUSH line size) */
#define E1K_RING_MIN_SIZE 2u
#define E1K_RING_MAX_SIZE (1u << 24)  /* 16 M slots = 128 MiB of pointers: far beyond any use */

/* Flags for e1k_ring_create. */
#define E1K_RING_SP_ENQ 0x1u          /* exactly one thread ever enqueues */
#define E1K_RING_SC_DEQ 0x2u          /* exactly one thread ever dequeues */

/* One side of the ring: where that side reserves (head) and where it is done (tail). */
struct e1k_ring_headtail {
	_Atomic uint32_t head;
	_Atomic uint32_t tail;
	int single;                   /* 1: one thread only on this side (no CAS) */
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
	 * Hint: alignas(E1K_CACHE_LINE) on a member starts it on a new line and
	 * pads the struct; the slots follow on a line of their own too. */
	// BEGIN SOLUTION 1
	alignas(E1K_CACHE_LINE) struct e1k_ring_headtail prod;
	alignas(E1K_CACHE_LINE) struct e1k_ring_headtail cons;
	alignas(E1K_CACHE_LINE) void *slots[];
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

/* Enqueue objs[0..n-1] in that order. Bulk: all n, or none (returns 0). Burst:
 * as many as there is room for (0..n). Returns how many were enqueued. */
unsigned e1k_ring_enqueue_bulk(struct e1k_ring *r, void *const *objs, unsigned n);
unsigned e1k_ring_enqueue_burst(struct e1k_ring *r, void *const *objs, unsigned n);

/* Dequeue into objs[0..]: bulk exactly n or none, burst up to n. Returns how many. */
unsigned e1k_ring_dequeue_bulk(struct e1k_ring *r, void **objs, unsigned n);
unsigned e1k_ring_dequeue_burst(struct e1k_ring *r, void **objs, unsigned n);

/* Entries ready to dequeue / slots free to enqueue. Exact only while no other
 * thread uses the ring; a hint otherwise. */
unsigned e1k_ring_count(const struct e1k_ring *r);
unsigned e1k_ring_free_count(const struct e1k_ring *r);

#endif
