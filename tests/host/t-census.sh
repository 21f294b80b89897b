#!/usr/bin/env bash
# The occupancy census on this host (issue 14): tables of known occupancy
# (tests/workloads/pt-occupancy.c) land in their buckets exactly, through
# PAGEMAP_SCAN and through /proc/PID/pagemap alike; THP deposits are
# counted apart and not as waste; the census of 64k tables is fast; the
# snapshot without a daemon leads with exact figures. About 20 s.
. "$(dirname "$0")/../lib/tap.sh"
N=64
BUCKETS='"0","1","2-15","16-127","128-511","512"'
PIDS=()
HOLD=$(mktemp -u) && mkfifo "$HOLD"
exec 9<>"$HOLD" # the workloads wait on this until they are killed
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'stop_all; rm -f "$HOLD"' EXIT

# start NAME ARGS...: runs pt-occupancy ARGS held open and waits for its
# "base" line (its own tables, before it builds; --bench builds at once and
# says "ready"): sets PID. On a loaded
# machine it takes seconds, not tenths: the deadlines are generous and the
# time taken is printed.
START_LIMIT=120
start() {
	OUT_FILE=$BUILD/$1.out
	shift
	rm -f "$OUT_FILE"
	"$BUILD/tests/pt-occupancy" "$@" <"$HOLD" >"$OUT_FILE" &
	PIDS+=($!)
	PID=
	wait_until $START_LIMIT grep -qE '^(base|ready) ' "$OUT_FILE" &&
		PID=$(awk '/^(base|ready) / {print $2; exit}' "$OUT_FILE")
}
# built: SIGUSR1 makes the workload build its shapes; waits for "ready"
built() {
	kill -USR1 "$PID"
	wait_until $START_LIMIT grep -q '^ready ' "$OUT_FILE"
}
want() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$EXPECT"; }

# Every figure is the workload's own: one process is censused before it
# builds its shapes and again after, in the same address layout, so the
# difference is the tables of its region alone (two processes would differ
# by where ASLR put each one's binary, heap and stack: 65 tables with one
# entry against 64, issue 22). pt-occupancy.c keeps its own heap and stack
# still across the build.
start occ $N
pid=$PID
if [ -z "$pid" ]; then
	not_ok "pt-occupancy starts (says base within $START_LIMIT s)" "$(cat "$OUT_FILE")"
	tap_done
fi
ok "pt-occupancy starts ($WAITED s)"

# The census path: PAGEMAP_SCAN is in every kernel from 6.7; without it
# the two-method comparison and the 100 ms walk have nothing to measure.
kver=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
run "$PTWATCH" show "$pid" --exact --json
path=$(jq -r .census.method <<<"$OUT")
if [ "$kver" -ge 6007 ]; then
	expect_eq "the default census path on $(uname -r) (6.7+) is PAGEMAP_SCAN" pagemap_scan "$path"
	methods=("" --pagemap)
else
	expect_eq "the default census path on $(uname -r) (before 6.7) is pagemap" pagemap "$path"
	methods=(--pagemap)
fi
before=() # the workload's census before it built, one per method
for method in "${methods[@]}"; do
	run "$PTWATCH" show "$pid" --exact $method --json
	before+=("$OUT")
done
run "$PTWATCH" show "$pid" --exact
before_table=$OUT
if built; then
	ok "pt-occupancy builds its shapes ($WAITED s)"
else
	not_ok "pt-occupancy builds its shapes (says ready within $START_LIMIT s)" "$(cat "$OUT_FILE")"
	tap_done
fi
EXPECT=$(grep expect "$OUT_FILE")
echo "# built: $EXPECT"
thp=$(want thp) zero=$(want zero) fb=$(want thp_fallback) sw=$(want swapped_pages)
# what each bucket gains by the build (docs in pt-occupancy.c)
declare -A add=([0]=$N [1]=$((N + fb)) [2-15]=$N [16-127]=$((2 * N))
	[128-511]=$N [512]=$((2 * N)))
[ "$thp" = $N ] || echo "# THP gave $thp of $N blocks: $fb written blocks count in bucket 1"
[ "$sw" -gt 0 ] || echo "# no swap on this host: the swap shape's 40 pages stay present (same bucket)"

hist=()
for i in "${!methods[@]}"; do
	method=${methods[$i]}
	name="show --exact ${method:-(PAGEMAP_SCAN)}"
	b=${before[$i]}
	run "$PTWATCH" show "$pid" --exact $method --json
	expect_eq "$name exits 0" 0 "$RC"
	expect_eq "$name: census path" "$([ -z "$method" ] && echo pagemap_scan || echo pagemap)" \
		"$(jq -r .census.method <<<"$OUT")"
	expect_eq "$name: occupancy has exactly the six buckets" "[$BUCKETS]" \
		"$(jq -c '.occupancy | keys_unsorted' <<<"$OUT")"
	for k in 0 1 2-15 16-127 128-511 512; do
		got=$(( $(jq ".occupancy[\"$k\"]" <<<"$OUT") - $(jq ".occupancy[\"$k\"]" <<<"$b") ))
		expect_eq "$name: bucket $k holds the $((add[$k])) tables built for it" "${add[$k]}" "$got"
	done
	expect_eq "$name: $thp THP and $zero huge-zero-page blocks keep a deposited table each" \
		$((thp + zero)) "$(( $(jq .thp_deposited_tables <<<"$OUT") - $(jq .thp_deposited_tables <<<"$b") ))"
	expect_eq "$name: reclaimable_bytes is the empty tables" \
		"$(jq '.empty_pte_tables * 4096' <<<"$OUT")" "$(jq .reclaimable_bytes <<<"$OUT")"
	expect_eq "$name: the tables add up to VmPTE" \
		"$(jq '.page_table_bytes / 4096' <<<"$OUT")" \
		"$(jq '.used_pte_tables + .empty_pte_tables + .thp_deposited_tables + .census.pmd_tables + .census.pud_tables' <<<"$OUT")"
	hist+=("$(jq -c '[.occupancy, .thp_deposited_tables, .sparse_excess_bytes]' <<<"$OUT")")
	echo "# $name: before $(jq -c .occupancy <<<"$b"), after $(jq -c '{occupancy, thp_deposited_tables, reclaimable_bytes, sparse_excess_bytes, waste_bytes}' <<<"$OUT")"
done
if [ ${#methods[@]} = 2 ]; then
	expect_eq "PAGEMAP_SCAN and pagemap give the same histogram, deposits, excess" "${hist[0]}" "${hist[1]}"
else
	skip "PAGEMAP_SCAN and pagemap give the same histogram" "kernel $(uname -r) has no PAGEMAP_SCAN (6.7+)"
fi

# The estimate no longer calls THP deposits waste: what it adds over the
# census is the huge zero page (invisible to smaps_rollup) and layout.
run "$PTWATCH" show "$pid" --exact --json
excess=$(jq '.reclaimable_bytes + .sparse_excess_bytes' <<<"$OUT")
est=$(jq .waste_bytes <<<"$OUT")
if [ "$est" -le $((excess + zero * 4096 + 65536)) ]; then
	ok "estimated waste ($est B) is within zero-page deposits + 64 KiB of the census ($excess B)"
else
	not_ok "estimated waste is within zero-page deposits + 64 KiB of the census" "estimate $est, census $excess, zero $zero"
fi

run "$PTWATCH" show "$pid" --exact
check "the table leads with the exact reclaimable figure" grep -q "^  reclaimable .* $N empty PTE tables" <<<"$OUT"
check "the table shows the occupancy bar line" grep -qE "^  occupancy +0:$((N + $(jq '.occupancy["0"]' <<<"${before[0]}"))) 1:" <<<"$OUT"
check "sparse excess over 1 MiB gets one line of advice" grep -q "^advice: .* sparse, not empty: .*docs/allocator-advice.md" <<<"$OUT"
expect_eq "a small process (the workload before it built) gets no advice" 0 "$(grep -c '^advice:' <<<"$before_table")"

# The snapshot censuses the five largest estimates: the workload is one
# unless other workloads on a shared machine are larger (said, and then
# its figures are not asserted: that is the rule working).
run "$PTWATCH" --no-daemon snapshot --json -n 100000
larger=$(jq --argjson p "$pid" '([.processes[] | select(.pid == $p) | .waste_bytes][0]) as $w |
	[.processes[] | select(.waste_bytes > $w)] | length' <<<"$OUT")
run "$PTWATCH" --no-daemon snapshot --json -n 3
expect_jq "snapshot without a daemon censuses the top processes" '.host.censused_processes >= 1'
if [ "${larger:-0}" -lt 5 ]; then
	run "$PTWATCH" --no-daemon snapshot --json -n 100000
	expect_jq "the workload (among the 5 largest estimates: $larger larger) has exact figures" \
		".processes[] | select(.pid == $pid) | .census_age_s != null and .reclaimable_bytes >= $((N * 4096))"
	run "$PTWATCH" --no-daemon snapshot --json -n 3
else
	skip "the workload has exact figures" "$larger processes on this host have larger estimates: the snapshot censuses the five largest"
fi
expect_jq "processes without a census have null figures, not 0" \
	'[.processes[] | select(.census_age_s == null) | .reclaimable_bytes == null and .occupancy == null] | all'
expect_jq "host and cgroups carry the census sums and coverage" \
	'(.host | has("reclaimable_bytes","sparse_excess_bytes","censused_processes","census_coverage")) and
	 ([.cgroups[] | has("reclaimable_bytes","censused_processes")] | all)'
run "$PTWATCH" --no-daemon snapshot -n 3
check "the snapshot table says which figure is exact and which an upper bound" \
	grep -qE "^  reclaimable \(exact\).*census [0-9]+ s old" <<<"$OUT"
check "then the estimate, labelled as an upper bound" grep -qE "^  estimated waste \(<=\).*upper bound" <<<"$OUT"

# Speed: 65536 tables, half empty (128 GiB mapped). The census walk alone
# (census.elapsed_s), best of 5 on a shared machine; when that best is over
# the goal, up to 15 walks more (a loaded 2-core machine stretches wall
# time: the best of more walks is the walk, not the load), the count said.
stop_all
start bench --bench 65536
[ -n "$PID" ] || not_ok "pt-occupancy --bench 65536 builds (says ready within $START_LIMIT s)"
walk_ms() { "$PTWATCH" show "$PID" --exact $1 --json | jq '.census.elapsed_s * 1000 | floor'; }
best() { # METHOD GOAL_MS: the fastest of 5 walks (up to 20 over the goal), in ms; sets WALKS
	local b=999999 ms
	WALKS=0
	while [ $WALKS -lt 5 ] || { [ "$b" -ge "$2" ] && [ $WALKS -lt 20 ]; }; do
		ms=$(walk_ms "$1")
		WALKS=$((WALKS + 1))
		[ -n "$ms" ] && [ "$ms" -lt "$b" ] && b=$ms
	done
	echo "$b $WALKS"
}
read -r scan_ms scan_walks < <(best "" 100)
read -r pm_ms pm_walks < <(best --pagemap 2000)
run "$PTWATCH" show "$PID" --exact --json
expect_eq "the bench process has 32768 empty tables" 32768 "$(jq .empty_pte_tables <<<"$OUT")"
echo "# census of 65536 PTE tables (half empty): PAGEMAP_SCAN $scan_ms ms (best of $scan_walks), pagemap $pm_ms ms (best of $pm_walks)"
if [ ${#methods[@]} != 2 ]; then
	skip "PAGEMAP_SCAN census of 64k tables in under 100 ms" "kernel $(uname -r) has no PAGEMAP_SCAN (6.7+)"
elif [ "$scan_ms" -lt 100 ]; then ok "PAGEMAP_SCAN census of 64k tables in under 100 ms ($scan_ms ms)"
else not_ok "PAGEMAP_SCAN census of 64k tables in under 100 ms" "took $scan_ms ms"; fi
# pagemap reads 8 bytes per page of every mapping: 256 MiB here; it refuses
# beyond 256 GiB of mappings, about twice this
if [ "$pm_ms" -lt 2000 ]; then ok "pagemap census of 64k tables (128 GiB mapped) in under 2 s ($pm_ms ms)"
else not_ok "pagemap census of 64k tables in under 2 s" "took $pm_ms ms"; fi
tap_done
