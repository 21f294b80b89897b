#!/usr/bin/env bash
# What a user of ptwatchd's exports sees (issue 16's defects): process names
# as the kernel has them, the per-process waste floor, the textfile
# directory, min_interval across a crash, the metric names and help texts,
# the staleness alert on series that stop, and the cost of a sample with a
# large process. Takes about 30 s.
. "$(dirname "$0")/lib.sh"

# scrape: the HTTP exposition (body only) on stdout
scrape() {
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3
	sed '1,/^\r$/d' <&3
	exec 3<&-
}

# hold NAME MIB: a copy of madvise-hold called NAME (its comm) that leaves
# MIB/512 MiB of empty PTE tables behind, given back in 1 MiB pieces so
# that kernels with reclaim on MADV_DONTNEED keep them too. Sets HOLD_PID.
hold() {
	cp "$HELPERS/madvise-hold" "$T/$1"
	"$T/$1" "$2" 120 1024 >"$T/hold.$$.out" &
	HOLD_PID=$!
	PIDS+=("$HOLD_PID")
	wait_for "grep -q ready $T/hold.$$.out" 30
}

make_sysctl
write_conf "[reclaim]" "mode = report"
start_daemon
wait_for "[ -S $T/s.sock ]" 30 || not_ok "daemon starts" "$(cat "$T/log")"

# ---- 1. process names are escaped once, by the format that needs it
weird=$'we"ird\na'
hold "$weird" 1024
wait_for "req '{\"cmd\":\"process\",\"pid\":$HOLD_PID}' | jq -e '.ok' >/dev/null" 30
a=$(req "{\"cmd\":\"process\",\"pid\":$HOLD_PID}")
jcheck "the socket's JSON has the real comm (we\"ird, newline, a)" \
	'.ok and .process.comm == "we\"ird\na"' "$a"
m=$(scrape)
if grep -qF "comm=\"we\\\"ird\\na\"" <<<"$m"; then
	ok "the exposition escapes the comm once: $(grep -F 'ird\na' <<<"$m" | head -1 | cut -c1-120)"
else
	not_ok "the exposition escapes the comm once" "$(grep -F ird <<<"$m" | head -2)"
fi
out=$("$PTWATCH" --socket "$T/s.sock" snapshot --json 2>/dev/null)
jcheck "ptwatch snapshot --json shows it the same way" \
	"any(.processes[]; .pid == $HOLD_PID and .comm == \"we\\\"ird\\na\")" "$out"

# ---- 3. a process is exported only above the waste floor (1 MiB default)
sleep 60 &
small=$!
PIDS+=("$small")
# the daemon has seen it (its answer), then one more sample for the export
wait_for "req '{\"cmd\":\"process\",\"pid\":$small}' | jq -e '.ok' >/dev/null" 30
wait_samples 2
m=$(scrape)
series=$(grep '^ptwatch_process_page_table_waste_bytes{' <<<"$m")
if grep -q "pid=\"$HOLD_PID\"" <<<"$series" && ! grep -q "pid=\"$small\"" <<<"$series"; then
	ok "the process with 2 MiB of waste is exported, a sleep is not ($(wc -l <<<"$series") process series)"
else
	not_ok "the waste floor" "$series"
fi
low=$(awk '$NF < 1048576' <<<"$series")
check "no exported process has less than 1 MiB of waste" [ -z "$low" ]
labels=$(grep '^ptwatch_process_' <<<"$m" | sed 's/="[^"\\]*\(\\.[^"\\]*\)*"//g; s/ .*//; s/^[a-z_]*//' | sort -u)
if [ "$labels" = '{pid,comm,cgroup}' ]; then
	ok "every process series has the labels pid, comm, cgroup"
else
	not_ok "process series labels" "$labels"
fi
kill "$small"
kill "$HOLD_PID" 2>/dev/null

# ---- 4. min_interval holds across kill -9 and restart
stop_daemon
rm -f "$T/run/knobs.json"
echo 0 >"$T/sys/vm/pt_reclaim"
write_conf "[reclaim]" "mode = auto" "dry_run = no" "on_waste_percent = 0" \
	"off_waste_percent = 0" "samples = 1" "min_interval = 1h"
: >"$T/log"
start_daemon
if wait_for "[ \$(cat $T/sys/vm/pt_reclaim) = 1 ]" 30; then
	ok "the policy switches reclaim on"
else
	not_ok "the policy switches reclaim on" "$(tail -3 "$T/log")"
fi
for round in 1 2; do
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null
	start_daemon
	wait_for "[ \$(grep -c 'started:' $T/log) -ge $((round + 1)) ]" 30
	wait_samples 10 # the policy wants 1 in every one
	changes=$(grep -c 'changed vm.pt_reclaim 0 -> 1' "$T/log")
	rollbacks=$(grep -c 'rolled back vm.pt_reclaim 1 -> 0' "$T/log")
	if [ "$(cat "$T/sys/vm/pt_reclaim")" = 0 ] && [ "$changes" = 1 ] && [ "$rollbacks" = 1 ]; then
		ok "kill -9 and restart $round: rolled back once, not set again within min_interval (1 change, 1 rollback)"
	else
		not_ok "kill -9 and restart $round within min_interval" \
			"knob $(cat "$T/sys/vm/pt_reclaim"), $changes changes, $rollbacks rollbacks" \
			"$(grep -E 'changed|rolled' "$T/log" | cut -c1-100)"
	fi
done
jcheck "knobs.json keeps the time of the last change" \
	'."vm.pt_reclaim".changed_at > 0 and ."vm.pt_reclaim".written == 0' "$(cat "$T/run/knobs.json")"

# ---- 5. the textfile directory: missing, broken, changed error, back
stop_daemon
write_conf "[reclaim]" "mode = report"
sed -i "s|^textfile_dir = .*|textfile_dir = $T/nodeexp|" "$T/d.conf"
: >"$T/log"
start_daemon
wait_samples 6
n=$(grep -c "textfile: $T/nodeexp does not exist (node_exporter's textfile collector not installed?)" "$T/log")
if [ "$n" = 1 ] && grep -q '^ptwatchd\[info\]: textfile:' "$T/log" && ! grep -q 'warning' "$T/log"; then
	ok "a missing directory is logged once, at info, as node_exporter not installed"
else
	not_ok "a missing textfile directory" "$n lines" "$(grep textfile "$T/log")"
fi
check "and not counted as a failure" grep -qx 'ptwatch_textfile_write_errors_total 0' <<<"$(scrape)"
: >"$T/nodeexp" # a file where the directory should be: ENOTDIR
wait_for "grep -q 'textfile: cannot write .*: Not a directory' $T/log" 30
wait_samples 2
mkdir -p "$T/nodeexp.d/ptwatch.prom" # a directory in the file's place: EISDIR
rm "$T/nodeexp"
mv "$T/nodeexp.d" "$T/nodeexp"
wait_for "grep -q 'textfile: cannot write .*: Is a directory' $T/log" 30
wait_samples 2
m=$(scrape)
nd=$(grep -c 'textfile: cannot write .*: Not a directory' "$T/log")
id=$(grep -c 'textfile: cannot write .*: Is a directory' "$T/log")
if [ "$nd" = 1 ] && [ "$id" = 1 ]; then
	ok "a failure is logged once, and again when it changes (ENOTDIR, then EISDIR)"
else
	not_ok "textfile failures logged once per change" "ENOTDIR $nd, EISDIR $id" "$(grep textfile "$T/log")"
fi
errs=$(sed -n 's/^ptwatch_textfile_write_errors_total //p' <<<"$m")
check "failed writes are counted in ptwatch_textfile_write_errors_total ($errs)" [ "${errs:-0}" -ge 4 ]
rmdir "$T/nodeexp/ptwatch.prom"
if wait_for "[ -f $T/nodeexp/ptwatch.prom ]" 30 && wait_for "grep -q 'textfile: writing $T/nodeexp/ptwatch.prom again' $T/log" 30; then
	ok "the recovery is logged once and the file is written: $(grep 'writing .* again' "$T/log" | cut -c1-120)"
else
	not_ok "textfile recovery" "$(grep textfile "$T/log")"
fi

# ---- 7. smaller: build and kernel info apart, no unused StateDirectory
m=$(scrape)
if grep -qx "ptwatch_build_info{version=\"[^\"]*\"} 1" <<<"$m" &&
	grep -qxF "ptwatch_kernel_info{release=\"$(uname -r)\"} 1" <<<"$m"; then
	ok "ptwatch_build_info carries the version only, ptwatch_kernel_info the kernel"
else
	not_ok "build and kernel info" "$(grep -E '_info' <<<"$m")"
fi
check "promtool check metrics accepts the scrape" quiet promtool check metrics <<<"$m"
# ---- 8. a sample's smaps_rollup walks are bounded (64 MiB of page tables)
rb=$(sed -n 's/^ptwatch_sample_rollup_bytes //p' <<<"$m")
check "ptwatch_sample_rollup_bytes is exported and within the budget (${rb:-none} <= 67108864)" \
	awk "BEGIN{exit !(\"$rb\" != \"\" && $rb <= 67108864)}"
check "the unit creates no directory it does not use (no StateDirectory=)" \
	bash -c "! grep -q '^StateDirectory=' systemd/ptwatchd.service"

echo "# daemon log:"
sed 's/^/#   /' "$T/log" | cut -c1-220 | head -40
tap_done
