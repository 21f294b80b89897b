# Runs inside a Debian cloud kernel guest (tests/vm/guest.sh): ptwatch
# status and record on a kernel where fentry works and zap_pte_range is
# inlined. Argument: the kernel series (6.1 or 6.12). Prints TAP lines;
# exits 1 when a check failed.
. /ptwatch/tests/vm/bpf-lib.sh
series=$1
N=200
out=/tmp/bpf
mkdir -p $out

check "guest runs a $series kernel ($(uname -r))" \
	sh -c "uname -r | grep -q '^$series[.]'"

ptwatch status --json >$out/status.json
check "ptwatch status --json exits 0" [ $? = 0 ]
echo "# ptwatch status:"
ptwatch status | sed 's/^/#   /'
check "status: probes were loaded and attached as root" \
	jqt $out/status.json '.probes_loaded'
check "status: kernel has BTF" jqt $out/status.json '.kernel.btf'
check "status: no PTE-table reclaim in the Debian kernel" \
	jqt $out/status.json '.kernel.pt_reclaim.mode == "absent"'
# MADV_PT_RECLAIM is ours (kernel-patches/0011): the stock kernel says
# EINVAL, and `ptwatch reclaim pid` exit 5 with the reason on one line
ptwatch reclaim pid $$ >/dev/null 2>$out/rp.err
rc=$?
check "reclaim pid on the stock kernel: exit 5, one line naming MADV_PT_RECLAIM ($(cat $out/rp.err))" \
	sh -c "[ $rc = 5 ] && [ \$(wc -l < $out/rp.err) = 1 ] && grep -q 'no MADV_PT_RECLAIM' $out/rp.err"
check "status: hugetlb vmemmap sysctl is reported" \
	jqt $out/status.json '.kernel.hugetlb_vmemmap.sysctl == "vm.hugetlb_optimize_vmemmap"'
bpf_check_probe_shape $out/status.json
check "pmd_install attaches by fentry" \
	jqt $out/status.json '.probes[] | select(.name == "pmd_install") |
		.attach == "fentry" and .target == "pmd_install" and .fallback == false'
check "free_pgtables attaches by fentry" \
	jqt $out/status.json '.probes[] | select(.name == "free_pgtables") |
		.attach == "fentry" and .target == "free_pgtables"'
check "zap probe falls back to a caller of the inlined zap_pte_range" \
	jqt $out/status.json '.probes[] | select(.name == "zap_pte_range") |
		.attach == "fentry" and .fallback == true and
		(.target | IN("zap_pmd_range","unmap_page_range","zap_page_range_single"))'
check "zap probe says so: inlined, and the coarser view" \
	jqt $out/status.json '.probes[] | select(.name == "zap_pte_range") |
		(.note | test("zap_pte_range: not in kallsyms or BTF")) and
		(.note | test("coarser view"))'
check "status text marks the zap fallback" \
	sh -c "ptwatch status | grep -q 'zap_pte_range .*fentry .*(fallback'"
# not the syscall tracepoint, which slows every syscall on the host
check "madvise attaches by fentry to do_madvise" \
	jqt $out/status.json '.probes[] | select(.name == "madvise") |
		.attach == "fentry" and .target == "do_madvise"'
check "pte_reclaim is not attached, and says why for each candidate" \
	jqt $out/status.json '.probes[] | select(.name == "pte_reclaim") |
		.attach == "none" and
		(.reason | test("(^|; )pt_reclaim_free_pte: not in kallsyms or BTF")) and
		(.reason | test("tracepoint pagetable:pte_table_free: not in this kernel")) and
		(.reason | test("(^|; )free_pte: "))'

bpf_record_workload $N $out/rec.json
bpf_check_record $out/rec.json $N
check "workload: zap calls and bytes cover its $N DONTNEED chunks" \
	jqt $out/rec.json '.processes[] | select(.comm == "bpf-ptload") |
		.zap_calls >= '$N' and .zap_bytes >= '$N' * 2097152'
check "workload: PTEs zapped, tables zapped, reclaim busy and batch sizes are null (not 0) in the coarse view" \
	jqt $out/rec.json '.processes[] | select(.comm == "bpf-ptload") |
		.ptes_zapped == null and .zap_pte_tables == null and
		.pte_reclaim_busy == null and .zap_batch_histogram == null'
echo "# ptwatch record --json, the workload:"
jq -c '.processes[] | select(.comm == "bpf-ptload")' $out/rec.json | sed 's/^/#   /'

# The table, with a fixed duration (no signal).
ptwatch record -d 3 >$out/rec.txt 2>&1 &
rec=$!
wait_for_line '^ptwatch: recording' $out/rec.txt
bpf-ptload 20 >/dev/null
wait $rec
check "record -d 3 ends by itself with status 0" [ $? = 0 ]
check "record table shows '-' for what this kernel cannot count" \
	sh -c "grep -q '^ *[0-9][0-9]* bpf-ptload\\*.* - ' $out/rec.txt"
echo "# ptwatch record -d 3:"
sed 's/^/#   /' $out/rec.txt

# The kprobe fallback, on the same kernel: fentry passed over on purpose.
export PTWATCH_BPF_DENY=fentry
ptwatch status --json >$out/status-kp.json
check "fentry denied: pmd_install attaches by kprobe" \
	jqt $out/status-kp.json '.probes[] | select(.name == "pmd_install") |
		.attach == "kprobe" and .target == "pmd_install"'
check "fentry denied: free_pgtables attaches by kprobe" \
	jqt $out/status-kp.json '.probes[] | select(.name == "free_pgtables") |
		.attach == "kprobe" and .target == "free_pgtables"'
check "fentry denied: the zap probe falls back to a kprobe on a caller" \
	jqt $out/status-kp.json '.probes[] | select(.name == "zap_pte_range") |
		.attach == "kprobe" and .fallback == true'
check "fentry denied: madvise attaches by kprobe to do_madvise" \
	jqt $out/status-kp.json '.probes[] | select(.name == "madvise") |
		.attach == "kprobe" and .target == "do_madvise"'
check "fentry denied: the reason says so" \
	jqt $out/status-kp.json '.probes[] | select(.name == "pmd_install") |
		.note | test("denied by PTWATCH_BPF_DENY")'
bpf_record_workload $N $out/rec-kp.json
bpf_check_record $out/rec-kp.json $N kprobe
unset PTWATCH_BPF_DENY

ptwatch record -p 999999 -d 1 >/dev/null 2>&1
check "record -p of a missing process exits 3" [ $? = 3 ]

bpf_done
