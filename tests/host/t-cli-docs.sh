#!/usr/bin/env bash
# One source of truth for the command line: the binary's own table
# (`ptwatch help`, `ptwatch help CMD`, made from src/cli/spec.c) against
# what it accepts, docs/cli.md, the man page ptwatch(1) and the bash
# completion. Every command and option the binary lists is accepted (long
# and short form) and documented in all three; every option the three name
# is one the binary lists. < 2 s.
. "$(dirname "$0")/../lib/tap.sh"
cd "$PTWATCH_ROOT" || exit 1
MD=docs/cli.md
MAN=docs/man/ptwatch.1.scd
COMP=completion/ptwatch.bash

# options SECTION-HEADER: the "-x" and "--name" of that help section
options() {
	awk -v h="$1" 'index($0, h) == 1 { f = 1; next } /^$/ { f = 0 } f' |
		grep -oE -- '(^|[ ,])--?[A-Za-z][-A-Za-z]*' | tr -d ' ,' | sort -u
}
# sample VALUE for an argument name in the help
sample() {
	case $1 in
	SECONDS | N | PID) echo 1 ;;
	KEY) echo pte ;;
	*) echo /tmp ;;
	esac
}
# flags_in TEXT: every -x / --name it names
flags_in() { grep -oE -- '(^|[^-A-Za-z0-9_])--?[A-Za-z][-A-Za-z]*' <<<"$1" | sed 's/^[^-]*//' | sort -u; }
# set_diff A B: lines of A not in B (both sorted)
set_diff() { comm -23 <(sort -u <<<"$1") <(sort -u <<<"$2") | grep .; }

run "$PTWATCH" help
help=$OUT
expect_eq "ptwatch help exits 0" 0 "$RC"
cmds=$(awk '/^commands:/ { f = 1; next } /^$/ { f = 0 }
	f { print ($2 == "pid" ? $1 " " $2 : $1) }' <<<"$help")
global=$(options "options (before the command):" <<<"$help")
check "ptwatch help lists commands ($(tr '\n' ' ' <<<"$cmds"))" [ "$(grep -c . <<<"$cmds")" -ge 7 ]
check "ptwatch help lists the global options ($(tr '\n' ' ' <<<"$global"))" \
	grep -qx -- --json <<<"$global"
all_opts=$global

# ---- the binary accepts what it lists
bad=()
while read -r line; do
	for f in $(grep -oE -- '(^|[ ,])--?[A-Za-z][-A-Za-z]*' <<<"$line" | tr -d ' ,'); do
		arg=$(grep -oE -- "--[-a-z]+ [A-Z]+" <<<"$line" | awk '{ print $2 }')
		"$PTWATCH" "$f" ${arg:+$(sample "$arg")} --help >/dev/null 2>&1 || bad+=("$f")
	done
done < <(awk '/^options \(before/ { f = 1; next } /^$/ { f = 0 } f' <<<"$help")
expect_eq "every global option is accepted" "" "${bad[*]}"

for cmd in $(tr ' ' '_' <<<"$cmds"); do
	cmd=${cmd//_/ }
	run "$PTWATCH" help $cmd
	usage=$OUT
	opts=$(options "options:" <<<"$usage")
	all_opts+=$'\n'$opts
	bad=()
	while read -r line; do
		arg=$(grep -oE -- "--[-a-z]+ [A-Z]+" <<<"$line" | awk '{ print $2 }')
		for f in $(grep -oE -- '(^|[ ,])--?[A-Za-z][-A-Za-z]*' <<<"$line" | tr -d ' ,'); do
			out=$("$PTWATCH" $cmd "$f" ${arg:+$(sample "$arg")} --help 2>&1)
			[ $? = 0 ] && [[ "$out" == "usage: ptwatch $cmd"* ]] || bad+=("$f")
		done
	done < <(awk '/^options:/ { f = 1; next } /^$/ { f = 0 } f' <<<"$usage")
	expect_eq "$cmd: every option it lists is accepted ($(tr '\n' ' ' <<<"$opts"))" "" "${bad[*]}"
	run "$PTWATCH" $cmd --frobnicate
	expect_eq "$cmd: an option it does not list is refused (exit 2)" 2 "$RC"

	# the completion offers exactly these options
	# shellcheck disable=SC2206
	words=(ptwatch $cmd -)
	comp=$(bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ptwatch
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "${words[@]}" | sort -u)
	expect_eq "$cmd: bash completion offers exactly its options" "$opts" "$comp"

	# the man page's entry (its line and paragraph) and docs/cli.md's row
	entry=$(awk -v c="*$cmd*" 'index($0, c) == 1 { f = 1; print; next }
		f && /^\t/ { print; next } { f = 0 }' "$MAN")
	row=$(grep -F "| \`$cmd " "$MD" | grep -vF "| \`$cmd pid" | head -1)
	[ "$cmd" = "reclaim" ] && row=$(grep -F '| `reclaim on' "$MD")
	for doc in "man:$entry" "cli.md:$row"; do
		name=${doc%%:*} text=${doc#*:}
		missing=$(set_diff "$opts" "$(flags_in "$text")"$'\n'"$global")
		extra=$(set_diff "$(flags_in "$text")" "$opts"$'\n'"$global")
		if [ -n "$text" ] && [ -z "$missing" ] && [ -z "$extra" ]; then
			ok "$cmd: $name names exactly its options"
		else
			not_ok "$cmd: $name names exactly its options" \
				"missing: $(tr '\n' ' ' <<<"$missing")" "not the binary's: $(tr '\n' ' ' <<<"$extra")" \
				"entry: ${text:0:300}"
		fi
	done
done

# ---- the other way: every command and option the docs name exists
comp=$(bash -c '. "$1"; COMP_WORDS=(ptwatch ""); COMP_CWORD=1; _ptwatch
	printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" | sort -u)
want=$( (awk '{ print $1 }' <<<"$cmds" | sort -u; printf '%s\n' $global) | sort -u)
expect_eq "bash completion offers exactly the commands and global options" "$want" "$comp"
man_cmds=$(awk '/^# COMMANDS/ { f = 1; next } /^# / { f = 0 }
	f && /^\*[a-z]/ { s = $0; sub(/^\*/, "", s); sub(/\*.*/, "", s); print s }' "$MAN" | sort -u)
expect_eq "the man page has an entry for each command" "$(sort -u <<<"$cmds")" "$man_cmds"
md_cmds=$(grep -oE '^\| `[a-z]+( pid)?' "$MD" | sed 's/^| `//' | sort -u)
expect_eq "docs/cli.md has a row for each command" "$(sort -u <<<"$cmds")" "$md_cmds"
man_global=$(awk '/^# OPTIONS/ { f = 1; next } /^# / { f = 0 } f' "$MAN")
expect_eq "the man page's OPTIONS are the global options" "$global" "$(flags_in "$man_global")"
for doc in "$MAN" "$MD"; do
	extra=$(set_diff "$(flags_in "$(cat "$doc")")" "$all_opts")
	expect_eq "every option ${doc##*/} names is one the binary lists" "" "$extra"
done
tap_done
