# User space: every src/daemon/*.c except the two mains goes into one static
# library that the binaries and the unit tests link against.
DAEMON_MAINS := src/daemon/cli_main.c src/daemon/ptwatchd_main.c
DAEMON_SRCS  := $(filter-out $(DAEMON_MAINS),$(wildcard src/daemon/*.c))
DAEMON_OBJS  := $(DAEMON_SRCS:src/daemon/%.c=$(BUILD)/obj/%.o)
LIBPTWATCH   := $(BUILD)/libptwatch.a

all: $(BUILD)/ptwatch $(BUILD)/ptwatchd

$(BUILD)/obj/%.o: src/daemon/%.c $(wildcard include/*.h) $(BPF_SKEL) | $(BUILD)/obj
	$(CC) $(CFLAGS) -MMD -c -o $@ $<

$(BUILD)/obj:
	mkdir -p $@

$(LIBPTWATCH): $(DAEMON_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/ptwatch: $(BUILD)/obj/cli_main.o $(LIBPTWATCH)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/ptwatchd: $(BUILD)/obj/ptwatchd_main.o $(LIBPTWATCH)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

-include $(wildcard $(BUILD)/obj/*.d)
