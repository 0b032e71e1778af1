/*
 * udp_io.c — lab01: one datagram per system call, then many.
 *
 * Each system call crosses into the kernel and back (a mode switch, not a full
 * context switch), and the kernel allocates an sk_buff and copies the payload
 * for every datagram. Batching with sendmmsg/recvmmsg cannot remove the copy or
 * the sk_buff, but it pays the crossing once per batch instead of once per
 * datagram. Man pages: sendto(2), recvfrom(2), sendmmsg(2), recvmmsg(2).
 */
#include "udp_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

int udp_send_one(int fd, const struct sockaddr_in *dst, const void *buf, size_t len,
		 struct sock_counters *c)
{
	/* TODO 3: Send buf with one sendto(2) call.
	 *   - Count the call in c->syscalls whether it succeeds or not.
	 *   - On success add 1 to c->packets and len to c->bytes, return 0.
	 *   - On failure return -errno (save errno before anything else runs).
	 * Read: sendto(2). */
	// BEGIN SOLUTION 3
	c->syscalls++;
	ssize_t sent = sendto(fd, buf, len, 0, (const struct sockaddr *)dst, sizeof(*dst));
	if (sent < 0)
		return -errno;
	c->packets++;
	c->bytes += (uint64_t)sent;
	return 0;
	// PLACEHOLDER 3
	// (void)fd; (void)dst; (void)buf; (void)len; (void)c;
	// return -ENOSYS;
	// END SOLUTION 3
}

int udp_recv_one(int fd, void *buf, size_t buf_len, struct sock_counters *c)
{
	/* TODO 4: Receive one datagram with recvfrom(2) (or recv(2)).
	 *   - Count the call in c->syscalls.
	 *   - EAGAIN/EWOULDBLOCK means the SO_RCVTIMEO timeout expired: count it
	 *     in c->timeouts and return -EAGAIN.
	 *   - On success count the packet and its bytes, return the length.
	 * Read: recvfrom(2), socket(7) SO_RCVTIMEO. */
	// BEGIN SOLUTION 4
	c->syscalls++;
	ssize_t got = recvfrom(fd, buf, buf_len, 0, NULL, NULL);
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->timeouts++;
			return -EAGAIN;
		}
		return -errno;
	}
	c->packets++;
	c->bytes += (uint64_t)got;
	return (int)got;
	// PLACEHOLDER 4
	// (void)fd; (void)buf; (void)buf_len; (void)c;
	// return -ENOSYS;
	// END SOLUTION 4
}

int udp_batch_init(struct udp_batch *b, unsigned capacity, size_t buf_size)
{
	memset(b, 0, sizeof(*b));
	/* TODO 5 (first part): Refuse a batch the kernel cannot take: return
	 * -EINVAL for capacity 0, capacity above UDP_BATCH_MAX (sendmmsg's limit,
	 * UIO_MAXIOV) or buf_size below KIT_PAYLOAD_LEN. Check before allocating. */
	// BEGIN SOLUTION 5
	if (capacity == 0 || capacity > UDP_BATCH_MAX || buf_size < KIT_PAYLOAD_LEN)
		return -EINVAL;
	// END SOLUTION 5
	b->capacity = capacity;
	b->buf_size = buf_size;
	b->msgs = calloc(capacity, sizeof(*b->msgs));
	b->iovs = calloc(capacity, sizeof(*b->iovs));
	b->bufs = calloc(capacity, buf_size);
	if (!b->msgs || !b->iovs || !b->bufs) {
		udp_batch_free(b);
		return -ENOMEM;
	}
	return 0;
}

void udp_batch_free(struct udp_batch *b)
{
	free(b->msgs);
	free(b->iovs);
	free(b->bufs);
	memset(b, 0, sizeof(*b));
}

uint8_t *udp_batch_buf(struct udp_batch *b, unsigned i)
{
	return b->bufs + (size_t)i * b->buf_size;
}

int udp_send_batch(int fd, const struct sockaddr_in *dst, struct udp_batch *b, unsigned n,
		   size_t len, struct sock_counters *c)
{
	if (n > b->capacity || len > b->buf_size)
		return -EINVAL;

	/* TODO 5: Send n messages with as few sendmmsg(2) calls as possible.
	 *   1. For each message i < n: iovs[i] points at udp_batch_buf(b, i) with
	 *      iov_len = len; msgs[i].msg_hdr has msg_iov = &iovs[i], msg_iovlen 1,
	 *      msg_name = (void *)dst, msg_namelen = sizeof(*dst).
	 *   2. Call sendmmsg(fd, msgs + done, n - done, 0) until done == n. It
	 *      returns how many it sent, which can be fewer than asked.
	 *   3. Count every call in c->syscalls and every message sent in
	 *      c->packets and c->bytes. On an error return -errno.
	 * Read: sendmmsg(2) (its EXAMPLE), struct msghdr in recvmsg(2). */
	// BEGIN SOLUTION 5
	for (unsigned i = 0; i < n; i++) {
		b->iovs[i].iov_base = udp_batch_buf(b, i);
		b->iovs[i].iov_len = len;
		memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
		b->msgs[i].msg_hdr.msg_iov = &b->iovs[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
		b->msgs[i].msg_hdr.msg_name = (void *)dst;
		b->msgs[i].msg_hdr.msg_namelen = sizeof(*dst);
	}
	unsigned done = 0;
	while (done < n) {
		c->syscalls++;
		int sent = sendmmsg(fd, b->msgs + done, n - done, 0);
		if (sent < 0)
			return -errno;
		done += (unsigned)sent;
		c->packets += (uint64_t)sent;
		c->bytes += (uint64_t)sent * len;
	}
	return (int)n;
	// PLACEHOLDER 5
	// (void)fd; (void)dst; (void)c;
	// return -ENOSYS;
	// END SOLUTION 5
}

int udp_recv_batch(int fd, struct udp_batch *b, struct sock_counters *c)
{
	/* TODO 6: Receive up to b->capacity datagrams with one recvmmsg(2).
	 *   1. Point every msgs[i] at its own buffer (iovs[i], iov_len =
	 *      b->buf_size); msg_name NULL: we do not need the sender's address.
	 *   2. Pass MSG_WAITFORONE: block until the first datagram arrives, then
	 *      take only what is already queued (without it, recvmmsg would wait
	 *      for the whole batch).
	 *   3. Count the call; EAGAIN is a timeout as in TODO 4; on success add
	 *      the messages and the bytes (msgs[i].msg_len) and return the count.
	 * Read: recvmmsg(2), especially MSG_WAITFORONE and the BUGS section on
	 * its timeout argument (pass NULL). */
	// BEGIN SOLUTION 6
	for (unsigned i = 0; i < b->capacity; i++) {
		b->iovs[i].iov_base = udp_batch_buf(b, i);
		b->iovs[i].iov_len = b->buf_size;
		memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
		b->msgs[i].msg_hdr.msg_iov = &b->iovs[i];
		b->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	c->syscalls++;
	int got = recvmmsg(fd, b->msgs, b->capacity, MSG_WAITFORONE, NULL);
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->timeouts++;
			return -EAGAIN;
		}
		return -errno;
	}
	c->packets += (uint64_t)got;
	for (int i = 0; i < got; i++)
		c->bytes += b->msgs[i].msg_len;
	return got;
	// PLACEHOLDER 6
	// (void)fd; (void)b; (void)c;
	// return -ENOSYS;
	// END SOLUTION 6
}
