/* netns.c — two namespaces and a veth pair for tests and benchmarks (see netns.h). */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run a shell command built from fmt; returns its exit status (0 = success). */
static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* Namespaces are named bl<pid>a / bl<pid>b; delete those whose pid is dead. */
static void remove_stale_pairs(void)
{
	DIR *d = opendir("/var/run/netns");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid;
		char side;
		if (sscanf(e->d_name, "bl%d%c", &pid, &side) != 2 || (side != 'a' && side != 'b'))
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		run("ip netns delete %s 2>/dev/null", e->d_name);
	}
	closedir(d);
}

int kit_netns_pair_create(struct kit_netns_pair *p, char *err, size_t err_len)
{
	char prefix[24];

	remove_stale_pairs();
	snprintf(prefix, sizeof(prefix), "bl%d", (int)getpid());
	return kit_netns_pair_create_named(p, prefix, err, err_len);
}

int kit_netns_pair_create_named(struct kit_netns_pair *p, const char *prefix,
				char *err, size_t err_len)
{
	memset(p, 0, sizeof(*p));
	if (geteuid() != 0) {
		snprintf(err, err_len, "network namespaces need root: run with sudo");
		return -1;
	}
	if (run("command -v ip >/dev/null 2>&1") != 0) {
		snprintf(err, err_len, "iproute2's `ip` is missing: run `make deps` (apt-get install iproute2)");
		return -1;
	}
	if (strlen(prefix) == 0 || strlen(prefix) > 20 || strspn(prefix, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") != strlen(prefix)) {
		snprintf(err, err_len, "namespace prefix '%s' must be 1-20 of [a-z0-9-]", prefix);
		return -1;
	}
	kit_netns_pair_names(p, prefix);

	if (run("ip netns add %s && ip netns add %s", p->ns_a, p->ns_b) != 0) {
		snprintf(err, err_len, "`ip netns add %s` failed: does it exist already (`ip netns list`)? "
			 "are you root?", p->ns_a);
		kit_netns_pair_destroy(p);
		return -1;
	}
	p->created = 1;
	int rc = run("ip -n %s link add %s address 02:00:00:00:00:01 type veth "
		     "peer name %s netns %s address 02:00:00:00:00:02",
		     p->ns_a, p->if_a, p->if_b, p->ns_b);
	rc = rc ? rc : run("ip -n %s addr add %s/15 dev %s && ip -n %s link set %s up && "
			   "ip -n %s link set lo up", p->ns_a, p->ip_a, p->if_a, p->ns_a, p->if_a, p->ns_a);
	rc = rc ? rc : run("ip -n %s addr add %s/15 dev %s && ip -n %s link set %s up && "
			   "ip -n %s link set lo up", p->ns_b, p->ip_b, p->if_b, p->ns_b, p->if_b, p->ns_b);
	rc = rc ? rc : run("ip -n %s neigh replace %s lladdr 02:00:00:00:00:02 dev %s nud permanent && "
			   "ip -n %s neigh replace %s lladdr 02:00:00:00:00:01 dev %s nud permanent",
			   p->ns_a, p->ip_b, p->if_a, p->ns_b, p->ip_a, p->if_b);
	if (rc != 0) {
		snprintf(err, err_len, "creating the veth pair failed (is the veth module available? "
			 "try `modprobe veth`)");
		kit_netns_pair_destroy(p);
		return -1;
	}
	return 0;
}

void kit_netns_pair_names(struct kit_netns_pair *p, const char *prefix)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->ns_a, sizeof(p->ns_a), "%sa", prefix);
	snprintf(p->ns_b, sizeof(p->ns_b), "%sb", prefix);
	snprintf(p->if_a, sizeof(p->if_a), "blA");
	snprintf(p->if_b, sizeof(p->if_b), "blB");
	snprintf(p->ip_a, sizeof(p->ip_a), "198.18.0.1");
	snprintf(p->ip_b, sizeof(p->ip_b), "198.18.0.2");
}

void kit_netns_pair_destroy(struct kit_netns_pair *p)
{
	if (!p->ns_a[0])
		return;
	/* Deleting a namespace deletes the veth end inside it, and so its peer. */
	run("ip netns delete %s 2>/dev/null; ip netns delete %s 2>/dev/null", p->ns_a, p->ns_b);
	p->created = 0;
}

int kit_netns_enter(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/var/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = setns(fd, CLONE_NEWNET);
	int saved = errno;
	close(fd);
	return rc == 0 ? 0 : -saved;
}

int kit_netns_save(void)
{
	return open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
}

void kit_netns_restore(int saved)
{
	if (saved < 0)
		return;
	if (setns(saved, CLONE_NEWNET) != 0)
		perror("setns back to the original network namespace");
	close(saved);
}
