# Helpers for the daemon suites: tests/daemon/helpers/NAME.c ->
# build/tests/daemon/NAME (a NOTIFY_SOCKET listener, a raw socket client).
DHELPER_SRCS := $(wildcard tests/daemon/helpers/*.c)
DHELPER_BINS := $(DHELPER_SRCS:tests/daemon/helpers/%.c=$(BUILD)/tests/daemon/%)

all: $(DHELPER_BINS)

$(BUILD)/tests/daemon/%: tests/daemon/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<
