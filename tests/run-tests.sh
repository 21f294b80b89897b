#!/usr/bin/env bash
# Runs every suite and prints one summary line at the end.
# A suite is a cmocka binary in build/tests/unit (run in TAP mode) or an
# executable tests/*/t-*.sh that prints TAP lines:
#   ok - what          not ok - what          ok - what # SKIP why
# Suites run in name order within: unit, host, daemon, kernel, alloc, vm,
# systemd, stress (kernel first: it builds the patched kernel that alloc
# and vm boot too; stress last: its debug kernel builds in the background
# while the guest suites before it run, see prebuild_debug).
# PTWATCH_SUITES="unit host" limits the run to those directories.
#
# A suite passes only when it ran to its end: it prints a plan (1..N, first
# or last: tests/lib/tap.sh's plan or tap_done) and exactly N TAP lines. A
# suite without a plan line, or with another count, fails (one that exits 0
# early no longer passes). Each runs under `timeout --kill-after`: its
# limit is a "# time limit: N s" line in the script, else its directory's
# (below); a suite that runs over fails with a line that names it. When CI
# is set (CI=true, as CI services set it), a suite that skips as a whole
# (skips and nothing else) fails, with its reason: in CI a missing tool or
# kernel is a broken machine, not a pass. The closing line counts every
# skipped check (a suite declares how many it skips: skip_n).
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}
export PTWATCH_ROOT=$PWD
suites=${PTWATCH_SUITES:-unit host daemon kernel alloc vm systemd stress}
pass=0 fail=0 skip=0 failed=()
log_dir=$BUILD/test-logs
mkdir -p "$log_dir"
# seconds a suite may run, by directory (the kernel suites build kernels)
declare -A limit=([unit]=120 [host]=900 [daemon]=900 [kernel]=3600 [alloc]=2700 [vm]=1800 [systemd]=1800 [stress]=3600)
KILL_AFTER=30

fail_suite() { # NAME WHY
	fail=$((fail + 1))
	failed+=("$1: $2")
	echo "not ok - $1: $2"
}

count() { # $1 suite name, $2 its time limit; reads TAP on stdin, echoes it
	local line name=$1 before=$fail plan= plans=0 n=0 p=0 s=0 f=0 rc= why=
	while IFS= read -r line; do
		case "$line" in
		"# exit "*) rc=${line#"# exit "}; continue ;;
		esac
		printf '%s\n' "$line"
		if [[ $line =~ ^1\.\.([0-9]+)($|[[:space:]]) ]]; then
			plan=${BASH_REMATCH[1]} plans=$((plans + 1))
			continue
		fi
		case "$line" in
		"not ok"*)
			n=$((n + 1)) f=$((f + 1)) fail=$((fail + 1))
			failed+=("$name: ${line#not ok }") ;;
		"ok"*"# SKIP"* | "ok"*"# skip"*)
			n=$((n + 1)) s=$((s + 1)) skip=$((skip + 1))
			[ -n "$why" ] || why=${line#*"# "[Ss][Kk][Ii][Pp]} ;;
		"ok"*) n=$((n + 1)) p=$((p + 1)) pass=$((pass + 1)) ;;
		esac
	done
	case "$rc" in
	124 | 137) fail_suite "$name" "timed out: killed at its time limit of $2 s" ;;
	0 | "") ;;
	*)
		# A suite that dies without saying which check failed
		# still fails the run.
		[ "$fail" -eq "$before" ] &&
			fail_suite "$name" "exited with $rc and no TAP failure" ;;
	esac
	if [ "$plans" = 0 ]; then
		case "$rc" in 124 | 137) ;; *)
			fail_suite "$name" "no plan line (1..N): it ended before its end ($n checks ran)" ;;
		esac
	elif [ "$plans" != 1 ]; then
		fail_suite "$name" "$plans plan lines (1..N): one is the rule"
	elif [ "$plan" != "$n" ]; then
		fail_suite "$name" "planned $plan checks, $n ran"
	fi
	if [ -n "${CI:-}" ] && [ "$s" -gt 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		fail_suite "$name" "skipped as a whole under CI:${why:- (no reason given)}"
	fi
}

run_suite() { # $1 name, $2 time limit in s, $3... command
	local name=$1 secs=$2 start
	shift 2
	start=$(date +%s)
	echo "# suite $name (time limit $secs s)"
	count "$name" "$secs" < <(timeout --kill-after=$KILL_AFTER "$secs" "$@" \
		2>"$log_dir/${name////_}.stderr"; echo "# exit $?")
	tail -n 20 "$log_dir/${name////_}.stderr" | sed 's/^/#   /'
	echo "# suite $name took $(($(date +%s) - start)) s"
}

# The debug kernel (stress/t-debug-stress.sh) takes both cores for about
# 13 minutes of a cold run; the guest suites before it (one vCPU each,
# under -icount where they time anything) leave one core idle for about
# 25. So once the kernels the suites build in the foreground are cached
# (plain, off, the cross checks: their builds take the same lock), the
# debug kernel builds beside the guest suites, niced, and the stress suite
# finds it in the cache, or waits on the lock for the rest of its build.
# Its log: build/test-logs/debug-kernel.log; a failed build fails the
# stress suite, which then tries once more and names the build log.
bg_pid='' bg_done=0
prebuild_debug() { # $1: the directory of the suite about to run
	local kp=kernel-patches/build-kernel.sh v
	[ "$bg_done" = 0 ] || return 0
	case " $suites " in *" stress "*) ;; *) bg_done=1; return 0 ;; esac
	case $1 in kernel | alloc | vm | systemd) ;; *) return 0 ;; esac
	if $kp --print --debug > /dev/null 2>&1; then
		bg_done=1
		return 0
	fi
	for v in "" --off "--cross arm64" "--cross mips"; do
		# shellcheck disable=SC2086
		$kp --print $v > /dev/null 2>&1 || return 0
	done
	bg_done=1
	echo "# building the debug kernel in the background for stress/ (log: $log_dir/debug-kernel.log)"
	# its own process group, so that the trap below stops make and
	# the compilers too. setsid also makes it its own autogroup, where
	# nice counts only inside the group: the group itself is niced
	# (measured without: the guest suites beside the build took 1.3-1.6x
	# their time, one core shared evenly between two groups)
	# shellcheck disable=SC2016
	setsid bash -c 'echo 19 > /proc/self/autogroup 2> /dev/null
		exec nice -n 19 "$@"' build-debug "$kp" --debug \
		> /dev/null 2> "$log_dir/debug-kernel.log" &
	bg_pid=$!
}
# an interrupted run does not leave a kernel build behind
trap '[ -z "$bg_pid" ] || kill -- -"$bg_pid" 2> /dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# suite_limit SCRIPT DIR: its "# time limit: N s" line, else DIR's
suite_limit() {
	local n
	n=$(sed -n 's/^# time limit: \([0-9][0-9]*\) s.*/\1/p' "$1" | head -1)
	echo "${n:-${limit[$2]:-900}}"
}

for dir in $suites; do
	if [ "$dir" = unit ]; then
		for bin in "$BUILD"/tests/unit/test_*; do
			[ -x "$bin" ] || continue
			run_suite "unit/${bin##*/}" "${limit[unit]}" env CMOCKA_MESSAGE_OUTPUT=TAP "$bin"
		done
		continue
	fi
	for script in tests/"$dir"/t-*.sh; do
		[ -x "$script" ] || continue
		prebuild_debug "$dir"
		run_suite "$dir/${script##*/}" "$(suite_limit "$script" "$dir")" "$script"
	done
done

for f in "${failed[@]}"; do echo "# FAILED $f"; done
echo "tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
