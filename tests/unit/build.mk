# cmocka unit tests: tests/unit/test_NAME.c -> build/tests/unit/test_NAME,
# linked against the user-space library. Fixtures are in tests/fixtures.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

all: $(UNIT_BINS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBPTWATCH) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DFIXTURES='"$(CURDIR)/tests/fixtures"' -o $@ $< \
		$(LIBPTWATCH) $(LDLIBS) -lcmocka
