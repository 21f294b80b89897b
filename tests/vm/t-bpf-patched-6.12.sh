#!/usr/bin/env bash
# BPF probes on our patched 6.12 (kernel-patches/): the pagetable:*
# tracepoints give the full view (PTEs zapped, batch sizes, tables
# reclaimed). Needs the kernel that `make kernel` builds; the kernel suites
# (before this one in tests/run-tests.sh) build it, so a full run finds it
# cached; without it the suite skips (a failure under CI). About 60 s.
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
if ! kernel=$(kernel-patches/build-kernel.sh --print 2>/dev/null); then
	skip "BPF on the patched 6.12 kernel" "not built (make kernel; the kernel suites build it)"
	tap_done
fi
export PTWATCH_PATCHED_KERNEL=$kernel
exec tests/vm/run-guest-suite.sh patched tests/vm/guest-bpf-patched.sh
