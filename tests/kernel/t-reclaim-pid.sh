#!/usr/bin/env bash
# MADV_PT_RECLAIM (kernel-patches/0011) and `ptwatch reclaim pid` in the
# patched 6.12 kernel under QEMU: what the advice frees and keeps (empty,
# a hole, a split VMA, one page, a swap entry on a brd RAM disk, uffd-wp
# and poison markers), the seed test emptied by sub-2 MiB DONTNEEDs and
# freed from outside, the errors a user sees (off, no CAP_SYS_NICE, gone),
# and targets exiting meanwhile; hostile unprivileged callers (the kernel
# half, holes, wrapping lengths: guest-hostile.sh, issue 21); the kernel
# log as the verdict.
# Cached kernel: about 1 minute.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
patched_kernel
# the kselftest needs the kernel tree the build left (tests/kselftest)
make -s -C "$PTWATCH_ROOT" kselftest >&2 ||
	not_ok "kselftest pt_reclaim builds (make kselftest)"
for w in pt-keep kern-ptfree as-user pt-lockhold pt-thp-refault pt-hostile; do
	if [ ! -x "$BUILD/tests/$w" ]; then
		not_ok "workload build/tests/$w is built" "run make first"
		tap_done
	fi
done
# make test-long: the seed's 8 GiB (4096 blocks) and a 768 MiB heap
if [ "${PTWATCH_LONG:-0}" = 1 ]; then
	blocks=4096 heap=768 mem=3G long=long
else
	blocks=64 heap=192 mem=1G long=
fi
guest_tap "reclaim pid guest" "$BUILD/test-logs/reclaim-pid-guest.log" \
	--kernel "$kernel" --timeout 1800 --mem $mem -- \
	"$PTWATCH_ROOT/tests/kernel/guest-reclaim-pid.sh" \
	"${PTWATCH_RECLAIM_BLOCKS:-$blocks}" "$heap" all $long
# The cost in a boot of its own, as t-reclaim-bench measures costs: QEMU
# counting instructions (-icount shift=1,sleep=off), so that guest time
# follows the guest's work and not the host's other load; one vCPU (a
# second one stalls RCU under -icount), shared by the target and ptwatchd.
PTWATCH_QEMU_ARGS="-icount shift=1,sleep=off" \
	guest_tap "reclaim pid cost guest" "$BUILD/test-logs/reclaim-pid-cost.log" \
	--kernel "$kernel" --timeout 1200 --smp 1 --mem 1G -- \
	"$PTWATCH_ROOT/tests/kernel/guest-reclaim-pid.sh" 0 0 cost $long
tap_done
