/*
 * udp_socket.h — lab01: opening UDP sockets on the kit's test addresses.
 *
 * Every address a lab01 tool accepts is on loopback (127.0.0.0/8) or on the
 * benchmarking range 198.18.0.0/15 (RFC 2544), so a typo can never send a
 * flood of test traffic to a real host.
 */
#ifndef LAB01_UDP_SOCKET_H
#define LAB01_UDP_SOCKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Parse "A.B.C.D:PORT" into out (network byte order inside, as the socket API
 * wants). Returns 0, or -EINVAL with err saying what is wrong. */
int udp_parse_endpoint(const char *text, struct sockaddr_in *out, char *err, size_t err_len);

/* A socket bound to local, ready to receive. rcvbuf_bytes > 0 asks the kernel
 * for that much socket buffer (see socket(7), SO_RCVBUF); timeout_ms > 0 makes
 * a blocking receive give up after that long (SO_RCVTIMEO).
 * Returns the file descriptor, or -errno with err explaining the fix. */
int udp_open_receiver(const struct sockaddr_in *local, int rcvbuf_bytes, int timeout_ms,
		      char *err, size_t err_len);

/* A socket for sending to any endpoint with sendto/sendmmsg.
 * Returns the file descriptor, or -errno with err explaining the fix. */
int udp_open_sender(int sndbuf_bytes, char *err, size_t err_len);

/* Datagrams the kernel dropped on this socket because its receive buffer was
 * full (the "drops" column of /proc/net/udp). Returns -1 if unknown. */
long long udp_socket_drops(int fd);

#endif
