#!/usr/bin/env bash
# The task iterator sampler on Debian's 6.1 (atomic RSS counters) and 6.12
# (per-CPU RSS counters, summed as procfs sums them) kernels: iterator =
# procfs for every still process, the deny switch's fallback
# (tests/vm/guest-iter.sh). About 40 s a kernel (TCG, 2 cores).
. "$(dirname "$0")/../lib/tap.sh"
for kver in 6.1 6.12; do
	if ! kernel=$("$PTWATCH_ROOT/tests/vm/kernels.sh" fetch "$kver" 2>/dev/null | tail -1) ||
		[ ! -r "$kernel" ]; then
		not_ok "Debian $kver kernel is available" "tests/vm/kernels.sh fetch $kver failed"
		continue
	fi
	start=$SECONDS
	out=$("$PTWATCH_ROOT/tests/vm/guest.sh" --kernel "$kernel" --timeout 300 -- \
		"$PTWATCH_ROOT/tests/vm/guest-iter.sh" 2>&1 | tr -d '\r')
	rc=$?
	grep -E '^(not )?ok |^# [0-9]+ processes|^#   ' <<<"$out" |
		sed "s/^\(\(not \)\?ok\) - /\1 - [$kver] /"
	grep -qE '^ok ' <<<"$out" || printf '# %s\n' "${out: -2000}"
	expect_eq "[$kver] guest exits 0 ($((SECONDS - start)) s)" 0 "$rc"
done
tap_done
