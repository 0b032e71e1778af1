/* pktgen.c — lab05: the generator's frames and rate (see pktgen.h). */
#include "pktgen.h"

#include <string.h>

int pktgen_init(struct pktgen *g, const struct kit_flow *flow, unsigned frame_len,
		uint64_t rate_pps, uint64_t count, uint64_t start_ns)
{
	memset(g, 0, sizeof(*g));
	if (kit_frame_build(g->template_frame, sizeof(g->template_frame), flow, frame_len, 0, 0) == 0)
		return -1;
	g->frame_len = frame_len;
	g->rate_pps = rate_pps;
	g->count = count;
	g->start_ns = start_ns;
	return 0;
}

unsigned pktgen_due(const struct pktgen *g, uint64_t now_ns, unsigned max)
{
	/* TODO 5: Frames due now, at most max.
	 *   - rate_pps == 0: no pacing, `max` are due.
	 *   - else due = rate_pps * elapsed_ns / 1e9 with elapsed = now - start
	 *     (0 if now < start). Beware overflow: rate * elapsed_ns exceeds 64
	 *     bits after ~18 s at 1 Mpps: split elapsed into whole seconds and the
	 *     rest. Minus what was sent (g->seq); never negative.
	 *   - count != 0: never more than count - seq in total.
	 *   Return the minimum of all that and max. */
	(void)g; (void)now_ns; (void)max;
	return 0;
}

void pktgen_fill(struct pktgen *g, struct e1k_buf **bufs, unsigned n, uint64_t now_ns)
{
	/* TODO 6: Write n frames.
	 *   For each buffer: copy the template (frame_len bytes) into buf->data,
	 *   set buf->len, patch sequence number g->seq and timestamp now_ns with
	 *   kit_frame_set_seq (no checksum to redo: frame.h says why), g->seq++. */
	(void)g; (void)bufs; (void)n; (void)now_ns;
}

void pktgen_unfill(struct pktgen *g, unsigned n)
{
	g->seq -= n <= g->seq ? n : g->seq;
}
