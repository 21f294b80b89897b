#!/usr/bin/env bash
# The reclaim series under the kernel's own checkers: builds the debug
# variant of the patched 6.12 kernel (kernel-patches/debug.config: KASAN,
# lockdep, DEBUG_VM, PAGE_TABLE_CHECK, full preemption; make kernel-debug) or takes it from
# the cache, boots it in QEMU and runs tests/kernel/guest-debug-stress.sh:
# stress-ng with vm.pt_reclaim=1 and ptwatch record attached, then our race
# tests, the MADV_PT_RECLAIM fuzzer (pt-fuzz) and MADV_PT_RECLAIM from
# hostile callers (guest-hostile.sh). Any WARN, BUG, KASAN, lockdep or
# page-table-check report fails.
# Short by default (60 s of stress, 5 s per race mode, 60 s of pt-fuzz);
# PTWATCH_LONG=1 (make test-long) runs 300 s of stress, 30 s per race
# mode and 300 s of pt-fuzz.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
if [ "${PTWATCH_LONG:-0}" = 1 ]; then
	args=(300 30 300) timeout=3600
else
	args=(60 5 60) timeout=1500
fi
start=$SECONDS
if ! kernel=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh" --debug); then
	not_ok "debug 6.12 kernel builds (make kernel-debug)" "see $BUILD/kernel/obj-debug.log"
	tap_done
fi
ok "debug 6.12 kernel built or taken from the cache ($((SECONDS - start)) s)"
# the kselftest needs a kernel tree (tests/kselftest); guest-hostile.sh
# runs it when built
make -s -C "$PTWATCH_ROOT" kselftest >&2 ||
	not_ok "kselftest pt_reclaim builds (make kselftest)"
for w in pt-hostile as-user; do
	if [ ! -x "$BUILD/tests/$w" ]; then
		not_ok "workload build/tests/$w is built" "run make first"
		tap_done
	fi
done
# The checkers the verdict relies on are in the kernel that booted
opts="KASAN PROVE_LOCKING DEBUG_VM DEBUG_VM_PGTABLE PAGE_TABLE_CHECK"
opts+=" PAGE_TABLE_CHECK_ENFORCED DEBUG_ATOMIC_SLEEP PT_RECLAIM"
# preemptible, so that races needing a preemption between two locks open
opts+=" PREEMPT PREEMPT_RCU DEBUG_PREEMPT RCU_BOOST"
missing=$(for o in $opts; do
	grep -qx "CONFIG_$o=y" "${kernel%/*}/.config" || echo "CONFIG_$o"
done)
expect_eq "debug kernel has CONFIG_{${opts// /,}}=y" "" "$missing"
stress=$(command -v stress-ng || true)
if [ -z "$stress" ]; then
	not_ok "stress-ng is installed (make deps)"
	tap_done
fi
# Two vCPUs that really run at once (multi-threaded TCG): the race tests
# must not be serialized onto one host thread (guest.sh's default, for
# QEMU 7.2's stale-translation bug, docs/bpf.md). This guest patches code
# only when it switches tracepoints on, once per run.
PTWATCH_QEMU_ACCEL=${PTWATCH_QEMU_ACCEL:-tcg,thread=multi} \
# no5lvl: 4-level paging, the layout the stress was validated on. With
# QEMU's la57 a loaded host once gave a KASAN wild-memory-access in an
# early interrupt (handle_edge_irq during identify_cpu, before any test,
# at a 5-level direct-map address; docs/kernel-stress.md); 3 boots since,
# with and without it, were clean. The plain guests keep 5-level paging.
	guest_tap "debug guest" "$BUILD/bench/debug-stress.log" --kernel "$kernel" \
	--smp 2 --mem 2G --timeout "$timeout" --add "$stress" --append no5lvl -- \
	"$PTWATCH_ROOT/tests/kernel/guest-debug-stress.sh" "${args[@]}"
tap_done
