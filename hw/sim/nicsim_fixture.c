/* nicsim_fixture.c — per-test simulated devices for cmocka (see nicsim_fixture.h). */
#include "nicsim_fixture.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int nicsim_fixture_setup_config(void **state, const struct nicsim_config *cfg)
{
	struct nicsim_fixture *f = calloc(1, sizeof(*f));
	char err[512];

	if (!f)
		return -1;
	snprintf(f->tmp, sizeof(f->tmp), "/tmp/bypasslab-nic-XXXXXX");
	if (!mkdtemp(f->tmp)) {
		perror("nicsim fixture: mkdtemp in /tmp");
		free(f);
		return -1;
	}
	/* Named like a PCI address, as under /sys/bus/pci/devices. */
	snprintf(f->dir, sizeof(f->dir), "%s/0000:00:03.0", f->tmp);
	f->dev = nicsim_start(f->dir, cfg, err, sizeof(err));
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

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

int nicsim_fixture_teardown(void **state)
{
	struct nicsim_fixture *f = *state;

	if (!f)
		return 0;
	nicsim_stop(f->dev);
	/* Whatever the test left in the temporary directory goes too. */
	nftw(f->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	*state = NULL;
	return 0;
}
