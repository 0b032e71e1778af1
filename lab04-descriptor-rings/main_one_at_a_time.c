/*
 * one_at_a_time — receive frames one e1k_rx_one() call and one RDT write at a
 * time: the lab04 driver's speed before lab05 adds bursts.
 *
 *   one_at_a_time --sim --count 2000000          a simulated NIC in this process,
 *                                                 its generator on the other CPU
 *   one_at_a_time --dev /tmp/nic0 --count N       a device directory or PCI address
 *
 * Every frame is accounted for: offered by the wire = received + counted drops
 * (the simulated NIC's counters, and the driver's own). Prints one RESULT line.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "e1k_dev.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "kit_time.h"
#include "mempool.h"
#include "nicsim.h"
#include "poll_stats.h"

#define TOOL "one_at_a_time"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " (--sim | --dev WHERE) [options]\n"
		"  --sim            start a simulated 82540EM in this process (generator backend)\n"
		"  --dev WHERE      use a device: a PCI address or a device directory\n"
		"  --count N        frames to receive (default 1000000)\n"
		"  --ring N         RX descriptors (default 512, as lab05's programs)\n"
		"  --cpu N          pin the driver to CPU N (default 0); the simulated NIC gets the other\n");
}

struct oaat_opts {
	const char *dev;             /* --dev, or NULL with --sim */
	int sim;
	uint64_t count, ring, cpu;
};

/* 0: run; 1: exit 0 (--help); 2: bad usage (message printed). */
static int parse(int argc, char **argv, struct oaat_opts *o)
{
	static const struct option options[] = {
		{ "sim", no_argument, NULL, 's' }, { "dev", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' }, { "ring", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct oaat_opts){ .count = 1000000, .ring = 512 };
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 's': o->sim = 1; break;
		case 'd': o->dev = optarg; break;
		case 'c': rc = kit_parse_u64(TOOL, "--count", optarg, 1, UINT64_MAX, &o->count); break;
		case 'r': rc = kit_parse_u64(TOOL, "--ring", optarg, 8, 4096, &o->ring); break;
		case 'p': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &o->cpu); break;
		case 'h': usage(); return 1;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (o->sim == (o->dev != NULL) || optind != argc) {
		usage();
		return 2;
	}
	return 0;
}

/* A simulated 82540EM whose wire generates frames, its thread on the other CPU. */
static struct nicsim *start_sim(const struct oaat_opts *o, char *dir, size_t dir_len)
{
	char err[512];
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_GENERATOR;   /* rate 0: as fast as buffers are handed out */
	cfg.cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? (int)(o->cpu == 0 ? 1 : 0) : -1;
	cfg.quiet = 1;
	snprintf(dir, dir_len, "/tmp/bypasslab-oaat-%d", (int)getpid());
	struct nicsim *sim = nicsim_start(dir, &cfg, err, sizeof(err));
	if (!sim)
		fprintf(stderr, TOOL ": the simulated NIC did not start: %s\n", err);
	return sim;
}

/* Receive count frames one e1k_rx_one at a time (each call a poll: busy when it
 * returned a frame, poll_stats.h); give up after 5 s without one. */
static uint64_t receive(struct e1k_dev *dev, struct e1k_rx_ring *rx, uint64_t count,
			struct poll_stats *polls)
{
	uint64_t received = 0, spins = 0, last_frame_ns = kit_now_ns();
	while (received < count) {
		struct e1k_buf *b;
		uint64_t c0 = kit_rdtsc();
		if (e1k_rx_one(dev, rx, &b) == 1) {
			e1k_buf_free(b);
			poll_stats_add(polls, c0, kit_rdtsc(), 1);
			if (++received % 4096 == 0)
				last_frame_ns = kit_now_ns();
			continue;
		}
		if (received)   /* waiting for the first frame is not an empty poll */
			poll_stats_add(polls, c0, c0, 0);
		if (++spins % 4096 == 0 && kit_now_ns() - last_frame_ns > 5000000000ull) {
			fprintf(stderr, TOOL ": no frame for 5 s after %llu of %llu: is the device sending, "
				"does e1k_rx_one work?\n", (unsigned long long)received, (unsigned long long)count);
			break;
		}
	}
	return received;
}

/* Every frame the wire offered: received, dropped (driver, NIC) or still in the
 * ring. 1 accounted, 0 not, -1 no model to ask; *drops: driver + NIC drops. */
static int account(struct nicsim *sim, const struct e1k_rx_ring *rx, uint64_t received,
		   uint64_t *drops)
{
	uint64_t driver_drops = rx->dropped_spanning + rx->dropped_errors + rx->dropped_no_buf;
	*drops = driver_drops;
	if (!sim)
		return -1;
	struct nicsim_counters c;
	nicsim_sync(sim, 1000);
	nicsim_get_counters(sim, &c);
	uint64_t nic_drops = c.rx_drop_disabled + c.rx_drop_link_down + c.rx_drop_no_dma +
			     c.rx_drop_filtered + c.rx_drop_oversize + c.rx_drop_bad_crc +
			     c.rx_drop_no_buffer + c.rx_drop_dma_refused + c.rx_drop_fault;
	/* Frames delivered into the ring but not taken before it was freed count too. */
	uint64_t left_in_ring = c.rx_delivered - received - driver_drops;
	*drops += nic_drops;
	printf(TOOL ": wire offered %llu = received %llu + driver drops %llu + NIC drops %llu + "
	       "pending %llu + left in the ring %llu\n", (unsigned long long)c.rx_offered,
	       (unsigned long long)received, (unsigned long long)driver_drops,
	       (unsigned long long)nic_drops, (unsigned long long)c.rx_pending,
	       (unsigned long long)left_in_ring);
	return c.rx_offered == received + driver_drops + nic_drops + c.rx_pending + left_in_ring;
}

int main(int argc, char **argv)
{
	struct oaat_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	struct nicsim *sim = NULL;
	char dir[64], err[512];
	if (o.sim && !(sim = start_sim(&o, dir, sizeof(dir))))
		return 1;
	kit_pin_cpu(TOOL, (int)o.cpu);
	struct e1k_dev dev;
	struct e1k_mempool *pool = NULL;
	struct e1k_rx_ring rx;
	int status = 1;
	if (e1k_open(&dev, sim ? dir : o.dev, err, sizeof(err)) != 0 ||
	    e1k_init(&dev, 2000, err, sizeof(err)) != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		goto out_sim;
	}
	/* The same ring and pool sizes as lab05's programs (e1k_port: rx + tx + 2048
	 * buffers), so the two labs are compared with the same memory footprint. */
	pool = e1k_mempool_create((unsigned)o.ring * 2 + 2048, 2048, err, sizeof(err));
	if (!pool || e1k_rx_ring_init(&dev, &rx, (unsigned)o.ring, pool, err, sizeof(err)) != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		goto out_dev;
	}
	struct poll_stats polls = { 0 };
	uint64_t t0 = kit_now_ns(), drops;
	uint64_t received = receive(&dev, &rx, o.count, &polls);
	double seconds = (double)(kit_now_ns() - t0) / 1e9;
	double pps = seconds > 0 ? (double)received / seconds : 0;
	e1k_rx_ring_free(&dev, &rx);   /* the receiver stops, then every frame is accounted for */
	int accounted = account(sim, &rx, received, &drops);
	printf(TOOL ": %llu frames in %.3f s: %.3f Mpps (one RDT write each)\n",
	       (unsigned long long)received, seconds, pps / 1e6);
	poll_stats_print(&polls, TOOL, stdout);
	printf("RESULT tool=" TOOL " method=one_at_a_time batch=1 packets=%llu seconds=%.6f pps=%.0f "
	       "drops=%llu accounted=%d ", (unsigned long long)received, seconds, pps,
	       (unsigned long long)drops, accounted);
	poll_stats_result(&polls, stdout);
	printf("\n");
	status = received == o.count && accounted != 0 ? 0 : 1;
out_dev:
	if (pool)
		e1k_mempool_destroy(pool);
	e1k_close(&dev);
out_sim:
	nicsim_stop(sim);
	return status;
}
