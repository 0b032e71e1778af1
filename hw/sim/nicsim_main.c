/* nicsim_main.c — the `nicsim` daemon: a simulated 82540EM for manual use and
 * benchmarks. See `nicsim --help` and README.md.
 *
 *   nicsim start  --dir DIR [options]   run in the background (pid file DIR/nicsim.pid)
 *   nicsim run    --dir DIR [options]   run in the foreground until Ctrl-C
 *   nicsim status --dir DIR             counters and diagnostics of a running device
 *   nicsim stop   --dir DIR             stop it; every file it created is removed
 *   nicsim serve                        the device of a graded test (hw/sim/remote.c)
 *
 * Models nothing itself: it starts the device of nicsim.c and reports its counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nicsim.h"
#include "pcap.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nicsim start|run|status|stop --dir DIR [options]\n"
		"  --dir DIR          device directory (made if missing), like /sys/bus/pci/devices/0000:00:03.0\n"
		"  --mac MAC          MAC address (default 02:00:00:00:00:02)\n"
		"  --backend NAME     loopback (default) | pair | generator | sink | pcap | tap | test\n"
		"  --peer-dir DIR2    pair: directory of port 1 (port 0 TX -> port 1 RX and back)\n"
		"  --driver NAME      basename of the `driver` symlink (default uio_pci_generic)\n"
		"  --rate PPS         generator: frames per second (0 = as fast as the ring takes them)\n"
		"  --size BYTES       generator: frame length without FCS, 60..1514 (default 60)\n"
		"  --count N          generator: frames to send (0 = unlimited)\n"
		"  --pcap-in FILE     pcap: replay these frames into RX\n"
		"  --pcap-out FILE    pcap: write transmitted frames here\n"
		"  --tap NAME         tap: interface name (put it in a netns you made, 198.18.0.0/15)\n"
		"  --cpu N            pin the device thread to CPU N\n"
		"  --loss PPM --corrupt PPM --oversize PPM   RX wire faults, parts per million\n"
		"  --dd-delay-us N    delay TX DD write-back\n"
		"  --link-flap-ms N   toggle the link every N ms\n"
		"  --reset-after N    surprise device reset after N frames\n"
		"  --seed N           random seed for the ppm faults\n"
		"  --log FILE         start: where the daemon's messages go (default /dev/null)\n");
}

static int parse_backend(const char *s, enum nicsim_backend *b)
{
	static const char *const names[] = { "test", "loopback", "pair", "generator", "sink", "pcap", "tap" };

	for (int i = 0; i < 7; i++)
		if (strcmp(s, names[i]) == 0) {
			*b = (enum nicsim_backend)i;
			return 0;
		}
	return -1;
}

static void path_in(char *out, size_t len, const char *dir, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void write_status(const char *dir, struct nicsim *dev, const char *backend,
			 const uint8_t mac[6])
{
	struct nicsim_counters c;
	char path[4200], tmp[4300];
	FILE *f;

	path_in(path, sizeof(path), dir, "nicsim.status");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	nicsim_get_counters(dev, &c);
	fprintf(f, "pid %d\nbackend %s\nmac %02x:%02x:%02x:%02x:%02x:%02x\n", (int)getpid(), backend,
		mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	fprintf(f, "rx_offered %llu\nrx_delivered %llu\nrx_pending %llu\n",
		(unsigned long long)c.rx_offered, (unsigned long long)c.rx_delivered,
		(unsigned long long)c.rx_pending);
	fprintf(f, "rx_drop_disabled %llu\nrx_drop_link_down %llu\nrx_drop_no_dma %llu\n"
		"rx_drop_filtered %llu\nrx_drop_oversize %llu\nrx_drop_bad_crc %llu\n"
		"rx_drop_no_buffer %llu\nrx_drop_dma_refused %llu\nrx_drop_fault %llu\n",
		(unsigned long long)c.rx_drop_disabled, (unsigned long long)c.rx_drop_link_down,
		(unsigned long long)c.rx_drop_no_dma, (unsigned long long)c.rx_drop_filtered,
		(unsigned long long)c.rx_drop_oversize, (unsigned long long)c.rx_drop_bad_crc,
		(unsigned long long)c.rx_drop_no_buffer, (unsigned long long)c.rx_drop_dma_refused,
		(unsigned long long)c.rx_drop_fault);
	fprintf(f, "tx_frames %llu\ntx_drop_dma_refused %llu\ntx_drop_wire %llu\n"
		"dma_refusals %llu\ninterrupts %llu\nresets %llu\ngen_frames %llu\n"
		"sink_frames %llu\nsink_seq_errors %llu\n",
		(unsigned long long)c.tx_frames, (unsigned long long)c.tx_drop_dma_refused,
		(unsigned long long)c.tx_drop_wire, (unsigned long long)c.dma_refusals,
		(unsigned long long)c.interrupts, (unsigned long long)c.resets,
		(unsigned long long)c.gen_frames, (unsigned long long)c.sink_frames,
		(unsigned long long)c.sink_seq_errors);
	for (size_t i = 0; i < nicsim_diag_count(dev); i++)
		fprintf(f, "diag %s\n", nicsim_diag_get(dev, i));
	fclose(f);
	rename(tmp, path);
}

static int read_pid(const char *dir)
{
	char path[4200];
	FILE *f;
	int pid = -1;

	path_in(path, sizeof(path), dir, "nicsim.pid");
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &pid) != 1)
		pid = -1;
	fclose(f);
	return pid;
}

static int run(const char *dir, const char *peer_dir, struct nicsim_config *cfg, const char *backend)
{
	struct nicsim *dev = NULL, *peer = NULL;
	uint8_t peer_mac[6] = { 0 };
	char err[512], path[4200];
	struct sigaction sa;
	FILE *f;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (cfg->backend == NICSIM_WIRE_PAIR) {
		struct nicsim_config c1 = *cfg;
		if (!peer_dir) {
			fprintf(stderr, "nicsim: the pair backend needs --peer-dir DIR2 for port 1\n");
			return 2;
		}
		/* The default MACs follow the kit's default flow (common/frame.h:
		 * 02:..:01 -> 02:..:02), so a generator on port 0 reaches port 1's
		 * filter; port 1 answers back to port 0's address. */
		static const uint8_t port0[6] = { 0x02, 0, 0, 0, 0, 0x01 };
		static const uint8_t port1[6] = { 0x02, 0, 0, 0, 0, 0x02 };
		struct nicsim_config defaults;
		nicsim_config_default(&defaults);
		if (memcmp(cfg->mac, defaults.mac, 6) == 0) {
			memcpy(cfg->mac, port0, 6);
			memcpy(c1.mac, port1, 6);
		}
		if (memcmp(cfg->mac, c1.mac, 6) == 0)
			c1.mac[5] ^= 0x01;   /* as nicsim_start_pair does: two ports, two addresses */
		memcpy(peer_mac, c1.mac, 6);
		if (nicsim_start_pair(dir, cfg, peer_dir, &c1, &dev, &peer, err, sizeof(err)) != 0)
			dev = NULL;
	} else {
		dev = nicsim_start(dir, cfg, err, sizeof(err));
	}
	if (!dev) {
		fprintf(stderr, "nicsim: %s\n", err);
		return 1;
	}
	path_in(path, sizeof(path), dir, "nicsim.pid");
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	fprintf(stderr, "nicsim: device at %s (backend %s), pid %d\n", dir, backend, (int)getpid());
	if (peer) {
		path_in(path, sizeof(path), peer_dir, "nicsim.pid");
		f = fopen(path, "w");
		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	while (!stop_requested) {
		struct timespec ts = { 0, 250000000 };
		write_status(dir, dev, backend, cfg->mac);
		if (peer)
			write_status(peer_dir, peer, backend, peer_mac);
		nanosleep(&ts, NULL);
	}
	write_status(dir, dev, backend, cfg->mac);
	path_in(path, sizeof(path), dir, "nicsim.status");
	f = fopen(path, "r");
	if (f) {           /* final figures to our output before the files go */
		char line[600];
		while (fgets(line, sizeof(line), f))
			fputs(line, stdout);
		fclose(f);
	}
	unlink(path);
	path_in(path, sizeof(path), dir, "nicsim.pid");
	unlink(path);
	if (peer) {
		path_in(path, sizeof(path), peer_dir, "nicsim.status");
		unlink(path);
		path_in(path, sizeof(path), peer_dir, "nicsim.pid");
		unlink(path);
	}
	nicsim_stop(peer);
	nicsim_stop(dev);
	return 0;
}

static int start(const char *dir, const char *peer_dir, struct nicsim_config *cfg,
		 const char *backend, const char *log)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("nicsim: fork");
		return 1;
	}
	if (pid == 0) {
		int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0)   /* never keep the caller's terminal or pipe */
			fd = open("/dev/null", O_WRONLY);
		setsid();
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		int null_in = open("/dev/null", O_RDONLY);
		if (null_in >= 0) {
			dup2(null_in, 0);
			close(null_in);
		}
		_exit(run(dir, peer_dir, cfg, backend));
	}
	/* Wait until the device is up (pid file) or the child gave up. */
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10000000 };
		if (read_pid(dir) == pid) {
			printf("nicsim: started pid %d, device directory %s\n", (int)pid, dir);
			return 0;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;   /* the daemon gave up: its reason is in its log */
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "nicsim: the daemon did not start%s%s; `nicsim run --dir %s ...` in the "
		"foreground shows why\n", log ? ": its messages are in " : "", log ? log : "", dir);
	return 1;
}

/* Is a model running in dir? It holds .nicsim.lock (flock) for as long as it lives,
 * whatever became of its pid file: a daemon killed with SIGKILL leaves the lock free. */
static int model_alive(const char *dir)
{
	char path[4200];
	path_in(path, sizeof(path), dir, ".nicsim.lock");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int alive = flock(fd, LOCK_EX | LOCK_NB) != 0;
	close(fd);
	return alive;
}

/* What a daemon that was killed left behind (devdir.c's files, ours, the lock). */
static int remove_leftovers(const char *dir)
{
	static const char *const files[] = { "config", "resource0", "vendor", "device", "class",
		"driver", "irq", ".trace", "nicsim.pid", "nicsim.status", "nicsim.status.tmp", ".nicsim.lock" };
	char path[4200];
	int removed = 0;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path_in(path, sizeof(path), dir, files[i]);
		removed += unlink(path) == 0;
	}
	rmdir(dir);   /* if it is empty now: it was ours */
	return removed;
}

static int stop(const char *dir)
{
	int pid = read_pid(dir);
	struct stat st;

	if (!model_alive(dir)) {
		if (stat(dir, &st) != 0) {
			fprintf(stderr, "nicsim: no device at %s\n", dir);
			return 1;
		}
		int removed = remove_leftovers(dir);
		printf("nicsim: no running device at %s%s; removed the %d file(s) it left\n", dir,
		       pid > 0 ? " (its daemon was killed)" : "", removed);
		return 0;
	}
	if (pid <= 0) {
		fprintf(stderr, "nicsim: a model runs at %s but there is no nicsim.pid: it is not a "
			"daemon (a test or a program of the labs); stop that program\n", dir);
		return 1;
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10000000 };
		if (!model_alive(dir)) {
			if (stat(dir, &st) == 0)
				remove_leftovers(dir);
			printf("nicsim: stopped pid %d; %s %s\n", pid, dir,
			       stat(dir, &st) == 0 ? "is left (files of yours in it?)" : "removed");
			return 0;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "nicsim: pid %d did not stop within 10 s (kill -9 %d, then nicsim stop "
		"again removes what it left)\n", pid, pid);
	return 1;
}

static int status(const char *dir)
{
	char path[4200], line[600];
	int pid = read_pid(dir);
	FILE *f;

	if (!model_alive(dir)) {
		struct stat st;
		path_in(path, sizeof(path), dir, "resource0");
		if (stat(path, &st) == 0)
			printf("nicsim: not running at %s: its daemon%s is gone (killed?) and left its "
			       "files; nicsim stop --dir %s removes them\n", dir,
			       pid > 0 ? " (the pid in nicsim.pid)" : "", dir);
		else
			printf("nicsim: not running at %s\n", dir);
		return 1;
	}
	path_in(path, sizeof(path), dir, "nicsim.status");
	f = fopen(path, "r");
	if (!f) {
		printf("pid %d\n", pid);
		return 0;
	}
	while (fgets(line, sizeof(line), f))
		fputs(line, stdout);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", 1, 0, 'd' }, { "mac", 1, 0, 'm' }, { "backend", 1, 0, 'b' },
		{ "peer-dir", 1, 0, 'P' }, { "driver", 1, 0, 'D' }, { "rate", 1, 0, 'r' },
		{ "size", 1, 0, 's' }, { "count", 1, 0, 'n' }, { "pcap-in", 1, 0, 'i' },
		{ "pcap-out", 1, 0, 'o' }, { "tap", 1, 0, 't' }, { "cpu", 1, 0, 'c' },
		{ "loss", 1, 0, 'L' }, { "corrupt", 1, 0, 'C' }, { "oversize", 1, 0, 'O' },
		{ "dd-delay-us", 1, 0, 'Y' }, { "link-flap-ms", 1, 0, 'F' },
		{ "reset-after", 1, 0, 'R' }, { "seed", 1, 0, 'S' }, { "log", 1, 0, 'l' },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct nicsim_config cfg;
	const char *cmd, *dir = NULL, *peer_dir = NULL, *log = NULL, *backend = "loopback";
	uint64_t num;
	int c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	/* serve: the device process of a graded test (remote.c); its socket is fd 3,
	 * the grader's witness pipe fd 4. Not for use by hand. */
	if (strcmp(cmd, "serve") == 0)
		return nicsim_serve(3, argc > 2 && strcmp(argv[2], "--witness") == 0 ? 4 : -1);
	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_LOOPBACK;
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!optarg[0]) {
				fprintf(stderr, "nicsim: --dir needs a directory (e.g. /tmp/nic0)\n");
				return 2;
			}
			dir = optarg;
			break;
		case 'm':
			if (nicsim_parse_mac(optarg, cfg.mac) != 0) {
				fprintf(stderr, "nicsim: --mac wants six hex bytes like 02:00:00:00:00:02\n");
				return 2;
			}
			break;
		case 'b':
			if (parse_backend(optarg, &cfg.backend) != 0) {
				fprintf(stderr, "nicsim: unknown backend '%s' (see --help)\n", optarg);
				return 2;
			}
			backend = optarg;
			break;
		case 'P': peer_dir = optarg; break;
		case 'D':
			if (!optarg[0] || strchr(optarg, '/')) {
				fprintf(stderr, "nicsim: --driver '%s': a driver's name, like uio_pci_generic\n", optarg);
				return 2;
			}
			cfg.driver_name = optarg;
			break;
		case 'r': if (kit_parse_u64("nicsim", "--rate", optarg, 0, 1000000000ull, &num)) return 2;
			cfg.gen.rate_pps = num; break;
		case 's': if (kit_parse_u64("nicsim", "--size", optarg, 60, 1514, &num)) return 2;
			cfg.gen.frame_len = (uint32_t)num; break;
		case 'n': if (kit_parse_u64("nicsim", "--count", optarg, 0, UINT64_MAX, &num)) return 2;
			cfg.gen.count = num; break;
		case 'i': cfg.pcap_in = optarg; break;
		case 'o': cfg.pcap_out = optarg; break;
		case 't': cfg.tap_name = optarg; break;
		case 'c': if (kit_parse_u64("nicsim", "--cpu", optarg, 0, 4095, &num)) return 2;
			cfg.cpu = (int)num; break;
		case 'L': if (kit_parse_u64("nicsim", "--loss", optarg, 0, 1000000, &num)) return 2;
			cfg.faults.rx_loss_ppm = (uint32_t)num; break;
		case 'C': if (kit_parse_u64("nicsim", "--corrupt", optarg, 0, 1000000, &num)) return 2;
			cfg.faults.rx_corrupt_ppm = (uint32_t)num; break;
		case 'O': if (kit_parse_u64("nicsim", "--oversize", optarg, 0, 1000000, &num)) return 2;
			cfg.faults.rx_oversize_ppm = (uint32_t)num; break;
		case 'Y': if (kit_parse_u64("nicsim", "--dd-delay-us", optarg, 0, 10000000, &num)) return 2;
			cfg.faults.dd_delay_us = (uint32_t)num; break;
		case 'F': if (kit_parse_u64("nicsim", "--link-flap-ms", optarg, 0, 3600000, &num)) return 2;
			cfg.faults.link_flap_ms = (uint32_t)num; break;
		case 'R': if (kit_parse_u64("nicsim", "--reset-after", optarg, 0, UINT64_MAX, &num)) return 2;
			cfg.faults.reset_after_frames = num; break;
		case 'S': if (kit_parse_u64("nicsim", "--seed", optarg, 0, UINT32_MAX, &num)) return 2;
			cfg.faults.seed = (uint32_t)num; break;
		case 'l':
			if (!optarg[0]) {
				fprintf(stderr, "nicsim: --log needs a file name\n");
				return 2;
			}
			log = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "nicsim: --dir DIR is required (the device directory)\n");
		return 2;
	}
	if (strcmp(cmd, "run") == 0 || strcmp(cmd, "start") == 0) {
		/* What would make the daemon fail, said here, before it forks. */
		if (model_alive(dir)) {
			fprintf(stderr, "nicsim: a device already runs at %s (pid %d): nicsim stop --dir %s "
				"first, or pick another directory\n", dir, read_pid(dir), dir);
			return 1;
		}
		/* Options for another backend than the one chosen would be silently ignored. */
		const struct { const char *opt, *value; enum nicsim_backend needs; const char *backend; } only[] = {
			{ "--pcap-in", cfg.pcap_in, NICSIM_WIRE_PCAP, "pcap" },
			{ "--pcap-out", cfg.pcap_out, NICSIM_WIRE_PCAP, "pcap" },
			{ "--tap", cfg.tap_name, NICSIM_WIRE_TAP, "tap" },
			{ "--peer-dir", peer_dir, NICSIM_WIRE_PAIR, "pair" },
		};
		for (size_t k = 0; k < sizeof(only) / sizeof(only[0]); k++) {
			if (!only[k].value)
				continue;
			if (!only[k].value[0]) {
				fprintf(stderr, "nicsim: %s needs a value\n", only[k].opt);
				return 2;
			}
			if (cfg.backend != only[k].needs) {
				fprintf(stderr, "nicsim: %s belongs to the %s backend: add --backend %s\n",
					only[k].opt, only[k].backend, only[k].backend);
				return 2;
			}
		}
		char why[512];
		struct stat st;
		struct kit_pcap_reader probe;
		char parent[4096];
		snprintf(parent, sizeof(parent), "%s", dir);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent && (*slash = 0, stat(parent, &st) != 0 || !S_ISDIR(st.st_mode))) {
			fprintf(stderr, "nicsim: --dir %s: %s does not exist (the device directory is made "
				"in an existing one)\n", dir, parent);
			return 2;
		}
		if (cfg.pcap_in && (stat(cfg.pcap_in, &st) != 0 || !S_ISREG(st.st_mode))) {
			fprintf(stderr, "nicsim: --pcap-in %s: %s\n", cfg.pcap_in, stat(cfg.pcap_in, &st) != 0 ?
				strerror(errno) : "not a regular file (a FIFO or a device cannot be replayed)");
			return 2;
		}
		if (cfg.pcap_in && kit_pcap_reader_open(&probe, cfg.pcap_in, why, sizeof(why)) != 0) {
			fprintf(stderr, "nicsim: --pcap-in: %s\n", why);
			return 2;
		}
		if (cfg.pcap_in)
			kit_pcap_reader_close(&probe);
		if (cfg.pcap_out) {
			snprintf(parent, sizeof(parent), "%s", cfg.pcap_out);
			slash = strrchr(parent, '/');
			if (slash && slash != parent && (*slash = 0, stat(parent, &st) != 0)) {
				fprintf(stderr, "nicsim: --pcap-out %s: no directory %s\n", cfg.pcap_out, parent);
				return 2;
			}
		}
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (fd < 0) {
				fprintf(stderr, "nicsim: --log %s: %s\n", log, strerror(errno));
				return 2;
			}
			close(fd);
		}
	}
	if (strcmp(cmd, "run") == 0)
		return run(dir, peer_dir, &cfg, backend);
	if (strcmp(cmd, "start") == 0)
		return start(dir, peer_dir, &cfg, backend, log);
	if (strcmp(cmd, "stop") == 0)
		return stop(dir);
	if (strcmp(cmd, "status") == 0)
		return status(dir);
	fprintf(stderr, "nicsim: unknown command '%s': use start, run, status or stop\n", cmd);
	return 2;
}
