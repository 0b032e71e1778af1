/* test_rxtx.c — RX and TX descriptor processing, multi-buffer frames, filters,
 * drop accounting, loopback and pair backends. */
#include "thelp.h"

#include <stdio.h>
#include <unistd.h>

static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void test_rx_one_frame(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048], err = 0xFF;
	size_t n;
	uint32_t ndesc = 0;

	t_up(t, 64, 0);
	n = t_frame(f, 100, 42);
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	t_sync(t);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), &err, &ndesc), 100);
	assert_memory_equal(got, f, 100);
	assert_int_equal(err, 0);
	assert_int_equal(ndesc, 1);
	assert_int_equal(tdrv_rd(&t->drv, E1K_RDH), 1);
	assert_true(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_RXT0);
	t_assert_accounted(t);
}

static void test_rx_short_frame_padded(void **state)
{
	struct t *t = *state;
	uint8_t f[42], got[2048];

	t_up(t, 64, 0);
	memset(f, 0xFF, 6);                 /* broadcast ARP-sized frame */
	memset(f + 6, 0x11, sizeof(f) - 6);
	assert_int_equal(nicsim_inject(t->dev, f, sizeof(f)), 0);
	t_sync(t);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL), 60);
	assert_memory_equal(got, f, sizeof(f));
	for (int i = 42; i < 60; i++)
		assert_int_equal(got[i], 0);
	assert_int_equal(tdrv_rd(&t->drv, E1K_BPRC), 1);
}

static void test_rx_fcs_kept_without_secrc(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];
	uint32_t crc;
	size_t n;

	tdrv_reset_link(&t->drv);
	assert_int_equal(tdrv_rx_init(&t->drv, 64, 2048, 0), 0);   /* SECRC clear */
	n = t_frame(f, 60, 1);
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	t_sync(t);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL), 64);
	crc = crc32_ref(f, 60);
	assert_int_equal(got[60] | got[61] << 8 | got[62] << 16 | (uint32_t)got[63] << 24, crc);
}

static void test_rx_multi_buffer(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];
	uint32_t ndesc = 0;
	size_t n;

	tdrv_reset_link(&t->drv);
	assert_int_equal(tdrv_rx_init(&t->drv, 64, 256, E1K_RCTL_SECRC | E1K_RCTL_BSIZE_256), 0);
	n = t_frame(f, 1000, 7);
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	t_sync(t);
	/* first descriptors: DD without EOP */
	assert_int_equal(t->drv.rx[0].status, E1K_RXD_STAT_DD);
	assert_int_equal(t->drv.rx[0].length, 256);
	assert_int_equal(t->drv.rx[3].status, E1K_RXD_STAT_DD | E1K_RXD_STAT_EOP);
	assert_int_equal(t->drv.rx[3].length, 1000 - 3 * 256);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, &ndesc), 1000);
	assert_int_equal(ndesc, 4);
	assert_memory_equal(got, f, 1000);
}

static void test_rx_oversize_roc_unless_lpe(void **state)
{
	struct t *t = *state;
	uint8_t f[4000], got[4100];
	struct nicsim_counters c;

	t_up(t, 64, 0);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	memset(f + 14, 0x5A, sizeof(f) - 14);
	assert_int_equal(nicsim_inject(t->dev, f, 1600), 0);
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_drop_oversize, 1);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ROC), 1);
	/* with LPE the same frame is received over several 2 KiB buffers */
	tdrv_wr(&t->drv, E1K_RCTL, tdrv_rd(&t->drv, E1K_RCTL) | E1K_RCTL_LPE);
	t_sync(t);
	assert_int_equal(nicsim_inject(t->dev, f, 4000), 0);
	t_sync(t);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL), 4000);
	assert_memory_equal(got, f, 4000);
	t_assert_accounted(t);
}

static void test_rx_no_buffers_counted(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];
	struct nicsim_counters c;
	int received = 0, n;

	t_up(t, 8, 0);    /* 7 buffers handed to the device */
	for (int i = 0; i < 200; i++)
		while (nicsim_inject(t->dev, f, t_frame(f, 1514, (uint64_t)i)) != 0)
			t_sync(t);
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_offered, 200);
	assert_int_equal(c.rx_delivered, 7);
	assert_true(c.rx_pending > 0);                 /* waiting in the 48 KB FIFO */
	assert_true(c.rx_drop_no_buffer > 0);          /* MPC */
	assert_int_equal(c.rx_offered, c.rx_delivered + c.rx_pending + c.rx_drop_no_buffer);
	assert_int_equal(tdrv_rd(&t->drv, E1K_MPC), c.rx_drop_no_buffer);
	assert_int_equal(tdrv_rd(&t->drv, E1K_RNBC), 200 - 7);
	assert_true(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_RXO);
	/* the driver catches up: the FIFO drains in order */
	for (int rounds = 0; rounds < 1000; rounds++) {
		while ((n = tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL)) > 0)
			received++;
		t_sync(t);
		nicsim_get_counters(t->dev, &c);
		if (c.rx_pending == 0)
			break;
	}
	while (tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL) > 0)
		received++;
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_pending, 0);
	assert_int_equal((uint64_t)received, c.rx_delivered);
	assert_int_equal(c.rx_offered, c.rx_delivered + c.rx_drop_no_buffer);
}

static void test_rx_filters(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];
	struct nicsim_counters c;
	size_t n;

	t_up(t, 64, 0);
	n = t_frame(f, 60, 1);
	f[5] = 0x99;                                   /* someone else's unicast */
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	f[0] = 0x01; f[1] = 0x00; f[2] = 0x5E; f[3] = 0; f[4] = 0x00; f[5] = 0x01;   /* multicast */
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_drop_filtered, 2);
	/* MTA bit for 01:00:5E:00:00:01 with MO=0: hash = (0x00 >> 4) | (0x01 << 4) = 0x010 */
	tdrv_wr(&t->drv, E1K_MTA + (0x010 >> 5) * 4, 1u << (0x010 & 31));
	t_sync(t);
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	t_sync(t);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL), 60);
	assert_int_equal(tdrv_rd(&t->drv, E1K_MPRC), 1);
	/* promiscuous */
	f[0] = 0x02; f[5] = 0x77;
	tdrv_wr(&t->drv, E1K_RCTL, tdrv_rd(&t->drv, E1K_RCTL) | E1K_RCTL_UPE);
	t_sync(t);
	assert_int_equal(nicsim_inject(t->dev, f, n), 0);
	t_sync(t);
	assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL), 60);
	t_assert_accounted(t);
}

static void test_rx_disabled_and_link_down_dropped(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];
	struct nicsim_counters c;

	assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, 0)), 0);   /* before any init */
	t_sync(t);
	t_up(t, 64, 0);
	nicsim_set_link(t->dev, 0);
	t_sync(t);
	assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, 1)), 0);
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_drop_disabled, 1);
	assert_int_equal(c.rx_drop_link_down, 1);
	t_assert_accounted(t);
}

static void test_rxdmt0(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];

	t_up(t, 16, 0);           /* 15 free, threshold 1/2 = 8 */
	tdrv_wr(&t->drv, E1K_ICR, 0xFFFFFFFF);
	for (int i = 0; i < 6; i++)
		assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, (uint64_t)i)), 0);
	t_sync(t);
	assert_false(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_RXDMT0);
	assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, 7)), 0);
	t_sync(t);
	assert_true(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_RXDMT0);
}

static void test_tx_single_and_multi_descriptor(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];
	size_t n;

	t_up(t, 0, 64);
	tdrv_wr(&t->drv, E1K_ICR, 0xFFFFFFFF);
	n = t_frame(f, 300, 5);
	assert_int_equal(tdrv_tx(&t->drv, f, (uint32_t)n, 1), 0);
	assert_int_equal(tdrv_tx(&t->drv, f, (uint32_t)n, 3), 0);
	t_sync(t);
	assert_int_equal(nicsim_capture(t->dev, got, sizeof(got)), 300);
	assert_memory_equal(got, f, 300);
	assert_int_equal(nicsim_capture(t->dev, got, sizeof(got)), 300);
	assert_memory_equal(got, f, 300);
	assert_int_equal(nicsim_capture(t->dev, got, sizeof(got)), 0);
	/* DD only on RS descriptors (the last of each frame) */
	assert_int_equal(t->drv.tx[0].status, E1K_TXD_STAT_DD);
	assert_int_equal(t->drv.tx[1].status, 0);
	assert_int_equal(t->drv.tx[3].status, E1K_TXD_STAT_DD);
	assert_int_equal(tdrv_tx_reclaim(&t->drv), 4);
	assert_int_equal(tdrv_rd(&t->drv, E1K_TDH), 4);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPTC), 2);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GOTCL), 2 * 304);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR) & (E1K_ICR_TXDW | E1K_ICR_TXQE),
			 E1K_ICR_TXDW | E1K_ICR_TXQE);
	struct nicsim_counters c;
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.tx_frames, 2);
	assert_int_equal(c.tx_descriptors, 4);
}

static void test_tx_short_frame_padded_with_psp(void **state)
{
	struct t *t = *state;
	uint8_t f[60], got[2048];

	t_up(t, 0, 64);
	memset(f, 0xAB, sizeof(f));
	f[0] = 0x02;
	assert_int_equal(tdrv_tx(&t->drv, f, 42, 1), 0);
	t_sync(t);
	assert_int_equal(nicsim_capture(t->dev, got, sizeof(got)), 60);
	assert_memory_equal(got, f, 42);
	assert_int_equal(got[59], 0);
}

static void test_loopback_backend(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];

	t_up(t, 64, 64);
	for (int i = 0; i < 10; i++)
		assert_int_equal(tdrv_tx(&t->drv, f, (uint32_t)t_frame(f, 200, (uint64_t)i), 1), 0);
	t_sync(t);
	for (int i = 0; i < 10; i++) {
		struct kit_frame_info info;
		assert_int_equal(tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL), 200);
		assert_int_equal(kit_frame_parse(got, 200, &info), KIT_FRAME_OK);
		assert_int_equal(info.seq, (uint64_t)i);
	}
	t_assert_accounted(t);
}

static int setup_loopback(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_LOOPBACK;
	return t_setup_cfg(state, &cfg);
}

static void test_pair_backend(void **state)
{
	(void)state;
	struct nicsim_config c0, c1;
	struct nicsim *d0, *d1;
	struct tdrv a, b;
	char err[256], tmp[] = "/tmp/bypasslab-pair-XXXXXX", p0[128], p1[128];
	uint8_t f[2048], got[2048];

	assert_non_null(mkdtemp(tmp));
	snprintf(p0, sizeof(p0), "%s/port0", tmp);
	snprintf(p1, sizeof(p1), "%s/port1", tmp);
	nicsim_config_default(&c0);
	nicsim_config_default(&c1);
	c0.quiet = c1.quiet = 1;
	c0.mac[5] = 0x01;     /* port 0 = 02:..:01, port 1 = 02:..:02 (kit flow dst) */
	assert_int_equal(nicsim_start_pair(p0, &c0, p1, &c1, &d0, &d1, err, sizeof(err)), 0);
	assert_int_equal(tdrv_open(&a, p0), 0);
	assert_int_equal(tdrv_open(&b, p1), 0);
	tdrv_reset_link(&a);
	tdrv_reset_link(&b);
	assert_int_equal(tdrv_tx_init(&a, 64), 0);
	assert_int_equal(tdrv_rx_init(&b, 64, 2048, E1K_RCTL_SECRC), 0);
	assert_int_equal(nicsim_sync(d0, 5000), 0);
	assert_int_equal(nicsim_sync(d1, 5000), 0);
	assert_int_equal(tdrv_tx(&a, f, (uint32_t)t_frame(f, 128, 3), 1), 0);
	assert_int_equal(nicsim_sync(d0, 5000), 0);
	assert_int_equal(nicsim_sync(d1, 5000), 0);
	assert_int_equal(tdrv_rx(&b, got, sizeof(got), NULL, NULL), 128);
	assert_memory_equal(got, f, 128);
	tdrv_close(&a);
	tdrv_close(&b);
	nicsim_stop(d0);
	nicsim_stop(d1);
	assert_int_equal(rmdir(tmp), 0);   /* nothing left behind */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rx_one_frame, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_short_frame_padded, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_fcs_kept_without_secrc, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_multi_buffer, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_oversize_roc_unless_lpe, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_no_buffers_counted, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_filters, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_disabled_and_link_down_dropped, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rxdmt0, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_tx_single_and_multi_descriptor, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_tx_short_frame_padded_with_psp, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_loopback_backend, setup_loopback, t_teardown),
		cmocka_unit_test(test_pair_backend),
	};
	return cmocka_run_group_tests_name("hw/sim RX/TX", tests, NULL, NULL);
}
