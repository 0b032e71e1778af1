/*
 * app.h — lab05: what the four programs (gen, sink, fwd, echo) share: the
 * options that choose the device, and the final accounting line.
 *
 *   --sim BACKEND   start a simulated 82540EM inside this process (hw/sim), its
 *                   thread pinned to the other CPU: generator, sink, loopback, tap
 *   --dev WHERE     or open a device: a PCI address (real NIC, QEMU guest) or a
 *                   device directory (the nicsim daemon: build/hw/sim/nicsim --help)
 *   --cpu N         the CPU the driver loop runs on (default 0)
 *   --ring N        descriptors per ring (default 512)
 */
#ifndef LAB05_APP_H
#define LAB05_APP_H

#include <stdint.h>

#include "e1k_port.h"

struct app_opts {
	const char *tool;
	const char *dev;          /* --dev, or NULL */
	const char *sim;          /* --sim backend name, or NULL */
	int vfio;                 /* --vfio: open --dev through VFIO (lab07) */
	uint64_t cpu;
	uint64_t ring;
	uint64_t burst;
	uint64_t duration_s;      /* 0: until --count or Ctrl-C */
	uint64_t count;           /* 0: unlimited */
	uint64_t rate;            /* pps, 0: as fast as possible */
	uint64_t size;            /* frame length without FCS */
};

void app_opts_default(struct app_opts *o, const char *tool);

/* Handle one of the shared options (getopt_long codes 'D' dev, 'V' vfio, 'S' sim, 'p' cpu,
 * 'R' ring, 'b' burst, 't' duration, 'c' count, 'r' rate, 's' size).
 * 1 handled, 0 not a shared option, -1 bad value (message printed). */
int app_opt(struct app_opts *o, int opt, const char *arg);

/* Open the port as the options say; allowed: the --sim backends this tool
 * accepts (e.g. "generator"). Pins the calling thread to --cpu. 0 or -1 with
 * a message printed. */
int app_open_port(struct app_opts *o, struct e1k_port *p, const char *allowed_sims,
		  enum nicsim_backend default_sim, const char *tap_name);

/* The CPU the simulated NIC's thread should use: the other one. */
int app_other_cpu(int cpu);

#endif
