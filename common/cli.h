/*
 * cli.h — small helpers shared by the kit's command-line tools: number
 * parsing with a clear message, and the one-line machine-readable result every
 * tool prints last so bench/ can collect it:
 *
 *   RESULT tool=udp_sink method=recvmmsg batch=32 packets=100000 seconds=0.52 pps=192307 ...
 */
#ifndef BYPASSLAB_CLI_H
#define BYPASSLAB_CLI_H

#include <stdint.h>

/* Parse text as a whole number in [min, max] for option opt. On failure print
 * "tool: --opt: ..." to stderr and return -1. */
int kit_parse_u64(const char *tool, const char *opt, const char *text,
		  uint64_t min, uint64_t max, uint64_t *out);

/* Pin the calling thread to one CPU. Returns 0 or -errno (message printed). */
int kit_pin_cpu(const char *tool, int cpu);

/* Stop flag set by SIGINT/SIGTERM once kit_catch_signals() was called. */
extern volatile int kit_stop;
void kit_catch_signals(void);

#endif
