/*
 * main_pipeline.c — lab06: the RX -> worker -> TX pipeline on a simulated
 * 82540EM started inside this process (generator backend: the wire offers kit
 * frames as fast as the driver gives buffers back, and counts what is sent).
 *
 *   sudo pipeline [--frames 2000000] [--workers 1] [--burst 32]
 *                 [--rx-cpu 0] [--worker-cpus 0[,C..]] [--tx-cpu 0] [--dev-cpu 1]
 *                 [--ring-size 1024] [--cache-size 64] [--seconds 30]
 *
 * The default layout is for a 2-core machine (README section 3): the simulated
 * NIC, which stands for the hardware, has CPU 1 to itself, and the three lcores
 * share CPU 0, taking turns (they yield after a few empty polls, and while
 * they wait for room in a ring). Putting a stage beside the busy NIC model
 * instead is several times slower (measured in the README). With 4+ cores give
 * every thread its own core.
 *
 * Every frame is accounted for: the model's own equation (generated =
 * delivered + pending + its drops), the driver's RX drops, the pipeline's
 * equation (received = sent + drops per stage) and sent = what the NIC
 * transmitted. Last line: RESULT tool=pipeline method=pipeline batch=BURST
 * packets=SENT seconds=S pps=SENT/S drops=D accounted=1|0 cycles_per_pkt=C
 * (C: TSC cycles of all the cores used, per frame sent).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "e1k_dev.h"
#include "e1k_pipeline.h"
#include "e1k_rx.h"
#include "e1k_tx.h"
#include "kit_time.h"
#include "mempool.h"
#include "nicsim.h"
#include "pool_cache.h"

#define TOOL "pipeline"

struct options {
	uint64_t frames, seconds, burst, ring_size, cache_size, workers;
	int rx_cpu, tx_cpu, dev_cpu;
	int worker_cpu[E1K_PIPE_MAX_WORKERS];
	unsigned worker_cpus;
};

static void usage(void)
{
	fprintf(stderr, "usage: sudo " TOOL " [--frames N] [--workers 1..%d] [--burst 1..%d] [--rx-cpu C] "
		"[--worker-cpus C[,C..]] [--tx-cpu C] [--dev-cpu C] [--ring-size N] [--cache-size N] "
		"[--seconds S]\n", E1K_PIPE_MAX_WORKERS, E1K_PIPE_MAX_BURST);
}

static int parse_cpu(const char *opt, const char *arg, int *out)
{
	uint64_t v;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (kit_parse_u64(TOOL, opt, arg, 0, cpus > 0 ? (uint64_t)cpus - 1 : 0, &v) != 0) {
		fprintf(stderr, TOOL ": %s: this machine has %ld CPUs, numbered from 0 (nproc)\n", opt, cpus);
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	o->frames = 2000000;
	o->seconds = 30;
	o->burst = 32;
	o->ring_size = 1024;
	o->cache_size = 64;
	o->workers = 1;
	o->rx_cpu = 0;
	o->tx_cpu = 0;
	o->dev_cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0;
	o->worker_cpu[0] = 0;
	o->worker_cpus = 1;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
			usage();
			exit(0);
		}
		if (!arg) {
			fprintf(stderr, TOOL ": %s needs a value\n", opt);
			return -1;
		}
		i++;
		int rc;
		if (!strcmp(opt, "--frames"))
			rc = kit_parse_u64(TOOL, opt, arg, 1, 1ull << 40, &o->frames);
		else if (!strcmp(opt, "--seconds"))
			rc = kit_parse_u64(TOOL, opt, arg, 1, 3600, &o->seconds);
		else if (!strcmp(opt, "--burst"))
			rc = kit_parse_u64(TOOL, opt, arg, 1, E1K_PIPE_MAX_BURST, &o->burst);
		else if (!strcmp(opt, "--ring-size"))
			rc = kit_parse_u64(TOOL, opt, arg, E1K_RING_MIN_SIZE, E1K_RING_MAX_SIZE, &o->ring_size);
		else if (!strcmp(opt, "--cache-size"))
			rc = kit_parse_u64(TOOL, opt, arg, 1, E1K_POOL_CACHE_MAX, &o->cache_size);
		else if (!strcmp(opt, "--workers"))
			rc = kit_parse_u64(TOOL, opt, arg, 1, E1K_PIPE_MAX_WORKERS, &o->workers);
		else if (!strcmp(opt, "--rx-cpu"))
			rc = parse_cpu(opt, arg, &o->rx_cpu);
		else if (!strcmp(opt, "--tx-cpu"))
			rc = parse_cpu(opt, arg, &o->tx_cpu);
		else if (!strcmp(opt, "--dev-cpu"))
			rc = parse_cpu(opt, arg, &o->dev_cpu);
		else if (!strcmp(opt, "--worker-cpus")) {
			char *copy = strdup(arg), *save = NULL;
			o->worker_cpus = 0;
			rc = 0;
			for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
				if (o->worker_cpus == E1K_PIPE_MAX_WORKERS) {
					fprintf(stderr, TOOL ": --worker-cpus: at most %d CPUs\n", E1K_PIPE_MAX_WORKERS);
					rc = -1;
				} else {
					rc = parse_cpu(opt, t, &o->worker_cpu[o->worker_cpus++]);
				}
			}
			free(copy);
			if (rc == 0 && o->worker_cpus == 0)
				rc = -1;
		} else {
			fprintf(stderr, TOOL ": unknown option %s\n", opt);
			return -1;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Everything the pipeline runs on: a simulated NIC, the device, DMA memory,
 * the two NIC rings. Set up in this order, torn down in the reverse. */
struct rig {
	char tmp[32];                /* the simulated NIC's directory lives in here */
	struct nicsim *sim;
	struct e1k_dev dev;
	struct e1k_mempool *pool;
	struct e1k_shared_pool shared;
	struct e1k_rx_ring rx;
	struct e1k_tx_ring tx;
	int shared_up, rx_up, tx_up;
	unsigned rx_size, tx_size, pool_size;
};

/* 0, or -1 with a message printed (teardown() undoes whatever was done). */
static int setup(struct rig *g, const struct options *o)
{
	char err[512] = "", dir[PATH_MAX];
	g->rx_size = g->tx_size = 512;
	g->pool_size = g->rx_size + g->tx_size + 2 * (unsigned)o->ring_size +
		       ((unsigned)o->workers + 2) * 3 * (unsigned)o->cache_size + 1024;
	snprintf(g->tmp, sizeof(g->tmp), "/tmp/bypasslab-pipeline-XXXXXX");
	if (!mkdtemp(g->tmp)) {
		perror(TOOL ": mkdtemp");
		g->tmp[0] = '\0';
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/0000:00:03.0", g->tmp);
	struct nicsim_config sc;
	nicsim_config_default(&sc);
	sc.backend = NICSIM_WIRE_GENERATOR;
	sc.gen.rate_pps = 0;          /* as fast as buffers come back: never drops */
	sc.gen.frame_len = 60;
	sc.gen.count = o->frames;
	sc.cpu = o->dev_cpu;
	sc.quiet = 1;
	g->sim = nicsim_start(dir, &sc, err, sizeof(err));
	if (!g->sim) {
		fprintf(stderr, TOOL ": cannot start the simulated NIC: %s\n", err);
		return -1;
	}
	if (e1k_open(&g->dev, dir, err, sizeof(err)) != 0 || e1k_init(&g->dev, 2000, err, sizeof(err)) != 0)
		goto fail;
	g->pool = e1k_mempool_create(g->pool_size, 2048, err, sizeof(err));
	if (!g->pool || e1k_shared_pool_init(&g->shared, g->pool, err, sizeof(err)) != 0)
		goto fail;
	g->shared_up = 1;
	if (e1k_rx_ring_init(&g->dev, &g->rx, g->rx_size, g->pool, err, sizeof(err)) != 0)
		goto fail;
	g->rx_up = 1;
	if (e1k_tx_ring_init(&g->dev, &g->tx, g->tx_size, err, sizeof(err)) != 0)
		goto fail;
	g->tx_up = 1;
	return 0;
fail:
	fprintf(stderr, TOOL ": %s\n", err);
	return -1;
}

static void teardown(struct rig *g)
{
	if (g->rx_up)
		e1k_rx_ring_free(&g->dev, &g->rx);
	if (g->tx_up)
		e1k_tx_ring_free(&g->dev, &g->tx);
	if (g->shared_up)
		e1k_shared_pool_destroy(&g->shared);
	if (g->pool)
		e1k_mempool_destroy(g->pool);
	if (g->dev.bar0)
		e1k_close(&g->dev);
	nicsim_stop(g->sim);
	if (g->tmp[0])
		rmdir(g->tmp);
}

/* The pipeline's configuration from the options, printed. */
static void configure(struct e1k_pipeline_config *cfg, const struct options *o, const struct rig *g)
{
	e1k_pipeline_config_default(cfg);
	cfg->workers = (unsigned)o->workers;
	cfg->rx_cpu = o->rx_cpu;
	cfg->tx_cpu = o->tx_cpu;
	for (unsigned i = 0; i < cfg->workers; i++)
		cfg->worker_cpu[i] = o->worker_cpu[i % o->worker_cpus];
	cfg->burst = (unsigned)o->burst;
	cfg->ring_size = (unsigned)o->ring_size;
	cfg->cache_size = (unsigned)o->cache_size;
	cfg->rx_limit = o->frames;
	cfg->duration_ns = o->seconds * 1000000000ull;
	printf(TOOL ": %llu frames; RX lcore CPU %d, %u worker(s) on CPU", (unsigned long long)o->frames,
	       cfg->rx_cpu, cfg->workers);
	for (unsigned i = 0; i < cfg->workers; i++)
		printf("%s%d", i ? "," : " ", cfg->worker_cpu[i]);
	printf(", TX lcore CPU %d, simulated NIC CPU %d; burst %u, rings %u, caches %u, pool %u\n",
	       cfg->tx_cpu, o->dev_cpu, cfg->burst, cfg->ring_size, cfg->cache_size, g->pool_size);
	fflush(stdout);
}

/* Start the lcores and wait for them (Ctrl-C stops the RX lcore; the rest
 * drain behind it). 0, or -1 with a message printed. */
static int run(struct e1k_pipeline *p, uint64_t *ns, uint64_t *tsc)
{
	char err[256];
	uint64_t t0 = kit_now_ns(), tsc0 = kit_rdtsc();
	if (e1k_pipeline_start(p, err, sizeof(err)) != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		return -1;
	}
	while (!atomic_load(&p->rx_done)) {
		if (kit_stop)
			e1k_pipeline_stop(p);
		usleep(10000);
	}
	int rc = e1k_pipeline_wait(p);
	*ns = kit_now_ns() - t0;
	*tsc = kit_rdtsc() - tsc0;
	return rc == 0 ? 0 : -1;
}

/* Every frame, stage by stage: the NIC model's counts, the driver's drops,
 * each lcore's in and out. Returns 1 when it all adds up; *drops: the counted drops. */
static int account(struct rig *g, struct e1k_pipeline *p, const struct e1k_pipeline_totals *t,
		   uint64_t *drops)
{
	struct nicsim_counters c;
	nicsim_sync(g->sim, 1000);
	nicsim_get_counters(g->sim, &c);
	uint64_t nic_drops = c.rx_drop_disabled + c.rx_drop_link_down + c.rx_drop_no_dma +
			     c.rx_drop_filtered + c.rx_drop_oversize + c.rx_drop_bad_crc +
			     c.rx_drop_no_buffer + c.rx_drop_dma_refused + c.rx_drop_fault;
	uint64_t driver_drops = g->rx.dropped_spanning + g->rx.dropped_errors + g->rx.dropped_no_buf;
	int64_t left_in_ring = (int64_t)c.rx_delivered - (int64_t)(t->received + driver_drops);
	int model_ok = c.gen_frames == c.rx_delivered + c.rx_pending + nic_drops;
	int ring_ok = left_in_ring >= 0 && left_in_ring <= (int64_t)g->rx_size;
	int tx_ok = c.tx_frames == t->sent;
	*drops = nic_drops + driver_drops + t->drop_ring_full + t->drop_bad + t->drop_tx_full;

	printf("  RX lcore:   in %llu, out %llu, ring full %llu, polls %llu (%llu empty)\n",
	       (unsigned long long)p->rx_stats.in, (unsigned long long)p->rx_stats.out,
	       (unsigned long long)p->rx_stats.drop_full, (unsigned long long)p->rx_stats.polls,
	       (unsigned long long)p->rx_stats.idle_polls);
	for (unsigned i = 0; i < p->cfg.workers; i++)
		printf("  worker %u:   in %llu, out %llu, bad %llu, ring full %llu, empty polls %llu\n", i,
		       (unsigned long long)p->worker_stats[i].in, (unsigned long long)p->worker_stats[i].out,
		       (unsigned long long)p->worker_stats[i].drop_bad,
		       (unsigned long long)p->worker_stats[i].drop_full,
		       (unsigned long long)p->worker_stats[i].idle_polls);
	printf("  TX lcore:   in %llu, sent %llu, NIC ring full %llu, not sent at the end %llu\n",
	       (unsigned long long)p->tx_stats.in, (unsigned long long)p->tx_stats.out,
	       (unsigned long long)p->tx_stats.drop_full, (unsigned long long)p->tx_not_sent);
	printf("  caches:     refills RX %llu, workers %llu, TX %llu\n",
	       (unsigned long long)p->rx_cache.refills, (unsigned long long)p->worker_cache[0].refills,
	       (unsigned long long)p->tx_cache.refills);
	printf("  NIC model:  generated %llu = delivered %llu + pending %llu + dropped %llu (%s); "
	       "transmitted %llu\n", (unsigned long long)c.gen_frames, (unsigned long long)c.rx_delivered,
	       (unsigned long long)c.rx_pending, (unsigned long long)nic_drops, model_ok ? "ok" : "MISMATCH",
	       (unsigned long long)c.tx_frames);
	printf("  driver:     RX drops %llu; delivered but not yet received at the end %lld (%s)\n",
	       (unsigned long long)driver_drops, (long long)left_in_ring, ring_ok ? "ok" : "MISMATCH");
	printf("  pipeline:   received %llu = sent %llu + ring full %llu + bad %llu + TX full %llu (%s); "
	       "NIC transmitted = sent (%s)\n", (unsigned long long)t->received, (unsigned long long)t->sent,
	       (unsigned long long)t->drop_ring_full, (unsigned long long)t->drop_bad,
	       (unsigned long long)t->drop_tx_full, t->accounted ? "ok" : "MISMATCH", tx_ok ? "ok" : "MISMATCH");
	return model_ok && ring_ok && tx_ok && t->accounted;
}

int main(int argc, char **argv)
{
	struct options o;
	if (parse_options(argc, argv, &o) != 0) {
		usage();
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, TOOL ": the simulated NIC and DMA memory need root: sudo %s\n", argv[0]);
		return 2;
	}
	static struct rig g;
	struct e1k_pipeline *p = NULL;
	char err[256];
	int status = 1;
	struct e1k_pipeline_config cfg;
	if (setup(&g, &o) != 0)
		goto out;
	configure(&cfg, &o, &g);
	p = e1k_pipeline_create(&g.dev, &g.rx, &g.tx, &g.shared, &cfg, err, sizeof(err));
	if (!p) {
		fprintf(stderr, TOOL ": %s\n", err);
		goto out;
	}
	kit_catch_signals();
	uint64_t ns = 0, tsc = 0, drops;
	int ran = run(p, &ns, &tsc) == 0;
	struct e1k_pipeline_totals t;
	e1k_pipeline_totals(p, &t);
	int accounted = account(&g, p, &t, &drops) && ran;
	double secs = ns / 1e9, pps = secs > 0 ? t.sent / secs : 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	double cycles = t.sent ? (double)tsc * (double)cores / (double)t.sent : 0;
	printf("  %.3f Mpps through the pipeline in %.3f s\n", pps / 1e6, secs);
	printf("RESULT tool=" TOOL " method=pipeline batch=%u packets=%llu seconds=%.3f pps=%.0f drops=%llu "
	       "accounted=%d cycles_per_pkt=%.1f workers=%u cores=%ld\n", cfg.burst,
	       (unsigned long long)t.sent, secs, pps, (unsigned long long)drops, accounted, cycles,
	       cfg.workers, cores);
	status = accounted ? 0 : 1;
out:
	e1k_pipeline_destroy(p);
	teardown(&g);
	return status;
}
