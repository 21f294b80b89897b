#!/usr/bin/env bash
# The root disk of a systemd guest: the cached image (image.sh) with the
# ptwatch package installed by dpkg and the guest checks added, as an ext4
# file system image (mke2fs -d: no loop mount).
#
#   tests/systemd/disk.sh ROOTFS_TAR DEB OUT_DIR   # prints the disk's path
#
# The disk is kept in OUT_DIR as disk-KEY.img, KEY hashing the image, the
# package and the files added, so the three kernels of one `make test`
# share it; each boot works on a copy (tests/systemd/boot.sh).
set -euo pipefail

tar=$1 deb=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
helper=${BUILD:-build}/tests/pt-shape
files=("$here/guest-systemd.sh" "$here/guest-run.sh" "$here/ptwatch-test.service" "$helper")
key=$({ echo "$tar"; sha256sum "$deb" "${files[@]}" "$0" | cut -c1-64; } | sha256sum | cut -c1-16)
disk=$out/disk-$key.img
if [ -f "$disk" ]; then
	echo "$disk"
	exit 0
fi
mkdir -p "$out"
rm -f "$out"/disk-*.img
work=$(mktemp -d "$out/.disk.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir "$root"
tar -xf "$tar" -C "$root"
# dpkg -i as an administrator would: the maintainer scripts enable the
# unit (dh_installsystemd); systemd is not running in the chroot, so
# nothing is started until the guest boots.
cp "$deb" "$root/tmp/ptwatch.deb"
chroot "$root" dpkg -i /tmp/ptwatch.deb >&2
rm "$root/tmp/ptwatch.deb"
install -d "$root/opt/ptwatch-test"
install -m 0755 "$here/guest-systemd.sh" "$here/guest-run.sh" "$helper" "$root/opt/ptwatch-test/"
install -m 0644 "$here/ptwatch-test.service" "$root/etc/systemd/system/"
ln -sf ../ptwatch-test.service "$root/etc/systemd/system/multi-user.target.wants/ptwatch-test.service"
# The suite's drop-in: a short watchdog, so that the SIGSTOP check takes
# seconds; in place from boot (a daemon-reload and restart in the guest
# cost 20 s under TCG).
install -d "$root/etc/systemd/system/ptwatchd.service.d"
printf '[Service]\nWatchdogSec=5s\nRestartSec=1s\nTimeoutAbortSec=2s\n' \
	>"$root/etc/systemd/system/ptwatchd.service.d/test-watchdog.conf"
mke2fs -q -t ext4 -L root -d "$root" "$work/disk.img" 1G >&2
mv "$work/disk.img" "$disk"
echo "$disk"
