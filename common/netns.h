/*
 * netns.h — a private two-host test network: two network namespaces joined by a
 * veth pair, on the benchmarking range 198.18.0.0/15 (RFC 2544), which nothing
 * outside this machine uses. Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and
 * iproute2's `ip`.
 *
 *   namespace A  (bl<pid>a)   veth "blA" 198.18.0.1/15  02:00:00:00:00:01
 *   namespace B  (bl<pid>b)   veth "blB" 198.18.0.2/15  02:00:00:00:00:02
 *
 * Each side knows the other's MAC as a permanent neighbour, so no frame is held
 * back waiting for ARP. kit_netns_enter() moves the *calling thread* into a
 * namespace: sockets it opens afterwards live there.
 */
#ifndef BYPASSLAB_NETNS_H
#define BYPASSLAB_NETNS_H

#include <stddef.h>

struct kit_netns_pair {
	char ns_a[32], ns_b[32];
	char if_a[16], if_b[16];
	char ip_a[16], ip_b[16];     /* dotted quads, no prefix */
	int created;
};

/* Returns 0, or -1 with err saying what failed and what to do. Removes pairs
 * left behind by earlier runs whose process is gone. */
int kit_netns_pair_create(struct kit_netns_pair *p, char *err, size_t err_len);
/* The same with chosen names: namespaces <prefix>a and <prefix>b (tools/testnet). */
int kit_netns_pair_create_named(struct kit_netns_pair *p, const char *prefix,
				char *err, size_t err_len);
/* Fill p with the names a pair made with prefix has (to destroy it later). */
void kit_netns_pair_names(struct kit_netns_pair *p, const char *prefix);
void kit_netns_pair_destroy(struct kit_netns_pair *p);
/* Move the calling thread into namespace name. Returns 0 or -errno. */
int kit_netns_enter(const char *name);
/* A handle on the calling thread's current namespace (an fd), and going back
 * to it: save before kit_netns_enter, restore when done. -1 if unavailable. */
int kit_netns_save(void);
void kit_netns_restore(int saved);

#endif
