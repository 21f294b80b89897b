// SPDX-License-Identifier: GPL-2.0
/* HugeTLB pools and what HVO saves on them (hugetlb.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugetlb.h"
#include "procfs.h"

#define D_PAGE_SIZE 4096ULL
#define D_STRUCT_PAGE 64ULL /* sizeof(struct page) on x86_64 */

uint64_t d_hugetlb_saving_per_page(uint64_t page_bytes)
{
	uint64_t vmemmap = page_bytes / D_PAGE_SIZE * D_STRUCT_PAGE;

	/* HVO keeps the first vmemmap page, remaps the rest onto it */
	if (vmemmap <= D_PAGE_SIZE)
		return 0;
	return vmemmap - D_PAGE_SIZE;
}

static int read_pool(const char *dir, const char *name,
		     struct d_hugetlb_pool *p)
{
	char path[PATH_MAX + 300], buf[64];
	unsigned long long kb;

	if (sscanf(name, "hugepages-%llukB", &kb) != 1)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s/nr_hugepages", dir, name);
	if (procfs_read(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -EIO;
	p->page_bytes = kb * 1024;
	p->nr_pages = strtoull(buf, NULL, 10);
	p->saving_bytes =
		p->nr_pages * d_hugetlb_saving_per_page(p->page_bytes);
	return 0;
}

int d_hugetlb_read(const char *sys_root, struct d_hugetlb *out)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;

	memset(out, 0, sizeof(*out));
	snprintf(dir, sizeof(dir), "%s/kernel/mm/hugepages", sys_root);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && out->nr_pools < D_HUGETLB_MAX_SIZES) {
		struct d_hugetlb_pool *p = &out->pools[out->nr_pools];

		if (read_pool(dir, de->d_name, p))
			continue;
		out->saving_bytes += p->saving_bytes;
		out->nr_pools++;
	}
	closedir(d);
	return 0;
}
