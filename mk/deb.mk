# The Debian package (debian/) and the man pages it ships.
#
#   make man   docs/man/*.scd -> $(BUILD)/man/ (scdoc)
#   make deb   $(BUILD)/ptwatch_VERSION_amd64.deb from the committed tree
#
# `make deb` exports HEAD (git archive; a copy of the tree without build/
# when this is not a git checkout) into $(BUILD)/deb-src and runs
# dpkg-buildpackage there, so that its clean step never touches this
# tree's build/ and uncommitted edits of others do not end up in the
# package. dpkg-buildpackage writes into the parent: $(BUILD).
MAN_SRCS  := $(wildcard docs/man/*.scd)
MAN_PAGES := $(MAN_SRCS:docs/man/%.scd=$(BUILD)/man/%)
DEB_SRC   := $(BUILD)/deb-src

.PHONY: man install-man deb
man: $(MAN_PAGES)

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(@D)
	scdoc <$< >$@.tmp && mv $@.tmp $@

install-man: $(MAN_PAGES)
	for m in $(MAN_PAGES); do \
		s=$${m##*.}; install -D -m 0644 $$m \
			$(DESTDIR)$(PREFIX)/share/man/man$$s/$$(basename $$m); \
	done

deb:
	rm -rf $(DEB_SRC) && mkdir -p $(DEB_SRC)
	if git rev-parse --git-dir >/dev/null 2>&1; then \
		git archive HEAD | tar -x -C $(DEB_SRC); \
	else \
		tar -c --exclude=./$(BUILD) . | tar -x -C $(DEB_SRC); \
	fi
	cd $(DEB_SRC) && dpkg-buildpackage -b -us -uc
	@ls $(BUILD)/ptwatch_*.deb
