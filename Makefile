# ptwatch top-level build. Each part keeps its own rules in a fragment
# (src/*/build.mk, tests/*/build.mk, kernel-patches/build.mk) so that the
# parts can grow without editing one shared file; mk/c.mk says how a C file
# under src/ becomes an object.
#
#   make            build build/ptwatch, build/ptwatchd and the BPF object
#   make deps       install every Debian package the build and tests need
#   make test       build and run every test suite
#   make test-long  the kernel suites at full length (docs/kernel-stress.md)
#   make bench-alloc the steady-state allocator benchmark (docs/alloc-bench.md)
#   make check-format  user-space C against .clang-format (make format fixes)
#   make install    DESTDIR=... PREFIX=/usr
SHELL    := /bin/bash
BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || ls /usr/sbin/bpftool 2>/dev/null)
PKGS     := libbpf json-c inih libsystemd libmicrohttpd
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -I$(BUILD) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lelf -lz -lm

.PHONY: all deps test test-long bench-alloc install clean
all:

include mk/deps.mk mk/c.mk mk/format.mk mk/deb.mk
# src/ in link order: a fragment may use the libraries named before it
# (core <- bpf loader <- daemon, cli).
include src/core/build.mk src/bpf/build.mk src/daemon/build.mk src/cli/build.mk
include $(sort $(wildcard tests/*/build.mk kernel-patches/build.mk))

test: all
	tests/run-tests.sh

# Five minutes of stress on the debug kernel, 30 s per race mode, the
# benchmark at the seeds' sizes with 8 blocks of rounds: about an hour.
test-long: all
	PTWATCH_LONG=1 PTWATCH_SUITES="kernel stress" tests/run-tests.sh

# The steady-state benchmark at full length (docs/alloc-bench.md): 600 s
# per mode in the patched guest; rewrites docs/alloc-bench-*.png and
# docs/alloc-bench-table.md. About 17 minutes (995 s measured on 2 cores).
bench-alloc: all
	tests/alloc/steady-bench.sh --long

clean:
	rm -rf $(BUILD)
