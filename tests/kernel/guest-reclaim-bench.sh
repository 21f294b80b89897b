#!/bin/sh
# Runs inside a QEMU guest on the patched (non-debug) 6.12 kernel, booted
# by t-reclaim-bench.sh: what PTE reclaim saves and what it costs.
#   guest-reclaim-bench.sh THREADS SECS BLOCKS "SEED_BLOCKS..." HEAP_MIB
# A part whose size is 0 (or "" for the seeds) is skipped: t-reclaim-bench.sh
# runs the memory part and the cost part in two boots.
# Memory: the seed workload (kern-ptfree dontneed) at each size of
# SEED_BLOCKS (2 MiB blocks) and the jemalloc-like pt-heap of HEAP_MIB,
# each with vm.pt_reclaim=1 and =0: VmPTE before and after.
# Cost: the multi-fault loop of seeds/003 (bpf-faultloop: THREADS threads
# each touch 2 MiB and MADV_DONTNEED it) for SECS per round, BLOCKS blocks
# of four rounds A B B A (so that a drift cancels): reclaim off vs on, then
# reclaim on vs on with `ptwatch record` attached to the tracepoints.
# Prints TAP lines, "# " figure lines and one "BENCH ..." line per figure.
threads=${1:-2} secs=${2:-1} blocks=${3:-3} seeds=${4-"512 4096"} heap=${5:-256}
SYSCTL=/proc/sys/vm/pt_reclaim
. "$(dirname "$0")/guest-lib.sh"
set_reclaim() { echo "$1" > $SYSCTL; }
onoff() { [ "$1" = 1 ] && echo on || echo off; }

if [ ! -w $SYSCTL ]; then
	not_ok "vm.pt_reclaim exists and is writable" "no $SYSCTL: is this the patched kernel?"
	exit 1
fi
echo "# kernel $(uname -r), $(nproc) vCPUs"

# --- memory saved: the seed test ---
for n in $seeds; do
	for r in 1 0; do
		set_reclaim $r
		OUT=$(kern-ptfree dontneed "$n")
		rc=$?
		b=$(val vmpte_before_kb) a=$(val vmpte_after_kb) u=$(val upper_tables_kb)
		echo "BENCH mem seed size_mib=$((n * 2)) reclaim=$(onoff $r) vmpte_before_kb=$b vmpte_after_kb=$a"
		eq "seed $((n * 2)) MiB, reclaim $(onoff $r): workload exits 0" "$rc" 0
		if [ $r = 1 ]; then
			le "seed $((n * 2)) MiB, reclaim on: VmPTE after <= before + PMD/PUD pages + 8 kB" \
				"$a" $((b + u + 8))
		else
			le "seed $((n * 2)) MiB, reclaim off: VmPTE keeps one table per block" \
				$((b + n * 4)) "$a"
		fi
	done
done

# --- memory saved: a jemalloc-like heap, 90% of its objects freed ---
[ "$heap" -gt 0 ] && for r in 1 0; do
	set_reclaim $r
	OUT=$(pt-heap "$heap" 90)
	rc=$?
	t=$(val vmpte_touched_kb) p=$(val vmpte_purged_kb) e=$(val ranges_empty)
	echo "BENCH mem heap size_mib=$heap freed_pct=90 reclaim=$(onoff $r)" \
		"vmpte_touched_kb=$t vmpte_purged_kb=$p ranges=$(val ranges) ranges_empty=$e" \
		"live_kb=$(val live_kb) purge_calls=$(val purge_calls)"
	eq "heap $heap MiB, reclaim $(onoff $r): exits 0, live data intact" "$rc/$(val data_ok)" 0/1
	if [ $r = 1 ]; then
		le "heap, reclaim on: every empty 2 MiB range gave its table back ($e)" \
			"$p" $((t - e * 4))
	else
		eq "heap, reclaim off: VmPTE unchanged by the purge" "$p" "$t"
	fi
done
set_reclaim 1

# --- page-fault cost ---
rate() { bpf-faultloop "$threads" "$secs" | sed -n 's/^loops_per_s //p'; }
# summary NAME FILE: median, min and max of the per-block slowdowns (%)
summary() {
	s=$(sort -n "$2" | awk '{v[NR]=$1} END {printf "median=%.2f min=%.2f max=%.2f n=%d",
		(NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2, v[1], v[NR], NR}')
	echo "BENCH cost $1 threads=$threads secs=$secs $s"
	MEDIAN=$(echo "$s" | sed 's/^median=\([-0-9.]*\).*/\1/')
}
REC=
rec_start() {
	rm -f /tmp/rec.err
	ptwatch record -d 100000 > /dev/null 2> /tmp/rec.err &
	REC=$!
	while ! grep -q '^ptwatch: recording' /tmp/rec.err 2>/dev/null; do
		kill -0 $REC 2>/dev/null || { REC=; return 1; }
		sleep 0.1
	done
}
rec_stop() { [ -n "$REC" ] && kill -INT $REC && wait $REC; REC=; }
# state NAME: puts the system in state off, on or bpf
state() {
	case $1 in
	off) rec_stop; set_reclaim 0 ;;
	on) rec_stop; set_reclaim 1 ;;
	bpf) set_reclaim 1; [ -n "$REC" ] || rec_start ;;
	esac
}
# compare A B FILE: BLOCKS blocks of rounds A B B A; per block the
# slowdown of B against A, in percent, appended to FILE
compare() {
	: > "$3"
	i=0
	while [ $i -lt "$blocks" ]; do
		state "$1"; a1=$(rate)
		state "$2"; b1=$(rate); b2=$(rate)
		state "$1"; a2=$(rate)
		echo "# block $i: $1 $a1 $a2, $2 $b1 $b2 loops/s"
		echo "$a1 $a2 $b1 $b2" | awk '{printf "%.4f\n", (1 - ($3 + $4) / ($1 + $2)) * 100}' >> "$3"
		i=$((i + 1))
	done
	state on
}
# cost: the page-fault cost of reclaim, then of ptwatch record
cost() {
	rate > /dev/null # warm up: first faults, page cache of the binary
	compare off on /tmp/cost.reclaim
	summary reclaim_on_vs_off /tmp/cost.reclaim
	le "page-fault cost of reclaim: median slowdown <= 1% (target; seeds/003: ~1%)" \
		"$(echo "$MEDIAN" | awk '{printf "%d", $1 * 100}')" 100
	if command -v ptwatch > /dev/null && state bpf; then
		head -3 /tmp/rec.err | sed 's/^/# record: /'
		probes=$(ptwatch status --json | jq -r '.probes[] | "\(.name)=\(.target)"' | tr '\n' ' ')
		echo "# record attached: $probes"
		case $probes in
		*zap_pte_range=pagetable:zap_pte_batch*pte_reclaim=pagetable:pte_table_free*)
			ok "ptwatch record: zap and reclaim probes on the series' tracepoints" ;;
		*) not_ok "ptwatch record: zap and reclaim probes on the series' tracepoints" "$probes" ;;
		esac
		state on
		compare on bpf /tmp/cost.bpf
		summary bpf_record_vs_none /tmp/cost.bpf
		# zap_pte_batch fires once per folio, once per PTE of this loop's
		# order-0 memory: the worst case. A program that only returns costs
		# 1.2% here; ours 4.8% (docs/kernel-stress.md). The bound is a
		# regression guard, not the 2% target of the other probes.
		le "cost of ptwatch record with the per-folio zap tracepoint: median slowdown <= 6%" \
			"$(echo "$MEDIAN" | awk '{printf "%d", $1 * 100}')" 600
	else
		not_ok "ptwatch record attaches for the tracepoint cost" "$(cat /tmp/rec.err 2>/dev/null)"
	fi
}
[ "$blocks" -gt 0 ] && cost

klog_check "benchmark"
exit $fail
