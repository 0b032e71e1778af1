/*
 * app.h — lab05: what the four programs (gen, sink, fwd, echo) share: the
 * options that choose the device, and opening, reporting and closing it.
 * This is the programs' side, linked into them and not into liblab05.a: with
 * main_*.c the only lab05 code that knows the simulated NIC (hw/sim) and
 * lab07's VFIO backend (LAB_PROG_DEPS in the Makefile).
 *
 *   --sim BACKEND   start a simulated 82540EM inside this process (hw/sim), its
 *                   thread pinned to the other CPU: generator, sink, loopback, tap
 *   --dev WHERE     or open a device: a PCI address (real NIC, QEMU guest) or a
 *                   device directory (the nicsim daemon: build/hw/sim/nicsim --help)
 *   --vfio          open --dev through VFIO (lab07's e1k_vfio_backend), not UIO
 *   --cpu N         the CPU the driver loop runs on (default 0)
 *   --ring N        descriptors per ring (default 512)
 */
#ifndef LAB05_APP_H
#define LAB05_APP_H

#include <stdint.h>
#include <stdio.h>

#include "e1k_port.h"
#include "nicsim.h"

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
 * accepts (e.g. "generator"). With --sim, first start that simulated NIC in this
 * process; with --vfio, open --dev through lab07's backend. Pins the calling
 * thread to --cpu. 0 or -1 with a message printed. */
int app_open_port(struct app_opts *o, struct e1k_port *p, const char *allowed_sims,
		  enum nicsim_backend default_sim, const char *tap_name);

/* The simulated NIC app_open_port started for p, or NULL (--dev). */
struct nicsim *app_sim(const struct e1k_port *p);

/* e1k_port_print, then the simulated NIC's own counters when there is one. */
void app_print_port(struct e1k_port *p, const char *tool, const char *name, FILE *out);

/* e1k_port_close, then stop the simulated NIC. Returns the buffers leaked. */
unsigned app_close_port(struct e1k_port *p);

/* Parse a simulated wire's name: generator, sink, loopback, tap, test. 0 or -1. */
int app_parse_sim(const char *text, enum nicsim_backend *out);

/* The CPU the simulated NIC's thread should use: the other one. */
int app_other_cpu(int cpu);

#endif
