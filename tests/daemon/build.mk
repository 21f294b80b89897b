# Helpers for the daemon suites: tests/daemon/helpers/NAME.c ->
# build/tests/daemon/NAME (a NOTIFY_SOCKET listener, a raw socket client,
# the task iterator's bare pass).
DHELPER_SRCS := $(wildcard tests/daemon/helpers/*.c)
DHELPER_BINS := $(DHELPER_SRCS:tests/daemon/helpers/%.c=$(BUILD)/tests/daemon/%)

all: $(DHELPER_BINS)

$(BUILD)/tests/daemon/%: tests/daemon/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

# iter-pass times the task iterator's bare pass: it links the loader. It
# goes to build/tests/ too, for the guests (tests/vm/guest-iter.sh).
all: $(BUILD)/tests/iter-pass
$(BUILD)/tests/daemon/iter-pass $(BUILD)/tests/iter-pass: tests/daemon/helpers/iter-pass.c $(LIB_BPF) $(LIB_CORE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_BPF) $(LIB_CORE) $(LDLIBS)

# The top Makefile includes src/*/build.mk and tests/*/build.mk only; the
# install rules live with the unit they install.
include systemd/build.mk

# madvise-hold also goes where the VM harness (tests/vm/guest.sh) picks up
# programs for the guest's PATH: build/tests/.
all: $(BUILD)/tests/madvise-hold
$(BUILD)/tests/madvise-hold: tests/daemon/helpers/madvise-hold.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<
