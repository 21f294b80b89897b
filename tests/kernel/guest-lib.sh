# Sourced by the guest scripts in tests/kernel/ (busybox sh, inside QEMU):
# TAP helpers, readers of the workloads' and the kernel's figures, and the
# kernel log as the verdict.
#   . "$(dirname "$0")/guest-lib.sh"
fail=0

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	shift
	for l in "$@"; do echo "#   $l"; done
	fail=1
}
skip() { echo "ok - $1 # SKIP $2"; }
# le/ge/eq WHAT A B: A <= B, A >= B, A == B (integers; eq compares strings)
le() { if [ "$2" -le "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1" "want $2 <= $3"; fi; }
ge() { if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1" "want $2 >= $3"; fi; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "want $3, got $2"; fi; }

# vmstat KEY: a /proc/vmstat counter, "missing" when the kernel has none
vmstat() { awk -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }' /proc/vmstat; }
# val KEY: the value of a KEY=value line of the workload output in $OUT
val() { echo "$OUT" | sed -n "s/^$1=//p"; }

# What fails a kernel test when the kernel prints it: any WARN or BUG
# (KASAN reports, "BUG: sleeping function called from invalid context" and
# lockdep's "WARNING: possible circular locking dependency" among them),
# page_table_check's BUG_ON, bad page/pmd/pte and rss-counter reports,
# Oopses, RCU stalls, hung tasks, list and debug-object corruption, and any
# stack trace at all: a healthy run prints none.
KLOG_BAD='WARNING:|BUG:|Bad page|bad pmd|bad pte|Oops|rss-counter|general protection|rcu.*stall|INFO: task .* blocked|Call Trace:|ODEBUG:|list_(add|del) corruption|page_table_check'

# klog_mark: the log so far is appended to /tmp/klog.all and the ring
# buffer cleared, so that klog_check sees only what came after (a counted
# offset would drift once the buffer wraps); klog_all prints all of it.
klog_mark() { dmesg -c >> /tmp/klog.all; }
klog_all() { cat /tmp/klog.all 2>/dev/null; dmesg; }

# klog_check WHAT [FILE]: ok when the kernel log since klog_mark (or FILE)
# has no KLOG_BAD line; else not ok with the bad lines and, attached, the
# log from 20 lines before the first of them (up to 400 lines).
klog_check() {
	if [ -n "$2" ]; then cp "$2" /tmp/klog.now; else dmesg > /tmp/klog.now; fi
	first=$(grep -nE "$KLOG_BAD" /tmp/klog.now | head -1 | cut -d: -f1)
	if [ -z "$first" ]; then
		ok "$1: kernel log has no WARN, BUG, KASAN, lockdep, page-table-check or bad-page report ($(wc -l < /tmp/klog.now) lines)"
		return 0
	fi
	not_ok "$1: kernel log has no WARN, BUG, KASAN, lockdep, page-table-check or bad-page report" \
		"$(grep -cE "$KLOG_BAD" /tmp/klog.now) bad lines; the log from line $((first > 20 ? first - 20 : 1)):"
	tail -n +$((first > 20 ? first - 20 : 1)) /tmp/klog.now | head -400 | sed 's/^/#   | /'
	return 1
}

# bounded SECS OUT ERR COMMAND...: runs COMMAND with stdout in OUT and
# stderr in ERR, polls it every second and leaves RC (its exit status) and
# FIRST_BAD (seconds after the start when the kernel log, cleared by
# klog_mark before, first held a KLOG_BAD line; empty: none while it ran).
# A command still running after SECS (an oops killed a thread that held
# its mmap lock, and the process can never exit) gets its threads' kernel
# stacks printed as "# " lines, SIGKILL, and RC 124; it is left behind if
# even that does not end it (then the checks that follow go on).
bounded() {
	_secs=$1 _out=$2 _err=$3
	shift 3
	"$@" > "$_out" 2> "$_err" &
	_pid=$! _t=0 FIRST_BAD=
	while kill -0 $_pid 2>/dev/null; do
		if [ -z "$FIRST_BAD" ] && dmesg | grep -qE "$KLOG_BAD"; then
			FIRST_BAD=$_t
		fi
		if [ $_t -ge "$_secs" ]; then
			echo "# $1 still runs after $_secs s: its threads' kernel stacks"
			for _t in /proc/$_pid/task/*; do
				echo "#   thread ${_t##*/} $(awk '{print $3}' $_t/stat 2>/dev/null)"
				sed 's/^/#     /' $_t/stack 2>/dev/null
			done
			kill -KILL $_pid 2>/dev/null
			RC=124
			return
		fi
		sleep 1
		_t=$((_t + 1))
	done
	wait $_pid
	RC=$?
	[ -n "$FIRST_BAD" ] || ! dmesg | grep -qE "$KLOG_BAD" || FIRST_BAD=$_t
}
# first_bad: "after N s" or "none", from bounded's FIRST_BAD
first_bad() { if [ -n "$FIRST_BAD" ]; then echo "after $FIRST_BAD s"; else echo none; fi; }
