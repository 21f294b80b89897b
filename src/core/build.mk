# The core both programs link (libptwatch-core.a): /proc and cgroup
# readers, the snapshot and its JSON, the waste model, the census, the
# kernel's features. It depends on nothing else under src/.
CORE_SRCS := $(wildcard src/core/*.c)
CORE_OBJS := $(CORE_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_CORE  := $(BUILD)/lib/libptwatch-core.a

$(LIB_CORE): $(CORE_OBJS)
	$(archive)
