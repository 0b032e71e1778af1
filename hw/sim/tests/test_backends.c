/* test_backends.c — generator, sink, pcap (read back by tcpdump -r), faults,
 * teardown after a killed driver, and the nicsim daemon. */
#include "thelp.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcap.h"

static int setup_gen(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_GENERATOR;
	cfg.gen.count = 100;
	return t_setup_cfg(state, &cfg);
}

static void test_generator_count_and_sequence(void **state)
{
	struct t *t = *state;
	uint8_t got[2048];
	struct kit_frame_info info;
	uint64_t expect = 0;
	struct nicsim_counters c;

	t_up(t, 32, 0);
	for (int rounds = 0; rounds < 10000 && expect < 100; rounds++) {
		int n;
		while ((n = tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL)) > 0) {
			assert_int_equal(n, 60);
			assert_int_equal(kit_frame_parse(got, (size_t)n, &info), KIT_FRAME_OK);
			assert_int_equal(info.seq, expect);
			expect++;
		}
		t_sync(t);
	}
	assert_int_equal(expect, 100);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.gen_frames, 100);
	assert_int_equal(c.rx_delivered, 100);
	t_assert_accounted(t);
	/* The generator's fast path counts per burst: the totals must be exact. */
	assert_int_equal(tdrv_rd(&t->drv, E1K_TPR), 100);
	assert_int_equal(tdrv_rd(&t->drv, E1K_TORL), 100 * 64);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPRC), 100);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GORCL), 100 * 64);
	assert_int_equal(tdrv_rd(&t->drv, E1K_PRC64), 100);
	assert_true(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_RXT0);
}

static int setup_sink(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_SINK;
	return t_setup_cfg(state, &cfg);
}

static void test_sink_counts_and_checks_sequence(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];
	struct nicsim_counters c;
	const uint64_t seqs[] = { 0, 1, 2, 5, 6 };   /* 3 and 4 missing: one error */

	t_up(t, 0, 64);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(tdrv_tx(&t->drv, f, (uint32_t)t_frame(f, 60, seqs[i]), 1), 0);
	t_sync(t);
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.sink_frames, 5);
	assert_int_equal(c.sink_seq_errors, 1);
	assert_int_equal(c.tx_frames, 5);
	/* TX statistics are tallied per burst: the totals must be exact. */
	assert_int_equal(tdrv_rd(&t->drv, E1K_GPTC), 5);
	assert_int_equal(tdrv_rd(&t->drv, E1K_TPT), 5);
	assert_int_equal(tdrv_rd(&t->drv, E1K_GOTCL), 5 * 64);
	assert_int_equal(tdrv_rd(&t->drv, E1K_PTC64), 5);
}

static char pcap_path[64];

static int setup_pcap(void **state)
{
	struct nicsim_config cfg;
	snprintf(pcap_path, sizeof(pcap_path), "/tmp/bypasslab-test-%d.pcap", (int)getpid());
	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_PCAP;
	cfg.pcap_out = pcap_path;
	return t_setup_cfg(state, &cfg);
}

static void test_pcap_capture_read_by_tcpdump(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];
	char cmd[256], line[512];
	int lines = 0;
	FILE *p;

	t_up(t, 0, 64);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tdrv_tx(&t->drv, f, (uint32_t)t_frame(f, 100, (uint64_t)i), 1), 0);
	t_sync(t);
	/* stop the device: the capture file is closed and complete */
	tdrv_close(&t->drv);
	nicsim_stop(t->dev);
	t->fx->dev = NULL;
	assert_int_equal(tdrv_open(&t->drv, "/nonexistent") == 0, 0);
	if (access("/usr/sbin/tcpdump", X_OK) != 0 && access("/usr/bin/tcpdump", X_OK) != 0) {
		unlink(pcap_path);
		skip();   /* reason: tcpdump is not installed (apt-get install tcpdump) */
	}
	snprintf(cmd, sizeof(cmd), "tcpdump -nn -r %s 2>/dev/null", pcap_path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		if (strstr(line, "198.18.0.1.9000 > 198.19.0.1.9001: UDP"))
			lines++;
	assert_int_equal(pclose(p), 0);
	unlink(pcap_path);
	assert_int_equal(lines, 3);
}

static void test_pcap_replay(void **state)
{
	(void)state;
	struct kit_pcap_writer w;
	struct nicsim_config cfg;
	struct nicsim *dev;
	struct tdrv d;
	char err[256], path[64], dir[64];
	uint8_t f[2048];
	int got = 0;

	snprintf(path, sizeof(path), "/tmp/bypasslab-replay-%d.pcap", (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/bypasslab-replay-dev-%d", (int)getpid());
	assert_int_equal(kit_pcap_writer_open(&w, path, err, sizeof(err)), 0);
	for (int i = 0; i < 50; i++)
		kit_pcap_writer_add(&w, f, t_frame(f, 80, (uint64_t)i), 0);
	kit_pcap_writer_close(&w);
	nicsim_config_default(&cfg);
	cfg.quiet = 1;
	cfg.backend = NICSIM_WIRE_PCAP;
	cfg.pcap_in = path;
	dev = nicsim_start(dir, &cfg, err, sizeof(err));
	assert_non_null(dev);
	assert_int_equal(tdrv_open(&d, dir), 0);
	tdrv_reset_link(&d);
	assert_int_equal(tdrv_rx_init(&d, 16, 2048, E1K_RCTL_SECRC), 0);   /* smaller than the file */
	for (int rounds = 0; rounds < 10000 && got < 50; rounds++) {
		while (tdrv_rx(&d, f, sizeof(f), NULL, NULL) == 80)
			got++;
		assert_int_equal(nicsim_sync(dev, 5000), 0);
	}
	assert_int_equal(got, 50);    /* replay waits for buffers: nothing lost */
	tdrv_close(&d);
	nicsim_stop(dev);
	unlink(path);
}

static int setup_faults(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.faults.rx_loss_ppm = 300000;
	cfg.faults.rx_corrupt_ppm = 200000;
	cfg.faults.rx_oversize_ppm = 100000;
	cfg.faults.seed = 7;
	return t_setup_cfg(state, &cfg);
}

static void test_fault_loss_corrupt_oversize_accounted(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048];
	struct nicsim_counters c;
	uint64_t received = 0;

	t_up(t, 256, 0);
	for (int i = 0; i < 200; i++) {
		assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, (uint64_t)i)), 0);
		if (i % 50 == 49) {
			t_sync(t);
			while (tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL) > 0)
				received++;
		}
	}
	t_sync(t);
	while (tdrv_rx(&t->drv, got, sizeof(got), NULL, NULL) > 0)
		received++;
	nicsim_get_counters(t->dev, &c);
	assert_int_equal(c.rx_offered, 200);
	assert_true(c.rx_drop_fault > 0);
	assert_true(c.rx_drop_bad_crc > 0);
	assert_true(c.rx_drop_oversize > 0);
	assert_int_equal(tdrv_rd(&t->drv, E1K_CRCERRS), c.rx_drop_bad_crc);
	assert_int_equal(tdrv_rd(&t->drv, E1K_ROC), c.rx_drop_oversize);
	assert_int_equal(received, c.rx_delivered);
	t_assert_accounted(t);
}

static void test_fault_corrupt_stored_with_sbp(void **state)
{
	struct t *t = *state;
	uint8_t f[2048], got[2048], err = 0;
	int n, bad = 0;

	tdrv_reset_link(&t->drv);
	assert_int_equal(tdrv_rx_init(&t->drv, 256, 2048, E1K_RCTL_SECRC | E1K_RCTL_SBP), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, (uint64_t)i)), 0);
	t_sync(t);
	while ((n = tdrv_rx(&t->drv, got, sizeof(got), &err, NULL)) > 0)
		if (err & E1K_RXD_ERR_CE)
			bad++;
	assert_true(bad > 0);
}

static int setup_dd_delay(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.faults.dd_delay_us = 300000;   /* 0.3 s: far longer than one device loop */
	return t_setup_cfg(state, &cfg);
}

static void test_fault_delayed_dd(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];
	int waited = 0;

	t_up(t, 0, 64);
	assert_int_equal(tdrv_tx(&t->drv, f, (uint32_t)t_frame(f, 60, 0), 1), 0);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_TDH), 1);       /* the frame left... */
	assert_int_equal(t->drv.tx[0].status, 0);            /* ...DD not yet written */
	while (!(__atomic_load_n(&t->drv.tx[0].status, __ATOMIC_ACQUIRE) & E1K_TXD_STAT_DD) && waited < 10000) {
		usleep(1000);
		waited++;
	}
	assert_int_equal(t->drv.tx[0].status, E1K_TXD_STAT_DD);
}

static int setup_flap(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.faults.link_flap_ms = 5;
	return t_setup_cfg(state, &cfg);
}

static void test_fault_link_flap(void **state)
{
	struct t *t = *state;
	struct nicsim_counters c;

	tdrv_reset_link(&t->drv);
	for (int i = 0; i < 10000; i++) {
		nicsim_get_counters(t->dev, &c);
		if (c.link_changes >= 3)
			break;
		usleep(1000);
	}
	assert_true(c.link_changes >= 3);
	assert_true(tdrv_rd(&t->drv, E1K_ICR) & E1K_ICR_LSC);
}

static int setup_reset(void **state)
{
	struct nicsim_config cfg;
	nicsim_config_default(&cfg);
	cfg.faults.reset_after_frames = 3;
	return t_setup_cfg(state, &cfg);
}

static void test_fault_surprise_reset(void **state)
{
	struct t *t = *state;
	uint8_t f[2048];

	t_up(t, 64, 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(nicsim_inject(t->dev, f, t_frame(f, 60, (uint64_t)i)), 0);
	t_sync(t);
	t_sync(t);
	assert_int_equal(tdrv_rd(&t->drv, E1K_RCTL), 0);
	assert_int_equal(tdrv_rd(&t->drv, E1K_STATUS) & E1K_STATUS_LU, 0);
	assert_true(nicsim_diag_find(t->dev, "surprise reset"));
	t_assert_accounted(t);
}

static int dir_has_dma_file_of(int pid)
{
	char prefix[64];
	const char *dirs[] = { "/dev/shm", "/dev/hugepages" };
	int found = 0;

	snprintf(prefix, sizeof(prefix), "bypasslab-dma-%d-", pid);
	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		while (d && (e = readdir(d)) != NULL)
			if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
				found = 1;
		if (d)
			closedir(d);
	}
	return found;
}

static void test_teardown_after_killed_driver(void **state)
{
	(void)state;
	struct nicsim_config cfg;
	struct nicsim *dev;
	char err[256], dir[64];
	int pipefd[2], status;
	pid_t child;
	char ok;

	snprintf(dir, sizeof(dir), "/tmp/bypasslab-kill-%d", (int)getpid());
	nicsim_config_default(&cfg);
	cfg.quiet = 1;
	cfg.backend = NICSIM_WIRE_LOOPBACK;
	dev = nicsim_start(dir, &cfg, err, sizeof(err));
	assert_non_null(dev);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {   /* the driver: brings the device up, then hangs in its loop */
		struct tdrv d;
		uint8_t f[2048];
		if (tdrv_open(&d, dir) != 0)
			_exit(1);
		tdrv_reset_link(&d);
		if (tdrv_rx_init(&d, 64, 2048, E1K_RCTL_SECRC) || tdrv_tx_init(&d, 64))
			_exit(1);
		tdrv_tx(&d, f, (uint32_t)t_frame(f, 60, 0), 1);
		if (write(pipefd[1], "k", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &ok, 1), 1);
	close(pipefd[0]);
	assert_int_equal(nicsim_sync(dev, 5000), 0);
	assert_true(dir_has_dma_file_of(child));
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(nicsim_sync(dev, 5000), 0);
	nicsim_stop(dev);
	/* the device directory is gone, and so are the dead driver's DMA files */
	struct stat st;
	assert_int_equal(stat(dir, &st), -1);
	assert_false(dir_has_dma_file_of(child));
}

static void test_daemon_start_status_stop(void **state)
{
	(void)state;
	char dir[64], cmd[512], line[256];
	const char *bin = getenv("NICSIM_BIN");
	struct stat st;
	int found = 0;
	FILE *p;

	if (!bin)
		skip();   /* reason: NICSIM_BIN not set (make test sets it) */
	snprintf(dir, sizeof(dir), "/tmp/bypasslab-daemon-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd), "%s start --dir %s --backend loopback --quiet-not-an-option 2>/dev/null", bin, dir);
	assert_int_not_equal(system(cmd), 0);   /* a bad option is refused */
	snprintf(cmd, sizeof(cmd), "%s start --dir %s --backend loopback --cpu 1", bin, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/resource0", dir);
	assert_int_equal(stat(cmd, &st), 0);
	snprintf(cmd, sizeof(cmd), "%s status --dir %s", bin, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p))
		found |= strncmp(line, "rx_offered ", 11) == 0;
	assert_int_equal(pclose(p), 0);
	assert_true(found);
	snprintf(cmd, sizeof(cmd), "%s stop --dir %s", bin, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(dir, &st), -1);

	/* Killed with SIGKILL: status says it is gone, stop removes what it left. */
	snprintf(cmd, sizeof(cmd), "%s start --dir %s --backend loopback", bin, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "kill -9 $(cat %s/nicsim.pid); sleep 0.2", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s status --dir %s", bin, dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	found = 0;
	while (fgets(line, sizeof(line), p))
		found |= strstr(line, "is gone") != NULL;
	assert_int_not_equal(pclose(p), 0);
	assert_true(found);
	snprintf(cmd, sizeof(cmd), "%s stop --dir %s >/dev/null", bin, dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(stat(dir, &st), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_generator_count_and_sequence, setup_gen, t_teardown),
		cmocka_unit_test_setup_teardown(test_sink_counts_and_checks_sequence, setup_sink, t_teardown),
		cmocka_unit_test_setup_teardown(test_pcap_capture_read_by_tcpdump, setup_pcap, t_teardown),
		cmocka_unit_test(test_pcap_replay),
		cmocka_unit_test_setup_teardown(test_fault_loss_corrupt_oversize_accounted, setup_faults, t_teardown),
		cmocka_unit_test_setup_teardown(test_fault_corrupt_stored_with_sbp, setup_faults, t_teardown),
		cmocka_unit_test_setup_teardown(test_fault_delayed_dd, setup_dd_delay, t_teardown),
		cmocka_unit_test_setup_teardown(test_fault_link_flap, setup_flap, t_teardown),
		cmocka_unit_test_setup_teardown(test_fault_surprise_reset, setup_reset, t_teardown),
		cmocka_unit_test(test_teardown_after_killed_driver),
		cmocka_unit_test(test_daemon_start_status_stop),
	};
	return cmocka_run_group_tests_name("hw/sim backends and faults", tests, NULL, NULL);
}
