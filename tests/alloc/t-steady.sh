#!/usr/bin/env bash
# The steady-state benchmark's short run (tests/alloc/steady-bench.sh): 120 s
# per mode (two of drift's days) in the patched guest; fails when, on
# drift, ptwatchd's mode does not end with at least 30% fewer empty PTE
# tables than the kernel alone (the mean of the run's last sixth), or a
# workload loses data. The long run: make bench-alloc (docs/alloc-bench.md).
# time limit: 2700 s
exec "$(dirname "$0")/steady-bench.sh"
