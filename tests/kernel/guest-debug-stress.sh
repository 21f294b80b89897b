#!/bin/sh
# Runs inside a QEMU guest booted on the debug build of the patched 6.12
# kernel (KASAN, lockdep, DEBUG_VM, PAGE_TABLE_CHECK; tests/stress/t-debug-stress.sh)
# with vm.pt_reclaim=1: stress-ng's memory stressors with `ptwatch record`
# attached to the tracepoints, then every mode of our race tests
# (guest-race-check.sh), the MADV_PT_RECLAIM fuzzer (pt-fuzz) and
# MADV_PT_RECLAIM from hostile unprivileged callers (guest-hostile.sh,
# issue 21). The kernel log is the verdict: any report fails, with the log
# attached.
#   guest-debug-stress.sh [STRESS_SECS] [RACE_SECS] [FUZZ_SECS]  (60, 5, 60)
# Prints TAP lines and "# " figure lines, the last of them the summary of
# the kernel log.
STRESS=${1:-60}
RACE=${2:-5}
FUZZ=${3:-60}
. "$(dirname "$0")/guest-lib.sh"
here=$(dirname "$0")
SYSCTL=/proc/sys/vm/pt_reclaim
THP=/sys/kernel/mm/transparent_hugepage

echo "# kernel $(uname -r), $(nproc) vCPUs, $(awk '/MemTotal/ {print $2}' /proc/meminfo) kB"
if ! echo 1 > $SYSCTL 2>/dev/null; then
	not_ok "vm.pt_reclaim=1" "no $SYSCTL: is this the patched kernel?"
	exit 1
fi
ok "vm.pt_reclaim=1"

# --- the checks are really on ---
if dmesg | grep -q 'KernelAddressSanitizer initialized'; then
	ok "KASAN is on ($(dmesg | grep -o 'KernelAddressSanitizer initialized.*'))"
else
	not_ok "KASAN is on" "no 'KernelAddressSanitizer initialized' in the boot log"
fi
# locks KEY: the number of a /proc/lockdep_stats line (" lock-classes:  618 [max: 8192]")
locks() {
	awk -F: -v k="$1" '{ n = $1; gsub(/^ +| +$/, "", n) }
		n == k { split($2, v, " "); print v[1] }' /proc/lockdep_stats
}
eq "lockdep is on and has reported nothing (debug_locks)" "$(locks debug_locks)" 1
if dmesg | grep -q 'debug_vm_pgtable.*Validating'; then
	ok "DEBUG_VM_PGTABLE validated the page-table helpers at boot"
else
	not_ok "DEBUG_VM_PGTABLE ran at boot" "no 'debug_vm_pgtable: ... Validating' line"
fi
klog_check "boot"
klog_mark

# tasks: every task's state, wait channel and kernel stack (a hang's report)
tasks() {
	for t in /proc/[0-9]*; do
		echo "# task ${t#/proc/} $(cat $t/comm 2>/dev/null)" \
			"$(awk '{print $3}' $t/stat 2>/dev/null) $(cat $t/wchan 2>/dev/null)"
		sed 's/^/#     /' $t/stack 2>/dev/null
	done
}
# wait_or_dump PID SECS: waits for PID to end; after SECS prints tasks(),
# kills every stress-ng process and returns 1
wait_or_dump() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $i -ge "$2" ]; then
			tasks
			for t in /proc/[0-9]*; do
				case $(cat $t/comm 2>/dev/null) in
				stress-ng*) kill -KILL ${t#/proc/} 2>/dev/null ;;
				esac
			done
			return 1
		fi
		sleep 5
		i=$((i + 5))
	done
}

# stress NAME SECS STRESSOR-OPTIONS...: one stress-ng run with the data
# checks on; its metrics as "# " lines; ok when it exits 0 within 3x SECS
# + 2 min (under KASAN and lockdep in TCG a stressor takes a while to
# notice its time is up), else the tasks' stacks and not ok
stress() {
	name=$1 secs=$2
	shift 2
	stress-ng --temp-path /tmp --timeout "${secs}s" --metrics-brief --verify \
		--oom-avoid "$@" > /tmp/stress.out 2>&1 &
	sp=$!
	t0=$(date +%s)
	if ! wait_or_dump $sp $((secs * 3 + 120)); then
		not_ok "stress-ng $name ends within $((secs * 3 + 120)) s of a $secs s run" \
			"hung or starved: the tasks and their kernel stacks above"
	fi
	wait $sp
	src=$?
	grep -E 'metrc|successful|fail|skipp' /tmp/stress.out |
		sed 's/^stress-ng: [a-z]*: *\[[0-9]*\] /# stress-ng: /'
	if [ $src = 0 ]; then
		ok "stress-ng $name: ran $secs s (took $(($(date +%s) - t0)) s), data verified, exit 0"
	else
		not_ok "stress-ng $name: ran, data verified, exit 0" "exit $src"
		tail -20 /tmp/stress.out | sed 's/^/#   /'
	fi
}

# --- stress-ng, reclaim on, BPF on the tracepoints ---
# THP always and a fast khugepaged, so that huge pages are made, split
# by partial munmap/mremap/madvise, and collapsed next to tables being
# reclaimed; hugetlb pages for mmaphuge.
thp0=$(sed 's/.*\[\(.*\)\].*/\1/' $THP/enabled)
echo always > $THP/enabled
echo 100 > $THP/khugepaged/scan_sleep_millisecs
echo 32 > /proc/sys/vm/nr_hugepages
rec=
if command -v ptwatch > /dev/null; then
	ptwatch record -d $((STRESS * 4 + 600)) > /tmp/rec.out 2> /tmp/rec.err &
	rec=$!
fi
r0=$(vmstat pte_table_reclaimed) b0=$(vmstat pte_table_reclaim_busy)
start=$(date +%s)
# Three groups in turn, a third of the time each, four stressors at most
# on the two vCPUs: all eleven at once starved each other so that they
# ran for minutes past their time. Sizes keep the guest (2 GiB, 1/8 of it
# KASAN's shadow) out of the OOM killer, whose report is a stack trace
# like any other: mmaphuge with 64 mappings took 1.2 GiB under THP always.
third=$(((STRESS + 2) / 3))
stress "fault/zap (madvise, mmap, munmap, vm)" $third \
	--madvise 1 --mmap 1 --mmap-bytes 4M --munmap 1 --vm 1 --vm-bytes 4M
stress "move/copy (mremap, pagemove, fork, mmapfixed, mmapaddr)" $third \
	--mremap 1 --mremap-bytes 4M --pagemove 1 --pagemove-bytes 4M \
	--fork 1 --mmapfixed 1 --mmapaddr 1
stress "userfaultfd and huge pages (userfaultfd, mmaphuge)" $third \
	--userfaultfd 1 --userfaultfd-bytes 4M --mmaphuge 1 --mmaphuge-mmaps 4
reclaimed=$(($(vmstat pte_table_reclaimed) - r0))
busy=$(($(vmstat pte_table_reclaim_busy) - b0))
echo "# stress-ng 3 x $third s (took $(($(date +%s) - start)) s):" \
	"pte_table_reclaimed +$reclaimed, busy +$busy; since boot:" \
	"thp_split_pmd $(vmstat thp_split_pmd), thp_collapse_alloc $(vmstat thp_collapse_alloc)"
ge "stress-ng made the kernel reclaim PTE tables" "$reclaimed" 1
if [ -n "$rec" ]; then
	kill -INT $rec 2> /dev/null
	wait $rec
	rrc=$?
	eq "ptwatch record stayed attached through the stress and exits 0" $rrc 0
	head -3 /tmp/rec.err | sed 's/^/# record: /'
else
	skip "ptwatch record on the tracepoints" "ptwatch is not in the guest (make)"
fi
echo "$thp0" > $THP/enabled
echo 0 > /proc/sys/vm/nr_hugepages
sleep 1 # RCU frees; a late report lands here
klog_check "stress-ng"
klog_mark

# --- our race tests, every mode (their own TAP lines and log check) ---
# unmap and uffdwp at least 20 s: on the first patch 11 the plain kernel
# reported its double free once in 24-27 s of unmap (at the exit), while
# uffdwp failed within seconds
PT_RACE_ADVICE_SECS=$((RACE > 20 ? RACE : 20)) \
	sh "$here/guest-race-check.sh" "$RACE" 4 || fail=1
klog_mark

# --- the MADV_PT_RECLAIM fuzzer: hostile ranges, races with every mm call ---
if [ "$(vmstat pte_table_reclaimed_on_demand)" = missing ]; then
	skip "pt-fuzz $FUZZ s" "the kernel has no MADV_PT_RECLAIM"
else
	d0=$(vmstat pte_table_reclaimed_on_demand)
	start=$(date +%s)
	bounded $((FUZZ * 2 + 120)) /tmp/fuzz.out /tmp/fuzz.err pt-fuzz "$FUZZ" 4
	OUT=$(cat /tmp/fuzz.out)
	echo "# pt-fuzz $FUZZ s, 4 threads, seed $(val seed): rc=$RC" \
		"($(($(date +%s) - start)) s), reclaimed_on_demand" \
		"+$(($(vmstat pte_table_reclaimed_on_demand) - d0))," \
		"first bad log line: $(first_bad)"
	echo "# pt-fuzz: $(echo "$OUT" | grep -vE '^(seed|seconds|threads|user_only)=' | tr '\n' ' ')"
	sed 's/^/#   /' /tmp/fuzz.err
	if [ $RC = 0 ] && [ "$(val madvise)" -gt 0 ] 2>/dev/null &&
		[ "$(val process_madvise)" -gt 0 ] && [ "$(val munmap)" -gt 0 ]; then
		ok "pt-fuzz: exit 0, no impossible result, $(val madvise) madvise and $(val process_madvise) process_madvise calls beside $(val munmap) munmaps"
	else
		not_ok "pt-fuzz: exit 0 with advice calls and munmaps, no impossible result" \
			"rc $RC, impossible $(val impossible) (seed $(val seed): pt-fuzz $FUZZ 4 --seed $(val seed))"
	fi
	sleep 1 # RCU frees; a late report lands here
	klog_check "pt-fuzz"
	klog_mark
fi

# --- MADV_PT_RECLAIM from hostile callers (issue 21; its own log checks) ---
sh "$here/guest-hostile.sh" || fail=1
klog_mark

# --- the summary of the whole kernel log ---
eq "lockdep still on at the end: it met no bad locking (debug_locks)" "$(locks debug_locks)" 1
klog_all > /tmp/klog.total
echo "# klog summary: $(wc -l < /tmp/klog.total) lines, $(grep -cE "$KLOG_BAD" /tmp/klog.total) bad;" \
	"lockdep: $(locks 'lock-classes') classes, $(locks 'direct dependencies') dependencies," \
	"$(locks 'dependency chains') chains, debug_locks=$(locks debug_locks);" \
	"pte_table_reclaimed $(vmstat pte_table_reclaimed), busy $(vmstat pte_table_reclaim_busy)"
klog_check "whole run" /tmp/klog.total
exit $fail
