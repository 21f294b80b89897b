// SPDX-License-Identifier: GPL-2.0
/* Tables that fit a width (table.h). */
#include <string.h>

#include "table.h"

/* Width of the shown columns other than the path, with separators. */
static int fixed_width(const struct table *t)
{
	int w = 0;

	for (int i = 0; i < t->nr; i++)
		if (t->shown[i] && !t->col[i].path)
			w += t->col[i].width + (w ? 1 : 0);
	return w;
}

static bool drop_one(struct table *t)
{
	int worst = -1;

	for (int i = 0; i < t->nr; i++)
		if (t->shown[i] && t->col[i].drop > 0 && !t->col[i].path &&
		    (worst < 0 || t->col[i].drop >= t->col[worst].drop))
			worst = i;
	if (worst < 0)
		return false;
	t->shown[worst] = false;
	return true;
}

void table_fit(struct table *t, const struct table_col *col, int nr, int width,
	       int path_len, bool wide)
{
	int path = -1, fixed;

	t->col = col;
	t->nr = nr < TABLE_MAX_COLS ? nr : TABLE_MAX_COLS;
	for (int i = 0; i < t->nr; i++) {
		t->shown[i] = col[i].head != NULL;
		if (col[i].path && t->shown[i])
			path = i;
	}
	if (path_len < (path >= 0 ? (int)strlen(col[path].head) : 0))
		path_len = (int)strlen(col[path].head);
	t->path_width = path >= 0 ? path_len : 0;
	if (wide || width <= 0)
		return;
	/* the path keeps at least TABLE_PATH_MIN (or all of it) while
	 * other columns go; then it is shortened, then it goes */
	while (path >= 0 &&
	       fixed_width(t) + 2 +
			       (path_len < TABLE_PATH_MIN ? path_len :
							    TABLE_PATH_MIN) >
		       width &&
	       drop_one(t))
		;
	fixed = fixed_width(t);
	if (path >= 0) {
		t->path_width = width - fixed - 2;
		if (t->path_width > path_len)
			t->path_width = path_len;
		if (t->path_width < TABLE_PATH_MIN &&
		    t->path_width < path_len) {
			t->shown[path] = false;
			t->path_width = 0;
		}
	}
	while (fixed_width(t) > width && drop_one(t))
		;
}

static void cell_out(FILE *out, const struct table *t, int i, const char *s,
		     bool *first)
{
	const struct table_col *c = &t->col[i];
	char buf[256];

	if (c->path) {
		fprintf(out, "%s%s", *first ? "" : "  ",
			table_shorten(s, t->path_width, buf, sizeof(buf)));
	} else {
		fprintf(out, "%s%*s", *first ? "" : " ",
			c->left ? -c->width : c->width, s);
	}
	*first = false;
}

static bool last_shown(const struct table *t, int i)
{
	for (int j = i + 1; j < t->nr; j++)
		if (t->shown[j])
			return false;
	return true;
}

void table_head(FILE *out, const struct table *t)
{
	bool first = true;

	for (int i = 0; i < t->nr; i++) {
		if (!t->shown[i])
			continue;
		/* no trailing blanks after a left-aligned last head */
		if (t->col[i].left && !t->col[i].path && last_shown(t, i))
			fprintf(out, "%s%s", first ? "" : " ", t->col[i].head);
		else
			cell_out(out, t, i, t->col[i].head, &first);
		first = false;
	}
	fputc('\n', out);
}

void table_row(FILE *out, const struct table *t, const char *const *cell)
{
	bool first = true;

	for (int i = 0; i < t->nr; i++)
		if (t->shown[i])
			cell_out(out, t, i, cell[i], &first);
	fputc('\n', out);
}

const char *table_shorten(const char *path, int width, char *buf, size_t len)
{
	size_t n = strlen(path), keep_head, leaf_len;
	const char *leaf;

	if (width <= 0 || n <= (size_t)width || len < 4 ||
	    (size_t)width + 1 > len) {
		snprintf(buf, len, "%s", path);
		return buf;
	}
	leaf = strrchr(path, '/');
	leaf = leaf && leaf[1] ? leaf : path;
	leaf_len = strlen(leaf);
	if (width < 4) {
		snprintf(buf, len, "%.*s", width, path);
		return buf;
	}
	if (leaf_len + 3 > (size_t)width) {
		/* not even the leaf: its tail */
		snprintf(buf, len, "...%s", path + n - (width - 3));
		return buf;
	}
	keep_head = width - 3 - leaf_len;
	snprintf(buf, len, "%.*s...%s", (int)keep_head, path, leaf);
	return buf;
}
