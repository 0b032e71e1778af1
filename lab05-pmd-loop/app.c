/* app.c — lab05: options and device opening shared by the programs (see app.h). */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"

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
	cfg.where = o->dev;
	cfg.vfio = o->vfio;
	cfg.sim = default_sim;
	if (o->sim) {
		/* Whole-word match in the comma-separated list of allowed names. */
		char list[128];
		snprintf(list, sizeof(list), ",%s,", allowed_sims);
		char want[64];
		snprintf(want, sizeof(want), ",%s,", o->sim);
		if (e1k_port_parse_sim(o->sim, &cfg.sim) != 0 || !strstr(list, want)) {
			fprintf(stderr, "%s: --sim %s: this tool takes --sim %s\n", o->tool, o->sim, allowed_sims);
			return -1;
		}
	}
	if (kit_pin_cpu(o->tool, (int)o->cpu) != 0)
		return -1;
	cfg.sim_cpu = app_other_cpu((int)o->cpu);
	cfg.sim_rate_pps = o->rate;
	cfg.sim_count = o->count;
	cfg.sim_frame_len = (uint32_t)o->size;
	cfg.tap_name = tap_name;
	cfg.rx_size = cfg.tx_size = (unsigned)o->ring;
	if (e1k_port_open(p, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", o->tool, err);
		return -1;
	}
	return 0;
}
