# libFuzzer targets: every tests/fuzz/fuzz_*.c. `make fuzz` runs each for
# FUZZ_SECONDS; `make test` runs each for FUZZ_SMOKE_SECONDS and fails on
# any crash, leak or sanitizer report.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_CFLAGS = -std=c11 -Wall -Wextra -Werror -Iinclude -Icore $(MBEDTLS_HOST_CFLAGS) -g -O1 \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(wildcard include/*.h core/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC) $(MBEDTLS_HOST_LIBS)

# The CLI's parsers (argv, --endpoint, token and credentials files).
FUZZ_CLI_SRC := boards/posix/cli_args.c boards/posix/endpoint.c \
                boards/posix/token_source.c boards/posix/aksk_source.c \
                port/posix/regular_file.c
$(BUILD)/fuzz/fuzz_cli: tests/fuzz/fuzz_cli.c $(FUZZ_CLI_SRC) $(CORE_SRC) $(wildcard include/*.h core/*.h boards/posix/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -Iboards/posix -Iport/posix -o $@ $< $(FUZZ_CLI_SRC) $(CORE_SRC) $(MBEDTLS_HOST_LIBS)

define run_fuzz
	@set -e; for f in $(FUZZ_BIN); do n=$$(basename $$f); \
	  mkdir -p $(BUILD)/fuzz/corpus-$$n; \
	  seeds=tests/fuzz/seeds/$$n; [ -d $$seeds ] || seeds=; \
	  echo "== $$n for $(1) s"; \
	  if ! $$f -max_total_time=$(1) -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
	      $(BUILD)/fuzz/corpus-$$n $$seeds > $(BUILD)/fuzz/$$n.log 2>&1; then \
	    tail -n 60 $(BUILD)/fuzz/$$n.log; echo "FUZZ FAILURE: $$n"; exit 1; fi; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" $(BUILD)/fuzz/$$n.log; done
endef

fuzz: $(FUZZ_BIN)
	$(call run_fuzz,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BIN)
	$(call run_fuzz,$(FUZZ_SMOKE_SECONDS))

TEST_TARGETS += fuzz-smoke
.PHONY: fuzz fuzz-smoke
