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

/*
 * found[i] = whether names[i] is a text symbol ('t' or 'T'), for all n
 * names in one pass over the file. 0, or -errno when it cannot be read
 * (then every found[i] is false).
 */
int kallsyms_find_text(const char *const *names, size_t n, bool *found);

/* One name; false when absent or unreadable. */
bool kallsyms_has_text(const char *name);

#endif
