# firmware: the kill switch for QEMU's mps2-an385 (Cortex-M3), built from
# core/, port/lwip/, boards/killswitch/ and boards/qemu-mps2-an385/ plus lwIP
# 2.2.1 and Mbed TLS 3.6 fetched from Debian 13's source packages into
# third_party/ (ignored) on first build.
HOST_PKGS += qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi

FW_CC := arm-none-eabi-gcc
FW_SIZE := arm-none-eabi-size
FW_DIR := $(BUILD)/firmware
FW_LD ?= boards/qemu-mps2-an385/an385.ld
FW_ELF := $(FW_DIR)/killswitch.elf
# TP, LWIP_DIR, MBEDTLS_DIR and the fetch: mk/mbedtls.mk.
FW_FETCH_STAMP := $(TP_FETCH_STAMP)

FW_ARCH := -mcpu=cortex-m3 -mthumb -mfloat-abi=soft
# The same limits for every object that sees ds_workspace_t: a board sizes
# the core's buffers (ds_config.h) for its RAM; see port/lwip/README.md.
FW_DS_DEFS := -DDS_HTTP_BODY_MAX=768u -DDS_HTTP_LINE_MAX=768u \
              -DDS_JSON_TOKENS=24u -DDS_REQ_HEAD_MAX=768u \
              -DDS_TLS_SESSION_MAX=512u -DDS_RUNNING_MAX=4u
FW_EXTRA_DEFS ?=
FW_DEFS := $(FW_DS_DEFS) $(FW_EXTRA_DEFS) -DDS_BOARD_TEST_ONLY_ENTROPY \
           -DMBEDTLS_CONFIG_FILE='"ds_mbedtls_config.h"'
FW_INC = -Iinclude -Icore -Iboards -Iboards/killswitch -Iboards/qemu-mps2-an385 \
         -Iport/lwip -Iport/tls -I$(LWIP_DIR)src/include -I$(MBEDTLS_DIR)include -I$(FW_DIR)/sysinc
FW_OPT := -Os -g -ffunction-sections -fdata-sections -fno-common -fstack-usage \
          --specs=nano.specs
# Our code: the project's warnings; third-party code: theirs, not -Werror.
FW_CFLAGS = -std=c11 $(WARN) $(FW_ARCH) $(FW_OPT) $(FW_DEFS) $(FW_INC)
FW_TP_CFLAGS = -std=gnu99 -w $(FW_ARCH) $(FW_OPT) $(FW_DEFS) $(FW_INC)
# No _sbrk is provided: anything that pulls malloc into the image fails to
# link. Mbed TLS is driven by the port itself over the raw TCP API
# (port/lwip/transport_lwip.c): no altcp, nothing wrapped.
FW_LDFLAGS := $(FW_ARCH) --specs=nano.specs -nostartfiles -Wl,--gc-sections \
              -T$(FW_LD) -Wl,-Map=$(FW_DIR)/killswitch.map

FW_OWN_SRC = $(CORE_SRC) $(sort $(wildcard port/lwip/*.c)) port/tls/tls_session.c \
             $(sort $(wildcard boards/killswitch/*.c)) \
             $(sort $(wildcard boards/qemu-mps2-an385/*.c))
LWIP_FILES := core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c \
  core/mem.c core/memp.c core/netif.c core/pbuf.c core/stats.c core/sys.c \
  core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
  core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
  core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c
# Every file of Mbed TLS 3.6's library/ that has code in this configuration
# (port/lwip/ds_mbedtls_config.h): a TLS 1.2 client.
MBEDTLS_FILES := aes.c asn1parse.c asn1write.c base64.c bignum.c bignum_core.c \
  cipher.c cipher_wrap.c constant_time.c ctr_drbg.c ecdh.c ecdsa.c ecp.c \
  ecp_curves.c gcm.c md.c memory_buffer_alloc.c oid.c pem.c pk.c pk_ecc.c \
  pk_wrap.c pkparse.c platform.c platform_util.c rsa.c rsa_alt_helpers.c \
  sha256.c sha512.c ssl_ciphersuites.c ssl_client.c ssl_msg.c ssl_tls.c \
  ssl_tls12_client.c x509.c x509_crt.c
# The TLS 1.3 measurement build (FW_EXTRA_DEFS=-DDS_TLS13): PSA Crypto too.
ifneq ($(filter -DDS_TLS13,$(FW_EXTRA_DEFS)),)
MBEDTLS_FILES += psa_crypto.c psa_crypto_aead.c psa_crypto_cipher.c psa_crypto_client.c \
  psa_crypto_driver_wrappers_no_static.c psa_crypto_ecp.c psa_crypto_hash.c \
  psa_crypto_mac.c psa_crypto_rsa.c psa_crypto_slot_management.c psa_util.c \
  ssl_tls13_client.c ssl_tls13_generic.c ssl_tls13_keys.c block_cipher.c hkdf.c
endif

# Mbed TLS's curve reduction (-O2) and big-number arithmetic (-O1) built
# for speed instead of size: +1,800 B of flash for -11 M instructions per
# cold handshake (docs/measurements.md "Public-key time").
FW_MBEDTLS_O2 ?= ecp_curves.c
FW_MBEDTLS_O1 ?= bignum_core.c bignum.c

FW_OWN_OBJ = $(FW_OWN_SRC:%.c=$(FW_DIR)/own/%.o)
FW_LWIP_OBJ := $(LWIP_FILES:%.c=$(FW_DIR)/lwip/%.o)
FW_MBEDTLS_OBJ := $(MBEDTLS_FILES:%.c=$(FW_DIR)/mbedtls/%.o)
$(FW_MBEDTLS_O2:%.c=$(FW_DIR)/mbedtls/%.o): FW_OPT := $(subst -Os,-O2,$(FW_OPT))
$(FW_MBEDTLS_O1:%.c=$(FW_DIR)/mbedtls/%.o): FW_OPT := $(subst -Os,-O1,$(FW_OPT))

# jsmn is a single header: give the cross compiler that header alone, not
# the host's /usr/include.
$(FW_DIR)/sysinc/jsmn.h: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	cp /usr/include/jsmn.h $@

FW_PRE := $(FW_FETCH_STAMP) $(FW_DIR)/sysinc/jsmn.h

$(FW_DIR)/own/%.o: %.c | $(FW_PRE)
	@mkdir -p $(@D)
	@echo "FW_CC $<"
	@$(FW_CC) $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(FW_DIR)/lwip/%.o: | $(FW_PRE)
	@mkdir -p $(@D)
	@echo "FW_CC lwip/$*.c"
	@$(FW_CC) $(FW_TP_CFLAGS) -MMD -MP -c $(LWIP_DIR)src/$*.c -o $@

$(FW_DIR)/mbedtls/%.o: | $(FW_PRE)
	@mkdir -p $(@D)
	@echo "FW_CC mbedtls/$*.c"
	@$(FW_CC) $(FW_TP_CFLAGS) -MMD -MP -c $(MBEDTLS_DIR)library/$*.c -o $@

$(FW_ELF): $(FW_OWN_OBJ) $(FW_LWIP_OBJ) $(FW_MBEDTLS_OBJ) $(FW_LD)
	$(FW_CC) $(FW_LDFLAGS) -o $@ $(FW_OWN_OBJ) $(FW_LWIP_OBJ) $(FW_MBEDTLS_OBJ) -lc -lgcc
	$(FW_SIZE) $@

firmware: $(FW_ELF)
ALL_TARGETS += firmware

# The test image the QEMU tests run: the shipped objects, except the
# console and the state machine built with FW_TEST_DEFS: plain http://
# endpoints accepted (the shipped console refuses them: the token would
# travel in clear), a paste abandoned after 3 s idle instead of 30 s, the
# self-test every 5 s instead of 10 min, and the `test` console command
# (hang the loop, cut the power inside a flash save, automatic checks off).
FW_TEST_DEFS := -DKS_TEST_IMAGE -DKS_PASTE_IDLE_MS=3000u -DKS_CHECK_PERIOD_MS=5000u
FW_TEST_ELF := $(FW_DIR)/killswitch-test.elf
FW_TEST_SRC := boards/killswitch/console.c boards/killswitch/killswitch.c
FW_TEST_OWN_OBJ := $(FW_TEST_SRC:%.c=$(FW_DIR)/own-test/%.o)
$(FW_DIR)/own-test/%.o: %.c | $(FW_PRE)
	@mkdir -p $(@D)
	@echo "FW_CC $< (test image)"
	@$(FW_CC) $(FW_CFLAGS) $(FW_TEST_DEFS) -MMD -MP -c $< -o $@
FW_TEST_OBJ = $(filter-out $(FW_TEST_SRC:%.c=$(FW_DIR)/own/%.o),$(FW_OWN_OBJ)) \
              $(FW_TEST_OWN_OBJ) $(FW_LWIP_OBJ) $(FW_MBEDTLS_OBJ)
$(FW_TEST_ELF): $(FW_TEST_OBJ) $(FW_LD)
	$(FW_CC) $(subst killswitch.map,killswitch-test.map,$(FW_LDFLAGS)) -o $@ $(FW_TEST_OBJ) -lc -lgcc
	$(FW_SIZE) $@

# The QEMU tests (tests/firmware/test_firmware.py) and the demo. Each QEMU
# run is bounded inside the scripts (timeout -s KILL); `timeout` here bounds
# the whole stage. The tests run the test image; FW_SHIPPED_ELF lets one
# case boot the shipped image too and check that it refuses http://.
FW_TEST_DIR := $(BUILD)/firmware-test
firmware-test: $(FW_TEST_ELF) $(FW_ELF) firmware-entropy-guard
	FW_SHIPPED_ELF=$(FW_ELF) timeout -s KILL 600 $(PYTHON) tests/firmware/test_firmware.py \
	  $(FW_TEST_ELF) $(FW_TEST_DIR)
	timeout -s KILL 600 $(PYTHON) tests/firmware/test_field.py $(FW_TEST_ELF) $(BUILD)/firmware-field

TEST_TARGETS += firmware-test

# A board with neither DS_BOARD_HAS_TRNG nor DS_BOARD_TEST_ONLY_ENTROPY must
# not compile.
firmware-entropy-guard: | $(DEPS_STAMP)
	@if echo '#include "board.h"' | $(FW_CC) -Iinclude -Iboards -x c -fsyntax-only - \
	    2>$(FW_DIR)/entropy-guard.err; then \
	  echo "board.h compiled without an entropy source"; exit 1; fi; \
	grep -q "no entropy source" $(FW_DIR)/entropy-guard.err && \
	  echo "entropy guard: a board without an entropy source does not build"

# `make latency` (not part of `make test`): press -> first request byte,
# cold against resumed TLS, in guest instructions (tests/firmware/latency.py).
latency: $(FW_ELF)
	timeout -s KILL 900 $(PYTHON) tests/firmware/latency.py $(FW_ELF) $(BUILD)/latency

demo-firmware: $(FW_ELF)
	timeout -s KILL 180 $(PYTHON) tests/firmware/demo.py $(FW_ELF) $(BUILD)/firmware-demo

# `make size`: image sections against the bar (128 KB flash, 48 KB RAM; the
# linker script enforces both) and the memory measured at run time.
FW_FLASH_MAX := 131072
FW_RAM_MAX := 49152
size-firmware: $(FW_ELF)
	@$(FW_SIZE) -A $(FW_ELF) | awk '$$1==".text"||$$1==".ARM.exidx"{t+=$$2} $$1==".data"{d=$$2} \
	  $$1==".bss"{b=$$2} $$1==".stack"{s=$$2} END{ \
	  printf "firmware image (%s):\n  .text %d  .data %d  .bss %d  stack %d\n", "$(FW_ELF)", t, d, b, s; \
	  printf "  flash %d of %d bytes (headroom %d), RAM %d of %d bytes (headroom %d)\n", \
	    t+d, $(FW_FLASH_MAX), $(FW_FLASH_MAX)-t-d, d+b+s, $(FW_RAM_MAX), $(FW_RAM_MAX)-d-b-s; \
	  printf "  configuration flash: 2 copies of 24576 bytes after the image (boards/README.md)\n"; \
	  if (t+d > $(FW_FLASH_MAX) || d+b+s > $(FW_RAM_MAX)) exit 1 }'
	timeout -s KILL 180 $(PYTHON) tests/firmware/measure.py $(FW_ELF) $(BUILD)/firmware-size
SIZE_EXTRA += size-firmware

-include $(FW_OWN_OBJ:.o=.d) $(FW_TEST_OWN_OBJ:.o=.d) $(FW_LWIP_OBJ:.o=.d) $(FW_MBEDTLS_OBJ:.o=.d)
.PHONY: firmware firmware-entropy-guard firmware-test demo-firmware latency size-firmware
# The limits (FW_DS_DEFS) shape ds_workspace_t and ds_halt_t: every object
# is built again when they change, never a mix of two layouts.
$(FW_OWN_OBJ) $(FW_TEST_OWN_OBJ): mk/firmware.mk
