#!/usr/bin/env bash
# The steady-state benchmark (docs/alloc-bench.md): eight real-allocator
# processes in the patched guest, three modes (vm.pt_reclaim=0, the kernel
# alone, the kernel and ptwatchd's [free_tables] acting), same seed; QEMU
# counts instructions (-icount shift=3,sleep=off, one vCPU), so guest time
# and CPU time follow the guest's own work, not the host's load.
#   tests/alloc/steady-bench.sh [--long] [OUTDIR]
# --long (make bench-alloc): 600 s per mode at ptwatchd's shipped cadence
# (interval 10 s, process_interval 1 m, confirm_after 20 s), a sample
# every 10 s; it rewrites docs/alloc-bench-*.png and
# docs/alloc-bench-table.md. Without: 120 s per mode (two of drift's days),
# the cadence scaled (2 s, 10 s, 4 s), what t-steady.sh runs in make test.
# Prints the table and the figures as TAP comments; checks (TAP) that on
# drift the daemon's mode ends with at least 30% fewer empty tables than
# the kernel alone, and, with --long, each goal of docs/alloc-bench.md.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
long=0
[ "${1:-}" = --long ] && { long=1; shift; }
out=${1:-$BUILD/alloc-bench}
if [ $long = 1 ]; then secs=600 sample=10 pint=60 scale=long timeout=7200
else secs=120 sample=4 pint=10 scale=short timeout=2400; fi
patched_kernel
for a in jemalloc tcmalloc glibc; do
	[ -x "$BUILD/tests/alloc-steady-$a" ] ||
		{ not_ok "build/tests/alloc-steady-$a is built" "run make first"; tap_done; }
done
start=$SECONDS
PTWATCH_QEMU_ARGS="-icount shift=3,sleep=off" \
	guest_tap "steady-state guest" "$out/guest.log" \
	--kernel "$kernel" --timeout $timeout --smp 1 --mem 3G -- \
	"$PTWATCH_ROOT/tests/alloc/guest-steady.sh" $secs $sample $scale
echo "# guest ran $((SECONDS - start)) s (wall) for 3 x $secs s (guest time)"
if "$PTWATCH_ROOT/tests/alloc/steady-report.sh" "$out/guest.log" "$out" $pint; then
	ok "the report is written ($out/steady-table.md)"
else
	not_ok "the report is written" "no samples in $out/guest.log"
	tap_done
fi
sed 's/^/# /' "$out/steady-table.md"
[ -s "$out/steady-refill.md" ] && sed 's/^/# /' "$out/steady-refill.md"
sed 's/^/# BENCH /' "$out/steady-figures.txt"
if [ $long = 1 ]; then
	cat "$out/steady-table.md" > "$PTWATCH_ROOT/docs/alloc-bench-table.md"
	[ -s "$out/steady-refill.md" ] &&
		{ echo; cat "$out/steady-refill.md"; } >> "$PTWATCH_ROOT/docs/alloc-bench-table.md"
	for k in churn drift; do
		if [ -s "$out/alloc-bench-$k.png" ]; then
			cp "$out/alloc-bench-$k.png" "$PTWATCH_ROOT/docs/"
			ok "docs/alloc-bench-$k.png regenerated"
		else
			not_ok "docs/alloc-bench-$k.png regenerated" "gnuplot made no $out/alloc-bench-$k.png"
		fi
	done
fi
fig() { sed -n "s/^$1=//p" "$out/steady-figures.txt"; }
check() { # WHAT EXPR (awk, true = pass)
	if awk "BEGIN { exit !($2) }"; then ok "$1"; else not_ok "$1" "$2"; fi
}
# "At the end": the mean of the run's last sixth of samples (a single
# sample is one moment of a night's survivors dying). Asserted on drift,
# the workload whose ranges nothing returns to; churn's empties are
# transient by design, left alone by the evidence rule: printed only.
for kind in churn drift; do
	echo "# $kind: empty tables over the last sixth, off $(fig off-$kind.tail_empty_tables)," \
		"kernel alone $(fig kernel-$kind.tail_empty_tables), with ptwatchd $(fig daemon-$kind.tail_empty_tables)"
done
# At least 30% fewer, not merely fewer: the kernel alone's figure moves by
# about 5% from run to run, and a daemon in dry run (the fault planted:
# dry_run = yes) ended at 0.91 of it, which "fewer" let pass; acting, it
# ended at 0.35-0.47 in the short runs (once 0.62) and 0.47-0.48 in the long ones
# (docs/alloc-bench.md): 0.70 lies in the middle.
check "drift: the daemon's mode ends with at least 30% fewer empty tables than the kernel alone ($(fig daemon-drift.tail_empty_tables) <= 0.70 x $(fig kernel-drift.tail_empty_tables))" \
	"$(fig daemon-drift.tail_empty_tables) <= 0.70 * $(fig kernel-drift.tail_empty_tables)"
if [ $long = 1 ]; then
	check "churn: throughput with ptwatchd >= 99% of the kernel alone ($(fig ratio.churn.throughput_daemon_vs_kernel))" \
		"$(fig ratio.churn.throughput_daemon_vs_kernel) >= 0.99"
	check "ptwatchd's CPU <= 1% of the workloads' ($(fig daemon.daemon_cpu_share))" \
		"$(fig daemon.daemon_cpu_share) <= 0.01"
	check "drift: time-averaged empty bytes with ptwatchd ($(fig daemon-drift.avg_empty_bytes)) <= what one process_interval accumulates with reclaim off ($(fig off-drift.accumulated_per_interval_bytes))" \
		"$(fig daemon-drift.avg_empty_bytes) <= $(fig off-drift.accumulated_per_interval_bytes)"
	check "drift: VmPTE at the end with ptwatchd within 10% of what the live data needs ($(fig ratio.drift.end_vmpte_daemon_vs_need))" \
		"$(fig ratio.drift.end_vmpte_daemon_vs_need) <= 1.10"
fi
echo "# ptwatchd sent $(fig daemon.sent_blocks) blocks; $(fig daemon.refilled_blocks) mapped something at its next census"
tap_done
