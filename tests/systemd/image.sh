#!/usr/bin/env bash
# The Debian 12 userspace the systemd guest suite boots: an mmdebstrap
# tarball (variant essential + systemd + the packages listed below), cached
# under $PTWATCH_CACHE/systemd-image/KEY/rootfs.tar.
#
#   tests/systemd/image.sh PACKAGE...   # prints the tarball's path
#
# PACKAGE... are added to the image (the suite passes the .deb's Depends).
# KEY hashes everything that goes into the image: this script (its hooks)
# and the package list; a changed input gets a new directory. The ptwatch
# package and the test scripts are not in the image: they are installed
# into a copy of it for each run (tests/systemd/disk.sh), so one image
# serves every change to the code.
#
# Exit status: 0 with the path on stdout; 3 when the image cannot be built
# for what the machine lacks (no mirror, mmdebstrap missing, not root),
# which the suites turn into a SKIP; 4 when the packages do not resolve (a
# Depends of ours that Debian 12 cannot satisfy: a packaging regression,
# which the suites report as a failure). The reason is the last stderr line.
set -euo pipefail

CACHE=${PTWATCH_CACHE:-/var/cache/ptwatch}/systemd-image
# mmdebstrap on a slow mirror: ~1 min here; an unreachable mirror must not
# hang the suite.
BUILD_TIMEOUT=${PTWATCH_IMAGE_TIMEOUT:-900}
SUITE=bookworm
MACHINE_ID=5eb1c3b5d6a84a0d9a3c1f2e7b8d9c01

cannot() {
	echo "image.sh: $*" >&2
	exit 3
}

base=(systemd systemd-sysv procps jq)
pkgs=$(printf '%s\n' "${base[@]}" "$@" | sort -u | paste -sd, -)
key=$({ cat "$0"; echo "$SUITE $pkgs"; } | sha256sum | cut -c1-16)
dir=$CACHE/$key
if [ -f "$dir/.complete" ]; then
	echo "$dir/rootfs.tar"
	exit 0
fi
command -v mmdebstrap >/dev/null || cannot "mmdebstrap is not installed (make deps installs it)"
[ "$(id -u)" = 0 ] || cannot "building the image needs root"
mkdir -p "$CACHE"
# One builder at a time; a second suite waits for the first one's image.
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$dir/.complete" ]; then
	echo "$dir/rootfs.tar"
	exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
log=$dir/mmdebstrap.log
echo "image.sh: building $dir (mmdebstrap $SUITE: $pkgs)" >&2
# The hooks run on the host with the image's root in $1:
# - a fixed machine-id (else the first boot asks on the console) and
#   hostname;
# - no login prompt on the serial console (the suite's output goes there);
# - a volatile journal (nothing to flush to the disk, which is thrown away);
# - root mounted from the kernel command line (root=/dev/nvme0n1 rw): no
#   fstab, no fsck.
if ! timeout --kill-after=10 "$BUILD_TIMEOUT" nice mmdebstrap \
	--variant=essential --include="$pkgs" \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--customize-hook="echo $MACHINE_ID >\"\$1/etc/machine-id\"" \
	--customize-hook='echo ptwatch-guest >"$1/etc/hostname"' \
	--customize-hook='ln -sf /dev/null "$1/etc/systemd/system/serial-getty@ttyS0.service"' \
	--customize-hook='ln -sf /dev/null "$1/etc/systemd/system/getty@tty1.service"' \
	--customize-hook='mkdir -p "$1/etc/systemd/journald.conf.d" && printf "[Journal]\nStorage=volatile\n" >"$1/etc/systemd/journald.conf.d/volatile.conf"' \
	"$SUITE" "$dir/rootfs.tmp.tar" >"$log" 2>&1; then
	reason=$(grep -E '^E: ' "$log" | head -n 1)
	rm -f "$dir/rootfs.tmp.tar"
	unresolved='Unable to locate package|is not installable|has no installation candidate|Unable to correct problems|unmet dependencies|but it is not going to be installed'
	if grep -qE "$unresolved" "$log"; then
		echo "image.sh: the packages do not resolve in Debian 12 ($pkgs): $(grep -E "$unresolved" "$log" | head -n 1)" >&2
		exit 4
	fi
	cannot "mmdebstrap failed (package mirror unreachable?): ${reason:-$(tail -n 1 "$log")}"
fi
mv "$dir/rootfs.tmp.tar" "$dir/rootfs.tar"
touch "$dir/.complete"
echo "$dir/rootfs.tar"
