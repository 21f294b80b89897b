#!/usr/bin/env bash
# The 6.12 PTE-table reclaim series (kernel-patches/) in QEMU: builds the
# patched kernel or takes it from /var/cache/ptwatch/kernel, boots it with
# tests/vm/guest.sh and runs tests/kernel/guest-ptreclaim.sh inside, which
# prints the TAP lines. Cold: ~12 min kernel build; cached: the guest run.
# PTWATCH_SEED_BLOCKS (4096 = 8 GiB) scales the seed runs.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
patched_kernel
if [ ! -x "$BUILD/tests/kern-ptfree" ]; then
	not_ok "workload build/tests/kern-ptfree is built" "run make first"
	tap_done
fi
guest_tap "seed test guest" "$BUILD/test-logs/ptreclaim-guest.log" \
	--kernel "$kernel" --timeout 2400 --mem 2G -- \
	"$PTWATCH_ROOT/tests/kernel/guest-ptreclaim.sh" "${PTWATCH_SEED_BLOCKS:-4096}"
tap_done
