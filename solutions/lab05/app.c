/* app.c — lab05: options and device opening shared by the programs (see app.h). */
#include "app.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "e1k_vfio.h"
#include "frame.h"

/* The simulated NICs started for the ports (fwd has two), one slot each. */
#define APP_MAX_SIMS 4
static struct app_sim_slot {
	const struct e1k_port *port;
	struct nicsim *sim;
	char dir[PATH_MAX];     /* <tmp dir>/0000:00:03.0: <tmp dir> is removed at close */
} sims[APP_MAX_SIMS];

void app_opts_default(struct app_opts *o, const char *tool)
{
	memset(o, 0, sizeof(*o));
	o->tool = tool;
	o->ring = 512;
	o->burst = 32;
	o->size = KIT_FRAME_MIN;
}

int app_opt(struct app_opts *o, int opt, const char *arg)
{
	int rc = 0;
	switch (opt) {
	case 'D': o->dev = arg; return 1;
	case 'S': o->sim = arg; return 1;
	case 'V': o->vfio = 1; return 1;
	case 'p': rc = kit_parse_u64(o->tool, "--cpu", arg, 0, 1023, &o->cpu); break;
	case 'R': rc = kit_parse_u64(o->tool, "--ring", arg, 8, 4096, &o->ring); break;
	case 'b': rc = kit_parse_u64(o->tool, "--burst", arg, 1, E1K_BURST_MAX, &o->burst); break;
	case 't': rc = kit_parse_u64(o->tool, "--duration", arg, 1, 86400, &o->duration_s); break;
	case 'c': rc = kit_parse_u64(o->tool, "--count", arg, 1, UINT64_MAX, &o->count); break;
	case 'r': rc = kit_parse_u64(o->tool, "--rate", arg, 0, 1000000000, &o->rate); break;
	case 's': rc = kit_parse_u64(o->tool, "--size", arg, KIT_FRAME_MIN, KIT_FRAME_MAX, &o->size); break;
	default: return 0;
	}
	return rc ? -1 : 1;
}

int app_other_cpu(int cpu)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2)
		return -1;
	return cpu == 0 ? 1 : 0;
}

int app_parse_sim(const char *text, enum nicsim_backend *out)
{
	static const struct { const char *name; enum nicsim_backend b; } names[] = {
		{ "generator", NICSIM_WIRE_GENERATOR }, { "sink", NICSIM_WIRE_SINK },
		{ "loopback", NICSIM_WIRE_LOOPBACK }, { "tap", NICSIM_WIRE_TAP },
		{ "test", NICSIM_WIRE_TEST },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(text, names[i].name) == 0) {
			*out = names[i].b;
			return 0;
		}
	return -1;
}

/* Start a simulated NIC with this wire in a new directory under /tmp, its
 * thread on the other CPU. 0 or -errno with err. */
static int start_sim(struct app_sim_slot *slot, const struct app_opts *o, enum nicsim_backend wire,
		     const char *tap_name, char *err, size_t err_len)
{
	char tmp[] = "/tmp/bypasslab-l05-XXXXXX";
	if (!mkdtemp(tmp)) {
		int e = errno;
		snprintf(err, err_len, "cannot create a directory in /tmp for the simulated NIC: %s",
			 strerror(e));
		return -e;
	}
	snprintf(slot->dir, sizeof(slot->dir), "%s/0000:00:03.0", tmp);
	struct nicsim_config sc;
	nicsim_config_default(&sc);
	sc.backend = wire;
	sc.cpu = app_other_cpu((int)o->cpu);
	sc.quiet = 0;
	sc.gen.rate_pps = o->rate;
	sc.gen.count = o->count;
	sc.gen.frame_len = (uint32_t)o->size;
	sc.tap_name = tap_name;
	slot->sim = nicsim_start(slot->dir, &sc, err, err_len);
	if (!slot->sim) {
		rmdir(tmp);
		slot->dir[0] = 0;
		return -EIO;
	}
	return 0;
}

static void stop_sim(struct app_sim_slot *slot)
{
	nicsim_stop(slot->sim);
	char *slash = strrchr(slot->dir, '/');
	if (slash) {
		*slash = 0;
		rmdir(slot->dir);
	}
	memset(slot, 0, sizeof(*slot));
}

static struct app_sim_slot *slot_of(const struct e1k_port *p)
{
	for (int i = 0; i < APP_MAX_SIMS; i++)
		if (sims[i].sim && sims[i].port == p)
			return &sims[i];
	return NULL;
}

int app_open_port(struct app_opts *o, struct e1k_port *p, const char *allowed_sims,
		  enum nicsim_backend default_sim, const char *tap_name)
{
	struct e1k_port_config cfg;
	char err[512] = "";
	e1k_port_config_default(&cfg);
	if (o->dev && o->sim) {
		fprintf(stderr, "%s: --dev and --sim exclude each other: a device, or a simulated one\n", o->tool);
		return -1;
	}
	if (o->vfio && !o->dev) {
		fprintf(stderr, "%s: --vfio needs --dev (a PCI address bound to vfio-pci)\n", o->tool);
		return -1;
	}
	enum nicsim_backend wire = default_sim;
	if (o->sim) {
		/* Whole-word match in the comma-separated list of allowed names. */
		char list[128];
		snprintf(list, sizeof(list), ",%s,", allowed_sims);
		char want[64];
		snprintf(want, sizeof(want), ",%s,", o->sim);
		if (app_parse_sim(o->sim, &wire) != 0 || !strstr(list, want)) {
			fprintf(stderr, "%s: --sim %s: this tool takes --sim %s\n", o->tool, o->sim, allowed_sims);
			return -1;
		}
	}
	if (kit_pin_cpu(o->tool, (int)o->cpu) != 0)
		return -1;
	/* The device: --dev through UIO (lab02) or VFIO (lab07), or a simulated NIC
	 * started here and opened by its directory, through UIO like the real thing. */
	cfg.backend = o->vfio ? &e1k_vfio_backend : &e1k_uio_backend;
	cfg.where = o->dev;
	cfg.rx_size = cfg.tx_size = (unsigned)o->ring;
	struct app_sim_slot *slot = NULL;
	if (!o->dev) {
		for (int i = 0; i < APP_MAX_SIMS && !slot; i++)
			if (!sims[i].sim)
				slot = &sims[i];
		if (!slot)
			snprintf(err, sizeof(err), "more than %d simulated NICs", APP_MAX_SIMS);
		if (!slot || start_sim(slot, o, wire, tap_name, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", o->tool, err);
			return -1;
		}
		cfg.where = slot->dir;
	}
	if (e1k_port_open(p, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", o->tool, err);
		if (slot)
			stop_sim(slot);
		return -1;
	}
	if (slot)
		slot->port = p;
	return 0;
}

struct nicsim *app_sim(const struct e1k_port *p)
{
	struct app_sim_slot *slot = slot_of(p);
	return slot ? slot->sim : NULL;
}

void app_print_port(struct e1k_port *p, const char *tool, const char *name, FILE *out)
{
	e1k_port_print(p, tool, name, out);
	struct nicsim *sim = app_sim(p);
	if (!sim)
		return;
	struct nicsim_counters c;
	nicsim_get_counters(sim, &c);
	fprintf(out, "%s: %s simulated NIC: offered %llu = delivered %llu + pending %llu + "
		"no buffer %llu + disabled %llu + filtered %llu + other %llu; transmitted %llu\n",
		tool, name, (unsigned long long)c.rx_offered, (unsigned long long)c.rx_delivered,
		(unsigned long long)c.rx_pending, (unsigned long long)c.rx_drop_no_buffer,
		(unsigned long long)c.rx_drop_disabled, (unsigned long long)c.rx_drop_filtered,
		(unsigned long long)(c.rx_drop_link_down + c.rx_drop_no_dma + c.rx_drop_oversize +
				     c.rx_drop_bad_crc + c.rx_drop_dma_refused + c.rx_drop_fault),
		(unsigned long long)c.tx_frames);
}

unsigned app_close_port(struct e1k_port *p)
{
	unsigned leaked = e1k_port_close(p);
	struct app_sim_slot *slot = slot_of(p);
	if (slot)
		stop_sim(slot);
	return leaked;
}
