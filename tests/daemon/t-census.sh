#!/usr/bin/env bash
# ptwatchd's census step on a host of 1,000 processes: three large
# offenders that appear while it runs are censused within three samples
# and their exact figures reach the snapshot, the metrics and the cgroup
# sums; the census's CPU stays within its share of the sampling's (one
# run: sample CPU with the census over sample CPU without it). About 40 s.
. "$(dirname "$0")/lib.sh"
OFFENDERS=3 TABLES=2048 # each: 1024 empty tables (4 MiB) and 1024 sparse
make_sysctl
start_listener
have=$(ps -e -o vsz= | awk '$1 > 0' | wc -l)
want=$((have < 1000 ? 1000 - have : 0))
"$HELPERS/sleepers" "$want" >"$T/sleepers.out" &
PIDS+=($!)
wait_for "grep -q ready $T/sleepers.out" 120 || { not_ok "sleepers start"; tap_done; }

write_conf "[daemon]" "reads_per_sample = 1000"
sed -i 's/^interval = 200ms$/interval = 1s/' "$T/d.conf"
start_daemon
metric() { awk -v m="$1" '$1 == m {print $2}' "$T/prom/ptwatch.prom"; }
samples() { [ -s "$T/prom/ptwatch.prom" ] && metric ptwatch_samples_total || echo 0; }
wait_for '[ "$(samples)" -ge 2 ]' 60 || { not_ok "ptwatchd samples"; tap_done; }
procs=$(metric ptwatch_processes)
echo "# $procs processes on the host"

mkfifo "$T/hold"
exec 8<>"$T/hold"
offs=()
for i in $(seq $OFFENDERS); do
	"$B/tests/pt-occupancy" --bench $TABLES <"$T/hold" >"$T/off$i.out" &
	PIDS+=($!)
	offs+=($!)
done
for i in $(seq $OFFENDERS); do
	wait_for "grep -q ready $T/off$i.out" 30
done
s0=$(req '{"cmd":"snapshot"}' | jq .daemon.samples)
# every offender with figures, polled at a tenth of the interval
censused() {
	req '{"cmd":"snapshot"}' >"$T/snap.json"
	jq -e --argjson p "$(printf '%s\n' "${offs[@]}" | jq -s -c .)" \
		'[.processes[] | select(.pid as $x | $p | index($x)) |
		  select(.census_age_s != null)] | length == ($p | length)' \
		"$T/snap.json" >/dev/null
}
wait_for censused 30
s1=$(jq .daemon.samples "$T/snap.json")
if censused && [ $((s1 - s0)) -le 3 ]; then
	ok "$OFFENDERS offenders among $procs processes censused within 3 samples ($((s1 - s0)))"
else
	not_ok "offenders censused within 3 samples" "samples $s0 -> $s1" \
		"$(grep -E 'census|sampler' "$T/log" | tail -20)"
fi
for p in "${offs[@]}"; do
	got=$(jq ".processes[] | select(.pid == $p) | .reclaimable_bytes" "$T/snap.json")
	[ "$got" = $((TABLES / 2 * 4096)) ] || not_ok "offender $p: reclaimable_bytes" "expected $((TABLES / 2 * 4096)), got $got"
done
ok "each offender's reclaimable_bytes is its $((TABLES / 2)) empty tables exactly"
jcheck "their occupancy: $((TABLES / 2)) tables with one entry or more" \
	"[.processes[] | select(.pid == ${offs[0]}) | .occupancy[\"1\"] >= $((TABLES / 2))] | all" \
	"$(cat "$T/snap.json")"
jcheck "the host sums the censused processes, with their share of page tables" \
	".host.reclaimable_bytes >= $((OFFENDERS * TABLES / 2 * 4096)) and .host.censused_processes >= $OFFENDERS and .host.census_coverage > 0" \
	"$(cat "$T/snap.json")"
cg=$(jq -r ".processes[] | select(.pid == ${offs[0]}) | .cgroup" "$T/snap.json")
if [ -n "$cg" ]; then
	jcheck "the offenders' cgroup ($cg) sums them too" \
		"[.cgroups[] | select(.path == \"$cg\") | .reclaimable_bytes >= $((OFFENDERS * TABLES / 2 * 4096))] | any" \
		"$(cat "$T/snap.json")"
fi
jcheck "processes the census has not reached say null, not 0" \
	'[.processes[] | select(.census_age_s == null)] | length > 0 and all(.reclaimable_bytes == null)' \
	"$(cat "$T/snap.json")"
run_out=$("$PTWATCH" --socket "$T/s.sock" snapshot -n 3)
check "ptwatch snapshot from the daemon leads with the exact reclaimable figure" \
	grep -qE "^  reclaimable \(exact\) +[0-9.]+ MiB +empty PTE tables in [0-9]+ censused" <<<"$run_out"
wait_for '[ "$(samples)" -ge $((s1 + 1)) ]' 10
check "promtool accepts the metrics" quiet promtool check metrics <"$T/prom/ptwatch.prom"
check "the host's reclaimable bytes are exported" \
	awk -v w=$((OFFENDERS * TABLES / 2 * 4096)) '$1 == "ptwatch_page_table_reclaimable_bytes" && $2 >= w {f = 1} END {exit !f}' "$T/prom/ptwatch.prom"
n=$(grep -c '^ptwatch_process_page_table_reclaimable_bytes{' "$T/prom/ptwatch.prom")
top=$(awk -F' *= *' '$1 == "top_processes" {print $2}' configs/ptwatchd.conf)
check "per-process census series are bounded by top_processes ($n <= ${top:-10})" [ "$n" -le "${top:-10}" ]
check "the offenders have per-process census series" \
	grep -q "^ptwatch_process_page_table_reclaimable_bytes{pid=\"${offs[0]}\"" "$T/prom/ptwatch.prom"

# CPU: let the sampling run on, then compare what it cost with and without
# the census in the same run.
s2=$(samples)
wait_for '[ "$(samples)" -ge $((s2 + 10)) ]' 60
cpu=$(metric ptwatch_sample_cpu_seconds_total)
ccpu=$(metric ptwatch_census_cpu_seconds_total)
runs=$(metric ptwatch_census_runs_total)
n=$(samples)
ratio=$(awk -v c="$cpu" -v k="$ccpu" 'BEGIN {printf "%.3f", c / (c - k)}')
echo "# $n samples: $(awk -v c="$cpu" -v n="$n" 'BEGIN {printf "%.1f", c * 1000 / n}') ms CPU per sample with the census, of which census $(awk -v k="$ccpu" -v n="$n" 'BEGIN {printf "%.2f", k * 1000 / n}') ms ($runs censuses); ratio $ratio"
if awk -v r="$ratio" 'BEGIN {exit !(r <= 1.2)}'; then
	ok "sample CPU with the census over without it: $ratio (goal <= 1.2)"
else
	not_ok "sample CPU with the census over without it <= 1.2" "ratio $ratio"
fi
stop_daemon
expect_eq "clean exit" 0 "$STOP_RC"

# And a daemon with the census off exports no figures and spends nothing.
write_conf "[daemon]" "reads_per_sample = 1000" "[census]" "enabled = no"
rm -f "$T/prom/ptwatch.prom"
start_daemon
wait_for '[ "$(samples)" -ge 2 ]' 60
check "with [census] enabled = no nothing is censused" \
	[ "$(metric ptwatch_census_runs_total)" = 0 ]
echo "# census off: $(awk -v c="$(metric ptwatch_sample_cpu_seconds_total)" -v n="$(samples)" 'BEGIN {printf "%.1f", c * 1000 / n}') ms CPU per sample"
stop_daemon
expect_eq "clean exit" 0 "$STOP_RC"
tap_done
