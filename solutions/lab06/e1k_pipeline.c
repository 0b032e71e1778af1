/*
 * e1k_pipeline.c — lab06: RX lcore -> ring -> worker lcores -> ring -> TX lcore
 * (see e1k_pipeline.h).
 */
#include "e1k_pipeline.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e1k_burst.h"
#include "e1k_mmio.h"
#include "frame.h"
#include "kit_time.h"

#define IDLE_POLLS_BEFORE_YIELD 16

/* Nothing to do this time round. On a core of its own a poll-mode lcore just
 * spins; when lcores share a core (the 2-core layout, README section 3) a
 * yield after a few empty polls lets the other lcore on that core run. */
static void idle_wait(unsigned *idle)
{
	if (++*idle >= IDLE_POLLS_BEFORE_YIELD) {
		*idle = 0;
		sched_yield();
	} else {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

void e1k_pipeline_config_default(struct e1k_pipeline_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->workers = 1;
	cfg->rx_cpu = 0;
	cfg->tx_cpu = 0;
	for (unsigned i = 0; i < E1K_PIPE_MAX_WORKERS; i++)
		cfg->worker_cpu[i] = 1;
	cfg->burst = 32;
	cfg->ring_size = 1024;
	cfg->cache_size = 64;
}

/* The ring holds void pointers; the driver wants struct e1k_buf pointers.
 * Copy element by element (a cast of the whole array would read pointers
 * through the wrong type, which C does not allow). */
static void to_objs(void **objs, struct e1k_buf *const *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		objs[i] = bufs[i];
}

static void to_bufs(struct e1k_buf **bufs, void *const *objs, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		bufs[i] = objs[i];
}

/* A stage that cannot pass frames on waits (backpressure): a full ring means
 * the next stage is busy, and waiting lets it catch up, while the stage before
 * fills up in turn, back to the NIC, whose RX ring then fills and which drops
 * (counted by the NIC) or, with our generator, sends no more. But a stage
 * never waits more than GIVE_UP_NS without progress: then the next stage is
 * considered dead, and the rest is dropped and counted, so nothing hangs. */
#define GIVE_UP_NS 1000000000ull

/* Enqueue objs[0..n-1] into next, waiting while it is full; count out and
 * drop_full; dropped buffers go back through cache. */
static void pass_on(struct e1k_ring *next, void **objs, unsigned n, struct e1k_lcore_stats *st,
		    struct e1k_pool_cache *cache)
{
	unsigned done = 0, idle = 0;
	uint64_t stuck_since = 0;
	while (done < n) {
		unsigned k = e1k_ring_enqueue_burst(next, objs + done, n - done);
		done += k;
		if (k > 0) {
			stuck_since = 0;
			continue;
		}
		uint64_t now = kit_now_ns();
		if (stuck_since == 0) {
			stuck_since = now;
		} else if (now - stuck_since > GIVE_UP_NS) {
			struct e1k_buf *bufs[E1K_PIPE_MAX_BURST];
			to_bufs(bufs, objs + done, n - done);
			st->drop_full += n - done;
			e1k_pool_cache_put_bulk(cache, bufs, n - done);
			break;
		}
		idle_wait(&idle);
	}
	st->out += done;
}

/* Send bufs[0..n-1] with e1k_tx_burst, waiting while the NIC's TX ring is full
 * (the NIC frees descriptors as it sends); same give-up rule as pass_on. The
 * pool's lock is held around e1k_tx_burst: its TX reclaim frees into lab03. */
static void transmit(struct e1k_pipeline *p, struct e1k_buf **bufs, unsigned n)
{
	struct e1k_lcore_stats *st = &p->tx_stats;
	unsigned done = 0, idle = 0;
	uint64_t stuck_since = 0;
	while (done < n) {
		e1k_shared_pool_lock(p->pool);
		unsigned k = e1k_tx_burst(p->dev, p->tx, bufs + done, n - done);
		e1k_shared_pool_unlock(p->pool);
		done += k;
		if (k > 0) {
			stuck_since = 0;
			continue;
		}
		uint64_t now = kit_now_ns();
		if (stuck_since == 0) {
			stuck_since = now;
		} else if (now - stuck_since > GIVE_UP_NS) {
			st->drop_full += n - done;
			e1k_pool_cache_put_bulk(&p->tx_cache, bufs + done, n - done);
			break;
		}
		idle_wait(&idle);
	}
	st->out += done;
}

/* ---- the three stages ---- */

static int rx_lcore(void *arg)
{
	struct e1k_pipeline *p = arg;
	struct e1k_lcore_stats *st = &p->rx_stats;
	struct e1k_buf *bufs[E1K_PIPE_MAX_BURST];
	void *objs[E1K_PIPE_MAX_BURST];
	unsigned idle = 0;
	p->start_ns = kit_now_ns();
	uint64_t deadline = p->cfg.duration_ns ? p->start_ns + p->cfg.duration_ns : 0;

	/* TODO 10: The RX lcore's loop.
	 *   - Stop when p->stop is set, when rx_limit frames were received (ask
	 *     for no more than are left), or when the deadline passed (reading the
	 *     clock every 64 polls is enough).
	 *   - Receive a burst with e1k_rx_burst while holding the pool's lock
	 *     (e1k_shared_pool_lock): the RX refill inside calls lab03.
	 *   - Nothing received: count an idle poll and idle_wait(&idle).
	 *   - Count in and bytes; pass the burst on to the workers: to_objs, then
	 *     pass_on(p->to_workers, ..., st, &p->rx_cache) (given: it waits while
	 *     the ring is full and counts out / drop_full).
	 *   - After the loop: end_ns, flush rx_cache, then set rx_done. Which
	 *     memory order for rx_done, and why? (A worker that sees rx_done must
	 *     also see every enqueue made before it.) Return 0. */
	// BEGIN SOLUTION 10
	for (;;) {
		/* relaxed: the flag carries no data, it only says "stop soon". */
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			break;
		unsigned want = p->cfg.burst;
		if (p->cfg.rx_limit) {
			if (st->in >= p->cfg.rx_limit)
				break;
			if (p->cfg.rx_limit - st->in < want)
				want = (unsigned)(p->cfg.rx_limit - st->in);
		}
		if (deadline && (st->polls & 63) == 0 && kit_now_ns() >= deadline)
			break;
		st->polls++;
		e1k_shared_pool_lock(p->pool);
		unsigned n = e1k_rx_burst(p->dev, p->rx, bufs, want);
		e1k_shared_pool_unlock(p->pool);
		if (n == 0) {
			st->idle_polls++;
			idle_wait(&idle);
			continue;
		}
		idle = 0;
		st->in += n;
		for (unsigned i = 0; i < n; i++)
			st->bytes += bufs[i]->len;
		to_objs(objs, bufs, n);
		pass_on(p->to_workers, objs, n, st, &p->rx_cache);
	}
	p->end_ns = kit_now_ns();
	e1k_pool_cache_flush(&p->rx_cache);
	/* release: every enqueue above happens before a worker that loads rx_done
	 * with acquire and sees 1; its next dequeue then finds all of them. */
	atomic_store_explicit(&p->rx_done, 1, memory_order_release);
	return 0;
	// PLACEHOLDER 10
	// (void)st; (void)bufs; (void)objs; (void)idle; (void)deadline; (void)to_objs; (void)pass_on;
	// atomic_store_explicit(&p->rx_done, 1, memory_order_release);
	// return -ENOSYS;
	// END SOLUTION 10
}

/* Turn a frame around: it goes back where it came from. */
static void swap_macs(uint8_t *frame)
{
	uint8_t tmp[6];
	memcpy(tmp, frame, 6);
	memcpy(frame, frame + 6, 6);
	memcpy(frame + 6, tmp, 6);
}

static int worker_lcore(void *arg)
{
	struct e1k_pipe_worker *w = arg;
	struct e1k_pipeline *p = w->p;
	struct e1k_lcore_stats *st = &p->worker_stats[w->index];
	struct e1k_pool_cache *cache = &p->worker_cache[w->index];
	void *objs[E1K_PIPE_MAX_BURST];
	struct e1k_buf *bad[E1K_PIPE_MAX_BURST];
	unsigned idle = 0;

	/* TODO 11: A worker's loop.
	 *   - Load rx_done (acquire: pairs with the RX lcore's release), THEN
	 *     dequeue a burst from to_workers. Nothing dequeued: if rx_done was
	 *     set, nothing more will come — leave the loop; else idle_wait.
	 *     (Why load rx_done before the dequeue and not after?)
	 *   - Count in. For each frame: kit_frame_parse(b->data, b->len, &info);
	 *     not KIT_FRAME_OK: collect it in bad[]. Good: swap_macs(b->data) and
	 *     keep it (compact the good ones at the front of objs[]).
	 *   - Bad ones: count drop_bad, give them back through this worker's cache.
	 *   - Pass the good ones on to the TX lcore (pass_on into to_tx with this
	 *     worker's cache).
	 *   - After the loop: flush the cache, then one atomic decrement of
	 *     workers_left with release (the TX lcore acquires it). Return 0. */
	// BEGIN SOLUTION 11
	for (;;) {
		/* acquire, and before the dequeue: once we see rx_done, every entry the
		 * RX lcore enqueued is visible, so an empty ring now means "finished".
		 * Loaded after the dequeue, we could miss entries enqueued between the
		 * two loads and quit with frames left in the ring. */
		int rx_finished = atomic_load_explicit(&p->rx_done, memory_order_acquire);
		unsigned n = e1k_ring_dequeue_burst(p->to_workers, objs, p->cfg.burst);
		if (n == 0) {
			if (rx_finished)
				break;
			st->idle_polls++;
			idle_wait(&idle);
			continue;
		}
		idle = 0;
		st->polls++;
		st->in += n;
		unsigned good = 0, nbad = 0;
		for (unsigned i = 0; i < n; i++) {
			struct e1k_buf *b = objs[i];
			struct kit_frame_info info;
			st->bytes += b->len;
			if (kit_frame_parse(b->data, b->len, &info) != KIT_FRAME_OK) {
				bad[nbad++] = b;
				continue;
			}
			swap_macs(b->data);
			objs[good++] = b;
		}
		if (nbad) {
			st->drop_bad += nbad;
			e1k_pool_cache_put_bulk(cache, bad, nbad);
		}
		if (good)
			pass_on(p->to_tx, objs, good, st, cache);
	}
	e1k_pool_cache_flush(cache);
	/* release: our enqueues into to_tx happen before the TX lcore sees the
	 * count drop (it loads workers_left with acquire). */
	atomic_fetch_sub_explicit(&p->workers_left, 1, memory_order_release);
	return 0;
	// PLACEHOLDER 11
	// (void)st; (void)cache; (void)objs; (void)bad; (void)idle; (void)swap_macs;
	// atomic_fetch_sub_explicit(&p->workers_left, 1, memory_order_release);
	// return -ENOSYS;
	// END SOLUTION 11
}

/* Frames queued in the TX ring that the NIC has not sent: TDT - TDH. */
static unsigned tx_pending(struct e1k_pipeline *p)
{
	uint32_t head = e1k_read32(p->dev->bar0, E1K_TDH);   /* SDM 13.4.39 */
	uint32_t tail = e1k_read32(p->dev->bar0, E1K_TDT);   /* SDM 13.4.40 */
	return e1k_desc_count(head, tail, p->tx->size);
}

static int tx_lcore(void *arg)
{
	struct e1k_pipeline *p = arg;
	struct e1k_lcore_stats *st = &p->tx_stats;
	void *objs[E1K_PIPE_MAX_BURST];
	struct e1k_buf *bufs[E1K_PIPE_MAX_BURST];
	unsigned idle = 0;

	/* TODO 12: The TX lcore's loop.
	 *   - Load workers_left (acquire), THEN dequeue a burst from to_tx.
	 *     Nothing dequeued: no worker left means finished; else idle_wait.
	 *   - Count in and bytes; send them: to_bufs, then transmit() (given: it
	 *     holds the pool's lock around e1k_tx_burst and waits while the NIC's
	 *     ring is full).
	 *   - After the loop flush tx_cache and return 0. (The end of the run is
	 *     given: wait for the NIC to send what is queued.) */
	// BEGIN SOLUTION 12
	for (;;) {
		/* acquire, before the dequeue: as for rx_done in the worker. */
		unsigned running = atomic_load_explicit(&p->workers_left, memory_order_acquire);
		unsigned n = e1k_ring_dequeue_burst(p->to_tx, objs, p->cfg.burst);
		if (n == 0) {
			if (running == 0)
				break;
			st->idle_polls++;
			idle_wait(&idle);
			continue;
		}
		idle = 0;
		st->polls++;
		st->in += n;
		to_bufs(bufs, objs, n);
		for (unsigned i = 0; i < n; i++)
			st->bytes += bufs[i]->len;
		transmit(p, bufs, n);
	}
	e1k_pool_cache_flush(&p->tx_cache);
	// PLACEHOLDER 12
	// (void)st; (void)objs; (void)bufs; (void)idle; (void)transmit;
	// return -ENOSYS;
	// END SOLUTION 12

	/* The end: give the NIC up to a second to send what is queued (TDH
	 * reaches TDT, SDM 3.4); the buffers are freed with the ring. */
	uint64_t give_up = kit_now_ns() + 1000000000ull;
	while (tx_pending(p) != 0 && kit_now_ns() < give_up)
		sched_yield();
	p->tx_not_sent = tx_pending(p);
	return 0;
}

/* ---- set-up and tear-down ---- */

static int check_cpu(const char *what, int cpu, char *err, size_t err_len)
{
	if (e1k_cpu_usable(cpu))
		return 0;
	snprintf(err, err_len, "pipeline: the %s lcore's CPU %d is not available (CPUs 0..%ld here; "
		 "lcores may share a CPU)", what, cpu, sysconf(_SC_NPROCESSORS_ONLN) - 1);
	return -EINVAL;
}

struct e1k_pipeline *e1k_pipeline_create(struct e1k_dev *dev, struct e1k_rx_ring *rx,
					 struct e1k_tx_ring *tx, struct e1k_shared_pool *pool,
					 const struct e1k_pipeline_config *cfg,
					 char *err, size_t err_len)
{
	if (cfg->workers < 1 || cfg->workers > E1K_PIPE_MAX_WORKERS) {
		snprintf(err, err_len, "pipeline: %u workers: use 1 to %d", cfg->workers,
			 E1K_PIPE_MAX_WORKERS);
		return NULL;
	}
	if (cfg->burst < 1 || cfg->burst > E1K_PIPE_MAX_BURST) {
		snprintf(err, err_len, "pipeline: burst %u: use 1 to %d (32 is usual)", cfg->burst,
			 E1K_PIPE_MAX_BURST);
		return NULL;
	}
	if (check_cpu("RX", cfg->rx_cpu, err, err_len) || check_cpu("TX", cfg->tx_cpu, err, err_len))
		return NULL;
	for (unsigned i = 0; i < cfg->workers; i++)
		if (check_cpu("worker", cfg->worker_cpu[i], err, err_len))
			return NULL;

	struct e1k_pipeline *p = aligned_alloc(E1K_CACHE_LINE, (sizeof(*p) + E1K_CACHE_LINE - 1) /
					       E1K_CACHE_LINE * E1K_CACHE_LINE);
	if (!p) {
		snprintf(err, err_len, "pipeline: out of memory");
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	p->dev = dev;
	p->rx = rx;
	p->tx = tx;
	p->pool = pool;
	/* One RX lcore enqueues, one TX lcore dequeues: single-producer /
	 * single-consumer on those ends; the workers' ends are multi when there
	 * are several workers. */
	unsigned one_worker = cfg->workers == 1;
	p->to_workers = e1k_ring_create("to_workers", cfg->ring_size,
					E1K_RING_SP_ENQ | (one_worker ? E1K_RING_SC_DEQ : 0), err, err_len);
	p->to_tx = e1k_ring_create("to_tx", cfg->ring_size,
				   E1K_RING_SC_DEQ | (one_worker ? E1K_RING_SP_ENQ : 0), err, err_len);
	int bad = !p->to_workers || !p->to_tx;
	bad = bad || e1k_pool_cache_init(&p->rx_cache, pool, cfg->cache_size, err, err_len) != 0;
	bad = bad || e1k_pool_cache_init(&p->tx_cache, pool, cfg->cache_size, err, err_len) != 0;
	for (unsigned i = 0; i < cfg->workers && !bad; i++) {
		bad = e1k_pool_cache_init(&p->worker_cache[i], pool, cfg->cache_size, err, err_len) != 0;
		p->workers[i].p = p;
		p->workers[i].index = i;
	}
	if (bad) {
		e1k_pipeline_destroy(p);
		return NULL;
	}
	return p;
}

int e1k_pipeline_start(struct e1k_pipeline *p, char *err, size_t err_len)
{
	atomic_store(&p->stop, 0);
	atomic_store(&p->rx_done, 0);
	atomic_store(&p->workers_left, p->cfg.workers);
	p->lcores_launched = 0;

	/* Downstream first, so every stage is running before frames reach it. */
	int id = e1k_lcore_launch(tx_lcore, p, p->cfg.tx_cpu, err, err_len);
	if (id < 0) {
		return id;
	}
	p->lcore_ids[p->lcores_launched++] = id;
	for (unsigned i = 0; i < p->cfg.workers; i++) {
		id = e1k_lcore_launch(worker_lcore, &p->workers[i], p->cfg.worker_cpu[i], err, err_len);
		if (id < 0) {
			/* The workers never started will not count down: do it for them. */
			atomic_fetch_sub(&p->workers_left, p->cfg.workers - i);
			atomic_store(&p->rx_done, 1);
			e1k_pipeline_wait(p);
			return id;
		}
		p->lcore_ids[p->lcores_launched++] = id;
	}
	id = e1k_lcore_launch(rx_lcore, p, p->cfg.rx_cpu, err, err_len);
	if (id < 0) {
		atomic_store(&p->rx_done, 1);
		e1k_pipeline_wait(p);
		return id;
	}
	p->lcore_ids[p->lcores_launched++] = id;
	return 0;
}

void e1k_pipeline_stop(struct e1k_pipeline *p)
{
	atomic_store_explicit(&p->stop, 1, memory_order_relaxed);
}

int e1k_pipeline_wait(struct e1k_pipeline *p)
{
	int first = 0;
	for (unsigned i = 0; i < p->lcores_launched; i++) {
		int ret = 0;
		if (e1k_lcore_wait(p->lcore_ids[i], &ret) == 0 && ret != 0 && first == 0)
			first = ret;
	}
	p->lcores_launched = 0;
	return first;
}

/* Buffers left in a ring (a stage that stopped early): back to the pool. */
static unsigned drain(struct e1k_pipeline *p, struct e1k_ring *r)
{
	void *objs[64];
	struct e1k_buf *bufs[64];
	unsigned n, total = 0;
	while (r && (n = e1k_ring_dequeue_burst(r, objs, 64)) > 0) {
		to_bufs(bufs, objs, n);
		e1k_shared_pool_lock(p->pool);
		e1k_buf_free_bulk(bufs, n);
		e1k_shared_pool_unlock(p->pool);
		total += n;
	}
	return total;
}

void e1k_pipeline_destroy(struct e1k_pipeline *p)
{
	if (!p)
		return;
	unsigned left = drain(p, p->to_workers) + drain(p, p->to_tx);
	if (left)
		fprintf(stderr, "pipeline: %u frames were still in the rings at the end (a stage "
			"stopped early); freed\n", left);
	e1k_ring_free(p->to_workers);
	e1k_ring_free(p->to_tx);
	free(p);
}

void e1k_pipeline_totals(const struct e1k_pipeline *p, struct e1k_pipeline_totals *t)
{
	struct e1k_lcore_stats w;
	e1k_lcore_stats_sum(p->worker_stats, p->cfg.workers, &w);
	memset(t, 0, sizeof(*t));
	t->received = p->rx_stats.in;
	t->sent = p->tx_stats.out;
	t->drop_ring_full = p->rx_stats.drop_full + w.drop_full;
	t->drop_bad = w.drop_bad;
	t->drop_tx_full = p->tx_stats.drop_full;
	t->accounted = t->received == t->sent + t->drop_ring_full + t->drop_bad + t->drop_tx_full;
}
