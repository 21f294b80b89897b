#!/usr/bin/env bash
# Benchmark (not a timed test): ptwatchd's samples while a process with a
# million PTE tables exists (issue 24; docs/daemon.md, "One million
# tables"). One daemon (interval $BENCH_INTERVAL, default 1s; [census]
# slice $BENCH_SLICE, default 20ms), its status polled after every sample:
#   without   $BENCH_SAMPLES samples before the workload exists
#   census    from the reload that switches the census on to the end of
#             the workload's census (spread over samples, slice by slice)
#   after     $BENCH_SAMPLES samples more, the workload still there
# For each phase: samples, sample wall time (mean, max), time from one
# sample's start to the next (max: on schedule when it is the interval),
# CPU a sample (mean, max), and ptwatchd's RSS and peak RSS at its end.
# The census is off while the workload builds (a census of a growing
# process is begun again until it fails) and switched on by a reload.
# BENCH_TABLES (1048576), BENCH_EMPTY (50 %), BENCH_MAPPINGS (1).
# Usage: tests/daemon/bench-million.sh   (root; about 3 minutes at 1 s)
. "$(dirname "$0")/lib.sh"
TABLES=${BENCH_TABLES:-1048576}
EMPTY=${BENCH_EMPTY:-50}
MAPPINGS=${BENCH_MAPPINGS:-1}
N=${BENCH_SAMPLES:-10}
INTERVAL=${BENCH_INTERVAL:-1s}
SLICE=${BENCH_SLICE:-20ms}
make_sysctl
start_listener

conf() {
	write_conf "[census]" "enabled = $1" "slice = $SLICE"
	sed -i "s/^interval = 200ms$/interval = $INTERVAL/" "$T/d.conf"
}
kv() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$DPID/status"; }
# poll_until PHASE CMD: one row per sample into $T/rows until CMD holds
poll_until() {
	local phase=$1 cond=$2 last=-1 st n
	while :; do
		st=$(req '{"cmd":"status"}')
		n=$(jq .samples <<<"$st")
		if [ "$n" != "$last" ]; then
			jq -r --arg p "$phase" '"\($p) \(.samples) \(.last_sample_s) \(.last_sample_cpu_s) \(.last_sample_gap_s) \(.census_in_progress)"' \
				<<<"$st" >>"$T/rows"
			last=$n
		fi
		eval "$cond" && break
		sleep 0.05
	done
	echo "$(kv VmRSS) $(kv VmHWM)" >"$T/rss.$phase"
}
# the phase's row: its first sample is the one before it began
summary() {
	local rss hwm
	read -r rss hwm <"$T/rss.$1"
	awk -v p="$1" -v rss="$rss" -v hwm="$hwm" '$1 == p {
		if (!seen++) next
		n++; w += $3; c += $4; if ($3 > mw) mw = $3; if ($4 > mc) mc = $4
		if ($5 > mg) mg = $5 }
	END { printf "| %s | %d | %.1f | %.1f | %.3f | %.1f | %.1f | %.1f | %.1f |\n",
		p, n, w / n * 1000, mw * 1000, mg, c / n * 1000, mc * 1000, rss / 1024, hwm / 1024 }' "$T/rows"
}

conf no
: >"$T/rows"
start_daemon
wait_for '[ "$(daemon_samples)" -ge 2 ]' 60 || { echo "no samples: $(tail -3 "$T/log")"; exit 1; }
s0=$(daemon_samples)
poll_until without "[ \$n -ge $((s0 + N)) ]"

mkfifo "$T/hold"
exec 8<>"$T/hold"
"$B/tests/pt-million" "$TABLES" "$EMPTY" "$MAPPINGS" <"$T/hold" >"$T/w.out" &
PIDS+=($!)
WPID=$!
wait_for "grep -q '^ready ' $T/w.out" 600 || { echo "pt-million: $(cat "$T/w.out")"; exit 1; }
echo "# $(tr '\n' ' ' <"$T/w.out")"
echo "# VmPTE of the workload: $(awk '$1 == "VmPTE:" {print $2, $3}' "/proc/$WPID/status")"
t0=$(date +%s.%N)
"$PTWATCH" show "$WPID" --exact --json >"$T/ref.json"
echo "# ptwatch show --exact: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s wall, census $(jq .census.elapsed_s "$T/ref.json") s, $(jq .empty_pte_tables "$T/ref.json") empty of $(jq .pte_tables "$T/ref.json")"

conf yes
kill -HUP "$DPID"
censused() {
	req '{"cmd":"snapshot"}' >"$T/snap.json"
	jq -e --argjson p "$WPID" '.processes[] | select(.pid == $p) |
		.census_age_s != null and .census_page_table_bytes == .page_table_bytes' \
		"$T/snap.json" >/dev/null
}
poll_until census censused
jq -c --argjson p "$WPID" '.processes[] | select(.pid == $p) |
	{reclaimable_bytes, occupancy, census_age_s}' "$T/snap.json" | sed 's/^/# daemon: /'
echo "# one walk: $(jq -c '{reclaimable_bytes, occupancy}' "$T/ref.json")"
grep -o "census of pid $WPID .*" "$T/log" | sed 's/^/# /'
s1=$(daemon_samples)
poll_until after "[ \$n -ge $((s1 + N)) ]"
echo "| phase | samples | wall ms mean | wall ms max | longest gap s | CPU ms mean | CPU ms max | RSS MiB | peak RSS MiB |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for p in without census after; do summary $p; done
