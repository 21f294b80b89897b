#!/bin/sh
# Inside the patched guest (guest-reclaim-pid.sh, t-reclaim-pid.sh): a
# process too large to census (docs/daemon.md, "One million tables").
#   guest-sweep.sh EMPTY ONE
# Two processes of the same shape (pt-shape: EMPTY empty tables, ONE
# tables that keep their last page): `ptwatch reclaim pid` frees the first
# through the census, `--no-census` the second by sending every block; the
# cost per table of each way is printed (BENCH). Then ptwatchd with
# sweep_above below the shape's size and a 5 ms budget sweeps a third one
# a slice per sample: all its empty tables go, the others stay.
. "$(dirname "$0")/guest-lib.sh"
E=$1 U=$2
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' /proc/$1/status; }
start_shape() { # -> SPID
	rm -f /tmp/sw.go /tmp/sw.out
	mkfifo /tmp/sw.go
	pt-shape "$E" 0 "$U" < /tmp/sw.go > /tmp/sw.out &
	SPID=$!
	exec 4> /tmp/sw.go
	i=0
	while ! grep -q '^ready' /tmp/sw.out && [ $i -lt 600 ]; do sleep 1; i=$((i + 1)); done
}
stop_shape() { exec 4>&-; wait $SPID; }
for way in census no-census; do
	start_shape
	before=$(status_kb $SPID VmPTE)
	census_ms=$(ptwatch show $SPID --exact --json | jq '.census.elapsed_s * 1000 | floor')
	flag=; [ $way = no-census ] && flag=--no-census
	ptwatch reclaim pid $SPID $flag --json --reason "sweep test" > /tmp/sw.json
	eq "$way: ptwatch reclaim pid exits 0" "$?" 0
	freed=$(jq -r '.processes[0].tables_freed' /tmp/sw.json)
	ms=$(jq -r '.processes[0].elapsed_ms | floor' /tmp/sw.json)
	eq "$way: all $E empty tables freed, the $U in use kept" "$freed" "$E"
	eq "$way: VmPTE drops by exactly those" $((before - $(status_kb $SPID VmPTE))) $((E * 4))
	# the census way: a census, the sends, and a census after (the CLI
	# says what is left; the daemon skips that one); census_ms is one
	# census alone, of the same shape
	echo "BENCH sweep_${way}: blocks=$((E + U)) elapsed_ms=$ms ns_per_block=$((ms * 1000000 / (E + U))) one_census_ms=$census_ms"
	stop_shape
done

mkdir -p /tmp/swd
cat > /tmp/swd.conf <<CONF
[daemon]
interval = 1s
state_dir = /tmp/swd
log = stderr
bpf = no
[metrics]
textfile_dir = /tmp/swd
[reclaim]
mode = report
[free_tables]
mode = auto
dry_run = no
min_kib = 4
cpu_budget_ms = 5
sweep_above = 1024
CONF
start_shape
before=$(status_kb $SPID VmPTE)
ptwatchd --config /tmp/swd.conf --socket /tmp/swd/s 2> /tmp/swd.log &
DPID=$!
i=0
while ! grep -q "freed .* of pid $SPID .*swept" /tmp/swd.log && [ $i -lt 600 ]; do sleep 0.5; i=$((i + 1)); done
prom() { awk -v k="$1" '$1 == k { print $2 }' /tmp/swd/ptwatch.prom; }
if grep -q "freed .* of pid $SPID .*swept" /tmp/swd.log; then
	ok "ptwatchd swept pid $SPID: $(grep -o "freed [0-9]* empty PTE tables ([0-9]* KiB) of pid $SPID" /tmp/swd.log | tail -1)"
else
	not_ok "ptwatchd sweeps a process above sweep_above" "$(tail -5 /tmp/swd.log)"
fi
eq "the sweep freed all $E empty tables and kept the $U in use" \
	$((before - $(status_kb $SPID VmPTE))) $((E * 4))
slices=$(prom ptwatch_free_tables_budget_exhausted_total)
echo "BENCH sweep_daemon_samples_over_budget=${slices:-0} cpu_s=$(prom ptwatch_free_tables_cpu_seconds_total)"
ge "the sweep went on across samples (budget 5 ms)" "${slices:-0}" 1
kill $DPID
wait $DPID
stop_shape
exit $fail
