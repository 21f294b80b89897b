#!/usr/bin/env bash
# The steady-state benchmark's figures from its guest log (guest-steady.sh
# prints "csv," and "metric," lines): per mode and workload kind, the
# time-averaged and peak empty-table bytes, VmPTE at the end, throughput,
# ptwatchd's CPU against the workloads', and the ratios the goals name
# (docs/alloc-bench.md). Writes OUTDIR/steady-figures.txt (key=value, for
# the tests), OUTDIR/steady-table.md and, with gnuplot, one PNG per kind:
# OUTDIR/alloc-bench-churn.png, OUTDIR/alloc-bench-drift.png.
#   steady-report.sh LOG OUTDIR PROCESS_INTERVAL_S
set -eu
log=$1 out=$2 pint=$3
mkdir -p "$out"
grep '^csv,' "$log" | grep -v '^csv,mode,' > "$out/steady.raw.csv" || true
if [ ! -s "$out/steady.raw.csv" ]; then
	echo "steady-report: no samples in $log" >&2
	exit 1
fi
# A workload missing from a round (its census failed that time) keeps its
# last sample: summed over a kind, a missing one would read as a dip.
awk -F, -v OFS=, '
{
	mode = $2; t = $3; wl = $4
	if (!((mode, t) in round)) { round[mode, t] = 1; ts[mode, ++nr[mode]] = t }
	line[mode, t, wl] = $0
	if (!((mode, wl) in known)) { known[mode, wl] = 1; wls[mode, ++nw[mode]] = wl }
}
END {
	for (mode in nr) for (i = 1; i <= nr[mode]; i++) {
		t = ts[mode, i]
		for (j = 1; j <= nw[mode]; j++) {
			wl = wls[mode, j]
			if ((mode, t, wl) in line) { last[wl] = line[mode, t, wl]; print last[wl] }
			else if (wl in last) { n = split(last[wl], f, ","); f[3] = t
				o = f[1]; for (k = 2; k <= n; k++) o = o OFS f[k]; print o }
		}
		if (i == nr[mode]) delete last
	}
}' "$out/steady.raw.csv" > "$out/steady.csv"
sent=$(sed -n 's/^metric,sent_blocks,//p' "$log" | tail -1)
refilled=$(sed -n 's/^metric,refilled_blocks,//p' "$log" | tail -1)

# Per mode and kind, each sample round summed over the kind's workloads:
# OUTDIR/series-MODE-KIND.dat "t vmpte_kb empty_kb rss_kb"
awk -F, -v out="$out" '
{
	mode = $2; t = $3; split($4, w, "-"); kind = w[1]; k = mode "-" kind
	key = k SUBSEP t
	if (!(key in vp)) { order[k, ++nt[k]] = t }
	vp[key] += $6; rs[key] += $7; em[key] += $8
}
END {
	for (k in nt) {
		f = out "/series-" k ".dat"
		printf "" > f
		for (i = 1; i <= nt[k]; i++) {
			t = order[k, i]; key = k SUBSEP t
			printf "%d %d %d %d\n", t, vp[key], em[key] * 4, rs[key] >> f
		}
		close(f)
	}
}' "$out/steady.csv"

# The figures: key=value lines
awk -F, -v pint="$pint" -v sent="${sent:-0}" -v refilled="${refilled:-0}" '
{
	mode = $2; t = $3 + 0; split($4, w, "-"); kind = w[1]; k = mode "-" kind
	wl = mode SUBSEP $4
	if (!(wl in ops0)) { ops0[wl] = $9; cms0[wl] = $10; cpu0[wl] = $11 }
	ops1[wl] = $9; cms1[wl] = $10; cpu1[wl] = $11; kindof[wl] = k
	if ($12 != "") { if (!(mode in d0)) d0[mode] = $12; d1[mode] = $12 }
	key = k SUBSEP t
	if (!(key in seen)) { seen[key] = 1; rounds[k]++; last[k] = t
		if (!(k in first)) first[k] = t }
	em[key] += $8; vp[key] += $6
}
END {
	for (key in em) {
		split(key, p, SUBSEP); k = p[1]; t = p[2]
		sum_em[k] += em[key]
		if (em[key] > peak[k]) peak[k] = em[key]
		if (t == last[k]) { end_em[k] = em[key]; end_vp[k] = vp[key] }
		# the last sixth of the run: "at the end", not one sample alone
		if (t >= last[k] - (last[k] - first[k]) / 6) { tail_em[k] += em[key]; tail_n[k]++ }
		# least squares of empty tables over time (the off run: the rate
		# at which the workload leaves tables behind)
		n[k]++; sx[k] += t; sy[k] += em[key]; sxy[k] += t * em[key]; sxx[k] += t * t
	}
	# throughput: mallocs+frees per second of the own CPU time of the
	# workload (CLOCK_PROCESS_CPUTIME_ID, not ticks). Its threads are
	# paced (the duty of churn, the phases of drift), so ops per wall or
	# busy second would count the waits for the vCPU too; its CPU is
	# what a slower allocator path (a refault, a probe) costs it.
	for (wl in ops1) {
		k = kindof[wl]
		dm = cms1[wl] - cms0[wl]
		if (dm > 0) {
			wrate[wl] = (ops1[wl] - ops0[wl]) * 1000 / dm
			rate[k] += wrate[wl]
		}
		# the CPU share of the daemon: ticks against ticks
		dc = cpu1[wl] - cpu0[wl]
		cpu[k] += dc
		split(k, mk, "-"); cpu_mode[mk[1]] += dc
	}
	# per workload: throughput with the daemon over the kernel alone
	for (wl in wrate) {
		split(wl, p, SUBSEP)
		if (p[1] == "daemon" && (("kernel", p[2]) in wrate) && wrate["kernel", p[2]] > 0)
			printf "wl.%s.throughput_daemon_vs_kernel=%.3f\n", p[2], wrate[wl] / wrate["kernel", p[2]]
	}
	for (k in rounds) {
		printf "%s.avg_empty_bytes=%d\n", k, sum_em[k] / rounds[k] * 4096
		printf "%s.peak_empty_bytes=%d\n", k, peak[k] * 4096
		printf "%s.end_empty_tables=%d\n", k, end_em[k]
		printf "%s.tail_empty_tables=%.1f\n", k, tail_n[k] ? tail_em[k] / tail_n[k] : 0
		printf "%s.end_vmpte_kb=%d\n", k, end_vp[k]
		printf "%s.need_kb=%d\n", k, end_vp[k] - end_em[k] * 4
		printf "%s.ops_per_cpu_s=%.1f\n", k, rate[k]
		d = n[k] * sxx[k] - sx[k] * sx[k]
		printf "%s.empty_tables_per_s=%.4f\n", k, d ? (n[k] * sxy[k] - sx[k] * sy[k]) / d : 0
	}
	for (m in d1)
		printf "%s.daemon_cpu_share=%.5f\n", m, cpu_mode[m] ? (d1[m] - d0[m]) / cpu_mode[m] : 0
	printf "daemon.sent_blocks=%d\ndaemon.refilled_blocks=%d\n", sent, refilled
	printf "process_interval_s=%d\n", pint
}' "$out/steady.csv" | sort > "$out/steady-figures.txt"

fig() { sed -n "s/^$1=//p" "$out/steady-figures.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
mib() { awk -v a="$1" 'BEGIN { printf "%.2f", a / 1048576 }'; }

# The table: one row per kind and mode
{
	echo "| workload | mode | time-avg empty tables | peak empty | VmPTE at end | mallocs+frees per CPU-second |"
	echo "| --- | --- | --- | --- | --- | --- |"
	for kind in churn drift; do
		for mode in off kernel daemon; do
			k=$mode-$kind
			echo "| $kind | $mode | $(mib "$(fig $k.avg_empty_bytes)") MiB | $(mib "$(fig $k.peak_empty_bytes)") MiB | $(fig $k.end_vmpte_kb) kB | $(fig $k.ops_per_cpu_s) |"
		done
	done
} > "$out/steady-table.md"
for kind in churn drift; do
	# the mean of the workloads' own ratios: each allocator weighs the
	# same (summed rates would be glibc's, the fastest, alone)
	echo "ratio.$kind.throughput_daemon_vs_kernel=$(grep "^wl\.$kind-.*throughput" "$out/steady-figures.txt" |
		awk -F= '{ s += $2; n++ } END { if (n) printf "%.3f", s / n; else print "-" }')"
	echo "ratio.$kind.avg_empty_daemon_vs_kernel=$(ratio "$(fig daemon-$kind.avg_empty_bytes)" "$(fig kernel-$kind.avg_empty_bytes)")"
	echo "ratio.$kind.end_vmpte_daemon_vs_need=$(ratio "$(fig daemon-$kind.end_vmpte_kb)" "$(fig daemon-$kind.need_kb)")"
done >> "$out/steady-figures.txt"
# what drift leaves behind in one process_interval with reclaim off, bytes
awk -v r="$(fig off-drift.empty_tables_per_s)" -v p="$pint" \
	'BEGIN { printf "off-drift.accumulated_per_interval_bytes=%d\n", (r > 0 ? r : 0) * p * 4096 }' \
	>> "$out/steady-figures.txt"

# ptwatchd's frees per workload (guest-steady.sh's "refill," lines)
if grep -q '^refill,' "$log"; then
	{
		echo "| workload | frees | tables freed | blocks empty at two censuses | of the blocks sent, refilled by the next census |"
		echo "| --- | --- | --- | --- | --- |"
		grep '^refill,' "$log" | awk -F, '{ printf "| %s | %d | %d | %d | %d |\n", $2, $3, $4, $5, $6 }'
	} > "$out/steady-refill.md"
fi

if command -v gnuplot > /dev/null; then
	for kind in churn drift; do
		gnuplot <<GP
set terminal pngcairo size 960,600 font ",10" noenhanced
set output "$out/alloc-bench-$kind.png"
set title "ptwatch steady-state benchmark, workload $kind: 4 allocators (jemalloc, jemalloc decay 0, tcmalloc, glibc)"
set xlabel "seconds"
set ylabel "KiB"
set key below horizontal maxrows 2
set grid
plot "$out/series-off-$kind.dat" using 1:2 with lines lw 2 lc rgb "#c0392b" title "VmPTE, vm.pt_reclaim=0", \
     "$out/series-kernel-$kind.dat" using 1:2 with lines lw 2 lc rgb "#2471a3" title "VmPTE, kernel alone", \
     "$out/series-daemon-$kind.dat" using 1:2 with lines lw 2 lc rgb "#1e8449" title "VmPTE, kernel + ptwatchd", \
     "$out/series-off-$kind.dat" using 1:3 with lines dt 2 lw 2 lc rgb "#c0392b" title "empty tables, vm.pt_reclaim=0", \
     "$out/series-kernel-$kind.dat" using 1:3 with lines dt 2 lw 2 lc rgb "#2471a3" title "empty tables, kernel alone", \
     "$out/series-daemon-$kind.dat" using 1:3 with lines dt 2 lw 2 lc rgb "#1e8449" title "empty tables, kernel + ptwatchd"
GP
	done
fi
