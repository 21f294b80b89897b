#!/usr/bin/env bash
# `make deb` builds the Debian package from HEAD: what it installs, its
# conffile, dependencies from the shared libraries, the unit, the man pages
# and completion, and lintian's verdict (errors and warnings fail; each
# remaining tag is justified in debian/ptwatch.lintian-overrides).
# About 35 s (dpkg-buildpackage ~25 s, lintian ~5 s); 671 s seen on a
# machine loaded by guests and other suites, hence its own limit:
# time limit: 1800 s
. "$(dirname "$0")/lib.sh"

for t in dpkg-buildpackage dh lintian scdoc; do
	if ! command -v "$t" >/dev/null; then
		skip "make deb" "$t is not installed (make deps installs it)"
		tap_done
	fi
done
start=$(date +%s)
if ! out=$(nice make -s deb BUILD="$T/b" 2>&1); then
	not_ok "make deb" "$(tail -15 <<<"$out")"
	tap_done
fi
deb=$(ls "$T"/b/ptwatch_*_amd64.deb 2>/dev/null)
check "make deb builds ptwatch_VERSION_amd64.deb in $(($(date +%s) - start)) s" [ -s "$deb" ]
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in usr/bin/ptwatch usr/sbin/ptwatchd lib/systemd/system/ptwatchd.service \
	etc/ptwatch/ptwatchd.conf usr/share/ptwatch/ptwatch-alerts.yml \
	usr/share/ptwatch/grafana-ptwatch.json usr/lib/ptwatch/ptwatch.bpf.o \
	usr/share/man/man1/ptwatch.1.gz usr/share/man/man8/ptwatchd.8.gz \
	usr/share/man/man5/ptwatchd.conf.5.gz \
	usr/share/bash-completion/completions/ptwatch; do
	check "ships /$f" grep -qx "./$f" <<<"$files"
done
dpkg-deb -e "$deb" "$T/ctl"
check "/etc/ptwatch/ptwatchd.conf is a conffile" grep -qx /etc/ptwatch/ptwatchd.conf "$T/ctl/conffiles"
dep=$(dpkg-deb -f "$deb" Depends)
if [[ "$dep" == *libbpf1* && "$dep" == *libjson-c5* && "$dep" == *libmicrohttpd12* && "$dep" == *libsystemd0* ]]; then
	ok "Depends come from the shared libraries: $dep"
else
	not_ok "Depends from \${shlibs:Depends}" "$dep"
fi
check "the postinst enables and starts the unit (dh_installsystemd)" \
	grep -q 'deb-systemd-helper.*enable.*ptwatchd.service\|ptwatchd.service' "$T/ctl/postinst"
dpkg-deb -x "$deb" "$T/root"
check "the unit runs /usr/sbin/ptwatchd" \
	grep -qx 'ExecStart=/usr/sbin/ptwatchd --config /etc/ptwatch/ptwatchd.conf' \
	"$T/root/lib/systemd/system/ptwatchd.service"
check "the packaged config validates" quiet "$T/root/usr/sbin/ptwatchd" --check-config "$T/root/etc/ptwatch/ptwatchd.conf"
if out=$(MANWIDTH=80 man -l "$T/root/usr/share/man/man5/ptwatchd.conf.5.gz" 2>&1) &&
	grep -q process_min_waste_kib <<<"$out"; then
	ok "man ptwatchd.conf renders and lists the keys"
else
	not_ok "man ptwatchd.conf" "${out:0:300}"
fi
out=$(bash -c ". '$T/root/usr/share/bash-completion/completions/ptwatch'
	COMP_WORDS=(ptwatch rec); COMP_CWORD=1; _ptwatch; echo \${COMPREPLY[*]}
	COMP_WORDS=(ptwatch reclaim ''); COMP_CWORD=2; _ptwatch; echo \${COMPREPLY[*]}" 2>&1)
if [[ "$out" == "record reclaim"*"on off auto status pid"* ]]; then
	ok "bash completion completes commands and reclaim's modes"
else
	not_ok "bash completion" "$out"
fi
out=$(lintian --pedantic "$T"/b/ptwatch_*_amd64.changes 2>&1 | grep -v 'running with root privileges')
echo "# lintian --pedantic: ${out:-(nothing)}"
if grep -qE '^[EW]: ' <<<"$out"; then
	not_ok "lintian: no errors or warnings" "$out"
else
	ok "lintian: no errors or warnings ($(grep -c . <<<"$out") other tags)"
fi
tap_done
