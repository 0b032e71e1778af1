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
	(void)r; (void)frame; (void)len; (void)get16; (void)put16; (void)get32; (void)put32;
	return 0;
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
	(void)r; (void)frame; (void)len; (void)get16; (void)put16; (void)get32; (void)put32;
	return 0;
}

int responder_handle(struct responder *r, uint8_t *frame, unsigned len)
{
	if (responder_arp(r, frame, len) || responder_icmp(r, frame, len))
		return 1;
	r->ignored++;
	return 0;
}
