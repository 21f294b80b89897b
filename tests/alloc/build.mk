# The allocator workloads: tests/alloc/alloc-purge.c linked with each real
# allocator from Debian (dynamically, as users run them; the VM harness
# copies the libraries into the guest): build/tests/alloc-purge-ALLOC.
ALLOCATORS := glibc jemalloc tcmalloc
ALLOC_BINS := $(ALLOCATORS:%=$(BUILD)/tests/alloc-purge-%) \
	      $(ALLOCATORS:%=$(BUILD)/tests/alloc-steady-%) \
	      $(BUILD)/tests/steady-sample
ALLOC_LIBS_glibc :=
ALLOC_LIBS_jemalloc := -ljemalloc
ALLOC_LIBS_tcmalloc := -ltcmalloc_minimal

all: $(ALLOC_BINS)

$(BUILD)/tests/alloc-purge-%: tests/alloc/alloc-purge.c tests/alloc/purge-%.c \
		tests/workloads/status_kb.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ tests/alloc/alloc-purge.c \
		tests/alloc/purge-$*.c $(ALLOC_LIBS_$*)

# The steady-state benchmark's workload (tests/alloc/steady-bench.sh)
$(BUILD)/tests/alloc-steady-%: tests/alloc/alloc-steady.c tests/alloc/purge-%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -pthread -o $@ tests/alloc/alloc-steady.c \
		tests/alloc/purge-$*.c $(ALLOC_LIBS_$*) -lm

# The benchmark's observer: one process a mode (tests/alloc/steady-sample.c)
$(BUILD)/tests/steady-sample: tests/alloc/steady-sample.c $(LIB_CORE)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_CORE) $(LDLIBS)
