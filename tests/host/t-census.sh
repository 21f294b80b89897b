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

# start NAME ARGS...: runs pt-occupancy ARGS held open, sets PID and EXPECT
start() {
	local out=$BUILD/$1.out
	shift
	"$BUILD/tests/pt-occupancy" "$@" <"$HOLD" >"$out" &
	PIDS+=($!)
	for _ in $(seq 200); do grep -q ready "$out" 2>/dev/null && break; sleep 0.1; done
	PID=$(awk '/ready/ {print $2}' "$out")
	EXPECT=$(grep expect "$out")
}
want() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$EXPECT"; }

start occ-base 0
base=$PID
start occ $N
pid=$PID
[ -n "$base" ] && [ -n "$pid" ] || { not_ok "pt-occupancy starts"; tap_done; }
echo "# built: $EXPECT"
thp=$(want thp) zero=$(want zero) fb=$(want thp_fallback) sw=$(want swapped_pages)
# what each bucket gains over the bare process (docs in pt-occupancy.c)
declare -A add=([0]=$N [1]=$((N + fb)) [2-15]=$N [16-127]=$((2 * N))
	[128-511]=$N [512]=$((2 * N)))
[ "$thp" = $N ] || echo "# THP gave $thp of $N blocks: $fb written blocks count in bucket 1"
[ "$sw" -gt 0 ] || echo "# no swap on this host: the swap shape's 40 pages stay present (same bucket)"

hist=()
for method in "" --pagemap; do
	name="show --exact ${method:-(PAGEMAP_SCAN)}"
	run "$PTWATCH" show "$base" --exact $method --json
	b=$OUT
	run "$PTWATCH" show "$pid" --exact $method --json
	expect_eq "$name exits 0" 0 "$RC"
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
	echo "# $name: $(jq -c '{occupancy, thp_deposited_tables, reclaimable_bytes, sparse_excess_bytes, waste_bytes}' <<<"$OUT")"
done
expect_eq "PAGEMAP_SCAN and pagemap give the same histogram, deposits, excess" "${hist[0]}" "${hist[1]}"

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
check "the table shows the occupancy bar line" grep -qE "^  occupancy +0:$((N + $(jq '.occupancy["0"]' <<<"$b"))) 1:" <<<"$OUT"
check "sparse excess over 1 MiB gets one line of advice" grep -q "^advice: .* sparse, not empty: .*docs/allocator-advice.md" <<<"$OUT"
run "$PTWATCH" show "$base" --exact
expect_eq "a small process gets no advice" 0 "$(grep -c '^advice:' <<<"$OUT")"

run "$PTWATCH" --no-daemon snapshot --json -n 3
expect_jq "snapshot without a daemon censuses the top processes" '.host.censused_processes >= 1'
expect_jq "the workload (largest estimate) has exact figures" \
	".processes[] | select(.pid == $pid) | .census_age_s != null and .reclaimable_bytes >= $((N * 4096))"
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
# (census.elapsed_s), best of 5 on a shared machine.
stop_all
start bench --bench 65536
best() { # METHOD: the fastest of 5 walks, in ms
	for _ in 1 2 3 4 5; do
		"$PTWATCH" show "$PID" --exact $1 --json | jq '.census.elapsed_s * 1000 | floor'
	done | sort -n | head -1
}
scan_ms=$(best "") pm_ms=$(best --pagemap)
run "$PTWATCH" show "$PID" --exact --json
expect_eq "the bench process has 32768 empty tables" 32768 "$(jq .empty_pte_tables <<<"$OUT")"
echo "# census of 65536 PTE tables (half empty): PAGEMAP_SCAN $scan_ms ms, pagemap $pm_ms ms (best of 5)"
if [ "$scan_ms" -lt 100 ]; then ok "PAGEMAP_SCAN census of 64k tables in under 100 ms ($scan_ms ms)"
else not_ok "PAGEMAP_SCAN census of 64k tables in under 100 ms" "took $scan_ms ms"; fi
# pagemap reads 8 bytes per page of every mapping: 256 MiB here; it refuses
# beyond 256 GiB of mappings, about twice this
if [ "$pm_ms" -lt 2000 ]; then ok "pagemap census of 64k tables (128 GiB mapped) in under 2 s ($pm_ms ms)"
else not_ok "pagemap census of 64k tables in under 2 s" "took $pm_ms ms"; fi
tap_done
