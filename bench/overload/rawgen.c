/*
 * rawgen — a fast sender for the bench's overload case: the kit's test frames
 * written straight onto an interface with an AF_PACKET socket, bypassing the
 * sender's UDP/IP stack and its queueing discipline (PACKET_QDISC_BYPASS,
 * packet(7)), in batches of 64 per sendmmsg(2).
 *
 *   rawgen --netns blbencha --iface blA --count 2000000 [--cpu 0]
 *
 * It sends from 198.18.0.1:9000 (02:00:00:00:00:01) to 198.18.0.2:9000
 * (02:00:00:00:00:02): the kit's test network (common/netns.h). About twice as
 * fast as lab01's udp_gen on the same core, it offers a receiver more than it
 * can take, which is the point: what does a kernel receiver deliver then?
 * Prints one RESULT line (sent packets and rate).
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "frame.h"
#include "kit_time.h"
#include "netns.h"

#define TOOL "rawgen"
#define BATCH 64

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "netns", required_argument, NULL, 'n' }, { "iface", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' }, { "cpu", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *netns = NULL, *iface = NULL;
	uint64_t count = 1000000, cpu = 0;
	int pin = 0, opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'n': netns = optarg; break;
		case 'i': iface = optarg; break;
		case 'c': rc = kit_parse_u64(TOOL, "--count", optarg, 1, UINT64_MAX, &count); break;
		case 'p': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &cpu); pin = 1; break;
		default: rc = -1;
		}
		if (rc) {
			fprintf(stderr, "usage: " TOOL " [--netns NS] --iface IF [--count N] [--cpu N]\n");
			return 2;
		}
	}
	if (!iface) {
		fprintf(stderr, "usage: " TOOL " [--netns NS] --iface IF [--count N] [--cpu N]\n");
		return 2;
	}
	if (netns && kit_netns_enter(netns) != 0) {
		fprintf(stderr, TOOL ": cannot enter network namespace %s (root? `ip netns list`)\n", netns);
		return 1;
	}
	if (pin && kit_pin_cpu(TOOL, (int)cpu) != 0)
		return 1;

	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);   /* protocol 0: send only */
	if (fd < 0) {
		fprintf(stderr, TOOL ": socket(AF_PACKET): %s (needs root)\n", strerror(errno));
		return 1;
	}
	int one = 1;
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_ifindex = (int)if_nametoindex(iface),
		.sll_halen = 6,
	};
	if (to.sll_ifindex == 0) {
		fprintf(stderr, TOOL ": no interface %s here\n", iface);
		return 1;
	}

	struct kit_flow flow;
	kit_flow_default(&flow);
	flow.src_ip = 0xC6120001;   /* 198.18.0.1 -> 198.18.0.2:9000, the test network */
	flow.dst_ip = 0xC6120002;
	flow.dst_port = 9000;
	static uint8_t frames[BATCH][KIT_FRAME_MIN];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	for (int i = 0; i < BATCH; i++) {
		kit_frame_build(frames[i], KIT_FRAME_MIN, &flow, KIT_FRAME_MIN, 0, 0);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = KIT_FRAME_MIN;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &to;
		msgs[i].msg_hdr.msg_namelen = sizeof(to);
	}

	uint64_t sent = 0, start = kit_now_ns();
	while (sent < count) {
		unsigned n = count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
		uint64_t now = kit_now_ns();
		for (unsigned i = 0; i < n; i++)
			kit_frame_set_seq(frames[i], sent + i, now);
		int got = sendmmsg(fd, msgs, n, 0);
		if (got < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;   /* the device queue is full: try again */
			fprintf(stderr, TOOL ": sendmmsg: %s after %llu frames\n", strerror(errno),
				(unsigned long long)sent);
			break;
		}
		sent += (unsigned)got;
	}
	double seconds = (double)(kit_now_ns() - start) / 1e9;
	printf(TOOL ": sent %llu frames in %.3f s: %.0f packets/s\n", (unsigned long long)sent, seconds,
	       seconds > 0 ? (double)sent / seconds : 0.0);
	printf("RESULT tool=" TOOL " packets=%llu seconds=%.6f pps=%.0f\n", (unsigned long long)sent,
	       seconds, seconds > 0 ? (double)sent / seconds : 0.0);
	close(fd);
	return sent == count ? 0 : 1;
}
