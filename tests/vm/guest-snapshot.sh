#!/bin/sh
# Runs inside a guest (tests/vm/guest.sh): ptwatch snapshot and show --exact
# on a kernel with cgroup v2's memory controller. $1: expected census
# method (pagemap_scan on 6.7+, pagemap before).
want_method=$1
fail=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fail=1; }
t() { # t WHAT EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else no "$1 (expected $2, got $3)"; fi
}

echo +memory > /sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/app.slice
mkfifo /tmp/hold
# only the workload goes into app.slice, so its figures stay still
sh -c 'echo $$ > /sys/fs/cgroup/app.slice/cgroup.procs &&
	exec pt-shape 512 16' < /tmp/hold > /tmp/shape.out &
exec 9> /tmp/hold
i=0
while ! grep -q ready /tmp/shape.out 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
pid=$(awk '{print $2}' /tmp/shape.out)
[ -n "$pid" ] || { no "pt-shape starts"; exit 1; }

ptwatch snapshot --json > /tmp/snap.json || no "snapshot exits 0"
t "cgroup version is 2" 2 "$(jq .host.cgroup_version /tmp/snap.json)"
t "the workload's cgroup is /app.slice" '"/app.slice"' \
	"$(jq ".processes[] | select(.pid == $pid) | .cgroup" /tmp/snap.json)"
cg=$(jq -c '.cgroups[] | select(.path == "/app.slice")' /tmp/snap.json)
t "/app.slice page tables come from memory.stat" '"memory.stat"' "$(echo "$cg" | jq .source)"
t "/app.slice page_table_bytes is memory.stat pagetables" \
	"$(awk '$1 == "pagetables" {print $2}' /sys/fs/cgroup/app.slice/memory.stat)" \
	"$(echo "$cg" | jq .page_table_bytes)"
t "/app.slice holds the workload's waste" "$(jq ".processes[] | select(.pid == $pid) | .waste_bytes" /tmp/snap.json)" \
	"$(echo "$cg" | jq .waste_bytes)"
ptwatch show "$pid" --exact --json > /tmp/show.json || no "show --exact exits 0"
t "census method on $(uname -r)" "\"$want_method\"" "$(jq .census.method /tmp/show.json)"
t "census finds 512 empty PTE tables" 512 "$(jq .empty_pte_tables /tmp/show.json)"
t "page_table_bytes is VmPTE" "$(awk '/^VmPTE/ {print $2 * 1024}' /proc/$pid/status)" \
	"$(jq .page_table_bytes /tmp/show.json)"
echo "# estimate $(jq .waste_bytes /tmp/show.json) B, census $(jq .empty_pte_table_bytes /tmp/show.json) B"
ptwatch snapshot -n 3 | head -8
exec 9>&-
wait
echo "# guest verdict: fail=$fail"
exit $fail
