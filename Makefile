# deploystop: top-level build. `make` builds the library and the CLI,
# `make test` runs every test, `make demo` shows a stop against the mock.
# Each area keeps its rules in mk/*.mk; this file holds what they share.
.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD ?= build
CC ?= cc
CLANG ?= clang
PYTHON ?= python3
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -pedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 -Wvla
DS_CFLAGS = -std=c11 $(WARN) -Iinclude $(CFLAGS) $(EXTRA_CFLAGS)
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Debian packages the host build and the tests need; installed on first use
# (as root) or named with the exact apt-get command (otherwise).
HOST_PKGS := build-essential pkg-config libjsmn-dev libcmocka-dev \
             valgrind clang libclang-rt-14-dev cppcheck clang-tidy python3 \
             openssl curl ca-certificates complexity

DEPS_STAMP := $(BUILD)/.deps-host
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(@D)
	scripts/deps.sh $(HOST_PKGS)
	@touch $@
deps: $(DEPS_STAMP)

TEST_TARGETS :=
ALL_TARGETS :=

include mk/core.mk
include mk/mbedtls.mk
include mk/unit.mk
include mk/coverage.mk
include mk/fuzz.mk
include mk/lint.mk
include mk/size.mk
include mk/posix.mk
include mk/mock.mk
include mk/e2e.mk
include mk/firmware.mk
include mk/bench.mk

all: $(ALL_TARGETS)

# Every test, in order from fastest to slowest; the first failure stops.
test: $(TEST_TARGETS)
	@echo "make test: all test stages passed ($(TEST_TARGETS))"

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf third_party

.PHONY: all test deps clean distclean
