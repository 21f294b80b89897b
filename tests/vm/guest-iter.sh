#!/bin/sh
# Runs inside a Debian cloud kernel guest (tests/vm/guest.sh): the task
# iterator and procfs give the same snapshot process by process
# (tests/lib/iter-equiv.sh), under cgroup v2 with a child memory cgroup;
# and ptwatchd samples through the iterator. Exits 1 when a check failed.
. /ptwatch/tests/lib/iter-equiv.sh
d=/tmp/iter
mkdir -p $d
echo "# kernel $(uname -r)"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
iter_workloads_start $d
if [ -z "$shape_pid" ]; then
	iter_no "workload pt-shape starts"
	exit 1
fi
# the CLI's pass: the leader walk (6.1+)
iter_pass=" (leader walk)"
iter_equiv $d
# the daemon's pass (task list, 6.7+; 6.1 falls back to the leader walk)
export PTWATCH_BPF_ITER=all-procs
iter_pass=" (task list)"
iter_equiv $d
unset PTWATCH_BPF_ITER
# the seq_file iterator over every task (before 6.1)
export PTWATCH_BPF_DENY=walk
iter_pass=" (seq_file)"
iter_equiv $d
unset PTWATCH_BPF_DENY
iter_pass=
iter_ways $d
iter_workloads_stop
exit $iter_failed
