#!/usr/bin/env bash
# Compile check of every prefix of the series: for N = 1..count, applies
# patches 1..N to a copy of the pinned source and compiles the C files the
# whole series touches (plus the objects they need) with the test config.
# Slow (minutes per prefix); run by hand after changing the series:
#   kernel-patches/check-prefixes.sh [FIRST [LAST]]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cache=${PTWATCH_CACHE:-/var/cache/ptwatch}
build=${BUILD:-$root/build}
work=$build/kernel/prefix
version=$(cat "$here/SOURCE_VERSION")
tarball=$cache/src/$version/linux-source-6.12.tar.xz
[ -f "$tarball" ] || { echo "run make kernel first (no $tarball)" >&2; exit 1; }
mapfile -t patches < <(grep -v '^[[:space:]]*\(#\|$\)' "$here/series")
first=${1:-1} last=${2:-${#patches[@]}}
# every .c the series touches that the test config compiles
mapfile -t objs < <(cat "$here"/0*.patch | sed -n 's|^+++ b/\(.*\)\.c$|\1.o|p' |
	sort -u | grep -v -e debug_vm_pgtable -e paravirt -e migrate_device)
export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$work CCACHE_NOHASHDIR=1
rm -rf "$work"
mkdir -p "$work/src" "$work/obj"
tar -xJf "$tarball" -C "$work/src" --strip-components=1
for ((n = 1; n <= last; n++)); do
	patch -d "$work/src" -p1 --batch --forward --quiet < "$here/${patches[n - 1]}"
	[ "$n" -ge "$first" ] || continue
	make -s -C "$work/src" O="$work/obj" tinyconfig
	"$work/src/scripts/kconfig/merge_config.sh" -m -O "$work/obj" \
		"$work/obj/.config" "$here/ptwatch.config" >/dev/null
	make -s -C "$work/src" O="$work/obj" olddefconfig
	have=()
	for o in "${objs[@]}"; do
		[ -f "$work/src/${o%.o}.c" ] && have+=("$o")
	done
	if nice make -s -C "$work/src" O="$work/obj" -j"${JOBS:-2}" \
		CC="ccache gcc" KCFLAGS=-Werror "${have[@]}" > "$work/log.$n" 2>&1; then
		echo "ok - prefix 1..$n (${patches[n - 1]}) compiles ${#have[@]} objects"
	else
		echo "not ok - prefix 1..$n (${patches[n - 1]})"
		tail -n 20 "$work/log.$n" | sed 's/^/#   /'
	fi
done
