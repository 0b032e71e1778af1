/* wire.c — what is on the other end of the device's cable (nicsim.h enum
 * nicsim_backend). wire_poll() brings frames to rx_offer(); wire_transmit() takes
 * the frames the driver sent. Fault injection on the RX wire lives here too.
 *
 * Models: the medium, not the chip: frames cross it without preamble or FCS (the
 * MAC adds and checks the FCS: crc32.c, SDM 13.4.22 SECRC), nothing is sent while
 * the link is down (SDM 13.4.2 STATUS.LU), and PHY loopback (PHY control bit 14
 * through MDIC, SDM 13.4.7) turns the device's TX back into its RX, as QEMU does.
 * Backends: test queue, loopback, pair, generator, sink, pcap, tap. */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define WIRE_BURST 64

/* xorshift64: a small, seeded, reproducible random source for the ppm faults. */
static uint32_t rand_ppm(struct nicsim *dev)
{
	dev->rng ^= dev->rng << 13;
	dev->rng ^= dev->rng >> 7;
	dev->rng ^= dev->rng << 17;
	return (uint32_t)(dev->rng % 1000000);
}

/* A frame crossing the wire towards our RX: apply the wire faults, then offer it. */
static void wire_deliver(struct nicsim *dev, const uint8_t *frame, uint32_t len)
{
	const struct nicsim_faults *f = &dev->cfg.faults;
	static const uint8_t zeros[1600];
	uint8_t big[1600];
	bool bad_fcs = false;

	if (f->rx_loss_ppm && rand_ppm(dev) < f->rx_loss_ppm) {
		count(&dev->cnt.rx_offered, 1);
		count(&dev->cnt.rx_drop_fault, 1);
		return;
	}
	if (f->rx_corrupt_ppm && rand_ppm(dev) < f->rx_corrupt_ppm)
		bad_fcs = true;
	if (f->rx_oversize_ppm && rand_ppm(dev) < f->rx_oversize_ppm && len < sizeof(big)) {
		memcpy(big, frame, len);
		memcpy(big + len, zeros, sizeof(big) - len);
		frame = big;
		len = sizeof(big);
	}
	rx_offer(dev, frame, len, bad_fcs);
	dev->fault_frames++;
}

static int tap_open(struct nicsim *dev, char *err, size_t err_len)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, err_len, "cannot open /dev/net/tun (%s): the TAP backend needs root "
			 "and the tun module (modprobe tun)", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	memcpy(ifr.ifr_name, dev->tap_name, IFNAMSIZ_SIM);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
		snprintf(err, err_len, "cannot create TAP interface %s (%s): pick another name "
			 "with --tap", dev->tap_name, strerror(errno));
		close(fd);
		return -1;
	}
	dev->tap_fd = fd;
	return 0;
}

static void gen_build(struct nicsim *dev)
{
	struct kit_flow flow;

	kit_flow_default(&flow);
	memcpy(flow.dst_mac, dev->cfg.mac, 6);   /* to the device under test */
	dev->gen_len = dev->cfg.gen.frame_len ? dev->cfg.gen.frame_len : KIT_FRAME_MIN;
	kit_frame_build(dev->gen_frame, sizeof(dev->gen_frame), &flow, dev->gen_len, 0, 0);
	dev->gen_seq = 0;
	dev->gen_start_ns = kit_now_ns();
}

int wire_open(struct nicsim *dev, char *err, size_t err_len)
{
	switch (dev->cfg.backend) {
	case NICSIM_WIRE_TEST:
		if (queue_init(&dev->wire_in, 1024) || queue_init(&dev->capture, 1024)) {
			snprintf(err, err_len, "out of memory for the test wire queues");
			return -1;
		}
		return 0;
	case NICSIM_WIRE_PAIR:
		if (queue_init(&dev->wire_in, 4096)) {
			snprintf(err, err_len, "out of memory for the pair wire queue");
			return -1;
		}
		return 0;
	case NICSIM_WIRE_GENERATOR:
		gen_build(dev);
		return 0;
	case NICSIM_WIRE_PCAP:
		if (dev->pcap_in[0]) {
			if (kit_pcap_reader_open(&dev->pcap_reader, dev->pcap_in, err, err_len) != 0)
				return -1;
			dev->pcap_reader_open = 1;
		}
		if (dev->pcap_out[0]) {
			if (kit_pcap_writer_open(&dev->pcap_writer, dev->pcap_out, err, err_len) != 0)
				return -1;
			dev->pcap_writer_open = 1;
		}
		return 0;
	case NICSIM_WIRE_TAP:
		return tap_open(dev, err, err_len);
	case NICSIM_WIRE_LOOPBACK:
	case NICSIM_WIRE_SINK:
		return 0;
	}
	snprintf(err, err_len, "unknown backend %d", (int)dev->cfg.backend);
	return -1;
}

void wire_close(struct nicsim *dev)
{
	if (dev->pcap_reader_open)
		kit_pcap_reader_close(&dev->pcap_reader);
	if (dev->pcap_writer_open)
		kit_pcap_writer_close(&dev->pcap_writer);
	dev->pcap_reader_open = dev->pcap_writer_open = 0;
	if (dev->tap_fd >= 0)
		close(dev->tap_fd);
	dev->tap_fd = -1;
}

/* The kit frame's sequence number: 8 bytes big-endian after the 2-byte magic at
 * the start of the payload (common/frame.h). One 8-byte load or store and a byte
 * swap, where kit_frame_set_seq() goes byte by byte - it runs once per frame. */
static uint64_t seq_read(const uint8_t *frame)
{
	uint64_t be;

	memcpy(&be, frame + KIT_HDRS_LEN + 2, 8);
	return __builtin_bswap64(be);
}

static void seq_write(uint8_t *frame, uint64_t seq)
{
	uint64_t be = __builtin_bswap64(seq);

	memcpy(frame + KIT_HDRS_LEN + 2, &be, 8);
}

/* The generator's fast path: n frames straight into the RX ring, each a copy of
 * the prebuilt frame with only its sequence number patched, and the accounting
 * done once for the burst (rx_burst_begin explains when that is exact). Wire
 * faults decide per frame, so with any fault set every frame takes wire_deliver().
 * Returns how many frames it delivered; the caller sends the rest the slow way. */
static uint32_t gen_burst(struct nicsim *dev, uint32_t n)
{
	const struct nicsim_faults *f = &dev->cfg.faults;
	uint32_t done = 0;

	if (f->rx_loss_ppm || f->rx_corrupt_ppm || f->rx_oversize_ppm)
		return 0;
	n = rx_burst_begin(dev, dev->gen_frame, dev->gen_len, n);
	while (done < n) {
		uint8_t *buf = rx_burst_buffer(dev, dev->gen_len);

		if (!buf)
			break;   /* bad address or changed mappings: rx_offer() handles it */
		memcpy(buf, dev->gen_frame, dev->gen_len);   /* timestamp 0, as ever */
		seq_write(buf, dev->gen_seq++);
		rx_burst_commit(dev, dev->gen_len);
		done++;
	}
	rx_burst_end(dev, dev->gen_frame, dev->gen_len, done);
	dev->fault_frames += done;
	return done;
}

/* Generator: rate 0 fills exactly the free descriptors (a driver that keeps up
 * sees no drops); a rate paces frames on the wire and lets the ring overflow. */
static bool gen_poll(struct nicsim *dev)
{
	const struct nicsim_generator *g = &dev->cfg.gen;
	uint64_t n, done;

	if (g->rate_pps == 0) {
		n = rx_free_descriptors(dev);
		if (dev->rx_fifo_bytes || !dev->link_up || !dev->bus_master)
			n = 0;
	} else {
		uint64_t elapsed = kit_now_ns() - dev->gen_start_ns;
		uint64_t due = (uint64_t)((double)elapsed * (double)g->rate_pps / 1e9);
		n = due > dev->gen_seq ? due - dev->gen_seq : 0;
	}
	if (n > 256)
		n = 256;
	if (g->count && n > g->count - dev->gen_seq)
		n = g->count - dev->gen_seq;
	done = gen_burst(dev, (uint32_t)n);
	for (uint64_t i = done; i < n; i++) {   /* the per-frame path: faults, drops, diagnostics */
		kit_frame_set_seq(dev->gen_frame, dev->gen_seq++, 0);
		wire_deliver(dev, dev->gen_frame, dev->gen_len);
	}
	count(&dev->cnt.gen_frames, n);
	return n > 0;
}

static bool queue_poll(struct nicsim *dev, struct frame_queue *q)
{
	struct frame_slot *s;
	int n = 0;

	while (n < WIRE_BURST && (s = queue_peek(q)) != NULL) {
		wire_deliver(dev, s->data, s->len);
		queue_pop(q);
		n++;
	}
	return n > 0;
}

static bool pcap_poll(struct nicsim *dev)
{
	uint8_t buf[NICSIM_FRAME_MAX];
	char err[256];
	int n = 0;

	if (!dev->pcap_reader_open)
		return false;
	/* Replay as fast as the ring takes frames: nothing is lost to a slow driver. */
	while (n < WIRE_BURST && rx_free_descriptors(dev) > 0 && !dev->rx_fifo_bytes &&
	       dev->link_up && dev->bus_master) {
		uint64_t ts;
		int len = kit_pcap_reader_next(&dev->pcap_reader, buf, sizeof(buf), &ts, err, sizeof(err));

		if (len == KIT_PCAP_TOO_LONG) {
			/* Longer than any frame the device takes, LPE or not: on a wire it
			 * would arrive and be counted oversize (SDM 13.7: ROC). */
			count(&dev->cnt.rx_offered, 1);
			count(&dev->cnt.rx_drop_oversize, 1);
			stat_add(dev, E1K_ROC, 1);
			n++;
			continue;
		}
		if (len <= 0) {
			if (len < 0)
				diag(dev, "pcap replay stopped: %s", err);
			kit_pcap_reader_close(&dev->pcap_reader);
			dev->pcap_reader_open = 0;
			break;
		}
		wire_deliver(dev, buf, (uint32_t)len);
		n++;
	}
	return n > 0;
}

static bool tap_poll(struct nicsim *dev)
{
	uint8_t buf[NICSIM_FRAME_MAX];
	int n = 0;

	while (n < WIRE_BURST) {
		ssize_t len = read(dev->tap_fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		wire_deliver(dev, buf, (uint32_t)len);
		n++;
	}
	return n > 0;
}

bool wire_poll(struct nicsim *dev)
{
	switch (dev->cfg.backend) {
	case NICSIM_WIRE_TEST:
	case NICSIM_WIRE_PAIR:
		if (!queue_peek(&dev->wire_in))
			return false;
		/* Register writes made before the frame was queued are visible now:
		 * act on them first, so "program the ring, then inject" is ordered. */
		regs_poll(dev);
		rx_refresh_filters(dev);
		return queue_poll(dev, &dev->wire_in);
	case NICSIM_WIRE_GENERATOR:
		if (dev->cfg.gen.count && dev->gen_seq >= dev->cfg.gen.count)
			return false;
		rx_refresh_filters(dev);
		return gen_poll(dev);
	case NICSIM_WIRE_PCAP:
		rx_refresh_filters(dev);
		return pcap_poll(dev);
	case NICSIM_WIRE_TAP:
		rx_refresh_filters(dev);
		return tap_poll(dev);
	case NICSIM_WIRE_LOOPBACK:
	case NICSIM_WIRE_SINK:
		return false;
	}
	return false;
}

static void sink_take(struct nicsim *dev, const uint8_t *frame, uint32_t len)
{
	const uint8_t *p = frame + KIT_HDRS_LEN;   /* magic, then seq (frame.h layout) */
	uint64_t seq;

	count(&dev->cnt.sink_frames, 1);
	if (len < KIT_FRAME_MIN || p[0] != (KIT_PAYLOAD_MAGIC >> 8) || p[1] != (KIT_PAYLOAD_MAGIC & 0xFF)) {
		count(&dev->cnt.sink_bad_frames, 1);
		return;
	}
	seq = seq_read(frame);
	if (seq != dev->sink_next_seq)
		count(&dev->cnt.sink_seq_errors, 1);
	dev->sink_next_seq = seq + 1;
}

void wire_transmit(struct nicsim *dev, const uint8_t *frame, uint32_t len)
{
	if (dev->phy[0] & (1u << 14)) {   /* PHY loopback (BMCR bit 14), as QEMU does */
		rx_refresh_filters(dev);
		rx_offer(dev, frame, len, false);
		return;
	}
	if (!dev->link_up) {
		count(&dev->cnt.tx_drop_wire, 1);
		return;
	}
	switch (dev->cfg.backend) {
	case NICSIM_WIRE_TEST:
		if (queue_push(&dev->capture, frame, len) != 0)
			count(&dev->cnt.tx_drop_wire, 1);
		else
			count(&dev->cnt.capture_frames, 1);
		break;
	case NICSIM_WIRE_LOOPBACK:
		rx_refresh_filters(dev);
		wire_deliver(dev, frame, len);
		break;
	case NICSIM_WIRE_PAIR:
		if (!dev->peer_in || queue_push(dev->peer_in, frame, len) != 0)
			count(&dev->cnt.tx_drop_wire, 1);
		break;
	case NICSIM_WIRE_GENERATOR:
		break;   /* counted in tx_frames, goes nowhere */
	case NICSIM_WIRE_SINK:
		sink_take(dev, frame, len);
		break;
	case NICSIM_WIRE_PCAP:
		if (dev->pcap_writer_open)
			kit_pcap_writer_add(&dev->pcap_writer, frame, len, 0);
		break;
	case NICSIM_WIRE_TAP:
		if (write(dev->tap_fd, frame, len) != (ssize_t)len)
			count(&dev->cnt.tx_drop_wire, 1);
		break;
	}
}
