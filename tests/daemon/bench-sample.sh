#!/usr/bin/env bash
# Benchmark (not a timed test): ptwatchd's CPU time per sample and its RSS
# with N processes on the host, N = 1000, 10000, 30000 (or $BENCH_SIZES),
# for each way of sampling (or $BENCH_MODES):
#   procfs:1000  procfs, new processes plus 1000 known ones re-read per
#                sample (the default reads_per_sample): a process's figures
#                may be N / 1000 samples old
#   procfs:0     procfs, every process every sample (the same freshness as
#                the iterator)
#   bpf-iter     the BPF task iterator: every process every sample (on
#                6.7+ one program run over the list of thread-group
#                leaders, on 6.1 to 6.6 the leader walk, else the seq_file
#                iterator over every task)
#   bpf-iter:walk the leader walk even where the task list loads
#                (PTWATCH_BPF_DENY=all-procs): what 6.1 to 6.6 run
#   bpf-iter:seq the seq_file task iterator over every task
#                (PTWATCH_BPF_DENY=all-procs,walk): what 6.1 ran before
#                the leader walk, and kernels before 6.1 run
# Spawns sleepers to reach N processes in total (they stay for all modes),
# runs ptwatchd with a 1 s interval for $BENCH_SAMPLES samples (default 10),
# and reads its own counters over the samples after the first and
# /proc/PID/status. The first sample reads every process: its cost is
# shown apart. BENCH_BPF=yes attaches the BPF probes too (default no: the
# sampler alone). RSS+snap is the RSS after serving a full snapshot
# (every process), HWM+snap the peak including it (and including loading
# BPF: libbpf parses the kernel's BTF, some 10 MiB, once at start).
# cpu/smpl includes the census's CPU (issue 14's budget, 10% of the
# sampling's plus a first census of each new offender), shown apart as
# census ms, and smaps_rollup of the host's large processes (VmPTE over
# 1 MiB), whose walked VmPTE in the last sample is rollup MiB: both come
# from whatever else runs on the host, not from the N sleepers.
# Usage: tests/daemon/bench-sample.sh   (root; about 5 minutes)
. "$(dirname "$0")/lib.sh"

sizes=${BENCH_SIZES:-1000 10000 30000}
modes=${BENCH_MODES:-procfs:1000 procfs:0 bpf-iter:seq bpf-iter:walk bpf-iter}
samples=${BENCH_SAMPLES:-10}
bpf=${BENCH_BPF:-no}
make_sysctl
start_listener

kv() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$2/status"; }
# utime + stime of the whole process, in seconds
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
metric() { awk -v m="$1" '$1 == m {print $2}' "$T/prom/ptwatch.prom"; }
samples_done() { [ -s "$T/prom/ptwatch.prom" ] && [ "$(metric ptwatch_samples_total)" -ge "$1" ]; }

# bench_one MODE: one daemon, one table row.
bench_one() {
	local mode=$1 iter=no reads=${1#procfs:}
	[ "${mode%%:*}" = bpf-iter ] && iter=yes reads=1000
	write_conf "[daemon]" "reads_per_sample = $reads" "bpf_iter = $iter"
	sed -i "s/^interval = 200ms$/interval = 1s/; s/^bpf = no$/bpf = $bpf/" "$T/d.conf"
	rm -f "$T/prom/ptwatch.prom"
	: >"$T/log"
	case $mode in
	bpf-iter:walk) export PTWATCH_BPF_DENY=all-procs ;;
	bpf-iter:seq) export PTWATCH_BPF_DENY=all-procs,walk ;;
	esac
	start_daemon
	unset PTWATCH_BPF_DENY
	# the file counts the samples finished before it was written
	wait_for "samples_done 1" 120 || { echo "# $mode: no sample: $(tail -3 "$T/log")"; return; }
	s1=$(metric ptwatch_samples_total)
	c1=$(metric ptwatch_sample_cpu_seconds_total)
	k1=$(metric ptwatch_census_cpu_seconds_total)
	p1=$(proc_cpu "$DPID")
	wait_for "samples_done $((samples + s1))" $((samples * 5 + 60))
	procs=$(metric ptwatch_processes)
	s2=$(metric ptwatch_samples_total)
	c2=$(metric ptwatch_sample_cpu_seconds_total)
	k2=$(metric ptwatch_census_cpu_seconds_total)
	rb=$(metric ptwatch_sample_rollup_bytes)
	p2=$(proc_cpu "$DPID")
	wall=$(metric ptwatch_sample_duration_seconds)
	rss=$(kv VmRSS "$DPID")
	hwm=$(kv VmHWM "$DPID")
	# a full snapshot answer (every process) is the largest allocation
	req '{"cmd":"snapshot"}' >"$T/snap.json"
	hwm2=$(kv VmHWM "$DPID")
	rss2=$(kv VmRSS "$DPID")
	src=$(jq -r .daemon.source "$T/snap.json")
	[ "$src" = "${mode%%:*}" ] || echo "# $mode: the daemon sampled with $src: $(grep sampler "$T/log")"
	[ "$src" = bpf-iter ] && echo "#   $(grep -o 'sampler: .*' "$T/log" | head -1)"
	awk -v m="$mode" -v p="$procs" -v n="$((s2 - s1))" -v s1="$s1" \
		-v c1="$c1" -v c2="$c2" -v p1="$p1" -v p2="$p2" \
		-v k1="${k1:-0}" -v k2="${k2:-0}" -v rb="${rb:-0}" \
		-v w="$wall" -v r="$rss" -v r2="$rss2" -v h="$hwm" -v h2="$hwm2" 'BEGIN {
		printf "  %-9s %-13s %-7s %-10.1f %-12.2f %-10.2f %-10.1f %-12.1f %-12.2f %-8.1f %-13.1f %-8.1f %-12.1f\n",
			p, m, n, c1 * 1000 / s1, (c2 - c1) * 1000 / n,
			(k2 - k1) * 1000 / n, rb / 1048576,
			(p2 - p1) * 1000 / n, w * 1000,
			r / 1024, r2 / 1024, h / 1024, h2 / 1024 }'
	echo "#   snapshot answer: $(stat -c %s "$T/snap.json") bytes, $(jq '.processes | length' "$T/snap.json") processes"
	kill -TERM "$DPID"
	wait "$DPID"
}

echo "# bpf probes = $bpf, $(nproc) CPUs, kernel $(uname -r), $samples samples each"
printf '# %-9s %-13s %-7s %-10s %-12s %-10s %-10s %-12s %-12s %-8s %-13s %-8s %-12s\n' processes mode samples \
	"first ms" "cpu/smpl ms" "census ms" "rollup MiB" "proc cpu ms" "wall/smpl ms" "RSS MiB" "RSS+snap MiB" "HWM MiB" "HWM+snap MiB"
for n in $sizes; do
	have=$(ps -e -o vsz= | awk '$1 > 0' | wc -l) # user processes
	want=$((n > have ? n - have : 0))
	"$HELPERS/sleepers" "$want" >"$T/sleepers.out" &
	sl=$!
	PIDS+=("$sl")
	wait_for "grep -q ready $T/sleepers.out" 300 || { echo "# sleepers did not start"; exit 1; }
	for mode in $modes; do
		bench_one "$mode"
	done
	kill -TERM "$sl"
	wait "$sl"
done
