/*
 * packet_ring.h — lab01: AF_PACKET with a TPACKET_V3 receive ring.
 *
 * The kernel and this process share a ring of blocks in memory mapped from the
 * socket. The kernel fills a block with frames, then flips the block's status
 * to TP_STATUS_USER; we read every frame in it, then flip it back to
 * TP_STATUS_KERNEL. No copy to user space, no system call per frame: poll(2)
 * is only needed when the next block is not ready yet. This is the first shared
 * ring of the course; the e1000's descriptor rings (lab04) work the same way.
 *
 *   map:  | block 0 | block 1 | ... | block N-1 |      (block_size bytes each)
 *   block: tpacket_block_desc | frame | frame | ...   (tp_next_offset chains them)
 *
 * Read: packet(7), the kernel's Documentation/networking/packet_mmap.rst.
 */
#ifndef LAB01_PACKET_RING_H
#define LAB01_PACKET_RING_H

#include <linux/if_packet.h>
#include <stddef.h>
#include <stdint.h>

struct packet_ring {
	int fd;
	uint8_t *map;              /* block_count * block_size bytes */
	size_t map_len;
	unsigned block_size;       /* bytes, a multiple of the page size */
	unsigned block_count;
	unsigned next_block;       /* the block to look at next */
	/* counters */
	uint64_t polls;            /* poll(2) calls while waiting for a block */
	uint64_t blocks;           /* blocks handed back to the kernel */
	uint64_t frames;           /* frames walked */
	uint64_t kernel_drops;     /* frames the kernel could not fit (PACKET_STATISTICS) */
};

/* Open a ring on interface ifname ("blB", "lo", ...). block_size must be a
 * multiple of the page size, block_count at least 2; timeout_ms is how long the
 * kernel waits before handing over a block that is not full.
 * Returns 0, or -errno with err saying what to do (-EINVAL: bad geometry,
 * -EPERM: needs root / CAP_NET_RAW, -ENODEV: no such interface). */
int packet_ring_open(struct packet_ring *r, const char *ifname, unsigned block_size,
		     unsigned block_count, unsigned timeout_ms, char *err, size_t err_len);

/* Wait up to timeout_ms for the next block the kernel handed over.
 * Returns the block, or NULL if none arrived in time. */
struct tpacket_block_desc *packet_ring_next_block(struct packet_ring *r, int timeout_ms);

/* The frames inside a block: first, then next until NULL. */
struct tpacket3_hdr *packet_ring_first_frame(struct tpacket_block_desc *block);
struct tpacket3_hdr *packet_ring_next_frame(struct tpacket_block_desc *block,
					    struct tpacket3_hdr *frame, unsigned *index);

/* A frame's bytes (from the Ethernet header) and its captured length. */
const uint8_t *packet_ring_frame_data(const struct tpacket3_hdr *frame);
unsigned packet_ring_frame_len(const struct tpacket3_hdr *frame);
/* 1 if this frame is one this host sent (seen on the way out). */
int packet_ring_frame_is_outgoing(const struct tpacket3_hdr *frame);

/* Hand the block back to the kernel and move on to the next one. */
void packet_ring_release_block(struct packet_ring *r, struct tpacket_block_desc *block);

/* Add the kernel's drop count since the last call to r->kernel_drops. */
void packet_ring_update_drops(struct packet_ring *r);

void packet_ring_close(struct packet_ring *r);

#endif
