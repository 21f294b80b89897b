#!/bin/sh
# Runs inside the patched guest (tests/alloc/t-steady.sh, steady-bench.sh):
# the steady-state benchmark (docs/alloc-bench.md). Eight processes of
# real allocators, four churning a fixed working set (a) and four whose
# address space drifts (b), run SECONDS in each of three modes, same seed:
#   off      vm.pt_reclaim=0
#   kernel   vm.pt_reclaim=1, the kernel alone
#   daemon   vm.pt_reclaim=1 and ptwatchd's [free_tables] policy acting
# Every SAMPLE seconds each process's VmPTE, RSS, empty PTE tables (the
# census of `ptwatch reclaim pid --dry-run`), mallocs+frees so far, its
# CPU and ptwatchd's CPU are printed as "csv," lines for the host's report
# (by steady-sample, one observer process a mode).
#   guest-steady.sh SECONDS SAMPLE short|long
. "$(dirname "$0")/../kernel/guest-lib.sh"
SECONDS_RUN=$1 SAMPLE=$2 SCALE=$3
# churn keeps 48 MiB live; drift peaks at 192 MiB (its buffers use one
# page in 16, so about 60 MiB of it is resident). Each churn thread uses
# at most 5% of the one vCPU (--duty): the four churn processes 40%,
# drift's phases about as much over a day, more in its busy hours. A
# host that the workloads saturate would starve ptwatchd at its unit's
# Nice=10, and measure that rather than its policy.
MIB_churn=48 MIB_drift=192
SYSCTL=/proc/sys/vm/pt_reclaim
WORKLOADS="jemalloc|X=1|alloc-steady-jemalloc|
jemalloc-decay0|MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0|alloc-steady-jemalloc|
tcmalloc|X=1|alloc-steady-tcmalloc|--purge-ms 1000
glibc|X=1|alloc-steady-glibc|"
if [ "$SCALE" = long ]; then
	# ptwatchd's shipped [daemon] interval and [free_tables] cadence;
	# drift's days of 200 s: 72 s of busy hours, a night of 128 s
	INTERVAL=10s PINTERVAL=1m CONFIRM=20s DAY=200
else
	# the same shape, scaled to a short run: days of 60 s (20 s busy,
	# a night of 40 s: its first 16 s the busy hours' survivors still
	# live), a census every 10 s and its confirmation 4 s on,
	# so that a night holds two of each
	INTERVAL=2s PINTERVAL=10s CONFIRM=4s DAY=60
fi
args_churn="--duty 0.05" args_drift="--day-s $DAY"
mkdir -p /tmp/sd
cat > /tmp/steady.conf <<CONF
[daemon]
interval = $INTERVAL
state_dir = /tmp/sd
log = stderr
[metrics]
textfile_dir = /tmp/sd
[reclaim]
mode = report
# The sampler's census ranks the processes [free_tables] looks at: a
# process whose census found nothing is passed over until that census is
# taken again. Scaled like min_kib: these processes' estimated waste is
# far below the shipped 128 KiB (they would never be censused), and a
# census is taken again each process_interval, not each 5 minutes.
[census]
min_waste_kib = 4
max_age = $PINTERVAL
per_sample = 8
[free_tables]
mode = auto
dry_run = no
process_interval = $PINTERVAL
confirm_after = $CONFIRM
# Scaled to these processes (VmPTE 0.3-1 MiB each, 50 MB resident): the
# shipped 1 MiB is for production processes with MiBs to GiBs of tables,
# and none of these could ever reach it; at 64 KiB they rarely did (a run
# with it is in docs/alloc-bench.md). 4 KiB, one table: what is freed is
# what the evidence rule (confirm_after) lets through, and nothing else.
min_kib = 4
CONF
echo "# kernel $(uname -r); $SECONDS_RUN s per mode, a sample every $SAMPLE s;" \
	"ptwatchd interval $INTERVAL, process_interval $PINTERVAL, confirm_after $CONFIRM," \
	"min_kib 4; drift's days $DAY s"
echo "csv,mode,t,workload,pid,vmpte_kb,rss_kb,empty,ops,cpu_ms,cpu_ticks,daemon_ticks"

run_mode() { # MODE
	mode=$1 dpid=
	if [ $mode = off ]; then echo 0 > $SYSCTL; else echo 1 > $SYSCTL; fi
	if [ $mode = daemon ]; then
		rm -f /tmp/sd/*.prom
		ptwatchd --config /tmp/steady.conf --socket /tmp/sd/s 2> /tmp/sd.log &
		dpid=$!
		# at the unit's Nice=10 (systemd/ptwatchd.service)
		renice -n 10 -p $dpid > /dev/null
		i=0
		while ! grep -q started /tmp/sd.log && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
		grep -q started /tmp/sd.log || not_ok "$mode: ptwatchd starts" "$(tail -3 /tmp/sd.log)"
	fi
	mkdir -p /tmp/w-$mode
	for kind in churn drift; do
		echo "$WORKLOADS" | while IFS="|" read name envv bin arg; do
			# shellcheck disable=SC2086
			eval "mib=\$MIB_$kind kargs=\"\$args_$kind\""
			env "$envv" $bin $kind "$SECONDS_RUN" --mib $mib --seed 7 $kargs $arg \
				> /tmp/w-$mode/$kind-$name.out 2>&1 &
			echo "$!:$kind-$name" >> /tmp/pids-$mode
		done
	done
	# The observer (tests/alloc/steady-sample.c): one process for the
	# mode, above the workloads (nice -10) so that its samples are on
	# time and a census is not preempted by the churn it counts; it
	# costs the vCPU little (one exec, a census of eight processes).
	# (busybox has renice, not nice)
	# shellcheck disable=SC2046
	steady-sample $mode $SAMPLE $SECONDS_RUN "${dpid:-0}" /tmp/w-$mode \
		$(cat /tmp/pids-$mode) &
	spid=$!
	renice -n -10 -p $spid > /dev/null
	wait $spid || not_ok "$mode: steady-sample ran" "exit $?"
	# the workloads are the pipeline's children, not this shell's: wait
	# for them by pid (a deadline: 5 minutes past their end)
	i=0
	for pw in $(cat /tmp/pids-$mode); do
		pid=${pw%%:*}
		while [ -d /proc/$pid ] && [ $i -lt 600 ]; do sleep 0.5; i=$((i + 1)); done
	done
	bad=$(grep -L 'data_ok=1' /tmp/w-$mode/*.out)
	eq "$mode: all 8 workloads ran $SECONDS_RUN s and read their data back" \
		"$(echo "$bad" | grep -c .)" 0
	for f in $bad; do echo "#   $f: $(tail -2 $f | tr '\n' ' ')"; done
	if [ -n "$dpid" ]; then
		for m in sent_blocks refilled_blocks freed; do
			echo "metric,$m,$(awk -v k="ptwatch_free_tables_${m}_total" '$1 == k { print $2 }' /tmp/sd/*.prom)"
		done
		# what the policy made of each process it looked at, and its
		# last lines: why it sent what it sent (or nothing)
		grep -h '^ptwatch_free_tables_\(processes_total\|state\|budget\)' /tmp/sd/*.prom |
			sed 's/^/# ptwatchd metric: /'
		grep 'free_tables' /tmp/sd.log | tail -12 | sed 's/^/# ptwatchd: /'
		# per workload: what ptwatchd freed, the blocks it confirmed
		# (empty at two censuses) and, of those sent the time before,
		# how many were refilled by the next census
		for pw in $(cat /tmp/pids-$mode); do
			pid=${pw%%:*} wl=${pw#*:}
			grep "freed .* of pid $pid (" /tmp/sd.log | awk -v wl=$wl '
			{ for (i = 1; i <= NF; i++) {
				if ($i == "freed") t += $(i + 1)
				if ($i == "blocks" && $(i + 1) == "mapped") c += $(i - 1)
				if ($i == "sent" && $(i + 1) == "last") r += $(i - 4)
			  } n++ }
			END { printf "refill,%s,%d,%d,%d,%d\n", wl, n, t, c, r }'
		done
		kill $dpid
		i=0
		while [ -d /proc/$dpid ] && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
		if [ -d /proc/$dpid ]; then not_ok "$mode: ptwatchd stops on SIGTERM"; else ok "$mode: ptwatchd ran and stopped on SIGTERM"; fi
	fi
}

# THP madvise, not this kernel's always: with always, a sparse buffer's
# refault where a table was freed maps a 2 MiB THP, and whether one is
# there to take depends on the guest's history: glibc churn ran at half
# the mallocs per CPU-second, and modes differed by up to 30% for that
# alone (docs/alloc-bench.md). What freeing a table does under THP
# always is measured on its own (t-reclaim-pid, pt-thp-refault).
echo madvise > /sys/kernel/mm/transparent_hugepage/enabled
klog_mark
for mode in off kernel daemon; do
	run_mode $mode
done
echo 1 > $SYSCTL
klog_check "steady-state benchmark"
exit $fail
