#!/usr/bin/env bash
# Benchmark (not a timed test): ptwatchd's CPU time per sample and its RSS
# with N processes on the host, N = 100, 1000, 10000 (or $BENCH_SIZES).
# Spawns sleepers to reach N processes in total, runs ptwatchd with a 1 s
# interval for $BENCH_SAMPLES samples (default 10), and reads its own
# counters over the samples after the first (the first reads every process;
# later ones read new processes plus reads_per_sample known ones) and
# /proc/PID/status. BENCH_BPF=yes attaches the BPF probes too;
# BENCH_READS sets reads_per_sample (default 1000; 0 = every process).
# Usage: tests/daemon/bench-sample.sh   (root; about 1-2 minutes)
. "$(dirname "$0")/lib.sh"

sizes=${BENCH_SIZES:-100 1000 10000}
samples=${BENCH_SAMPLES:-10}
bpf=${BENCH_BPF:-no}
reads=${BENCH_READS:-1000}
make_sysctl
write_conf "[daemon]" "reads_per_sample = $reads"
sed -i "s/^interval = 200ms$/interval = 1s/; s/^bpf = no$/bpf = $bpf/" "$T/d.conf"
start_listener

kv() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$2/status"; }
# utime + stime of the whole process, in seconds
proc_cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
metric() { awk -v m="$1" '$1 == m {print $2}' "$T/prom/ptwatch.prom"; }

echo "# reads_per_sample = $reads, bpf = $bpf, $(nproc) CPUs, kernel $(uname -r)"
printf '# %-9s %-8s %-10s %-12s %-12s %-12s %-8s %-8s %-12s\n' processes samples \
	"first ms" "cpu/smpl ms" "proc cpu ms" "wall/smpl ms" "RSS MiB" "HWM MiB" "HWM+snap MiB"
for n in $sizes; do
	have=$(ps -e -o vsz= | awk '$1 > 0' | wc -l) # user processes
	want=$((n > have ? n - have : 0))
	"$HELPERS/sleepers" "$want" >"$T/sleepers.out" &
	sl=$!
	PIDS+=("$sl")
	wait_for "grep -q ready $T/sleepers.out" 120 || { echo "# sleepers did not start"; exit 1; }
	rm -f "$T/prom/ptwatch.prom"
	start_daemon
	# the file counts the samples finished before it was written
	wait_for "[ -s $T/prom/ptwatch.prom ] && [ \$(awk '\$1 == \"ptwatch_samples_total\" {print \$2}' $T/prom/ptwatch.prom) -ge 1 ]" 60
	# after the first sample: its cost is the full read
	s1=$(metric ptwatch_samples_total)
	c1=$(metric ptwatch_sample_cpu_seconds_total)
	p1=$(proc_cpu "$DPID")
	wait_for "[ \$(awk '\$1 == \"ptwatch_samples_total\" {print \$2}' $T/prom/ptwatch.prom) -ge $((samples + s1)) ]" $((samples * 3 + 30))
	procs=$(metric ptwatch_processes)
	s2=$(metric ptwatch_samples_total)
	c2=$(metric ptwatch_sample_cpu_seconds_total)
	p2=$(proc_cpu "$DPID")
	wall=$(metric ptwatch_sample_duration_seconds)
	rss=$(kv VmRSS "$DPID")
	hwm=$(kv VmHWM "$DPID")
	# a full snapshot answer (every process) is the largest allocation
	req '{"cmd":"snapshot"}' >"$T/snap.json"
	hwm2=$(kv VmHWM "$DPID")
	awk -v p="$procs" -v n="$((s2 - s1))" -v s1="$s1" -v c1="$c1" -v c2="$c2" \
		-v p1="$p1" -v p2="$p2" \
		-v w="$wall" -v r="$rss" -v h="$hwm" -v h2="$hwm2" 'BEGIN {
		printf "  %-9s %-8s %-10.1f %-12.2f %-12.1f %-12.2f %-8.1f %-8.1f %-12.1f\n",
			p, n, c1 * 1000 / s1, (c2 - c1) * 1000 / n,
			(p2 - p1) * 1000 / n, w * 1000,
			r / 1024, h / 1024, h2 / 1024 }'
	echo "#   snapshot answer: $(stat -c %s "$T/snap.json") bytes, $(jq '.processes | length' "$T/snap.json") processes"
	kill -TERM "$DPID"
	wait "$DPID"
	kill -TERM "$sl"
	wait "$sl"
done
