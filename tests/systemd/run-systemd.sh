#!/usr/bin/env bash
# The host side of one systemd guest suite:
#
#   tests/systemd/run-systemd.sh 6.12|6.1|patched
#
# Builds the package from HEAD (make deb, once per commit), the image
# (image.sh, cached) and the disk (disk.sh), boots the kernel with
# systemd as PID 1 and relays the guest's TAP lines; the rest of the
# console becomes "# console:" lines when the guest fails. SKIPs, with the
# reason, only for what the machine lacks (a tool, root, a package mirror,
# a kernel not built); a package whose Depends do not resolve, a Debian
# kernel that cannot be fetched when the mirror answers, or a disk that
# cannot be made fails. Under CI a skip fails too (tests/run-tests.sh).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/guest-tap.sh"
set -u
series=$1
start=$SECONDS
out=$BUILD/systemd
mkdir -p "$out"

skip_all() {
	skip "systemd guest on $series" "$1"
	tap_done
}
for t in qemu-system-x86_64 mke2fs dpkg-buildpackage; do
	command -v "$t" >/dev/null || skip_all "$t is not installed (make deps installs it)"
done
[ "$(id -u)" = 0 ] || skip_all "needs root (chroot dpkg -i, mke2fs -d of a root file system)"

case $series in
patched)
	kind=patched
	kernel=$("$PTWATCH_ROOT/kernel-patches/build-kernel.sh" --print 2>/dev/null) ||
		skip_all "the patched kernel is not built (make kernel)"
	;;
*)
	kind=debian
	kernel=$("$PTWATCH_ROOT/tests/vm/kernels.sh" fetch "$series" 2>"$out/kernel.err") ||
		skip_all "no Debian $series kernel: $(tail -n 1 "$out/kernel.err")"
	;;
esac

# The package, built from HEAD once per commit (make deb exports HEAD: an
# uncommitted change is not in it).
head=$(git -C "$PTWATCH_ROOT" rev-parse HEAD 2>/dev/null || echo nogit)
debdir=$out/deb-$head
exec 8>"$out/.deb.lock"
flock 8
if ! ls "$debdir"/ptwatch_*_amd64.deb >/dev/null 2>&1; then
	rm -rf "$out"/deb-*
	if ! (cd "$PTWATCH_ROOT" && nice make -s deb BUILD="$debdir" >"$out/deb.log" 2>&1); then
		not_ok "make deb for the systemd guest" "$(tail -n 15 "$out/deb.log")"
		tap_done
	fi
	rm -rf "$debdir/deb-src"
fi
flock -u 8
deb=$(ls "$debdir"/ptwatch_*_amd64.deb)
echo "# package: $deb (HEAD $head)"

# The image holds what the package depends on, so dpkg -i finds it all.
deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*)//; s/|.*//; s/ //g' | grep -v '^$')
# A failed build (no mirror) is not retried by the next suite of the same
# run for 20 minutes: one wait for apt's timeouts, not three.
if [ -n "$(find "$out/image.failed" -mmin -20 2>/dev/null)" ]; then
	skip_all "no Debian 12 image: $(cat "$out/image.failed") (failed at $(date -r "$out/image.failed" +%T))"
fi
# shellcheck disable=SC2086
tar=$("$PTWATCH_ROOT/tests/systemd/image.sh" $deps 2>"$out/image.err")
case $? in
0) ;;
4)
	not_ok "the package's Depends resolve in Debian 12 (the guest image)" \
		"$(tail -n 1 "$out/image.err")"
	tap_done ;;
*)
	tail -n 1 "$out/image.err" >"$out/image.failed"
	skip_all "no Debian 12 image: $(cat "$out/image.failed")" ;;
esac
rm -f "$out/image.failed"
echo "# image: $tar"
if ! disk=$(BUILD=$BUILD "$PTWATCH_ROOT/tests/systemd/disk.sh" "$tar" "$deb" "$out" 2>"$out/disk.err"); then
	not_ok "the guest disk (dpkg -i ptwatch, mke2fs -d)" "$(tail -n 15 "$out/disk.err")"
	tap_done
fi
echo "# disk: $disk ($((SECONDS - start)) s to here)"
echo "# kernel: $kernel"

GUEST_SH=$PTWATCH_ROOT/tests/systemd/boot.sh GUEST_NICE=1 \
	guest_tap "systemd guest on $series ($kind): the checks ran to their end" \
	"$out/console-$series.log" --kernel "$kernel" --disk "$disk" --kind "$kind" \
	--timeout "${PTWATCH_SYSD_TIMEOUT:-420}"
echo "# systemd suite on $series: $((SECONDS - start)) s in all"
tap_done
