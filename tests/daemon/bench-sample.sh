#!/usr/bin/env bash
# Benchmark (not a timed test): ptwatchd's CPU time per sample and its RSS
# with N processes on the host, N = 100, 1000, 10000 (or $BENCH_SIZES).
# Spawns sleepers to reach N processes in total, runs ptwatchd with a 1 s
# interval for $BENCH_SAMPLES samples (default 10), and reads its own
# counters (ptwatch_sample_cpu_seconds_total / ptwatch_samples_total) and
# /proc/PID/status. BENCH_BPF=yes attaches the BPF probes too.
# Usage: tests/daemon/bench-sample.sh   (root; about 1-2 minutes)
. "$(dirname "$0")/lib.sh"

sizes=${BENCH_SIZES:-100 1000 10000}
samples=${BENCH_SAMPLES:-10}
bpf=${BENCH_BPF:-no}
make_sysctl
write_conf
sed -i "s/^interval = 200ms$/interval = 1s/; s/^bpf = no$/bpf = $bpf/" "$T/d.conf"
start_listener

kv() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$2/status"; }
metric() { awk -v m="$1" '$1 == m {print $2}' "$T/prom/ptwatch.prom"; }

printf '# %-9s %-8s %-14s %-14s %-10s %-10s %-12s\n' processes samples \
	"cpu/sample ms" "wall/sample ms" "RSS MiB" "HWM MiB" "HWM+snap MiB"
for n in $sizes; do
	have=$(ls -d /proc/[0-9]* | wc -l)
	want=$((n > have ? n - have : 0))
	"$HELPERS/sleepers" "$want" >"$T/sleepers.out" &
	sl=$!
	PIDS+=("$sl")
	wait_for "grep -q ready $T/sleepers.out" 120 || { echo "# sleepers did not start"; exit 1; }
	rm -f "$T/prom/ptwatch.prom"
	start_daemon
	wait_for "[ -s $T/prom/ptwatch.prom ] && [ \$(awk '\$1 == \"ptwatch_samples_total\" {print \$2}' $T/prom/ptwatch.prom) -ge $samples ]" $((samples * 3 + 30))
	procs=$(metric ptwatch_processes)
	s=$(metric ptwatch_samples_total)
	cpu=$(metric ptwatch_sample_cpu_seconds_total)
	wall=$(metric ptwatch_sample_duration_seconds)
	rss=$(kv VmRSS "$DPID")
	hwm=$(kv VmHWM "$DPID")
	# a full snapshot answer (every process) is the largest allocation
	req '{"cmd":"snapshot"}' >"$T/snap.json"
	hwm2=$(kv VmHWM "$DPID")
	printf '  %-9s %-8s %-14.2f %-14.2f %-10.1f %-10.1f %-12.1f\n' "$procs" "$s" \
		"$(echo "$cpu * 1000 / $s" | bc -l)" "$(echo "$wall * 1000" | bc -l)" \
		"$(echo "$rss / 1024" | bc -l)" "$(echo "$hwm / 1024" | bc -l)" \
		"$(echo "$hwm2 / 1024" | bc -l)"
	echo "#   snapshot answer: $(stat -c %s "$T/snap.json") bytes, $(jq '.processes | length' "$T/snap.json") processes"
	kill -TERM "$DPID"
	wait "$DPID"
	kill -TERM "$sl"
	wait "$sl"
done
