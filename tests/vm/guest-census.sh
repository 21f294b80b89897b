#!/bin/sh
# Runs inside a guest (tests/vm/guest.sh): the occupancy census of
# pt-occupancy N against the bare process, every bucket exact, through
# every census method the kernel has (PAGEMAP_SCAN on 6.7+, pagemap always)
# with the same histogram. $1: N; $2: "swap" to page out to /dev/ram0
# first (the patched kernel's brd disk), "" for none.
n=$1 want_swap=$2
fail=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fail=1; }
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
pt-occupancy 0 </tmp/hold >/tmp/base.out &
pt-occupancy "$n" </tmp/hold >/tmp/occ.out &
i=0
while ! grep -q ready /tmp/occ.out 2>/dev/null || ! grep -q ready /tmp/base.out 2>/dev/null; do
	[ $i -lt 600 ] || break
	sleep 0.1; i=$((i + 1))
done
base=$(awk '/ready/ {print $2}' /tmp/base.out)
pid=$(awk '/ready/ {print $2}' /tmp/occ.out)
[ -n "$pid" ] && [ -n "$base" ] || { no "pt-occupancy starts"; exit 1; }
echo "# built: $(grep expect /tmp/occ.out)"
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" /tmp/occ.out; }
thp=$(get thp) zero=$(get zero) fb=$(get thp_fallback) sw=$(get swapped_pages)
if [ "$want_swap" = swap ]; then
	t "all $((40 * n)) pages of the swap shape were paged out" $((40 * n)) "$sw"
else
	echo "# no swap device in this guest (Debian's cloud kernel, no modules): the swap shape stays present, same bucket"
fi
methods=pagemap
ptwatch show "$pid" --exact --json >/tmp/m.json &&
	[ "$(jq -r .census.method /tmp/m.json)" = pagemap_scan ] && methods="pagemap_scan pagemap"
for m in $methods; do
	flag=; [ "$m" = pagemap ] && flag=--pagemap
	ptwatch show "$base" --exact $flag --json >/tmp/b.json || no "[$m] show base exits 0"
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
[ "$methods" = pagemap ] || t "PAGEMAP_SCAN and pagemap give the same figures" \
	"$(cat /tmp/h.pagemap_scan)" "$(cat /tmp/h.pagemap)"
exec 9>&-
echo "# guest verdict: fail=$fail"
exit $fail
