#!/usr/bin/env bash
# Runs every suite and prints one summary line at the end.
# A suite is a cmocka binary in build/tests/unit (run in TAP mode) or an
# executable tests/*/t-*.sh that prints TAP lines:
#   ok - what          not ok - what          ok - what # SKIP why
# Suites run in name order within: unit, host, daemon, kernel, vm, systemd (kernel
# before vm: it builds the patched kernel that a vm suite boots too).
# PTWATCH_SUITES="unit host" limits the run to those directories.
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export PTWATCH_ROOT=$PWD
suites=${PTWATCH_SUITES:-unit host daemon kernel vm systemd}
pass=0 fail=0 skip=0 failed=()
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"

count() { # $1 suite name, reads TAP on stdin, echoes it, updates counters
	local line before=$fail
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"not ok"*) fail=$((fail + 1)); failed+=("$1: ${line#not ok }") ;;
		"ok"*"# SKIP"* | "ok"*"# skip"*) skip=$((skip + 1)) ;;
		"ok"*) pass=$((pass + 1)) ;;
		"# exit 0") ;;
		"# exit "*)
			# A suite that dies without saying which check failed
			# still fails the run.
			if [ "$fail" -eq "$before" ]; then
				fail=$((fail + 1))
				failed+=("$1: exited with ${line#\# exit } and no TAP failure")
			fi ;;
		esac
	done
}

run_suite() { # $1 name, $2... command
	local name=$1 start
	shift
	start=$(date +%s)
	echo "# suite $name"
	count "$name" < <("$@" 2>"$log_dir/${name////_}.stderr"; echo "# exit $?")
	tail -n 20 "$log_dir/${name////_}.stderr" | sed 's/^/#   /'
	echo "# suite $name took $(($(date +%s) - start)) s"
}

for dir in $suites; do
	if [ "$dir" = unit ]; then
		for bin in "$BUILD"/tests/unit/test_*; do
			[ -x "$bin" ] || continue
			run_suite "unit/${bin##*/}" env CMOCKA_MESSAGE_OUTPUT=TAP "$bin"
		done
		continue
	fi
	for script in tests/"$dir"/t-*.sh; do
		[ -x "$script" ] || continue
		run_suite "$dir/${script##*/}" "$script"
	done
done

for f in "${failed[@]}"; do echo "# FAILED $f"; done
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
