#!/usr/bin/env bash
# make install with DESTDIR and PREFIX puts every file where the unit and
# the docs say, with the unit pointing at the installed binary. ~2 s.
. "$(dirname "$0")/lib.sh"

out=$(make -s install DESTDIR="$T/root" PREFIX=/usr 2>&1)
check "make install DESTDIR=... PREFIX=/usr succeeds" [ $? -eq 0 ]
for f in usr/bin/ptwatch usr/sbin/ptwatchd usr/lib/systemd/system/ptwatchd.service \
	etc/ptwatch/ptwatchd.conf usr/share/ptwatch/ptwatch-alerts.yml \
	usr/share/ptwatch/grafana-ptwatch.json; do
	check "installs /$f" [ -s "$T/root/$f" ]
done
check "the installed unit runs /usr/sbin/ptwatchd" \
	grep -qx 'ExecStart=/usr/sbin/ptwatchd --config /etc/ptwatch/ptwatchd.conf' \
	"$T/root/usr/lib/systemd/system/ptwatchd.service"
check "the installed config validates" quiet "$T/root/usr/sbin/ptwatchd" --check-config "$T/root/etc/ptwatch/ptwatchd.conf"
echo "# changed" >>"$T/root/etc/ptwatch/ptwatchd.conf"
make -s install DESTDIR="$T/root" PREFIX=/usr >/dev/null 2>&1
if grep -q '^# changed' "$T/root/etc/ptwatch/ptwatchd.conf" && [ -s "$T/root/etc/ptwatch/ptwatchd.conf.dist" ]; then
	ok "a second install keeps the admin's config (new default in .dist)"
else
	not_ok "second install keeps the config"
fi
tap_done
