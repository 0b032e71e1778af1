/* seqtrack.c — sequence accounting for sinks (see seqtrack.h). */
#include "seqtrack.h"

#include <string.h>

static int test_and_set(struct kit_seqtrack *t, uint64_t seq)
{
	uint64_t bit = seq % KIT_SEQ_WINDOW;
	uint64_t mask = 1ull << (bit % 64);
	uint64_t *word = &t->window[bit / 64];
	int was_set = (*word & mask) != 0;

	*word |= mask;
	return was_set;
}

static void clear_bit(struct kit_seqtrack *t, uint64_t seq)
{
	uint64_t bit = seq % KIT_SEQ_WINDOW;
	t->window[bit / 64] &= ~(1ull << (bit % 64));
}

void kit_seq_init(struct kit_seqtrack *t)
{
	memset(t, 0, sizeof(*t));
}

void kit_seq_add(struct kit_seqtrack *t, uint64_t seq)
{
	t->received++;
	if (seq >= t->next) {
		/* Moving forward: forget the slots the window slides over. */
		uint64_t from = t->next;
		if (seq - from >= KIT_SEQ_WINDOW)
			memset(t->window, 0, sizeof(t->window));
		else
			for (uint64_t s = from; s < seq; s++)
				clear_bit(t, s);
		clear_bit(t, seq);
		test_and_set(t, seq);
		t->next = seq + 1;
		t->distinct++;
		return;
	}
	if (t->next - seq > KIT_SEQ_WINDOW) {
		t->late++;
		t->distinct++;  /* assume it is new; we cannot know */
		t->reordered++;
		return;
	}
	if (test_and_set(t, seq)) {
		t->duplicated++;
		return;
	}
	t->reordered++;
	t->distinct++;
}

void kit_seq_finish(struct kit_seqtrack *t, uint64_t sent)
{
	uint64_t expected = sent > t->next ? sent : t->next;
	t->lost = expected > t->distinct ? expected - t->distinct : 0;
}
