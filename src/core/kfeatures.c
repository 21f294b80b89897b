// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel offers ptwatch. Every answer comes from what the
 * kernel exposes (sysctls, BTF, kallsyms, its config, an ioctl probe),
 * never from the version number: distributions backport features.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "kallsyms.h"
#include "kfeatures.h"

/* Reads an integer sysctl below root ("vm/pt_reclaim"); -1 when absent. */
static int read_sysctl_int(const char *root, const char *name, bool *exists)
{
	char path[512], buf[32];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "r");
	*exists = f != NULL || errno == EACCES;
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Looks for "CONFIG_NAME=y" in a (possibly gzip'd) kernel config. */
static bool config_has(const char *path, const char *line)
{
	gzFile f = gzopen(path, "r");
	char buf[256];
	size_t n = strlen(line);
	bool found = false;

	if (!f)
		return false;
	while (!found && gzgets(f, buf, sizeof(buf)))
		found = strncmp(buf, line, n) == 0 &&
			(buf[n] == '\n' || !buf[n]);
	gzclose(f);
	return found;
}

static bool kernel_config_has(const char *release, const char *line)
{
	char path[128];

	if (config_has("/proc/config.gz", line))
		return true;
	snprintf(path, sizeof(path), "/boot/config-%s", release);
	return config_has(path, line);
}

/*
 * PAGEMAP_SCAN (6.7+) is probed with an empty scan of our own pagemap: a
 * kernel without it has no ioctl on that file and says ENOTTY. The uapi
 * headers of older distributions lack the definitions, hence our copy.
 */
struct ptw_pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask;
	uint64_t return_mask;
};
#define PTW_PAGEMAP_SCAN _IOWR('f', 16, struct ptw_pm_scan_arg)

static bool pagemap_scan_works(void)
{
	struct ptw_pm_scan_arg arg = { .size = sizeof(arg), .return_mask = 1 };
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return false;
	rc = ioctl(fd, PTW_PAGEMAP_SCAN, &arg);
	if (rc < 0 && errno == ENOTTY)
		rc = -2;
	close(fd);
	return rc != -2;
}

static enum pt_reclaim_mode
probe_pt_reclaim(const char *release, const char *sysctl_root, int *value)
{
	bool exists;

	*value = read_sysctl_int(sysctl_root, "vm/pt_reclaim", &exists);
	if (exists)
		return PT_RECLAIM_SYSCTL;
	*value = -1;
	if (kernel_config_has(release, "CONFIG_PT_RECLAIM=y") ||
	    kallsyms_has_text("try_to_free_pte"))
		return PT_RECLAIM_BUILTIN;
	return PT_RECLAIM_ABSENT;
}

void kfeatures_probe(struct kfeatures *kf, const char *sysctl_root)
{
	struct utsname u;

	memset(kf, 0, sizeof(*kf));
	if (!sysctl_root)
		sysctl_root = "/proc/sys";
	if (uname(&u) == 0)
		snprintf(kf->release, sizeof(kf->release), "%s", u.release);
	kf->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	kf->pt_reclaim = probe_pt_reclaim(kf->release, sysctl_root,
					  &kf->pt_reclaim_value);
	kf->hugetlb_vmemmap_value =
		read_sysctl_int(sysctl_root, "vm/hugetlb_optimize_vmemmap",
				&kf->hugetlb_vmemmap_sysctl);
	kf->pagemap_scan = pagemap_scan_works();
}

const char *pt_reclaim_mode_name(enum pt_reclaim_mode m)
{
	switch (m) {
	case PT_RECLAIM_BUILTIN:
		return "builtin";
	case PT_RECLAIM_SYSCTL:
		return "sysctl";
	case PT_RECLAIM_ABSENT:
		break;
	}
	return "absent";
}
