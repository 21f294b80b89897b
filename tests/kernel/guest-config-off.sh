#!/bin/sh
# Runs inside a QEMU guest on the series built with CONFIG_PT_RECLAIM=n
# (t-config-off.sh): no switch, no reclaim, its counters at 0; the tracepoints
# still report zaps, with fate "none".
. "$(dirname "$0")/guest-lib.sh"
T=/sys/kernel/tracing/events/pagetable
if [ -e /proc/sys/vm/pt_reclaim ]; then
	not_ok "no vm.pt_reclaim" "/proc/sys/vm/pt_reclaim exists"
else
	ok "no vm.pt_reclaim"
fi
echo "hist:keys=fate:vals=hitcount,cleared" >> $T/zap_pte_table/trigger
OUT=$(kern-ptfree dontneed 64)
eq "seed, 64 blocks: workload exits 0" "$?" 0
ge "seed: VmPTE keeps one table per block (no reclaim)" \
	"$(val vmpte_after_kb)" $(($(val vmpte_before_kb) + 64 * 4))
# The counters are there whatever the config (patch 9): they read 0.
for c in pte_table_reclaimed pte_table_reclaim_busy pte_table_reclaimed_on_demand; do
	eq "$c reads 0 in /proc/vmstat" "$(vmstat $c)" 0
done
fates=$(sed -n 's/^{ fate: *\([0-9]*\) }.*/\1/p' $T/zap_pte_table/hist | sort -u | tr '\n' ' ')
eq "zap_pte_table reports every table with fate none (0)" "$fates" "0 "
klog_check "option off"
exit $fail
