/* nicsim.c — life cycle of a simulated device and its thread (see sim.h for the
 * shape of one loop), plus the small public API of nicsim.h.
 *
 * Models: the device as a whole: its power-on state (PCI config space, SDM 4.1, in
 * pci.c; the EEPROM, SDM 5.6, in eeprom.c; the registers, SDM 13, in regs.c), and
 * the NIC's logic as one loop that notices register writes, moves frames between
 * the wire and the rings and raises interrupts. The faults a test asks for (link
 * flaps, surprise resets) are applied here too. */
#include "sim.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void nicsim_config_default(struct nicsim_config *cfg)
{
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

	memset(cfg, 0, sizeof(*cfg));
	memcpy(cfg->mac, mac, 6);
	cfg->backend = NICSIM_WIRE_TEST;
	cfg->cpu = -1;
}

int nicsim_parse_mac(const char *text, uint8_t mac[6])
{
	unsigned b[6];
	char end;

	if (!text || sscanf(text, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xFF)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int check_config(const struct nicsim_config *cfg, char *err, size_t err_len)
{
	if (cfg->mac[0] & 1) {
		snprintf(err, err_len, "MAC %02x:%02x:%02x:%02x:%02x:%02x is a multicast address; "
			 "a NIC needs a unicast MAC (first byte even, e.g. 02:00:00:00:00:02)",
			 cfg->mac[0], cfg->mac[1], cfg->mac[2], cfg->mac[3], cfg->mac[4], cfg->mac[5]);
		return -1;
	}
	if ((unsigned)cfg->backend > NICSIM_WIRE_TAP) {
		snprintf(err, err_len, "unknown backend %d", (int)cfg->backend);
		return -1;
	}
	if (cfg->backend == NICSIM_WIRE_GENERATOR && cfg->gen.frame_len &&
	    (cfg->gen.frame_len < KIT_FRAME_MIN || cfg->gen.frame_len > KIT_FRAME_MAX)) {
		snprintf(err, err_len, "generator frame size %u is out of range: use %d..%d bytes "
			 "(without FCS; 60 is a \"64-byte frame\")", cfg->gen.frame_len,
			 KIT_FRAME_MIN, KIT_FRAME_MAX);
		return -1;
	}
	if (cfg->backend == NICSIM_WIRE_PCAP && !cfg->pcap_in && !cfg->pcap_out) {
		snprintf(err, err_len, "the pcap backend needs pcap_in and/or pcap_out "
			 "(--pcap-in FILE, --pcap-out FILE)");
		return -1;
	}
	if (cfg->backend == NICSIM_WIRE_TAP && (!cfg->tap_name || !cfg->tap_name[0] ||
						 strlen(cfg->tap_name) >= 16)) {
		snprintf(err, err_len, "the TAP backend needs an interface name of 1..15 characters (--tap NAME)");
		return -1;
	}
	if (cfg->faults.rx_loss_ppm > 1000000 || cfg->faults.rx_corrupt_ppm > 1000000 ||
	    cfg->faults.rx_oversize_ppm > 1000000) {
		snprintf(err, err_len, "fault rates are in parts per million: use 0..1000000");
		return -1;
	}
	return 0;
}

static void handle_requests(struct nicsim *dev, uint64_t t)
{
	int link = atomic_exchange(&dev->pending_link, -1);
	const struct nicsim_faults *f = &dev->cfg.faults;

	if (link >= 0)
		set_link(dev, link == 1);
	if (f->link_flap_ms) {
		if (!dev->next_flap_ns)
			dev->next_flap_ns = t + (uint64_t)f->link_flap_ms * 1000000;
		if (t >= dev->next_flap_ns) {
			set_link(dev, !dev->wire_link);
			dev->next_flap_ns = t + (uint64_t)f->link_flap_ms * 1000000;
		}
	}
	if (f->reset_after_frames && !dev->fault_reset_done &&
	    dev->fault_frames + dev->cnt.tx_frames >= f->reset_after_frames) {
		dev->fault_reset_done = true;   /* once per device */
		atomic_store(&dev->pending_reset, 1);
	}
	if (atomic_exchange(&dev->pending_reset, 0)) {
		diag(dev, "fault: surprise reset — the device lost its state (like CTRL.RST or "
		     "a power glitch); the driver must notice (e.g. STATUS.LU clear, RCTL reads 0) "
		     "and initialise it again");
		count(&dev->cnt.resets, 1);
		regs_reset(dev);
	}
}

static void pin_to_cpu(struct nicsim *dev)
{
	cpu_set_t set;

	if (dev->cfg.cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(dev->cfg.cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		diag(dev, "cannot pin the device thread to CPU %d; running unpinned", dev->cfg.cpu);
}

static void *device_loop(void *arg)
{
	struct nicsim *dev = arg;
	unsigned idle = 0, iter = 0;

	pin_to_cpu(dev);
	while (!atomic_load_explicit(&dev->stop, memory_order_acquire)) {
		unsigned want = atomic_load_explicit(&dev->sync_request, memory_order_acquire);
		bool busy;
		uint64_t t = 0;

		pci_poll(dev);
		if (!trace_drain(dev))
			regs_poll(dev);
		busy = wire_poll(dev);
		rx_drain(dev);
		rx_writeback(dev);
		busy |= tx_process(dev);
		rx_writeback(dev);   /* loopback: frames received during TX */
		if (dev->rx_timer_due_ns || dev->rx_abs_due_ns || dev->dd_head != dev->dd_tail ||
		    dev->cfg.faults.link_flap_ms || !busy || (iter & 63) == 0) {
			t = kit_now_ns();
			rx_timers(dev, t);
			tx_dd_flush(dev, t, false);
			handle_requests(dev, t);
		}
		irq_update(dev);
		iter++;
		regs_publish(dev, !busy || want != atomic_load(&dev->sync_done) || (iter & 1023) == 0);
		if (want != atomic_load(&dev->sync_done) && !busy &&
		    (!dev->wire_in.slots || !queue_peek(&dev->wire_in)))
			atomic_store_explicit(&dev->sync_done, want, memory_order_release);
		if (busy) {
			idle = 0;
		} else if (++idle > 2000) {
			struct timespec ts = { 0, 20000 };
			nanosleep(&ts, NULL);   /* nothing to do: stop burning the core */
		} else {
			__builtin_ia32_pause();
		}
	}
	return NULL;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void release(struct nicsim *dev)
{
	wire_close(dev);
	if (dev->dma.pagemap_fd > 0) {
		dma_reap_stale(&dev->dma, dev);
		dma_free(&dev->dma);
	}
	trace_remove(dev);
	devdir_remove(dev);
	queue_free(&dev->wire_in);
	queue_free(&dev->capture);
	queue_free(&dev->rx_fifo);
	diag_free(&dev->diags);
	free(dev);
}

struct nicsim *nicsim_start(const char *dir, const struct nicsim_config *cfg,
			    char *err, size_t err_len)
{
	struct nicsim *dev;

	if (!dir || !dir[0] || strlen(dir) >= PATH_MAX - 32) {
		snprintf(err, err_len, "give a device directory path (e.g. /tmp/nic0)");
		return NULL;
	}
	if (check_config(cfg, err, err_len) != 0)
		return NULL;
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	dev->cfg = *cfg;
	dev->irq_fd = dev->lock_fd = dev->tap_fd = -1;
	copy_str(dev->dir, sizeof(dev->dir), dir);
	copy_str(dev->driver_name, sizeof(dev->driver_name),
		 cfg->driver_name && cfg->driver_name[0] ? cfg->driver_name : "uio_pci_generic");
	copy_str(dev->pcap_in, sizeof(dev->pcap_in), cfg->pcap_in);
	copy_str(dev->pcap_out, sizeof(dev->pcap_out), cfg->pcap_out);
	copy_str(dev->tap_name, sizeof(dev->tap_name), cfg->tap_name);
	dev->cfg.driver_name = dev->cfg.pcap_in = dev->cfg.pcap_out = dev->cfg.tap_name = NULL;
	dev->rng = cfg->faults.seed ? cfg->faults.seed : 0x9E3779B97F4A7C15ull;
	atomic_store(&dev->pending_link, -1);
	diag_init(&dev->diags);

	if (dma_init(&dev->dma, err, err_len) != 0) {
		dev->dma.pagemap_fd = -1;
		release(dev);
		return NULL;
	}
	if (devdir_create(dev, err, err_len) != 0 || trace_create(dev, err, err_len) != 0 || queue_init(&dev->rx_fifo, RX_FIFO_SLOTS) != 0 ||
	    wire_open(dev, err, err_len) != 0) {
		release(dev);
		return NULL;
	}
	eeprom_init(dev);
	pci_init(dev);
	dev->wire_link = true;
	regs_reset(dev);
	if (pthread_create(&dev->thread, NULL, device_loop, dev) != 0) {
		snprintf(err, err_len, "cannot start the device thread: %s", strerror(errno));
		release(dev);
		return NULL;
	}
	dev->thread_started = 1;
	return dev;
}

int nicsim_start_pair(const char *dir0, const struct nicsim_config *cfg0,
		      const char *dir1, const struct nicsim_config *cfg1,
		      struct nicsim **dev0, struct nicsim **dev1, char *err, size_t err_len)
{
	struct nicsim_config c0 = *cfg0, c1 = *cfg1;

	if (memcmp(c0.mac, c1.mac, 6) == 0)
		c1.mac[5] ^= 0x01;   /* two ports need two addresses */
	c0.backend = c1.backend = NICSIM_WIRE_PAIR;
	*dev0 = nicsim_start(dir0, &c0, err, err_len);
	if (!*dev0)
		return -1;
	*dev1 = nicsim_start(dir1, &c1, err, err_len);
	if (!*dev1) {
		nicsim_stop(*dev0);
		*dev0 = NULL;
		return -1;
	}
	/* Safe to link now: the queues exist and a NULL peer_in only drops frames. */
	__atomic_store_n(&(*dev0)->peer_in, &(*dev1)->wire_in, __ATOMIC_RELEASE);
	__atomic_store_n(&(*dev1)->peer_in, &(*dev0)->wire_in, __ATOMIC_RELEASE);
	(*dev0)->peer = *dev1;
	(*dev1)->peer = *dev0;
	return 0;
}

static void halt_thread(struct nicsim *dev)
{
	if (!dev->thread_started)
		return;
	atomic_store(&dev->stop, 1);
	pthread_join(dev->thread, NULL);
	dev->thread_started = 0;
}

void nicsim_stop(struct nicsim *dev)
{
	if (!dev)
		return;
	if (dev->remote) {
		remote_stop(dev);
		return;
	}
	if (dev->peer) {
		/* The other port pushes into our queue: stop it before freeing ours. */
		halt_thread(dev->peer);
		dev->peer->peer_in = NULL;
		dev->peer->peer = NULL;
	}
	halt_thread(dev);
	tx_dd_flush(dev, 0, true);
	release(dev);
}

const char *nicsim_dir(const struct nicsim *dev)
{
	return dev->dir;
}

void nicsim_get_counters(struct nicsim *dev, struct nicsim_counters *out)
{
	if (dev->remote) {
		remote_get_counters(dev, out);
		return;
	}
	const uint64_t *src = (const uint64_t *)&dev->cnt;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

int nicsim_sync(struct nicsim *dev, unsigned timeout_ms)
{
	if (dev->remote)
		return remote_sync(dev, timeout_ms);
	unsigned want = atomic_fetch_add(&dev->sync_request, 1) + 1;
	uint64_t deadline = kit_now_ns() + (uint64_t)timeout_ms * 1000000;

	/* Two rounds: the first may have started before our request was visible. */
	while ((int)(atomic_load_explicit(&dev->sync_done, memory_order_acquire) - want) < 0) {
		struct timespec ts = { 0, 20000 };
		if (!dev->thread_started || kit_now_ns() > deadline)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

int nicsim_inject(struct nicsim *dev, const void *frame, size_t len)
{
	if (dev->remote)
		return remote_inject(dev, frame, len);
	if (dev->cfg.backend != NICSIM_WIRE_TEST || len == 0 || len > NICSIM_FRAME_MAX)
		return -1;
	return queue_push(&dev->wire_in, frame, len);
}

int nicsim_capture(struct nicsim *dev, void *buf, size_t len)
{
	struct frame_slot *s;
	int n;

	if (dev->remote)
		return remote_capture(dev, buf, len);
	if (dev->cfg.backend != NICSIM_WIRE_TEST || !(s = queue_peek(&dev->capture)))
		return 0;
	if (s->len > len)
		return -1;
	memcpy(buf, s->data, s->len);
	n = (int)s->len;
	queue_pop(&dev->capture);
	return n;
}

void nicsim_set_link(struct nicsim *dev, int up)
{
	if (dev->remote) {
		remote_set_link(dev, up);
		return;
	}
	atomic_store(&dev->pending_link, up ? 1 : 0);
}

void nicsim_surprise_reset(struct nicsim *dev)
{
	if (dev->remote) {
		remote_surprise_reset(dev);
		return;
	}
	atomic_store(&dev->pending_reset, 1);
}
