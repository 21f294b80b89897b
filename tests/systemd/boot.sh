#!/usr/bin/env bash
# Boots a kernel under QEMU (software emulation) on a copy of a systemd
# guest disk (disk.sh): root on NVMe (built into the Debian cloud kernels
# and the patched kernel, so no initrd), systemd as PID 1. The disk's
# ptwatch-test.service runs the checks and reboots; -no-reboot ends QEMU.
#
#   tests/systemd/boot.sh --kernel BZIMAGE --disk IMG --kind KIND
#       [--timeout SECS] [--mem SIZE] [--smp N]
#
# KIND (debian, patched) goes to the guest on the kernel command line. The
# console goes to stdout. Exit status: the checks', 124 when --timeout
# expired, 125 when the guest died before the checks ended, 2 for a bad
# command line (the same as tests/vm/guest.sh).
set -euo pipefail

kernel= disk= kind= timeout=420 mem=1G smp=1
usage() {
	echo "usage: boot.sh --kernel BZIMAGE --disk IMG --kind KIND [--timeout SECS] [--mem SIZE] [--smp N]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--disk) disk=${2:-}; shift 2 || usage ;;
	--kind) kind=${2:-}; shift 2 || usage ;;
	--timeout) timeout=${2:-}; shift 2 || usage ;;
	--mem) mem=${2:-}; shift 2 || usage ;;
	--smp) smp=${2:-}; shift 2 || usage ;;
	*) usage ;;
	esac
done
[ -r "$kernel" ] && [ -r "$disk" ] && [ -n "$kind" ] || usage
[[ "$timeout" =~ ^[0-9]+$ ]] || usage

work=$(mktemp -d "${TMPDIR:-/tmp}/ptwatch-sysd.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp --sparse=always "$disk" "$work/disk.img"
nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
log=$work/console.log
: >"$log"
# systemd.firstboot=off and the image's fixed machine-id: nothing waits for
# input. systemd.show_status=0: the console carries the checks' lines.
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
	-accel tcg -cpu max -m "$mem" -smp "$smp" \
	-display none -monitor none -serial stdio -no-reboot \
	-drive file="$work/disk.img",if=none,id=root,format=raw \
	-device nvme,drive=root,serial=ptwatch-root \
	-kernel "$kernel" \
	-append "console=ttyS0 root=/dev/nvme0n1 rw panic=-1 quiet systemd.firstboot=off systemd.show_status=0 ptwatch.kind=$kind ptwatch.nonce=$nonce" \
	</dev/null >"$log" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
tail -n +1 -f --pid=$qpid "$log" &
tpid=$!
set +e
wait $qpid
qemu_rc=$?
wait $tpid
set -e

rc=$(tr -d '\r' <"$log" | sed -n "s/^PTWATCH_GUEST_EXIT_$nonce=\([0-9]*\)\$/\1/p" | tail -n 1)
if [ -n "$rc" ]; then
	exit "$rc"
elif [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "boot.sh: timed out after $timeout s" >&2
	exit 124
fi
echo "boot.sh: the guest died before the checks ended (qemu exit $qemu_rc)" >&2
exit 125
