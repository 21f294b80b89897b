# The patched Linux 6.12 test kernel (kernel-patches/README.md):
#   make kernel    build it, or print the cached bzImage's path
# tests/kernel/t-*.sh call the same script, so `make test` builds it too.
.PHONY: kernel
kernel:
	kernel-patches/build-kernel.sh
