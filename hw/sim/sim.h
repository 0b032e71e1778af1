/*
 * sim.h — internals of the simulated 82540EM, shared by the files of hw/sim.
 * Nothing here is part of the public API (that is nicsim.h).
 *
 * One device = one thread running device_loop() (nicsim.c). Each loop:
 *   1. regs_poll()    notice MMIO writes the driver made (compare with the last value)
 *   2. wire_poll()    take frames from the backend and offer them to rx_offer()
 *   3. rx_drain(), tx_process()  move frames between the rings and the wire
 *   4. irq_update()   raise INTx through the `irq` FIFO when ICR & IMS (irq.c)
 *   5. regs_publish() store the registers the device owns (RDH, TDH, ICR, stats)
 */
#ifndef BYPASSLAB_SIM_H
#define BYPASSLAB_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <sys/types.h>
#include <time.h>

#include "e1000_regs.h"
#include "nicsim.h"
#include "frame.h"
#include "kit_time.h"   /* kit_now_ns(): the one clock (CLOCK_MONOTONIC) */
#include "pcap.h"

#define BAR_WORDS (E1K_BAR0_SIZE / 4)
#define STAT_WORDS ((E1K_STATS_LAST - E1K_STATS_FIRST) / 4 + 1)
#define RX_FIFO_BYTES (48 * 1024)  /* SDM 13.4.15: PBA default gives RX 48 KB */
#define RX_FIFO_SLOTS 512
#define DIAG_MAX 256
#define RX_WB_MAX 64                /* RX descriptors written back in one burst */
#define IFNAMSIZ_SIM 16

/* ---- diag.c: the list of diagnostics a test can search ---- */
struct diag_list {
	pthread_mutex_t lock;
	char *text[DIAG_MAX];
	uint64_t repeats[DIAG_MAX];
	size_t count;
	uint64_t total;
};
struct nicsim;
void diag_init(struct diag_list *d);
void diag_free(struct diag_list *d);
/* Record (and print unless quiet) one diagnostic; printf-style. */
void diag(struct nicsim *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- queue.c: single-producer single-consumer frame queue between threads ---- */
struct frame_slot {
	uint32_t len;
	uint32_t tag;               /* what the producer attached (rx.c: RX error bits) */
	uint8_t data[NICSIM_FRAME_MAX];
};
struct frame_queue {
	struct frame_slot *slots;
	uint32_t size;              /* power of two */
	_Atomic uint32_t head;      /* next slot to read (consumer) */
	_Atomic uint32_t tail;      /* next slot to write (producer) */
};
int queue_init(struct frame_queue *q, uint32_t size);
void queue_free(struct frame_queue *q);
int queue_push(struct frame_queue *q, const void *frame, size_t len);   /* 0 / -1 full */
/* queue_push with a tag the consumer finds in the slot (queue_push: tag 0). */
int queue_push_tagged(struct frame_queue *q, const void *frame, size_t len, uint32_t tag);
/* Pointer to the oldest frame or NULL; queue_pop() releases it. */
struct frame_slot *queue_peek(struct frame_queue *q);
void queue_pop(struct frame_queue *q);
uint32_t queue_count(struct frame_queue *q);

/* ---- dma.c: physical address -> the model's own mapping of the driver's DMA files ---- */
struct dma_extent {            /* physically contiguous run inside one mapped file */
	uint64_t pa;
	uint64_t len;
	uint8_t *va;
};
struct dma_file {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	uint8_t *map;
	size_t size;
	int seen;                  /* still present at the last scan */
};
struct dma_space {
	char dirs[2][PATH_MAX];    /* hugetlbfs mount and /dev/shm, or BYPASSLAB_DMA_DIR */
	int ndirs;
	struct timespec dir_mtime[2];
	struct dma_file *files;
	size_t nfiles;
	struct dma_extent *ext;    /* sorted by pa */
	size_t next;
	size_t last_hit;           /* index of the last extent used (cache) */
	unsigned generation;       /* bumped when mappings go away: drop cached ring pointers */
	int pagemap_fd;
};
/* 0, or -1 with err (not root: PFNs are hidden). */
int dma_init(struct dma_space *s, char *err, size_t err_len);
void dma_free(struct dma_space *s);
/* The model's pointer for [pa, pa+len), or NULL (not in any DMA file, or crossing
 * into physically non-contiguous memory). why (may be NULL) gets the reason. */
uint8_t *dma_resolve(struct dma_space *s, uint64_t pa, uint64_t len, const char **why);
/* Remove bypasslab-dma-<pid>-* files whose process is gone. Returns how many. */
int dma_reap_stale(struct dma_space *s, struct nicsim *dev);

static inline uint8_t *dma_fast(struct dma_space *s, uint64_t pa, uint64_t len)
{
	struct dma_extent *e = &s->ext[s->last_hit];
	if (s->next && pa - e->pa < e->len && len <= e->len - (pa - e->pa))
		return e->va + (pa - e->pa);
	return dma_resolve(s, pa, len, NULL);
}

/* ---- the device ---- */
struct ring {                    /* cached view of one descriptor ring */
	uint64_t base;               /* RDBAL/H or TDBAL/H */
	uint32_t len_bytes;          /* RDLEN / TDLEN */
	uint32_t count;              /* descriptors */
	uint8_t *va;                 /* model pointer to the ring, NULL = not resolved */
	unsigned generation;         /* dma generation va belongs to */
	uint32_t head;               /* RDH / TDH as the device keeps it */
	uint32_t tail;               /* RDT / TDT as last seen */
	bool tail_ok;                /* tail < count */
	bool usable;                 /* ring can be used for DMA now */
};

struct rx_wb_entry {             /* one RX descriptor waiting for its write-back */
	uint32_t index;
	uint16_t length;
	uint8_t errors;
	uint8_t status;
};

struct dd_delay {                /* a TX DD write-back waiting for the fault delay */
	uint64_t due_ns;
	uint32_t index;
};

/* The write trace (trace.c): the driver's process appends, the device takes. */
#define TRACE_SLOTS 8192
struct trace_record {
	uint32_t off, value;
};
struct trace_area {
	uint32_t active;             /* 1 while a driver watches: the device does not poll */
	uint32_t head;               /* next record the driver writes */
	uint32_t tail;               /* next record the device takes */
	uint32_t pad[13];
	struct trace_record rec[TRACE_SLOTS];
};

struct nicsim {
	char dir[PATH_MAX];
	/* A device in a process of its own (remote.c): only these fields are used. */
	bool remote;
	int remote_fd;               /* the socket to `nicsim serve` */
	pid_t remote_pid;
	char remote_msg[512];        /* the last diagnostic fetched */

	int made_dir;                /* nicsim created dir: remove it at stop */
	struct nicsim_config cfg;
	char driver_name[64];
	char tap_name[IFNAMSIZ_SIM];
	char pcap_in[PATH_MAX], pcap_out[PATH_MAX];

	volatile uint32_t *bar;      /* resource0, shared with the driver */
	volatile uint8_t *pci;       /* config, shared with the driver (pwrite) */
	int irq_fd;                  /* write end of the `irq` FIFO */
	int lock_fd;                 /* flock on .nicsim.lock */

	pthread_t thread;
	int thread_started;
	atomic_int stop;
	atomic_uint sync_request;    /* nicsim_sync: bumped by the caller... */
	atomic_uint sync_done;       /* ...and copied here by the device after a full loop */

	/* register engine (regs.c; eeprom.c, phy.c, pci.c, stats.c) */
	uint32_t seen[BAR_WORDS];    /* last value the device saw in each watched word */
	uint32_t pci_seen_cmd;       /* last PCI command+status word seen */
	uint32_t pci_seen_bar0;
	uint32_t ctrl, status, icr, ims;
	uint64_t stat[STAT_WORDS];   /* statistics, before publication */
	bool stats_dirty;
	uint16_t eeprom[E1K_EEPROM_WORDS];
	uint16_t phy[32];
	bool wire_link;              /* cable plugged (fault/link API) */
	bool link_up;                /* STATUS.LU */
	bool bus_master, mem_enable;
	bool warned_no_bus_master;
	bool warned_dd_returned;     /* an RX descriptor came back with DD set (said once) */
	uint32_t rctl, tctl;

	/* interrupts (irq.c) */
	uint32_t irq_count;
	uint32_t delivered_causes;   /* ICR bits at the last delivered interrupt */
	bool intx_asserted;          /* waiting for the driver to clear INTx disable */
	uint64_t last_irq_ns;
	uint64_t rx_timer_due_ns;    /* RDTR/RADV: RXT0 pending at this time (0 = none) */
	uint64_t rx_abs_due_ns;

	/* rings (ring.c, rx.c, tx.c) */
	struct ring rx, tx;
	uint32_t rx_buf_size;        /* from BSIZE/BSEX */
	uint8_t ra_cache[E1K_RA_COUNT][6];
	bool ra_valid[E1K_RA_COUNT];
	uint32_t rdtr, radv;         /* RDTR/RADV as of the current burst */
	struct rx_wb_entry rx_wb[RX_WB_MAX];
	uint32_t rx_wb_count;        /* descriptors waiting for rx_writeback() */
	struct frame_queue rx_fifo;  /* frames waiting for RX descriptors (device-local) */
	uint32_t rx_fifo_bytes;
	uint8_t tx_frame[NICSIM_FRAME_MAX];
	uint32_t tx_frame_len;
	bool tx_frame_bad;           /* part of the current frame could not be read */
	struct dd_delay dd_queue[4096];
	uint32_t dd_head, dd_tail;

	struct dma_space dma;
	struct diag_list diags;
	struct trace_area *trace;    /* .trace in the device directory (trace.c) */
	bool traced;                 /* this loop takes the driver's writes from the trace */
	uint64_t reset_until_ns;     /* CTRL.RST reads 1 until then (0: no reset in progress) */

	/* wire (wire.c) */
	struct frame_queue wire_in;  /* test wire / pair: frames towards our RX */
	struct frame_queue capture;  /* test wire: frames the driver sent */
	struct frame_queue *peer_in; /* pair: the other port's wire_in */
	struct nicsim *peer;
	uint8_t gen_frame[KIT_FRAME_MAX];
	uint32_t gen_len;
	uint64_t gen_seq;
	uint64_t gen_start_ns;
	uint64_t sink_next_seq;
	struct kit_pcap_reader pcap_reader;
	int pcap_reader_open;
	struct kit_pcap_writer pcap_writer;
	int pcap_writer_open;
	int tap_fd;

	/* faults */
	uint64_t rng;
	uint64_t next_flap_ns;
	uint64_t fault_frames;       /* frames that crossed the RX wire */
	bool fault_reset_done;
	atomic_int pending_reset;    /* nicsim_surprise_reset from another thread */
	atomic_int pending_link;     /* -1 none, 0 down, 1 up */

	/* counters: written by the device thread only, read with atomics */
	struct nicsim_counters cnt;
	pthread_mutex_t cnt_lock;    /* guards snapshots against torn multi-field reads */
};

/* count(): one counter += n, readable from other threads. */
static inline void count(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

static inline uint32_t bar_load(struct nicsim *dev, uint32_t off)
{
	return __atomic_load_n(&dev->bar[off / 4], __ATOMIC_ACQUIRE);
}

/* A register the device watches (regs.c), as the driver's writes have set it so far.
 * With the writes traced (trace.c), the value as of the write being handled, in the
 * driver's order, whatever the shared memory holds by now; when polling, the memory
 * itself (the newest value: the device may see a later write first). */
static inline uint32_t reg_value(struct nicsim *dev, uint32_t off)
{
	return dev->traced ? dev->seen[off / 4] : bar_load(dev, off);
}

/* regs.c: the register file and the dispatch of the driver's writes */
void regs_reset(struct nicsim *dev);          /* power-on / CTRL.RST state */
void regs_poll(struct nicsim *dev);
void regs_write_event(struct nicsim *dev, uint32_t off, uint32_t value);   /* one driver write */
void regs_publish(struct nicsim *dev, bool with_stats);
void regs_publish_word(struct nicsim *dev, uint32_t off, uint32_t value);

/* eeprom.c: the EEPROM and EERD (SDM 5.6, 13.4.4) */
void eeprom_init(struct nicsim *dev);
void eeprom_eerd_write(struct nicsim *dev, uint32_t v);

/* phy.c: the PHY behind MDIC and the link (SDM 13.4.7, 13.4.1-2) */
void phy_reset(struct nicsim *dev);
void phy_mdic_write(struct nicsim *dev, uint32_t v);
void link_update(struct nicsim *dev);         /* after CTRL or the cable changed */
void set_link(struct nicsim *dev, bool wire_up);

/* pci.c: PCI configuration space (SDM 4.1) */
void pci_init(struct nicsim *dev);
void pci_poll(struct nicsim *dev);
void pci_publish_cmd(struct nicsim *dev, uint32_t cmd);

/* irq.c: interrupt causes, masks, ITR, INTx (SDM 13.4.17-21) */
void raise_cause(struct nicsim *dev, uint32_t causes);
void irq_write(struct nicsim *dev, uint32_t off, uint32_t v);   /* ICR, ICS, IMS, IMC */
void irq_update(struct nicsim *dev);

/* stats.c: statistics registers (SDM 13.7) */
void stat_add(struct nicsim *dev, uint32_t off, uint64_t n);
void stat_add64(struct nicsim *dev, uint32_t off_low, uint64_t n);
void stats_poll(struct nicsim *dev);          /* the driver's writes (0 clears) */
void stats_publish(struct nicsim *dev);

/* ring.c: one descriptor ring as the device sees it */
struct ring_regs {               /* the registers and SDM section of one ring */
	uint32_t bal, bah, len;      /* RDBAL/RDBAH/RDLEN or TDBAL/TDBAH/TDLEN */
	const char *name;            /* "RX", "TX", for diagnostics */
	const char *sdm;             /* the SDM section on the ring */
};
extern const struct ring_regs rx_ring_regs, tx_ring_regs;
/* Read the ring's base and length and resolve it to model memory: false (with a
 * diagnostic when the driver got it wrong) while the ring cannot be used. */
bool ring_prepare(struct nicsim *dev, struct ring *r, const struct ring_regs *regs);
const char *address_hint(uint64_t pa);

/* rx.c */
void rx_configure(struct nicsim *dev);          /* after RCTL/RDBA/RDLEN changes */
void rx_tail_written(struct nicsim *dev, uint32_t rdt);
/* Offer one wire frame (no FCS) to the device. fcs_bad: the frame arrived with a
 * bad CRC (fault injection). */
void rx_offer(struct nicsim *dev, const uint8_t *frame, uint32_t len, bool fcs_bad);
void rx_drain(struct nicsim *dev);
void rx_refresh_filters(struct nicsim *dev);
void rx_writeback(struct nicsim *dev);
/* The generator's fast path (wire.c): a burst of frames that differ only in their
 * payload. rx_burst_begin() says how many of `want` may skip the per-frame checks
 * (0: use rx_offer for each); then per frame rx_burst_buffer() (NULL: stop, let
 * rx_offer report the bad address), fill it, rx_burst_commit(); rx_burst_end()
 * does the accounting of the n frames stored. */
uint32_t rx_burst_begin(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint32_t want);
uint8_t *rx_burst_buffer(struct nicsim *dev, uint32_t len);
void rx_burst_commit(struct nicsim *dev, uint32_t len);
void rx_burst_end(struct nicsim *dev, const uint8_t *frame, uint32_t len, uint32_t n);
void rx_timers(struct nicsim *dev, uint64_t now);
uint32_t rx_free_descriptors(struct nicsim *dev);
void rx_flush_fifo(struct nicsim *dev, uint64_t *drop_counter);

/* tx.c */
void tx_configure(struct nicsim *dev);
void tx_tail_written(struct nicsim *dev, uint32_t tdt);
bool tx_process(struct nicsim *dev);
void tx_dd_flush(struct nicsim *dev, uint64_t now, bool all);

/* wire.c */
void remote_stop(struct nicsim *dev);
void remote_get_counters(struct nicsim *dev, struct nicsim_counters *out);
int remote_sync(struct nicsim *dev, unsigned timeout_ms);
int remote_inject(struct nicsim *dev, const void *frame, size_t len);
int remote_capture(struct nicsim *dev, void *buf, size_t len);
void remote_set_link(struct nicsim *dev, int up);
void remote_surprise_reset(struct nicsim *dev);
size_t remote_diag_count(struct nicsim *dev);
const char *remote_diag_get(struct nicsim *dev, size_t index);
int remote_diag_find(struct nicsim *dev, const char *needle);
int trace_create(struct nicsim *dev, char *err, size_t err_len);
void trace_remove(struct nicsim *dev);
bool trace_drain(struct nicsim *dev);   /* true while the trace replaces polling */
int wire_open(struct nicsim *dev, char *err, size_t err_len);
void wire_close(struct nicsim *dev);
bool wire_poll(struct nicsim *dev);             /* true if it offered frames */
void wire_transmit(struct nicsim *dev, const uint8_t *frame, uint32_t len);

/* devdir.c */
int devdir_create(struct nicsim *dev, char *err, size_t err_len);
void devdir_remove(struct nicsim *dev);

/* crc32.c: the Ethernet FCS (IEEE 802.3 CRC-32) */
uint32_t eth_crc32(const uint8_t *data, size_t len);

#endif
