#!/bin/sh
# Runs inside a QEMU guest booted on the patched 6.12 kernel (see
# t-ptreclaim.sh): the seed workload and its variants against vm.pt_reclaim,
# /proc/vmstat, the pagetable tracepoints and the ptwatch commands.
# Prints TAP lines and "# seed ..." figure lines.
#   guest-ptreclaim.sh [BLOCKS]   BLOCKS of 2 MiB for the seed runs (4096)
SYSCTL=/proc/sys/vm/pt_reclaim
T=/sys/kernel/tracing/events/pagetable
SEED_BLOCKS=${1:-4096}
BLOCKS=1024 # the variants: 2 GiB is enough to tell kept from freed
. "$(dirname "$0")/guest-lib.sh"

# run_ptfree MODE BLOCKS: runs the workload, sets OUT, RC, RECLAIMED, BUSY
# (the deltas of the vmstat counters over the run).
run_ptfree() {
	r0=$(vmstat pte_table_reclaimed) b0=$(vmstat pte_table_reclaim_busy)
	start=$(date +%s)
	OUT=$(kern-ptfree "$1" "$2")
	RC=$?
	RECLAIMED=$(($(vmstat pte_table_reclaimed) - r0))
	BUSY=$(($(vmstat pte_table_reclaim_busy) - b0))
	echo "# kern-ptfree $1 $2: $(echo "$OUT" | tr '\n' ' ')rc=$RC" \
		"reclaimed+$RECLAIMED busy+$BUSY ($(($(date +%s) - start)) s)"
}

# The bound with reclaim: no PTE page left; VmPTE also counts the PMD/PUD
# pages that map the range (upper_tables_kb), which no PTE reclaim frees.
freed_bound() { echo $(($(val vmpte_before_kb) + $(val upper_tables_kb) + 8)); }
set_reclaim() { echo "$1" > $SYSCTL && [ "$(cat $SYSCTL)" = "$1" ]; }

pagetables_kb() { awk '$1 == "PageTables:" { print $2 }' /proc/meminfo; }
PT0=$(pagetables_kb)

# --- the switch ---
if [ ! -r $SYSCTL ]; then
	not_ok "vm.pt_reclaim exists" "no $SYSCTL: is this the patched kernel?"
	exit 1
fi
eq "vm.pt_reclaim defaults to 1" "$(cat $SYSCTL)" 1
eq "/proc/vmstat has pte_table_reclaimed" "$(vmstat pte_table_reclaimed | tr -d 0-9)" ""
eq "/proc/vmstat has pte_table_reclaim_busy" "$(vmstat pte_table_reclaim_busy | tr -d 0-9)" ""
if echo 2 > $SYSCTL 2>/dev/null; then
	not_ok "vm.pt_reclaim refuses 2" "the write succeeded"
else
	eq "vm.pt_reclaim refuses 2 and stays 1" "$(cat $SYSCTL)" 1
fi

# --- the seed test, scaled: on, off, on again in one boot ---
SEED_MB=$((SEED_BLOCKS * 2))
run_ptfree dontneed "$SEED_BLOCKS"
eq "seed ($SEED_MB MiB), reclaim on: workload exits 0" "$RC" 0
le "seed, reclaim on: VmPTE after <= before + PMD/PUD pages + 8 kB" \
	"$(val vmpte_after_kb)" "$(freed_bound)"
eq "seed, reclaim on: pte_table_reclaimed grows by $SEED_BLOCKS" "$RECLAIMED" "$SEED_BLOCKS"
eq "seed, reclaim on: pte_table_reclaim_busy does not grow" "$BUSY" 0
ON1="$(val vmpte_before_kb) $(val vmpte_after_kb)"

if set_reclaim 0; then ok "vm.pt_reclaim set to 0 at run time"; else not_ok "vm.pt_reclaim set to 0 at run time"; fi
run_ptfree dontneed "$SEED_BLOCKS"
eq "seed, reclaim off: workload exits 0" "$RC" 0
ge "seed, reclaim off: VmPTE after >= before + $SEED_BLOCKS tables (4 kB each)" \
	"$(val vmpte_after_kb)" $(($(val vmpte_before_kb) + SEED_BLOCKS * 4))
eq "seed, reclaim off: pte_table_reclaimed does not grow" "$RECLAIMED" 0
OFF="$(val vmpte_before_kb) $(val vmpte_after_kb)"

if set_reclaim 1; then ok "vm.pt_reclaim set back to 1 at run time"; else not_ok "vm.pt_reclaim set back to 1 at run time"; fi
run_ptfree dontneed "$SEED_BLOCKS"
le "seed, reclaim on again: VmPTE after <= before + PMD/PUD pages + 8 kB" \
	"$(val vmpte_after_kb)" "$(freed_bound)"
eq "seed, reclaim on again: pte_table_reclaimed grows by $SEED_BLOCKS" "$RECLAIMED" "$SEED_BLOCKS"
ON2="$(val vmpte_before_kb) $(val vmpte_after_kb)"
echo "# seed figures (VmPTE kB before -> after): on: ${ON1% *} -> ${ON1#* }," \
	"off: ${OFF% *} -> ${OFF#* }, on again: ${ON2% *} -> ${ON2#* }"

# --- a table that still maps a page is never freed ---
run_ptfree keep1 $BLOCKS
eq "keep1: every kept page reads back byte for byte, discarded ones as zero" \
	"$(val data_ok)/$RC" "1/0"
ge "keep1: VmPTE keeps one table per block" \
	"$(val vmpte_after_kb)" $(($(val vmpte_before_kb) + BLOCKS * 4))
eq "keep1: pte_table_reclaimed does not grow" "$RECLAIMED" 0

# Faults racing with whole-block MADV_DONTNEEDs: tables refilled during a
# zap must not be freed. A freed table that still mapped a page would leak
# it (bad rss-counter / bad page state at exit, checked in dmesg below) or
# lose data the workload checks.
run_ptfree race 64
eq "race: 10 s of whole-block DONTNEEDs racing with faults complete" "$RC" 0
ge "race: some racing zaps freed their table" "$RECLAIMED" 1

# --- documented limits ---
run_ptfree small $BLOCKS
eq "limit: two 1 MiB MADV_DONTNEEDs: workload exits 0" "$RC" 0
ge "limit: two 1 MiB MADV_DONTNEEDs that empty a table leave it" \
	"$(val vmpte_after_kb)" $(($(val vmpte_before_kb) + BLOCKS * 4))
eq "limit: sub-2MiB MADV_DONTNEED reclaims nothing" "$RECLAIMED" 0
run_ptfree free $BLOCKS
eq "limit: MADV_FREE: workload exits 0" "$RC" 0
ge "limit: MADV_FREE leaves the tables" \
	"$(val vmpte_after_kb)" $(($(val vmpte_before_kb) + BLOCKS * 4))
eq "limit: MADV_FREE reclaims nothing" "$RECLAIMED" 0

# --- tables emptied while off are freed by the next DONTNEED when on ---
set_reclaim 0
rm -f /tmp/go /tmp/pause.out
mkfifo /tmp/go
kern-ptfree dontneed $BLOCKS --pause < /tmp/go > /tmp/pause.out &
pid=$!
exec 3> /tmp/go
i=0
while ! grep -q upper_tables_kb /tmp/pause.out && [ $i -lt 600 ]; do
	sleep 1
	i=$((i + 1))
done
OUT=$(cat /tmp/pause.out)
ge "off: $BLOCKS emptied tables are kept" \
	"$(val vmpte_after_kb)" $(($(val vmpte_before_kb) + BLOCKS * 4))
set_reclaim 1
echo go >&3
exec 3>&-
wait $pid
RC=$?
OUT=$(cat /tmp/pause.out)
eq "switched on: workload exits 0" "$RC" 0
le "switched on: one MADV_DONTNEED over the range frees the kept tables" \
	"$(val vmpte_final_kb)" "$(freed_bound)"

# --- tracepoints agree with the workload ---
# hist triggers count one process's events without filling the ring buffer
# (a hist has at most 3 values, hitcount included)
# keyed by mm too: the workload is exec'd from a forked shell, whose old mm
# (tables installed by the parent's fork) is torn down with the same pid
TRIGGERS="pte_table_install:hist:keys=mm.hex:vals=hitcount
pte_table_free:hist:keys=mm.hex,reason:vals=hitcount
zap_pte_table:hist:keys=fate:vals=hitcount,cleared,batches"
# triggers PREFIX PID: adds ("") or removes ("!") the triggers for PID
triggers() {
	echo "$TRIGGERS" | while IFS=: read -r e t; do
		echo "$1$t if common_pid == $2" >> $T/$e/trigger || exit 1
	done
}
# hist_val EVENT KEY VALUE FIELD: FIELD of the hist line whose KEY is VALUE
hist_val() {
	sed -n "s/^{ $2: *$3 } .* $4: *\([0-9]*\).*/\1/p; s/^{ $2: *$3 } $4: *\([0-9]*\).*/\1/p" \
		$T/$1/hist | head -1
}
# trace_run PROGRAM ARGS...: runs a workload with the triggers on its pid;
# sets RC, OUT, INSTALL, FREE_UNMAP/RECLAIM/COLLAPSE (pte_table_free per
# reason), ZAP_<FATE>_N / _CLEARED / _BATCHES (zap_pte_table per fate)
trace_run() {
	rm -f /tmp/trace.go
	mkfifo /tmp/trace.go
	# the workload waits for the triggers on its pid (exec keeps the pid)
	sh -c 'read x < /tmp/trace.go; exec "$@"' sh "$@" > /tmp/trace.out &
	p=$!
	triggers "" $p
	echo go > /tmp/trace.go
	wait $p
	RC=$?
	OUT=$(cat /tmp/trace.out)
	INSTALL=$(sed -n 's/^ *Hits: *//p' $T/pte_table_install/hist)
	FREE_UNMAP=$(free_sum 0) FREE_RECLAIM=$(free_sum 1) FREE_COLLAPSE=$(free_sum 2)
	# installs and frees of the mm that installed the most: the workload's
	BAL=$(awk '/^\{ mm:/ { gsub(/[{},]/, " "); if (FILENAME ~ /install/) {
			if ($4 > max) { max = $4; mm = $2 } }
			else fr[$2] += $6 }
		END { print max + 0 "/" fr[mm] + 0 }' \
		$T/pte_table_install/hist $T/pte_table_free/hist)
	for f in 0:NONE 1:FREED 2:KEPT 3:BUSY 4:GONE; do
		n=${f%:*} name=${f#*:}
		eval "ZAP_${name}_N=\$(hist_val zap_pte_table fate $n hitcount)"
		eval "ZAP_${name}_CLEARED=\$(hist_val zap_pte_table fate $n cleared)"
		eval "ZAP_${name}_BATCHES=\$(hist_val zap_pte_table fate $n batches)"
	done
	echo "# trace $*: install=$INSTALL free unmap/reclaim/collapse=${FREE_UNMAP:-0}/${FREE_RECLAIM:-0}/${FREE_COLLAPSE:-0}" \
		"zap tables none/freed/kept/busy/gone=${ZAP_NONE_N:-0}/${ZAP_FREED_N:-0}/${ZAP_KEPT_N:-0}/${ZAP_BUSY_N:-0}/${ZAP_GONE_N:-0}" \
		"cleared none/freed=${ZAP_NONE_CLEARED:-0}/${ZAP_FREED_CLEARED:-0}" \
		"batches none/freed=${ZAP_NONE_BATCHES:-0}/${ZAP_FREED_BATCHES:-0}"
	triggers "!" "$p"
}
# free_sum REASON: pte_table_free events of that reason, all mms
free_sum() {
	awk -v r="$1" '/^\{ mm:/ { gsub(/[{},]/, " "); if ($4 == r) n += $6 } END { print n + 0 }' \
		$T/pte_table_free/hist
}
fields() { sed -n 's/^\tfield:[^;]* \([a-z_]*\)\(\[[0-9]*\]\)\{0,1\};.*/\1/p' $T/$1/format | grep -v common_ | tr '\n' ' '; }
for e in pte_table_install pte_table_free zap_pte_table; do
	if [ -r $T/$e/format ]; then ok "tracepoint pagetable:$e exists"; else not_ok "tracepoint pagetable:$e exists"; fi
done
if [ -e $T/zap_pte_batch ]; then
	not_ok "the per-folio pagetable:zap_pte_batch is gone" "$T/zap_pte_batch exists"
else
	ok "the per-folio pagetable:zap_pte_batch is gone"
fi
eq "pte_table_install fields: mm, addr" "$(fields pte_table_install)" "mm addr "
eq "pte_table_free fields: mm, addr, reason" "$(fields pte_table_free)" "mm addr reason "
eq "zap_pte_table fields: mm, addr, cleared, kept, batches, batch_hist, fate, flags" \
	"$(fields zap_pte_table)" "mm addr cleared kept batches batch_hist fate flags "
grep -q 'reason=%s.*"collapse"' $T/pte_table_free/format &&
	ok "pte_table_free prints reason 2 as collapse" ||
	not_ok "pte_table_free prints reason 2 as collapse" "$(grep print $T/pte_table_free/format)"

trace_run kern-ptfree dontneed $BLOCKS
eq "trace, reclaim on: workload exits 0" "$RC" 0
eq "trace, reclaim on: one pte_table_free reason=reclaim per block" "${FREE_RECLAIM:-0}" $BLOCKS
ge "trace, reclaim on: at least one pte_table_install per block" "${INSTALL:-0}" $BLOCKS
le "trace, reclaim on: pte_table_install, at most 32 beyond the blocks" "${INSTALL:-0}" $((BLOCKS + 32))
ge "trace, reclaim on: exit frees the remaining tables (reason=unmap)" "${FREE_UNMAP:-0}" 1
b=${BAL%/*}; eq "trace, reclaim on: the workload's mm frees all $b tables it installed" "${BAL#*/}" "$b"
eq "trace: one zap_pte_table fate=freed per block" "${ZAP_FREED_N:-0}" $BLOCKS
eq "trace: the freed tables' events count 512 PTEs cleared each" "${ZAP_FREED_CLEARED:-0}" $((BLOCKS * 512))
eq "trace: order-0 memory is zapped in batches of 1 (batches = cleared)" \
	"${ZAP_FREED_BATCHES:-0}" $((BLOCKS * 512))
eq "trace: no table kept, busy or gone in the plain seed run" \
	"${ZAP_KEPT_N:-0}/${ZAP_BUSY_N:-0}/${ZAP_GONE_N:-0}" 0/0/0
set_reclaim 0
trace_run kern-ptfree dontneed $BLOCKS
set_reclaim 1
eq "trace, reclaim off: no pte_table_free reason=reclaim" "${FREE_RECLAIM:-0}" 0
ge "trace, reclaim off: exit frees every kept table (reason=unmap)" "${FREE_UNMAP:-0}" $BLOCKS
eq "trace, reclaim off: no zap_pte_table fate=freed" "${ZAP_FREED_N:-0}" 0
ge "trace, reclaim off: fate=none events count every zapped PTE" \
	"${ZAP_NONE_CLEARED:-0}" $((BLOCKS * 512))
b=${BAL%/*}; eq "trace, reclaim off: the workload's mm frees all $b tables it installed" "${BAL#*/}" "$b"
trace_run kern-ptfree race 64
eq "trace, race: workload exits 0" "$RC" 0
ge "trace, race: zap_pte_table fate=freed seen" "${ZAP_FREED_N:-0}" 1
eq "trace, race: reclaim frees match fate=freed events" "${FREE_RECLAIM:-0}" "${ZAP_FREED_N:-0}"

# shmem THP collapse (MADV_COLLAPSE) retracts PTE tables: reason collapse
trace_run pt-collapse 8
eq "collapse: 8 shmem blocks collapsed, data intact" "$RC/$(val collapsed)/$(val data_ok)" 0/8/1
eq "collapse: one pte_table_free reason=collapse per block" "${FREE_COLLAPSE:-0}" 8
b=${BAL%/*}; eq "collapse: the workload's mm frees all $b tables it installed" "${BAL#*/}" "$b"
le "collapse: VmPTE drops by the 8 retracted tables (32 kB)" \
	"$(val vmpte_collapsed_kb)" $(($(val vmpte_touched_kb) - 32))

# --- the ptwatch commands ---
# Exit 5 ("not supported by this kernel") from our own tools on our own
# patched kernel is the bug these checks exist for (the sysctl not
# detected, no probe attached): a failure, never a skip. guest.sh always
# puts build/ptwatch in the guest.
# ptw_run ARGS...: sets POUT, PRC
ptw_run() { POUT=$(ptwatch "$@" 2>/tmp/ptw.err); PRC=$?; }
if ! command -v ptwatch >/dev/null; then
	not_ok "ptwatch is in the guest (tests/vm/guest.sh puts build/ptwatch there)"
else
	ptw_run status
	if [ $PRC = 5 ]; then
		not_ok "ptwatch status says patched, vm.pt_reclaim = 1" \
			"exit 5 (not supported) on the patched kernel: $(cat /tmp/ptw.err)"
	elif echo "$POUT" | grep -q 'patched.*vm\.pt_reclaim *= *1'; then
		ok "ptwatch status says patched, vm.pt_reclaim = 1"
	else
		not_ok "ptwatch status says patched, vm.pt_reclaim = 1" "rc=$PRC" "$(echo "$POUT" | head -5)"
	fi

	ptw_run reclaim off
	[ $PRC = 5 ] && echo "#   exit 5 (not supported) on the patched kernel: $(cat /tmp/ptw.err)"
	eq "ptwatch reclaim off: exit 0, vm.pt_reclaim = 0" "$PRC/$(cat $SYSCTL)" "0/0"
	ptw_run reclaim on
	eq "ptwatch reclaim on: exit 0, vm.pt_reclaim = 1" "$PRC/$(cat $SYSCTL)" "0/1"
	set_reclaim 1

	ptwatch record -d 600 --json > /tmp/rec.json 2> /tmp/rec.err &
	rp=$!
	i=0
	while ! grep -q recording /tmp/rec.err && kill -0 $rp 2>/dev/null && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	if ! kill -0 $rp 2>/dev/null; then
		wait $rp
		PRC=$?
		not_ok "ptwatch record attaches" "rc=$PRC" "$(cat /tmp/rec.err)"
	else
		kern-ptfree dontneed $BLOCKS > /dev/null
		kill -INT $rp
		wait $rp
		PRC=$?
		OUT=$(cat /tmp/rec.json)
		sel='[.processes[] | select(.comm == "kern-ptfree")] | first'
		eq "ptwatch record: exit 0" "$PRC" 0
		eq "ptwatch record: pte_tables_reclaimed of kern-ptfree = $BLOCKS" \
			"$(echo "$OUT" | jq "$sel | .pte_tables_reclaimed")" $BLOCKS
		ge "ptwatch record: pte_tables_installed of kern-ptfree >= $BLOCKS" \
			"$(echo "$OUT" | jq "$sel | .pte_tables_installed // 0")" $BLOCKS
		ge "ptwatch record: ptes_zapped of kern-ptfree >= $((BLOCKS * 512))" \
			"$(echo "$OUT" | jq "$sel | .ptes_zapped // 0")" $((BLOCKS * 512))
		# the reclaim probe: fentry or kprobe on pt_reclaim_free_pte, or
		# the tracepoint; never by name on free_pte (two of that name)
		eq "ptwatch record: reclaim probe on pt_reclaim_free_pte or pagetable:pte_table_free" \
			"$(echo "$OUT" | jq -r '[.probes[] | select(.target == "pt_reclaim_free_pte" or .target == "pagetable:pte_table_free")] | length > 0')" true
		eq "ptwatch record: the zap probe on pagetable:zap_pte_table" \
			"$(echo "$OUT" | jq -r '[.probes[] | select(.target == "pagetable:zap_pte_table")] | length > 0')" true
	fi
fi

# Nothing above may have left a warning, a bad page or a stall behind
klog_check "seed and variants"
# Tables freed by RCU give their PageTables accounting back (destructor):
# polled, up to 60 s (a TCG guest without -icount has no fixed pace), the
# time it took printed
i=0
while [ "$(pagetables_kb)" -gt $((PT0 + 512)) ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
echo "# PageTables $(pagetables_kb) kB after $((i / 10)).$((i % 10)) s (start $PT0 kB)"
le "PageTables in /proc/meminfo back to its start ($PT0 kB) + 512 kB (within 60 s)" \
	"$(pagetables_kb)" $((PT0 + 512))
exit $fail
