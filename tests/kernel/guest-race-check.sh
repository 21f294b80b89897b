#!/bin/sh
# Runs inside a QEMU guest booted on the patched 6.12 kernel: every mode of
# pt-race (tests/workloads/pt-race.c) with vm.pt_reclaim=1, each with the
# delta of /proc/vmstat pte_table_reclaimed / pte_table_reclaim_busy over
# it. A mode passes when it exits 0 (77: skipped, says why) and made the
# kernel reclaim tables (a race test that never reaches reclaim proves
# nothing); the kernel log must stay free of warnings and bad pages. On a
# kernel with MADV_PT_RECLAIM (patch 11) every mode runs again with
# --on-demand, and must have freed tables that way too; then the modes
# that race the advice itself (issue 21): unmap (munmap, brk and mremap
# shrink against it) and uffdwp (UFFDIO_WRITEPROTECT and UFFDIO_COPY
# against process_madvise from another process), each with its own log
# check and the seconds until the first bad log line, if any, for
# PT_RACE_ADVICE_SECS (default SECONDS).
#   guest-race-check.sh [SECONDS] [THREADS] [MODE...]
#       5 s, 4 threads, every mode (fault gup fork mremap thp uffd unmap
#       uffdwp) by default
# Prints TAP lines and "# pt-race MODE: ..." figure lines.
#   tests/vm/guest.sh --kernel BZIMAGE --timeout 900 --mem 2G -- \
#       tests/kernel/guest-race-check.sh 5
SECS=${1:-5}
THREADS=${2:-4}
# unmap and uffdwp: their own seconds (PT_RACE_ADVICE_SECS), else SECS
ADVICE_SECS=${PT_RACE_ADVICE_SECS:-$SECS}
shift 2 2>/dev/null || shift $#
ALL=${*:-fault gup fork mremap thp uffd unmap uffdwp}
MODES='' ADVICE_MODES=''
for m in $ALL; do
	case $m in
	unmap | uffdwp) ADVICE_MODES="$ADVICE_MODES $m" ;;
	*) MODES="$MODES $m" ;;
	esac
done
. "$(dirname "$0")/guest-lib.sh"

if [ "$(cat /proc/sys/vm/pt_reclaim 2>/dev/null)" != 1 ] &&
	! echo 1 > /proc/sys/vm/pt_reclaim 2>/dev/null; then
	not_ok "vm.pt_reclaim is 1" "no /proc/sys/vm/pt_reclaim: is this the patched kernel?"
	exit 1
fi
ok "vm.pt_reclaim is 1"
klog_mark

# race MODE [--on-demand]: one pt-race run, its TAP lines
race() {
	r0=$(vmstat pte_table_reclaimed) b0=$(vmstat pte_table_reclaim_busy)
	d0=$(vmstat pte_table_reclaimed_on_demand)
	start=$(date +%s)
	OUT=$(pt-race $1 "$SECS" "$THREADS" $2 2>/tmp/pt-race.err)
	RC=$?
	reclaimed=$(($(vmstat pte_table_reclaimed) - r0))
	busy=$(($(vmstat pte_table_reclaim_busy) - b0))
	name="pt-race $1${2:+ $2}"
	echo "# $name $SECS $THREADS: $(echo "$OUT" | grep -v '^mode=' | tr '\n' ' ')rc=$RC" \
		"reclaimed+$reclaimed busy+$busy ($(($(date +%s) - start)) s)"
	sed 's/^/#   /' /tmp/pt-race.err
	if [ $RC = 77 ]; then
		echo "ok - $name # SKIP $(head -1 /tmp/pt-race.err)"
		return
	fi
	if [ $RC = 0 ] && [ "$(val checks)" -gt 0 ] && [ "$(val zaps)" -gt 0 ]; then
		ok "$name: exit 0, $(val checks) checks, $(val zaps) whole-block zaps"
	else
		not_ok "$name: exit 0 with checks and zaps" "rc $RC"
	fi
	if [ "$reclaimed" -gt 0 ]; then
		ok "$name: the kernel reclaimed $reclaimed PTE tables"
	else
		not_ok "$name: the kernel reclaimed PTE tables" \
			"pte_table_reclaimed +$reclaimed, busy +$busy"
	fi
	[ -n "$2" ] || return
	ondemand=$(($(vmstat pte_table_reclaimed_on_demand) - d0))
	ondemand_all=$((ondemand_all + ondemand))
	echo "# $name: MADV_PT_RECLAIM freed $ondemand tables in $(val on_demand_calls) calls"
	if [ "$(val on_demand_calls)" -gt 0 ] 2>/dev/null; then
		ok "$name: $(val on_demand_calls) MADV_PT_RECLAIM calls raced the mode"
	else
		not_ok "$name: MADV_PT_RECLAIM calls raced the mode" \
			"on_demand_calls $(val on_demand_calls)"
	fi
}

for mode in $MODES; do
	race $mode
done
# The same modes with every other zap freed on demand (MADV_PT_RECLAIM,
# patch 11), where the kernel has it.
# Whether a given call finds its table still empty depends on the mode's
# timing (gup refills its block at once: 1 freed in 13 calls one run, 0 in
# the next), so the frees are required over all modes, the calls per mode.
if [ -n "$MODES" ] && [ "$(vmstat pte_table_reclaimed_on_demand)" != missing ]; then
	ondemand_all=0
	for mode in $MODES; do
		race $mode --on-demand
	done
	if [ $ondemand_all -gt 0 ]; then
		ok "pt-race --on-demand: MADV_PT_RECLAIM freed $ondemand_all tables over all modes"
	else
		not_ok "pt-race --on-demand: MADV_PT_RECLAIM freed tables" "none over all modes"
	fi
fi

sleep 1 # RCU frees; a late bad-page report would land here
klog_check "pt-race${MODES}"
klog_mark

# race_advice MODE: one run of a mode that races MADV_PT_RECLAIM itself;
# its data checks, its activity, and the kernel log over it
race_advice() {
	d0=$(vmstat pte_table_reclaimed_on_demand)
	start=$(date +%s)
	bounded $((ADVICE_SECS * 3 + 120)) /tmp/pt-race.out /tmp/pt-race.err \
		pt-race $1 "$ADVICE_SECS" "$THREADS"
	OUT=$(cat /tmp/pt-race.out)
	freed=$(($(vmstat pte_table_reclaimed_on_demand) - d0))
	echo "# pt-race $1 $ADVICE_SECS $THREADS: $(echo "$OUT" | grep -v '^mode=' | tr '\n' ' ')rc=$RC" \
		"reclaimed_on_demand+$freed ($(($(date +%s) - start)) s)" \
		"first bad log line: $(first_bad)"
	sed 's/^/#   /' /tmp/pt-race.err
	if [ $RC = 77 ]; then
		echo "ok - pt-race $1 # SKIP $(head -1 /tmp/pt-race.err)"
		return
	fi
	case $1 in
	unmap) did="unmaps mremap_shrinks on_demand_calls" ;;
	uffdwp) did="wp_rounds copies on_demand_calls" ;;
	esac
	counts=$(for k in $did; do printf '%s=%s ' "$k" "$(val "$k")"; done)
	if [ $RC = 0 ] && [ "$(val checks)" -gt 0 ] 2>/dev/null &&
		! echo "$counts" | grep -qE '=(0| |$)'; then
		ok "pt-race $1: exit 0, no mismatch, $(val checks) checks, ${counts% }"
	else
		not_ok "pt-race $1: exit 0 with checks and activity, no mismatch" \
			"rc $RC, mismatches $(val mismatches), errors $(val errors), checks $(val checks), $counts"
	fi
	sleep 1 # RCU frees; a late bad-page report would land here
	klog_check "pt-race $1"
	klog_mark
}

if [ -n "$ADVICE_MODES" ]; then
	if [ "$(vmstat pte_table_reclaimed_on_demand)" = missing ]; then
		skip "pt-race$ADVICE_MODES" "the kernel has no MADV_PT_RECLAIM"
	else
		for mode in $ADVICE_MODES; do
			race_advice $mode
		done
	fi
fi
exit $fail
