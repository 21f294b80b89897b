#!/usr/bin/env bash
# BPF probes on our patched 6.12 (kernel-patches/): the pagetable:*
# tracepoints give the full view (PTEs zapped, batch sizes, tables
# reclaimed). Needs the kernel that `make kernel` builds; the kernel suite
# (after this one) builds it, so on a fresh clone this suite skips and a
# later run finds it cached. About 60 s.
cd "$(dirname "$0")/../.."
if ! kernel=$(kernel-patches/build-kernel.sh --print 2>/dev/null); then
	echo "ok - BPF on the patched 6.12 kernel # SKIP not built yet (make kernel; the kernel suite builds it)"
	exit 0
fi
export PTWATCH_PATCHED_KERNEL=$kernel
exec tests/vm/run-guest-suite.sh patched tests/vm/guest-bpf-patched.sh
