#!/usr/bin/env bash
# Debian cloud kernels for the VM tests.
#
#   tests/vm/kernels.sh fetch 6.1|6.12   # prints the path of a vmlinuz
#   tests/vm/kernels.sh list             # cached kernels
#
# Each series has a pinned package (so that test results are reproducible);
# when the archive no longer carries it, the newest package of the series is
# used instead and a note goes to stderr. Packages are fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` (never installed) under
# $PTWATCH_CACHE/kernels/PACKAGE_VERSION, so a new version gets a new
# directory and an old one is never mixed up with it.
set -euo pipefail

CACHE=${PTWATCH_CACHE:-/var/cache/ptwatch}/kernels

# Pinned packages: the versions the suites were written against.
pin_for() {
	case "$1" in
	6.1) echo linux-image-6.1.0-50-cloud-amd64-unsigned ;;
	6.12) echo linux-image-6.12.117+deb12-cloud-amd64-unsigned ;;
	*) return 1 ;;
	esac
}

# The regex a series' package names match, for the fallback.
pattern_for() {
	case "$1" in
	6.1) echo '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' ;;
	6.12) echo '^linux-image-6\.12\.[0-9]+\+deb12-cloud-amd64-unsigned$' ;;
	esac
}

die() {
	echo "kernels.sh: $*" >&2
	exit 1
}

# Path of an already unpacked vmlinuz for package $1, or nothing.
cached_vmlinuz() {
	local d
	for d in "$CACHE/$1"_*; do
		[ -f "$d/.complete" ] || continue
		ls "$d"/boot/vmlinuz-* 2>/dev/null | head -n 1
		return 0
	done
	return 0
}

available() { # $1 package: does the archive have it?
	[ -n "$(apt-cache madison "$1" 2>/dev/null)" ]
}

newest_of() { # $1 series
	apt-cache search --names-only "$(pattern_for "$1")" 2>/dev/null |
		awk '{print $1}' | sort -V | tail -n 1
}

download() { # $1 package; unpacks it into the cache, prints the vmlinuz
	local pkg=$1 tmp deb ver dir
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
	# apt drops privileges to _apt; give it a directory it can write.
	chmod 0777 "$tmp"
	(cd "$tmp" && apt-get download -q "$pkg" >&2) ||
		{ rm -rf "$tmp"; die "apt-get download $pkg failed"; }
	deb=$(ls "$tmp"/*.deb)
	ver=$(dpkg-deb -f "$deb" Version)
	dir="$CACHE/${pkg}_${ver}"
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$deb" "$dir" || { rm -rf "$tmp" "$dir"; die "cannot unpack $deb"; }
	rm -rf "$tmp"
	# Only boot/ is needed: the cloud kernels build in everything the
	# tests use (virtio, BPF, tracing), so the modules are dropped.
	rm -rf "$dir/lib" "$dir/usr"
	touch "$dir/.complete"
	ls "$dir"/boot/vmlinuz-*
}

fetch() { # $1 series
	local pin pkg path
	pin=$(pin_for "$1") || die "unknown series '$1' (use 6.1 or 6.12)"
	path=$(cached_vmlinuz "$pin")
	if [ -n "$path" ]; then
		echo "$path"
		return 0
	fi
	pkg=$pin
	if ! available "$pkg"; then
		# A stale package list hides newer kernels: refresh once.
		[ "$(id -u)" = 0 ] && apt-get update -qq >&2 || true
		if ! available "$pkg"; then
			pkg=$(newest_of "$1")
			[ -n "$pkg" ] || die "no $1 cloud kernel in the package archive"
			echo "kernels.sh: $pin is gone from the archive, using $pkg" >&2
			path=$(cached_vmlinuz "$pkg")
			if [ -n "$path" ]; then
				echo "$path"
				return 0
			fi
		fi
	fi
	download "$pkg"
}

case "${1:-}" in
fetch)
	[ $# -eq 2 ] || die "usage: kernels.sh fetch 6.1|6.12"
	fetch "$2"
	;;
list)
	ls -d "$CACHE"/*/boot/vmlinuz-* 2>/dev/null || true
	;;
*)
	echo "usage: kernels.sh fetch 6.1|6.12 | list" >&2
	exit 2
	;;
esac
