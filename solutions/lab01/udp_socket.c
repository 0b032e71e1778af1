/*
 * udp_socket.c — lab01: addresses and UDP sockets.
 *
 * Man pages to keep open: ip(7), udp(7), socket(7), inet_pton(3), bind(2).
 */
#include "udp_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* 1 if the host-order IPv4 address is on loopback or 198.18.0.0/15. */
static int address_allowed(uint32_t ip)
{
	return (ip >> 24) == 127 || (ip & 0xFFFE0000u) == 0xC6120000u;
}

int udp_parse_endpoint(const char *text, struct sockaddr_in *out, char *err, size_t err_len)
{
	char host[64];
	const char *colon = strrchr(text, ':');

	if (!colon || colon == text || (size_t)(colon - text) >= sizeof(host)) {
		snprintf(err, err_len, "'%s' is not ADDRESS:PORT (example: 198.18.0.2:9000)", text);
		return -EINVAL;
	}
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = 0;

	char *end;
	errno = 0;
	long port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535) {
		snprintf(err, err_len, "port '%s' in '%s' is not a number from 1 to 65535", colon + 1, text);
		return -EINVAL;
	}

	/* TODO 1: Fill *out from host and port, and refuse any address that is
	 * not on loopback or the benchmarking range.
	 *   - out->sin_family is AF_INET; sin_port and sin_addr are in *network*
	 *     byte order: htons(port), and inet_pton() writes sin_addr for you.
	 *   - inet_pton(AF_INET, host, &out->sin_addr) returns 1 on success.
	 *   - address_allowed() above wants a *host*-order address: ntohl().
	 *   - On an error write a message to err (snprintf) that says what to use
	 *     instead, and return -EINVAL.
	 * Read: inet_pton(3), ip(7) "Address format", byteorder(3). */
	// BEGIN SOLUTION 1
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1) {
		snprintf(err, err_len, "'%s' is not an IPv4 address (example: 198.18.0.2)", host);
		return -EINVAL;
	}
	if (!address_allowed(ntohl(out->sin_addr.s_addr))) {
		snprintf(err, err_len, "%s is outside the lab's ranges: use loopback (127.0.0.1) or the "
			 "benchmarking range 198.18.0.0/15, never a real host", host);
		return -EINVAL;
	}
	return 0;
	// PLACEHOLDER 1
	// (void)out;
	// (void)address_allowed;
	// snprintf(err, err_len, "TODO 1 is not done yet (udp_parse_endpoint)");
	// return -ENOSYS;
	// END SOLUTION 1
}

int udp_open_receiver(const struct sockaddr_in *local, int rcvbuf_bytes, int timeout_ms,
		      char *err, size_t err_len)
{
	/* TODO 2: Open a UDP socket and bind it to *local.
	 *   1. socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0).
	 *   2. If rcvbuf_bytes > 0: setsockopt SOL_SOCKET SO_RCVBUF. As root,
	 *      SO_RCVBUFFORCE goes past net.core.rmem_max; try it first.
	 *   3. If timeout_ms > 0: setsockopt SO_RCVTIMEO with a struct timeval.
	 *   4. bind(). EADDRINUSE means another socket has the port: say so in
	 *      err and tell the user to pick another port (--listen ADDR:PORT).
	 *      EADDRNOTAVAIL means no interface has that address (wrong netns?).
	 *   Close the socket on every error path and return -errno.
	 * Read: socket(7) SO_RCVBUF, SO_RCVTIMEO; bind(2) ERRORS. */
	// BEGIN SOLUTION 2
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &local->sin_addr, addr, sizeof(addr));

	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_len, "socket(AF_INET, SOCK_DGRAM): %s", strerror(e));
		return -e;
	}
	if (rcvbuf_bytes > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf_bytes, sizeof(rcvbuf_bytes)) != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, sizeof(rcvbuf_bytes)) != 0) {
		int e = errno;
		snprintf(err, err_len, "SO_RCVBUF %d: %s", rcvbuf_bytes, strerror(e));
		close(fd);
		return -e;
	}
	if (timeout_ms > 0) {
		struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
			int e = errno;
			snprintf(err, err_len, "SO_RCVTIMEO: %s", strerror(e));
			close(fd);
			return -e;
		}
	}
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) != 0) {
		int e = errno;
		if (e == EADDRINUSE)
			snprintf(err, err_len, "port %u on %s is already in use by another socket: stop "
				 "that program or pick another port", ntohs(local->sin_port), addr);
		else if (e == EADDRNOTAVAIL)
			snprintf(err, err_len, "no interface here has address %s (wrong network namespace? "
				 "see `ip addr`)", addr);
		else
			snprintf(err, err_len, "bind %s:%u: %s", addr, ntohs(local->sin_port), strerror(e));
		close(fd);
		return -e;
	}
	return fd;
	// PLACEHOLDER 2
	// (void)local; (void)rcvbuf_bytes; (void)timeout_ms;
	// snprintf(err, err_len, "TODO 2 is not done yet (udp_open_receiver)");
	// return -ENOSYS;
	// END SOLUTION 2
}

int udp_open_sender(int sndbuf_bytes, char *err, size_t err_len)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_len, "socket(AF_INET, SOCK_DGRAM): %s", strerror(e));
		return -e;
	}
	if (sndbuf_bytes > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf_bytes, sizeof(sndbuf_bytes)) != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf_bytes, sizeof(sndbuf_bytes)) != 0) {
		int e = errno;
		snprintf(err, err_len, "SO_SNDBUF %d: %s", sndbuf_bytes, strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

long long udp_socket_drops(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -1;

	/* /proc/net/udp: one line per socket; the 10th field is the inode, the
	 * last one the drop count (see proc(5), /proc/net/udp). */
	FILE *f = fopen("/proc/net/udp", "r");
	if (!f)
		return -1;
	char line[512];
	long long drops = -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long inode;
		long long d;
		if (sscanf(line, " %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s %*s %lld",
			   &inode, &d) == 2 && inode == st.st_ino) {
			drops = d;
			break;
		}
	}
	fclose(f);
	return drops;
}
