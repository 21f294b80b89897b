// SPDX-License-Identifier: GPL-2.0
/* Sets of 2 MiB blocks as sorted byte ranges (block_set.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "block_set.h"

void block_set_add(struct block_set *s, uint64_t start, uint64_t end)
{
	size_t max = s->max ? s->max : BLOCK_SET_MAX_RANGES;

	if (start >= end)
		return;
	if (s->n && start <= s->r[s->n - 1].end) {
		if (end > s->r[s->n - 1].end)
			s->r[s->n - 1].end = end;
		return;
	}
	if (s->n == max) {
		s->truncated = true;
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct census_range *r;

		if (cap > max)
			cap = max;
		r = realloc(s->r, cap * sizeof(*r));
		if (!r) {
			s->err = -ENOMEM;
			s->truncated = true;
			return;
		}
		s->r = r;
		s->cap = cap;
	}
	s->r[s->n++] = (struct census_range){ start, end };
}

void block_set_clear(struct block_set *s)
{
	s->n = 0;
	s->truncated = false;
	s->err = 0;
}

void block_set_free(struct block_set *s)
{
	size_t max = s->max;

	free(s->r);
	memset(s, 0, sizeof(*s));
	s->max = max;
}

void block_set_move(struct block_set *dst, struct block_set *src)
{
	block_set_free(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
	src->max = dst->max;
}

uint64_t block_set_blocks(const struct block_set *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += (s->r[i].end - s->r[i].start) >> PT_BLK_SHIFT;
	return n;
}

/* Skips the ranges that end at or before addr. */
static void cursor_seek(struct block_cursor *c, uint64_t addr)
{
	while (c->i < c->s->n && c->s->r[c->i].end <= addr)
		c->i++;
}

bool block_cursor_has(struct block_cursor *c, uint64_t addr)
{
	if (!c->s)
		return false;
	cursor_seek(c, addr);
	return c->i < c->s->n && c->s->r[c->i].start <= addr;
}

uint64_t block_cursor_overlap(struct block_cursor *c, uint64_t start,
			      uint64_t end)
{
	uint64_t n = 0;

	if (!c->s)
		return 0;
	cursor_seek(c, start);
	/* ranges may straddle `end`: look without consuming them */
	for (size_t i = c->i; i < c->s->n && c->s->r[i].start < end; i++) {
		uint64_t a = c->s->r[i].start > start ? c->s->r[i].start :
							start;
		uint64_t b = c->s->r[i].end < end ? c->s->r[i].end : end;

		n += (b - a) >> PT_BLK_SHIFT;
	}
	return n;
}
