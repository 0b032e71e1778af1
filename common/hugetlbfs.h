/*
 * hugetlbfs.h — where hugepage-backed files live: the first hugetlbfs mount.
 * Shared by lab03's DMA allocator and the simulated NIC (which looks for the
 * driver's DMA files there). See the kernel's admin-guide/mm/hugetlbpage.rst.
 */
#ifndef BYPASSLAB_HUGETLBFS_H
#define BYPASSLAB_HUGETLBFS_H

#include <stddef.h>

/* The mount point of the first hugetlbfs line of /proc/mounts
 * ("nodev /dev/hugepages hugetlbfs rw,..."). 1 if found, else 0. */
int kit_hugetlbfs_mount(char *dir, size_t dir_len);

#endif
