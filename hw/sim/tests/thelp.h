/* thelp.h — shared bits of the model's own tests: a quiet fixture with a driver
 * already opened on the device directory. */
#ifndef HW_SIM_TESTS_THELP_H
#define HW_SIM_TESTS_THELP_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "frame.h"
#include "nicsim.h"
#include "nicsim_fixture.h"
#include "tdrv.h"

struct t {
	struct nicsim_fixture *fx;
	struct nicsim *dev;
	struct tdrv drv;
};

static inline int t_setup_cfg(void **state, struct nicsim_config *cfg)
{
	struct t *t = calloc(1, sizeof(*t));
	void *fx = NULL;

	cfg->quiet = 1;
	if (!t || nicsim_fixture_setup_config(&fx, cfg) != 0) {
		free(t);
		return -1;
	}
	t->fx = fx;
	t->dev = t->fx->dev;
	if (tdrv_open(&t->drv, t->fx->dir) != 0) {
		nicsim_fixture_teardown(&fx);
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static inline int t_setup(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	return t_setup_cfg(state, &cfg);
}

static inline int t_teardown(void **state)
{
	struct t *t = *state;
	void *fx = t->fx;

	tdrv_close(&t->drv);
	nicsim_fixture_teardown(&fx);
	free(t);
	return 0;
}

static inline void t_sync(struct t *t)
{
	assert_int_equal(nicsim_sync(t->dev, 5000), 0);
}

/* A kit frame to the device's default MAC. */
static inline size_t t_frame(uint8_t *buf, size_t len, uint64_t seq)
{
	struct kit_flow flow;
	kit_flow_default(&flow);
	return kit_frame_build(buf, 2048, &flow, len, seq, 0);
}

/* Sum of all drop reasons. */
static inline uint64_t t_drops(const struct nicsim_counters *c)
{
	return c->rx_drop_disabled + c->rx_drop_link_down + c->rx_drop_no_dma +
	       c->rx_drop_filtered + c->rx_drop_oversize + c->rx_drop_bad_crc +
	       c->rx_drop_no_buffer + c->rx_drop_dma_refused + c->rx_drop_fault;
}

/* Every offered frame is delivered, pending or counted as a drop. */
static inline void t_assert_accounted(struct t *t)
{
	struct nicsim_counters c;
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_offered, c.rx_delivered + c.rx_pending + t_drops(&c));
}

/* Standard bring-up: reset, link, RX ring of n 2 KiB buffers with SECRC, TX ring. */
static inline void t_up(struct t *t, uint32_t rx_n, uint32_t tx_n)
{
	tdrv_reset_link(&t->drv);
	if (rx_n)
		assert_int_equal(tdrv_rx_init(&t->drv, rx_n, 2048, E1K_RCTL_SECRC), 0);
	if (tx_n)
		assert_int_equal(tdrv_tx_init(&t->drv, tx_n), 0);
	t_sync(t);
}

#endif
