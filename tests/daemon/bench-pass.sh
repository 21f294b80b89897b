#!/usr/bin/env bash
# Benchmark (not a timed test): the task iterator's bare pass
# (build/tests/daemon/iter-pass: no sampler around it) at N processes
# ($BENCH_SIZES, default 10000), the three ways, interleaved
# $BENCH_ROUNDS times (default 3), 30 passes each after a first: thread
# CPU time a pass. With BENCH_PERF=yes, then a perf profile of 100 passes
# each way (cpu-clock: this machine has no hardware counters), the top
# symbols kept in $BENCH_OUT (default /tmp/bench-pass). Ways:
#   task list    (no deny)                 6.7+
#   leader walk  PTWATCH_BPF_DENY=all-procs      6.1 to 6.6
#   seq_file     PTWATCH_BPF_DENY=all-procs,walk before 6.1 (and 6.1 before
#                                                 issue 24)
# Usage: tests/daemon/bench-pass.sh   (root; about a minute at 10,000)
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
out=${BENCH_OUT:-/tmp/bench-pass}
mkdir -p "$out"
for n in ${BENCH_SIZES:-10000}; do
	have=$(ps -e -o vsz= | awk '$1 > 0' | wc -l) # user processes
	want=$((n > have ? n - have : 0))
	"$B/tests/daemon/sleepers" "$want" >"$out/sleepers.out" &
	sl=$!
	for _ in $(seq 600); do
		grep -q ready "$out/sleepers.out" && break
		sleep 0.1
	done
	echo "# $(ps -e -o vsz= | awk '$1 > 0' | wc -l) processes, $(ls /proc | grep -c '^[0-9]') PIDs listed, kernel $(uname -r)"
	for _ in $(seq "${BENCH_ROUNDS:-3}"); do
		for deny in none all-procs all-procs,walk; do
			PTWATCH_BPF_DENY=$deny "$B/tests/daemon/iter-pass" -n 30 2>&1 |
				awk -F': ' '{v[$1] = $2} END {
					printf "  %-12s %6d records %9.1f us a pass\n",
						v["kind"], v["records"], v["cpu_us_per_pass"] }'
		done
	done
	if [ "${BENCH_PERF:-no}" = yes ]; then
		for deny in none all-procs all-procs,walk; do
			PTWATCH_BPF_DENY=$deny perf record -q -e cpu-clock -F 2999 -g \
				-o "$out/perf-$deny.data" -- "$B/tests/daemon/iter-pass" -n 100 2>/dev/null
			perf report -i "$out/perf-$deny.data" --no-children --sort sym \
				--stdio 2>/dev/null | grep '%' | grep -v '^#' | head -25 >"$out/report-$deny.txt"
			echo "# perf, PTWATCH_BPF_DENY=$deny: $out/report-$deny.txt"
		done
	fi
	kill -TERM "$sl"
	wait "$sl"
done
