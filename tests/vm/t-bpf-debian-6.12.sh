#!/usr/bin/env bash
# BPF probes on Debian 12's 6.12 cloud kernel (the fleet's LTS, and the
# base of kernel-patches/): as for 6.1. About 30 s (TCG, 2 cores).
exec "$(dirname "$0")/run-guest-suite.sh" 6.12 tests/vm/guest-bpf.sh 6.12
