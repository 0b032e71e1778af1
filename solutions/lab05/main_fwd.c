/*
 * fwd — forward frames from one port to another, or reflect them back out of
 * one port, in bursts, and account for each: received = forwarded + dropped.
 *
 *   fwd --sim generator --duration 3 --burst 32             one port reflecting
 *   fwd --sim generator --ports 2 --count 1000000           port 0 (generator) -> port 1 (sink)
 *   fwd --dev 0000:00:03.0 --dev2 0000:00:04.0              two real ports
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "e1k_mmio.h"
#include "fwd.h"
#include "poll_stats.h"
#include "kit_time.h"

#define TOOL "fwd"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " (--sim generator | --dev WHERE [--dev2 WHERE]) [options]\n"
		"  --sim generator  simulated NIC(s) in this process: port 0's wire generates kit frames;\n"
		"                   with --ports 2, port 1's wire consumes and checks them\n"
		"  --ports 1|2      reflect on one port (default), or forward port 0 -> port 1\n"
		"  --dev WHERE      port 0: a PCI address or device directory; --dev2 WHERE: port 1\n"
		"  --vfio           open --dev through VFIO (lab07) instead of UIO + pagemap\n"
		"  --burst B        frames per burst, 1..256 (default 32)\n"
		"  --count N        with --sim: the generator sends N frames, then stop\n"
		"  --duration S     stop after S seconds\n"
		"  --rate PPS       with --sim: paced generator (frames without a buffer are dropped)\n"
		"  --ring N         descriptors per ring (default 512)   --cpu N  driver CPU (default 0)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "sim", required_argument, NULL, 'S' }, { "dev", required_argument, NULL, 'D' },
		{ "vfio", no_argument, NULL, 'V' },
		{ "dev2", required_argument, NULL, '2' }, { "ports", required_argument, NULL, 'P' },
		{ "burst", required_argument, NULL, 'b' }, { "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 't' }, { "rate", required_argument, NULL, 'r' },
		{ "ring", required_argument, NULL, 'R' }, { "cpu", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct app_opts o;
	app_opts_default(&o, TOOL);
	const char *dev2 = NULL;
	uint64_t ports = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = app_opt(&o, opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case '2': dev2 = optarg; ports = 2; break;
		case 'P': rc = kit_parse_u64(TOOL, "--ports", optarg, 1, 2, &ports); break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (optind != argc || (!o.dev && !o.sim) || (dev2 && !o.dev)) {
		usage();
		return 2;
	}
	if (!o.count && !o.duration_s && o.sim)
		o.count = 1000000;
	static struct e1k_port p0, p1;
	if (app_open_port(&o, &p0, "generator", NICSIM_WIRE_GENERATOR, NULL) != 0)
		return 1;
	struct e1k_port *out = &p0;
	if (ports == 2) {
		struct app_opts o1 = o;
		o1.dev = dev2;
		o1.sim = o.sim ? "sink" : NULL;
		o1.rate = o1.count = 0;
		if (app_open_port(&o1, &p1, "sink", NICSIM_WIRE_SINK, NULL) != 0) {
			app_close_port(&p0);
			return 1;
		}
		out = &p1;
	}
	kit_catch_signals();
	struct fwd_stats st = { 0 };
	uint64_t start = kit_now_ns(), first_tsc = 0, last_tsc = 0;
	struct poll_stats polls = { 0 };   /* a poll: one fwd_round */
	uint64_t stop_at = o.duration_s ? start + o.duration_s * 1000000000ull : UINT64_MAX;
	unsigned spins = 0;
	int stalled = 0;
	uint64_t last_progress_ns = start;
	while (!kit_stop) {
		if (o.count && st.rx + e1k_port_rx_drops(&p0) >= o.count)
			break;
		if (++spins % 64 == 0) {
			uint64_t now = kit_now_ns();
			if (now >= stop_at)
				break;
			/* Nothing for 5 s: the wire is quiet or the RX path does not work. */
			if (now - last_progress_ns > 5000000000ull) {
				fprintf(stderr, TOOL ": nothing received for 5 s after %llu frames: is the device "
					"sending, does your RX path work?\n", (unsigned long long)st.rx);
				stalled = 1;
				break;
			}
		}
		uint64_t t0 = kit_rdtsc();
		unsigned n = fwd_round(&p0, out, (unsigned)o.burst, &st);
		if (n == 0) {
			if (first_tsc)   /* waiting for the first frame is not an empty poll */
				poll_stats_add(&polls, t0, t0, 0);
			continue;
		}
		last_tsc = kit_rdtsc();
		poll_stats_add(&polls, t0, last_tsc, n);
		if (spins % 64 == 0)
			last_progress_ns = kit_now_ns();
		if (!first_tsc)
			first_tsc = t0;
	}
	/* Stop receiving, forward what is left in the ring, let the NIC send it all. */
	e1k_write32(p0.dev.bar0, E1K_RCTL, 0);
	if (app_sim(&p0))
		nicsim_sync(app_sim(&p0), 2000);
	while (fwd_round(&p0, out, E1K_BURST_MAX, &st) > 0)
		;
	if (e1k_tx_wait_sent(&out->dev, &out->tx, 2000) != 0)
		fprintf(stderr, TOOL ": the NIC did not send everything within 2 s (TDH != TDT)\n");
	e1k_port_read_stats(&p0);
	if (out != &p0)
		e1k_port_read_stats(out);

	uint64_t driver_drops = e1k_port_rx_drops(&p0);
	uint64_t nic_drops = 0;
	int accounted = st.rx == st.tx + st.dropped;
	if (app_sim(&p0)) {
		struct nicsim_counters c0, c1;
		nicsim_sync(app_sim(&p0), 2000);
		nicsim_get_counters(app_sim(&p0), &c0);
		nicsim_sync(app_sim(out), 2000);
		nicsim_get_counters(app_sim(out), &c1);
		nic_drops = c0.rx_offered - c0.rx_delivered - c0.rx_pending;
		accounted = accounted && c0.gen_frames == c0.rx_offered && c0.rx_pending == 0 &&
			    c0.rx_delivered == st.rx + driver_drops && c1.tx_frames == st.tx;
		if (out != &p0)
			accounted = accounted && c1.sink_frames == st.tx;
		printf(TOOL ": accounting: generated %llu = forwarded %llu + dropped at TX %llu + driver "
		       "drops %llu + NIC drops %llu; transmitted %llu: %s\n",
		       (unsigned long long)c0.gen_frames, (unsigned long long)st.tx,
		       (unsigned long long)st.dropped, (unsigned long long)driver_drops,
		       (unsigned long long)nic_drops, (unsigned long long)c1.tx_frames,
		       accounted ? "yes" : "NO");
	} else {
		nic_drops = p0.nic.mpc;
		accounted = accounted && out->nic.gptc == st.tx;
		printf(TOOL ": accounting: received %llu = forwarded %llu + dropped %llu; GPTC %llu: %s\n",
		       (unsigned long long)st.rx, (unsigned long long)st.tx, (unsigned long long)st.dropped,
		       (unsigned long long)out->nic.gptc, accounted ? "yes" : "NO");
	}
	double seconds = last_tsc > first_tsc ? (double)(last_tsc - first_tsc) / kit_tsc_hz() : 0;
	double pps = seconds > 0 ? (double)st.tx / seconds : 0;
	app_print_port(&p0, TOOL, "port 0", stdout);
	if (out != &p0)
		app_print_port(out, TOOL, "port 1", stdout);
	printf(TOOL ": forwarded %llu frames in %.3f s: %.0f packets/s (%s, burst %llu)\n",
	       (unsigned long long)st.tx, seconds, pps, out == &p0 ? "reflecting" : "port 0 -> port 1",
	       (unsigned long long)o.burst);
	poll_stats_print(&polls, TOOL, stdout);
	printf("RESULT tool=" TOOL " method=fwd batch=%llu ports=%llu packets=%llu seconds=%.6f pps=%.0f "
	       "drops=%llu accounted=%d ", (unsigned long long)o.burst,
	       (unsigned long long)ports, (unsigned long long)st.tx, seconds, pps,
	       (unsigned long long)(st.dropped + driver_drops + nic_drops), accounted);
	poll_stats_result(&polls, stdout);
	printf("\n");
	unsigned leaked = 0;
	if (out != &p0)
		leaked += app_close_port(&p1);
	leaked += app_close_port(&p0);
	return accounted && !leaked && !stalled ? 0 : 1;
}
