/* kstats.c — kernel drop counters (see kstats.h). */
#include "kstats.h"

#include <stdio.h>

long long kit_backlog_drops(void)
{
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	if (!f)
		return -1;
	long long total = 0;
	unsigned processed, dropped;
	char line[512];
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%x %x", &processed, &dropped) == 2)
			total += dropped;
	fclose(f);
	return total;
}
