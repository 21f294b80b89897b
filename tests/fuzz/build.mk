# libFuzzer harness for the request parser: build/tests/fuzz/fuzz_request,
# clang with ASan and UBSan. tests/daemon/t-fuzz.sh runs it for a bounded time.
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc \
	$(shell pkg-config --cflags json-c inih 2>/dev/null) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS := tests/fuzz/fuzz_request.c src/daemon/proto.c src/daemon/config.c

all: $(BUILD)/tests/fuzz/fuzz_request

$(BUILD)/tests/fuzz/fuzz_request: $(FUZZ_SRCS) $(wildcard src/daemon/*.h include/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS) \
		$(shell pkg-config --libs json-c inih 2>/dev/null) -lm
