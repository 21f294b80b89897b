#!/bin/sh
# Inside a guest on the patched 6.12 kernel, plain (guest-reclaim-pid.sh,
# t-reclaim-pid.sh) or debug (guest-debug-stress.sh, tests/stress/t-debug-stress.sh):
# MADV_PT_RECLAIM from a hostile, unprivileged caller (issue 21). As uid
# 65534, tests/workloads/pt-hostile aims the advice, through madvise() and
# process_madvise(), at a hole, at a block that reaches into a hole, at the
# kernel half, espfix and the fixmap, past TASK_SIZE and with lengths that
# wrap past 2^64: each call must be refused (ENOMEM, EINVAL; EFAULT from
# process_madvise's iovec check), free nothing (pte_table_reclaimed_on_demand
# and the caller's VmPTE unchanged) and leave the kernel log clean, no
# "non-zero pgtables_bytes" at the callers' exit; its positive control
# frees exactly its own 2 x 8 empty tables, so that the test cannot pass on
# an advice that does nothing. Then the kselftest (tests/kselftest/
# pt_reclaim.c, build/tests/pt_reclaim_selftest) when it is built.
#   guest-hostile.sh [SECS]   per-call deadline (10); the whole run 300 s
# Prints TAP lines; exit 1 when one failed. A few seconds on the fixed
# kernel; on one that walks the range, minutes (it is killed per call).
. "$(dirname "$0")/guest-lib.sh"
ONDEMAND=pte_table_reclaimed_on_demand
SECS=${1:-10}
LIMIT=300
# the positive controls of pt-hostile and of the kselftest each: 8 tables
# freed by madvise, 8 by process_madvise
CONTROL=16

# bg NAME TEE CMD...: CMD as uid 65534 in the background, its output in
# /tmp/NAME.out (TEE=tee: on the console too, where it stays after a
# crash), its exit status in /tmp/NAME.rc; polls up to LIMIT s for its
# end. 1 when it did not end (a caller stuck in the kernel, e.g. after an
# oops under its mmap lock); it is then left behind.
bg() {
	n=$1 t=$2
	shift 2
	rm -f /tmp/$n.rc /tmp/$n.out
	(
		as-user 65534 "$@" 2>&1
		echo $? > /tmp/$n.rc
	) | if [ "$t" = tee ]; then tee /tmp/$n.out; else cat > /tmp/$n.out; fi &
	bgpid=$!
	t0=$(date +%s)
	while [ ! -s /tmp/$n.rc ] && [ $(($(date +%s) - t0)) -lt $LIMIT ]; do
		sleep 0.2
	done
	ELAPSED=$(($(date +%s) - t0))
	RC=$(cat /tmp/$n.rc 2>/dev/null)
	[ -n "$RC" ] && wait $bgpid
	[ -n "$RC" ]
}
# pgbytes WHAT: no "non-zero pgtables_bytes" (check_mm() at an mm's end)
# since klog_mark
pgbytes() {
	eq "$1: no 'BUG: non-zero pgtables_bytes on freeing mm' at the callers' exit" \
		"$(dmesg | grep -c 'non-zero pgtables_bytes')" 0
}

klog_mark
before=$(vmstat $ONDEMAND)
if bg hostile tee pt-hostile "$SECS"; then
	ok "pt-hostile as uid 65534 ends ($ELAPSED s)"
else
	not_ok "pt-hostile as uid 65534 ends within $LIMIT s" \
		"$(tail -3 /tmp/hostile.out)"
fi
after=$(vmstat $ONDEMAND)
OUT=$(cat /tmp/hostile.out)
echo "# hostile: $(val uid | sed 's/^/uid /'), la57=$(val la57), $(val cases) calls;" \
	"control: $(grep '^case=control' /tmp/hostile.out | sed 's/ start=.*result=/ /; s/ verdict=.*//' | tr '\n' ';')"
grep -E 'verdict=BAD|^missing=' /tmp/hostile.out | sed 's/^/# hostile: /'
eq "pt-hostile exits 0" "$RC" 0
eq "positive control: madvise and process_madvise each free the caller's own 8 empty tables (counter +8, VmPTE -32 kB)" \
	"$(val control_ok)/$(val control_freed)" 1/$CONTROL
eq "each of the $(($(val cases) - 2)) hostile calls is refused and frees nothing (bad ones listed above)" \
	"$(val bad)" 0
eq "$ONDEMAND rose by the control's $CONTROL tables alone" $((after - before)) $CONTROL
eq "the hostile callers' VmPTE unchanged across every call (sum of changes, kB)" \
	"$(val hostile_vmpte_kb)" 0
sleep 1 # no event to poll: a late report (an mm's last mmdrop, RCU) lands here
pgbytes "pt-hostile"
klog_check "pt-hostile"

# --- the kselftest, when built against the kernel tree (tests/kselftest) ---
if ! command -v pt_reclaim_selftest > /dev/null; then
	skip "kselftest pt_reclaim" "build/tests/pt_reclaim_selftest is not built (tests/kselftest/build.mk: needs the kernel tree)"
	exit $fail
fi
klog_mark
before=$(vmstat $ONDEMAND)
if bg kst file pt_reclaim_selftest; then
	ok "kselftest pt_reclaim as uid 65534 ends ($ELAPSED s)"
else
	not_ok "kselftest pt_reclaim as uid 65534 ends within $LIMIT s" \
		"$(tail -3 /tmp/kst.out)"
fi
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' /tmp/kst.out)
totals=$(grep '^# Totals:' /tmp/kst.out)
grep -E '^not ok|^# Totals|^# [^ ]*pt_reclaim\.c:[0-9]+:' /tmp/kst.out | sed 's/^#* */# kselftest: /'
eq "kselftest pt_reclaim exits 0" "$RC" 0
eq "kselftest pt_reclaim: all $plan tests pass, none skipped ($totals)" \
	"$(echo "$totals" | sed 's/.*pass:\([0-9]*\) fail:\([0-9]*\) xfail:\([0-9]*\) xpass:\([0-9]*\) skip:\([0-9]*\) error:\([0-9]*\).*/\1 \2 \5 \6/')" \
	"$plan 0 0 0"
eq "kselftest: $ONDEMAND rose by its 2 controls' $CONTROL tables alone" \
	$(($(vmstat $ONDEMAND) - before)) $CONTROL
sleep 1 # as above
pgbytes "kselftest"
klog_check "kselftest pt_reclaim"
exit $fail
