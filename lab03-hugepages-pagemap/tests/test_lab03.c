/*
 * test_lab03.c — what `make grade LAB=03` checks.
 *
 * Physical addresses are only visible to root (CAP_SYS_ADMIN), so most tests
 * need `sudo make grade LAB=03`; without root they are skipped and say so.
 * Each test checks the lab's answers against its own reading of
 * /proc/self/pagemap. Tests that need the 4 KiB fallback point
 * BYPASSLAB_DMA_DIR at a private directory in /dev/shm.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "dma_mem.h"
#include "kit_test.h"
#include "mempool.h"
#include "pagemap.h"

#define PAGE 4096u
#define NOBODY 65534

/* ---- the tests' own pagemap reader, written independently of the lab's ---- */

/* The physical address of va, or 0 when not present or hidden. */
static uint64_t own_phys(const void *va)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return 0;
	if (pread(fd, &entry, 8, (off_t)((uintptr_t)va / PAGE) * 8) != 8)
		entry = 0;
	close(fd);
	if (!(entry >> 63) || (entry & ((1ull << 55) - 1)) == 0)
		return 0;
	return (entry & ((1ull << 55) - 1)) * PAGE + (uintptr_t)va % PAGE;
}

static void need_root(void)
{
	if (!kit_is_root())
		kit_skip("physical addresses are only shown to root (CAP_SYS_ADMIN): run "
			 "sudo make grade LAB=03, or use the QEMU guest (make vm)");
}

/* A touched, locked, page-aligned anonymous region. */
static uint8_t *touched_pages(size_t pages)
{
	uint8_t *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (p == MAP_FAILED)
		kit_fail("test setup: mmap failed: %s", strerror(errno));
	memset(p, 0x5a, pages * PAGE);
	mlock(p, pages * PAGE);
	return p;
}

/* ---- a private DMA directory (the 4 KiB fallback) ---- */

static char private_dir[64];

static int private_dir_setup(void **state)
{
	(void)state;
	snprintf(private_dir, sizeof(private_dir), "/dev/shm/bypasslab-test-XXXXXX");
	if (!mkdtemp(private_dir)) {
		print_error("mkdtemp in /dev/shm failed: %s\n", strerror(errno));
		return -1;
	}
	setenv(E1K_DMA_DIR_ENV, private_dir, 1);
	return 0;
}

static int private_dir_teardown(void **state)
{
	(void)state;
	DIR *d = opendir(private_dir);
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL) {
		char path[PATH_MAX];
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", private_dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(private_dir);
	unsetenv(E1K_DMA_DIR_ENV);
	return 0;
}

/* Hugepage tests use the normal directory choice. */
static int default_dir_setup(void **state)
{
	(void)state;
	unsetenv(E1K_DMA_DIR_ENV);
	return 0;
}

static unsigned count_dma_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;
	while (d && (de = readdir(d)) != NULL)
		n += strncmp(de->d_name, E1K_DMA_FILE_PREFIX, strlen(E1K_DMA_FILE_PREFIX)) == 0;
	if (d)
		closedir(d);
	return n;
}

/* ---- pagemap ---- */

static void pagemap_translates_known_page(void **state)
{
	(void)state;
	need_root();
	char err[512] = "";

	/* One page of a file, mapped twice: two virtual addresses, one frame. */
	char path[64];
	snprintf(path, sizeof(path), "/dev/shm/bypasslab-test-page-%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, PAGE) != 0)
		kit_fail("test setup: cannot create %s: %s", path, strerror(errno));
	unlink(path);
	uint8_t *a = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	uint8_t *b = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (a == MAP_FAILED || b == MAP_FAILED)
		kit_fail("test setup: mmap failed: %s", strerror(errno));
	a[0] = 1;
	(void)*(volatile uint8_t *)b;

	uint64_t pa = 0, pb = 0;
	int rc = e1k_virt_to_phys(a, &pa, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_virt_to_phys(%p) of a touched page returned %d (%s), expected 0",
			 (void *)a, rc, err);
	if (pa != own_phys(a))
		kit_fail("e1k_virt_to_phys(%p) = 0x%llx, but pagemap says 0x%llx (offset = page "
			 "number * 8? PFN mask bits 0-54? PFN * 4096?)", (void *)a,
			 (unsigned long long)pa, (unsigned long long)own_phys(a));
	rc = e1k_virt_to_phys(b, &pb, err, sizeof(err));
	if (rc != 0 || pb != pa)
		kit_fail("two mappings of the same file page must give the same physical address: "
			 "%p -> 0x%llx, %p -> 0x%llx (rc %d, %s)", (void *)a, (unsigned long long)pa,
			 (void *)b, (unsigned long long)pb, rc, err);

	/* And an anonymous page somewhere else. */
	uint8_t *p = touched_pages(3);
	for (unsigned i = 0; i < 3; i++) {
		uint64_t phys = 0;
		rc = e1k_virt_to_phys(p + i * PAGE, &phys, err, sizeof(err));
		if (rc != 0 || phys != own_phys(p + i * PAGE))
			kit_fail("anonymous page %u at %p: got 0x%llx (rc %d, %s), pagemap says 0x%llx",
				 i, (void *)(p + i * PAGE), (unsigned long long)phys, rc, err,
				 (unsigned long long)own_phys(p + i * PAGE));
	}
	munmap(p, 3 * PAGE);
	munmap(a, PAGE);
	munmap(b, PAGE);
	close(fd);
}

static void pagemap_keeps_page_offset(void **state)
{
	(void)state;
	need_root();
	char err[512] = "";
	uint8_t *p = touched_pages(2);
	const size_t offsets[] = { 0, 1, 123, 2048, 4095, 4096 + 8, 8191 };
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint64_t phys = 0;
		int rc = e1k_virt_to_phys(p + offsets[i], &phys, err, sizeof(err));
		uint64_t want = own_phys(p + offsets[i]);
		if (rc != 0 || phys != want)
			kit_fail("e1k_virt_to_phys(page + %zu) = 0x%llx (rc %d, %s), expected 0x%llx: "
				 "add the offset inside the page (virt %% 4096) to PFN * 4096",
				 offsets[i], (unsigned long long)phys, rc, err, (unsigned long long)want);
	}
	munmap(p, 2 * PAGE);
}

static void pagemap_reports_not_present(void **state)
{
	(void)state;
	char err[512] = "";
	/* Mapped but never touched: no frame behind it yet. */
	uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		kit_fail("test setup: mmap failed");
	uint64_t phys = 0x1234;
	int rc = e1k_virt_to_phys(p, &phys, err, sizeof(err));
	if (rc != -EFAULT)
		kit_fail("an untouched page must give -EFAULT (bit 63, present, is clear); got %d "
			 "(phys 0x%llx, \"%s\")", rc, (unsigned long long)phys, err);
	if (!strstr(err, "touch") && !strstr(err, "write"))
		kit_fail("the message for a page not present should tell the user to touch (write) "
			 "the page first; got \"%s\"", err);
	if (!strstr(err, "mlock"))
		kit_fail("the message for a page not present should mention mlock; got \"%s\"", err);
	munmap(p, PAGE);
}

/* Run the translation as user nobody (or directly, when not root). */
static void pagemap_explains_pfn_zero(void **state)
{
	(void)state;
	int rc = 0;
	char err[512] = "";

	if (!kit_is_root()) {
		uint8_t *p = touched_pages(1);
		uint64_t phys;
		rc = e1k_virt_to_phys(p, &phys, err, sizeof(err));
		munmap(p, PAGE);
	} else {
		int fds[2];
		if (pipe(fds) != 0)
			kit_fail("test setup: pipe failed");
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
				_exit(3);
			/* After setuid the process is not dumpable and /proc/self/ files
			 * belong to root (proc(5)); make them ours again, as for any user. */
			prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
			uint8_t *p = touched_pages(1);
			uint64_t phys = 0;
			int child_rc = e1k_virt_to_phys(p, &phys, err, sizeof(err));
			if (write(fds[1], &child_rc, sizeof(child_rc)) != sizeof(child_rc) ||
			    write(fds[1], err, sizeof(err)) != sizeof(err))
				_exit(4);
			_exit(0);
		}
		close(fds[1]);
		if (read(fds[0], &rc, sizeof(rc)) != sizeof(rc) ||
		    read(fds[0], err, sizeof(err)) != sizeof(err)) {
			int status = 0;
			waitpid(pid, &status, 0);
			kit_fail("test setup: the child running as user nobody failed (status 0x%x)",
				 status);
		}
		err[sizeof(err) - 1] = 0;
		waitpid(pid, NULL, 0);
		close(fds[0]);
	}
	if (rc != -EPERM)
		kit_fail("without CAP_SYS_ADMIN pagemap shows the page present with PFN 0: "
			 "e1k_virt_to_phys must return -EPERM, got %d (\"%s\")", rc, err);
	if (!strstr(err, "CAP_SYS_ADMIN") || (!strstr(err, "sudo") && !strstr(err, "root")))
		kit_fail("the PFN-0 message must explain it (CAP_SYS_ADMIN) and the fix (sudo / root "
			 "/ the QEMU guest); got \"%s\"", err);
}

static void contiguity_check_matches_pagemap(void **state)
{
	(void)state;
	need_root();
	char err[512] = "";
	const unsigned pages = 32;
	uint8_t *p = touched_pages(pages);

	/* What the truth is, from our own reading. */
	int expected = 1;
	for (unsigned i = 1; i < pages; i++)
		if (own_phys(p + i * PAGE) != own_phys(p) + i * PAGE)
			expected = 0;
	int rc = e1k_phys_contiguous(p, pages * PAGE, err, sizeof(err));
	if (rc != expected)
		kit_fail("e1k_phys_contiguous over %u anonymous pages returned %d, but pagemap says "
			 "%s (\"%s\")", pages, rc, expected ? "contiguous" : "not contiguous", err);
	if (!expected && strlen(err) < 10)
		kit_fail("a range that is not contiguous must say where it breaks in err");
	rc = e1k_phys_contiguous(p + 100, 200, err, sizeof(err));
	if (rc != 1)
		kit_fail("200 bytes inside one page are always contiguous; got %d (\"%s\")", rc, err);
	/* A range that ends one byte into the next page covers two pages. */
	int two = own_phys(p + PAGE) == own_phys(p) + PAGE;
	rc = e1k_phys_contiguous(p + PAGE - 8, 9, err, sizeof(err));
	if (rc != two)
		kit_fail("9 bytes across a page boundary: returned %d, pagemap says %d (check the "
			 "page after the first one too)", rc, two);
	munmap(p, pages * PAGE);
}

/* ---- DMA memory ---- */

static void dma_hugepage_region_contiguous(void **state)
{
	(void)state;
	need_root();
	char err[1024] = "";
	struct e1k_dma dma;
	int rc = e1k_dma_alloc(&dma, 2u << 20, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_dma_alloc(2 MiB) as root returned %d: %s", rc, err);
	if (!dma.huge || dma.page_size != E1K_HUGEPAGE_SIZE)
		kit_fail("as root e1k_dma_alloc must use hugepages (mount hugetlbfs, reserve pages); "
			 "got huge %d, page size %zu, path %s, err \"%s\"", dma.huge, dma.page_size,
			 dma.path, err);
	struct statfs fs;
	if (statfs(dma.path, &fs) != 0 || fs.f_type != HUGETLBFS_MAGIC)
		kit_fail("%s is not on a hugetlbfs mount", dma.path);
	if (dma.map_size != 2u << 20 || dma.phys % (2u << 20) != 0)
		kit_fail("a 2 MiB region: map_size %zu, phys 0x%llx (expected 2097152 and a 2 MiB "
			 "aligned address)", dma.map_size, (unsigned long long)dma.phys);
	if (dma.phys != own_phys(dma.virt))
		kit_fail("dma.phys 0x%llx, but pagemap says 0x%llx", (unsigned long long)dma.phys,
			 (unsigned long long)own_phys(dma.virt));
	const uint8_t *bytes = dma.virt;
	for (size_t off = 0; off < dma.map_size; off += PAGE) {
		if (own_phys(bytes + off) != dma.phys + off)
			kit_fail("4 KiB page at offset %zu is at 0x%llx, not 0x%llx", off,
				 (unsigned long long)own_phys(bytes + off),
				 (unsigned long long)(dma.phys + off));
		for (size_t i = 0; i < PAGE; i += 64)
			if (bytes[off + i])
				kit_fail("DMA memory must be zeroed: byte %zu is 0x%02x", off + i,
					 bytes[off + i]);
	}
	if (!dma.contiguous || e1k_phys_contiguous(dma.virt, dma.map_size, err, sizeof(err)) != 1)
		kit_fail("a 2 MiB hugepage must be reported contiguous (dma.contiguous %d; %s)",
			 dma.contiguous, err);
	e1k_dma_free(&dma);

	/* A small region still takes a whole hugepage. */
	rc = e1k_dma_alloc(&dma, 100000, err, sizeof(err));
	if (rc != 0 || dma.map_size != 2u << 20 || dma.size != 100000)
		kit_fail("e1k_dma_alloc(100000): rc %d, size %zu, map_size %zu (expected 2 MiB): %s",
			 rc, dma.size, dma.map_size, err);
	e1k_dma_free(&dma);
}

static void dma_rejects_bad_sizes(void **state)
{
	(void)state;
	need_root();
	char err[1024] = "";
	struct e1k_dma dma;
	int rc = e1k_dma_alloc(&dma, 0, err, sizeof(err));
	if (rc != -EINVAL || strlen(err) < 10)
		kit_fail("size 0 must be refused with -EINVAL and a message; got %d \"%s\"", rc, err);
	err[0] = 0;
	rc = e1k_dma_alloc(&dma, E1K_DMA_MAX_SIZE + 1, err, sizeof(err));
	if (rc != -EINVAL || strlen(err) < 10)
		kit_fail("a size above E1K_DMA_MAX_SIZE must be refused with -EINVAL and a message; "
			 "got %d \"%s\"", rc, err);
	/* After refusals, a good request still works and leaves nothing behind. */
	rc = e1k_dma_alloc(&dma, 4096, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_dma_alloc(4096) after the refusals returned %d: %s", rc, err);
	if (count_dma_files(private_dir) != 1)
		kit_fail("expected exactly one bypasslab-dma-* file in %s after one allocation, "
			 "found %u", private_dir, count_dma_files(private_dir));
	e1k_dma_free(&dma);
	if (count_dma_files(private_dir) != 0)
		kit_fail("e1k_dma_free must unlink the file");
}

static void dma_fallback_is_flagged(void **state)
{
	(void)state;
	need_root();
	char err[1024] = "";
	struct e1k_dma dma;
	int rc = e1k_dma_alloc(&dma, 4096, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_dma_alloc(4096) in a tmpfs directory (the fallback) returned %d: %s",
			 rc, err);
	if (dma.huge || dma.page_size != 4096 || dma.map_size != 4096 || !dma.contiguous)
		kit_fail("on /dev/shm: huge %d, page_size %zu, map_size %zu, contiguous %d (expected "
			 "0, 4096, 4096, 1)", dma.huge, dma.page_size, dma.map_size, dma.contiguous);
	if (!strstr(err, "WARNING") || !strstr(err, "4 KiB"))
		kit_fail("the fallback must be flagged: err should hold a WARNING about 4 KiB pages; "
			 "got \"%s\"", err);
	if (dma.phys != own_phys(dma.virt) || dma.phys == 0)
		kit_fail("dma.phys 0x%llx, pagemap says 0x%llx", (unsigned long long)dma.phys,
			 (unsigned long long)own_phys(dma.virt));
	e1k_dma_free(&dma);

	/* 64 KiB of 4 KiB pages: only acceptable if really contiguous. */
	rc = e1k_dma_alloc(&dma, 65536, err, sizeof(err));
	if (rc == 0) {
		for (size_t off = PAGE; off < 65536; off += PAGE)
			if (own_phys((uint8_t *)dma.virt + off) != dma.phys + off)
				kit_fail("e1k_dma_alloc(64 KiB) on 4 KiB pages returned memory that is "
					 "not physically contiguous (page at %zu): it must refuse", off);
		e1k_dma_free(&dma);
	} else if (rc != -ENOMEM || !strstr(err, "contiguous")) {
		kit_fail("e1k_dma_alloc(64 KiB) on 4 KiB pages: expected success only if contiguous, "
			 "else -ENOMEM saying it is not contiguous; got %d \"%s\"", rc, err);
	}
	if (count_dma_files(private_dir) != 0)
		kit_fail("a refused allocation must not leave its file behind in %s", private_dir);

	/* Page by page is fine for a pool. */
	rc = e1k_dma_alloc_pages(&dma, 65536, err, sizeof(err));
	if (rc != 0 || dma.huge || dma.map_size != 65536)
		kit_fail("e1k_dma_alloc_pages(64 KiB) on the fallback: rc %d, huge %d, map_size %zu: %s",
			 rc, dma.huge, dma.map_size, err);
	e1k_dma_free(&dma);
}

static void dma_file_naming_and_cleanup(void **state)
{
	(void)state;
	need_root();
	char err[1024] = "";
	struct e1k_dma one, two;
	if (e1k_dma_alloc(&one, 4096, err, sizeof(err)) != 0)
		kit_fail("e1k_dma_alloc(4096): %s", err);
	if (e1k_dma_alloc_pages(&two, 3 * 4096, err, sizeof(err)) != 0)
		kit_fail("e1k_dma_alloc_pages(12288): %s", err);

	struct e1k_dma *both[2] = { &one, &two };
	unsigned numbers[2];
	for (int i = 0; i < 2; i++) {
		struct e1k_dma *d = both[i];
		char want_prefix[PATH_MAX];
		snprintf(want_prefix, sizeof(want_prefix), "%s/" E1K_DMA_FILE_PREFIX "%d-", private_dir,
			 (int)getpid());
		char *end;
		if (strncmp(d->path, want_prefix, strlen(want_prefix)) != 0)
			kit_fail("DMA file \"%s\" must be named %sN (the simulated NIC finds DMA memory "
				 "by this name)", d->path, want_prefix);
		numbers[i] = (unsigned)strtoul(d->path + strlen(want_prefix), &end, 10);
		if (*end || end == d->path + strlen(want_prefix))
			kit_fail("DMA file \"%s\": after the pid comes a number and nothing else", d->path);
		struct stat by_name, by_fd;
		if (stat(d->path, &by_name) != 0 || fstat(d->fd, &by_fd) != 0 ||
		    by_name.st_ino != by_fd.st_ino)
			kit_fail("dma.path %s and dma.fd %d must be the same, existing file", d->path, d->fd);
		if ((size_t)by_name.st_size != d->map_size)
			kit_fail("%s is %lld bytes, map_size is %zu (ftruncate?)", d->path,
				 (long long)by_name.st_size, d->map_size);
		/* The mapping is the file (MAP_SHARED): what we write, the NIC sees. */
		((uint8_t *)d->virt)[100] = 0xab;
		uint8_t back = 0;
		if (pread(d->fd, &back, 1, 100) != 1 || back != 0xab)
			kit_fail("a byte written through dma.virt is not in the file %s: map it "
				 "MAP_SHARED from dma.fd", d->path);
	}
	if (numbers[0] == numbers[1])
		kit_fail("two allocations got the same file number %u", numbers[0]);

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s", one.path);
	e1k_dma_free(&one);
	struct stat st;
	if (stat(path, &st) == 0)
		kit_fail("e1k_dma_free must unlink %s", path);
	if (one.fd != -1 || one.virt != NULL)
		kit_fail("after e1k_dma_free: fd %d, virt %p (expected -1, NULL)", one.fd, one.virt);
	e1k_dma_free(&one);   /* a second call must be harmless */
	e1k_dma_free(&two);
	if (count_dma_files(private_dir) != 0)
		kit_fail("%u DMA files left in %s after freeing everything",
			 count_dma_files(private_dir), private_dir);
}

static void touch_file(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", private_dir, name);
	int fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		kit_fail("test setup: cannot create %s", path);
	close(fd);
}

static int file_exists(const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", private_dir, name);
	return stat(path, &st) == 0;
}

static void dma_removes_stale_files(void **state)
{
	(void)state;
	need_root();
	pid_t dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);

	char stale0[64], stale7[64], mine[64];
	snprintf(stale0, sizeof(stale0), E1K_DMA_FILE_PREFIX "%d-0", (int)dead);
	snprintf(stale7, sizeof(stale7), E1K_DMA_FILE_PREFIX "%d-7", (int)dead);
	snprintf(mine, sizeof(mine), E1K_DMA_FILE_PREFIX "%d-999", (int)getpid());
	touch_file(stale0);
	touch_file(stale7);
	touch_file(mine);
	touch_file(E1K_DMA_FILE_PREFIX "1-0");   /* init is alive */
	touch_file("unrelated-file");

	char err[1024] = "";
	struct e1k_dma dma;
	int rc = e1k_dma_alloc(&dma, 4096, err, sizeof(err));
	if (rc != 0)
		kit_fail("e1k_dma_alloc(4096): %d %s", rc, err);
	if (file_exists(stale0) || file_exists(stale7))
		kit_fail("files of dead process %d were not removed at allocation", (int)dead);
	if (!file_exists(mine) || !file_exists(E1K_DMA_FILE_PREFIX "1-0") ||
	    !file_exists("unrelated-file"))
		kit_fail("only files of dead processes may be removed: a live process's DMA file or "
			 "an unrelated file is gone");
	e1k_dma_free(&dma);
}

/* ---- mempool ---- */

static struct e1k_mempool *must_create(unsigned count, unsigned buf_size)
{
	char err[1024] = "";
	struct e1k_mempool *pool = e1k_mempool_create(count, buf_size, err, sizeof(err));
	if (!pool)
		kit_fail("e1k_mempool_create(%u, %u) failed: %s", count, buf_size, err);
	if (pool->count != count || pool->buf_size != buf_size || e1k_mempool_in_use(pool) != 0)
		kit_fail("a new pool: count %u, buf_size %u, in use %u (expected %u, %u, 0)",
			 pool->count, pool->buf_size, e1k_mempool_in_use(pool), count, buf_size);
	return pool;
}

static void mempool_alloc_free(void **state)
{
	(void)state;
	need_root();
	enum { N = 64 };
	struct e1k_mempool *pool = must_create(N, 2048);
	struct e1k_buf *bufs[N];
	for (unsigned i = 0; i < N; i++) {
		bufs[i] = e1k_buf_alloc(pool);
		if (!bufs[i])
			kit_fail("e1k_buf_alloc #%u of %u returned NULL", i, N);
		if (bufs[i]->len != 0 || !bufs[i]->data || bufs[i]->pool != pool)
			kit_fail("buffer #%u: len %u, data %p, pool %p (expected 0, non-NULL, the pool)",
				 i, bufs[i]->len, (void *)bufs[i]->data, (void *)bufs[i]->pool);
		memset(bufs[i]->data, (int)i, 2048);
	}
	for (unsigned i = 0; i < N; i++)
		for (unsigned j = 0; j < 2048; j += 256)
			if (bufs[i]->data[j] != (uint8_t)i)
				kit_fail("buffer #%u was overwritten: buffers overlap or one was handed "
					 "out twice", i);
	if (e1k_mempool_in_use(pool) != N)
		kit_fail("in use %u after %u allocations", e1k_mempool_in_use(pool), N);
	if (e1k_buf_alloc(pool) != NULL)
		kit_fail("an empty pool must return NULL");
	if (pool->alloc_failures != 1)
		kit_fail("an allocation from an empty pool must be counted (alloc_failures %llu)",
			 (unsigned long long)pool->alloc_failures);
	for (unsigned i = 0; i < N; i++)
		if (e1k_buf_free(bufs[i]) != 0)
			kit_fail("e1k_buf_free of buffer #%u failed", i);
	if (e1k_mempool_in_use(pool) != 0)
		kit_fail("in use %u after freeing everything", e1k_mempool_in_use(pool));
	struct e1k_buf *again = e1k_buf_alloc(pool);
	if (!again || again != bufs[N - 1])
		kit_fail("after a free, the next allocation should return the buffer freed last "
			 "(a stack, still warm in the cache)");
	e1k_buf_free(again);
	unsigned leaked = e1k_mempool_destroy(pool);
	if (leaked != 0)
		kit_fail("destroy reported %u leaked buffers, none were", leaked);
}

static void mempool_bulk(void **state)
{
	(void)state;
	need_root();
	struct e1k_mempool *pool = must_create(64, 2048);
	struct e1k_buf *a[40], *b[30];
	if (e1k_buf_alloc_bulk(pool, a, 40) != 40)
		kit_fail("e1k_buf_alloc_bulk of 40 from 64 free must return 40");
	for (unsigned i = 0; i < 40; i++)
		for (unsigned j = 0; j < i; j++)
			if (a[i] == a[j] || !a[i])
				kit_fail("bulk allocation returned buffer %u twice (or NULL)", i);
	if (e1k_buf_alloc_bulk(pool, b, 30) != 0)
		kit_fail("30 from a pool with 24 free must return 0 (all or nothing)");
	if (pool->alloc_failures != 1 || e1k_mempool_in_use(pool) != 40)
		kit_fail("after a refused bulk: alloc_failures %llu, in use %u (expected 1, 40: "
			 "nothing taken)", (unsigned long long)pool->alloc_failures,
			 e1k_mempool_in_use(pool));
	if (e1k_buf_alloc_bulk(pool, b, 24) != 24 || e1k_mempool_in_use(pool) != 64)
		kit_fail("the last 24 in bulk: in use %u", e1k_mempool_in_use(pool));
	if (e1k_buf_free_bulk(a, 40) != 0 || e1k_mempool_in_use(pool) != 24)
		kit_fail("e1k_buf_free_bulk of 40: in use %u (expected 24)", e1k_mempool_in_use(pool));
	if (e1k_buf_free_bulk(b, 24) != 0 || e1k_mempool_in_use(pool) != 0)
		kit_fail("e1k_buf_free_bulk of 24: in use %u (expected 0)", e1k_mempool_in_use(pool));
	if (e1k_mempool_destroy(pool) != 0)
		kit_fail("destroy reported leaks after everything was freed");
}

static void mempool_detects_double_free(void **state)
{
	(void)state;
	need_root();
	struct e1k_mempool *pool = must_create(8, 2048);
	/* Another buffer out, so that a second push of buf still fits on the stack and
	 * the mistake shows as a wrong answer, not as a crash. */
	struct e1k_buf *buf = e1k_buf_alloc(pool), *other = e1k_buf_alloc(pool);
	if (!buf || !other || e1k_buf_free(buf) != 0)
		kit_fail("alloc then free of one buffer failed");
	int rc = e1k_buf_free(buf);
	if (rc != -EALREADY)
		kit_fail("freeing a buffer twice must return -EALREADY (check in_use before pushing "
			 "it, and count it in double_frees: TODO 8), got %d", rc);
	e1k_buf_free(other);
	if (pool->double_frees != 1 || e1k_mempool_in_use(pool) != 0)
		kit_fail("after a double free: double_frees %llu, in use %u (expected 1, 0)",
			 (unsigned long long)pool->double_frees, e1k_mempool_in_use(pool));
	/* Had the index been pushed twice, one buffer would now come out twice. */
	struct e1k_buf *all[9];
	for (unsigned i = 0; i < 8; i++) {
		all[i] = e1k_buf_alloc(pool);
		for (unsigned j = 0; j < i; j++)
			if (!all[i] || all[i] == all[j])
				kit_fail("after the double free the pool handed out a buffer twice");
	}
	if (e1k_buf_alloc(pool) != NULL)
		kit_fail("a pool of 8 gave out a ninth buffer after a double free");
	if (e1k_buf_free(NULL) != -EINVAL)
		kit_fail("e1k_buf_free(NULL) must return -EINVAL");
	e1k_buf_free_bulk(all, 8);
	e1k_mempool_destroy(pool);
}

static void mempool_reports_leaks(void **state)
{
	(void)state;
	need_root();
	struct e1k_mempool *pool = must_create(16, 2048);
	for (int i = 0; i < 3; i++)
		if (!e1k_buf_alloc(pool))
			kit_fail("alloc #%d failed", i);
	fflush(stderr);
	int saved = dup(2);
	FILE *capture = tmpfile();
	if (saved < 0 || !capture)
		kit_fail("test setup: cannot capture stderr");
	dup2(fileno(capture), 2);
	unsigned leaked = e1k_mempool_destroy(pool);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char text[512] = "";
	rewind(capture);
	size_t got = fread(text, 1, sizeof(text) - 1, capture);
	text[got] = 0;
	fclose(capture);
	if (leaked != 3)
		kit_fail("3 buffers were never freed: e1k_mempool_destroy must return 3, got %u", leaked);
	if (!strstr(text, "3"))
		kit_fail("the leak must be reported on stderr with the count; stderr was \"%s\"", text);
}

static void check_pool_buffers(struct e1k_mempool *pool, const char *what)
{
	const uint8_t *start = pool->dma.virt, *end = start + pool->dma.map_size;
	for (unsigned i = 0; i < pool->count; i++) {
		const struct e1k_buf *b = &pool->bufs[i];
		if (b->data < start || b->data + pool->buf_size > end)
			kit_fail("%s: buffer %u (%p) lies outside the pool's DMA region", what, i,
				 (void *)b->data);
		if ((uintptr_t)b->data % PAGE + pool->buf_size > PAGE)
			kit_fail("%s: buffer %u at %p crosses a 4 KiB boundary: on 4 KiB pages the "
				 "device would write into an unrelated frame", what, i, (void *)b->data);
		uint64_t want = own_phys(b->data);
		if (b->phys != want || want == 0)
			kit_fail("%s: buffer %u: phys 0x%llx, but pagemap says its data is at 0x%llx "
				 "(translate each buffer's own address)", what, i,
				 (unsigned long long)b->phys, (unsigned long long)want);
		if (own_phys(b->data + pool->buf_size - 1) != b->phys + pool->buf_size - 1)
			kit_fail("%s: buffer %u is not physically contiguous", what, i);
		if (i > 0 && b->data < pool->bufs[i - 1].data + pool->buf_size &&
		    b->data >= pool->bufs[i - 1].data)
			kit_fail("%s: buffers %u and %u overlap", what, i - 1, i);
	}
}

static void mempool_phys_matches_pagemap(void **state)
{
	(void)state;
	need_root();
	/* Hugepages (the normal case): 1500 buffers span more than one 2 MiB page. */
	unsetenv(E1K_DMA_DIR_ENV);
	struct e1k_mempool *pool = must_create(1500, 2048);
	if (!pool->dma.huge)
		kit_fail("as root the pool's memory should be on hugepages");
	check_pool_buffers(pool, "hugepage pool");
	e1k_mempool_destroy(pool);

	/* The 4 KiB fallback, with a size that does not divide the page. */
	setenv(E1K_DMA_DIR_ENV, private_dir, 1);
	pool = must_create(50, 1500);
	if (pool->dma.huge)
		kit_fail("with " E1K_DMA_DIR_ENV "=%s the pool must use 4 KiB pages", private_dir);
	check_pool_buffers(pool, "4 KiB pool");
	e1k_mempool_destroy(pool);
}

static void mempool_rejects_bad_geometry(void **state)
{
	(void)state;
	need_root();
	char err[1024];
	const unsigned bad[][2] = { { 0, 2048 }, { 16, 0 }, { 16, 10 }, { 16, 5000 },
				    { E1K_MEMPOOL_MAX_COUNT + 1, 2048 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		struct e1k_mempool *pool = e1k_mempool_create(bad[i][0], bad[i][1], err, sizeof(err));
		if (pool || strlen(err) < 10)
			kit_fail("e1k_mempool_create(%u, %u) must fail with a message; got %p \"%s\"",
				 bad[i][0], bad[i][1], (void *)pool, err);
	}
	struct e1k_mempool *pool = must_create(8, 64);
	if (pool->stride < 64 || pool->stride % 64 != 0)
		kit_fail("stride %u: buffers should start on 64-byte cache lines", pool->stride);
	e1k_mempool_destroy(pool);
}

int main(int argc, char **argv)
{
	static const struct kit_test tests[] = {
		{ "pagemap_translates_known_page", pagemap_translates_known_page, NULL, NULL, 2, 0,
		  "TODO 1+2: phys matches pagemap; two mappings of one page agree", "root" },
		{ "pagemap_keeps_page_offset", pagemap_keeps_page_offset, NULL, NULL, 1, 0,
		  "TODO 2: the offset inside the page is kept", "root" },
		{ "pagemap_reports_not_present", pagemap_reports_not_present, NULL, NULL, 1, 0,
		  "TODO 1+2: an untouched page is -EFAULT, says touch + mlock", NULL },
		{ "pagemap_explains_pfn_zero", pagemap_explains_pfn_zero, NULL, NULL, 1, 0,
		  "TODO 2: as user nobody, PFN 0 is -EPERM with CAP_SYS_ADMIN explained", NULL },
		{ "contiguity_check_matches_pagemap", contiguity_check_matches_pagemap, NULL, NULL, 1, 0,
		  "TODO 3: contiguous or not, as pagemap says; ranges across a page", "root" },
		{ "dma_hugepage_region_contiguous", dma_hugepage_region_contiguous, default_dir_setup,
		  NULL, 3, 0, "TODO 4-6: 2 MiB on hugetlbfs, aligned, contiguous, zeroed", "root" },
		{ "dma_rejects_bad_sizes", dma_rejects_bad_sizes, private_dir_setup,
		  private_dir_teardown, 1, 0, "TODO 4-6: size 0 and > 1 GiB refused; then one works", "root" },
		{ "dma_fallback_is_flagged", dma_fallback_is_flagged, private_dir_setup,
		  private_dir_teardown, 2, 0, "TODO 4-6: 4 KiB fallback flagged; no fake contiguity", "root" },
		{ "dma_file_naming_and_cleanup", dma_file_naming_and_cleanup, private_dir_setup,
		  private_dir_teardown, 2, 0, "TODO 4-6: bypasslab-dma-<pid>-<n>, MAP_SHARED, unlinked", "root" },
		{ "dma_removes_stale_files", dma_removes_stale_files, private_dir_setup,
		  private_dir_teardown, 1, 0, "TODO 4-6: files of dead pids removed, others kept", "root" },
		{ "mempool_alloc_free", mempool_alloc_free, default_dir_setup, NULL, 2, 0,
		  "TODO 7+8: 64 distinct buffers, exhaustion NULL and counted, LIFO", "root" },
		{ "mempool_bulk", mempool_bulk, default_dir_setup, NULL, 2, 0,
		  "TODO 9: bulk all-or-nothing, counted; bulk free", "root" },
		{ "mempool_detects_double_free", mempool_detects_double_free, default_dir_setup, NULL,
		  1, 0, "TODO 8: double free is -EALREADY, counted, harmless", "root" },
		{ "mempool_reports_leaks", mempool_reports_leaks, default_dir_setup, NULL, 1, 0,
		  "TODO 10: destroy returns and prints the leaked count", "root" },
		{ "mempool_phys_matches_pagemap", mempool_phys_matches_pagemap, private_dir_setup,
		  private_dir_teardown, 3, 0, "TODO 7: every buffer's phys = pagemap; no 4 KiB crossing", "root" },
		{ "mempool_rejects_bad_geometry", mempool_rejects_bad_geometry, default_dir_setup, NULL,
		  1, 0, "TODO 7: count/size out of range refused; 64-byte stride", "root" },
	};
	return kit_test_main(argc, argv, "lab03-hugepages-pagemap", tests,
			     sizeof(tests) / sizeof(tests[0]));
}
