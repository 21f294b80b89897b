#!/usr/bin/env bash
# One daemon per socket: a second ptwatchd on the same config exits 7 with
# one line and leaves the first one's socket alone; an HTTP port in use is
# fatal (exit 1); a socket left by a killed daemon is taken over; a path
# that is not a socket is never deleted. ~5 s.
. "$(dirname "$0")/lib.sh"

# second [ARGS...]: a second ptwatchd in the foreground (at most 10 s) on
# $CONF (default the first one's config); sets rc and out (its stderr).
second() {
	out=$(timeout -k 2 10 "$PTWATCHD" --config "${CONF:-$T/d.conf}" "$@" 2>&1 >/dev/null)
	rc=$?
}
lines() { printf '%s\n' "$1" | grep -c .; }
answers() { # PID: the daemon with that pid answers on $T/s.sock
	local a
	a=$(req '{"cmd":"status"}' 2>/dev/null)
	[ -n "$a" ] && jq -e ".ok and .pid == $1" >/dev/null 2>&1 <<<"$a"
}

make_sysctl
write_conf
start_daemon
first=$DPID
if wait_for "answers $first" 15; then
	ok "the first daemon answers on its socket"
else
	not_ok "the first daemon answers" "$(tail -5 "$T/log")"
	exit 1
fi
ino=$(stat -c %i "$T/s.sock")

# ---- the same config and socket
second --socket "$T/s.sock"
want="ptwatchd[err]: another ptwatchd (pid $first) answers on $T/s.sock; not starting"
if [ "$rc" -eq 7 ] && [ "$out" = "$want" ]; then
	ok "a second daemon on the same socket exits 7 with one line: $out"
else
	not_ok "a second daemon on the same socket" "exit $rc (want 7)" \
		"got:  $out" "want: $want"
fi
# without an HTTP listener nothing else would stop it
sed '/^listen/d' "$T/d.conf" >"$T/nohttp.conf"
CONF=$T/nohttp.conf second --socket "$T/s.sock"
if [ "$rc" -eq 7 ] && [ "$out" = "$want" ]; then
	ok "so does one without an HTTP listener (exit 7)"
else
	not_ok "a second daemon without an HTTP listener" "exit $rc (want 7)" "got:  $out"
fi
check "the first daemon's socket file is the same one (inode $ino)" \
	[ "$(stat -c %i "$T/s.sock" 2>/dev/null)" = "$ino" ]
check "the first daemon still answers on its socket" answers "$first"
check "the first daemon still serves /metrics" \
	quiet curl -fsS "http://127.0.0.1:$PORT/metrics"

# ---- another socket, the same HTTP port
second --socket "$T/b.sock"
if [ "$rc" -eq 1 ] && [ "$(lines "$out")" -eq 1 ] &&
	[[ "$out" == *"cannot listen on 127.0.0.1:$PORT"* ]] && [ ! -e "$T/b.sock" ]; then
	ok "an HTTP port in use is fatal: exit 1, one line, no socket made: $out"
else
	not_ok "an HTTP port in use" "exit $rc (want 1), b.sock $(ls "$T/b.sock" 2>&1)" "$out"
fi
check "the first daemon still answers after that" answers "$first"

# ---- a path that is not a socket is not ours to delete
echo keep >"$T/file.sock"
second --socket "$T/file.sock"
if [ "$rc" -eq 1 ] && [ "$(lines "$out")" -eq 1 ] &&
	[[ "$out" == *"$T/file.sock exists and is not a socket"* ]] &&
	[ "$(cat "$T/file.sock")" = keep ]; then
	ok "a regular file at the socket path: exit 1, file kept: $out"
else
	not_ok "a regular file at the socket path" "exit $rc (want 1)" "$out" \
		"file: $(cat "$T/file.sock" 2>&1)"
fi

# ---- a socket left by a daemon killed with -9 is taken over
kill -9 "$first"
wait "$first" 2>/dev/null
check "kill -9 leaves the socket file behind" [ -S "$T/s.sock" ]
start_daemon
if wait_for "answers $DPID" 15; then
	ok "a new daemon takes over the stale socket"
else
	not_ok "a new daemon takes over the stale socket" "$(tail -5 "$T/log")"
fi
kill -TERM "$DPID"
if wait_for "! kill -0 $DPID 2>/dev/null" 5; then
	check "SIGTERM removes the socket it bound" [ ! -e "$T/s.sock" ]
else
	not_ok "the daemon stops on SIGTERM within 5 s"
fi
tap_done
