#!/usr/bin/env bash
# ptwatch top on a real terminal (tmux) at 80x24, 120x40 and 200x50: no
# line wider than the terminal (wrapped lines joined back), the headline
# and the headings on screen, a sort key, q (and SIGTERM, Ctrl-C) quit with
# the terminal restored; a resize redraws; --once, -n and a pipe never
# write an escape code; snapshot fits COLUMNS. ~25 s.
. "$(dirname "$0")/../lib/tap.sh"

if ! command -v tmux >/dev/null; then
	not_ok "tmux is installed (make deps installs it)"
	tap_done
fi
T=$(mktemp -d /tmp/ptwatch-tty.XXXXXX)
export TMUX_TMPDIR=$T # a tmux server of our own
cleanup() {
	tmux kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# poll CMD [SECONDS]: until CMD succeeds or the deadline (default 15 s)
poll() {
	local end=$((SECONDS + ${2:-15}))
	until eval "$1"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}
screen() { tmux capture-pane -p -J -t "$1"; }

# start NAME W H: top in a W x H tmux window; the pane records stty before
# and after, and top's exit code in $T/NAME.rc
start() {
	local name=$1 w=$2 h=$3
	rm -f "$T/$name".*
	tmux new-session -d -s "$name" -x "$w" -y "$h" \
		"stty -a >$T/$name.before; env -u COLUMNS -u LINES TERM=xterm \
		$PTWATCH --no-daemon top -d 0.5 2>$T/$name.err; echo \$? >$T/$name.rc; \
		stty -a >$T/$name.after; exec sleep 600"
	tmux set-option -t "$name" -g status off >/dev/null
	poll "screen $name | grep -q '^sort: waste'"
}

# fits NAME W H: every joined line at most W, headline and headings shown
fits() {
	local name=$1 w=$2 h=$3 s longest
	s=$(screen "$name")
	longest=$(awk '{ if (length > m) m = length } END { print m + 0 }' <<<"$s")
	if [ "$longest" -le "$w" ] && [ "$(grep -c '' <<<"$s")" -le "$h" ]; then
		ok "${w}x$h: no line wider than $w (longest $longest)"
	else
		not_ok "${w}x$h: lines fit" "longest $longest, $(grep -c '' <<<"$s") lines" "$s"
	fi
	# whole rows, not cut ones: every row ends with a whole cgroup path
	# or one shortened with "..." (never cut off at the edge)
	"$PTWATCH" --no-daemon snapshot --json | jq -r '.cgroups[].path, .processes[].cgroup' \
		| sort -u >"$T/paths"
	if grep -qE '^ +PID COMM .* CGROUP$' <<<"$s" &&
		awk 'NR == FNR { known[$0] = 1; next }
			$1 ~ /^[0-9]+$/ && !($NF in known) && $NF !~ /^\.\.\./ { bad = 1; print "cut: " $0 }
			END { exit bad }' "$T/paths" - <<<"$s"; then
		ok "${w}x$h: whole rows, each ending with its cgroup"
	else
		not_ok "${w}x$h: whole rows" "$s"
	fi
	if [[ "$(head -1 <<<"$s")" == "host "* ]] && grep -q '^act first: ' <<<"$s" &&
		grep -qE '^ +PID COMM +PTE' <<<"$s"; then
		ok "${w}x$h: headline, act-first line and headings on screen"
	else
		not_ok "${w}x$h: headline and headings on screen" "$s"
	fi
}

# the PTE column (after PID, 7, and COMM, 16, wide: a comm may hold
# spaces) is in descending order
pte_desc() {
	awk '$1 ~ /^[0-9]+$/ { split(substr($0, 26, 10), f, " "); v = f[1]; u = f[2]
		m = u == "KiB" ? 1024 : u == "MiB" ? 1048576 : u == "GiB" ? 1073741824 : 1
		print int(v * m) }' | awk 'NR > 1 && $1 > p { bad = 1 } { p = $1 } END { exit bad }'
}

# stopped NAME HOW: top exited 0 and left the terminal as it found it
stopped() {
	local name=$1 how=$2
	if poll "[ -s $T/$name.rc ] && [ -s $T/$name.after ]" 10; then
		expect_eq "$how quits top (exit 0)" 0 "$(cat "$T/$name.rc")"
	else
		not_ok "$how quits top" "$(screen "$name")"
		return
	fi
	# the size may have changed (a resize), the settings not
	if cmp -s <(sed 1d "$T/$name.before") <(sed 1d "$T/$name.after") &&
		[ "$(tmux display -p -t "$name" '#{alternate_on}')" = 0 ]; then
		ok "after $how the terminal is restored (stty, main screen)"
	else
		not_ok "after $how the terminal is restored" \
			"$(diff "$T/$name.before" "$T/$name.after")" \
			"alternate screen: $(tmux display -p -t "$name" '#{alternate_on}')"
	fi
}

# ---- 80x24: fit, sort key p, help, q
start a 80 24
fits a 80 24
tmux send-keys -t a p
if poll "screen a | grep -q '^sort: pte'" 5 && screen a | pte_desc; then
	ok "80x24: p sorts by PTE and says so"
else
	not_ok "80x24: p sorts by PTE" "$(screen a)"
fi
tmux send-keys -t a '?'
check "? shows the help" poll "screen a | grep -q '^ptwatch top: keys'" 5
tmux send-keys -t a x
check "any key leaves the help" poll "screen a | grep -q '^host '" 5
tmux send-keys -t a q
stopped a q

# ---- 120x40: fit, a resize redraws, SIGTERM
start b 120 40
fits b 120 40
tmux resize-window -t b -x 90 -y 30
if poll "[ \"\$(screen b | awk '{ if (length > m) m = length } END { print m + 0 }')\" -le 90 ] &&
	screen b | head -1 | grep -q '^host '" 5; then
	ok "a resize to 90x30 redraws to fit"
else
	not_ok "a resize to 90x30 redraws to fit" "$(screen b)"
fi
pkill -TERM -P "$(tmux display -p -t b '#{pane_pid}')" -x ptwatch
stopped b SIGTERM

# ---- 200x50, from a shell with job control: fit, Ctrl-Z and fg, Ctrl-C
rm -f "$T"/c.*
tmux new-session -d -s c -x 200 -y 50 "env PS1='$ ' bash --norc -i"
tmux send-keys -t c "(stty -a >$T/c.before; env -u COLUMNS -u LINES TERM=xterm \
$PTWATCH --no-daemon top -d 0.5 2>$T/c.err; echo \$? >$T/c.rc; stty -a >$T/c.after)" Enter
poll "screen c | grep -q '^sort: waste'"
fits c 200 50
alt() { [ "$(tmux display -p -t "$1" '#{alternate_on}')" = "$2" ]; }
tmux send-keys -t c C-z
if poll "alt c 0" 5; then
	ok "Ctrl-Z gives the terminal back while top is stopped"
else
	not_ok "Ctrl-Z gives the terminal back" "alternate screen still on"
fi
tmux send-keys -t c fg Enter
if poll "alt c 1 && screen c | grep -q '^sort: waste'" 5; then
	ok "fg: top takes the screen again and redraws"
else
	not_ok "fg: top takes the screen again" "$(screen c | tail -3)"
fi
tmux send-keys -t c C-c
stopped c Ctrl-C

# ---- no screen control where there is no screen
run env COLUMNS=80 "$PTWATCH" --no-daemon top -n 2 -d 0.2
if [ "$RC" = 0 ] && ! grep -q $'\033' <<<"$OUT" && [ "$(grep -c '^host ' <<<"$OUT")" = 2 ]; then
	ok "top -n 2 into a pipe: two frames, no escape code"
else
	not_ok "top -n 2 into a pipe" "exit $RC, $(grep -c $'\033' <<<"$OUT") escapes"
fi
# on a terminal (script(1) gives it one): --once, and TERM=dumb
for how in "top --once" "TERM=dumb top -n 2 -d 0.2"; do
	raw=$(script -qec "env ${how%%top*} $PTWATCH --no-daemon top ${how#*top }" /dev/null </dev/null)
	if [ "$(grep -c '^host ' <<<"$raw")" -ge 1 ] && ! grep -q $'\033' <<<"$raw"; then
		ok "$how on a terminal: no escape code"
	else
		not_ok "$how on a terminal: no escape code" "$(cat -v <<<"$raw" | head -3)"
	fi
done

for w in 80 120 200; do
	run env COLUMNS=$w "$PTWATCH" --no-daemon snapshot
	longest=$(awk '{ if (length > m) m = length } END { print m + 0 }' <<<"$OUT")
	if [ "$RC" = 0 ] && [ "$longest" -le $w ]; then
		ok "snapshot with COLUMNS=$w: no line wider (longest $longest)"
	else
		not_ok "snapshot with COLUMNS=$w" "exit $RC, longest $longest"
	fi
done
# the other views fit too: show, status (reasons folded), record
for view in "show $$" "show $$ --exact" status "record -d 0.2"; do
	run env COLUMNS=80 "$PTWATCH" --no-daemon $view
	longest=$(awk '{ if (length > m) m = length } END { print m + 0 }' <<<"$OUT")
	if [ "$RC" = 0 ] && [ "$longest" -le 80 ]; then
		ok "$view with COLUMNS=80: no line wider (longest $longest)"
	else
		not_ok "$view with COLUMNS=80" "exit $RC, longest $longest" "$ERR"
	fi
done
# piped with no COLUMNS: whole lines, as ps and systemctl do
run env -u COLUMNS "$PTWATCH" --no-daemon snapshot -n 3
longest=$(awk '{ if (length > m) m = length } END { print m + 0 }' <<<"$OUT")
check "snapshot into a pipe without COLUMNS: every column (SWAP) and whole paths" \
	grep -qE '^ +PID COMM .* SWAP  CGROUP$' <<<"$OUT"
run env COLUMNS=80 "$PTWATCH" --no-daemon snapshot -n 3 --wide
check "--wide shows every column whatever COLUMNS says" \
	grep -qE '^ +PID COMM .* SWAP  CGROUP$' <<<"$OUT"
tap_done
