/*
 * test_lab05.c — what `make grade LAB=05` checks, on a fresh simulated 82540EM
 * per test (test wire: nicsim_inject / nicsim_capture). Labs 02-04 are the
 * reference code; the port plumbing (e1k_port.c) is given.
 *
 * Doorbells are counted for real: the 4 KiB page of BAR0 holding RDT (or TDT)
 * is made read-only in this process, so each store to it faults; the handler
 * counts it, lets the store through for one instruction (the x86 trap flag)
 * and protects the page again. The simulated NIC maps BAR0 separately and is
 * not affected.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e1000_regs.h"
#include "e1k_burst.h"
#include "e1k_mmio.h"
#include "e1k_port.h"
#include "e1k_wait.h"
#include "frame.h"
#include "fwd.h"
#include "kit_test.h"
#include "store_watch.h"
#include "kit_time.h"
#include "nicsim_fixture.h"
#include "pktgen.h"
#include "pktsink.h"
#include "responder.h"

static struct e1k_port port;
static int port_up;

static void open_port(struct nicsim_fixture *f, unsigned rx_size, unsigned tx_size, unsigned pool_size)
{
	struct e1k_port_config cfg;
	char err[512] = "";
	e1k_port_config_default(&cfg);
	cfg.where = f->dir;
	cfg.rx_size = rx_size;
	cfg.tx_size = tx_size;
	cfg.pool_size = pool_size;
	if (e1k_port_open(&port, &cfg, err, sizeof(err)) != 0)
		kit_fail("bringing the port up (labs 02-04 reference, e1k_port_open) failed: %s", err);
	port_up = 1;
	nicsim_sync(f->dev, 1000);
}

static int teardown(void **state)
{
	if (port_up) {
		unsigned leaked = e1k_port_close(&port);
		if (leaked)
			print_error("%u buffers leaked\n", leaked);
	}
	port_up = 0;
	return nicsim_fixture_teardown(state);
}

static size_t make_frame(uint8_t *buf, size_t len, uint64_t seq, uint64_t tx_ns)
{
	struct kit_flow flow;
	kit_flow_default(&flow);   /* to 02:00:00:00:00:02, the simulated NIC's MAC */
	return kit_frame_build(buf, KIT_FRAME_MAX, &flow, len, seq, tx_ns);
}

static void inject_seq(struct nicsim_fixture *f, uint64_t first, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint8_t frame[KIT_FRAME_MAX];
		size_t len = make_frame(frame, 60, first + i, 0);
		if (nicsim_inject(f->dev, frame, len) != 0)
			kit_fail("nicsim_inject failed (test wire queue full?)");
	}
	nicsim_sync(f->dev, 1000);
}

static uint64_t seq_of(const struct e1k_buf *b)
{
	struct kit_frame_info info;
	if (kit_frame_parse(b->data, b->len, &info) != KIT_FRAME_OK)
		kit_fail("a received buffer does not hold a kit frame (len %u): buffer/descriptor mix-up?", b->len);
	return info.seq;
}

static void assert_no_diagnostics(struct nicsim_fixture *f)
{
	nicsim_sync(f->dev, 1000);
	if (nicsim_diag_count(f->dev) > 0)
		kit_fail("the simulated NIC reported a programming mistake: %s", nicsim_diag_get(f->dev, 0));
}

/* ---- doorbell counting (see the top of the file; common/store_watch.h) ---- */
static void watch_register_page(uint32_t reg)
{
	char err[160];
	if (store_watch_begin(port.dev.bar0 + reg, err, sizeof(err)) != 0)
		kit_fail("test setup: %s", err);
}

static int unwatch(void)
{
	return (int)store_watch_end();
}

/* ---- RX ---- */

static void rx_bursts_of_1_to_n(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	inject_seq(f, 0, 45);
	struct e1k_buf *bufs[16];
	uint64_t expect = 0;
	for (unsigned n = 1; n <= 9; n++) {   /* 1 + 2 + ... + 9 = 45 */
		unsigned got = e1k_rx_burst(&port.dev, &port.rx, bufs, n);
		if (got != n)
			kit_fail("e1k_rx_burst(n = %u) with 45 - %llu frames waiting returned %u", n,
				 (unsigned long long)expect, got);
		for (unsigned i = 0; i < got; i++) {
			if (bufs[i]->len != 60 || seq_of(bufs[i]) != expect)
				kit_fail("burst of %u, frame %u: seq %llu, len %u; expected seq %llu, 60 bytes", n, i,
					 (unsigned long long)seq_of(bufs[i]), bufs[i]->len, (unsigned long long)expect);
			expect++;
		}
		e1k_buf_free_bulk(bufs, got);
	}
	if (e1k_rx_burst(&port.dev, &port.rx, bufs, 16) != 0)
		kit_fail("a burst on an empty ring returned frames");
	if (port.rx.packets != 45)
		kit_fail("rx->packets = %llu after 45 frames", (unsigned long long)port.rx.packets);
	assert_no_diagnostics(f);
}

static void rx_one_rdt_write_per_burst(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	inject_seq(f, 0, 32);
	struct e1k_buf *bufs[32];
	watch_register_page(E1K_RDT);
	unsigned got = e1k_rx_burst(&port.dev, &port.rx, bufs, 32);
	int writes = unwatch();
	kit_note("burst of 32 received %u frames with %d writes to RDT's page", got, writes);
	if (got != 32)
		kit_fail("e1k_rx_burst(32) with 32 frames waiting returned %u", got);
	if (writes != 1)
		kit_fail("%d RDT writes for one burst: write RDT once, after refilling all 32 descriptors", writes);
	if (e1k_read32(port.dev.bar0, E1K_RDT) != 31)
		kit_fail("RDT = %u after taking descriptors 0..31: it should be the last one taken, 31",
			 e1k_read32(port.dev.bar0, E1K_RDT));
	for (unsigned i = 0; i < 32; i++)
		if (port.rx.desc[i].status != 0 || port.rx.desc[i].addr != port.rx.bufs[i]->phys)
			kit_fail("descriptor %u after the burst: status 0x%x, addr %s; refill each with a "
				 "fresh buffer, status 0", i, port.rx.desc[i].status,
				 port.rx.desc[i].addr == port.rx.bufs[i]->phys ? "ok" : "not its buffer's");
	e1k_buf_free_bulk(bufs, got);
	watch_register_page(E1K_RDT);
	got = e1k_rx_burst(&port.dev, &port.rx, bufs, 32);
	writes = unwatch();
	if (got != 0 || writes != 0)
		kit_fail("an empty poll returned %u frames and wrote RDT %d times: nothing to hand back, "
			 "no doorbell", got, writes);
	assert_no_diagnostics(f);
}

static void rx_bulk_refill_and_pool_exhaustion(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 74);          /* the ring takes 64: 10 buffers left */
	inject_seq(f, 0, 32);
	uint64_t failures = port.pool->alloc_failures;
	struct e1k_buf *bufs[32];
	unsigned got = e1k_rx_burst(&port.dev, &port.rx, bufs, 32);
	uint64_t calls_failed = port.pool->alloc_failures - failures;
	kit_note("got %u, dropped_no_buf %llu, failed allocation calls %llu", got,
		 (unsigned long long)port.rx.dropped_no_buf, (unsigned long long)calls_failed);
	if (got != 10)
		kit_fail("with 10 free buffers a burst of 32 frames should hand out 10 (one fresh buffer "
			 "each), got %u", got);
	if (port.rx.dropped_no_buf != 22)
		kit_fail("rx->dropped_no_buf = %llu: the 22 frames without a fresh buffer are dropped and "
			 "counted", (unsigned long long)port.rx.dropped_no_buf);
	if (calls_failed > 2)
		kit_fail("%llu failed allocations for one burst: refill in bulk (e1k_buf_alloc_bulk), "
			 "not one e1k_buf_alloc per frame", (unsigned long long)calls_failed);
	for (unsigned i = 0; i < 64; i++)
		if (!port.rx.bufs[i] || port.rx.desc[i].addr != port.rx.bufs[i]->phys || port.rx.desc[i].status)
			kit_fail("descriptor %u has no buffer (or a stale status) after the burst: a dropped "
				 "frame's descriptor keeps its own buffer", i);
	for (unsigned i = 0; i < got; i++)
		if (seq_of(bufs[i]) != i)
			kit_fail("frame %u has seq %llu: hand out the first frames in order", i,
				 (unsigned long long)seq_of(bufs[i]));
	e1k_buf_free_bulk(bufs, got);
	if (e1k_mempool_in_use(port.pool) != 64)
		kit_fail("%u buffers in use, expected the ring's 64", e1k_mempool_in_use(port.pool));
	/* received + driver drops = injected, and the ring works on */
	inject_seq(f, 32, 5);
	got = e1k_rx_burst(&port.dev, &port.rx, bufs, 32);
	if (got != 5 || seq_of(bufs[0]) != 32)
		kit_fail("after the exhaustion the next 5 frames should arrive; got %u", got);
	e1k_buf_free_bulk(bufs, got);
	assert_no_diagnostics(f);
}

static void rx_ring_wraps_in_bursts(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 16, 16, 0);
	struct e1k_buf *bufs[16];
	uint64_t next = 0;
	for (unsigned round = 0; round < 40; round++) {   /* 280 frames through 16 descriptors */
		inject_seq(f, next, 7);
		unsigned got = 0;
		for (int tries = 0; tries < 10 && got < 7; tries++) {
			unsigned n = e1k_rx_burst(&port.dev, &port.rx, bufs, 4);
			for (unsigned i = 0; i < n; i++)
				if (seq_of(bufs[i]) != next + got + i)
					kit_fail("round %u: seq %llu where %llu was due (next index wraps at size?)",
						 round, (unsigned long long)seq_of(bufs[i]),
						 (unsigned long long)(next + got + i));
			e1k_buf_free_bulk(bufs, n);
			got += n;
			if (!n)
				nicsim_sync(f->dev, 100);
		}
		if (got != 7)
			kit_fail("round %u: %u of 7 frames came through a 16-descriptor ring (RDT wraps?)", round, got);
		next += 7;
	}
	if (e1k_mempool_in_use(port.pool) != 16)
		kit_fail("%u buffers in use after 280 frames, expected 16: a buffer leaks",
			 e1k_mempool_in_use(port.pool));
	assert_no_diagnostics(f);
}

/* ---- TX ---- */

static unsigned fill_frames(struct e1k_buf **bufs, unsigned n, uint64_t first_seq)
{
	if (e1k_buf_alloc_bulk(port.pool, bufs, n) != n)
		kit_fail("test setup: the pool ran out");
	for (unsigned i = 0; i < n; i++)
		bufs[i]->len = (uint16_t)make_frame(bufs[i]->data, 60, first_seq + i, 0);
	return n;
}

static void tx_one_tdt_write_per_burst(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 256, 0);
	struct e1k_buf *bufs[32];
	fill_frames(bufs, 32, 0);
	watch_register_page(E1K_TDT);
	unsigned taken = e1k_tx_burst(&port.dev, &port.tx, bufs, 32);
	int writes = unwatch();
	kit_note("took %u frames with %d writes to TDT's page", taken, writes);
	if (taken != 32)
		kit_fail("e1k_tx_burst took %u of 32 frames on an empty 256-descriptor ring", taken);
	if (writes != 1)
		kit_fail("%d TDT writes for one burst: fill all 32 descriptors, then write TDT once", writes);
	if (e1k_read32(port.dev.bar0, E1K_TDT) != 32)
		kit_fail("TDT = %u after 32 frames, expected 32", e1k_read32(port.dev.bar0, E1K_TDT));
	nicsim_sync(f->dev, 1000);
	for (unsigned i = 0; i < 32; i++) {
		uint8_t out[2048];
		int len = nicsim_capture(f->dev, out, sizeof(out));
		struct kit_frame_info info;
		if (len != 60 || kit_frame_parse(out, (size_t)len, &info) != 0 || info.seq != i)
			kit_fail("wire frame %u: %d bytes%s; expected the kit frame with seq %u", i, len,
				 len == 60 ? " with another seq" : "", i);
	}
	if (e1k_tx_burst(&port.dev, &port.tx, bufs, 0) != 0)
		kit_fail("a burst of 0 frames must take none");
	assert_no_diagnostics(f);
}

static void tx_rs_only_every_threshold(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 256, 0);
	struct e1k_buf *bufs[100];
	fill_frames(bufs, 100, 0);
	unsigned taken = 0;
	while (taken < 100) {
		unsigned n = e1k_tx_burst(&port.dev, &port.tx, bufs + taken, 100 - taken < 25 ? 100 - taken : 25);
		if (n == 0)
			kit_fail("e1k_tx_burst took nothing with %u frames queued on a 256-descriptor ring", taken);
		taken += n;
	}
	unsigned thresh = e1k_tx_rs_thresh(&port.tx);
	if (thresh != 32)
		kit_fail("e1k_tx_rs_thresh = %u for 256 descriptors, expected 32 (given code changed?)", thresh);
	for (unsigned i = 0; i < 100; i++) {
		int rs = (port.tx.desc[i].cmd & E1K_TXD_CMD_RS) != 0;
		int want = (i + 1) % 32 == 0;
		if (rs != want)
			kit_fail("descriptor %u: RS %s; RS belongs on every 32nd descriptor only (31, 63, 95): "
				 "e1k_tx_wants_rs()", i, rs ? "set" : "clear");
		if ((port.tx.desc[i].cmd & (E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS)) != (E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS))
			kit_fail("descriptor %u: cmd 0x%02x lacks EOP or IFCS", i, port.tx.desc[i].cmd);
	}
	assert_no_diagnostics(f);
}

static void tx_reclaim_by_threshold(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 256, 0);
	unsigned base = e1k_mempool_in_use(port.pool);
	struct e1k_buf *bufs[100];
	fill_frames(bufs, 100, 0);
	if (e1k_tx_burst(&port.dev, &port.tx, bufs, 100) != 100)
		kit_fail("e1k_tx_burst did not take 100 frames on an empty 256-descriptor ring");
	nicsim_sync(f->dev, 1000);
	unsigned freed = e1k_tx_burst_reclaim(&port.tx);
	kit_note("reclaim freed %u, in flight %u", freed, e1k_tx_in_flight(&port.tx));
	if (freed != 96)
		kit_fail("all 100 were sent; reclaim freed %u: expected 96 = three whole groups of 32 "
			 "(DD only on the RS descriptors 31, 63, 95; the last 4 wait for descriptor 127)", freed);
	if (port.tx.clean != 96 || e1k_tx_in_flight(&port.tx) != 4)
		kit_fail("clean = %u, in flight %u; expected 96 and 4", port.tx.clean, e1k_tx_in_flight(&port.tx));
	if (e1k_mempool_in_use(port.pool) != base + 4)
		kit_fail("%u buffers in use, expected %u", e1k_mempool_in_use(port.pool), base + 4);
	if (e1k_tx_burst_reclaim(&port.tx) != 0)
		kit_fail("a second reclaim with nothing new freed buffers again");
	fill_frames(bufs, 28, 100);
	e1k_tx_burst(&port.dev, &port.tx, bufs, 28);
	nicsim_sync(f->dev, 1000);
	freed = e1k_tx_burst_reclaim(&port.tx);
	if (freed != 32)
		kit_fail("after 28 more frames (through descriptor 127) reclaim freed %u, expected 32", freed);
	assert_no_diagnostics(f);
}

static void tx_full_ring_wraps_and_recovers(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 16, 0);
	unsigned base = e1k_mempool_in_use(port.pool);
	uint64_t seq = 0, refused = 0;
	uint64_t wire = 0;
	struct e1k_buf *bufs[8];
	while (seq < 400) {
		fill_frames(bufs, 8, seq);
		unsigned taken = e1k_tx_burst(&port.dev, &port.tx, bufs, 8);
		if (taken > 8)
			kit_fail("e1k_tx_burst returned %u for 8 frames", taken);
		e1k_buf_free_bulk(bufs + taken, 8 - taken);   /* the rest stay ours */
		refused += 8 - taken;
		seq += taken;
		nicsim_sync(f->dev, 1000);
		uint8_t out[2048];
		int len;
		while ((len = nicsim_capture(f->dev, out, sizeof(out))) > 0) {
			struct kit_frame_info info;
			if (kit_frame_parse(out, (size_t)len, &info) != 0 || info.seq != wire)
				kit_fail("the wire got seq %llu where %llu was next (wrap at the ring's end?)",
					 (unsigned long long)info.seq, (unsigned long long)wire);
			wire++;
		}
		if (taken == 0 && refused > 1000)
			kit_fail("the ring stays full: sent buffers are never reclaimed (RS threshold on a "
				 "16-descriptor ring is %u)", e1k_tx_rs_thresh(&port.tx));
	}
	if (wire != seq)
		kit_fail("%llu frames queued, the wire saw %llu", (unsigned long long)seq, (unsigned long long)wire);
	if (port.tx.full != refused)
		kit_fail("tx->full = %llu, but %llu frames were given back: count every refused frame",
			 (unsigned long long)port.tx.full, (unsigned long long)refused);
	if (e1k_tx_wait_sent(&port.dev, &port.tx, 1000) != 0 || e1k_mempool_in_use(port.pool) != base)
		kit_fail("after everything was sent %u buffers are in use, expected %u",
			 e1k_mempool_in_use(port.pool), base);
	assert_no_diagnostics(f);
}

/* ---- generator, sink, forwarder ---- */

static void gen_rate_control(void **state)
{
	(void)state;
	struct pktgen g;
	struct kit_flow flow;
	kit_flow_default(&flow);
	const uint64_t t0 = 1000000000ull;
	if (pktgen_init(&g, &flow, 60, 1000000, 0, t0) != 0)
		kit_fail("pktgen_init refused a 60-byte frame");
	struct { uint64_t at_ns; unsigned max; uint64_t sent; unsigned due; } cases[] = {
		{ t0, 32, 0, 0 }, { t0 + 10000, 32, 0, 10 }, { t0 + 10000, 4, 0, 4 },
		{ t0 + 10000, 32, 6, 4 }, { t0 + 10000, 32, 12, 0 }, { t0 - 5, 32, 0, 0 },
		{ t0 + 30ull * 1000000000ull, 256, 30000000 - 100, 100 },   /* no overflow after 30 s */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		g.seq = cases[i].sent;
		unsigned due = pktgen_due(&g, cases[i].at_ns, cases[i].max);
		if (due != cases[i].due)
			kit_fail("1 Mpps, %lld ns after start, %llu sent, max %u: %u due, expected %u",
				 (long long)(cases[i].at_ns - t0), (unsigned long long)cases[i].sent,
				 cases[i].max, due, cases[i].due);
	}
	pktgen_init(&g, &flow, 60, 0, 50, t0);
	g.seq = 40;
	if (pktgen_due(&g, t0, 32) != 10)
		kit_fail("rate 0 (as fast as possible) with count 50 and 40 sent: 10 due, got %u",
			 pktgen_due(&g, t0, 32));
	g.seq = 0;
	if (pktgen_due(&g, t0, 32) != 32)
		kit_fail("rate 0: a whole burst (max) is due, got %u", pktgen_due(&g, t0, 32));
}

static void gen_frames_on_the_wire(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	struct pktgen g;
	struct kit_flow flow;
	kit_flow_default(&flow);
	pktgen_init(&g, &flow, 100, 0, 0, 0);
	struct e1k_buf *bufs[5];
	if (e1k_buf_alloc_bulk(port.pool, bufs, 5) != 5)
		kit_fail("test setup: pool empty");
	pktgen_fill(&g, bufs, 5, 123456789);
	pktgen_unfill(&g, 2);   /* pretend two were refused: their numbers come again */
	if (g.seq != 3)
		kit_fail("after filling 5 and giving 2 back the next seq is %llu, expected 3",
			 (unsigned long long)g.seq);
	pktgen_fill(&g, bufs + 3, 2, 123456789);
	if (e1k_tx_burst(&port.dev, &port.tx, bufs, 5) != 5)
		kit_fail("e1k_tx_burst did not take 5 frames");
	nicsim_sync(f->dev, 1000);
	for (uint64_t i = 0; i < 5; i++) {
		uint8_t out[2048];
		int len = nicsim_capture(f->dev, out, sizeof(out));
		struct kit_frame_info info;
		int rc = len > 0 ? kit_frame_parse(out, (size_t)len, &info) : -99;
		if (len != 100 || rc != 0)
			kit_fail("frame %llu: %d bytes, %s; expected a 100-byte kit frame", (unsigned long long)i,
				 len, rc == -99 ? "nothing sent" : kit_frame_strerror(rc));
		if (info.seq != i || info.tx_ns != 123456789)
			kit_fail("frame %llu: seq %llu, timestamp %llu; expected seq %llu stamped 123456789",
				 (unsigned long long)i, (unsigned long long)info.seq,
				 (unsigned long long)info.tx_ns, (unsigned long long)i);
	}
	assert_no_diagnostics(f);
}

static void sink_counts_loss_reorder_latency(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	const uint64_t seqs[] = { 0, 1, 3, 2, 5, 5, 6 };
	uint64_t now = kit_now_ns();
	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint8_t frame[KIT_FRAME_MAX];
		size_t len = make_frame(frame, 60, seqs[i], now - 5000);   /* sent "5 us ago" */
		nicsim_inject(f->dev, frame, len);
	}
	uint8_t junk[60];
	memset(junk, 0, sizeof(junk));
	memcpy(junk, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x88\xb5", 14);
	nicsim_inject(f->dev, junk, sizeof(junk));
	nicsim_sync(f->dev, 1000);
	struct pktsink s;
	pktsink_init(&s);
	struct e1k_buf *bufs[16];
	unsigned n = e1k_rx_burst(&port.dev, &port.rx, bufs, 16);
	if (n != 8)
		kit_fail("8 frames injected, e1k_rx_burst returned %u", n);
	for (unsigned i = 0; i < n; i++)
		pktsink_add(&s, bufs[i]->data, bufs[i]->len, now);
	e1k_buf_free_bulk(bufs, n);
	kit_seq_finish(&s.seq, 7);
	kit_note("received %llu distinct %llu reordered %llu duplicated %llu lost %llu not kit %llu",
		 (unsigned long long)s.seq.received, (unsigned long long)s.seq.distinct,
		 (unsigned long long)s.seq.reordered, (unsigned long long)s.seq.duplicated,
		 (unsigned long long)s.seq.lost, (unsigned long long)s.not_kit);
	if (s.seq.received != 7 || s.seq.distinct != 6 || s.seq.reordered != 1 || s.seq.duplicated != 1 ||
	    s.seq.lost != 1 || s.not_kit != 1)
		kit_fail("seq 0 1 3 2 5 5 6 + one non-kit frame: expected 7 kit frames, 6 distinct, 1 "
			 "reordered, 1 duplicated, 1 lost (4), 1 not kit (kit_frame_parse, kit_seq_add)");
	if (s.lat_count != 7 || s.hist[pktsink_bucket(5000)] != 7 || s.lat_max_ns != 5000)
		kit_fail("7 frames stamped 5 us before arrival: lat_count %llu, bucket %u holds %llu, "
			 "max %llu ns; expected 7, 7, 5000", (unsigned long long)s.lat_count,
			 pktsink_bucket(5000), (unsigned long long)s.hist[pktsink_bucket(5000)],
			 (unsigned long long)s.lat_max_ns);
	assert_no_diagnostics(f);
}

static void fwd_reflects_and_accounts(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 8, 0);          /* 8 TX descriptors: at most 7 queued, the rest dropped */
	unsigned base = e1k_mempool_in_use(port.pool);
	inject_seq(f, 0, 20);
	struct fwd_stats st = { 0 };
	unsigned n = fwd_round(&port, &port, 32, &st);
	kit_note("round: rx %llu tx %llu dropped %llu", (unsigned long long)st.rx,
		 (unsigned long long)st.tx, (unsigned long long)st.dropped);
	if (n != 20 || st.rx != 20)
		kit_fail("fwd_round received %u (st.rx %llu) of 20 frames", n, (unsigned long long)st.rx);
	if (st.tx != 7 || st.dropped != 13)
		kit_fail("an 8-descriptor TX ring takes 7: expected tx 7, dropped 13; got %llu, %llu "
			 "(e1k_tx_burst queues at most the room left, size - 1 - in flight, and "
			 "counts the rest as full: TODO 3)",
			 (unsigned long long)st.tx, (unsigned long long)st.dropped);
	nicsim_sync(f->dev, 1000);
	for (unsigned i = 0; i < 7; i++) {
		uint8_t out[2048];
		int len = nicsim_capture(f->dev, out, sizeof(out));
		if (len != 60 || memcmp(out, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12) != 0)
			kit_fail("reflected frame %u: %d bytes; destination and source MAC must be swapped "
				 "(back to 02:00:00:00:00:01)", i, len);
	}
	if (e1k_tx_wait_sent(&port.dev, &port.tx, 1000) != 0 || e1k_mempool_in_use(port.pool) != base)
		kit_fail("buffers in use %u, expected %u: free the refused frames (e1k_buf_free_bulk)",
			 e1k_mempool_in_use(port.pool), base);
	assert_no_diagnostics(f);
}

/* ---- ARP and ICMP ---- */

static const uint8_t host_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t nic_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Receive what was injected, answer with the responder, return the wire's reply length. */
static int respond_once(struct nicsim_fixture *f, struct responder *r, uint8_t *out, size_t out_len)
{
	struct e1k_buf *bufs[4];
	unsigned n = e1k_rx_burst(&port.dev, &port.rx, bufs, 4);
	if (n != 1)
		kit_fail("the injected request did not arrive (e1k_rx_burst returned %u)", n);
	if (!responder_handle(r, bufs[0]->data, bufs[0]->len)) {
		e1k_buf_free(bufs[0]);
		return 0;
	}
	if (e1k_tx_burst(&port.dev, &port.tx, bufs, 1) != 1)
		kit_fail("e1k_tx_burst did not take the reply");
	nicsim_sync(f->dev, 1000);
	return nicsim_capture(f->dev, out, out_len);
}

static void responder_answers_arp(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	uint8_t req[60] = { 0 };
	memset(req, 0xFF, 6);
	memcpy(req + 6, host_mac, 6);
	put16(req + 12, 0x0806);
	put16(req + 14, 1);
	put16(req + 16, 0x0800);
	req[18] = 6;
	req[19] = 4;
	put16(req + 20, 1);
	memcpy(req + 22, host_mac, 6);
	memcpy(req + 28, "\xc6\x12\x00\x01", 4);   /* 198.18.0.1 asks */
	memcpy(req + 38, "\xc6\x12\x00\x02", 4);   /* who has 198.18.0.2? */
	struct responder r = { .ip = 0xC6120002 };
	memcpy(r.mac, nic_mac, 6);
	nicsim_inject(f->dev, req, sizeof(req));
	nicsim_sync(f->dev, 1000);
	uint8_t out[2048];
	int len = respond_once(f, &r, out, sizeof(out));
	if (len <= 0)
		kit_fail("no reply to an ARP request for our address (responder_arp returned 0?)");
	if (len < 42 || memcmp(out, host_mac, 6) || memcmp(out + 6, nic_mac, 6) || get16(out + 12) != 0x0806)
		kit_fail("reply Ethernet header wrong: to the asker's MAC, from ours, EtherType 0x0806");
	if (get16(out + 14) != 1 || get16(out + 16) != 0x0800 || out[18] != 6 || out[19] != 4 ||
	    get16(out + 20) != 2)
		kit_fail("ARP header: htype 1, ptype 0x0800, 6, 4, oper 2 (reply); oper is %u", get16(out + 20));
	if (memcmp(out + 22, nic_mac, 6) || memcmp(out + 28, "\xc6\x12\x00\x02", 4))
		kit_fail("sender hardware/protocol address must be ours: 02:00:00:00:00:02, 198.18.0.2");
	if (memcmp(out + 32, host_mac, 6) || memcmp(out + 38, "\xc6\x12\x00\x01", 4))
		kit_fail("target hardware/protocol address must be the asker's: 02:00:00:00:00:01, 198.18.0.1");
	if (r.arp_replies != 1)
		kit_fail("arp_replies = %llu", (unsigned long long)r.arp_replies);
	/* A request for another address is not ours to answer. */
	memcpy(req + 38, "\xc6\x12\x00\x09", 4);
	nicsim_inject(f->dev, req, sizeof(req));
	nicsim_sync(f->dev, 1000);
	if (respond_once(f, &r, out, sizeof(out)) != 0)
		kit_fail("answered an ARP request for 198.18.0.9, which is not our address");
	assert_no_diagnostics(f);
}

static size_t make_echo(uint8_t *req, uint32_t dst_ip)
{
	const size_t icmp_len = 8 + 32;
	memset(req, 0, 14 + 20 + icmp_len);
	memcpy(req, nic_mac, 6);
	memcpy(req + 6, host_mac, 6);
	put16(req + 12, 0x0800);
	uint8_t *ip = req + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + icmp_len));
	put16(ip + 4, 0x4242);
	ip[8] = 63;
	ip[9] = 1;
	memcpy(ip + 12, "\xc6\x12\x00\x01", 4);
	put16(ip + 16, (uint16_t)(dst_ip >> 16));
	put16(ip + 18, (uint16_t)dst_ip);
	put16(ip + 10, kit_ip_checksum(ip, 20));
	uint8_t *icmp = ip + 20;
	icmp[0] = 8;
	put16(icmp + 4, 0x1234);
	put16(icmp + 6, 7);
	for (unsigned i = 0; i < 32; i++)
		icmp[8 + i] = (uint8_t)(i * 7);
	put16(icmp + 2, kit_ip_checksum(icmp, icmp_len));
	return 14 + 20 + icmp_len;
}

static void responder_answers_icmp_echo(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	uint8_t req[128];
	size_t len = make_echo(req, 0xC6120002);
	struct responder r = { .ip = 0xC6120002 };
	memcpy(r.mac, nic_mac, 6);
	nicsim_inject(f->dev, req, len);
	nicsim_sync(f->dev, 1000);
	uint8_t out[2048];
	int got = respond_once(f, &r, out, sizeof(out));
	if (got <= 0)
		kit_fail("no reply to an ICMP echo request to our address (responder_icmp returned 0?)");
	if (got < (int)len)
		kit_fail("the reply has %d bytes, the request %zu", got, len);
	const uint8_t *ip = out + 14, *icmp = out + 34;
	if (memcmp(out, host_mac, 6) || memcmp(out + 6, nic_mac, 6) || get16(out + 12) != 0x0800)
		kit_fail("Ethernet header: to the asker's MAC, from ours, EtherType 0x0800");
	if (memcmp(ip + 12, "\xc6\x12\x00\x02", 4) || memcmp(ip + 16, "\xc6\x12\x00\x01", 4))
		kit_fail("IP addresses must be swapped: from 198.18.0.2 to 198.18.0.1");
	if (kit_ip_checksum(ip, 20) != 0)
		kit_fail("the IP header checksum is wrong (0x%04x): recompute it after changing the header",
			 get16(ip + 10));
	if (ip[9] != 1 || get16(ip + 2) != 60)
		kit_fail("IP protocol %u, total length %u: keep protocol 1 and the length", ip[9], get16(ip + 2));
	if (icmp[0] != 0 || icmp[1] != 0)
		kit_fail("ICMP type %u code %u: an echo reply is type 0 code 0", icmp[0], icmp[1]);
	if (kit_ip_checksum(icmp, 40) != 0)
		kit_fail("the ICMP checksum is wrong: recompute it over the whole ICMP message (40 bytes)");
	if (memcmp(icmp + 4, req + 38, 36) != 0)
		kit_fail("identifier, sequence number and data must come back unchanged");
	/* Not for us: another address, a broken checksum. */
	len = make_echo(req, 0xC6120009);
	nicsim_inject(f->dev, req, len);
	nicsim_sync(f->dev, 1000);
	if (respond_once(f, &r, out, sizeof(out)) != 0)
		kit_fail("answered an echo request to 198.18.0.9, which is not our address");
	len = make_echo(req, 0xC6120002);
	req[14 + 10] ^= 0x55;
	nicsim_inject(f->dev, req, len);
	nicsim_sync(f->dev, 1000);
	if (respond_once(f, &r, out, sizeof(out)) != 0)
		kit_fail("answered an echo request whose IP header checksum is wrong: check it first");
	/* Requests to us that must not be answered: the first fragment of a larger echo
	 * (MF set: RFC 1122 3.3.2, only whole datagrams), and a damaged ICMP message. */
	len = make_echo(req, 0xC6120002);
	req[14 + 6] = 0x20;   /* MF */
	req[14 + 10] = req[14 + 11] = 0;
	uint16_t sum = kit_ip_checksum(req + 14, 20);
	req[14 + 10] = (uint8_t)(sum >> 8);
	req[14 + 11] = (uint8_t)sum;
	nicsim_inject(f->dev, req, len);
	nicsim_sync(f->dev, 1000);
	if (respond_once(f, &r, out, sizeof(out)) != 0)
		kit_fail("answered the first fragment of an echo request (MF set): a fragment is not "
			 "the whole datagram; drop it and count it in dropped_fragments (RFC 1122 3.3.2)");
	len = make_echo(req, 0xC6120002);
	req[34 + 2] ^= 0x55;   /* the ICMP checksum, not the IP header's */
	nicsim_inject(f->dev, req, len);
	nicsim_sync(f->dev, 1000);
	if (respond_once(f, &r, out, sizeof(out)) != 0)
		kit_fail("answered an echo request whose ICMP checksum is wrong: drop it and count it "
			 "in dropped_bad_icmp_checksum (RFC 792)");
	if (r.dropped_fragments != 1 || r.dropped_bad_icmp_checksum != 1)
		kit_fail("dropped_fragments %llu, dropped_bad_icmp_checksum %llu; expected 1 and 1",
			 (unsigned long long)r.dropped_fragments, (unsigned long long)r.dropped_bad_icmp_checksum);
	if (r.echo_replies != 1 || r.ignored != 4)
		kit_fail("echo_replies %llu, ignored %llu; expected 1 and 4", (unsigned long long)r.echo_replies,
			 (unsigned long long)r.ignored);
	assert_no_diagnostics(f);
}

/* ---- interrupt mode ---- */

static void irq_wait_wakes_on_frames(void **state)
{
	struct nicsim_fixture *f = *state;
	open_port(f, 64, 64, 0);
	char err[256] = "";
	if (e1k_rx_irq_setup(&port.dev, err, sizeof(err)) != 0)
		kit_fail("e1k_rx_irq_setup: %s", err);
	int rc = e1k_rx_wait(&port.dev, &port.rx, 50);
	if (rc != 0)
		kit_fail("e1k_rx_wait with nothing to receive returned %d; expected 0 after the 50 ms timeout", rc);
	struct e1k_buf *bufs[4];
	for (uint64_t i = 0; i < 3; i++) {
		uint8_t frame[KIT_FRAME_MAX];
		nicsim_inject(f->dev, frame, make_frame(frame, 60, i, 0));
		rc = e1k_rx_wait(&port.dev, &port.rx, 2000);
		if (rc != 1)
			kit_fail("frame %llu injected, e1k_rx_wait returned %d: %s", (unsigned long long)i, rc,
				 i ? "the second interrupt never came (INTx re-enabled? e1k_irq_ack)" :
				     "no interrupt (e1k_irq_wait)");
		nicsim_sync(f->dev, 1000);
		unsigned n = e1k_rx_burst(&port.dev, &port.rx, bufs, 4);
		if (n != 1 || seq_of(bufs[0]) != i)
			kit_fail("after the wake-up e1k_rx_burst returned %u frames", n);
		e1k_buf_free_bulk(bufs, n);
	}
	uint8_t frame[KIT_FRAME_MAX];
	nicsim_inject(f->dev, frame, make_frame(frame, 60, 3, 0));
	nicsim_sync(f->dev, 1000);
	uint64_t t0 = kit_now_ns();
	if (e1k_rx_wait(&port.dev, &port.rx, 5000) != 1 || kit_now_ns() - t0 > 1000000000ull)
		kit_fail("a frame already waiting in the ring: e1k_rx_wait must return 1 at once (check DD "
			 "before sleeping)");
	unsigned n = e1k_rx_burst(&port.dev, &port.rx, bufs, 4);
	e1k_buf_free_bulk(bufs, n);
	assert_no_diagnostics(f);
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "rx_bursts_of_1_to_n", rx_bursts_of_1_to_n, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 1+2: bursts of 1..9 frames, in order, lengths right", "root" },
		{ "rx_one_rdt_write_per_burst", rx_one_rdt_write_per_burst, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 2: 32 frames, exactly one RDT write (= 31), none on an empty poll", "root" },
		{ "rx_bulk_refill_and_pool_exhaustion", rx_bulk_refill_and_pool_exhaustion, nicsim_fixture_setup,
		  teardown, 3, 0, "TODO 2: bulk refill; pool short: frames dropped, counted, ring kept full", "root" },
		{ "rx_ring_wraps_in_bursts", rx_ring_wraps_in_bursts, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 1+2: 280 frames through 16 descriptors, in order, no leak", "root" },
		{ "tx_one_tdt_write_per_burst", tx_one_tdt_write_per_burst, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 3: 32 frames, exactly one TDT write, on the wire in order", "root" },
		{ "tx_rs_only_every_threshold", tx_rs_only_every_threshold, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 3: RS on descriptors 31, 63, 95 only; EOP|IFCS on all", "root" },
		{ "tx_reclaim_by_threshold", tx_reclaim_by_threshold, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 4: reclaim frees whole groups of 32 (96 of 100), then the next group", "root" },
		{ "tx_full_ring_wraps_and_recovers", tx_full_ring_wraps_and_recovers, nicsim_fixture_setup,
		  teardown, 2, 0, "TODO 3+4: 400 frames through 16 descriptors; refused counted; no leak", "root" },
		{ "gen_rate_control", gen_rate_control, NULL, NULL, 2, 0,
		  "TODO 5: frames due at a rate, capped by burst and count, no overflow", NULL },
		{ "gen_frames_on_the_wire", gen_frames_on_the_wire, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 6: kit frames with seq 0..4 and the timestamp on the wire", "root" },
		{ "sink_counts_loss_reorder_latency", sink_counts_loss_reorder_latency, nicsim_fixture_setup,
		  teardown, 2, 0, "TODO 7: lost, reordered, duplicated, not-kit, latency histogram", "root" },
		{ "fwd_reflects_and_accounts", fwd_reflects_and_accounts, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 8: MACs swapped; rx = tx + dropped; refused buffers freed", "root" },
		{ "responder_answers_arp", responder_answers_arp, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 9: ARP reply byte for byte; other addresses ignored", "root" },
		{ "responder_answers_icmp_echo", responder_answers_icmp_echo, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 10: echo reply: addresses, checksums, data; bad ones, fragments ignored", "root" },
		{ "irq_wait_wakes_on_frames", irq_wait_wakes_on_frames, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 11: timeout when idle, wakes per frame, INTx re-enabled, no sleep with work", "root" },
	};
	return kit_test_main(argc, argv, "lab05-pmd-loop", tests, sizeof(tests) / sizeof(tests[0]));
}
