# Unit tests (cmocka): every tests/unit/test_*.c is one program, linked with
# the core sources and tests/unit/support/*.c (fake transport, fake clock).
# Each runs three ways: plain, under ASan+UBSan, and under valgrind.
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT := $(sort $(wildcard tests/unit/support/*.c))
UNIT_NAMES := $(notdir $(UNIT_SRCS:.c=))
UNIT_BIN := $(UNIT_NAMES:%=$(BUILD)/unit/%)
UNIT_ASAN_BIN := $(UNIT_NAMES:%=$(BUILD)/unit-asan/%)
UNIT_CFLAGS = $(DS_CFLAGS) -Icore -Itests/unit/support $(MBEDTLS_HOST_CFLAGS)
UNIT_LIBS = -lcmocka $(MBEDTLS_HOST_LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(UNIT_SUPPORT) $(CORE_SRC) $(wildcard include/*.h core/*.h tests/unit/support/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SUPPORT) $(CORE_SRC) $(UNIT_LIBS)

$(BUILD)/unit-asan/%: tests/unit/%.c $(UNIT_SUPPORT) $(CORE_SRC) $(wildcard include/*.h core/*.h tests/unit/support/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -O1 $(SAN) -o $@ $< $(UNIT_SUPPORT) $(CORE_SRC) $(UNIT_LIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

unit-asan: $(UNIT_ASAN_BIN)
	@set -e; for t in $(UNIT_ASAN_BIN); do echo "== asan $$t"; \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 $$t; done

unit-valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
	  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all $$t; done

TEST_TARGETS += unit unit-asan unit-valgrind
.PHONY: unit unit-asan unit-valgrind

# test_lwip_crypto builds the firmware's crypto hooks for the host.
LWIP_CRYPTO_SRC := port/lwip/crypto_sha256.c port/lwip/ds_lwip_crypto.h
$(BUILD)/unit/test_lwip_crypto $(BUILD)/unit-asan/test_lwip_crypto: $(LWIP_CRYPTO_SRC)

# test_tls_session builds the ports' session slot code for the host.
$(BUILD)/unit/test_tls_session $(BUILD)/unit-asan/test_tls_session: port/tls/tls_session.c port/tls/ds_tls_session_port.h

# test_config_store builds the kill switch's flash store for the host.
$(BUILD)/unit/test_config_store $(BUILD)/unit-asan/test_config_store $(BUILD)/coverage/bin/test_config_store: UNIT_CFLAGS += -Iboards
$(BUILD)/unit/test_config_store $(BUILD)/unit-asan/test_config_store: boards/killswitch/config_store.c boards/killswitch/config_store.h boards/board.h
