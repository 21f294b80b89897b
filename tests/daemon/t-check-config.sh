#!/usr/bin/env bash
# ptwatchd's command line and --check-config refuse what the daemon would
# refuse, in one line each: an unknown option, a binary file, an unknown
# section (named as a section); a state_dir outside /run is a warning from
# --check-config, not an error (the daemon runs with it). < 1 s.
. "$(dirname "$0")/lib.sh"

# one_line WHAT CODE PATTERN COMMAND...: exit CODE, one stderr line
# matching PATTERN
one_line() {
	local what=$1 code=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq "$code" ] && [ "$(grep -c . <<<"$out")" -eq 1 ] && [[ "$out" == $pat ]]; then
		ok "$what: exit $code, one line: $out"
	else
		not_ok "$what" "exit $rc (want $code)" "$out"
	fi
}

one_line "an unknown option" 2 "ptwatchd: unknown or incomplete option '--frob'*" \
	"$PTWATCHD" --frob
one_line "--config without a file" 2 "ptwatchd: unknown or incomplete option*" \
	"$PTWATCHD" --config
head -c 512 /bin/true >"$T/binary.conf"
one_line "--check-config of a binary file" 2 "*binary.conf*" \
	"$PTWATCHD" --check-config "$T/binary.conf"
head -c 300 /dev/zero >"$T/zeros.conf"
one_line "--check-config of a file of NUL bytes" 2 "*zeros.conf: not a text file*" \
	"$PTWATCHD" --check-config "$T/zeros.conf"
printf '[daemon]\ninterval = 1s\n[frobnicate]\nx = 1\n' >"$T/section.conf"
one_line "an unknown section is called one" 2 "*section.conf:4: \\[frobnicate\\] x: unknown section*" \
	"$PTWATCHD" --check-config "$T/section.conf"
printf '[daemon]\nfrob = 1\n' >"$T/key.conf"
one_line "an unknown key in a known section" 2 "*key.conf:2: \\[daemon\\] frob: unknown key*" \
	"$PTWATCHD" --check-config "$T/key.conf"
printf '[daemon]\nstate_dir = %s/state\n' "$T" >"$T/state.conf"
out=$("$PTWATCHD" --check-config "$T/state.conf" 2>"$T/err")
rc=$?
if [ $rc -eq 0 ] && [ "$out" = "$T/state.conf: ok" ] &&
	grep -q 'warning: .*state_dir is not under /run' "$T/err"; then
	ok "--check-config: state_dir outside /run is ok with a warning"
else
	not_ok "--check-config of state_dir outside /run" "exit $rc: $out" "$(cat "$T/err")"
fi
tap_done
