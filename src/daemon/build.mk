# ptwatchd, the service. Everything but main.c is also packed into
# libptwatchd.a, which the unit tests link to test the daemon's modules.
DAEMON_SRCS := $(filter-out src/daemon/main.c,$(wildcard src/daemon/*.c))
DAEMON_OBJS := $(DAEMON_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_DAEMON  := $(BUILD)/lib/libptwatchd.a

all: $(BUILD)/ptwatchd

$(LIB_DAEMON): $(DAEMON_OBJS)
	$(archive)

$(BUILD)/ptwatchd: $(BUILD)/obj/daemon/main.o $(LIB_DAEMON) $(LIB_BPF) \
		   $(LIB_CORE)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
