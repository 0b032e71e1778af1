/*
 * frame.h — the kit's test frame: Ethernet II / IPv4 / UDP with an 18-byte payload
 * that carries a magic, a sequence number and a transmit timestamp.
 *
 *   offset  size  field
 *   0       14    Ethernet: dst MAC, src MAC, EtherType 0x0800
 *   14      20    IPv4 header, no options, valid header checksum (RFC 791)
 *   34      8     UDP header, checksum 0 = "not computed" (allowed for IPv4, RFC 768)
 *   42      2     magic 0xB1A5 (big endian)
 *   44      8     sequence number (big endian)
 *   52      8     transmit time in ns, CLOCK_MONOTONIC (big endian)
 *   60      ...   padding up to the requested frame length (zeros)
 *
 * 60 bytes is the shortest Ethernet frame without its 4-byte FCS, so the whole
 * payload fits in a "64-byte frame" as benchmarks count it. Because the UDP
 * checksum is 0 and the IP header does not cover the payload, a sender can patch
 * the sequence number and timestamp in place without recomputing anything.
 *
 * Over UDP sockets the kernel builds the headers; the same 18-byte payload is
 * then the whole datagram body (see kit_payload_write / kit_payload_read).
 */
#ifndef BYPASSLAB_FRAME_H
#define BYPASSLAB_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define KIT_ETH_HDR_LEN      14
#define KIT_IP_HDR_LEN       20
#define KIT_UDP_HDR_LEN      8
#define KIT_HDRS_LEN         (KIT_ETH_HDR_LEN + KIT_IP_HDR_LEN + KIT_UDP_HDR_LEN)
#define KIT_PAYLOAD_LEN      18
#define KIT_PAYLOAD_MAGIC    0xB1A5
#define KIT_FRAME_MIN        60      /* shortest frame, FCS not included */
#define KIT_FRAME_MAX        1514    /* longest standard frame, FCS not included */
#define KIT_ETHERTYPE_IPV4   0x0800
#define KIT_ETHERTYPE_ARP    0x0806

/* Addresses of one flow. IPv4 addresses and ports are in host byte order. */
struct kit_flow {
	uint8_t  dst_mac[6];
	uint8_t  src_mac[6];
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t src_port;
	uint16_t dst_port;
};

/* What kit_frame_parse found in a frame. */
struct kit_frame_info {
	struct kit_flow flow;
	uint64_t seq;
	uint64_t tx_ns;
	size_t   udp_payload_len;
};

enum kit_frame_error {
	KIT_FRAME_OK = 0,
	KIT_FRAME_TOO_SHORT = -1,     /* shorter than headers + payload */
	KIT_FRAME_NOT_IPV4 = -2,      /* EtherType is not 0x0800 */
	KIT_FRAME_BAD_IP_HEADER = -3, /* version/IHL/total length wrong */
	KIT_FRAME_BAD_IP_CHECKSUM = -4,
	KIT_FRAME_NOT_UDP = -5,
	KIT_FRAME_BAD_UDP_LENGTH = -6,
	KIT_FRAME_BAD_MAGIC = -7,     /* a UDP frame, but not one of the kit's */
};

/* A flow on the benchmarking range 198.18.0.0/15 (RFC 2544) with locally
 * administered MACs 02:00:00:00:00:01 -> 02:00:00:00:00:02. */
void kit_flow_default(struct kit_flow *flow);

/* Write a whole frame of frame_len bytes (KIT_FRAME_MIN..KIT_FRAME_MAX) into buf.
 * Returns frame_len, or 0 when frame_len is out of range or buf is too small. */
size_t kit_frame_build(uint8_t *buf, size_t buf_len, const struct kit_flow *flow,
		       size_t frame_len, uint64_t seq, uint64_t tx_ns);

/* Patch sequence number and timestamp of a frame made by kit_frame_build. */
void kit_frame_set_seq(uint8_t *frame, uint64_t seq, uint64_t tx_ns);

/* Check a received frame and extract its fields. Returns KIT_FRAME_OK or a
 * negative enum kit_frame_error; kit_frame_strerror() says what is wrong. */
int kit_frame_parse(const uint8_t *frame, size_t len, struct kit_frame_info *info);
const char *kit_frame_strerror(int error);

/* The payload alone, for UDP sockets (the kernel writes the headers). */
void kit_payload_write(uint8_t *payload, uint64_t seq, uint64_t tx_ns);
/* Returns 0, or KIT_FRAME_TOO_SHORT / KIT_FRAME_BAD_MAGIC. */
int kit_payload_read(const uint8_t *payload, size_t len, uint64_t *seq, uint64_t *tx_ns);

/* The Internet checksum (RFC 1071) over len bytes, as a number in host byte order:
 * store it big endian (put16/put_be16: high byte first), as every other header
 * field. Over a header whose checksum field is right it returns 0, whichever way. */
uint16_t kit_ip_checksum(const void *data, size_t len);

#endif
