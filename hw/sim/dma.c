/* dma.c — how the simulated device reaches the driver's memory.
 *
 * A real NIC reads and writes physical addresses. The driver allocates its DMA
 * memory as files named bypasslab-dma-<pid>-<n> in a hugetlbfs mount (or /dev/shm,
 * or $BYPASSLAB_DMA_DIR) and writes physical addresses, taken from
 * /proc/self/pagemap, into descriptors. The model maps the same files MAP_SHARED,
 * touches every page and reads its *own* pagemap: the same physical page shows up
 * in both processes, so PA -> model pointer works like a bus address does.
 * An address in no file is refused (the caller reports it) - never a wild access.
 * Reading PFNs from pagemap needs CAP_SYS_ADMIN, hence root.
 *
 * Models: the device as a PCI bus master (SDM 4.1, command bit 2) reading and
 * writing host memory by physical address: descriptor rings (SDM 3.2.4, 3.3.3),
 * RX and TX buffers (SDM 3.2.3, 3.3.3). There is no IOMMU: any address in the
 * driver's DMA files is reachable, anything else is refused and reported.
 */
#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hugetlbfs.h"

#define PAGE 4096u
#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define DMA_PREFIX "bypasslab-dma-"


static uint64_t pagemap_entry(int fd, const void *va)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)va / PAGE) * 8;

	if (pread(fd, &e, 8, off) != 8)
		return 0;
	return e;
}

int dma_init(struct dma_space *s, char *err, size_t err_len)
{
	const char *env = getenv("BYPASSLAB_DMA_DIR");
	volatile uint8_t *probe;
	uint64_t e;

	memset(s, 0, sizeof(*s));
	s->pagemap_fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (s->pagemap_fd < 0) {
		snprintf(err, err_len, "cannot open /proc/self/pagemap (%s): the simulated NIC "
			 "needs it to translate physical addresses; run as root (sudo) or use "
			 "the QEMU guest (hw/qemu)", strerror(errno));
		return -1;
	}
	/* Probe: a page of our own must show a PFN, else we are not privileged. */
	probe = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (probe == MAP_FAILED) {
		snprintf(err, err_len, "mmap failed: %s", strerror(errno));
		close(s->pagemap_fd);
		return -1;
	}
	probe[0] = 1;
	e = pagemap_entry(s->pagemap_fd, (const void *)probe);
	munmap((void *)probe, PAGE);
	if (!(e & PM_PRESENT) || (e & PM_PFN_MASK) == 0) {
		snprintf(err, err_len, "/proc/self/pagemap hides physical frame numbers from "
			 "this user: the simulated NIC must resolve physical addresses like a "
			 "real device. Run it as root (sudo make -C hw/sim test), or use the "
			 "QEMU guest (hw/qemu)");
		close(s->pagemap_fd);
		return -1;
	}
	if (env && env[0]) {
		snprintf(s->dirs[0], PATH_MAX, "%s", env);
		s->ndirs = 1;
	} else {
		if (kit_hugetlbfs_mount(s->dirs[0], PATH_MAX))
			s->ndirs = 1;
		snprintf(s->dirs[s->ndirs++], PATH_MAX, "/dev/shm");
	}
	s->ext = calloc(1, sizeof(*s->ext));
	return s->ext ? 0 : -1;
}

static void unmap_file(struct dma_file *f)
{
	if (f->map)
		munmap(f->map, f->size);
	f->map = NULL;
}

void dma_free(struct dma_space *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		unmap_file(&s->files[i]);
	free(s->files);
	free(s->ext);
	if (s->pagemap_fd >= 0)
		close(s->pagemap_fd);
	memset(s, 0, sizeof(*s));
	s->pagemap_fd = -1;
}

static int map_file(struct dma_file *f, const struct stat *st)
{
	int fd = open(f->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	f->size = (size_t)st->st_size;
	f->map = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return -1;
	}
	/* Touch every page so pagemap shows its frame (the driver mlocked them). */
	for (size_t off = 0; off < f->size; off += PAGE)
		(void)*(volatile uint8_t *)(f->map + off);
	f->dev = st->st_dev;
	f->ino = st->st_ino;
	return 0;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct dma_extent *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* Rebuild the sorted list of physically contiguous runs of every mapped file. */
static void build_extents(struct dma_space *s)
{
	size_t cap = 16, n = 0;
	struct dma_extent *ext = malloc(cap * sizeof(*ext));
	uint64_t *pm = NULL;

	if (!ext)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		struct dma_file *f = &s->files[i];
		size_t pages = f->size / PAGE;
		off_t off = (off_t)((uintptr_t)f->map / PAGE) * 8;

		if (!f->map || pages == 0)
			continue;
		pm = realloc(pm, pages * 8);
		if (!pm || pread(s->pagemap_fd, pm, pages * 8, off) != (ssize_t)(pages * 8))
			continue;
		for (size_t p = 0; p < pages; p++) {
			uint64_t pa;
			if (!(pm[p] & PM_PRESENT) || (pm[p] & PM_PFN_MASK) == 0)
				continue;
			pa = (pm[p] & PM_PFN_MASK) * PAGE;
			if (n > 0 && ext[n - 1].pa + ext[n - 1].len == pa &&
			    ext[n - 1].va + ext[n - 1].len == f->map + p * PAGE) {
				ext[n - 1].len += PAGE;
				continue;
			}
			if (n == cap) {
				struct dma_extent *bigger = realloc(ext, 2 * cap * sizeof(*ext));
				if (!bigger)
					break;
				ext = bigger;
				cap *= 2;
			}
			ext[n].pa = pa;
			ext[n].len = PAGE;
			ext[n].va = f->map + p * PAGE;
			n++;
		}
	}
	free(pm);
	qsort(ext, n, sizeof(*ext), cmp_extent);
	free(s->ext);
	s->ext = n ? ext : (free(ext), calloc(1, sizeof(*ext)));
	s->next = n;
	s->last_hit = 0;
}

static int is_dma_name(const char *name)
{
	return strncmp(name, DMA_PREFIX, strlen(DMA_PREFIX)) == 0;
}

/* Map new DMA files, drop the ones that were removed, rebuild the extents. */
static void dma_scan(struct dma_space *s)
{
	int changed = 0;

	for (size_t i = 0; i < s->nfiles; i++)
		s->files[i].seen = 0;
	for (int d = 0; d < s->ndirs; d++) {
		DIR *dir = opendir(s->dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir)) != NULL) {
			char path[PATH_MAX];
			struct stat st;
			size_t i;

			if (!is_dma_name(de->d_name))
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", s->dirs[d], de->d_name) >= (int)sizeof(path))
				continue;
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
				continue;
			for (i = 0; i < s->nfiles; i++)
				if (s->files[i].dev == st.st_dev && s->files[i].ino == st.st_ino)
					break;
			if (i < s->nfiles && s->files[i].size == (size_t)st.st_size) {
				s->files[i].seen = 1;
				continue;
			}
			if (i < s->nfiles) {           /* resized: map it again */
				unmap_file(&s->files[i]);
				s->generation++;
			} else {
				struct dma_file *more = realloc(s->files, (s->nfiles + 1) * sizeof(*more));
				if (!more)
					continue;
				s->files = more;
				i = s->nfiles++;
				memset(&s->files[i], 0, sizeof(s->files[i]));
			}
			snprintf(s->files[i].path, PATH_MAX, "%s", path);
			if (map_file(&s->files[i], &st) == 0)
				s->files[i].seen = 1;
			changed = 1;
		}
		closedir(dir);
	}
	/* Files that disappeared: the driver freed them. Unmap, forget cached pointers. */
	for (size_t i = 0; i < s->nfiles;) {
		if (s->files[i].seen) {
			i++;
			continue;
		}
		unmap_file(&s->files[i]);
		s->files[i] = s->files[--s->nfiles];
		s->generation++;
		changed = 1;
	}
	if (changed)
		build_extents(s);
}

static struct dma_extent *find_extent(struct dma_space *s, uint64_t pa)
{
	size_t lo = 0, hi = s->next;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (pa < s->ext[mid].pa)
			hi = mid;
		else if (pa - s->ext[mid].pa >= s->ext[mid].len)
			lo = mid + 1;
		else
			return &s->ext[mid];
	}
	return NULL;
}

uint8_t *dma_resolve(struct dma_space *s, uint64_t pa, uint64_t len, const char **why)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct dma_extent *e = find_extent(s, pa);

		if (e) {
			uint64_t off = pa - e->pa;
			if (len <= e->len - off) {
				s->last_hit = (size_t)(e - s->ext);
				return e->va + off;
			}
			if (attempt == 1) {
				if (why)
					*why = "the buffer runs past the end of a physically contiguous "
					       "region (a 4 KiB page of a /dev/shm file is not contiguous "
					       "with the next one: keep buffers and rings inside one page, "
					       "or use hugepages)";
				return NULL;
			}
		}
		if (attempt == 0)
			dma_scan(s);   /* the driver may have allocated new memory */
	}
	if (why)
		*why = NULL;
	return NULL;
}

int dma_reap_stale(struct dma_space *s, struct nicsim *dev)
{
	int removed = 0;

	for (int d = 0; d < s->ndirs; d++) {
		DIR *dir = opendir(s->dirs[d]);
		struct dirent *de;

		if (!dir)
			continue;
		while ((de = readdir(dir)) != NULL) {
			char path[PATH_MAX];
			long pid;
			char *end;

			if (!is_dma_name(de->d_name))
				continue;
			pid = strtol(de->d_name + strlen(DMA_PREFIX), &end, 10);
			if (pid <= 0 || *end != '-')
				continue;
			if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			snprintf(path, sizeof(path), "%s/%s", s->dirs[d], de->d_name);
			if (unlink(path) == 0) {
				removed++;
				if (dev)
					diag(dev, "removed DMA file %s: its driver process %ld no longer "
					     "exists (a driver that crashes cannot unlink its memory)",
					     path, pid);
			}
		}
		closedir(dir);
	}
	return removed;
}
