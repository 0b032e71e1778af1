/* nicsim_fixture.c — per-test simulated devices for cmocka (see nicsim_fixture.h).
 * Models nothing itself: one fresh device (nicsim.c, in its own process: remote.c)
 * per test. */
#include "nicsim_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

/* A test process killed by the grader's timeout never runs its teardown, so its
 * /tmp/bypasslab-nic-* directory stays. Such a directory is stale when nobody
 * holds the device's .nicsim.lock (a running model keeps it flock'ed): remove it. */
static void remove_stale_fixtures(void)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char dir[300], lock[340];
		if (strncmp(e->d_name, "bypasslab-nic-", 14) != 0)
			continue;
		snprintf(dir, sizeof(dir), "/tmp/%s", e->d_name);
		snprintf(lock, sizeof(lock), "%s/0000:00:03.0/.nicsim.lock", dir);
		int fd = open(lock, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;   /* being set up right now, or not ours: leave it */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		close(fd);
	}
	closedir(d);
}

/* The `nicsim` program: NICSIM_BIN, or the one this build made. */
static const char *nicsim_program(void)
{
	const char *bin = getenv("NICSIM_BIN");
	return bin && bin[0] ? bin : NICSIM_BIN_DEFAULT;
}

/* The grader's witness pipe (KIT_WITNESS_FD), for the first device only: this
 * process lets go of it at once, so only the device process can write to it. */
static int take_witness_fd(void)
{
	static int taken;
	const char *env = getenv("KIT_WITNESS_FD");
	if (taken || !env)
		return -1;
	taken = 1;
	unsetenv("KIT_WITNESS_FD");
	int fd = atoi(env);
	int mine = fcntl(fd, F_DUPFD_CLOEXEC, 300);
	close(fd);
	return mine;
}

int nicsim_fixture_setup_config(void **state, const struct nicsim_config *cfg)
{
	struct nicsim_fixture *f = calloc(1, sizeof(*f));
	char err[512];

	if (!f)
		return -1;
	remove_stale_fixtures();
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/bypasslab-nic-XXXXXX");
	if (!mkdtemp(f->tmp)) {
		perror("nicsim fixture: mkdtemp in /tmp");
		free(f);
		return -1;
	}
	/* Named like a PCI address, as under /sys/bus/pci/devices. */
	snprintf(f->dir, sizeof(f->dir), "%s/0000:00:03.0", f->tmp);
	int witness = take_witness_fd();
	f->dev = nicsim_start_process(f->dir, cfg, nicsim_program(), witness, err, sizeof(err));
	if (witness >= 0)
		close(witness);   /* the device process has its own copy */
	if (!f->dev) {
		fprintf(stderr, "nicsim fixture: cannot start the simulated NIC: %s\n", err);
		rmdir(f->tmp);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

int nicsim_fixture_setup(void **state)
{
	struct nicsim_config cfg;

	nicsim_config_default(&cfg);
	return nicsim_fixture_setup_config(state, &cfg);
}

int nicsim_fixture_setup_loopback(void **state)
{
	struct nicsim_config cfg;

	nicsim_config_default(&cfg);
	cfg.backend = NICSIM_WIRE_LOOPBACK;
	return nicsim_fixture_setup_config(state, &cfg);
}

int nicsim_fixture_teardown(void **state)
{
	struct nicsim_fixture *f = *state;

	if (!f)
		return 0;
	nicsim_unwatch_writes();   /* a test that failed while watching BAR0 writes */
	nicsim_stop(f->dev);
	/* Whatever the test left in the temporary directory goes too. */
	nftw(f->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	*state = NULL;
	return 0;
}
