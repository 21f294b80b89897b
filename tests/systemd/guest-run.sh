#!/bin/sh
# Runs the guest checks, then the exit marker (with the nonce the host put
# on the kernel command line, so nothing the checks print can fake it), and
# reboots at once: QEMU runs with -no-reboot, so that ends it.
nonce=$(sed -n 's/.*ptwatch\.nonce=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
kind=$(sed -n 's/.*ptwatch\.kind=\([a-z0-9.]*\).*/\1/p' /proc/cmdline)
sh /opt/ptwatch-test/guest-systemd.sh "$kind" 2>&1
rc=$?
echo
echo "PTWATCH_GUEST_EXIT_$nonce=$rc"
sync
systemctl reboot --force --force
