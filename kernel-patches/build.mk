# The patched Linux 6.12 test kernel (kernel-patches/README.md):
#   make kernel    build it, or print the cached bzImage's path
# tests/kernel/t-*.sh call the same script, so `make test` builds it too.
.PHONY: kernel
kernel:
	kernel-patches/build-kernel.sh
# The debug variant (KASAN, lockdep, DEBUG_VM, PAGE_TABLE_CHECK) for the
# stress tests: tests/stress/t-debug-stress.sh.
.PHONY: kernel-debug
kernel-debug:
	kernel-patches/build-kernel.sh --debug
