#!/usr/bin/env bash
# pt-race (tests/workloads/pt-race.c) on this host's kernel: every mode
# races whole-block MADV_DONTNEED (which frees PTE tables where the kernel
# reclaims them, mainline >= 6.14) with faults, GUP, fork, mremap/munmap
# and THP collapse for 3 s and must find its data intact; the checker
# must catch a flipped byte; bad usage is one line and exit 2. ~25 s.
. "$(dirname "$0")/../lib/tap.sh"
RACE=$BUILD/tests/pt-race
SECS=3
# fault mode leaves tables in up to 64 blocks (256 kB) unless the kernel
# frees them; with reclaim only the region's PMD page and thread stacks'
# tables stay.
VMPTE_BOUND_KB=64
BAD='WARNING:|BUG:|Bad page|bad pmd|bad pte|Oops|rss-counter'

if [ ! -x "$RACE" ]; then
	not_ok "workload build/tests/pt-race is built" "run make first"
	tap_done
fi
val() { sed -n "s/^$1=//p" <<<"$OUT"; }
# reclaim: mainline frees empty PTE tables since 6.14 (CONFIG_PT_RECLAIM)
kernel_reclaims() {
	local v
	v=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
	set -- $v
	[ "$1" -gt 6 ] || { [ "$1" -eq 6 ] && [ "$2" -ge 14 ]; }
}
# dmesg_bad: the count of bad lines in the kernel log, or nothing when the
# log cannot be read (grep -c of a failed dmesg would say 0: "clean")
dmesg_bad() {
	local log
	log=$(dmesg 2>"$BUILD/pt-race-dmesg.err") || return 1
	grep -cE "$BAD" <<<"$log"
}
bad0=$(dmesg_bad) || bad0=

for mode in fault gup fork mremap thp uffd; do
	start=$SECONDS
	run "$RACE" $mode $SECS
	echo "# pt-race $mode $SECS: $(grep -v '^mode=' <<<"$OUT" | tr '\n' ' ')rc=$RC ($((SECONDS - start)) s)"
	[ -n "$ERR" ] && printf '#   %s\n' "$ERR"
	if [ $RC = 77 ]; then
		skip "pt-race $mode" "$(head -1 <<<"$ERR")"
		continue
	fi
	expect_eq "pt-race $mode: exits 0, no mismatch" "0 0" "$RC $(val mismatches)"
	if [ "$(val checks)" -gt 0 ] 2>/dev/null && [ "$(val zaps)" -gt 0 ]; then
		ok "pt-race $mode: checked data ($(val checks)) across whole-block zaps ($(val zaps))"
	else
		not_ok "pt-race $mode: checks > 0 and zaps > 0" "checks=$(val checks) zaps=$(val zaps)"
	fi
	# what each mode races with must have happened too
	case $mode in
	fault) did="writes" ;;
	gup) did="vm_readv_reads vmsplice_reads proc_mem_reads" ;;
	fork) did="forks child_zaps" ;;
	mremap) did="moves remaps" ;;
	thp) did="collapses splits shmem_collapses" ;;
	uffd) did="copies moves" ;;
	esac
	[ "$(val shmem_unsupported)" = 1 ] && did="collapses splits"
	[ "$(val no_process_vm_readv)" = 1 ] && did="vmsplice_reads proc_mem_reads"
	counts=$(for k in $did; do echo -n "$k=$(val $k) "; done)
	if ! grep -qE '=(0| |$)' <<<"$counts"; then
		ok "pt-race $mode: raced with ${counts% }"
	else
		not_ok "pt-race $mode: raced with $did" "$counts"
	fi
	[ $mode = fault ] || continue
	if ! kernel_reclaims || zcat /proc/config.gz 2>/dev/null | grep -q '^# CONFIG_PT_RECLAIM is not set'; then
		skip "pt-race fault: VmPTE back down after the run" "kernel $(uname -r) frees no PTE tables on MADV_DONTNEED (< 6.14 or no CONFIG_PT_RECLAIM)"
	elif [ "$(val blocks_used)" -lt 32 ]; then
		not_ok "pt-race fault: used at least 32 blocks" "blocks_used=$(val blocks_used)"
	else
		used_kb=$(($(val vmpte_kb_end) - $(val vmpte_kb_start)))
		if [ $used_kb -le $VMPTE_BOUND_KB ]; then
			ok "pt-race fault: VmPTE +$used_kb kB after $(val blocks_used) blocks (<= $VMPTE_BOUND_KB; $(($(val blocks_used) * 4)) kB without reclaim)"
		else
			not_ok "pt-race fault: VmPTE grows at most $VMPTE_BOUND_KB kB" \
				"VmPTE $(val vmpte_kb_start) -> $(val vmpte_kb_end) kB over $(val blocks_used) blocks"
		fi
	fi
done

for mode in fault gup fork mremap thp uffd; do
	run "$RACE" $mode 1 --self-test-corrupt
	[ $RC = 77 ] && { skip "pt-race $mode --self-test-corrupt" "$(head -1 <<<"$ERR")"; continue; }
	if [ $RC = 1 ] && [ "$(val mismatches)" -gt 0 ] && grep -q "mismatch at 0x" <<<"$ERR"; then
		ok "pt-race $mode --self-test-corrupt: exit 1, $(val mismatches) mismatch(es) reported"
	else
		not_ok "pt-race $mode --self-test-corrupt fails with a mismatch" "rc $RC" "$OUT" "$ERR"
	fi
done

for args in "" "fault" "bogus 3" "fault 0" "fault 3 1" "fault x" "fault 3 4 extra"; do
	run "$RACE" $args
	expect_eq "pt-race ${args:-(no arguments)}: exit 2, one line on stderr" "2 1" \
		"$RC $(grep -c . <<<"$ERR")"
done

if [ -z "$bad0" ]; then
	skip "kernel log stays clean" "dmesg is not readable here: $(head -1 "$BUILD/pt-race-dmesg.err")"
elif ! log=$(dmesg 2>"$BUILD/pt-race-dmesg.err"); then
	not_ok "kernel log has no new WARNING, BUG, bad page or rss-counter line" \
		"dmesg failed after the runs: $(head -1 "$BUILD/pt-race-dmesg.err")"
else
	new=$(grep -E "$BAD" <<<"$log" | tail -n +$((bad0 + 1)) | head -5)
	if [ -z "$new" ]; then ok "kernel log has no new WARNING, BUG, bad page or rss-counter line"; else
		not_ok "kernel log has no new WARNING, BUG, bad page or rss-counter line" "$new"
	fi
fi
tap_done
