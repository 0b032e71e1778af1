/* queue.c — a single-producer single-consumer queue of frames, used between the
 * test thread and the device (test wire), and between the two ports of a pair.
 * Slots are allocated with calloc: pages nobody touches cost no memory.
 *
 * Models: the RX packet buffer (SDM 13.4.15 PBA: 48 KB for receive) is one of these
 * queues, device-local (rx.c: frames waiting for descriptors, each tagged with its
 * RX error bits); the others are the cable between two threads or two ports. */
#include "sim.h"

#include <stdlib.h>
#include <string.h>

int queue_init(struct frame_queue *q, uint32_t size)
{
	q->slots = calloc(size, sizeof(*q->slots));
	q->size = size;
	atomic_store(&q->head, 0);
	atomic_store(&q->tail, 0);
	return q->slots ? 0 : -1;
}

void queue_free(struct frame_queue *q)
{
	free(q->slots);
	q->slots = NULL;
}

int queue_push(struct frame_queue *q, const void *frame, size_t len)
{
	return queue_push_tagged(q, frame, len, 0);
}

int queue_push_tagged(struct frame_queue *q, const void *frame, size_t len, uint32_t tag)
{
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&q->head, memory_order_acquire);
	struct frame_slot *s;

	if (tail - head >= q->size || len > NICSIM_FRAME_MAX)
		return -1;
	s = &q->slots[tail & (q->size - 1)];
	memcpy(s->data, frame, len);
	s->len = (uint32_t)len;
	s->tag = tag;
	atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
	return 0;
}

struct frame_slot *queue_peek(struct frame_queue *q)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	uint32_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);

	if (head == tail)
		return NULL;
	return &q->slots[head & (q->size - 1)];
}

void queue_pop(struct frame_queue *q)
{
	uint32_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	atomic_store_explicit(&q->head, head + 1, memory_order_release);
}

uint32_t queue_count(struct frame_queue *q)
{
	return atomic_load_explicit(&q->tail, memory_order_acquire) -
	       atomic_load_explicit(&q->head, memory_order_acquire);
}
