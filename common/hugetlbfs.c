/* hugetlbfs.c — find the hugetlbfs mount (see hugetlbfs.h). */
#include "hugetlbfs.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

int kit_hugetlbfs_mount(char *dir, size_t dir_len)
{
	FILE *f = fopen("/proc/mounts", "r");
	char device[256], mount_point[PATH_MAX], type[64];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fscanf(f, "%255s %4095s %63s %*[^\n]", device, mount_point, type) == 3) {
		if (strcmp(type, "hugetlbfs") == 0) {
			snprintf(dir, dir_len, "%.*s", (int)dir_len - 1, mount_point);
			found = 1;
		}
	}
	fclose(f);
	return found;
}
