#!/usr/bin/env bash
# What PTE reclaim saves and costs, and what batched zapping of large
# folios saves, on the patched 6.12 kernel (not the debug one) in QEMU:
# tests/kernel/guest-reclaim-bench.sh does the work in two boots. Memory
# saved (seed test at two sizes, the jemalloc-like heap) on 2 vCPUs at
# full emulation speed; the page-fault cost in one boot with
# QEMU counting instructions (-icount shift=1,sleep=off): guest time then
# follows the guest's own work, so the load other processes put on this
# host does not show in the ratios. One vCPU: under -icount a second one
# stalled RCU and hung the guest. The cost boot then times munmap and
# MADV_DONTNEED of a region of order-0 pages, 16 KiB, 64 KiB and
# PTE-mapped 2 MiB folios, the last two also with their batches broken
# (zap-bench, in blocks of ABBA rounds), and checks `ptwatch record`'s
# batch histogram for each. Figures are the "BENCH"
# lines, kept in $BUILD/bench/reclaim-bench.txt.
# Short by default (~5 min); PTWATCH_LONG=1 (make test-long) runs the
# seed at 8 GiB and 50 GiB (the seeds' size), a 1 GiB heap, 8 blocks of
# 2 s rounds, and zap-bench on 1 GiB (the mainline figures' size): the
# cost boot alone then takes about 25 min.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
threads=2
if [ "${PTWATCH_LONG:-0}" = 1 ]; then
	secs=2 blocks=8 seeds="4096 25600" heap=1024 timeout=5400
	zap_mib=1024 zap_blocks=4
else
	secs=1 blocks=3 seeds="256 1024" heap=256 timeout=1200
	zap_mib=256 zap_blocks=2
fi
patched_kernel
adds=()
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
[ -x "$bpftool" ] && adds=(--add "$bpftool")
# boot WHAT SMP GUEST_ARGS...: one guest run (its console in
# $BUILD/bench/reclaim-WHAT.log), its BENCH lines appended to $log
mkdir -p "$BUILD/bench"
log=$BUILD/bench/reclaim-bench.txt
: > "$log"
boot() {
	local what=$1 smp=$2 console=$BUILD/bench/reclaim-$1.log
	shift 2
	guest_tap "$what" "$console" --kernel "$kernel" --smp "$smp" --mem 2G \
		--timeout "$timeout" "${adds[@]}" -- \
		"$PTWATCH_ROOT/tests/kernel/guest-reclaim-bench.sh" "$@"
	grep -E '^(BENCH|# )' "$console" >> "$log"
}
boot memory 2 "$threads" "$secs" 0 "$seeds" "$heap"
PTWATCH_QEMU_ARGS="-icount shift=1,sleep=off" \
	boot cost 1 "$threads" "$secs" "$blocks" "" 0 "$zap_mib" "$zap_blocks"
tap_done
