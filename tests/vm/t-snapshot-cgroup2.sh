#!/usr/bin/env bash
# ptwatch snapshot and show --exact under cgroup v2 on Debian's 6.1 (no
# PAGEMAP_SCAN: the pagemap census) and 6.12 (PAGEMAP_SCAN) kernels.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
mkdir -p "$BUILD/test-logs"
for v in 6.1:pagemap 6.12:pagemap_scan; do
	kver=${v%%:*}
	debian_kernel "$kver" || continue
	GUEST_LABEL=$kver guest_tap "snapshot guest" "$BUILD/test-logs/snapshot-cgroup2-$kver.log" \
		--kernel "$kernel" --timeout 300 -- "$PTWATCH_ROOT/tests/vm/guest-snapshot.sh" "${v#*:}"
done
tap_done
