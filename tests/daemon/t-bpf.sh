#!/usr/bin/env bash
# ptwatchd with the BPF probes: what attached is reported, and a process's
# MADV_DONTNEED volume is attributed to it in the daemon's answers. On this
# host only tracepoints attach (madvise through a syscall tracepoint); the other
# probes must say why not. ~5 s.
. "$(dirname "$0")/lib.sh"

# What the machine truly lacks is a skip (and a failure under CI:
# tests/run-tests.sh); a daemon that does not answer, or whose BPF does not
# load on a kernel that can load it, is a failure.
PLAN=13
if [ "$(id -u)" != 0 ]; then
	skip_n $PLAN "BPF attribution in ptwatchd" "needs root to load BPF"
	tap_done
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
	skip_n $PLAN "BPF attribution in ptwatchd" "kernel $(uname -r) has no BTF (/sys/kernel/btf/vmlinux): CO-RE cannot load"
	tap_done
fi
plan $PLAN
make_sysctl
write_conf
sed -i 's/^bpf = no$/bpf = yes/; s/^interval = 200ms$/interval = 500ms/' "$T/d.conf"
start_listener
start_daemon
if wait_for "grep -qx READY=1 $T/notify.log" 60; then
	ok "ptwatchd with bpf = yes says READY=1"
else
	not_ok "ptwatchd with bpf = yes says READY=1 within 60 s" "$(tail -5 "$T/log")"
fi
a=$(req '{"cmd":"status"}')
jcheck "the daemon answers status and its BPF loaded (root, BTF: nothing lacks)" \
	'.bpf.available == true' "$a"
jcheck "every probe reports how it attached or why not" \
	'[.bpf.probes[] | select(.attach != "none" or (.reason | length) > 0)] | length == 6' "$a"
"$HELPERS/madvise-hold" 64 20 >"$T/hold.out" &
hold=$!
PIDS+=("$hold")
wait_for "grep -qs ready $T/hold.out" 60
# the daemon has caught up when its answer carries the 64 MiB (a sample
# or two; polled, not slept: seconds on a loaded machine)
attributed() {
	a=$(req "{\"cmd\":\"process\",\"pid\":$hold}")
	jq -e '.bpf.processes[0].madvise_dontneed_bytes >= 67108864' <<<"$a" >/dev/null 2>&1
}
t0=$SECONDS
wait_for attributed 30
echo "# attributed after $((SECONDS - t0)) s"
# the process's figures come from a sample: two more, so that one was
# taken after madvise-hold was done (the BPF counters are live)
wait_samples 2
a=$(req "{\"cmd\":\"process\",\"pid\":$hold}")
if jq -e '.bpf.processes[0] | has("madvise_dontneed_bytes")' <<<"$a" >/dev/null 2>&1; then
	jcheck "64 MiB of MADV_DONTNEED attributed to pid $hold" \
		".bpf.processes[0].pid == $hold and .bpf.processes[0].madvise_dontneed_bytes >= 67108864" "$a"
else
	not_ok "madvise attributed to the process" "${a:0:400}"
fi
# 64 MiB needs 32 PTE tables (128 KiB). A kernel that reclaims empty PTE
# tables on MADV_DONTNEED frees them; one without keeps them as waste.
mode=$("$PTWATCH" --no-daemon reclaim status --json | jq -r .pt_reclaim)
if [ "$mode" = builtin ]; then
	jcheck "reclaim built in: the empty tables are gone (VmPTE < 100 KiB)" \
		'.process.page_table_bytes < 102400' "$a"
else
	jcheck "reclaim $mode: the empty tables show as waste (> 100 KiB)" \
		'.process.waste_bytes > 102400' "$a"
fi
wait_for "grep -q 'ptwatch_bpf_bytes_total{counter=\"madvise_dontneed\"} [1-9]' $T/prom/ptwatch.prom" 30
# the attach mode this host gives (what the checks above mean): the
# metric says what status says, and it is do_madvise's or a tracepoint
madv=$(printf '%s' "$a" | jq -r '.bpf.probes[] | select(.name == "madvise") | .attach')
echo "# madvise probe: $(printf '%s' "$a" | jq -c '.bpf.probes[] | select(.name == "madvise") | {attach, target}')"
check "metrics: the madvise probe attached as status says ($madv)" \
	grep -q "^ptwatch_probe_attached{probe=\"madvise\",attach=\"$madv\"} 1\$" "$T/prom/ptwatch.prom"
jcheck "madvise: do_madvise by fentry or kprobe, else a syscall tracepoint" \
	'.bpf.probes[] | select(.name == "madvise") |
	 ((.attach == "fentry" or .attach == "kprobe") and .target == "do_madvise") or
	 (.attach == "tracepoint" and (.target == "syscalls:sys_enter_madvise" or .target == "raw_syscalls:sys_enter"))' "$a"
check "bytes have a metric of their own: ptwatch_bpf_bytes_total{counter=\"madvise_dontneed\"}" \
	grep -q '^ptwatch_bpf_bytes_total{counter="madvise_dontneed"} [1-9]' "$T/prom/ptwatch.prom"
check "ptwatch_bpf_events_total counts events and calls only (no _bytes counter)" \
	bash -c "grep '^ptwatch_bpf_events_total{' '$T/prom/ptwatch.prom' | grep -q _calls && ! grep -q '^ptwatch_bpf_events_total{counter=\"[a-z_]*_bytes\"}' '$T/prom/ptwatch.prom'"
check "the probe_attached help explains attach=\"none\"" \
	grep -q '^# HELP ptwatch_probe_attached .*none' "$T/prom/ptwatch.prom"
check "promtool accepts the metrics with BPF series" quiet promtool check metrics <"$T/prom/ptwatch.prom"
kill "$hold"
stop_daemon
expect_eq "clean exit with the probes attached" 0 "$STOP_RC"
tap_done
