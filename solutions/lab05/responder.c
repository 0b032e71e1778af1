/* responder.c — lab05: ARP and ICMP echo replies (see responder.h). */
#include "responder.h"

#include <string.h>

#include "frame.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

int responder_arp(struct responder *r, uint8_t *frame, unsigned len)
{
	/* TODO 9: An ARP request for our address becomes the reply (RFC 826).
	 *   Check: len >= 42, EtherType 0x0806, htype 1, ptype 0x0800, hlen 6,
	 *   plen 4, oper 1, target IP (offset 38) == r->ip. Anything else: 0.
	 *   Rewrite: oper = 2; target MAC/IP = the sender's MAC/IP; sender MAC =
	 *   r->mac, sender IP = r->ip; Ethernet dst = the requester's MAC,
	 *   Ethernet src = r->mac. Count r->arp_replies, return 1. */
	// BEGIN SOLUTION 9
	if (len < 42 || get16(frame + 12) != RESP_ETH_ARP || get16(frame + 14) != 1 ||
	    get16(frame + 16) != RESP_ETH_IPV4 || frame[18] != 6 || frame[19] != 4 ||
	    get16(frame + 20) != RESP_ARP_REQUEST || get32(frame + 38) != r->ip)
		return 0;
	uint8_t asker_mac[6];
	uint32_t asker_ip = get32(frame + 28);
	memcpy(asker_mac, frame + 22, 6);
	put16(frame + 20, RESP_ARP_REPLY);
	memcpy(frame + 32, asker_mac, 6);
	put32(frame + 38, asker_ip);
	memcpy(frame + 22, r->mac, 6);
	put32(frame + 28, r->ip);
	memcpy(frame, asker_mac, 6);
	memcpy(frame + 6, r->mac, 6);
	r->arp_replies++;
	return 1;
	// PLACEHOLDER 9
	// (void)r; (void)frame; (void)len; (void)get16; (void)put16; (void)get32; (void)put32;
	// return 0;
	// END SOLUTION 9
}

int responder_icmp(struct responder *r, uint8_t *frame, unsigned len)
{
	/* TODO 10: An ICMP echo request to our address becomes the echo reply.
	 *   Check: EtherType 0x0800; IPv4 version 4, ihl = (byte 14 & 15) * 4 at
	 *   least 20; total length (offset 16) fits in len - 14; the header
	 *   checksum is right (kit_ip_checksum over the header gives 0); protocol
	 *   1; destination (offset 30) == r->ip; ICMP type 8, code 0, at least 8
	 *   bytes of ICMP. Anything else: return 0.
	 *   Then two requests to us that must not be answered, each counted:
	 *   a fragment (MF, bit 13 of the 16 bits at IP offset 6, or a fragment
	 *   offset, bits 12..0, not 0): r->dropped_fragments (RFC 1122 3.3.2: only
	 *   a reassembled datagram is answered); an ICMP checksum that is wrong
	 *   (kit_ip_checksum over the total - ihl ICMP bytes is not 0):
	 *   r->dropped_bad_icmp_checksum (RFC 792). Return 0 for both.
	 *   Rewrite: swap the MACs (ours as the source), swap source and
	 *   destination IP, TTL = 64, IP checksum recomputed (zero it, then
	 *   kit_ip_checksum over ihl bytes); ICMP type = 0, ICMP checksum
	 *   recomputed over the whole ICMP message (total length - ihl bytes).
	 *   Count r->echo_replies, return 1. */
	// BEGIN SOLUTION 10
	if (len < 14 + 20 || get16(frame + 12) != RESP_ETH_IPV4)
		return 0;
	uint8_t *ip = frame + 14;
	unsigned ihl = (ip[0] & 15u) * 4;
	unsigned total = get16(ip + 2);
	if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || total > len - 14 ||
	    kit_ip_checksum(ip, ihl) != 0 || ip[9] != RESP_IP_ICMP || get32(ip + 16) != r->ip)
		return 0;
	uint8_t *icmp = ip + ihl;
	if (icmp[0] != RESP_ICMP_ECHO_REQUEST || icmp[1] != 0)
		return 0;
	if (get16(ip + 6) & 0x3FFF) {   /* MF, or a fragment offset: not the whole datagram */
		r->dropped_fragments++;
		return 0;
	}
	if (kit_ip_checksum(icmp, total - ihl) != 0) {
		r->dropped_bad_icmp_checksum++;
		return 0;
	}
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, r->mac, 6);
	uint32_t src = get32(ip + 12);
	put32(ip + 12, r->ip);
	put32(ip + 16, src);
	ip[8] = 64;
	put16(ip + 10, 0);
	put16(ip + 10, kit_ip_checksum(ip, ihl));
	icmp[0] = RESP_ICMP_ECHO_REPLY;
	put16(icmp + 2, 0);
	put16(icmp + 2, kit_ip_checksum(icmp, total - ihl));
	r->echo_replies++;
	return 1;
	// PLACEHOLDER 10
	// (void)r; (void)frame; (void)len; (void)get16; (void)put16; (void)get32; (void)put32;
	// return 0;
	// END SOLUTION 10
}

int responder_handle(struct responder *r, uint8_t *frame, unsigned len)
{
	if (responder_arp(r, frame, len) || responder_icmp(r, frame, len))
		return 1;
	r->ignored++;
	return 0;
}
