/*
 * xdp_drop — put an XDP program that drops every frame on an interface, or
 * take it off again. The bench's service demand needs the generator's own
 * cost: it sends the same datagrams to a receiver side whose frames die at
 * the first instruction the kernel runs for them (the XDP hook, before any
 * sk_buff), and the CPU time of that run is what sending alone costs.
 *
 *   xdp_drop --netns blbenchb --iface blB attach
 *   xdp_drop --netns blbenchb --iface blB detach
 *
 * The program is two instructions (r0 = XDP_DROP; exit), loaded with libbpf's
 * bpf_prog_load: no ELF object, no BTF. It stays attached after this process
 * exits (the interface holds it) until `detach` or the interface goes away.
 * Native (driver) mode first, generic (skb) mode if the driver has none.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "netns.h"

#define TOOL "xdp_drop"

static int usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: " TOOL " [--netns NAME] --iface IF attach|detach\n");
	return status;
}

static int attach(int ifindex, const char *iface)
{
	/* r0 = XDP_DROP (BPF_ALU64 | BPF_MOV | BPF_K); return r0 (BPF_JMP | BPF_EXIT). */
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "kit_xdp_drop", "Dual BSD/GPL", insns, 2, NULL);
	if (fd < 0) {
		fprintf(stderr, TOOL ": loading the XDP program failed: %s (root? a kernel with BPF?)\n",
			strerror(errno));
		return 1;
	}
	int rc = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (rc < 0 && rc != -EBUSY && rc != -EEXIST)
		rc = bpf_xdp_attach(ifindex, fd, XDP_FLAGS_SKB_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	close(fd);   /* the interface keeps its own reference */
	if (rc < 0) {
		fprintf(stderr, TOOL ": attaching to %s failed: %s%s\n", iface, strerror(-rc),
			rc == -EBUSY || rc == -EEXIST ? " (another XDP program is attached: "
			"`ip link show` names it)" : "");
		return 1;
	}
	return 0;
}

static int detach(int ifindex, const char *iface)
{
	int rc = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	int rc2 = bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, NULL);
	if (rc < 0 && rc2 < 0) {
		fprintf(stderr, TOOL ": detaching from %s failed: %s\n", iface, strerror(-rc));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "netns", required_argument, NULL, 'n' }, { "iface", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *netns = NULL, *iface = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'n': netns = optarg; break;
		case 'i': iface = optarg; break;
		case 'h': return usage(0);
		default: return usage(2);
		}
	}
	if (!iface || optind != argc - 1)
		return usage(2);
	const char *verb = argv[optind];
	if (strcmp(verb, "attach") != 0 && strcmp(verb, "detach") != 0)
		return usage(2);
	if (netns && kit_netns_enter(netns) != 0) {
		fprintf(stderr, TOOL ": cannot enter network namespace %s: %s (see `ip netns list`)\n",
			netns, strerror(errno));
		return 1;
	}
	int ifindex = (int)if_nametoindex(iface);
	if (ifindex == 0) {
		fprintf(stderr, TOOL ": no interface %s%s%s\n", iface, netns ? " in " : "", netns ? netns : "");
		return 1;
	}
	return strcmp(verb, "attach") == 0 ? attach(ifindex, iface) : detach(ifindex, iface);
}
