/*
 * udp_gen — send the kit's test datagrams through the kernel's UDP path.
 *
 *   udp_gen --dst 198.18.0.2:9000 --count 1000000 --batch 32
 *
 * --batch 1 uses one sendto(2) per datagram, --batch 2..1024 uses sendmmsg(2).
 * Prints packets/s and system calls per packet, then one RESULT line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"
#include "kit_time.h"
#include "netns.h"
#include "udp_io.h"
#include "udp_socket.h"

#define TOOL "udp_gen"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " --dst ADDR:PORT [options]\n"
		"  --dst ADDR:PORT  where to send (127.0.0.0/8 or 198.18.0.0/15 only)\n"
		"  --count N        datagrams to send (default 1000000)\n"
		"  --duration S     stop after S seconds even if --count is not reached\n"
		"  --size BYTES     UDP payload, 18..1472 (default 18 = a 64-byte frame)\n"
		"  --batch B        1: sendto per datagram; 2..1024: sendmmsg (default 1)\n"
		"  --rate PPS       pace to PPS datagrams per second (default: as fast as possible)\n"
		"  --cpu N          pin to CPU N\n"
		"  --netns NAME     run inside network namespace NAME (needs root)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dst", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 's' },
		{ "batch", required_argument, NULL, 'b' },
		{ "rate", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dst_text = NULL, *netns = NULL;
	uint64_t count = 1000000, duration = 0, size = KIT_PAYLOAD_LEN, batch = 1, rate = 0, cpu = 0;
	int pin = 0, opt;
	char err[256];

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'd': dst_text = optarg; break;
		case 'c': rc = kit_parse_u64(TOOL, "--count", optarg, 1, UINT64_MAX, &count); break;
		case 't': rc = kit_parse_u64(TOOL, "--duration", optarg, 1, 86400, &duration); break;
		case 's': rc = kit_parse_u64(TOOL, "--size", optarg, KIT_PAYLOAD_LEN, 1472, &size); break;
		case 'b': rc = kit_parse_u64(TOOL, "--batch", optarg, 1, UDP_BATCH_MAX, &batch); break;
		case 'r': rc = kit_parse_u64(TOOL, "--rate", optarg, 0, 100000000, &rate); break;
		case 'p': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &cpu); pin = 1; break;
		case 'n': netns = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (!dst_text || optind != argc) {
		usage();
		return 2;
	}
	struct sockaddr_in dst;
	if (udp_parse_endpoint(dst_text, &dst, err, sizeof(err)) != 0) {
		fprintf(stderr, TOOL ": --dst: %s\n", err);
		return 2;
	}
	if (netns && kit_netns_enter(netns) != 0) {
		fprintf(stderr, TOOL ": cannot enter network namespace %s: %s (root? does it exist: "
			"`ip netns list`)\n", netns, strerror(errno));
		return 1;
	}
	if (pin && kit_pin_cpu(TOOL, (int)cpu) != 0)
		return 1;

	int fd = udp_open_sender(4 << 20, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		return 1;
	}
	struct udp_batch b;
	if (udp_batch_init(&b, (unsigned)batch, size) != 0) {
		fprintf(stderr, TOOL ": out of memory for a batch of %llu\n", (unsigned long long)batch);
		return 1;
	}

	kit_catch_signals();
	struct sock_counters c = { 0 };
	uint64_t seq = 0, start = kit_now_ns();
	uint64_t stop_at = duration ? start + duration * 1000000000ull : UINT64_MAX;
	int rc = 0;
	while (seq < count && !kit_stop) {
		unsigned n = (unsigned)(count - seq < batch ? count - seq : batch);
		if (rate)   /* datagram seq is due at start + seq / rate seconds */
			kit_sleep_until_ns(start + seq * 1000000000ull / rate);
		uint64_t now = kit_now_ns();
		if (now >= stop_at)
			break;
		for (unsigned i = 0; i < n; i++)
			kit_payload_write(udp_batch_buf(&b, i), seq + i, now);
		if (batch == 1)
			rc = udp_send_one(fd, &dst, udp_batch_buf(&b, 0), size, &c);
		else
			rc = udp_send_batch(fd, &dst, &b, n, size, &c);
		if (rc < 0) {
			fprintf(stderr, TOOL ": send failed after %llu datagrams: %s\n",
				(unsigned long long)c.packets, strerror(-rc));
			break;
		}
		seq += n;
	}
	double seconds = (double)(kit_now_ns() - start) / 1e9;
	double pps = seconds > 0 ? (double)c.packets / seconds : 0;
	double per_pkt = c.packets ? (double)c.syscalls / (double)c.packets : 0;

	printf(TOOL ": sent %llu datagrams of %llu bytes in %.3f s: %.0f packets/s, "
	       "%.3f syscalls per packet (%s)\n",
	       (unsigned long long)c.packets, (unsigned long long)size, seconds, pps, per_pkt,
	       batch == 1 ? "sendto" : "sendmmsg");
	printf("RESULT tool=" TOOL " method=%s batch=%llu size=%llu packets=%llu seconds=%.6f "
	       "pps=%.0f syscalls_per_pkt=%.4f\n", batch == 1 ? "sendto" : "sendmmsg",
	       (unsigned long long)batch, (unsigned long long)size, (unsigned long long)c.packets,
	       seconds, pps, per_pkt);
	udp_batch_free(&b);
	close(fd);
	return rc < 0 ? 1 : 0;
}
