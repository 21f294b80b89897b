# cmocka unit tests: tests/unit/test_NAME.c -> build/tests/unit/test_NAME,
# linked against the daemon's modules, the BPF loader and the core. A test
# of a folder's private module includes it by path ("daemon/config.h").
# Fixtures are in tests/fixtures.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

all: $(UNIT_BINS)

UNIT_LIBS := $(LIB_DAEMON) $(LIB_BPF) $(LIB_CORE)

$(BUILD)/tests/unit/%: tests/unit/%.c $(UNIT_LIBS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Isrc -DFIXTURES='"$(CURDIR)/tests/fixtures"' -o $@ $< \
		$(UNIT_LIBS) $(LDLIBS) -lcmocka
