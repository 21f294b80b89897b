#!/usr/bin/env bash
# tests/run-tests.sh itself (issue 22): a suite that ends early, one that
# runs fewer checks than it planned, one that runs over its time limit and
# one that skips as a whole under CI each fail with a line that names the
# suite; skipped checks are counted in the closing line. Runs the real
# run-tests.sh and tap.sh on planted suites in a scratch tree. About 10 s.
. "$(dirname "$0")/../lib/tap.sh"
plan 12
d=$(mktemp -d /tmp/ptw-runner.XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/tests/lib" "$d/tests/x" "$d/tests/y"
cp "$PTWATCH_ROOT/tests/run-tests.sh" "$d/tests/"
cp "$PTWATCH_ROOT/tests/lib/tap.sh" "$d/tests/lib/"
suite() { # DIR NAME BODY: an executable suite that sources tap.sh
	printf '#!/usr/bin/env bash\n%s\n. "$(dirname "$0")/../lib/tap.sh"\n%s\n' \
		"${4:-}" "$3" >"$d/tests/$1/$2"
	chmod +x "$d/tests/$1/$2"
}
suite x t-good.sh 'plan 2; ok one; ok two; tap_done'
suite x t-trailing.sh 'ok one; skip two "no such device here"; tap_done'
suite x t-early.sh 'ok one; exit 0; ok two; tap_done'
suite x t-short.sh 'plan 3; ok one; ok two; exit 0'
suite x t-hang.sh 'ok one; sleep 60; tap_done' '# time limit: 2 s'
suite y t-skipall.sh 'skip_n 3 "the whole thing" "qemu-system-x86_64 not installed"; tap_done'

runner() { # ENV...: runs the copy, OUT its output, RC its status
	OUT=$(cd "$d" && env -u CI "$@" BUILD="$d/build" tests/run-tests.sh 2>&1)
	RC=$?
}
start=$SECONDS
runner PTWATCH_SUITES=x
echo "# runner on x took $((SECONDS - start)) s; its FAILED lines:"
grep '^# FAILED' <<<"$OUT" | sed 's/^/#   /'
expect_eq "a run with failing suites exits 1" 1 "$RC"
check "a suite that exits 0 early (no plan line) fails, named" \
	grep -qx '# FAILED x/t-early.sh: no plan line (1..N): it ended before its end (1 checks ran)' <<<"$OUT"
check "a suite that runs fewer checks than planned fails, named" \
	grep -qx '# FAILED x/t-short.sh: planned 3 checks, 2 ran' <<<"$OUT"
check "a suite over its time limit is killed and fails, named" \
	grep -qx '# FAILED x/t-hang.sh: timed out: killed at its time limit of 2 s' <<<"$OUT"
check "the hung suite took its limit, not its sleep" \
	bash -c "[ $((SECONDS - start)) -lt 40 ]"
check "good suites (plan first or last) do not fail" \
	bash -c "! grep -qE '^# FAILED x/t-(good|trailing)' <<<'$OUT'"
expect_eq "the closing line counts passes, failures and the skip" \
	"tests: 7 passed, 3 failed, 1 skipped" "$(tail -1 <<<"$OUT")"

runner PTWATCH_SUITES=y
expect_eq "without CI a suite that skips as a whole passes" 0 "$RC"
expect_eq "its declared skips are all counted" "tests: 0 passed, 0 failed, 3 skipped" "$(tail -1 <<<"$OUT")"
runner CI=true PTWATCH_SUITES=y
expect_eq "under CI a suite that skips as a whole fails the run" 1 "$RC"
check "under CI it fails with its reason, named" \
	grep -qx '# FAILED y/t-skipall.sh: skipped as a whole under CI: qemu-system-x86_64 not installed' <<<"$OUT"
expect_eq "under CI the closing line says so" "tests: 0 passed, 1 failed, 3 skipped" "$(tail -1 <<<"$OUT")"
tap_done
