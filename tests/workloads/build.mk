# Workload programs for host and guest tests: tests/workloads/NAME.c ->
# build/tests/NAME. Static where glibc allows, so guests need no libraries.
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOAD_BINS := $(WORKLOAD_SRCS:tests/workloads/%.c=$(BUILD)/tests/%)

all: $(WORKLOAD_BINS)

$(BUILD)/tests/%: tests/workloads/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -pthread -o $@ $<

# Every workload may read its status through status_kb.h and share
# wl_common.h (uapi values, say(), number()); pt-race is one
# program whose modes are headers under pt-race/.
$(WORKLOAD_BINS): tests/workloads/status_kb.h tests/workloads/wl_common.h
$(BUILD)/tests/pt-race: $(wildcard tests/workloads/pt-race/*.h)
