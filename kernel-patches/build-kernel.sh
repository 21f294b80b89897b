#!/usr/bin/env bash
# Builds the ptwatch test kernel: Debian's linux-source-6.12 at a pinned
# version + the patches listed in kernel-patches/series, configured from
# tinyconfig + kernel-patches/ptwatch.config, bzImage built by make -j2
# (with ccache when PTWATCH_CCACHE=1).
#
#   kernel-patches/build-kernel.sh [--print] [--force] [--no-patches] [--debug|--off|--cross ARCH]
#
# Prints the path of the bzImage on stdout (everything else goes to
# stderr). The result is cached under $PTWATCH_CACHE/kernel/<key>/ where
# <key> hashes the source version, the series, the code of every patch
# (not its message), the config fragment and this script: an unchanged
# input is never rebuilt.
#   --print       only print the cached path (exit 3 when not built yet)
#   --force       rebuild even if cached
#   --no-patches  build the unpatched source (for comparisons)
#   --debug       add kernel-patches/debug.config (KASAN, lockdep,
#                 DEBUG_VM, PAGE_TABLE_CHECK): the stress tests' kernel,
#                 built in its own object tree, cached under its own key
#   (the plain and off kernels also get kernel-patches/guest.config: swap,
#   block, NVMe, ext4 and what systemd needs, for the swap and systemd
#   guests; not the debug one, which KASAN makes slow to build)
#   --off         add kernel-patches/off.config (CONFIG_PT_RECLAIM=n): the
#                 compile and link check of the series with its option
#                 off; its own object tree and key, like --debug
#   --cross ARCH  compile check of the series on another architecture
#                 (arm64: PT_RECLAIM unsupported; mips: its own uapi
#                 mman.h) with Debian's cross compiler: tinyconfig +
#                 cross.config (+ cross-ARCH.config), then all of mm/.
#                 Prints the build log's path; cached like a kernel
# Environment: PTWATCH_CACHE (/var/cache/ptwatch), BUILD (build),
# JOBS (2), KERNEL_SRC_VERSION (pinned below), PTWATCH_CCACHE (0; 1
# compiles through ccache in its depend mode, in $PTWATCH_CACHE/ccache).
#
# Why ccache is not the default: a cold cache made the plain kernel's
# compile 62% slower here (mm/ + drivers/acpi/: 109 s without, 177 s
# with ccache, 135 s in its depend mode), and a cold build is what CI
# and a new machine pay, where nothing can hit. What ccache used to save
# make does without it: the object trees stay in $BUILD/kernel and the
# source tree is rewritten only where the series changed, so an edited
# patch recompiles what it touches and the option-off kernel, built in
# the plain kernel's tree, recompiles what uses PT_RECLAIM.
# Exit codes: 0 ok, 1 build failed, 2 bad usage, 3 --print and not built.
#
# The source: linux-source-6.12 at SOURCE_VERSION while the archive (or the
# cache) has it; once Debian drops it, the newest 6.12 the archive has,
# which the series must then apply to with no fuzz. The version built is
# logged, in the result's info file, and in the cache key.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
pinned=$(cat "$here/SOURCE_VERSION")
cache=${PTWATCH_CACHE:-/var/cache/ptwatch}
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
work=$build/kernel
jobs=${JOBS:-2}
print_only=0 force=0 patches=1 debug=0 off=0 cross=

while [ $# -gt 0 ]; do
	case $1 in
	--print) print_only=1 ;;
	--force) force=1 ;;
	--no-patches) patches=0 ;;
	--debug) debug=1 ;;
	--off) off=1 ;;
	--cross)
		cross=${2:-}
		case $cross in
		arm64) cross_prefix=aarch64-linux-gnu- ;;
		mips) cross_prefix=mips-linux-gnu- ;;
		*) echo "build-kernel.sh: --cross takes arm64 or mips" >&2; exit 2 ;;
		esac
		shift ;;
	*) echo "build-kernel.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

log() { echo "build-kernel: $*" >&2; }

# The source version to build: KERNEL_SRC_VERSION, else the pinned one
# while it is cached or in the archive, else the archive's newest 6.12.
source_version() {
	local newest versions
	versions=$(apt-cache madison linux-source-6.12 2>/dev/null |
		awk '{ print $3 }')
	if [ -n "${KERNEL_SRC_VERSION:-}" ]; then
		echo "$KERNEL_SRC_VERSION"
	elif [ -f "$cache/src/$pinned/linux-source-6.12.tar.xz" ] ||
	     grep -qxF "$pinned" <<< "$versions"; then
		echo "$pinned"
	else
		newest=$(sort -V <<< "$versions" | tail -n 1)
		[ -n "$newest" ] || { log "no linux-source-6.12 in the archive (apt-get update?)"; exit 1; }
		log "linux-source-6.12=$pinned is no longer in the archive: building $newest"
		echo "$newest"
	fi
}
version=$(source_version)

fragments() { # the config fragments, in merge order
	if [ -n "$cross" ]; then
		echo "$here/cross.config"
		[ ! -f "$here/cross-$cross.config" ] || echo "$here/cross-$cross.config"
		return
	fi
	echo "$here/ptwatch.config"
	[ "$debug" = 0 ] || echo "$here/debug.config"
	[ "$off" = 0 ] || echo "$here/off.config"
	# plain and off share it: their configs then differ only in
	# PT_RECLAIM, so the off build in the plain tree recompiles mm/
	[ "$debug" = 1 ] || echo "$here/guest.config"
}
variant() {
	if [ -n "$cross" ]; then echo "cross-$cross"
	elif [ "$debug" = 1 ]; then echo debug
	elif [ "$off" = 1 ]; then echo off
	else echo plain; fi
}
obj_dir() { # one object tree per variant: switching does not rebuild all
	case $(variant) in
	# Except plain and off, whose configs differ only in PT_RECLAIM: in
	# one tree switching rebuilds what uses it (mm/) and links. A copy of
	# the tree rebuilt every object (issue 24: objtool is rebuilt at the
	# copy's path, and every object depends on it): 450-1492 s.
	plain | off) echo "$work/obj" ;;
	*) echo "$work/obj-$(variant)" ;;
	esac
}
build_log() { # per variant, also where two share a tree
	case $(variant) in
	plain) echo "$work/obj.log" ;;
	*) echo "$work/obj-$(variant).log" ;;
	esac
}

series_files() { # the patches in series order, one path a line
	[ "$patches" = 1 ] || return 0
	grep -v '^[[:space:]]*\(#\|$\)' "$here/series" | sed "s|^|$here/|"
}

cache_key() {
	{
		echo "linux-source-6.12=$version patches=$patches"
		# the debug fragment only keys the debug variant, so that adding
		# it did not invalidate the cached plain kernel
		[ "$debug" = 0 ] || echo "debug=1"
		[ "$off" = 0 ] || echo "off=1"
		[ -z "$cross" ] || echo "cross=$cross"
		fragments | xargs cat "$here/build-kernel.sh"
		# the code of each patch, not its message, and not its
		# selftests (tools/testing/, built by tests/kselftest/, never
		# by the kernel): rewording a commit message or a test does
		# not rebuild the kernel
		series_files | while read -r p; do
			echo "== ${p##*/}"
			awk '/^diff --git / { keep = $3 !~ /^a\/tools\/testing\// }
			     keep' "$p"
		done
	} | sha256sum | cut -c1-16
}

key=$(cache_key)
out=$cache/kernel/$key
product=bzImage	# what a cached result holds and the script prints
[ -z "$cross" ] || product=build.log
if [ "$force" = 0 ] && [ -s "$out/$product" ]; then
	echo "$out/$product"
	exit 0
fi
if [ "$print_only" = 1 ]; then
	log "kernel $key not built yet (run make kernel)"
	exit 3
fi

need_pkgs() { # install build dependencies that are missing
	local missing=() p
	local cross_gcc=
	case $cross in
	arm64) cross_gcc=gcc-aarch64-linux-gnu ;;
	mips) cross_gcc=gcc-mips-linux-gnu ;;
	esac
	for p in gcc make patch flex bison bc libssl-dev libelf-dev dwarves ccache \
		 rsync xz-utils cpio python3 $cross_gcc; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" = 0 ] && return 0
	log "installing ${missing[*]}"
	[ "$(id -u)" = 0 ] || { log "need root to apt-get install"; exit 1; }
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >&2
}

fetch_source() { # prints the path of the unpacked pristine tree
	local srcdir=$cache/src/$version deb
	if [ ! -f "$srcdir/linux-source-6.12.tar.xz" ]; then
		mkdir -p "$srcdir"
		log "downloading linux-source-6.12=$version"
		(cd "$srcdir" && apt-get download -q \
			"linux-source-6.12=$version" >&2) || {
			log "linux-source-6.12=$version is not available" \
			    "(apt-cache madison linux-source-6.12)"
			exit 1
		}
		deb=$(ls "$srcdir"/linux-source-6.12_*.deb)
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO ./usr/src/linux-source-6.12.tar.xz \
			> "$srcdir/linux-source-6.12.tar.xz.tmp"
		mv "$srcdir/linux-source-6.12.tar.xz.tmp" \
		   "$srcdir/linux-source-6.12.tar.xz"
		rm -f "$deb"
	fi
	echo "$srcdir/linux-source-6.12.tar.xz"
}

# Unpack + patch into a staging tree, then copy only files whose content
# changed into the tree make sees, so that an edited patch rebuilds only
# what it touches. --no-times: with -a alone
# rsync skips an unchanged file's content but still gives it the staging
# copy's time, and every file the series patches (mm.h, vm_event_item.h)
# was then newer than every object: 917 of them recompiled at each build,
# the off variant's included (issue 22).
prepare_tree() {
	local tarball=$1 stage=$work/stage p stamp
	# the tree every variant builds from is the same: unpacked and
	# patched once for all of them (40-50 s each time otherwise)
	stamp="linux-source-6.12=$version $(series_files | xargs -r cat | sha256sum)"
	if [ -f "$work/src/.ptwatch-tree" ] &&
	   [ "$(cat "$work/src/.ptwatch-tree")" = "$stamp" ]; then
		log "source tree up to date (linux-source-6.12=$version + series)"
		return 0
	fi
	rm -rf "$stage"
	mkdir -p "$stage"
	tar -xJf "$tarball" -C "$stage" --strip-components=1
	series_files | while read -r p; do
		log "applying ${p##*/}"
		# no fuzz: on another source version a patch that applies
		# only approximately is a patch to rebase, not to build
		patch -d "$stage" -p1 --batch --forward --quiet --fuzz=0 \
			< "$p" >&2 || {
			log "${p##*/} does not apply to linux-source-6.12=$version"
			exit 1
		}
	done
	mkdir -p "$work/src"
	# the stamp goes first and comes back last: an interrupted copy
	# is copied again
	rm -f "$work/src/.ptwatch-tree"
	rsync -a --no-times --checksum --delete "$stage/" "$work/src/"
	rm -rf "$stage"
	echo "$stamp" > "$work/src/.ptwatch-tree"
}

# make's architecture arguments (none for x86, the host)
karch=()
[ -z "$cross" ] || karch=(ARCH="$cross" CROSS_COMPILE="$cross_prefix")

configure() {
	local src=$work/src obj opt
	obj=$(obj_dir)
	mkdir -p "$obj"
	make -s -C "$src" O="$obj" "${karch[@]}" tinyconfig >&2
	# shellcheck disable=SC2046
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		$(fragments) >/dev/null
	make -s -C "$src" O="$obj" "${karch[@]}" olddefconfig >&2
	for opt in $(fragments | xargs grep -ho '^CONFIG_[A-Z0-9_]*=[^ ]*'); do
		# the unpatched source has no PT_RECLAIM on 6.12, and --off
		# switches it off
		[ "$patches" = 0 ] || [ "$off" = 1 ] &&
			[ "$opt" = CONFIG_PT_RECLAIM=y ] && continue
		grep -qx "$opt" "$obj/.config" || {
			log "config: $opt did not stick (check dependencies)"
			exit 1
		}
	done
	for opt in $(fragments |
		     xargs sed -n 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1/p'); do
		! grep -q "^$opt=" "$obj/.config" || {
			log "config: $opt is still on (something selects it)"
			exit 1
		}
	done
	if [ -n "$cross" ] && grep -q '^CONFIG_PT_RECLAIM=y' "$obj/.config"; then
		log "config: CONFIG_PT_RECLAIM is on for $cross (6.12 has no support)"
		exit 1
	fi
	if [ "$off" = 1 ] &&
	   ! grep -qx '# CONFIG_PT_RECLAIM is not set' "$obj/.config"; then
		log "config: CONFIG_PT_RECLAIM is still on in the --off variant"
		exit 1
	fi
}

compile() {
	local src=$work/src obj blog target=bzImage cc=${cross_prefix:-}gcc
	obj=$(obj_dir)
	export KBUILD_BUILD_TIMESTAMP="2025-01-01" KBUILD_BUILD_USER=ptwatch
	export KBUILD_BUILD_HOST=ptwatch
	if [ "${PTWATCH_CCACHE:-0}" = 1 ]; then
		# depend mode: no preprocessor run per miss (kbuild's
		# -Wp,-MMD gives the includes)
		export CCACHE_DIR=$cache/ccache CCACHE_BASEDIR=$work \
			CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1
		mkdir -p "$CCACHE_DIR"
		ccache -M 5G >/dev/null
		cc="ccache $cc"
	fi
	blog=$(build_log)
	[ -z "$cross" ] || target=mm/
	log "building $target (-j$jobs, CC=$cc, log in $blog)"
	nice make -C "$src" O="$obj" "${karch[@]}" -j"$jobs" \
		CC="$cc" $target > "$blog" 2>&1 || {
		grep -E 'error|Error' "$blog" | head -n 20 >&2
		log "build failed, see $blog"
		exit 1
	}
}

# One build at a time (build/kernel is shared); the next one finds the cache.
mkdir -p "$cache/kernel"
exec 9> "$cache/kernel/.lock"
flock 9
if [ "$force" = 0 ] && [ -s "$out/bzImage" ]; then
	echo "$out/bzImage"
	exit 0
fi
need_pkgs
start=$(date +%s)
prepare_tree "$(fetch_source)"
configure
compile
mkdir -p "$out.tmp"
obj=$(obj_dir)
if [ -n "$cross" ]; then
	cp "$(build_log)" "$out.tmp/build.log"
	cp "$obj/.config" "$out.tmp/"
else
	cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$obj/System.map" "$out.tmp/"
fi
{
	echo "source=linux-source-6.12=$version"
	echo "variant=$(variant)"
	echo "patches=$(series_files | wc -l)"
	echo "build_seconds=$(($(date +%s) - start))"
	echo "built=$(date -u +%FT%TZ)"
} > "$out.tmp/info"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built linux-source-6.12=$version ($(variant)) in $(($(date +%s) - start)) s: $out/$product"
echo "$out/$product"
