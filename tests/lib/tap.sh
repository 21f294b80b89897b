# shellcheck shell=bash
# TAP helpers for the shell suites: source it, then
#   check "what the user sees" COMMAND...   ok when COMMAND succeeds
#   expect_eq "what" EXPECTED ACTUAL
#   skip "what" "why"
#   skip_n N "what" "why"     N checks that cannot run here, one line each
# Each prints one TAP line; failures add a "# " line with the detail.
#   plan N       first, when the count is known: prints 1..N
#   tap_count N  N TAP lines printed by someone else (a guest) were relayed
#   tap_done     last: exits 1 on any failure; checks the plan (a wrong
#                count is a failure), or without one prints 1..COUNT, so
#                that tests/run-tests.sh can tell a suite that ended before
#                its end (no plan line, or a short count) from one that
#                passed
#   wait_until SECS COMMAND...   polls COMMAND (every 0.1 s) until it
#                succeeds or SECS pass; 0 or 1, WAITED = seconds taken
PTWATCH_ROOT=${PTWATCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$PTWATCH_ROOT/$BUILD ;; esac
PTWATCH=$BUILD/ptwatch
TAP_FAILED=0 TAP_COUNT=0 TAP_PLAN=

ok() { echo "ok - $1"; TAP_COUNT=$((TAP_COUNT + 1)); }
not_ok() {
	echo "not ok - $1"
	TAP_COUNT=$((TAP_COUNT + 1))
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	TAP_FAILED=$((TAP_FAILED + 1))
}
skip() { echo "ok - $1 # SKIP $2"; TAP_COUNT=$((TAP_COUNT + 1)); }
skip_n() {
	local i
	for ((i = 1; i <= $1; i++)); do skip "$2 ($i of $1)" "$3"; done
}
plan() { TAP_PLAN=$1; echo "1..$1"; }
tap_count() { TAP_COUNT=$((TAP_COUNT + $1)); }
# tap_relay: TAP and "# " lines of stdin to stdout, counted; the failures
# among them count too.
tap_relay() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"not ok"*) TAP_FAILED=$((TAP_FAILED + 1)) ;&
		"ok"*) TAP_COUNT=$((TAP_COUNT + 1)) ;;
		"# "*) ;;
		*) continue ;;
		esac
		printf '%s\n' "$line"
	done
}
wait_until() {
	local limit=$1 start=$SECONDS
	shift
	WAITED=0
	until "$@"; do
		if [ $((SECONDS - start)) -ge "$limit" ]; then
			WAITED=$((SECONDS - start))
			return 1
		fi
		sleep 0.1
	done
	WAITED=$((SECONDS - start))
	return 0
}
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what" "command failed: $*"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "got:      $3"; fi
}
# expect_within WHAT EXPECTED ACTUAL TOLERANCE (integers)
expect_within() {
	local d=$(($3 - $2))
	[ $d -lt 0 ] && d=$((-d))
	if [ "$d" -le "$4" ]; then ok "$1"; else
		not_ok "$1" "expected: $2 +- $4" "got:      $3 (off by $d)"
	fi
}
# Runs COMMAND, captures stdout/stderr/exit code into OUT, ERR, RC.
run() {
	local e
	e=$(mktemp)
	OUT=$("$@" 2>"$e")
	RC=$?
	ERR=$(cat "$e")
	rm -f "$e"
}
tap_done() {
	if [ -z "$TAP_PLAN" ]; then
		echo "1..$TAP_COUNT"
	elif [ "$TAP_COUNT" != "$TAP_PLAN" ]; then
		not_ok "plan: $TAP_PLAN checks declared, $TAP_COUNT ran"
	fi
	exit $((TAP_FAILED > 0))
}
# expect_jq WHAT FILTER [JQ ARGS...]: FILTER over $OUT must be true.
expect_jq() {
	local what=$1 filter=$2
	shift 2
	if jq -e "$@" "$filter" <<<"$OUT" >/dev/null 2>&1; then ok "$what"; else
		not_ok "$what" "jq filter was false: $filter"
	fi
}
