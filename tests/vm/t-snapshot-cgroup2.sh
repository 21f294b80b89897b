#!/usr/bin/env bash
# ptwatch snapshot and show --exact under cgroup v2 on Debian's 6.1 (no
# PAGEMAP_SCAN: the pagemap census) and 6.12 (PAGEMAP_SCAN) kernels.
. "$(dirname "$0")/../lib/tap.sh"
for v in 6.1:pagemap 6.12:pagemap_scan; do
	kver=${v%%:*}
	if ! kernel=$("$PTWATCH_ROOT/tests/vm/kernels.sh" fetch "$kver" 2>/dev/null | tail -1) ||
		[ ! -r "$kernel" ]; then
		not_ok "Debian $kver kernel is available" "tests/vm/kernels.sh fetch $kver failed"
		continue
	fi
	start=$SECONDS
	out=$("$PTWATCH_ROOT/tests/vm/guest.sh" --kernel "$kernel" --timeout 300 -- \
		"$PTWATCH_ROOT/tests/vm/guest-snapshot.sh" "${v#*:}" 2>&1 | tr -d '\r')
	rc=$?
	grep -E '^(not )?ok ' <<<"$out" | sed "s/^\(\(not \)\?ok\) - /\1 - [$kver] /"
	grep -qE '^ok ' <<<"$out" || printf '# %s\n' "${out: -2000}"
	expect_eq "[$kver] guest exits 0 ($((SECONDS - start)) s)" 0 "$rc"
done
tap_done
