// SPDX-License-Identifier: GPL-2.0
/* The one /proc/kallsyms scanner (include/kallsyms.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kallsyms.h"

int kallsyms_count_text(const char *path, const char *const *names, size_t n,
			unsigned int *counts)
{
	FILE *f = fopen(path ? path : KALLSYMS_PATH, "re");
	char line[512], name[256], type;

	memset(counts, 0, n * sizeof(*counts));
	if (!f)
		return -errno;
	/* "ffffffff81000000 T name [module]": 200k lines, one pass for all */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %c %255s", &type, name) != 2 ||
		    (type != 't' && type != 'T'))
			continue;
		for (size_t i = 0; i < n; i++)
			counts[i] += !strcmp(name, names[i]);
	}
	fclose(f);
	return 0;
}

bool kallsyms_has_text(const char *name)
{
	unsigned int count;

	kallsyms_count_text(NULL, &name, 1, &count);
	return count > 0;
}
