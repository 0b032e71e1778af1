/*
 * remote.c — the simulated NIC in a process of its own: the grader's witness.
 * Models nothing of the 82540EM: the same device (nicsim.c), run and observed from
 * outside the process that holds the driver.
 *
 * A graded test holds a student's code. What the device saw (a register written
 * at the wrong moment, a descriptor with a virtual address) is judged in a process
 * that holds none: the fixture starts `nicsim serve` (fork + exec of the kit's own
 * binary) and drives it over a socket, with the same nicsim_* calls as a model in a
 * thread. The device process reports every diagnostic, as it happens, on the
 * grader's witness pipe (KIT_WITNESS_FD), which the test process closes at once:
 * a test whose device said "the driver did this wrong" fails, whatever the test
 * process says.
 *
 *   test process                            nicsim serve (this file, server side)
 *   nicsim_start_process() --CONFIG-->      nicsim_start(): model thread, files
 *   nicsim_inject/sync/...  --request-->    the same call on its model
 *                           <--answer--     rc and data
 *   nicsim_stop()           --STOP-->       diagnostics to the witness, stop, exit
 *
 * One SOCK_SEQPACKET message per request and per answer: a header, then data.
 */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum remote_op {
	OP_CONFIG = 1, OP_SYNC, OP_INJECT, OP_CAPTURE, OP_COUNTERS, OP_SET_LINK,
	OP_DIAG_COUNT, OP_DIAG_GET, OP_DIAG_FIND, OP_RESET, OP_STOP,
};

struct remote_req {
	uint32_t op, arg, len;
	uint8_t data[NICSIM_FRAME_MAX];
};

struct remote_answer {
	int32_t rc;
	uint32_t len;
	uint8_t data[NICSIM_FRAME_MAX];
};

/* The configuration with its strings inside (the pointers mean nothing there). */
struct remote_config {
	struct nicsim_config cfg;
	char dir[PATH_MAX];
	char driver_name[64];
	char pcap_in[PATH_MAX], pcap_out[PATH_MAX];
	char tap_name[IFNAMSIZ_SIM];
};

/* ---- the test process's side ---- */

static int call(struct nicsim *dev, uint32_t op, uint32_t arg, const void *data, uint32_t len,
		void *out, uint32_t out_len)
{
	static struct remote_req req;
	static struct remote_answer ans;
	req.op = op;
	req.arg = arg;
	req.len = len;
	if (len)
		memcpy(req.data, data, len);
	if (send(dev->remote_fd, &req, offsetof(struct remote_req, data) + len, MSG_NOSIGNAL) < 0)
		return -1;
	ssize_t got = recv(dev->remote_fd, &ans, sizeof(ans), 0);
	if (got < (ssize_t)offsetof(struct remote_answer, data))
		return -1;   /* the device process is gone */
	if (out) {
		uint32_t n = ans.len < out_len ? ans.len : out_len;
		memcpy(out, ans.data, n);
	}
	return ans.rc;
}

struct nicsim *nicsim_start_process(const char *dir, const struct nicsim_config *cfg,
				    const char *bin, int witness_fd, char *err, size_t err_len)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		snprintf(err, err_len, "socketpair: %s", strerror(errno));
		return NULL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, err_len, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(sv[1], 3);   /* dup2 clears close-on-exec */
		if (witness_fd >= 0)
			dup2(witness_fd, 4);
		for (int fd = 5; fd < 1024; fd++)
			close(fd);
		execl(bin, "nicsim", "serve", witness_fd >= 0 ? "--witness" : "--no-witness", (char *)NULL);
		fprintf(stderr, "nicsim fixture: cannot run %s: %s (set NICSIM_BIN)\n", bin, strerror(errno));
		_exit(127);
	}
	close(sv[1]);
	struct nicsim *dev = calloc(1, sizeof(*dev));
	if (!dev) {
		snprintf(err, err_len, "out of memory");
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return NULL;
	}
	dev->remote = true;
	dev->remote_fd = sv[0];
	dev->remote_pid = pid;
	snprintf(dev->dir, sizeof(dev->dir), "%s", dir);

	static struct remote_config rc;
	memset(&rc, 0, sizeof(rc));
	rc.cfg = *cfg;
	rc.cfg.driver_name = rc.cfg.pcap_in = rc.cfg.pcap_out = rc.cfg.tap_name = NULL;
	snprintf(rc.dir, sizeof(rc.dir), "%s", dir);
	snprintf(rc.driver_name, sizeof(rc.driver_name), "%s", cfg->driver_name ? cfg->driver_name : "");
	snprintf(rc.pcap_in, sizeof(rc.pcap_in), "%s", cfg->pcap_in ? cfg->pcap_in : "");
	snprintf(rc.pcap_out, sizeof(rc.pcap_out), "%s", cfg->pcap_out ? cfg->pcap_out : "");
	snprintf(rc.tap_name, sizeof(rc.tap_name), "%s", cfg->tap_name ? cfg->tap_name : "");
	/* The config is larger than one request's data: it goes as raw bytes. */
	if (send(dev->remote_fd, &rc, sizeof(rc), MSG_NOSIGNAL) != (ssize_t)sizeof(rc)) {
		snprintf(err, err_len, "cannot talk to %s: %s", bin, strerror(errno));
		nicsim_stop(dev);
		return NULL;
	}
	char why[512] = "";
	int ok = call(dev, OP_CONFIG, 0, NULL, 0, why, sizeof(why) - 1);
	if (ok != 0) {
		snprintf(err, err_len, "%s", why[0] ? why : "the device process did not start (see above)");
		nicsim_stop(dev);
		return NULL;
	}
	return dev;
}

void remote_stop(struct nicsim *dev)
{
	call(dev, OP_STOP, 0, NULL, 0, NULL, 0);
	close(dev->remote_fd);
	int status;
	if (waitpid(dev->remote_pid, &status, 0) < 0)
		kill(dev->remote_pid, SIGKILL);
	free(dev);
}

void remote_get_counters(struct nicsim *dev, struct nicsim_counters *out)
{
	memset(out, 0, sizeof(*out));
	call(dev, OP_COUNTERS, 0, NULL, 0, out, sizeof(*out));
}

int remote_sync(struct nicsim *dev, unsigned timeout_ms)
{
	return call(dev, OP_SYNC, timeout_ms, NULL, 0, NULL, 0);
}

int remote_inject(struct nicsim *dev, const void *frame, size_t len)
{
	if (len == 0 || len > NICSIM_FRAME_MAX)
		return -1;
	return call(dev, OP_INJECT, 0, frame, (uint32_t)len, NULL, 0);
}

int remote_capture(struct nicsim *dev, void *buf, size_t len)
{
	return call(dev, OP_CAPTURE, (uint32_t)len, NULL, 0, buf, (uint32_t)len);
}

void remote_set_link(struct nicsim *dev, int up)
{
	call(dev, OP_SET_LINK, (uint32_t)up, NULL, 0, NULL, 0);
}

void remote_surprise_reset(struct nicsim *dev)
{
	call(dev, OP_RESET, 0, NULL, 0, NULL, 0);
}

size_t remote_diag_count(struct nicsim *dev)
{
	int n = call(dev, OP_DIAG_COUNT, 0, NULL, 0, NULL, 0);
	return n > 0 ? (size_t)n : 0;
}

const char *remote_diag_get(struct nicsim *dev, size_t index)
{
	memset(dev->remote_msg, 0, sizeof(dev->remote_msg));
	if (call(dev, OP_DIAG_GET, (uint32_t)index, NULL, 0, dev->remote_msg,
		 sizeof(dev->remote_msg) - 1) != 0)
		return NULL;
	return dev->remote_msg;
}

int remote_diag_find(struct nicsim *dev, const char *needle)
{
	return call(dev, OP_DIAG_FIND, 0, needle, (uint32_t)strlen(needle) + 1, NULL, 0);
}

/* ---- the device process's side (`nicsim serve`) ---- */

/* Diagnostics not yet on the witness pipe go there, one line each. */
static void report(struct nicsim *dev, int witness, size_t *reported)
{
	size_t n = nicsim_diag_count(dev);
	for (; witness >= 0 && *reported < n; (*reported)++) {
		char line[600];
		int len = snprintf(line, sizeof(line), "diag: %s\n", nicsim_diag_get(dev, *reported));
		if (len > 0 && write(witness, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1) < 0)
			witness = -1;
	}
}

static void answer(int fd, int32_t rc, const void *data, uint32_t len)
{
	static struct remote_answer ans;
	ans.rc = rc;
	ans.len = len;
	if (len)
		memcpy(ans.data, data, len);
	if (send(fd, &ans, offsetof(struct remote_answer, data) + len, MSG_NOSIGNAL) < 0)
		_exit(1);
}

int nicsim_serve(int ctl, int witness)
{
	static struct remote_config rc;
	static struct remote_req req;
	char err[512] = "";

	signal(SIGPIPE, SIG_IGN);
	if (recv(ctl, &rc, sizeof(rc), 0) != (ssize_t)sizeof(rc))
		return 1;
	rc.cfg.driver_name = rc.driver_name[0] ? rc.driver_name : NULL;
	rc.cfg.pcap_in = rc.pcap_in[0] ? rc.pcap_in : NULL;
	rc.cfg.pcap_out = rc.pcap_out[0] ? rc.pcap_out : NULL;
	rc.cfg.tap_name = rc.tap_name[0] ? rc.tap_name : NULL;
	struct nicsim *dev = nicsim_start(rc.dir, &rc.cfg, err, sizeof(err));
	if (recv(ctl, &req, sizeof(req), 0) <= 0 || req.op != OP_CONFIG)
		return 1;
	answer(ctl, dev ? 0 : -1, err, dev ? 0 : (uint32_t)strlen(err) + 1);
	if (!dev)
		return 1;

	size_t reported = 0;
	for (;;) {
		struct pollfd p = { ctl, POLLIN, 0 };
		if (poll(&p, 1, 100) == 0) {
			report(dev, witness, &reported);   /* a test that is waiting */
			continue;
		}
		ssize_t got = recv(ctl, &req, sizeof(req), 0);
		if (got < (ssize_t)offsetof(struct remote_req, data) || req.op == OP_STOP)
			break;   /* asked to stop, or the test process is gone */
		static uint8_t buf[NICSIM_FRAME_MAX];
		struct nicsim_counters c;
		const char *msg;
		int n;
		switch (req.op) {
		case OP_SYNC:
			answer(ctl, nicsim_sync(dev, req.arg), NULL, 0);
			break;
		case OP_INJECT:
			answer(ctl, nicsim_inject(dev, req.data, req.len), NULL, 0);
			break;
		case OP_CAPTURE:
			n = nicsim_capture(dev, buf, req.arg < sizeof(buf) ? req.arg : sizeof(buf));
			answer(ctl, n, buf, n > 0 ? (uint32_t)n : 0);
			break;
		case OP_COUNTERS:
			nicsim_get_counters(dev, &c);
			answer(ctl, 0, &c, sizeof(c));
			break;
		case OP_SET_LINK:
			nicsim_set_link(dev, (int)req.arg);
			answer(ctl, 0, NULL, 0);
			break;
		case OP_RESET:
			nicsim_surprise_reset(dev);
			answer(ctl, 0, NULL, 0);
			break;
		case OP_DIAG_COUNT:
			answer(ctl, (int32_t)nicsim_diag_count(dev), NULL, 0);
			break;
		case OP_DIAG_GET:
			msg = nicsim_diag_get(dev, req.arg);
			answer(ctl, msg ? 0 : -1, msg, msg ? (uint32_t)strlen(msg) + 1 : 0);
			break;
		case OP_DIAG_FIND:
			req.data[sizeof(req.data) - 1] = 0;
			answer(ctl, nicsim_diag_find(dev, (const char *)req.data), NULL, 0);
			break;
		default:
			answer(ctl, -1, NULL, 0);
		}
		report(dev, witness, &reported);
	}
	nicsim_sync(dev, 200);
	report(dev, witness, &reported);
	if (witness >= 0)
		close(witness);
	nicsim_stop(dev);
	answer(ctl, 0, NULL, 0);   /* the stop is done: files removed */
	return 0;
}
