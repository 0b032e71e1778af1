/* devdir.c — the PCI device directory a driver opens, shaped like
 * /sys/bus/pci/devices/0000:BB:DD.F:
 *   config     256 bytes of PCI configuration space (pread/pwrite)
 *   resource0  BAR0, 128 KiB of registers (mmap MAP_SHARED)
 *   vendor, device, class   "0x8086\n", "0x100e\n", "0x020000\n"
 *   driver     symlink; its basename is the bound driver
 *   irq        FIFO that reads like /dev/uioN (4-byte interrupt count per read)
 *   .nicsim.lock  held (flock) while a model runs here; not part of sysfs
 *
 * Models: the PCI function as Linux shows it to a user-space driver: sysfs's
 * resource0 and config files (the config space itself, SDM 4.1, is pci.c) and
 * uio_pci_generic's interrupt file (irq.c says how interrupts reach it).
 */
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const dev_files[] = {
	"config", "resource0", "vendor", "device", "class", "driver", "irq",
};

static int path_in(struct nicsim *dev, const char *name, char *out, size_t len)
{
	return snprintf(out, len, "%s/%s", dev->dir, name) >= (int)len ? -1 : 0;
}

static int write_text(struct nicsim *dev, const char *name, const char *text)
{
	char path[PATH_MAX];
	int fd, ok;

	if (path_in(dev, name, path, sizeof(path)) != 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/* Create a file of `size` bytes and map it shared. */
static void *map_new_file(struct nicsim *dev, const char *name, size_t size)
{
	char path[PATH_MAX];
	void *p;
	int fd;

	if (path_in(dev, name, path, sizeof(path)) != 0)
		return NULL;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, size < 4096 ? 4096 : size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int devdir_create(struct nicsim *dev, char *err, size_t err_len)
{
	char path[PATH_MAX], target[PATH_MAX];
	int fd;

	if (mkdir(dev->dir, 0755) == 0) {
		dev->made_dir = 1;
	} else if (errno != EEXIST) {
		snprintf(err, err_len, "cannot create device directory %s: %s", dev->dir, strerror(errno));
		return -1;
	}
	/* One model per directory: a lock that dies with its holder. */
	if (path_in(dev, ".nicsim.lock", path, sizeof(path)) != 0) {
		snprintf(err, err_len, "device directory path too long: %s", dev->dir);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, err_len, "%s is in use by another simulated NIC (stop it first: "
			 "nicsim stop --dir %s)", dev->dir, dev->dir);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	dev->lock_fd = fd;
	/* Leftovers of a model that crashed: remove them, we own the directory now. */
	for (size_t i = 0; i < sizeof(dev_files) / sizeof(dev_files[0]); i++)
		if (path_in(dev, dev_files[i], path, sizeof(path)) == 0)
			unlink(path);

	dev->pci = map_new_file(dev, "config", 256);
	dev->bar = map_new_file(dev, "resource0", E1K_BAR0_SIZE);
	if (!dev->pci || !dev->bar) {
		snprintf(err, err_len, "cannot create config/resource0 in %s: %s", dev->dir, strerror(errno));
		return -1;
	}
	char device[16];
	snprintf(device, sizeof(device), "0x%04x\n", dev->cfg.device_id ? dev->cfg.device_id : 0x100E);
	if (write_text(dev, "vendor", "0x8086\n") || write_text(dev, "device", device) ||
	    write_text(dev, "class", "0x020000\n")) {
		snprintf(err, err_len, "cannot write vendor/device/class in %s: %s", dev->dir, strerror(errno));
		return -1;
	}
	snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", dev->driver_name);
	if (path_in(dev, "driver", path, sizeof(path)) != 0 || symlink(target, path) != 0) {
		snprintf(err, err_len, "cannot create the driver symlink in %s: %s", dev->dir, strerror(errno));
		return -1;
	}
	if (path_in(dev, "irq", path, sizeof(path)) != 0 || mkfifo(path, 0600) != 0) {
		snprintf(err, err_len, "cannot create the irq FIFO in %s: %s", dev->dir, strerror(errno));
		return -1;
	}
	/* O_RDWR: opening never blocks, and a reader blocks until we write. */
	dev->irq_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (dev->irq_fd < 0) {
		snprintf(err, err_len, "cannot open the irq FIFO %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

void devdir_remove(struct nicsim *dev)
{
	char path[PATH_MAX];

	if (dev->irq_fd >= 0)
		close(dev->irq_fd);   /* a driver blocked in read() now gets EOF */
	dev->irq_fd = -1;
	if (dev->pci)
		munmap((void *)dev->pci, 4096);
	if (dev->bar)
		munmap((void *)dev->bar, E1K_BAR0_SIZE);
	dev->pci = NULL;
	dev->bar = NULL;
	for (size_t i = 0; i < sizeof(dev_files) / sizeof(dev_files[0]); i++)
		if (path_in(dev, dev_files[i], path, sizeof(path)) == 0)
			unlink(path);
	if (dev->lock_fd >= 0) {
		if (path_in(dev, ".nicsim.lock", path, sizeof(path)) == 0)
			unlink(path);
		close(dev->lock_fd);
		dev->lock_fd = -1;
	}
	if (dev->made_dir)
		rmdir(dev->dir);
}
