/* test_diag.c — every diagnostic the model gives a student, and the refusal to run
 * without root. */
#include "thelp.h"

#include <pwd.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_virtual_address_in_descriptor(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];
	struct nicsim_counters c;

	t_up(t, 64, 0);
	t->drv.rx[0].addr = (uint64_t)(uintptr_t)t->drv.rxb.va;   /* the classic mistake */
	assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, 0)), 0);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "looks like a virtual address"));
	assert_true(nicsim_diag_find(t->dev, "SDM 3.2.3"));
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_drop_dma_refused, 1);
	assert_true(c.dma_refusals >= 1);
	/* the descriptor is handed back with an error so the driver is not stuck */
	assert_int_equal(t->drv.rx[0].status, E1K_RXD_STAT_DD | E1K_RXD_STAT_EOP);
	assert_int_equal(t->drv.rx[0].errors, E1K_RXD_ERR_RXE);
	t_assert_accounted(t);
}

static void test_rdlen_not_multiple_of_128(void **state)
{
	struct t *t = *state;

	tdrv_wr(&t->drv, E1K_RDLEN, 1000);
	tdrv_wr(&t->drv, E1K_TDLEN, 200);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 13.4.27: RDLEN=1000 is not a multiple of 128"));
	assert_true(nicsim_diag_find(t->dev, "SDM 13.4.38: TDLEN=200 is not a multiple of 128"));
}

static void test_misaligned_ring_base(void **state)
{
	struct t *t = *state;

	tdrv_wr(&t->drv, E1K_RDBAL, 0x10008);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 13.4.25: RX ring base 0x00010008 is not 16-byte aligned"));
}

static void test_rx_tx_enabled_before_ring(void **state)
{
	struct t *t = *state;

	tdrv_reset_link(&t->drv);
	tdrv_wr(&t->drv, E1K_RCTL, E1K_RCTL_EN);
	tdrv_wr(&t->drv, E1K_TCTL, E1K_TCTL_EN);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 14.4: RX enabled (RCTL.EN) before the ring was programmed"));
	assert_true(nicsim_diag_find(t->dev, "SDM 14.5: TX enabled (TCTL.EN) before the ring was programmed"));
}

static void test_tail_beyond_ring(void **state)
{
	struct t *t = *state;

	t_up(t, 64, 64);
	tdrv_wr(&t->drv, E1K_RDT, 64);
	tdrv_wr(&t->drv, E1K_TDT, 100);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 13.4.29: RDT=64 is beyond the RX ring of 64"));
	assert_true(nicsim_diag_find(t->dev, "SDM 13.4.40: TDT=100 is beyond the TX ring of 64"));
}

static void test_bus_master_off(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];
	struct nicsim_counters c;
	uint16_t cmd;

	t_up(t, 64, 64);
	cmd = tdrv_cfg_read16(&t->drv, E1K_PCI_COMMAND);
	tdrv_cfg_write16(&t->drv, E1K_PCI_COMMAND, cmd & ~E1K_PCI_CMD_BUS_MASTER);
	t_sync(t);
	assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, 0)), 0);
	assert_int_equal(tdrv_tx(&t->drv, f, 60, 1), 0);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "bus mastering is off"));
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_drop_no_dma, 1);
	assert_int_equal(c.tx_frames, 0);
	/* turning it on lets the pending transmission go */
	tdrv_cfg_write16(&t->drv, E1K_PCI_COMMAND, cmd | E1K_PCI_CMD_BUS_MASTER);
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.tx_frames, 1);
}

static void test_write_to_read_only_register(void **state)
{
	struct t *t = *state;

	tdrv_wr(&t->drv, E1K_STATUS, 0);
	tdrv_wr(&t->drv, E1K_TPR, 5);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "STATUS is read-only"));
	assert_true(nicsim_diag_find(t->dev, "statistics register 0x40D0 is read-only"));
}

static void test_ring_in_no_dma_file(void **state)
{
	struct t *t = *state;

	tdrv_reset_link(&t->drv);
	tdrv_wr(&t->drv, E1K_RDBAL, 0x1000);   /* a physical address nobody gave us */
	tdrv_wr(&t->drv, E1K_RDBAH, 0);
	tdrv_wr(&t->drv, E1K_RDLEN, 4096);
	tdrv_wr(&t->drv, E1K_RDT, 10);
	tdrv_wr(&t->drv, E1K_RCTL, E1K_RCTL_EN);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 3.2.6: RX ring base 0x1000"));
	assert_true(nicsim_diag_find(t->dev, "no DMA file contains it"));
}

static void test_refuses_without_root(void **state)
{
	(void)state;
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct nicsim_config cfg;
		char err[512];
		struct passwd *nobody = getpwnam("nobody");
		if (setgid(nobody ? nobody->pw_gid : 65534) || setuid(nobody ? nobody->pw_uid : 65534))
			_exit(3);
		nicsim_config_default(&cfg);
		cfg.quiet = 1;
		if (nicsim_start("/tmp/bypasslab-noroot-dev", &cfg, err, sizeof(err)) != NULL)
			_exit(1);
		_exit(strstr(err, "sudo") && strstr(err, "QEMU") ? 0 : 2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_virtual_address_in_descriptor, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rdlen_not_multiple_of_128, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_ring_base, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_rx_tx_enabled_before_ring, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_tail_beyond_ring, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_bus_master_off, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_write_to_read_only_register, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ring_in_no_dma_file, t_setup, t_teardown),
		cmocka_unit_test(test_refuses_without_root),
	};
	return cmocka_run_group_tests_name("hw/sim diagnostics", tests, NULL, NULL);
}
