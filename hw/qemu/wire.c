/*
 * wire.c — the host's end of a QEMU NIC whose netdev is `-netdev dgram` over unix
 * sockets (hw/qemu/run puts them in its run directory). No root needed.
 *
 * QEMU's dgram netdev: one datagram = one Ethernet frame, without FCS. QEMU binds
 * local.path (nicN.qemu) and sends what the guest transmits to remote.path (nicN.host).
 * wire binds nicN.host, connects to nicN.qemu, then
 *   - injects N frames of the kit's test format (common/frame.h), or the frames of a
 *     pcap (common/pcap.h), optionally paced to a rate;
 *   - captures what the guest sends into a pcap, and counts the kit frames among them
 *     (received, lost, reordered, duplicates).
 * Everything is counted: requested = sent + not_sent, and every datagram received is
 * either a kit frame or "other". Everything has a deadline (--time): wire never hangs.
 *
 * Flow control: QEMU reads its socket only while the e1000 can take a frame (RX
 * enabled, free descriptors), so a guest that does not receive makes our sends block.
 * wire waits (poll for POLLOUT, which works because the socket is connected) until
 * the deadline and reports the rest as not_sent. In the other direction QEMU sends
 * without waiting beyond a small queue, so wire drains its socket between sends and
 * asks for a large receive buffer.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "kit_time.h"
#include "pcap.h"

#define RCVBUF_WANTED (64 << 20)   /* bytes; capped by net.core.rmem_max without root */
#define FRAME_BUF     65536

struct options {
	const char *sock_path;     /* QEMU's socket (local.path): we send here */
	const char *bind_path;     /* our socket (remote.path): the guest's frames come here */
	uint64_t count;            /* frames to send */
	size_t len;                /* kit frame length */
	double rate;               /* frames per second, 0 = unpaced */
	const char *pcap_in;
	const char *pcap_out;
	double time_limit;         /* seconds, for everything */
	uint64_t expect;           /* stop once this many kit frames arrived */
	double idle;               /* stop after this long without a frame, once sending is done */
	const char *ready_file;
	const char *wait_file;
	const char *until_file;
	int verbose;
	struct kit_flow flow;
};

struct counters {
	uint64_t sent, not_sent;
	double first_send, last_send;   /* seconds, for the send rate */
	uint64_t rx_frames, rx_bytes, rx_kit, rx_other, rx_arp, rx_bad;
	uint64_t reordered, duplicate;
	uint64_t seq_min, seq_max, unique;
	uint8_t *seen;             /* bitmap of kit sequence numbers received */
	uint64_t seen_bits;
};

/* The kit's one clock (common/kit_time.h), in seconds. */
static double now_s(void)
{
	return (double)kit_now_ns() / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wire --sock NICn.qemu [--bind NICn.host] [options]\n"
		"  -s, --sock PATH      QEMU's socket for the NIC (-netdev dgram local.path); frames go here\n"
		"  -b, --bind PATH      our socket (remote.path); the guest's frames arrive here\n"
		"  -n, --count N        send N kit frames (default 0); with --pcap-in: at most N\n"
		"  -l, --len BYTES      kit frame length, %d..%d without FCS (default %d)\n"
		"  -r, --rate PPS       pace sending (default: as fast as QEMU takes them)\n"
		"  -p, --pcap-in FILE   send the frames of FILE instead of kit frames\n"
		"  -w, --pcap-out FILE  write every frame received to FILE\n"
		"  -t, --time SEC       hard limit for the whole run (default 10)\n"
		"  -e, --expect N       stop once N kit frames arrived (lost = N - received)\n"
		"  -i, --idle SEC       stop after SEC without a frame, once sending is done\n"
		"      --ready FILE     create FILE once bound (the guest can wait for it)\n"
		"      --wait FILE      do not send before FILE exists (within --time)\n"
		"      --until FILE     stop once FILE exists (the guest is done) and nothing\n"
		"                       arrived for 300 ms (QEMU's queue drained)\n"
		"      --dst-mac MAC    destination of kit frames (default 02:00:00:00:00:02;\n"
		"                       the guest's NIC drops unicast frames not for its MAC)\n"
		"      --src-mac MAC    source of kit frames (default 02:00:00:00:00:01)\n"
		"  -v, --verbose        one line per frame received\n"
		"Prints one line: wire: sent=.. not_sent=.. rx_frames=.. rx_kit=.. lost=.. ...\n"
		"Exit: 0 ok, 1 not everything sent or --expect not met, 2 bad usage or setup.\n",
		KIT_FRAME_MIN, KIT_FRAME_MAX, KIT_FRAME_MIN);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char end;
	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "sock", required_argument, NULL, 's' },
		{ "bind", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "len", required_argument, NULL, 'l' },
		{ "rate", required_argument, NULL, 'r' },
		{ "pcap-in", required_argument, NULL, 'p' },
		{ "pcap-out", required_argument, NULL, 'w' },
		{ "time", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ "idle", required_argument, NULL, 'i' },
		{ "ready", required_argument, NULL, 'R' },
		{ "wait", required_argument, NULL, 'W' },
		{ "until", required_argument, NULL, 'U' },
		{ "dst-mac", required_argument, NULL, 'D' },
		{ "src-mac", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof(*o));
	o->len = KIT_FRAME_MIN;
	o->time_limit = 10;
	kit_flow_default(&o->flow);

	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "s:b:n:l:r:p:w:t:e:i:vh", longopts, NULL)) != -1) {
		end = NULL;
		switch (c) {
		case 's': o->sock_path = optarg; break;
		case 'b': o->bind_path = optarg; break;
		case 'n': o->count = strtoull(optarg, &end, 10); break;
		case 'l': o->len = strtoul(optarg, &end, 10); break;
		case 'r': o->rate = strtod(optarg, &end); break;
		case 'p': o->pcap_in = optarg; break;
		case 'w': o->pcap_out = optarg; break;
		case 't': o->time_limit = strtod(optarg, &end); break;
		case 'e': o->expect = strtoull(optarg, &end, 10); break;
		case 'i': o->idle = strtod(optarg, &end); break;
		case 'R': o->ready_file = optarg; break;
		case 'W': o->wait_file = optarg; break;
		case 'U': o->until_file = optarg; break;
		case 'D':
		case 'S':
			if (parse_mac(optarg, c == 'D' ? o->flow.dst_mac : o->flow.src_mac) < 0) {
				fprintf(stderr, "wire: '%s' is not a MAC address (aa:bb:cc:dd:ee:ff)\n", optarg);
				return -1;
			}
			break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
		/* A number is digits (a decimal point for rates and times): no sign, no
		 * trailing text, nothing strtoull would quietly wrap or saturate. */
		if (end && (*end != '\0' || end == optarg || strchr(optarg, '-') ||
			    strlen(optarg) > 15)) {
			fprintf(stderr, "wire: '%s' is not a number for -%c (a whole number of at most 15 "
				"digits; --rate, --time, --idle may have a decimal point)\n", optarg, c);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "wire: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	/* The sockets' directory must be there (QEMU makes the socket in it, the run
	 * directory): a path that can never appear is an error now, not a 60 s wait. */
	const char *paths[2] = { o->sock_path, o->bind_path };
	for (int k = 0; k < 2; k++) {
		if (!paths[k])
			continue;
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", paths[k]);
		char *slash = strrchr(parent, '/');
		struct stat st;
		if (!paths[k][0] || (slash && slash != parent && (*slash = 0, stat(parent, &st) != 0))) {
			fprintf(stderr, "wire: %s '%s': no such directory (give the run directory's "
				"nicN.qemu / nicN.host)\n", k ? "--bind" : "--sock", paths[k]);
			return -1;
		}
	}
	if (!o->sock_path && !o->bind_path) {
		fprintf(stderr, "wire: give --sock (to send) and/or --bind (to receive); see --help\n");
		return -1;
	}
	if ((o->count || o->pcap_in) && !o->sock_path) {
		fprintf(stderr, "wire: sending needs --sock (QEMU's nicN.qemu socket)\n");
		return -1;
	}
	if (o->len < KIT_FRAME_MIN || o->len > KIT_FRAME_MAX) {
		fprintf(stderr, "wire: --len %zu: a kit frame is %d..%d bytes\n", o->len,
			KIT_FRAME_MIN, KIT_FRAME_MAX);
		return -1;
	}
	if (o->time_limit <= 0 || o->rate < 0 || o->idle < 0) {
		fprintf(stderr, "wire: --time must be > 0, --rate and --idle >= 0\n");
		return -1;
	}
	return 0;
}

/* SIGTERM (hw/qemu/run stops an overrunning host command so) and SIGINT end the run
 * like its deadline: the pcap is already whole (each record is one write), the summary
 * line is still printed. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

/* Our socket: bound to --bind (to receive), connected to --sock (to send, and so that
 * poll's POLLOUT tells when QEMU's queue has room). QEMU may still be starting: retry
 * the connect until the deadline. */
static int open_socket(const struct options *o, double deadline)
{
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("wire: socket");
		return -1;
	}
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (o->bind_path) {
		if (strlen(o->bind_path) >= sizeof(addr.sun_path)) {
			fprintf(stderr, "wire: --bind path longer than %zu bytes\n", sizeof(addr.sun_path) - 1);
			return -1;
		}
		strcpy(addr.sun_path, o->bind_path);
		unlink(o->bind_path);   /* a stale socket file from an earlier run */
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			fprintf(stderr, "wire: bind %s: %s\n", o->bind_path, strerror(errno));
			return -1;
		}
		int want = RCVBUF_WANTED;
		/* SO_RCVBUFFORCE passes rmem_max (root only); else take what SO_RCVBUF gives. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	}
	if (o->sock_path) {
		if (strlen(o->sock_path) >= sizeof(addr.sun_path)) {
			fprintf(stderr, "wire: --sock path longer than %zu bytes\n", sizeof(addr.sun_path) - 1);
			return -1;
		}
		memset(addr.sun_path, 0, sizeof(addr.sun_path));
		strcpy(addr.sun_path, o->sock_path);
		while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			if ((errno != ENOENT && errno != ECONNREFUSED) || now_s() > deadline || stop_signal) {
				fprintf(stderr, "wire: connect %s: %s (is the guest running? hw/qemu/run "
					"makes nicN.qemu in its run directory)\n", o->sock_path, strerror(errno));
				return -1;
			}
			usleep(20000);
		}
	}
	return fd;
}

/* Record one kit sequence number: duplicates, reordering, and the set for "lost". */
static void count_seq(struct counters *k, uint64_t seq)
{
	if (seq >= k->seen_bits) {
		uint64_t bits = k->seen_bits ? k->seen_bits : 1 << 16;
		while (bits <= seq && bits < (1ull << 32))
			bits *= 2;
		if (seq >= bits) {   /* absurd sequence number: count, do not track */
			k->rx_kit++;
			return;
		}
		uint8_t *p = realloc(k->seen, bits / 8);
		if (!p) {
			k->rx_kit++;
			return;
		}
		memset(p + k->seen_bits / 8, 0, (bits - k->seen_bits) / 8);
		k->seen = p;
		k->seen_bits = bits;
	}
	k->rx_kit++;
	if (k->seen[seq / 8] & (1u << (seq % 8))) {
		k->duplicate++;
		return;
	}
	k->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
	if (k->unique > 0 && seq < k->seq_max)
		k->reordered++;
	if (k->unique == 0 || seq < k->seq_min)
		k->seq_min = seq;
	if (k->unique == 0 || seq > k->seq_max)
		k->seq_max = seq;
	k->unique++;
}

static void print_frame(const uint8_t *f, size_t len, int parse_result, const struct kit_frame_info *info)
{
	printf("wire: rx %zu bytes %02x:%02x:%02x:%02x:%02x:%02x -> %02x:%02x:%02x:%02x:%02x:%02x type 0x%04x",
	       len, f[6], f[7], f[8], f[9], f[10], f[11], f[0], f[1], f[2], f[3], f[4], f[5],
	       len >= 14 ? (f[12] << 8) | f[13] : 0);
	if (parse_result == KIT_FRAME_OK)
		printf(" kit seq %llu", (unsigned long long)info->seq);
	printf("\n");
}

/* Drain every frame waiting on the socket. Returns how many arrived, or -1. */
static int receive_all(int fd, const struct options *o, struct counters *k,
		       struct kit_pcap_writer *pcap)
{
	static uint8_t buf[FRAME_BUF];
	int got = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return got;
			perror("wire: recv");
			return -1;
		}
		got++;
		k->rx_frames++;
		k->rx_bytes += (uint64_t)n;
		if (pcap && pcap->fd >= 0)
			kit_pcap_writer_add(pcap, buf, (size_t)n, 0);
		struct kit_frame_info info;
		int r = kit_frame_parse(buf, (size_t)n, &info);
		if (r == KIT_FRAME_OK) {
			count_seq(k, info.seq);
		} else {
			k->rx_other++;
			if (n >= 14 && ((buf[12] << 8) | buf[13]) == KIT_ETHERTYPE_ARP)
				k->rx_arp++;
			if (r == KIT_FRAME_BAD_IP_HEADER || r == KIT_FRAME_BAD_IP_CHECKSUM ||
			    r == KIT_FRAME_BAD_UDP_LENGTH)
				k->rx_bad++;
		}
		if (o->verbose)
			print_frame(buf, (size_t)n, r, &info);
	}
}

/* The next frame to send into buf; 0 when there is none left, -1 on error. */
static int next_frame(const struct options *o, struct kit_pcap_reader *in, uint64_t i,
		      uint8_t *buf, size_t *len)
{
	if (o->count && i >= o->count)
		return 0;
	if (o->pcap_in) {
		char err[256];
		int n = kit_pcap_reader_next(in, buf, FRAME_BUF, NULL, err, sizeof(err));
		while (n == KIT_PCAP_TOO_LONG) {   /* no NIC takes it: say so, send the rest */
			fprintf(stderr, "wire: warning: %s\n", err);
			n = kit_pcap_reader_next(in, buf, FRAME_BUF, NULL, err, sizeof(err));
		}
		if (n < 0) {
			fprintf(stderr, "wire: %s\n", err);
			return -1;
		}
		*len = (size_t)n;
		return n > 0;
	}
	*len = kit_frame_build(buf, FRAME_BUF, &o->flow, o->len, i, kit_now_ns());
	return 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;   /* no SA_RESTART: poll() returns at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct options o;
	if (parse_args(argc, argv, &o) < 0)
		return 2;

	double start = now_s();
	double deadline = start + o.time_limit;
	struct counters k = { 0 };
	struct kit_pcap_writer pcap_out = { .fd = -1, .frames = 0 };
	struct kit_pcap_reader pcap_in = { 0 };
	char err[256];

	if (o.pcap_out && kit_pcap_writer_open(&pcap_out, o.pcap_out, err, sizeof(err)) < 0) {
		fprintf(stderr, "wire: %s\n", err);
		return 2;
	}
	if (o.pcap_in && kit_pcap_reader_open(&pcap_in, o.pcap_in, err, sizeof(err)) < 0) {
		fprintf(stderr, "wire: %s\n", err);
		return 2;
	}
	int fd = open_socket(&o, deadline);
	if (fd < 0)
		return 2;
	if (o.ready_file) {
		int rf = open(o.ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (rf < 0) {
			fprintf(stderr, "wire: --ready %s: %s\n", o.ready_file, strerror(errno));
			return 2;
		}
		close(rf);
	}

	int sending = o.count > 0 || o.pcap_in;
	int status = 0;
	uint64_t index = 0;             /* frames taken from the source so far */
	static uint8_t frame[FRAME_BUF];
	size_t frame_len = 0;
	int have_frame = 0;             /* frame[] holds one not yet sent */
	double last_rx = now_s();
	double send_done_at = sending ? 0 : start;
	int waited = o.wait_file == NULL;   /* --wait FILE seen */
	int until = 0;                      /* --until FILE seen */
	double files_checked = 0;

	while (now_s() < deadline) {
		double t = now_s();
		double wait_s = 0.05;   /* poll at most this long; short, to see the deadline */
		int blocked = 0;        /* QEMU's queue is full: wait for POLLOUT */

		/* The guest's signal files, looked at every 20 ms (not per frame). */
		if (t - files_checked > 0.02 && (!waited || o.until_file)) {
			struct stat st;
			files_checked = t;
			waited = waited || stat(o.wait_file, &st) == 0;
			until = o.until_file && stat(o.until_file, &st) == 0;
		}
		int may_send = sending && waited;

		if (may_send && !have_frame) {
			int r = next_frame(&o, &pcap_in, index, frame, &frame_len);
			if (r < 0) {
				status = 1;
				sending = 0;
			} else if (r == 0) {
				sending = 0;
				send_done_at = t;
			} else {
				have_frame = 1;
				index++;
			}
		}
		if (may_send && have_frame) {
			double due = o.rate > 0 ? start + (double)(index - 1) / o.rate : t;
			if (t < due) {
				wait_s = due - t < wait_s ? due - t : wait_s;
			} else {
				if (!o.pcap_in)   /* timestamp at the moment it leaves */
					kit_frame_set_seq(frame, index - 1, kit_now_ns());
				if (send(fd, frame, frame_len, 0) == (ssize_t)frame_len) {
					if (k.sent++ == 0)
						k.first_send = t;
					k.last_send = t;
					have_frame = 0;
					wait_s = 0;
				} else if (errno == EAGAIN || errno == ENOBUFS) {
					blocked = 1;
				} else {
					fprintf(stderr, "wire: send: %s (did the guest stop?)\n", strerror(errno));
					sending = 0;
					status = 1;
				}
			}
		}

		if (o.bind_path) {
			int got = receive_all(fd, &o, &k, &pcap_out);
			if (got < 0) {
				status = 1;
				break;
			}
			if (got > 0)
				last_rx = now_s();
		}

		/* Stop conditions (the deadline is the loop's). */
		if (o.expect && k.unique >= o.expect)
			break;
		if (!sending && !o.bind_path)
			break;
		double quiet_since = last_rx > send_done_at ? last_rx : send_done_at;
		if (!sending && o.idle > 0 && now_s() - quiet_since >= o.idle)
			break;
		/* The guest is done, but QEMU may still hold frames it could not hand
		 * to the socket yet (its net queue): stop once nothing came for 300 ms. */
		if (until && now_s() - last_rx >= 0.3)
			break;
		if (stop_signal) {   /* SIGTERM/SIGINT: stop here, still write the summary */
			fprintf(stderr, "wire: stopped by signal %d\n", (int)stop_signal);
			break;
		}

		if (wait_s > 0) {
			struct pollfd p = { .fd = fd, .events = 0 };
			if (o.bind_path)
				p.events |= POLLIN;
			if (blocked)
				p.events |= POLLOUT;
			poll(&p, 1, wait_s < 0.001 ? 0 : (int)(wait_s * 1000) + 1);
		}
	}

	/* Whatever the source still had is not sent. */
	if (o.pcap_in) {
		k.not_sent = have_frame;
		while (sending && next_frame(&o, &pcap_in, index++, frame, &frame_len) > 0)
			k.not_sent++;
	} else if (o.count) {
		k.not_sent = o.count - k.sent;
	}
	if (k.not_sent)
		status = 1;

	uint64_t lost = 0;
	if (o.expect)
		lost = o.expect > k.unique ? o.expect - k.unique : 0;
	else if (k.unique)
		lost = k.seq_max - k.seq_min + 1 - k.unique;
	if (o.expect && k.unique < o.expect)
		status = 1;

	int rcvbuf = 0;
	socklen_t sl = sizeof(rcvbuf);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &sl);
	printf("wire: sent=%llu not_sent=%llu rx_frames=%llu rx_bytes=%llu rx_kit=%llu rx_other=%llu "
	       "rx_arp=%llu rx_bad=%llu lost=%llu reordered=%llu duplicate=%llu send_s=%.3f seconds=%.3f "
	       "rcvbuf=%d\n",
	       (unsigned long long)k.sent, (unsigned long long)k.not_sent,
	       (unsigned long long)k.rx_frames, (unsigned long long)k.rx_bytes,
	       (unsigned long long)k.rx_kit, (unsigned long long)k.rx_other,
	       (unsigned long long)k.rx_arp, (unsigned long long)k.rx_bad,
	       (unsigned long long)lost, (unsigned long long)k.reordered,
	       (unsigned long long)k.duplicate, k.last_send - k.first_send, now_s() - start, rcvbuf);
	if (k.not_sent)
		fprintf(stderr, "wire: %llu frames not sent before the deadline: is the guest's RX "
			"enabled (RCTL.EN, free descriptors, bus master)?\n", (unsigned long long)k.not_sent);

	close(fd);
	if (o.bind_path)
		unlink(o.bind_path);
	if (o.pcap_out && kit_pcap_writer_close(&pcap_out) < 0) {
		fprintf(stderr, "wire: writing %s failed\n", o.pcap_out);
		status = 1;
	}
	if (o.pcap_in)
		kit_pcap_reader_close(&pcap_in);
	free(k.seen);
	return status;
}
