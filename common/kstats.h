/*
 * kstats.h — kernel counters a receiver needs to account for every packet.
 *
 * Between the wire and a socket the kernel can drop a packet in several places.
 * Besides the socket's own buffer (see lab01's udp_socket_drops) there is the
 * per-CPU backlog queue that Receive Packet Steering and veth use: when it holds
 * net.core.netdev_max_backlog packets, the next ones are dropped and counted in
 * the second column of /proc/net/softnet_stat (one line per CPU, hex).
 */
#ifndef BYPASSLAB_KSTATS_H
#define BYPASSLAB_KSTATS_H

/* Sum of the "dropped" column over all CPUs, or -1 if unreadable. The count is
 * machine-wide: take it before and after a run and use the difference. */
long long kit_backlog_drops(void);

#endif
