/*
 * vm_guest.c — the guest's NICs for the labs' VM tests (see vm_guest.h).
 */
#include "vm_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "e1000_regs.h"
#include "kit_test.h"
#include "kit_time.h"

void vm_need_guest(void)
{
	const char *in_vm = getenv("KIT_IN_VM");
	if (!in_vm || strcmp(in_vm, "1") != 0)
		kit_skip("this test runs only inside the kit's QEMU guest: make vm-test "
			 "(or make grade VM=1), see hw/qemu/README.md");
	if (!kit_is_root())
		kit_fail("the guest runs tests as root, but this process is not: start it "
			 "through hw/qemu/run");
}

const char *vm_nic(int n)
{
	char var[32];
	snprintf(var, sizeof(var), "KIT_NIC%d", n);
	const char *bdf = getenv(var);
	if (!bdf || !*bdf)
		kit_fail("$%s is not set: the guest has no e1000 NIC %d (hw/qemu/run gives two, "
			 "at 0000:00:03.0 and 0000:00:04.0)", var, n);
	return bdf;
}

void vm_nic_mac(int n, uint8_t mac[6])
{
	char var[32];
	unsigned b[6];
	snprintf(var, sizeof(var), "KIT_NIC%d_MAC", n);
	const char *text = getenv(var);
	if (!text || sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
			    &b[5]) != 6)
		kit_fail("$%s is missing or not a MAC (\"%s\"): hw/qemu/run's init sets it from "
			 "the NIC's -device mac=", var, text ? text : "");
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
}

void vm_nic_driver(int n, char *name, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", vm_nic(n));
	ssize_t got = readlink(link, target, sizeof(target) - 1);
	name[0] = 0;
	if (got <= 0)
		return;
	target[got] = 0;
	const char *base = strrchr(target, '/');
	snprintf(name, len, "%s", base ? base + 1 : target);
}

void vm_need_driver(int n, const char *driver)
{
	char now[64];
	vm_nic_driver(n, now, sizeof(now));
	if (strcmp(now, driver) != 0)
		kit_fail("guest NIC %d (%s) is bound to \"%s\", the test needs %s: the VM test "
			 "runner binds it (tools/bind-nic --driver %s %s)", n, vm_nic(n), now, driver,
			 driver, vm_nic(n));
}

static int open_config(int n)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", vm_nic(n));
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kit_fail("cannot open %s: %s", path, strerror(errno));
	return fd;
}

uint16_t vm_config_command(int n)
{
	uint16_t cmd = 0;
	int fd = open_config(n);
	if (pread(fd, &cmd, 2, E1K_PCI_COMMAND) != 2)
		kit_fail("cannot read the command register of %s", vm_nic(n));
	close(fd);
	return cmd;
}

void vm_quiesce(int n)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", vm_nic(n));
	int fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd >= 0) {
		volatile uint8_t *bar0 = mmap(NULL, E1K_BAR0_SIZE, PROT_READ | PROT_WRITE,
					      MAP_SHARED, fd, 0);
		close(fd);
		if (bar0 != MAP_FAILED) {
			/* Memory space must be on for these writes to reach the device. */
			int cfd = open_config(n);
			uint16_t cmd = 0;
			if (pread(cfd, &cmd, 2, E1K_PCI_COMMAND) == 2 && !(cmd & E1K_PCI_CMD_MEMORY)) {
				cmd |= E1K_PCI_CMD_MEMORY;
				(void)!pwrite(cfd, &cmd, 2, E1K_PCI_COMMAND);
			}
			close(cfd);
			*(volatile uint32_t *)(bar0 + E1K_IMC) = 0xFFFFFFFF;   /* SDM 13.4.21 */
			*(volatile uint32_t *)(bar0 + E1K_RCTL) = 0;           /* SDM 13.4.22 */
			*(volatile uint32_t *)(bar0 + E1K_TCTL) = 0;           /* SDM 13.4.33 */
			(void)*(volatile uint32_t *)(bar0 + E1K_STATUS);       /* flush */
			munmap((void *)bar0, E1K_BAR0_SIZE);
		}
	}
	/* No DMA from now on: QEMU's e1000 checks bus master before every transfer. */
	int cfd = open_config(n);
	uint16_t cmd = 0;
	if (pread(cfd, &cmd, 2, E1K_PCI_COMMAND) == 2) {
		cmd &= (uint16_t)~E1K_PCI_CMD_BUS_MASTER;
		(void)!pwrite(cfd, &cmd, 2, E1K_PCI_COMMAND);
	}
	close(cfd);
}

const char *vm_mac_text(const uint8_t mac[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

void vm_sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

double vm_now_s(void)
{
	return (double)kit_now_ns() / 1e9;   /* the kit's one clock: common/kit_time.h */
}
