#!/usr/bin/env bash
# ptwatch snapshot / show / top on this host, against a workload whose
# page-table shape is known: 512 PTE tables that map nothing, 16 full ones.
. "$(dirname "$0")/../lib/tap.sh"
EMPTY=512 FULL=16
WASTE_BOUND=$((64 * 1024)) # docs/waste-model.md: estimate vs census

fifo=$(mktemp -u) && mkfifo "$fifo"
"$BUILD/tests/pt-shape" $EMPTY $FULL <"$fifo" >"$fifo.out" &
exec 9>"$fifo" # holds the workload's stdin open until the end
trap 'exec 9>&-; wait; rm -f "$fifo" "$fifo.out"' EXIT
for _ in $(seq 50); do grep -q ready "$fifo.out" 2>/dev/null && break; sleep 0.1; done
pid=$(awk '/ready/ {print $2}' "$fifo.out")
[ -n "$pid" ] || { not_ok "workload pt-shape starts"; tap_done; }

vmpte_kb=$(awk '/^VmPTE/ {print $2}' /proc/$pid/status)
for method in "" --pagemap; do
	run "$PTWATCH" show "$pid" --exact $method --json
	name="show --exact ${method:-(PAGEMAP_SCAN)}"
	expect_eq "$name exits 0" 0 "$RC"
	expect_eq "$name finds exactly $EMPTY empty PTE tables" $EMPTY \
		"$(jq .empty_pte_tables <<<"$OUT")"
	expect_eq "$name: page_table_bytes is the kernel's VmPTE" \
		$((vmpte_kb * 1024)) "$(jq .page_table_bytes <<<"$OUT")"
	expect_eq "$name: tables add up to VmPTE" $((vmpte_kb / 4)) \
		"$(jq '.pte_tables + .census.pmd_tables + .census.pud_tables' <<<"$OUT")"
	echo "# census: $(jq -c '{method: .census.method, pte_tables, used_pte_tables, empty_pte_tables}' <<<"$OUT")"
done
expect_within "estimated waste is within 64 KiB of the census" \
	$((EMPTY * 4096)) "$(jq .waste_bytes <<<"$OUT")" $WASTE_BOUND
echo "# estimate $(jq .waste_bytes <<<"$OUT") B, census $((EMPTY * 4096)) B"

# Other processes (compilers, guests) change PageTables by hundreds of KiB
# between two reads, so the snapshot's figure must fall between a reading
# just before and one just after it (+-256 KiB for ptwatch's own tables);
# a busy host gets five tries.
meminfo() { awk '/^PageTables/ {print $2 * 1024}' /proc/meminfo; }
for try in 1 2 3 4 5; do
	before=$(meminfo)
	run "$PTWATCH" snapshot --json
	after=$(meminfo)
	got=$(jq .host.page_tables_bytes <<<"$OUT")
	lo=$((before < after ? before : after)) hi=$((before > after ? before : after))
	[ "$got" -ge $((lo - 262144)) ] && [ "$got" -le $((hi + 262144)) ] && break
done
expect_eq "snapshot --json exits 0" 0 "$RC"
if [ "$got" -ge $((lo - 262144)) ] && [ "$got" -le $((hi + 262144)) ]; then
	ok "host page_tables_bytes matches /proc/meminfo ($got in [$before, $after], try $try)"
else
	not_ok "host page_tables_bytes matches /proc/meminfo" "got $got, meminfo $before then $after"
fi
expect_eq "host kernel is uname -r" "$(uname -r)" "$(jq -r .host.kernel <<<"$OUT")"
proc=$(jq -c ".processes[] | select(.pid == $pid)" <<<"$OUT")
expect_eq "the workload is listed with its comm" '"pt-shape"' "$(jq .comm <<<"$proc")"
# Other processes may waste more on a busy host: the workload must show at
# least the 2 MiB the census counts, and the order is checked below.
expect_jq "the workload's estimated waste is at least its $EMPTY empty tables" \
	".processes[] | select(.pid == $pid) | .waste_bytes >= $((EMPTY * 4096))"
expect_jq "every process object has the documented keys" '[.processes[] |
	has("pid","comm","cgroup","rss_bytes","swap_bytes","page_table_bytes",
	    "needed_page_table_bytes","waste_bytes")] | all'
expect_jq "waste is never negative and never above page tables" '[.processes[] |
	.waste_bytes >= 0 and .waste_bytes <= .page_table_bytes] | all'
expect_jq "processes are sorted by waste" '[.processes[].waste_bytes] as $w |
	$w == ($w | sort | reverse)'
expect_eq "the root cgroup's waste is the host's" \
	"$(jq .host.waste_bytes <<<"$OUT")" \
	"$(jq '.cgroups[] | select(.path == "/") | .waste_bytes' <<<"$OUT")"
cg=$(jq -r .cgroup <<<"$proc")
expect_jq "the workload's cgroup ($cg) holds at least its waste" '[.cgroups[] | select(.path == $p) | .waste_bytes >= $w] | any' \
	--arg p "$cg" --argjson w "$(jq .waste_bytes <<<"$proc")"

# Without a daemon ptwatch reads the kernel itself: through the task
# iterator where it loads (docs/bpf-iter.md), else procfs with one line
# saying why; the "source" says which.
own_src=bpf-iter
if [ "$(id -u)" != 0 ]; then own_src=procfs; fi
run "$PTWATCH" --no-daemon snapshot --json -n 1
expect_eq "with no daemon, snapshot reads the kernel itself and says so" \
	"0 \"$own_src\" " "$RC $(jq .source <<<"$OUT") $ERR"
# A socket named with --socket must answer: no silent fallback (exit 6).
run "$PTWATCH" --socket "$BUILD/no-such.sock" snapshot --json -n 1
expect_eq "a --socket that is not there: exit 6, one line, nothing on stdout" \
	"6 1 0" "$RC $(grep -c . <<<"$ERR") ${#OUT}"
touch "$BUILD/regular.sock"
run "$PTWATCH" --socket "$BUILD/regular.sock" snapshot
expect_eq "a --socket that is a regular file: exit 6 ($ERR)" 6 "$RC"
rm -f "$BUILD/regular.sock"
# A "daemon" that answers garbage: one warning line, then procfs.
bad=$BUILD/garbage.sock
rm -f "$bad"
python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
for _ in range(4):
    c, _ = s.accept(); c.recv(4096); c.sendall(b"garbage{"); c.close()' "$bad" &
garbage=$!
for _ in $(seq 50); do [ -S "$bad" ] && break; sleep 0.1; done
run "$PTWATCH" --socket "$bad" snapshot --json -n 1
expect_eq "a daemon that answers garbage: exit 6 and one line" \
	"6 1" "$RC $(grep -c . <<<"$ERR")"
kill $garbage 2>/dev/null; wait $garbage 2>/dev/null; rm -f "$bad"

run "$PTWATCH" snapshot --json -n 3 --sort pte
expect_eq "-n 3 lists three processes" 3 "$(jq '.processes | length' <<<"$OUT")"
expect_jq "--sort pte orders by page_table_bytes" '[.processes[].page_table_bytes] as $w |
	$w == ($w | sort | reverse)'

run "$PTWATCH" snapshot -n 5
check "the table shows the workload's row" grep -qE "^ *$pid +pt-shape " <<<"$OUT"
check "the table has a host line" grep -q "^host $(uname -r): page tables" <<<"$OUT"

run "$PTWATCH" top --json -d 0.2 --iterations 2 --rows 5
expect_eq "top --iterations 2 prints two frames" 2 "$(wc -l <<<"$OUT")"
expect_jq "the second frame carries rates" \
	'.[1].processes[0] | has("waste_bytes_per_second")' -s
run "$PTWATCH" top --once --rows 2
expect_eq "top --once prints one table" 1 "$(grep -c "^host " <<<"$OUT")"

# Readers need no root: an unprivileged user sees every process.
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTWATCH" snapshot --json
expect_eq "an unprivileged user can take a snapshot" 0 "$RC"
expect_jq "and sees the root-owned workload" ".processes | any(.pid == $pid)"
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTWATCH" show "$pid" --exact
expect_eq "--exact on another user's process exits 4" 4 "$RC"
expect_eq "with one line on stderr" 1 "$(grep -c . <<<"$ERR")"
tap_done
