/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Asks /proc/kallsyms whether the running kernel has functions by name:
 * the one scanner for the kernel-feature probe (kfeatures.c) and the BPF
 * loader (src/bpf/detect.c). Names are readable without root; addresses
 * (hidden without it) are never needed. Only text symbols count: an
 * inlined function has none, so it cannot be attached to.
 */
#ifndef PTWATCH_KALLSYMS_H
#define PTWATCH_KALLSYMS_H

#include <stdbool.h>
#include <stddef.h>

#define KALLSYMS_PATH "/proc/kallsyms"

/*
 * counts[i] = how many text symbols ('t' or 'T') named exactly names[i]
 * the file at path (NULL: /proc/kallsyms) lists, modules' included, for
 * all n names in one pass. More than one means several functions share
 * the name (static ones in different files): attaching by name (fentry
 * through BTF, a kprobe through kallsyms) cannot say which one it gets.
 * 0, or -errno when the file cannot be read (then every count is 0).
 */
int kallsyms_count_text(const char *path, const char *const *names, size_t n,
			unsigned int *counts);

/* One name in /proc/kallsyms; false when absent or unreadable. */
bool kallsyms_has_text(const char *name);

#endif
