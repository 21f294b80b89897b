#!/usr/bin/env bash
# BPF probes on Debian 12's 6.1 cloud kernel: fentry attach, the zap
# fallback, record's counts of a known workload. About 30 s (TCG, 2 cores).
exec "$(dirname "$0")/run-guest-suite.sh" 6.1 tests/vm/guest-bpf.sh 6.1
