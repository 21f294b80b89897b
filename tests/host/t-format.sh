#!/usr/bin/env bash
# User-space C follows .clang-format: `make check-format`, which names
# every file that does not (and `make format` fixes them).
. "$(dirname "$0")/../lib/tap.sh"
cd "$PTWATCH_ROOT" || exit 1

if ! command -v "${CLANG_FORMAT:-clang-format}" >/dev/null; then
	skip_n 2 "user-space C follows .clang-format" "no clang-format (make deps installs it)"
	tap_done
fi
echo "# $("${CLANG_FORMAT:-clang-format}" --version)"
run make --no-print-directory check-format
if [ "$RC" = 0 ]; then
	ok "user-space C follows .clang-format ($OUT)"
else
	not_ok "user-space C follows .clang-format" "$OUT" "$ERR"
fi

# The check can fail: a file out of style is named.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'int  f( void ){return 0;}\n' > "$tmp/bad.c"
run make --no-print-directory check-format FORMAT_SRCS="$tmp/bad.c"
if [ "$RC" != 0 ] && [[ "$OUT" == *"$tmp/bad.c"* ]]; then
	ok "a file out of style fails check-format and is named"
else
	not_ok "a file out of style fails check-format and is named" "exit $RC" "$OUT"
fi
tap_done
