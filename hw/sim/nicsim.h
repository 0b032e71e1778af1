/*
 * nicsim.h — a simulated Intel 82540EM that a user-space driver drives through the
 * same files it would use on real hardware (see README.md in this directory).
 *
 * nicsim_start() creates a PCI device directory (config, resource0, vendor, device,
 * class, driver, irq) and runs the device model in a thread of the calling process.
 * The driver — a lab, a test, the bench — opens the directory exactly like
 * /sys/bus/pci/devices/0000:BB:DD.F. nicsim_stop() stops the thread and removes every
 * file the model created. The `nicsim` daemon (nicsim_main.c) wraps the same calls.
 *
 * All functions are safe to call from any thread except where noted. Errors are
 * reported in err[] with a sentence that says what to do.
 */
#ifndef BYPASSLAB_NICSIM_H
#define BYPASSLAB_NICSIM_H

#include <stddef.h>
#include <stdint.h>

#define NICSIM_FRAME_MAX 16384   /* longest frame any backend carries (LPE jumbo) */

/* What is on the other end of the device's wire. */
enum nicsim_backend {
	NICSIM_WIRE_TEST = 0,   /* test wire: nicsim_inject() / nicsim_capture() */
	NICSIM_WIRE_LOOPBACK,   /* every transmitted frame is received again */
	NICSIM_WIRE_PAIR,       /* two devices, port 0 TX -> port 1 RX and back (nicsim_start_pair) */
	NICSIM_WIRE_GENERATOR,  /* RX side: kit test frames; TX side: counted and discarded */
	NICSIM_WIRE_SINK,       /* TX side: counted, sequence checked; nothing received */
	NICSIM_WIRE_PCAP,       /* RX from pcap_in (replayed once), TX into pcap_out */
	NICSIM_WIRE_TAP,        /* a Linux TAP interface: the host kernel on the other end */
};

/* Generator (NICSIM_WIRE_GENERATOR): kit frames (common/frame.h) to the device's
 * MAC, sequence numbers from 0. */
struct nicsim_generator {
	uint64_t rate_pps;    /* 0: as fast as the driver hands out buffers (never drops);
			       * > 0: paced wire rate, frames without a buffer are dropped
			       * and counted exactly as on a real wire */
	uint32_t frame_len;   /* 60..1514 bytes without FCS; 0 means 60 ("64-byte frames") */
	uint64_t count;       /* frames to send; 0 = unlimited */
};

/* Fault injection; all zero = a perfect device and wire. */
struct nicsim_faults {
	uint32_t rx_loss_ppm;      /* wire loses this many frames per million (drop_fault) */
	uint32_t rx_corrupt_ppm;   /* frames arrive with a bad FCS (CRCERRS; dropped unless SBP) */
	uint32_t rx_oversize_ppm;  /* frames arrive 1600 bytes long (ROC unless LPE) */
	uint32_t dd_delay_us;      /* TX DD write-back is delayed this long after the frame left */
	uint32_t link_flap_ms;     /* link goes down and up again every this many ms (LSC) */
	uint64_t reset_after_frames; /* surprise device reset after this many RX+TX frames */
	uint32_t seed;             /* random seed for the ppm faults (0 = fixed default) */
};

struct nicsim_config {
	uint8_t mac[6];            /* EEPROM words 0-2 and RAL0/RAH0 after reset */
	enum nicsim_backend backend;
	const char *driver_name;   /* basename of the `driver` symlink; NULL = "uio_pci_generic" */
	struct nicsim_generator gen;
	const char *pcap_in;       /* NICSIM_WIRE_PCAP: frames to receive (may be NULL) */
	const char *pcap_out;      /* NICSIM_WIRE_PCAP: where transmitted frames go (may be NULL) */
	const char *tap_name;      /* NICSIM_WIRE_TAP: interface name (created if missing) */
	int cpu;                   /* pin the device thread to this CPU; -1 = do not pin */
	uint16_t device_id;        /* PCI device ID: 0 = 0x100E (82540EM); 0x100F = 82545EM,
				    * QEMU's other 8254x (same register model) */
	int quiet;                 /* 1: keep diagnostics in the list only, do not print them */
	struct nicsim_faults faults;
};

/* The model's own counters. Every frame the wire offered is either delivered,
 * still pending in the device's RX FIFO, or counted in exactly one drop reason:
 *   rx_offered == rx_delivered + rx_pending + sum of rx_drop_*                  */
struct nicsim_counters {
	uint64_t rx_offered;          /* frames the wire presented to the device */
	uint64_t rx_delivered;        /* frames written into the RX ring (DD set on EOP) */
	uint64_t rx_pending;          /* frames waiting in the RX FIFO for descriptors */
	uint64_t rx_drop_disabled;    /* RCTL.EN clear, or the device was reset */
	uint64_t rx_drop_link_down;   /* link was down */
	uint64_t rx_drop_no_dma;      /* bus mastering off (PCI command bit 2) */
	uint64_t rx_drop_filtered;    /* destination MAC not accepted (RAL/RAH, MTA, UPE/MPE/BAM) */
	uint64_t rx_drop_oversize;    /* longer than 1518 bytes without LPE (ROC) */
	uint64_t rx_drop_bad_crc;     /* FCS error without SBP (CRCERRS) */
	uint64_t rx_drop_no_buffer;   /* RX FIFO full while the ring had no buffers (MPC) */
	uint64_t rx_drop_dma_refused; /* a descriptor or buffer address could not be resolved */
	uint64_t rx_drop_fault;       /* lost on the wire by fault injection */
	uint64_t rx_no_buffer_events; /* RNBC: a frame found no free descriptor */
	uint64_t tx_frames;           /* frames the driver transmitted (EOP processed) */
	uint64_t tx_descriptors;      /* descriptors processed */
	uint64_t tx_drop_dma_refused; /* frames dropped because a buffer address was bad */
	uint64_t tx_drop_too_long;    /* frames longer than NICSIM_FRAME_MAX */
	uint64_t tx_drop_wire;        /* the backend could not take the frame (queue full) */
	uint64_t dma_refusals;        /* every refused DMA access (RX + TX + rings) */
	uint64_t interrupts;          /* interrupts delivered through `irq` */
	uint64_t resets;              /* device resets (CTRL.RST or fault) */
	uint64_t link_changes;        /* link up/down transitions */
	uint64_t gen_frames;          /* generator: frames created */
	uint64_t sink_frames;         /* sink: frames consumed */
	uint64_t sink_seq_errors;     /* sink: frames whose sequence number was not the next one */
	uint64_t sink_bad_frames;     /* sink: frames that are not kit frames */
	uint64_t capture_frames;      /* test wire: frames queued for nicsim_capture (total) */
	uint64_t diagnostics;         /* diagnostics emitted (repeats counted) */
};

struct nicsim;

/* Defaults: MAC 02:00:00:00:00:02, test wire, driver "uio_pci_generic", no pinning. */
void nicsim_config_default(struct nicsim_config *cfg);

/* Create the device directory `dir` (made if missing; must not hold another device)
 * and start the model thread. Returns NULL with err filled on failure (not root,
 * directory busy, bad config, ...). */
struct nicsim *nicsim_start(const char *dir, const struct nicsim_config *cfg,
			    char *err, size_t err_len);

/* Two devices joined by a wire (NICSIM_WIRE_PAIR): port 0 TX -> port 1 RX and back.
 * cfg0/cfg1 may differ (MACs); their backend fields are ignored. 0 or -1. */
int nicsim_start_pair(const char *dir0, const struct nicsim_config *cfg0,
		      const char *dir1, const struct nicsim_config *cfg1,
		      struct nicsim **dev0, struct nicsim **dev1, char *err, size_t err_len);

/* Stop the model and remove every file it created (and the directory if it made
 * it), plus DMA files left behind by driver processes that no longer exist.
 * Stopping one port of a pair stops the wire to the other: stop both. NULL is ok. */
void nicsim_stop(struct nicsim *dev);

/* The directory the device lives in. */
const char *nicsim_dir(const struct nicsim *dev);

/* A consistent snapshot of the model's own counters. */
void nicsim_get_counters(struct nicsim *dev, struct nicsim_counters *out);

/* Wait until the model has acted on everything the driver wrote so far and has
 * offered every queued wire frame (or timeout_ms passed). Registers the model owns
 * (RDH, TDH, ICR, statistics) are up to date when it returns 0; -1 on timeout. */
int nicsim_sync(struct nicsim *dev, unsigned timeout_ms);

/* Diagnostics emitted so far, oldest first ("SDM x.y: what is wrong; what to do").
 * A diagnostic repeated later is kept once. The returned string stays valid until
 * nicsim_stop. */
size_t nicsim_diag_count(struct nicsim *dev);
const char *nicsim_diag_get(struct nicsim *dev, size_t index);
/* 1 if some diagnostic contains `needle`, else 0. */
int nicsim_diag_find(struct nicsim *dev, const char *needle);

/* Test wire (NICSIM_WIRE_TEST): put a frame (without FCS) on the device's RX side.
 * Returns 0, or -1 when the wire queue is full or len is 0 / > NICSIM_FRAME_MAX
 * (nothing was offered then). */
int nicsim_inject(struct nicsim *dev, const void *frame, size_t len);
/* Take the oldest frame the driver transmitted. Returns its length, 0 when there is
 * none, or -1 when buf is too small (the frame stays queued). */
int nicsim_capture(struct nicsim *dev, void *buf, size_t len);

/* Wire control for tests and the daemon: link up (1) or down (0) as if the cable
 * was plugged / pulled; and a surprise reset as if the device lost power. */
void nicsim_set_link(struct nicsim *dev, int up);
void nicsim_surprise_reset(struct nicsim *dev);

/* Parse "02:00:00:00:00:02" into mac. 0 or -1. */
int nicsim_parse_mac(const char *text, uint8_t mac[6]);

/* The same device in a process of its own (remote.c): fork + exec of bin (the
 * `nicsim` program) as `nicsim serve`, driven over a socket by every nicsim_* call
 * above. With witness_fd >= 0 the device process writes each diagnostic there as
 * "diag: MESSAGE" lines (the grader's witness pipe). */
struct nicsim *nicsim_start_process(const char *dir, const struct nicsim_config *cfg,
				    const char *bin, int witness_fd, char *err, size_t err_len);
/* `nicsim serve`: the device side; ctl is the socket, witness -1 for none. */
int nicsim_serve(int ctl, int witness);

/* Every BAR0 write in order (trace.c), for tests that grade an order: the driver's
 * mapping bar0 of dev's resource0 is made read-only in this process; each store
 * faults, is let through, and is handed to the device as one write event, so the
 * device judges "RCTL.EN before RDLEN" exactly as a real NIC would. One driver
 * thread, one watched device at a time; x86-64. Returns 0, or -1 with err. */
int nicsim_watch_writes(struct nicsim *dev, volatile uint8_t *bar0, char *err, size_t err_len);
void nicsim_unwatch_writes(void);
/* How many times the driver wrote register reg since nicsim_watch_writes (doorbells). */
uint32_t nicsim_watched_writes(uint32_t reg);

#endif
