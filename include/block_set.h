/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A set of 2 MiB blocks of one address space, kept as sorted, disjoint
 * byte ranges and built in address order. What the [free_tables] policy
 * remembers of a process from one census to the next (free_tables.h,
 * "Evidence"): the blocks that mapped nothing, and the blocks it sent.
 * A set is bounded (max ranges; 0: BLOCK_SET_MAX_RANGES): blocks past the
 * bound are dropped and the set says it was truncated, so that a process
 * with millions of scattered empty blocks costs the daemon at most
 * max * 16 bytes.
 */
#ifndef PTWATCH_BLOCK_SET_H
#define PTWATCH_BLOCK_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "census.h"

#define PT_BLK_SHIFT 21
#define PT_BLK_SIZE (1ULL << PT_BLK_SHIFT)
#define BLOCK_SET_MAX_RANGES (1u << 16) /* 1 MiB of ranges */

struct block_set {
	struct census_range *r; /* bytes, block aligned, sorted, disjoint */
	size_t n, cap, max;
	bool truncated; /* blocks past max were dropped */
	int err;	/* -ENOMEM: blocks were dropped */
};

/* Adds [start, end) (block aligned, at or after the last range's end). */
void block_set_add(struct block_set *s, uint64_t start, uint64_t end);

/* Empties s, keeping its memory. */
void block_set_clear(struct block_set *s);

/* Frees s's memory; s is then empty. */
void block_set_free(struct block_set *s);

/* Moves src into dst (dst's old ranges are freed); src is then empty. */
void block_set_move(struct block_set *dst, struct block_set *src);

/* How many blocks s holds. */
uint64_t block_set_blocks(const struct block_set *s);

/* Address-ordered lookups: each call's address at or after the last. */
struct block_cursor {
	const struct block_set *s;
	size_t i;
};

/* Whether the block at addr is in the set. */
bool block_cursor_has(struct block_cursor *c, uint64_t addr);

/* How many blocks of [start, end) are in the set. */
uint64_t block_cursor_overlap(struct block_cursor *c, uint64_t start,
			      uint64_t end);

#endif
