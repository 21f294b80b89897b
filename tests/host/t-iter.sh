#!/usr/bin/env bash
# The BPF task iterator sampler on this host (docs/daemon.md, "Sampler"):
# `ptwatch snapshot` through the iterator and through procfs give the same
# figures for every process that stood still, and the deny switch falls
# back with one line. About 5 s.
. "$(dirname "$0")/../lib/tap.sh"
if [ "$(id -u)" != 0 ]; then
	skip "task iterator equivalence" "needs root to load BPF"
	tap_done
fi
d=$(mktemp -d)
PATH=$BUILD:$BUILD/tests:$PATH
. "$PTWATCH_ROOT/tests/lib/iter-equiv.sh"
trap 'iter_workloads_stop; rm -rf "$d"' EXIT
iter_workloads_start "$d"
if [ -z "$shape_pid" ]; then
	not_ok "workload pt-shape starts"
	tap_done
fi
# part CMD...: TAP lines of a part (tee: a subshell, so its lines are
# counted here for the plan)
part() {
	"$@" | tee "$d/tap"
	grep -q '^not ok' "$d/tap" && TAP_FAILED=1
	tap_count "$(grep -cE '^(not )?ok' "$d/tap")"
}
# The CLI's own pass: the leader walk (6.1+; one_pass leaves the task
# list out).
part eval 'iter_pass=" (leader walk)"; iter_equiv "$d"'
# The daemon's pass (the task list, 6.7+) through the CLI as well: the
# test switch PTWATCH_BPF_ITER=all-procs makes a one-shot read take it.
part eval 'export PTWATCH_BPF_ITER=all-procs; iter_pass=" (task list)"; iter_equiv "$d"'
# The seq_file iterator over every task (before 6.1, or where the walk is
# refused).
part eval 'export PTWATCH_BPF_DENY=walk; iter_pass=" (seq_file)"; iter_equiv "$d"'
part iter_ways "$d"

run "$PTWATCH" --no-daemon snapshot -n 1
expect_eq "table header says [bpf-iter; no daemon]" 1 \
	"$(grep -c '\[bpf-iter; no daemon\]' <<<"$OUT")"
PTWATCH_BPF_DENY=iter run "$PTWATCH" --no-daemon snapshot -n 1
expect_eq "with the iterator denied, the header says [procfs; no daemon]" 1 \
	"$(grep -c '\[procfs; no daemon\]' <<<"$OUT")"
tap_done
