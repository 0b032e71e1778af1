/*
 * test_lab04.c — what `make grade LAB=04` checks, on a fresh simulated 82540EM
 * per test with a test wire: the test injects frames (nicsim_inject) and takes
 * what the driver sent (nicsim_capture). Lab02 and lab03 are the reference code.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e1000_regs.h"
#include "e1k_dev.h"
#include "e1k_mmio.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "frame.h"
#include "kit_test.h"
#include "mempool.h"
#include "nicsim_fixture.h"

/* One device with both rings, shared by a test's steps. */
static struct e1k_dev dev;
static struct e1k_mempool *pool;
static struct e1k_rx_ring rx;
static struct e1k_tx_ring tx;
static int rx_up, tx_up;

static void bring_up(struct nicsim_fixture *f, unsigned buf_size)
{
	char err[512] = "";
	if (e1k_open(&dev, f->dir, err, sizeof(err)) != 0 || e1k_init(&dev, 2000, err, sizeof(err)) != 0)
		kit_fail("bringing the device up (lab02 reference) failed: %s", err);
	pool = e1k_mempool_create(1024, buf_size, err, sizeof(err));
	if (!pool)
		kit_fail("e1k_mempool_create (lab03 reference): %s", err);
}

/* From here on every BAR0 write goes to the simulated NIC as an event, in order
 * (hw/sim trace.c): RCTL.EN before the ring's registers is caught every time, not
 * when the device's polling happens to see the two writes apart. */
static void rings_up(struct nicsim_fixture *f, unsigned rx_size, unsigned tx_size)
{
	char err[512] = "";
	if (nicsim_watch_writes(f->dev, dev.bar0, err, sizeof(err)) != 0)
		kit_fail("test setup: %s", err);
	int rc = e1k_rx_ring_init(&dev, &rx, rx_size, pool, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_rx_ring_init(%u) returned %d: %s", rx_size, rc, err);
	rx_up = 1;
	rc = e1k_tx_ring_init(&dev, &tx, tx_size, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_tx_ring_init(%u) returned %d: %s", tx_size, rc, err);
	tx_up = 1;
	nicsim_sync(f->dev, 1000);
}

static int teardown(void **state)
{
	/* First: cmocka's own fault handler is back for the teardown. */
	nicsim_unwatch_writes();
	if (rx_up)
		e1k_rx_ring_free(&dev, &rx);
	if (tx_up)
		e1k_tx_ring_free(&dev, &tx);
	rx_up = tx_up = 0;
	if (pool) {
		unsigned leaked = e1k_mempool_destroy(pool);
		pool = NULL;
		if (leaked)
			print_error("%u buffers leaked\n", leaked);
	}
	if (dev.bar0)
		e1k_close(&dev);
	return nicsim_fixture_teardown(state);
}

static size_t make_frame(uint8_t *buf, size_t len, uint64_t seq)
{
	struct kit_flow flow;
	kit_flow_default(&flow);
	memcpy(flow.dst_mac, "\x02\x00\x00\x00\x00\x02", 6);   /* the device's MAC */
	return kit_frame_build(buf, KIT_FRAME_MAX, &flow, len, seq, 0);
}

/* Poll e1k_rx_one until a frame comes or the model has nothing more to give; a
 * programming mistake the simulated NIC saw ends the wait at once, with its words. */
static struct e1k_buf *receive(struct nicsim_fixture *f)
{
	for (int tries = 0; tries < 200; tries++) {
		struct e1k_buf *b = NULL;
		if (e1k_rx_one(&dev, &rx, &b) == 1)
			return b;
		nicsim_sync(f->dev, 100);
		if (nicsim_diag_count(f->dev) > 0)
			kit_fail("the simulated NIC reported a programming mistake: %s", nicsim_diag_get(f->dev, 0));
	}
	return NULL;
}

static void assert_no_diagnostics(struct nicsim_fixture *f)
{
	nicsim_sync(f->dev, 1000);
	if (nicsim_diag_count(f->dev) > 0)
		kit_fail("the simulated NIC reported a programming mistake: %s", nicsim_diag_get(f->dev, 0));
}

static void ring_size_rules(void **state)
{
	(void)state;
	char err[256] = "";
	const unsigned bad[] = { 0, 4, 12, 100, 8192 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (e1k_ring_size_check(bad[i], err, sizeof(err)) != -EINVAL)
			kit_fail("ring size %u must be refused with -EINVAL (multiple of 8, %d..%d)", bad[i],
				 E1K_DESC_RING_MIN, E1K_DESC_RING_MAX);
		/* The rule in any natural words: "multiple of 8", "128 bytes", "divisible
		 * by 8", or the range "8..4096" / "8 to 4096". */
		char lo[16], hi[16];
		snprintf(lo, sizeof(lo), "%d", E1K_DESC_RING_MIN);
		snprintf(hi, sizeof(hi), "%d", E1K_DESC_RING_MAX);
		if (!strstr(err, "128") && !strstr(err, "multiple") && !strstr(err, "divisible") &&
		    !strstr(err, "% 8") && !(strstr(err, lo) && strstr(err, hi)))
			kit_fail("the message for size %u should give the rule (a multiple of 8, from %d "
				 "to %d); got \"%s\"", bad[i], E1K_DESC_RING_MIN, E1K_DESC_RING_MAX, err);
	}
	const unsigned good[] = { 8, 16, 256, 4096 };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (e1k_ring_size_check(good[i], err, sizeof(err)) != 0)
			kit_fail("ring size %u is fine but was refused: %s", good[i], err);
}

static void rx_ring_programmed(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 64, 64);
	volatile uint8_t *b = dev.bar0;
	uint64_t base = (uint64_t)e1k_read32(b, E1K_RDBAH) << 32 | e1k_read32(b, E1K_RDBAL);
	if (base != rx.mem.phys)
		kit_fail("RDBAH:RDBAL = 0x%llx, the ring's physical address is 0x%llx",
			 (unsigned long long)base, (unsigned long long)rx.mem.phys);
	if (e1k_read32(b, E1K_RDLEN) != 64 * 16)
		kit_fail("RDLEN = %u, expected %u (bytes, not descriptors)", e1k_read32(b, E1K_RDLEN), 64 * 16);
	if (e1k_read32(b, E1K_RDT) != 63)
		kit_fail("RDT = %u after init, expected size - 1 = 63", e1k_read32(b, E1K_RDT));
	uint32_t rctl = e1k_read32(b, E1K_RCTL);
	if (!(rctl & E1K_RCTL_EN) || !(rctl & E1K_RCTL_SECRC) || !(rctl & E1K_RCTL_BAM) ||
	    (rctl & E1K_RCTL_BSIZE_MASK) != E1K_RCTL_BSIZE_2048)
		kit_fail("RCTL = 0x%08x: want EN, BAM, SECRC and BSIZE 2048", rctl);
	for (unsigned i = 0; i < 64; i++) {
		if (!rx.bufs[i] || rx.desc[i].addr != rx.bufs[i]->phys || rx.desc[i].status != 0)
			kit_fail("descriptor %u: addr 0x%llx, status 0x%x; want its buffer's physical "
				 "address and status 0", i, (unsigned long long)rx.desc[i].addr, rx.desc[i].status);
	}
	assert_no_diagnostics(f);
}

static void tx_ring_programmed(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 64, 128);
	volatile uint8_t *b = dev.bar0;
	uint64_t base = (uint64_t)e1k_read32(b, E1K_TDBAH) << 32 | e1k_read32(b, E1K_TDBAL);
	if (base != tx.mem.phys)
		kit_fail("TDBAH:TDBAL = 0x%llx, the ring's physical address is 0x%llx",
			 (unsigned long long)base, (unsigned long long)tx.mem.phys);
	if (e1k_read32(b, E1K_TDLEN) != 128 * 16)
		kit_fail("TDLEN = %u, expected %u", e1k_read32(b, E1K_TDLEN), 128 * 16);
	if (e1k_read32(b, E1K_TDH) != 0 || e1k_read32(b, E1K_TDT) != 0)
		kit_fail("TDH/TDT = %u/%u after init, expected 0/0", e1k_read32(b, E1K_TDH),
			 e1k_read32(b, E1K_TDT));
	uint32_t tctl = e1k_read32(b, E1K_TCTL);
	if (!(tctl & E1K_TCTL_EN) || !(tctl & E1K_TCTL_PSP))
		kit_fail("TCTL = 0x%08x: want EN and PSP", tctl);
	if (e1k_read32(b, E1K_TIPG) == 0)
		kit_fail("TIPG is 0: program the inter-packet gap (SDM 13.4.34)");
	assert_no_diagnostics(f);
}

static void receive_one_frame(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 64, 64);
	uint8_t frame[KIT_FRAME_MAX];
	size_t len = make_frame(frame, 98, 7);
	if (nicsim_inject(f->dev, frame, len) != 0)
		kit_fail("nicsim_inject failed");
	struct e1k_buf *b = receive(f);
	if (!b)
		kit_fail("e1k_rx_one never returned the injected frame (DD checked? ring programmed?)");
	if (b->len != len || memcmp(b->data, frame, len) != 0)
		kit_fail("received %u bytes, injected %zu; contents %s", b->len, len,
			 b->len == len ? "differ" : "-");
	e1k_buf_free(b);
	nicsim_sync(f->dev, 1000);
	if (rx.desc[0].status != 0)
		kit_fail("descriptor 0 status 0x%x after use: clear it before giving it back", rx.desc[0].status);
	if (e1k_read32(dev.bar0, E1K_RDT) != 0)
		kit_fail("RDT = %u after one frame: the used descriptor (0) becomes the tail",
			 e1k_read32(dev.bar0, E1K_RDT));
	if (rx.packets != 1 || rx.bytes != len)
		kit_fail("counters: %llu packets, %llu bytes (expected 1, %zu)",
			 (unsigned long long)rx.packets, (unsigned long long)rx.bytes, len);
	assert_no_diagnostics(f);
}

static void send_one_frame(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 64, 64);
	unsigned in_use = e1k_mempool_in_use(pool);
	struct e1k_buf *b = e1k_buf_alloc(pool);
	b->len = (uint16_t)make_frame(b->data, 60, 3);
	uint8_t copy[60];
	memcpy(copy, b->data, 60);
	int rc = e1k_tx_one(&dev, &tx, b);
	if (rc != 0)
		kit_fail("e1k_tx_one returned %d", rc);
	nicsim_sync(f->dev, 1000);
	uint8_t out[2048];
	int got = nicsim_capture(f->dev, out, sizeof(out));
	if (got <= 0)
		kit_fail("nothing left the device (descriptor filled? TDT written? EOP set?)");
	if (got != 60 || memcmp(out, copy, 60) != 0)
		kit_fail("sent a 60-byte frame, the wire got %d bytes%s", got, got == 60 ? " that differ" : "");
	if (!(tx.desc[0].status & E1K_TXD_STAT_DD))
		kit_fail("no DD written back in descriptor 0: set RS (report status) in cmd");
	unsigned freed = e1k_tx_reclaim(&tx);
	if (freed != 1 || e1k_mempool_in_use(pool) != in_use)
		kit_fail("reclaim freed %u buffers (expected 1); %u in use, expected %u", freed,
			 e1k_mempool_in_use(pool), in_use);
	assert_no_diagnostics(f);
}

static void frames_60_to_1514_both_ways(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 64, 64);
	const size_t sizes[] = { 60, 61, 64, 127, 128, 512, 1000, 1513, 1514 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t frame[KIT_FRAME_MAX];
		size_t len = make_frame(frame, sizes[i], i);
		nicsim_inject(f->dev, frame, len);
		struct e1k_buf *b = receive(f);
		if (!b || b->len != len || memcmp(b->data, frame, len) != 0)
			kit_fail("a %zu-byte frame did not come in intact (got %d bytes)", len, b ? b->len : -1);
		/* and send it back out */
		if (e1k_tx_one(&dev, &tx, b) != 0)
			kit_fail("e1k_tx_one of a %zu-byte frame failed", len);
		nicsim_sync(f->dev, 1000);
		uint8_t out[2048];
		int got = nicsim_capture(f->dev, out, sizeof(out));
		if (got != (int)len || memcmp(out, frame, len) != 0)
			kit_fail("a %zu-byte frame went out as %d bytes", len, got);
		e1k_tx_reclaim(&tx);
	}
	assert_no_diagnostics(f);
}

static void rx_ring_wraps_around(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 8, 8);
	unsigned in_use = e1k_mempool_in_use(pool);
	for (uint64_t seq = 0; seq < 50; seq++) {   /* more than six times around */
		uint8_t frame[KIT_FRAME_MAX];
		size_t len = make_frame(frame, 60, seq);
		nicsim_inject(f->dev, frame, len);
		struct e1k_buf *b = receive(f);
		struct kit_frame_info info;
		if (!b || kit_frame_parse(b->data, b->len, &info) != 0 || info.seq != seq)
			kit_fail("frame %llu of 50 on an 8-descriptor ring: %s", (unsigned long long)seq,
				 b ? "wrong frame (next index wraps?)" : "never arrived (RDT wraps? status cleared?)");
		e1k_buf_free(b);
	}
	if (e1k_mempool_in_use(pool) != in_use)
		kit_fail("buffers in use went from %u to %u: a buffer leaks per frame", in_use,
			 e1k_mempool_in_use(pool));
	assert_no_diagnostics(f);
}

static void full_rx_ring_drops_are_counted(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 8, 8);
	const unsigned total = 40;
	for (uint64_t seq = 0; seq < total; seq++) {
		uint8_t frame[KIT_FRAME_MAX];
		nicsim_inject(f->dev, frame, make_frame(frame, 60, seq));
	}
	nicsim_sync(f->dev, 1000);
	/* Seven buffers were handed over (one slot stays empty): take what came. */
	unsigned received = 0;
	struct e1k_buf *b;
	for (int idle = 0; idle < 20;) {
		if (e1k_rx_one(&dev, &rx, &b) == 1) {
			received++;
			e1k_buf_free(b);
			idle = 0;
		} else {
			nicsim_sync(f->dev, 100);
			idle++;
		}
	}
	struct nicsim_counters c;
	nicsim_get_counters(f->dev, &c);
	uint64_t drops = c.rx_drop_no_buffer + c.rx_drop_disabled + c.rx_drop_filtered;
	kit_note("received %u, device dropped %llu (no buffer), pending %llu", received,
		 (unsigned long long)c.rx_drop_no_buffer, (unsigned long long)c.rx_pending);
	if (received < 7)
		kit_fail("only %u frames received from a full 8-descriptor ring: expected at least 7", received);
	if (received + drops + c.rx_pending != total)
		kit_fail("injected %u = received %u + dropped %llu + pending %llu does not add up", total,
			 received, (unsigned long long)drops, (unsigned long long)c.rx_pending);
	assert_no_diagnostics(f);
}

static void full_tx_ring_refuses_then_recovers(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 2048);
	rings_up(f, 8, 8);
	for (int i = 0; i < 7; i++) {
		struct e1k_buf *b = e1k_buf_alloc(pool);
		b->len = (uint16_t)make_frame(b->data, 60, (uint64_t)i);
		if (e1k_tx_one(&dev, &tx, b) != 0)
			kit_fail("send %d of 7 on an empty 8-descriptor ring failed", i + 1);
	}
	struct e1k_buf *extra = e1k_buf_alloc(pool);
	extra->len = 60;
	make_frame(extra->data, 60, 7);
	int rc = e1k_tx_one(&dev, &tx, extra);
	if (rc != -EBUSY)
		kit_fail("an 8th frame on an 8-descriptor ring with nothing reclaimed must be refused "
			 "with -EBUSY (one slot stays empty: TDH == TDT means empty); got %d", rc);
	nicsim_sync(f->dev, 1000);
	unsigned freed = e1k_tx_reclaim(&tx);
	if (freed != 7)
		kit_fail("reclaim freed %u of 7 sent frames", freed);
	if (e1k_tx_one(&dev, &tx, extra) != 0)
		kit_fail("after reclaiming, sending must work again");
	nicsim_sync(f->dev, 1000);
	uint8_t out[2048];
	int frames = 0;
	while (nicsim_capture(f->dev, out, sizeof(out)) > 0)
		frames++;
	if (frames != 8)
		kit_fail("the wire saw %d frames, 8 were sent", frames);
	assert_no_diagnostics(f);
}

static void multi_buffer_frame_dropped_and_counted(void **state)
{
	struct nicsim_fixture *f = *state;
	bring_up(f, 1024);        /* 1024-byte buffers: a 1514-byte frame needs two */
	rings_up(f, 16, 16);
	uint8_t frame[KIT_FRAME_MAX];
	nicsim_inject(f->dev, frame, make_frame(frame, 1514, 1));
	nicsim_inject(f->dev, frame, make_frame(frame, 60, 2));
	struct e1k_buf *b = receive(f);
	struct kit_frame_info info;
	if (!b || kit_frame_parse(b->data, b->len, &info) != 0 || info.seq != 2)
		kit_fail("after a frame spanning two buffers, the next frame (seq 2) must come out whole: %s",
			 b ? "got something else (a fragment without EOP?)" : "nothing came");
	e1k_buf_free(b);
	if (rx.dropped_spanning != 1)
		kit_fail("dropped_spanning = %llu: the two-buffer frame must be dropped and counted once",
			 (unsigned long long)rx.dropped_spanning);
	assert_no_diagnostics(f);
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "ring_size_rules", ring_size_rules, NULL, NULL, 1, 0,
		  "TODO 1: sizes not a multiple of 8 or out of range refused", NULL },
		{ "rx_ring_programmed", rx_ring_programmed, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 2+3: RDBA/RDLEN/RDT/RCTL right, every descriptor has a buffer", "root" },
		{ "tx_ring_programmed", tx_ring_programmed, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 5: TDBA/TDLEN/TDH/TDT/TIPG/TCTL right", "root" },
		{ "receive_one_frame", receive_one_frame, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 4: one frame byte for byte, status cleared, RDT moved", "root" },
		{ "send_one_frame", send_one_frame, nicsim_fixture_setup, teardown, 3, 0,
		  "TODO 6+7: one frame on the wire, DD written back, buffer reclaimed", "root" },
		{ "frames_60_to_1514_both_ways", frames_60_to_1514_both_ways, nicsim_fixture_setup,
		  teardown, 2, 0, "TODO 4+6: every size from 60 to 1514 bytes in and out", "root" },
		{ "rx_ring_wraps_around", rx_ring_wraps_around, nicsim_fixture_setup, teardown, 2, 0,
		  "TODO 4: 50 frames through an 8-descriptor ring, in order, no leak", "root" },
		{ "full_rx_ring_drops_are_counted", full_rx_ring_drops_are_counted, nicsim_fixture_setup,
		  teardown, 2, 0, "TODO 4: a full ring: received + counted drops = sent", "root" },
		{ "full_tx_ring_refuses_then_recovers", full_tx_ring_refuses_then_recovers,
		  nicsim_fixture_setup, teardown, 2, 0, "TODO 6+7: -EBUSY when full, works after reclaim", "root" },
		{ "multi_buffer_frame_dropped_and_counted", multi_buffer_frame_dropped_and_counted,
		  nicsim_fixture_setup, teardown, 2, 0, "TODO 4: a frame without EOP dropped whole, counted", "root" },
	};
	return kit_test_main(argc, argv, "lab04-descriptor-rings", tests, sizeof(tests) / sizeof(tests[0]));
}
