/*
 * udp_sink — receive the kit's test datagrams through the kernel's UDP path and
 * account for every one: received, lost, reordered, duplicated, and dropped by
 * the kernel because the socket buffer was full.
 *
 *   udp_sink --listen 198.18.0.2:9000 --batch 32 --expect 1000000
 *
 * --batch 1 uses one recvfrom(2) per datagram, --batch 2..1024 recvmmsg(2).
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
#include "kstats.h"
#include "netns.h"
#include "seqtrack.h"
#include "udp_io.h"
#include "udp_socket.h"

#define TOOL "udp_sink"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " --listen ADDR:PORT [options]\n"
		"  --listen ADDR:PORT  where to receive (127.0.0.0/8 or 198.18.0.0/15 only)\n"
		"  --batch B        1: recvfrom per datagram; 2..1024: recvmmsg (default 1)\n"
		"  --count N        stop after N datagrams\n"
		"  --expect N       how many the sender sent (loss accounting; default --count)\n"
		"  --idle-ms MS     stop when nothing arrived for MS ms (default 1000)\n"
		"  --duration S     stop after S seconds\n"
		"  --rcvbuf BYTES   socket receive buffer (default 4194304)\n"
		"  --cpu N          pin to CPU N\n"
		"  --netns NAME     run inside network namespace NAME (needs root)\n"
		"  --ready-file F   create F once the socket is bound (for scripts)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "batch", required_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, 'e' },
		{ "idle-ms", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 't' },
		{ "rcvbuf", required_argument, NULL, 'r' },
		{ "cpu", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_text = NULL, *netns = NULL, *ready_file = NULL;
	uint64_t batch = 1, count = UINT64_MAX, expect = 0, idle_ms = 1000, duration = 0;
	uint64_t rcvbuf = 4 << 20, cpu = 0;
	int pin = 0, opt;
	char err[256];

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'l': listen_text = optarg; break;
		case 'b': rc = kit_parse_u64(TOOL, "--batch", optarg, 1, UDP_BATCH_MAX, &batch); break;
		case 'c': rc = kit_parse_u64(TOOL, "--count", optarg, 1, UINT64_MAX, &count); break;
		case 'e': rc = kit_parse_u64(TOOL, "--expect", optarg, 1, UINT64_MAX, &expect); break;
		case 'i': rc = kit_parse_u64(TOOL, "--idle-ms", optarg, 1, 3600000, &idle_ms); break;
		case 't': rc = kit_parse_u64(TOOL, "--duration", optarg, 1, 86400, &duration); break;
		case 'r': rc = kit_parse_u64(TOOL, "--rcvbuf", optarg, 4096, 1 << 30, &rcvbuf); break;
		case 'p': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &cpu); pin = 1; break;
		case 'n': netns = optarg; break;
		case 'f': ready_file = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (!listen_text || optind != argc) {
		usage();
		return 2;
	}
	if (!expect && count != UINT64_MAX)
		expect = count;
	struct sockaddr_in local;
	if (udp_parse_endpoint(listen_text, &local, err, sizeof(err)) != 0) {
		fprintf(stderr, TOOL ": --listen: %s\n", err);
		return 2;
	}
	if (netns && kit_netns_enter(netns) != 0) {
		fprintf(stderr, TOOL ": cannot enter network namespace %s: %s (root? does it exist: "
			"`ip netns list`)\n", netns, strerror(errno));
		return 1;
	}
	if (pin && kit_pin_cpu(TOOL, (int)cpu) != 0)
		return 1;

	/* Wake up at least every 100 ms to check --idle-ms, --duration and signals. */
	int timeout_ms = idle_ms < 100 ? (int)idle_ms : 100;
	int fd = udp_open_receiver(&local, (int)rcvbuf, timeout_ms, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		return 1;
	}
	struct udp_batch b;
	if (udp_batch_init(&b, (unsigned)batch, 2048) != 0) {
		fprintf(stderr, TOOL ": out of memory for a batch of %llu\n", (unsigned long long)batch);
		return 1;
	}
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");
		if (!f) {
			fprintf(stderr, TOOL ": --ready-file %s: %s\n", ready_file, strerror(errno));
			return 2;
		}
		fclose(f);
	}

	kit_catch_signals();
	long long backlog_before = kit_backlog_drops();
	static struct kit_seqtrack seqs;
	kit_seq_init(&seqs);
	struct sock_counters c = { 0 };
	uint64_t malformed = 0, first_ns = 0, last_ns = 0, latency_sum_ns = 0, latency_samples = 0;
	uint64_t start = kit_now_ns();
	uint64_t stop_at = duration ? start + duration * 1000000000ull : UINT64_MAX;
	int rc = 0;
	while (c.packets < count && !kit_stop) {
		uint64_t now = kit_now_ns();
		if (now >= stop_at)
			break;
		if (c.packets && now - last_ns > idle_ms * 1000000ull)
			break;
		if (!c.packets && now - start > (idle_ms + 5000) * 1000000ull)
			break;   /* nothing at all: give the sender 5 s to start */

		int n;
		if (batch == 1) {
			n = udp_recv_one(fd, udp_batch_buf(&b, 0), b.buf_size, &c);
			if (n >= 0) {
				b.msgs[0].msg_len = (unsigned)n;
				n = 1;
			}
		} else {
			n = udp_recv_batch(fd, &b, &c);
		}
		if (n == -EAGAIN)
			continue;
		if (n < 0) {
			fprintf(stderr, TOOL ": receive failed: %s\n", strerror(-n));
			rc = n;
			break;
		}
		now = kit_now_ns();
		if (!first_ns)
			first_ns = now;
		last_ns = now;
		for (int i = 0; i < n; i++) {
			uint64_t seq, tx_ns;
			if (kit_payload_read(udp_batch_buf(&b, (unsigned)i), b.msgs[i].msg_len,
					     &seq, &tx_ns) != 0) {
				malformed++;
				continue;
			}
			kit_seq_add(&seqs, seq);
			if (tx_ns && tx_ns <= now) {   /* 0: the sender put no timestamp */
				latency_sum_ns += now - tx_ns;
				latency_samples++;
			}
		}
	}
	long long socket_drops = udp_socket_drops(fd);
	long long backlog_drops = backlog_before >= 0 ? kit_backlog_drops() - backlog_before : 0;
	long long drops = socket_drops < 0 ? -1 : socket_drops + backlog_drops;
	double cycles_per_pkt = c.packets ? kit_cpu_seconds() * kit_tsc_hz() / (double)c.packets : 0;
	kit_seq_finish(&seqs, expect);

	double seconds = last_ns > first_ns ? (double)(last_ns - first_ns) / 1e9 : 0;
	double pps = seconds > 0 ? (double)c.packets / seconds : 0;
	/* Syscalls while packets were flowing: leave out the timeouts at the end. */
	double per_pkt = c.packets ? (double)(c.syscalls - c.timeouts) / (double)c.packets : 0;
	const char *method = batch == 1 ? "recvfrom" : "recvmmsg";

	printf(TOOL ": received %llu datagrams in %.3f s: %.0f packets/s, %.3f syscalls per packet "
	       "(%s)\n", (unsigned long long)c.packets, seconds, pps, per_pkt, method);
	printf(TOOL ": distinct %llu, lost %llu, reordered %llu, duplicated %llu, malformed %llu, "
	       "socket drops %lld, backlog drops %lld, mean one-way latency %.1f us\n",
	       (unsigned long long)seqs.distinct, (unsigned long long)seqs.lost,
	       (unsigned long long)seqs.reordered, (unsigned long long)seqs.duplicated,
	       (unsigned long long)malformed, socket_drops, backlog_drops,
	       latency_samples ? (double)latency_sum_ns / (double)latency_samples / 1000.0 : 0.0);
	int accounted = -1;
	if (expect) {
		accounted = drops >= 0 && seqs.distinct + (uint64_t)drops == expect;
		printf(TOOL ": accounting: sent %llu = received %llu + socket and backlog drops %lld: %s\n",
		       (unsigned long long)expect, (unsigned long long)seqs.distinct, drops,
		       accounted ? "yes" : "NO, some datagrams are not accounted for");
	}
	printf("RESULT tool=" TOOL " method=%s batch=%llu packets=%llu seconds=%.6f pps=%.0f "
	       "syscalls_per_pkt=%.4f lost=%llu reordered=%llu duplicated=%llu drops=%lld "
	       "accounted=%d cycles_per_pkt=%.0f\n", method, (unsigned long long)batch, (unsigned long long)c.packets,
	       seconds, pps, per_pkt, (unsigned long long)seqs.lost,
	       (unsigned long long)seqs.reordered, (unsigned long long)seqs.duplicated, drops,
	       accounted, cycles_per_pkt);
	udp_batch_free(&b);
	close(fd);
	return rc < 0 || accounted == 0 ? 1 : 0;
}
