# Shared by the daemon suites: TAP output and a daemon under test.
# Everything lives in $T (a fresh directory) and is killed on exit.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
# ok, not_ok, skip, check, plan, tap_done, wait_until (tests/lib/tap.sh)
. tests/lib/tap.sh
. tests/lib/guest-tap.sh
B=$BUILD
PTWATCH=$B/ptwatch
PTWATCHD=$B/ptwatchd
HELPERS=$B/tests/daemon
T=$(mktemp -d /tmp/ptwatchd-test.XXXXXX)
chmod 755 "$T" # the unprivileged client must reach the socket
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# quiet COMMAND...: runs it with its output discarded (for check)
quiet() { "$@" >/dev/null 2>&1; }

# jcheck WHAT FILTER JSON: ok if jq -e FILTER holds for JSON.
jcheck() {
	if jq -e "$2" <<<"$3" >/dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1" "want: $2" "got: ${3:0:400}"
	fi
}

# Waits up to $2 seconds (default 5) for command $1 to succeed.
wait_for() {
	local cmd=$1 limit=${2:-5} i
	for ((i = 0; i < limit * 20; i++)); do
		eval "$cmd" && return 0
		sleep 0.05
	done
	return 1
}

# A fake sysctl tree the test owns: vm.pt_reclaim=0.
make_sysctl() {
	mkdir -p "$T/sys/vm" "$T/run" "$T/prom"
	echo 0 >"$T/sys/vm/pt_reclaim"
}

# write_conf [EXTRA INI LINES...]: the base test config plus overrides
# appended under their own section headers.
write_conf() {
	cat >"$T/d.conf" <<-CONF
	[daemon]
	interval = 200ms
	state_dir = $T/run
	sysctl_root = $T/sys
	log = stderr
	bpf = no
	[metrics]
	textfile_dir = $T/prom
	listen = 127.0.0.1:$PORT
	CONF
	printf '%s\n' "$@" >>"$T/d.conf"
}
# a loopback port nobody listens on
PORT=$((20000 + $$ % 20000))
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done

# start_daemon: runs ptwatchd with NOTIFY_SOCKET and a watchdog in the
# background; its stderr goes to $T/log (appended, so restarts add up).
start_daemon() {
	NOTIFY_SOCKET=$T/notify WATCHDOG_USEC=400000 \
		"$PTWATCHD" --config "$T/d.conf" --socket "$T/s.sock" \
		2>>"$T/log" &
	DPID=$!
	PIDS+=("$DPID")
}

# The notification listener, started once.
start_listener() {
	"$HELPERS/notify-listen" "$T/notify" >"$T/notify.log" &
	PIDS+=($!)
	wait_for "[ -S $T/notify ]" 5
}

# req JSON: sends a raw request, prints the answer.
req() { printf '%s' "$1" | "$HELPERS/sock-raw" "$T/s.sock"; }

# exited PID: the process is gone or a zombie (kill -0 still reaches a
# zombie child, so it cannot tell)
exited() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -z "$st" ] || [ "$st" = Z ]
}

# stop_daemon [LIMIT]: SIGTERM to $DPID, then waits up to LIMIT seconds
# (default 15: generous on a loaded machine, ptwatchd takes milliseconds)
# for it to exit. One TAP line: it stopped within the limit (with the time
# taken). One that is still running is killed with SIGKILL and fails the
# check instead of hanging the run. STOP_RC: its exit status (137 when
# killed); STOP_MS: how long it took.
stop_daemon() {
	local limit=${1:-15} start
	start=$(date +%s%N)
	kill -TERM "$DPID" 2>/dev/null
	if wait_until "$limit" exited "$DPID"; then
		STOP_MS=$((($(date +%s%N) - start) / 1000000))
		wait "$DPID" 2>/dev/null
		STOP_RC=$?
		ok "ptwatchd stops on SIGTERM within $limit s ($STOP_MS ms)"
	else
		STOP_MS=$((($(date +%s%N) - start) / 1000000))
		kill -KILL "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
		STOP_RC=137
		not_ok "ptwatchd stops on SIGTERM within $limit s" \
			"still running after $STOP_MS ms: killed (SIGKILL)" \
			"$(tail -5 "$T/log" 2>/dev/null)"
	fi
}

# daemon_samples: how many samples the daemon has taken (its status
# answer), 0 when it does not answer
daemon_samples() {
	local n
	n=$(req '{"cmd":"status"}' 2>/dev/null | jq -r '.samples // 0' 2>/dev/null)
	echo "${n:-0}"
}
# wait_samples N [LIMIT]: waits (up to LIMIT s, default 30) until the
# daemon has taken N samples more than now: "the daemon has caught up"
# without guessing how long N samples take on a loaded machine. 1 when it
# did not, with a not ok line.
wait_samples() {
	local s0 start=$SECONDS
	s0=$(daemon_samples)
	if ! wait_for "[ \$(daemon_samples) -ge $((s0 + $1)) ]" "${2:-30}"; then
		not_ok "ptwatchd takes $1 samples within ${2:-30} s" "samples: $s0 -> $(daemon_samples)"
		return 1
	fi
	echo "# $1 samples took $((SECONDS - start)) s"
}

# The sampler a daemon with the default bpf_iter = yes runs here: the BPF
# task iterator as root on a kernel with BTF, else procfs (docs/daemon.md,
# "Sampling"). Checks whose meaning depends on it assert it.
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	SAMPLER=bpf-iter
else
	SAMPLER=procfs
fi
