#!/usr/bin/env bash
# ptwatch status and record on this machine's own kernel, whatever it
# allows: where fentry is refused and kprobes are off (the development
# machine), ptwatch must still run, attach the tracepoints and say why the
# rest is missing. About 10 s.
set -u
cd "$(dirname "$0")/../.."
export PATH=$PWD/${BUILD:-build}:$PWD/${BUILD:-build}/tests:$PATH
. tests/vm/bpf-lib.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if ! command -v jq >/dev/null; then
	bpf_skip "BPF host checks" "jq not installed (make deps)"
	bpf_done
fi

ptwatch status --json >"$out/status.json"
check "ptwatch status --json exits 0" [ $? = 0 ]
check "status reports this kernel's release" \
	jqt "$out/status.json" ".kernel.release == \"$(uname -r)\""
check "status: PTE-table reclaim mode is absent, builtin or sysctl" \
	jqt "$out/status.json" '.kernel.pt_reclaim.mode | IN("absent","builtin","sysctl")'
if [ -e /proc/sys/vm/pt_reclaim ]; then
	check "status: vm.pt_reclaim value matches the sysctl" \
		jqt "$out/status.json" ".kernel.pt_reclaim.value == $(cat /proc/sys/vm/pt_reclaim)"
else
	check "status: no pt_reclaim sysctl, value null" \
		jqt "$out/status.json" '.kernel.pt_reclaim.value == null'
fi
bpf_check_probe_shape "$out/status.json"
if [ ! -e /sys/bus/event_source/devices/kprobe ]; then
	check "no probe claims a kprobe on a kernel without kprobes" \
		jqt "$out/status.json" '[.probes[] | select(.attach == "kprobe")] == []'
	check "without kprobes, unattached function probes say so" \
		jqt "$out/status.json" '[.probes[] | select(.attach == "none" and
			(.name | IN("pmd_install","free_pgtables"))) |
			.reason | test("no kprobes")] | all'
fi
echo "# ptwatch status on $(uname -r):"
ptwatch status | sed 's/^/#   /'

if [ "$(id -u)" != 0 ]; then
	bpf_skip "record on this kernel" "not root (loading BPF needs root)"
	bpf_done
fi
check "status as root loaded and attached the probes" \
	jqt "$out/status.json" '.probes_loaded'

# An unprivileged user gets the plan and a clear refusal to record.
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		ptwatch status --json >"$out/status-nobody.json" 2>/dev/null
	check "status as nobody exits 0 with the plan (not loaded)" \
		jqt "$out/status-nobody.json" '.probes_loaded == false and (.probes | length == 6)'
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		ptwatch record -d 1 >/dev/null 2>"$out/nobody.err"
	check "record as nobody exits 4 (permission)" [ $? = 4 ]
	check "record as nobody says it needs root" grep -q 'needs root' "$out/nobody.err"
fi

ptwatch record -d abc >/dev/null 2>&1
check "record -d abc exits 2 (usage)" [ $? = 2 ]
ptwatch record -p 2147483000 -d 1 >/dev/null 2>&1
check "record -p of a missing process exits 3" [ $? = 3 ]

bpf_record_workload 50 "$out/rec.json"
bpf_check_record "$out/rec.json" 50
check "record --json has the same probe list as status" \
	[ "$(jq -c '[.probes[] | [.name, .attach, .target]]' "$out/rec.json")" = \
	  "$(jq -c '[.probes[] | [.name, .attach, .target]]' "$out/status.json")" ]
echo "# ptwatch record --json, the workload:"
jq -c '.processes[] | select(.comm == "bpf-ptload")' "$out/rec.json" | sed 's/^/#   /'
bpf_done
