#!/usr/bin/env bash
# By hand, to compare kernels: the zap path's cost with the zap_pte_table
# event off (zap-bench's order-0 teardown) on each BZIMAGE in turn, each in
# a boot of its own under QEMU counting instructions (-icount
# shift=1,sleep=off, one vCPU: guest time follows the guest's own work, as
# t-reclaim-bench measures costs). Prints one BENCH line per kernel.
#   tests/kernel/zap-cost.sh BZIMAGE... [-- MIB ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kernels=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do kernels+=("$1"); shift; done
[ $# -gt 0 ] && shift
for k in "${kernels[@]}"; do
	PTWATCH_QEMU_ARGS="-icount shift=1,sleep=off" \
		"$root/tests/vm/guest.sh" --kernel "$k" --smp 1 --mem 1G \
		--timeout 1800 -- "$root/tests/kernel/guest-zap-cost.sh" "$@" |
		tr -d '\r' | grep -E '^(BENCH|not ok|ok)'
done
