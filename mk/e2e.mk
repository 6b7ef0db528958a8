# End-to-end tests: build/deploystop against the mock server on loopback
# (tests/e2e, Python unittest), an install check, and `make demo`.
E2E_WORK := $(BUILD)/e2e
E2E_STAGE := $(E2E_WORK)/stage
E2E_TIMEOUT ?= 600

# The CLI's pure parts (boards/posix without main.c), under ASan+UBSan.
CLI_UNIT_SRC := boards/posix/cli_args.c boards/posix/endpoint.c boards/posix/report.c
$(E2E_WORK)/cli_units: tests/e2e/cli_units.c $(CLI_UNIT_SRC) $(CORE_SRC) $(wildcard boards/posix/*.h include/*.h) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(DS_CFLAGS) -Iboards/posix $(MBEDTLS_HOST_CFLAGS) -O1 $(SAN) -o $@ $< $(CLI_UNIT_SRC) $(CORE_SRC) -lcmocka $(MBEDTLS_HOST_LIBS)

# Test-only LD_PRELOAD shim: a name resolving to several loopback addresses.
$(E2E_WORK)/gai_shim.so: tests/e2e/gai_shim.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -shared -fPIC -o $@ $< -ldl

# Test-only: one session slot over connections to several hosts.
$(E2E_WORK)/session_probe: tests/e2e/session_probe.c $(POSIX_LIB) $(LIB) $(MBEDTLS_HOST_STAMP) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(POSIX_CFLAGS) -o $@ $< $(POSIX_LIB) $(LIB) $(MBEDTLS_HOST_LIBS)

e2e: $(CLI) e2e-install $(E2E_WORK)/cli_units $(E2E_WORK)/gai_shim.so $(E2E_WORK)/session_probe
	$(E2E_WORK)/cli_units
	@rm -rf $(E2E_WORK)/run && mkdir -p $(E2E_WORK)/run
	DEPLOYSTOP_BIN=$(abspath $(CLI)) E2E_WORK=$(abspath $(E2E_WORK)/run) \
	  E2E_GAI_SHIM=$(abspath $(E2E_WORK)/gai_shim.so) \
	  E2E_SESSION_PROBE=$(abspath $(E2E_WORK)/session_probe) \
	  timeout $(E2E_TIMEOUT) $(PYTHON) -m unittest discover -s tests/e2e -p 'test_*.py' -v

# `make install` into a staging directory, then build and run a program
# against it through pkg-config only.
e2e-install: $(LIB) $(POSIX_LIB) $(CLI) | $(DEPS_STAMP)
	@rm -rf $(E2E_STAGE) && mkdir -p $(E2E_STAGE)
	$(MAKE) --no-print-directory BUILD=$(BUILD) PREFIX=/usr/local DESTDIR=$(abspath $(E2E_STAGE)) install >/dev/null
	test -x $(E2E_STAGE)/usr/local/bin/deploystop
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR=$(E2E_STAGE)/usr/local/lib/pkgconfig \
	  PKG_CONFIG_SYSROOT_DIR=$(abspath $(E2E_STAGE)) \
	  sh -c '$(CC) -std=c11 -Wall -Wextra -Werror $$(pkg-config --cflags deploystop) \
	    -o $(E2E_STAGE)/consumer tests/e2e/install_consumer.c $$(pkg-config --libs deploystop)'
	$(E2E_STAGE)/consumer

demo: $(CLI) | $(DEPS_STAMP)
	DEPLOYSTOP_BIN=$(abspath $(CLI)) DEMO_WORK=$(abspath $(BUILD)/demo) sh tests/e2e/demo.sh

.PHONY: e2e e2e-install demo

TEST_TARGETS += e2e
