#!/usr/bin/env bash
# The VM harness itself (tests/vm/guest.sh), on Debian's 6.12 kernel: what
# --add puts in the guest (a relative path, a path under /tmp, which the
# guest mounts tmpfs on), what it refuses, and that the script's exit
# status comes back. ~15 s.
. "$(dirname "$0")/../lib/tap.sh"
if ! kernel=$("$PTWATCH_ROOT/tests/vm/kernels.sh" fetch 6.12 2>/dev/null | tail -1) ||
	[ ! -r "$kernel" ]; then
	not_ok "Debian 6.12 kernel is available" "tests/vm/kernels.sh fetch 6.12 failed"
	tap_done
fi
tmp=$(mktemp -d /tmp/ptw-harness.XXXXXX)
rel=$(mktemp -d "$BUILD/harness.XXXXXX")
trap 'rm -rf "$tmp" "$rel"' EXIT
echo "from /tmp" > "$tmp/a.txt"
echo "from a relative path" > "$rel/b.txt"
cat > "$tmp/guest.sh" <<GUEST
#!/bin/sh
cat "$tmp/a.txt" || exit 10
cat "$rel/b.txt" || exit 11
exit 7
GUEST
# guest.sh resolves --add paths from its own current directory
out=$(set -o pipefail; cd "$BUILD" && "$PTWATCH_ROOT/tests/vm/guest.sh" --kernel "$kernel" --timeout 120 \
	--mem 512M --add "$tmp/a.txt" --add "${rel#"$BUILD"/}/b.txt" -- "$tmp/guest.sh" 2>&1 |
	tr -d '\r')
rc=$?
check "--add of a file under /tmp reaches the guest (tmpfs there)" grep -qx "from /tmp" <<<"$out"
check "--add of a relative path reaches the guest at its absolute path" \
	grep -qx "from a relative path" <<<"$out"
expect_eq "the guest script's exit status comes back" 7 "$rc"
err=$("$PTWATCH_ROOT/tests/vm/guest.sh" --kernel "$kernel" --add "$tmp/missing" -- "$tmp/guest.sh" 2>&1)
rc=$?
expect_eq "--add of a missing file: exit 2" 2 "$rc"
check "--add of a missing file: one line that names it" grep -q "^guest.sh: --add $tmp/missing: no such file$" <<<"$err"
tap_done
