# Runs inside the patched 6.12 kernel (kernel-patches/, via guest.sh): the
# full view. The zap probe takes pagetable:zap_pte_batch (PTE counts and
# batch sizes), reclaim is counted, and with tracepoints only (fentry and
# kprobes denied) every probe still attaches. Prints TAP lines.
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
check "zap probe takes pagetable:zap_pte_batch (full view, no fallback)" \
	jqt $out/status.json '.probes[] | select(.name == "zap_pte_range") |
		.attach == "tracepoint" and .target == "pagetable:zap_pte_batch" and
		.fallback == false'
check "pte_reclaim attaches (free_pte or pagetable:pte_table_free)" \
	jqt $out/status.json '.probes[] | select(.name == "pte_reclaim") |
		.attach != "none"'
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
check "zap calls/bytes are null when the tracepoint gives the full view" \
	jqt $out/rec.json "$w | .zap_calls == null and .zap_bytes == null"
check "madvise: $N DONTNEED calls of 2 MiB" \
	jqt $out/rec.json "$w | .madvise_dontneed_calls == $N and
		.madvise_dontneed_bytes == $N * 2097152"
echo "# reclaim on:"
jq -c "$w" $out/rec.json | sed 's/^/#   /'

# Reclaim off: the tables stay until munmap frees them.
echo 0 >/proc/sys/vm/pt_reclaim
check "status shows vm.pt_reclaim = 0" \
	sh -c "ptwatch status --json | jq -e '.kernel.pt_reclaim.value == 0' >/dev/null"
bpf_record_workload $N $out/rec-off.json
check "reclaim off: no table reclaimed" \
	jqt $out/rec-off.json "$w | .pte_tables_reclaimed == 0"
check "reclaim off: $N page tables freed by munmap (tolerance +40)" \
	jqt $out/rec-off.json "$w | .pte_tables_freed >= $N and .pte_tables_freed <= $N + 40"
echo "# reclaim off:"
jq -c "$w" $out/rec-off.json | sed 's/^/#   /'
echo 1 >/proc/sys/vm/pt_reclaim

# Tracepoints only: the series' events stand in for fentry and kprobes.
export PTWATCH_BPF_DENY=fentry,kprobe
ptwatch status --json >$out/status-tp.json
check "tracepoints only: pmd_install, free_pgtables, pte_reclaim take pagetable:*" \
	jqt $out/status-tp.json '[.probes[] | select(.name | IN("pmd_install","free_pgtables","pte_reclaim")) |
		.target] == ["pagetable:pte_table_install","pagetable:pte_table_free","pagetable:pte_table_free"]'
bpf_record_workload $N $out/rec-tp.json
check "tracepoints only: $N tables installed, $N reclaimed" \
	jqt $out/rec-tp.json "$w | .pte_tables_installed >= $N and .pte_tables_installed <= $N + 16 and
		.pte_tables_reclaimed >= $N and .pte_tables_reclaimed <= $N + 4"
check "tracepoints only: unmap frees counted apart from reclaim (< 40)" \
	jqt $out/rec-tp.json "$w | .pte_tables_freed < 40"
echo "# tracepoints only:"
jq -c "$w" $out/rec-tp.json | sed 's/^/#   /'
unset PTWATCH_BPF_DENY
exit $bpf_failed
