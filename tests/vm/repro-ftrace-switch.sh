#!/usr/bin/env bash
# Reproducer of the oops that made t-bpf-debian-6.1.sh flaky (docs/bpf.md,
# "The Debian 6.1 oops was the emulator's"): boots a Debian cloud kernel
# and switches one function between a BPF trampoline and a kprobe in a
# loop under exec load. Not part of `make test` (it takes minutes, and it
# is a probe of the emulator, not of ptwatch).
#   tests/vm/repro-ftrace-switch.sh [SERIES [SECONDS [MODE [FUNCTION]]]]
# Defaults: 6.1 150 alt unmap_page_range. MODE: alt, fentry or kprobe.
# PTWATCH_QEMU_ACCEL picks the TCG flavour (tests/vm/guest.sh). Exit 0 when
# the loop ran without an oops, 1 when the guest oopsed, locked up or died.
set -u
cd "$(dirname "$0")/../.."
series=${1:-6.1} secs=${2:-150} mode=${3:-alt} fn=${4:-unmap_page_range}
kernel=$(tests/vm/kernels.sh fetch "$series") || exit 1
start=$(date +%s)
out=$(tests/vm/guest.sh --kernel "$kernel" --timeout $((secs + 180)) \
	-- tests/vm/guest-ftrace-switch.sh "$mode" "$fn" "$secs" 2>&1)
rc=$?
echo "$out" | grep -E '^(ok|not ok|#)|ftrace-toggle|BUG:|Oops|soft lockup|RIP:' |
	tr -d '\r'
echo "# $series, $mode $fn, $secs s asked: guest exit $rc after $(($(date +%s) - start)) s"
[ $rc = 0 ]
