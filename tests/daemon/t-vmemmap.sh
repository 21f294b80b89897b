#!/usr/bin/env bash
# The HugeTLB vmemmap reporter and tuner on a sysfs and sysctl tree the
# test owns: 4096 huge pages of 2 MiB and 2 of 1 GiB; HVO frees 7 of 8
# struct-page pages per 2 MiB page (28 KiB) and 4095 of 4096 per 1 GiB page.
# ~3 s.
. "$(dirname "$0")/lib.sh"

make_sysctl
echo 0 >"$T/sys/vm/hugetlb_optimize_vmemmap"
for p in 2048:4096 1048576:2; do
	d="$T/sysfs/kernel/mm/hugepages/hugepages-${p%%:*}kB"
	mkdir -p "$d"
	echo "${p##*:}" >"$d/nr_hugepages"
done
write_conf "[daemon]" "sysfs_root = $T/sysfs" \
	"[hugetlb_vmemmap]" "mode = auto" "dry_run = no" "on_saving_mib = 64" \
	"samples = 2" "min_interval = 0"
start_listener
start_daemon
wait_for "grep -qx READY=1 $T/notify.log" 30
a=$(req '{"cmd":"status"}')
# 4096 * 28 KiB + 2 * (16 MiB - 4 KiB)
want=$((4096 * 28672 + 2 * (16777216 - 4096)))
jcheck "saving reported per pool and in total ($want bytes)" \
	".hugetlb.vmemmap_saving_bytes == $want and
	 ([.hugetlb.pools[] | select(.page_bytes == 2097152)][0].vmemmap_saving_bytes == 117440512)" "$a"
if wait_for "grep -q 'changed vm.hugetlb_optimize_vmemmap 0 -> 1: HugeTLB vmemmap saving 14[0-9] MiB >= 64 MiB for 2 samples (sysctl -w vm.hugetlb_optimize_vmemmap=1)' $T/log" 30; then
	ok "auto mode switches HVO on above on_saving_mib, logged with sysctl -w"
else
	not_ok "HVO switched on" "$(grep -i hugetlb "$T/log" | tail -3)"
fi
check "the knob is 1" [ "$(cat "$T/sys/vm/hugetlb_optimize_vmemmap")" = 1 ]
wait_for "grep -q 'ptwatch_knob_value{knob=\"vm.hugetlb_optimize_vmemmap\"} 1' $T/prom/ptwatch.prom" 30
check "metrics: saving per page size" \
	grep -qx 'ptwatch_hugetlb_vmemmap_saving_bytes{page_size="1073741824"} 33546240' "$T/prom/ptwatch.prom"
check "vm.pt_reclaim is untouched (its policy is a dry run)" [ "$(cat "$T/sys/vm/pt_reclaim")" = 0 ]
stop_daemon
expect_eq "clean exit" 0 "$STOP_RC"
tap_done
