/* bench.c — how fast is the simulated NIC? (`make -C hw/sim bench`)
 *
 * A minimal poll-mode driver lives in this file (rings and buffers in DMA memory
 * per the kit's convention, via tests/dma_alloc.c) and runs on CPU 0; the device
 * thread runs on CPU 1.
 *   generator: the device fills 64-byte frames (60 + FCS) into every buffer the
 *              driver hands back; the driver only checks DD and returns buffers.
 *   sink:      the driver transmits pre-built 64-byte frames (sequence number
 *              patched per frame); the device consumes them and checks sequence.
 * Every frame is accounted for at the end (generated = delivered + pending + drops;
 * driver count = device count). Figures are printed, not judged: this is not a test.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "kit_time.h"
#include "nicsim.h"
#include "tdrv.h"

#define RING 256      /* 4 KiB of descriptors: one page, fine without hugepages */
#define BATCH 32

/* The kit's one clock (common/kit_time.h), in seconds. */
static double seconds(void)
{
	return (double)kit_now_ns() / 1e9;
}

/* Patch the kit frame's sequence number (8 bytes big-endian after the payload's
 * 2-byte magic, common/frame.h) with one store, as a PMD rewrites one header
 * field per packet; kit_frame_set_seq() writes byte by byte. */
static void patch_seq(uint8_t *frame, uint64_t seq)
{
	uint64_t be = __builtin_bswap64(seq);

	memcpy(frame + KIT_HDRS_LEN + 2, &be, 8);
}

/* A device directory of our own: other benchmarks may run at the same time. */
static const char *bench_dir(char *buf, size_t len, const char *what)
{
	snprintf(buf, len, "/tmp/bypasslab-bench-%s-%ld", what, (long)getpid());
	return buf;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static struct nicsim *start(const char *dir, enum nicsim_backend b, struct tdrv *d)
{
	struct nicsim_config cfg;
	char err[512];
	struct nicsim *dev;

	nicsim_config_default(&cfg);
	cfg.backend = b;
	cfg.cpu = 1;
	cfg.quiet = 1;
	cfg.gen.frame_len = 60;
	dev = nicsim_start(dir, &cfg, err, sizeof(err));
	if (!dev) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	if (tdrv_open(d, dir) != 0) {
		fprintf(stderr, "bench: cannot open the device directory %s\n", dir);
		exit(1);
	}
	tdrv_reset_link(d);
	return dev;
}

static int bench_generator(double duration)
{
	struct tdrv d;
	char dir[64];
	struct nicsim *dev = start(bench_dir(dir, sizeof(dir), "gen"), NICSIM_WIRE_GENERATOR, &d);
	struct nicsim_counters c;
	uint64_t received = 0, bad = 0;
	uint32_t idx = 0;
	double t0, t1;

	if (tdrv_rx_init(&d, RING, 2048, E1K_RCTL_SECRC) != 0)
		return 1;
	t0 = seconds();
	t1 = t0;
	while (t1 - t0 < duration) {
		for (int spin = 0; spin < 4096; spin++) {
			uint32_t n = 0;
			while (n < BATCH && (__atomic_load_n(&d.rx[idx].status, __ATOMIC_ACQUIRE) & E1K_RXD_STAT_DD)) {
				d.rx[idx].status = 0;
				idx = (idx + 1) % RING;
				n++;
			}
			if (n) {
				/* Spot check one frame per batch window: the sequence is a kit frame. */
				if ((received & 0xFFFF) < n) {
					struct kit_frame_info info;
					uint32_t last = (idx + RING - 1) % RING;
					if (kit_frame_parse(d.rxb.va + (size_t)last * 2048, 60, &info) != KIT_FRAME_OK)
						bad++;
				}
				received += n;
				tdrv_wr(&d, E1K_RDT, (idx + RING - 1) % RING);
			}
		}
		t1 = seconds();
	}
	/* Stop the wire, then collect what is still in the ring. */
	tdrv_wr(&d, E1K_RCTL, 0);
	nicsim_sync(dev, 2000);
	while (d.rx[idx].status & E1K_RXD_STAT_DD) {
		d.rx[idx].status = 0;
		idx = (idx + 1) % RING;
		received++;
	}
	nicsim_get_counters(dev, &c);
	printf("generator: %.2f Mpps of 64-byte frames (device CPU 1, driver CPU 0, %.1f s, ring %d)\n",
	       (double)c.rx_delivered / (t1 - t0) / 1e6, t1 - t0, RING);
	printf("  generated %llu = delivered %llu + pending %llu + dropped %llu;  driver received %llu%s\n",
	       (unsigned long long)c.gen_frames, (unsigned long long)c.rx_delivered,
	       (unsigned long long)c.rx_pending,
	       (unsigned long long)(c.rx_drop_disabled + c.rx_drop_no_buffer + c.rx_drop_dma_refused),
	       (unsigned long long)received, bad ? " (BAD FRAMES SEEN)" : "");
	int ok = c.gen_frames == c.rx_delivered + c.rx_pending + c.rx_drop_disabled +
		 c.rx_drop_no_buffer + c.rx_drop_dma_refused && received == c.rx_delivered && !bad;
	printf("  accounting: %s\n", ok ? "every frame accounted for" : "MISMATCH");
	tdrv_close(&d);
	nicsim_stop(dev);
	return ok ? 0 : 1;
}

static int bench_sink(double duration)
{
	struct tdrv d;
	char dir[64];
	struct nicsim *dev = start(bench_dir(dir, sizeof(dir), "sink"), NICSIM_WIRE_SINK, &d);
	struct nicsim_counters c;
	struct kit_flow flow;
	uint64_t sent = 0;
	uint32_t tail = 0, clean = 0, inflight = 0;
	double t0, t1;

	if (tdrv_tx_init(&d, RING) != 0)
		return 1;
	kit_flow_default(&flow);
	/* Pre-build every buffer and descriptor once; per frame only the seq changes. */
	for (uint32_t i = 0; i < RING; i++) {
		uint8_t *b = d.txb.va + (size_t)i * 2048;
		kit_frame_build(b, 2048, &flow, 60, 0, 0);
		d.tx[i].addr = dma_pa(&d.txb, b);
		d.tx[i].length = 60;
		d.tx[i].cmd = E1K_TXD_CMD_EOP | E1K_TXD_CMD_IFCS |
			      ((i % BATCH) == BATCH - 1 ? E1K_TXD_CMD_RS : 0);
	}
	t0 = seconds();
	t1 = t0;
	while (t1 - t0 < duration) {
		for (int spin = 0; spin < 4096; spin++) {
			/* reclaim whole batches: RS is on the last descriptor of each */
			uint32_t rs = (clean + BATCH - 1) % RING;
			if (inflight >= BATCH && (__atomic_load_n(&d.tx[rs].status, __ATOMIC_ACQUIRE) & E1K_TXD_STAT_DD)) {
				d.tx[rs].status = 0;
				clean = (clean + BATCH) % RING;
				inflight -= BATCH;
			}
			if (inflight + BATCH < RING) {
				for (uint32_t k = 0; k < BATCH; k++)
					patch_seq(d.txb.va + (size_t)(tail + k) * 2048, sent + k);
				tail = (tail + BATCH) % RING;
				inflight += BATCH;
				sent += BATCH;
				tdrv_wr(&d, E1K_TDT, tail);
			}
		}
		t1 = seconds();
	}
	nicsim_sync(dev, 2000);
	nicsim_get_counters(dev, &c);
	printf("sink:      %.2f Mpps of 64-byte frames (device CPU 1, driver CPU 0, %.1f s, ring %d)\n",
	       (double)c.sink_frames / (t1 - t0) / 1e6, t1 - t0, RING);
	printf("  driver sent %llu = device transmitted %llu = sink consumed %llu; sequence errors %llu\n",
	       (unsigned long long)sent, (unsigned long long)c.tx_frames,
	       (unsigned long long)c.sink_frames, (unsigned long long)c.sink_seq_errors);
	int ok = sent == c.tx_frames && c.tx_frames == c.sink_frames && c.sink_seq_errors == 0;
	printf("  accounting: %s\n", ok ? "every frame accounted for" : "MISMATCH");
	tdrv_close(&d);
	nicsim_stop(dev);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	double duration = argc > 1 ? atof(argv[1]) : 3.0;
	int rc = 0;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		fprintf(stderr, "bench: fewer than 2 CPUs: figures will be poor\n");
	pin(0);
	printf("DMA memory: %s\n", dma_uses_hugepages() ? "hugetlbfs (2 MiB pages)" : "/dev/shm (4 KiB pages)");
	rc |= bench_generator(duration);
	rc |= bench_sink(duration);
	return rc;
}
