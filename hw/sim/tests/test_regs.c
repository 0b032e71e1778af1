/* test_regs.c — the device directory, PCI config space and register behaviour. */
#include "thelp.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void read_file(const char *dir, const char *name, char *buf, size_t len)
{
	char path[4200];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

static void test_device_directory(void **state)
{
	struct t *t = *state;
	char buf[256], path[4200], link[256];
	struct stat st;
	ssize_t n;

	read_file(t->fx->dir, "vendor", buf, sizeof(buf));
	assert_string_equal(buf, "0x8086\n");
	read_file(t->fx->dir, "device", buf, sizeof(buf));
	assert_string_equal(buf, "0x100e\n");
	read_file(t->fx->dir, "class", buf, sizeof(buf));
	assert_string_equal(buf, "0x020000\n");
	snprintf(path, sizeof(path), "%s/resource0", t->fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, E1K_BAR0_SIZE);
	snprintf(path, sizeof(path), "%s/config", t->fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 256);
	snprintf(path, sizeof(path), "%s/irq", t->fx->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	snprintf(path, sizeof(path), "%s/driver", t->fx->dir);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = 0;
	assert_string_equal(strrchr(link, '/') + 1, "uio_pci_generic");
}

static int setup_kernel_driver(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.driver_name = "e1000";
	return t_setup_cfg(state, &cfg);
}

static void test_driver_name_configurable(void **state)
{
	struct t *t = *state;
	char path[4200], link[256];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/driver", t->fx->dir);
	n = readlink(path, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = 0;
	assert_string_equal(strrchr(link, '/') + 1, "e1000");
}

static void test_config_space(void **state)
{
	struct t *t = *state;
	uint32_t bar = 0xFFFFFFFF;
	uint8_t cls[3];

	assert_int_equal(tdrv_cfg_read16(&t->drv, E1K_PCI_VENDOR_ID), 0x8086);
	assert_int_equal(tdrv_cfg_read16(&t->drv, E1K_PCI_DEVICE_ID), 0x100E);
	assert_int_equal(pread(t->drv.cfg_fd, cls, 3, E1K_PCI_CLASS), 3);
	assert_int_equal(cls[0] | cls[1] << 8 | cls[2] << 16, 0x020000);
	/* tdrv_open enabled memory space and bus mastering */
	assert_int_equal(tdrv_cfg_read16(&t->drv, E1K_PCI_COMMAND) & 6, 6);
	/* BAR sizing: all ones reads back the 128 KiB size mask (PCI 3.0 6.2.5.1) */
	assert_int_equal(pwrite(t->drv.cfg_fd, &bar, 4, E1K_PCI_BAR0), 4);
	t_sync(t);
	assert_int_equal(pread(t->drv.cfg_fd, &bar, 4, E1K_PCI_BAR0), 4);
	assert_int_equal(bar, 0xFFFE0000u);
}

static void test_reset_self_clears(void **state)
{
	struct t *t = *state;

	tdrv_wr(&t->drv, E1K_RDBAL, 0x1000);
	tdrv_wr(&t->drv, E1K_RAL0, 0x12345678);
	tdrv_wr(&t->drv, E1K_CTRL, E1K_CTRL_RST);
	t_sync(t);
	/* The reset takes a while (10 ms here): RST reads 1 until it is over. */
	assert_int_equal(tdrv_rd(&t->drv, E1K_CTRL) & E1K_CTRL_RST, E1K_CTRL_RST);
	for (int i = 0; i < 200 && (tdrv_rd(&t->drv, E1K_CTRL) & E1K_CTRL_RST); i++)
		usleep(1000);
	assert_int_equal(tdrv_rd(&t->drv, E1K_CTRL) & E1K_CTRL_RST, 0);
	assert_int_equal(nicsim_diag_count(t->dev), 0);
	assert_int_equal(tdrv_rd(&t->drv, E1K_RDBAL), 0);
	/* RAL0/RAH0 reloaded from the EEPROM MAC 02:00:00:00:00:02 */
	assert_int_equal(tdrv_rd(&t->drv, E1K_RAL0), 0x00000002);
	assert_int_equal(tdrv_rd(&t->drv, E1K_RAH0), 0x0200 | E1K_RAH_AV);
	struct nicsim_counters c;
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.resets, 1);
}

/* A read-modify-write of CTRL before RST cleared writes RST back: with every write
 * traced, the device sees both writes and says so, whatever its polling saw. */
static void test_ctrl_written_during_reset(void **state)
{
	struct t *t = *state;
	char err[256];

	assert_int_equal(nicsim_watch_writes(t->dev, (volatile uint8_t *)t->drv.bar, err, sizeof(err)), 0);
	uint32_t ctrl = tdrv_rd(&t->drv, E1K_CTRL);
	*(volatile uint32_t *)&t->drv.bar[E1K_CTRL / 4] = ctrl | E1K_CTRL_RST;
	ctrl = t->drv.bar[E1K_CTRL / 4];   /* still RST: the reset is in progress */
	*(volatile uint32_t *)&t->drv.bar[E1K_CTRL / 4] = ctrl | E1K_CTRL_SLU;
	assert_int_equal(nicsim_watched_writes(E1K_CTRL), 2);
	nicsim_unwatch_writes();
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "while the reset is still in progress"));
}

/* RCTL.EN before the ring's registers: with the trace the order is a fact, not luck. */
static void test_traced_rx_enable_before_ring(void **state)
{
	struct t *t = *state;
	char err[256];

	assert_int_equal(nicsim_watch_writes(t->dev, (volatile uint8_t *)t->drv.bar, err, sizeof(err)), 0);
	volatile uint32_t *bar = t->drv.bar;
	bar[E1K_RCTL / 4] = E1K_RCTL_EN;
	bar[E1K_RDBAL / 4] = 0x1000;
	bar[E1K_RDLEN / 4] = 4096;
	nicsim_unwatch_writes();
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 14.4: RX enabled (RCTL.EN) before the ring"));
}

static void test_link_up_after_slu(void **state)
{
	struct t *t = *state;

	tdrv_wr(&t->drv, E1K_CTRL, E1K_CTRL_RST);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_STATUS) & E1K_STATUS_LU, 0);
	tdrv_wr(&t->drv, E1K_CTRL, E1K_CTRL_SLU | E1K_CTRL_ASDE | E1K_CTRL_FD);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_STATUS) & E1K_STATUS_LU, E1K_STATUS_LU);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_LSC, E1K_ICR_LSC);
	/* cable pulled */
	nicsim_set_link(t->dev, 0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_STATUS) & E1K_STATUS_LU, 0);
}

static uint16_t eeprom_read(struct t *t, uint32_t addr)
{
	uint32_t v = 0;

	tdrv_wr(&t->drv, E1K_EERD, E1K_EERD_START | addr << E1K_EERD_ADDR_SHIFT);
	t_sync(t);
	v = tdrv_rd(&t->drv, E1K_EERD);
	assert_int_equal(v & E1K_EERD_DONE, E1K_EERD_DONE);
	assert_int_equal((v >> E1K_EERD_ADDR_SHIFT) & 0xFF, addr);
	return (uint16_t)(v >> E1K_EERD_DATA_SHIFT);
}

static void test_eeprom_mac_and_checksum(void **state)
{
	struct t *t = *state;
	uint16_t sum = 0;

	assert_int_equal(eeprom_read(t, 0), 0x0002);
	assert_int_equal(eeprom_read(t, 1), 0x0000);
	assert_int_equal(eeprom_read(t, 2), 0x0200);
	/* the same word twice: the second START write must be seen too */
	assert_int_equal(eeprom_read(t, 2), 0x0200);
	for (uint32_t i = 0; i < E1K_EEPROM_WORDS; i++)
		sum = (uint16_t)(sum + eeprom_read(t, i));
	assert_int_equal(sum, E1K_EEPROM_SUM);
}

static void test_ics_ims_imc_icr(void **state)
{
	struct t *t = *state;

	tdrv_wr(&t->drv, E1K_ICS, E1K_ICR_TXDW);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), E1K_ICR_TXDW);
	/* W1C of a different value than the word holds is seen */
	tdrv_wr(&t->drv, E1K_ICS, E1K_ICR_RXT0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), E1K_ICR_TXDW | E1K_ICR_RXT0);
	tdrv_wr(&t->drv, E1K_ICR, E1K_ICR_TXDW);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), E1K_ICR_RXT0);
	/* ~0 clears everything: always visible (the device never shows all ones) */
	tdrv_wr(&t->drv, E1K_ICR, 0xFFFFFFFF);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), 0);
	/* ICS is consumed: the same write again raises again */
	tdrv_wr(&t->drv, E1K_ICS, E1K_ICR_TXDW);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICS), 0);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), E1K_ICR_TXDW);
	/* IMS ORs into the mask, IMC clears, IMS reads back the mask */
	tdrv_wr(&t->drv, E1K_IMS, E1K_ICR_RXT0);
	t_sync(t);
	tdrv_wr(&t->drv, E1K_IMS, E1K_ICR_LSC);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_IMS), E1K_ICR_RXT0 | E1K_ICR_LSC);
	tdrv_wr(&t->drv, E1K_IMC, E1K_ICR_RXT0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_IMS), E1K_ICR_LSC);
	assert_int_equal(tdrv_rd(&t->drv, E1K_IMC), 0);
}

static uint32_t irq_wait(struct t *t)
{
	uint32_t n = 0;
	int fl = fcntl(t->drv.irq_fd, F_GETFL);

	fcntl(t->drv.irq_fd, F_SETFL, fl & ~O_NONBLOCK);   /* blocking, like /dev/uioN */
	assert_int_equal(read(t->drv.irq_fd, &n, 4), 4);
	fcntl(t->drv.irq_fd, F_SETFL, fl);
	return n;
}

static void test_interrupt_uio_semantics(void **state)
{
	struct t *t = *state;
	uint32_t n = 0;
	uint16_t cmd;

	tdrv_wr(&t->drv, E1K_IMS, E1K_ICR_TXDW | E1K_ICR_RXT0);
	tdrv_wr(&t->drv, E1K_ICS, E1K_ICR_TXDW);
	assert_int_equal(irq_wait(t), 1);
	/* like uio_pci_generic: INTx masked, interrupt status set */
	cmd = tdrv_cfg_read16(&t->drv, E1K_PCI_COMMAND);
	assert_true(cmd & E1K_PCI_CMD_INTX_DISABLE);
	assert_true(tdrv_cfg_read16(&t->drv, E1K_PCI_STATUS) & E1K_PCI_STATUS_INTX);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), E1K_ICR_TXDW);
	/* a new cause while masked: no interrupt yet */
	tdrv_wr(&t->drv, E1K_ICS, E1K_ICR_RXT0);
	t_sync(t);
	assert_int_equal(read(t->drv.irq_fd, &n, 4), -1);
	/* re-enable INTx: acknowledges TXDW (delivered); RXT0 is still pending -> irq 2 */
	tdrv_cfg_write16(&t->drv, E1K_PCI_COMMAND, cmd & ~E1K_PCI_CMD_INTX_DISABLE);
	assert_int_equal(irq_wait(t), 2);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), E1K_ICR_RXT0);
	cmd = tdrv_cfg_read16(&t->drv, E1K_PCI_COMMAND);
	tdrv_cfg_write16(&t->drv, E1K_PCI_COMMAND, cmd & ~E1K_PCI_CMD_INTX_DISABLE);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ICR), 0);
	assert_false(tdrv_cfg_read16(&t->drv, E1K_PCI_STATUS) & E1K_PCI_STATUS_INTX);
	struct nicsim_counters c;
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.interrupts, 2);
}

static void test_statistics_cumulative_write0_clears(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];

	t_up(t, 64, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 100, (uint64_t)i)), 0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPRC), 5);
	assert_int_equal(tdrv_rd(&t->drv, E1K_TPR), 5);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GORCL), 5 * 104);
	/* reading does not clear (the model cannot see reads) */
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPRC), 5);
	/* the portable idiom: read, add to your total, write 0 */
	tdrv_wr(&t->drv, E1K_GPRC, 0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPRC), 0);
	assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 100, 9)), 0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPRC), 1);
	/* any other value is a write to a read-only register */
	tdrv_wr(&t->drv, E1K_GPRC, 7);
	t_sync(t);
	assert_true(nicsim_diag_find(t->dev, "SDM 13.7"));
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPRC), 1);
}

static void test_status_read_only(void **state)
{
	struct t *t = *state;
	uint32_t before = tdrv_rd(&t->drv, E1K_STATUS);

	tdrv_wr(&t->drv, E1K_STATUS, 0xDEAD0000);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_STATUS), before);
	assert_true(nicsim_diag_find(t->dev, "SDM 13.4.2: STATUS is read-only"));
}

static void test_mdic_phy_id(void **state)
{
	struct t *t = *state;
	uint32_t v;

	tdrv_wr(&t->drv, E1K_MDIC, E1K_MDIC_OP_READ | 1u << E1K_MDIC_PHY_SHIFT | 2u << E1K_MDIC_REG_SHIFT);
	t_sync(t);
	v = tdrv_rd(&t->drv, E1K_MDIC);
	assert_true(v & E1K_MDIC_READY);
	assert_int_equal(v & 0xFFFF, 0x0141);
}

static void test_memory_space_off_ignores_writes(void **state)
{
	struct t *t = *state;
	uint16_t cmd = tdrv_cfg_read16(&t->drv, E1K_PCI_COMMAND);

	tdrv_cfg_write16(&t->drv, E1K_PCI_COMMAND, cmd & ~E1K_PCI_CMD_MEMORY);
	t_sync(t);
	tdrv_wr(&t->drv, E1K_RDLEN, 4096);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_RDLEN), 0);
	assert_true(nicsim_diag_find(t->dev, "memory space is disabled"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_device_directory, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_driver_name_configurable, setup_kernel_driver, t_teardown),
		cmocka_unit_test_setup_teardown(test_config_space, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_reset_self_clears, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_written_during_reset, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_traced_rx_enable_before_ring, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_link_up_after_slu, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_eeprom_mac_and_checksum, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_ics_ims_imc_icr, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_uio_semantics, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_statistics_cumulative_write0_clears, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_status_read_only, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_mdic_phy_id, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_memory_space_off_ignores_writes, t_setup, t_teardown),
	};
	return cmocka_run_group_tests_name("hw/sim registers", tests, NULL, NULL);
}
