#!/usr/bin/env bash
# A real Prometheus (Debian's 2.42) scrapes ptwatchd's HTTP listener and
# node_exporter's textfile collector (ptwatchd's ptwatch.prom), with the
# shipped alert rules; the checks go through Prometheus's HTTP API: the
# key series agree with /proc, PageTableReclaimableHigh (the census's exact
# count) fires on a process with many empty PTE tables and
# PageTableWasteHigh (the estimate) as its rule says, PtwatchStale and
# PtwatchDown on a stopped daemon. Runs on the host against a host-run
# ptwatchd with a test config (a fake sysctl tree: nothing is tuned).
# About 30 s (55 s on a loaded host).
#
# The rules are a test copy of configs/ptwatch-alerts.yml with the same
# expressions and thresholds except: every `for:` is 5s (15m, 5m and 1h in
# the shipped file), and PtwatchStale's age limit is 10 s (300 s shipped);
# Prometheus scrapes and evaluates every second.
. "$(dirname "$0")/../daemon/lib.sh"

for t in prometheus promtool prometheus-node-exporter curl jq; do
	if ! command -v "$t" >/dev/null; then
		skip "Prometheus scrapes ptwatchd" "$t is not installed (make deps installs it)"
		tap_done
	fi
done
start=$SECONDS
free_port() { # a loopback port nobody listens on, above $1
	local p=$1
	while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
	echo "$p"
}
NPORT=$(free_port $((PORT + 1)))
PPORT=$(free_port $((NPORT + 1)))
data=$B/prometheus-test
rm -rf "$data"
mkdir -p "$data"

# ---- the workload: empty PTE tables worth 3% of MemTotal (the alert
# fires above 2%); pt-shape keeps one table per 2 MiB block of address
# space, one page touched in it and dropped with a 4 KiB MADV_DONTNEED.
memtotal_kb=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
blocks=$((memtotal_kb * 3 / 100 / 4))
if [ $((blocks * 4 / 1024)) -gt 4096 ]; then
	skip "Prometheus scrapes ptwatchd" "3% of MemTotal is $((blocks * 4 / 1024)) MiB of page tables: too much for a test"
	tap_done
fi
coproc SHAPE { "$B/tests/pt-shape" "$blocks" 0; }
PIDS+=("$SHAPE_PID")
read -r -t 300 ready shape_pid <&"${SHAPE[0]}" # minutes on a loaded machine
if [ "${ready:-}" != ready ]; then
	not_ok "pt-shape $blocks 0 builds its tables (within 300 s)" "got: ${ready:-nothing}"
	tap_done
fi
echo "# pt-shape (pid $shape_pid): $blocks empty PTE tables ($((blocks * 4 / 1024)) MiB, 3% of MemTotal)"

# ---- ptwatchd with a test config (tests/daemon/lib.sh: fake sysctls,
# textfile in $T/prom, listener on $PORT), sampling every second
make_sysctl
write_conf "[daemon]" "interval = 1s"
start_daemon
wait_for "[ -f $T/prom/ptwatch.prom ]" 30 || not_ok "ptwatchd starts" "$(tail -n 5 "$T/log")"

prometheus-node-exporter --web.listen-address="127.0.0.1:$NPORT" \
	--collector.disable-defaults --collector.textfile \
	--collector.textfile.directory="$T/prom" >"$T/node.log" 2>&1 &
PIDS+=($!)

# ---- the rules: the shipped file, for: and the staleness age shortened
sed -e 's/for: \(15m\|5m\|1h\)$/for: 5s/' \
	-e 's/ptwatch_last_sample_timestamp_seconds\[1h\]) > 300/ptwatch_last_sample_timestamp_seconds[1h]) > 10/' \
	configs/ptwatch-alerts.yml >"$T/rules.yml"
diff configs/ptwatch-alerts.yml "$T/rules.yml" | grep '^>' | sort | uniq -c | sed 's/^/# test rules: /'
check "promtool check rules accepts the test copy of the shipped rules" quiet promtool check rules "$T/rules.yml"
cat >"$T/prometheus.yml" <<-YML
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: ["$T/rules.yml"]
scrape_configs:
  - job_name: ptwatch
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$NPORT"]}]
YML
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$data" \
	--web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$T/prom.log" 2>&1 &
PIDS+=($!)
api="http://127.0.0.1:$PPORT/api/v1"
# wait_s COMMAND SECONDS: a deadline in seconds, whatever each try costs
wait_s() {
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		eval "$1" && return 0
		sleep 0.5
	done
	return 1
}
if ! wait_s "curl -sf http://127.0.0.1:$PPORT/-/ready >/dev/null" 60; then
	not_ok "prometheus starts" "$(tail -n 5 "$T/prom.log")"
	tap_done
fi

# q EXPR: the values of an instant query, one "labels value" line each
q() {
	curl -sf "$api/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | "\(.metric | del(.__name__) | tostring) \(.value[1])"'
}
# val EXPR: the value of a query with one result
val() { q "$1" | awk 'NR == 1 {print $NF}'; }
# firing ALERTNAME [LABEL_MATCHERS]: is the alert firing?
firing() { [ -n "$(q "ALERTS{alertname=\"$1\",alertstate=\"firing\"${2:-}}")" ]; }

if wait_s '[ "$(val "up{job=\"ptwatch\"}")" = 1 ] && [ "$(val "up{job=\"node\"}")" = 1 ] &&
	[ -n "$(val "ptwatch_process_page_tables_bytes{job=\"ptwatch\",pid=\"$shape_pid\"}")" ] &&
	[ -n "$(val "ptwatch_page_tables_bytes{job=\"node\"}")" ]' 30; then
	ok "Prometheus scrapes ptwatchd's listener and node_exporter's textfile collector (up 1 for both)"
else
	not_ok "Prometheus scrapes both targets" "$(curl -s "$api/targets" | jq -c '.data.activeTargets[] | {job: .labels.job, health, lastError}')"
fi

# ---- the key series against /proc
expect_eq "ptwatch_memory_total_bytes = MemTotal in /proc/meminfo" \
	$((memtotal_kb * 1024)) "$(val 'ptwatch_memory_total_bytes{job="ptwatch"}')"
vmpte=$(($(sed -n 's/^VmPTE:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$shape_pid/status") * 1024))
expect_eq "ptwatch_process_page_tables_bytes{pid=\"$shape_pid\"} = pt-shape's VmPTE in /proc/$shape_pid/status" \
	"$vmpte" "$(val "ptwatch_process_page_tables_bytes{job=\"ptwatch\",pid=\"$shape_pid\"}")"
w=$(val "ptwatch_process_page_table_waste_bytes{job=\"ptwatch\",pid=\"$shape_pid\"}")
check "pt-shape's waste is its empty tables: ${w:-none} B >= $((blocks * 4096 * 99 / 100)) B (99% of $blocks tables)" \
	[ "${w:-0}" -ge $((blocks * 4096 * 99 / 100)) ]
pt=$(sed -n 's/^PageTables: *\([0-9]*\) kB/\1/p' /proc/meminfo)
# A busy host's PageTables moves between the sample and this read: 5%.
check "ptwatch_page_tables_bytes ($(val 'ptwatch_page_tables_bytes{job="ptwatch"}') B) is PageTables in /proc/meminfo ($((pt * 1024)) B) within 5%" \
	awk "BEGIN{a=$(val 'ptwatch_page_tables_bytes{job="ptwatch"}'); b=$pt*1024; d=a-b; if (d<0) d=-d; exit !(d <= b*0.05)}"
both=$(q 'ptwatch_page_table_waste_bytes' | wc -l)
check "the host waste comes through both paths, listener and textfile ($both series)" [ "$both" = 2 ]

# ---- the page-table alerts: the census counts pt-shape's empty tables
# exactly (PageTableReclaimableHigh, > 1% of memory); the estimate's
# PageTableWasteHigh (> 2%) speaks only where the census covers less than
# half the page tables
if wait_s 'firing PageTableReclaimableHigh ",job=\"ptwatch\""' 60; then
	ok "PageTableReclaimableHigh fires: exact empty tables $(val 'ptwatch:page_table_reclaimable:ratio{job="ptwatch"}') of memory > 0.01"
else
	not_ok "PageTableReclaimableHigh fires" "ratio: $(q 'ptwatch:page_table_reclaimable:ratio')" "$(q ALERTS)"
fi
r=$(val "ptwatch_process_page_table_reclaimable_bytes{job=\"ptwatch\",pid=\"$shape_pid\"}")
expect_eq "ptwatch_process_page_table_reclaimable_bytes{pid=\"$shape_pid\"} = pt-shape's $blocks empty tables x 4096" \
	$((blocks * 4096)) "$r"
cov=$(val 'ptwatch_census_coverage_ratio{job="ptwatch"}')
ratio=$(val 'ptwatch:page_table_waste:ratio{job="ptwatch"}')
if awk "BEGIN{exit !(${cov:-0} >= 0.5)}"; then
	if firing PageTableWasteHigh; then
		not_ok "PageTableWasteHigh stays quiet where the census covers ${cov} of the page tables" "$(q 'ALERTS')"
	else
		ok "PageTableWasteHigh (estimate $ratio > 0.02) stays quiet: the census covers $cov of the page tables"
	fi
elif wait_s 'firing PageTableWasteHigh ",job=\"ptwatch\""' 30; then
	ok "PageTableWasteHigh fires: waste ratio $ratio > 0.02 (census coverage ${cov:-none})"
else
	not_ok "PageTableWasteHigh fires (census coverage ${cov:-none})" "ratio: $ratio" "$(q ALERTS)"
fi
for a in PageTableWasteCritical PtwatchStale PtwatchDown; do
	if firing "$a"; then not_ok "$a does not fire" "$(q "ALERTS{alertname=\"$a\"}")"; else ok "$a does not fire"; fi
done

# ---- a stopped daemon: the listener is gone, the textfile stays old
stop_daemon
stopped=$SECONDS
if wait_s 'firing PtwatchStale ",job=\"ptwatch\"" && firing PtwatchStale ",job=\"node\"" && firing PtwatchDown' 60; then
	ok "ptwatchd stopped: PtwatchStale fires for the listener and the textfile, PtwatchDown for the listener, after $((SECONDS - stopped)) s"
else
	not_ok "the staleness alerts on a stopped daemon" "$(q 'ALERTS')" \
		"$(q 'time() - max_over_time(ptwatch_last_sample_timestamp_seconds[1h])')"
fi
echo "# t-prometheus took $((SECONDS - start)) s"
tap_done
