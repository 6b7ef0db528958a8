# Core coverage (make coverage): the unit tests linked with core objects
# built with --coverage, run once, then a per-file gcov table ending with
# `core coverage: lines L% branches B%` (scripts/coverage.py).
# coverage-check, a `make test` stage, fails below COV_MIN_LINES /
# COV_MIN_BRANCHES.
COV_DIR := $(BUILD)/coverage
COV_OBJ := $(CORE_SRC:%.c=$(COV_DIR)/%.o)
COV_BIN := $(UNIT_NAMES:%=$(COV_DIR)/bin/%)
COV_MIN_LINES ?= 100
COV_MIN_BRANCHES ?= 98
COV_FLAGS := -O0 --coverage
# Kept between runs (the objects are intermediate to the test programs).
.SECONDARY: $(COV_OBJ)

$(COV_DIR)/core/%.o: core/%.c $(wildcard include/*.h core/*.h) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(DS_CFLAGS) $(COV_FLAGS) -c $< -o $@

$(COV_DIR)/bin/%: tests/unit/%.c $(UNIT_SUPPORT) $(COV_OBJ) $(wildcard tests/unit/support/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) $(COV_FLAGS) -o $@ $< $(UNIT_SUPPORT) $(COV_OBJ) $(UNIT_LIBS)

define run_coverage
	@rm -f $(COV_DIR)/core/*.gcda
	@set -e; for t in $(COV_BIN); do $$t > $(COV_DIR)/$$(basename $$t).log 2>&1 || \
	  { cat $(COV_DIR)/$$(basename $$t).log; exit 1; }; done
	@$(PYTHON) scripts/coverage.py $(COV_DIR)/core $(CORE_SRC) $(1)
endef

coverage: $(COV_BIN)
	$(call run_coverage,)

coverage-check: $(COV_BIN)
	$(call run_coverage,--min-lines $(COV_MIN_LINES) --min-branches $(COV_MIN_BRANCHES))

# After the unit stages (the same programs, instrumented): well under a
# minute.
TEST_TARGETS += coverage-check
.PHONY: coverage coverage-check
