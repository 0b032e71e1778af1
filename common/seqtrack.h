/*
 * seqtrack.h — what a sink learns from sequence numbers: how many frames arrived,
 * how many are missing, how many came out of order or twice.
 *
 * The tracker remembers the last KIT_SEQ_WINDOW sequence numbers in a bitmap.
 * A frame older than the window is counted as "late" (reordered, and possibly a
 * duplicate we can no longer tell apart).
 *
 *   lost = (highest sequence seen + 1) - distinct frames received
 * so frames lost at the very end are only visible when the sink knows how many
 * were sent: kit_seq_finish(t, sent) adds them.
 */
#ifndef BYPASSLAB_SEQTRACK_H
#define BYPASSLAB_SEQTRACK_H

#include <stdint.h>

#define KIT_SEQ_WINDOW 4096   /* bits; a power of two */

struct kit_seqtrack {
	uint64_t received;    /* every frame, duplicates included */
	uint64_t distinct;    /* frames seen for the first time */
	uint64_t duplicated;  /* a sequence number seen again */
	uint64_t reordered;   /* arrived after a higher sequence number */
	uint64_t late;        /* older than the window: cannot tell duplicate from reordered */
	uint64_t next;        /* highest sequence seen + 1 */
	uint64_t lost;        /* set by kit_seq_finish */
	uint64_t window[KIT_SEQ_WINDOW / 64];
};

void kit_seq_init(struct kit_seqtrack *t);
void kit_seq_add(struct kit_seqtrack *t, uint64_t seq);
/* Call once at the end. sent = frames the sender says it sent, or 0 if unknown. */
void kit_seq_finish(struct kit_seqtrack *t, uint64_t sent);

#endif
