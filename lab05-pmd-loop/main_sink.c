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

/* What the command line asked for. */
struct sink_opts {
	struct app_opts app;
	uint64_t expect, idle_ms;
	int drop, irq, hist;
};

/* What one run found. */
struct sink_result {
	uint64_t received, first_tsc, last_tsc, driver_drops, model_drops;
	double cpu_share;       /* of this loop's thread over the run */
	int accounted;          /* 1 yes, 0 no, -1 nothing to compare with */
	struct poll_stats polls;
	struct pktsink sink;
};

/* 0: run; 1: exit 0 (--help); 2: bad usage (message printed). */
static int parse(int argc, char **argv, struct sink_opts *o)
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
	memset(o, 0, sizeof(*o));
	app_opts_default(&o->app, TOOL);
	o->idle_ms = 1000;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = app_opt(&o->app, opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case 'e': rc = kit_parse_u64(TOOL, "--expect", optarg, 1, UINT64_MAX, &o->expect); break;
		case 'i': rc = kit_parse_u64(TOOL, "--idle-ms", optarg, 1, 3600000, &o->idle_ms); break;
		case 'd': o->drop = 1; break;
		case 'q': o->irq = 1; break;
		case 'H': o->hist = 1; break;
		case 'h': usage(); return 1;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (optind != argc || (!o->app.dev && !o->app.sim)) {
		usage();
		return 2;
	}
	if (!o->expect)
		o->expect = o->app.count;
	return 0;
}

/* Hand a burst to the checker (unless --drop) and give the buffers back. */
static void take(const struct sink_opts *o, struct sink_result *r, struct e1k_buf **bufs,
		 unsigned n, uint64_t now)
{
	if (!o->drop)
		for (unsigned i = 0; i < n; i++)
			pktsink_add(&r->sink, bufs[i]->data, bufs[i]->len, now);
	e1k_buf_free_bulk(bufs, n);
}

/* Poll until --count, --duration, --idle-ms or Ctrl-C. Each poll is timed
 * (poll_stats.h): only the ones that returned frames are the driver's cost. */
static void receive(struct e1k_port *port, const struct sink_opts *o, struct sink_result *r)
{
	struct e1k_buf *bufs[E1K_BURST_MAX];
	uint64_t start = kit_now_ns(), now = start, last_ns = 0;
	uint64_t stop_at = o->app.duration_s ? start + o->app.duration_s * 1000000000ull : UINT64_MAX;
	double cpu0 = kit_thread_cpu_seconds();   /* this loop only, not an in-process NIC */
	unsigned spins = 0;
	while (!kit_stop) {
		if (o->app.count && r->received + e1k_port_rx_drops(port) >= o->app.count)
			break;
		if (++spins % 64 == 0 || o->irq) {   /* the clock costs ~20 ns: not every poll */
			now = kit_now_ns();
			if (now >= stop_at)
				break;
			if (r->received ? now - last_ns > o->idle_ms * 1000000ull
					: now - start > (o->idle_ms + 5000) * 1000000ull)
				break;
		}
		if (o->irq && e1k_rx_wait(&port->dev, &port->rx, 100) <= 0)
			continue;
		uint64_t t0 = kit_rdtsc();
		unsigned n = e1k_port_rx(port, bufs, (unsigned)o->app.burst);
		if (n == 0) {
			if (r->received)   /* waiting for the first frame is not an empty poll */
				poll_stats_add(&r->polls, t0, t0, 0);
			continue;
		}
		if (!o->drop)
			now = kit_now_ns();
		take(o, r, bufs, n, now);
		r->last_tsc = kit_rdtsc();
		poll_stats_add(&r->polls, t0, r->last_tsc, n);
		if (!r->received)
			r->first_tsc = t0;
		r->received += n;
		last_ns = now;   /* refreshed every 64 polls: enough for --idle-ms */
	}
	double wall = (double)(kit_now_ns() - start) / 1e9;
	r->cpu_share = wall > 0 ? (kit_thread_cpu_seconds() - cpu0) / wall : 0;
}

/* Stop the receiver, take what is still in the ring, then add up:
 * sent = received + counted drops, against the model's counters or --expect. */
static void account(struct e1k_port *port, const struct sink_opts *o, struct sink_result *r)
{
	struct e1k_buf *bufs[E1K_BURST_MAX];
	struct nicsim *sim = app_sim(port);
	e1k_write32(port->dev.bar0, E1K_RCTL, 0);   /* SDM 13.4.22: RCTL.EN off */
	if (sim)
		nicsim_sync(sim, 2000);
	unsigned n;
	while ((n = e1k_port_rx(port, bufs, E1K_BURST_MAX)) > 0) {
		take(o, r, bufs, n, kit_now_ns());
		r->received += n;
	}
	e1k_port_read_stats(port);
	r->driver_drops = e1k_port_rx_drops(port);
	r->accounted = -1;
	if (sim) {
		struct nicsim_counters c;
		nicsim_sync(sim, 2000);
		nicsim_get_counters(sim, &c);
		r->model_drops = c.rx_offered - c.rx_delivered - c.rx_pending;
		r->accounted = c.gen_frames == c.rx_offered && c.rx_pending == 0 &&
			       c.rx_delivered == r->received + r->driver_drops;
		printf(TOOL ": accounting: generated %llu = received %llu + driver drops %llu + NIC drops %llu: %s\n",
		       (unsigned long long)c.gen_frames, (unsigned long long)r->received,
		       (unsigned long long)r->driver_drops, (unsigned long long)r->model_drops,
		       r->accounted ? "yes" : "NO");
	} else if (o->expect) {
		r->model_drops = port->nic.mpc;
		r->accounted = r->received + r->driver_drops + r->model_drops == o->expect;
		printf(TOOL ": accounting: expected %llu = received %llu + driver drops %llu + NIC missed (MPC) %llu: %s\n",
		       (unsigned long long)o->expect, (unsigned long long)r->received,
		       (unsigned long long)r->driver_drops, (unsigned long long)r->model_drops,
		       r->accounted ? "yes" : "NO");
	}
	if (!o->drop)
		kit_seq_finish(&r->sink.seq, sim ? r->received + r->driver_drops + r->model_drops : o->expect);
}

/* The lines for people, then the RESULT line for the bench. */
static void report(struct e1k_port *port, const struct sink_opts *o, const struct sink_result *r)
{
	const struct pktsink *k = &r->sink;
	/* From the first burst to the end of the last one, on the TSC. */
	double seconds = r->last_tsc > r->first_tsc ? (double)(r->last_tsc - r->first_tsc) / kit_tsc_hz() : 0;
	double pps = seconds > 0 ? (double)r->received / seconds : 0;
	const char *method = o->irq ? "rx_irq" : o->drop ? "rx_drop" : "rx_check";
	app_print_port(port, TOOL, "port 0", stdout);
	printf(TOOL ": received %llu frames in %.3f s: %.0f packets/s (%s, burst %llu), CPU busy %.0f %%\n",
	       (unsigned long long)r->received, seconds, pps, method, (unsigned long long)o->app.burst,
	       100 * r->cpu_share);
	poll_stats_print(&r->polls, TOOL, stdout);
	double lat_mean = k->lat_count ? (double)k->lat_sum_ns / (double)k->lat_count : 0.0;
	if (!o->drop) {
		printf(TOOL ": distinct %llu, lost %llu, reordered %llu, duplicated %llu, not kit frames %llu\n",
		       (unsigned long long)k->seq.distinct, (unsigned long long)k->seq.lost,
		       (unsigned long long)k->seq.reordered, (unsigned long long)k->seq.duplicated,
		       (unsigned long long)k->not_kit);
		if (k->lat_count)
			printf(TOOL ": latency (%llu timestamped): mean %.1f us, p50 < %.1f us, "
			       "p99 < %.1f us, max %.1f us\n", (unsigned long long)k->lat_count,
			       lat_mean / 1000.0, (double)pktsink_percentile(k, 0.5) / 1000.0,
			       (double)pktsink_percentile(k, 0.99) / 1000.0, (double)k->lat_max_ns / 1000.0);
		if (o->hist)
			pktsink_print_hist(k, TOOL, stdout);
	}
	printf("RESULT tool=" TOOL " method=%s batch=%llu packets=%llu seconds=%.6f pps=%.0f "
	       "drops=%llu accounted=%d ", method, (unsigned long long)o->app.burst,
	       (unsigned long long)r->received, seconds, pps,
	       (unsigned long long)(r->driver_drops + r->model_drops), r->accounted);
	poll_stats_result(&r->polls, stdout);
	printf(" lost=%llu reordered=%llu cpu=%.2f lat_mean_ns=%.0f lat_p99_ns=%llu\n",
	       (unsigned long long)k->seq.lost, (unsigned long long)k->seq.reordered, r->cpu_share,
	       lat_mean, (unsigned long long)pktsink_percentile(k, 0.99));
}

int main(int argc, char **argv)
{
	struct sink_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	struct e1k_port port;
	if (app_open_port(&o.app, &port, "generator", NICSIM_WIRE_GENERATOR, NULL) != 0)
		return 1;
	if (o.irq) {
		char err[256];
		if (e1k_rx_irq_setup(&port.dev, err, sizeof(err)) != 0) {
			fprintf(stderr, TOOL ": --irq: %s\n", err);
			app_close_port(&port);
			return 1;
		}
	}
	kit_catch_signals();
	static struct sink_result r;   /* the latency histogram is large: not on the stack */
	pktsink_init(&r.sink);
	receive(&port, &o, &r);
	account(&port, &o, &r);
	report(&port, &o, &r);
	unsigned leaked = app_close_port(&port);
	return r.accounted == 0 || leaked ? 1 : 0;
}
