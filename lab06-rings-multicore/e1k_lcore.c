/*
 * e1k_lcore.c — lab06: pinned worker threads (see e1k_lcore.h).
 */
#include "e1k_lcore.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct lcore {
	pthread_t thread;
	e1k_lcore_fn fn;
	void *arg;
	int cpu;
	int running;     /* launched and not yet waited for */
	int ret;         /* fn's return value, written by the lcore before it exits */
};

static struct lcore lcores[E1K_MAX_LCORES];   /* [0] is the main thread: unused */
static _Thread_local int this_lcore_id;        /* 0 unless set by lcore_start */

int e1k_lcore_id(void)
{
	return this_lcore_id;
}

int e1k_lcore_cpu(int id)
{
	if (id <= 0 || id >= E1K_MAX_LCORES || !lcores[id].running)
		return -1;
	return lcores[id].cpu;
}

int e1k_cpu_usable(int cpu)
{
	cpu_set_t allowed;
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return 0;
	return CPU_ISSET(cpu, &allowed) != 0;
}

/* Every lcore thread starts here: note its id, run the function. */
static void *lcore_start(void *arg)
{
	struct lcore *lc = arg;
	this_lcore_id = (int)(lc - lcores);
	lc->ret = lc->fn(lc->arg);
	return NULL;
}

int e1k_lcore_launch(e1k_lcore_fn fn, void *arg, int cpu, char *err, size_t err_len)
{
	if (!fn) {
		snprintf(err, err_len, "e1k_lcore_launch: fn is NULL: pass the function the lcore runs");
		return -EINVAL;
	}

	/* TODO 5: Start fn(arg) on a new thread pinned to cpu.
	 *   - cpu must be one this process may run on (e1k_cpu_usable); else
	 *     -EINVAL with a message naming the CPU and how many there are
	 *     (sysconf(_SC_NPROCESSORS_ONLN)) — a wrong CPU is the commonest
	 *     mistake on a 2-core machine.
	 *   - Find a free slot in lcores[1 .. E1K_MAX_LCORES - 1] (not running);
	 *     none: -EBUSY.
	 *   - Fill it (fn, arg, cpu), then create the thread *already pinned*:
	 *     pthread_attr_setaffinity_np on its attributes before pthread_create,
	 *     so it never runs a single instruction on another CPU. The thread runs
	 *     lcore_start(&lcores[id]).
	 *   - pthread functions return the error number (they do not set errno):
	 *     return -rc with a message. Mark the slot running, return its id.
	 * Read: pthread_attr_setaffinity_np(3), CPU_SET(3). */
	(void)arg; (void)cpu; (void)lcore_start;
	snprintf(err, err_len, "e1k_lcore_launch: TODO 5 is not done yet");
	return -ENOSYS;
}

int e1k_lcore_wait(int id, int *fn_ret)
{
	if (id <= 0 || id >= E1K_MAX_LCORES || !lcores[id].running) {
		fprintf(stderr, "e1k_lcore_wait: lcore %d is not running (use the id "
			"e1k_lcore_launch returned, and wait for it once)\n", id);
		return -EINVAL;
	}

	/* TODO 6: Wait for the lcore's thread to end (pthread_join), give its
	 * return value (lcores[id].ret) to *fn_ret when fn_ret is not NULL, and mark
	 * the slot free (running = 0) so the id can be used again. Return 0.
	 * Why is reading ret without a lock correct here? pthread_join
	 * synchronizes with the end of the thread: everything the thread wrote
	 * happens before join returns (POSIX XBD 4.12 "Memory Synchronization"). */
	(void)fn_ret;
	return -ENOSYS;
}

void e1k_lcore_stats_sum(const struct e1k_lcore_stats *stats, unsigned n,
			 struct e1k_lcore_stats *total)
{
	memset(total, 0, sizeof(*total));
	/* TODO 7: Add every field of stats[0 .. n-1] into *total. */
	(void)stats; (void)n;
}
