// SPDX-License-Identifier: GPL-2.0
/*
 * alloc-steady: a process that allocates and frees all day through a real
 * allocator (glibc, jemalloc, tcmalloc: tests/alloc/build.mk links one
 * binary per allocator, with the purge of purge-ALLOC.c), for the
 * steady-state benchmark (tests/alloc/steady-bench.sh, docs/alloc-bench.md).
 *
 *   alloc-steady-ALLOC churn|drift SECONDS [--mib M] [--seed N]
 *                      [--purge-ms MS] [--duty F] [--day-s S] [--run R]
 *
 * churn: two threads keep a working set of M MiB (default 64) churning:
 *   objects of mixed sizes (16 B to 4 MiB, most small) are allocated and
 *   freed at random, with bursts that free a twentieth of the live set at
 *   once; the allocator purges as it does by itself (jemalloc's decay,
 *   MALLOC_CONF), and every MS ms (default 0: never) it is asked to purge
 *   everything (alloc_purge(): tcmalloc's ReleaseFreeMemory, glibc's
 *   malloc_trim). With --duty F (0 < F <= 1, default 1) each thread rests
 *   after each batch so that it uses about F of a CPU: a service with
 *   idle time, not a loop that saturates the host.
 * drift: days of S s (--day-s, default 32), each cut into phases of 4 s
 *   run by two new threads (threads and their arenas or caches come and
 *   go): they grow a working set to the phase's load, then free 90% of
 *   it at random and purge. The first 3/8 of a day are its busy hours,
 *   the load rising to that day's peak and falling back; the rest is a
 *   night at a tenth of M MiB. Each day's peak is higher than the last
 *   (40% of M MiB on the first day, 100% on the last), so every day the
 *   allocator needs address space it never had, and at night the peak's
 *   ranges lie purged and unused: tables pile up with reclaim off. A
 *   tenth of each phase's objects, in runs of R (--run, default 32)
 *   allocated together,
 *   survive for 4 phases (long-lived cache entries, freed later by
 *   another thread), and two large objects (3 to 9 MiB) are mapped anew
 *   each phase and kept for 3.
 *
 * Objects above 64 KiB use one page in 16 (buffers sized for the worst
 * case): the address space is larger than the resident set. Every byte
 * written is a pattern of the object, checked when the object is freed.
 * Prints "ready PID", then "t=S ops=N cpu_ms=C" each second (N: mallocs
 * and frees so far; C: the process's CPU time, so its throughput is
 * N / C: drift's phases wait for their 4 s to end and churn's threads
 * rest, so ops per wall second would count the waits) and at the end
 * ops=N seconds=S data_ok=1|0.
 * Exit status: 0 ok, 1 allocation failed or data mismatch, 2 bad usage.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *alloc_name(void);
void alloc_purge(void);

#define THREADS 2
#define PHASE_S 4
#define SURVIVE 4	/* phases a survivor lives */
#define LARGE_KEEP 3	/* phases a large object lives */
#define SURVIVORS 65536 /* ring of long-lived objects */
#define NIGHT_LOAD 0.1	/* of the working set, at night */

struct obj {
	unsigned char *p;
	size_t len;
	uint32_t tag;
};

static struct {
	int drift;
	double seconds;
	size_t bytes; /* working set */
	unsigned int seed;
	long purge_ms;
	unsigned int day_s; /* drift: a day's length */
	unsigned int run;   /* drift: survivors come in runs of this many */
	double duty;	    /* churn: share of a CPU each thread may use */
} cfg = { .bytes = 64UL << 20, .seed = 1, .day_s = 32, .run = 32, .duty = 1 };

static atomic_ulong ops;
static atomic_int bad;
static double t_end;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Mostly small, some medium, a few large: what a service's heap sees. */
static size_t draw_size(unsigned int *r)
{
	unsigned int x = rand_r(r) % 1000;

	if (x < 700)
		return 16 + rand_r(r) % 1008;
	if (x < 950)
		return 1024 + rand_r(r) % (63 * 1024);
	if (x < 995)
		return (64 << 10) + rand_r(r) % (448 << 10);
	return (1 << 20) + rand_r(r) % (3 << 20);
}

static unsigned char pat(uint32_t tag, size_t off)
{
	return (unsigned char)(tag * 131 + off / 4096 + 1);
}

/* Pages of an object that are used: all of a small one; of one above
 * 64 KiB (a buffer sized for the worst case) one page in 16, so that a
 * heap's address space is larger than its resident set, as in services. */
static size_t page_step(size_t len)
{
	return len > (64 << 10) ? 16 * 4096 : 4096;
}

/* Writes the object's pattern into the first byte of each used page and
 * its last byte: those pages are faulted in, as a real object's use
 * would. */
static int obj_new(struct obj *o, size_t len, uint32_t tag)
{
	o->p = malloc(len);
	if (!o->p)
		return -1;
	o->len = len;
	o->tag = tag;
	for (size_t off = 0; off < len; off += page_step(len))
		o->p[off] = pat(tag, off);
	o->p[len - 1] = pat(tag, len - 1);
	atomic_fetch_add_explicit(&ops, 1, memory_order_relaxed);
	return 0;
}

static void obj_free(struct obj *o)
{
	if (!o->p)
		return;
	for (size_t off = 0; off < o->len; off += page_step(o->len))
		if (o->p[off] != pat(o->tag, off))
			atomic_store(&bad, 1);
	if (o->p[o->len - 1] != pat(o->tag, o->len - 1))
		atomic_store(&bad, 1);
	free(o->p);
	o->p = NULL;
	atomic_fetch_add_explicit(&ops, 1, memory_order_relaxed);
}

/* A thread's live objects: an array with swap-remove for random frees */
struct set {
	struct obj *v;
	size_t n, cap, bytes;
};

static int set_add(struct set *s, size_t len, uint32_t tag)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct obj *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (obj_new(&s->v[s->n], len, tag))
		return -1;
	s->bytes += len;
	s->n++;
	return 0;
}

/* Removes object i and returns it (the caller frees or keeps it) */
static struct obj set_take(struct set *s, size_t i)
{
	struct obj o = s->v[i];

	s->v[i] = s->v[--s->n];
	s->bytes -= o.len;
	return o;
}

static void set_drop(struct set *s, size_t i)
{
	struct obj o = set_take(s, i);

	obj_free(&o);
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A service is not busy all the time: after each batch a churn thread
 * rests in proportion to the CPU the batch took, so that it uses about
 * cfg.duty of a CPU whatever its allocator's speed.
 */
static void rest(double cpu_start)
{
	double c = thread_cpu_s() - cpu_start;

	if (cfg.duty < 1 && c > 0)
		usleep((useconds_t)(c * (1 - cfg.duty) / cfg.duty * 1e6));
}

static void *churn(void *arg)
{
	unsigned int r = cfg.seed * 7919 + (unsigned int)(uintptr_t)arg;
	size_t target = cfg.bytes / THREADS;
	struct set s = { 0 };
	uint32_t tag = 0;
	double next_purge = now_s() + cfg.purge_ms / 1000.0;

	while (now_s() < t_end) {
		double c0 = thread_cpu_s();

		for (int k = 0; k < 256; k++) {
			int grow =
				s.bytes < target * 9 / 10 ||
				(s.bytes < target * 11 / 10 && rand_r(&r) % 2);

			if (grow) {
				if (set_add(&s, draw_size(&r), ++tag))
					exit(1);
			} else if (s.n) {
				set_drop(&s, rand_r(&r) % s.n);
			}
		}
		if (rand_r(&r) % 64 == 0) /* a burst of requests ends */
			for (size_t k = s.n / 20; k && s.n; k--)
				set_drop(&s, rand_r(&r) % s.n);
		if (cfg.purge_ms && now_s() >= next_purge) {
			alloc_purge();
			next_purge = now_s() + cfg.purge_ms / 1000.0;
		}
		rest(c0);
	}
	while (s.n)
		set_drop(&s, s.n - 1);
	free(s.v);
	return NULL;
}

/* drift's long-lived objects, shared by all phases' threads */
static struct {
	pthread_mutex_t lock;
	struct obj v[SURVIVORS];
	unsigned int phase[SURVIVORS];
	size_t head, n;
} surv = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void survivors_keep(struct obj o, unsigned int phase)
{
	pthread_mutex_lock(&surv.lock);
	if (surv.n == SURVIVORS) { /* full: the oldest goes */
		obj_free(&surv.v[surv.head]);
		surv.head = (surv.head + 1) % SURVIVORS;
		surv.n--;
	}
	surv.v[(surv.head + surv.n) % SURVIVORS] = o;
	surv.phase[(surv.head + surv.n) % SURVIVORS] = phase;
	surv.n++;
	pthread_mutex_unlock(&surv.lock);
}

static void survivors_expire(unsigned int phase)
{
	pthread_mutex_lock(&surv.lock);
	while (surv.n && surv.phase[surv.head] + SURVIVE <= phase) {
		obj_free(&surv.v[surv.head]);
		surv.head = (surv.head + 1) % SURVIVORS;
		surv.n--;
	}
	pthread_mutex_unlock(&surv.lock);
}

struct phase_arg {
	unsigned int phase, id;
	size_t peak;
};

static void *phase_thread(void *arg)
{
	const struct phase_arg *a = arg;
	unsigned int r = cfg.seed * 104729 + a->phase * 31 + a->id;
	struct set s = { 0 };
	uint32_t tag = a->phase << 8;

	survivors_expire(a->phase);
	while (s.bytes < a->peak)
		if (set_add(&s, draw_size(&r), ++tag))
			exit(1);
	while (s.n > 0) { /* 90% freed, a tenth survives */
		struct obj o = set_take(&s, rand_r(&r) % s.n);

		/* survivors are runs of cfg.run objects allocated one after
		 * the other (a request's cache entries), not scattered ones */
		if ((o.tag / cfg.run) % 10)
			obj_free(&o);
		else
			survivors_keep(o, a->phase);
	}
	alloc_purge();
	free(s.v);
	return NULL;
}

/*
 * drift's load in phase ph, of the working set: the busy hours of a day
 * (its first 3/8) rise to the day's peak and fall back; the night stays at
 * NIGHT_LOAD. The peaks climb from 40% on the first day to 100% on the
 * last one the run reaches.
 */
static double drift_load(unsigned int ph)
{
	unsigned int day_ph = cfg.day_s / PHASE_S, busy, day, hour, days;
	double peak;

	if (day_ph < 2)
		day_ph = 2;
	busy = day_ph * 3 / 8 ? day_ph * 3 / 8 : 1;
	day = ph / day_ph;
	hour = ph % day_ph;
	days = (unsigned int)ceil(cfg.seconds / PHASE_S / day_ph);
	peak = days > 1 ? 0.4 + 0.6 * fmin(1, day / (days - 1.0)) : 1;
	if (hour >= busy)
		return NIGHT_LOAD;
	return peak * sin(3.14159265 * (hour + 1) / (busy + 1));
}

static void *drift(void *arg)
{
	struct obj large[2 * LARGE_KEEP] = { 0 };
	unsigned int r = cfg.seed;

	(void)arg;
	for (unsigned int ph = 0; now_s() < t_end; ph++) {
		double end = now_s() + PHASE_S;
		double load = drift_load(ph);
		struct phase_arg pa[THREADS];
		pthread_t t[THREADS];
		struct obj *l = &large[(ph % LARGE_KEEP) * 2];

		for (int i = 0; i < 2; i++) { /* mapped anew each phase */
			obj_free(&l[i]);
			if (obj_new(&l[i], (3 << 20) + rand_r(&r) % (6 << 20),
				    ph * 2 + i))
				exit(1);
		}
		for (unsigned int i = 0; i < THREADS; i++) {
			pa[i] = (struct phase_arg){
				ph, i, (size_t)(cfg.bytes * load / THREADS)
			};
			pthread_create(&t[i], NULL, phase_thread, &pa[i]);
		}
		for (unsigned int i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
		while (now_s() < end && now_s() < t_end)
			usleep(20000);
	}
	for (size_t i = 0; i < 2 * LARGE_KEEP; i++)
		obj_free(&large[i]);
	survivors_expire(~0u - SURVIVE);
	return NULL;
}

/* The process's CPU time, to the nanosecond (the scheduler's, not ticks) */
static unsigned long process_cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (unsigned long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "churn") && strcmp(argv[1], "drift")))
		return -1;
	cfg.drift = !strcmp(argv[1], "drift");
	cfg.seconds = atof(argv[2]);
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mib"))
			cfg.bytes = strtoul(argv[i + 1], NULL, 10) << 20;
		else if (!strcmp(argv[i], "--seed"))
			cfg.seed = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--purge-ms"))
			cfg.purge_ms = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--day-s"))
			cfg.day_s = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--run"))
			cfg.run = strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--duty"))
			cfg.duty = atof(argv[i + 1]);
		else
			return -1;
	}
	return cfg.seconds > 0 && cfg.bytes && cfg.day_s && cfg.run &&
			       cfg.duty > 0 && cfg.duty <= 1 &&
			       !((argc - 3) % 2) ?
		       0 :
		       -1;
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	double start;
	int n;

	if (parse(argc, argv)) {
		fprintf(stderr,
			"usage: alloc-steady-%s churn|drift SECONDS [--mib M] "
			"[--seed N] [--purge-ms MS] [--duty F] [--day-s S] "
			"[--run R]\n",
			alloc_name());
		return 2;
	}
	n = cfg.drift ? 1 : THREADS;
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	start = now_s();
	t_end = start + cfg.seconds;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, cfg.drift ? drift : churn,
			       (void *)(uintptr_t)i);
	for (int s = 1; now_s() < t_end; s++) {
		double wake = start + s;

		while (now_s() < wake && now_s() < t_end)
			usleep(10000);
		printf("t=%d ops=%lu cpu_ms=%lu\n", s, atomic_load(&ops),
		       process_cpu_ms());
		fflush(stdout);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("ops=%lu seconds=%.1f data_ok=%d\n", atomic_load(&ops),
	       now_s() - start, !atomic_load(&bad));
	return atomic_load(&bad) ? 1 : 0;
}
