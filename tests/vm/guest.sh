#!/usr/bin/env bash
# Boots a kernel under QEMU (software emulation) with an initramfs built from
# this tree, runs one script inside and exits with the script's status.
#
#   tests/vm/guest.sh --kernel BZIMAGE [--timeout SECS] [--mem SIZE]
#       [--smp N] [--append "ARGS"] [--add HOSTPATH]... -- GUEST_SCRIPT [ARGS...]
#
# The initramfs holds busybox, build/ptwatch, build/ptwatchd, build/*.bpf.o,
# build/tests/*, the repo's tests/ (at /ptwatch/tests), jq, every --add'ed
# host file, and every shared library those need (found with ldd). /proc,
# /sys, devtmpfs, tracefs, debugfs, bpffs and cgroup2 are mounted; the script
# runs under /bin/sh with cwd /ptwatch and /ptwatch/build and
# /ptwatch/build/tests on PATH.
#
# PTWATCH_QEMU_ARGS adds QEMU options (word-split), e.g. "-icount shift=1"
# for the overhead benchmark's instruction-counted clock.
#
# The guest's console goes to stdout. Exit status: the script's, 124 when
# --timeout expired, 125 when the guest died before the script ended, 2 for
# a bad command line. docs/vm-harness.md has the details.
set -euo pipefail

ROOT=${PTWATCH_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${BUILD:-build}
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac

kernel= timeout=600 mem=2G smp=2 append= adds=()
usage() {
	echo "usage: guest.sh --kernel BZIMAGE [--timeout SECS] [--mem SIZE]" \
		"[--smp N] [--append ARGS] [--add HOSTPATH]... -- SCRIPT [ARGS...]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:-}; shift 2 || usage ;;
	--timeout) timeout=${2:-}; shift 2 || usage ;;
	--mem) mem=${2:-}; shift 2 || usage ;;
	--smp) smp=${2:-}; shift 2 || usage ;;
	--append) append=${2:-}; shift 2 || usage ;;
	--add) adds+=("${2:-}"); shift 2 || usage ;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ -n "$kernel" ] && [ $# -ge 1 ] || usage
[ -r "$kernel" ] || { echo "guest.sh: cannot read kernel $kernel" >&2; exit 2; }
[ -r "$1" ] || { echo "guest.sh: cannot read script $1" >&2; exit 2; }
[[ "$timeout" =~ ^[0-9]+$ ]] || usage
script=$(realpath "$1")
shift

work=$(mktemp -d "${TMPDIR:-/tmp}/ptwatch-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
mkdir -p "$stage"/{bin,dev,proc,sys,tmp,run,ptwatch/build/tests}

# Copies a host file and, for a dynamic ELF, the libraries it loads, to the
# same paths in the guest.
add_with_libs() { # $1 host path, $2 guest path (default: same)
	local src=$1 dst=${2:-$1} lib
	mkdir -p "$stage$(dirname "$dst")"
	cp -L "$src" "$stage$dst"
	{ ldd "$src" 2>/dev/null || true; } | { grep -o "/[^ ]*" || true; } | while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

cp /bin/busybox "$stage/bin/busybox"
for f in "$BUILD_DIR"/ptwatch "$BUILD_DIR"/ptwatchd "$BUILD_DIR"/*.bpf.o; do
	[ -f "$f" ] && add_with_libs "$f" "/ptwatch/build/${f##*/}"
done
for f in "$BUILD_DIR"/tests/*; do
	[ -f "$f" ] && [ -x "$f" ] && add_with_libs "$f" "/ptwatch/build/tests/${f##*/}"
done
[ -x "$BUILD_DIR/ptwatch" ] || echo "guest.sh: warning: $BUILD_DIR/ptwatch is not built" >&2
cp -r "$ROOT/tests" "$stage/ptwatch/tests"
command -v jq >/dev/null && add_with_libs "$(command -v jq)" /usr/bin/jq
# An --add'ed file lands at its absolute host path (a relative one is taken
# from the current directory). /tmp and /run get tmpfs mounts in the guest,
# which would hide what the initramfs has there: those files wait under
# /.late and init copies them in after the mounts.
for f in "${adds[@]}"; do
	[ -f "$f" ] || { echo "guest.sh: --add $f: no such file" >&2; exit 2; }
	abs=$(realpath -s "$f")
	case $abs in
	/tmp/* | /run/*) add_with_libs "$(realpath "$f")" "/.late$abs" ;;
	*) add_with_libs "$(realpath "$f")" "$abs" ;;
	esac
done

# The script runs from its place in the tree when it is part of the repo
# (so that it finds its helpers next to it), else from a copy.
case "$script" in
"$ROOT"/*) guest_script=/ptwatch/${script#"$ROOT"/} ;;
*) guest_script=/ptwatch/.guest-script; cp "$script" "$stage$guest_script" ;;
esac
[ -e "$stage$guest_script" ] || cp "$script" "$stage$guest_script"

# Arguments, each single-quoted for the guest's sh.
: >"$stage/ptwatch/.guest-args"
for a in "$@"; do
	printf "'%s' " "${a//\'/\'\\\'\'}" >>"$stage/ptwatch/.guest-args"
done

# A nonce in the exit marker, so that nothing the script prints can fake it.
nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
cat >"$stage/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/ptwatch/build:/ptwatch/build/tests:/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
[ -d /.late ] && cp -a /.late/. /
hostname ptwatch-guest
cd /ptwatch
eval "set -- \$(cat /ptwatch/.guest-args)"
/bin/sh $guest_script "\$@" </dev/null
rc=\$?
echo
echo "PTWATCH_GUEST_EXIT_$nonce=\$rc"
reboot -f
EOF
chmod +x "$stage/init"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$work/initrd"

log=$work/console.log
: >"$log"
# QEMU writes to a file that tail streams to stdout; stdin from /dev/null:
# QEMU must not take the caller's terminal. If guest.sh is stopped, so is
# the guest.
# One TCG thread for all vCPUs: QEMU 7.2's multi-threaded TCG (Debian 12)
# can keep running a translation of kernel code that another vCPU has just
# rewritten (ftrace, kprobes, BPF trampolines: a phantom int3 or a call to
# 0); fixed in QEMU 8.1 by deba78709ae8 ("accel/tcg: Always lock pages
# before translation"). docs/bpf.md, "The Debian 6.1 oops was the
# emulator's". PTWATCH_QEMU_ACCEL overrides (e.g. "tcg,thread=multi").
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
	-accel "${PTWATCH_QEMU_ACCEL:-tcg,thread=single}" -cpu max -m "$mem" -smp "$smp" \
	-display none -monitor none -serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 quiet $append" ${PTWATCH_QEMU_ARGS:-} \
	</dev/null >"$log" 2>&1 &
qpid=$!
trap 'kill $qpid 2>/dev/null || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
tail -n +1 -f --pid=$qpid "$log" &
tpid=$!
set +e
wait $qpid
qemu_rc=$?
wait $tpid
set -e

rc=$(tr -d '\r' <"$log" | sed -n "s/^PTWATCH_GUEST_EXIT_$nonce=\([0-9]*\)\$/\1/p" | tail -n 1)
if [ -n "$rc" ]; then
	exit "$rc"
elif [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
	echo "guest.sh: timed out after $timeout s" >&2
	exit 124
fi
echo "guest.sh: the guest died before the script ended (qemu exit $qemu_rc)" >&2
exit 125
