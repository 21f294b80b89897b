#!/bin/sh
# Inside a QEMU guest on the patched 6.12 kernel (t-vm-reclaim.sh): ptwatchd
# with the real /proc/sys/vm/pt_reclaim. A process leaves empty PTE tables
# while reclaim is off; the policy sees the waste and switches reclaim on;
# the next such process keeps no tables; a clean stop with
# rollback_on_exit puts the knob back. Prints TAP lines.
#   guest-reclaim.sh [HOLD]   (the madvise-hold program; default: from PATH)
HOLD=${1:-madvise-hold}
SYSCTL=/proc/sys/vm/pt_reclaim
R=/run/ptw
fail=0
ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; fail=1; }
wait_for() { # COMMAND SECONDS
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		eval "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

if ! command -v "$HOLD" >/dev/null; then
	not_ok "the workload $HOLD is in the guest"
	exit 1
fi
if [ ! -e $SYSCTL ]; then
	not_ok "vm.pt_reclaim exists on this kernel"
	exit 1
fi
mkdir -p $R
echo 0 >$SYSCTL
"$HOLD" 512 600 >/tmp/hold1 &
H1=$!
wait_for "grep -q ready /tmp/hold1" 60 || not_ok "$HOLD 512 is ready" "$(cat /tmp/hold1)"
cat >/tmp/c.conf <<CONF
[daemon]
interval = 300ms
state_dir = $R
log = stderr
bpf = yes
rollback_on_exit = yes
[metrics]
textfile_dir = /tmp
[reclaim]
mode = auto
dry_run = no
on_waste_percent = 0.02
off_waste_percent = 0.001
samples = 2
min_interval = 0
CONF
ptwatchd --config /tmp/c.conf --socket $R/s 2>/tmp/log &
D=$!
if wait_for "grep -q 'changed vm.pt_reclaim 0 -> 1: page-table waste' /tmp/log" 60; then
	ok "the policy switches vm.pt_reclaim on: $(grep -m1 'changed vm.pt_reclaim' /tmp/log | cut -c1-140)"
else
	not_ok "policy switches reclaim on" "$(tail -5 /tmp/log)"
fi
[ "$(cat $SYSCTL)" = 1 ] && ok "the kernel's knob is 1" || not_ok "knob is 1" "$(cat $SYSCTL)"
[ -s $R/knobs.json ] && grep -q '"original":0' $R/knobs.json &&
	ok "the original value 0 is saved in $R/knobs.json" ||
	not_ok "original saved" "$(cat $R/knobs.json 2>&1)"

st=$(ptwatch --socket $R/s reclaim status --json)
w1=$(echo "$st" | jq '.knobs[0].metric')
echo "# waste with reclaim off: $w1% of memory"
p1=$(ptwatch --socket $R/s snapshot --json | jq ".processes[] | select(.pid == $H1) | .waste_bytes")
if [ "${p1:-0}" -ge 900000 ] 2>/dev/null; then
	ok "512 MiB touched then MADV_DONTNEED with reclaim off: $p1 bytes of waste"
else
	not_ok "waste of the first process" "got '$p1'"
fi
"$HOLD" 512 600 >/tmp/hold2 &
H2=$!
wait_for "grep -q ready /tmp/hold2" 60
sleep 1
p2=$(ptwatch --socket $R/s snapshot --json | jq ".processes[] | select(.pid == $H2) | .page_table_bytes")
if [ -n "$p2" ] && [ "$p2" -lt 102400 ]; then
	ok "the same with reclaim on: VmPTE $p2 bytes (tables freed)"
else
	not_ok "VmPTE of the second process" "got '$p2'"
fi
probes=$(echo "$st" | jq -r '[.bpf.probes[]? | "\(.name)=\(.attach)"] | join(" ")')
echo "# probes: $probes"
echo "$probes" | grep -q 'pte_reclaim=[a-z]' && ! echo "$probes" | grep -q 'pte_reclaim=none' &&
	ok "the reclaim probe attached on the patched kernel" ||
	not_ok "reclaim probe attached" "$probes"
grep -q '^ptwatch_knob_value{knob="vm.pt_reclaim"} 1$' /tmp/ptwatch.prom &&
	ok "metrics show the knob at 1" || not_ok "metrics knob value" "$(grep knob_value /tmp/ptwatch.prom)"
kill -TERM $D
wait $D
rc=$?
[ $rc = 0 ] && ok "SIGTERM: exit 0" || not_ok "SIGTERM exit" "rc=$rc"
[ "$(cat $SYSCTL)" = 0 ] && grep -q 'rolled back vm.pt_reclaim 1 -> 0: rollback_on_exit' /tmp/log &&
	ok "rollback_on_exit restored vm.pt_reclaim to 0" ||
	not_ok "rollback on exit" "knob $(cat $SYSCTL)" "$(tail -3 /tmp/log)"
kill $H1 $H2
echo "# daemon log:"
sed 's/^/#   /' /tmp/log | cut -c1-200
exit $fail
