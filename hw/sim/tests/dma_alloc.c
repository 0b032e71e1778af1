/* dma_alloc.c — see dma_alloc.h. */
#include "dma_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hugetlbfs.h"

#define HUGE_PAGE (2u << 20)

static int counter;


static long meminfo(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

/* Hugepages when a hugetlbfs is mounted; reserve a few only if none are free. */
static int pick_dir(char *dir, size_t len, size_t size)
{
	const char *env = getenv("BYPASSLAB_DMA_DIR");
	long need = (long)((size + HUGE_PAGE - 1) / HUGE_PAGE);

	if (env && env[0]) {
		snprintf(dir, len, "%s", env);
		return 0;
	}
	if (kit_hugetlbfs_mount(dir, len)) {
		long free_pages = meminfo("HugePages_Free:");
		if (free_pages < need) {
			long total = meminfo("HugePages_Total:");
			FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");
			if (f) {
				fprintf(f, "%ld\n", total + need + 16);
				fclose(f);
			}
			free_pages = meminfo("HugePages_Free:");
		}
		if (free_pages >= need)
			return 1;
	}
	snprintf(dir, len, "/dev/shm");
	return 0;
}

int dma_uses_hugepages(void)
{
	char dir[PATH_MAX];
	return pick_dir(dir, sizeof(dir), HUGE_PAGE) == 1;
}

int dma_alloc(struct dma_mem *m, size_t size)
{
	char dir[PATH_MAX - 64];
	int huge = pick_dir(dir, sizeof(dir), size);
	size_t page = huge ? HUGE_PAGE : 4096;
	int fd, pm;

	memset(m, 0, sizeof(*m));
	m->page = page;
	m->size = (size + page - 1) / page * page;
	snprintf(m->path, sizeof(m->path), "%s/bypasslab-dma-%d-%d", dir, (int)getpid(),
		 __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED));
	fd = open(m->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		fprintf(stderr, "dma_alloc: cannot create %s: %s\n", m->path, strerror(errno));
		return -1;
	}
	if (!huge && ftruncate(fd, (off_t)m->size) != 0) {
		fprintf(stderr, "dma_alloc: ftruncate %s: %s\n", m->path, strerror(errno));
		close(fd);
		unlink(m->path);
		return -1;
	}
	m->va = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (m->va == MAP_FAILED || mlock(m->va, m->size) != 0) {
		fprintf(stderr, "dma_alloc: mmap/mlock %s: %s\n", m->path, strerror(errno));
		unlink(m->path);
		return -1;
	}
	memset(m->va, 0, m->size);
	m->page_pa = calloc(m->size / page, sizeof(uint64_t));
	pm = open("/proc/self/pagemap", O_RDONLY);
	for (size_t i = 0; pm >= 0 && m->page_pa && i < m->size / page; i++) {
		uint64_t e = 0;
		off_t off = (off_t)(((uintptr_t)m->va + i * page) / 4096) * 8;
		if (pread(pm, &e, 8, off) == 8 && (e & (1ull << 63)))
			m->page_pa[i] = (e & ((1ull << 55) - 1)) * 4096;
	}
	if (pm >= 0)
		close(pm);
	if (!m->page_pa || m->page_pa[0] == 0) {
		fprintf(stderr, "dma_alloc: no physical address for %s (run as root)\n", m->path);
		dma_release(m);
		return -1;
	}
	return 0;
}

uint64_t dma_pa(const struct dma_mem *m, const void *va)
{
	size_t off = (size_t)((const uint8_t *)va - m->va);
	return m->page_pa[off / m->page] + off % m->page;
}

void dma_release(struct dma_mem *m)
{
	if (m->va && m->va != MAP_FAILED)
		munmap(m->va, m->size);
	if (m->path[0])
		unlink(m->path);
	free(m->page_pa);
	memset(m, 0, sizeof(*m));
}
