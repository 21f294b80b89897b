# Guest side of tests/vm/bench-overhead.sh. Runs the fault loop in blocks
# of two rounds, alternating without and with `ptwatch record` attached
# (off off on on off off ...: each state is measured both before and after
# the other, so a drift cancels), in one boot. Prints every round, the
# medians, the slowdown, and the probes' own CPU time from the kernel's BPF
# run-time statistics. Arguments: THREADS SECONDS BLOCKS.
threads=${1:-2} secs=${2:-1} blocks=${3:-4}
out=/tmp/bench
mkdir -p $out

rate() { bpf-faultloop "$threads" "$secs" | sed -n 's/^loops_per_s //p'; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "# kernel $(uname -r), $threads threads, rounds of $secs s, $blocks blocks each way"
ptwatch status | sed -n '/^PROBE/,$p' | grep -v '^ *note:\|^ *why:' | sed 's/^/# /'
sysctl -w kernel.bpf_stats_enabled=1 >/dev/null
rate >/dev/null # warm up
: >$out/off
: >$out/on
: >$out/share
b=0
while [ $b -lt "$blocks" ]; do
	for i in 1 2; do r=$(rate); echo "$r" >>$out/off; echo "# off $r loops/s"; done
	# A fresh file: the last block's "recording" line must not count.
	rm -f $out/rec.err
	ptwatch record -d 100000 >/dev/null 2>$out/rec.err &
	rec=$!
	while ! grep -q '^ptwatch: recording' $out/rec.err 2>/dev/null; do sleep 0.1; done
	ns0=$(bpftool prog show -j | jq '[.[] | .run_time_ns // 0] | add')
	for i in 1 2; do p=$(rate); echo "$p" >>$out/on; echo "# on  $p loops/s"; done
	# The probes' own run time while the loop ran (the fentry trampolines
	# around them are not included).
	ns=$(bpftool prog show -j | jq '[.[] | .run_time_ns // 0] | add')
	cnt=$(bpftool prog show -j | jq '[.[] | .run_cnt // 0] | add')
	echo "$ns $ns0 $threads $secs" |
		awk '{printf "%.4f\n", ($1-$2)/($3*$4*2*1e9)*100}' >>$out/share
	echo "# probes ran $cnt times, $((ns - ns0)) ns during the two rounds"
	kill -INT $rec
	wait $rec
	b=$((b + 1))
done
off=$(median <$out/off)
on=$(median <$out/on)
echo "BENCH without=$off with=$on bpf_cpu_share=$(median <$out/share)%" |
	awk '{split($2,a,"="); split($3,b,"="); printf "%s slowdown=%.2f%% ratio=%.4f\n", $0, (a[2]-b[2])/a[2]*100, a[2]/b[2]}'
