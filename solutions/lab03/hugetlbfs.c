/*
 * hugetlbfs.c — lab03: where DMA files live, and reserving 2 MiB pages.
 *
 * Hugepages come from a pool the administrator sizes (nr_hugepages); a file in
 * a hugetlbfs mount is how a process asks for them by name, so that another
 * process (the simulated NIC) can map the same memory.
 *
 * Read: Documentation/admin-guide/mm/hugetlbpage.rst ("/proc/sys/vm/nr_hugepages",
 * "HugePages_Free", "HugePages_Rsvd", "mount -t hugetlbfs"), statfs(2), mount(2).
 */
#include "dma_mem.h"

#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hugetlbfs.h"   /* kit_hugetlbfs_mount: common/ */

#define HUGEPAGES_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB/"
#define HUGETLBFS_DEFAULT_MOUNT "/dev/hugepages"
#define FALLBACK_DIR "/dev/shm"


/* Mount hugetlbfs with 2 MiB pages at /dev/hugepages (root only). */
static int mount_hugetlbfs(char *dir, size_t dir_len, char *why, size_t why_len)
{
	if (geteuid() != 0) {
		snprintf(why, why_len, "no hugetlbfs is mounted; mount one as root: sudo mkdir -p "
			 HUGETLBFS_DEFAULT_MOUNT " && sudo mount -t hugetlbfs -o pagesize=2M nodev "
			 HUGETLBFS_DEFAULT_MOUNT);
		return -EPERM;
	}
	if (mkdir(HUGETLBFS_DEFAULT_MOUNT, 0755) != 0 && errno != EEXIST) {
		snprintf(why, why_len, "no hugetlbfs is mounted, and mkdir " HUGETLBFS_DEFAULT_MOUNT
			 " failed: %s", strerror(errno));
		return -errno;
	}
	if (mount("nodev", HUGETLBFS_DEFAULT_MOUNT, "hugetlbfs", 0, "pagesize=2M") != 0) {
		int e = errno;
		snprintf(why, why_len, "no hugetlbfs is mounted, and mounting one at "
			 HUGETLBFS_DEFAULT_MOUNT " failed: %s (is CONFIG_HUGETLBFS enabled? see "
			 "/proc/filesystems)", strerror(e));
		return -e;
	}
	snprintf(dir, dir_len, "%s", HUGETLBFS_DEFAULT_MOUNT);
	return 0;
}

int e1k_dma_choose_dir(char *dir, size_t dir_len, size_t *page_size,
		       char *why_not_huge, size_t why_len, char *err, size_t err_len)
{
	const char *env = getenv(E1K_DMA_DIR_ENV);
	struct statfs fs;

	why_not_huge[0] = 0;
	if (env && env[0]) {
		struct stat st;
		if (stat(env, &st) != 0 || !S_ISDIR(st.st_mode) || statfs(env, &fs) != 0) {
			snprintf(err, err_len, E1K_DMA_DIR_ENV "=%s is not a directory: create it, or "
				 "unset the variable to use hugetlbfs or " FALLBACK_DIR, env);
			return -EINVAL;
		}
		snprintf(dir, dir_len, "%s", env);
		if (fs.f_type == HUGETLBFS_MAGIC && (size_t)fs.f_bsize == E1K_HUGEPAGE_SIZE) {
			*page_size = E1K_HUGEPAGE_SIZE;
		} else {
			*page_size = E1K_SMALL_PAGE_SIZE;
			snprintf(why_not_huge, why_len, E1K_DMA_DIR_ENV "=%s is not a hugetlbfs mount "
				 "with 2 MiB pages", env);
		}
		return 0;
	}

	/* The first hugetlbfs mount, as the simulated NIC looks for it; else make one. */
	if (kit_hugetlbfs_mount(dir, dir_len) ||
	    mount_hugetlbfs(dir, dir_len, why_not_huge, why_len) == 0) {
		if (statfs(dir, &fs) != 0 || (size_t)fs.f_bsize != E1K_HUGEPAGE_SIZE)
			snprintf(why_not_huge, why_len, "the first hugetlbfs mount, %s, does not have "
				 "2 MiB pages: mount one that has (mount -t hugetlbfs -o pagesize=2M "
				 "nodev DIR) before it", dir);
		else if (access(dir, W_OK) != 0)
			snprintf(why_not_huge, why_len, "this user cannot create files in the hugetlbfs "
				 "mount %s: run as root (sudo), or mount it with -o uid=$(id -u)", dir);
		else {
			*page_size = E1K_HUGEPAGE_SIZE;
			return 0;
		}
	}
	snprintf(dir, dir_len, FALLBACK_DIR);
	*page_size = E1K_SMALL_PAGE_SIZE;
	if (access(FALLBACK_DIR, W_OK) != 0) {
		snprintf(err, err_len, "no usable hugetlbfs (%s), and " FALLBACK_DIR " is not "
			 "writable either", why_not_huge);
		return -ENOENT;
	}
	return 0;
}

static long read_counter(const char *name)
{
	char path[256];
	long value = -1;

	snprintf(path, sizeof(path), HUGEPAGES_SYSFS "%s", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &value) != 1)
		value = -1;
	fclose(f);
	return value;
}

static int write_total(long total)
{
	FILE *f = fopen(HUGEPAGES_SYSFS "nr_hugepages", "w");
	if (!f)
		return -errno;
	fprintf(f, "%ld\n", total);
	return fclose(f) == 0 ? 0 : -errno;
}

/* Pages in the pool that nobody has reserved yet (hugetlbpage.rst: a mapping
 * reserves its pages at mmap time, before it touches them). */
static long available_pages(void)
{
	long free_pages = read_counter("free_hugepages");
	long reserved = read_counter("resv_hugepages");
	if (free_pages < 0 || reserved < 0)
		return -1;
	return free_pages - reserved;
}

int e1k_hugepages_ensure_free(unsigned long pages, unsigned long *added,
			      char *err, size_t err_len)
{
	long total = read_counter("nr_hugepages");
	long available = available_pages();

	if (added)
		*added = 0;
	if (total < 0 || available < 0) {
		snprintf(err, err_len, "this kernel has no 2 MiB hugepages (" HUGEPAGES_SYSFS
			 " is missing: CONFIG_HUGETLBFS off?)");
		return -ENOMEM;
	}
	if (available >= (long)pages)
		return 0;

	long wanted = total + ((long)pages - available);
	if (geteuid() != 0) {
		snprintf(err, err_len, "%lu free 2 MiB hugepages needed, %ld available: reserve "
			 "them as root with: echo %ld > /proc/sys/vm/nr_hugepages", pages,
			 available, wanted);
		return -ENOMEM;
	}
	int rc = write_total(wanted);
	long now = read_counter("nr_hugepages");
	if (added && now > total)
		*added = (unsigned long)(now - total);
	if (rc != 0 || available_pages() < (long)pages) {
		snprintf(err, err_len, "asked the kernel for %ld hugepages in all and got %ld: memory "
			 "is too fragmented for more 2 MiB pages. Reserve them soon after boot (echo "
			 "%ld > /proc/sys/vm/nr_hugepages) or on the kernel command line "
			 "(hugepages=%ld)", wanted, now, wanted, wanted);
		return -ENOMEM;
	}
	return 0;
}

void e1k_hugepages_release(unsigned long pages)
{
	long total = read_counter("nr_hugepages");
	if (total < 0 || pages == 0)
		return;
	/* The kernel never frees pages still in use: it keeps them as surplus. */
	write_total(total > (long)pages ? total - (long)pages : 0);
}

int e1k_dma_remove_stale(const char *dir)
{
	const size_t prefix_len = strlen(E1K_DMA_FILE_PREFIX);
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		char *end;

		if (strncmp(de->d_name, E1K_DMA_FILE_PREFIX, prefix_len) != 0)
			continue;
		long pid = strtol(de->d_name + prefix_len, &end, 10);
		if (pid <= 0 || *end != '-')
			continue;
		/* kill(pid, 0) sends nothing; ESRCH means no such process (kill(2)). */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
