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

struct fwd_opts {
	struct app_opts app;
	const char *dev2;            /* --dev2: the second port (else reflect on one) */
	uint64_t ports;
};

/* What one run did. */
struct fwd_result {
	struct fwd_stats st;
	struct poll_stats polls;     /* a poll: one fwd_round */
	uint64_t first_tsc, last_tsc, driver_drops, nic_drops;
	int stalled, accounted;
};

/* 0: run; 1: exit 0 (--help); 2: bad usage (message printed). */
static int parse(int argc, char **argv, struct fwd_opts *o)
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
	app_opts_default(&o->app, TOOL);
	o->dev2 = NULL;
	o->ports = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = app_opt(&o->app, opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case '2': o->dev2 = optarg; o->ports = 2; break;
		case 'P': rc = kit_parse_u64(TOOL, "--ports", optarg, 1, 2, &o->ports); break;
		case 'h': usage(); return 1;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (optind != argc || (!o->app.dev && !o->app.sim) || (o->dev2 && !o->app.dev)) {
		usage();
		return 2;
	}
	if (!o->app.count && !o->app.duration_s && o->app.sim)
		o->app.count = 1000000;
	return 0;
}

/* Port 0 receives; with two ports, port 1 sends (the simulated one's wire is a sink). */
static int open_ports(const struct fwd_opts *o, struct e1k_port *p0, struct e1k_port *p1)
{
	struct app_opts o0 = o->app;
	if (app_open_port(&o0, p0, "generator", NICSIM_WIRE_GENERATOR, NULL) != 0)
		return -1;
	if (o->ports == 1)
		return 0;
	struct app_opts o1 = o->app;
	o1.dev = o->dev2;
	o1.sim = o->app.sim ? "sink" : NULL;
	o1.rate = o1.count = 0;
	if (app_open_port(&o1, p1, "sink", NICSIM_WIRE_SINK, NULL) != 0) {
		app_close_port(p0);
		return -1;
	}
	return 0;
}

/* Forward until --count, --duration, 5 s without a frame, or Ctrl-C. */
static void forward(struct e1k_port *in, struct e1k_port *out, const struct app_opts *o,
		    struct fwd_result *r)
{
	uint64_t start = kit_now_ns(), last_progress_ns = start;
	uint64_t stop_at = o->duration_s ? start + o->duration_s * 1000000000ull : UINT64_MAX;
	unsigned spins = 0;
	while (!kit_stop) {
		if (o->count && r->st.rx + e1k_port_rx_drops(in) >= o->count)
			break;
		if (++spins % 64 == 0) {
			uint64_t now = kit_now_ns();
			if (now >= stop_at)
				break;
			if (now - last_progress_ns > 5000000000ull) {
				fprintf(stderr, TOOL ": nothing received for 5 s after %llu frames: is the device "
					"sending, does your RX path work?\n", (unsigned long long)r->st.rx);
				r->stalled = 1;
				break;
			}
		}
		uint64_t t0 = kit_rdtsc();
		unsigned n = fwd_round(in, out, (unsigned)o->burst, &r->st);
		if (n == 0) {
			if (r->first_tsc)   /* waiting for the first frame is not an empty poll */
				poll_stats_add(&r->polls, t0, t0, 0);
			continue;
		}
		r->last_tsc = kit_rdtsc();
		poll_stats_add(&r->polls, t0, r->last_tsc, n);
		if (spins % 64 == 0)
			last_progress_ns = kit_now_ns();
		if (!r->first_tsc)
			r->first_tsc = t0;
	}
}

/* Stop receiving, forward what is left, let the NIC send it all; then
 * received = forwarded + counted drops, against the model or the NIC's counters. */
static void account(struct e1k_port *in, struct e1k_port *out, struct fwd_result *r)
{
	struct fwd_stats *st = &r->st;
	e1k_write32(in->dev.bar0, E1K_RCTL, 0);   /* SDM 13.4.22: RCTL.EN off */
	if (app_sim(in))
		nicsim_sync(app_sim(in), 2000);
	while (fwd_round(in, out, E1K_BURST_MAX, st) > 0)
		;
	if (e1k_tx_wait_sent(&out->dev, &out->tx, 2000) != 0)
		fprintf(stderr, TOOL ": the NIC did not send everything within 2 s (TDH != TDT)\n");
	e1k_port_read_stats(in);
	if (out != in)
		e1k_port_read_stats(out);
	r->driver_drops = e1k_port_rx_drops(in);
	r->accounted = st->rx == st->tx + st->dropped;
	if (!app_sim(in)) {
		r->nic_drops = in->nic.mpc;
		r->accounted = r->accounted && out->nic.gptc == st->tx;
		printf(TOOL ": accounting: received %llu = forwarded %llu + dropped %llu; GPTC %llu: %s\n",
		       (unsigned long long)st->rx, (unsigned long long)st->tx, (unsigned long long)st->dropped,
		       (unsigned long long)out->nic.gptc, r->accounted ? "yes" : "NO");
		return;
	}
	struct nicsim_counters c0, c1;
	nicsim_sync(app_sim(in), 2000);
	nicsim_get_counters(app_sim(in), &c0);
	nicsim_sync(app_sim(out), 2000);
	nicsim_get_counters(app_sim(out), &c1);
	r->nic_drops = c0.rx_offered - c0.rx_delivered - c0.rx_pending;
	r->accounted = r->accounted && c0.gen_frames == c0.rx_offered && c0.rx_pending == 0 &&
		       c0.rx_delivered == st->rx + r->driver_drops && c1.tx_frames == st->tx &&
		       (out == in || c1.sink_frames == st->tx);
	printf(TOOL ": accounting: generated %llu = forwarded %llu + dropped at TX %llu + driver "
	       "drops %llu + NIC drops %llu; transmitted %llu: %s\n",
	       (unsigned long long)c0.gen_frames, (unsigned long long)st->tx,
	       (unsigned long long)st->dropped, (unsigned long long)r->driver_drops,
	       (unsigned long long)r->nic_drops, (unsigned long long)c1.tx_frames,
	       r->accounted ? "yes" : "NO");
}

static void report(struct e1k_port *in, struct e1k_port *out, const struct fwd_opts *o,
		   const struct fwd_result *r)
{
	double seconds = r->last_tsc > r->first_tsc ? (double)(r->last_tsc - r->first_tsc) / kit_tsc_hz() : 0;
	double pps = seconds > 0 ? (double)r->st.tx / seconds : 0;
	app_print_port(in, TOOL, "port 0", stdout);
	if (out != in)
		app_print_port(out, TOOL, "port 1", stdout);
	printf(TOOL ": forwarded %llu frames in %.3f s: %.0f packets/s (%s, burst %llu)\n",
	       (unsigned long long)r->st.tx, seconds, pps, out == in ? "reflecting" : "port 0 -> port 1",
	       (unsigned long long)o->app.burst);
	poll_stats_print(&r->polls, TOOL, stdout);
	printf("RESULT tool=" TOOL " method=fwd batch=%llu ports=%llu packets=%llu seconds=%.6f pps=%.0f "
	       "drops=%llu accounted=%d ", (unsigned long long)o->app.burst, (unsigned long long)o->ports,
	       (unsigned long long)r->st.tx, seconds, pps,
	       (unsigned long long)(r->st.dropped + r->driver_drops + r->nic_drops), r->accounted);
	poll_stats_result(&r->polls, stdout);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct fwd_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	static struct e1k_port p0, p1;
	if (open_ports(&o, &p0, &p1) != 0)
		return 1;
	struct e1k_port *out = o.ports == 2 ? &p1 : &p0;
	kit_catch_signals();
	struct fwd_result r = { 0 };
	forward(&p0, out, &o.app, &r);
	account(&p0, out, &r);
	report(&p0, out, &o, &r);
	unsigned leaked = 0;
	if (out != &p0)
		leaked += app_close_port(&p1);
	leaked += app_close_port(&p0);
	return r.accounted && !leaked && !r.stalled ? 0 : 1;
}
