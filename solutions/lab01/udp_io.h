/*
 * udp_io.h — lab01: moving datagrams through the kernel, one per system call
 * (sendto/recvfrom) and many per system call (sendmmsg/recvmmsg).
 *
 * Every function counts the system calls it makes in struct sock_counters, so
 * the tools can print "syscalls per packet" from a count, not a guess.
 */
#ifndef LAB01_UDP_IO_H
#define LAB01_UDP_IO_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

struct sock_counters {
	uint64_t syscalls;   /* every send/receive system call, failed ones too */
	uint64_t packets;    /* datagrams sent or received */
	uint64_t bytes;      /* payload bytes */
	uint64_t timeouts;   /* receives that gave up (EAGAIN) */
};

/* Send one datagram of len bytes to dst. Returns 0 or -errno. */
int udp_send_one(int fd, const struct sockaddr_in *dst, const void *buf, size_t len,
		 struct sock_counters *c);

/* Receive one datagram into buf. Returns its length, -EAGAIN when the socket's
 * receive timeout expired, or another -errno. */
int udp_recv_one(int fd, void *buf, size_t buf_len, struct sock_counters *c);

/* Up to UDP_BATCH_MAX messages, each with its own buffer, for sendmmsg/recvmmsg. */
#define UDP_BATCH_MAX 1024   /* UIO_MAXIOV: the kernel's limit per call */

struct udp_batch {
	unsigned capacity;       /* messages */
	size_t buf_size;         /* bytes per message buffer */
	struct mmsghdr *msgs;
	struct iovec *iovs;
	uint8_t *bufs;           /* capacity * buf_size bytes */
};

/* Returns 0, or -EINVAL for capacity 0 or above UDP_BATCH_MAX or a buffer too
 * small for the kit's payload, or -ENOMEM. */
int udp_batch_init(struct udp_batch *b, unsigned capacity, size_t buf_size);
void udp_batch_free(struct udp_batch *b);
/* Message i's buffer. */
uint8_t *udp_batch_buf(struct udp_batch *b, unsigned i);

/* Send the first n messages of b, each len bytes long, to dst. Loops until all
 * n are sent (sendmmsg may send fewer). Returns n, or -errno (some may have
 * been sent: c->packets counts them). */
int udp_send_batch(int fd, const struct sockaddr_in *dst, struct udp_batch *b, unsigned n,
		   size_t len, struct sock_counters *c);

/* Receive up to b->capacity datagrams: wait for the first, take what else is
 * already queued. Returns how many (b->msgs[i].msg_len is each length),
 * -EAGAIN when the receive timeout expired, or another -errno. */
int udp_recv_batch(int fd, struct udp_batch *b, struct sock_counters *c);

#endif
