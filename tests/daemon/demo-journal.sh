#!/usr/bin/env bash
# Shows the journal records ptwatchd sends (sd_journal_send) for a dry-run
# decision and for a real change, on a machine without journald: listens
# on /run/systemd/journal/socket itself (only if no journald owns it) and
# prints each datagram's fields. Not part of `make test`.
. "$(dirname "$0")/lib.sh"

sock=/run/systemd/journal/socket
if [ -e "$sock" ]; then
	echo "# $sock exists (journald runs): use journalctl -o verbose -t ptwatchd"
	exit 0
fi
made_dir=
[ -d /run/systemd/journal ] || { mkdir -p /run/systemd/journal && made_dir=1; }
"$HELPERS/notify-listen" "$sock" >"$T/journal.txt" &
PIDS+=($!)
wait_for "[ -S $sock ]" 5
make_sysctl
write_conf "[reclaim]" "mode = auto" "dry_run = yes" "on_waste_percent = 0" \
	"off_waste_percent = 0" "samples = 2" "min_interval = 0"
sed -i 's/^log = stderr$/log = journal/' "$T/d.conf"
start_daemon
sleep 1.5
"$PTWATCH" --socket "$T/s.sock" reclaim on >/dev/null
sleep 0.5
kill -TERM "$DPID"
wait "$DPID"
rm -f "$sock"
[ -n "$made_dir" ] && rmdir /run/systemd/journal
# one record per MESSAGE=; print the dry run and the change
awk '/^MESSAGE=/ { if (rec != "") print rec "\n"; rec = "" } { rec = rec $0 "\n" }
	END { print rec }' "$T/journal.txt" |
	awk -v RS= '/PTWATCH_KNOB=/' | sed "s|$T|\$T|g"
