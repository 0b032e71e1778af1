/*
 * gen — send the kit's test frames (sequence number + timestamp) with the
 * lab05 driver, at a rate or as fast as the ring takes them, and account for
 * every one: sent by the driver = transmitted by the NIC (GPTC) = consumed by
 * the simulated sink (sequence checked).
 *
 *   gen --sim sink --count 1000000 --burst 32            as fast as possible
 *   gen --sim sink --rate 100000 --duration 2            paced
 *   gen --dev /tmp/p0 --rate 100000 --duration 5         into a nicsim pair daemon
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "kit_time.h"
#include "pktgen.h"
#include "poll_stats.h"

#define TOOL "gen"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " (--sim sink|loopback | --dev WHERE) [options]\n"
		"  --sim sink       a simulated NIC in this process whose wire consumes and checks the frames\n"
		"  --dev WHERE      a PCI address or a device directory (nicsim daemon, QEMU, real NIC)\n"
		"  --vfio           open --dev through VFIO (lab07) instead of UIO + pagemap\n"
		"  --count N        frames to send (default 1000000 unless --duration)\n"
		"  --duration S     stop after S seconds\n"
		"  --rate PPS       frames per second (default: as fast as the ring takes them)\n"
		"  --size BYTES     frame length without FCS, 60..1514 (default 60 = a 64-byte frame)\n"
		"  --burst B        frames per e1k_tx_burst, 1..256 (default 32)\n"
		"  --ring N         descriptors per ring (default 512)   --cpu N  driver CPU (default 0)\n");
}

/* 0: run; 1: exit 0 (--help); 2: bad usage (message printed). */
static int parse(int argc, char **argv, struct app_opts *o)
{
	static const struct option options[] = {
		{ "sim", required_argument, NULL, 'S' }, { "dev", required_argument, NULL, 'D' },
		{ "vfio", no_argument, NULL, 'V' },
		{ "count", required_argument, NULL, 'c' }, { "duration", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' }, { "size", required_argument, NULL, 's' },
		{ "burst", required_argument, NULL, 'b' }, { "ring", required_argument, NULL, 'R' },
		{ "cpu", required_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	app_opts_default(o, TOOL);
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = app_opt(o, opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		usage();
		return opt == 'h' ? 1 : 2;
	}
	if (optind != argc || (!o->dev && !o->sim)) {
		usage();
		return 2;
	}
	if (!o->count && !o->duration_s)
		o->count = 1000000;
	return 0;
}

/* What one run did. */
struct gen_result {
	double seconds;
	uint64_t no_buffer;          /* bursts that found every buffer in the TX ring */
	int stalled;                 /* 5 s without the ring taking a frame */
	struct poll_stats polls;     /* a poll: one burst offered to the TX ring */
};

/* Send until --count, --duration or Ctrl-C: build the due frames, offer them
 * as one burst; what the full ring refuses goes back (nothing is lost). */
static void send_all(struct e1k_port *port, struct pktgen *gen, const struct app_opts *o,
		     uint64_t count, uint64_t start, struct gen_result *r)
{
	struct e1k_buf *bufs[E1K_BURST_MAX];
	uint64_t stop_at = o->duration_s ? start + o->duration_s * 1000000000ull : UINT64_MAX;
	uint64_t last_progress_ns = kit_now_ns();
	while (!kit_stop && (!count || gen->seq < count)) {
		uint64_t now = kit_now_ns();
		if (now >= stop_at)
			break;
		if (now - last_progress_ns > 5000000000ull) {
			fprintf(stderr, TOOL ": the TX ring took no frame for 5 s after %llu: is the device "
				"sending, does your TX path work?\n", (unsigned long long)port->tx_stats.packets);
			r->stalled = 1;
			break;
		}
		unsigned n = pktgen_due(gen, now, (unsigned)o->burst);
		if (n == 0)
			continue;
		uint64_t t0 = kit_rdtsc();
		if (e1k_buf_alloc_bulk(port->pool, bufs, n) != n) {
			e1k_tx_burst_reclaim(&port->tx);   /* every buffer is in the TX ring */
			r->no_buffer++;
			poll_stats_add(&r->polls, t0, t0, 0);
			continue;
		}
		pktgen_fill(gen, bufs, n, now);
		unsigned sent = e1k_port_tx(port, bufs, n);
		if (sent < n) {
			/* The ring is full: these go back to the pool, their sequence
			 * numbers are sent next time. */
			pktgen_unfill(gen, n - sent);
			e1k_buf_free_bulk(bufs + sent, n - sent);
		}
		poll_stats_add(&r->polls, t0, kit_rdtsc(), sent);   /* sent 0: the ring was full */
		if (sent)
			last_progress_ns = now;
	}
	r->seconds = (double)(kit_now_ns() - start) / 1e9;
}

/* Sent = what the NIC transmitted (GPTC) = what the wire consumed, in order.
 * Returns 1 accounted, 0 not; *drops: the model's counted TX drops. */
static int account(struct e1k_port *port, const struct app_opts *o, uint64_t *drops)
{
	if (e1k_tx_wait_sent(&port->dev, &port->tx, 2000) != 0)
		fprintf(stderr, TOOL ": the NIC did not send everything within 2 s (TDH != TDT)\n");
	e1k_port_read_stats(port);
	uint64_t sent = port->tx_stats.packets;
	int accounted = port->nic.gptc == sent;
	struct nicsim *sim = app_sim(port);
	*drops = 0;
	if (!sim) {
		printf(TOOL ": accounting: driver sent %llu, NIC transmitted (GPTC) %llu: %s\n",
		       (unsigned long long)sent, (unsigned long long)port->nic.gptc, accounted ? "yes" : "NO");
		return accounted;
	}
	struct nicsim_counters c;
	nicsim_sync(sim, 2000);
	nicsim_get_counters(sim, &c);
	*drops = c.tx_drop_dma_refused + c.tx_drop_too_long + c.tx_drop_wire;
	int to_sink = strcmp(o->sim, "sink") == 0;   /* loopback: frames come back, unread */
	accounted = accounted && c.tx_frames == sent && *drops == 0 &&
		    (!to_sink || (c.sink_frames == sent && c.sink_seq_errors == 0));
	printf(TOOL ": accounting: driver sent %llu, NIC transmitted %llu (GPTC %llu), wire consumed "
	       "%llu with %llu sequence errors: %s\n", (unsigned long long)sent,
	       (unsigned long long)c.tx_frames, (unsigned long long)port->nic.gptc,
	       (unsigned long long)c.sink_frames, (unsigned long long)c.sink_seq_errors,
	       accounted ? "yes" : "NO");
	return accounted;
}

static void report(struct e1k_port *port, const struct app_opts *o, const struct gen_result *r,
		   uint64_t drops, int accounted)
{
	uint64_t sent = port->tx_stats.packets;
	double pps = r->seconds > 0 ? (double)sent / r->seconds : 0;
	app_print_port(port, TOOL, "port 0", stdout);
	printf(TOOL ": sent %llu frames of %llu bytes in %.3f s: %.0f packets/s (burst %llu), "
	       "%llu waits for a free buffer\n", (unsigned long long)sent, (unsigned long long)o->size,
	       r->seconds, pps, (unsigned long long)o->burst, (unsigned long long)r->no_buffer);
	poll_stats_print(&r->polls, TOOL, stdout);
	printf("RESULT tool=" TOOL " method=tx batch=%llu size=%llu packets=%llu seconds=%.6f pps=%.0f "
	       "drops=%llu accounted=%d ", (unsigned long long)o->burst, (unsigned long long)o->size,
	       (unsigned long long)sent, r->seconds, pps, (unsigned long long)drops, accounted);
	poll_stats_result(&r->polls, stdout);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct app_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	/* The simulated wire's generator settings do not apply to a sending port. */
	uint64_t rate = o.rate, count = o.count;
	o.rate = 0;
	o.count = 0;
	struct e1k_port port;
	if (app_open_port(&o, &port, "sink,loopback", NICSIM_WIRE_SINK, NULL) != 0)
		return 1;
	struct kit_flow flow;
	kit_flow_default(&flow);
	memcpy(flow.src_mac, port.dev.mac, 6);
	struct pktgen gen;
	uint64_t start = kit_now_ns();
	if (pktgen_init(&gen, &flow, (unsigned)o.size, rate, count, start) != 0) {
		fprintf(stderr, TOOL ": --size %llu: frames are 60..1514 bytes\n", (unsigned long long)o.size);
		app_close_port(&port);
		return 2;
	}
	kit_catch_signals();
	struct gen_result r = { 0 };
	send_all(&port, &gen, &o, count, start, &r);
	uint64_t drops;
	int accounted = account(&port, &o, &drops);
	report(&port, &o, &r, drops, accounted);
	unsigned leaked = app_close_port(&port);
	return accounted && !leaked && !r.stalled ? 0 : 1;
}
