#!/usr/bin/env bash
# Host side of a VM suite: fetches a Debian kernel, boots it with
# guest.sh (tests/lib/guest-tap.sh's guest_tap), runs a guest script there
# and relays its TAP lines; the console is kept in build/test-logs/.
#   tests/vm/run-guest-suite.sh SERIES GUEST_SCRIPT [ARGS...]
# SERIES "patched" boots $PTWATCH_PATCHED_KERNEL instead of a Debian one.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/guest-tap.sh
series=$1
shift
mkdir -p "$BUILD/test-logs"
if ! command -v qemu-system-x86_64 >/dev/null; then
	skip "$series guest" "qemu-system-x86_64 not installed (make deps)"
	tap_done
fi
if [ "$series" = patched ]; then
	kernel=$PTWATCH_PATCHED_KERNEL
else
	debian_kernel "$series" || tap_done
fi
echo "# kernel: $kernel"
# the guest scripts end in bpf_done (tests/vm/bpf-lib.sh): a plan line
GUEST_PLAN=yes guest_tap "$series guest ($*)" "$BUILD/test-logs/$(basename "$1" .sh)-$series.log" \
	--kernel "$kernel" --timeout 300 -- "$@"
tap_done
