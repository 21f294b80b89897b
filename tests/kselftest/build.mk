# The kselftest of MADV_PT_RECLAIM (tests/kselftest/pt_reclaim.c, the file
# the series adds as tools/testing/selftests/mm/pt_reclaim.c) ->
# build/tests/pt_reclaim_selftest, built as mainline's mm/Makefile builds
# its tests (-Wall -O2; kselftest_harness.h does not pass -Wextra), static
# for the guests, against the harness of the kernel tree that
# kernel-patches/build-kernel.sh unpacks into $(BUILD)/kernel/src. Without
# that tree it is not built: `make kselftest` says so, and
# tests/kernel/guest-hostile.sh skips it. t-reclaim-pid.sh and
# t-debug-stress.sh run `make kselftest` once their kernel is there.
KSELFTEST_DIR ?= $(BUILD)/kernel/src/tools/testing/selftests
KSELFTEST_BIN := $(BUILD)/tests/pt_reclaim_selftest

.PHONY: kselftest
ifneq ($(wildcard $(KSELFTEST_DIR)/kselftest_harness.h),)
all: $(KSELFTEST_BIN)
kselftest: $(KSELFTEST_BIN)
else
kselftest:
	@echo "kselftest: no kernel tree at $(KSELFTEST_DIR) (make kernel): $(KSELFTEST_BIN) not built"
endif

$(KSELFTEST_BIN): tests/kselftest/pt_reclaim.c $(KSELFTEST_DIR)/kselftest_harness.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -static -O2 -Wall -Werror -I$(KSELFTEST_DIR) \
		-I$(KSELFTEST_DIR)/mm -o $@ $<
