/*
 * packet_ring.c — lab01: a TPACKET_V3 receive ring (see packet_ring.h).
 */
#include "packet_ring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

int packet_ring_open(struct packet_ring *r, const char *ifname, unsigned block_size,
		     unsigned block_count, unsigned timeout_ms, char *err, size_t err_len)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	/* TODO 7 (first part): Check the geometry before asking the kernel, so the
	 * user gets a message that says what to change: block_size must be a
	 * non-zero multiple of the page size, block_count at least 2. -EINVAL. */
	(void)page; (void)block_size; (void)block_count;
	unsigned ifindex = if_nametoindex(ifname);
	if (ifindex == 0) {
		snprintf(err, err_len, "no interface named '%s' here (see `ip link`; wrong network "
			 "namespace?)", ifname);
		return -ENODEV;
	}

	/* TODO 7: Create the socket and its ring.
	 *   1. socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)). EPERM means the
	 *      process lacks CAP_NET_RAW: tell the user to run it with sudo.
	 *   2. setsockopt(SOL_PACKET, PACKET_VERSION, TPACKET_V3) — before the ring.
	 *   3. A struct tpacket_req3: tp_block_size, tp_block_nr, tp_frame_size
	 *      (any multiple of TPACKET_ALIGNMENT, e.g. 2048: V3 packs frames
	 *      tightly anyway), tp_frame_nr = blocks * (block_size / frame_size),
	 *      tp_retire_blk_tov = timeout_ms. setsockopt(SOL_PACKET, PACKET_RX_RING).
	 *   4. mmap the whole ring (block_size * block_count) PROT_READ|PROT_WRITE,
	 *      MAP_SHARED on the socket; keep it in r->map / r->map_len.
	 *   5. bind to the interface: struct sockaddr_ll with sll_family AF_PACKET,
	 *      sll_protocol htons(ETH_P_ALL), sll_ifindex ifindex.
	 *   Fill r->fd, r->block_size, r->block_count. On any error close what
	 *   you opened, write err, return -errno.
	 * Read: packet(7) "Socket options" PACKET_RX_RING, packet_mmap.rst "TPACKET_V3". */
	(void)timeout_ms;
	snprintf(err, err_len, "TODO 7 is not done yet (packet_ring_open)");
	return -ENOSYS;
}

struct tpacket_block_desc *packet_ring_next_block(struct packet_ring *r, int timeout_ms)
{
	/* TODO 8: Return the next block once the kernel has handed it over.
	 *   - Block i starts at r->map + i * r->block_size; look at
	 *     r->next_block. It is ours when hdr.bh1.block_status has
	 *     TP_STATUS_USER set. Read the status with an acquire load
	 *     (__atomic_load_n(..., __ATOMIC_ACQUIRE)) so the frames' bytes are
	 *     read after the status, never before.
	 *   - Not ready: poll(2) the socket for POLLIN|POLLERR with timeout_ms,
	 *     count it in r->polls, and look again once. Still not ready: NULL.
	 * Read: packet_mmap.rst "TPACKET_V3 example". */
	(void)r; (void)timeout_ms;
	return NULL;
}

struct tpacket3_hdr *packet_ring_first_frame(struct tpacket_block_desc *block)
{
	/* TODO 9: Walk the frames of a block.
	 *   - A block holds hdr.bh1.num_pkts frames (0 is possible: the block
	 *     timed out empty). The first is hdr.bh1.offset_to_first_pkt bytes
	 *     after the block's start.
	 *   - In packet_ring_next_frame below: the next frame is
	 *     frame->tp_next_offset bytes after this one; stop (NULL) once *index
	 *     reaches num_pkts. *index counts the frames returned so far.
	 * Read: struct tpacket_hdr_v1 and struct tpacket3_hdr in <linux/if_packet.h>. */
	(void)block;
	return NULL;
}

struct tpacket3_hdr *packet_ring_next_frame(struct tpacket_block_desc *block,
					    struct tpacket3_hdr *frame, unsigned *index)
{
	(void)block; (void)frame; (void)index;
	return NULL;
}

const uint8_t *packet_ring_frame_data(const struct tpacket3_hdr *frame)
{
	return (const uint8_t *)frame + frame->tp_mac;
}

unsigned packet_ring_frame_len(const struct tpacket3_hdr *frame)
{
	return frame->tp_snaplen;
}

int packet_ring_frame_is_outgoing(const struct tpacket3_hdr *frame)
{
	/* The sockaddr_ll follows the header, aligned (packet_mmap.rst). */
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)
		((const uint8_t *)frame + TPACKET_ALIGN(sizeof(struct tpacket3_hdr)));
	return sll->sll_pkttype == PACKET_OUTGOING;
}

void packet_ring_release_block(struct packet_ring *r, struct tpacket_block_desc *block)
{
	/* TODO 10: Give the block back and move to the next one.
	 *   - Count its frames in r->frames and the block in r->blocks.
	 *   - Store TP_STATUS_KERNEL into hdr.bh1.block_status with a release
	 *     store (__atomic_store_n(..., __ATOMIC_RELEASE)): every read of
	 *     the block must be finished before the kernel may reuse it.
	 *   - r->next_block moves on by one and wraps at r->block_count.
	 * Read: packet_mmap.rst, "flush_block". */
	(void)r; (void)block;
}

void packet_ring_update_drops(struct packet_ring *r)
{
	struct tpacket_stats_v3 st;
	socklen_t len = sizeof(st);

	/* Reading PACKET_STATISTICS resets the kernel's counters (packet(7)). */
	if (r->fd >= 0 && getsockopt(r->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0)
		r->kernel_drops += st.tp_drops;
}

void packet_ring_close(struct packet_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}
