/* frame.c — build and check the kit's test frames (layout in frame.h). */
#include "frame.h"

#include <string.h>

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)get_be16(p) << 16) | get_be16(p + 2);
}

static uint64_t get_be64(const uint8_t *p)
{
	return ((uint64_t)get_be32(p) << 32) | get_be32(p + 4);
}

void kit_flow_default(struct kit_flow *flow)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x01 };

	memcpy(flow->dst_mac, dst, 6);
	memcpy(flow->src_mac, src, 6);
	flow->src_ip = 0xC6120001;   /* 198.18.0.1 */
	flow->dst_ip = 0xC6130001;   /* 198.19.0.1 */
	flow->src_port = 9000;
	flow->dst_port = 9001;
}

uint16_t kit_ip_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; len -= 2, p += 2)
		sum += get_be16(p);
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

void kit_payload_write(uint8_t *payload, uint64_t seq, uint64_t tx_ns)
{
	put_be16(payload, KIT_PAYLOAD_MAGIC);
	put_be64(payload + 2, seq);
	put_be64(payload + 10, tx_ns);
}

int kit_payload_read(const uint8_t *payload, size_t len, uint64_t *seq, uint64_t *tx_ns)
{
	if (len < KIT_PAYLOAD_LEN)
		return KIT_FRAME_TOO_SHORT;
	if (get_be16(payload) != KIT_PAYLOAD_MAGIC)
		return KIT_FRAME_BAD_MAGIC;
	*seq = get_be64(payload + 2);
	*tx_ns = get_be64(payload + 10);
	return KIT_FRAME_OK;
}

size_t kit_frame_build(uint8_t *buf, size_t buf_len, const struct kit_flow *flow,
		       size_t frame_len, uint64_t seq, uint64_t tx_ns)
{
	if (frame_len < KIT_FRAME_MIN || frame_len > KIT_FRAME_MAX || buf_len < frame_len)
		return 0;
	memset(buf, 0, frame_len);

	uint8_t *eth = buf;
	memcpy(eth, flow->dst_mac, 6);
	memcpy(eth + 6, flow->src_mac, 6);
	put_be16(eth + 12, KIT_ETHERTYPE_IPV4);

	uint8_t *ip = buf + KIT_ETH_HDR_LEN;
	size_t ip_len = frame_len - KIT_ETH_HDR_LEN;
	ip[0] = 0x45;                        /* version 4, IHL 5 words */
	put_be16(ip + 2, (uint16_t)ip_len);  /* total length */
	put_be16(ip + 6, 0x4000);            /* don't fragment */
	ip[8] = 64;                          /* TTL */
	ip[9] = 17;                          /* protocol UDP */
	put_be32(ip + 12, flow->src_ip);
	put_be32(ip + 16, flow->dst_ip);
	put_be16(ip + 10, kit_ip_checksum(ip, KIT_IP_HDR_LEN));

	uint8_t *udp = ip + KIT_IP_HDR_LEN;
	put_be16(udp, flow->src_port);
	put_be16(udp + 2, flow->dst_port);
	put_be16(udp + 4, (uint16_t)(ip_len - KIT_IP_HDR_LEN));
	/* udp + 6: checksum 0, not computed */

	kit_payload_write(udp + KIT_UDP_HDR_LEN, seq, tx_ns);
	return frame_len;
}

void kit_frame_set_seq(uint8_t *frame, uint64_t seq, uint64_t tx_ns)
{
	kit_payload_write(frame + KIT_HDRS_LEN, seq, tx_ns);
}

int kit_frame_parse(const uint8_t *frame, size_t len, struct kit_frame_info *info)
{
	if (len < KIT_HDRS_LEN + KIT_PAYLOAD_LEN)
		return KIT_FRAME_TOO_SHORT;
	if (get_be16(frame + 12) != KIT_ETHERTYPE_IPV4)
		return KIT_FRAME_NOT_IPV4;

	const uint8_t *ip = frame + KIT_ETH_HDR_LEN;
	size_t ip_total = get_be16(ip + 2);
	if (ip[0] != 0x45 || ip_total < KIT_IP_HDR_LEN + KIT_UDP_HDR_LEN ||
	    ip_total > len - KIT_ETH_HDR_LEN)
		return KIT_FRAME_BAD_IP_HEADER;
	if (kit_ip_checksum(ip, KIT_IP_HDR_LEN) != 0)
		return KIT_FRAME_BAD_IP_CHECKSUM;
	if (ip[9] != 17)
		return KIT_FRAME_NOT_UDP;

	const uint8_t *udp = ip + KIT_IP_HDR_LEN;
	size_t udp_len = get_be16(udp + 4);
	if (udp_len != ip_total - KIT_IP_HDR_LEN || udp_len < KIT_UDP_HDR_LEN + KIT_PAYLOAD_LEN)
		return KIT_FRAME_BAD_UDP_LENGTH;

	int rc = kit_payload_read(udp + KIT_UDP_HDR_LEN, udp_len - KIT_UDP_HDR_LEN,
				  &info->seq, &info->tx_ns);
	if (rc != KIT_FRAME_OK)
		return rc;

	memcpy(info->flow.dst_mac, frame, 6);
	memcpy(info->flow.src_mac, frame + 6, 6);
	info->flow.src_ip = get_be32(ip + 12);
	info->flow.dst_ip = get_be32(ip + 16);
	info->flow.src_port = get_be16(udp);
	info->flow.dst_port = get_be16(udp + 2);
	info->udp_payload_len = udp_len - KIT_UDP_HDR_LEN;
	return KIT_FRAME_OK;
}

const char *kit_frame_strerror(int error)
{
	switch (error) {
	case KIT_FRAME_OK: return "ok";
	case KIT_FRAME_TOO_SHORT: return "frame too short for Ethernet+IPv4+UDP+kit payload";
	case KIT_FRAME_NOT_IPV4: return "EtherType is not IPv4 (0x0800)";
	case KIT_FRAME_BAD_IP_HEADER: return "IPv4 header malformed (version/IHL/total length)";
	case KIT_FRAME_BAD_IP_CHECKSUM: return "IPv4 header checksum wrong";
	case KIT_FRAME_NOT_UDP: return "IPv4 protocol is not UDP";
	case KIT_FRAME_BAD_UDP_LENGTH: return "UDP length does not match the IPv4 length";
	case KIT_FRAME_BAD_MAGIC: return "UDP payload does not start with the kit's magic 0xB1A5";
	default: return "unknown frame error";
	}
}
