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
	// BEGIN SOLUTION 7
	if (block_size == 0 || block_size % (unsigned)page != 0) {
		snprintf(err, err_len, "block size %u is not a multiple of the page size (%ld): "
			 "try 65536", block_size, page);
		return -EINVAL;
	}
	if (block_count < 2) {
		snprintf(err, err_len, "a ring needs at least 2 blocks (got %u): try 64", block_count);
		return -EINVAL;
	}
	// PLACEHOLDER 7
	// (void)page; (void)block_size; (void)block_count;
	// END SOLUTION 7
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
	// BEGIN SOLUTION 7
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		int e = errno;
		if (e == EPERM || e == EACCES)
			snprintf(err, err_len, "AF_PACKET sockets need CAP_NET_RAW: run with sudo");
		else
			snprintf(err, err_len, "socket(AF_PACKET): %s", strerror(e));
		return -e;
	}
	int version = TPACKET_V3;
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) != 0)
		goto fail_errno;

	struct tpacket_req3 req = {
		.tp_block_size = block_size,
		.tp_block_nr = block_count,
		.tp_frame_size = 2048,
		.tp_frame_nr = block_count * (block_size / 2048),
		.tp_retire_blk_tov = timeout_ms,
	};
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) != 0)
		goto fail_errno;

	size_t len = (size_t)block_size * block_count;
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		goto fail_errno;

	struct sockaddr_ll where = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)ifindex,
	};
	if (bind(fd, (struct sockaddr *)&where, sizeof(where)) != 0) {
		int e = errno;
		munmap(map, len);
		errno = e;
		goto fail_errno;
	}
	r->fd = fd;
	r->map = map;
	r->map_len = len;
	r->block_size = block_size;
	r->block_count = block_count;
	return 0;

fail_errno:;
	int e = errno;
	snprintf(err, err_len, "setting up the TPACKET_V3 ring on %s: %s", ifname, strerror(e));
	close(fd);
	return -e;
	// PLACEHOLDER 7
	// (void)timeout_ms;
	// snprintf(err, err_len, "TODO 7 is not done yet (packet_ring_open)");
	// return -ENOSYS;
	// END SOLUTION 7
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
	// BEGIN SOLUTION 8
	struct tpacket_block_desc *block =
		(struct tpacket_block_desc *)(r->map + (size_t)r->next_block * r->block_size);
	for (int attempt = 0; attempt < 2; attempt++) {
		uint32_t status = __atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE);
		if (status & TP_STATUS_USER)
			return block;
		if (attempt == 1)
			break;
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN | POLLERR };
		r->polls++;
		poll(&pfd, 1, timeout_ms);
	}
	return NULL;
	// PLACEHOLDER 8
	// (void)r; (void)timeout_ms;
	// return NULL;
	// END SOLUTION 8
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
	// BEGIN SOLUTION 9
	if (block->hdr.bh1.num_pkts == 0)
		return NULL;
	return (struct tpacket3_hdr *)((uint8_t *)block + block->hdr.bh1.offset_to_first_pkt);
	// PLACEHOLDER 9
	// (void)block;
	// return NULL;
	// END SOLUTION 9
}

struct tpacket3_hdr *packet_ring_next_frame(struct tpacket_block_desc *block,
					    struct tpacket3_hdr *frame, unsigned *index)
{
	// BEGIN SOLUTION 9
	*index += 1;
	if (*index >= block->hdr.bh1.num_pkts)
		return NULL;
	return (struct tpacket3_hdr *)((uint8_t *)frame + frame->tp_next_offset);
	// PLACEHOLDER 9
	// (void)block; (void)frame; (void)index;
	// return NULL;
	// END SOLUTION 9
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
	// BEGIN SOLUTION 10
	r->frames += block->hdr.bh1.num_pkts;
	r->blocks++;
	__atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->next_block = (r->next_block + 1) % r->block_count;
	// PLACEHOLDER 10
	// (void)r; (void)block;
	// END SOLUTION 10
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
