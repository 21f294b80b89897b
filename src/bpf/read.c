// SPDX-License-Identifier: GPL-2.0
/*
 * Reads what the probes counted: the exit records from the ring buffer,
 * the live processes from the LRU hash, the per-CPU totals.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes_priv.h"

static int on_exit_record(void *ctx, void *data, size_t size)
{
	struct bpf_probes *bp = ctx;
	struct ptw_proc *grown;

	if (size < sizeof(struct ptw_proc))
		return 0;
	if (bp->npending == bp->cap) {
		size_t cap = bp->cap ? bp->cap * 2 : 64;

		grown = realloc(bp->pending, cap * sizeof(*grown));
		if (!grown)
			return 0; /* dropped; the next read still works */
		bp->pending = grown;
		bp->cap = cap;
	}
	memcpy(&bp->pending[bp->npending++], data, sizeof(struct ptw_proc));
	return 0;
}

int bpf_read_init(struct bpf_probes *bp, int exits_fd)
{
	bp->rb = ring_buffer__new(exits_fd, on_exit_record, bp, NULL);
	return bp->rb ? 0 : -errno;
}

void bpf_read_free(struct bpf_probes *bp)
{
	ring_buffer__free(bp->rb);
	bp->rb = NULL;
	free(bp->pending);
	bp->pending = NULL;
	bp->npending = bp->cap = 0;
}

int bpf_probes_poll(struct bpf_probes *bp, int timeout_ms)
{
	int n = ring_buffer__poll(bp->rb, timeout_ms);

	return n < 0 && n != -EINTR ? n : 0;
}

/* A live entry whose process is gone missed its exit record (a thread
 * freed the mm after the group's exit was seen): hand it over as ended. */
static bool process_gone(uint32_t pid)
{
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* The BPF side names a process when it first sees it, which may be before
 * an exec; a live process's current name is in /proc. */
static void refresh_comm(struct ptw_proc *p)
{
	char path[32], buf[PTW_COMM_BYTES + 2];
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "/proc/%u/comm", p->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		len = strcspn(buf, "\n");
		memset(p->comm, 0, sizeof(p->comm));
		memcpy(p->comm, buf,
		       len < sizeof(p->comm) ? len : sizeof(p->comm));
	}
	fclose(f);
}

int bpf_probes_read(struct bpf_probes *bp, ptw_proc_fn fn, void *arg)
{
	struct ptw_proc p;
	uint32_t key, next, *prev = NULL;
	int n = 0;

	ring_buffer__consume(bp->rb);
	for (size_t i = 0; i < bp->npending; i++, n++)
		fn(&bp->pending[i], true, arg);
	bp->npending = 0;
	while (bpf_map_get_next_key(bp->procs_fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(bp->procs_fd, &key, &p))
			continue; /* deleted meanwhile: its record comes later */
		n++;
		if (process_gone(key)) {
			bpf_map_delete_elem(bp->procs_fd, &key);
			fn(&p, true, arg);
		} else {
			refresh_comm(&p);
			fn(&p, false, arg);
		}
	}
	return n;
}

int bpf_probes_totals(struct bpf_probes *bp, struct ptw_totals *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ptw_totals *per;
	uint32_t zero = 0;

	memset(out, 0, sizeof(*out));
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	per = calloc(ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bp->totals_fd, &zero, per)) {
		free(per);
		return -errno;
	}
	for (int cpu = 0; cpu < ncpu; cpu++) {
		for (int c = 0; c < PTW_C_NR; c++)
			out->c[c] += per[cpu].c[c];
		for (int h = 0; h < PTW_HIST_SLOTS; h++)
			out->hist[h] += per[cpu].hist[h];
		out->drops += per[cpu].drops;
	}
	free(per);
	return 0;
}
