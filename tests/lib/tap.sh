# shellcheck shell=bash
# TAP helpers for the shell suites: source it, then
#   check "what the user sees" COMMAND...   ok when COMMAND succeeds
#   expect_eq "what" EXPECTED ACTUAL
#   skip "what" "why"
# Each prints one TAP line; failures add a "# " line with the detail.
PTWATCH_ROOT=${PTWATCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$PTWATCH_ROOT/$BUILD ;; esac
PTWATCH=$BUILD/ptwatch
TAP_FAILED=0

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	shift
	[ $# -gt 0 ] && printf '#   %s\n' "$@"
	TAP_FAILED=$((TAP_FAILED + 1))
}
skip() { echo "ok - $1 # SKIP $2"; }
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
tap_done() { exit $((TAP_FAILED > 0)); }
# expect_jq WHAT FILTER [JQ ARGS...]: FILTER over $OUT must be true.
expect_jq() {
	local what=$1 filter=$2
	shift 2
	if jq -e "$@" "$filter" <<<"$OUT" >/dev/null 2>&1; then ok "$what"; else
		not_ok "$what" "jq filter was false: $filter"
	fi
}
