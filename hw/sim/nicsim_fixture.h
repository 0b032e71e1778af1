/*
 * nicsim_fixture.h — cmocka setup/teardown that give each lab test a fresh simulated
 * 82540EM in a fresh temporary directory, and remove everything afterwards.
 *
 *   static void test_link(void **state) {
 *       struct nicsim_fixture *f = *state;
 *       ... open f->dir exactly like /sys/bus/pci/devices/0000:00:03.0 ...
 *       nicsim_inject(f->dev, frame, len);      // test wire
 *   }
 *   cmocka_unit_test_setup_teardown(test_link, nicsim_fixture_setup, nicsim_fixture_teardown)
 *
 * The model runs in a process of its own (`nicsim serve`, remote.c), the grader's
 * witness: what the device saw is judged where no student code runs. Setup fails
 * (the test is reported as failed with the reason printed) when the model cannot
 * start, e.g. without root.
 */
#ifndef BYPASSLAB_NICSIM_FIXTURE_H
#define BYPASSLAB_NICSIM_FIXTURE_H

#include <limits.h>

#include "nicsim.h"

struct nicsim_fixture {
	struct nicsim *dev;      /* the running model (test wire unless set up otherwise) */
	char dir[PATH_MAX];      /* the device directory the driver opens */
	char tmp[64];            /* the temporary directory holding it */
};

/* Test wire backend, default MAC 02:00:00:00:00:02, driver "uio_pci_generic". */
int nicsim_fixture_setup(void **state);
/* Loopback backend: everything the driver transmits comes back on RX. */
int nicsim_fixture_setup_loopback(void **state);
/* Any configuration (backend, MAC, faults, bound driver name ...). */
int nicsim_fixture_setup_config(void **state, const struct nicsim_config *cfg);
/* Stop the model; remove the device directory and the temporary directory. */
int nicsim_fixture_teardown(void **state);

#endif
