# The BPF object and its skeleton, both in $(BUILD):
#   vmlinux.h         types of the build machine's kernel (bpftool, from BTF);
#                     CO-RE relocates them to the running kernel at load
#   ptwatch.bpf.o     one object for every kernel (clang -target bpf)
#   ptwatch.skel.h    the skeleton the loader includes (bpftool gen skeleton)
# BPF_SKEL makes every user-space object wait for the skeleton
# (src/daemon/build.mk lists it; this fragment is included first).
BPF_OBJ    := $(BUILD)/ptwatch.bpf.o
BPF_SKEL   := $(BUILD)/ptwatch.skel.h
BPF_CFLAGS := -target bpf -O2 -g -D__TARGET_ARCH_x86 -Wall -Werror \
              -Wno-unused-function -I$(BUILD) -Iinclude -Isrc/bpf
KERNEL_BTF ?= /sys/kernel/btf/vmlinux
LLVM_STRIP ?= $(shell command -v llvm-strip || command -v llvm-strip-14)

all: $(BPF_OBJ) $(BPF_SKEL)

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
