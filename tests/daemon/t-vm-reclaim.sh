#!/usr/bin/env bash
# ptwatchd on the patched 6.12 kernel (kernel-patches/) in QEMU, with the
# real vm.pt_reclaim: real waste makes the policy switch reclaim on, the
# next process keeps no empty tables, rollback_on_exit restores the knob.
# The kernel comes from kernel-patches/build-kernel.sh (cached under
# /var/cache/ptwatch/kernel; built on first use, ~12 min, shared with
# tests/kernel). The guest run takes about a minute.
. "$(dirname "$0")/lib.sh"

# A kernel that does not build is tests/kernel's failure to report.
if ! kernel=$(kernel-patches/build-kernel.sh 2>"$T/kbuild.log"); then
	skip "ptwatchd on the patched 6.12 kernel" \
		"the patched kernel did not build: $(tail -1 "$T/kbuild.log")"
	exit 0
fi
# the guest finds build/tests/madvise-hold on its PATH (tests/daemon/build.mk)
start=$SECONDS
out=$(tests/vm/guest.sh --kernel "$kernel" --timeout 900 --mem 2G \
	-- "$PWD/tests/daemon/guest-reclaim.sh" madvise-hold 2>&1)
rc=$?
out=$(tr -d '\r' <<<"$out")
grep -E '^(not )?ok |^# ' <<<"$out"
grep -qE '^ok ' <<<"$out" || printf '# %s\n' "${out: -2000}"
if [ $rc -eq 0 ]; then
	ok "guest run exits 0 ($((SECONDS - start)) s)"
else
	not_ok "guest run exits 0" "exit $rc after $((SECONDS - start)) s"
fi
