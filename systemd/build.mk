# make install DESTDIR=... PREFIX=/usr: binaries, the unit, the config (kept
# if one is already there: the new default then goes to *.dist), the alert
# rules, the dashboard and the daemon's docs.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc

# install-files: what a package ships, without building the tests first
# (debian/rules uses it).
.PHONY: install-files
install: all install-files
install-files: $(BUILD)/ptwatch $(BUILD)/ptwatchd
	install -D -m 0755 $(BUILD)/ptwatch $(DESTDIR)$(PREFIX)/bin/ptwatch
	install -D -m 0755 $(BUILD)/ptwatchd $(DESTDIR)$(PREFIX)/sbin/ptwatchd
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/|$(PREFIX)/sbin/|; s|/etc/ptwatch/|$(SYSCONFDIR)/ptwatch/|' \
		systemd/ptwatchd.service > $(DESTDIR)$(UNITDIR)/ptwatchd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/ptwatchd.service
	install -d $(DESTDIR)$(SYSCONFDIR)/ptwatch
	if [ -e $(DESTDIR)$(SYSCONFDIR)/ptwatch/ptwatchd.conf ]; then \
		install -m 0644 configs/ptwatchd.conf $(DESTDIR)$(SYSCONFDIR)/ptwatch/ptwatchd.conf.dist; \
		echo "kept $(DESTDIR)$(SYSCONFDIR)/ptwatch/ptwatchd.conf; new default in ptwatchd.conf.dist"; \
	else \
		install -m 0644 configs/ptwatchd.conf $(DESTDIR)$(SYSCONFDIR)/ptwatch/ptwatchd.conf; \
	fi
	install -D -m 0644 configs/ptwatch-alerts.yml $(DESTDIR)$(PREFIX)/share/ptwatch/ptwatch-alerts.yml
	install -D -m 0644 configs/grafana-ptwatch.json $(DESTDIR)$(PREFIX)/share/ptwatch/grafana-ptwatch.json
	install -d $(DESTDIR)$(PREFIX)/share/doc/ptwatch
	install -m 0644 $(wildcard docs/*.md) $(DESTDIR)$(PREFIX)/share/doc/ptwatch/
	install -D -m 0644 completion/ptwatch.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/ptwatch
