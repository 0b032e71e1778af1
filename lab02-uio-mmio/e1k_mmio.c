/*
 * e1k_mmio.c — lab02: mapping BAR0 (see e1k_mmio.h).
 */
#include "e1k_mmio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

volatile uint8_t *e1k_map_bar0(const char *dir, size_t *len, char *err, size_t err_len)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/resource0", dir);

	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, err_len, "cannot open %s: %s%s", path, strerror(e),
			 e == EACCES ? " (mapping device registers needs root: use sudo)" :
			 e == ENOENT ? " (not a PCI memory BAR: wrong device?)" : "");
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_size < E1K_BAR0_SIZE) {
		snprintf(err, err_len, "%s is %lld bytes; an 8254x BAR0 is %d (wrong device, or "
			 "memory decoding disabled?)", path, (long long)st.st_size, E1K_BAR0_SIZE);
		close(fd);
		return NULL;
	}
	/* MAP_SHARED: our stores must reach the device, not a private copy. */
	void *map = mmap(NULL, E1K_BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int e = errno;
	close(fd);   /* the mapping stays valid without the fd */
	if (map == MAP_FAILED) {
		snprintf(err, err_len, "mmap of %s failed: %s", path, strerror(e));
		return NULL;
	}
	*len = E1K_BAR0_SIZE;
	return map;
}

void e1k_unmap_bar0(volatile uint8_t *bar0, size_t len)
{
	if (bar0)
		munmap((void *)bar0, len);
}
