// SPDX-License-Identifier: GPL-2.0
/*
 * Adds up per-process counters over a recording. A live entry's counters
 * are cumulative (replace the previous read); an exit record holds what
 * the process counted since its entry was created, and the entry is gone
 * after it (add it up).
 */
#include <stdlib.h>
#include <string.h>

#include "bpf_tally.h"

void ptw_tally_init(struct ptw_tally *t)
{
	memset(t, 0, sizeof(*t));
}

void ptw_tally_free(struct ptw_tally *t)
{
	free(t->e);
	ptw_tally_init(t);
}

static int by_pid(const void *a, const void *b)
{
	const struct ptw_tally_entry *x = a, *y = b;

	return (x->live.pid > y->live.pid) - (x->live.pid < y->live.pid);
}

/* Entries keep their pid in live.pid (also set for ended ones). */
static struct ptw_tally_entry *find(struct ptw_tally *t, uint32_t pid)
{
	struct ptw_tally_entry key = { .live.pid = pid }, *e;

	e = bsearch(&key, t->e, t->sorted, sizeof(*e), by_pid);
	if (e)
		return e;
	for (size_t i = t->sorted; i < t->n; i++) {
		if (t->e[i].live.pid == pid)
			return &t->e[i];
	}
	return NULL;
}

static struct ptw_tally_entry *find_or_add(struct ptw_tally *t,
					   const struct ptw_proc *p)
{
	struct ptw_tally_entry *e = find(t, p->pid);

	if (e)
		return e;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct ptw_tally_entry *grown =
			realloc(t->e, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		t->e = grown;
		t->cap = cap;
	}
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->live.pid = e->done.pid = p->pid;
	memcpy(e->done.comm, p->comm, sizeof(p->comm));
	e->done.cgroup_id = p->cgroup_id;
	return e;
}

static void add(struct ptw_proc *to, const struct ptw_proc *from)
{
	for (int c = 0; c < PTW_C_NR; c++)
		to->c[c] += from->c[c];
	for (int h = 0; h < PTW_HIST_SLOTS; h++)
		to->hist[h] += from->hist[h];
}

static void on_proc(const struct ptw_proc *p, bool exited, void *arg)
{
	struct ptw_tally_entry *e = find_or_add(arg, p);

	if (!e)
		return;
	if (exited) {
		add(&e->done, p);
		memcpy(e->done.comm, p->comm, sizeof(p->comm));
		e->ended = true;
	} else {
		e->live = *p;
		e->has_live = true;
	}
}

int ptw_tally_update(struct ptw_tally *t, struct bpf_probes *bp)
{
	int n;

	for (size_t i = 0; i < t->n; i++) {
		t->e[i].has_live = false;
		memset(t->e[i].live.c, 0, sizeof(t->e[i].live.c));
		memset(t->e[i].live.hist, 0, sizeof(t->e[i].live.hist));
	}
	n = bpf_probes_read(bp, on_proc, t);
	qsort(t->e, t->n, sizeof(*t->e), by_pid);
	t->sorted = t->n;
	return n;
}

void ptw_tally_sum(const struct ptw_tally_entry *e, struct ptw_proc *out)
{
	*out = e->done;
	if (e->has_live) {
		add(out, &e->live);
		memcpy(out->comm, e->live.comm, sizeof(out->comm));
		out->cgroup_id = e->live.cgroup_id;
	}
	out->pid = e->live.pid;
}
