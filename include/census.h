/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The exact census of one process's PTE tables (docs/waste-model.md),
 * read from the page tables themselves through PAGEMAP_SCAN (6.7+) or
 * /proc/PID/pagemap: which 2 MiB blocks have a PTE table, how many of its
 * 512 entries are in use (present or swap), which blocks are mapped by a
 * PMD (and keep a deposited PTE table when anonymous), all set against
 * VmPTE to count the tables that map nothing.
 */
#ifndef PTWATCH_CENSUS_H
#define PTWATCH_CENSUS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "pagemap_scan.h"

/* Occupancy buckets: PTE tables by entries in use. */
enum census_bucket {
	CENSUS_B0,	 /* "0": empty, what the kernel can free now */
	CENSUS_B1,	 /* "1" */
	CENSUS_B2_15,	 /* "2-15" */
	CENSUS_B16_127,	 /* "16-127" */
	CENSUS_B128_511, /* "128-511" */
	CENSUS_B512,	 /* "512": full */
	CENSUS_BUCKETS,
};

/* The JSON keys of the buckets, in order. */
extern const char *const census_bucket_names[CENSUS_BUCKETS];

/* The bucket of a table with `entries` (1..512) entries in use. */
enum census_bucket census_bucket_of(unsigned int entries);

/* What one census found, in the form a snapshot keeps per process. */
struct census_figures {
	bool valid;	      /* false: no census (JSON null) */
	uint64_t realtime_ns; /* when it was taken (CLOCK_REALTIME) */
	/* VmPTE when it was taken: a process whose VmPTE differs now has
	 * changed since, and the figures are stale */
	uint64_t page_table_bytes;
	uint64_t empty_pte_tables;
	uint64_t thp_deposited_tables;
	uint64_t occupancy[CENSUS_BUCKETS]; /* [CENSUS_B0]: the empty ones */
	uint64_t reclaimable_bytes;	    /* empty tables * 4 KiB */
	/* tables with entries beyond what those entries need if packed */
	uint64_t sparse_excess_bytes;
};

/* Census figures summed over the censused processes of a cgroup or host. */
struct census_sum {
	unsigned int processes;	   /* censused */
	uint64_t page_table_bytes; /* their VmPTE: the share covered */
	uint64_t empty_pte_tables, thp_deposited_tables;
	uint64_t reclaimable_bytes, sparse_excess_bytes;
};

/* Adds one process's figures (nothing when !f->valid). */
void census_sum_add(struct census_sum *s, const struct census_figures *f,
		    uint64_t page_table_bytes);

struct pte_census {
	const char *method;		 /* "pagemap_scan" or "pagemap" */
	uint64_t page_table_bytes;	 /* VmPTE when the census ran */
	uint64_t pte_tables;		 /* VmPTE pages less the upper levels */
	uint64_t used_pte_tables;	 /* tables with a present or swap PTE */
	uint64_t used_entries;		 /* present or swap PTEs in them */
	uint64_t empty_pte_tables;	 /* pte_tables - used - deposited */
	uint64_t thp_deposited_tables;	 /* anonymous PMD mappings' deposits */
	uint64_t pmd_tables, pud_tables; /* upper levels, from the layout */
	uint64_t huge_blocks;		 /* 2 MiB blocks mapped by a PMD */
	uint64_t scanned_bytes;		 /* virtual memory walked */
	uint64_t elapsed_ns;		 /* wall time of the walk */
	struct census_figures fig;
};

/*
 * Takes the census of `pid` under proc_root ("/proc"). force_pagemap skips
 * PAGEMAP_SCAN. 0 or -errno: -ESRCH gone, -EACCES/-EPERM no right to read
 * pagemap (needs the same user or CAP_SYS_PTRACE), -EAGAIN VmPTE changed
 * during the walk (try again), -E2BIG too much mapped for pagemap.
 */
int census_take(const char *proc_root, pid_t pid, bool force_pagemap,
		struct pte_census *out);

/* census_take, retried up to `tries` times while it returns -EAGAIN. */
int census_take_retry(const char *proc_root, pid_t pid, bool force_pagemap,
		      int tries, struct pte_census *out);

/*
 * What the census walk saw, for callers that need places rather than
 * counts (`ptwatch reclaim pid` sends only the blocks that map nothing;
 * kept by the lead for issue 13: keep it when reworking the walk).
 * Called in address order: vma() for each mapping below the user top,
 * then used() for the ranges in it that hold a present or swap entry
 * (page runs on both paths; PMD-mapped blocks whole). Either may be NULL.
 */
struct census_visitor {
	void (*vma)(void *ctx, uint64_t start, uint64_t end, bool access);
	void (*used)(void *ctx, uint64_t start, uint64_t end);
	void *ctx;
};

/* census_take(), telling `visit` what the walk sees. */
int census_take_visit(const char *proc_root, pid_t pid, bool force_pagemap,
		      const struct census_visitor *visit,
		      struct pte_census *out);

/* A range of whole, aligned 2 MiB blocks. */
struct census_range {
	uint64_t start, end;
};

/*
 * The blocks of `pid` whose PTE table, if there is one, maps nothing: for
 * every accessible mapping, the aligned 2 MiB blocks wholly inside it with
 * no present or swap entry and no PMD mapping, merged into ranges where
 * mappings adjoin (a range never spans a hole, which the advice refuses
 * with ENOMEM). What MADV_PT_RECLAIM may free (docs/contracts.md).
 * Blocks that never had a table are included: the walk cannot tell them
 * apart, and the advice skips them at no cost. *ranges is malloc'd (NULL
 * when *nr is 0). 0 or -errno as census_take.
 */
int census_empty_blocks(const char *proc_root, pid_t pid, bool force_pagemap,
			struct census_range **ranges, size_t *nr);

/* ---- the counting both walks share, exposed for captured-data tests ---- */

/* One line of /proc/PID/maps. */
struct census_vma {
	uint64_t start, end;
	bool access; /* not ---p: has page tables */
	/* private anonymous ("", [heap], [stack], [anon:...]): the only
	 * mappings whose PMD-mapped THP (or huge zero page) deposit a table */
	bool anon;
};

/* Parses a maps line; false when it is not one. */
bool census_parse_maps_line(const char *line, struct census_vma *v);

struct census_acc {
	uint64_t block;	      /* current 2 MiB block number + 1, 0: none */
	unsigned int entries; /* entries in use in it so far */
	uint64_t occupancy[CENSUS_BUCKETS];
	uint64_t used_tables, used_entries, deposited, huge_blocks;
	const struct census_visitor *visit; /* told each used range */
	/* empty-block ranges, collected when `collect` is set */
	bool collect;
	uint64_t gap, vma_end; /* next candidate block start, its limit */
	struct census_range *ranges;
	size_t nr_ranges, cap_ranges;
	int err; /* -ENOMEM from collecting */
};

void census_acc_vma_begin(struct census_acc *a, const struct census_vma *v);
void census_acc_vma_end(struct census_acc *a);
/* Pages [start, end) of the current mapping are all in use. */
void census_acc_pages(struct census_acc *a, uint64_t start, uint64_t end);
/* [start, end) is mapped by PMDs: no PTE table, one deposit per block if
 * `deposit`. */
void census_acc_huge(struct census_acc *a, uint64_t start, uint64_t end,
		     bool deposit);
/* Closes the last block; call once after the last mapping. */
void census_acc_finish(struct census_acc *a);

/* PAGEMAP_SCAN's regions for mapping v (asked for PRESENT|SWAPPED). */
void census_feed_regions(struct census_acc *a, const struct census_vma *v,
			 const struct page_region *r, size_t n);
/* n /proc/PID/pagemap entries from addr (page aligned) in mapping v, never
 * crossing a 2 MiB boundary. A whole block of present entries whose PFNs
 * run on from a 2 MiB aligned frame is taken as PMD-mapped (PFNs need
 * CAP_SYS_ADMIN; without them such a block counts as a full table). */
void census_feed_pagemap(struct census_acc *a, const struct census_vma *v,
			 uint64_t addr, const uint64_t *pm, size_t n);

/*
 * Fills the figures from the counts and VmPTE layout: pte_tables (VmPTE
 * pages less pmd and pud tables) less used and deposited is the empty
 * count; sparse excess is used tables less ceil(used entries / 512).
 */
void census_figures_fill(const struct census_acc *a, uint64_t pte_tables,
			 struct census_figures *f);

/* ---- the walk in steps: a large census spread over time ---- */

/* Distinct aligned blocks among ranges that come in address order. */
struct census_block_count {
	unsigned int shift;
	uint64_t last; /* last block counted, +1 so that 0 means none */
	uint64_t count;
};

/*
 * One census walked in steps (census_walk.c), so that the daemon can
 * spread the census of a process with millions of tables over several
 * samples (docs/daemon.md, "One million tables"). census_take() is one
 * unbounded step. Between steps the walk keeps its place (the mapping and
 * the address in it), its partial counts and its open files. Consistency:
 * the walk is good when VmPTE is the same when it begins, when each step
 * goes on and when it ends; otherwise a step says -EAGAIN and the walk
 * must begin again.
 */
struct census_walk {
	int dirfd, pagemap_fd;
	FILE *maps;
	bool use_ioctl;
	const char *method;
	uint64_t vm_pte;       /* VmPTE when the walk began */
	struct census_vma vma; /* the mapping being walked */
	bool in_vma;
	uint64_t next; /* where the walk goes on in it */
	struct census_block_count pmd, pud;
	struct census_acc acc; /* set acc.collect before the first step */
	const struct census_visitor *visit;
	uint64_t scanned;   /* bytes of mappings walked */
	uint64_t begun_ns;  /* CLOCK_REALTIME when it began */
	uint64_t busy_ns;   /* wall time inside the steps */
	unsigned int steps; /* steps taken */
	bool done;
};

/* Opens pid's files and reads VmPTE; 0 or -errno as census_take. The walk
 * must be ended with census_walk_end() either way. */
int census_walk_begin(struct census_walk *w, const char *proc_root, pid_t pid,
		      bool force_pagemap, const struct census_visitor *visit);
/*
 * Walks on until the end or until CLOCK_MONOTONIC passes deadline_ns (0:
 * no deadline), at least one piece (at most 1 GiB of a mapping, about a
 * millisecond of a densely tabled one) a step. 1: more to walk; 0: done,
 * census_walk_result() holds; -errno as census_take (-EAGAIN: VmPTE moved
 * since the walk began).
 */
int census_walk_step(struct census_walk *w, uint64_t deadline_ns);
/* The figures of a finished walk (fig.realtime_ns: when it began). */
void census_walk_result(const struct census_walk *w, struct pte_census *out);
/* Closes its files and frees what it collected (unless taken, NULL). */
void census_walk_end(struct census_walk *w);
/* For walks of their own over the same files (census_par.c): the next
 * mapping below the user top into w->vma, counted in the upper levels;
 * 1, 0 at the end, or -errno. */
int census_walk_next_vma(struct census_walk *w);
/* 0 when VmPTE is still what it was when w began, -EAGAIN if not. */
int census_walk_check(const struct census_walk *w);

/*
 * census_take() on up to `threads` threads (census_par.c) when the process
 * is large (64 MiB of VmPTE) and PAGEMAP_SCAN is there; otherwise one
 * walk. The figures are the same.
 */
int census_take_threads(const char *proc_root, pid_t pid, bool force_pagemap,
			unsigned int threads, struct pte_census *out);
/* census_take_threads, retried up to `tries` times while it returns
 * -EAGAIN. */
int census_take_retry_threads(const char *proc_root, pid_t pid,
			      bool force_pagemap, unsigned int threads,
			      int tries, struct pte_census *out);

/* ---- JSON (docs/json-schema.md) ---- */

/* Adds empty_pte_tables, reclaimable_bytes, sparse_excess_bytes,
 * thp_deposited_tables, occupancy and census_age_s (all null when !valid)
 * to a process object. Age is taken against now. */
void census_figures_to_json(json_object *o, const struct census_figures *f);
/* Reads them back (census_age_s null or absent: !valid). */
void census_figures_from_json(json_object *o, struct census_figures *f);
/* Adds censused_processes, censused_page_table_bytes, census_coverage
 * (their share of `page_table_bytes`, 0..1; null when that is 0) and the
 * sums, to a host or cgroup object. */
void census_sum_to_json(json_object *o, const struct census_sum *s,
			uint64_t page_table_bytes);
void census_sum_from_json(json_object *o, struct census_sum *s);
/* The {"0": n, "1": n, ...} object. */
json_object *census_occupancy_to_json(const uint64_t *occ);

#endif
