# The user-space C style (.clang-format, Debian 12's clang-format 14):
#   make check-format   list what differs, exit 1 if anything does
#   make format         rewrite the files in place
# BPF programs (*.bpf.c, *.bpf.h) and the kselftest (tests/kselftest/, a
# file of the kernel series' tools/testing/selftests/mm/) are kernel code,
# held to kernel style like kernel-patches/ (scripts/checkpatch.pl), not to
# this file.
# tests/host/t-format.sh runs check-format in `make test`.
CLANG_FORMAT ?= clang-format
FORMAT_SRCS   = $(sort $(filter-out %.bpf.c %.bpf.h tests/kselftest/%, \
	$(wildcard src/*/*.[ch] include/*.h tests/*/*.[ch] tests/*/*/*.[ch])))

.PHONY: check-format format
check-format:
	@bad=$$(for f in $(FORMAT_SRCS); do \
		$(CLANG_FORMAT) --dry-run --Werror "$$f" >/dev/null 2>&1 || echo "$$f"; \
	done); \
	if [ -n "$$bad" ]; then \
		echo "check-format: not as .clang-format says (make format fixes):"; \
		echo "$$bad" | sed 's/^/  /'; exit 1; \
	fi; \
	echo "check-format: $(words $(FORMAT_SRCS)) files as .clang-format says"

format:
	$(CLANG_FORMAT) -i $(FORMAT_SRCS)
