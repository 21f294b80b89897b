#!/usr/bin/env bash
# ptwatchd with a process of many PTE tables (issue 24), short enough for
# `make test`: pt-million builds $TABLES tables (default 262,144 over 512
# GiB, half of them empty: 1 GiB of tables, 512 MiB of pages). Its census
# (~0.3 s here) is longer than a 200 ms sample interval; the daemon must
# spread it over samples, [census] slice at a time, so that no sample
# takes more than half the interval, and its figures, compared with a
# census of the same process in one walk (`ptwatch show --exact`), must be
# the workload's exactly. Then, as a control, the same daemon with a slice
# longer than the walk (the census in one piece, as before issue 24) shows
# the stall the slice prevents. Every figure is of the workload's own
# process; polled with deadlines. About 20 s.
. "$(dirname "$0")/lib.sh"
TABLES=${TABLES:-262144}
INTERVAL_MS=200
make_sysctl
start_listener

mkfifo "$T/hold"
exec 8<>"$T/hold"
"$B/tests/pt-million" "$TABLES" 50 4 <"$T/hold" >"$T/w.out" &
PIDS+=($!)
WPID=$!
if wait_for "grep -q '^ready ' $T/w.out" 120; then
	ok "pt-million builds $TABLES tables ($(sed -n 's/^built [0-9]* seconds=//p' "$T/w.out") s)"
else
	not_ok "pt-million builds $TABLES tables within 120 s" "$(cat "$T/w.out")"
	tap_done
fi
echo "# $(grep -E '^(region|expect)' "$T/w.out" | tr '\n' ' ')"
want() { sed -n "s/^expect .* $1=\([0-9]*\).*/\1/p" "$T/w.out"; }
EMPTY=$(want empty) ONE=$(want one)

# The reference: one walk of the same process (it does not change).
run_show() { OUT=$("$PTWATCH" show "$WPID" --exact --json); }
run_show
REF=$OUT
ref() { jq -c "$1" <<<"$REF"; }
echo "# one walk: $(ref .census.elapsed_s) s, $(ref .empty_pte_tables) empty of $(ref .pte_tables) tables"
# the workload's own layout (binary, stack) adds a few tables of its own,
# none of them empty (nothing else of it was dropped)
expect_within "one walk counts the $EMPTY tables the workload left empty" \
	"$EMPTY" "$(ref .empty_pte_tables)" 8
check "and the $ONE it left with one page" [ "$(ref '.occupancy["1"]')" -ge "$ONE" ]

metric() { awk -v m="$1" '$1 == m {print $2}' "$T/prom/ptwatch.prom"; }
samples() { [ -s "$T/prom/ptwatch.prom" ] && metric ptwatch_samples_total || echo 0; }
# censused: the daemon's figures for the workload are of its final shape
censused() {
	req '{"cmd":"snapshot"}' >"$T/snap.json"
	jq -e --argjson p "$WPID" '.processes[] | select(.pid == $p) |
		.census_age_s != null and .census_page_table_bytes == .page_table_bytes' \
		"$T/snap.json" >/dev/null
}
mine() { jq -c --argjson p "$WPID" ".processes[] | select(.pid == \$p) | $1" "$T/snap.json"; }

# daemon_run SLICE: a daemon with that slice until it has censused the
# workload; sets MAX_SAMPLE, MAX_GAP (s), CPU_MS (per sample), SPREAD.
# The census is switched on by a reload after two samples: the longest
# sample and gap leave out the first sample (it reads everything once), so
# the census must not run in it.
daemon_run() {
	write_conf "[census]" "enabled = no"
	rm -f "$T/prom/ptwatch.prom"
	: >"$T/log"
	start_daemon
	wait_for '[ "$(samples)" -ge 2 ]' 60 || { not_ok "ptwatchd samples"; return 1; }
	write_conf "[census]" "slice = $1"
	kill -HUP "$DPID"
	wait_for "grep -q reloaded $T/log" 10
	local s0 c0
	s0=$(samples) c0=$(metric ptwatch_sample_cpu_seconds_total)
	wait_for censused 120 || return 1
	# one sample more: the metrics file is written after the census
	wait_for "[ \$(samples) -ge $(($(samples) + 1)) ]" 30
	MAX_SAMPLE=$(metric ptwatch_sample_duration_max_seconds)
	MAX_GAP=$(metric ptwatch_sample_gap_max_seconds)
	SPREAD=$(metric ptwatch_census_spread_total)
	CPU_MS=$(awk -v a="$c0" -v b="$(metric ptwatch_sample_cpu_seconds_total)" \
		-v n=$(($(samples) - s0)) 'BEGIN {printf "%.1f", (b - a) * 1000 / n}')
	RSS_KB=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$DPID/status")
	echo "# slice $1: $(grep -o "census of pid $WPID .*" "$T/log" | tail -1)"
	echo "# slice $1: longest sample $MAX_SAMPLE s, longest gap $MAX_GAP s (interval $INTERVAL_MS ms), $CPU_MS ms CPU a sample while censusing, peak RSS $RSS_KB KiB"
}

if daemon_run 20ms; then
	ok "ptwatchd censuses the workload with a 20 ms slice"
else
	not_ok "ptwatchd censuses the workload within 120 s" "$(tail -5 "$T/log")"
fi
expect_eq "its reclaimable bytes are the one walk's" \
	"$(ref .reclaimable_bytes)" "$(mine .reclaimable_bytes)"
expect_eq "its occupancy is the one walk's" \
	"$(ref .occupancy)" "$(mine .occupancy)"
check "the census was spread over samples (spread censuses: $SPREAD)" \
	[ "${SPREAD:-0}" -ge 1 ]
check "the log says over how many samples" \
	grep -qE "census of pid $WPID \(pt-million\): [0-9]+ PTE tables, [0-9]+ empty, walked in [0-9]+ samples" "$T/log"
check "no sample took half the interval ($MAX_SAMPLE s < $((INTERVAL_MS / 2)) ms)" \
	awk -v m="$MAX_SAMPLE" -v i=$INTERVAL_MS 'BEGIN {exit !(m < i / 2000)}'
# The gap between two samples is the sample's own time (asserted above)
# plus waiting for a CPU: on a loaded 2-core machine it was 0.62 s against
# 0.31 s for the one-piece control in the same run. It is printed, not
# asserted: it moves with the machine's load, not with the code.
echo "# longest gap between samples: $MAX_GAP s (interval $INTERVAL_MS ms)"
# docs/daemon.md's bound: 16 MiB after serving a full snapshot at 10,000
# processes, a peak of up to 23.6 MiB (libbpf's BTF parsing at start)
check "ptwatchd's peak RSS stays under its documented peak, 24 MiB ($RSS_KB KiB)" [ "$RSS_KB" -lt 24576 ]
sliced=$MAX_SAMPLE
stop_daemon
expect_eq "clean exit" 0 "$STOP_RC"

# The control: a slice longer than any walk is the census in one piece.
if daemon_run 60s; then
	ok "with a 60 s slice the census runs in one piece"
else
	not_ok "with a 60 s slice ptwatchd censuses the workload" "$(tail -5 "$T/log")"
fi
expect_eq "in one piece: not spread" 0 "${SPREAD:-x}"
check "in one piece its sample took longer ($MAX_SAMPLE s) than any sliced one ($sliced s)" \
	awk -v a="$MAX_SAMPLE" -v b="$sliced" 'BEGIN {exit !(a > b)}'
stop_daemon
expect_eq "clean exit" 0 "$STOP_RC"
tap_done
