# ptwatch, the command line: main.c dispatches to one file per subcommand
# (snapshot, top, show, status, record, reclaim); view, report and client
# are what those commands share.
CLI_SRCS := $(wildcard src/cli/*.c)
CLI_OBJS := $(CLI_SRCS:src/%.c=$(BUILD)/obj/%.o)

all: $(BUILD)/ptwatch

$(BUILD)/ptwatch: $(CLI_OBJS) $(LIB_BPF) $(LIB_CORE)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
