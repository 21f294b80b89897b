#!/usr/bin/env bash
# The occupancy census (tests/vm/guest-census.sh) on Debian's 6.1 (pagemap
# only) and 6.12 (PAGEMAP_SCAN and pagemap) kernels, and with swap on the
# patched kernel (its brd RAM disk). About 1 min a guest.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
N=16
mkdir -p "$BUILD/test-logs"
for v in 6.1 6.12; do
	debian_kernel "$v" || continue
	GUEST_PLAN=yes GUEST_LABEL=$v guest_tap "census guest" "$BUILD/test-logs/census-$v.log" \
		--kernel "$kernel" --timeout 400 -- "$PTWATCH_ROOT/tests/vm/guest-census.sh" $N ""
done
# the kernel suites (before this one) build it; a fresh clone has it here
if patched=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh" --print 2>/dev/null) &&
	[ -r "$patched" ]; then
	GUEST_PLAN=yes GUEST_LABEL=patched guest_tap "census guest" "$BUILD/test-logs/census-patched.log" \
		--kernel "$patched" --timeout 400 -- "$PTWATCH_ROOT/tests/vm/guest-census.sh" $N swap
else
	skip "census of swapped pages on the patched kernel" \
		"not built (make kernel): the only guest with a swap device"
fi
tap_done
