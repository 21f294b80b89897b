#!/usr/bin/env bash
# systemd as PID 1 on 6.1, ptwatch installed from its .deb (tests/systemd/run-systemd.sh, docs/systemd-tests.md).
exec "$(dirname "$0")/run-systemd.sh" 6.1
