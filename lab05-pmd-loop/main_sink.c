/*
 * sink — receive with the lab05 driver and account for every frame: received,
 * lost, reordered, duplicated, latency histogram; drops in the driver, the NIC
 * (statistics registers) and, when simulated, the model.
 *
 *   sink --sim generator --count 1000000 --burst 32        the model generates
 *   sink --sim generator --duration 3 --drop               RX-and-drop speed
 *   sink --dev /tmp/p1 --irq --duration 5                  interrupt mode (pair daemon)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "e1k_mmio.h"
#include "e1k_wait.h"
#include "kit_time.h"
#include "pktsink.h"
#include "poll_stats.h"

#define TOOL "sink"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " (--sim generator | --dev WHERE) [options]\n"
		"  --sim generator  a simulated NIC in this process whose wire generates kit frames\n"
		"  --dev WHERE      a PCI address or a device directory (nicsim daemon, QEMU, real NIC)\n"
		"  --vfio           open --dev through VFIO (lab07) instead of UIO + pagemap\n"
		"  --burst B        frames per e1k_rx_burst, 1..256 (default 32)\n"
		"  --count N        stop after N frames (with --sim: the model sends exactly N)\n"
		"  --expect N       frames the sender sent (loss accounting with --dev)\n"
		"  --duration S     stop after S seconds\n"
		"  --idle-ms MS     stop when nothing arrived for MS ms after the first frame (default 1000)\n"
		"  --rate PPS       with --sim generator: paced wire rate (frames without a buffer are dropped)\n"
		"  --size BYTES     with --sim generator: frame length 60..1514 (default 60)\n"
		"  --drop           only count and free (no parsing): the RX-and-drop benchmark\n"
		"  --irq            interrupt mode: sleep in read(irq) instead of busy-polling\n"
		"  --ring N         descriptors per ring (default 512)   --cpu N  driver CPU (default 0)\n"
		"  --hist           print the latency histogram\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "sim", required_argument, NULL, 'S' }, { "dev", required_argument, NULL, 'D' },
		{ "vfio", no_argument, NULL, 'V' },
		{ "burst", required_argument, NULL, 'b' }, { "count", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, 'e' }, { "duration", required_argument, NULL, 't' },
		{ "idle-ms", required_argument, NULL, 'i' }, { "rate", required_argument, NULL, 'r' },
		{ "size", required_argument, NULL, 's' }, { "drop", no_argument, NULL, 'd' },
		{ "irq", no_argument, NULL, 'q' }, { "ring", required_argument, NULL, 'R' },
		{ "cpu", required_argument, NULL, 'p' }, { "hist", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct app_opts o;
	app_opts_default(&o, TOOL);
	uint64_t expect = 0, idle_ms = 1000;
	int drop = 0, irq = 0, hist = 0, opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = app_opt(&o, opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case 'e': rc = kit_parse_u64(TOOL, "--expect", optarg, 1, UINT64_MAX, &expect); break;
		case 'i': rc = kit_parse_u64(TOOL, "--idle-ms", optarg, 1, 3600000, &idle_ms); break;
		case 'd': drop = 1; break;
		case 'q': irq = 1; break;
		case 'H': hist = 1; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (optind != argc || (!o.dev && !o.sim)) {
		usage();
		return 2;
	}
	if (!expect)
		expect = o.count;
	struct e1k_port port;
	if (app_open_port(&o, &port, "generator", NICSIM_WIRE_GENERATOR, NULL) != 0)
		return 1;
	if (irq) {
		char err[256];
		if (e1k_rx_irq_setup(&port.dev, err, sizeof(err)) != 0) {
			fprintf(stderr, TOOL ": --irq: %s\n", err);
			app_close_port(&port);
			return 1;
		}
	}
	kit_catch_signals();
	static struct pktsink sink;
	pktsink_init(&sink);
	struct e1k_buf *bufs[E1K_BURST_MAX];
	unsigned burst = (unsigned)o.burst;
	uint64_t received = 0, last_ns = 0, first_tsc = 0, last_tsc = 0;
	struct poll_stats polls = { 0 };
	uint64_t start = kit_now_ns();
	uint64_t stop_at = o.duration_s ? start + o.duration_s * 1000000000ull : UINT64_MAX;
	double cpu0 = kit_thread_cpu_seconds();   /* this loop only, not an in-process NIC */
	unsigned spins = 0;
	uint64_t now = start;
	while (!kit_stop) {
		if (o.count && received + e1k_port_rx_drops(&port) >= o.count)
			break;
		if (++spins % 64 == 0 || irq) {   /* the clock costs ~20 ns: not every poll */
			now = kit_now_ns();
			if (now >= stop_at)
				break;
			if (received ? now - last_ns > idle_ms * 1000000ull
				     : now - start > (idle_ms + 5000) * 1000000ull)
				break;
		}
		if (irq && e1k_rx_wait(&port.dev, &port.rx, 100) <= 0)
			continue;
		uint64_t t0 = kit_rdtsc();
		unsigned n = e1k_port_rx(&port, bufs, burst);
		if (n == 0) {
			if (received)   /* waiting for the first frame is not an empty poll */
				poll_stats_add(&polls, t0, t0, 0);
			continue;
		}
		if (!drop) {
			now = kit_now_ns();
			for (unsigned i = 0; i < n; i++)
				pktsink_add(&sink, bufs[i]->data, bufs[i]->len, now);
		}
		e1k_buf_free_bulk(bufs, n);
		last_tsc = kit_rdtsc();
		poll_stats_add(&polls, t0, last_tsc, n);
		if (!received)
			first_tsc = t0;
		received += n;
		last_ns = now;   /* refreshed every 64 polls: enough for --idle-ms */
	}
	double cpu_used = kit_thread_cpu_seconds() - cpu0;
	double wall = (double)(kit_now_ns() - start) / 1e9;

	/* Stop the receiver, take what is still in the ring, then add up. */
	e1k_write32(port.dev.bar0, E1K_RCTL, 0);
	if (app_sim(&port))
		nicsim_sync(app_sim(&port), 2000);
	unsigned n;
	while ((n = e1k_port_rx(&port, bufs, E1K_BURST_MAX)) > 0) {
		if (!drop)
			for (unsigned i = 0; i < n; i++)
				pktsink_add(&sink, bufs[i]->data, bufs[i]->len, kit_now_ns());
		e1k_buf_free_bulk(bufs, n);
		received += n;
	}
	e1k_port_read_stats(&port);
	uint64_t driver_drops = e1k_port_rx_drops(&port);
	uint64_t model_drops = 0;
	int accounted = -1;
	if (app_sim(&port)) {
		nicsim_sync(app_sim(&port), 2000);
		struct nicsim_counters c;
		nicsim_get_counters(app_sim(&port), &c);
		model_drops = c.rx_offered - c.rx_delivered - c.rx_pending;
		accounted = c.gen_frames == c.rx_offered && c.rx_pending == 0 &&
			    c.rx_delivered == received + driver_drops;
		printf(TOOL ": accounting: generated %llu = received %llu + driver drops %llu + NIC drops %llu: %s\n",
		       (unsigned long long)c.gen_frames, (unsigned long long)received,
		       (unsigned long long)driver_drops, (unsigned long long)model_drops,
		       accounted ? "yes" : "NO");
	} else if (expect) {
		model_drops = port.nic.mpc;
		accounted = received + driver_drops + model_drops == expect;
		printf(TOOL ": accounting: expected %llu = received %llu + driver drops %llu + NIC missed (MPC) %llu: %s\n",
		       (unsigned long long)expect, (unsigned long long)received,
		       (unsigned long long)driver_drops, (unsigned long long)model_drops,
		       accounted ? "yes" : "NO");
	}
	if (!drop)
		kit_seq_finish(&sink.seq, app_sim(&port) ? received + driver_drops + model_drops : expect);

	/* From the first burst to the end of the last one, on the TSC. */
	double seconds = last_tsc > first_tsc ? (double)(last_tsc - first_tsc) / kit_tsc_hz() : 0;
	double pps = seconds > 0 ? (double)received / seconds : 0;
	double cpu_share = wall > 0 ? cpu_used / wall : 0;
	const char *method = irq ? "rx_irq" : drop ? "rx_drop" : "rx_check";
	app_print_port(&port, TOOL, "port 0", stdout);
	printf(TOOL ": received %llu frames in %.3f s: %.0f packets/s (%s, burst %u), CPU busy %.0f %%\n",
	       (unsigned long long)received, seconds, pps, method, burst, 100 * cpu_share);
	poll_stats_print(&polls, TOOL, stdout);
	if (!drop) {
		printf(TOOL ": distinct %llu, lost %llu, reordered %llu, duplicated %llu, not kit frames %llu\n",
		       (unsigned long long)sink.seq.distinct, (unsigned long long)sink.seq.lost,
		       (unsigned long long)sink.seq.reordered, (unsigned long long)sink.seq.duplicated,
		       (unsigned long long)sink.not_kit);
		if (sink.lat_count)
			printf(TOOL ": latency (%llu timestamped): mean %.1f us, p50 < %.1f us, "
			       "p99 < %.1f us, max %.1f us\n", (unsigned long long)sink.lat_count,
			       (double)sink.lat_sum_ns / (double)sink.lat_count / 1000.0,
			       (double)pktsink_percentile(&sink, 0.5) / 1000.0,
			       (double)pktsink_percentile(&sink, 0.99) / 1000.0,
			       (double)sink.lat_max_ns / 1000.0);
		if (hist)
			pktsink_print_hist(&sink, TOOL, stdout);
	}
	printf("RESULT tool=" TOOL " method=%s batch=%u packets=%llu seconds=%.6f pps=%.0f "
	       "drops=%llu accounted=%d ", method, burst, (unsigned long long)received,
	       seconds, pps, (unsigned long long)(driver_drops + model_drops), accounted);
	poll_stats_result(&polls, stdout);
	printf(" lost=%llu reordered=%llu cpu=%.2f lat_mean_ns=%.0f lat_p99_ns=%llu\n",
	       (unsigned long long)sink.seq.lost, (unsigned long long)sink.seq.reordered, cpu_share,
	       sink.lat_count ? (double)sink.lat_sum_ns / (double)sink.lat_count : 0.0,
	       (unsigned long long)pktsink_percentile(&sink, 0.99));
	unsigned leaked = app_close_port(&port);
	return accounted == 0 || leaked ? 1 : 0;
}
