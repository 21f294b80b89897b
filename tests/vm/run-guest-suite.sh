#!/usr/bin/env bash
# Host side of a VM suite: fetches a Debian kernel, boots it with
# guest.sh, runs a guest script there and relays its TAP lines (everything
# else the console shows becomes a "# " comment). Prints how long it took.
#   tests/vm/run-guest-suite.sh SERIES GUEST_SCRIPT [ARGS...]
# SERIES "patched" boots $PTWATCH_PATCHED_KERNEL instead of a Debian one.
set -u
cd "$(dirname "$0")/../.."
series=$1
shift
start=$(date +%s)
took() { echo "# VM suite on $series took $(($(date +%s) - start)) s"; }

if ! command -v qemu-system-x86_64 >/dev/null; then
	echo "ok - $series guest # SKIP qemu-system-x86_64 not installed (make deps)"
	exit 0
fi
if [ "$series" = patched ]; then
	kernel=$PTWATCH_PATCHED_KERNEL
elif ! kernel=$(tests/vm/kernels.sh fetch "$series"); then
	echo "not ok - fetch the $series cloud kernel"
	exit 1
fi
echo "# kernel: $kernel"
failed=0 rc=
while IFS= read -r line; do
	line=${line//$'\r'/}
	case "$line" in
	"ok "* | "ok") echo "$line" ;;
	"not ok"*) echo "$line"; failed=1 ;;
	PTWATCH_SUITE_RC=*) rc=${line#*=} ;;
	"#"*) echo "$line" ;;
	*) echo "# $line" ;;
	esac
done < <(tests/vm/guest.sh --kernel "$kernel" --timeout 300 -- "$@" 2>&1
	echo "PTWATCH_SUITE_RC=$?")
took
if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
	case "$rc" in
	124) why="timed out" ;;
	125) why="died before the script ended" ;;
	*) why="exited $rc" ;;
	esac
	echo "not ok - the $series guest ran its script to the end ($why)"
	exit 1
fi
exit "$failed"
