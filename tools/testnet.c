/*
 * testnet — make or remove the kit's two-namespace test network by hand.
 *
 *   testnet up [PREFIX]      namespaces PREFIXa and PREFIXb joined by a veth pair
 *   testnet down [PREFIX]    remove them (and the veth pair with them)
 *
 * PREFIX defaults to "blk". Addresses and MACs are described in common/netns.h:
 * PREFIXa has blA 198.18.0.1, PREFIXb has blB 198.18.0.2. Needs root.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <string.h>

#include "netns.h"

int main(int argc, char **argv)
{
	const char *prefix = argc > 2 ? argv[2] : "blk";
	struct kit_netns_pair pair;
	char err[256];

	if (argc < 2 || argc > 3 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		fprintf(stderr, "usage: testnet up|down [PREFIX]   (default PREFIX: blk)\n");
		return 2;
	}
	if (strcmp(argv[1], "down") == 0) {
		kit_netns_pair_names(&pair, prefix);
		char path[128];
		struct stat st;
		snprintf(path, sizeof(path), "/run/netns/%s", pair.ns_a);
		int had_a = stat(path, &st) == 0;
		snprintf(path, sizeof(path), "/run/netns/%s", pair.ns_b);
		int had_b = stat(path, &st) == 0;
		if (!had_a && !had_b) {
			fprintf(stderr, "testnet: there is no test network %s (no namespace %s or %s; "
				"`ip netns list` shows what there is)\n", prefix, pair.ns_a, pair.ns_b);
			return 1;
		}
		kit_netns_pair_destroy(&pair);
		printf("testnet: removed %s and %s\n", pair.ns_a, pair.ns_b);
		return 0;
	}
	if (kit_netns_pair_create_named(&pair, prefix, err, sizeof(err)) != 0) {
		fprintf(stderr, "testnet: %s\n", err);
		return 1;
	}
	printf("testnet: %s: %s %s  <-veth->  %s: %s %s\n", pair.ns_a, pair.if_a, pair.ip_a,
	       pair.ns_b, pair.if_b, pair.ip_b);
	printf("testnet: run programs inside with --netns %s / --netns %s; remove with: testnet down %s\n",
	       pair.ns_a, pair.ns_b, prefix);
	return 0;
}
