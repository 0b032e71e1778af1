/*
 * test_lab01.c — what `make grade LAB=01` checks.
 *
 * Loopback tests run everywhere. The veth tests build a private two-namespace
 * network on 198.18.0.0/15 (common/netns.h) and need root; without it they
 * are skipped with the reason.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frame.h"
#include "kit_test.h"
#include "netns.h"
#include "packet_ring.h"
#include "seqtrack.h"
#include "udp_io.h"
#include "udp_socket.h"

/* A loopback port unlikely to clash with anything else on the machine. */
static uint16_t test_port(void)
{
	return (uint16_t)(20000 + getpid() % 20000);
}

static struct sockaddr_in loopback(uint16_t port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(0x7F000001);
	return a;
}

static void must_parse(const char *text, uint32_t ip, uint16_t port)
{
	struct sockaddr_in a;
	char err[256] = "";
	int rc = udp_parse_endpoint(text, &a, err, sizeof(err));
	if (rc != 0)
		kit_fail("udp_parse_endpoint(\"%s\") returned %d (%s), expected 0", text, rc, err);
	if (a.sin_family != AF_INET || ntohl(a.sin_addr.s_addr) != ip || ntohs(a.sin_port) != port)
		kit_fail("udp_parse_endpoint(\"%s\"): family %d, address 0x%08x, port %u; expected "
			 "AF_INET, 0x%08x, %u (byte order? htons/htonl)", text, a.sin_family,
			 ntohl(a.sin_addr.s_addr), ntohs(a.sin_port), ip, port);
}

static void must_reject(const char *text, const char *why)
{
	struct sockaddr_in a;
	char err[256] = "";
	int rc = udp_parse_endpoint(text, &a, err, sizeof(err));
	if (rc != -EINVAL)
		kit_fail("udp_parse_endpoint(\"%s\") returned %d, expected -EINVAL: %s", text, rc, why);
	if (strlen(err) < 10)
		kit_fail("udp_parse_endpoint(\"%s\") rejected it without saying why in err", text);
}

static void parse_accepts_lab_ranges(void **state)
{
	(void)state;
	must_parse("127.0.0.1:9000", 0x7F000001, 9000);
	must_parse("198.18.0.2:1", 0xC6120002, 1);
	must_parse("198.19.255.254:65535", 0xC613FFFE, 65535);
}

static void parse_rejects_bad_input(void **state)
{
	(void)state;
	const char *range = "outside the lab's ranges (only 127.0.0.0/8 and 198.18.0.0/15: address_allowed)";
	must_reject("10.0.0.1:9000", range);        /* a real private network */
	must_reject("8.8.8.8:53", range);           /* a real public host */
	must_reject("198.20.0.1:9000", range);      /* just outside 198.18.0.0/15 */
	must_reject("198.18.0.1", "there is no port");
	must_reject("198.18.0.1:0", "port 0 is not a port to send to");
	must_reject("198.18.0.1:70000", "ports end at 65535");
	must_reject("300.1.1.1:9000", "300 is not an IPv4 byte");
	must_reject(":9000", "there is no address");
	/* and the message names the allowed range */
	struct sockaddr_in a;
	char err[256] = "";
	udp_parse_endpoint("10.0.0.1:9000", &a, err, sizeof(err));
	if (!strstr(err, "198.18"))
		kit_fail("the message for 10.0.0.1 should tell the user which range to use; got: %s", err);
}

static void receiver_reports_port_in_use(void **state)
{
	(void)state;
	char err[256] = "";
	struct sockaddr_in a = loopback(test_port());
	int first = udp_open_receiver(&a, 0, 0, err, sizeof(err));
	if (first < 0)
		kit_fail("udp_open_receiver on 127.0.0.1:%u failed: %d (%s)", test_port(), first, err);
	err[0] = 0;
	int second = udp_open_receiver(&a, 0, 0, err, sizeof(err));
	if (second >= 0)
		kit_fail("a second socket bound the same port: did bind() run? (SO_REUSEPORT set?)");
	if (second != -EADDRINUSE)
		kit_fail("expected -EADDRINUSE for a port in use, got %d", second);
	if (!strstr(err, "in use"))
		kit_fail("the message should say the port is in use; got: \"%s\"", err);
	close(first);
}

static void receiver_honours_timeout(void **state)
{
	(void)state;
	char err[256] = "";
	struct sockaddr_in a = loopback(test_port());
	int fd = udp_open_receiver(&a, 1 << 20, 50, err, sizeof(err));
	if (fd < 0)
		kit_fail("udp_open_receiver failed: %d (%s)", fd, err);
	/* Without the timeout the receive below would block until the grader's limit. */
	struct timeval tv = { 0, 0 };
	socklen_t tv_len = sizeof(tv);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &tv_len) != 0 || (tv.tv_sec == 0 && tv.tv_usec == 0))
		kit_fail("udp_open_receiver(timeout 50 ms) left the socket without SO_RCVTIMEO: a "
			 "receive would wait forever (setsockopt SO_RCVTIMEO, TODO 2)");
	struct sock_counters c = { 0 };
	uint8_t buf[64];
	int rc = udp_recv_one(fd, buf, sizeof(buf), &c);
	if (rc != -EAGAIN)
		kit_fail("with nothing sent, udp_recv_one should give up after SO_RCVTIMEO with "
			 "-EAGAIN; got %d", rc);
	if (c.timeouts != 1 || c.syscalls != 1)
		kit_fail("counters after one timed-out receive: syscalls %llu, timeouts %llu (expected 1, 1)",
			 (unsigned long long)c.syscalls, (unsigned long long)c.timeouts);
	close(fd);
}

static void send_recv_one_loopback(void **state)
{
	(void)state;
	char err[256] = "";
	struct sockaddr_in a = loopback(test_port());
	int rx = udp_open_receiver(&a, 1 << 20, 1000, err, sizeof(err));
	int tx = udp_open_sender(0, err, sizeof(err));
	if (rx < 0 || tx < 0)
		kit_fail("opening sockets failed: rx %d, tx %d (%s)", rx, tx, err);

	struct sock_counters sent = { 0 }, got = { 0 };
	const unsigned n = 200;
	for (unsigned i = 0; i < n; i++) {
		uint8_t payload[64];
		memset(payload, (int)i, sizeof(payload));
		kit_payload_write(payload, i, 1000 + i);
		int rc = udp_send_one(tx, &a, payload, sizeof(payload), &sent);
		if (rc != 0)
			kit_fail("udp_send_one #%u returned %d", i, rc);
		uint8_t buf[256];
		int len = udp_recv_one(rx, buf, sizeof(buf), &got);
		if (len != (int)sizeof(payload))
			kit_fail("udp_recv_one #%u returned %d, expected the %zu-byte datagram", i, len,
				 sizeof(payload));
		uint64_t seq, ts;
		if (kit_payload_read(buf, (size_t)len, &seq, &ts) != 0 || seq != i || ts != 1000 + i ||
		    buf[63] != (uint8_t)i)
			kit_fail("datagram #%u came back changed (seq %llu)", i, (unsigned long long)seq);
	}
	if (sent.packets != n || sent.syscalls != n || sent.bytes != n * 64)
		kit_fail("sender counters: packets %llu, syscalls %llu, bytes %llu; expected %u, %u, %u",
			 (unsigned long long)sent.packets, (unsigned long long)sent.syscalls,
			 (unsigned long long)sent.bytes, n, n, n * 64);
	if (got.packets != n || got.syscalls != n || got.bytes != n * 64)
		kit_fail("receiver counters: packets %llu, syscalls %llu, bytes %llu; expected %u, %u, %u",
			 (unsigned long long)got.packets, (unsigned long long)got.syscalls,
			 (unsigned long long)got.bytes, n, n, n * 64);
	close(rx);
	close(tx);
}

static void batch_rejects_bad_sizes(void **state)
{
	(void)state;
	struct udp_batch b;
	if (udp_batch_init(&b, 0, 2048) != -EINVAL)
		kit_fail("a batch of 0 messages must be refused with -EINVAL");
	if (udp_batch_init(&b, UDP_BATCH_MAX + 1, 2048) != -EINVAL)
		kit_fail("a batch above UDP_BATCH_MAX (the kernel's UIO_MAXIOV) must be refused");
	if (udp_batch_init(&b, 8, 4) != -EINVAL)
		kit_fail("buffers smaller than the kit's payload must be refused");
	if (udp_batch_init(&b, 8, 64) != 0)
		kit_fail("a batch of 8 x 64 bytes must work");
	struct sock_counters c = { 0 };
	struct sockaddr_in a = loopback(test_port());
	int rc = udp_send_batch(-1, &a, &b, 9, 64, &c);
	if (rc != -EINVAL)
		kit_fail("sending 9 messages from a batch of 8 must be refused with -EINVAL, got %d", rc);
	udp_batch_free(&b);
}

static void send_recv_batch_loopback(void **state)
{
	(void)state;
	char err[256] = "";
	struct sockaddr_in a = loopback(test_port());
	int rx = udp_open_receiver(&a, 1 << 20, 1000, err, sizeof(err));
	int tx = udp_open_sender(0, err, sizeof(err));
	if (rx < 0 || tx < 0)
		kit_fail("opening sockets failed: rx %d, tx %d (%s)", rx, tx, err);
	struct udp_batch out, in;
	assert_int_equal(udp_batch_init(&out, 32, 64), 0);
	assert_int_equal(udp_batch_init(&in, 32, 2048), 0);

	/* 1000 datagrams in rounds of 128, received before the next round, so the
	 * socket buffer can never overflow. */
	struct sock_counters sent = { 0 }, got = { 0 };
	static struct kit_seqtrack seqs;
	kit_seq_init(&seqs);
	const unsigned total = 1000, round = 128;
	uint64_t seq = 0;
	while (seq < total) {
		uint64_t round_end = seq + round < total ? seq + round : total;
		while (seq < round_end) {
			unsigned n = (unsigned)(round_end - seq < 32 ? round_end - seq : 32);
			for (unsigned i = 0; i < n; i++)
				kit_payload_write(udp_batch_buf(&out, i), seq + i, 0);
			int rc = udp_send_batch(tx, &a, &out, n, 64, &sent);
			if (rc != (int)n)
				kit_fail("udp_send_batch of %u returned %d", n, rc);
			seq += n;
		}
		while (got.packets < seq) {
			int n = udp_recv_batch(rx, &in, &got);
			if (n <= 0)
				kit_fail("udp_recv_batch returned %d with %llu of %llu received",
					 n, (unsigned long long)got.packets, (unsigned long long)seq);
			for (int i = 0; i < n; i++) {
				uint64_t s, ts;
				if (in.msgs[i].msg_len != 64 ||
				    kit_payload_read(udp_batch_buf(&in, (unsigned)i), 64, &s, &ts) != 0)
					kit_fail("message %d of a batch: length %u or payload wrong "
						 "(msg_len set? each msg its own buffer?)", i, in.msgs[i].msg_len);
				kit_seq_add(&seqs, s);
			}
		}
	}
	kit_seq_finish(&seqs, total);
	if (seqs.distinct != total || seqs.lost || seqs.duplicated || seqs.reordered)
		kit_fail("received %llu distinct, lost %llu, duplicated %llu, reordered %llu of %u",
			 (unsigned long long)seqs.distinct, (unsigned long long)seqs.lost,
			 (unsigned long long)seqs.duplicated, (unsigned long long)seqs.reordered, total);
	if (sent.packets != total || sent.bytes != total * 64)
		kit_fail("sender counted %llu packets, %llu bytes; expected %u, %u",
			 (unsigned long long)sent.packets, (unsigned long long)sent.bytes, total, total * 64);
	/* 1000 datagrams in batches of 32 is 32 sendmmsg calls when none is partial. */
	if (sent.syscalls > 40)
		kit_fail("sender made %llu system calls for %u datagrams in batches of 32: one "
			 "sendmmsg per batch is about 32", (unsigned long long)sent.syscalls, total);
	/* Everything of a round is queued before we read, so recvmmsg takes up to 32 at once. */
	if (got.syscalls > total / 8)
		kit_fail("receiver made %llu system calls for %u queued datagrams: recvmmsg should take "
			 "up to 32 per call (MSG_WAITFORONE?)", (unsigned long long)got.syscalls, total);
	udp_batch_free(&out);
	udp_batch_free(&in);
	close(rx);
	close(tx);
}

/* ---- veth tests (root) ---- */

static int home_netns = -1;  /* where this process started; restored in teardown */

static int netns_setup(void **state)
{
	static struct kit_netns_pair pair;
	char err[256];

	*state = NULL;
	if (!kit_is_root())
		return 0;  /* the test skips itself with the reason */
	if (kit_netns_pair_create(&pair, err, sizeof(err)) != 0) {
		print_error("netns setup failed: %s\n", err);
		return -1;
	}
	*state = &pair;
	home_netns = kit_netns_save();
	return 0;
}

static int netns_teardown(void **state)
{
	if (*state) {
		kit_netns_restore(home_netns);
		home_netns = -1;
		kit_netns_pair_destroy(*state);
	}
	return 0;
}

/* Fork a child that enters ns and sends count datagrams to dst in batches of
 * 32, paced to rate per second. Returns the child's pid. */
static pid_t spawn_sender(const char *ns, const char *dst_text, unsigned count, unsigned rate)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	if (kit_netns_enter(ns) != 0)
		_exit(10);
	char err[256];
	struct sockaddr_in dst;
	if (udp_parse_endpoint(dst_text, &dst, err, sizeof(err)) != 0)
		_exit(11);
	int fd = udp_open_sender(1 << 20, err, sizeof(err));
	struct udp_batch b;
	if (fd < 0 || udp_batch_init(&b, 32, KIT_PAYLOAD_LEN) != 0)
		_exit(12);
	struct sock_counters c = { 0 };
	for (unsigned seq = 0; seq < count; seq += 32) {
		unsigned n = count - seq < 32 ? count - seq : 32;
		for (unsigned i = 0; i < n; i++)
			kit_payload_write(udp_batch_buf(&b, i), seq + i, 0);
		if (udp_send_batch(fd, &dst, &b, n, KIT_PAYLOAD_LEN, &c) != (int)n)
			_exit(13);
		usleep(32u * 1000000u / rate);
	}
	_exit(0);
}

static void wait_sender(pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		kit_fail("the sender in the other namespace failed (exit %d): send path broken?",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void veth_udp_accounted(void **state)
{
	struct kit_netns_pair *p = *state;
	if (!p)
		kit_skip("needs root to create network namespaces (run: sudo make grade)");
	if (kit_netns_enter(p->ns_b) != 0)
		kit_fail("cannot enter namespace %s", p->ns_b);

	char err[256];
	struct sockaddr_in local;
	if (udp_parse_endpoint("198.18.0.2:9000", &local, err, sizeof(err)) != 0)
		kit_fail("udp_parse_endpoint(\"198.18.0.2:9000\") failed: %s", err);
	int rx = udp_open_receiver(&local, 1 << 20, 200, err, sizeof(err));
	if (rx < 0)
		kit_fail("udp_open_receiver on 198.18.0.2:9000 in the test namespace: %s", err);

	const unsigned total = 20000;
	pid_t child = spawn_sender(p->ns_a, "198.18.0.2:9000", total, 200000);
	struct udp_batch in;
	assert_int_equal(udp_batch_init(&in, 64, 2048), 0);
	struct sock_counters got = { 0 };
	static struct kit_seqtrack seqs;
	kit_seq_init(&seqs);
	int idle = 0;
	while (seqs.distinct < total && idle < 5) {
		int n = udp_recv_batch(rx, &in, &got);
		if (n == -EAGAIN) {
			idle++;
			continue;
		}
		if (n < 0)
			kit_fail("udp_recv_batch: %s", strerror(-n));
		idle = 0;
		for (int i = 0; i < n; i++) {
			uint64_t s, ts;
			if (kit_payload_read(udp_batch_buf(&in, (unsigned)i), in.msgs[i].msg_len, &s, &ts) == 0)
				kit_seq_add(&seqs, s);
		}
	}
	wait_sender(child);
	long long drops = udp_socket_drops(rx);
	kit_seq_finish(&seqs, total);
	kit_note("received %llu distinct, socket drops %lld, of %u sent",
		 (unsigned long long)seqs.distinct, drops, total);
	if (drops < 0)
		kit_fail("could not read the socket's drop count from /proc/net/udp");
	if (seqs.distinct == 0)
		kit_fail("nothing arrived over the veth pair");
	if (seqs.distinct + (uint64_t)drops != total)
		kit_fail("sent %u but received %llu + dropped %lld: datagrams unaccounted for", total,
			 (unsigned long long)seqs.distinct, drops);
	udp_batch_free(&in);
	close(rx);
}

static void ring_rejects_bad_geometry(void **state)
{
	(void)state;
	struct packet_ring r;
	char err[256] = "";
	int rc = packet_ring_open(&r, "lo", 1000, 8, 10, err, sizeof(err));
	if (rc != -EINVAL || !strstr(err, "page"))
		kit_fail("block size 1000 (not a multiple of the page size) must give -EINVAL and say "
			 "so; got %d \"%s\"", rc, err);
	rc = packet_ring_open(&r, "lo", 65536, 1, 10, err, sizeof(err));
	if (rc != -EINVAL)
		kit_fail("a ring of 1 block must be refused with -EINVAL, got %d", rc);
	rc = packet_ring_open(&r, "no-such-if0", 65536, 8, 10, err, sizeof(err));
	if (rc != -ENODEV)
		kit_fail("an interface that does not exist must give -ENODEV, got %d", rc);
	if (!kit_is_root())
		return;
	rc = packet_ring_open(&r, "lo", 65536, 8, 10, err, sizeof(err));
	if (rc != 0)
		kit_fail("a good ring on lo failed: %d (%s)", rc, err);
	if (!r.map || r.map_len != 65536 * 8 || r.block_count != 8)
		kit_fail("after open: map %p, map_len %zu, block_count %u (expected 8 blocks of 64 KiB)",
			 (void *)r.map, r.map_len, r.block_count);
	packet_ring_close(&r);
}

static void ring_receives_veth_frames(void **state)
{
	struct kit_netns_pair *p = *state;
	if (!p)
		kit_skip("needs root for namespaces and AF_PACKET (run: sudo make grade)");
	if (kit_netns_enter(p->ns_b) != 0)
		kit_fail("cannot enter namespace %s", p->ns_b);

	struct packet_ring r;
	char err[256];
	int rc = packet_ring_open(&r, p->if_b, 64 * 1024, 16, 20, err, sizeof(err));
	if (rc != 0)
		kit_fail("packet_ring_open on %s: %d (%s)", p->if_b, rc, err);

	const unsigned total = 5000;
	pid_t child = spawn_sender(p->ns_a, "198.18.0.2:9000", total, 100000);
	static struct kit_seqtrack seqs;
	kit_seq_init(&seqs);
	unsigned empty_waits = 0;
	uint64_t blocks_with_frames = 0;
	/* Give up after 1 s without a block once frames flow, 5 s before the first
	 * (a sender on a busy machine may take a while to start). */
	while (seqs.distinct < total && empty_waits < (seqs.distinct ? 10u : 50u)) {
		struct tpacket_block_desc *block = packet_ring_next_block(&r, 100);
		if (!block) {
			empty_waits++;
			continue;
		}
		empty_waits = 0;
		unsigned index = 0, in_block = 0;
		for (struct tpacket3_hdr *f = packet_ring_first_frame(block); f;
		     f = packet_ring_next_frame(block, f, &index)) {
			struct kit_frame_info info;
			in_block++;
			if (!packet_ring_frame_is_outgoing(f) &&
			    kit_frame_parse(packet_ring_frame_data(f), packet_ring_frame_len(f), &info) == 0)
				kit_seq_add(&seqs, info.seq);
		}
		if (in_block != block->hdr.bh1.num_pkts)
			kit_fail("walked %u frames in a block of %u (tp_next_offset / num_pkts?)",
				 in_block, block->hdr.bh1.num_pkts);
		blocks_with_frames += in_block > 0;
		packet_ring_release_block(&r, block);
	}
	wait_sender(child);
	packet_ring_update_drops(&r);
	kit_seq_finish(&seqs, total);
	kit_note("ring: %llu distinct kit frames, %llu kernel drops, %llu blocks, %llu polls",
		 (unsigned long long)seqs.distinct, (unsigned long long)r.kernel_drops,
		 (unsigned long long)r.blocks, (unsigned long long)r.polls);
	if (seqs.distinct == 0)
		kit_fail("no kit frame came out of the ring (block status? frame offsets?)");
	if (seqs.distinct + r.kernel_drops != total)
		kit_fail("sent %u frames, the ring gave %llu and the kernel dropped %llu: frames "
			 "unaccounted for (blocks handed back? next_block wraps?)", total,
			 (unsigned long long)seqs.distinct, (unsigned long long)r.kernel_drops);
	if (r.blocks < 2 || r.frames < seqs.distinct)
		kit_fail("counters: %llu blocks released, %llu frames counted (release_block counts them)",
			 (unsigned long long)r.blocks, (unsigned long long)r.frames);
	if (blocks_with_frames >= seqs.distinct)
		kit_fail("every block carried a single frame: the ring is not batching");
	packet_ring_close(&r);
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "parse_accepts_lab_ranges", parse_accepts_lab_ranges, NULL, NULL, 1, 0,
		  "TODO 1: ADDR:PORT on 127/8 and 198.18/15 parsed in network byte order", NULL },
		{ "parse_rejects_bad_input", parse_rejects_bad_input, NULL, NULL, 2, 0,
		  "TODO 1: real hosts, bad ports and garbage refused with a message", NULL },
		{ "receiver_reports_port_in_use", receiver_reports_port_in_use, NULL, NULL, 1, 0,
		  "TODO 2: a port in use gives -EADDRINUSE and says so", NULL },
		{ "receiver_honours_timeout", receiver_honours_timeout, NULL, NULL, 1, 0,
		  "TODO 2+4: SO_RCVTIMEO set; a timed-out receive is -EAGAIN and counted", NULL },
		{ "send_recv_one_loopback", send_recv_one_loopback, NULL, NULL, 2, 0,
		  "TODO 3+4: 200 datagrams intact over loopback, one syscall each", NULL },
		{ "batch_rejects_bad_sizes", batch_rejects_bad_sizes, NULL, NULL, 1, 0,
		  "TODO 5: batch 0, batch > 1024 and tiny buffers refused", NULL },
		{ "send_recv_batch_loopback", send_recv_batch_loopback, NULL, NULL, 3, 0,
		  "TODO 5+6: 1000 datagrams in batches of 32, about 1 syscall per batch", NULL },
		{ "veth_udp_accounted", veth_udp_accounted, netns_setup, netns_teardown, 2, 20,
		  "TODO 1-6: 20000 datagrams over veth in a netns: received + drops = sent", "root" },
		{ "ring_rejects_bad_geometry", ring_rejects_bad_geometry, NULL, NULL, 1, 0,
		  "TODO 7: bad block size/count and unknown interface refused", NULL },
		{ "ring_receives_veth_frames", ring_receives_veth_frames, netns_setup, netns_teardown, 3, 20,
		  "TODO 7-10: TPACKET_V3 ring gets every frame, blocks handed back", "root" },
	};
	return kit_test_main(argc, argv, "lab01-sockets", tests, sizeof(tests) / sizeof(tests[0]));
}
