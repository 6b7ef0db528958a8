# Static analysis (make lint) and the allocation ban on core/ (make no-malloc).
# Linted: every C file that compiles on the host (core/, port/posix/,
# boards/posix/, and port/lwip/crypto_sha256.c, which needs only mbedTLS).
# The other firmware sources (port/lwip/, boards/*/ for the Cortex-M board)
# need the cross toolchain and the fetched lwIP tree; they are built with
# -Werror by the firmware rules instead.
LINT_SRC := $(sort $(wildcard core/*.c port/posix/*.c boards/posix/*.c)) \
            port/lwip/crypto_sha256.c port/tls/tls_session.c
LINT_INC := -I$(CURDIR)/include -I$(CURDIR)/core -I$(CURDIR)/port/posix -I$(CURDIR)/port/tls \
            -I$(CURDIR)/boards/posix
LINT_FLAGS := $(BUILD)/lint/compile_flags.txt

# clang-tidy finds the flags in the compile_flags.txt of the -p directory.
$(LINT_FLAGS): mk/lint.mk | $(MBEDTLS_HOST_STAMP)
	@mkdir -p $(@D)
	printf '%s\n' -std=c11 $(LINT_INC) -isystem $(CURDIR)/$(MBEDTLS_HOST_DIR)/include > $@

lint-cppcheck: | $(DEPS_STAMP)
	cppcheck --enable=warning,style,performance,portability --error-exitcode=1 \
	  --inline-suppr --std=c11 -q $(LINT_INC) --suppress=missingIncludeSystem \
	  $(LINT_SRC)

lint-tidy: $(LINT_FLAGS) | $(DEPS_STAMP)
	@set -e; fail=0; for f in $(LINT_SRC); do \
	  clang-tidy --quiet -p $(BUILD)/lint $$f 2>/dev/null || fail=1; done; \
	  [ $$fail = 0 ] || { echo "lint-tidy: findings above"; exit 1; }

# Every function of core/, port/ and boards/ (the firmware's too) at GNU
# complexity 10 or below (Debian's `complexity`).
lint-complexity: | $(DEPS_STAMP)
	@over=$$(complexity --threshold=11 $$(git ls-files 'core/*.c' 'port/*.c' 'boards/*.c' 2>/dev/null || ls core/*.c port/*/*.c boards/*/*.c) 2>/dev/null | grep -E '^ *[0-9]+ ' || true); \
	  if [ -n "$$over" ]; then echo "lint-complexity: over GNU complexity 10:"; echo "$$over"; exit 1; fi; \
	  echo "lint-complexity: every function of core/, port/, boards/ at 10 or below"

lint: lint-cppcheck lint-tidy lint-complexity

# core/ must not allocate: no malloc/calloc/realloc/free/alloca call in the
# objects (checked on the symbols they import, so comments do not matter),
# no alloca in the sources, and no VLA (compiled again with -Werror=vla).
NO_MALLOC_SYMS := malloc calloc realloc free alloca aligned_alloc posix_memalign \
                  strdup strndup
no-malloc: $(CORE_OBJ)
	@set -e; bad=$$(nm -u $(CORE_OBJ) | awk '{print $$NF}' | \
	  grep -xE '$(subst $(eval) ,|,$(strip $(NO_MALLOC_SYMS)))' | sort -u || true); \
	  if [ -n "$$bad" ]; then echo "no-malloc: core/ imports: $$bad"; \
	    nm -A -u $(CORE_OBJ) | grep -wE '$(subst $(eval) ,|,$(strip $(NO_MALLOC_SYMS)))'; exit 1; fi
	@if grep -nE '\b(__builtin_)?alloca[[:space:]]*\(' core/*.c core/*.h; then \
	  echo "no-malloc: alloca in core/"; exit 1; fi
	@for f in $(CORE_SRC); do $(CC) $(DS_CFLAGS) -Werror=vla -fsyntax-only $$f || exit 1; done
	@echo "no-malloc: core/ allocates nothing (no heap, no alloca, no VLA) in $(words $(CORE_SRC)) files"

TEST_TARGETS += no-malloc lint
.PHONY: lint lint-cppcheck lint-tidy lint-complexity no-malloc
