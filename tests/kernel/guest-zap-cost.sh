#!/bin/sh
# Inside a guest (tests/kernel/zap-cost.sh): the zap path's cost with the
# zap_pte_table event off, as zap-bench's order-0 teardown measures it:
# ROUNDS runs of `zap-bench 4k MIB`, then the median MADV_DONTNEED and
# munmap ns per GiB as one BENCH line.
#   guest-zap-cost.sh [MIB] [ROUNDS]   (256, 9)
MIB=${1:-256}
ROUNDS=${2:-9}
echo 0 > /sys/kernel/tracing/events/pagetable/zap_pte_table/enable 2>/dev/null
: > /tmp/zc
i=0
while [ $i -lt "$ROUNDS" ]; do
	zap-bench 4k "$MIB" > /tmp/zb || { echo "not ok - zap-bench 4k $MIB exits 0"; exit 1; }
	echo "$(sed -n 's/^dontneed_ns_per_gib=//p' /tmp/zb) $(sed -n 's/^munmap_ns_per_gib=//p' /tmp/zb)" >> /tmp/zc
	i=$((i + 1))
done
med() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "BENCH zap-cost kernel=$(uname -r) mib=$MIB rounds=$ROUNDS" \
	"dontneed_ns_per_gib=$(cut -d' ' -f1 /tmp/zc | med)" \
	"munmap_ns_per_gib=$(cut -d' ' -f2 /tmp/zc | med)"
echo "ok - zap-bench 4k ran $ROUNDS times"
