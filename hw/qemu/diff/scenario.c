/*
 * scenario.c — the differential check: one fixed driver scenario, run with the lab04
 * reference driver (and lab02/lab03 under it) on two device models, each printing
 * the same canonical transcript ("key: value" lines) of what a driver can observe.
 *
 *   e1k-scenario --run sim     on the host (root): a simulated 82540EM (hw/sim) with
 *                              the test wire, started in this process
 *   e1k-scenario --run qemu    in the kit's QEMU guest: $KIT_NIC0 on uio_pci_generic,
 *                              frames to and from the host's wire-server (vm_wire.h)
 *
 * The transcript goes to the file $E1K_SCENARIO_OUT. hw/qemu/diff-check runs both and
 * compares them key by key against hw/qemu/diff-known (QEMU's documented departures
 * from the SDM). Both models get the same MAC, 52:54:00:b1:a5:00.
 *
 * The scenario:
 *   1. open, what the device shows before init (STATUS.LU, RAL0), e1k_init;
 *   2. frames in, one at a time: 60, 61, 1000, 1514 bytes to our MAC, a broadcast,
 *      one to another MAC (filter), a 42-byte runt, a 1600-byte giant (no LPE);
 *   3. frames out: 60, 1000, 1514 bytes; DD written back;
 *   4. a burst of 50 x 1514 bytes into an 8-descriptor ring while the driver does not
 *      look, then everything it can get;
 *   5. the statistics registers and ICR after all that.
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
#include "vm_guest.h"
#include "vm_wire.h"

#define BURST 50
static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0xb1, 0xa5, 0x00 };

/* The wire, whichever model is on the other end. */
static struct nicsim_fixture *sim;      /* NULL on QEMU */
static FILE *out;
static struct e1k_dev dev;
static struct e1k_mempool *pool;
static struct e1k_rx_ring rx;
static struct e1k_tx_ring tx;

static void say(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const char *key, const char *fmt, ...)
{
	va_list ap;
	fprintf(out, "%s: ", key);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

/* Put frames on the device's wire (QEMU: the host's wire sends a pcap). With wait,
 * returns once all were offered; else wire_inject_done() says how many were. */
static struct vm_wire in_wire;
static int in_pending;
static unsigned in_offered;

static unsigned wire_inject_done(void)
{
	char report[512];
	if (in_pending) {
		vm_wire_finish(&in_wire, 60, report, sizeof(report));
		in_pending = 0;
		in_offered = (unsigned)vm_wire_value(report, "sent");
	}
	return in_offered;
}

static void wire_inject(const uint8_t *const frames[], const size_t lens[], unsigned n, int wait)
{
	if (sim) {
		in_offered = 0;
		for (unsigned i = 0; i < n; i++)
			in_offered += nicsim_inject(sim->dev, frames[i], lens[i]) == 0;
		nicsim_sync(sim->dev, 2000);
		return;
	}
	wire_inject_done();   /* the previous injection must be over before the next starts */
	const char *opts[] = { "--pcap-in", "scenario-in.pcap", "--idle", "0.5", "--time", "60", NULL };
	vm_wire_prepare(&in_wire, "scenario-in");
	vm_pcap_save(&in_wire, "scenario-in.pcap", frames, lens, n);
	vm_wire_start(&in_wire, 0, opts, 15);
	in_pending = 1;
	if (wait)
		wire_inject_done();
}

/* Receive until nothing came for a while; returns how many frames, last one in buf. */
static unsigned drain(uint8_t *buf, size_t *len, double quiet_s)
{
	unsigned n = 0;
	double quiet_since = vm_now_s();
	while (vm_now_s() - quiet_since < quiet_s) {
		struct e1k_buf *b = NULL;
		if (e1k_rx_one(&dev, &rx, &b) == 1) {
			if (buf) {
				memcpy(buf, b->data, b->len);
				*len = b->len;
			}
			e1k_buf_free(b);
			n++;
			quiet_since = vm_now_s();
		} else if (sim) {
			nicsim_sync(sim->dev, 100);
		} else {
			vm_sleep_ms(1);
		}
	}
	return n;
}

static size_t make_frame(uint8_t *buf, size_t len, uint64_t seq, const uint8_t dst[6])
{
	struct kit_flow flow;
	kit_flow_default(&flow);
	memcpy(flow.dst_mac, dst, 6);
	size_t built = kit_frame_build(buf, KIT_FRAME_MAX, &flow, len < 60 ? 60 : len, seq, seq);
	return len < 60 ? len : built;   /* a runt: the first len bytes of a 60-byte frame */
}

static void one_frame_in(const char *key, size_t len, const uint8_t dst[6], uint64_t seq)
{
	static uint8_t frame[2048], got[2048];
	size_t flen = len > KIT_FRAME_MAX ? len : make_frame(frame, len, seq, dst);
	if (len > KIT_FRAME_MAX) {   /* a giant: a kit frame with a long tail */
		make_frame(frame, KIT_FRAME_MAX, seq, dst);
		memset(frame + KIT_FRAME_MAX, 0xee, len - KIT_FRAME_MAX);
	}
	const uint8_t *frames[1] = { frame };
	wire_inject(frames, &flen, 1, 1);
	size_t got_len = 0;
	unsigned n = drain(got, &got_len, sim ? 0.3 : 1.0);
	if (n == 0) {
		say(key, "not received");
	} else {
		size_t common = got_len < flen ? got_len : flen;
		int same = memcmp(got, frame, common) == 0;
		int zero_pad = 1;
		for (size_t i = flen; i < got_len; i++)
			zero_pad &= got[i] == 0;
		say(key, "received %u frame(s), %zu bytes%s%s", n, got_len,
		    same && got_len == flen ? ", byte for byte" : same ? ", same start" : ", different",
		    got_len > flen ? (zero_pad ? " (zero padded)" : " (padded)") : "");
	}
}

static void one_frame_out(const char *key, size_t len)
{
	struct e1k_buf *b = e1k_buf_alloc(pool);
	struct kit_flow flow;
	kit_flow_default(&flow);
	memcpy(flow.src_mac, our_mac, 6);
	b->len = (uint16_t)kit_frame_build(b->data, KIT_FRAME_MAX, &flow, len, len, 0);
	static uint8_t copy[2048], got[4][2048];
	memcpy(copy, b->data, b->len);
	size_t sent = b->len;
	struct vm_wire w;
	if (!sim) {
		const char *opts[] = { "--pcap-out", "scenario-out.pcap", "--expect", "1", "--time", "20",
				       NULL };
		vm_wire_prepare(&w, "scenario-out");
		vm_wire_start(&w, 0, opts, 15);
	}
	int rc = e1k_tx_one(&dev, &tx, b);
	if (rc != 0) {
		say(key, "e1k_tx_one returned %d", rc);
		e1k_buf_free(b);
		if (!sim)
			vm_wire_stop(&w);
		return;
	}
	size_t lens[4] = { 0 };
	unsigned n = 0;
	if (sim) {
		nicsim_sync(sim->dev, 1000);
		int got_len;
		while (n < 4 && (got_len = nicsim_capture(sim->dev, got[n], sizeof(got[n]))) > 0)
			lens[n++] = (size_t)got_len;
	} else {
		char report[512];
		vm_wire_finish(&w, 30, report, sizeof(report));
		uint8_t *bufs[4] = { got[0], got[1], got[2], got[3] };
		n = vm_pcap_load(vm_wire_file(&w, "scenario-out.pcap"), bufs, 2048, lens, 4);
	}
	int dd = 0;
	for (int tries = 0; tries < 1000 && !dd; tries++) {
		dd = (tx.desc[(tx.tail + tx.size - 1) % tx.size].status & E1K_TXD_STAT_DD) != 0;
		if (!dd)
			vm_sleep_ms(1);
	}
	unsigned freed = e1k_tx_reclaim(&tx);
	say(key, "%u frame(s) on the wire, %zu bytes%s; DD %s; reclaimed %u", n, lens[0],
	    n && lens[0] == sent && memcmp(got[0], copy, sent) == 0 ? ", byte for byte" : "",
	    dd ? "set" : "clear", freed);
}

static void burst(void)
{
	static uint8_t frames[BURST][KIT_FRAME_MAX];
	const uint8_t *ptrs[BURST];
	size_t lens[BURST];
	for (unsigned i = 0; i < BURST; i++) {
		lens[i] = make_frame(frames[i], KIT_FRAME_MAX, 100 + i, our_mac);
		ptrs[i] = frames[i];
	}
	/* The driver does not look while the burst arrives (QEMU: give it 2 s). */
	wire_inject(ptrs, lens, BURST, 0);
	if (!sim)
		vm_sleep_ms(2000);
	unsigned got = drain(NULL, NULL, sim ? 0.5 : 3.0);
	unsigned offered = wire_inject_done();
	say("burst.offered", "%u of %u", offered, BURST);
	say("burst.received", "%u", got);
	say("burst.ring_drops", "multi %llu errors %llu no_buf %llu",
	    (unsigned long long)rx.dropped_spanning, (unsigned long long)rx.dropped_errors,
	    (unsigned long long)rx.dropped_no_buf);
	uint32_t mpc = e1k_read_stat(&dev, E1K_MPC);
	say("burst.MPC", "%u", mpc);
	say("burst.RNBC", "%u", e1k_read_stat(&dev, E1K_RNBC));
	/* The invariant both models must keep: offered = received + counted drops. */
	say("burst.accounted", "%s", offered == got + mpc + rx.dropped_no_buf ? "yes" : "NO");
}

static void statistics(void)
{
	const struct { const char *name; uint32_t reg; } stats[] = {
		{ "GPRC", E1K_GPRC }, { "BPRC", E1K_BPRC }, { "MPRC", E1K_MPRC }, { "TPR", E1K_TPR },
		{ "GPTC", E1K_GPTC }, { "TPT", E1K_TPT }, { "BPTC", E1K_BPTC }, { "ROC", E1K_ROC },
		{ "RUC", E1K_RUC }, { "CRCERRS", E1K_CRCERRS }, { "PRC64", E1K_PRC64 },
		{ "PRC127", E1K_PRC127 }, { "PRC1023", E1K_PRC1023 }, { "PRC1522", E1K_PRC1522 },
		{ "PTC64", E1K_PTC64 }, { "PTC127", E1K_PTC127 }, { "PTC1023", E1K_PTC1023 },
		{ "PTC1522", E1K_PTC1522 },
	};
	char key[32];
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++) {
		snprintf(key, sizeof(key), "stats.%s", stats[i].name);
		say(key, "%u", e1k_read_stat(&dev, stats[i].reg));
	}
	/* 64-bit octet counters: low half, then high half (SDM 13.7). */
	uint32_t gorc = e1k_read_stat(&dev, E1K_GORCL);
	(void)e1k_read_stat(&dev, E1K_GORCH);
	uint32_t gotc = e1k_read_stat(&dev, E1K_GOTCL);
	(void)e1k_read_stat(&dev, E1K_GOTCH);
	say("stats.GORC", "%u", gorc);
	say("stats.GOTC", "%u", gotc);
	uint32_t icr = e1k_read32(dev.bar0, E1K_ICR);
	e1k_write32(dev.bar0, E1K_ICR, icr);
	say("icr.after_traffic", "TXDW %u TXQE %u LSC %u RXDMT0 %u RXO %u RXT0 %u",
	    !!(icr & E1K_ICR_TXDW), !!(icr & E1K_ICR_TXQE), !!(icr & E1K_ICR_LSC),
	    !!(icr & E1K_ICR_RXDMT0), !!(icr & E1K_ICR_RXO), !!(icr & E1K_ICR_RXT0));
}

static void scenario(const char *where)
{
	const char *path = getenv("E1K_SCENARIO_OUT");
	out = path ? fopen(path, "w") : stdout;
	if (!out)
		kit_fail("cannot write %s", path);
	char err[512] = "", mac_text[18];

	if (e1k_open(&dev, where, err, sizeof(err)) != 0)
		kit_fail("e1k_open(%s): %s", where, err);
	say("pci.identity", "%04x:%04x %s", dev.pci.vendor, dev.pci.device, dev.pci.model);
	uint32_t status = e1k_read32(dev.bar0, E1K_STATUS);
	say("open.status", "LU %u FD %u speed %u", !!(status & E1K_STATUS_LU), !!(status & E1K_STATUS_FD),
	    (status & E1K_STATUS_SPEED_MASK) >> 6);
	uint8_t ral[6];
	int has_ral = e1k_read_ral0(&dev, ral) == 0;
	say("open.ral0", "%s", has_ral ? vm_mac_text(ral, mac_text) : "not valid (RAH0.AV clear)");
	if (e1k_init(&dev, 2000, err, sizeof(err)) != 0)
		kit_fail("e1k_init: %s", err);
	say("init.mac", "%s", vm_mac_text(dev.mac, mac_text));
	say("init.ctrl_rst", "%u", !!(e1k_read32(dev.bar0, E1K_CTRL) & E1K_CTRL_RST));
	status = e1k_read32(dev.bar0, E1K_STATUS);
	say("init.status", "LU %u FD %u speed %u", !!(status & E1K_STATUS_LU), !!(status & E1K_STATUS_FD),
	    (status & E1K_STATUS_SPEED_MASK) >> 6);

	pool = e1k_mempool_create(256, 2048, err, sizeof(err));
	if (!pool)
		kit_fail("mempool: %s", err);
	if (e1k_rx_ring_init(&dev, &rx, 8, pool, err, sizeof(err)) != 0 ||
	    e1k_tx_ring_init(&dev, &tx, 8, err, sizeof(err)) != 0)
		kit_fail("rings: %s", err);
	say("rings.rdt_tdt", "%u %u", e1k_read32(dev.bar0, E1K_RDT), e1k_read32(dev.bar0, E1K_TDT));

	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t other[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
	one_frame_in("rx.60", 60, our_mac, 1);
	one_frame_in("rx.61", 61, our_mac, 2);
	one_frame_in("rx.1000", 1000, our_mac, 3);
	one_frame_in("rx.1514", 1514, our_mac, 4);
	one_frame_in("rx.broadcast", 60, bcast, 5);
	one_frame_in("rx.other_mac", 60, other, 6);
	one_frame_in("rx.runt_42", 42, our_mac, 7);
	one_frame_in("rx.giant_1600", 1600, our_mac, 8);
	say("rx.ring_counters", "packets %llu bytes %llu", (unsigned long long)rx.packets,
	    (unsigned long long)rx.bytes);

	one_frame_out("tx.60", 60);
	one_frame_out("tx.1000", 1000);
	one_frame_out("tx.1514", 1514);
	statistics();
	burst();
	say("end.in_flight", "tx %u pool in use %u", e1k_tx_in_flight(&tx), e1k_mempool_in_use(pool));

	e1k_rx_ring_free(&dev, &rx);
	e1k_tx_ring_free(&dev, &tx);
	e1k_mempool_destroy(pool);
	e1k_close(&dev);
	if (out != stdout)
		fclose(out);
}

static int sim_setup(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	/* The same part as QEMU's NIC (hw/qemu/run --nic-model / NIC_MODEL). */
	const char *model = getenv("NIC_MODEL");
	if (model && strcmp(model, "e1000-82545em") == 0)
		cfg.device_id = 0x100F;
	memcpy(cfg.mac, our_mac, 6);
	cfg.quiet = 1;
	int rc = nicsim_fixture_setup_config(state, &cfg);
	sim = *state;
	return rc;
}

static void on_sim(void **state)
{
	struct nicsim_fixture *f = *state;
	scenario(f->dir);
}

static void on_qemu(void **state)
{
	(void)state;
	vm_need_guest();
	vm_need_driver(0, "uio_pci_generic");
	uint8_t mac[6];
	vm_nic_mac(0, mac);
	if (memcmp(mac, our_mac, 6) != 0)
		kit_fail("the scenario expects NIC 0's MAC to be 52:54:00:b1:a5:00 (hw/qemu/run's default)");
	scenario(vm_nic(0));
}

static int qemu_teardown(void **state)
{
	(void)state;
	if (getenv("KIT_NIC0"))
		vm_quiesce(0);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "sim", on_sim, sim_setup, nicsim_fixture_teardown, 1, 120,
		  "the scenario on the simulated 82540EM (hw/sim)", NULL },
		{ "qemu", on_qemu, NULL, qemu_teardown, 1, 240,
		  "the scenario on QEMU's e1000 (in the guest)", NULL },
	};
	return kit_test_main(argc, argv, "e1k-scenario", tests, sizeof(tests) / sizeof(tests[0]));
}
