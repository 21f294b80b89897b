# Runs inside the patched 6.12 kernel (kernel-patches/, via guest.sh): the
# full view. The zap probe takes pagetable:zap_pte_table (one event per PTE
# table: PTEs cleared, batch sizes, reclaim that found the table in use),
# reclaim is counted by fentry on pt_reclaim_free_pte, and with tracepoints
# only (fentry and kprobes denied) every probe still attaches. Prints TAP
# lines.
. /ptwatch/tests/vm/bpf-lib.sh
N=200
out=/tmp/bpf
mkdir -p $out
w='.processes[] | select(.comm == "bpf-ptload")'

ptwatch status --json >$out/status.json
check "ptwatch status --json exits 0" [ $? = 0 ]
echo "# ptwatch status:"
ptwatch status | sed 's/^/#   /'
check "status: PTE-table reclaim is the patched sysctl, on" \
	jqt $out/status.json '.kernel.pt_reclaim.mode == "sysctl" and
		.kernel.pt_reclaim.sysctl == "vm.pt_reclaim" and .kernel.pt_reclaim.value == 1'
bpf_check_probe_shape $out/status.json
check "zap probe takes pagetable:zap_pte_table (full view, no fallback)" \
	jqt $out/status.json '.probes[] | select(.name == "zap_pte_range") |
		.attach == "tracepoint" and .target == "pagetable:zap_pte_table" and
		.fallback == false and .verified == true'
check "pte_reclaim attaches by fentry to pt_reclaim_free_pte, nothing passed over" \
	jqt $out/status.json '.probes[] | select(.name == "pte_reclaim") |
		.attach == "fentry" and .target == "pt_reclaim_free_pte" and
		.fallback == false and .verified == true and .note == null'
# x86's ident_map.c keeps a static free_pte; whether it is listed depends
# on the compiler inlining it. Either way the series' function is unique.
echo "# kallsyms: $(grep -c ' [tT] pt_reclaim_free_pte$' /proc/kallsyms) pt_reclaim_free_pte, $(grep -c ' [tT] free_pte$' /proc/kallsyms) free_pte"
check "status text shows pte_reclaim by fentry on pt_reclaim_free_pte" \
	sh -c "ptwatch status | grep -q '^pte_reclaim  *fentry  *pt_reclaim_free_pte\$'"
check "pmd_install and free_pgtables attach" \
	jqt $out/status.json '[.probes[] | select(.name | IN("pmd_install","free_pgtables")) |
		.attach != "none"] == [true, true]'

# Reclaim on: each chunk's table goes at MADV_DONTNEED, not at munmap.
bpf_record_workload $N $out/rec.json
check "reclaim on: record exits 0" [ "$(cat $out/rec.json.rc)" = 0 ]
check "reclaim on: $N PTE tables reclaimed (tolerance +4)" \
	jqt $out/rec.json "$w | .pte_tables_reclaimed >= $N and .pte_tables_reclaimed <= $N + 4"
check "reclaim on: few tables left for munmap/exit to free (< 40)" \
	jqt $out/rec.json "$w | .pte_tables_freed < 40"
check "reclaim on: $N PTE tables installed (tolerance +16)" \
	jqt $out/rec.json "$w | .pte_tables_installed >= $N and .pte_tables_installed <= $N + 16"
check "PTEs zapped: at least the $N touched pages, in batches of one" \
	jqt $out/rec.json "$w | .ptes_zapped >= $N and .zap_batch_histogram[\"1\"] >= $N"
check "order-0 memory: no batch of more than one PTE" \
	jqt $out/rec.json "$w | [.zap_batch_histogram | to_entries[] |
		select(.key != \"1\") | .value] | add == 0"
check "reclaim on: at least $N PTE tables zapped, none found busy" \
	jqt $out/rec.json "$w | .zap_pte_tables >= $N and .pte_reclaim_busy == 0"
check "zap calls/bytes are null when the tracepoint gives the full view" \
	jqt $out/rec.json "$w | .zap_calls == null and .zap_bytes == null"
check "madvise: $N DONTNEED calls of 2 MiB" \
	jqt $out/rec.json "$w | .madvise_dontneed_calls == $N and
		.madvise_dontneed_bytes == $N * 2097152"
echo "# reclaim on:"
jq -c "$w" $out/rec.json | sed 's/^/#   /'

# Large folios: with 64 KiB mTHP on (and PMD THP off, so no range is
# PMD-mapped instead), busybox dd's 8 MiB buffer is faulted in as 64 KiB
# folios, and its exit zaps each as one batch of 16 PTEs: histogram slot
# 16-31, the slot the order-0 checks above never reach. 128 folios fit,
# at most one lost at each end of the unaligned buffer.
thp=/sys/kernel/mm/transparent_hugepage
if [ -w $thp/hugepages-64kB/enabled ]; then
	top=$(sed 's/.*\[\(.*\)\].*/\1/' $thp/enabled)
	echo never >$thp/enabled
	echo always >$thp/hugepages-64kB/enabled
	bpf_record_cmd $out/rec-64k.json dd if=/dev/zero of=/dev/null bs=8M count=1
	echo never >$thp/hugepages-64kB/enabled
	echo "$top" >$thp/enabled
	d='.processes[] | select(.comm == "dd")'
	check "64 KiB folios: dd's exit zaps them in batches of 16 (126 of 128 at least)" \
		jqt $out/rec-64k.json "$d | .zap_batch_histogram[\"16-31\"] >= 126 and
			.ptes_zapped >= 126 * 16"
	echo "# 64 KiB folios:"
	jq -c "$d" $out/rec-64k.json | sed 's/^/#   /'
	grep . $thp/hugepages-64kB/stats/anon_fault_alloc \
		$thp/hugepages-64kB/stats/anon_fault_fallback 2>/dev/null | sed 's/^/# /'
else
	bpf_skip "64 KiB folios zapped in batches of 16" "no $thp/hugepages-64kB (mTHP)"
fi

# Reclaim off: the tables stay until munmap frees them.
echo 0 >/proc/sys/vm/pt_reclaim
check "status shows vm.pt_reclaim = 0" \
	sh -c "ptwatch status --json | jq -e '.kernel.pt_reclaim.value == 0' >/dev/null"
bpf_record_workload $N $out/rec-off.json
check "reclaim off: no table reclaimed" \
	jqt $out/rec-off.json "$w | .pte_tables_reclaimed == 0"
check "reclaim off: $N page tables freed by munmap (tolerance +40)" \
	jqt $out/rec-off.json "$w | .pte_tables_freed >= $N and .pte_tables_freed <= $N + 40"
check "reclaim off: each table zapped twice (MADV_DONTNEED, then munmap walks it empty)" \
	jqt $out/rec-off.json "$w | .zap_pte_tables >= 2 * $N and .pte_reclaim_busy == 0"
echo "# reclaim off:"
jq -c "$w" $out/rec-off.json | sed 's/^/#   /'
echo 1 >/proc/sys/vm/pt_reclaim

# Tracepoints only: the series' events stand in for fentry and kprobes.
export PTWATCH_BPF_DENY=fentry,kprobe
ptwatch status --json >$out/status-tp.json
check "tracepoints only: pmd_install, free_pgtables, pte_reclaim take pagetable:*" \
	jqt $out/status-tp.json '[.probes[] | select(.name | IN("pmd_install","free_pgtables","pte_reclaim")) |
		.target] == ["pagetable:pte_table_install","pagetable:pte_table_free","pagetable:pte_table_free"]'
check "tracepoints only: pte_reclaim says why pt_reclaim_free_pte was passed over" \
	jqt $out/status-tp.json '.probes[] | select(.name == "pte_reclaim") |
		.note | test("fentry pt_reclaim_free_pte: denied by PTWATCH_BPF_DENY")'
check "tracepoints only: madvise falls back to syscalls:sys_enter_madvise" \
	jqt $out/status-tp.json '.probes[] | select(.name == "madvise") |
		.attach == "tracepoint" and .target == "syscalls:sys_enter_madvise"'
bpf_record_workload $N $out/rec-tp.json
check "tracepoints only: madvise still counts $N DONTNEED calls of 2 MiB" \
	jqt $out/rec-tp.json "$w | .madvise_dontneed_calls == $N and
		.madvise_dontneed_bytes == $N * 2097152"
check "tracepoints only: $N tables installed, $N reclaimed" \
	jqt $out/rec-tp.json "$w | .pte_tables_installed >= $N and .pte_tables_installed <= $N + 16 and
		.pte_tables_reclaimed >= $N and .pte_tables_reclaimed <= $N + 4"
check "tracepoints only: unmap frees counted apart from reclaim (< 40)" \
	jqt $out/rec-tp.json "$w | .pte_tables_freed < 40"
echo "# tracepoints only:"
jq -c "$w" $out/rec-tp.json | sed 's/^/#   /'

# A shmem THP collapse retracts PTE tables (pte_table_free reason 2,
# "collapse"): freed, not reclaimed. Once collapsed, the blocks are
# PMD-mapped and exit frees no PTE table of theirs, so only the collapse
# frees can reach C.
C=32
c='.processes[] | select(.comm == "pt-collapse")'
bpf_record_cmd $out/rec-collapse.json pt-collapse $C
check "collapse: pt-collapse collapsed its $C shmem blocks" \
	sh -c "[ \"\$(cat $out/rec-collapse.json.wrc)\" = 0 ] &&
		grep -qx 'collapsed=$C' $out/rec-collapse.json.workload"
check "collapse: $C PTE tables freed, none reclaimed" \
	jqt $out/rec-collapse.json "$c | .pte_tables_freed >= $C and .pte_tables_reclaimed == 0"
check "collapse: installs and frees balance (within 16: exec's copy of the shell's mm)" \
	jqt $out/rec-collapse.json "$c | (.pte_tables_installed - .pte_tables_freed) as \$d |
		.pte_tables_installed >= $C and \$d <= 16 and \$d >= -16"
echo "# collapse, tracepoints only:"
jq -c "$c" $out/rec-collapse.json | sed 's/^/#   /'
unset PTWATCH_BPF_DENY
bpf_done
