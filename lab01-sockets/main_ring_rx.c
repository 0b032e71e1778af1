/*
 * ring_rx — receive frames through an AF_PACKET TPACKET_V3 ring and count the
 * kit's test frames in them.
 *
 *   ring_rx --iface blB --expect 1000000
 *
 * Needs root (CAP_NET_RAW). Frames this host sends out on the interface are
 * seen too (PACKET_OUTGOING); they are skipped.
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
#include "packet_ring.h"
#include "seqtrack.h"

#define TOOL "ring_rx"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " --iface NAME [options]\n"
		"  --iface NAME       interface to receive on (e.g. blB, lo)\n"
		"  --block-size B     bytes per block, a multiple of the page size (default 262144)\n"
		"  --blocks N         blocks in the ring, at least 2 (default 64)\n"
		"  --block-timeout MS hand over a block that is not full after MS ms (default 10)\n"
		"  --count N          stop after N kit frames\n"
		"  --expect N         how many the sender sent (loss accounting; default --count)\n"
		"  --idle-ms MS       stop when nothing arrived for MS ms (default 1000)\n"
		"  --duration S       stop after S seconds\n"
		"  --cpu N            pin to CPU N\n"
		"  --netns NAME       run inside network namespace NAME\n"
		"  --ready-file F     create F once the ring is open (for scripts)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "block-size", required_argument, NULL, 'B' },
		{ "blocks", required_argument, NULL, 'N' },
		{ "block-timeout", required_argument, NULL, 'T' },
		{ "count", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, 'e' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "duration", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *iface = NULL, *netns = NULL, *ready_file = NULL;
	uint64_t block_size = 256 << 10, blocks = 64, block_timeout = 10;
	uint64_t count = UINT64_MAX, expect = 0, idle_ms = 1000, duration = 0, cpu = 0;
	int pin = 0, opt;
	char err[256];

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'i': iface = optarg; break;
		case 'B': rc = kit_parse_u64(TOOL, "--block-size", optarg, 1, 1u << 30, &block_size); break;
		case 'N': rc = kit_parse_u64(TOOL, "--blocks", optarg, 1, 65536, &blocks); break;
		case 'T': rc = kit_parse_u64(TOOL, "--block-timeout", optarg, 1, 60000, &block_timeout); break;
		case 'c': rc = kit_parse_u64(TOOL, "--count", optarg, 1, UINT64_MAX, &count); break;
		case 'e': rc = kit_parse_u64(TOOL, "--expect", optarg, 1, UINT64_MAX, &expect); break;
		case 'I': rc = kit_parse_u64(TOOL, "--idle-ms", optarg, 1, 3600000, &idle_ms); break;
		case 't': rc = kit_parse_u64(TOOL, "--duration", optarg, 1, 86400, &duration); break;
		case 'p': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &cpu); pin = 1; break;
		case 'n': netns = optarg; break;
		case 'f': ready_file = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (!iface || optind != argc) {
		usage();
		return 2;
	}
	if (!expect && count != UINT64_MAX)
		expect = count;
	if (netns && kit_netns_enter(netns) != 0) {
		fprintf(stderr, TOOL ": cannot enter network namespace %s: %s (root? does it exist: "
			"`ip netns list`)\n", netns, strerror(errno));
		return 1;
	}
	if (pin && kit_pin_cpu(TOOL, (int)cpu) != 0)
		return 1;

	struct packet_ring ring;
	int rc = packet_ring_open(&ring, iface, (unsigned)block_size, (unsigned)blocks,
				  (unsigned)block_timeout, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
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
	uint64_t other = 0, outgoing = 0, first_ns = 0, last_ns = 0;
	uint64_t start = kit_now_ns();
	uint64_t stop_at = duration ? start + duration * 1000000000ull : UINT64_MAX;
	while (seqs.received < count && !kit_stop) {
		uint64_t now = kit_now_ns();
		if (now >= stop_at)
			break;
		if (seqs.received && now - last_ns > idle_ms * 1000000ull)
			break;
		if (!seqs.received && now - start > (idle_ms + 5000) * 1000000ull)
			break;

		struct tpacket_block_desc *block = packet_ring_next_block(&ring, 100);
		if (!block)
			continue;
		unsigned index = 0;
		for (struct tpacket3_hdr *f = packet_ring_first_frame(block); f;
		     f = packet_ring_next_frame(block, f, &index)) {
			struct kit_frame_info info;
			if (packet_ring_frame_is_outgoing(f)) {
				outgoing++;
				continue;
			}
			if (kit_frame_parse(packet_ring_frame_data(f), packet_ring_frame_len(f), &info) != 0) {
				other++;
				continue;
			}
			kit_seq_add(&seqs, info.seq);
		}
		packet_ring_release_block(&ring, block);
		now = kit_now_ns();
		if (!first_ns && seqs.received)
			first_ns = now;
		if (seqs.received)
			last_ns = now;
	}
	packet_ring_update_drops(&ring);
	uint64_t backlog_drops = backlog_before >= 0 ? (uint64_t)(kit_backlog_drops() - backlog_before) : 0;
	uint64_t drops = ring.kernel_drops + backlog_drops;
	kit_seq_finish(&seqs, expect);
	double cycles_per_pkt = seqs.received ?
		kit_cpu_seconds() * kit_tsc_hz() / (double)seqs.received : 0;

	double seconds = last_ns > first_ns ? (double)(last_ns - first_ns) / 1e9 : 0;
	double pps = seconds > 0 ? (double)seqs.received / seconds : 0;
	double polls_per_pkt = seqs.received ? (double)ring.polls / (double)seqs.received : 0;
	printf(TOOL ": %llu kit frames in %.3f s: %.0f packets/s, %.4f poll() calls per packet, "
	       "%llu blocks\n", (unsigned long long)seqs.received, seconds, pps, polls_per_pkt,
	       (unsigned long long)ring.blocks);
	printf(TOOL ": lost %llu, reordered %llu, duplicated %llu, other frames %llu, outgoing "
	       "skipped %llu, ring drops %llu, backlog drops %llu\n", (unsigned long long)seqs.lost,
	       (unsigned long long)seqs.reordered, (unsigned long long)seqs.duplicated,
	       (unsigned long long)other, (unsigned long long)outgoing,
	       (unsigned long long)ring.kernel_drops, (unsigned long long)backlog_drops);
	int accounted = -1;
	if (expect) {
		accounted = seqs.distinct + drops == expect;
		printf(TOOL ": accounting: sent %llu = received %llu + ring and backlog drops %llu: %s\n",
		       (unsigned long long)expect, (unsigned long long)seqs.distinct,
		       (unsigned long long)drops,
		       accounted ? "yes" : "NO, some frames are not accounted for");
	}
	printf("RESULT tool=" TOOL " method=tpacket_v3 batch=0 packets=%llu seconds=%.6f pps=%.0f "
	       "syscalls_per_pkt=%.4f lost=%llu drops=%llu accounted=%d cycles_per_pkt=%.0f\n",
	       (unsigned long long)seqs.received, seconds, pps, polls_per_pkt,
	       (unsigned long long)seqs.lost, (unsigned long long)drops, accounted, cycles_per_pkt);
	packet_ring_close(&ring);
	return accounted == 0 ? 1 : 0;
}
