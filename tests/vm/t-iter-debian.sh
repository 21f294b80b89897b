#!/usr/bin/env bash
# The task iterator sampler on Debian's 6.1 (atomic RSS counters) and 6.12
# (per-CPU RSS counters, summed as procfs sums them) kernels: iterator =
# procfs for every still process, the deny switch's fallback
# (tests/vm/guest-iter.sh). About 40 s a kernel (TCG, 2 cores).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
mkdir -p "$BUILD/test-logs"
for kver in 6.1 6.12; do
	debian_kernel "$kver" || continue
	GUEST_LABEL=$kver guest_tap "iterator guest" "$BUILD/test-logs/iter-$kver.log" \
		--kernel "$kernel" --timeout 300 -- "$PTWATCH_ROOT/tests/vm/guest-iter.sh"
done
tap_done
