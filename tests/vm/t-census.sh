#!/usr/bin/env bash
# The occupancy census (tests/vm/guest-census.sh) on Debian's 6.1 (pagemap
# only) and 6.12 (PAGEMAP_SCAN and pagemap) kernels, and with swap on the
# patched kernel (its brd RAM disk) when it is built. About 1 min a guest.
. "$(dirname "$0")/../lib/tap.sh"
N=16
guest() { # LABEL KERNEL SWAP
	local start=$SECONDS out rc
	out=$("$PTWATCH_ROOT/tests/vm/guest.sh" --kernel "$2" --timeout 400 -- \
		"$PTWATCH_ROOT/tests/vm/guest-census.sh" $N "$3" 2>&1 | tr -d '\r')
	rc=$?
	grep -E '^(not )?ok ' <<<"$out" | sed "s/^\(\(not \)\?ok\) - /\1 - [$1] /"
	grep -E '^# ' <<<"$out" | sed "s/^# /# [$1] /"
	grep -qE '^ok ' <<<"$out" || printf '# %s\n' "${out: -2000}"
	expect_eq "[$1] guest exits 0 ($((SECONDS - start)) s)" 0 "$rc"
}
for v in 6.1 6.12; do
	if ! kernel=$("$PTWATCH_ROOT/tests/vm/kernels.sh" fetch "$v" 2>/dev/null | tail -1) ||
		[ ! -r "$kernel" ]; then
		not_ok "Debian $v kernel is available" "tests/vm/kernels.sh fetch $v failed"
		continue
	fi
	guest "$v" "$kernel" ""
done
if patched=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh" --print 2>/dev/null) &&
	[ -r "$patched" ]; then
	guest patched "$patched" swap
else
	skip "census of swapped pages on the patched kernel" \
		"not built (make kernel): the only guest with a swap device"
fi
tap_done
