# shellcheck shell=sh
# The task iterator and procfs give the same snapshot, process by process.
# Shared by tests/host/t-iter.sh and the guest side of the VM suites
# (tests/vm/guest-iter.sh): POSIX sh (the guests run busybox), needs jq,
# ptwatch and pt-shape on PATH, root. Prints TAP lines; a failure sets
# iter_failed=1.
#
# Workloads whose figures are known to stay still: pt-shape (VmPTE over
# 1 MiB, so smaps_rollup is read for it on both paths), a sleeper whose
# comm holds a newline and a backslash (procfs escapes them), and a
# sleeper in a child memory cgroup (v2 or v1, where one can be made). Then three
# snapshots: procfs (PTWATCH_BPF_DENY=iter), iterator, procfs. A process
# whose procfs figures are the same before and after is still; for every
# still process the iterator's figures must be the same too. Processes of
# the host that changed in between (compilers, guests) are counted, not
# compared.
iter_failed=0
# iter_pass: a label for the pass under test ("" or " (task list)")
iter_ok() { echo "ok - $*$iter_pass"; }
iter_no() {
	echo "not ok - $1$iter_pass"
	shift
	for l in "$@"; do echo "#   $l"; done
	iter_failed=1
}

# iter_workloads_start DIR: starts them, sets shape_pid, comm_pid, cg_pid
# (empty when no child cgroup could be made) and cg_path.
iter_workloads_start() {
	_d=$1
	mkfifo "$_d/hold"
	pt-shape 300 8 <"$_d/hold" >"$_d/shape.out" &
	# only a thread group's own threads may write its comm, and exec
	# resets it: the shell names itself and waits (builtin printf)
	sh -c 'printf "we\\\\ird\\nx" >/proc/self/comm; read x' <"$_d/hold" &
	comm_pid=$!
	exec 8>"$_d/hold"
	_i=0
	while ! grep -q ready "$_d/shape.out" 2>/dev/null && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	shape_pid=$(awk '/ready/ {print $2}' "$_d/shape.out")
	cg_pid= cg_path= _own=
	# the memory cgroup we are in (v2, else v1), so that the child is
	# made where we may write
	_root=/sys/fs/cgroup
	if grep -qw memory $_root/cgroup.controllers 2>/dev/null; then
		_own=$(awk -F: '$1 == "0" {print $3}' /proc/self/cgroup)
	elif [ -d $_root/memory ]; then
		_root=$_root/memory
		_own=$(awk -F: '$2 == "memory" {print $3}' /proc/self/cgroup)
	fi
	iter_cg_root=$_root
	if [ -n "$_own" ]; then
		cg_path=${_own%/}/ptwatch-iter.$$
		if mkdir "$_root$cg_path" 2>/dev/null; then
			sleep 1000 <"$_d/hold" &
			cg_pid=$!
			echo $cg_pid >"$_root$cg_path/cgroup.procs" 2>/dev/null ||
				{ kill $cg_pid; cg_pid=; }
		fi
	fi
}

iter_workloads_stop() {
	exec 8>&-
	kill $comm_pid $cg_pid 2>/dev/null
	wait 2>/dev/null
	[ -n "$cg_path" ] && rmdir "$iter_cg_root$cg_path" 2>/dev/null
	return 0
}

# iter_equiv DIR: the three snapshots and their comparison.
iter_equiv() {
	_d=$1
	PTWATCH_BPF_DENY=iter ptwatch --no-daemon snapshot --json \
		>"$_d/a.json" 2>"$_d/a.err"
	ptwatch --no-daemon snapshot --json >"$_d/b.json" 2>"$_d/b.err"
	PTWATCH_BPF_DENY=iter ptwatch --no-daemon snapshot --json \
		>"$_d/c.json" 2>/dev/null
	_src=$(jq -r .source "$_d/b.json")
	if [ "$_src" = bpf-iter ]; then
		iter_ok "snapshot as root says source bpf-iter"
	else
		iter_no "snapshot as root says source bpf-iter" "got: $_src" \
			"stderr: $(cat "$_d/b.err")"
		return
	fi
	if [ "$(jq -r .source "$_d/a.json")" = procfs ] &&
		[ "$(cat "$_d/a.err")" = "ptwatch: task iterator: denied by PTWATCH_BPF_DENY; reading procfs" ]; then
		iter_ok "PTWATCH_BPF_DENY=iter: one line on stderr, source procfs"
	else
		iter_no "PTWATCH_BPF_DENY=iter: one line on stderr, source procfs" \
			"source: $(jq -r .source "$_d/a.json")" "stderr: $(cat "$_d/a.err")"
	fi
	jq -n --slurpfile a "$_d/a.json" --slurpfile b "$_d/b.json" \
		--slurpfile c "$_d/c.json" '
		def fig: {pid, comm, cgroup, rss_anon_bytes, rss_file_bytes,
			  rss_shmem_bytes, swap_bytes, thp_bytes,
			  page_table_bytes, needed_page_table_bytes,
			  waste_bytes};
		def bypid(s): s[0].processes |
			map({key: (.pid | tostring), value: fig}) |
			from_entries;
		bypid($a) as $A | bypid($b) as $B | bypid($c) as $C |
		[$A | keys[] | select($C[.] != null and $A[.] == $C[.])] as $s |
		{still: $s, moved: (($A | length) - ($s | length)),
		 missing: [$s[] | select($B[.] == null)],
		 differ: [$s[] | select($B[.] != null and $B[.] != $A[.]) |
			  {procfs: $A[.], iter: $B[.]}],
		 kthreads: [$B | keys[] | select(. == "2")]}' >"$_d/cmp.json"
	_still=$(jq '.still | length' "$_d/cmp.json")
	echo "# $_still processes still between the procfs reads, $(jq .moved "$_d/cmp.json") changed (not compared)"
	if [ "$(jq '.missing + .differ | length' "$_d/cmp.json")" = 0 ] &&
		[ "$_still" -gt 0 ]; then
		iter_ok "iterator = procfs for all $_still still processes (pid, comm, cgroup, RSS by type, swap, THP, VmPTE, needed, waste)"
	else
		iter_no "iterator = procfs for all $_still still processes" \
			"missing from the iterator: $(jq -c .missing "$_d/cmp.json")" \
			"$(jq -c '.differ[:3]' "$_d/cmp.json")"
	fi
	for _w in "shape:$shape_pid:pt-shape (VmPTE over 1 MiB: smaps_rollup read)" \
		"comm:$comm_pid:a comm with a newline and a backslash" \
		"cg:$cg_pid:a process in child cgroup $cg_path"; do
		_p=$(echo "$_w" | cut -d: -f2)
		_what=$(echo "$_w" | cut -d: -f3-)
		if [ -z "$_p" ]; then
			echo "ok - workload: $_what # SKIP no child memory cgroup could be made here"
			continue
		fi
		if jq -e --arg p "$_p" '.still | index($p) != null' "$_d/cmp.json" >/dev/null; then
			iter_ok "workload compared and equal: $_what"
		else
			iter_no "workload compared and equal: $_what" \
				"pid $_p not still between the procfs reads, or absent"
		fi
	done
	_c=$(jq -r --argjson p "$comm_pid" '.processes[] | select(.pid == $p) | .comm' "$_d/b.json")
	if [ "$_c" = "$(printf 'we\\ird\nx')" ]; then
		iter_ok "a comm with a newline and a backslash comes out as the kernel holds it"
	else
		iter_no "a comm with a newline and a backslash comes out as the kernel holds it" "got: $_c"
	fi
	if [ -n "$cg_pid" ] && [ "$(jq -r --argjson p "$cg_pid" '.processes[] | select(.pid == $p) | .cgroup' "$_d/b.json")" = "$cg_path" ]; then
		iter_ok "iterator names the child cgroup by its path"
	elif [ -n "$cg_pid" ]; then
		iter_no "iterator names the child cgroup by its path" \
			"got: $(jq -c --argjson p "$cg_pid" '.processes[] | select(.pid == $p)' "$_d/b.json")"
	fi
	if [ "$(jq '.kthreads | length' "$_d/cmp.json")" = 0 ]; then
		iter_ok "no kernel thread in the iterator's processes (kthreadd, PID 2)"
	else
		iter_no "no kernel thread in the iterator's processes (kthreadd, PID 2)"
	fi
}

# iter_ways DIR: the bare pass (iter-pass) the two ways a 6.1+ kernel
# without the task list reads: PTWATCH_BPF_DENY=all-procs must load the
# leader walk (a walk that silently fell back to the seq_file iterator
# would cost 6.1 hosts its gain), all-procs,walk the seq_file iterator over
# every task; and for every process whose seq_file records were the same
# before and after, the walk's record is the same, byte for byte.
iter_ways() {
	_d=$1
	PTWATCH_BPF_DENY=all-procs,walk iter-pass -n 1 -1 -d >"$_d/s1" 2>"$_d/s1.err"
	PTWATCH_BPF_DENY=all-procs iter-pass -n 1 -1 -d >"$_d/w" 2>"$_d/w.err"
	PTWATCH_BPF_DENY=all-procs,walk iter-pass -n 1 -1 -d >"$_d/s2" 2>/dev/null
	for _k in "w:leader walk:PTWATCH_BPF_DENY=all-procs" \
		"s1:seq_file:PTWATCH_BPF_DENY=all-procs,walk"; do
		_f=${_k%%:*}
		_want=$(echo "$_k" | cut -d: -f2)
		_how=${_k##*:}
		if grep -qx "kind: $_want" "$_d/$_f.err"; then
			iter_ok "$_how loads: $_want"
		else
			iter_no "$_how loads: $_want" "got: $(tr '\n' ' ' <"$_d/$_f.err")"
		fi
	done
	awk 'FILENAME == ARGV[1] { a[$1] = $0; next }
	     FILENAME == ARGV[2] { if (a[$1] == $0) still[$1] = $0; next }
	     { w[$1] = $0 }
	     END { n = 0; bad = 0
		   for (p in still) {
			n++
			if (w[p] != still[p] && ++bad <= 3)
				print "# seq_file: " still[p] "; walk: " w[p]
		   }
		   print n, bad, (2 in w) }' "$_d/s1" "$_d/s2" "$_d/w" >"$_d/ways"
	set -- $(tail -n 1 "$_d/ways")
	if [ "$1" -gt 0 ] && [ "$2" = 0 ]; then
		iter_ok "leader walk = seq_file iterator for all $1 still processes (tgid, start, cgroup id, VmPTE, RSS by type, swap, comm)"
	else
		iter_no "leader walk = seq_file iterator for all $1 still processes" \
			"$2 differ" "$(grep '^#' "$_d/ways")"
	fi
	# the walk starts at its own leader: the reader turns the list round
	if awk 'NR > 1 && $1 + 0 <= prev { exit 1 } { prev = $1 + 0 }' "$_d/w"; then
		iter_ok "the leader walk's records come in ascending tgid order"
	else
		iter_no "the leader walk's records come in ascending tgid order" \
			"$(cut -d' ' -f1 "$_d/w" | tr '\n' ' ')"
	fi
	if [ "$3" = 0 ]; then
		iter_ok "no kernel thread in the leader walk's records (kthreadd, PID 2)"
	else
		iter_no "no kernel thread in the leader walk's records (kthreadd, PID 2)"
	fi
}
