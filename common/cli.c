/* cli.c — helpers for the kit's command-line tools (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile int kit_stop;

int kit_parse_u64(const char *tool, const char *opt, const char *text,
		  uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(text, &end, 0);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max) {
		fprintf(stderr, "%s: %s: '%s' is not a whole number from %llu to %llu\n",
			tool, opt, text, (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int kit_pin_cpu(const char *tool, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (rc != 0)
		fprintf(stderr, "%s: cannot pin to CPU %d: %s (see `nproc`)\n", tool, cpu, strerror(rc));
	return -rc;
}

static void on_signal(int sig)
{
	(void)sig;
	kit_stop = 1;
}

void kit_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
