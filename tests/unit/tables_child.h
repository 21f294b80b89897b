/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A child process with PTE tables of its own, for tests that walk a real
 * process (the census in steps): `blocks` aligned 2 MiB blocks spread
 * `stride` blocks apart over sparse memory, one page written in each, the
 * even ones then dropped (4 KiB MADV_DONTNEED: an empty table that
 * stays). Writing a byte to its pipe makes it write one block more (a
 * new table, VmPTE moves); closing the pipe ends it.
 */
#ifndef PTWATCH_TEST_TABLES_CHILD_H
#define PTWATCH_TEST_TABLES_CHILD_H

#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define TC_BLOCK (2UL << 20)

struct tables_child {
	pid_t pid;
	int to, from; /* our ends of its pipes */
};

static inline void tc_run(unsigned long blocks, unsigned long stride, int in,
			  int out)
{
	unsigned long span = (blocks * stride + 2) * TC_BLOCK;
	char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char *p, c = 1;

	if (raw == MAP_FAILED)
		_exit(1);
	p = (char *)(((uintptr_t)raw + TC_BLOCK - 1) & ~(TC_BLOCK - 1));
	if (madvise(raw, span, MADV_NOHUGEPAGE))
		_exit(1);
	for (unsigned long i = 0; i < blocks; i++) {
		p[i * stride * TC_BLOCK] = 1;
		if (i % 2 == 0 &&
		    madvise(p + i * stride * TC_BLOCK, 4096, MADV_DONTNEED))
			_exit(1);
	}
	if (write(out, &c, 1) != 1)
		_exit(1);
	/* each byte: one block more, past the last one */
	for (unsigned long i = blocks; read(in, &c, 1) == 1; i++) {
		p[i * stride * TC_BLOCK + TC_BLOCK / 2] = 1;
		if (write(out, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/* Starts it and waits until its tables are built; false on failure. */
static inline bool tc_start(struct tables_child *t, unsigned long blocks,
			    unsigned long stride)
{
	int a[2], b[2];
	char c;

	if (pipe(a) || pipe(b))
		return false;
	t->pid = fork();
	if (t->pid < 0)
		return false;
	if (!t->pid) {
		close(a[1]);
		close(b[0]);
		tc_run(blocks, stride, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	t->to = a[1];
	t->from = b[0];
	return read(t->from, &c, 1) == 1;
}

/* One block more; returns when it is written. */
static inline bool tc_grow(struct tables_child *t)
{
	char c = 1;

	return write(t->to, &c, 1) == 1 && read(t->from, &c, 1) == 1;
}

static inline void tc_stop(struct tables_child *t)
{
	close(t->to);
	close(t->from);
	waitpid(t->pid, NULL, 0);
}

#endif
