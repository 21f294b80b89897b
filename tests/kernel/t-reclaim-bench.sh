#!/usr/bin/env bash
# What PTE reclaim saves and costs, measured in one boot of the patched
# 6.12 kernel (not the debug one) in QEMU: tests/kernel/guest-reclaim-bench.sh
# does the work; figures are its "BENCH" lines, kept in
# $BUILD/bench/reclaim-bench.txt. QEMU counts instructions (-icount
# shift=1,sleep=off): guest time follows the guest's own work, so the load
# other processes put on this host does not show in the ratios.
# Short by default (~4 min); PTWATCH_LONG=1 (make bench-long) runs the
# full length: seed at 8 GiB and 50 GiB (the seeds' size), a 1 GiB heap,
# 8 blocks of 2 s rounds.
. "$(dirname "$0")/../lib/tap.sh"
if [ "${PTWATCH_LONG:-0}" = 1 ]; then
	args=(2 2 8 "4096 25600" 1024) timeout=5400
else
	args=(2 1 3 "256 1024" 256) timeout=1800
fi
start=$SECONDS
if ! kernel=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh"); then
	not_ok "patched 6.12 kernel builds (make kernel)" "see $BUILD/kernel/obj.log"
	tap_done
fi
ok "patched 6.12 kernel built or taken from the cache ($((SECONDS - start)) s)"
adds=()
bpftool=$(command -v bpftool || echo /usr/sbin/bpftool)
[ -x "$bpftool" ] && adds=(--add "$bpftool")
mkdir -p "$BUILD/bench"
log=$BUILD/bench/reclaim-bench.txt
start=$SECONDS
out=$(PTWATCH_QEMU_ARGS="-icount shift=1,sleep=off" \
	"$PTWATCH_ROOT/tests/vm/guest.sh" --kernel "$kernel" --smp 1 --mem 2G \
	--timeout "$timeout" "${adds[@]}" -- \
	"$PTWATCH_ROOT/tests/kernel/guest-reclaim-bench.sh" "${args[@]}" 2>&1)
rc=$?
out=$(tr -d '\r' <<<"$out")
grep -E '^(BENCH|# )' <<<"$out" > "$log"
grep -E '^(not )?ok |^# |^BENCH' <<<"$out" | sed 's/^BENCH/# BENCH/'
grep -qE '^ok ' <<<"$out" || printf '# %s\n' "${out: -3000}"
expect_eq "benchmark guest exits 0 ($((SECONDS - start)) s; figures in $log)" 0 "$rc"
tap_done
