/*
 * echo — answer ARP and ICMP echo (ping) for one IPv4 address with the lab05
 * driver. With --sim tap the simulated NIC's wire is a TAP interface: this
 * program puts it in a network namespace it creates, so the host kernel's own
 * `ping` talks to your driver.
 *
 *   echo --sim tap --ping 5                 create the namespace, run ping -c 5, report
 *   echo --sim tap --duration 60            ... and ping it yourself meanwhile:
 *        ip netns exec <ns printed> ping 198.18.0.2
 *   echo --dev /tmp/nic0 --ip 198.18.0.2    any device (nicsim daemon, QEMU, real NIC)
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "cli.h"
#include "kit_time.h"
#include "responder.h"

#define TOOL "echo"

static void usage(void)
{
	fprintf(stderr,
		"usage: " TOOL " (--sim tap | --dev WHERE) [options]\n"
		"  --sim tap        a simulated NIC whose wire is a TAP interface, moved into a new\n"
		"                   network namespace with address 198.18.0.1/24 (needs root)\n"
		"  --dev WHERE      a PCI address or a device directory\n"
		"  --vfio           open --dev through VFIO (lab07) instead of UIO + pagemap\n"
		"  --ip ADDR        the address to answer for, in 198.18.0.0/15 (default 198.18.0.2)\n"
		"  --ping N         with --sim tap: run `ping -c N` from the namespace, then stop\n"
		"  --duration S     stop after S seconds (default: --ping's end, or Ctrl-C)\n"
		"  --burst B        frames per burst (default 32)   --cpu N  driver CPU (default 0)\n");
}

static int sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, TOOL ": `%s` failed (exit %d)\n", cmd, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
	return rc == 0 ? 0 : -1;
}

struct echo_opts {
	struct app_opts app;
	const char *ip_text;         /* --ip: the address we answer for */
	struct in_addr addr;
	uint64_t pings;              /* --ping N: ping ourselves N times from the namespace */
};

/* 0: run; 1: exit 0 (--help); 2: bad usage (message printed). */
static int parse(int argc, char **argv, struct echo_opts *o)
{
	static const struct option options[] = {
		{ "sim", required_argument, NULL, 'S' }, { "dev", required_argument, NULL, 'D' },
		{ "vfio", no_argument, NULL, 'V' },
		{ "ip", required_argument, NULL, 'I' }, { "ping", required_argument, NULL, 'g' },
		{ "duration", required_argument, NULL, 't' }, { "burst", required_argument, NULL, 'b' },
		{ "cpu", required_argument, NULL, 'p' }, { "ring", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	app_opts_default(&o->app, TOOL);
	o->ip_text = "198.18.0.2";
	o->pings = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		int rc = app_opt(&o->app, opt, optarg);
		if (rc < 0)
			return 2;
		if (rc > 0)
			continue;
		switch (opt) {
		case 'I': o->ip_text = optarg; break;
		case 'g': rc = kit_parse_u64(TOOL, "--ping", optarg, 1, 1000, &o->pings); break;
		case 'h': usage(); return 1;
		default: usage(); return 2;
		}
		if (rc)
			return 2;
	}
	if (optind != argc || (!o->app.dev && !o->app.sim)) {
		usage();
		return 2;
	}
	if (inet_pton(AF_INET, o->ip_text, &o->addr) != 1 ||
	    (ntohl(o->addr.s_addr) & 0xFFFE0000u) != 0xC6120000u) {
		fprintf(stderr, TOOL ": --ip %s: give an address in 198.18.0.0/15 (the benchmarking "
			"range, RFC 2544), e.g. 198.18.0.2\n", o->ip_text);
		return 2;
	}
	if (o->pings && !o->app.sim) {
		fprintf(stderr, TOOL ": --ping needs --sim tap (with --dev, ping from wherever the wire leads)\n");
		return 2;
	}
	return 0;
}

/* The host end of the simulated wire: the TAP moved into a namespace of ours
 * with the other address of the /24 (hw/sim/README.md). 0 or -1. */
static int host_end_up(const struct echo_opts *o, const char *tap, const char *ns)
{
	char peer[32], cmd[256];
	uint32_t ours = ntohl(o->addr.s_addr);
	snprintf(peer, sizeof(peer), "%u.%u.%u.%u", ours >> 24, ours >> 16 & 255, ours >> 8 & 255,
		 (ours & 255) == 1 ? 2 : 1);
	snprintf(cmd, sizeof(cmd), "ip link set %s netns %s && ip -n %s addr add %s/24 dev %s && "
		 "ip -n %s link set %s up", tap, ns, ns, peer, tap, ns, tap);
	if (sh(cmd) != 0) {
		fprintf(stderr, TOOL ": could not set up the namespace (root? iproute2?)\n");
		return -1;
	}
	printf(TOOL ": answering for %s on %s; from the host: ip netns exec %s ping %s\n",
	       o->ip_text, tap, ns, o->ip_text);
	fflush(stdout);
	return 0;
}

/* `ip netns exec NS ping -c N ADDR` in a child; its pid. */
static pid_t start_ping(const struct echo_opts *o, const char *ns)
{
	char count[24];
	snprintf(count, sizeof(count), "%llu", (unsigned long long)o->pings);
	pid_t pid = fork();
	if (pid == 0) {
		execlp("ip", "ip", "netns", "exec", ns, "ping", "-c", count, "-i", "0.2", "-W", "2",
		       o->ip_text, (char *)NULL);
		perror(TOOL ": exec ip netns exec ... ping");
		_exit(127);
	}
	return pid;
}

/* Answer ARP and ping until --duration, the ping child's end, or Ctrl-C.
 * Returns the replies the full TX ring refused (freed and counted). */
static uint64_t answer(struct e1k_port *port, struct responder *r, const struct app_opts *o,
		       pid_t *ping_pid, int *ping_status)
{
	struct e1k_buf *bufs[E1K_BURST_MAX], *replies[E1K_BURST_MAX];
	uint64_t stop_at = o->duration_s ? kit_now_ns() + o->duration_s * 1000000000ull : UINT64_MAX;
	uint64_t dropped = 0;
	unsigned spins = 0;
	while (!kit_stop) {
		if (++spins % 1024 == 0) {
			if (kit_now_ns() >= stop_at)
				break;
			if (*ping_pid > 0 && waitpid(*ping_pid, ping_status, WNOHANG) == *ping_pid) {
				*ping_pid = -1;
				break;
			}
		}
		unsigned n = e1k_port_rx(port, bufs, (unsigned)o->burst), k = 0;
		for (unsigned i = 0; i < n; i++) {
			if (responder_handle(r, bufs[i]->data, bufs[i]->len))
				replies[k++] = bufs[i];
			else
				e1k_buf_free(bufs[i]);
		}
		if (k) {
			unsigned sent = e1k_port_tx(port, replies, k);
			e1k_buf_free_bulk(replies + sent, k - sent);
			dropped += k - sent;
		}
	}
	return dropped;
}

/* Received = answered + ignored; sent = answered - dropped. Returns the exit status. */
static int report(struct e1k_port *port, const struct echo_opts *o, const struct responder *r,
		  uint64_t dropped, int ping_ok)
{
	e1k_tx_wait_sent(&port->dev, &port->tx, 1000);
	e1k_port_read_stats(port);
	app_print_port(port, TOOL, "port 0", stdout);
	int accounted = port->rx_stats.packets == r->arp_replies + r->echo_replies + r->ignored &&
			port->tx_stats.packets == r->arp_replies + r->echo_replies - dropped;
	printf(TOOL ": %llu ARP replies, %llu echo replies, %llu frames ignored (%llu IP fragments, "
	       "%llu bad ICMP checksums), %llu replies dropped (TX full)%s\n",
	       (unsigned long long)r->arp_replies, (unsigned long long)r->echo_replies,
	       (unsigned long long)r->ignored, (unsigned long long)r->dropped_fragments,
	       (unsigned long long)r->dropped_bad_icmp_checksum, (unsigned long long)dropped,
	       o->pings ? (ping_ok ? "; ping: every echo answered" : "; ping: FAILED (see its output above)") : "");
	printf("RESULT tool=" TOOL " method=echo batch=%llu packets=%llu pps=0 arp=%llu echo=%llu ignored=%llu "
	       "drops=%llu accounted=%d ping_ok=%d\n", (unsigned long long)o->app.burst,
	       (unsigned long long)port->rx_stats.packets, (unsigned long long)r->arp_replies,
	       (unsigned long long)r->echo_replies, (unsigned long long)r->ignored,
	       (unsigned long long)dropped, accounted, ping_ok);
	return ping_ok == 0 || !accounted ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct echo_opts o;
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : 2;
	char tap[16], ns[32], cmd[64];
	snprintf(tap, sizeof(tap), "bl5tap%d", (int)(getpid() % 100000));
	snprintf(ns, sizeof(ns), "bl5echo%d", (int)getpid());
	struct e1k_port port;
	if (app_open_port(&o.app, &port, "tap", NICSIM_WIRE_TAP, tap) != 0)
		return 1;
	int netns = 0, status = 1;
	if (app_sim(&port)) {
		snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
		netns = sh(cmd) == 0;
		if (!netns || host_end_up(&o, tap, ns) != 0)
			goto out;
	}
	struct responder r = { .ip = ntohl(o.addr.s_addr) };
	memcpy(r.mac, port.dev.mac, 6);
	pid_t ping_pid = o.pings ? start_ping(&o, ns) : -1;
	int ping_status = -1;
	kit_catch_signals();
	uint64_t dropped = answer(&port, &r, &o.app, &ping_pid, &ping_status);
	if (ping_pid > 0) {
		kill(ping_pid, SIGTERM);
		waitpid(ping_pid, &ping_status, 0);
	}
	int ping_ok = o.pings ? WIFEXITED(ping_status) && WEXITSTATUS(ping_status) == 0 : -1;
	status = report(&port, &o, &r, dropped, ping_ok);
out:
	app_close_port(&port);
	if (netns) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
		sh(cmd);
	}
	return status;
}
