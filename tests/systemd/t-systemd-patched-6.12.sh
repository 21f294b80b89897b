#!/usr/bin/env bash
# systemd as PID 1 on patched, ptwatch installed from its .deb (tests/systemd/run-systemd.sh, docs/systemd-tests.md).
exec "$(dirname "$0")/run-systemd.sh" patched
