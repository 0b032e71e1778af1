/*
 * e1k_lcore.h — lab06: lcores, one pinned worker thread per CPU.
 *
 * DPDK calls a thread pinned to one CPU an "lcore": it runs one function in a
 * loop (poll the NIC, poll a ring), never sleeps, never migrates. Pinning keeps
 * its data in that CPU's caches and keeps the scheduler from moving it while it
 * holds a burst of packets. The main thread launches lcores and waits for them:
 *
 *   main:    id = e1k_lcore_launch(rx_loop, &pipe, 1, err, len) ... e1k_lcore_wait(id, &ret)
 *   lcore 1: [pinned to CPU 1] rx_loop(&pipe) -> ret
 *
 * Launch and wait are called from the main thread only (the table of lcores is
 * not locked). e1k_lcore_id() tells a function which lcore runs it: 0 for the
 * main thread, 1 .. E1K_MAX_LCORES - 1 for launched ones — an index for
 * per-lcore data such as struct e1k_lcore_stats.
 *
 * Read: pthread_create(3), pthread_attr_setaffinity_np(3), sched_getaffinity(2),
 * sched_getcpu(3), pthread_join(3).
 */
#ifndef LAB06_E1K_LCORE_H
#define LAB06_E1K_LCORE_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include "e1k_ring.h"   /* E1K_CACHE_LINE */

#define E1K_MAX_LCORES 16   /* lcore ids 1..15 for launched threads; 0 is the main thread */

typedef int (*e1k_lcore_fn)(void *arg);

/* Run fn(arg) in a new thread pinned to cpu. Returns its lcore id (1 ..
 * E1K_MAX_LCORES - 1), or -EINVAL (cpu not one this process may use, fn NULL),
 * -EBUSY (every lcore is in use), or -errno of pthread_create, with err saying
 * what to do. Several lcores may share a CPU (they then take turns). */
int e1k_lcore_launch(e1k_lcore_fn fn, void *arg, int cpu, char *err, size_t err_len);

/* Wait for lcore id to return; its return value goes to *fn_ret (may be NULL).
 * The id is free again afterwards. 0, or -EINVAL for an id not running. */
int e1k_lcore_wait(int id, int *fn_ret);

/* The calling thread's lcore id: 0 in the main thread (or any thread not
 * launched by e1k_lcore_launch). */
int e1k_lcore_id(void);

/* The CPU an lcore was pinned to, or -1 when id is not running. */
int e1k_lcore_cpu(int id);

/* 1 when this process may run on cpu (sched_getaffinity), else 0. */
int e1k_cpu_usable(int cpu);

/*
 * Per-lcore counters. Each lcore writes only its own, with plain increments (no
 * atomics, no lock): that is the point of per-lcore data. Read them after
 * e1k_lcore_wait (the join makes the writes visible), or accept a stale value.
 */
struct e1k_lcore_stats {
	/* TODO 7 (first part): give every lcore's counters cache lines of their own.
	 * In an array stats[E1K_MAX_LCORES], stats[1] and stats[2] are written by
	 * two CPUs millions of times a second. If they share a 64-byte line, each
	 * write invalidates the other CPU's copy: false sharing, which can cost
	 * more than the work being counted.
	 * Hint: alignas(E1K_CACHE_LINE) on the first member aligns the struct and
	 * pads its size to a multiple of the line. */
	uint64_t in;   /* packets taken in (from the NIC or a ring) */
	uint64_t out;          /* packets handed on (to a ring or the NIC) */
	uint64_t drop_full;    /* dropped: the next stage had no room */
	uint64_t drop_bad;     /* dropped: not a valid frame */
	uint64_t bytes;        /* bytes taken in */
	uint64_t polls;        /* loop iterations */
	uint64_t idle_polls;   /* iterations that found nothing to do */
};

/* Add up n lcores' counters into *total (each field summed). */
void e1k_lcore_stats_sum(const struct e1k_lcore_stats *stats, unsigned n,
			 struct e1k_lcore_stats *total);

#endif
