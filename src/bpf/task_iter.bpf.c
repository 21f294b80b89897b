// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler's task iterator: one fixed-size record (include/ptwatch_iter.h)
 * per process with an mm, in one pass over the kernel's task list, for
 * every read(2) of an iterator fd. It replaces, for the figures it has,
 * reading /proc/PID/{status,cgroup} as text (30-60 us a process).
 *
 * Its own object and skeleton, apart from ptwatch.bpf.o: it needs no
 * function tracing (it loads where fentry and kprobes are refused), and a
 * failure of one must not take the other with it.
 *
 * A process is its thread-group leader, as in /proc/PID/status: kernel
 * threads (PF_KTHREAD, even while they borrow an mm), leaders without an
 * mm (zombies whose threads still run) and leaders already exiting are
 * left out.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "core_fixes.bpf.h"
#include "ptwatch_iter.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_EXITING_ 0x00000004
#define PF_KTHREAD_ 0x00200000

/* Set by user space before load. */
const volatile __u32 nr_cpus = 0;	   /* possible CPUs */
const volatile bool v1_memory = false; /* memory cgroup on cgroup v1 */
const volatile bool sum_percpu = true; /* false: central counts only */

/* Set when an RSS figure is the per-CPU counter's central count only. */
__u32 rss_inexact = 0;

/*
 * Each CPU's per-CPU offset, to sum the 6.2+ RSS counters as procfs does.
 * The kernel has them in __per_cpu_offset[] and x86's this_cpu_off, but a
 * program can only name those through kallsyms, which lacks data symbols
 * without CONFIG_KALLSYMS_ALL (the development machine's kernel). So they
 * are measured: a per-CPU array's element on CPU c lives at its per-CPU
 * pointer (bpf_array.pptrs[0]) plus c's offset, and
 * bpf_map_lookup_percpu_elem() (6.0+) gives that address. Turning the
 * pointers into numbers (pointer minus pointer) is allowed to privileged
 * programs only (allow_ptr_leaks: CAP_PERFMON); where the verifier refuses
 * it, user space loads again with sum_percpu off.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_probe SEC(".maps");

unsigned long cpu_off[PTW_MAX_CPUS];
__u32 offs_state = 0; /* 0: not measured yet, 1: cpu_off valid, 2: failed */

/* t: a thread-group leader, so t->group_leader is t's address as a number. */
static __always_inline void measure_offsets(struct task_struct *t)
{
	unsigned long taddr = (unsigned long)BPF_CORE_READ(t, group_leader);
	unsigned long pptr = 0, map_addr;
	__u32 zero = 0;
	long rel;

	rel = (long)(void *)&pcpu_probe - (long)(void *)t;
	barrier_var(rel);
	map_addr = taddr + rel;
	if (bpf_probe_read_kernel(&pptr, sizeof(pptr),
				  (void *)(map_addr + bpf_core_field_offset(
							      struct bpf_array,
							      pptrs)))) {
		offs_state = 2;
		return;
	}
	for (__u32 cpu = 0; cpu < PTW_MAX_CPUS && cpu < nr_cpus; cpu++) {
		void *e = bpf_map_lookup_percpu_elem(&pcpu_probe, &zero, cpu);

		if (!e) {
			offs_state = 2;
			return;
		}
		rel = (long)e - (long)(void *)t;
		barrier_var(rel);
		cpu_off[cpu] = taddr + rel - pptr;
	}
	offs_state = 1;
}

/* Whether t is a process to report: not a thread, a kernel thread, a
 * leader already exiting or without an mm. t: a BTF pointer, so plain
 * loads (no helper call) wherever the verifier allows them: this runs for
 * every task. */
static __always_inline bool is_proc(struct task_struct *t)
{
	return t->pid == t->tgid && !(t->flags & (PF_KTHREAD_ | PF_EXITING_)) &&
	       t->mm;
}

/* The RSS figures of rec from mm (every way of reading: it reads with
 * helper calls anyway). */
static __always_inline void put_rss(struct mm_struct *mm,
				    struct ptw_iter_rec *rec)
{
	long rss[PTW_RSS_NR];

	if (!ptw_mm_rss(mm, sum_percpu && offs_state == 1 ? cpu_off : NULL,
			nr_cpus, rss))
		rss_inexact = 1;
	/* pages to bytes: x86-64, 4 KiB (the object is built for x86) */
	rec->rss_file = (__u64)rss[MM_FILEPAGES] << 12;
	rec->rss_anon = (__u64)rss[MM_ANONPAGES] << 12;
	rec->swap = (__u64)rss[MM_SWAPENTS] << 12;
	rec->rss_shmem = (__u64)rss[MM_SHMEMPAGES] << 12;
}

/* The record of t, a process (is_proc()). */
static __always_inline void fill_rec(struct task_struct *t,
				     struct ptw_iter_rec *rec)
{
	struct mm_struct *mm = t->mm;

	__builtin_memset(rec, 0, sizeof(*rec));
	rec->tgid = t->tgid;
	rec->version = PTW_ITER_VERSION;
	rec->start_ns = t->start_time;
	rec->cgroup_id = ptw_task_memcg_id(t, v1_memory);
	if (bpf_core_field_exists(mm->pgtables_bytes))
		rec->pgtables = mm->pgtables_bytes.counter;
	put_rss(mm, rec);
	/* comm whole: the bytes after its NUL are cut by the reader */
	__builtin_memcpy(rec->comm, t->comm, sizeof(rec->comm));
}

/* Every kernel: the seq_file task iterator, called for every task
 * (threads too), each found by PID. */
SEC("iter/task")
int ptw_task_iter(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct ptw_iter_rec rec;

	if (!t || !is_proc(t))
		return 0;
	if (sum_percpu && offs_state == 0)
		measure_offsets(t);
	fill_rec(t, &rec);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

/*
 * 6.7+: the open-coded task iterator (bpf_iter_task_new()), declared here
 * rather than taken from vmlinux.h so that the object builds against the
 * types of kernels without it; weak, so that it loads on those kernels
 * with this program left out (src/bpf/iter.c).
 */
struct bpf_iter_task___ptw {
	__u64 __opaque[3];
} __attribute__((aligned(8)));

#define PTW_TASK_ITER_ALL_PROCS 0 /* enum bpf_iter_task_type */

extern int bpf_iter_task_new(struct bpf_iter_task___ptw *it,
			     struct task_struct *task, unsigned int flags)
	__weak __ksym;
extern struct task_struct *
bpf_iter_task_next(struct bpf_iter_task___ptw *it) __weak __ksym;
extern void bpf_iter_task_destroy(struct bpf_iter_task___ptw *it) __weak __ksym;
extern void bpf_rcu_read_lock(void) __weak __ksym;
extern void bpf_rcu_read_unlock(void) __weak __ksym;

/* The all-processes pass's records, mmapped by user space; max_entries
 * is set before load (1 where the pass is not used). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ptw_iter_rec);
} recs SEC(".maps");

/* Of the last pass: records written to recs, and processes seen (more
 * than max_entries: recs was too small, user space grows it). */
__u32 nr_recs = 0, nr_seen = 0;

/*
 * The same records in one program run (BPF_PROG_TEST_RUN), walking the
 * kernel's list of thread-group leaders: the seq_file iterator looks up
 * every task, threads included, by PID (find_ge_pid(), get_pid_task()),
 * which costs as much as the rest of the pass. The records come in the
 * list's order (creation order), not by tgid.
 */
SEC("syscall")
int ptw_task_all(void *ctx)
{
	struct bpf_iter_task___ptw it;
	struct task_struct *t;

	nr_recs = 0;
	nr_seen = 0;
	bpf_rcu_read_lock();
	bpf_iter_task_new(&it, NULL, PTW_TASK_ITER_ALL_PROCS);
	t = bpf_iter_task_next(&it); /* init_task: a leader, not a process */
	if (t && sum_percpu && offs_state == 0)
		measure_offsets(t);
	while ((t = bpf_iter_task_next(&it))) {
		/* counters in memory, not registers: unknown scalars let
		 * the verifier see the loop converge */
		__u32 i = nr_recs;
		struct ptw_iter_rec *rec;

		if (!is_proc(t))
			continue;
		nr_seen++;
		rec = bpf_map_lookup_elem(&recs, &i);
		if (!rec)
			continue; /* recs is full: counted in nr_seen */
		fill_rec(t, rec);
		nr_recs = i + 1;
	}
	bpf_iter_task_destroy(&it);
	bpf_rcu_read_unlock();
	return 0;
}

/*
 * 6.1 to 6.6: the same records as ptw_task_all from one run of a seq_file
 * task iterator parameterized (6.1+) to visit one task, ptwatch's own
 * leader; from it the program walks the kernel's list of thread-group
 * leaders (task->tasks) itself, in bpf_loop() (5.17+). The unparameterized
 * iterator (ptw_task_iter) costs some 0.5 us a task before our program
 * runs: find_ge_pid(), get_pid_task() and put_task_struct(), pid_nr_ns(),
 * for threads too, and the seq_file's start and stop every 32 KiB. The
 * walk pays none of it, but without the open-coded iterator the verifier
 * gives no BTF pointer to the tasks it finds (6.1 has no bpf_rdonly_cast()
 * either), so their fields are read with bpf_probe_read_kernel(), some
 * 8 a process, neighbours in one read where the layout puts them close.
 * Under the iterator's rcu_read_lock() throughout, as for_each_process().
 */
/* Of the last pass: walks made (user space zeroes it; 1 is right), and
 * whether it stopped short (a read failed, or WALK_MAX steps). */
__u32 walk_runs = 0, walk_short = 0;

/* PID_MAX_LIMIT: no more leaders than PIDs. A bound for the walk should
 * it never come back to its start (our own leader replaced by a thread's
 * exec, which ptwatch's programs, one thread each, do not do). */
#define WALK_MAX (1U << 22)

struct walk {
	unsigned long head, node; /* our own leader's tasks node; the next */
	unsigned long cset;	  /* css_set of the last process ... */
	__u64 cgid;		  /* ... and its memory cgroup's id */
};

/* node's tasks.next and its task's mm: one read where mm lies within 128
 * bytes after tasks (6.1 to 6.18: 88), else two. */
static __always_inline int walk_next_mm(unsigned long node,
					unsigned long *next, unsigned long *mm)
{
	__u32 o_tasks = bpf_core_field_offset(struct task_struct, tasks);
	__u32 o_mm = bpf_core_field_offset(struct task_struct, mm);
	unsigned long span[16];

	if (o_mm > o_tasks && o_mm - o_tasks < sizeof(span) &&
	    (o_mm - o_tasks) % 8 == 0) {
		if (bpf_probe_read_kernel(span, o_mm - o_tasks + 8,
					  (void *)node))
			return -1;
		*next = span[0];
		*mm = span[(o_mm - o_tasks) / 8];
		return 0;
	}
	if (bpf_probe_read_kernel(next, sizeof(*next), (void *)node) ||
	    bpf_probe_read_kernel(mm, sizeof(*mm),
				  (void *)(node - o_tasks + o_mm)))
		return -1;
	return 0;
}

/* fill_rec() for a task and mm known by address only. */
static __always_inline void walk_fill(struct walk *w, struct task_struct *t,
				      struct mm_struct *mm,
				      struct ptw_iter_rec *rec)
{
	struct css_set *cs = NULL;

	rec->version = PTW_ITER_VERSION;
	bpf_core_read(&rec->tgid, sizeof(rec->tgid), &t->tgid);
	bpf_core_read(&rec->start_ns, sizeof(rec->start_ns), &t->start_time);
	bpf_core_read(rec->comm, sizeof(rec->comm), &t->comm);
	/* the processes of a cgroup mostly share a css_set, and one css_set
	 * always names the same cgroups: one read instead of four */
	bpf_core_read(&cs, sizeof(cs), &t->cgroups);
	if ((unsigned long)cs != w->cset) {
		w->cset = (unsigned long)cs;
		w->cgid = cs ? ptw_cset_memcg_id(cs, v1_memory) : 0;
	}
	rec->cgroup_id = w->cgid;
	rec->pgtables = 0;
	if (bpf_core_field_exists(mm->pgtables_bytes))
		bpf_core_read(&rec->pgtables, sizeof(rec->pgtables),
			      &mm->pgtables_bytes);
	put_rss(mm, rec);
}

/* One leader: its record if it is a process (is_proc(); the list holds
 * leaders only). Returns 1 to end the walk: back at the start, or a read
 * failed. */
static long walk_step(__u32 i, void *arg)
{
	__u32 o_tasks = bpf_core_field_offset(struct task_struct, tasks);
	struct walk *w = arg;
	unsigned long node = w->node, next = 0, mm = 0;
	struct task_struct *t = (void *)(node - o_tasks);
	unsigned int flags = 0;

	if (walk_next_mm(node, &next, &mm) || !next) {
		walk_short = 1;
		return 1;
	}
	w->node = next;
	if (mm && !bpf_core_read(&flags, sizeof(flags), &t->flags) &&
	    !(flags & (PF_KTHREAD_ | PF_EXITING_))) {
		__u32 k = nr_recs;
		struct ptw_iter_rec *rec;

		nr_seen++;
		rec = bpf_map_lookup_elem(&recs, &k);
		if (rec) {
			walk_fill(w, t, (void *)mm, rec);
			nr_recs = k + 1;
		}
	}
	return next == w->head;
}

SEC("iter/task")
int ptw_task_walk(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct walk w = {};

	/* a kernel before 6.1 ignores the parameter and calls this for
	 * every task: user space sees it in the link's info and does not
	 * use this program there, and this keeps it to one walk anyway (the
	 * reader's leader; global PIDs on both sides) */
	if (!t || t->pid != bpf_get_current_pid_tgid() >> 32)
		return 0;
	walk_runs++;
	nr_recs = 0;
	nr_seen = 0;
	walk_short = 0;
	if (sum_percpu && offs_state == 0)
		measure_offsets(t);
	/* the addresses as numbers: t is a leader, so group_leader is t */
	w.head = (unsigned long)BPF_CORE_READ(t, group_leader) +
		 bpf_core_field_offset(struct task_struct, tasks);
	w.node = w.head;
	if (bpf_loop(WALK_MAX, walk_step, &w, 0) == WALK_MAX)
		walk_short = 1;
	return 0;
}
