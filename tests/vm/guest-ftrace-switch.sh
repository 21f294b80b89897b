# Runs inside a guest (tests/vm/repro-ftrace-switch.sh): an exec-heavy
# shell loop, which calls unmap_page_range() all the time, while
# ftrace-toggle rewrites that function's ftrace call site in a loop.
# Arguments: MODE FUNCTION SECONDS. Prints TAP lines; a soft lockup
# panics the guest (the host side reports it).
mode=$1 fn=$2 secs=$3
echo 1 >/proc/sys/kernel/softlockup_panic
(while :; do /bin/true; sh -c 'exit 0'; done) >/dev/null 2>&1 &
load=$!
ftrace-toggle "$mode" "$fn" "$secs" &
tog=$!
bad='BUG:|Oops|soft lockup|general protection|WARNING:'
t=0
while kill -0 $tog 2>/dev/null; do
	sleep 5
	t=$((t + 5))
	dmesg | grep -qE "$bad" && break
done
if dmesg | grep -qE "$bad"; then
	echo "not ok - $mode $fn: no oops in $secs s (oops after about $t s)"
	dmesg | grep -A30 -E "$bad" | head -60 | sed 's/^/# /'
	echo "# enabled_functions:"
	sed 's/^/#   /' /sys/kernel/tracing/enabled_functions
	exit 1
fi
wait $tog
check=$?
kill $load
if [ $check = 0 ]; then
	echo "ok - $mode $fn: no oops in $secs s"
else
	echo "not ok - ftrace-toggle $mode $fn ran (exit $check)"
fi
exit $check
