/*
 * responder.h — lab05: answer ARP requests (RFC 826) and ICMP echo requests
 * (RFC 792) for one IPv4 address, by rewriting the received frame in place
 * into the reply and sending the same buffer back.
 *
 *   ARP request, 42 bytes (+ padding to 60):         ICMP echo request:
 *    0 dst MAC (ff:ff:ff:ff:ff:ff)  6 src MAC         0 Ethernet (14)
 *   12 EtherType 0x0806                              14 IPv4 header (IHL*4 bytes),
 *   14 htype 1  16 ptype 0x0800  18 hlen 6 plen 4        protocol 1 at +9, src +12, dst +16
 *   20 oper (1 request, 2 reply)                     34 ICMP type 8 (reply: 0), code 0,
 *   22 sender MAC  28 sender IP                         checksum +2, id, seq, data...
 *   32 target MAC  38 target IP
 *
 * All fields are big endian ("network byte order").
 */
#ifndef LAB05_RESPONDER_H
#define LAB05_RESPONDER_H

#include <stdint.h>

#define RESP_ETH_ARP   0x0806
#define RESP_ETH_IPV4  0x0800
#define RESP_ARP_REQUEST 1
#define RESP_ARP_REPLY   2
#define RESP_IP_ICMP     1
#define RESP_ICMP_ECHO_REPLY   0
#define RESP_ICMP_ECHO_REQUEST 8

struct responder {
	uint8_t mac[6];
	uint32_t ip;                /* host byte order */
	uint64_t arp_replies, echo_replies, ignored;
	/* Echo requests to us that must not be answered (counted, and in ignored too):
	 * an IP fragment is not a whole datagram (RFC 1122 3.3.2: reassemble first, and
	 * this responder does not); a bad ICMP checksum is a damaged message (RFC 792). */
	uint64_t dropped_fragments, dropped_bad_icmp_checksum;
};

/* If frame (len bytes) is an ARP request for r->ip or an ICMP echo request to
 * r->ip, rewrite it in place into the reply and return 1 (send it: its length
 * is unchanged). Otherwise return 0 (counted in r->ignored). */
int responder_handle(struct responder *r, uint8_t *frame, unsigned len);

/* The two halves, for the tests. 1 = rewritten into a reply, 0 = not for us. */
int responder_arp(struct responder *r, uint8_t *frame, unsigned len);
int responder_icmp(struct responder *r, uint8_t *frame, unsigned len);

#endif
