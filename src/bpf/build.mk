# The BPF object, its skeleton and the loader beside them:
#   vmlinux.h         types of the build machine's kernel (bpftool, from BTF);
#                     CO-RE relocates them to the running kernel at load
#   ptwatch.bpf.o     one object for every kernel (clang -target bpf)
#   ptwatch.skel.h    the skeleton the loader includes (bpftool gen skeleton)
#   task_iter.bpf.o   the sampler's task iterator, its own object, and
#   task_iter.skel.h  its skeleton (src/bpf/iter.c reads it)
#   libptwatch-bpf.a  the loader (every src/bpf/*.c but the BPF program):
#                     detect, select, load and attach, read, tally, JSON;
#                     include/bpf_probes.h is its interface
BPF_OBJ    := $(BUILD)/ptwatch.bpf.o
BPF_SKEL   := $(BUILD)/ptwatch.skel.h
BPF_CFLAGS := -target bpf -O2 -g -D__TARGET_ARCH_x86 -Wall -Werror \
              -Wno-unused-function -I$(BUILD) -Iinclude -Isrc/bpf
KERNEL_BTF ?= /sys/kernel/btf/vmlinux
LLVM_STRIP ?= $(shell command -v llvm-strip || command -v llvm-strip-14)

ITER_OBJ   := $(BUILD)/task_iter.bpf.o
ITER_SKEL  := $(BUILD)/task_iter.skel.h

all: $(BPF_OBJ) $(BPF_SKEL) $(ITER_OBJ) $(ITER_SKEL)

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	@[ -r "$(KERNEL_BTF)" ] || { echo "make: $(KERNEL_BTF) missing: the build needs a kernel with BTF" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(KERNEL_BTF) format c > $@.tmp && mv $@.tmp $@

$(BPF_OBJ): src/bpf/ptwatch.bpf.c $(wildcard src/bpf/*.h) include/ptwatch_bpf.h $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c -o $@.tmp $<
	@# DWARF is for debugging the build; BTF (kept) is what libbpf needs.
	$(LLVM_STRIP) -g -o $@ $@.tmp && rm -f $@.tmp

$(BPF_SKEL): $(BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name ptwatch_bpf > $@.tmp && mv $@.tmp $@

$(ITER_OBJ): src/bpf/task_iter.bpf.c src/bpf/core_fixes.bpf.h include/ptwatch_iter.h $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c -o $@.tmp $<
	$(LLVM_STRIP) -g -o $@ $@.tmp && rm -f $@.tmp

$(ITER_SKEL): $(ITER_OBJ)
	$(BPFTOOL) gen skeleton $< name ptw_task_iter > $@.tmp && mv $@.tmp $@

BPF_LOADER_SRCS := $(filter-out %.bpf.c,$(wildcard src/bpf/*.c))
BPF_LOADER_OBJS := $(BPF_LOADER_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_BPF         := $(BUILD)/lib/libptwatch-bpf.a

$(BPF_LOADER_OBJS): $(BPF_SKEL) $(ITER_SKEL)

$(LIB_BPF): $(BPF_LOADER_OBJS)
	$(archive)
