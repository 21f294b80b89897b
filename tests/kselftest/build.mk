# The kselftest of MADV_PT_RECLAIM: tests/kselftest/pt_reclaim.c is the
# file kernel-patches/0012 adds as tools/testing/selftests/mm/pt_reclaim.c
# (tests/kernel/t-cross-build.sh checks they are the same) ->
# build/tests/pt_reclaim_selftest, built as mainline's mm/Makefile builds
# its tests (-Wall -O2; kselftest_harness.h does not pass -Wextra), static
# for the guests. The harness comes from the kernel source: the tree that
# build-kernel.sh unpacks into $(BUILD)/kernel/src, or else its cached
# source tarball (a fresh clone whose kernels are all cached has no tree).
# t-reclaim-pid.sh and tests/stress/t-debug-stress.sh run `make kselftest` once their
# kernel is there, so the source has been fetched by then.
KSELFTEST_BIN := $(BUILD)/tests/pt_reclaim_selftest
KSELFTEST_TREE := $(BUILD)/kernel/src/tools/testing/selftests
KSELFTEST_TARBALL := $(firstword $(wildcard \
	$(or $(PTWATCH_CACHE),/var/cache/ptwatch)/src/$(shell cat kernel-patches/SOURCE_VERSION)/linux-source-6.12.tar.xz \
	$(or $(PTWATCH_CACHE),/var/cache/ptwatch)/src/*/linux-source-6.12.tar.xz))
ifneq ($(wildcard $(KSELFTEST_TREE)/kselftest_harness.h),)
KSELFTEST_DIR := $(KSELFTEST_TREE)
else ifneq ($(KSELFTEST_TARBALL),)
KSELFTEST_DIR := $(BUILD)/kselftest
endif

.PHONY: kselftest
ifneq ($(KSELFTEST_DIR),)
all: $(KSELFTEST_BIN)
kselftest: $(KSELFTEST_BIN)
else
kselftest:
	@echo "kselftest: no kernel source (make kernel): $(KSELFTEST_BIN) not built"
endif

# the harness out of the cached tarball (xz: the whole archive is read)
$(BUILD)/kselftest/kselftest_harness.h: $(KSELFTEST_TARBALL)
	@mkdir -p $(@D)/mm
	tar -xJf $< -C $(@D) --strip-components=4 \
		linux-source-6.12/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.12/tools/testing/selftests/kselftest.h
	@touch $@

$(KSELFTEST_BIN): tests/kselftest/pt_reclaim.c $(KSELFTEST_DIR)/kselftest_harness.h
	@mkdir -p $(@D) $(KSELFTEST_DIR)/mm
	$(CC) -std=gnu11 -static -O2 -Wall -Werror -I$(KSELFTEST_DIR) \
		-I$(KSELFTEST_DIR)/mm -o $@ $<
