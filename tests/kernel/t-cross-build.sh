#!/usr/bin/env bash
# The series compiles where it could land, not only on x86: all of mm/ for
# arm64 (no PT_RECLAIM in 6.12: the series' code must build with the option
# unavailable) and mips (its own uapi mman.h, without asm-generic's: the
# advice's constant must be there too), with Debian's cross compilers
# (build-kernel.sh --cross, kernel-patches/cross*.config). Cold: about
# 2-3 minutes per architecture; cached: seconds.
. "$(dirname "$0")/../lib/tap.sh"
for arch in arm64 mips; do
	start=$SECONDS
	if log=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh" --cross $arch); then
		ok "$arch: the series' mm/ compiles ($((SECONDS - start)) s; log $log)"
	else
		not_ok "$arch: the series' mm/ compiles" "see $BUILD/kernel/obj-cross-$arch.log"
		continue
	fi
	dir=$(dirname "$log")
	expect_eq "$arch: CONFIG_PT_RECLAIM is not available" "" \
		"$(grep '^CONFIG_PT_RECLAIM=' "$dir/.config")"
	for o in madvise memory mprotect mremap userfaultfd; do
		if grep -q "CC .*mm/$o.o" "$log"; then
			ok "$arch: mm/$o.o was compiled"
		else
			not_ok "$arch: mm/$o.o was compiled" "not in $log"
		fi
	done
done
# The kselftest the guests run (tests/kselftest/pt_reclaim.c) is the file
# patch 0012 adds to the series, byte for byte.
sel=tools/testing/selftests/mm/pt_reclaim.c
from_patch=$(awk -v f="b/$sel" '/^diff --git / { on = ($4 == f); hunk = 0; next }
	on && /^@@ / { hunk = 1; next } on && hunk && /^\+/ { print substr($0, 2) }' \
	"$PTWATCH_ROOT"/kernel-patches/0012-*.patch)
if [ -n "$from_patch" ] && [ "$from_patch" = "$(cat "$PTWATCH_ROOT/tests/kselftest/pt_reclaim.c")" ]; then
	ok "tests/kselftest/pt_reclaim.c is patch 0012's $sel"
else
	not_ok "tests/kselftest/pt_reclaim.c is patch 0012's $sel" \
		"they differ: regenerate 0012 (kernel-patches/README.md, Editing the series)"
fi
tap_done
