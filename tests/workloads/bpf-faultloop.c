// SPDX-License-Identifier: GPL-2.0
/*
 * bpf-faultloop THREADS SECONDS: the page-fault loop of the overhead
 * benchmark (the "multi-fault" pattern of seeds/003): each thread touches
 * every page of its own 2 MiB (THP off), gives it back with MADV_DONTNEED,
 * and again. Prints "loops_per_s N" for all threads together.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (2UL << 20)
#define PAGE 4096UL

static atomic_bool stop;
static atomic_ulong loops;

static void *worker(void *arg)
{
	char *raw = mmap(NULL, 2 * CHUNK, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *buf;
	unsigned long n = 0;

	(void)arg;
	if (raw == MAP_FAILED)
		return NULL;
	buf = (char *)(((uintptr_t)raw + CHUNK - 1) & ~(CHUNK - 1));
	madvise(raw, 2 * CHUNK, MADV_NOHUGEPAGE);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		for (unsigned long off = 0; off < CHUNK; off += PAGE)
			buf[off] = 1;
		madvise(buf, CHUNK, MADV_DONTNEED);
		n++;
	}
	atomic_fetch_add(&loops, n);
	munmap(raw, 2 * CHUNK);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 0;
	double secs = argc > 2 ? atof(argv[2]) : 0;
	pthread_t tid[256];
	struct timespec a, b;
	double took;

	if (threads < 1 || threads > 256 || secs <= 0) {
		fprintf(stderr, "usage: bpf-faultloop THREADS SECONDS\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, NULL);
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop, true);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	took = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("loops_per_s %.1f\n", atomic_load(&loops) / took);
	return 0;
}
