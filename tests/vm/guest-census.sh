#!/bin/sh
# Runs inside a guest (tests/vm/guest.sh): the occupancy census of
# pt-occupancy N, the same process before and after it builds its shapes
# (so the figures are its region's alone, whatever the layout: issue 22),
# every bucket exact, through
# every census method the kernel has (PAGEMAP_SCAN on 6.7+, pagemap always)
# with the same histogram. $1: N; $2: "swap" to page out to /dev/ram0
# first (the patched kernel's brd disk), "" for none.
n=$1 want_swap=$2
fail=0
count=0 # the trailing plan, 1..count
ok() { echo "ok - $*"; count=$((count + 1)); }
no() { echo "not ok - $*"; fail=1; count=$((count + 1)); }
t() { if [ "$2" = "$3" ]; then ok "$1"; else no "$1 (expected $2, got $3)"; fi; }

if [ "$want_swap" = swap ]; then
	if [ -b /dev/ram0 ] && mkswap /dev/ram0 >/dev/null && swapon /dev/ram0; then
		ok "swap on /dev/ram0 ($(awk '/ram0/ {print $3}' /proc/swaps) kB)"
	else
		no "swap on /dev/ram0"
		want_swap=
	fi
fi
mkfifo /tmp/hold
exec 9<>/tmp/hold
pt-occupancy "$n" </tmp/hold >/tmp/occ.out &
# wait_line WORD: polls for the workload's line (generous under TCG)
wait_line() {
	i=0
	while ! grep -q "^$1 " /tmp/occ.out 2>/dev/null; do
		[ $i -lt 1200 ] || return 1
		sleep 0.1; i=$((i + 1))
	done
	echo "# pt-occupancy said $1 after $((i / 10)) s"
}
wait_line base || { no "pt-occupancy starts (says base within 120 s)"; exit 1; }
pid=$(awk '/^base/ {print $2}' /tmp/occ.out)
# the census path: PAGEMAP_SCAN from 6.7 on, else pagemap only
kver=$(uname -r | awk -F. '{print $1 * 1000 + $2}')
ptwatch show "$pid" --exact --json >/tmp/m.json || no "show --exact exits 0"
if [ "$kver" -ge 6007 ]; then
	methods="pagemap_scan pagemap"
else
	methods=pagemap
fi
t "default census path on $(uname -r)" "${methods%% *}" "$(jq -r .census.method /tmp/m.json)"
for m in $methods; do
	flag=; [ "$m" = pagemap ] && flag=--pagemap
	ptwatch show "$pid" --exact $flag --json >"/tmp/b.$m.json" || no "[$m] show before the build exits 0"
done
kill -USR1 "$pid"
wait_line ready || { no "pt-occupancy builds its shapes (says ready within 120 s)"; exit 1; }
echo "# built: $(grep expect /tmp/occ.out)"
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" /tmp/occ.out; }
thp=$(get thp) zero=$(get zero) fb=$(get thp_fallback) sw=$(get swapped_pages)
if [ "$want_swap" = swap ]; then
	t "all $((40 * n)) pages of the swap shape were paged out" $((40 * n)) "$sw"
else
	echo "# no swap device in this guest (Debian's cloud kernel, no modules): the swap shape stays present, same bucket"
fi
for m in $methods; do
	flag=; [ "$m" = pagemap ] && flag=--pagemap
	cp "/tmp/b.$m.json" /tmp/b.json
	ptwatch show "$pid" --exact $flag --json >/tmp/o.json || no "[$m] show exits 0"
	t "[$m] census method" "\"$m\"" "$(jq .census.method /tmp/o.json)"
	for kv in 0:$n 1:$((n + fb)) 2-15:$n 16-127:$((2 * n)) 128-511:$n 512:$((2 * n)); do
		k=${kv%%:*} v=${kv#*:}
		t "[$m] bucket $k holds the $v tables built for it" "$v" \
			"$(( $(jq ".occupancy[\"$k\"]" /tmp/o.json) - $(jq ".occupancy[\"$k\"]" /tmp/b.json) ))"
	done
	t "[$m] $thp THP and $zero huge-zero-page blocks keep a deposited table each" $((thp + zero)) \
		"$(( $(jq .thp_deposited_tables /tmp/o.json) - $(jq .thp_deposited_tables /tmp/b.json) ))"
	jq -c '[.occupancy, .thp_deposited_tables, .sparse_excess_bytes, .reclaimable_bytes]' /tmp/o.json >"/tmp/h.$m"
	echo "# [$m] $(cat "/tmp/h.$m")"
done
if [ "$methods" = pagemap ]; then
	ok "PAGEMAP_SCAN and pagemap give the same figures # SKIP kernel $(uname -r) has no PAGEMAP_SCAN (6.7+)"
else
	t "PAGEMAP_SCAN and pagemap give the same figures" \
		"$(cat /tmp/h.pagemap_scan)" "$(cat /tmp/h.pagemap)"
fi
exec 9>&-
echo "# guest verdict: fail=$fail"
echo "1..$count"
exit $fail
