#!/bin/sh
# The systemd guest suite's checks, inside a Debian 12 guest booted with
# systemd as PID 1 and ptwatch installed from its .deb (run by
# ptwatch-test.service after the boot; docs/systemd-tests.md). Prints TAP.
#   guest-systemd.sh debian|patched
# debian: a stock Debian kernel, the knob changed is
# vm.hugetlb_optimize_vmemmap; patched: our 6.12, vm.pt_reclaim.
kind=${1:-debian}
conf=/etc/ptwatch/ptwatchd.conf
port=9417
fail=0
hold=

ok() { echo "ok - $*"; }
nok() {
	echo "not ok - $1"
	shift
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#   /'; done
	fail=$((fail + 1))
}
skip() { echo "ok - $1 # SKIP $2"; }
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else nok "$what" "failed: $*"; fi
}
prop() { systemctl show -p "$1" --value ptwatchd; }
# wait_for COMMAND SECONDS
wait_for() {
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		eval "$1" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
cursor() { journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p'; }
# the daemon's journal since cursor $1
since() {
	_c=$1
	shift
	journalctl -q -u ptwatchd --no-pager --after-cursor="$_c" "$@"
}
scrape() {
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && sed '1,/^\r\$/d' <&3" 2>/dev/null
}
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# a section's start, with the uptime (where a slow guest spends its time)
section() { echo "# [$(cut -d' ' -f1 /proc/uptime) s] $*"; }
# append INI lines to the config (later keys win over the defaults above)
conf_add() { printf '%s\n' "$@" >>"$conf"; }

echo "# kernel $(uname -r); $(systemctl --version | head -n 1)"
# (not is-system-running --wait: this check is part of the boot
# transaction, the boot finishes when it does)
echo "# checks start at $(cut -d' ' -f1 /proc/uptime) s of uptime; system $(systemctl is-system-running)"
systemctl --failed --no-legend --plain | sed 's/^/#   failed unit: /'

# ---- the package's unit after boot
section "the package's unit after boot"
check "ptwatchd.service is enabled by the package (dh_installsystemd)" \
	[ "$(systemctl is-enabled ptwatchd)" = enabled ]
wait_for '[ "$(prop ActiveState)" = active ] && [ -n "$(prop StatusText)" ]' 60
a=$(prop ActiveState) t=$(prop Type) s=$(prop StatusText)
if [ "$a" = active ] && [ "$t" = notify ] && [ -n "$s" ]; then
	ok "ptwatchd is active after boot, Type=notify, StatusText: $s"
else
	nok "ptwatchd is active after boot with a StatusText" "ActiveState=$a Type=$t StatusText=$s" \
		"$(journalctl -b -u ptwatchd --no-pager | tail -n 15)"
fi

# ---- systemd-analyze security (exposure: 0 best, 10 worst)
section "systemd-analyze security (exposure: 0 best, 10 worst)"
sec=$(systemd-analyze security ptwatchd.service --no-pager 2>&1)
score=$(printf '%s\n' "$sec" | sed -n 's/.*Overall exposure level for ptwatchd.service: \([0-9.]*\).*/\1/p')
if [ -n "$score" ] && awk "BEGIN{exit !($score <= 3.0)}"; then
	ok "systemd-analyze security ptwatchd.service: exposure $score, at most 3.0"
else
	nok "systemd-analyze security: exposure at most 3.0" "$(printf '%s\n' "$sec" | tail -n 3)"
fi
printf '%s\n' "$sec" | grep '✗' | sed 's/^/#   exposed: /' | cut -c1-140

# ---- the suite's drop-in (disk.sh: WatchdogSec=5s, RestartSec=1s,
# TimeoutAbortSec=2s, for the SIGSTOP check below) is in effect from boot
# (a daemon-reload and restart here cost 20 s under TCG)
if [ "$(prop WatchdogUSec)" = 5s ] && [ "$(prop RestartUSec)" = 1s ]; then
	ok "the test drop-in is in effect: WatchdogSec=5s, RestartSec=1s"
else
	nok "the test drop-in" "WatchdogUSec=$(prop WatchdogUSec) RestartUSec=$(prop RestartUSec)"
fi
# how long a start takes here (BPF loading under TCG dominates)
echo "# ptwatchd started in $((($(prop ActiveEnterTimestampMonotonic) - $(prop ExecMainStartTimestampMonotonic)) / 1000)) ms"

# ---- systemctl reload applies a changed config
section "systemctl reload applies a changed config"
pid=$(prop MainPID)
c=$(cursor)
sed -i "s/^listen =.*/listen = 127.0.0.1:$port/; s/^interval = .*/interval = 1s/" "$conf"
systemctl reload ptwatchd
rc=$?
if [ $rc = 0 ] && wait_for 'scrape | grep -q "^ptwatch_build_info"' 15 &&
	[ "$(prop MainPID)" = "$pid" ] && since "$c" | grep -q "reloaded $conf"; then
	ok "systemctl reload applies a changed config: the listener on 127.0.0.1:$port answers, same PID $pid"
else
	nok "systemctl reload applies a changed config" "rc $rc, MainPID $(prop MainPID) (was $pid)" \
		"$(since "$c" | tail -n 5)"
fi

# ---- the hardening leaves BPF working
section "the hardening leaves BPF working"
m=$(scrape)
printf '%s\n' "$m" | grep -E '^ptwatch_(bpf_available|probe_attached)' | sed 's/^/#   /'
if printf '%s\n' "$m" | grep -qx 'ptwatch_bpf_available 1' &&
	printf '%s\n' "$m" | grep -q '^ptwatch_probe_attached{probe="pmd_install",attach="\(fentry\|kprobe\|tracepoint\)"} 1'; then
	ok "under the unit's hardening the BPF probes load and attach (pmd_install: $(printf '%s\n' "$m" | sed -n 's/^ptwatch_probe_attached{probe="pmd_install",attach="\([a-z]*\)"} 1/\1/p'))"
else
	nok "under the unit's hardening the BPF probes load and attach" \
		"$(journalctl -b -u ptwatchd --no-pager | grep -i -E 'bpf|probe' | tail -n 8)"
fi

# ---- another user's process is read in full: pt-shape (THP off for its
section "another user's process"
# range) keeps 256 empty PTE tables, 1 MiB of waste, until its stdin closes
sleep 900 | as_nobody /opt/ptwatch-test/pt-shape 256 0 >/tmp/shape.out 2>&1 &
wait_for 'grep -q ready /tmp/shape.out' 60
hold=$(sed -n 's/^ready //p' /tmp/shape.out)
sleep 3 # a few 1 s samples
vmpte=$(($(sed -n 's/^VmPTE:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$hold/status) * 1024))
out=$(ptwatch snapshot --json 2>&1)
if printf '%s' "$out" | jq -e --argjson p "$hold" --argjson v "$vmpte" \
	'.source == "daemon" and .host.processes_partial == 0 and
	 any(.processes[]; .pid == $p and .page_table_bytes == $v and .waste_bytes > 0)' >/dev/null; then
	ok "the daemon reads nobody's pt-shape (VmPTE $vmpte B, waste $(printf '%s' "$out" | jq --argjson p "$hold" '.processes[] | select(.pid == $p) | .waste_bytes') B) and every smaps_rollup (processes_partial 0)"
else
	nok "the daemon reads another user's process" "VmPTE $vmpte" \
		"$(printf '%s' "$out" | jq -c --argjson p "$hold" '{source, partial: .host.processes_partial, p: [.processes[] | select(.pid == $p)]}' 2>&1 | cut -c1-400)"
fi

# ---- an unprivileged user reads through the socket
section "an unprivileged user reads through the socket"
out=$(as_nobody ptwatch snapshot --json 2>&1)
if printf '%s' "$out" | jq -e --argjson p "$hold" --argjson v "$vmpte" \
	'.source == "daemon" and any(.processes[]; .pid == $p and .page_table_bytes == $v)' >/dev/null; then
	ok "ptwatch snapshot as nobody answers from the daemon's socket (source daemon, the same VmPTE)"
else
	nok "ptwatch snapshot as nobody through the socket" "$(printf '%s' "$out" | cut -c1-300)"
fi
out=$(as_nobody ptwatch snapshot -n 3 2>&1)
rc=$?
if [ $rc = 0 ] && printf '%s\n' "$out" | grep -q pt-shape; then
	ok "the table as nobody lists pt-shape"
else
	nok "the table as nobody" "rc $rc" "$out"
fi

# ---- systemctl reload refuses a broken config
section "systemctl reload refuses a broken config"
pid=$(prop MainPID)
cp "$conf" /tmp/good.conf
conf_add "[daemon]" "interval = banana"
c=$(cursor)
check "ptwatchd --check-config refuses the broken file" sh -c "! ptwatchd --check-config $conf >/dev/null 2>&1"
systemctl reload ptwatchd
sleep 2
m=$(scrape)
if [ "$(prop ActiveState)" = active ] && [ "$(prop MainPID)" = "$pid" ] &&
	since "$c" | grep -q 'reload failed, keeping the running config' &&
	printf '%s\n' "$m" | grep -qx 'ptwatch_config_reloads_total{result="error"} 1'; then
	ok "systemctl reload of a broken config: refused and logged, the daemon keeps running its config (same PID, listener up)"
else
	nok "a broken config is refused on reload" "ActiveState $(prop ActiveState), MainPID $(prop MainPID) (was $pid)" \
		"$(since "$c" | tail -n 5)" "$(printf '%s\n' "$m" | grep reloads_total)"
fi
cp /tmp/good.conf "$conf"

# ---- a real knob change, in the journal with its PTWATCH_* fields
section "a real knob change, in the journal with its PTWATCH_* fields"
if [ "$kind" = patched ]; then
	knob=vm.pt_reclaim
	kf=/proc/sys/vm/pt_reclaim
else
	knob=vm.hugetlb_optimize_vmemmap
	kf=/proc/sys/vm/hugetlb_optimize_vmemmap
fi
if [ ! -w "$kf" ]; then
	nok "$knob is in this kernel" "no $kf"
	orig=
else
	orig=$(cat "$kf")
	new=$((1 - orig))
	if [ "$kind" = patched ]; then
		echo "# $knob = $orig"
		rc=$(as_nobody ptwatch reclaim on >/dev/null 2>&1; echo $?)
		if [ "$rc" = 4 ] && [ "$(cat "$kf")" = "$orig" ]; then
			ok "ptwatch reclaim on as nobody is refused (exit 4, permission denied), $knob unchanged"
		else
			nok "ptwatch reclaim on as nobody is refused" "exit $rc (want 4), $knob $(cat "$kf")"
		fi
		if [ "$new" = 1 ]; then
			conf_add "[reclaim]" "mode = auto" "dry_run = no" "on_waste_percent = 0.01" \
				"off_waste_percent = 0" "samples = 1"
		else
			conf_add "[reclaim]" "mode = auto" "dry_run = no" "on_waste_percent = 99" \
				"off_waste_percent = 98" "samples = 1"
		fi
	else
		# 40 huge pages: HVO would save 40 x 28 KiB = 1.1 MiB.
		[ "$new" = 1 ] && echo 40 >/proc/sys/vm/nr_hugepages
		[ "$new" = 0 ] && echo 0 >/proc/sys/vm/nr_hugepages
		conf_add "[hugetlb_vmemmap]" "mode = auto" "dry_run = no" "on_saving_mib = 1" \
			"off_saving_mib = 0" "samples = 1"
		echo "# $knob = $orig, $(cat /proc/sys/vm/nr_hugepages) huge pages"
	fi
	c=$(cursor)
	systemctl reload ptwatchd
	if wait_for "[ \$(cat $kf) = $new ]" 20; then
		ok "the policy changes $knob $orig -> $new"
	else
		nok "the policy changes $knob $orig -> $new" "$(since "$c" | tail -n 5)"
	fi
	j=$(since "$c" -o json | jq -c --arg k "$knob" --arg n "$new" \
		'select(.PTWATCH_KNOB == $k and .PTWATCH_NEW == $n and .PTWATCH_DRY_RUN == "0")' | head -n 1)
	echo "# journal: $(printf '%s' "$j" | jq -c '{MESSAGE, PTWATCH_KNOB, PTWATCH_OLD, PTWATCH_NEW, PTWATCH_REASON, PTWATCH_ACTOR, PTWATCH_DRY_RUN, PTWATCH_SYSCTL, PRIORITY}' 2>&1 | cut -c1-400)"
	if printf '%s' "$j" | jq -e --arg o "$orig" \
		'.PTWATCH_OLD == $o and (.PTWATCH_REASON | length) > 0 and .PTWATCH_ACTOR == "policy" and
		 (.PTWATCH_SYSCTL | startswith("sysctl -w")) and ._SYSTEMD_UNIT == "ptwatchd.service"' >/dev/null 2>&1; then
		ok "journalctl -o json carries the change's PTWATCH_KNOB, _OLD, _NEW, _REASON, _ACTOR, _DRY_RUN, _SYSCTL"
	else
		nok "journalctl -o json carries the PTWATCH_* fields of the change" "$(since "$c" -o json | grep PTWATCH | tail -n 3 | cut -c1-400)"
	fi
fi

# ---- the watchdog restarts a stopped daemon; the knob is rolled back
section "the watchdog restarts a stopped daemon; the knob is rolled back"
pid=$(prop MainPID)
n0=$(prop NRestarts)
c=$(cursor)
kill -STOP "$pid"
if wait_for "[ \$(prop NRestarts) -gt $n0 ] && [ \$(prop ActiveState) = active ] && [ \$(prop MainPID) != $pid ]" 60 &&
	since "$c" | grep -q -i 'watchdog timeout'; then
	echo "# the restarted ptwatchd was ready in $((($(prop ActiveEnterTimestampMonotonic) - $(prop ExecMainStartTimestampMonotonic)) / 1000)) ms"
	ok "SIGSTOP: the watchdog (5 s) kills and restarts ptwatchd (NRestarts $n0 -> $(prop NRestarts), PID $pid -> $(prop MainPID))"
else
	nok "the watchdog restarts a stopped daemon" "NRestarts $(prop NRestarts) ActiveState $(prop ActiveState) MainPID $(prop MainPID)" \
		"$(since "$c" | tail -n 8)"
fi
if [ -n "$orig" ]; then
	if wait_for "[ \$(cat $kf) = $orig ]" 20 && since "$c" | grep -q "rolled back $knob $new -> $orig"; then
		sleep 3 # samples: the policy waits min_interval after the rollback
		if [ "$(cat "$kf")" = "$orig" ]; then
			ok "after the watchdog restart $knob is rolled back to $orig and stays there (min_interval)"
		else
			nok "$knob stays rolled back" "now $(cat "$kf")" "$(since "$c" | grep "$knob" | tail -n 3)"
		fi
	else
		nok "after the watchdog restart $knob is rolled back to $orig" "now $(cat "$kf")" \
			"$(since "$c" | tail -n 6)"
	fi
fi

# ---- systemctl stop is clean
section "systemctl stop is clean"
c=$(cursor)
t0=$(date +%s%N)
systemctl stop ptwatchd
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
a=$(prop ActiveState) r=$(prop Result)
if [ $rc = 0 ] && [ "$a" = inactive ] && [ "$r" = success ] && [ $ms -lt 10000 ] &&
	! since "$c" | grep -q -E 'timed out|Killing|SIGKILL|Failed with result'; then
	ok "systemctl stop: inactive, Result=success, in $ms ms, no kill"
else
	nok "systemctl stop is clean" "rc $rc ActiveState $a Result $r, $ms ms" "$(since "$c" | tail -n 6)"
fi
out=$(as_nobody ptwatch snapshot --json 2>&1)
if printf '%s' "$out" | jq -e '.source == "procfs"' >/dev/null 2>&1; then
	ok "with the daemon stopped, ptwatch snapshot as nobody falls back to procfs"
else
	nok "ptwatch without the daemon" "$(printf '%s' "$out" | cut -c1-300)"
fi

kill "$hold" 2>/dev/null
echo "# guest checks done at $(cut -d' ' -f1 /proc/uptime) s of uptime"
[ $fail = 0 ]
