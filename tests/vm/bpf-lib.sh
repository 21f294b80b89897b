# Checks of `ptwatch status` and `ptwatch record`, shared by the host suite
# (tests/host/t-bpf-host.sh) and the guest side of the VM suites
# (tests/vm/guest-bpf.sh). POSIX sh: the guests run busybox. Needs jq and
# ptwatch / bpf-ptload on PATH. Prints TAP lines.

# check DESCRIPTION COMMAND...: one TAP line from the command's status;
# a failure sets bpf_failed=1 (the scripts exit with it).
# bpf_skip DESCRIPTION WHY: a skipped check. bpf_done: the trailing plan
# (1..COUNT, so that a script that ends early is told from one that
# passed: tests/run-tests.sh, guest_tap) and exit with bpf_failed.
bpf_failed=0 bpf_count=0
check() {
	_d=$1
	shift
	bpf_count=$((bpf_count + 1))
	if "$@"; then
		echo "ok - $_d"
	else
		echo "not ok - $_d"
		bpf_failed=1
	fi
}
bpf_skip() {
	bpf_count=$((bpf_count + 1))
	echo "ok - $1 # SKIP $2"
}
bpf_done() {
	echo "1..$bpf_count"
	exit $bpf_failed
}

# jqt FILE FILTER: true when the jq filter yields true.
jqt() {
	[ "$(jq -r "$2" "$1" 2>/dev/null)" = true ]
}

# The same attach on two reads of one probe: status and record agree.
probe_field() { # FILE PROBE FIELD
	jq -r --arg p "$2" ".probes[] | select(.name == \$p) | .$3" "$1"
}

# Every probe is listed once, attached in a known way, and says why not.
bpf_check_probe_shape() { # STATUS_JSON
	for p in pmd_install free_pgtables zap_pte_range pte_reclaim madvise \
		sched_process_exit; do
		check "status lists probe $p once" \
			jqt "$1" "[.probes[] | select(.name == \"$p\")] | length == 1"
	done
	check "every probe's attach is fentry, kprobe, tracepoint or none" \
		jqt "$1" '[.probes[].attach] - ["fentry","kprobe","tracepoint","none"] == []'
	check "every unattached probe has a reason and no target" \
		jqt "$1" '[.probes[] | select(.attach == "none") |
			   (.reason | length > 0) and .target == null] | all'
	check "every attached probe names its target" \
		jqt "$1" '[.probes[] | select(.attach != "none") |
			   (.target | length > 0)] | all'
	check "madvise is counted at do_madvise, else from a syscall tracepoint" \
		jqt "$1" '.probes[] | select(.name == "madvise") |
			  ((.attach == "fentry" or .attach == "kprobe") and
			   .target == "do_madvise") or
			  (.attach == "tracepoint" and
			   (.target == "syscalls:sys_enter_madvise" or
			    .target == "raw_syscalls:sys_enter"))'
	check "process exits are seen (sched_process_exit tracepoint)" \
		jqt "$1" '.probes[] | select(.name == "sched_process_exit") |
			  .attach == "tracepoint"'
}

# wait_for_line REGEX FILE: until a line matches (30 s at most).
wait_for_line() {
	_i=0
	while ! grep -q "$1" "$2" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			echo "# no line matching '$1' in $2 after 30 s"
			return 1
		fi
		sleep 0.1
	done
}

# Starts `ptwatch record --json` in the background, waits until it has
# attached, runs COMMAND (its output in OUT.workload, its exit status in
# OUT.wrc), stops the recorder with SIGINT (as Ctrl-C) and leaves the JSON
# in OUT and the recorder's exit status in OUT.rc.
bpf_record_cmd() { # OUT COMMAND...
	_out=$1
	shift
	rm -f "$_out" "$_out.err" "$_out.rc" "$_out.wrc"
	ptwatch record --json >"$_out" 2>"$_out.err" &
	_rec=$!
	wait_for_line '^ptwatch: recording' "$_out.err"
	"$@" >"$_out.workload"
	echo $? >"$_out.wrc"
	sleep 0.5
	kill -INT $_rec 2>/dev/null
	wait $_rec
	echo $? >"$_out.rc"
	sed 's/^/# /' "$_out.err"
}

# The same with bpf-ptload N.
bpf_record_workload() { # N OUT
	bpf_record_cmd "$2" bpf-ptload "$1"
}

# The workload's own counts: exact for what the syscall tracepoint sees,
# within a tolerance for page tables (exec, stack and libc need a few of
# their own, and free_pgtables counts the upper-level tables it frees).
bpf_check_record() { # OUT N [LABEL]
	_n=$2
	_l=${3:+$3: }
	_w=".processes[] | select(.comm == \"bpf-ptload\")"
	check "${_l}record exits 0 on SIGINT (Ctrl-C)" [ "$(cat "$1.rc")" = 0 ]
	check "${_l}record --json lists the workload once, as ended" \
		jqt "$1" "[$_w | .ended] == [true]"
	check "${_l}workload: $_n MADV_DONTNEED calls" \
		jqt "$1" "$_w | .madvise_dontneed_calls == $_n"
	check "${_l}workload: $_n x 2 MiB MADV_DONTNEED bytes" \
		jqt "$1" "$_w | .madvise_dontneed_bytes == $_n * 2097152"
	check "${_l}workload: $_n MADV_FREE calls of 4 KiB" \
		jqt "$1" "$_w | .madvise_free_calls == $_n and .madvise_free_bytes == $_n * 4096"
	if [ "$(probe_field "$1" pmd_install attach)" = none ]; then
		check "${_l}pte_tables_installed is null without a pmd_install probe" \
			jqt "$1" "$_w | .pte_tables_installed == null"
	else
		check "${_l}workload: $_n PTE tables installed (tolerance +16)" \
			jqt "$1" "$_w | .pte_tables_installed >= $_n and
				  .pte_tables_installed <= $_n + 16"
	fi
	if [ "$(probe_field "$1" free_pgtables attach)" = none ]; then
		check "${_l}pte_tables_freed is null without a free_pgtables probe" \
			jqt "$1" "$_w | .pte_tables_freed == null"
	else
		check "${_l}workload: $_n page tables freed (tolerance +40: exec, exit, upper levels)" \
			jqt "$1" "$_w | .pte_tables_freed >= $_n and
				  .pte_tables_freed <= $_n + 40"
	fi
	if [ "$(probe_field "$1" pte_reclaim attach)" = none ]; then
		check "${_l}pte_tables_reclaimed is null without a reclaim probe" \
			jqt "$1" "$_w | .pte_tables_reclaimed == null"
	fi
	if [ "$(probe_field "$1" zap_pte_range target)" = pagetable:zap_pte_table ]; then
		# bpf-ptload is one thread: nothing refills a table while
		# it is zapped, so no reclaim attempt finds one busy (a
		# ">= 0" here could not fail)
		check "${_l}workload: $_n PTE tables zapped at least (zap_pte_table), none busy (one thread)" \
			jqt "$1" "$_w | .zap_pte_tables >= $_n and .pte_reclaim_busy == 0"
	else
		check "${_l}zap_pte_tables and pte_reclaim_busy are null without pagetable:zap_pte_table" \
			jqt "$1" "$_w | .zap_pte_tables == null and .pte_reclaim_busy == null"
	fi
	check "${_l}the system totals include the workload's madvise calls" \
		jqt "$1" ".totals.madvise_dontneed_calls >= $_n"
}
