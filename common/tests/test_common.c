/*
 * test_common.c — tests of the code every lab shares: the test frame, the
 * sequence tracker and pcap files. Not graded; `make test` runs them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "kit_test.h"
#include "pcap.h"
#include "poll_stats.h"
#include "seqtrack.h"

static void frame_round_trip(void **state)
{
	(void)state;
	struct kit_flow flow;
	kit_flow_default(&flow);
	uint8_t buf[KIT_FRAME_MAX];
	for (size_t len = KIT_FRAME_MIN; len <= KIT_FRAME_MAX; len += 97) {
		assert_int_equal(kit_frame_build(buf, sizeof(buf), &flow, len, 42 + len, 7), len);
		struct kit_frame_info info;
		assert_int_equal(kit_frame_parse(buf, len, &info), KIT_FRAME_OK);
		assert_int_equal(info.seq, 42 + len);
		assert_int_equal(info.tx_ns, 7);
		assert_int_equal(info.flow.src_ip, flow.src_ip);
		assert_int_equal(info.flow.dst_port, flow.dst_port);
		assert_memory_equal(info.flow.dst_mac, flow.dst_mac, 6);
		assert_int_equal(info.udp_payload_len, len - KIT_HDRS_LEN);
	}
	kit_frame_build(buf, sizeof(buf), &flow, KIT_FRAME_MIN, 1, 1);
	kit_frame_set_seq(buf, 99, 100);
	struct kit_frame_info info;
	assert_int_equal(kit_frame_parse(buf, KIT_FRAME_MIN, &info), KIT_FRAME_OK);
	assert_int_equal(info.seq, 99);
}

static void frame_rejects_bad_sizes_and_damage(void **state)
{
	(void)state;
	struct kit_flow flow;
	kit_flow_default(&flow);
	uint8_t buf[2048];
	assert_int_equal(kit_frame_build(buf, sizeof(buf), &flow, KIT_FRAME_MIN - 1, 0, 0), 0);
	assert_int_equal(kit_frame_build(buf, sizeof(buf), &flow, KIT_FRAME_MAX + 1, 0, 0), 0);
	assert_int_equal(kit_frame_build(buf, 59, &flow, 60, 0, 0), 0);

	struct kit_frame_info info;
	kit_frame_build(buf, sizeof(buf), &flow, 100, 1, 1);
	assert_int_equal(kit_frame_parse(buf, 40, &info), KIT_FRAME_TOO_SHORT);
	buf[14 + 8] ^= 1;  /* TTL: the header checksum no longer matches */
	assert_int_equal(kit_frame_parse(buf, 100, &info), KIT_FRAME_BAD_IP_CHECKSUM);
	buf[14 + 8] ^= 1;
	buf[42] ^= 0xFF;   /* magic */
	assert_int_equal(kit_frame_parse(buf, 100, &info), KIT_FRAME_BAD_MAGIC);
	buf[42] ^= 0xFF;
	buf[12] = 0x86;    /* EtherType 0x86DD */
	assert_int_equal(kit_frame_parse(buf, 100, &info), KIT_FRAME_NOT_IPV4);
	assert_non_null(strstr(kit_frame_strerror(KIT_FRAME_NOT_IPV4), "IPv4"));
}

static void checksum_known_vector(void **state)
{
	(void)state;
	/* The IPv4 header example from RFC 1071-style walkthroughs: checksum 0xB861. */
	const uint8_t hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
				  0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	assert_int_equal(kit_ip_checksum(hdr, sizeof(hdr)), 0xB861);
}

static void seqtrack_counts(void **state)
{
	(void)state;
	static struct kit_seqtrack t;
	kit_seq_init(&t);
	const uint64_t order[] = { 0, 1, 2, 4, 3, 3, 6, 7 };  /* 5 lost, 3 late + dup */
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		kit_seq_add(&t, order[i]);
	kit_seq_finish(&t, 10);   /* 8 and 9 never arrived */
	assert_int_equal(t.received, 8);
	assert_int_equal(t.distinct, 7);
	assert_int_equal(t.duplicated, 1);
	assert_int_equal(t.reordered, 1);
	assert_int_equal(t.lost, 3);

	kit_seq_init(&t);
	for (uint64_t s = 0; s < 3 * KIT_SEQ_WINDOW; s += 2)
		kit_seq_add(&t, s);
	kit_seq_finish(&t, 0);
	assert_int_equal(t.lost, 3 * KIT_SEQ_WINDOW / 2 - 1);
	assert_int_equal(t.duplicated, 0);
}

static void pcap_round_trip_and_errors(void **state)
{
	(void)state;
	char path[] = "/tmp/bypasslab-pcap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	struct kit_pcap_writer w;
	char err[256];
	assert_int_equal(kit_pcap_writer_open(&w, path, err, sizeof(err)), 0);
	struct kit_flow flow;
	kit_flow_default(&flow);
	uint8_t frame[KIT_FRAME_MAX];
	for (unsigned i = 0; i < 5; i++) {
		size_t len = kit_frame_build(frame, sizeof(frame), &flow, 60 + i * 100, i, 0);
		assert_int_equal(kit_pcap_writer_add(&w, frame, len, 1000000000ull * (i + 1) + i), 0);
	}
	assert_int_equal(kit_pcap_writer_close(&w), 0);

	struct kit_pcap_reader r;
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	uint8_t buf[2048];
	uint64_t ts;
	for (unsigned i = 0; i < 5; i++) {
		int len = kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err));
		assert_int_equal(len, 60 + i * 100);
		assert_int_equal(ts, 1000000000ull * (i + 1) + i);
		struct kit_frame_info info;
		assert_int_equal(kit_frame_parse(buf, (size_t)len, &info), 0);
		assert_int_equal(info.seq, i);
	}
	assert_int_equal(kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err)), 0);
	kit_pcap_reader_close(&r);

	/* Cut the file in the middle of the last frame: a clear error, not a crash. */
	assert_int_equal(truncate(path, 24 + 4 * 16 + 60 + 160 + 260 + 360 + 16 + 10), 0);
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	int rc = 0;
	for (int i = 0; i < 6 && (rc = kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err))) > 0; i++)
		;
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "frame 5"));
	kit_pcap_reader_close(&r);

	/* Not a pcap at all. */
	FILE *f = fopen(path, "w");
	fputs("this is not a capture file, just some text", f);
	fclose(f);
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a classic pcap"));

	/* Other formats by name: "modified" pcap and pcapng. */
	static const uint32_t modified = 0xA1B2CD34u, pcapng = 0x0A0D0D0Au;
	uint8_t header[24] = { 0 };
	memcpy(header, &modified, 4);
	f = fopen(path, "w");
	fwrite(header, 1, sizeof(header), f);
	fclose(f);
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "modified"));
	memcpy(header, &pcapng, 4);
	f = fopen(path, "w");
	fwrite(header, 1, sizeof(header), f);
	fclose(f);
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "pcapng"));

	/* A 65535-byte record is skipped (the caller counts it oversize) and the frame
	 * after it is read; a record captured short (snaplen) is refused, never sent short. */
	assert_int_equal(kit_pcap_writer_open(&w, path, err, sizeof(err)), 0);
	static uint8_t huge[65535];
	assert_int_equal(kit_pcap_writer_add(&w, huge, sizeof(huge), 1), 0);
	size_t len = kit_frame_build(frame, sizeof(frame), &flow, 60, 7, 0);
	assert_int_equal(kit_pcap_writer_add(&w, frame, len, 2), 0);
	assert_int_equal(kit_pcap_writer_close(&w), 0);
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err)), KIT_PCAP_TOO_LONG);
	assert_non_null(strstr(err, "frame 1"));
	assert_int_equal(kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err)), 60);
	kit_pcap_reader_close(&r);
	fd = open(path, O_RDWR);
	uint32_t orig = 100;   /* frame 2's on-wire length: more than the 60 stored */
	assert_int_equal(pwrite(fd, &orig, 4, 24 + 16 + 65535 + 12), 4);
	close(fd);
	assert_int_equal(kit_pcap_reader_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err)), KIT_PCAP_TOO_LONG);
	assert_int_equal(kit_pcap_reader_next(&r, buf, sizeof(buf), &ts, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "captured short"));
	kit_pcap_reader_close(&r);
	unlink(path);
}

/* Busy cycles count only the polls that returned packets; the fill histogram
 * puts each burst in its power-of-two bucket; the RESULT fields say so. */
static void poll_stats_split_busy_from_empty(void **state)
{
	(void)state;
	struct poll_stats s = { 0 };
	poll_stats_add(&s, 100, 100, 0);        /* empty: no cycles counted */
	poll_stats_add(&s, 1000, 1320, 32);     /* 10 cycles per packet */
	poll_stats_add(&s, 2000, 2010, 1);
	poll_stats_add(&s, 3000, 3300, 3);
	poll_stats_add(&s, 4000, 9000, 300);    /* beyond the last bucket: in it */
	assert_int_equal(s.polls, 5);
	assert_int_equal(s.empty, 1);
	assert_int_equal(s.packets, 336);
	assert_int_equal(s.busy_cycles, 320 + 10 + 300 + 5000);
	assert_int_equal(s.fill[0], 1);         /* 1 */
	assert_int_equal(s.fill[1], 1);         /* 2-3 */
	assert_int_equal(s.fill[5], 1);         /* 32-63 */
	assert_int_equal(s.fill[POLL_FILL_BUCKETS - 1], 1);
	assert_true(poll_stats_empty_pct(&s) > 19.9 && poll_stats_empty_pct(&s) < 20.1);
	double c = poll_stats_cycles_per_packet(&s);
	assert_true(c > 5630.0 / 336 - 0.01 && c < 5630.0 / 336 + 0.01);

	char line[512] = { 0 };
	FILE *f = fmemopen(line, sizeof(line) - 1, "w");
	assert_non_null(f);
	poll_stats_result(&s, f);
	fclose(f);
	assert_non_null(strstr(line, "busy_cycles=16.8 "));
	assert_non_null(strstr(line, "empty_pct=20.00 "));
	assert_non_null(strstr(line, "fill=1:1,2:1,4:0,8:0,16:0,32:1,64:0,128:0,256:1 "));
	assert_non_null(strstr(line, "capacity_mpps="));

	struct poll_stats none = { 0 };
	assert_true(poll_stats_cycles_per_packet(&none) == 0.0);
	assert_true(poll_stats_empty_pct(&none) == 0.0);
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "frame_round_trip", frame_round_trip, NULL, NULL, 0, 0, "build/parse all sizes", NULL },
		{ "frame_rejects_bad_sizes_and_damage", frame_rejects_bad_sizes_and_damage, NULL, NULL,
		  0, 0, "sizes, checksum, magic, EtherType", NULL },
		{ "checksum_known_vector", checksum_known_vector, NULL, NULL, 0, 0, "RFC 1071 sum", NULL },
		{ "seqtrack_counts", seqtrack_counts, NULL, NULL, 0, 0, "lost/dup/reordered", NULL },
		{ "pcap_round_trip_and_errors", pcap_round_trip_and_errors, NULL, NULL, 0, 0,
		  "write, read back, truncated, garbage", NULL },
		{ "poll_stats_split_busy_from_empty", poll_stats_split_busy_from_empty, NULL, NULL, 0, 0,
		  "busy cycles, empty polls, burst fill", NULL },
	};
	return kit_test_main(argc, argv, "common", tests, sizeof(tests) / sizeof(tests[0]));
}
