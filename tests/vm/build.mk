# tests/vm/ftrace-toggle.c -> build/tests/ftrace-toggle: a guest tool that
# attaches and detaches BPF programs on one function in a loop (for
# tests/vm/repro-ftrace-switch.sh). Linked with libbpf like ptwatch; the
# guest initramfs copies its libraries (tests/vm/guest.sh).
all: $(BUILD)/tests/ftrace-toggle

$(BUILD)/tests/ftrace-toggle: tests/vm/ftrace-toggle.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)
