// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers for /proc/PID/{status,smaps_rollup,cgroup}, /proc/meminfo and
 * memory.stat. They scan "Key:<spaces>value[ kB]" lines once and pick the
 * keys they know, so new keys anywhere in the file do no harm.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

struct kv_field {
	const char *key;
	uint64_t *dst;
	bool *seen;
};

/* Value of a "Key:   123 kB" line in bytes; a bare number is taken as is. */
static uint64_t kv_number(const char *v)
{
	char *end;
	uint64_t n = strtoull(v, &end, 10);

	while (*end == ' ' || *end == '\t')
		end++;
	if (end[0] == 'k' && end[1] == 'B')
		n *= 1024;
	return n;
}

/*
 * Walks "Key: value" lines; for each key in `fields` stores its number.
 * Returns how many known keys were found.
 */
static int kv_scan(const char *text, const struct kv_field *fields)
{
	int found = 0;

	for (const char *line = text; line && *line;) {
		const char *colon = strchr(line, ':');
		const char *nl = strchr(line, '\n');

		if (colon && (!nl || colon < nl)) {
			size_t klen = colon - line;

			for (const struct kv_field *f = fields; f->key; f++) {
				if (strlen(f->key) == klen &&
				    memcmp(f->key, line, klen) == 0) {
					*f->dst = kv_number(colon + 1);
					if (f->seen)
						*f->seen = true;
					found++;
					break;
				}
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return found;
}

/*
 * One escape of the kernel's "Name:" line: proc_task_name() escapes the
 * comm with ESCAPE_SPACE | ESCAPE_SPECIAL, only '\n' and '\\' today, but
 * the other C escapes are undone too in case a kernel widens the set.
 * Returns the byte and advances *p past the escape.
 */
static char unescape_one(const char **p)
{
	static const char from[] = "ntrfvae\\\"", to[] = "\n\t\r\f\v\a\x1b\\\"";
	const char *s = *p + 1, *hit = *s ? strchr(from, *s) : NULL;
	int v = 0, i;

	if (hit) {
		*p = s + 1;
		return to[hit - from];
	}
	for (i = 0; i < 3 && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (s[i] - '0');
	if (i == 3) {
		*p = s + 3;
		return (char)v;
	}
	*p = s; /* a lone backslash stands for itself */
	return '\\';
}

/*
 * "Name:\tcomm\n": the comm may hold spaces; it ends at the newline. The
 * kernel escapes it; we keep the real bytes (exporters escape for their own
 * format) and cut to `len - 1` bytes after unescaping, not before.
 */
static int parse_name(const char *text, char *comm, size_t len)
{
	const char *p = strstr(text, "Name:");
	size_t n = 0;

	if (p != text && (!p || p[-1] != '\n'))
		return -EINVAL;
	p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != '\n' && n + 1 < len) {
		if (*p == '\\')
			comm[n++] = unescape_one(&p);
		else
			comm[n++] = *p++;
	}
	comm[n] = '\0';
	return 0;
}

int procfs_parse_status(const char *text, struct proc_status *out)
{
	uint64_t tgid = 0;
	bool has_pte = false;
	const struct kv_field fields[] = {
		{ "Tgid", &tgid, NULL },
		{ "VmRSS", &out->vm_rss, NULL },
		{ "RssAnon", &out->rss_anon, NULL },
		{ "RssFile", &out->rss_file, NULL },
		{ "RssShmem", &out->rss_shmem, NULL },
		{ "VmSwap", &out->vm_swap, NULL },
		{ "VmPTE", &out->vm_pte, &has_pte },
		{ "HugetlbPages", &out->hugetlb, NULL },
		{ NULL },
	};

	memset(out, 0, sizeof(*out));
	if (parse_name(text, out->comm, sizeof(out->comm)))
		return -EINVAL;
	if (kv_scan(text, fields) == 0)
		return -EINVAL;
	out->tgid = (pid_t)tgid;
	out->has_mm = has_pte;
	return 0;
}

int procfs_parse_smaps_rollup(const char *text, struct smaps_rollup *out)
{
	bool has_rss = false;
	const struct kv_field fields[] = {
		{ "Rss", &out->rss, &has_rss },
		{ "Swap", &out->swap, NULL },
		{ "AnonHugePages", &out->anon_huge, NULL },
		{ "ShmemPmdMapped", &out->shmem_pmd_mapped, NULL },
		{ "FilePmdMapped", &out->file_pmd_mapped, NULL },
		{ NULL },
	};

	memset(out, 0, sizeof(*out));
	kv_scan(text, fields);
	return has_rss ? 0 : -EINVAL;
}

int procfs_parse_meminfo(const char *text, struct meminfo *out)
{
	bool has_total = false, has_pt = false;
	const struct kv_field fields[] = {
		{ "MemTotal", &out->mem_total, &has_total },
		{ "MemAvailable", &out->mem_available, NULL },
		{ "PageTables", &out->page_tables, &has_pt },
		{ "SecPageTables", &out->sec_page_tables, NULL },
		{ NULL },
	};

	memset(out, 0, sizeof(*out));
	kv_scan(text, fields);
	return has_total && has_pt ? 0 : -EINVAL;
}

int procfs_memstat_value(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			char *end;

			*out = strtoull(line + klen + 1, &end, 10);
			return end == line + klen + 1 ? -EINVAL : 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

/* Does a v1 controller list ("cpu,cpuacct" or "memory") name memory? */
static bool names_memory(const char *list, size_t len)
{
	while (len) {
		const char *comma = memchr(list, ',', len);
		size_t n = comma ? (size_t)(comma - list) : len;

		if (n == 6 && memcmp(list, "memory", 6) == 0)
			return true;
		if (!comma)
			break;
		len -= n + 1;
		list = comma + 1;
	}
	return false;
}

int procfs_parse_cgroup(const char *text, bool v2_memory, char *path,
			size_t len)
{
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *c1 = strchr(line, ':');
		const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		size_t end = nl ? (size_t)(nl - line) : strlen(line);

		if (c2 && (size_t)(c2 - line) < end) {
			bool unified = c2 == c1 + 1 &&
				       strncmp(line, "0:", 2) == 0;
			bool match = v2_memory ?
					     unified :
					     names_memory(c1 + 1, c2 - c1 - 1);

			if (match) {
				size_t n = end - (c2 + 1 - line);

				if (n + 1 > len)
					return -ENAMETOOLONG;
				memcpy(path, c2 + 1, n);
				path[n] = '\0';
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

ssize_t procfs_read(int dirfd, const char *path, char *buf, size_t len)
{
	size_t used = 0;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (used + 1 < len) {
		ssize_t n = read(fd, buf + used, len - 1 - used);

		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		used += n;
	}
	close(fd);
	buf[used] = '\0';
	return used;
}

int procfs_vm_pte(int dirfd, uint64_t *out)
{
	struct proc_status st;
	char buf[8192];
	ssize_t n = procfs_read(dirfd, "status", buf, sizeof(buf));

	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	if (procfs_parse_status(buf, &st) < 0 || !st.has_mm)
		return -ESRCH;
	*out = st.vm_pte;
	return 0;
}

int procfs_parse_stat_field(const char *text, int field, uint64_t *out)
{
	/* the comm in parentheses may hold anything: count after the last ')' */
	const char *p = strrchr(text, ')');
	char *end;

	if (!p || field < 3)
		return -EINVAL;
	p++;
	/* fields 3 (state) .. field - 1, then field */
	for (int f = 3; f <= field; f++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EINVAL;
		if (f == field)
			break;
		p += strcspn(p, " ");
	}
	*out = strtoull(p, &end, 10);
	return end == p ? -EINVAL : 0;
}

int procfs_parse_start_time(const char *text, uint64_t *out)
{
	return procfs_parse_stat_field(text, 22, out);
}

int procfs_start_time(const char *proc_root, pid_t pid, uint64_t *out)
{
	char path[64], buf[1024];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	n = procfs_read(AT_FDCWD, path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	return procfs_parse_start_time(buf, out);
}
