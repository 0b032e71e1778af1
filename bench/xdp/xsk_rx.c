/*
 * xsk_rx — receive the kit's test frames through an AF_XDP socket and count
 * them: the kernel's own fast path, next to lab01's sockets and AF_PACKET ring.
 *
 *   xsk_rx --iface blB --expect 1000000
 *
 * How it works (see README.md in this directory for the long version):
 *   1. An XSKMAP (BPF_MAP_TYPE_XSKMAP) and a six-instruction XDP program that
 *      redirects every frame of receive queue q to the socket stored at key q,
 *      or lets it pass to the kernel stack when there is none. No ELF object,
 *      no BTF: the instructions are written out below.
 *   2. An AF_XDP socket, with plain syscalls: a UMEM (the packet buffer area,
 *      registered with XDP_UMEM_REG), its fill and completion rings, an RX ring,
 *      all mmap()ed at the offsets XDP_MMAP_OFFSETS reports; bound to queue 0
 *      of the interface in copy mode (XDP_COPY: veth has no zero-copy).
 *   3. The socket goes into the XSKMAP at key 0, the program is attached
 *      (native/driver mode if the driver has it, else generic/SKB mode).
 *   4. Loop: take up to --batch descriptors from the RX ring, parse the frames
 *      in the UMEM, give the buffers back through the fill ring; poll(2) when
 *      the RX ring is empty.
 *   5. At exit — normal, error, SIGINT, SIGTERM, SIGHUP, a closed stdout — the
 *      program is detached. After SIGKILL it stays attached (netlink attach has
 *      no owner); the next xsk_rx on that interface finds it by name and
 *      removes it. Until then it is harmless: its XSKMAP is empty, so every
 *      frame gets XDP_PASS.
 *
 * veth (what works on Linux 6.x, measured on 6.18): native mode on the
 * receiving veth alone is enough. Attaching an XDP program to a veth enables
 * NAPI on its receive queue, and the peer's transmit path then hands every
 * frame to that NAPI ring where the program runs (drivers/net/veth.c,
 * veth_xmit: "The napi pointer is available when an XDP program is attached").
 * Neither an XDP program on the peer nor GRO is needed for this direction;
 * those are needed when frames are XDP_REDIRECTed *into* a veth (ndo_xdp_xmit
 * wants NAPI on the peer). Native XDP on a veth also caps the peer's MTU to
 * what fits a page (jumbo MTUs make the attach fail; auto mode then falls back
 * to generic). The veth needs a single receive queue for queue 0 to see every
 * frame; `ip link add ... type veth` gives one in use on this kernel.
 *
 * Kernel references: Documentation/networking/af_xdp.rst (af_xdp.rst below),
 * include/uapi/linux/if_xdp.h (if_xdp.h), include/uapi/linux/bpf.h (bpf.h),
 * the ring ordering comment in net/xdp/xsk_queue.h (xsk_queue.h).
 *
 * Needs root (CAP_NET_ADMIN + CAP_BPF/CAP_SYS_ADMIN, CAP_NET_RAW for AF_XDP).
 * Exit status: 0 ok, 1 error or packets not accounted for, 2 bad usage,
 * 77 AF_XDP or XDP unavailable here ("skipped", with the reason on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "frame.h"
#include "kit_time.h"
#include "kstats.h"
#include "netns.h"
#include "seqtrack.h"

#define TOOL "xsk_rx"

#ifndef AF_XDP
#define AF_XDP 44           /* include/linux/socket.h; older libc headers lack it */
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define PROG_NAME "kit_xsk_redir"  /* how `ip link` / bpftool show our program */
#define EXIT_SKIP 77        /* "this kernel refuses AF_XDP/XDP": the bench marks it skipped */

/* One UMEM chunk per frame. 2048 is the smallest chunk size the kernel accepts
 * (af_xdp.rst "UMEM": chunk size 2K..PAGE_SIZE, aligned mode) and holds any
 * 1500-byte-MTU frame plus the 256 bytes of XDP_PACKET_HEADROOM the kernel
 * puts in front of the data in copy mode. */
#define CHUNK_SIZE 2048
/* The completion ring only carries finished TX buffers back; we never transmit,
 * but bind() refuses a UMEM without both fill and completion ring
 * (af_xdp.rst "UMEM Fill Ring"/"UMEM Completion Ring"). Any power of two. */
#define COMP_RING_SIZE 64

/* ------------------------------------------------------------------------ */
/* Rings                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * One mmap()ed AF_XDP ring (af_xdp.rst "Rings"). Each ring is single-producer,
 * single-consumer: for RX and completion the kernel produces and we consume;
 * for fill (and TX) we produce and the kernel consumes. The mapping holds the
 * producer index, the consumer index, a flags word and the descriptor array,
 * at the offsets getsockopt(XDP_MMAP_OFFSETS) returns (struct xdp_ring_offset,
 * if_xdp.h). Indices are free-running u32 counters; the slot is index & mask
 * (ring sizes are powers of two, af_xdp.rst).
 */
struct xsk_ring {
	uint32_t *producer;
	uint32_t *consumer;
	uint32_t *flags;        /* XDP_RING_NEED_WAKEUP (if_xdp.h) */
	void *descs;            /* u64 UMEM addresses (fill/completion) or struct xdp_desc (RX/TX) */
	uint32_t size, mask;
	void *map;
	size_t map_len;
};

/*
 * Memory ordering (xsk_queue.h, "smp_load_acquire/smp_store_release" comment):
 *   producer: check there is room (load consumer), write descriptors, then
 *             store-release the producer index (B);
 *   consumer: load-acquire the producer index (C), read descriptors, then
 *             store-release the consumer index (D).
 * (B) pairs with (C): we never read a descriptor before the kernel's writes to
 * it are visible. (D) pairs with the producer's load of the consumer index:
 * the kernel never reuses a slot (or a buffer) before we finished reading it.
 * On x86 acquire/release cost nothing but stop the compiler reordering; on
 * arm64 they are the ldar/stlr the kernel pairs with.
 */
static inline uint32_t ring_load_acquire(const uint32_t *index)
{
	return __atomic_load_n(index, __ATOMIC_ACQUIRE);
}

static inline void ring_store_release(uint32_t *index, uint32_t value)
{
	__atomic_store_n(index, value, __ATOMIC_RELEASE);
}

/* mmap one ring of the socket: pgoff selects which (if_xdp.h XDP_PGOFF_RX_RING,
 * XDP_UMEM_PGOFF_FILL_RING, ...); the length is the descriptor array's offset
 * plus its size (af_xdp.rst "XDP_{RX|TX|UMEM_FILL|UMEM_COMPLETION}_RING"). */
static int ring_map(struct xsk_ring *r, int fd, const struct xdp_ring_offset *off,
		    uint32_t size, size_t desc_size, off_t pgoff)
{
	r->map_len = off->desc + (size_t)size * desc_size;
	r->map = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		      fd, pgoff);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->producer = (uint32_t *)((uint8_t *)r->map + off->producer);
	r->consumer = (uint32_t *)((uint8_t *)r->map + off->consumer);
	r->flags = (uint32_t *)((uint8_t *)r->map + off->flags);
	r->descs = (uint8_t *)r->map + off->desc;
	r->size = size;
	r->mask = size - 1;
	return 0;
}

static void ring_unmap(struct xsk_ring *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	r->map = NULL;
}

/* ------------------------------------------------------------------------ */
/* The XDP program                                                          */
/* ------------------------------------------------------------------------ */

/* One instruction (struct bpf_insn, bpf.h; encoding in
 * Documentation/bpf/standardization/instruction-set.rst). */
#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

/* Load it: returns the program fd, or -errno with the verifier's log in log. */
static int load_xdp_prog(int xskmap_fd, char *log, size_t log_len)
{
	struct bpf_insn insns[] = {
		/* r2 = ((struct xdp_md *)r1)->rx_queue_index
		 * On entry r1 is the context, struct xdp_md (bpf.h). A 32-bit load
		 * (BPF_LDX|BPF_MEM|BPF_W) of the field at its offset; the verifier
		 * rewrites it to the real xdp_buff access. r2 is the map key. */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
		     offsetof(struct xdp_md, rx_queue_index), 0),
		/* r1 = the XSKMAP. A 64-bit immediate load takes two instruction
		 * slots (BPF_LD|BPF_DW|BPF_IMM); src_reg = BPF_PSEUDO_MAP_FD tells
		 * the verifier imm is a map fd and to put the map's address there. */
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, xskmap_fd),
		/* second half of the 64-bit immediate: the upper 32 bits, 0 */
		INSN(0, 0, 0, 0, 0),
		/* r3 = XDP_PASS: the flags argument of bpf_redirect_map. Its lower
		 * two bits are the action returned when the lookup fails — here,
		 * when no socket sits at this queue's key (bpf.h, bpf_redirect_map) —
		 * so frames of queues nobody listens on go on to the kernel stack. */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, XDP_PASS),
		/* r0 = bpf_redirect_map(r1 = map, r2 = key, r3 = flags): returns
		 * XDP_REDIRECT when the key holds a socket (the frame then goes to
		 * its RX ring), else the action in the flags. */
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
		/* return r0: the XDP action for this frame */
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = (__u32)log_len,
		    .log_level = 0);
	log[0] = '\0';
	/* bpf_redirect_map is not GPL-only; any license string works. */
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, PROG_NAME, "Dual BSD/GPL", insns,
			       sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd < 0 && !log[0]) {
		/* Ask again with the verifier's log switched on, to show why. */
		opts.log_level = 1;
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, PROG_NAME, "Dual BSD/GPL", insns,
				   sizeof(insns) / sizeof(insns[0]), &opts);
	}
	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------------------ */
/* State shared with the cleanup path                                       */
/* ------------------------------------------------------------------------ */

struct xsk_state {
	int ifindex;
	const char *ifname;
	int map_fd, prog_fd, xsk_fd;
	__u32 attach_mode;          /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE once attached */
	uint8_t *umem;
	size_t umem_len;
	struct xsk_ring fill, comp, rx;
};

static struct xsk_state xs = { .map_fd = -1, .prog_fd = -1, .xsk_fd = -1 };

/* Detach our program: only ours (XDP_FLAGS_REPLACE with old_prog_fd = ours, so
 * a program someone attached in between stays), in the mode it was attached. */
static void xdp_detach(void)
{
	if (!xs.attach_mode)
		return;
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = xs.prog_fd);
	int rc = bpf_xdp_detach(xs.ifindex, xs.attach_mode, &opts);
	if (rc != 0)
		fprintf(stderr, TOOL ": detaching the XDP program from %s failed: %s; remove it "
			"with `ip link set dev %s %s off`\n", xs.ifname, strerror(-rc), xs.ifname,
			xs.attach_mode == XDP_FLAGS_SKB_MODE ? "xdpgeneric" : "xdpdrv");
	xs.attach_mode = 0;
}

static void cleanup(void)
{
	xdp_detach();
	ring_unmap(&xs.rx);
	ring_unmap(&xs.fill);
	ring_unmap(&xs.comp);
	if (xs.xsk_fd >= 0)
		close(xs.xsk_fd);
	if (xs.umem)
		munmap(xs.umem, xs.umem_len);
	if (xs.prog_fd >= 0)
		close(xs.prog_fd);
	if (xs.map_fd >= 0)
		close(xs.map_fd);
	xs.xsk_fd = xs.prog_fd = xs.map_fd = -1;
	xs.umem = NULL;
}

/* libbpf's own messages (e.g. the kernel's extack text on a refused attach),
 * prefixed with our name; its debug chatter is dropped. */
static int libbpf_message(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	fputs(TOOL ": ", stderr);
	return vfprintf(stderr, fmt, ap);
}

/* SIGHUP (a closed terminal) stops us like SIGINT/SIGTERM, so the program
 * is still detached. */
static void on_hangup(int sig)
{
	(void)sig;
	kit_stop = 1;
}

/* ------------------------------------------------------------------------ */
/* Setup steps                                                              */
/* ------------------------------------------------------------------------ */

/* The interface's receive queues in use (ethtool -l "Combined"/"RX"), 0 if the
 * driver does not say. Only queue 0 is read here. */
static unsigned rx_queue_count(const char *ifname)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned n = 0;

	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (char *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) == 0)
		n = ch.rx_count + ch.combined_count;
	close(fd);
	return n;
}

/* Frames the interface itself dropped on receive (struct rtnl_link_stats via
 * getifaddrs, the "RX dropped" of `ip -s link`). UINT64_MAX if unknown. */
static uint64_t iface_rx_dropped(const char *ifname)
{
	struct ifaddrs *list, *a;
	uint64_t v = UINT64_MAX;

	if (getifaddrs(&list) != 0)
		return v;
	for (a = list; a; a = a->ifa_next)
		if (a->ifa_addr && a->ifa_addr->sa_family == AF_PACKET && a->ifa_data &&
		    strcmp(a->ifa_name, ifname) == 0)
			v = ((struct rtnl_link_stats *)a->ifa_data)->rx_dropped;
	freeifaddrs(list);
	return v;
}

/* The XSKMAP: key = receive queue index (u32), value = AF_XDP socket fd (u32)
 * on update; the kernel keeps a reference to the socket (bpf.h
 * BPF_MAP_TYPE_XSKMAP, Documentation/bpf/map_xskmap.rst). */
static int create_xskmap(unsigned entries)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_XSKMAP, "kit_xsks", sizeof(__u32), sizeof(__u32),
				entries, NULL);
	return fd < 0 ? -errno : fd;
}

/* The AF_XDP socket with its UMEM and rings, bound to (ifindex, queue 0).
 * Returns 0 or -errno with err set. Follows af_xdp.rst "Usage" step by step. */
static int open_xsk(unsigned frames, char *err, size_t err_len)
{
	const char *step;

	/* socket(AF_XDP, SOCK_RAW, 0) (af_xdp.rst "Concepts"). */
	xs.xsk_fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (xs.xsk_fd < 0) {
		int e = errno;
		if (e == EAFNOSUPPORT)
			snprintf(err, err_len, "AF_XDP unavailable: %s (kernel built without "
				 "CONFIG_XDP_SOCKETS); skipped", strerror(e));
		else if (e == EPERM || e == EACCES)
			snprintf(err, err_len, "AF_XDP unavailable: %s (needs root: CAP_NET_RAW); "
				 "skipped", strerror(e));
		else
			snprintf(err, err_len, "AF_XDP unavailable: socket(AF_XDP): %s; skipped",
				 strerror(e));
		return -e;
	}

	/* The UMEM: frames * CHUNK_SIZE bytes of page-aligned memory (mmap gives
	 * that), registered with XDP_UMEM_REG (struct xdp_umem_reg, if_xdp.h).
	 * headroom 0: no room of our own before the packet; flags 0: aligned
	 * chunks, so the kernel rounds any address we give it down to the start
	 * of its chunk. The struct is zeroed whole: newer kernels read a field
	 * (tx_metadata_len) where Debian 12's header has padding. */
	xs.umem_len = (size_t)frames * CHUNK_SIZE;
	step = "allocating the UMEM";
	xs.umem = mmap(NULL, xs.umem_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (xs.umem == MAP_FAILED) {
		xs.umem = NULL;
		goto fail;
	}
	struct xdp_umem_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.addr = (__u64)(uintptr_t)xs.umem;
	reg.len = xs.umem_len;
	reg.chunk_size = CHUNK_SIZE;
	reg.headroom = 0;
	reg.flags = 0;
	step = "XDP_UMEM_REG";
	if (setsockopt(xs.xsk_fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) != 0)
		goto fail;

	/* Ring sizes in entries, powers of two (af_xdp.rst). The RX ring holds
	 * every frame. The fill ring holds twice as many: the kernel takes a
	 * batch of fill entries into a private cache and publishes its consumer
	 * index only when the batch is used up (xsk_queue.h, cached_cons), so
	 * the room we can see lags by up to one batch (<= frames). With 2 x
	 * frames slots every chunk we hand back always fits; with exactly
	 * `frames` slots we would sit on returned chunks until the kernel ran
	 * dry and dropped frames (rx_fill_ring_empty_descs). */
	int fill_size = 2 * (int)frames, comp_size = COMP_RING_SIZE, rx_size = (int)frames;
	step = "XDP_UMEM_FILL_RING";
	if (setsockopt(xs.xsk_fd, SOL_XDP, XDP_UMEM_FILL_RING, &fill_size, sizeof(int)) != 0)
		goto fail;
	step = "XDP_UMEM_COMPLETION_RING";
	if (setsockopt(xs.xsk_fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &comp_size, sizeof(int)) != 0)
		goto fail;
	step = "XDP_RX_RING";
	if (setsockopt(xs.xsk_fd, SOL_XDP, XDP_RX_RING, &rx_size, sizeof(int)) != 0)
		goto fail;

	/* Where producer, consumer, flags and descriptors sit in each ring's
	 * mapping (struct xdp_mmap_offsets, if_xdp.h). */
	struct xdp_mmap_offsets off;
	socklen_t off_len = sizeof(off);
	step = "XDP_MMAP_OFFSETS";
	if (getsockopt(xs.xsk_fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &off_len) != 0)
		goto fail;

	int rc;
	step = "mmap of the fill ring";
	rc = ring_map(&xs.fill, xs.xsk_fd, &off.fr, (uint32_t)fill_size, sizeof(__u64),
		      (off_t)XDP_UMEM_PGOFF_FILL_RING);
	if (rc == 0) {
		step = "mmap of the completion ring";
		rc = ring_map(&xs.comp, xs.xsk_fd, &off.cr, (uint32_t)comp_size, sizeof(__u64),
			      (off_t)XDP_UMEM_PGOFF_COMPLETION_RING);
	}
	if (rc == 0) {
		step = "mmap of the RX ring";
		rc = ring_map(&xs.rx, xs.xsk_fd, &off.rx, (uint32_t)rx_size,
			      sizeof(struct xdp_desc), (off_t)XDP_PGOFF_RX_RING);
	}
	if (rc != 0) {
		errno = -rc;
		goto fail;
	}

	/* Hand every frame to the kernel before bind: write the chunk addresses
	 * (offsets into the UMEM) into the fill ring, then publish them with a
	 * release store of the producer index (af_xdp.rst "UMEM Fill Ring"). */
	uint64_t *fill = xs.fill.descs;
	uint32_t prod = *xs.fill.producer;
	for (unsigned i = 0; i < frames; i++)
		fill[(prod + i) & xs.fill.mask] = (uint64_t)i * CHUNK_SIZE;
	ring_store_release(xs.fill.producer, prod + frames);

	/* bind to (ifindex, queue 0) (struct sockaddr_xdp, if_xdp.h).
	 * XDP_COPY: the kernel copies each frame into our UMEM; veth has no
	 * zero-copy (that needs driver support, XDP_ZEROCOPY).
	 * XDP_USE_NEED_WAKEUP: the kernel sets XDP_RING_NEED_WAKEUP in the fill
	 * ring's flags when it wants a syscall to go on (af_xdp.rst
	 * "XDP_USE_NEED_WAKEUP bind flag"); without it we would have to wake
	 * it after every refill. */
	struct sockaddr_xdp sxdp;
	memset(&sxdp, 0, sizeof(sxdp));
	sxdp.sxdp_family = AF_XDP;
	sxdp.sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
	sxdp.sxdp_ifindex = (__u32)xs.ifindex;
	sxdp.sxdp_queue_id = 0;
	/* EBUSY: the queue still has a UMEM — the previous run's socket is
	 * torn down by the kernel in deferred work (RCU, workqueue) after its
	 * close; give it up to 3 s before reporting a real user of the queue. */
	step = "bind";
	for (int tries = 0; bind(xs.xsk_fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) != 0; tries++) {
		if (errno != EBUSY || tries == 30 || kit_stop) {
			if (errno == EBUSY)
				step = "bind (queue 0 is busy: another AF_XDP socket is bound to it; "
				       "is another xsk_rx running?)";
			goto fail;
		}
		usleep(100000);
	}
	return 0;

fail:;
	int e = errno;
	snprintf(err, err_len, "AF_XDP socket on %s: %s: %s", xs.ifname, step, strerror(e));
	return -e;
}

/* An XDP program is already attached. If it is our own (by name) it is a
 * leftover of an xsk_rx that died without detaching (SIGKILL, a crash): a
 * program attached through netlink stays until someone removes it. No live
 * xsk_rx can own it — that one would hold queue 0, and our bind() succeeded —
 * so remove it. Returns 1 if it was removed, 0 if it is someone else's. */
static int remove_leftover(void)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	if (bpf_xdp_query(xs.ifindex, 0, &q) != 0 || !q.prog_id)
		return 0;
	int fd = bpf_prog_get_fd_by_id(q.prog_id);
	if (fd < 0)
		return 0;
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	memset(&info, 0, sizeof(info));
	int ours = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
		   strcmp(info.name, PROG_NAME) == 0;
	int removed = 0;
	if (ours) {
		/* Its mode: XDP_ATTACHED_DRV / _SKB (if_link.h). REPLACE with
		 * old_prog_fd = that program: nothing else gets removed. */
		__u32 mode = q.attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
			     XDP_FLAGS_DRV_MODE;
		LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = fd);
		removed = bpf_xdp_detach(xs.ifindex, mode, &opts) == 0;
		fprintf(stderr, TOOL ": %s a leftover " PROG_NAME " program (id %u) on %s from a run "
			"that did not exit cleanly\n", removed ? "removed" : "could not remove",
			q.prog_id, xs.ifname);
	}
	close(fd);
	return removed;
}

/* Attach the program: native (driver) mode, generic (SKB) mode, or native and
 * then generic. XDP_FLAGS_UPDATE_IF_NOEXIST: never replace a program someone
 * else attached (if_link.h). Returns 0 or -errno with err set. */
static int attach(const char *mode, char *err, size_t err_len)
{
	int want_native = strcmp(mode, "generic") != 0;
	int want_generic = strcmp(mode, "native") != 0;
	int rc = -EOPNOTSUPP, retried = 0;

again:

	if (want_native) {
		rc = bpf_xdp_attach(xs.ifindex, xs.prog_fd,
				    XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (rc == 0) {
			xs.attach_mode = XDP_FLAGS_DRV_MODE;
			return 0;
		}
		if (rc == -EBUSY || rc == -EEXIST)
			goto busy;
		if (want_generic)
			fprintf(stderr, TOOL ": XDP native mode not supported on %s (%s), falling "
				"back to generic (SKB) mode\n", xs.ifname, strerror(-rc));
		else {
			snprintf(err, err_len, "XDP native mode not supported on %s: %s (try "
				 "--mode generic)", xs.ifname, strerror(-rc));
			return rc;
		}
	}
	rc = bpf_xdp_attach(xs.ifindex, xs.prog_fd,
			    XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (rc == 0) {
		xs.attach_mode = XDP_FLAGS_SKB_MODE;
		return 0;
	}
	if (rc == -EBUSY || rc == -EEXIST)
		goto busy;
	snprintf(err, err_len, "attaching XDP in generic mode to %s: %s", xs.ifname, strerror(-rc));
	return rc;
busy:
	if (!retried++ && remove_leftover())
		goto again;
	snprintf(err, err_len, "%s already has an XDP program (see `ip link show %s`: xdp = "
		 "native, xdpgeneric = generic); if it is a leftover, remove it with `ip link set "
		 "dev %s xdpdrv off` or `... xdpgeneric off`", xs.ifname, xs.ifname, xs.ifname);
	return rc;
}

/* ------------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " --iface NAME [options]\n"
		"  --iface NAME       interface to receive on, queue 0 (e.g. blB)\n"
		"  --batch B          RX descriptors taken per ring read, 1..1024 (default 64)\n"
		"  --mode M           auto (native, else generic), native or generic (default auto)\n"
		"  --frames N         UMEM frames = RX ring size (fill ring: twice), a power of two,\n"
		"                     64..65536 (default 16384)\n"
		"  --count N          stop after N kit frames\n"
		"  --expect N         how many the sender sent (loss accounting; default --count)\n"
		"  --idle-ms MS       stop when nothing arrived for MS ms (default 1000)\n"
		"  --duration S       stop after S seconds\n"
		"  --cpu N            pin to CPU N\n"
		"  --netns NAME       run inside network namespace NAME\n"
		"  --ready-file F     create F once the socket and program are in place (for scripts)\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "batch", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "frames", required_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'c' },
		{ "expect", required_argument, NULL, 'e' },
		{ "idle-ms", required_argument, NULL, 'I' },
		{ "duration", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "ready-file", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *iface = NULL, *netns = NULL, *ready_file = NULL, *mode = "auto";
	uint64_t batch = 64, frames = 16384;
	uint64_t count = UINT64_MAX, expect = 0, idle_ms = 1000, duration = 0, cpu = 0;
	int pin = 0, opt, rc;
	char err[512];

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		rc = 0;
		switch (opt) {
		case 'i': iface = optarg; break;
		case 'b': rc = kit_parse_u64(TOOL, "--batch", optarg, 1, 1024, &batch); break;
		case 'm': mode = optarg; break;
		case 'F': rc = kit_parse_u64(TOOL, "--frames", optarg, 64, 65536, &frames); break;
		case 'c': rc = kit_parse_u64(TOOL, "--count", optarg, 1, UINT64_MAX, &count); break;
		case 'e': rc = kit_parse_u64(TOOL, "--expect", optarg, 1, UINT64_MAX, &expect); break;
		case 'I': rc = kit_parse_u64(TOOL, "--idle-ms", optarg, 1, 3600000, &idle_ms); break;
		case 't': rc = kit_parse_u64(TOOL, "--duration", optarg, 1, 86400, &duration); break;
		case 'p': rc = kit_parse_u64(TOOL, "--cpu", optarg, 0, 1023, &cpu); pin = 1; break;
		case 'n': netns = optarg; break;
		case 'f': ready_file = optarg; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (!iface || optind != argc) {
		usage();
		return 2;
	}
	if (strcmp(mode, "auto") != 0 && strcmp(mode, "native") != 0 && strcmp(mode, "generic") != 0) {
		fprintf(stderr, TOOL ": --mode: '%s' is not auto, native or generic\n", mode);
		return 2;
	}
	if (frames & (frames - 1)) {
		fprintf(stderr, TOOL ": --frames: %llu is not a power of two (ring sizes must be; "
			"try 4096)\n", (unsigned long long)frames);
		return 2;
	}
	if (!expect && count != UINT64_MAX)
		expect = count;
	if (netns && kit_netns_enter(netns) != 0) {
		fprintf(stderr, TOOL ": cannot enter network namespace %s: %s (root? does it exist: "
			"`ip netns list`)\n", netns, strerror(errno));
		return 1;
	}
	if (pin && kit_pin_cpu(TOOL, (int)cpu) != 0)
		return 1;

	xs.ifname = iface;
	xs.ifindex = (int)if_nametoindex(iface);
	if (xs.ifindex == 0) {
		fprintf(stderr, TOOL ": no interface named '%s' here (see `ip link`; wrong network "
			"namespace?)\n", iface);
		return 1;
	}
	unsigned queues = rx_queue_count(iface);
	if (queues > 1)
		fprintf(stderr, TOOL ": %s has %u receive queues; only queue 0 is read, frames "
			"steered to the others go to the kernel stack and are not counted (use one "
			"queue: `ethtool -L %s rx 1` or a veth made with `numrxqueues 1`)\n",
			iface, queues, iface);

	/* From here on SIGINT/SIGTERM/SIGHUP only set kit_stop, so the program is
	 * detached by cleanup() however we leave. */
	kit_catch_signals();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hangup;
	sigaction(SIGHUP, &sa, NULL);
	/* Output into a closed pipe (`xsk_rx | head`) must not kill us
	 * before the detach: a failed write is harmless. */
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(libbpf_message);

	int status = 1;
	xs.map_fd = create_xskmap(queues > 1 ? queues : 1);
	if (xs.map_fd < 0) {
		fprintf(stderr, TOOL ": AF_XDP unavailable: creating an XSKMAP: %s%s; skipped\n",
			strerror(-xs.map_fd), xs.map_fd == -EPERM ? " (needs root)" : "");
		status = EXIT_SKIP;
		goto out;
	}
	static char log[16384];
	xs.prog_fd = load_xdp_prog(xs.map_fd, log, sizeof(log));
	if (xs.prog_fd < 0) {
		fprintf(stderr, TOOL ": XDP unavailable: the kernel refused the XDP program: %s%s; "
			"skipped\n", strerror(-xs.prog_fd), xs.prog_fd == -EPERM ? " (needs root)" : "");
		if (log[0])
			fprintf(stderr, TOOL ": verifier log:\n%s\n", log);
		status = EXIT_SKIP;
		goto out;
	}
	rc = open_xsk((unsigned)frames, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		status = strstr(err, "skipped") ? EXIT_SKIP : 1;
		goto out;
	}
	/* Put the socket at key 0 = queue 0: from now on the program redirects
	 * queue 0's frames to it (map_xskmap.rst). */
	__u32 key = 0, value = (__u32)xs.xsk_fd;
	if (bpf_map_update_elem(xs.map_fd, &key, &value, BPF_ANY) != 0) {
		fprintf(stderr, TOOL ": putting the socket into the XSKMAP: %s\n", strerror(errno));
		goto out;
	}
	rc = attach(mode, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, TOOL ": %s\n", err);
		status = rc == -EBUSY || rc == -EEXIST ? 1 : EXIT_SKIP;
		goto out;
	}
	const char *mode_name = xs.attach_mode == XDP_FLAGS_DRV_MODE ? "native" : "generic";
	fprintf(stderr, TOOL ": XDP program attached to %s in %s mode, AF_XDP socket on queue 0 "
		"(copy mode), %llu frames\n", iface, mode_name, (unsigned long long)frames);
	uint64_t if_drops_before = iface_rx_dropped(iface);
	/* Generic mode runs XDP after the per-CPU backlog queue that veth
	 * feeds (netif_rx); what overflows it never reaches the program
	 * (kstats.h). Machine-wide, so the difference over the run. */
	long long backlog_before = kit_backlog_drops();
	if (ready_file) {
		FILE *f = fopen(ready_file, "w");
		if (!f) {
			fprintf(stderr, TOOL ": --ready-file %s: %s\n", ready_file, strerror(errno));
			return 2;
		}
		fclose(f);
	}

	static struct kit_seqtrack seqs;
	kit_seq_init(&seqs);
	uint64_t other = 0, polls = 0, wakeups = 0, first_ns = 0, last_ns = 0;
	uint64_t start = kit_now_ns();
	uint64_t stop_at = duration ? start + duration * 1000000000ull : UINT64_MAX;
	const struct xdp_desc *rx = xs.rx.descs;
	uint64_t *fill = xs.fill.descs;
	uint32_t rx_cons = *xs.rx.consumer, fill_prod = *xs.fill.producer;
	/* Chunks we have read and not yet put back in the fill ring. */
	uint64_t *spare = calloc(frames, sizeof(*spare));
	uint32_t nspare = 0;
	if (!spare) {
		fprintf(stderr, TOOL ": out of memory for %llu frame addresses\n",
			(unsigned long long)frames);
		goto out;
	}
	while (seqs.received < count && !kit_stop) {
		uint64_t now = kit_now_ns();
		if (now >= stop_at)
			break;
		if (seqs.received && now - last_ns > idle_ms * 1000000ull)
			break;
		if (!seqs.received && now - start > (idle_ms + 5000) * 1000000ull)
			break;

		/* Refill first, so the kernel never waits on chunks we hold.
		 * (A) How much room: the kernel publishes its fill-ring consumer
		 * index lazily (xsk_queue.h, "cached" indices), so it may have
		 * taken buffers it does not report yet; what does not fit now
		 * stays in spare[] for the next round. */
		if (nspare) {
			uint32_t room = xs.fill.size -
				(fill_prod - ring_load_acquire(xs.fill.consumer));
			uint32_t n = nspare < room ? nspare : room;
			for (uint32_t i = 0; i < n; i++)
				fill[(fill_prod + i) & xs.fill.mask] = spare[--nspare];
			fill_prod += n;
			/* (B) publish the chunks: written before the index. */
			ring_store_release(xs.fill.producer, fill_prod);
			/* The kernel wants a syscall before it takes from the
			 * fill ring again (af_xdp.rst "XDP_USE_NEED_WAKEUP"):
			 * recvfrom(MSG_DONTWAIT) wakes the RX side. Counted. */
			if (n && (__atomic_load_n(xs.fill.flags, __ATOMIC_RELAXED) &
				  XDP_RING_NEED_WAKEUP)) {
				wakeups++;
				recvfrom(xs.xsk_fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			}
		}

		/* (C) acquire the kernel's RX producer index: the descriptors
		 * up to it are then valid (xsk_queue.h). */
		uint32_t ready = ring_load_acquire(xs.rx.producer) - rx_cons;
		if (ready == 0) {
			/* RX ring empty: sleep in poll(2) until it is not
			 * (af_xdp.rst: POLLIN = RX ring not empty). Short
			 * timeout while we still hold chunks to refill. */
			struct pollfd pfd = { .fd = xs.xsk_fd, .events = POLLIN };
			polls++;
			poll(&pfd, 1, nspare ? 1 : 100);
			continue;
		}
		if (ready > batch)
			ready = (uint32_t)batch;
		for (uint32_t i = 0; i < ready; i++) {
			/* struct xdp_desc (if_xdp.h): addr = offset of the
			 * frame's first byte in the UMEM (chunk start +
			 * XDP_PACKET_HEADROOM in copy mode), len = its length. */
			const struct xdp_desc *d = &rx[(rx_cons + i) & xs.rx.mask];
			struct kit_frame_info info;
			if (kit_frame_parse(xs.umem + d->addr, d->len, &info) == 0)
				kit_seq_add(&seqs, info.seq);
			else
				other++;
			/* Keep the chunk for the fill ring: its start, addr
			 * rounded down (aligned mode, af_xdp.rst "UMEM"). */
			spare[nspare++] = d->addr & ~(uint64_t)(CHUNK_SIZE - 1);
		}
		rx_cons += ready;
		/* (D) done reading these slots: the kernel may reuse them. */
		ring_store_release(xs.rx.consumer, rx_cons);

		now = kit_now_ns();
		if (!first_ns && seqs.received)
			first_ns = now;
		if (seqs.received)
			last_ns = now;
	}
	free(spare);

	/* Drop counters of the socket (struct xdp_statistics, if_xdp.h; read
	 * with XDP_STATISTICS, not reset by reading):
	 *   rx_dropped          frames dropped for other reasons, including "no
	 *                       buffer in the fill ring";
	 *   rx_ring_full        the RX ring had no free slot;
	 *   rx_fill_ring_empty_descs  times the fill ring was empty when the
	 *                       kernel wanted a buffer (those frames are in
	 *                       rx_dropped too, so not added again);
	 *   rx_invalid_descs    bad descriptors (a bug, if ever non-zero). */
	struct xdp_statistics st;
	socklen_t st_len = sizeof(st);
	memset(&st, 0, sizeof(st));
	if (getsockopt(xs.xsk_fd, SOL_XDP, XDP_STATISTICS, &st, &st_len) != 0)
		fprintf(stderr, TOOL ": XDP_STATISTICS: %s (drops unknown)\n", strerror(errno));
	uint64_t if_drops_after = iface_rx_dropped(iface);
	uint64_t if_drops = if_drops_before != UINT64_MAX && if_drops_after != UINT64_MAX ?
		if_drops_after - if_drops_before : 0;
	/* The interface's own "rx dropped" is not added: on veth in native
	 * mode it already contains every failed redirect, i.e. the socket's
	 * rx_dropped. It is printed as a hint when frames are missing. */
	uint64_t sock_drops = st.rx_dropped + st.rx_ring_full + st.rx_invalid_descs;
	long long backlog_after = kit_backlog_drops();
	uint64_t backlog_drops = backlog_before >= 0 && backlog_after >= backlog_before ?
		(uint64_t)(backlog_after - backlog_before) : 0;
	uint64_t drops = sock_drops + backlog_drops;
	kit_seq_finish(&seqs, expect);
	/* This process's CPU time in TSC cycles per packet (kit_time.h). In
	 * copy mode the copy into the UMEM is done in softirq context on the
	 * CPU the frame arrived on, not here: see README.md. */
	double cycles_per_pkt = seqs.received ?
		kit_cpu_seconds() * kit_tsc_hz() / (double)seqs.received : 0;

	double seconds = last_ns > first_ns ? (double)(last_ns - first_ns) / 1e9 : 0;
	double pps = seconds > 0 ? (double)seqs.received / seconds : 0;
	double sys_per_pkt = seqs.received ? (double)(polls + wakeups) / (double)seqs.received : 0;
	printf(TOOL ": %llu kit frames in %.3f s: %.0f packets/s, %.4f syscalls per packet "
	       "(%llu poll, %llu recvfrom wakeups), XDP %s mode, copy mode\n",
	       (unsigned long long)seqs.received, seconds, pps, sys_per_pkt,
	       (unsigned long long)polls, (unsigned long long)wakeups, mode_name);
	printf(TOOL ": lost %llu, reordered %llu, duplicated %llu, other frames %llu, socket drops: "
	       "rx_dropped %llu, rx_ring_full %llu, rx_fill_ring_empty_descs %llu, rx_invalid_descs "
	       "%llu; backlog drops %llu\n", (unsigned long long)seqs.lost,
	       (unsigned long long)seqs.reordered, (unsigned long long)seqs.duplicated,
	       (unsigned long long)other, (unsigned long long)st.rx_dropped,
	       (unsigned long long)st.rx_ring_full, (unsigned long long)st.rx_fill_ring_empty_descs,
	       (unsigned long long)st.rx_invalid_descs, (unsigned long long)backlog_drops);
	int accounted = -1;
	if (expect) {
		accounted = seqs.distinct + drops == expect;
		printf(TOOL ": accounting: sent %llu = received %llu + socket and backlog drops %llu: "
		       "%s\n",
		       (unsigned long long)expect, (unsigned long long)seqs.distinct,
		       (unsigned long long)drops,
		       accounted ? "yes" : "NO, some frames are not accounted for");
		if (!accounted)
			printf(TOOL ": %s counted %llu rx drops meanwhile (they include the socket's "
			       "drops; more means frames dropped before XDP); frames the sender's "
			       "veth dropped show as TX dropped in `ip -s link` on the other side\n",
			       iface, (unsigned long long)if_drops);
	}
	printf("RESULT tool=" TOOL " method=af_xdp batch=%llu packets=%llu seconds=%.6f pps=%.0f "
	       "syscalls_per_pkt=%.4f lost=%llu drops=%llu accounted=%d cycles_per_pkt=%.0f\n",
	       (unsigned long long)batch, (unsigned long long)seqs.received, seconds, pps,
	       sys_per_pkt, (unsigned long long)seqs.lost, (unsigned long long)drops, accounted,
	       cycles_per_pkt);
	fflush(stdout);
	status = accounted == 0 ? 1 : 0;
out:
	cleanup();
	return status;
}
