#!/usr/bin/env bash
# Bad input gets one clear line on stderr and a documented exit code;
# processes that exit while being read are handled quietly.
. "$(dirname "$0")/../lib/tap.sh"

# expect_fail WHAT CODE COMMAND...: exit CODE, nothing on stdout, one
# line on stderr that starts with "ptwatch".
expect_fail() {
	local what=$1 code=$2
	shift 2
	run "$@"
	if [ "$RC" = "$code" ] && [ -z "$OUT" ] && [ "$(grep -c . <<<"$ERR")" = 1 ] &&
		[[ "$ERR" == ptwatch* ]]; then
		ok "$what (exit $code: $ERR)"
	else
		not_ok "$what" "want exit $code, one 'ptwatch' line on stderr" \
			"got exit $RC, stderr: $ERR" "stdout: ${OUT:0:200}"
	fi
}

expect_fail "an unknown command" 2 "$PTWATCH" frobnicate
expect_fail "no command" 2 "$PTWATCH"
expect_fail "an unknown global flag" 2 "$PTWATCH" --frob snapshot
expect_fail "--socket without a path" 2 "$PTWATCH" --socket
expect_fail "an unknown snapshot flag" 2 "$PTWATCH" snapshot --frob
expect_fail "a bad --sort key" 2 "$PTWATCH" snapshot --sort size
expect_fail "a negative -n" 2 "$PTWATCH" snapshot -n -3
expect_fail "a zero refresh interval" 2 "$PTWATCH" top -d 0
expect_fail "--once on snapshot" 2 "$PTWATCH" snapshot --once
expect_fail "show without a PID" 2 "$PTWATCH" show
expect_fail "show with a name for a PID" 2 "$PTWATCH" show bash
expect_fail "show of a PID that does not exist" 3 "$PTWATCH" show 4000000
expect_fail "show of a kernel thread" 3 "$PTWATCH" show 2
expect_fail "reclaim pid without a PID" 2 "$PTWATCH" reclaim pid
expect_fail "reclaim pid with a name for a PID" 2 "$PTWATCH" reclaim pid bash
expect_fail "reclaim pid with an unknown flag" 2 "$PTWATCH" reclaim pid --frob 1
expect_fail "reclaim with no action" 2 "$PTWATCH" reclaim
expect_fail "reclaim with an unknown action" 2 "$PTWATCH" reclaim frob
expect_fail "reclaim with two actions" 2 "$PTWATCH" reclaim on off
# which process comes before which kernel: exit 3 on any kernel
expect_fail "reclaim pid of a PID that does not exist" 3 "$PTWATCH" reclaim pid 4000000
expect_fail "reclaim pid of a kernel thread" 3 "$PTWATCH" reclaim pid 2
expect_fail "record -p of a PID that does not exist" 3 "$PTWATCH" record -p 4000000
expect_fail "record -p of a kernel thread (as show 2)" 3 "$PTWATCH" record -p 2
run "$PTWATCH" reclaim pid --dry-run $$
expect_eq "reclaim pid --dry-run only takes the census: exit 0 on any kernel" "0 " "$RC $ERR"
# one wording for a bad duration, whichever command
run "$PTWATCH" top -d soon
top_err=$ERR
run "$PTWATCH" record -d soon
expect_eq "record -d and top -d word a bad duration alike" \
	"${top_err%from*}" "${ERR%from*}"
expect_fail "help for a command that does not exist" 2 "$PTWATCH" help frob
run "$PTWATCH" help show
expect_eq "ptwatch help show: exit 0, its usage" "0 usage: ptwatch show PID [OPTIONS]" "$RC $(head -1 <<<"$OUT")"
run "$PTWATCH" -V
expect_eq "-V prints the version" "0 ptwatch" "$RC ${OUT% *}"
run "$PTWATCH" -j status
expect_jq "a global -j: JSON from any command" '.kernel.release | length > 0'
# MADV_PT_RECLAIM is ours (kernel-patches/0011): a stock kernel says EINVAL
if grep -qs pte_table_reclaimed_on_demand /proc/vmstat; then
	skip "reclaim pid on a kernel without MADV_PT_RECLAIM" "this host's kernel has it"
else
	expect_fail "reclaim pid on a kernel without MADV_PT_RECLAIM" 5 "$PTWATCH" reclaim pid $$
fi

# A process that exits before show reads it.
sleep 0.01 & gone=$!
wait $gone
expect_fail "show of a process that exited" 3 "$PTWATCH" show $gone --exact

run "$PTWATCH" --help
expect_eq "--help exits 0" 0 "$RC"
for code in 0 1 2 3 4 5 6; do
	grep -qE "^  $code |   $code " <<<"$OUT" || { not_ok "--help lists exit code $code"; continue; }
	ok "--help lists exit code $code"
done
run "$PTWATCH" snapshot --help
expect_eq "snapshot --help exits 0 and names --sort" "0 yes" \
	"$RC $(grep -q -- --sort <<<"$OUT" && echo yes)"

# Many short-lived processes exit while snapshots run: never an error.
( end=$((SECONDS + 6)); while [ $SECONDS -lt $end ]; do
	for _ in $(seq 20); do /bin/true & done; wait; done ) &
churn=$!
fails=0
for _ in $(seq 30); do
	"$PTWATCH" snapshot --json >/dev/null 2>"$BUILD/churn.err" || fails=$((fails + 1))
	[ -s "$BUILD/churn.err" ] && fails=$((fails + 1))
done
kill $churn 2>/dev/null; wait $churn 2>/dev/null
expect_eq "30 snapshots amid exiting processes: no error, no stderr" 0 $fails
tap_done
