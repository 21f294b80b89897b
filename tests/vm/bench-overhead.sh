#!/usr/bin/env bash
# Overhead of the BPF probes on page faults (not a timed test; not run by
# make test): boots one Debian kernel guest and alternates rounds of the
# multi-threaded touch-2MiB / MADV_DONTNEED loop without and with
# `ptwatch record` attached, then prints the medians and the slowdown.
#   tests/vm/bench-overhead.sh [SERIES] [THREADS] [SECONDS] [BLOCKS] [VCPUS]
# Defaults: 6.12 2 1 4. QEMU counts instructions (-icount shift=1,
# sleep=off): guest time advances with the guest's own work, so the load
# that other processes put on the host does not show in the figures.
# Debian's 6.1 hangs bringing up a second CPU under -icount: give it
# VCPUS=1 (the threads then share one vCPU). About 3 minutes. Results go in docs/bpf.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
series=${1:-6.12} threads=${2:-2} secs=${3:-1} blocks=${4:-4} vcpus=${5:-${2:-2}}
kernel=$(tests/vm/kernels.sh fetch "$series")
start=$(date +%s)
PTWATCH_QEMU_ARGS="-icount shift=1,sleep=off" \
	tests/vm/guest.sh --kernel "$kernel" --smp "$vcpus" --timeout 1800 \
	--add "$(command -v bpftool || echo /usr/sbin/bpftool)" -- \
	tests/vm/bench-guest.sh "$threads" "$secs" "$blocks" | sed -u 's/\r$//' |
	grep --line-buffered -E '^(#|BENCH)'
echo "# took $(($(date +%s) - start)) s"
