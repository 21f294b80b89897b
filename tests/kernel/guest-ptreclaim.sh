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
trace_run() { # MODE BLOCKS: sets INSTALL, FREE_UNMAP, FREE_RECLAIM, ZAP_NR0
	rm -f /tmp/trace.pid
	sh -c '
		echo $$ > /tmp/trace.pid
		f="if common_pid == $$"
		echo "hist:keys=common_pid:vals=hitcount $f" >> '$T'/pte_table_install/trigger &&
		echo "hist:keys=reason:vals=hitcount $f" >> '$T'/pte_table_free/trigger &&
		echo "hist:keys=order:vals=nr $f" >> '$T'/zap_pte_batch/trigger &&
		exec kern-ptfree "$0" "$1" > /dev/null' "$1" "$2"
	RC=$?
	p=$(cat /tmp/trace.pid)
	INSTALL=$(sed -n 's/^ *Hits: *//p' $T/pte_table_install/hist)
	FREE_UNMAP=$(sed -n 's/^{ reason: *0 } hitcount: *\([0-9]*\).*/\1/p' $T/pte_table_free/hist)
	FREE_RECLAIM=$(sed -n 's/^{ reason: *1 } hitcount: *\([0-9]*\).*/\1/p' $T/pte_table_free/hist)
	ZAP_NR0=$(sed -n 's/^{ order: *0 } hitcount: *[0-9]* *nr: *\([0-9]*\).*/\1/p' $T/zap_pte_batch/hist)
	echo "# trace $1 $2: install=$INSTALL free_unmap=${FREE_UNMAP:-0}" \
		"free_reclaim=${FREE_RECLAIM:-0} zapped_order0=${ZAP_NR0:-0}"
	f="if common_pid == $p"
	echo "!hist:keys=common_pid:vals=hitcount $f" >> $T/pte_table_install/trigger
	echo "!hist:keys=reason:vals=hitcount $f" >> $T/pte_table_free/trigger
	echo "!hist:keys=order:vals=nr $f" >> $T/zap_pte_batch/trigger
}
for e in pte_table_install pte_table_free zap_pte_batch; do
	if [ -r $T/$e/format ]; then ok "tracepoint pagetable:$e exists"; else not_ok "tracepoint pagetable:$e exists"; fi
done
eq "pte_table_install fields: mm, addr" \
	"$(sed -n 's/^\tfield:[^;]* \([a-z_]*\);.*/\1/p' $T/pte_table_install/format | grep -v common_ | tr '\n' ' ')" "mm addr "
eq "pte_table_free fields: mm, addr, reason" \
	"$(sed -n 's/^\tfield:[^;]* \([a-z_]*\);.*/\1/p' $T/pte_table_free/format | grep -v common_ | tr '\n' ' ')" "mm addr reason "
eq "zap_pte_batch fields: mm, nr, order" \
	"$(sed -n 's/^\tfield:[^;]* \([a-z_]*\);.*/\1/p' $T/zap_pte_batch/format | grep -v common_ | tr '\n' ' ')" "mm nr order "

trace_run dontneed $BLOCKS
eq "trace, reclaim on: workload exits 0" "$RC" 0
eq "trace, reclaim on: one pte_table_free reason=reclaim per block" "${FREE_RECLAIM:-0}" $BLOCKS
ge "trace, reclaim on: at least one pte_table_install per block" "${INSTALL:-0}" $BLOCKS
le "trace, reclaim on: pte_table_install, at most 32 beyond the blocks" "${INSTALL:-0}" $((BLOCKS + 32))
ge "trace, reclaim on: exit frees the remaining tables (reason=unmap)" "${FREE_UNMAP:-0}" 1
ge "trace: zap_pte_batch counts every zapped PTE (order 0)" "${ZAP_NR0:-0}" $((BLOCKS * 512))
le "trace: zap_pte_batch, at most 4096 PTEs beyond the workload's" "${ZAP_NR0:-0}" $((BLOCKS * 512 + 4096))
set_reclaim 0
trace_run dontneed $BLOCKS
set_reclaim 1
eq "trace, reclaim off: no pte_table_free reason=reclaim" "${FREE_RECLAIM:-0}" 0
ge "trace, reclaim off: exit frees every kept table (reason=unmap)" "${FREE_UNMAP:-0}" $BLOCKS

# --- the ptwatch commands (skip while they say "not built yet", exit 5) ---
# ptw_run ARGS...: sets POUT, PRC
ptw_run() { POUT=$(ptwatch "$@" 2>/tmp/ptw.err); PRC=$?; }
if ! command -v ptwatch >/dev/null; then
	skip "ptwatch status says patched, vm.pt_reclaim=1" "build/ptwatch not in the guest"
	skip "ptwatch reclaim off/on switch vm.pt_reclaim" "build/ptwatch not in the guest"
	skip "ptwatch record counts the pagetable tracepoints" "build/ptwatch not in the guest"
else
	ptw_run status
	if [ $PRC = 5 ]; then
		skip "ptwatch status says patched, vm.pt_reclaim=1" "$(cat /tmp/ptw.err)"
	elif echo "$POUT" | grep -q 'patched.*vm\.pt_reclaim *= *1'; then
		ok "ptwatch status says patched, vm.pt_reclaim = 1"
	else
		not_ok "ptwatch status says patched, vm.pt_reclaim = 1" "rc=$PRC" "$(echo "$POUT" | head -5)"
	fi

	ptw_run reclaim off
	if [ $PRC = 5 ]; then
		skip "ptwatch reclaim off/on switch vm.pt_reclaim" "$(cat /tmp/ptw.err)"
	else
		eq "ptwatch reclaim off: exit 0, vm.pt_reclaim = 0" "$PRC/$(cat $SYSCTL)" "0/0"
		ptw_run reclaim on
		eq "ptwatch reclaim on: exit 0, vm.pt_reclaim = 1" "$PRC/$(cat $SYSCTL)" "0/1"
	fi
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
		if [ $PRC = 5 ]; then
			skip "ptwatch record counts the pagetable tracepoints" "$(cat /tmp/rec.err)"
		else
			not_ok "ptwatch record attaches" "rc=$PRC" "$(cat /tmp/rec.err)"
		fi
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
		eq "ptwatch record: attached to pagetable:pte_table_free" \
			"$(echo "$OUT" | jq '[.probes[] | select(.target == "pagetable:pte_table_free")] | length > 0')" true
	fi
fi

# Nothing above may have left a warning, a bad page or a stall behind
klog_check "seed and variants"
# Tables freed by RCU give their PageTables accounting back (destructor)
sleep 2
le "PageTables in /proc/meminfo back to its start ($PT0 kB) + 512 kB" \
	"$(pagetables_kb)" $((PT0 + 512))
exit $fail
